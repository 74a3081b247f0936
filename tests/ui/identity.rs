//! Who signs, in the app: the printed name is the app's user; signing as someone else is an
//! explicit choice that is recorded and shown; a role kept apart from another (segregation of
//! duties) and a role that needs a key refuse in the dialog.

use std::path::PathBuf;

use super::signoff::{acknowledge_no_go, draw_stroke, press_sign};
use super::*;

/// A persona run with every item done, whose template keeps "Approved By" apart from
/// "Deployed By" and requires a key for "Reviewed By".
fn run_with_rules(home: &Path) -> PathBuf {
    let mut template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
    for role in &mut template.roles {
        match role.id.as_str() {
            "approved-by" => role.separate_from = vec!["deployed-by".into()],
            "reviewed-by" => role.require_key = true,
            _ => {}
        }
    }
    super::signoff::settled_run_of(home, "rules", template)
}

/// Opens the signing dialog of the role whose "Sign…" button is the `nth` shown.
fn open_sign_dialog(harness: &mut Harness<'static, App>, nth: usize) {
    harness.query_all_by_label("Sign…").nth(nth).expect("a role to sign").click();
    settle(harness);
    assert!(harness.query_by_label("Sign off").is_some(), "the dialog opened");
}

#[test]
fn signing_as_someone_else_is_explicit_recorded_and_shown() {
    let home = tempfile::tempdir().unwrap();
    let path = run_with_rules(home.path());
    let mut harness = harness(home.path(), Some(path));
    open_sign_dialog(&mut harness, 0);
    // The printed name is the app's user: there is no name to type until one asks for it.
    assert!(harness.query_by_label("Test User").is_some());
    assert!(harness.query_by_role_and_label(Role::TextInput, "Printed name").is_none());
    harness.get_by_label("Sign as someone else").click_accesskit();
    harness.run();
    let name = harness.get_by_role_and_label(Role::TextInput, "Printed name");
    name.focus();
    harness.run();
    harness.get_by_role_and_label(Role::TextInput, "Printed name").type_text("Quinn QA");
    harness.run();
    assert!(harness.query_by_label_contains("entered by Test User for the person named").is_some(), "the dialog says it is recorded");
    draw_stroke(&mut harness, &[(0.2, 0.5), (0.8, 0.5)]);
    acknowledge_no_go(&mut harness);
    press_sign(&mut harness);
    assert!(!harness.state().has_dialog(), "{:?}", harness.state().errors());
    let run = run_doc(&harness).run().clone();
    let signature = &run.signatures[0];
    assert_eq!((signature.name.as_str(), signature.entered_by.as_deref()), ("Quinn QA", Some("Test User")));
    assert_eq!(run.events.last().unwrap().actor, "Test User", "the trail names who entered it");
    assert!(harness.query_by_label("⚠ signed as Quinn QA, entered by Test User").is_some(), "the panel shows it");
    assert_eq!(preflight::signoff::verify(&run).warnings, ["Deployed By: signed as Quinn QA, entered by Test User"]);
}

#[test]
fn segregation_of_duties_and_a_required_key_refuse_in_the_dialog() {
    let home = tempfile::tempdir().unwrap();
    let path = run_with_rules(home.path());
    let mut harness = harness(home.path(), Some(path));
    assert!(harness.query_by_label("🔑 needs a key").is_some());
    assert_eq!(harness.query_all_by_label("⚖ separate signer").count(), 2, "both roles kept apart say so");

    // Test User signs Deployed By ...
    open_sign_dialog(&mut harness, 0);
    draw_stroke(&mut harness, &[(0.2, 0.5), (0.8, 0.5)]);
    acknowledge_no_go(&mut harness);
    press_sign(&mut harness);
    assert_eq!(run_doc(&harness).run().signatures.len(), 1);

    // ... and may not sign Approved By, which must be another person.
    open_sign_dialog(&mut harness, 1);
    assert!(harness.query_by_label("⚖ Must be another person than the signer of Deployed By: you signed it").is_some());
    draw_stroke(&mut harness, &[(0.2, 0.5), (0.8, 0.5)]);
    acknowledge_no_go(&mut harness);
    press_sign(&mut harness);
    let refusal = "Test User signed Deployed By, which must be signed by another person than Approved By: segregation of duties.";
    assert!(harness.query_by_label(refusal).is_some(), "refused with the rule named");
    assert_eq!(run_doc(&harness).run().signatures.len(), 1, "nothing was signed");
    click(&mut harness, "Cancel");

    // Reviewed By needs a key: a drawn signature alone is refused.
    open_sign_dialog(&mut harness, 0);
    assert!(harness.query_by_label("🔑 This role must be signed with a key").is_some());
    draw_stroke(&mut harness, &[(0.2, 0.5), (0.8, 0.5)]);
    acknowledge_no_go(&mut harness);
    press_sign(&mut harness);
    assert!(harness.query_by_label("Reviewed By must be signed with a key: choose yours, or create one with New key….").is_some());
    assert_eq!(run_doc(&harness).run().signatures.len(), 1);
}
