//! A seeded mutation fuzzer for everything Preflight reads from a file or a person: the
//! Markdown importer, the template and run loaders, the condition parser and evaluator, the
//! Markdown round trip and PDF verify (the targets are in `fuzz_targets/`). It is not
//! coverage-guided (`fuzz_coverage.rs` is, with libFuzzer); it mutates real inputs (the seed
//! checklists, the bundled templates, a run, an audit PDF) with edits that stress parsers: bit
//! flips, structural characters, cut, repeated and spliced chunks, deep nesting.
//!
//! `cargo run --release --example fuzz -- TARGET SECONDS [SEED]`, TARGET one of `import`,
//! `template`, `run`, `condition`, `roundtrip`, `verify`, or `all` (SECONDS each). Every input
//! is a function of the seed and its number, so a failure is reproduced exactly with
//! `cargo run --example fuzz -- TARGET --replay SEED NUMBER`, which writes the input to
//! `target/fuzz/` and runs it once. A panic, a stack overflow or an abort is a failure: the work
//! runs in a child process so that even an abort is reported with the input that caused it.
//! Exits 1 on a failure. `.ci/run` runs every target briefly; docs/ARCHITECTURE.md says how to
//! run it for hours.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[path = "fuzz_targets/mod.rs"]
mod targets;
use targets::{TARGETS, corpus, exercise};

/// xorshift64*: small, fast and the same everywhere, so that a seed means one input.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Characters that mean something to one of the parsers.
const STRUCTURAL: &[u8] = b"[]()\"{},:-*>#|`<!\\\n \t0123456789xX.=%$";

/// Applies one to eight edits to `input`, some taking text from `other`.
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(9) {
            0 if len > 0 => data[at.min(len - 1)] ^= 1 << rng.below(8),
            1 if len > 0 => data[at.min(len - 1)] = STRUCTURAL[rng.below(STRUCTURAL.len())],
            2 => data.insert(at, STRUCTURAL[rng.below(STRUCTURAL.len())]),
            3 => {
                let end = (at + 1 + rng.below(64)).min(len);
                data.drain(at..end);
            }
            4 => {
                // A chunk repeated: deep nesting and long lists come from here.
                let end = (at + 1 + rng.below(16)).min(len);
                let chunk = data[at.min(end)..end].to_vec();
                let most = if rng.below(8) == 0 { 5_000 } else { 40 };
                let times = 1 + rng.below(most);
                let repeated: Vec<u8> = chunk.iter().copied().cycle().take(chunk.len() * times).collect();
                data.splice(at..at, repeated);
            }
            5 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            6 => data.truncate(at),
            7 if len > 0 => {
                // A whole line duplicated somewhere else.
                let start = data[..at.min(len)].iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
                let end = data[start..].iter().position(|b| *b == b'\n').map_or(len, |p| start + p + 1);
                let line = data[start..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, line);
            }
            _ => {
                let bytes = ["\u{202e}", "é", "Ã©", "🚀", "\u{0}", "\r\n", "\u{feff}", "- [ ] ", "> ", "<!-- ", " -->", "```"];
                let text = bytes[rng.below(bytes.len())].as_bytes();
                data.splice(at..at, text.iter().copied());
            }
        }
    }
    data
}

/// The input number `n` of `target` under `seed`.
fn input(corpus: &[Vec<u8>], seed: u64, n: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let base = &corpus[rng.below(corpus.len())];
    let other = &corpus[rng.below(corpus.len())];
    // Now and then an input mutated again, to go further from the seeds.
    let once = mutate(&mut rng, base, other);
    if rng.below(4) == 0 { mutate(&mut rng, &once, other) } else { once }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The child: runs inputs from `start` for `seconds`, writing the number of the input it is on
/// to `progress` before running it.
fn worker(target: &str, seconds: u64, seed: u64, start: u64, progress: &Path) -> ExitCode {
    let corpus = corpus(target);
    let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(true).open(progress).unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut n = start;
    while Instant::now() < deadline {
        file.seek(SeekFrom::Start(0)).unwrap();
        file.write_all(&n.to_le_bytes()).unwrap();
        exercise(target, &input(&corpus, seed, n));
        n += 1;
    }
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(&n.to_le_bytes()).unwrap();
    ExitCode::SUCCESS
}

/// The parent: runs the child, and when it dies, saves the input it died on.
fn fuzz(target: &str, seconds: u64, seed: u64) -> bool {
    let progress = out_dir().join(format!("{target}-{seed}.progress"));
    let started = Instant::now();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([target, &seconds.to_string(), &seed.to_string(), "--worker", "0"])
        .arg(&progress)
        .stderr(std::process::Stdio::inherit())
        .status()
        .unwrap();
    let reached = std::fs::read(&progress).ok().and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes);
    let rate = reached as f64 / started.elapsed().as_secs_f64().max(0.001);
    if status.success() {
        println!("{target:<10} {reached} inputs in {:.0} s ({rate:.0}/s), seed {seed}: no failure", started.elapsed().as_secs_f64());
        return true;
    }
    let saved = out_dir().join(format!("{target}-{seed}-{reached}.input"));
    std::fs::write(&saved, input(&corpus(target), seed, reached)).unwrap();
    println!("{target:<10} FAILED on input {reached} ({status}); saved to {}", saved.display());
    println!("           reproduce: cargo run --example fuzz -- {target} --replay {seed} {reached}");
    false
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: fuzz TARGET SECONDS [SEED] | fuzz TARGET --replay SEED NUMBER (TARGET: all, import, template, run, condition, roundtrip, verify)";
    let Some(target) = args.first() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    if args.get(1).map(String::as_str) == Some("--replay") {
        let (Some(seed), Some(n)) = (args.get(2).and_then(|s| s.parse().ok()), args.get(3).and_then(|s| s.parse().ok())) else {
            eprintln!("{usage}");
            return ExitCode::from(2);
        };
        let data = input(&corpus(target), seed, n);
        let path = out_dir().join(format!("{target}-{seed}-{n}.input"));
        std::fs::write(&path, &data).unwrap();
        println!("input written to {}; running it", path.display());
        exercise(target, &data);
        println!("no failure");
        return ExitCode::SUCCESS;
    }
    let Some(seconds) = args.get(1).and_then(|s| s.parse::<u64>().ok()) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    if args.get(3).map(String::as_str) == Some("--worker") {
        let start = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
        return worker(target, seconds, seed, start, Path::new(&args[5]));
    }
    let targets: Vec<&str> = if target == "all" { TARGETS.to_vec() } else { vec![target.as_str()] };
    let failed = targets.iter().filter(|target| !fuzz(target, seconds, seed)).count();
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
