//! Exporting the audit PDF from the app: on a worker, one at a time, then an offer to open it.

use preflight::pdf::Paper;

use super::*;

#[test]
fn a_run_exports_to_pdf_on_a_worker_and_a_second_export_waits() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let mut harness = harness(home.path(), Some(path));
    let pdf = home.path().join("audit.pdf");
    // Both asked for before the next frame: the first starts, the second is refused.
    harness.state_mut().export_pdf_to(pdf.clone(), Paper::Letter);
    harness.state_mut().export_pdf_to(home.path().join("second.pdf"), Paper::A4);
    harness.step();
    assert!(harness.state().pdf_export().is_some(), "the export runs on a worker");
    harness.step();
    assert!(harness.query_by_label("A PDF export is already running; wait for it to finish.").is_some());
    settle(&mut harness);
    assert!(!home.path().join("second.pdf").exists(), "a second export while one runs is refused");
    assert!(harness.query_by_label("PDF exported").is_some(), "the app offers to open the result");
    assert!(harness.query_by_label("Open it").is_some());
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let embedded = preflight::pdf::extract(&bytes).unwrap();
    let run = store::parse_run(&pdf, std::str::from_utf8(&embedded.run_file).unwrap()).unwrap();
    assert_eq!(run, *run_doc(&harness).run(), "the PDF carries the run as it is in the app");
    assert_eq!(embedded.printed_content_sha256.as_deref(), Some(run.content_sha256().as_str()));
    click(&mut harness, "Cancel");
    assert!(!harness.state().has_dialog());
}

#[test]
fn an_exported_record_is_certified_from_the_app_and_a_wrong_passphrase_is_said_in_the_dialog() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let at = preflight::model::Timestamp::parse("2026-11-23T09:00:00Z").unwrap();
    preflight::signoff::KeyStore::at(home.path().join("keys")).create("Test User", "correct horse", at).unwrap();
    let mut harness = harness(home.path(), Some(path));
    let pdf = home.path().join("audit.pdf");
    harness.state_mut().export_pdf_to(pdf.clone(), Paper::A4);
    settle(&mut harness);
    click(&mut harness, "Sign the PDF…");
    assert!(harness.query_by_label("Sign the PDF").is_some(), "the signing dialog is open");
    let fingerprint = preflight::signoff::KeyStore::at(home.path().join("keys")).find("Test User").unwrap().fingerprint();
    assert!(harness.query_by_label(&format!("Fingerprint {fingerprint}")).is_some(), "the user's own key is chosen");
    let exported = std::fs::read(&pdf).unwrap();

    type_into(&mut harness, Role::PasswordInput, "Passphrase", "wrong horse");
    click(&mut harness, "Sign");
    assert!(harness.query_by_label("wrong passphrase for the key of \"Test User\"").is_some(), "the refusal is shown in the dialog");
    assert_eq!(std::fs::read(&pdf).unwrap(), exported, "a refused signature changes nothing");

    type_into(&mut harness, Role::PasswordInput, "Passphrase", "correct horse");
    click(&mut harness, "Sign");
    assert!(!harness.state().has_dialog(), "the dialog closes once signed");
    assert!(harness.query_by_label_contains("Certified the record as Test User").is_some(), "a notice says what was done");
    let signed = std::fs::read(&pdf).unwrap();
    assert!(signed.starts_with(&exported), "signing only appends");
    let revisions = preflight::pdf::check_signatures(&signed).unwrap();
    assert_eq!(revisions.signatures.len(), 1);
    let signature = &revisions.signatures[0];
    assert!(signature.certification && signature.check.is_ok(), "{signature:?}");
    assert_eq!(signature.check.as_ref().unwrap().certificate.name, "Test User");
    assert!(revisions.problems.is_empty(), "{:?}", revisions.problems);
}

#[test]
fn a_record_with_characters_no_font_has_is_saved_only_when_the_user_says_so() {
    let home = tempfile::tempdir().unwrap();
    let path = super::signoff::settled_run(home.path());
    let mut run = store::load_run(&path).unwrap();
    // Not the item selected on opening: the window's fonts cannot draw the character either.
    let item = run.items.keys().last().cloned().unwrap();
    run.set_note(&item, "Checked with the \u{10FFFD} tool", "Test User", preflight::model::Timestamp::from_datetime(chrono::Utc::now())).unwrap();
    store::save_run(&path, &run).unwrap();
    let mut harness = harness(home.path(), Some(path));
    let pdf = home.path().join("audit.pdf");
    harness.state_mut().export_pdf_to(pdf.clone(), Paper::A4);
    settle(&mut harness);
    assert!(harness.query_by_label("Characters without a font").is_some(), "the app asks first");
    assert!(harness.query_by_label_contains("U+10FFFD").is_some());
    assert!(!pdf.exists(), "nothing is written before the answer");
    click(&mut harness, "Save it anyway");
    settle(&mut harness);
    assert!(pdf.exists());
    assert!(harness.query_by_label("PDF exported").is_some());
}

#[test]
fn every_script_the_record_prints_shows_in_the_window() {
    // The harness panics on a character no font of the window has, so drawing the run at all
    // shows that the bundled script faces reach egui.
    let home = tempfile::tempdir().unwrap();
    let mut template = Library::bundled_template("persona-chat-service.checklist.ron").unwrap().unwrap();
    let texts = ["مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "你好世界", "こんにちは", "안녕하세요"];
    template.sections[0]
        .items
        .splice(0..0, texts.iter().enumerate().map(|(i, text)| preflight::model::Item::new(format!("script-{i}"), *text, ItemKind::Check)));
    let path = super::signoff::settled_run_of(home.path(), "scripts", template);
    let harness = harness(home.path(), Some(path));
    for text in texts {
        assert!(harness.query_all_by_label_contains(text).next().is_some(), "`{text}` is not shown");
    }
}
