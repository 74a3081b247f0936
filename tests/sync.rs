//! `preflight sync` between two clones of one bare repository in a temporary folder (the
//! remote; no network): the release manager works in one clone, the QA lead and an approver sign
//! in the other, both end with the same valid run; a concurrent conflicting change merges with
//! the conflict listed; and the ways a sync cannot finish say so and lose nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use preflight::model::{ItemState, SignatureStatus};
use preflight::signoff::KeyStore;
use preflight::store;

#[path = "support/small_run.rs"]
mod small_run;
use small_run::{at, items, sign, sign_with, started};

fn git_available() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok_and(|output| output.status.success());
    if !found {
        println!("skipped: `git` is not installed (CI installs it; see README)");
    }
    found
}

/// Git as a person on their laptop: their own HOME, so no global config of this machine counts.
fn git(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new("git").args(args).current_dir(dir).env("HOME", home).env("GIT_CONFIG_NOSYSTEM", "1").output().unwrap()
}

fn git_ok(dir: &Path, home: &Path, args: &[&str]) -> String {
    let output = git(dir, home, args);
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `preflight sync runs` in the clone, as a person types it.
fn sync(dir: &Path, home: &Path, user: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["sync", dir.file_name().unwrap().to_str().unwrap()])
        .current_dir(dir.parent().unwrap())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PREFLIGHT_HOME", home.join("preflight"))
        .env("PREFLIGHT_USER", user)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn synced(dir: &Path, home: &Path, user: &str) -> String {
    let output = sync(dir, home, user);
    assert_eq!(output.status.code(), Some(0), "sync as {user}: {}", text(&output));
    text(&output)
}

struct Team {
    _root: tempfile::TempDir,
    /// Each laptop: its clone's runs folder and its HOME.
    laptop_a: (PathBuf, PathBuf),
    laptop_b: (PathBuf, PathBuf),
    remote: PathBuf,
}

/// A bare repository and two clones of it, the first holding a new run, pushed.
fn team() -> Team {
    let root = tempfile::tempdir().unwrap();
    let remote = root.path().join("remote.git");
    let home_a = root.path().join("home-a");
    let home_b = root.path().join("home-b");
    for home in [&home_a, &home_b] {
        std::fs::create_dir_all(home).unwrap();
    }
    git_ok(root.path(), &home_a, &["init", "-q", "--bare", "-b", "main", remote.to_str().unwrap()]);
    git_ok(root.path(), &home_a, &["clone", "-q", remote.to_str().unwrap(), "a"]);
    let runs_a = root.path().join("a/runs");
    std::fs::create_dir_all(&runs_a).unwrap();
    store::save_run(&runs_a.join("go-live.run.ron"), &started(9)).unwrap();
    let first = synced(&runs_a, &home_a, "riley");
    assert!(first.contains("committed \"Preflight: Go-live 2.4.0 (run run-merg): started\""), "{first}");
    assert!(first.contains("registered the run merge driver"), "{first}");
    git_ok(root.path(), &home_b, &["clone", "-q", remote.to_str().unwrap(), "b"]);
    let runs_b = root.path().join("b/runs");
    Team { laptop_a: (runs_a, home_a), laptop_b: (runs_b, home_b), remote, _root: root }
}

#[test]
fn two_laptops_share_one_run_through_git_and_end_equal_and_valid() {
    if !git_available() {
        return;
    }
    let team = team();
    let ((runs_a, home_a), (runs_b, home_b)) = (&team.laptop_a, &team.laptop_b);
    let (file_a, file_b) = (runs_a.join("go-live.run.ron"), runs_b.join("go-live.run.ron"));
    let ids = items(&store::load_run(&file_a).unwrap());

    // The release manager ticks and notes items on laptop A and syncs.
    let mut run = store::load_run(&file_a).unwrap();
    for id in &ids {
        run.set_state(id, ItemState::Done, "riley", at(1)).unwrap();
    }
    run.set_note(&ids[1], "migrations applied", "riley", at(2)).unwrap();
    store::save_run(&file_a, &run).unwrap();
    let out = synced(runs_a, home_a, "riley");
    assert!(out.contains("pushed"), "{out}");
    let log = git_ok(runs_a, home_a, &["log", "-1", "--format=%an|%s"]);
    assert_eq!(log.trim(), "riley|Preflight: Go-live 2.4.0 (run run-merg): 3 item states from riley; 1 note from riley");

    // Laptop B receives it; the QA lead signs there, the approver with a key, and B syncs.
    let out = synced(runs_b, home_b, "dana");
    assert!(out.contains("received changes"), "{out}");
    let keys = KeyStore::at(home_b.join("keys"));
    keys.create("Sam Approver", "correct horse", at(0)).unwrap();
    let key = keys.unlock("Sam Approver", "correct horse").unwrap();
    let mut run = store::load_run(&file_b).unwrap();
    sign(&mut run, 0, "Dana QA", 5);
    sign_with(&mut run, 1, "Sam Approver", 6, Some(&key));
    store::save_run(&file_b, &run).unwrap();
    synced(runs_b, home_b, "dana");
    synced(runs_a, home_a, "riley");
    assert_eq!(std::fs::read(&file_a).unwrap(), std::fs::read(&file_b).unwrap(), "both laptops hold the same run");
    let shared = store::load_run(&file_a).unwrap();
    assert_eq!((shared.signature_status(0), shared.signature_status(1)), (SignatureStatus::Valid, SignatureStatus::Valid));
    let verify = Command::new(env!("CARGO_BIN_EXE_preflight")).args(["verify", file_a.to_str().unwrap()]).output().unwrap();
    assert!(text(&verify).contains("\nVALID"), "{}", text(&verify));
    assert!(text(&verify).contains("verdict         GO"), "{}", text(&verify));

    // Both change one item at once: each sync merges, the conflict is listed, and the
    // signatures that covered the item no longer hold, naming the change.
    let mut a = store::load_run(&file_a).unwrap();
    a.set_state(&ids[0], ItemState::Failed, "riley", at(20)).unwrap();
    store::save_run(&file_a, &a).unwrap();
    let mut b = store::load_run(&file_b).unwrap();
    b.set_state(&ids[0], ItemState::Skipped { reason: "health moved to the new gateway".into() }, "dana", at(21)).unwrap();
    store::save_run(&file_b, &b).unwrap();
    synced(runs_a, home_a, "riley");
    let out = synced(runs_b, home_b, "dana");
    assert!(out.contains("merged with conflicts: runs/go-live.run.ron: item"), "{out}");
    synced(runs_a, home_a, "riley");
    assert_eq!(std::fs::read(&file_a).unwrap(), std::fs::read(&file_b).unwrap());
    let merged = store::load_run(&file_a).unwrap();
    assert_eq!(merged.integrity_problems(), []);
    assert_eq!(merged.items[&ids[0]].state, ItemState::Skipped { reason: "health moved to the new gateway".into() });
    assert_eq!(merged.open_conflicts().len(), 1);
    match merged.signature_status(0) {
        SignatureStatus::Invalidated { change } => assert!(change.actor == "riley" || change.actor == "dana", "{change}"),
        other => panic!("expected the QA lead's signature invalidated, got {other:?}"),
    }
    let status = synced(runs_a, home_a, "riley");
    assert!(status.contains("git: in sync"), "{status}");
}

#[test]
fn a_sync_that_cannot_finish_says_why_and_keeps_the_commit() {
    if !git_available() {
        return;
    }
    let team = team();
    let (runs_a, home_a) = &team.laptop_a;
    let file = runs_a.join("go-live.run.ron");

    // The remote refuses every push (a hook, as a protected branch would).
    let hook = team.remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'protected branch: pushes are reviewed' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut run = store::load_run(&file).unwrap();
    run.set_note(&items(&run)[0], "checked", "riley", at(3)).unwrap();
    store::save_run(&file, &run).unwrap();
    let refused = sync(runs_a, home_a, "riley");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("not pushed"), "{}", text(&refused));
    assert!(text(&refused).contains("protected branch"), "{}", text(&refused));
    assert!(text(&refused).contains("1 to send"), "{}", text(&refused));
    assert!(git_ok(runs_a, home_a, &["log", "-1", "--format=%s"]).contains("1 note from riley"), "the commit stays");

    // Once the remote takes pushes again, the next sync sends it.
    std::fs::remove_file(&hook).unwrap();
    let out = synced(runs_a, home_a, "riley");
    assert!(out.contains("nothing to commit; pushed"), "{out}");

    // Not a git folder; git missing from PATH.
    let plain = tempfile::tempdir().unwrap();
    let not_git = sync(plain.path(), home_a, "riley");
    assert_eq!(not_git.status.code(), Some(2));
    assert!(text(&not_git).contains("not in a git repository"), "{}", text(&not_git));
    let no_git = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["sync", runs_a.to_str().unwrap()])
        .env("PATH", plain.path())
        .env("HOME", home_a)
        .output()
        .unwrap();
    assert_eq!(no_git.status.code(), Some(2));
    assert!(text(&no_git).contains("git is not installed or not on PATH"), "{}", text(&no_git));

    // A clone without a remote commits, and says the commit stays local.
    let alone = tempfile::tempdir().unwrap();
    git_ok(alone.path(), home_a, &["init", "-q", "-b", "main"]);
    store::save_run(&alone.path().join("go-live.run.ron"), &started(9)).unwrap();
    let local = sync(alone.path(), home_a, "riley");
    assert_eq!(local.status.code(), Some(1), "{}", text(&local));
    assert!(text(&local).contains("no remote is set up"), "{}", text(&local));
    assert!(text(&local).contains("git: no remote"), "{}", text(&local));
}
