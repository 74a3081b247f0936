//! The PDF audit record, read back: with lopdf always, and with poppler's `pdftotext` and
//! `qpdf --check` where they are installed (`.ci/run` installs them; without them those checks
//! say why they were skipped).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use lopdf::{Document, Object};
use preflight::model::{Change, Item, ItemKind, ItemState, Run, Section, Template, Timestamp};
use preflight::model::{ProbeKind, ProbeSpec, ProbeState};
use preflight::pdf::{self, Paper, PdfOptions, Rendered};
use preflight::probe::runner::{ProbeJob, run_blocking};
use preflight::probe::secrets::MASK;
use preflight::signoff;

#[path = "pdf_runs/mod.rs"]
mod runs;
#[path = "pdf_scripts/mod.rs"]
mod scripts;

use runs::{SEEDS, WAIVER_REASON, at, replace_attachment, repoint_paperclip, seed_template, signed_run};

/// The page margin the renderer promises to keep all text inside, in points.
const MARGIN: f64 = 42.52;

fn options(paper: Paper) -> PdfOptions {
    PdfOptions::new(paper, Timestamp::parse("2026-11-23T12:00:00+01:00").unwrap())
}

fn render(run: &Run, paper: Paper) -> Rendered {
    runs::render(run, &options(paper))
}

/// Writes the PDF where poppler can read it; keeps it under `target/pdf-tests` for a look.
fn write_pdf(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pdf-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("-v").output().is_ok();
    if !found {
        eprintln!("skipping the {name} checks: `{name}` is not installed (apt-get install poppler-utils qpdf)");
    }
    found
}

/// The text of pages `first..=last` in content-stream order (`pdftotext -raw`).
fn pdftotext(path: &Path, first: usize, last: usize) -> String {
    let output = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8", "-f", &first.to_string(), "-l", &last.to_string()])
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Letters and digits only: wrapping, Markdown markup and punctuation do not matter.
fn squash(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn no_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Counts the stroked paths (`S`) inside each signature's marked-content section, page by page.
fn signature_paths(document: &Document) -> Vec<usize> {
    let mut counts = Vec::new();
    for page in document.get_pages().values() {
        let content = document.get_and_decode_page_content(*page).unwrap();
        let mut current: Option<usize> = None;
        for operation in &content.operations {
            match operation.operator.as_str() {
                "BMC" if operation.operands.first().and_then(|o| o.as_name().ok()) == Some(pdf::SIGNATURE_TAG.as_bytes()) => current = Some(0),
                "EMC" => counts.extend(current.take()),
                "S" => {
                    if let Some(count) = current.as_mut() {
                        *count += 1;
                    }
                }
                _ => {}
            }
        }
    }
    counts
}

/// Every check the issue asks for, on one rendered run.
fn check_record(name: &str, run: &Run, rendered: &Rendered, paper: Paper) {
    let document = Document::load_mem(&rendered.bytes).unwrap();
    let pages = document.get_pages();
    assert_eq!(pages.len(), rendered.pages, "{name}: page count");
    assert!(rendered.pages >= 5, "{name}: summary, checklist, sign-off, trail and integrity pages");
    let (width, height) = paper.size_pt();
    for page in pages.values() {
        let media_box = document.get_dictionary(*page).unwrap().get(b"MediaBox").unwrap().as_array().unwrap().clone();
        let size: Vec<f32> = media_box.iter().map(|o| o.as_float().unwrap()).collect();
        assert!((size[2] - width).abs() < 0.5 && (size[3] - height).abs() < 0.5, "{name}: page size {size:?}");
    }
    assert!(rendered.warnings.is_empty(), "{name}: {:?}", rendered.warnings);

    // The metadata says what the record is, and when it was made (not the epoch).
    let info = document.get_dictionary(document.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap();
    let text_of = |key: &[u8]| pdf_text(info.get(key).unwrap());
    assert_eq!(text_of(b"Author"), run.created_by);
    assert!(text_of(b"Title").contains(&run.template.title), "{name}: title {}", text_of(b"Title"));
    assert!(text_of(b"Subject").contains(&run.id));
    assert!(text_of(b"Keywords").contains("Preflight"));
    assert_eq!(text_of(b"CreationDate"), "D:20261123110000+00'00'");

    // The attached run is the run, it verifies, and its hash is the printed one.
    let embedded = pdf::extract(&rendered.bytes).unwrap();
    assert_eq!(embedded.file_name, pdf::attachment_name(run));
    assert_eq!(
        embedded.run_file,
        preflight::store::run_ron(std::path::Path::new("test.run.ron"), run).unwrap().into_bytes(),
        "{name}: the attachment is the run file"
    );
    let reread = preflight::store::parse_run(Path::new(&embedded.file_name), std::str::from_utf8(&embedded.run_file).unwrap()).unwrap();
    assert!(signoff::verify(&reread).is_valid(), "{name}: {:?}", signoff::verify(&reread));
    assert_eq!(embedded.printed_content_sha256.as_deref(), Some(reread.content_sha256().as_str()));

    // The last page (integrity) carries one paperclip: a file attachment annotation on the same
    // file specification as the attachment, inside the page's margins.
    let clips: Vec<(u32, lopdf::Dictionary)> = pages
        .iter()
        .flat_map(|(&number, &page)| {
            let annotations = document.get_dictionary(page).unwrap().get(b"Annots").ok().map(|a| a.as_array().unwrap().clone()).unwrap_or_default();
            annotations.into_iter().map(move |a| (number, a))
        })
        .map(|(number, annotation)| (number, document.get_dictionary(annotation.as_reference().unwrap()).unwrap().clone()))
        .collect();
    // The others are the empty PDF signature fields, one for the certification and one per
    // role, in order on the sign-off pages (many roles break across a page).
    let (clips, widgets): (Vec<_>, Vec<_>) = clips.into_iter().partition(|(_, a)| a.get(b"Subtype").unwrap().as_name().unwrap() != b"Widget");
    assert_eq!(widgets.len(), run.roles().len() + 1, "{name}: a signature field per role and the certification");
    for (index, (page, widget)) in widgets.iter().enumerate() {
        assert_eq!(widget.get(b"FT").unwrap().as_name().unwrap(), b"Sig", "{name}");
        assert!(widget.get(b"V").is_err(), "{name}: exported unsigned");
        assert!(index == 0 || *page >= widgets[index - 1].0, "{name}: the fields are in order");
        assert!((*page as usize) < rendered.pages, "{name}: the fields are before the integrity page");
    }
    assert_eq!(clips.len(), 1, "{name}: one paperclip in the document");
    let (clip_page, clip) = &clips[0];
    assert_eq!(*clip_page as usize, rendered.pages, "{name}: the paperclip is on the integrity page");
    assert_eq!(clip.get(b"Subtype").unwrap().as_name().unwrap(), b"FileAttachment");
    let catalog = document.catalog().unwrap();
    let names = catalog.get(b"Names").unwrap().as_dict().unwrap().get(b"EmbeddedFiles").unwrap().as_dict().unwrap();
    let listed = names.get(b"Names").unwrap().as_array().unwrap()[1].as_reference().unwrap();
    assert_eq!(clip.get(b"FS").unwrap().as_reference().unwrap(), listed, "{name}: the paperclip opens the attached run");
    let rect: Vec<f32> = clip.get(b"Rect").unwrap().as_array().unwrap().iter().map(|o| o.as_float().unwrap()).collect();
    let margin = 42.0;
    assert!(rect[0] >= margin && rect[2] <= width - margin && rect[1] >= margin && rect[3] <= height - margin, "{name}: paperclip at {rect:?}");

    // One vector path per stroke of each role's current signature, in role order.
    let expected: Vec<usize> = run
        .roles()
        .iter()
        .filter_map(|role| run.role_signature(&role.id))
        .map(|(_, signature, _)| signature.strokes.iter().filter(|s| !s.points.is_empty()).count())
        .collect();
    assert_eq!(signature_paths(&document), expected, "{name}: signature strokes");

    let path = write_pdf(name, &rendered.bytes);
    if tool("qpdf") {
        let output = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
        assert!(output.status.success(), "{name}: qpdf --check: {}", String::from_utf8_lossy(&output.stdout));
    }
    if tool("pdftotext") {
        check_text(name, run, &path, rendered.pages);
        check_margins(name, &path);
    }
}

fn pdf_text(object: &Object) -> String {
    let bytes = object.as_str().unwrap();
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16(&utf16.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect::<Vec<_>>()).unwrap(),
        None => String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn check_text(name: &str, run: &Run, path: &Path, pages: usize) {
    let text = pdftotext(path, 1, pages);
    assert!(!text.contains('\u{FFFD}') && !text.contains("[U+"), "{name}: a character came out missing");
    for page in 1..=pages {
        let page_text = pdftotext(path, page, page);
        assert!(page_text.contains(&format!("Page {page} of {pages}")), "{name}: page {page} has no 'Page {page} of {pages}'");
        assert!(page_text.contains(&run.id), "{name}: page {page} has no run id");
        assert!(page_text.contains(&run.content_sha256()[..12]), "{name}: page {page} has no short hash");
    }
    let squashed = squash(&text);
    for (_, item) in run.template.all_items() {
        assert!(squashed.contains(&squash(&item.text)), "{name}: item `{}` is missing: {}", item.id, item.text);
    }
    for (_, section) in run.template.all_sections() {
        assert!(no_spaces(&text).contains(&no_spaces(&section.title.replace('\u{FE0F}', ""))), "{name}: section {}", section.title);
    }
    let states: BTreeSet<&str> = run.items.values().map(|record| record.state.label()).collect();
    for state in states {
        assert!(text.contains(state), "{name}: state {state} is never printed");
    }
    for record in run.items.values() {
        if let Some(reason) = record.state.reason() {
            assert!(squashed.contains(&squash(reason)), "{name}: reason {reason}");
        }
    }
    let compact = no_spaces(&text);
    for signature in &run.signatures {
        for value in [&signature.name, &signature.meaning, &signature.at.to_string()] {
            assert!(compact.contains(&no_spaces(value)), "{name}: signer's {value} is missing");
        }
    }
    for event in &run.events {
        assert!(squashed.contains(&squash(&run.describe_change(&event.change))), "{name}: audit event #{} is missing", event.seq);
    }
    assert!(text.contains(&run.content_sha256()), "{name}: the run hash is not printed");
    assert!(text.contains(&run.events.last().unwrap().hash), "{name}: the chain head is not printed");
    assert!(text.contains("preflight verify FILE.pdf"));
    check_evidence(name, run, &text);
}

/// The probe evidence of every probed item: its kind and target as written (a secret stays
/// `${env:NAME}`), the latest result's verdict and time, and each condition resolved with the
/// value seen, or that it never ran; then every override and waiver with its reason, in the
/// summary and beside the item or signature it concerns.
fn check_evidence(name: &str, run: &Run, text: &str) {
    let compact = no_spaces(text);
    let squashed = squash(text);
    let mut probed = 0;
    for (_, item) in run.template.all_items() {
        let Some(spec) = &item.probe else { continue };
        probed += 1;
        let target = if spec.kind == ProbeKind::Http && !spec.method.eq_ignore_ascii_case("GET") {
            format!("{} {}", spec.method, spec.target)
        } else {
            spec.target.clone()
        };
        let probe = format!("Probe ({}): {target}", spec.kind.label());
        assert!(compact.contains(&no_spaces(&probe)), "{name}: item {}: `{probe}` is not printed", item.id);
        match run.latest_probe(&item.id) {
            None => assert!(compact.contains(&no_spaces(&format!("{target} Not run: no evidence recorded."))), "{name}: item {} never ran", item.id),
            Some(result) => {
                let verdict = format!("Result: {} at {}, took", result.state.label().to_uppercase(), result.started_at);
                assert!(compact.contains(&no_spaces(&verdict)), "{name}: item {}: `{verdict}` is not printed", item.id);
                assert!(!result.conditions.is_empty(), "{name}: item {} has no conditions to check", item.id);
                for condition in &result.conditions {
                    let resolved = condition.resolved();
                    assert!(compact.contains(&no_spaces(&resolved)), "{name}: item {}: condition `{resolved}` is not printed", item.id);
                }
            }
        }
    }
    assert!(probed >= 3, "{name}: the run has {probed} probed items; signed_run puts three");
    let mut overrides = 0;
    for event in &run.events {
        if let Change::ProbeOverride { probe, new, reason, .. } = &event.change {
            overrides += 1;
            let beside_item = format!("Overridden: probe said {}, {} set {new} at {} because \"{reason}\"", probe.label(), event.actor, event.at);
            assert!(compact.contains(&no_spaces(&beside_item)), "{name}: `{beside_item}` is not printed beside the item");
            assert!(
                squashed.matches(&squash(reason)).count() >= 2,
                "{name}: the override reason `{reason}` is not in the summary and beside the item"
            );
        }
    }
    assert!(overrides > 0, "{name}: the run has no probe override to check");
    let waivers: Vec<_> = run.signatures.iter().flat_map(|signature| &signature.waivers).collect();
    assert!(!waivers.is_empty() && waivers.iter().all(|waiver| waiver.reason == WAIVER_REASON), "{name}: every signer waives the probe never run");
    for waiver in &waivers {
        let on_signature = format!("Waived: {} ({}) because \"{}\"", waiver.item, waiver.problem, waiver.reason);
        assert!(compact.contains(&no_spaces(&on_signature)), "{name}: `{on_signature}` is not printed with the signature");
    }
    // Once in the summary's table and once with the signature, for every signer.
    assert_eq!(squashed.matches(&squash(WAIVER_REASON)).count(), 2 * waivers.len(), "{name}: the waiver reasons");
}

/// Every word's box (`pdftotext -bbox`) lies inside the page margins.
fn check_margins(name: &str, path: &Path) {
    let output = Command::new("pdftotext").arg("-bbox").arg(path).arg("-").output().unwrap();
    // Lossy: poppler writes the document title in its HTML head with emoji as surrogate pairs.
    let html = String::from_utf8_lossy(&output.stdout);
    let attr = |tag: &str, key: &str| -> f64 {
        let at = tag.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        tag[at..tag[at..].find('"').unwrap() + at].parse().unwrap()
    };
    let (mut page_width, mut page_height, mut words) = (0.0, 0.0, 0);
    for tag in html.split('<') {
        if tag.starts_with("page ") {
            (page_width, page_height) = (attr(tag, "width"), attr(tag, "height"));
        } else if tag.starts_with("word ") {
            words += 1;
            let (x0, y0, x1, y1) = (attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax"));
            let word = &tag[tag.find('>').unwrap() + 1..];
            assert!(
                x0 >= MARGIN - 0.5 && y0 >= MARGIN - 2.0 && x1 <= page_width - MARGIN + 0.5 && y1 <= page_height - MARGIN + 0.5,
                "{name}: `{word}` at ({x0:.1}, {y0:.1})–({x1:.1}, {y1:.1}) is outside the margins of a {page_width}×{page_height} page"
            );
        }
    }
    assert!(words > 100, "{name}: only {words} words found");
}

#[test]
fn every_seed_exports_a_record_that_passes_every_check() {
    for seed in SEEDS {
        let run = signed_run(seed_template(seed), &format!("{seed}-2026-11-23"));
        let rendered = render(&run, Paper::A4);
        check_record(seed, &run, &rendered, Paper::A4);
    }
}

#[test]
fn us_letter_passes_every_check() {
    let run = signed_run(seed_template("persona-chat-service"), "letter-run");
    let rendered = render(&run, Paper::Letter);
    check_record("persona-chat-service-letter", &run, &rendered, Paper::Letter);
}

#[test]
fn the_same_run_and_clock_give_the_same_bytes() {
    let run = signed_run(seed_template("realtime-collab-app"), "same-bytes");
    let first = runs::render(&run, &options(Paper::A4)).bytes;
    let second = runs::render(&run, &options(Paper::A4)).bytes;
    assert!(first == second, "two renders of the same run differ");
    let later = runs::render(&run, &PdfOptions::new(Paper::A4, at(600))).bytes;
    assert_ne!(first, later, "the generation time is part of the record");
}

/// A template of Cyrillic and emoji text, long words, URLs and inline code.
fn international_template() -> Template {
    let mut template = seed_template("persona-chat-service");
    template.title = "Запуск 🚀 платформы".into();
    let items = vec![
        Item::new("ru", "Проверить резервное копирование базы данных ✅", ItemKind::Check),
        Item::new("emoji", "🔐 Rotate secrets 🔄 and page on-call 📞 — ⚠️ before 18:00", ItemKind::Check),
        Item::new(
            "url",
            "See https://status.example.com/api/v1/health/deep/really/long/path/that/never/ends/at/all?with=query&and=more_parameters_that_go_on_and_on",
            ItemKind::Check,
        ),
        Item::new(
            "code",
            "Run `kubectl rollout status deployment/persona-chat-service-api-gateway-with-a-very-long-name --namespace=production-eu-west-1`",
            ItemKind::Check,
        ),
        Item::new(
            "word",
            "Ahashthatisverylongandhasnospacesatall0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ItemKind::Check,
        ),
    ];
    template.sections.insert(0, Section { id: "intl".into(), title: "🧪 Проверки перед запуском".into(), items, sections: vec![] });
    template
}

#[test]
fn cyrillic_emoji_and_long_words_come_out_right() {
    let run = signed_run(international_template(), "international");
    let rendered = render(&run, Paper::A4);
    check_record("international", &run, &rendered, Paper::A4);
    if !tool("pdftotext") {
        return;
    }
    let text = pdftotext(&write_pdf("international", &rendered.bytes), 1, rendered.pages);
    for expected in
        ["Запуск 🚀 платформы", "Проверить резервное копирование базы данных ✅", "🔐 Rotate secrets 🔄", "📞", "⚠", "🧪 Проверки", "Олег Петров"]
    {
        assert!(text.contains(expected), "`{expected}` did not come out of the PDF");
    }
}

#[test]
fn a_character_no_font_has_is_shown_and_reported() {
    let mut template = seed_template("persona-chat-service");
    template.sections[0].items.push(Item::new("private", "Private use \u{10FFFD} character", ItemKind::Check));
    let run = signed_run(template, "missing-glyph");
    let rendered = render(&run, Paper::A4);
    assert_eq!(rendered.warnings.len(), 1, "{:?}", rendered.warnings);
    assert!(rendered.warnings[0].contains("U+10FFFD"), "{:?}", rendered.warnings);
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("missing-glyph", &rendered.bytes), 1, rendered.pages);
        assert!(text.contains("Private use [U+10FFFD] character"), "the replacement is not printed");
    }
}

#[test]
fn a_missing_character_is_counted_each_time_it_is_printed() {
    // Information items: printed once each, in the checklist, and in no event of the trail.
    let mut template = seed_template("persona-chat-service");
    template.sections[0].items.push(Item::new("private", "Private use \u{10FFFD} and \u{10FFFD} again", ItemKind::Info));
    template.sections[0].items.push(Item::new("private-too", "Once more \u{10FFFD} here", ItemKind::Info));
    let run = signed_run(template, "missing-glyph-count");
    let rendered = render(&run, Paper::A4);
    assert_eq!(rendered.warnings.len(), 1, "{:?}", rendered.warnings);
    assert!(rendered.warnings[0].contains("U+10FFFD") && rendered.warnings[0].contains("(3×)"), "{:?}", rendered.warnings);
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("missing-glyph-count", &rendered.bytes), 1, rendered.pages);
        assert_eq!(text.matches("[U+10FFFD]").count(), 3, "the replacement is printed once per occurrence");
    }

    // A checked item's text is also printed beside each of its events in the trail: the count
    // is of every replacement printed.
    let mut template = seed_template("persona-chat-service");
    template.sections[0].items.push(Item::new("private", "Checked \u{10FFFD} item", ItemKind::Check));
    let run = signed_run(template, "missing-glyph-trail");
    let rendered = render(&run, Paper::A4);
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("missing-glyph-trail", &rendered.bytes), 1, rendered.pages);
        let printed = text.matches("[U+10FFFD]").count();
        assert!(printed > 1, "{printed}");
        assert!(rendered.warnings[0].contains(&format!("({printed}×)")), "{printed} printed: {:?}", rendered.warnings);
    }
}

/// Font collections (`.ttc`, `.otc`) installed where the renderer looks that have a face with
/// a glyph for `c`.
fn collections_with(c: char) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for path in entries.flatten().map(|entry| entry.path()) {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("ttc") || ext.eq_ignore_ascii_case("otc")) {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    for dir in ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts"] {
        walk(Path::new(dir), &mut paths);
    }
    paths.retain(|path| {
        let Ok(data) = std::fs::read(path) else { return false };
        (0..ttf_parser::fonts_in_collection(&data).unwrap_or(1))
            .any(|index| ttf_parser::Face::parse(&data, index).is_ok_and(|face| face.glyph_index(c).is_some_and(|glyph| glyph.0 != 0)))
    });
    paths
}

#[test]
fn cjk_beyond_the_bundled_face_is_drawn_from_a_system_font_collection() {
    // U+9FA6 and U+9FA7, unified ideographs of Unicode 4.1 that the bundled Droid Sans Fallback lacks.
    let collections = collections_with('龦');
    if collections.is_empty() {
        eprintln!("skipping: no font collection (.ttc, .otc) with U+9FA6 is installed (apt-get install fonts-noto-cjk)");
        return;
    }
    let mut template = seed_template("persona-chat-service");
    template.sections[0].items.push(Item::new("cjk", "確認 龦龧 リリース 준비", ItemKind::Check));
    let run = signed_run(template, "cjk");
    let rendered = render(&run, Paper::A4);
    assert!(rendered.warnings.iter().all(|warning| !warning.contains("no font has")), "{:?}", rendered.warnings);
    let from_collection =
        |warning: &String| warning.contains("is drawn from the system font") && (warning.ends_with(".ttc") || warning.ends_with(".otc"));
    assert!(rendered.warnings.iter().any(from_collection), "{:?}", rendered.warnings);
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("cjk", &rendered.bytes), 1, rendered.pages);
        assert!(text.contains("確認 龦龧 リリース 준비"), "the CJK item did not come out of the PDF");
        assert!(!text.contains("[U+"), "a character came out missing");
    }
}

/// An HTTP server on 127.0.0.1 that answers every request with 200, echoing the `token` query
/// parameter in an `x-echo-token` header the way a debugging endpoint might, and sends each
/// request's head to the returned channel.
fn echo_server() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (heads, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let token = head.split_once("token=").map_or("", |(_, rest)| rest.split([' ', '&']).next().unwrap_or(""));
            let body = "ok";
            let reply = format!("HTTP/1.1 200 OK\r\nx-echo-token: {token}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = stream.write_all(reply.as_bytes());
            let _ = heads.send(head);
        }
    });
    (port, received)
}

#[test]
fn a_secret_a_probe_used_never_reaches_the_pdf() {
    const NAME: &str = "PREFLIGHT_PDF_TEST_SECRET_TOKEN";
    const SECRET: &str = "pf-s3cret-9QvX27kLmZ";
    // SAFETY: only this test reads or writes this variable, and it sets it before the probe runs.
    #[allow(unsafe_code, reason = "setting an environment variable is unsafe in Rust 2024; see the SAFETY note")]
    unsafe {
        std::env::set_var(NAME, SECRET)
    };
    let (port, heads) = echo_server();
    let mut template = seed_template("persona-chat-service");
    let item = template.all_items().iter().find(|(_, item)| item.kind == ItemKind::Check).map(|(_, item)| item.id.clone()).unwrap();
    let mut spec = ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{port}/health?token=${{env:{NAME}}}"));
    spec.headers.insert("authorization".into(), format!("Bearer ${{env:{NAME}}}"));
    spec.expect = vec!["status == 200".into(), "final_url contains \"/health\"".into(), "header(x-echo-token) matches \"^pf-\"".into()];
    runs::put_probe(&mut template, &item, &spec);
    let values = runs::field_values(&template);
    let mut run = Run::start(template, "secret-probe".into(), "release.manager", at(0), values).unwrap();

    let result = run_blocking(vec![ProbeJob { item: item.clone(), spec }], 1).unwrap().remove(0);
    let head = heads.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(head.contains(&format!("token={SECRET}")), "the probe did not send the secret in its target: {head}");
    assert!(head.to_ascii_lowercase().contains(&format!("authorization: bearer {}", SECRET.to_ascii_lowercase())), "nor in its header: {head}");
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    run.record_probe(result, at(5)).unwrap();
    let run_file = preflight::store::run_ron(std::path::Path::new("test.run.ron"), &run).unwrap();
    assert!(!run_file.contains(SECRET) && run_file.contains(MASK), "the run file itself must hold the secret masked");

    let rendered = render(&run, Paper::A4);
    let secret_utf16: Vec<u8> = SECRET.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut document = Document::load_mem(&rendered.bytes).unwrap();
    document.decompress();
    let mut raw = Vec::new();
    document.save_to(&mut raw).unwrap();
    let holds = |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|window| window == needle);
    assert!(!holds(&raw, SECRET.as_bytes()) && !holds(&raw, &secret_utf16), "the secret is in the PDF's bytes");
    assert!(holds(&raw, format!("${{env:{NAME}}}").as_bytes()) && holds(&raw, MASK.as_bytes()), "the attached run holds the masked form");
    let embedded = String::from_utf8(pdf::extract(&rendered.bytes).unwrap().run_file).unwrap();
    assert!(!embedded.contains(SECRET) && embedded.contains(MASK));

    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("secret-probe", &rendered.bytes), 1, rendered.pages);
        assert!(!text.contains(SECRET), "the secret is printed");
        let compact = no_spaces(&text);
        for expected in [
            format!("Probe (HTTP): http://127.0.0.1:{port}/health?token=${{env:{NAME}}}"),
            format!("final_url (\"http://127.0.0.1:{port}/health?token={MASK}\") contains \"/health\""),
            format!("header(x-echo-token) (\"{MASK}\") matches \"^pf-\""),
        ] {
            assert!(compact.contains(&no_spaces(&expected)), "`{expected}` is not printed");
        }
    }
}

/// What `preflight verify audit.pdf` concludes.
fn verifies(bytes: &[u8]) -> bool {
    let embedded = pdf::extract(bytes).unwrap();
    let text = String::from_utf8(embedded.run_file.clone()).unwrap();
    let run = preflight::store::parse_run(Path::new(&embedded.file_name), &text).unwrap();
    signoff::verify(&run).is_valid() && embedded.mismatches(&run).is_empty()
}

#[test]
fn an_altered_embedded_run_fails_verification() {
    let run = signed_run(seed_template("realtime-collab-app"), "tamper");
    let bytes = runs::render(&run, &options(Paper::A4)).bytes;
    assert!(verifies(&bytes));

    // Someone edits the attached run: an item that was N/A now reads as done.
    let original = preflight::store::run_ron(std::path::Path::new("test.run.ron"), &run).unwrap();
    let (id, _) = run.items.iter().find(|(_, r)| matches!(r.state, ItemState::NotApplicable { .. })).unwrap();
    let mut edited = run.clone();
    edited.items.get_mut(id).unwrap().state = ItemState::Done;
    let edited_file = preflight::store::run_ron(std::path::Path::new("test.run.ron"), &edited).unwrap();
    assert_ne!(original, edited_file);
    assert!(!verifies(&replace_attachment(&bytes, edited_file.as_bytes())), "an edited record item must fail");

    // Someone makes the edit through the model, so that the event chain is intact: the
    // signatures no longer hold, and the hash no longer matches the printed one.
    let mut reworked = run.clone();
    reworked.finalised = None;
    let na = reworked.items.iter().find(|(_, r)| matches!(r.state, ItemState::NotApplicable { .. })).map(|(id, _)| id.clone()).unwrap();
    reworked.set_state(&na, ItemState::Done, "mallory", at(120)).unwrap();
    assert!(
        !verifies(&replace_attachment(&bytes, preflight::store::run_ron(std::path::Path::new("test.run.ron"), &reworked).unwrap().as_bytes())),
        "a re-chained edit must fail"
    );

    // The untouched attachment, written back the same way, still verifies.
    assert!(verifies(&replace_attachment(&bytes, original.as_bytes())));
}

#[test]
fn a_paperclip_that_opens_another_run_is_refused() {
    let run = signed_run(seed_template("persona-chat-service"), "paperclip");
    let bytes = runs::render(&run, &options(Paper::A4)).bytes;
    let mut other = run.clone();
    other.created_by = "mallory".into();
    let altered = repoint_paperclip(
        &bytes,
        &pdf::attachment_name(&run),
        preflight::store::run_ron(std::path::Path::new("test.run.ron"), &other).unwrap().as_bytes(),
    );

    let err = pdf::extract(&altered).unwrap_err();
    let pages = Document::load_mem(&bytes).unwrap().get_pages().len();
    assert!(matches!(err, pdf::PdfError::AttachmentsDisagree { page, .. } if page as usize == pages), "{err}");
    assert!(err.is_tampering());
    assert!(err.to_string().contains(&format!("the file attachment on page {pages} holds another file")), "{err}");
}

#[test]
fn the_printed_hash_is_read_from_the_integrity_page() {
    let run = signed_run(seed_template("persona-chat-service"), "printed-hash");
    let bytes = runs::render(&run, &options(Paper::A4)).bytes;
    // Change only the copy in the document information: extract must notice, which it can only
    // do by reading the hash from the page text.
    let mut document = Document::load_mem(&bytes).unwrap();
    let info_id = document.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let forged = "0".repeat(64);
    document.get_dictionary_mut(info_id).unwrap().set("PreflightContentSHA256", Object::string_literal(forged.clone()));
    let mut altered = Vec::new();
    document.save_to(&mut altered).unwrap();
    match pdf::extract(&altered) {
        Err(pdf::PdfError::HashesDisagree { printed, stored }) => {
            assert_eq!(printed, run.content_sha256());
            assert_eq!(stored, forged);
        }
        other => panic!("expected the hashes to disagree, got {other:?}"),
    }
}

#[test]
fn a_pdf_without_a_run_is_refused_clearly() {
    assert!(matches!(pdf::extract(b"not a pdf"), Err(pdf::PdfError::NotPdf(_))));
    let run = signed_run(seed_template("persona-chat-service"), "no-attachment");
    let mut document = Document::load_mem(&runs::render(&run, &options(Paper::A4)).bytes).unwrap();
    document.catalog_mut().unwrap().remove(b"Names");
    let mut stripped = Vec::new();
    document.save_to(&mut stripped).unwrap();
    let err = pdf::extract(&stripped).unwrap_err();
    assert!(matches!(err, pdf::PdfError::NoEmbeddedRun), "{err}");
    assert!(err.to_string().contains("no Preflight run file"), "{err}");
}

#[test]
fn invalidated_and_missing_signatures_are_shown() {
    let mut run = signed_run(seed_template("ai-avatar-website"), "invalidated");
    let signature_count = run.signatures.len();
    let item = run.items.keys().nth(3).unwrap().clone();
    run.set_note(&item, "Changed after signing", "mallory", at(200)).unwrap();
    let change_seq = run.events.last().unwrap().seq;
    let rendered = render(&run, Paper::A4);
    assert!(rendered.pages >= 5);
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("invalidated", &rendered.bytes), 1, rendered.pages);
        assert_eq!(text.matches("INVALIDATED").count(), signature_count, "every signature names the change");
        assert!(text.contains(&format!("event #{change_seq}")), "the invalidating change is named");
        assert!(text.contains("NO-GO"));
    }
}

#[test]
fn an_unsigned_run_shows_its_roles_unsigned() {
    let template = seed_template("prismai-platform");
    let values = runs::field_values(&template);
    let run = Run::start(template, "unsigned".into(), "release.manager", at(0), values).unwrap();
    let rendered = render(&run, Paper::A4);
    assert!(signature_paths(&Document::load_mem(&rendered.bytes).unwrap()).is_empty());
    if tool("pdftotext") {
        let text = pdftotext(&write_pdf("unsigned", &rendered.bytes), 1, rendered.pages);
        assert!(text.contains("Not signed."), "an unsigned role is shown unsigned");
        assert!(text.contains("pending") && text.contains("NO-GO"));
    }
}

#[test]
fn tables_repeat_their_header_on_every_page() {
    let run = signed_run(seed_template("microservices-platform"), "headers");
    let rendered = render(&run, Paper::A4);
    if !tool("pdftotext") {
        return;
    }
    let path = write_pdf("headers", &rendered.bytes);
    let pages: Vec<String> = (1..=rendered.pages).map(|page| pdftotext(&path, page, page)).collect();
    let trail_start = pages.iter().position(|text| text.contains("Audit trail")).unwrap();
    let integrity = pages.iter().position(|text| text.contains("How to verify")).unwrap();
    assert!(integrity > trail_start + 1, "the trail spans pages");
    for (n, text) in pages[trail_start..integrity].iter().enumerate() {
        assert!(text.contains("# Time Actor Change"), "trail page {} has no header row", trail_start + n + 1);
    }
    let checklist_start = pages.iter().position(|text| text.starts_with("Checklist")).unwrap();
    let signoff = pages.iter().position(|text| text.starts_with("Sign-off")).unwrap();
    for (n, text) in pages[checklist_start..signoff].iter().enumerate() {
        assert!(text.contains("State Item By When"), "checklist page {} has no header row", checklist_start + n + 1);
    }
}

#[test]
fn a_5000_item_run_exports() {
    #[path = "../benches/common/mod.rs"]
    mod common;
    let run = common::big_run(50, 100);
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let mut options = options(Paper::A4);
    options.progress = Some(Box::new(move |fraction| seen.lock().unwrap().push(fraction)));
    let rendered = runs::render(&run, &options);
    assert!(rendered.pages > 100, "{} pages", rendered.pages);
    let embedded = pdf::extract(&rendered.bytes).unwrap();
    assert_eq!(embedded.printed_content_sha256, Some(run.content_sha256()));
    let fractions = progress.lock().unwrap().clone();
    assert!(fractions.len() > 10 && fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    assert_eq!(fractions.last(), Some(&1.0));
}

/// `preflight export` writes nothing and exits 1 when a character has no font, unless told
/// `--allow-missing-glyphs`; then the record is written with the visible replacement.
#[test]
fn export_refuses_a_record_with_characters_no_font_has_unless_allowed() {
    let mut template = seed_template("persona-chat-service");
    template.sections[0].items.push(Item::new("private", "Private use \u{10FFFD} character", ItemKind::Check));
    let run = signed_run(template, "missing-glyph-cli");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.run.ron");
    preflight::store::save_run(&path, &run).unwrap();
    let pdf = dir.path().join("missing.pdf");
    let export = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_preflight"))
            .args(["export", path.to_str().unwrap(), "-o", pdf.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = export(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not written: 1 character(s) have no font here") && stderr.contains("U+10FFFD"), "{stderr}");
    assert!(!pdf.exists(), "nothing is written");
    let allowed = export(&["--allow-missing-glyphs"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", String::from_utf8_lossy(&allowed.stderr));
    assert!(pdf.exists());
}
