//! Several writers, one open run: `preflight probe` saving to the file the app has open, a copy
//! sent for signature and merged back with a conflict, and choosing the value the merge did not
//! keep.

use std::process::Command;

use preflight::model::{Change, ItemState, Timestamp};
use preflight::store::NativeChooser;

use super::probes::{probed_run, server};
use super::*;

#[test]
fn what_preflight_probe_saves_to_the_open_run_is_merged_and_the_apps_next_change_keeps_it() {
    let home = tempfile::tempdir().unwrap();
    let port = server();
    let path = probed_run(home.path(), port);
    let mut harness = harness(home.path(), Some(path.clone()));
    let events_before = run_doc(&harness).run().events.len();

    // A CI job probes the run the release manager has open.
    let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["probe", path.to_str().unwrap(), "--item", "all-unit-tests-passing"])
        .env("PREFLIGHT_USER", "ci")
        .env("PREFLIGHT_HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    settle_until(&mut harness, |app| app.run_doc().is_some_and(|doc| !doc.run().probe_results.is_empty()));
    settle(&mut harness);
    let notice = "Merged what was saved to";
    assert!(harness.query_by_label_contains(notice).is_some(), "a notice says what came in");
    assert!(harness.query_by_label_contains("probe results for 1 item from ci").is_some(), "and who sent it");
    assert_eq!(state_of(&harness, "all-unit-tests-passing"), ItemState::Done, "the probe's pass shows");

    // The release manager goes on; the autosave keeps the probe's events.
    click_row(&mut harness, "Integration tests passing");
    harness.key_press(Key::Space);
    settle(&mut harness);
    let saved = store::load_run(&path).unwrap();
    assert_eq!(saved.integrity_problems(), []);
    assert_eq!(saved.probe_results.len(), 1, "the probe result was not overwritten");
    assert_eq!(saved.items["integration-tests-passing"].state, ItemState::Done);
    assert_eq!(saved.items["all-unit-tests-passing"].state, ItemState::Done);
    assert_eq!(saved.events.len(), events_before + 3, "the probe result, its tick, and the app's tick");
    assert_eq!(saved, *run_doc(&harness).run());
}

#[test]
fn a_copy_sent_for_signature_comes_back_merged_and_a_conflict_can_be_settled_the_other_way() {
    let home = tempfile::tempdir().unwrap();
    let port = server();
    let path = probed_run(home.path(), port);
    let why = "no desktop portal in the test";
    let mut harness = harness_with(home.path(), Some(path.clone()), NativeChooser::Missing { why: why.into() });

    // File › Send for signature… writes a copy beside the run.
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Send for signature…").click();
    harness.run();
    assert!(harness.state().file_chooser_open());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    settle(&mut harness);
    let copy = home.path().join("runs/probed.to-sign.run.ron");
    assert!(harness.query_by_label_contains("Wrote a copy to").is_some(), "{:?}", harness.state().errors());
    assert_eq!(store::load_run(&copy).unwrap(), *run_doc(&harness).run());

    // The approver, elsewhere, marks an item failed an hour later; here it is marked done.
    let mut theirs = store::load_run(&copy).unwrap();
    let later = Timestamp::from_datetime(chrono::Utc::now() + chrono::Duration::hours(1));
    theirs.set_state("integration-tests-passing", ItemState::Failed, "Sam Approver", later).unwrap();
    store::save_run(&copy, &theirs).unwrap();
    click_row(&mut harness, "Integration tests passing");
    harness.key_press(Key::Space);
    settle(&mut harness);

    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Merge a returned copy…").click();
    harness.run();
    click(&mut harness, "🗋 probed.to-sign.run.ron");
    harness.get_by_role_and_label(Role::Button, "Open").click();
    settle(&mut harness);
    assert!(harness.query_by_label_contains("1 item state from Sam Approver").is_some(), "{:?}", harness.state().errors());
    assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Failed, "the later change holds");
    assert!(harness.query_by_label("⚠ Merge conflicts: 1").is_some());
    assert!(harness.query_by_label_contains("kept failed (Sam Approver").is_some());

    // Choosing the other value is a new change, recorded as such; the conflict is settled.
    click(&mut harness, "Use done");
    assert_eq!(state_of(&harness, "integration-tests-passing"), ItemState::Done, "{:?}", harness.state().errors());
    assert!(harness.query_by_label("⚠ Merge conflicts: 1").is_none());
    let saved = store::load_run(&path).unwrap();
    assert_eq!(saved.integrity_problems(), []);
    assert!(saved.events.iter().any(|event| matches!(&event.change, Change::Merged { conflicts, .. } if conflicts.len() == 1)));
    let last = saved.events.last().unwrap();
    assert_eq!(last.actor, "Test User");
    assert!(matches!(&last.change, Change::ItemState { new: ItemState::Done, .. }));
}
