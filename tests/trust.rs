//! Whose key is it: `preflight verify` tells an intact signature from one made with a key the
//! auditor trusts (their own keys, the team keyring `.preflight/keyring` in the repository, or
//! a `--trust` bundle), and `--require-trusted` fails a run signed by anyone else: a run
//! forged from scratch with another key (every hash recomputed), or signed without a key.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use preflight::model::{FieldValue, ItemState, Run, Stroke, Timestamp};
use preflight::signoff::{self, KeyStore, SignRequest, UnlockedKey};
use preflight::store;

fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00+00:00").unwrap().plus_minutes(minute)
}

/// A worked run of the prismai checklist (one role, the default approver), signed as "Dana
/// Whitfield" with `key`, or without a key.
fn run_signed_with(key: Option<&UnlockedKey>) -> Run {
    let template = store::load_template(&Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/prismai-platform.checklist.ron")).unwrap();
    let values = BTreeMap::from([
        ("version".to_string(), FieldValue::Text("2.4.0".into())),
        ("environment".to_string(), FieldValue::Text("production".into())),
    ]);
    let mut run = Run::start(template, "run-trust".into(), "Riley", at(0), values).unwrap();
    let items: Vec<String> = run.items.keys().cloned().collect();
    for item in items.iter().take(5) {
        run.set_state(item, ItemState::Done, "Riley", at(1)).unwrap();
    }
    let role = run.roles()[0].id.clone();
    let request = SignRequest {
        role,
        name: "Dana Whitfield".into(),
        meaning: "Approved for production".into(),
        attestation: signoff::DEFAULT_ATTESTATION.into(),
        strokes: vec![Stroke { points: vec![[0.1, 0.5], [0.9, 0.5]] }],
        waivers: vec![],
        acknowledgement: Some("Signed as a test of a run that is not GO".into()),
        entered_by: None,
        at: at(2),
    };
    signoff::sign(&mut run, request, key).unwrap();
    run
}

fn verify(home: &Path, file: &Path, args: &[&str]) -> (i32, String) {
    let output: Output =
        Command::new(env!("CARGO_BIN_EXE_preflight")).arg("verify").arg(file).args(args).env("PREFLIGHT_HOME", home).output().unwrap();
    (output.status.code().unwrap(), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

struct World {
    _root: tempfile::TempDir,
    dana_home: PathBuf,
    mallory_home: PathBuf,
    auditor_home: PathBuf,
    repo: PathBuf,
}

fn world() -> World {
    let root = tempfile::tempdir().unwrap();
    let [dana_home, mallory_home, auditor_home, repo] = ["dana", "mallory", "auditor", "repo"].map(|name| root.path().join(name));
    std::fs::create_dir_all(repo.join("runs")).unwrap();
    std::fs::create_dir_all(&auditor_home).unwrap();
    KeyStore::at(dana_home.join("keys")).create("Dana Whitfield", "correct horse", at(0)).unwrap();
    // Mallory names her key after Dana: the name proves nothing, the key does.
    KeyStore::at(mallory_home.join("keys")).create("Dana Whitfield", "battery staple", at(0)).unwrap();
    World { _root: root, dana_home, mallory_home, auditor_home, repo }
}

fn save(world: &World, name: &str, run: &Run) -> PathBuf {
    let path = world.repo.join("runs").join(name);
    std::fs::write(&path, store::run_ron(std::path::Path::new("test.run.ron"), run).unwrap()).unwrap();
    path
}

#[test]
fn a_key_is_trusted_through_the_signers_own_keys_the_team_keyring_or_a_bundle_and_only_then() {
    let world = world();
    let dana = KeyStore::at(world.dana_home.join("keys")).unlock("Dana Whitfield", "correct horse").unwrap();
    let path = save(&world, "genuine.run.ron", &run_signed_with(Some(&dana)));

    // Dana's own machine: her key is hers.
    let (code, out) = verify(&world.dana_home, &path, &["--require-trusted"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trusted: Dana Whitfield, key") && out.contains("(your own key)"), "{out}");

    // An auditor with nothing to trust: intact, but whose key is it?
    let (code, out) = verify(&world.auditor_home, &path, &[]);
    assert_eq!(code, 0, "intact: {out}");
    assert!(out.contains("intact but signed by an unknown key"), "{out}");
    assert!(out.contains("0 of 1 current run signature(s) made with a trusted key (nothing is trusted"), "{out}");
    let (code, out) = verify(&world.auditor_home, &path, &["--require-trusted"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNTRUSTED") && out.trim_end().ends_with("INVALID"), "{out}");

    // The team keyring in the repository, found from the run's folder.
    let keyring = world.repo.join(".preflight/keyring");
    std::fs::create_dir_all(&keyring).unwrap();
    std::fs::copy(world.dana_home.join("keys/dana-whitfield.crt"), keyring.join("dana-whitfield.crt")).unwrap();
    let (code, out) = verify(&world.auditor_home, &path, &["--require-trusted"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trusted: Dana Whitfield, key") && out.contains(".preflight/keyring/dana-whitfield.crt"), "{out}");
    std::fs::remove_dir_all(world.repo.join(".preflight")).unwrap();

    // A --trust bundle given by hand.
    let bundle = world.dana_home.join("keys/dana-whitfield.crt");
    let (code, out) = verify(&world.auditor_home, &path, &["--require-trusted", "--trust", bundle.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 of 1 current run signature(s) made with a trusted key"), "{out}");
}

#[test]
fn a_run_forged_with_another_key_is_intact_but_not_trusted_and_a_keyless_one_never_is() {
    let world = world();
    let keyring = world.repo.join(".preflight/keyring");
    std::fs::create_dir_all(&keyring).unwrap();
    std::fs::copy(world.dana_home.join("keys/dana-whitfield.crt"), keyring.join("dana-whitfield.crt")).unwrap();

    // Mallory re-creates the run from scratch and signs it as Dana with her own key: every hash
    // is recomputed, so the file is intact.
    let mallory = KeyStore::at(world.mallory_home.join("keys")).unlock("Dana Whitfield", "battery staple").unwrap();
    let forged = save(&world, "forged.run.ron", &run_signed_with(Some(&mallory)));
    let (code, out) = verify(&world.auditor_home, &forged, &[]);
    assert_eq!(code, 0, "intact: {out}");
    assert!(out.contains("intact but signed by an unknown key"), "{out}");
    let (code, out) = verify(&world.auditor_home, &forged, &["--require-trusted"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNTRUSTED"), "{out}");

    let keyless = save(&world, "keyless.run.ron", &run_signed_with(None));
    let (code, out) = verify(&world.auditor_home, &keyless, &["--require-trusted"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no key: not tied to a person, not trusted"), "{out}");

    // A keyring file that is not a certificate is an error naming it, not a silent skip.
    std::fs::write(keyring.join("broken.crt"), "not a certificate").unwrap();
    let (code, out) = verify(&world.auditor_home, &keyless, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("broken.crt"), "{out}");
}
