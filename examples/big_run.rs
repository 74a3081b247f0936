//! Writes a generated run for measuring the app by hand or in scripts/window-bench.sh:
//! `cargo run --release --example big_run -- OUT.run.ron [SECTIONS] [ITEMS_PER_SECTION] [SIGNATURES]`
//! (no signatures by default; each signature knowingly signs the run NO-GO).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

#[path = "../benches/common/mod.rs"]
mod common;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or_else(|| anyhow::anyhow!("usage: big_run OUT.run.ron [SECTIONS] [ITEMS_PER_SECTION] [SIGNATURES]"))?;
    let sections = args.next().map(|s| s.parse()).transpose()?.unwrap_or(50);
    let per_section = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let signatures = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    let run = common::signed_run(sections, per_section, signatures);
    preflight::store::save_run(std::path::Path::new(&out), &run)?;
    println!("wrote {out}: {} items, {} events, {} signatures", run.items.len(), run.events.len(), run.signatures.len());
    Ok(())
}
