//! A small run for the tests of several writers: a checklist of three checks, one with a probe
//! on a loopback port, and two sign-off roles.
#![allow(dead_code, reason = "each test file uses the part it needs")]

use preflight::import::{ImportOptions, import_markdown};
use preflight::model::{FieldValue, Run, Stroke, Timestamp, Waiver};
use preflight::signoff::{self, SignRequest, UnlockedKey};

pub fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00+00:00").unwrap().plus_minutes(minute)
}

fn checklist(probe_port: u16) -> String {
    format!(
        "# Go-live\n\n## Checks\n\n\
         - [ ] Health endpoint answers <!-- probe: (kind: Http, target: \"http://127.0.0.1:{probe_port}/health\", expect: [\"status == 200\"]) -->\n\
         - [ ] Database migrated\n- [ ] Feature flags set\n\n\
         ## Sign-off\n\nQA lead: ____ Date: ____\n\nRelease approver: ____ Date: ____\n"
    )
}

/// A fresh run of a small checklist with a probe on its first item.
pub fn started(probe_port: u16) -> Run {
    let imported = import_markdown(&checklist(probe_port), &ImportOptions { id: "go-live".into(), title: None });
    let values = imported.template.fields.iter().map(|field| (field.id.clone(), FieldValue::Text("2.4.0".into()))).collect();
    Run::start(imported.template, "run-merge".into(), "riley", at(0), values).unwrap()
}

pub fn items(run: &Run) -> Vec<String> {
    run.items.keys().cloned().collect()
}

pub fn sign(run: &mut Run, role_index: usize, name: &str, minute: u32) {
    sign_with(run, role_index, name, minute, None);
}

/// Signs as `name` for the run's `role_index`-th role, with `key` if given.
pub fn sign_with(run: &mut Run, role_index: usize, name: &str, minute: u32, key: Option<&UnlockedKey>) {
    let role = run.roles()[role_index].clone();
    // The health probe has not run in these runs: the signer waives it, with a reason.
    let waivers = run
        .template
        .all_items()
        .iter()
        .filter(|(_, item)| item.probe.is_some())
        .map(|(_, item)| Waiver { item: item.id.clone(), problem: "never run".into(), reason: "checked by hand on the dashboard".into() })
        .collect();
    let request = SignRequest {
        role: role.id.clone(),
        name: name.into(),
        meaning: role.meaning.clone(),
        attestation: signoff::DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.6], [0.3, 0.2], [0.5, 0.7]] }],
        waivers,
        acknowledgement: Some("signing a run that is not GO yet, for the test".into()),
        entered_by: None,
        at: at(minute),
    };
    signoff::sign(run, request, key).unwrap();
}
