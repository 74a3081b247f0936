//! How the Markdown importer scales with the size of its input, against pulldown-cmark's own
//! parse of the same text (the floor: the importer parses with it).
//!
//! `cargo run --release --example import_scale -- MODE MB` with MODE `parse` (pulldown-cmark
//! only) or `import` (the whole import), on a generated checklist of about MB megabytes: sections
//! of twenty tasks, some nested, with inline code and emphasis. Prints the input size and the
//! time; run it under `/usr/bin/time -v` for the peak memory. With MODE `condition` and a count
//! N instead of MB, it times parsing `status in [200, 200, …]` with N values, to show the
//! condition parser is linear. docs/BENCHMARKS.md has the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::fmt::Write;
use std::time::Instant;

use preflight::import::{ImportOptions, import_markdown};
use pulldown_cmark::{Options, Parser};

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

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "import".into());
    let megabytes: usize = args.next().and_then(|mb| mb.parse().ok()).unwrap_or(10);
    let text = if mode == "condition" { String::new() } else { checklist(megabytes << 20) };
    let started = Instant::now();
    let summary = match mode.as_str() {
        "parse" => {
            let options = Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
            format!("{} events", Parser::new_ext(&text, options).into_offset_iter().count())
        }
        "import" => {
            let imported = import_markdown(&text, &ImportOptions { id: "big".into(), title: None });
            format!("{} checks", imported.template.counts().checks)
        }
        "condition" => {
            let condition = format!("status in [{}]", vec!["200"; megabytes].join(", "));
            let started = Instant::now();
            let outcome = preflight::probe::condition::parse(&condition).map_or_else(|err| err.to_string(), |_| "parsed".to_string());
            println!("condition: {} values, {} bytes, {outcome}, {:.4} s", megabytes, condition.len(), started.elapsed().as_secs_f64());
            return;
        }
        other => panic!("unknown mode `{other}`: use parse, import or condition"),
    };
    println!("{mode}: {} bytes, {summary}, {:.3} s", text.len(), started.elapsed().as_secs_f64());
}
