//! Several writers, one run: `preflight merge` by hand and as git's merge driver in a real
//! repository, `verify` on the merged log, and `preflight probe` merging what another writer
//! saved while its probes ran.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use preflight::model::{Change, ItemState, Run, SignatureStatus};
use preflight::store;

#[path = "support/small_run.rs"]
mod small_run;
use small_run::{at, items, sign, started};

fn preflight(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .current_dir(dir)
        .env("PREFLIGHT_HOME", dir.join(".home"))
        .env("PREFLIGHT_USER", "ci")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn two_copies_merge_by_hand_and_verify_shows_where_they_forked() {
    let dir = tempfile::tempdir().unwrap();
    let base = started(9);
    let ids = items(&base);
    let (mut laptop, mut approver) = (base.clone(), base.clone());
    laptop.set_state(&ids[1], ItemState::Done, "riley", at(1)).unwrap();
    laptop.set_note(&ids[1], "migrations 0042–0045 applied", "riley", at(2)).unwrap();
    sign(&mut approver, 0, "Dana", 3);
    let (a, b, out) = (dir.path().join("a.run.ron"), dir.path().join("b.run.ron"), dir.path().join("out.run.ron"));
    store::save_run(&a, &laptop).unwrap();
    store::save_run(&b, &approver).unwrap();

    let output = preflight(dir.path(), &["merge", "a.run.ron", "b.run.ron", "-o", "out.run.ron"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("a signature by Dana"), "{}", text(&output));
    let merged = store::load_run(&out).unwrap();
    assert_eq!(merged.events.len(), base.events.len() + 3 + 1);
    assert_eq!(store::load_run(&a).unwrap(), laptop, "-o leaves the copies alone");
    // Dana signed content without the laptop's tick and note: her signature is invalidated by
    // the laptop's first change, by name.
    match merged.signature_status(0) {
        SignatureStatus::Invalidated { change } => assert_eq!(change.actor, "riley"),
        other => panic!("expected invalidated, got {other:?}"),
    }

    let verify = preflight(dir.path(), &["verify", "out.run.ron"]);
    let report = text(&verify);
    assert!(report.contains("event chain     ok"), "{report}");
    let fork = format!("merged          forked after event #{}: 2 events by riley and 1 event by Dana; joined by event #", base.events.len());
    assert!(report.contains(&fork), "{report}");

    // Merged again: nothing new, and the file is not rewritten.
    let before = std::fs::read(&out).unwrap();
    let again = preflight(dir.path(), &["merge", "out.run.ron", "b.run.ron"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("nothing to merge"), "{}", text(&again));
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[test]
fn a_conflict_is_resolved_by_the_rule_listed_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let base = started(9);
    let ids = items(&base);
    let (mut riley, mut sam) = (base.clone(), base.clone());
    riley.set_state(&ids[2], ItemState::Done, "riley", at(5)).unwrap();
    sam.set_state(&ids[2], ItemState::NotApplicable { reason: "flags ship dark".into() }, "sam", at(6)).unwrap();
    store::save_run(&dir.path().join("riley.run.ron"), &riley).unwrap();
    store::save_run(&dir.path().join("sam.run.ron"), &sam).unwrap();
    let output = preflight(dir.path(), &["merge", "riley.run.ron", "sam.run.ron"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let expected = format!("conflict: item `{}` state: kept N/A (flags ship dark) (sam, event #2) over done (riley, event #2)", ids[2]);
    assert!(text(&output).contains(&expected), "{}", text(&output));
    let merged = store::load_run(&dir.path().join("riley.run.ron")).unwrap();
    assert_eq!(merged.items[&ids[2]].state, ItemState::NotApplicable { reason: "flags ship dark".into() });
    assert!(matches!(&merged.events.last().unwrap().change, Change::Merged { conflicts, .. } if conflicts.len() == 1));
    assert_eq!(merged.integrity_problems(), []);
}

#[test]
fn copies_that_cannot_merge_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = started(9);
    let ids = items(&base);
    let mut other = started(9);
    other.id = "run-other".into();
    let mut tampered = base.clone();
    tampered.set_note(&ids[0], "x", "riley", at(1)).unwrap();
    tampered.events.last_mut().unwrap().actor = "mallory".into();
    let mut sealed = base.clone();
    for (n, name) in ["Dana", "Sam"].iter().enumerate() {
        sign(&mut sealed, n, name, 2 + n as u32);
    }
    sealed.finalise("Sam", at(4)).unwrap();
    let mut late = base.clone();
    sign(&mut late, 0, "Dana", 2);
    sign(&mut late, 1, "Sam", 3);
    late.set_note(&ids[0], "one more thing", "riley", at(5)).unwrap();
    for (name, run) in [("base", &base), ("other", &other), ("tampered", &tampered), ("sealed", &sealed), ("late", &late)] {
        store::save_run(&dir.path().join(format!("{name}.run.ron")), run).unwrap();
    }
    let cases = [
        ("other.run.ron", "base.run.ron", "two different runs"),
        ("base.run.ron", "tampered.run.ron", "their copy does not hold together"),
        ("sealed.run.ron", "late.run.ron", "our copy was finalised by Sam"),
        ("base.run.ron", "missing.run.ron", "missing.run.ron"),
    ];
    for (ours, theirs, says) in cases {
        let before = std::fs::read(dir.path().join(ours)).unwrap();
        let output = preflight(dir.path(), &["merge", ours, theirs]);
        assert_eq!(output.status.code(), Some(2), "{ours} {theirs}: {}", text(&output));
        assert!(text(&output).contains(says), "{ours} {theirs}: {}", text(&output));
        assert_eq!(std::fs::read(dir.path().join(ours)).unwrap(), before, "{ours} unchanged");
    }
}

fn git_available() -> bool {
    let found = Command::new("git").arg("--version").output().is_ok_and(|output| output.status.success());
    if !found {
        println!("skipped: `git` is not installed (CI installs it; see README)");
    }
    found
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap()
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args);
    assert!(output.status.success(), "git {args:?}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn git_merge_runs_preflight_as_the_merge_driver() {
    if !git_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git_ok(repo, &["init", "-q", "-b", "main"]);
    let driver = format!("{} merge %O %A %B", env!("CARGO_BIN_EXE_preflight"));
    git_ok(repo, &["config", "merge.preflight.name", "Preflight run merge"]);
    git_ok(repo, &["config", "merge.preflight.driver", &driver]);
    std::fs::write(repo.join(".gitattributes"), "*.run.ron merge=preflight\n").unwrap();
    let base = started(9);
    let ids = items(&base);
    let path = repo.join("go-live.run.ron");
    store::save_run(&path, &base).unwrap();
    git_ok(repo, &["add", "."]);
    git_ok(repo, &["commit", "-qm", "start the run"]);

    // Two branches change the same run; their lines of RON collide, which git alone cannot merge.
    git_ok(repo, &["checkout", "-qb", "qa"]);
    let mut qa = base.clone();
    qa.set_state(&ids[1], ItemState::Done, "riley", at(1)).unwrap();
    qa.set_note(&ids[2], "flags checked", "riley", at(2)).unwrap();
    store::save_run(&path, &qa).unwrap();
    git_ok(repo, &["commit", "-qam", "qa ticks"]);
    git_ok(repo, &["checkout", "-q", "main"]);
    let mut main = base.clone();
    main.set_state(&ids[2], ItemState::Done, "sam", at(3)).unwrap();
    store::save_run(&path, &main).unwrap();
    git_ok(repo, &["commit", "-qam", "main ticks"]);
    git_ok(repo, &["merge", "-q", "--no-edit", "qa"]);
    let merged = store::load_run(&path).unwrap();
    assert_eq!(merged.integrity_problems(), []);
    assert_eq!(merged.items[&ids[1]].state, ItemState::Done);
    assert_eq!(merged.items[&ids[2]].state, ItemState::Done);
    assert_eq!(merged.items[&ids[2]].note, "flags checked");
    assert_eq!(git_ok(repo, &["status", "--porcelain"]), "", "a clean merge commits");

    // A real conflict: git reports it (the driver exits 1), and the file holds the resolution.
    git_ok(repo, &["checkout", "-q", "qa"]);
    let mut qa = store::load_run(&path).unwrap();
    qa.set_state(&ids[0], ItemState::Failed, "riley", at(10)).unwrap();
    store::save_run(&path, &qa).unwrap();
    git_ok(repo, &["commit", "-qam", "health failed"]);
    git_ok(repo, &["checkout", "-q", "main"]);
    let mut main = store::load_run(&path).unwrap();
    main.set_state(&ids[0], ItemState::Skipped { reason: "no health endpoint yet".into() }, "sam", at(11)).unwrap();
    store::save_run(&path, &main).unwrap();
    git_ok(repo, &["commit", "-qam", "health skipped"]);
    let conflicted = git(repo, &["merge", "--no-edit", "qa"]);
    assert!(!conflicted.status.success(), "the conflict is reported: {}", text(&conflicted));
    let resolved = store::load_run(&path).unwrap();
    assert_eq!(resolved.integrity_problems(), []);
    assert_eq!(resolved.items[&ids[0]].state, ItemState::Skipped { reason: "no health endpoint yet".into() }, "the later change holds");
    let Change::Merged { conflicts, .. } = &resolved.events.last().unwrap().change else { panic!("no merge event") };
    assert_eq!((conflicts[0].kept.actor.as_str(), conflicts[0].other.actor.as_str()), ("sam", "riley"));
    git_ok(repo, &["add", "go-live.run.ron"]);
    git_ok(repo, &["commit", "-qm", "merge qa"]);
    let verify = preflight(repo, &["verify", "go-live.run.ron"]);
    assert!(text(&verify).contains("with 1 conflict"), "{}", text(&verify));
}

/// `preflight probe` records its results in a file the app (here: a test) saved to while the
/// probe waited for its server: both end up in the file.
#[test]
fn probe_merges_what_another_writer_saved_while_it_ran() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (asked_tx, asked) = std::sync::mpsc::channel::<()>();
    let (answer, answer_rx) = std::sync::mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        asked_tx.send(()).unwrap();
        answer_rx.recv().unwrap();
        let mut stream = stream;
        stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("go-live.run.ron");
    let run = started(port);
    let ids = items(&run);
    store::save_run(&path, &run).unwrap();
    let probe = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["probe", "go-live.run.ron"])
        .current_dir(dir.path())
        .env("PREFLIGHT_HOME", dir.path().join(".home"))
        .env("PREFLIGHT_USER", "ci")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    asked.recv().unwrap();
    let mut app = store::load_run(&path).unwrap();
    app.set_note(&ids[1], "ticked in the app meanwhile", "riley", at(1)).unwrap();
    app.set_state(&ids[1], ItemState::Done, "riley", at(1)).unwrap();
    store::save_run(&path, &app).unwrap();
    answer.send(()).unwrap();
    let output = probe.wait_with_output().unwrap();
    server.join().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("changed while the probes ran; merged in: 1 note from riley; 1 item state from riley"), "{}", text(&output));
    let saved = store::load_run(&path).unwrap();
    assert_eq!(saved.integrity_problems(), []);
    assert_eq!(saved.items[&ids[1]].note, "ticked in the app meanwhile");
    assert_eq!(saved.probe_results.len(), 1);
    assert_eq!(saved.items["health-endpoint-answers"].state, ItemState::Done, "the probe's pass marked its item");
}

/// A run written before merges existed (a line of events, signatures with keys) merges as a log
/// with one line: every key signature still verifies in the merge.
#[test]
fn an_older_run_file_merges_and_its_key_signatures_still_verify() {
    use preflight::signoff::{self, KeyCheck};
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/signed-before-lean-signatures.run.ron");
    let old = store::load_run(&file).unwrap();
    assert_eq!(Run::merge(&old, &old.clone()).unwrap().run, old, "merging it with itself changes nothing");
    let ids = items(&old);
    let now = preflight::model::Timestamp::from_datetime(chrono::Utc::now());
    let (mut laptop, mut ci) = (old.clone(), old.clone());
    laptop.set_note(&ids[0], "rechecked after the merge feature shipped", "riley", now).unwrap();
    ci.set_note(&ids[1], "CI looked too", "ci", now.plus_minutes(1)).unwrap();
    let merged = Run::merge(&laptop, &ci).unwrap();
    assert_eq!(merged.run, Run::merge(&ci, &laptop).unwrap().run);
    assert_eq!(merged.run.integrity_problems(), []);
    let report = signoff::verify(&merged.run);
    let keyed: Vec<&KeyCheck> = report.signatures.iter().map(|check| &check.key).filter(|key| !matches!(key, KeyCheck::NoKey)).collect();
    assert_eq!(keyed.len(), 2, "{report:?}");
    assert!(keyed.iter().all(|key| matches!(key, KeyCheck::Valid { .. })), "{report:?}");
}
