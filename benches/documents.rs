//! Document benchmarks: Markdown import of the seed checklists, and RON save / load of a large run.
//!
//! Run with `cargo bench --bench documents`; the figures and targets are recorded in
//! `docs/BENCHMARKS.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use preflight::import::{ImportOptions, import_markdown};
use preflight::model::Run;
use preflight::store;

mod common;

/// The five seed checklists from the issue, as the importer's tests use them.
const SEEDS: [(&str, &str); 5] = [
    ("ai-avatar-website", include_str!("../tests/data/ai-avatar-website.md")),
    ("microservices-platform", include_str!("../tests/data/microservices-platform.md")),
    ("persona-chat-service", include_str!("../tests/data/persona-chat-service.md")),
    ("prismai-platform", include_str!("../tests/data/prismai-platform.md")),
    ("realtime-collab-app", include_str!("../tests/data/realtime-collab-app.md")),
];

/// The generated run: 50 sections of 100 check items each.
const SECTIONS: usize = 50;
const ITEMS_PER_SECTION: usize = 100;

fn import_options(id: &str) -> ImportOptions {
    ImportOptions { id: id.to_string(), title: None }
}

fn bench_import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    group.sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for (name, text) in SEEDS {
        let options = import_options(name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| import_markdown(black_box(text), &options).template));
    }
    let total: usize = SEEDS.iter().map(|(_, text)| text.len()).sum();
    let options: Vec<ImportOptions> = SEEDS.iter().map(|(name, _)| import_options(name)).collect();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("all-five", |b| {
        b.iter(|| SEEDS.iter().zip(&options).map(|((_, text), options)| import_markdown(black_box(text), options).template).collect::<Vec<_>>())
    });
    group.finish();
}

fn bench_run_documents(c: &mut Criterion) {
    let run = common::big_run(SECTIONS, ITEMS_PER_SECTION);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.run.ron");
    store::save_run(&path, &run).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(store::load_run(&path).unwrap(), run, "the generated run must survive a round trip");
    eprintln!("generated run: {} actionable items, {} events, {} bytes on disk", run.items.len(), run.events.len(), text.len());

    let mut group = c.benchmark_group("run-5000");
    // Each iteration takes tens of milliseconds: flat sampling keeps 20 samples within 3 s.
    group.sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("serialize", |b| b.iter(|| store::run_ron(std::path::Path::new("bench.run.ron"), black_box(&run))));
    group.bench_function("save", |b| b.iter(|| store::save_run(&path, black_box(&run)).unwrap()));
    group.bench_function("parse", |b| b.iter(|| store::parse_run(&path, black_box(&text)).unwrap()));
    let parsed = store::parse_run(&path, &text).unwrap();
    group.bench_function("validate", |b| b.iter(|| black_box(&parsed).problems()));
    group.bench_function("load", |b| b.iter(|| store::load_run(black_box(&path)).unwrap()));
    group.finish();
}

/// What signatures cost a run: the file's size and `preflight verify RUN` (load, then check the
/// log, every signature and the blockers each current signer saw) with 2, 20 and 200 NO-GO
/// signatures on the 5,000-item run.
fn bench_signed_runs(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("signed-5000");
    group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    for signatures in [2, 20, 200] {
        let run = common::signed_run(SECTIONS, ITEMS_PER_SECTION, signatures);
        let path = dir.path().join(format!("signed-{signatures}.run.ron"));
        store::save_run(&path, &run).unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        assert!(preflight::signoff::verify(&run).is_valid(), "the generated run verifies");
        eprintln!("signed run: {signatures} signatures, {bytes} bytes on disk");
        group.bench_function(format!("verify-signatures-{signatures}"), |b| {
            b.iter(|| preflight::signoff::verify(&store::load_run(black_box(&path)).unwrap()))
        });
    }
    group.finish();
}

/// Two copies of the 5,000-item run that went separate ways, each adding `diverged` events
/// (notes and state changes by its own person), merged: 250, 500 and 1,000 events a side, to
/// show that the cost grows with the events.
fn bench_merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("merge-5000");
    group.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    let base = common::big_run(SECTIONS, ITEMS_PER_SECTION);
    for diverged in [250, 500, 1000] {
        let (ours, theirs) = common::diverged(&base, diverged);
        let merged = Run::merge(&ours, &theirs).unwrap();
        assert_eq!(merged.run.events.len(), ours.events.len() + theirs.events.len() - base.events.len() + 1, "every event of both, and the merge");
        eprintln!("merge: {} events in the log, {diverged} a side, {} conflicts", merged.run.events.len(), merged.conflicts().len());
        group.throughput(Throughput::Elements(merged.run.events.len() as u64));
        group.bench_function(format!("diverged-{diverged}"), |b| b.iter(|| Run::merge(black_box(&ours), black_box(&theirs)).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench_import, bench_run_documents, bench_signed_runs, bench_merge);
criterion_main!(benches);
