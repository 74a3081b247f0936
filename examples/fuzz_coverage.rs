//! Coverage-guided fuzzing with libFuzzer, on the stable toolchain: the targets of
//! `fuzz_targets/` (the importer, the template and run loaders, the condition parser and
//! evaluator, the Markdown round trip, PDF verify), one per process, chosen by
//! `PREFLIGHT_FUZZ_TARGET`. Only Preflight's own code is instrumented for coverage
//! (`scripts/sancov-rustc.sh`, a rustc wrapper), so the build reuses the dependencies the tests
//! built. `scripts/fuzz-coverage.sh TARGET SECONDS` builds it, seeds the corpus from the same
//! inputs `examples/fuzz.rs` starts from, runs libFuzzer and keeps what it finds.
#![no_main]
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::sync::OnceLock;

#[path = "fuzz_targets/mod.rs"]
mod targets;

/// The target this process fuzzes.
fn target() -> &'static str {
    static TARGET: OnceLock<String> = OnceLock::new();
    TARGET.get_or_init(|| {
        let target = std::env::var("PREFLIGHT_FUZZ_TARGET").unwrap_or_default();
        assert!(targets::TARGETS.contains(&target.as_str()), "PREFLIGHT_FUZZ_TARGET must be one of {}", targets::TARGETS.join(", "));
        target
    })
}

/// Before libFuzzer reads its corpus: with `PREFLIGHT_FUZZ_SEEDS` naming the corpus folder, the
/// target's starting inputs (the ones `examples/fuzz.rs` mutates) are written there.
fn seed() {
    let Ok(dir) = std::env::var("PREFLIGHT_FUZZ_SEEDS") else { return };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    for (n, input) in targets::corpus(target()).iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{n}")), input).unwrap();
    }
}

libfuzzer_sys::fuzz_target!(init: seed(), |data: &[u8]| {
    targets::exercise(target(), data);
});
