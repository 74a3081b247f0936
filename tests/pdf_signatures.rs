//! PDF signatures on an audit record, checked by three validators: poppler's `pdfsig`, pyHanko
//! (`pyhanko sign validate`) and `preflight verify`. A record certified at export and
//! countersigned by an approver passes all three; a flipped byte is caught by all three; and
//! countersigning is refused for an altered record, another person's key, a wrong passphrase
//! and a PDF that is not a Preflight record, without changing the file.
//!
//! `pdfsig` (poppler-utils) and `pyhanko` (PyPI) are installed by `.ci/run`; where one is
//! missing its checks are skipped with a message saying so.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use preflight::model::{FieldValue, ItemState, Run, Stroke, Timestamp};
use preflight::signoff::{self, Identity, KeyStore, SignRequest};
use preflight::store;

const PASSPHRASE: &str = "correct horse";

fn at(minute: u32) -> Timestamp {
    Timestamp::parse("2026-11-23T10:00:00+00:00").unwrap().plus_minutes(minute)
}

struct Setup {
    home: tempfile::TempDir,
    run_path: PathBuf,
}

impl Setup {
    fn keys(&self) -> KeyStore {
        KeyStore::at(self.home.path().join("keys"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn certificate(&self, id: &str) -> PathBuf {
        self.home.path().join("keys").join(format!("{id}.crt"))
    }

    /// Runs the binary with this home and the passphrase on standard input.
    fn preflight(&self, args: &[&str], passphrase: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .args(args)
            .env("PREFLIGHT_HOME", self.home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{passphrase}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    fn export_certified(&self, name: &str, key: &str) -> PathBuf {
        let pdf = self.path(name);
        let output =
            self.preflight(&["export", self.run_path.to_str().unwrap(), "-o", pdf.to_str().unwrap(), "--key", key, "--passphrase-stdin"], PASSPHRASE);
        assert!(output.status.success(), "{}", text(&output));
        pdf
    }

    fn countersign(&self, pdf: &Path, key: &str, passphrase: &str) -> Output {
        self.preflight(&["countersign", pdf.to_str().unwrap(), "--key", key, "--passphrase-stdin"], passphrase)
    }

    fn verify(&self, pdf: &Path) -> Output {
        self.preflight(&["verify", pdf.to_str().unwrap()], "")
    }
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A worked run of a checklist with three roles; "Deployed By" signed by Quinn with a key,
/// "Reviewed By" by Rita without one.
fn setup() -> Setup {
    let home = tempfile::tempdir().unwrap();
    let keys = KeyStore::at(home.path().join("keys"));
    let rita = Identity { name: "Rita Release".into(), title: Some("Release Manager".into()), email: Some("rita@example.com".into()) };
    keys.create_for(&rita, PASSPHRASE, at(0)).unwrap();
    keys.create("Quinn QA", PASSPHRASE, at(0)).unwrap();
    keys.create("Mallory", PASSPHRASE, at(0)).unwrap();
    let template = store::load_template(&Path::new(env!("CARGO_MANIFEST_DIR")).join("checklists/persona-chat-service.checklist.ron")).unwrap();
    let values = BTreeMap::from([
        ("release-version".to_string(), FieldValue::Text("2.4.0".into())),
        ("environment".to_string(), FieldValue::Text("production".into())),
    ]);
    let mut run = Run::start(template, "run-pades".into(), "Rita Release", at(0), values).unwrap();
    let items: Vec<String> = run.items.keys().cloned().collect();
    for item in items.iter().take(20) {
        run.set_state(item, ItemState::Done, "Rita Release", at(1)).unwrap();
    }
    let quinn = keys.unlock("Quinn QA", PASSPHRASE).unwrap();
    for (role, name, key) in [("deployed-by", "Quinn QA", Some(&quinn)), ("reviewed-by", "Rita Release", None)] {
        let request = SignRequest {
            role: role.into(),
            name: name.into(),
            meaning: "Approved for production".into(),
            attestation: signoff::DEFAULT_ATTESTATION.into(),
            strokes: vec![Stroke { points: vec![[0.1, 0.6], [0.3, 0.2], [0.5, 0.7]] }],
            waivers: vec![],
            acknowledgement: Some("Signed as a test of a run that is not GO".into()),
            entered_by: None,
            at: at(5),
        };
        signoff::sign(&mut run, request, key).unwrap();
    }
    let run_path = home.path().join("release.run.ron");
    std::fs::write(&run_path, store::run_ron(std::path::Path::new("test.run.ron"), &run).unwrap()).unwrap();
    Setup { home, run_path }
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        println!("SKIPPED: `{name}` is not installed (poppler-utils / pip install pyhanko-cli), so its checks did not run");
    }
    found
}

fn pdfsig(pdf: &Path) -> Option<String> {
    tool("pdfsig").then(|| text(&Command::new("pdfsig").arg(pdf).output().unwrap()))
}

/// `pyhanko sign validate` with the given certificates as the only trust roots.
fn pyhanko(pdf: &Path, trusted: &[PathBuf]) -> Option<String> {
    if !tool("pyhanko") {
        return None;
    }
    let mut command = Command::new("pyhanko");
    command.args(["sign", "validate", "--pretty-print", "--trust-replace"]);
    for certificate in trusted {
        command.arg("--trust").arg(certificate);
    }
    Some(text(&command.arg(pdf).output().unwrap()))
}

#[test]
fn a_certified_and_countersigned_record_passes_pdfsig_pyhanko_and_verify() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    let trusted = [setup.certificate("rita-release"), setup.certificate("quinn-qa")];

    if let Some(out) = pdfsig(&pdf) {
        println!("pdfsig, certified:\n{out}");
        assert_eq!(out.matches("Signature is Valid.").count(), 1, "{out}");
        assert!(out.contains("Total document signed") && out.contains("ETSI.CAdES.detached"), "{out}");
        assert!(out.contains("Signer Certificate Common Name: Rita Release"), "{out}");
    }
    if let Some(out) = pyhanko(&pdf, &trusted) {
        println!("pyhanko, certified:\n{out}");
        assert!(out.contains("The signature is judged VALID"), "{out}");
    }
    let verified = setup.verify(&pdf);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(text(&verified).contains("pdf signature 1 ok: certification by Rita Release, Release Manager <rita@example.com>"), "{}", text(&verified));

    let before = std::fs::read(&pdf).unwrap();
    let signed = setup.countersign(&pdf, "Quinn QA", PASSPHRASE);
    assert!(signed.status.success(), "{}", text(&signed));
    let after = std::fs::read(&pdf).unwrap();
    assert!(after.starts_with(&before), "countersigning only appends");

    if let Some(out) = pdfsig(&pdf) {
        println!("pdfsig, countersigned:\n{out}");
        assert_eq!(out.matches("Signature is Valid.").count(), 2, "{out}");
        assert_eq!(out.matches("Total document signed").count(), 1, "only the last signature covers the whole file: {out}");
        assert!(out.contains("Signer Certificate Common Name: Quinn QA"), "{out}");
    }
    if let Some(out) = pyhanko(&pdf, &trusted) {
        println!("pyhanko, countersigned:\n{out}");
        assert_eq!(out.matches("The signature is judged VALID").count(), 2, "{out}");
        assert!(!out.contains("INVALID"), "{out}");
    }
    let verified = setup.verify(&pdf);
    let out = text(&verified);
    println!("preflight verify:\n{out}");
    assert!(verified.status.success(), "{out}");
    assert!(out.contains("pdf signature 2 ok: approval by Quinn QA"), "{out}");
    assert!(out.contains("the same key signed the run as Deployed By"), "{out}");
    assert!(out.contains("pages           all"), "{out}");
}

/// Flips one bit of a copy, in the last byte of the first (or last) place `needle` occurs, and
/// returns it: a letter changes case, a digit changes value, the syntax stays readable.
fn flipped(setup: &Setup, pdf: &Path, name: &str, needle: &[u8], nth_from_end: bool) -> PathBuf {
    let mut bytes = std::fs::read(pdf).unwrap();
    let positions: Vec<usize> = bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    let at = if nth_from_end { *positions.last().unwrap() } else { positions[0] } + needle.len() - 1;
    bytes[at] ^= if bytes[at].is_ascii_digit() { 0x01 } else { 0x20 };
    let path = setup.path(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_flipped_byte_is_caught_by_all_three_validators() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    assert!(setup.countersign(&pdf, "Quinn QA", PASSPHRASE).status.success());
    // A letter of the document information in Preflight's revision, covered by both
    // signatures; and a digit of the approval's signing time, in the last revision.
    for (name, needle, last) in [("early.pdf", b"go-live checklist".as_slice(), false), ("late.pdf", b"/M (D:2026", true)] {
        let tampered = flipped(&setup, &pdf, name, needle, last);
        if let Some(out) = pdfsig(&tampered) {
            println!("pdfsig, {name}:\n{out}");
            assert!(out.contains("Signature is Invalid") || out.contains("Digest Mismatch"), "{name}: {out}");
        }
        if let Some(out) = pyhanko(&tampered, &[setup.certificate("rita-release"), setup.certificate("quinn-qa")]) {
            println!("pyhanko, {name}:\n{out}");
            assert!(out.contains("INVALID") || out.contains("not intact") || out.contains("Error"), "{name}: {out}");
        }
        let verified = setup.verify(&tampered);
        let out = text(&verified);
        println!("preflight verify, {name}:\n{out}");
        assert_eq!(verified.status.code(), Some(1), "{name}: {out}");
        assert!(out.trim_end().ends_with("INVALID"), "{name}: {out}");
        let broken = if last { "PDF SIGNATURE 2 INVALID" } else { "PDF SIGNATURE 1 INVALID" };
        assert!(out.contains(broken) && out.contains("the file was changed after signing"), "{name}: {out}");
    }
}

#[test]
fn countersigning_is_refused_for_an_altered_record_another_key_a_wrong_passphrase_and_a_foreign_pdf() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    let original = std::fs::read(&pdf).unwrap();

    let refused = setup.countersign(&pdf, "Mallory", PASSPHRASE);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("signed no role of this run"), "{}", text(&refused));

    let refused = setup.countersign(&pdf, "Quinn QA", "wrong horse");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("wrong passphrase"), "{}", text(&refused));
    assert_eq!(std::fs::read(&pdf).unwrap(), original, "nothing changed");

    let tampered = flipped(&setup, &pdf, "tampered.pdf", b"go-live checklist", false);
    let tampered_bytes = std::fs::read(&tampered).unwrap();
    let refused = setup.countersign(&tampered, "Quinn QA", PASSPHRASE);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("altered after export"), "{}", text(&refused));
    assert_eq!(std::fs::read(&tampered).unwrap(), tampered_bytes, "nothing changed");

    let mut foreign = lopdf::Document::with_version("1.7");
    let pages = foreign.new_object_id();
    let catalog = foreign.add_object(lopdf::dictionary! { "Type" => "Catalog", "Pages" => pages });
    foreign.objects.insert(pages, lopdf::Object::Dictionary(lopdf::dictionary! { "Type" => "Pages", "Kids" => vec![], "Count" => 0 }));
    foreign.trailer.set("Root", catalog);
    let foreign_path = setup.path("foreign.pdf");
    foreign.save(&foreign_path).unwrap();
    let foreign_bytes = std::fs::read(&foreign_path).unwrap();
    let refused = setup.countersign(&foreign_path, "Quinn QA", PASSPHRASE);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("not a Preflight audit record"), "{}", text(&refused));
    assert_eq!(std::fs::read(&foreign_path).unwrap(), foreign_bytes);

    // The same field twice: a signature is never replaced.
    assert!(setup.countersign(&pdf, "Quinn QA", PASSPHRASE).status.success());
    let signed = std::fs::read(&pdf).unwrap();
    let again = setup.countersign(&pdf, "Quinn QA", PASSPHRASE);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("already signed"), "{}", text(&again));
    assert_eq!(std::fs::read(&pdf).unwrap(), signed);
}

#[test]
fn a_certificate_that_had_expired_when_it_signed_is_reported() {
    let setup = setup();
    let old = Identity { name: "Old Timer".into(), ..Identity::default() };
    // Made in 2015: valid for five years, long expired when it signs today.
    setup.keys().create_for(&old, PASSPHRASE, Timestamp::parse("2015-01-01T00:00:00Z").unwrap()).unwrap();
    let pdf = setup.export_certified("expired.pdf", "Old Timer");
    let verified = setup.verify(&pdf);
    let out = text(&verified);
    println!("preflight verify:\n{out}");
    assert_eq!(verified.status.code(), Some(1), "{out}");
    assert!(out.contains("the certificate was not valid then"), "{out}");
    if let Some(out) = pdfsig(&pdf) {
        println!("pdfsig:\n{out}");
        assert!(out.contains("Signature is Valid.") && out.contains("Certificate has Expired"), "{out}");
    }

    // A certificate that starts only in 2030 is not valid now either.
    let early = Identity { name: "Too Early".into(), ..Identity::default() };
    setup.keys().create_for(&early, PASSPHRASE, Timestamp::parse("2030-01-01T00:00:00Z").unwrap()).unwrap();
    let pdf = setup.export_certified("early.pdf", "Too Early");
    let verified = setup.verify(&pdf);
    let out = text(&verified);
    assert_eq!(verified.status.code(), Some(1), "{out}");
    assert!(out.contains("the certificate was not valid then (valid 2030-01-01"), "{out}");
}

#[test]
fn a_truncated_or_oversized_pdf_is_refused_with_exit_2() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    let bytes = std::fs::read(&pdf).unwrap();
    let truncated = setup.path("truncated.pdf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let verified = setup.verify(&truncated);
    assert_eq!(verified.status.code(), Some(2), "{}", text(&verified));

    // A sparse 1 GB file: refused by its size before anything is read.
    let huge = setup.path("huge.pdf");
    std::fs::File::create(&huge).unwrap().set_len(1 << 30).unwrap();
    let verified = setup.verify(&huge);
    assert_eq!(verified.status.code(), Some(2), "{}", text(&verified));
    assert!(text(&verified).contains("too large"), "{}", text(&verified));
}

#[test]
fn an_auditor_trusts_a_pdf_signer_only_through_a_certificate_they_hold() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    let auditor = tempfile::tempdir().unwrap();
    let verify_as_auditor = |args: &[&str]| {
        let output =
            Command::new(env!("CARGO_BIN_EXE_preflight")).arg("verify").arg(&pdf).args(args).env("PREFLIGHT_HOME", auditor.path()).output().unwrap();
        (output.status.code().unwrap(), text(&output))
    };
    let (code, out) = verify_as_auditor(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("certification by Rita Release") && out.contains("intact but signed by an unknown key"), "{out}");
    let rita = setup.certificate("rita-release");
    let (code, out) = verify_as_auditor(&["--trust", rita.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trusted: Rita Release, Release Manager <rita@example.com>, key"), "{out}");
    // The run's own signatures include one made without a key, so requiring trust fails.
    let (code, out) = verify_as_auditor(&["--trust", rita.to_str().unwrap(), "--require-trusted"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNTRUSTED"), "{out}");
}

/// Adds a content stream drawing `ops` over page `number` of a loaded document.
fn draw_over(document: &mut lopdf::Document, number: u32, ops: &str) {
    let page = *document.get_pages().get(&number).unwrap();
    let stream = document.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), ops.as_bytes().to_vec()));
    let page = document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
    let mut contents = match page.get(b"Contents").unwrap().clone() {
        lopdf::Object::Array(items) => items,
        single => vec![single],
    };
    contents.push(lopdf::Object::Reference(stream));
    page.set("Contents", lopdf::Object::Array(contents));
}

/// The same, appended as an incremental update: the signed bytes stay as they were.
fn draw_over_incrementally(bytes: &[u8], number: u32, ops: &str) -> Vec<u8> {
    let mut update: lopdf::IncrementalDocument = bytes.try_into().unwrap();
    let page = *update.get_prev_documents().get_pages().get(&number).unwrap();
    update.opt_clone_object_to_new_document(page).unwrap();
    let stream = update.new_document.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), ops.as_bytes().to_vec()));
    let page = update.new_document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
    let mut contents = match page.get(b"Contents").unwrap().clone() {
        lopdf::Object::Array(items) => items,
        single => vec![single],
    };
    contents.push(lopdf::Object::Reference(stream));
    page.set("Contents", lopdf::Object::Array(contents));
    let mut out = Vec::new();
    update.save_to(&mut out).unwrap();
    out
}

fn rewrite(bytes: &[u8], change: impl FnOnce(&mut lopdf::Document)) -> Vec<u8> {
    let mut document = lopdf::Document::load_mem(bytes).unwrap();
    change(&mut document);
    let mut out = Vec::new();
    document.save_to(&mut out).unwrap();
    out
}

/// A short summary of what pdfsig printed: per signature, valid or not, and whether it
/// covers the whole document.
fn pdfsig_summary(out: &str) -> String {
    out.lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("- ");
            (line.starts_with("Signature Validation:") || line.contains("document signed") || line.starts_with("File '"))
                .then(|| line.replace("Signature Validation: ", ""))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn pyhanko_summary(out: &str) -> String {
    let verdicts: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("The signature is judged"))
        .map(|l| l.trim_start_matches("The signature is judged ").trim_end_matches('.'))
        .collect();
    if verdicts.is_empty() { out.lines().find(|l| l.contains("Error")).unwrap_or("no verdict").to_string() } else { verdicts.join(", ") }
}

#[test]
fn every_attack_on_a_signed_record_is_invalid_in_verify_and_visible_in_pdfsig() {
    let setup = setup();
    let pdf = setup.export_certified("audit.pdf", "Rita Release");
    assert!(setup.countersign(&pdf, "Quinn QA", PASSPHRASE).status.success());
    let signed = std::fs::read(&pdf).unwrap();
    let document = lopdf::Document::load_mem(&signed).unwrap();
    let pages = document.get_pages().len() as u32;
    let white_box = "q 1 1 1 rg 40 600 300 40 re f Q";
    let attacks: Vec<(&str, Vec<u8>)> = vec![
        ("white box, file rewritten", rewrite(&signed, |d| draw_over(d, 3, white_box))),
        ("white box, incremental update", draw_over_incrementally(&signed, 3, white_box)),
        (
            "page content replaced, file rewritten",
            rewrite(&signed, |d| {
                let page = *d.get_pages().get(&2).unwrap();
                let stream = d.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), b"BT ET".to_vec()));
                d.get_object_mut(page).unwrap().as_dict_mut().unwrap().set("Contents", lopdf::Object::Reference(stream));
            }),
        ),
        ("sign-off page dropped, file rewritten", rewrite(&signed, |d| d.delete_pages(&[pages - 2]))),
        ("title changed, incremental update", {
            let mut update: lopdf::IncrementalDocument = signed.as_slice().try_into().unwrap();
            let info = update.get_prev_documents().trailer.get(b"Info").unwrap().as_reference().unwrap();
            update.opt_clone_object_to_new_document(info).unwrap();
            update.new_document.get_object_mut(info).unwrap().as_dict_mut().unwrap().set("Title", lopdf::Object::string_literal("Approved release"));
            let mut out = Vec::new();
            update.save_to(&mut out).unwrap();
            out
        }),
        ("a byte flipped", {
            let mut bytes = signed.clone();
            let at = bytes.windows(17).position(|w| w == b"go-live checklist").unwrap();
            bytes[at] ^= 0x20;
            bytes
        }),
    ];
    let trusted = [setup.certificate("rita-release"), setup.certificate("quinn-qa")];
    let mut table = vec!["| attack | pdfsig | pyHanko | preflight verify |".to_string(), "|---|---|---|---|".to_string()];
    for (name, bytes) in attacks {
        let path = setup.path("attacked.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let ours = setup.verify(&path);
        let out = text(&ours);
        assert_eq!(ours.status.code(), Some(1), "{name}: {out}");
        let first = out.lines().find(|l| l.contains("PAGES") || l.contains("INVALID:") || l.contains("PRINTED")).unwrap_or("").trim().to_string();
        let sig = pdfsig(&path).map(|o| {
            // Either a signature no longer verifies, or the last one no longer covers the file.
            let summary = pdfsig_summary(&o);
            assert!(
                o.contains("Digest Mismatch") || o.contains("Signature is Invalid") || o.matches("Total document signed").count() == 0,
                "{name}: pdfsig shows nothing: {o}"
            );
            summary
        });
        let hanko = pyhanko(&path, &trusted).map(|o| pyhanko_summary(&o));
        table.push(format!("| {name} | {} | {} | exit 1: {} |", sig.unwrap_or_default(), hanko.unwrap_or_default(), first));
    }
    println!("{}", table.join("\n"));
}
