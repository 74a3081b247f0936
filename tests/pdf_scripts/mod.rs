//! Every script the app accepts, set in the bundled fonts alone: no character is missing, poppler
//! reads each string back in its logical order, and the glyphs on the page are the ones HarfBuzz
//! itself (`hb-shape`, from Debian's libharfbuzz-bin) shapes the string into.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use lopdf::content::Content;
use lopdf::{Document, Object, ObjectId};
use preflight::model::{Item, ItemKind, Section};
use preflight::pdf::{self, BundledOnly, Paper, Record};
use preflight::signoff;

use super::runs::{seed_template, signed_run};
use super::{options, tool, write_pdf};

/// Strings of one script each, with the bundled face they are set in.
const SCRIPTS: [(&str, &str, &str); 7] = [
    ("arabic", "مرحبا بالعالم", "PFARAB"),
    ("hebrew", "שלום עולם", "PFHEBR"),
    ("devanagari", "नमस्ते दुनिया किताब", "PFDEVA"),
    ("thai", "สวัสดีชาวโลก", "PFTHAI"),
    ("chinese", "你好世界", "PFCJKS"),
    ("japanese", "こんにちは世界", "PFCJKS"),
    ("korean", "안녕하세요", "PFCJKS"),
];

/// Scripts mixed with Latin and emoji in one line.
const MIXED: [(&str, &str); 4] = [
    ("mixed-hebrew", "Deploy שלום עולם to staging 🚀"),
    ("mixed-arabic", "Check مرحبا بالعالم before go-live ✅"),
    ("mixed-indic", "Release notes in हिन्दी and ภาษาไทย are ready"),
    ("mixed-cjk", "Sign 确认 the リリース for 준비 now"),
];

fn scripts_run() -> preflight::model::Run {
    let mut template = seed_template("persona-chat-service");
    let items = SCRIPTS.iter().map(|(id, text, _)| (*id, *text)).chain(MIXED).map(|(id, text)| Item::new(id, text, ItemKind::Check)).collect();
    template.sections.insert(0, Section { id: "scripts".into(), title: "Scripts".into(), items, sections: vec![] });
    signed_run(template, "scripts")
}

/// The record of the scripts run with no system font at all.
fn render_bundled_only(run: &preflight::model::Run) -> pdf::Rendered {
    let report = signoff::verify(run);
    let run_file = preflight::store::run_ron(Path::new("test.run.ron"), run).unwrap().into_bytes();
    pdf::render(&Record { run, report: &report, run_file: &run_file }, &BundledOnly, &options(Paper::A4)).unwrap()
}

/// Poppler's reading of the whole record in reading order (`pdftotext`'s default mode, which
/// reorders right-to-left words; `-raw` gives them in page order), without the directional marks
/// it puts around right-to-left runs (U+202A–U+202E, U+2066–U+2069).
fn poppler_text(path: &Path) -> String {
    let output = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(path).arg("-").output().unwrap();
    assert!(output.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().chars().filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')).collect()
}

#[test]
fn every_script_is_set_in_the_bundled_fonts_and_reads_back_in_logical_order() {
    let run = scripts_run();
    let rendered = render_bundled_only(&run);
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    assert!(rendered.missing.is_empty(), "{:?}", rendered.missing);
    let document = Document::load_mem(&rendered.bytes).unwrap();
    let fonts: Vec<String> = document
        .objects
        .values()
        .filter_map(|object| object.as_dict().ok()?.get(b"BaseFont").ok()?.as_name().ok().map(|name| String::from_utf8_lossy(name).into_owned()))
        .collect();
    for (_, _, face) in SCRIPTS {
        assert!(fonts.iter().any(|font| font.starts_with(&format!("{face}+"))), "{face} is not embedded: {fonts:?}");
    }
    if !tool("pdftotext") {
        return;
    }
    let text = poppler_text(&write_pdf("scripts", &rendered.bytes));
    for (_, text_of_item, _) in SCRIPTS {
        assert!(text.contains(text_of_item), "pdftotext does not give back `{text_of_item}`:\n{text}");
    }
    // In a left-to-right line poppler moves the space after a right-to-left phrase inside it
    // ("Deploy [RLE] שלום עולם [PDF]to staging"), exactly as it reads Chromium's own PDF of the same line
    // (docs/scripts-chromium.png); every other character comes back in its logical order.
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for (_, text_of_item) in MIXED {
        let item: String = text_of_item.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(squeezed.contains(&item), "pdftotext does not give back `{text_of_item}` in its logical order:\n{text}");
    }
}

#[test]
fn the_glyphs_on_the_page_are_the_ones_harfbuzz_shapes() {
    if Command::new("hb-shape").arg("--version").output().is_err() {
        eprintln!("skipping: `hb-shape` is not installed (apt-get install libharfbuzz-bin)");
        return;
    }
    let run = scripts_run();
    let rendered = render_bundled_only(&run);
    let document = Document::load_mem(&rendered.bytes).unwrap();
    let shown = glyphs_shown(&document);
    let fonts_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let cjk = Path::new(env!("CARGO_TARGET_TMPDIR")).join("DroidSansFallback.ttf");
    std::fs::write(&cjk, pdf::cjk_font_data().unwrap()).unwrap();
    for (id, text, face) in SCRIPTS {
        let file = match face {
            "PFARAB" => fonts_dir.join("NotoSansArabic-Regular.ttf"),
            "PFHEBR" => fonts_dir.join("NotoSansHebrew-Regular.ttf"),
            "PFDEVA" => fonts_dir.join("NotoSansDevanagari-Regular.ttf"),
            "PFTHAI" => fonts_dir.join("NotoSansThai-Regular.ttf"),
            _ => cjk.clone(),
        };
        let original = std::fs::read(&file).unwrap();
        let original = ttf_parser::Face::parse(&original, 0).unwrap();
        let expected: Vec<u64> = harfbuzz_glyphs(&file, text).into_iter().map(|glyph| outline_hash(&original, glyph)).collect();
        let (program, codes) = &shown[face];
        let embedded = ttf_parser::Face::parse(program, 0).unwrap();
        let on_page: Vec<u64> = codes.iter().map(|&code| outline_hash(&embedded, code)).collect();
        assert!(
            on_page.windows(expected.len()).any(|window| window == expected.as_slice()),
            "{id}: the page does not draw HarfBuzz's {} glyphs for `{text}` in its order",
            expected.len()
        );
    }
}

/// The glyph ids `hb-shape` gives `text` in the font `file`, in visual order.
fn harfbuzz_glyphs(file: &Path, text: &str) -> Vec<u16> {
    let output = Command::new("hb-shape").args(["--no-glyph-names", "--no-positions", "--no-clusters"]).arg(file).arg(text).output().unwrap();
    assert!(output.status.success(), "hb-shape failed: {}", String::from_utf8_lossy(&output.stderr));
    let out = String::from_utf8(output.stdout).unwrap();
    out.trim().trim_start_matches('[').trim_end_matches(']').split('|').map(|id| id.parse().unwrap()).collect()
}

/// A glyph's outline, hashed: the same glyph in a font and in its subset hash the same.
fn outline_hash(face: &ttf_parser::Face<'_>, glyph: u16) -> u64 {
    use std::hash::{Hash, Hasher};
    struct Record(Vec<u32>);
    impl ttf_parser::OutlineBuilder for Record {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.extend([1, x.to_bits(), y.to_bits()]);
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.extend([2, x.to_bits(), y.to_bits()]);
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.extend([3, x1.to_bits(), y1.to_bits(), x.to_bits(), y.to_bits()]);
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.extend([4, x1.to_bits(), y1.to_bits(), x2.to_bits(), y2.to_bits(), x.to_bits(), y.to_bits()]);
        }
        fn close(&mut self) {
            self.0.push(5);
        }
    }
    let mut record = Record(Vec::new());
    face.outline_glyph(ttf_parser::GlyphId(glyph), &mut record);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    record.0.hash(&mut hasher);
    face.glyph_hor_advance(ttf_parser::GlyphId(glyph)).hash(&mut hasher);
    hasher.finish()
}

/// For each font resource of the record: its embedded program and every glyph code shown in
/// it, in content order across all pages.
fn glyphs_shown(document: &Document) -> HashMap<String, (Vec<u8>, Vec<u16>)> {
    let mut shown: HashMap<String, (Vec<u8>, Vec<u16>)> = HashMap::new();
    for (_, page) in document.get_pages() {
        let fonts = document.get_page_fonts(page).unwrap();
        let content = Content::decode(&document.get_page_content(page)).unwrap();
        let mut font = String::new();
        for operation in content.operations {
            match operation.operator.as_str() {
                "Tf" => {
                    font = String::from_utf8_lossy(operation.operands[0].as_name().unwrap()).into_owned();
                    if !shown.contains_key(&font) {
                        let program = font_program(document, fonts[font.as_bytes()]);
                        shown.insert(font.clone(), (program, Vec::new()));
                    }
                }
                "TJ" | "Tj" => {
                    let codes = &mut shown.get_mut(&font).unwrap().1;
                    let strings: Vec<&Object> = match &operation.operands[0] {
                        Object::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for string in strings {
                        if let Object::String(bytes, _) = string {
                            codes.extend(bytes.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    shown
}

/// The TrueType program a Type 0 font embeds.
fn font_program(document: &Document, font: &lopdf::Dictionary) -> Vec<u8> {
    let deref = |object: &Object| -> Object {
        match object {
            Object::Reference(id) => document.get_object(*id).unwrap().clone(),
            other => other.clone(),
        }
    };
    let descendant = deref(&deref(font.get(b"DescendantFonts").unwrap()).as_array().unwrap()[0]);
    let descriptor = deref(descendant.as_dict().unwrap().get(b"FontDescriptor").unwrap());
    let file: ObjectId = descriptor.as_dict().unwrap().get(b"FontFile2").unwrap().as_reference().unwrap();
    let stream = document.get_object(file).unwrap().as_stream().unwrap();
    stream.decompressed_content().unwrap_or_else(|_| stream.content.clone())
}

#[test]
fn export_with_no_system_fonts_sets_every_script() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-system-fonts");
    std::fs::create_dir_all(&dir).unwrap();
    let run_path = dir.join("scripts.run.ron");
    preflight::store::save_run(&run_path, &scripts_run()).unwrap();
    let pdf_path = dir.join("scripts.pdf");
    let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .arg("export")
        .arg(&run_path)
        .arg("-o")
        .arg(&pdf_path)
        .arg("--force")
        .env("PREFLIGHT_SYSTEM_FONT_DIRS", "")
        .env("HOME", &dir)
        .env("PREFLIGHT_HOME", &dir)
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "export failed:\n{stdout}\n{stderr}");
    assert!(!stdout.contains("system font") && !stderr.contains("system font"), "{stdout}\n{stderr}");
    assert!(!stderr.contains("no font has"), "{stderr}");
    if tool("pdftotext") {
        let text = poppler_text(&pdf_path);
        for (_, text_of_item, _) in SCRIPTS {
            assert!(text.contains(text_of_item), "`{text_of_item}` is not in the exported record");
        }
    }
}
