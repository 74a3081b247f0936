//! Writes the audit PDF of a seed checklist worked through and signed the way the PDF tests do
//! it (notes, N/A and skip reasons, a passed and an overridden probe, every role signed), with a
//! fixed clock: `cargo run --example audit_pdf -- SEED OUT.pdf [a4|letter]`. scripts/pdf-pages.sh
//! turns its pages into the images in docs/.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

#[path = "../tests/pdf_runs/mod.rs"]
mod pdf_runs;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || anyhow::anyhow!("usage: audit_pdf SEED OUT.pdf [a4|letter]; seeds: {}", pdf_runs::SEEDS.join(", "));
    let seed = args.next().ok_or_else(usage)?;
    let out = args.next().ok_or_else(usage)?;
    let paper: preflight::pdf::Paper = args.next().as_deref().unwrap_or("a4").parse().map_err(anyhow::Error::msg)?;
    if !pdf_runs::SEEDS.contains(&seed.as_str()) {
        return Err(usage());
    }
    let run = pdf_runs::signed_run(pdf_runs::seed_template(&seed), &format!("{seed}-2026-11-23"));
    let options = preflight::pdf::PdfOptions::new(paper, pdf_runs::at(240));
    let rendered = pdf_runs::render(&run, &options);
    preflight::store::write_atomic(std::path::Path::new(&out), &rendered.bytes)?;
    println!("wrote {out}: {} pages", rendered.pages);
    Ok(())
}
