//! Tests of runs: starting, state changes, events, probes, hashing.

use super::*;
use crate::model::{Item, ItemKind, Section, TEMPLATE_FORMAT_VERSION};

fn at(minute: u32) -> Timestamp {
    Timestamp::parse(&format!("2026-11-23T10:{minute:02}:00+00:00")).unwrap()
}

pub(crate) fn template() -> Template {
    let field = |id: &str, kind: FieldKind, required: bool| Field {
        id: id.into(),
        label: id.to_uppercase(),
        kind,
        required,
        default: None,
        hint: String::new(),
        placement: Placement::Header,
    };
    let mut optional = Item::new("optional", "Optional", ItemKind::Check);
    optional.required = false;
    Template {
        format_version: TEMPLATE_FORMAT_VERSION,
        id: "t".into(),
        title: "T".into(),
        version: "1".into(),
        description: String::new(),
        fields: vec![
            field("release", FieldKind::Text, true),
            field("duration", FieldKind::Number { unit: "minutes".into() }, false),
            field("day", FieldKind::Date, false),
        ],
        items: vec![Item::new("intro", "Read me", ItemKind::Info)],
        sections: vec![Section { id: "s".into(), title: "S".into(), items: vec![Item::new("a", "A", ItemKind::Check), optional], sections: vec![] }],
        roles: vec![],
        max_probe_age_minutes: crate::model::DEFAULT_MAX_PROBE_AGE_MINUTES,
    }
}

fn started() -> Run {
    let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.2.3".into()))]);
    Run::start(template(), "run-1".into(), "alice", at(0), values).unwrap()
}

#[test]
fn start_refuses_missing_required_fields_by_label() {
    let err = Run::start(template(), "r".into(), "alice", at(0), BTreeMap::new()).unwrap_err();
    assert_eq!(err, ModelError::MissingRequiredFields(vec!["RELEASE".into()]));
    assert_eq!(err.to_string(), "missing required field(s): RELEASE");
}

#[test]
fn start_checks_field_kinds() {
    let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1".into())), ("duration".to_string(), FieldValue::Text("ten".into()))]);
    let err = Run::start(template(), "r".into(), "alice", at(0), values).unwrap_err();
    assert!(matches!(err, ModelError::InvalidFieldValue { ref field, .. } if field == "duration"), "{err}");
}

#[test]
fn start_creates_a_pending_record_per_actionable_item() {
    let run = started();
    assert_eq!(run.items.keys().collect::<Vec<_>>(), ["a", "optional"]);
    assert_eq!(run.counts().pending, 2);
    assert_eq!(run.events.len(), 1);
    assert_eq!(run.template_sha256, run.template.sha256());
}

#[test]
fn state_changes_append_events_with_old_and_new() {
    let mut run = started();
    run.set_state("a", ItemState::Done, "bob", at(1)).unwrap();
    let last = run.events.last().unwrap();
    assert_eq!(last.seq, 2);
    assert_eq!(last.actor, "bob");
    assert_eq!(last.change, Change::ItemState { item: "a".into(), old: ItemState::Pending, new: ItemState::Done });
    assert_eq!(run.items["a"].by.as_deref(), Some("bob"));
    // Setting the same state again records nothing.
    run.set_state("a", ItemState::Done, "bob", at(2)).unwrap();
    assert_eq!(run.events.len(), 2);
    assert_eq!(run.verify_chain(), Ok(()));
}

#[test]
fn empty_or_blank_reasons_are_refused() {
    let mut run = started();
    for reason in ["", "   \t"] {
        let err = run.set_state("a", ItemState::NotApplicable { reason: reason.into() }, "bob", at(1)).unwrap_err();
        assert_eq!(err, ModelError::EmptyReason { item: "a".into(), state: "N/A" });
        let err = run.set_state("a", ItemState::Skipped { reason: reason.into() }, "bob", at(1)).unwrap_err();
        assert_eq!(err, ModelError::EmptyReason { item: "a".into(), state: "skip" });
    }
    assert_eq!(run.items["a"].state, ItemState::Pending);
    assert_eq!(run.events.len(), 1);
    run.set_state("a", ItemState::NotApplicable { reason: "  no CDN  ".into() }, "bob", at(1)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::NotApplicable { reason: "no CDN".into() });
}

#[test]
fn info_and_unknown_items_have_no_state() {
    let mut run = started();
    assert_eq!(run.set_state("intro", ItemState::Done, "b", at(1)), Err(ModelError::NotActionable("intro".into())));
    assert_eq!(run.set_state("nope", ItemState::Done, "b", at(1)), Err(ModelError::UnknownItem("nope".into())));
    assert_eq!(run.set_state("a", ItemState::Done, " ", at(1)), Err(ModelError::EmptyActor));
}

#[test]
fn fields_are_validated_and_clearing_is_recorded() {
    let mut run = started();
    assert!(run.set_field("day", FieldValue::Text("23/11/2026".into()), "b", at(1)).is_err());
    run.set_field("day", FieldValue::Text("2026-11-23".into()), "b", at(1)).unwrap();
    run.set_field("day", FieldValue::Text(" ".into()), "b", at(2)).unwrap();
    assert!(!run.fields.contains_key("day"));
    assert_eq!(run.events.len(), 3);
}

#[test]
fn tampering_breaks_the_chain_at_that_event() {
    let mut run = started();
    run.set_state("a", ItemState::Done, "bob", at(1)).unwrap();
    run.set_note("a", "checked in Grafana", "bob", at(2)).unwrap();
    run.events[1].actor = "mallory".into();
    assert_eq!(run.verify_chain(), Err(2));
    let mut run2 = started();
    run2.set_state("a", ItemState::Done, "bob", at(1)).unwrap();
    run2.events.remove(0);
    assert_eq!(run2.verify_chain(), Err(2));
}

#[test]
fn content_hash_follows_content() {
    let mut run = started();
    let before = run.content_sha256();
    run.set_note("a", "x", "bob", at(1)).unwrap();
    assert_ne!(before, run.content_sha256());
}

pub(crate) fn probe_result(item: &str, state: ProbeState) -> ProbeResult {
    ProbeResult {
        item: item.into(),
        kind: crate::model::ProbeKind::Http,
        target: "http://127.0.0.1/health".into(),
        state,
        started_at: at(5),
        duration_ms: 12,
        attempts: 1,
        conditions: vec![crate::model::ConditionResult {
            condition: "status == 200".into(),
            seen: "503".into(),
            passed: state == ProbeState::Pass,
            warning_only: false,
        }],
        measured: BTreeMap::new(),
        details: BTreeMap::new(),
        certificates: Vec::new(),
        steps: Vec::new(),
        error: None,
    }
}

#[test]
fn a_probe_marks_its_item_unless_a_person_did() {
    let mut run = started();
    run.record_probe(probe_result("a", ProbeState::Pass), at(5)).unwrap();
    assert_eq!((run.items["a"].state.clone(), run.items["a"].by.as_deref()), (ItemState::Done, Some(PROBE_ACTOR)));
    run.record_probe(probe_result("a", ProbeState::Fail), at(6)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::Failed, "a later failing probe fails an item the probe had passed");
    run.set_state("optional", ItemState::Failed, "alice", at(7)).unwrap();
    run.record_probe(probe_result("optional", ProbeState::Pass), at(8)).unwrap();
    assert_eq!(run.items["optional"].state, ItemState::Failed, "a person's verdict stands");
    assert_eq!(run.probe_results.len(), 3);
    assert_eq!(run.verify_chain(), Ok(()));
}

#[test]
fn overriding_a_failed_probe_needs_a_reason() {
    let mut run = started();
    run.record_probe(probe_result("a", ProbeState::Fail), at(5)).unwrap();
    let err = run.set_state("a", ItemState::Done, "alice", at(6)).unwrap_err();
    assert_eq!(err, ModelError::ProbeDisagrees { item: "a".into(), probe: ProbeState::Fail, wanted: ItemState::Done });
    assert!(run.override_probe("a", ItemState::Done, "  ", "alice", at(6)).is_err());
    run.override_probe("a", ItemState::Done, "Checked by hand: the probe hit the old load balancer", "alice", at(6)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::Done);
    assert!(matches!(&run.events[run.events.len() - 2].change, Change::ProbeOverride { reason, .. } if reason.starts_with("Checked by hand")));
}

#[test]
fn failing_an_item_against_its_passing_probe_needs_a_reason() {
    let mut run = started();
    run.record_probe(probe_result("a", ProbeState::Pass), at(5)).unwrap();
    let err = run.set_state("a", ItemState::Failed, "alice", at(6)).unwrap_err();
    assert_eq!(err, ModelError::ProbeDisagrees { item: "a".into(), probe: ProbeState::Pass, wanted: ItemState::Failed });
    assert!(err.to_string().contains("marking it failed overrides the probe"), "{err}");
    run.override_probe("a", ItemState::Failed, "The health endpoint answers, but the page is blank", "alice", at(6)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::Failed);
    // N/A and skip are not verdicts on what the probe checked; they keep asking for their own reason.
    run.set_state("a", ItemState::NotApplicable { reason: "feature flag off".into() }, "alice", at(7)).unwrap();
}

#[test]
fn a_failing_probe_fails_an_item_a_person_marked_done_but_not_one_set_aside() {
    let mut run = started();
    run.set_state("a", ItemState::Done, "alice", at(5)).unwrap();
    run.record_probe(probe_result("a", ProbeState::Fail), at(6)).unwrap();
    assert_eq!((run.items["a"].state.clone(), run.items["a"].by.as_deref()), (ItemState::Failed, Some(PROBE_ACTOR)), "newer evidence wins");
    assert!(run.set_state("a", ItemState::Done, "alice", at(7)).is_err(), "done again needs an override");

    run.set_state("optional", ItemState::NotApplicable { reason: "no mobile app in this release".into() }, "alice", at(8)).unwrap();
    run.record_probe(probe_result("optional", ProbeState::Fail), at(9)).unwrap();
    assert!(matches!(run.items["optional"].state, ItemState::NotApplicable { .. }), "N/A stands");
    assert_eq!(run.integrity_problems(), []);
}

#[test]
fn an_edited_probe_result_is_caught_by_its_event_even_unsigned() {
    let mut run = started();
    run.record_probe(probe_result("a", ProbeState::Pass), at(5)).unwrap();
    assert_eq!(run.integrity_problems(), []);
    // Making an old result look fresh, so that a signer would not be asked to re-run it.
    run.probe_results[0].started_at = at(50);
    let problems = run.integrity_problems();
    assert!(problems.iter().any(|p| p.message.contains("probe result 0 for `a` differs")), "{problems:?}");
}

#[test]
fn probe_results_are_part_of_the_content_hash() {
    let mut run = started();
    let before = run.content_sha256();
    run.record_probe(probe_result("a", ProbeState::Error), at(5)).unwrap();
    assert_ne!(run.content_sha256(), before);
    assert_eq!(run.items["a"].state, ItemState::Pending, "a probe that could not run decides nothing");
}

#[test]
fn a_template_without_roles_offers_a_default_approver() {
    let roles = started().roles();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].title, DEFAULT_ROLE_TITLE);
    assert!(roles[0].required);
}
