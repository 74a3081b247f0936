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
