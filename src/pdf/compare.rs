//! Binding the pages to the run: an audit record is rendered again from its attached run, with
//! the settings the PDF records, and compared object for object with what the file holds. What
//! a reader sees (content streams, resources, annotations, the catalog and the document
//! information) must be exactly what Preflight draws for that run; anything else — a white box
//! painted over a word, a replaced or dropped page, a stamp, an optional-content layer, an
//! appended revision — is named with its page and the first line that differs.
//!
//! Rendering is deterministic for the same run, settings, Preflight version and fonts. The
//! bundled fonts are in every copy of Preflight; a character that was drawn from a system font
//! is drawn again from the font program embedded in the PDF itself, so the check never depends
//! on the fonts of the auditor's machine. What cannot be checked that way is said in
//! [`PageCheck::limits`]: the glyph shapes of such a system font, and everything about the
//! drawing when the record was made by another Preflight version.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::embed::{INFO_GENERATED_AT, INFO_PAPER, INFO_VERSION, decode_text_string};
use super::{FontFallback, Paper, PdfError, PdfOptions, Record};
use crate::model::Timestamp;
use crate::store::FontFile;

/// A bound on what a single stream may inflate to, against decompression bombs.
const MAX_STREAM_BYTES: usize = 256 * 1024 * 1024;
/// What checking the pages may decode in all: this many bytes per byte of the file, and at
/// least [`DECODE_FLOOR`]. Preflight's records inflate a few times over; a file that decodes
/// to far more is refused before the work grows with it. Each stream counts once, however many
/// pages share it.
const DECODE_PER_FILE_BYTE: usize = 64;
const DECODE_FLOOR: usize = 64 * 1024 * 1024;

/// The settings a record says it was generated with.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub paper: Paper,
    pub generated_at: Timestamp,
    /// The Preflight version that wrote it.
    pub version: String,
}

/// What comparing a record's pages with a fresh rendering of its run found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageCheck {
    /// The pages compared.
    pub pages: usize,
    /// Each difference, naming its page and the first line that differs. Empty when every page
    /// is what Preflight draws for the attached run.
    pub problems: Vec<String>,
    /// What this check could not cover, said plainly.
    pub limits: Vec<String>,
}

impl PageCheck {
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Compares `pdf` with Preflight's rendering of `record` (which must be the run attached to it,
/// its verification report and the attached file's bytes).
pub fn check_pages(pdf: &[u8], record: &Record<'_>) -> Result<PageCheck, PdfError> {
    check_pages_after(pdf, record, &super::check_signatures(pdf)?)
}

/// [`check_pages`] with the file's revisions already checked: Preflight's own revision is
/// compared with a fresh rendering, and every later one must be a PDF signature and nothing
/// else (what [`super::check_signatures`] found is reported with the pages).
pub(crate) fn check_pages_after(pdf: &[u8], record: &Record<'_>, revisions: &super::SignatureRevisions) -> Result<PageCheck, PdfError> {
    // The end-of-line a signature revision starts with is not part of Preflight's bytes.
    let first = &pdf[..revisions.first_revision_end];
    let pdf = &first[..first.len() - first.iter().rev().take_while(|b| **b == b'\n' || **b == b'\r').count()];
    let document = Document::load_mem(pdf).map_err(|err| PdfError::NotPdf(err.to_string()))?;
    let mut check = PageCheck { pages: document.get_pages().len(), ..PageCheck::default() };
    check.problems.extend(revisions.problems.iter().cloned());
    let generation = match generation(&document) {
        Ok(generation) => generation,
        Err(missing) => {
            check.problems.push(format!("the document information does not record {missing}, so the pages cannot be rendered again"));
            return Ok(check);
        }
    };
    if generation.version != env!("CARGO_PKG_VERSION") {
        check.limits.push(format!(
            "this record was made by Preflight {}; Preflight {} can render only its own layout, so the pages were not compared \
             (the attached run and the hashes printed on the record were checked); verify it with Preflight {} to compare the pages",
            generation.version,
            env!("CARGO_PKG_VERSION"),
            generation.version
        ));
        return Ok(check);
    }
    let embedded = EmbeddedFonts::of(&document);
    if !embedded.faces.is_empty() {
        check.limits.push(format!(
            "{} character(s) are drawn from system fonts embedded in the record ({}); their glyph shapes cannot be compared \
             without those fonts, everything else on those pages was",
            embedded.characters,
            embedded.faces.iter().map(|face| face.name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let fresh = super::render(record, &embedded, &PdfOptions::new(generation.paper, generation.generated_at))?;
    if fresh.bytes == pdf {
        return Ok(check);
    }
    // Only a file that differs from Preflight's own bytes is decoded and compared object by
    // object, within a budget set by its size.
    let budget = (pdf.len().saturating_mul(DECODE_PER_FILE_BYTE)).max(DECODE_FLOOR);
    let mut walk = match Walk::decoding(&document, pdf.len(), budget) {
        Ok(walk) => walk,
        Err(problem) => {
            check.problems.push(problem);
            return Ok(check);
        }
    };
    let expected = Document::load_mem(&fresh.bytes).map_err(|err| PdfError::Write(err.to_string()))?;
    check.problems.extend(compare_documents(&document, &expected, &mut walk));
    if check.problems.is_empty() && embedded.faces.is_empty() {
        // Equal objects in other bytes: an unreferenced object, other object numbers, other
        // compression. Nothing a reader sees differs, but the file is not the one Preflight wrote.
        // (With a system font embedded the bytes of its subset differ in any second rendering.)
        check.problems.push("the file's bytes are not the ones Preflight writes for this run, though every page draws the same".into());
    }
    Ok(check)
}

/// The settings recorded in the document information, or the name of the one missing.
pub fn generation(document: &Document) -> Result<Generation, &'static str> {
    let info = document
        .trailer
        .get(b"Info")
        .and_then(|info| document.dereference(info))
        .and_then(|(_, info)| info.as_dict())
        .map_err(|_| "any settings (no document information)")?;
    let text = |key: &[u8]| info.get(key).and_then(Object::as_str).map(decode_text_string).ok();
    let generated_at = text(INFO_GENERATED_AT).and_then(|at| Timestamp::parse(&at).ok()).ok_or("when it was generated")?;
    let paper = info.get(INFO_PAPER).and_then(Object::as_name).ok().and_then(|name| std::str::from_utf8(name).ok()?.parse().ok());
    let version = text(INFO_VERSION).ok_or("the Preflight version that made it")?;
    Ok(Generation { paper: paper.ok_or("the paper size")?, generated_at, version })
}

/// How many revisions the file holds: one, plus one for each incremental update. Counted by
/// following the cross-reference chain back from the last `startxref` through each `/Prev`.
pub fn revisions(pdf: &[u8]) -> usize {
    let mut count = 0;
    let mut offset = last_startxref(pdf);
    let mut seen = HashSet::new();
    while let Some(at) = offset {
        if !seen.insert(at) || count > 10_000 {
            break;
        }
        count += 1;
        offset = prev_of_section(pdf, at);
    }
    count.max(1)
}

/// The offset after the last `startxref` keyword.
pub(crate) fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail_start = pdf.len().saturating_sub(4096);
    let tail = &pdf[tail_start..];
    let at = tail.windows(9).rposition(|w| w == b"startxref")?;
    let digits: String =
        tail[at + 9..].iter().map(|&b| char::from(b)).skip_while(|c| c.is_ascii_whitespace()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The `/Prev` offset of the cross-reference section (a table with its trailer, or a stream)
/// that starts at `at`, if it has one.
pub(crate) fn prev_of_section(pdf: &[u8], at: usize) -> Option<usize> {
    let section = pdf.get(at..)?;
    // The trailer dictionary (or the stream's dictionary) ends before the next `startxref`.
    let end = section.windows(9).position(|w| w == b"startxref").unwrap_or(section.len().min(1 << 20));
    let section = &section[..end];
    let key = section.windows(5).position(|w| w == b"/Prev")?;
    let digits: String =
        section[key + 5..].iter().map(|&b| char::from(b)).skip_while(|c| c.is_ascii_whitespace()).take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// System-font faces embedded in a record, served back to the renderer in the order the
/// record named them (`PFSYSA`, `PFSYSB`, …), so that the same character lands on the same face.
struct EmbeddedFonts {
    faces: Vec<EmbeddedFace>,
    /// How many distinct characters those faces draw.
    characters: usize,
}

struct EmbeddedFace {
    name: String,
    data: &'static [u8],
}

impl EmbeddedFonts {
    fn of(document: &Document) -> EmbeddedFonts {
        let mut faces: Vec<EmbeddedFace> = Vec::new();
        for object in document.objects.values() {
            let Ok(descriptor) = object.as_dict() else { continue };
            let Ok(name) = descriptor.get(b"FontName").and_then(Object::as_name) else { continue };
            let name = String::from_utf8_lossy(name).into_owned();
            if !name.starts_with("PFSYS") || faces.iter().any(|face| face.name == name) {
                continue;
            }
            let program = descriptor
                .get(b"FontFile2")
                .or_else(|_| descriptor.get(b"FontFile3"))
                .and_then(|file| document.dereference(file))
                .and_then(|(_, file)| file.as_stream());
            let Some(data) = program.ok().and_then(|stream| stream.decompressed_content_with_limit(MAX_STREAM_BYTES).ok()) else { continue };
            if ttf_parser::Face::parse(&data, 0).is_err() {
                continue;
            }
            // Kept for the life of the process, as system fonts are: faces borrow it as 'static.
            faces.push(EmbeddedFace { name, data: Box::leak(data.into_boxed_slice()) });
        }
        faces.sort_by(|a, b| a.name.cmp(&b.name));
        let characters = faces
            .iter()
            .filter_map(|face| ttf_parser::Face::parse(face.data, 0).ok())
            .map(|face| {
                let mut count = 0;
                if let Some(subtable) = face.tables().cmap.and_then(|cmap| cmap.subtables.into_iter().find(|s| s.is_unicode())) {
                    subtable.codepoints(|_| count += 1);
                }
                count
            })
            .sum();
        EmbeddedFonts { faces, characters }
    }
}

impl FontFallback for EmbeddedFonts {
    fn face_for(&self, c: char) -> Option<FontFile> {
        self.faces.iter().find(|face| crate::store::face_with_glyph(face.data, c).is_some()).map(|face| FontFile {
            path: format!("(embedded in the record) {}", face.name).into(),
            data: face.data,
            index: 0,
        })
    }
}

/// Every difference a reader would see between the record and Preflight's rendering, page by
/// page, then in the document as a whole.
/// The state of one comparison: the pairs of objects already compared, and every stream of the
/// checked file decoded once.
struct Walk {
    seen: HashSet<(ObjectId, ObjectId)>,
    decoded: HashMap<ObjectId, Rc<Vec<u8>>>,
}

impl Walk {
    /// Decodes every stream of `document` once, refusing a file of `file_len` bytes whose
    /// streams decode to more than `budget` bytes in all. A stream that cannot be decoded is
    /// left for the comparison to name.
    fn decoding(document: &Document, file_len: usize, budget: usize) -> Result<Walk, String> {
        let too_much = |bytes: usize| {
            format!(
                "the file's streams decode to more than {} MB, far more than a record of {} KB holds; its pages were not compared",
                bytes >> 20,
                file_len.div_ceil(1024)
            )
        };
        let mut decoded = HashMap::new();
        let mut total = 0usize;
        for (&id, object) in &document.objects {
            let Object::Stream(stream) = object else { continue };
            let left = budget.saturating_sub(total);
            let bytes = if stream.dict.has(b"Filter") {
                match stream.decompressed_content_with_limit(left.min(MAX_STREAM_BYTES)) {
                    Ok(bytes) => bytes,
                    Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                        return Err(too_much(total + left.min(MAX_STREAM_BYTES)));
                    }
                    Err(_) => continue,
                }
            } else {
                stream.content.clone()
            };
            total += bytes.len();
            if total > budget {
                return Err(too_much(budget));
            }
            decoded.insert(id, Rc::new(bytes));
        }
        Ok(Walk { seen: HashSet::new(), decoded })
    }
}

/// The text of each page as a reader extracts it; pages that share their content are read once.
fn page_texts(document: &Document, pages: &[ObjectId]) -> Vec<String> {
    let mut by_content: HashMap<Vec<ObjectId>, String> = HashMap::new();
    pages
        .iter()
        .enumerate()
        .map(|(index, &page)| {
            let key = document.get_page_contents(page);
            by_content.entry(key).or_insert_with(|| page_text(document, index as u32 + 1)).clone()
        })
        .collect()
}

fn compare_documents(actual: &Document, expected: &Document, walk: &mut Walk) -> Vec<String> {
    let mut problems = Vec::new();
    let actual_pages: Vec<ObjectId> = actual.get_pages().into_values().collect();
    let expected_pages: Vec<ObjectId> = expected.get_pages().into_values().collect();
    let actual_texts = page_texts(actual, &actual_pages);
    let expected_texts = page_texts(expected, &expected_pages);
    if actual_pages.len() != expected_pages.len() {
        problems.push(page_count_problem(&actual_texts, &expected_texts));
    }
    for (index, (&a, &e)) in actual_pages.iter().zip(&expected_pages).enumerate() {
        let number = index + 1;
        walk.seen.clear();
        let Err(difference) = same_object(actual, &Object::Reference(a), expected, &Object::Reference(e), walk, "page") else { continue };
        problems.push(page_problem(number, &actual_texts, &expected_texts, &difference));
    }
    // The page tree was compared page by page above.
    walk.seen.clear();
    let catalog = |document: &Document| {
        let mut catalog = document.catalog().cloned().unwrap_or_default();
        catalog.remove(b"Pages");
        Object::Dictionary(catalog)
    };
    if let Err(difference) = same_object(actual, &catalog(actual), expected, &catalog(expected), walk, "catalog") {
        problems.push(format!("the document catalog is not Preflight's: {difference}"));
    }
    let info = |document: &Document| document.trailer.get(b"Info").cloned().unwrap_or(Object::Null);
    if let Err(difference) = same_object(actual, &info(actual), expected, &info(expected), walk, "document information") {
        problems.push(format!("the document information (title, subject, settings) disagrees with the run: {difference}"));
    }
    problems
}

/// A page's text as a reader extracts it, through the fonts' ToUnicode maps.
fn page_text(document: &Document, page: u32) -> String {
    document.extract_text_with_limit(&[page], super::extract::MAX_PAGE_CONTENT_BYTES).unwrap_or_default()
}

fn page_count_problem(actual: &[String], expected: &[String]) -> String {
    let missing: Vec<usize> = expected.iter().enumerate().filter(|(_, text)| !actual.contains(text)).map(|(i, _)| i + 1).collect();
    let extra: Vec<usize> = actual.iter().enumerate().filter(|(_, text)| !expected.contains(text)).map(|(i, _)| i + 1).collect();
    let mut problem = format!("the record has {} pages where Preflight renders the run on {}", actual.len(), expected.len());
    if !missing.is_empty() {
        problem.push_str(&format!("; missing: what Preflight puts on page {}", list(&missing)));
    }
    if !extra.is_empty() {
        problem.push_str(&format!("; page {} Preflight did not write", list(&extra)));
    }
    problem
}

fn list(numbers: &[usize]) -> String {
    numbers.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

/// Names what differs on page `number`: its text when a reader would read something else,
/// otherwise the drawing.
fn page_problem(number: usize, actual: &[String], expected: &[String], difference: &str) -> String {
    let (Some(actual_text), Some(expected_text)) = (actual.get(number - 1), expected.get(number - 1)) else {
        return format!("page {number}: {difference}");
    };
    if actual_text != expected_text {
        if let Some(elsewhere) = expected.iter().position(|text| text == actual_text) {
            return format!("page {number} shows what Preflight puts on page {}: the pages were reordered or replaced", elsewhere + 1);
        }
        fn lines(text: &str) -> Vec<&str> {
            text.lines().map(str::trim).filter(|line| !line.is_empty()).collect()
        }
        let (actual_lines, expected_lines) = (lines(actual_text), lines(expected_text));
        let extra = actual_lines.iter().find(|line| !expected_lines.contains(line));
        let missing = expected_lines.iter().find(|line| !actual_lines.contains(line));
        return match (extra, missing) {
            (Some(extra), Some(missing)) => {
                format!("page {number} reads \"{extra}\" where the attached run gives \"{missing}\"")
            }
            (Some(extra), None) => format!("page {number} reads \"{extra}\", which the attached run does not give"),
            (None, Some(missing)) => format!("page {number} lacks \"{missing}\", which the attached run gives"),
            (None, None) => format!("page {number}: its lines are in another order than the attached run gives"),
        };
    }
    format!("page {number}: the text reads the same, but the page draws something Preflight does not: {difference}")
}

/// Compares two objects of two documents, following references; `Err` says where they first
/// differ. Keys that only say how a stream is stored (`Length`, `Filter`, `DecodeParms`) are
/// left out: the decoded bytes are compared instead. A page's `Parent` and an annotation's `P`
/// point back up the tree and are not followed.
fn same_object(a_doc: &Document, a: &Object, e_doc: &Document, e: &Object, walk: &mut Walk, path: &str) -> Result<(), String> {
    let a_id = if let Object::Reference(id) = a { Some(*id) } else { None };
    let (a, e) = match (a, e) {
        (Object::Reference(a_id), Object::Reference(e_id)) => {
            if !walk.seen.insert((*a_id, *e_id)) {
                return Ok(());
            }
            let a = a_doc.get_object(*a_id).map_err(|_| format!("{path} points to a missing object"))?;
            let e = e_doc.get_object(*e_id).map_err(|_| format!("{path}: Preflight's rendering lacks this object"))?;
            (a, e)
        }
        (Object::Reference(id), other) => (a_doc.get_object(*id).map_err(|_| format!("{path} points to a missing object"))?, other),
        (other, Object::Reference(id)) => (other, e_doc.get_object(*id).map_err(|_| format!("{path}: unexpected object"))?),
        pair => pair,
    };
    match (a, e) {
        (Object::Dictionary(a), Object::Dictionary(e)) => same_dictionary(a_doc, a, e_doc, e, walk, path, false),
        (Object::Stream(a), Object::Stream(e)) => {
            let font_program = is_system_font_program(path);
            same_dictionary(a_doc, &a.dict, e_doc, &e.dict, walk, path, true)?;
            if font_program {
                return Ok(());
            }
            let decode = |stream: &lopdf::Stream| {
                if stream.dict.has(b"Filter") { stream.decompressed_content_with_limit(MAX_STREAM_BYTES).ok() } else { Some(stream.content.clone()) }
            };
            // The checked file's streams were decoded once, up front; Preflight's own rendering
            // is bounded by the run.
            let actual = a_id.and_then(|id| walk.decoded.get(&id).cloned()).or_else(|| decode(a).map(Rc::new));
            match (actual, decode(e)) {
                (Some(a), Some(e)) if *a == e => Ok(()),
                (Some(a), Some(e)) => Err(stream_difference(path, &a, &e)),
                _ => Err(format!("{path}: a stream that cannot be decoded")),
            }
        }
        (Object::Array(a), Object::Array(e)) => {
            if a.len() != e.len() {
                return Err(array_difference(a_doc, path, a, e));
            }
            for (index, (a, e)) in a.iter().zip(e).enumerate() {
                same_object(a_doc, a, e_doc, e, walk, &format!("{path}[{index}]"))?;
            }
            Ok(())
        }
        (Object::Real(a), Object::Real(e)) if (a - e).abs() < 1e-4 => Ok(()),
        (a, e) if a == e => Ok(()),
        (a, e) => Err(format!("{path} is {} where Preflight writes {}", describe(a), describe(e))),
    }
}

#[allow(clippy::too_many_arguments, reason = "the two documents and the walk's state travel together")]
fn same_dictionary(
    a_doc: &Document,
    a: &Dictionary,
    e_doc: &Document,
    e: &Dictionary,
    walk: &mut Walk,
    path: &str,
    stream: bool,
) -> Result<(), String> {
    // A system font's descriptor metrics are read from its font program, which the record
    // carries only as a subset: they are not compared, as the program itself is not.
    let system_descriptor = path.ends_with("/FontDescriptor") && path.contains("PFSYS");
    let skipped = |key: &[u8]| {
        matches!(key, b"Parent" | b"P")
            || (stream && matches!(key, b"Length" | b"Filter" | b"DecodeParms" | b"Length1" | b"Length2" | b"Length3"))
            || (system_descriptor
                && matches!(
                    key,
                    b"StemV"
                        | b"StemH"
                        | b"Flags"
                        | b"FontBBox"
                        | b"Ascent"
                        | b"Descent"
                        | b"CapHeight"
                        | b"XHeight"
                        | b"ItalicAngle"
                        | b"AvgWidth"
                        | b"MaxWidth"
                        | b"Leading"
                        | b"MissingWidth"
                ))
    };
    for (key, _) in a.iter() {
        if !skipped(key) && !e.has(key) {
            let what = a.get(key).map(describe).unwrap_or_default();
            return Err(format!("{path} has /{} ({what}), which Preflight does not write", String::from_utf8_lossy(key)));
        }
    }
    for (key, e_value) in e.iter() {
        if skipped(key) {
            continue;
        }
        let name = String::from_utf8_lossy(key);
        let a_value = a.get(key).map_err(|_| format!("{path} lacks /{name}, which Preflight writes"))?;
        same_object(a_doc, a_value, e_doc, e_value, walk, &format!("{path}/{name}"))?;
    }
    Ok(())
}

/// Whether a path ends at the font program of a system font (`PFSYS…`), whose glyphs the
/// record carries as a subset that a second rendering cannot reproduce byte for byte.
fn is_system_font_program(path: &str) -> bool {
    (path.ends_with("/FontFile2") || path.ends_with("/FontFile3")) && path.contains("PFSYS")
}

/// The first line of two decoded streams that differs, as a reader of the content would see it.
fn stream_difference(path: &str, actual: &[u8], expected: &[u8]) -> String {
    let actual = String::from_utf8_lossy(actual);
    let expected = String::from_utf8_lossy(expected);
    let a_lines: Vec<&str> = actual.lines().collect();
    let e_lines: Vec<&str> = expected.lines().collect();
    let at = a_lines.iter().zip(&e_lines).position(|(a, e)| a != e).unwrap_or(a_lines.len().min(e_lines.len()));
    let clip = |line: Option<&&str>| line.map_or_else(|| "(end)".to_string(), |line| format!("`{}`", line.chars().take(120).collect::<String>()));
    format!("{path}, line {}: {} where Preflight draws {}", at + 1, clip(a_lines.get(at)), clip(e_lines.get(at)))
}

/// Two arrays of different lengths, such as a page's annotations or content streams: says what
/// the record has in excess.
fn array_difference(a_doc: &Document, path: &str, actual: &[Object], expected: &[Object]) -> String {
    if actual.len() > expected.len() {
        let extra: Vec<String> = actual[expected.len()..]
            .iter()
            .map(|object| {
                let object = a_doc.dereference(object).map(|(_, o)| o).unwrap_or(object);
                match object.as_dict().ok().and_then(|d| d.get(b"Subtype").and_then(Object::as_name).ok()) {
                    Some(subtype) => format!("a /{} annotation", String::from_utf8_lossy(subtype)),
                    None => describe(object),
                }
            })
            .collect();
        format!("{path} has {} entries where Preflight writes {}: {} that Preflight did not write", actual.len(), expected.len(), extra.join(", "))
    } else {
        format!("{path} has {} entries where Preflight writes {}", actual.len(), expected.len())
    }
}

fn describe(object: &Object) -> String {
    match object {
        Object::Null => "null".into(),
        Object::Boolean(b) => b.to_string(),
        Object::Integer(i) => i.to_string(),
        Object::Real(r) => r.to_string(),
        Object::Name(name) => format!("/{}", String::from_utf8_lossy(name)),
        Object::String(bytes, _) => format!("\"{}\"", decode_text_string(bytes).chars().take(80).collect::<String>()),
        Object::Array(items) => format!("an array of {}", items.len()),
        Object::Dictionary(dict) => match dict.get(b"Type").or_else(|_| dict.get(b"Subtype")).and_then(Object::as_name) {
            Ok(kind) => format!("a /{} dictionary", String::from_utf8_lossy(kind)),
            Err(_) => "a dictionary".into(),
        },
        Object::Stream(stream) => match stream.dict.get(b"Subtype").or_else(|_| stream.dict.get(b"Type")).and_then(Object::as_name) {
            Ok(kind) => format!("a /{} stream", String::from_utf8_lossy(kind)),
            Err(_) => "a stream".into(),
        },
        Object::Reference(id) => format!("object {} {}", id.0, id.1),
    }
}
