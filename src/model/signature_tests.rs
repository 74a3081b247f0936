//! Tests of signatures in the model: binding, invalidation, re-signing and finalisation.

use std::collections::BTreeMap;

use super::*;
use crate::model::{FieldValue, ItemState, Placement, Role, Template, Verdict};

pub(crate) fn at(minute: u32) -> Timestamp {
    Timestamp::parse(&format!("2026-11-23T10:{minute:02}:00+00:00")).unwrap()
}

pub(crate) fn template() -> Template {
    let mut template = crate::model::run::tests::template();
    let role = |id: &str, title: &str, required: bool| Role {
        id: id.into(),
        title: title.into(),
        meaning: format!("{title} approves"),
        required,
        placement: Placement::Footer,
        require_key: false,
        separate_from: Vec::new(),
    };
    template.roles = vec![role("qa", "QA lead", true), role("rm", "Release manager", true), role("obs", "Observer", false)];
    template
}

pub(crate) fn settled_run() -> Run {
    let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.2.3".into()))]);
    let mut run = Run::start(template(), "run-1".into(), "alice", at(0), values).unwrap();
    run.set_state("a", ItemState::Done, "alice", at(1)).unwrap();
    run.set_state("optional", ItemState::NotApplicable { reason: "no CDN".into() }, "alice", at(2)).unwrap();
    run
}

/// A signature over the run's current content, as `signoff::sign` makes it.
pub(crate) fn signature(run: &Run, role: &str, name: &str, minute: u32) -> Signature {
    let verdict: Verdict = run.verdict_when_signed(role, at(minute), &[]);
    Signature {
        role: role.into(),
        role_title: role.to_uppercase(),
        name: name.into(),
        entered_by: None,
        meaning: "Approved for production".into(),
        attestation: "I reviewed it.".into(),
        at: at(minute),
        strokes: vec![Stroke { points: vec![[0.1, 0.5], [0.4, 0.2], [0.9, 0.6]] }],
        content_sha256: run.content_sha256(),
        go: verdict.is_go(),
        blockers: verdict.blockers.iter().map(ToString::to_string).collect(),
        blockers_seen: None,
        waivers: vec![],
        acknowledgement: None,
        key: None,
    }
}

#[test]
fn signing_every_required_role_makes_the_run_go() {
    let mut run = settled_run();
    let qa = signature(&run, "qa", "Dana", 3);
    assert!(!qa.go, "the release manager has not signed yet");
    assert_eq!(qa.blockers, ["not signed: Release manager"]);
    run.add_signature(qa).unwrap();
    assert!(!run.verdict().is_go());
    let rm = signature(&run, "rm", "Sam", 4);
    assert!(rm.go, "this signature completes the sign-off: {:?}", rm.blockers);
    run.add_signature(rm).unwrap();
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);
    assert_eq!(run.signature_status(0), SignatureStatus::Valid);
    assert!(matches!(&run.events.last().unwrap().change, Change::Signed { role, name, .. } if role == "rm" && name == "Sam"));
    assert_eq!(run.integrity_problems(), []);
}

#[test]
fn a_signature_must_name_its_signer_show_a_drawing_and_match_the_content() {
    let mut run = settled_run();
    let mut empty = signature(&run, "qa", "Dana", 3);
    empty.strokes = vec![Stroke { points: vec![] }];
    assert_eq!(run.add_signature(empty), Err(ModelError::EmptySignatureField("drawn signature")));
    let mut unnamed = signature(&run, "qa", "  ", 3);
    unnamed.name = " ".into();
    assert_eq!(run.add_signature(unnamed), Err(ModelError::EmptyActor));
    let stale = signature(&run, "qa", "Dana", 3);
    run.set_note("a", "late note", "alice", at(3)).unwrap();
    assert_eq!(run.add_signature(stale), Err(ModelError::StaleContentHash));
    assert_eq!(run.add_signature(signature(&run, "nobody", "Dana", 3)), Err(ModelError::UnknownRole("nobody".into())));
    assert!(run.signatures.is_empty());
}

#[test]
fn a_change_after_signing_invalidates_naming_the_change_and_the_role_can_sign_again() {
    let mut run = settled_run();
    run.add_signature(signature(&run, "qa", "Dana", 3)).unwrap();
    run.add_signature(signature(&run, "rm", "Sam", 4)).unwrap();
    run.set_note("a", "rolled back and forward again", "bob", at(5)).unwrap();
    let SignatureStatus::Invalidated { change } = run.signature_status(0) else { panic!("{:?}", run.signature_status(0)) };
    assert_eq!((change.seq, change.actor.as_str()), (run.events.len() as u64, "bob"));
    assert_eq!(change.what, "item `a`: note added \"rolled back and forward again\"");
    let verdict = run.verdict();
    assert_eq!(verdict.blockers.len(), 2, "{:?}", verdict.blockers);
    assert!(verdict.blockers[0].to_string().starts_with("signature of QA lead invalidated by event #"), "{}", verdict.blockers[0]);

    run.add_signature(signature(&run, "qa", "Dana", 6)).unwrap();
    let (index, _, status) = run.role_signature("qa").unwrap();
    assert_eq!((index, status), (2, SignatureStatus::Valid));
    assert!(!run.verdict().is_go(), "the release manager's signature is still invalidated");
    assert_eq!(run.integrity_problems(), [], "invalidation is not tampering");
}

#[test]
fn a_final_run_refuses_every_change() {
    let mut run = settled_run();
    run.add_signature(signature(&run, "qa", "Dana", 3)).unwrap();
    assert_eq!(run.finalise("alice", at(4)), Err(ModelError::RolesNotSigned(vec!["Release manager".into()])));
    run.add_signature(signature(&run, "rm", "Sam", 4)).unwrap();
    run.finalise("alice", at(5)).unwrap();
    assert!(run.is_final());
    let refused = run.set_state("a", ItemState::Failed, "bob", at(6)).unwrap_err();
    assert!(matches!(refused, ModelError::Final { .. }));
    assert!(refused.to_string().contains("finalised by alice"), "{refused}");
    assert!(run.set_note("a", "x", "bob", at(6)).is_err());
    assert!(run.set_field("release", FieldValue::Text("2".into()), "bob", at(6)).is_err());
    assert!(run.add_signature(signature(&run, "obs", "Kim", 6)).is_err());
    assert_eq!(run.integrity_problems(), []);
    run.finalised = None;
    assert!(run.integrity_problems().iter().any(|p| p.message.contains("finalisation")), "removing the seal shows");
}

#[test]
fn events_appended_after_finalising_or_a_second_start_are_tampering() {
    let mut run = settled_run();
    run.add_signature(signature(&run, "qa", "Dana", 3)).unwrap();
    run.add_signature(signature(&run, "rm", "Sam", 4)).unwrap();
    run.finalise("alice", at(5)).unwrap();
    // A well-chained signature appended after the seal, as someone editing the file could.
    let mut forged = run.clone();
    forged.finalised = None;
    let extra = signature(&forged, "rm", "Mallory", 6);
    forged.add_signature(extra).unwrap();
    forged.finalised = run.finalised.clone();
    let problems = forged.integrity_problems();
    assert!(problems.iter().any(|p| p.message.contains("comes after the run was finalised")), "{problems:?}");

    let mut restarted = settled_run();
    let change = restarted.events[0].change.clone();
    restarted.append_event("mallory", at(9), change);
    let problems = restarted.integrity_problems();
    assert!(problems.iter().any(|p| p.message.contains("starts the run again")), "{problems:?}");
}

#[test]
fn the_signed_message_separates_its_parts() {
    let run = settled_run();
    let mut a = signature(&run, "qa", "Dana", 3);
    let mut b = a.clone();
    a.name = "Dan".into();
    a.meaning = "aApproved".into();
    b.name = "Dana".into();
    b.meaning = "Approved".into();
    assert_ne!(a.signed_message("run-1", "h"), b.signed_message("run-1", "h"));
    let mut waived = b.clone();
    waived.waivers.push(Waiver { item: "a".into(), problem: "never run".into(), reason: "r".into() });
    assert_ne!(waived.signed_message("run-1", "h"), b.signed_message("run-1", "h"), "waivers are signed");
    assert_ne!(b.signed_message("run-1", "h1"), b.signed_message("run-1", "h2"), "the log before is signed");
}

#[test]
fn the_trail_names_a_signed_role_by_its_title_and_a_probe_by_who_ran_it() {
    let mut run = settled_run();
    let qa = signature(&run, "qa", "Dana", 3);
    run.add_signature(qa).unwrap();
    let event = run.events.last().unwrap();
    assert_eq!(run.describe_change(&event.change), "signed as QA lead by Dana: \"Approved for production\"");
    let probe = Change::ProbeResult {
        item: "a".into(),
        index: 0,
        state: crate::model::ProbeState::Pass,
        summary: "status (200) == 200".into(),
        result_sha256: String::new(),
        ran_by: "Rita Release".into(),
    };
    assert_eq!(run.describe_change(&probe), "item `a`: probe pass (run by Rita Release): status (200) == 200");
}

/// A signature as `signoff::sign` now makes it: the blockers' count and hash, not their list.
fn lean(mut signature: Signature) -> Signature {
    signature.blockers_seen = Some(BlockersSeen::of(&signature.blockers));
    signature.blockers.clear();
    signature
}

#[test]
fn the_blockers_a_signer_saw_follow_from_the_log_for_lean_and_older_signatures() {
    let mut run = settled_run();
    // An older signature with its list, then lean ones around changes, one of them on a run
    // with a failed item: each list is worked out from the run as it was at that moment.
    run.add_signature(signature(&run, "qa", "Dana", 3)).unwrap();
    run.set_state("a", ItemState::Failed, "bob", at(4)).unwrap();
    run.add_signature(lean(signature(&run, "obs", "Kim", 5))).unwrap();
    run.set_state("a", ItemState::Done, "bob", at(6)).unwrap();
    run.add_signature(lean(signature(&run, "qa", "Dana", 7))).unwrap();
    run.add_signature(lean(signature(&run, "rm", "Sam", 8))).unwrap();
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);
    let seen = run.blockers_seen(&[0, 1, 2, 3]);
    assert_eq!(seen[&0].lines, ["not signed: Release manager"]);
    assert_eq!(
        seen[&1].lines,
        ["failed: A", "signature of QA lead invalidated by event #5 by bob: item `a`: done → failed; sign again", "not signed: Release manager"]
    );
    assert_eq!(seen[&2].lines, ["not signed: Release manager"]);
    assert_eq!(seen[&3].lines, Vec::<String>::new());
    assert!(seen.values().all(|s| s.recorded), "{seen:?}");
    assert_eq!(run.signatures[1].blocker_count(), 3);
    assert_eq!(run.blockers_seen(&[2]).keys().collect::<Vec<_>>(), [&2], "only the signatures asked for");
    assert_eq!(run.integrity_problems(), []);
}

#[test]
fn a_signature_whose_recorded_blockers_disagree_with_the_log_is_not_recorded() {
    let mut run = settled_run();
    run.set_state("a", ItemState::Failed, "bob", at(3)).unwrap();
    // A signature that claims GO, and one that hides a blocker, on a NO-GO run.
    let mut claims_go = lean(signature(&run, "qa", "Dana", 4));
    claims_go.go = true;
    claims_go.blockers_seen = Some(BlockersSeen::of(&[]));
    run.add_signature(claims_go).unwrap();
    let mut hides = lean(signature(&run, "rm", "Sam", 5));
    let mut shown = run.verdict_when_signed("rm", at(5), &[]).blockers.iter().map(ToString::to_string).collect::<Vec<_>>();
    shown.remove(0);
    hides.blockers_seen = Some(BlockersSeen::of(&shown));
    run.add_signature(hides).unwrap();
    let seen = run.blockers_seen(&[0, 1]);
    assert!(!seen[&0].recorded && !seen[&1].recorded, "{seen:?}");
    assert_eq!(seen[&0].lines[0], "failed: A");
}

#[test]
fn a_signature_stays_the_same_size_however_many_blockers_the_run_has() {
    let size = |items: usize| {
        let mut template = template();
        for n in 0..items {
            template.sections[0].items.push(crate::model::Item::new(format!("extra-{n}"), format!("Extra step {n}"), crate::model::ItemKind::Check));
        }
        let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.2.3".into()))]);
        let run = Run::start(template, "run-1".into(), "alice", at(0), values).unwrap();
        let signature = lean(signature(&run, "qa", "Dana", 3));
        assert!(signature.blocker_count() > items, "every extra step is pending: {}", signature.blocker_count());
        canonical_bytes(&signature).len()
    };
    let (small, large) = (size(10), size(2_000));
    assert!(large <= small + 2, "only the count's digits grow: {small} bytes with 10 items, {large} with 2,000");
}
