//! Sign-off end to end: a signed run saved to disk, tampered with one field at a time, and
//! checked by `preflight verify`; signer keys made by `preflight keygen`.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use preflight::model::{ConditionResult, ProbeKind, ProbeResult, ProbeState};
use preflight::model::{FieldValue, ItemState, KeySignature, Run, Stroke, Timestamp};
use preflight::signoff::{self, KeyStore, SignRequest};
use preflight::store;

#[path = "pdf_runs/mod.rs"]
mod runs;

use runs::{replace_attachment, repoint_paperclip};

fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00+00:00").unwrap().plus_minutes(minute)
}

fn checklist() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")
}

fn probe_result(item: &str, minute: u32) -> ProbeResult {
    ProbeResult {
        item: item.into(),
        kind: ProbeKind::Http,
        target: "http://127.0.0.1:8080/health".into(),
        state: ProbeState::Pass,
        started_at: at(minute),
        duration_ms: 41,
        attempts: 1,
        conditions: vec![ConditionResult { condition: "status == 200".into(), seen: "200".into(), passed: true, warning_only: false }],
        measured: BTreeMap::from([("response_time".to_string(), "41ms".to_string())]),
        details: BTreeMap::new(),
        certificates: Vec::new(),
        steps: Vec::new(),
        error: None,
    }
}

/// A fully worked and signed run of a real checklist: every item settled (one N/A, notes,
/// a probe result), every role signed, the first with a key.
fn signed_run(keys: &KeyStore) -> Run {
    let template = store::load_template(&checklist()).unwrap();
    let values = BTreeMap::from([
        ("version".to_string(), FieldValue::Text("2.4.0".into())),
        ("environment".to_string(), FieldValue::Text("production".into())),
    ]);
    let mut run = Run::start(template, "run-signed".into(), "Riley", at(0), values).unwrap();
    let items: Vec<String> = run.items.keys().cloned().collect();
    run.record_probe(probe_result(&items[0], 1), at(1)).unwrap();
    for (n, item) in items.iter().enumerate().skip(1) {
        let state = if n == 3 { ItemState::NotApplicable { reason: "no CDN in this region".into() } } else { ItemState::Done };
        run.set_state(item, state, "Riley", at(2)).unwrap();
    }
    run.set_note(&items[2], "checked twice", "Riley", at(3)).unwrap();
    keys.create("Dana Whitfield", "correct horse", at(0)).unwrap();
    let key = keys.unlock("Dana Whitfield", "correct horse").unwrap();
    for (n, role) in run.roles().into_iter().enumerate() {
        let request = SignRequest {
            role: role.id.clone(),
            name: if n == 0 { "Dana Whitfield".into() } else { format!("Signer {n}") },
            meaning: role.meaning.clone(),
            attestation: signoff::DEFAULT_ATTESTATION.into(),
            strokes: vec![Stroke { points: vec![[0.1, 0.6], [0.3, 0.2], [0.5, 0.7]] }, Stroke { points: vec![[0.6, 0.5], [0.9, 0.4]] }],
            waivers: vec![],
            acknowledgement: Some("Signed as a test of a run that is not GO".into()),
            entered_by: None,
            at: at(4 + n as u32),
        };
        signoff::sign(&mut run, request, (n == 0).then_some(&key)).unwrap();
    }
    assert!(run.verdict().is_go(), "{:?}", run.verdict().blockers);
    run
}

fn verify(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preflight")).arg("verify").arg(path).output().unwrap()
}

/// Picks about `count` of `0..len`, always the first and the last.
fn spread(len: usize, count: usize) -> impl Iterator<Item = usize> {
    let step = (len / count).max(1);
    (0..len).filter(move |i| i % step == 0 || *i + 1 == len)
}

/// Ways of changing a signed run file that must not go unnoticed, each as a name and a change
/// to the loaded run: every kind of change, over every field value and signature and a spread
/// of items and events (all of them would make the test slow without finding more).
/// A change to a loaded run, by name.
type Tampering = (String, Box<dyn Fn(&mut Run)>);

fn tampering(run: &Run) -> Vec<Tampering> {
    let mut cases: Vec<Tampering> = Vec::new();
    let items: Vec<String> = run.items.keys().cloned().collect();
    for item in spread(items.len(), 6).map(|i| items[i].clone()) {
        let id = item.clone();
        cases.push((
            format!("item {item}: state"),
            Box::new(move |r: &mut Run| {
                let record = r.items.get_mut(&id).unwrap();
                record.state = if record.state == ItemState::Failed { ItemState::Done } else { ItemState::Failed };
            }),
        ));
        let id = item.clone();
        cases.push((format!("item {item}: note"), Box::new(move |r: &mut Run| r.items.get_mut(&id).unwrap().note.push_str(" (edited)"))));
        let id = item.clone();
        cases.push((format!("item {item}: time"), Box::new(move |r: &mut Run| r.items.get_mut(&id).unwrap().at = Some(at(59)))));
        let id = item.clone();
        cases.push((format!("item {item}: actor"), Box::new(move |r: &mut Run| r.items.get_mut(&id).unwrap().by = Some("Mallory".into()))));
    }
    for field in run.fields.keys() {
        let field = field.clone();
        cases.push((format!("field {field}"), Box::new(move |r: &mut Run| drop(r.fields.insert(field.clone(), FieldValue::Text("9.9.9".into()))))));
    }
    cases.push(("run: started by".into(), Box::new(|r: &mut Run| r.created_by = "Mallory".into())));
    cases.push(("run: started at".into(), Box::new(|r: &mut Run| r.created_at = at(45))));
    cases.push(("run: finalisation removed".into(), Box::new(|r: &mut Run| r.finalised = None)));
    cases.push(("probe: value seen".into(), Box::new(|r: &mut Run| r.probe_results[0].conditions[0].seen = "503".into())));
    cases.push(("probe: measured".into(), Box::new(|r: &mut Run| drop(r.probe_results[0].measured.insert("response_time".into(), "4ms".into())))));
    cases.push(("probe: time".into(), Box::new(|r: &mut Run| r.probe_results[0].started_at = at(30))));
    cases.push(("probe: removed".into(), Box::new(|r: &mut Run| drop(r.probe_results.pop()))));
    for index in 0..run.signatures.len() {
        type Mutation = fn(&mut preflight::model::Signature);
        let mutations: [(&str, Mutation); 8] = [
            ("name", |s| s.name.push('x')),
            ("meaning", |s| s.meaning = "Reviewed only".into()),
            ("time", |s| s.at = at(50)),
            ("strokes", |s| s.strokes[0].points[0][1] += 0.01),
            ("attestation", |s| s.attestation.clear()),
            ("role", |s| s.role_title = "Someone else".into()),
            ("content hash", |s| s.content_sha256 = "0".repeat(64)),
            ("waiver added", |s| s.waivers.push(preflight::model::Waiver { item: "x".into(), problem: "never run".into(), reason: "r".into() })),
        ];
        for (what, mutate) in mutations {
            cases.push((format!("signature {index}: {what}"), Box::new(move |r: &mut Run| mutate(&mut r.signatures[index]))));
        }
        cases.push((format!("signature {index}: removed"), Box::new(move |r: &mut Run| drop(r.signatures.remove(index)))));
    }
    for index in spread(run.events.len(), 12).chain(run.events.len() - run.signatures.len()..run.events.len()) {
        cases.push((format!("event {index}: time"), Box::new(move |r: &mut Run| r.events[index].at = at(58))));
        cases.push((format!("event {index}: actor"), Box::new(move |r: &mut Run| r.events[index].actor.push('x'))));
        cases.push((format!("event {index}: deleted"), Box::new(move |r: &mut Run| drop(r.events.remove(index)))));
        cases.push((
            format!("event {index}: inserted copy"),
            Box::new(move |r: &mut Run| {
                let copy = r.events[index].clone();
                r.events.insert(index, copy);
            }),
        ));
        if index + 1 < run.events.len() {
            cases.push((format!("events {index} and {}: swapped", index + 1), Box::new(move |r: &mut Run| r.events.swap(index, index + 1))));
        }
    }
    cases
}

#[test]
fn every_single_change_to_a_signed_run_file_is_reported_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = signed_run(&KeyStore::at(dir.path().join("keys")));
    run.finalise("Riley", at(20)).unwrap();
    let path = dir.path().join("signed.run.ron");
    store::save_run(&path, &run).unwrap();
    let output = verify(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("event chain     ok"), "{stdout}");
    assert!(stdout.contains("Dana Whitfield") && stdout.contains("verified"), "{stdout}");
    assert!(stdout.trim_end().ends_with("VALID"), "{stdout}");

    let cases = tampering(&run);
    assert!(cases.len() > 80, "{} cases", cases.len());
    let mut unnoticed = Vec::new();
    for (name, tamper) in &cases {
        // Through the file, as an attacker would: load, change, save, verify from disk.
        let mut changed = store::load_run(&path).unwrap();
        tamper(&mut changed);
        assert_ne!(changed, run, "{name} changed nothing");
        let tampered = dir.path().join("tampered.run.ron");
        store::save_run(&tampered, &changed).unwrap();
        let reloaded = store::load_run(&tampered).unwrap();
        if signoff::verify(&reloaded).is_valid() {
            unnoticed.push(name.clone());
        }
    }
    assert!(unnoticed.is_empty(), "verify missed: {unnoticed:?}");

    // A few of them through the command line too, for the exit code and the message.
    for (name, tamper) in cases.iter().filter(|(name, _)| name.starts_with("event 3: deleted") || name.starts_with("signature 0: name")) {
        let mut changed = run.clone();
        tamper(&mut changed);
        let tampered = dir.path().join("cli.run.ron");
        store::save_run(&tampered, &changed).unwrap();
        let output = verify(&tampered);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{name}: {stdout}");
        assert!(stdout.contains("TAMPERED") && stdout.trim_end().ends_with("INVALID"), "{name}: {stdout}");
    }
}

#[test]
fn a_swapped_public_key_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(dir.path().join("keys"));
    let mut run = signed_run(&keys);
    let other = keys.create("Mallory", "battery staple", at(0)).unwrap();
    let signed = run.signatures[0].key.clone().unwrap();
    run.signatures[0].key = Some(KeySignature { public_key: other.public_key, ..signed });
    let report = signoff::verify(&run);
    assert!(!report.is_valid());
    assert!(report.signatures[0].line().contains("KEY SIGNATURE INVALID"), "{}", report.signatures[0].line());
}

#[test]
fn verify_exit_codes_for_invalidated_unreadable_and_missing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = signed_run(&KeyStore::at(dir.path().join("keys")));
    let item = run.items.keys().next().unwrap().clone();
    run.set_note(&item, "a late change", "Riley", at(30)).unwrap();
    let path = dir.path().join("changed.run.ron");
    store::save_run(&path, &run).unwrap();
    let output = verify(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("invalidated by event #{} by Riley: item `{item}`: note", run.events.len())), "{stdout}");
    assert!(stdout.contains("event chain     ok"), "a change after signing is not tampering: {stdout}");

    let garbage = dir.path().join("garbage.run.ron");
    std::fs::write(&garbage, "Run(format_version: 1, id: ").unwrap();
    let output = verify(&garbage);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("garbage.run.ron:1:"), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(verify(&dir.path().join("missing.run.ron")).status.code(), Some(2));
}

#[test]
fn a_final_run_refuses_probing_before_any_probe_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = signed_run(&KeyStore::at(dir.path().join("keys")));
    run.finalise("Riley", at(30)).unwrap();
    let path = dir.path().join("final.run.ron");
    store::save_run(&path, &run).unwrap();
    let before = std::fs::read(&path).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_preflight")).arg("probe").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("finalised by Riley"), "{stderr}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the final run file is untouched");
    assert_eq!(verify(&path).status.code(), Some(0));
}

#[test]
fn keygen_makes_a_key_that_signs_and_refuses_a_second_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let keygen = |passphrase: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .args(["keygen", "--name", "Dana Whitfield", "--passphrase-stdin"])
            .env("PREFLIGHT_HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{passphrase}").unwrap();
        child.wait_with_output().unwrap()
    };
    let short = keygen("short");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
    let made = keygen("correct horse battery");
    let stdout = String::from_utf8_lossy(&made.stdout);
    assert!(made.status.success(), "{stdout}{}", String::from_utf8_lossy(&made.stderr));
    let keys = KeyStore::at(dir.path().join("keys"));
    let info = keys.find("Dana Whitfield").unwrap();
    assert!(stdout.contains(&info.fingerprint()), "{stdout}");
    assert!(keys.unlock("Dana Whitfield", "wrong").is_err());
    assert!(keys.unlock("Dana Whitfield", "correct horse battery").is_ok());
    let again = keygen("another passphrase");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn export_writes_a_pdf_that_verify_checks_against_its_attached_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = signed_run(&KeyStore::at(dir.path().join("keys")));
    let path = dir.path().join("signed.run.ron");
    store::save_run(&path, &run).unwrap();
    let pdf = dir.path().join("audit.pdf");
    let bin = env!("CARGO_BIN_EXE_preflight");
    let export = Command::new(bin).args(["export", path.to_str().unwrap(), "-o", pdf.to_str().unwrap(), "--paper", "letter"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&export.stdout);
    assert!(export.status.success(), "{stdout}{}", String::from_utf8_lossy(&export.stderr));
    assert!(stdout.contains("US Letter"), "{stdout}");
    let again = Command::new(bin).args(["export", path.to_str().unwrap(), "-o", pdf.to_str().unwrap()]).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing PDF is not replaced without --force");

    let output = verify(&pdf);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("printed hashes  match the attached run (content {}", run.content_sha256())), "{stdout}");
    assert!(stdout.contains("Dana Whitfield") && stdout.trim_end().ends_with("VALID"), "{stdout}");

    // The attachment edited: a signer's name changed in the run file inside the PDF.
    let mut edited = run.clone();
    edited.signatures[0].name = "Someone Else".into();
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(
        &tampered,
        replace_attachment(&std::fs::read(&pdf).unwrap(), store::run_ron(std::path::Path::new("test.run.ron"), &edited).unwrap().as_bytes()),
    )
    .unwrap();
    let output = verify(&tampered);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.trim_end().ends_with("INVALID"), "{stdout}");

    // The attachment replaced by another run that verifies on its own: the printed hash differs.
    let mut other = run.clone();
    other.finalised = None;
    let item = other.items.keys().next().unwrap().clone();
    other.set_note(&item, "edited after export", "Mallory", at(40)).unwrap();
    std::fs::write(
        &tampered,
        replace_attachment(&std::fs::read(&pdf).unwrap(), store::run_ron(std::path::Path::new("test.run.ron"), &other).unwrap().as_bytes()),
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&verify(&tampered).stdout).into_owned();
    assert!(stdout.contains("PRINTED HASHES  the printed run content SHA-256") && stdout.trim_end().ends_with("INVALID"), "{stdout}");

    // The attachment replaced by the same run less its last signature: a prefix of a chain is a
    // valid chain and the content hash is the same, so only the printed chain head and file
    // hash tell.
    let mut fewer = run.clone();
    fewer.signatures.pop();
    fewer.events.pop();
    assert!(signoff::verify(&fewer).is_valid() && fewer.content_sha256() == run.content_sha256());
    std::fs::write(
        &tampered,
        replace_attachment(&std::fs::read(&pdf).unwrap(), store::run_ron(std::path::Path::new("test.run.ron"), &fewer).unwrap().as_bytes()),
    )
    .unwrap();
    let output = verify(&tampered);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("the printed event chain head") && stdout.contains("the printed attached run file SHA-256"), "{stdout}");
    assert!(!stdout.contains("the printed run content SHA-256"), "the content is the same: {stdout}");

    // The paperclip on the integrity page re-pointed at another run, the attachment kept.
    let genuine = std::fs::read(&pdf).unwrap();
    std::fs::write(
        &tampered,
        repoint_paperclip(
            &genuine,
            &preflight::pdf::attachment_name(&run),
            store::run_ron(std::path::Path::new("test.run.ron"), &other).unwrap().as_bytes(),
        ),
    )
    .unwrap();
    let output = verify(&tampered);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("holds another file than the attached run") && stdout.trim_end().ends_with("INVALID"), "{stdout}");

    let garbage = dir.path().join("garbage.pdf");
    std::fs::write(&garbage, b"%PDF-1.7 not really").unwrap();
    let output = verify(&garbage);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("garbage.pdf"), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_breach_of_the_sign_off_rules_fails_verify_and_is_printed_in_the_pdf() {
    // One person in two roles the template keeps apart: `sign` refuses it, but a run file can
    // still hold it (merged from two laptops, or written by an older version).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/persona-chat-service.checklist.ron");
    let mut template = store::load_template(&path).unwrap();
    template.roles[2].separate_from = vec![template.roles[0].id.clone()];
    let values = BTreeMap::from([
        ("release-version".to_string(), FieldValue::Text("3.1.0".into())),
        ("environment".to_string(), FieldValue::Text("production".into())),
    ]);
    let mut run = Run::start(template, "run-breach".into(), "Riley", at(0), values).unwrap();
    for item in run.items.keys().cloned().collect::<Vec<_>>() {
        run.set_state(&item, ItemState::Done, "Riley", at(1)).unwrap();
    }
    let ask = |role: &str| SignRequest {
        role: role.into(),
        name: "Rita Release".into(),
        meaning: "Approved".into(),
        attestation: signoff::DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.5], [0.9, 0.5]] }],
        waivers: vec![],
        acknowledgement: Some("the others sign later".into()),
        entered_by: None,
        at: at(2),
    };
    signoff::sign(&mut run, ask("deployed-by"), None).unwrap();
    assert!(matches!(signoff::sign(&mut run, ask("approved-by"), None), Err(signoff::SignError::DutiesNotSeparated(_))));
    let mut second = run.signatures[0].clone();
    second.role = "approved-by".into();
    second.role_title = "Approved By".into();
    second.content_sha256 = run.content_sha256();
    second.at = at(3);
    run.add_signature(second).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("breach.run.ron");
    store::save_run(&file, &run).unwrap();

    let out = verify(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "BREACH          segregation of duties: Deployed By and Approved By must be signed by different people, but Rita Release signed both"
        ),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("INVALID"), "{stdout}");

    let pdf = dir.path().join("breach.pdf");
    let export = Command::new(env!("CARGO_BIN_EXE_preflight")).arg("export").arg(&file).arg("-o").arg(&pdf).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    match Command::new("pdftotext").arg(&pdf).arg("-").output() {
        Ok(text) => {
            let text = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(text.contains("BREACH: segregation of duties: Deployed By and Approved By must be signed by different people"), "not printed");
            assert!(text.contains("(required; another person than Approved By)"), "the rule is printed with the role");
        }
        Err(_) => println!("SKIPPED: pdftotext (poppler-utils) is not installed, so the printed breach was not read back"),
    }
}

/// pdftotext's text of a PDF with its whitespace folded, or None (said) when poppler is absent.
fn pdf_text(pdf: &Path) -> Option<String> {
    match Command::new("pdftotext").arg(pdf).arg("-").output() {
        Ok(text) => Some(String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ")),
        Err(_) => {
            println!("SKIPPED: pdftotext (poppler-utils) is not installed, so the printed blockers were not read back");
            None
        }
    }
}

fn export(run: &Path, pdf: &Path) {
    let export = Command::new(env!("CARGO_BIN_EXE_preflight")).arg("export").arg(run).arg("-o").arg(pdf).output().unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let checked = verify(pdf);
    assert!(checked.status.success(), "the record verifies: {}", String::from_utf8_lossy(&checked.stdout));
}

#[test]
fn a_run_signed_before_signatures_went_lean_still_verifies_and_prints_what_its_signers_saw() {
    // Written by Preflight at 5134575, when each signature kept its whole blocker list: three
    // NO-GO signatures, two made with a key, around a change that invalidated the first.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/signed-before-lean-signatures.run.ron");
    let run = store::load_run(&file).unwrap();
    assert!(run.signatures.iter().all(|s| s.blockers_seen.is_none() && !s.blockers.is_empty()), "the file is of the older kind");
    let out = verify(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.trim_end().ends_with("VALID") && !stdout.contains("warning"), "{stdout}");
    // What the log gives back for each role's current signature is the list it kept.
    let seen = run.blockers_seen(&[1, 2]);
    assert_eq!(seen[&1].lines, run.signatures[1].blockers);
    assert_eq!(seen[&2].lines, run.signatures[2].blockers);

    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("older.pdf");
    export(&file, &pdf);
    if let Some(text) = pdf_text(&pdf) {
        // Each role's current signature is printed with the list it kept.
        for index in [1, 2] {
            // Printed as text: the backticks around an item's id set it in monospace.
            let listed = format!("When signed, the run was: NO-GO: {}", run.signatures[index].blockers.join("; ").replace('`', ""));
            assert!(text.contains(&listed), "signature {index}'s own list is printed: {listed}");
        }
    }
}

#[test]
fn a_lean_signature_keeps_a_count_and_hash_and_the_record_prints_the_blockers_from_the_log() {
    let template = store::load_template(&checklist()).unwrap();
    let values = BTreeMap::from([
        ("version".to_string(), FieldValue::Text("2.4.0".into())),
        ("environment".to_string(), FieldValue::Text("production".into())),
    ]);
    let mut run = Run::start(template, "run-lean".into(), "Riley", at(0), values).unwrap();
    let items: Vec<String> = run.items.keys().cloned().collect();
    for item in &items[2..] {
        run.set_state(item, ItemState::Done, "Riley", at(1)).unwrap();
    }
    let role = run.roles()[0].clone();
    let request = SignRequest {
        role: role.id.clone(),
        name: "Dana Whitfield".into(),
        meaning: role.meaning.clone(),
        attestation: signoff::DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.6], [0.3, 0.2], [0.5, 0.7]] }],
        waivers: vec![],
        acknowledgement: Some("The two open items are done by hand after the release".into()),
        entered_by: None,
        at: at(2),
    };
    let expected: Vec<String> = run.verdict_when_signed(&role.id, at(2), &[]).blockers.iter().map(ToString::to_string).collect();
    assert!(expected.len() >= 2, "{expected:?}");
    signoff::sign(&mut run, request, None).unwrap();
    let signature = &run.signatures[0];
    assert!(signature.blockers.is_empty());
    assert_eq!(signature.blocker_count(), expected.len());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lean.run.ron");
    store::save_run(&file, &run).unwrap();
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("blockers_seen: Some(BlockersSeen(") && saved.contains(&format!("count: {},", expected.len())), "{saved}");
    assert!(!saved.contains(&format!("\"{}\"", expected[0])), "no blocker line is stored");

    let out = verify(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");
    let pdf = dir.path().join("lean.pdf");
    export(&file, &pdf);
    if let Some(text) = pdf_text(&pdf) {
        let listed = format!("When signed, the run was: NO-GO: {}", expected.join("; "));
        assert!(text.contains(&listed), "the blockers worked out from the log are printed: {listed}");
    }

    // A signature whose recorded count disagrees with the log: sealed as if signed that way
    // (the record and its event agree), verify warns and the PDF gives the count only.
    let mut forged = run.clone();
    forged.signatures.clear();
    forged.events.pop();
    let mut claim = run.signatures[0].clone();
    claim.blockers_seen = Some(preflight::model::BlockersSeen::of(&expected[1..]));
    forged.add_signature(claim).unwrap();
    let forged_file = dir.path().join("forged.run.ron");
    store::save_run(&forged_file, &forged).unwrap();
    let out = verify(&forged_file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "recorded the run as NO-GO with {} blocker(s), but the event log up to the signature gives NO-GO with {} blocker(s)",
            expected.len() - 1,
            expected.len()
        )),
        "{stdout}"
    );
}
