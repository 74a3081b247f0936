//! Generated checklists and runs for the benchmarks, of any size.

use std::collections::BTreeMap;

use preflight::model::{
    Field, FieldKind, FieldValue, Item, ItemKind, ItemState, Placement, Role, Run, Section, TEMPLATE_FORMAT_VERSION, Template, Timestamp,
};

/// Item text of about 60 characters, varied the way a real go-live checklist is.
pub fn item_text(section: usize, n: usize) -> String {
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

/// A template with `sections` × `per_section` check items, two fields and two roles.
pub fn big_template(sections: usize, per_section: usize) -> Template {
    let total = sections * per_section;
    let sections = (0..sections)
        .map(|s| {
            let items = (0..per_section).map(|n| Item::new(format!("s{s:02}-item-{n:03}"), item_text(s, n), ItemKind::Check)).collect();
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
        require_key: false,
        separate_from: Vec::new(),
    };
    Template {
        format_version: TEMPLATE_FORMAT_VERSION,
        id: format!("bench-{total}"),
        title: format!("Benchmark go-live checklist ({total} items)"),
        version: "1.0".to_string(),
        description: "Generated for the benchmarks.".to_string(),
        fields: vec![field("release", "Release"), field("environment", "Environment")],
        items: Vec::new(),
        sections,
        roles: vec![role("release-manager", "Release manager"), role("qa-lead", "QA lead")],
        max_probe_age_minutes: preflight::model::DEFAULT_MAX_PROBE_AGE_MINUTES,
    }
}

/// A run of [`big_template`] worked through by two people: half the items done, one in twenty
/// N/A with a reason, one in fifty failed, one in twenty-five with a note.
pub fn big_run(sections: usize, per_section: usize) -> Run {
    let start = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
    let values = BTreeMap::from([
        ("release".to_string(), FieldValue::Text("v4.2.0".to_string())),
        ("environment".to_string(), FieldValue::Text("production".to_string())),
    ]);
    let mut run = Run::start(big_template(sections, per_section), "bench-run".to_string(), "alice", start, values).unwrap();
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

/// [`big_run`] signed `signatures` times, the two roles taking turns, each signer knowingly
/// signing it NO-GO (its pending and failed items block GO), a minute apart.
#[allow(dead_code, reason = "not every benchmark that includes this module signs")]
pub fn signed_run(sections: usize, per_section: usize, signatures: usize) -> Run {
    let mut run = big_run(sections, per_section);
    let start = run.events.last().map_or(run.created_at, |event| event.at);
    for n in 0..signatures {
        let (role, name) = if n % 2 == 0 { ("release-manager", "Rita Release") } else { ("qa-lead", "Quinn Assure") };
        let request = preflight::signoff::SignRequest {
            role: role.to_string(),
            name: name.to_string(),
            meaning: "Approved for production".to_string(),
            attestation: "I have reviewed this run.".to_string(),
            strokes: vec![preflight::model::Stroke { points: vec![[0.1, 0.5], [0.3, 0.2], [0.6, 0.7], [0.9, 0.4]] }],
            waivers: Vec::new(),
            acknowledgement: Some("The open items are tracked in OPS-1234.".to_string()),
            entered_by: None,
            at: start.plus_minutes(n as u32 + 1),
        };
        preflight::signoff::sign(&mut run, request, None).unwrap();
    }
    run
}

/// Two copies of `base` that went separate ways: each adds `events` changes of its own (one
/// in four a state, the rest notes), the first by Rita on the first half of the items, the
/// second by Quinn on the second half, except every hundredth change, a note both write on the
/// same item (a conflict).
#[allow(dead_code, reason = "not every benchmark that includes this module merges")]
pub fn diverged(base: &Run, events: usize) -> (Run, Run) {
    let ids: Vec<String> = base.items.keys().cloned().collect();
    let start = base.events.last().map_or(base.created_at, |event| event.at);
    let side = |name: &str, offset: usize, second: bool| {
        let mut run = base.clone();
        for n in 0..events {
            let at = Timestamp::from_datetime(start.as_datetime() + chrono::Duration::milliseconds((2 * n + usize::from(second)) as i64 + 1));
            if n % 100 == 0 {
                run.set_note(&ids[n % ids.len()], &format!("{name}: shared check {n}"), name, at).unwrap();
                continue;
            }
            let item = &ids[(offset + n) % ids.len()];
            let changed = if n % 4 == 0 {
                let state = if second { ItemState::Skipped { reason: format!("skipped by {name}") } } else { ItemState::Failed };
                run.set_state(item, state, name, at).unwrap()
            } else {
                false
            };
            if !changed {
                run.set_note(item, &format!("{name}: check {n}"), name, at).unwrap();
            }
        }
        run
    };
    (side("Rita Release", 0, false), side("Quinn Assure", ids.len() / 2, true))
}
