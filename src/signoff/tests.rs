//! Tests of signing: stale probes and waivers, key signatures, verification.

use std::collections::BTreeMap;

use super::*;
use crate::model::{ConditionResult, ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use crate::model::{FieldValue, Item, ItemKind, KeySignature, Template};

fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00Z").unwrap().plus_minutes(minute)
}

fn probed_template() -> Template {
    let mut template = crate::model::test_template();
    let probe: ProbeSpec = ron::from_str(r#"(kind: Http, target: "http://127.0.0.1:9/health", expect: ["status == 200"])"#).unwrap();
    template.sections[0].items[0].probe = Some(probe.clone().into());
    let mut optional = Item::new("ports", "Ports open", ItemKind::Check);
    optional.required = false;
    optional.probe = Some(probe.into());
    template.sections[0].items.push(optional);
    template.max_probe_age_minutes = 30;
    template
}

fn result(item: &str, started: Timestamp) -> ProbeResult {
    ProbeResult {
        item: item.into(),
        kind: ProbeKind::Http,
        target: "http://127.0.0.1:9/health".into(),
        state: ProbeState::Pass,
        started_at: started,
        duration_ms: 12,
        attempts: 1,
        conditions: vec![ConditionResult { condition: "status == 200".into(), seen: "200".into(), passed: true, warning_only: false }],
        measured: BTreeMap::new(),
        details: BTreeMap::new(),
        certificates: Vec::new(),
        steps: Vec::new(),
        error: None,
    }
}

fn run() -> Run {
    let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.2.3".into()))]);
    let mut run = Run::start(probed_template(), "run-1".into(), "alice", at(0), values).unwrap();
    run.set_state("optional", ItemState::Done, "alice", at(1)).unwrap();
    run
}

pub(crate) fn request(role: &str, name: &str, minute: u32) -> SignRequest {
    SignRequest {
        role: role.into(),
        name: name.into(),
        meaning: "Approved for production".into(),
        attestation: DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.5], [0.5, 0.2], [0.9, 0.7]] }],
        waivers: vec![],
        acknowledgement: Some("Signed as a test of a run that is not GO".into()),
        entered_by: None,
        at: at(minute),
    }
}

#[test]
fn a_required_probe_whose_latest_run_ended_in_an_error_is_not_evidence() {
    let mut run = run();
    run.record_probe(result("ports", at(2)), at(2)).unwrap();
    let mut error = result("a", at(3));
    error.state = ProbeState::Error;
    error.error = Some("127.0.0.1:9: connection refused".into());
    run.record_probe(error, at(3)).unwrap();
    let stale = stale_probes(&run, at(4));
    assert_eq!(
        stale.iter().map(|s| (s.item.as_str(), s.problem.as_str())).collect::<Vec<_>>(),
        [("a", "could not run: 127.0.0.1:9: connection refused")]
    );
    run.record_probe(result("a", at(5)), at(5)).unwrap();
    assert_eq!(stale_probes(&run, at(6)), [], "a later result that ran is evidence again");
}

#[test]
fn a_required_probe_never_run_and_an_old_result_refuse_signing() {
    let mut run = run();
    run.record_probe(result("ports", at(2)), at(2)).unwrap();
    assert_eq!(stale_probes(&run, at(10)), [StaleProbe { item: "a".into(), text: "A".into(), problem: "never run".into() }]);
    run.record_probe(result("a", at(10)), at(10)).unwrap();
    assert_eq!(stale_probes(&run, at(32)), [], "a result exactly 30 minutes old is still fresh");
    let stale = stale_probes(&run, at(45));
    assert_eq!(
        stale.iter().map(|s| (s.item.as_str(), s.problem.as_str())).collect::<Vec<_>>(),
        [("a", "result 35 min old"), ("ports", "result 43 min old")]
    );

    let refused = sign(&mut run, request("release-approver", "Dana", 45), None).unwrap_err();
    assert!(matches!(&refused, SignError::StaleProbes(list) if list.len() == 2), "{refused}");
    assert!(refused.to_string().contains("a (result 35 min old), ports (result 43 min old)"), "{refused}");
    assert!(run.signatures.is_empty());
}

#[test]
fn a_waiver_with_a_reason_lets_the_signer_sign_and_is_recorded() {
    let mut run = run();
    let mut ask = request("release-approver", "Dana", 5);
    ask.waivers = vec![Waiver { item: "a".into(), problem: String::new(), reason: "  ".into() }];
    assert!(sign(&mut run, ask.clone(), None).is_err(), "a blank reason waives nothing");
    ask.waivers[0].reason = "Health endpoint checked by hand in the console".into();
    sign(&mut run, ask, None).unwrap();
    let signature = &run.signatures[0];
    assert_eq!(
        signature.waivers,
        [Waiver { item: "a".into(), problem: "never run".into(), reason: "Health endpoint checked by hand in the console".into() }]
    );
    assert!(!signature.go, "item a is still pending");
    assert!(signature.blockers.is_empty(), "the list follows from the log; the signature keeps its count and hash");
    assert_eq!(signature.blocker_count(), 1);
    // Replaying the log gives the list back, with the waiver applied as the signer saw it.
    let seen = run.blockers_seen(&[0]);
    assert_eq!(seen[&0].lines, ["not done: A"]);
    assert!(seen[&0].recorded, "the list derived again has the count and hash the signature recorded");
}

#[test]
fn a_key_signature_verifies_and_a_swapped_key_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().to_path_buf());
    keys.create("Dana", "correct horse", at(0)).unwrap();
    keys.create("Mallory", "battery staple", at(0)).unwrap();
    let dana = keys.unlock("Dana", "correct horse").unwrap();
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 3), Some(&dana)).unwrap();
    let report = verify(&run);
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.signatures[0].key, KeyCheck::Valid { fingerprint: dana.info.fingerprint(), algorithm: crate::model::KeyAlgorithm::EcdsaP256 });
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);

    // Mallory's key over the same record, swapped in: the record no longer matches its event,
    // and the key signature does not verify with the public key now named in it.
    let mallory = keys.unlock("Mallory", "battery staple").unwrap();
    let mut swapped = run.clone();
    let previous = swapped.event_before_signature(0).unwrap().to_string();
    let forged = mallory.sign(&swapped.signatures[0].signed_message("run-1", &previous));
    swapped.signatures[0].key = Some(KeySignature { public_key: dana.info.public_key.clone(), ..forged });
    let report = verify(&swapped);
    assert!(!report.is_valid());
    assert!(matches!(&report.signatures[0].key, KeyCheck::Invalid { reason } if reason.contains("does not verify")), "{report:?}");

    let mut wrong_key = run.clone();
    wrong_key.signatures[0].key.as_mut().unwrap().public_key = mallory.info.public_key.clone();
    assert!(matches!(verify(&wrong_key).signatures[0].key, KeyCheck::Invalid { .. }));
}

#[test]
fn signing_again_without_the_key_an_earlier_signature_had_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().to_path_buf());
    keys.create("Dana", "correct horse", at(0)).unwrap();
    let dana = keys.unlock("Dana", "correct horse").unwrap();
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 3), Some(&dana)).unwrap();
    assert!(verify(&run).warnings.is_empty());
    run.set_note("a", "one more thing", "bob", at(4)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 5), None).unwrap();
    let report = verify(&run);
    assert!(report.is_valid(), "a person may sign again without a key");
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].starts_with("Release approver: the current signature by Dana has no key"), "{}", report.warnings[0]);
}

#[test]
fn verification_passes_a_resigned_role_and_fails_an_invalidated_one() {
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 3), None).unwrap();
    run.set_note("a", "one more thing", "bob", at(4)).unwrap();
    let report = verify(&run);
    assert!(!report.is_valid());
    assert!(report.problems.is_empty(), "invalidation is not tampering: {:?}", report.problems);
    assert!(report.signatures[0].line().contains("invalidated by event #"), "{}", report.signatures[0].line());
    sign(&mut run, request("release-approver", "Dana", 5), None).unwrap();
    let report = verify(&run);
    assert!(report.is_valid(), "{report:?}");
    assert!(report.signatures[0].superseded);
}

#[test]
fn a_probe_that_could_not_run_blocks_go_until_it_passes_or_is_overridden() {
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 3), None).unwrap();
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);

    // The server goes down: the item stays done, but its evidence is gone.
    let mut down = result("a", at(4));
    down.state = ProbeState::Error;
    down.conditions.clear();
    down.error = Some("connection refused".into());
    run.record_probe(down, at(4)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::Done);
    let blockers = run.verdict().blockers;
    assert!(blockers.iter().any(|b| b.to_string().starts_with("probe could not run (connection refused)")), "{blockers:?}");

    // A person overrides it with a reason: no longer a blocker (the signature was invalidated
    // by the new probe result, so it is signed again).
    run.override_probe("a", ItemState::Done, "Checked by hand from the bastion", "alice", at(5)).unwrap();
    assert!(!run.verdict().blockers.iter().any(|b| matches!(b, crate::model::Blocker::ProbeCouldNotRun { .. })));

    // A newer error counts again; a pass clears it.
    let mut again = result("a", at(6));
    again.state = ProbeState::Error;
    again.error = Some("timed out".into());
    run.record_probe(again, at(6)).unwrap();
    assert!(run.verdict().blockers.iter().any(|b| matches!(b, crate::model::Blocker::ProbeCouldNotRun { .. })));
    run.record_probe(result("a", at(7)), at(7)).unwrap();
    assert!(!run.verdict().blockers.iter().any(|b| matches!(b, crate::model::Blocker::ProbeCouldNotRun { .. })));
}

fn stale_blockers(verdict: &crate::model::Verdict) -> Vec<String> {
    verdict.blockers.iter().filter(|b| matches!(b, crate::model::Blocker::ProbeStale { .. })).map(ToString::to_string).collect()
}

#[test]
fn evidence_older_than_the_maximum_age_blocks_go_until_rerun_overridden_or_waived() {
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    assert_eq!(run.items["a"].state, ItemState::Done);
    // The limit is 30 minutes: fresh up to and including minute 32, stale after.
    assert_eq!(stale_blockers(&run.verdict_at(at(32))), Vec::<String>::new());
    assert_eq!(run.evidence_fresh_until(at(10)), Some(at(32)));
    assert_eq!(stale_blockers(&run.verdict_at(at(93))), ["probe result older than the 30-minute limit (taken 2026-11-23 10:02 UTC): A"]);
    assert_eq!(run.evidence_fresh_until(at(93)), None, "nothing fresh is left to go stale");

    // Running the probe again is fresh evidence.
    run.record_probe(result("a", at(95)), at(95)).unwrap();
    assert_eq!(stale_blockers(&run.verdict_at(at(100))), Vec::<String>::new());
    assert_eq!(run.evidence_fresh_until(at(100)), Some(at(125)));

    // A person's override with a reason accepts the result for good; a newer result does not
    // inherit it.
    run.override_probe("a", ItemState::Done, "Checked by hand from the bastion", "alice", at(130)).unwrap();
    assert_eq!(stale_blockers(&run.verdict_at(at(200))), Vec::<String>::new());
    assert_eq!(run.evidence_fresh_until(at(200)), None);
    run.record_probe(result("a", at(201)), at(201)).unwrap();
    assert_eq!(stale_blockers(&run.verdict_at(at(240))).len(), 1);

    // A signer who waives the stale result (signing refuses otherwise) clears it, and the
    // signature records GO-ness as of the moment it was made.
    let refused = sign(&mut run, request("release-approver", "Dana", 240), None).unwrap_err();
    assert!(matches!(refused, SignError::StaleProbes(_)), "{refused}");
    let mut waived = request("release-approver", "Dana", 240);
    waived.waivers = vec![Waiver { item: "a".into(), problem: String::new(), reason: "Unchanged since; the deploy is frozen".into() }];
    waived.acknowledgement = None;
    sign(&mut run, waived, None).unwrap();
    assert!(run.signatures[0].go, "{:?}", run.signatures[0].blockers);
    assert_eq!(run.signatures[0].waivers[0].problem, "result 39 min old");
    assert!(run.verdict_at(at(500)).is_go(), "{:?}", run.verdict_at(at(500)).blockers);
}

#[test]
fn the_verdict_of_record_is_taken_when_the_run_was_decided() {
    let mut run = run();
    run.record_probe(result("a", at(2)), at(2)).unwrap();
    sign(&mut run, request("release-approver", "Dana", 10), None).unwrap();
    assert_eq!(run.decided_at(), at(10));
    // Months later the record still says GO; an open run judged now does not.
    let later = at(60 * 24 * 90);
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);
    assert_eq!(stale_blockers(&run.live_verdict(later)).len(), 1);
    // Once final, the app shows the verdict of record.
    run.finalise("alice", at(20)).unwrap();
    assert_eq!(run.judged_at(later), at(10));
    assert!(run.live_verdict(later).is_go());
}
