//! PDF export benchmarks: the audit record of a signed run of each seed checklist, and of
//! generated runs of 1,000 and 5,000 items (to show that time grows linearly with items); and,
//! for the 5,000-item run, export without and with a certification signature side by side, and
//! checking that signature and the pages.
//!
//! Run with `cargo bench --bench pdf`; the figures and the 1 s target for 5,000 items are
//! recorded in `docs/BENCHMARKS.md`. Each benchmark prints the record's page count and size.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use preflight::model::{Run, Timestamp};
use preflight::pdf::{Paper, PdfOptions};

mod common;
#[path = "../tests/pdf_runs/mod.rs"]
mod runs;

fn options() -> PdfOptions {
    PdfOptions::new(Paper::A4, Timestamp::parse("2026-11-23T12:00:00Z").unwrap())
}

fn describe(name: &str, run: &Run) {
    let rendered = runs::render(run, &options());
    eprintln!(
        "{name}: {} items, {} events, {} signatures -> {} pages, {} bytes",
        run.template.all_items().len(),
        run.events.len(),
        run.signatures.len(),
        rendered.pages,
        rendered.bytes.len()
    );
}

fn bench_seeds(c: &mut Criterion) {
    let mut group = c.benchmark_group("pdf-seed");
    group.sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    for seed in runs::SEEDS {
        let run = runs::signed_run(runs::seed_template(seed), seed);
        describe(seed, &run);
        let options = options();
        group.bench_function(seed, |b| b.iter(|| runs::render(black_box(&run), &options)));
    }
    group.finish();
}

fn bench_generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("pdf-generated");
    group.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    for (name, sections) in [("items-1000", 10), ("items-5000", 50)] {
        let run = common::big_run(sections, 100);
        describe(name, &run);
        let options = options();
        group.bench_function(name, |b| b.iter(|| runs::render(black_box(&run), &options)));
    }
    group.finish();
}

/// Certifies with a fixed in-memory P-256 key and a self-signed certificate.
struct BenchSigner {
    key: p256::ecdsa::SigningKey,
    certificate: Vec<u8>,
}

impl preflight::pdf::CmsSigner for BenchSigner {
    fn sign_cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String> {
        preflight::signoff::cms::sign_detached(&self.key, &self.certificate, &[], digest).map_err(|e| e.to_string())
    }
}

fn bench_signing(c: &mut Criterion) {
    let mut group = c.benchmark_group("pdf-sign");
    group.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    let run = common::big_run(50, 100);
    let options = options();
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let identity = preflight::signoff::Identity { name: "Bench Signer".into(), ..Default::default() };
    let certificate = preflight::signoff::cert::self_signed(&key, &identity, options.generated_at, [1; 16]).unwrap();
    let signer = BenchSigner { key, certificate };
    let request = preflight::pdf::PdfSignRequest {
        field: preflight::pdf::CERTIFICATION_FIELD.into(),
        certify: true,
        name: "Bench Signer".into(),
        reason: "benchmark".into(),
        at: options.generated_at,
        fingerprint: preflight::signoff::fingerprint(&preflight::model::to_hex(signer.key.verifying_key().to_encoded_point(true).as_bytes())),
    };
    let certify = |bytes: &[u8]| preflight::pdf::sign(bytes, &request, &signer).unwrap();
    group.bench_function("export-items-5000", |b| b.iter(|| runs::render(black_box(&run), &options)));
    for seed in runs::SEEDS {
        let seed_run = runs::signed_run(runs::seed_template(seed), seed);
        group.bench_function(format!("export-{seed}"), |b| b.iter(|| runs::render(black_box(&seed_run), &options)));
        group.bench_function(format!("export-certified-{seed}"), |b| b.iter(|| certify(&runs::render(black_box(&seed_run), &options).bytes)));
        let seed_signed = certify(&runs::render(&seed_run, &options).bytes);
        group.bench_function(format!("verify-certified-{seed}"), |b| {
            b.iter(|| preflight::pdf::CheckedRecord::check(black_box(&seed_signed)).unwrap())
        });
    }
    group.bench_function("export-certified-items-5000", |b| b.iter(|| certify(&runs::render(black_box(&run), &options).bytes)));
    let signed = certify(&runs::render(&run, &options).bytes);
    group.bench_function("check-signatures-items-5000", |b| b.iter(|| preflight::pdf::check_signatures(black_box(&signed)).unwrap()));
    // What `preflight verify audit.pdf` does: the attached run, the pages rendered again and
    // compared, and the PDF signature.
    group.bench_function("verify-certified-items-5000", |b| b.iter(|| preflight::pdf::CheckedRecord::check(black_box(&signed)).unwrap()));
    group.finish();
}

criterion_group!(benches, bench_seeds, bench_generated, bench_signing);
criterion_main!(benches);
