//! Document benchmarks: Markdown import of the seed checklists, and RON save / load of a large run.
//!
//! Run with `cargo bench --bench documents`; the figures and targets are recorded in
//! `docs/BENCHMARKS.md`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use preflight::import::{ImportOptions, import_markdown};
use preflight::model::{
    Field, FieldKind, FieldValue, Item, ItemKind, ItemState, Placement, Role, Run, Section, TEMPLATE_FORMAT_VERSION,
    Template, Timestamp,
};
use preflight::store;

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
        b.iter(|| {
            SEEDS
                .iter()
                .zip(&options)
                .map(|((_, text), options)| import_markdown(black_box(text), options).template)
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

/// Item text of about 60 characters, varied the way a real go-live checklist is.
fn item_text(section: usize, n: usize) -> String {
    const VERBS: [&str; 8] = ["Verify", "Confirm", "Check", "Validate", "Review", "Ensure", "Test", "Record"];
    const SUBJECTS: [&str; 10] = [
        "database connection pool limits",
        "TLS certificate expiry on the public endpoint",
        "health endpoint `/healthz` returns 200",
        "rollback procedure for the payment service",
        "alerting rules for p99 latency",
        "backup snapshot of the primary cluster",
        "feature flags for the new checkout flow",
        "rate limits on the public API gateway",
        "log retention and PII redaction",
        "DNS records and TTLs for the release domain",
    ];
    let verb = VERBS[(section + n) % VERBS.len()];
    let subject = SUBJECTS[(section * 7 + n) % SUBJECTS.len()];
    format!("{verb} {subject} (area {section}, step {n})")
}

/// A template with `SECTIONS` × `ITEMS_PER_SECTION` check items, two fields and two roles.
fn big_template() -> Template {
    let sections = (0..SECTIONS)
        .map(|s| {
            let items = (0..ITEMS_PER_SECTION)
                .map(|n| Item::new(format!("s{s:02}-item-{n:03}"), item_text(s, n), ItemKind::Check))
                .collect();
            let title = format!("Area {s}: service readiness");
            Section { id: format!("s{s:02}"), title, items, sections: Vec::new() }
        })
        .collect();
    let field = |id: &str, label: &str| Field {
        id: id.to_string(),
        label: label.to_string(),
        kind: FieldKind::Text,
        required: true,
        default: None,
        hint: String::new(),
        placement: Placement::Header,
    };
    let role = |id: &str, title: &str| Role {
        id: id.to_string(),
        title: title.to_string(),
        meaning: "Approved for production".to_string(),
        required: true,
        placement: Placement::Footer,
    };
    Template {
        format_version: TEMPLATE_FORMAT_VERSION,
        id: "bench-5000".to_string(),
        title: "Benchmark go-live checklist (5,000 items)".to_string(),
        version: "1.0".to_string(),
        description: "Generated for benches/documents.rs.".to_string(),
        fields: vec![field("release", "Release"), field("environment", "Environment")],
        items: Vec::new(),
        sections,
        roles: vec![role("release-manager", "Release manager"), role("qa-lead", "QA lead")],
    }
}

/// A run of [`big_template`] worked through by two people: half the items done, one in twenty
/// N/A with a reason, one in fifty failed, one in twenty-five with a note.
fn big_run() -> Run {
    let start = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
    let values = BTreeMap::from([
        ("release".to_string(), FieldValue::Text("v4.2.0".to_string())),
        ("environment".to_string(), FieldValue::Text("production".to_string())),
    ]);
    let mut run = Run::start(big_template(), "bench-run".to_string(), "alice", start, values).unwrap();
    let ids: Vec<String> = run.items.keys().cloned().collect();
    for (i, id) in ids.iter().enumerate() {
        let at = Timestamp::from_datetime(start.as_datetime() + chrono::Duration::seconds(i as i64 + 1));
        let actor = if i % 3 == 0 { "bob" } else { "alice" };
        let state = match i {
            _ if i % 2 == 0 => ItemState::Done,
            _ if i % 20 == 1 => ItemState::NotApplicable { reason: "Service not deployed in this region".to_string() },
            _ if i % 50 == 3 => ItemState::Failed,
            _ => ItemState::Pending,
        };
        run.set_state(id, state, actor, at).unwrap();
        if i % 25 == 0 {
            run.set_note(id, "Checked against the runbook; see ticket OPS-1234.", actor, at).unwrap();
        }
    }
    run
}

fn bench_run_documents(c: &mut Criterion) {
    let run = big_run();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.run.ron");
    store::save_run(&path, &run).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(store::load_run(&path).unwrap(), run, "the generated run must survive a round trip");
    eprintln!(
        "generated run: {} actionable items, {} events, {} bytes on disk",
        run.items.len(),
        run.events.len(),
        text.len()
    );

    let mut group = c.benchmark_group("run-5000");
    // Each iteration takes tens of milliseconds: flat sampling keeps 20 samples within 3 s.
    group.sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("serialize", |b| b.iter(|| store::to_ron(black_box(&run))));
    group.bench_function("save", |b| b.iter(|| store::save_run(&path, black_box(&run)).unwrap()));
    group.bench_function("parse", |b| b.iter(|| store::parse_run(&path, black_box(&text)).unwrap()));
    let parsed = store::parse_run(&path, &text).unwrap();
    group.bench_function("validate", |b| b.iter(|| black_box(&parsed).problems()));
    group.bench_function("load", |b| b.iter(|| store::load_run(black_box(&path)).unwrap()));
    group.finish();
}

criterion_group!(benches, bench_import, bench_run_documents);
criterion_main!(benches);
