//! Text still in a focused box is never lost at the edges: "Test now" tests the condition
//! being typed, and quitting (Ctrl+Q) with a focused edit commits it first, then asks about
//! unsaved template edits or saves the run's note.

use preflight::model::{ProbeKind, ProbeSpec};

use super::probes::{edit_probe, edited_probe, server};
use super::*;

const CONDITIONS: &str = "Conditions, one per line (status == 200, response_time < 100ms)";

#[test]
fn test_now_tests_the_condition_being_typed() {
    let home = tempfile::tempdir().unwrap();
    let port = server();
    let spec = ProbeSpec { expect: vec!["status == 200".into()], ..ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{port}/ok")) };
    let (mut harness, id) = edit_probe(home.path(), spec);
    harness.get_by_role_and_label(Role::MultilineTextInput, CONDITIONS).click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.get_by_role_and_label(Role::MultilineTextInput, CONDITIONS).type_text("status == 503");
    harness.run();
    // The box still has the keyboard: nothing is committed yet.
    assert_eq!(edited_probe(&harness, &id).expect, ["status == 200"]);
    harness.get_by_label("Test now").scroll_to_me();
    harness.run();
    harness.get_by_label("Test now").click();
    settle(&mut harness);
    settle_until(&mut harness, |app| app.editor().is_some_and(|doc| doc.test_result.is_some()));
    assert_eq!(edited_probe(&harness, &id).expect, ["status == 503"], "the typed condition was committed");
    let result = harness.state().editor().unwrap().test_result.clone().unwrap();
    let conditions: Vec<String> = result.conditions.iter().map(|c| c.resolved()).collect();
    assert_eq!(conditions, ["status (200) == 503"], "the test ran the condition being typed");
}

#[test]
fn quitting_with_a_focused_edit_commits_it_and_asks_about_the_unsaved_template() {
    let home = tempfile::tempdir().unwrap();
    let port = server();
    let (mut harness, id) = edit_probe(home.path(), ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{port}/ok")));
    harness.get_by_role_and_label(Role::MultilineTextInput, CONDITIONS).click();
    harness.run();
    harness.get_by_role_and_label(Role::MultilineTextInput, CONDITIONS).type_text("status == 200");
    harness.run();
    assert!(!harness.state().editor().unwrap().dirty, "typed, not yet committed");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    settle(&mut harness);
    assert_eq!(edited_probe(&harness, &id).expect, ["status == 200"]);
    assert!(harness.query_by_label("Unsaved changes").is_some(), "quitting asks about the edit that was still being typed");
}

#[test]
fn quitting_while_typing_a_note_keeps_the_note() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let mut harness = harness(home.path(), Some(path.clone()));
    harness.key_press(Key::Enter);
    harness.run();
    harness.get_by_role_and_label(Role::MultilineTextInput, "Note (Enter to edit)").type_text("Checked on the canary first");
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    settle(&mut harness);
    settle_until(&mut harness, |app| app.save_state() == &preflight::ui::SaveState::Saved);
    let selected = run_doc(&harness).selected().unwrap().to_string();
    assert_eq!(store::load_run(&path).unwrap().items[&selected].note, "Checked on the canary first", "the note is on disk");
}

#[test]
fn switching_a_probes_kind_resets_its_settings_and_undo_brings_them_back() {
    let home = tempfile::tempdir().unwrap();
    let http = ProbeSpec {
        expect: vec!["status == 200".into(), "header(content-type) contains \"json\"".into()],
        ..ProbeSpec::new(ProbeKind::Http, "https://api.example.com/health")
    };
    let (mut harness, id) = edit_probe(home.path(), http.clone());
    harness.get_by_role_and_label(Role::RadioButton, "TLS").click();
    harness.run();
    let tls = edited_probe(&harness, &id);
    assert_eq!((tls.kind, tls.target.as_str()), (ProbeKind::Tls, "api.example.com:443"));
    assert_eq!(tls.expect, ["tls.verified == true"], "the HTTP conditions do not carry over");
    assert!(harness.query_by_label("Waive the certificate check (self-signed or unknown CA)").is_some());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(edited_probe(&harness, &id), http, "Undo brings the HTTP probe back whole");
}

#[test]
fn undo_and_redo_both_work_in_a_run_and_the_trail_keeps_every_step() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let mut harness = harness(home.path(), Some(path));
    let item = run_doc(&harness).selected().unwrap().to_string();
    let events = run_doc(&harness).run().events.len();
    harness.key_press(Key::F);
    harness.run();
    assert_eq!(state_of(&harness, &item), ItemState::Failed);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(state_of(&harness, &item), ItemState::Done, "undone");
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    harness.run();
    assert_eq!(state_of(&harness, &item), ItemState::Failed, "redone");
    assert!(harness.query_by_label_contains("Redone:").is_some());
    assert_eq!(run_doc(&harness).run().events.len(), events + 3, "each step is in the trail");
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    harness.run();
    assert!(harness.query_by_label("Nothing to redo.").is_some());
}

#[test]
fn without_a_system_file_dialog_the_apps_own_chooser_opens_says_why_and_picks_a_file() {
    let home = tempfile::tempdir().unwrap();
    let run = super::signoff::settled_run(home.path());
    std::fs::copy(&run, home.path().join("handed-over.run.ron")).unwrap();
    let why = "there is no D-Bus session for the desktop portal, and zenity is not installed";
    let mut harness = harness_with(home.path(), None, preflight::store::NativeChooser::Missing { why: why.into() });
    harness.query_all_by_label("Open…").next().unwrap().click();
    harness.run();
    assert!(harness.state().file_chooser_open(), "Open… opened the app's own chooser");
    assert!(harness.query_by_label_contains(why).is_some(), "the notice says why");
    click(&mut harness, "🗋 handed-over.run.ron");
    harness.get_by_role_and_label(Role::Button, "Open").click();
    settle(&mut harness);
    assert!(!harness.state().file_chooser_open());
    let View::Run(doc) = harness.state().view() else { panic!("the picked run is open: {:?}", harness.state().errors()) };
    assert_eq!(doc.path(), home.path().join("handed-over.run.ron"));
}
