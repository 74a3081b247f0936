//! How the Markdown importer scales with the size of its input, against pulldown-cmark's own
//! parse of the same text (the floor: the importer parses with it).
//!
//! `cargo run --release --example import_scale -- MODE MB` with MODE `parse` (pulldown-cmark
//! only) or `import` (the whole import), on a generated checklist of about MB megabytes: sections
//! of twenty tasks, some nested, with inline code and emphasis. Prints the input size and the
//! time. Given a third argument `heap`, it also counts the heap: what each mode held at its
//! peak beyond the input text, and what the template keeps (`/usr/bin/time -v` gives the whole
//! process's peak). Given `seeds`, the input is the five seed checklists repeated instead. With
//! MODE `condition` and a count
//! N instead of MB, it times parsing `status in [200, 200, …]` with N values, to show the
//! condition parser is linear. With MODE `markdown`, it prints the input instead, for timing
//! `preflight import` itself. docs/BENCHMARKS.md has the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]
#![allow(unsafe_code, reason = "a global allocator that counts the heap is unsafe to implement; it only forwards to the system allocator")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use preflight::import::{ImportOptions, import_markdown};
use pulldown_cmark::{Options, Parser};

/// The system allocator, counting the bytes held now and the most held at once.
struct Counting;

/// Counting costs time on every allocation, so only a run given `heap` counts.
static COUNTING: AtomicBool = AtomicBool::new(false);

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call goes to the system allocator as it came; the counters only add and subtract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `alloc`.
        let block = unsafe { System.alloc(layout) };
        if COUNTING.load(Ordering::Relaxed) && !block.is_null() {
            let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: as the caller promised for `dealloc`.
        unsafe { System.dealloc(block, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as the caller promised for `realloc`.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if COUNTING.load(Ordering::Relaxed) && !moved.is_null() {
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
            let held = HELD.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn checklist(bytes: usize) -> String {
    let mut text = String::from("# Big rollout\n\n");
    let mut section = 0;
    while text.len() < bytes {
        section += 1;
        let _ = write!(text, "## Section {section}\n\nWhat section {section} covers, with **bold** and `code`.\n\n");
        for item in 0..20 {
            let _ = writeln!(text, "- [ ] Check item {section}.{item}: the service `svc-{item}` answers within 200 ms");
            if item % 5 == 0 {
                let _ = writeln!(text, "  - [ ] Nested step {section}.{item}.a");
            }
        }
        text.push('\n');
    }
    text
}

/// The five seed checklists, one after another, again and again: text as teams write it, with
/// long items, descriptions, code, tables and sign-off sections.
fn seeds(bytes: usize) -> String {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md") && !path.ends_with("README.md"))
        .collect();
    names.sort();
    let seeds: Vec<String> = names.iter().map(|path| std::fs::read_to_string(path).unwrap()).collect();
    let mut text = String::new();
    while text.len() < bytes {
        for seed in &seeds {
            text.push_str(seed);
            text.push_str("\n\n");
        }
    }
    text
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "import".into());
    let megabytes: usize = args.next().and_then(|mb| mb.parse().ok()).unwrap_or(10);
    let rest: Vec<String> = args.collect();
    let text = match mode.as_str() {
        "condition" => String::new(),
        _ if rest.iter().any(|arg| arg == "seeds") => seeds(megabytes << 20),
        _ => checklist(megabytes << 20),
    };
    if mode == "markdown" {
        print!("{text}");
        return;
    }
    let text = text.into_boxed_str().into_string();
    let counting = rest.iter().any(|arg| arg == "heap");
    COUNTING.store(counting, Ordering::Relaxed);
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    // Each mode's time runs until its result is ready: the parser's tree is freed within it, the
    // template the import made is not (what uses the template frees it).
    let (summary, elapsed, peak) = match mode.as_str() {
        "parse" => {
            let options = Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM;
            let events = Parser::new_ext(&text, options).into_offset_iter().count();
            (format!("{events} events"), started.elapsed(), PEAK.load(Ordering::Relaxed))
        }
        "import" => {
            let imported = import_markdown(&text, &ImportOptions { id: "big".into(), title: None });
            let (elapsed, peak, held) = (started.elapsed(), PEAK.load(Ordering::Relaxed), HELD.load(Ordering::Relaxed));
            let checks = imported.template.counts().checks;
            let summary = if counting {
                format!("{checks} checks in a template of {:.1} MB", (held - before) as f64 / 1e6)
            } else {
                format!("{checks} checks")
            };
            (summary, elapsed, peak)
        }
        "condition" => {
            let condition = format!("status in [{}]", vec!["200"; megabytes].join(", "));
            let started = Instant::now();
            let outcome = preflight::probe::condition::parse(&condition).map_or_else(|err| err.to_string(), |_| "parsed".to_string());
            println!("condition: {} values, {} bytes, {outcome}, {:.4} s", megabytes, condition.len(), started.elapsed().as_secs_f64());
            return;
        }
        other => panic!("unknown mode `{other}`: use parse, import, condition or markdown"),
    };
    let mut line = format!("{mode}: {} bytes, {summary}, {:.3} s", text.len(), elapsed.as_secs_f64());
    if counting {
        let peak = peak - before;
        let _ = write!(line, ", peak heap beyond the input {:.1} MB ({:.2} × the input)", peak as f64 / 1e6, peak as f64 / text.len() as f64);
    }
    println!("{line}");
}
