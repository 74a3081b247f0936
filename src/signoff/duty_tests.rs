//! Tests of who may sign: a role that needs a key, segregation of duties, signing as someone
//! else, and a key that belongs to another person; and what `verify` reports of each.

use std::collections::BTreeMap;

use super::tests::request;
use super::*;
use crate::model::{Blocker, Change, FieldValue, Placement, Role, Template};

fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00Z").unwrap().plus_minutes(minute)
}

fn role(id: &str, title: &str) -> Role {
    Role {
        id: id.into(),
        title: title.into(),
        meaning: "Approved".into(),
        required: true,
        placement: Placement::Footer,
        require_key: false,
        separate_from: Vec::new(),
    }
}

/// A settled run whose template keeps the approver apart from the release manager, has a
/// QA lead with no such rule, and a security officer who must sign with a key.
fn run() -> Run {
    let mut template: Template = crate::model::test_template();
    let mut approver = role("approver", "Approver");
    approver.separate_from = vec!["rm".into()];
    let mut security = role("security", "Security officer");
    security.require_key = true;
    template.roles = vec![role("rm", "Release manager"), approver, role("qa", "QA lead"), security];
    let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.2.3".into()))]);
    let mut run = Run::start(template, "run-1".into(), "alice", at(0), values).unwrap();
    run.set_state("a", ItemState::Done, "alice", at(1)).unwrap();
    run.set_state("optional", ItemState::Done, "alice", at(1)).unwrap();
    run
}

#[test]
fn a_role_kept_apart_refuses_the_other_roles_signer_by_name_or_by_who_entered_it() {
    let mut run = run();
    sign(&mut run, request("rm", "Rita Release", 2), None).unwrap();
    let refused = sign(&mut run, request("approver", " rita  RELEASE ", 3), None).unwrap_err();
    assert!(
        matches!(&refused, SignError::DutiesNotSeparated(breach) if breach.roles == ["rm", "approver"] && breach.person == "rita  RELEASE"),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "segregation of duties: Release manager and Approver must be signed by different people, but rita  RELEASE signed both; another person must sign"
    );
    // Rita entering a signature printed as Quinn is still Rita's hand on both roles.
    let mut as_quinn = request("approver", "Quinn QA", 3);
    as_quinn.entered_by = Some("Rita Release".into());
    assert!(matches!(sign(&mut run, as_quinn, None), Err(SignError::DutiesNotSeparated(_))));
    assert_eq!(run.signatures.len(), 1, "nothing was recorded");
    // A role with no rule may be signed by the same person; verify notes it.
    sign(&mut run, request("qa", "Rita Release", 4), None).unwrap();
    let report = verify(&run);
    assert!(
        report.warnings.iter().any(|w| w == "one person in several roles: Rita Release signed 2 roles: Release manager, QA lead"),
        "{:?}",
        report.warnings
    );
    assert!(report.breaches.is_empty());
}

#[test]
fn one_key_is_one_person_whatever_the_printed_names() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().to_path_buf());
    keys.create("Rita Release", "correct horse", at(0)).unwrap();
    let key = keys.unlock("Rita Release", "correct horse").unwrap();
    let mut run = run();
    sign(&mut run, request("rm", "Rita Release", 2), Some(&key)).unwrap();
    let refused = sign(&mut run, request("approver", "Someone Else", 3), Some(&key)).unwrap_err();
    assert!(matches!(&refused, SignError::DutiesNotSeparated(breach) if breach.person.contains("(one key)")), "{refused}");
}

#[test]
fn a_role_that_needs_a_key_refuses_a_drawn_signature_alone() {
    let mut run = run();
    let refused = sign(&mut run, request("security", "Sam Secure", 2), None).unwrap_err();
    assert!(matches!(&refused, SignError::KeyRequired(title) if title == "Security officer"), "{refused:?}");
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().to_path_buf());
    keys.create("Sam Secure", "correct horse", at(0)).unwrap();
    sign(&mut run, request("security", "Sam Secure", 2), Some(&keys.unlock("Sam Secure", "correct horse").unwrap())).unwrap();
    assert!(verify(&run).warnings.is_empty(), "{:?}", verify(&run).warnings);
}

#[test]
fn signing_as_someone_else_is_recorded_and_the_trail_names_who_entered_it() {
    let mut run = run();
    let mut ask = request("qa", "Quinn QA", 2);
    ask.entered_by = Some("Rita Release".into());
    sign(&mut run, ask, None).unwrap();
    let signature = &run.signatures[0];
    assert_eq!((signature.name.as_str(), signature.entered_by.as_deref()), ("Quinn QA", Some("Rita Release")));
    let event = run.events.last().unwrap();
    assert_eq!(event.actor, "Rita Release");
    assert!(matches!(&event.change, Change::Signed { name, .. } if name == "Quinn QA"));
    let report = verify(&run);
    assert!(report.is_valid(), "{report:?}");
    assert_eq!(report.warnings, ["QA lead: signed as Quinn QA, entered by Rita Release"]);
    // Entering one's own name is not signing as someone else.
    let mut own = request("rm", "Rita Release", 3);
    own.entered_by = Some("rita release".into());
    sign(&mut run, own, None).unwrap();
    assert_eq!(run.signatures[1].entered_by, None);
}

#[test]
fn a_key_of_another_holder_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().to_path_buf());
    keys.create("Quinn QA", "correct horse", at(0)).unwrap();
    let mut run = run();
    sign(&mut run, request("qa", "Mallory", 2), Some(&keys.unlock("Quinn QA", "correct horse").unwrap())).unwrap();
    assert_eq!(verify(&run).warnings, ["QA lead: the printed name Mallory is not the key's holder, Quinn QA"]);
}

#[test]
fn a_breach_that_reached_the_file_blocks_go_and_fails_verification() {
    // Two laptops, or an older version, can record what `sign` refuses: the verdict and verify
    // must still see it.
    let mut run = run();
    sign(&mut run, request("rm", "Rita Release", 2), None).unwrap();
    let mut signature = run.signatures[0].clone();
    signature.role = "approver".into();
    signature.role_title = "Approver".into();
    signature.content_sha256 = run.content_sha256();
    signature.at = at(3);
    run.add_signature(signature.clone()).unwrap();
    signature.role = "security".into();
    signature.role_title = "Security officer".into();
    signature.name = "Sam Secure".into();
    signature.content_sha256 = run.content_sha256();
    run.add_signature(signature).unwrap();
    let blockers = run.verdict().blockers;
    assert!(blockers.iter().any(|b| matches!(b, Blocker::DutiesNotSeparated(breach) if breach.person == "Rita Release")), "{blockers:?}");
    assert!(blockers.iter().any(|b| b.to_string() == "Security officer must be signed with a key; Sam Secure signed without one"), "{blockers:?}");
    let report = verify(&run);
    assert!(!report.is_valid());
    assert_eq!(
        report.breaches,
        [
            "Security officer: must be signed with a key; Sam Secure signed without one",
            "segregation of duties: Release manager and Approver must be signed by different people, but Rita Release signed both",
        ]
    );
    // Signing the approver again, by another person, clears the breach.
    assert!(!run.verdict_when_signed("approver", run.decided_at(), &[]).blockers.iter().any(|b| matches!(b, Blocker::DutiesNotSeparated(_))));
}
