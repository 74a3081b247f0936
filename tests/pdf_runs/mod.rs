//! Fully executed and signed runs for the PDF tests (`tests/pdf.rs`) and benchmark
//! (`benches/pdf.rs`), which include this file with `#[path]`.
//!
//! A run here is worked through the way a release team would: most items done, some not
//! applicable or skipped with a reason, notes, three probed items (one passed, one failed and
//! overridden with a reason, one never run and waived by every signer with a reason), and every
//! role signed with a drawn signature.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use preflight::model::{ConditionResult, ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use preflight::model::{FieldKind, FieldValue, ItemKind, ItemState, Run, Stroke, Template, Timestamp, Waiver};
use preflight::pdf::{PdfOptions, Record, Rendered};
use preflight::signoff::{self, DEFAULT_ATTESTATION, SignRequest};

/// The audit record of `run`, made as `preflight export` makes it: verified and serialised
/// first, then rendered with the system's fonts as fallback.
pub fn render(run: &Run, options: &PdfOptions) -> Rendered {
    let report = signoff::verify(run);
    let run_file = preflight::store::run_ron(std::path::Path::new("test.run.ron"), run).unwrap().into_bytes();
    preflight::pdf::render(&Record { run, report: &report, run_file: &run_file }, &preflight::store::SystemFonts, options).unwrap()
}

pub const SEEDS: [&str; 5] = ["ai-avatar-website", "microservices-platform", "persona-chat-service", "prismai-platform", "realtime-collab-app"];

/// The run's clock: minutes after 2026-11-23 09:00 UTC.
pub fn at(minute: i64) -> Timestamp {
    let start = Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    Timestamp::from_datetime(start.as_datetime() + chrono::Duration::minutes(minute))
}

pub fn seed_template(name: &str) -> Template {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists").join(format!("{name}.checklist.ron"));
    preflight::store::load_template(&path).unwrap()
}

/// Values for every field, by kind, so that the run starts and shows them.
pub fn field_values(template: &Template) -> BTreeMap<String, FieldValue> {
    template
        .fields
        .iter()
        .filter(|field| field.default.is_none())
        .map(|field| {
            let value = match &field.kind {
                FieldKind::Number { .. } => FieldValue::Text("42".into()),
                FieldKind::Date => FieldValue::Text("2026-11-23".into()),
                FieldKind::Table { columns } => FieldValue::Table(vec![columns.iter().enumerate().map(|(n, c)| format!("{c} {n}")).collect()]),
                FieldKind::Text | FieldKind::MultiLine => FieldValue::Text(match field.label.to_lowercase() {
                    label if label.contains("environment") => "production".into(),
                    label if label.contains("release") || label.contains("version") => "v4.2.0".into(),
                    label => format!("value of {label}"),
                }),
            };
            (field.id.clone(), value)
        })
        .collect()
}

/// The reason every signer gives for waiving the probe that was never run.
pub const WAIVER_REASON: &str = "Resolved by hand with dig from the bastion; the probe host cannot reach the internal resolver";

/// The items `signed_run` puts probes on.
struct Probed {
    http: String,
    tcp: String,
    /// A required item whose DNS probe is never run: every signer waives it.
    dns: String,
}

/// Puts `spec` on the item `id`, wherever it is in the template.
pub fn put_probe(template: &mut Template, id: &str, spec: &ProbeSpec) {
    fn set(items: &mut [preflight::model::Item], id: &str, spec: &ProbeSpec) -> bool {
        for item in items {
            if item.id == id {
                item.probe = Some(spec.clone().into());
                return true;
            }
            if set(&mut item.children, id, spec) {
                return true;
            }
        }
        false
    }
    fn walk(sections: &mut [preflight::model::Section], id: &str, spec: &ProbeSpec) -> bool {
        sections.iter_mut().any(|section| set(&mut section.items, id, spec) || walk(&mut section.sections, id, spec))
    }
    assert!(set(&mut template.items, id, spec) || walk(&mut template.sections, id, spec), "no item {id}");
}

/// Puts an HTTP probe on the first actionable item, a TCP probe on the second and a DNS probe
/// on the next required one. The HTTP probe's target holds a secret placeholder that must be
/// printed as written.
fn add_probes(template: &mut Template) -> Probed {
    let checks: Vec<(String, bool)> =
        template.all_items().iter().filter(|(_, item)| item.kind == ItemKind::Check).map(|(_, item)| (item.id.clone(), item.required)).collect();
    let (first, second) = (checks[0].0.clone(), checks[1].0.clone());
    let third = checks[2..].iter().find(|(_, required)| *required).map(|(id, _)| id.clone()).expect("a third, required check item");
    let mut http = ProbeSpec::new(ProbeKind::Http, "https://status.example.com/healthz?token=${env:STATUS_TOKEN}");
    http.expect = vec!["status == 200".into(), "response_time < 300ms".into()];
    http.warn = vec!["header(strict-transport-security) matches \"max-age=\\d+\"".into()];
    let mut tcp = ProbeSpec::new(ProbeKind::Tcp, "redis.internal:6379");
    tcp.expect = vec!["connected == true".into()];
    let mut dns = ProbeSpec::new(ProbeKind::Dns, "db.internal.example.com");
    dns.expect = vec!["dns.rcode == NOERROR".into()];
    put_probe(template, &first, &http);
    put_probe(template, &second, &tcp);
    put_probe(template, &third, &dns);
    Probed { http: first, tcp: second, dns: third }
}

fn probe_result(item: &str, spec_target: &str, kind: ProbeKind, passed: bool, started_at: Timestamp) -> ProbeResult {
    let conditions = match kind {
        ProbeKind::Http => vec![
            ConditionResult { condition: "status == 200".into(), seen: "200".into(), passed: true, warning_only: false },
            ConditionResult { condition: "response_time < 300ms".into(), seen: "87.3ms".into(), passed: true, warning_only: false },
            ConditionResult {
                condition: "header(strict-transport-security) matches \"max-age=\\d+\"".into(),
                seen: "missing".into(),
                passed: false,
                warning_only: true,
            },
        ],
        _ => vec![ConditionResult { condition: "connected == true".into(), seen: "false".into(), passed, warning_only: false }],
    };
    ProbeResult {
        item: item.to_string(),
        kind,
        target: spec_target.replace("${env:STATUS_TOKEN}", "****"),
        state: if passed { ProbeState::Warn } else { ProbeState::Fail },
        started_at,
        duration_ms: 87,
        attempts: 1,
        conditions,
        measured: BTreeMap::new(),
        details: BTreeMap::new(),
        certificates: Vec::new(),
        steps: Vec::new(),
        error: None,
    }
}

/// A drawn signature of `strokes` strokes, each a short zig-zag.
pub fn strokes(count: usize, seed: usize) -> Vec<Stroke> {
    (0..count)
        .map(|s| {
            let x0 = 0.08 + 0.8 * s as f32 / count as f32;
            let points = (0..6 + (seed + s) % 5).map(|p| [x0 + 0.03 * p as f32, 0.3 + 0.4 * (((p + s + seed) % 3) as f32 / 2.0)]).collect();
            Stroke { points }
        })
        .collect()
}

/// A signer name per role; one in Cyrillic, to test the fonts.
pub fn signer_name(n: usize) -> String {
    const NAMES: [&str; 6] = ["Dana Whitfield", "Олег Петров", "Priya Raman", "Jonas Müller", "Chen Wei", "Amara Okafor"];
    format!("{} {}", NAMES[n % NAMES.len()], n + 1)
}

/// Works `template` through and signs every role.
pub fn signed_run(template: Template, run_id: &str) -> Run {
    let mut template = template;
    let Probed { http: http_item, tcp: tcp_item, dns: dns_item } = add_probes(&mut template);
    let values = field_values(&template);
    let mut run = Run::start(template, run_id.to_string(), "release.manager", at(0), values).unwrap();
    let items: Vec<(String, bool)> =
        run.template.all_items().iter().filter(|(_, item)| item.is_actionable()).map(|(_, item)| (item.id.clone(), item.required)).collect();
    for (n, (id, required)) in items.iter().enumerate() {
        if *id == http_item || *id == tcp_item || *id == dns_item {
            continue;
        }
        let actor = if n % 3 == 0 { "qa.lead" } else { "release.manager" };
        let when = at(1 + (n as i64 % 50));
        let state = match n {
            _ if n % 9 == 4 => ItemState::NotApplicable { reason: "Not deployed in this region".into() },
            _ if n % 13 == 6 && !required => ItemState::Skipped { reason: "Deferred to the next release".into() },
            _ => ItemState::Done,
        };
        run.set_state(id, state, actor, when).unwrap();
        if n % 5 == 2 {
            run.set_note(id, "Checked against the runbook; see OPS-1234.", actor, when).unwrap();
        }
    }
    let http_target = run.template.find_item(&http_item).unwrap().probe.as_ref().unwrap().target.clone();
    let tcp_target = run.template.find_item(&tcp_item).unwrap().probe.as_ref().unwrap().target.clone();
    run.record_probe(probe_result(&http_item, &http_target, ProbeKind::Http, true, at(55)), at(55)).unwrap();
    run.record_probe(probe_result(&tcp_item, &tcp_target, ProbeKind::Tcp, false, at(56)), at(56)).unwrap();
    run.override_probe(&tcp_item, ItemState::Done, "Redis is reached over the private link; the probe host has no route", "qa.lead", at(57)).unwrap();
    run.set_state(&dns_item, ItemState::Done, "release.manager", at(58)).unwrap();
    for (n, role) in run.roles().iter().enumerate() {
        let request = SignRequest {
            role: role.id.clone(),
            name: signer_name(n),
            meaning: if role.meaning.is_empty() { "Approved for production".into() } else { role.meaning.clone() },
            attestation: DEFAULT_ATTESTATION.into(),
            strokes: strokes(1 + n % 4, n),
            waivers: vec![Waiver { item: dns_item.clone(), problem: String::new(), reason: WAIVER_REASON.into() }],
            acknowledgement: Some("Signed as a test of a run that is not GO".into()),
            entered_by: None,
            at: at(60 + n as i64),
        };
        signoff::sign(&mut run, request, None).unwrap();
    }
    run
}

/// Replaces the attached run file with `run_file`, as someone editing the PDF would.
pub fn replace_attachment(bytes: &[u8], run_file: &[u8]) -> Vec<u8> {
    let mut document = lopdf::Document::load_mem(bytes).unwrap();
    let stream_id = document
        .objects
        .iter()
        .find(|(_, object)| object.as_stream().is_ok_and(|s| s.dict.get(b"Type").and_then(lopdf::Object::as_name).ok() == Some(b"EmbeddedFile")))
        .map(|(id, _)| *id)
        .unwrap();
    let stream = document.get_object_mut(stream_id).unwrap().as_stream_mut().unwrap();
    stream.dict.remove(b"Filter");
    stream.set_content(run_file.to_vec());
    let mut out = Vec::new();
    document.save_to(&mut out).unwrap();
    out
}

/// The PDF with the integrity page's paperclip pointed at a second embedded file holding
/// `run_file`, while the attachments list keeps the genuine run.
pub fn repoint_paperclip(bytes: &[u8], file_name: &str, run_file: &[u8]) -> Vec<u8> {
    use lopdf::{Dictionary, Object, Stream};
    let mut document = lopdf::Document::load_mem(bytes).unwrap();
    let clip_id = document
        .objects
        .iter()
        .find(|(_, object)| object.as_dict().is_ok_and(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"FileAttachment")))
        .map(|(id, _)| *id)
        .unwrap();
    let file = document.add_object(Stream::new(Dictionary::from_iter(vec![("Type", Object::Name(b"EmbeddedFile".to_vec()))]), run_file.to_vec()));
    let filespec = document.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Filespec".to_vec())),
        ("F", Object::string_literal(file_name)),
        ("EF", Object::Dictionary(Dictionary::from_iter(vec![("F", Object::Reference(file))]))),
    ]));
    document.get_dictionary_mut(clip_id).unwrap().set("FS", Object::Reference(filespec));
    let mut out = Vec::new();
    document.save_to(&mut out).unwrap();
    out
}
