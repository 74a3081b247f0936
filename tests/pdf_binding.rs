//! The pages of an audit record are bound to its attached run: every way of changing what a
//! reader sees while leaving the attachment alone is caught by `preflight verify` (exit 1,
//! naming the page), and the file on disk is left as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::Path;
use std::process::Command;

use lopdf::{Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream};
use preflight::model::Timestamp;
use preflight::pdf::{self, Paper, PdfOptions, Record};
use preflight::signoff;

#[path = "pdf_runs/mod.rs"]
mod runs;

fn options() -> PdfOptions {
    PdfOptions::new(Paper::A4, Timestamp::parse("2026-11-23T12:00:00.250+01:00").unwrap())
}

/// A signed seed record, and the run it carries.
fn record() -> (Vec<u8>, preflight::model::Run) {
    let run = runs::signed_run(runs::seed_template("persona-chat-service"), "binding");
    (runs::render(&run, &options()).bytes, run)
}

/// What `check_pages` finds in `bytes`, checked against the run attached to them.
fn problems(bytes: &[u8]) -> Vec<String> {
    let embedded = pdf::extract(bytes).expect("the attachment is untouched");
    let run = preflight::store::parse_run(Path::new(&embedded.file_name), std::str::from_utf8(&embedded.run_file).unwrap()).unwrap();
    let report = signoff::verify(&run);
    pdf::check_pages(bytes, &Record { run: &run, report: &report, run_file: &embedded.run_file }).unwrap().problems
}

/// Runs the real `preflight verify` on `bytes` written to a file; returns its exit code and
/// output, and checks that the file was not changed.
fn verify_cli(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_preflight")).arg("verify").arg(&path).output().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: verify changed the file");
    (output.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
}

fn page_ids(document: &Document) -> Vec<ObjectId> {
    document.get_pages().into_values().collect()
}

/// The number of the first page whose text contains `needle`.
fn page_with(document: &Document, needle: &str) -> u32 {
    let count = document.get_pages().len() as u32;
    (1..=count)
        .find(|&page| document.extract_text(&[page]).unwrap_or_default().contains(needle))
        .unwrap_or_else(|| panic!("no page shows {needle:?}"))
}

fn save(document: &mut Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

/// Adds a content stream that draws `ops` on top of page `number`.
fn draw_over(document: &mut Document, number: u32, ops: &str) {
    let page = page_ids(document)[number as usize - 1];
    let stream = document.add_object(Stream::new(Dictionary::new(), ops.as_bytes().to_vec()));
    let page = document.get_object_mut(page).unwrap().as_dict_mut().unwrap();
    let mut contents = match page.get(b"Contents").unwrap().clone() {
        Object::Array(items) => items,
        single => vec![single],
    };
    contents.push(Object::Reference(stream));
    page.set("Contents", Object::Array(contents));
}

fn assert_caught(name: &str, bytes: &[u8], page: Option<u32>, expected: &str) {
    let problems = problems(bytes);
    assert!(!problems.is_empty(), "{name}: not caught");
    let all = problems.join("\n");
    if let Some(page) = page {
        assert!(all.contains(&format!("page {page}")), "{name}: the page is not named:\n{all}");
    }
    assert!(all.contains(expected), "{name}: expected {expected:?} in:\n{all}");
    let (code, output) = verify_cli(name, bytes);
    assert_eq!(code, 1, "{name}: verify exit code\n{output}");
    assert!(output.contains("PAGES") && output.trim_end().ends_with("INVALID"), "{name}:\n{output}");
    println!("{name}: {}", problems[0]);
}

#[test]
fn the_genuine_record_passes_and_says_so() {
    let (bytes, _) = record();
    assert!(problems(&bytes).is_empty());
    let (code, output) = verify_cli("genuine", &bytes);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("pages           all") && output.trim_end().ends_with("VALID"), "{output}");
}

#[test]
fn a_white_box_painted_over_a_word_is_caught() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let page = page_with(&document, "Not deployed in this region");
    draw_over(&mut document, page, "q 1 1 1 rg 40 300 515 40 re f Q");
    assert_caught("white box", &save(&mut document), Some(page), "the text reads the same, but the page draws something Preflight does not");
}

#[test]
fn new_text_drawn_over_a_state_is_caught_with_the_line_that_differs() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let page = page_with(&document, "Not deployed in this region");
    let font = document.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type1".to_vec())),
        ("BaseFont", Object::Name(b"Helvetica".to_vec())),
    ]));
    let page_id = page_ids(&document)[page as usize - 1];
    let resources = document.get_object(page_id).unwrap().as_dict().unwrap().get(b"Resources").unwrap().clone();
    let resources_id = resources.as_reference().ok();
    let fonts = match resources_id {
        Some(id) => document.get_object_mut(id).unwrap().as_dict_mut().unwrap(),
        None => document.get_object_mut(page_id).unwrap().as_dict_mut().unwrap().get_mut(b"Resources").unwrap().as_dict_mut().unwrap(),
    };
    let mut font_dict = fonts.get(b"Font").ok().and_then(|f| f.as_dict().ok()).cloned().unwrap_or_default();
    font_dict.set("FX", Object::Reference(font));
    fonts.set("Font", Object::Dictionary(font_dict));
    draw_over(&mut document, page, "BT /FX 9 Tf 60 60 Td (Done - all checks passed) Tj ET");
    assert_caught("text over", &save(&mut document), Some(page), "reads \"Done - all checks passed\"");
}

#[test]
fn a_page_whose_content_was_replaced_is_caught() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let pages = page_ids(&document);
    let other = document.get_object(pages[1]).unwrap().as_dict().unwrap().get(b"Contents").unwrap().clone();
    document.get_object_mut(pages[2]).unwrap().as_dict_mut().unwrap().set("Contents", other);
    assert_caught("replaced content", &save(&mut document), Some(3), "page 3");
}

#[test]
fn a_dropped_sign_off_page_is_caught() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let signoff = page_with(&document, "Drawn by");
    document.delete_pages(&[signoff]);
    let expected = format!("missing: what Preflight puts on page {signoff}");
    assert_caught("dropped page", &save(&mut document), None, &expected);
}

#[test]
fn reordered_pages_are_caught() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let pages_id = document.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
    let pages = document.get_object_mut(pages_id).unwrap().as_dict_mut().unwrap();
    let Object::Array(kids) = pages.get_mut(b"Kids").unwrap() else { panic!("no kids") };
    kids.swap(1, 2);
    assert_caught("reordered", &save(&mut document), Some(2), "the pages were reordered or replaced");
}

#[test]
fn an_appended_incremental_update_is_caught_even_when_it_draws_nothing() {
    let (bytes, _) = record();
    let mut update: IncrementalDocument = bytes.as_slice().try_into().unwrap();
    // An update that only adds an object nobody points to: nothing a reader sees changes.
    update.new_document.add_object(Object::string_literal("appended later"));
    let mut appended = Vec::new();
    update.save_to(&mut appended).unwrap();
    assert!(appended.starts_with(&bytes));
    assert_eq!(pdf::revisions(&bytes), 1);
    assert_eq!(pdf::revisions(&appended), 2);
    assert_caught("incremental update", &appended, None, "incremental update appended after the one Preflight wrote is not a PDF signature");
}

#[test]
fn an_incremental_update_that_changes_the_title_is_caught() {
    let (bytes, _) = record();
    let mut update: IncrementalDocument = bytes.as_slice().try_into().unwrap();
    let info = update.get_prev_documents().trailer.get(b"Info").unwrap().as_reference().unwrap();
    update.opt_clone_object_to_new_document(info).unwrap();
    update.new_document.get_object_mut(info).unwrap().as_dict_mut().unwrap().set("Title", Object::string_literal("Approved release"));
    let mut appended = Vec::new();
    update.save_to(&mut appended).unwrap();
    assert_caught("title", &appended, None, "document information");
}

#[test]
fn annotations_preflight_did_not_write_are_caught() {
    for subtype in ["FreeText", "Stamp", "Square", "Widget"] {
        let (bytes, _) = record();
        let mut document = Document::load_mem(&bytes).unwrap();
        let page = page_with(&document, "Drawn by");
        let page_id = page_ids(&document)[page as usize - 1];
        let annotation = document.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Annot".to_vec())),
            ("Subtype", Object::Name(subtype.as_bytes().to_vec())),
            ("Rect", Object::Array(vec![100.into(), 100.into(), 300.into(), 140.into()])),
            ("Contents", Object::string_literal("APPROVED")),
        ]));
        let page = document.get_object_mut(page_id).unwrap().as_dict_mut().unwrap();
        let mut annotations = page.get(b"Annots").ok().and_then(|a| a.as_array().ok()).cloned().unwrap_or_default();
        annotations.push(Object::Reference(annotation));
        page.set("Annots", Object::Array(annotations));
        let number = document.get_pages().iter().find(|(_, id)| **id == page_id).map(|(n, _)| *n).unwrap();
        assert_caught(&format!("{subtype} annotation"), &save(&mut document), Some(number), &format!("a /{subtype} annotation"));
    }
}

#[test]
fn an_image_xobject_and_an_optional_content_layer_are_caught() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let group = document.add_object(Dictionary::from_iter(vec![("Type", Object::Name(b"OCG".to_vec())), ("Name", Object::string_literal("hidden"))]));
    let properties = Dictionary::from_iter(vec![
        ("OCGs", Object::Array(vec![Object::Reference(group)])),
        ("D", Object::Dictionary(Dictionary::from_iter(vec![("OFF", Object::Array(vec![Object::Reference(group)]))]))),
    ]);
    document.catalog_mut().unwrap().set("OCProperties", Object::Dictionary(properties));
    assert_caught("optional content", &save(&mut document), None, "/OCProperties");

    let mut document = Document::load_mem(&bytes).unwrap();
    let page_id = page_ids(&document)[0];
    let image = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", 1.into()),
            ("Height", 1.into()),
            ("ColorSpace", Object::Name(b"DeviceGray".to_vec())),
            ("BitsPerComponent", 8.into()),
        ]),
        vec![255],
    );
    let image = document.add_object(image);
    document.add_xobject(page_id, "Im9", image).unwrap();
    draw_over(&mut document, 1, "q 200 0 0 40 40 700 cm /Im9 Do Q");
    assert_caught("image", &save(&mut document), Some(1), "page 1");
}

#[test]
fn a_record_without_its_settings_cannot_pass() {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let info = document.trailer.get(b"Info").unwrap().as_reference().unwrap();
    document.get_object_mut(info).unwrap().as_dict_mut().unwrap().remove(b"PreflightGeneratedAt");
    assert_caught("no settings", &save(&mut document), None, "does not record when it was generated");
}

#[test]
fn a_record_drawn_partly_from_a_system_font_is_checked_without_that_font() {
    // U+9FA6 and U+9FA7: ideographs the bundled CJK face lacks, so they come from the system.
    let has_cjk = preflight::store::SystemFonts.face_for('龦').is_some();
    if !has_cjk {
        println!("skipped: no installed font has U+9FA6 (.ci/run installs fonts-wqy-microhei)");
        return;
    }
    let mut run = runs::signed_run(runs::seed_template("persona-chat-service"), "cjk");
    run.finalised = None;
    let item = run.items.keys().next().unwrap().clone();
    run.set_note(&item, "部署已确认：龦龧のテスト", "qa.lead", runs::at(300)).unwrap();
    let rendered = runs::render(&run, &options());
    assert!(rendered.warnings.iter().any(|w| w.contains("drawn from the system font")), "{:?}", rendered.warnings);
    let document = Document::load_mem(&rendered.bytes).unwrap();
    let embedded =
        preflight::store::parse_run(Path::new("x.run.ron"), std::str::from_utf8(&pdf::extract(&rendered.bytes).unwrap().run_file).unwrap()).unwrap();
    let report = signoff::verify(&embedded);
    let run_file = preflight::store::run_ron(std::path::Path::new("test.run.ron"), &embedded).unwrap().into_bytes();
    let check = pdf::check_pages(&rendered.bytes, &Record { run: &embedded, report: &report, run_file: &run_file }).unwrap();
    assert!(check.holds(), "{:?}", check.problems);
    assert!(check.limits.iter().any(|limit| limit.contains("system fonts embedded in the record")), "{:?}", check.limits);

    // Tampering on that page is still caught.
    let mut altered = document.clone();
    let page = page_with(&altered, "部署已确认");
    draw_over(&mut altered, page, "q 1 1 1 rg 40 300 515 40 re f Q");
    assert_caught("white box on a CJK page", &save(&mut altered), Some(page), "draws something Preflight does not");
}

/// Every page's content replaced by one shared stream of `ops` repeated `times` times,
/// compressed: a small file that decodes to a lot of drawing on every page.
fn shared_content_bomb(times: usize) -> Vec<u8> {
    let (bytes, _) = record();
    let mut document = Document::load_mem(&bytes).unwrap();
    let ops = "0 0 m 595 842 l S BT /F1 9 Tf 72 720 Td (x) Tj ET\n".repeat(times);
    let mut stream = Stream::new(Dictionary::new(), ops.into_bytes());
    stream.compress().unwrap();
    let shared = document.add_object(stream);
    for page in page_ids(&document) {
        document.get_object_mut(page).unwrap().as_dict_mut().unwrap().set("Contents", Object::Reference(shared));
    }
    save(&mut document)
}

#[test]
fn pages_sharing_one_huge_content_stream_cost_work_bounded_by_the_file_size() {
    let bytes = shared_content_bomb(200_000);
    let started = std::time::Instant::now();
    let all = problems(&bytes).join("\n");
    println!("shared content: {} bytes checked in {:?}", bytes.len(), started.elapsed());
    assert!(all.contains("page 1"), "{all}");
    let (code, output) = verify_cli("shared content", &bytes);
    assert_eq!(code, 1, "{output}");
    assert!(output.trim_end().ends_with("INVALID"), "{output}");
}
