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
    // The item's history tells the two copies' events apart, as the PDF's trail does.
    let history = harness.state_mut().run_doc_mut().unwrap().history("integration-tests-passing").to_vec();
    let lettered: Vec<&String> = history.iter().filter(|line| line.split_whitespace().nth(1).is_some_and(|w| w == "A" || w == "B")).collect();
    assert_eq!(lettered.len(), 2, "{history:?}");

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

fn git_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new("git").args(args).current_dir(dir).env("GIT_CONFIG_NOSYSTEM", "1").output().unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn sync_in_the_status_bar_commits_pushes_and_brings_in_what_others_pushed() {
    if Command::new("git").arg("--version").output().is_err() {
        println!("skipped: `git` is not installed (CI installs it; see README)");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let remote = root.path().join("remote.git");
    git_ok(root.path(), &["init", "-q", "--bare", "-b", "main", remote.to_str().unwrap()]);
    git_ok(root.path(), &["clone", "-q", remote.to_str().unwrap(), "laptop"]);
    // The app's library is inside the clone, so its runs folder is shared.
    let home = root.path().join("laptop");
    let port = server();
    let path = probed_run(&home, port);
    let cli = |dir: &std::path::Path, user: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .args(["sync", dir.to_str().unwrap()])
            .env("PREFLIGHT_USER", user)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    };
    cli(&home.join("runs"), "riley");

    let mut harness = harness(&home, Some(path.clone()));
    settle(&mut harness);
    let shown: Vec<String> = harness.query_all_by_label_contains("git:").map(|node| format!("{node:?}")).collect();
    assert!(harness.query_by_label("git: in sync").is_some(), "the status bar shows the folder is shared: {shown:?} {:?}", harness.state().errors());
    click_row(&mut harness, "Integration tests passing");
    harness.key_press(Key::Space);
    settle(&mut harness);
    assert!(harness.query_by_label("git: 1 changed").is_some(), "the saved change shows as not yet committed");

    harness.get_by_role_and_label(Role::Button, "⟳ Sync").click();
    settle(&mut harness);
    assert!(harness.query_by_label_contains("pushed").is_some(), "{:?}", harness.state().errors());
    assert!(harness.query_by_label("git: in sync").is_some());
    let log = git_ok(&home, &["log", "-1", "--format=%an|%s"]);
    assert!(log.starts_with("Test User|Preflight: Persona Chat Service"), "{log}");
    assert!(log.contains("1 item state from Test User"), "{log}");

    // Someone else pushes a note; the next Sync brings it into the open run.
    git_ok(root.path(), &["clone", "-q", remote.to_str().unwrap(), "other"]);
    let other = root.path().join("other/runs/probed.run.ron");
    let mut theirs = store::load_run(&other).unwrap();
    theirs.set_note("all-unit-tests-passing", "green on CI 5521", "sam", Timestamp::from_datetime(chrono::Utc::now())).unwrap();
    store::save_run(&other, &theirs).unwrap();
    cli(&root.path().join("other/runs"), "sam");
    harness.get_by_role_and_label(Role::Button, "⟳ Sync").click();
    settle(&mut harness);
    settle_until(&mut harness, |app| app.run_doc().is_some_and(|doc| doc.run().items["all-unit-tests-passing"].note == "green on CI 5521"));
    settle(&mut harness);
    assert_eq!(run_doc(&harness).run().items["integration-tests-passing"].state, ItemState::Done, "nothing of ours was lost");
}
