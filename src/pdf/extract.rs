//! Reading an audit record back: the attached run file, and the content hash as printed on the
//! integrity page, for `preflight verify FILE.pdf`.

use lopdf::{Dictionary, Document, Object};

use super::embed::{INFO_CONTENT_HASH, decode_text_string};
use super::{CHAIN_LABEL, Embedded, FILE_LABEL, HASH_LABEL, PdfError};
/// A bound on what a single stream may inflate to, against decompression bombs.
const MAX_STREAM_BYTES: usize = 256 * 1024 * 1024;
/// The most drawing one page's text is read from. A page of Preflight's record draws tens of
/// kilobytes (a long drawn signature a few hundred); reading text parses every operator into
/// memory, about a hundred times the content's size, so a hostile page is cut off here.
pub(crate) const MAX_PAGE_CONTENT_BYTES: usize = 4 * 1024 * 1024;

/// Extracts the run file attached to an audit record, and the hashes printed in it.
///
/// The printed values are read from the text of the integrity page (through the fonts'
/// ToUnicode maps, as a reader would copy it); one that cannot be read stays None, which
/// verification treats as a failure. The content hash is also stored in the document
/// information; when that copy differs from the printed one, the PDF was altered and this fails.
pub fn extract(pdf: &[u8]) -> Result<Embedded, PdfError> {
    let document = Document::load_mem(pdf).map_err(|err| PdfError::NotPdf(err.to_string()))?;
    let (file_name, run_file) = attached_run(&document)?;
    let text = integrity_text(&document);
    let printed = |label: &str| text.as_deref().and_then(|text| printed_hash(text, label));
    let printed_content_sha256 = printed(HASH_LABEL);
    if let (Some(printed), Some(stored)) = (&printed_content_sha256, stored_hash(&document))
        && *printed != stored
    {
        return Err(PdfError::HashesDisagree { printed: printed.clone(), stored });
    }
    Ok(Embedded { file_name, run_file, printed_content_sha256, printed_chain_head: printed(CHAIN_LABEL), printed_file_sha256: printed(FILE_LABEL) })
}

fn attached_run(document: &Document) -> Result<(String, Vec<u8>), PdfError> {
    let catalog = document.catalog().map_err(|err| PdfError::NotPdf(err.to_string()))?;
    let names = resolve_dict(document, catalog.get(b"Names").ok()).ok_or(PdfError::NoEmbeddedRun)?;
    let tree = resolve_dict(document, names.get(b"EmbeddedFiles").ok()).ok_or(PdfError::NoEmbeddedRun)?;
    let mut files = Vec::new();
    collect_names(document, tree, &mut files, 0);
    let (name, filespec) = files.into_iter().find(|(name, _)| name.ends_with(crate::store::RUN_EXTENSION)).ok_or(PdfError::NoEmbeddedRun)?;
    let bytes = embedded_file(document, filespec, &name)?;
    // A file attachment annotation (the integrity page's paperclip) must open the same file
    // that is checked here, or a reader who clicks it would see another run than the verified one.
    for (number, page) in document.get_pages() {
        let annotations = document.get_dictionary(page).ok().and_then(|page| page.get(b"Annots").ok()).and_then(|a| document.dereference(a).ok());
        let Some((_, Object::Array(annotations))) = annotations else { continue };
        for annotation in annotations {
            let Some(annotation) = resolve_dict(document, Some(annotation)) else { continue };
            if annotation.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"FileAttachment".as_slice()) {
                continue;
            }
            let attached = annotation
                .get(b"FS")
                .map_err(|_| PdfError::BadAttachment(format!("the file attachment on page {number} names no file")))
                .and_then(|filespec| embedded_file(document, filespec, &format!("the file attachment on page {number}")))?;
            if attached != bytes {
                return Err(PdfError::AttachmentsDisagree { page: number, name });
            }
        }
    }
    Ok((name, bytes))
}

/// The bytes of the embedded file that a file specification points to.
fn embedded_file(document: &Document, filespec: &Object, name: &str) -> Result<Vec<u8>, PdfError> {
    let filespec = resolve_dict(document, Some(filespec)).ok_or_else(|| PdfError::BadAttachment(format!("{name}: no file specification")))?;
    let ef = resolve_dict(document, filespec.get(b"EF").ok()).ok_or_else(|| PdfError::BadAttachment(format!("{name}: no embedded file")))?;
    let stream = ef
        .get(b"F")
        .or_else(|_| ef.get(b"UF"))
        .ok()
        .and_then(|object| document.dereference(object).ok())
        .and_then(|(_, object)| object.as_stream().ok())
        .ok_or_else(|| PdfError::BadAttachment(format!("{name}: the embedded file is not a stream")))?;
    let bytes = if stream.dict.has(b"Filter") {
        stream.decompressed_content_with_limit(MAX_STREAM_BYTES).map_err(|err| PdfError::BadAttachment(format!("{name}: {err}")))?
    } else {
        stream.content.clone()
    };
    Ok(bytes)
}

fn resolve_dict<'a>(document: &'a Document, object: Option<&'a Object>) -> Option<&'a Dictionary> {
    document.dereference(object?).ok()?.1.as_dict().ok()
}

/// Walks a name tree (its `Names` pairs and `Kids`), collecting `(name, value)` pairs.
fn collect_names<'a>(document: &'a Document, node: &'a Dictionary, out: &mut Vec<(String, &'a Object)>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Ok(Object::Array(pairs)) = node.get(b"Names").and_then(|o| document.dereference(o)).map(|(_, o)| o) {
        for pair in pairs.chunks_exact(2) {
            if let Ok(name) = pair[0].as_str() {
                out.push((decode_text_string(name), &pair[1]));
            }
        }
    }
    if let Ok(Object::Array(kids)) = node.get(b"Kids").and_then(|o| document.dereference(o)).map(|(_, o)| o) {
        for kid in kids {
            if let Some(kid) = resolve_dict(document, Some(kid)) {
                collect_names(document, kid, out, depth + 1);
            }
        }
    }
}

/// The text of the integrity page: the last page that carries the content hash label.
/// Pages that share their content are read once: a hostile file can point every page at one
/// huge stream.
fn integrity_text(document: &Document) -> Option<String> {
    let pages: Vec<(u32, lopdf::ObjectId)> = document.get_pages().into_iter().collect();
    let mut tried = std::collections::HashSet::new();
    pages.into_iter().rev().find_map(|(page, id)| {
        if !tried.insert(document.get_page_contents(id)) {
            return None;
        }
        let text = document.extract_text_with_limit(&[page], MAX_PAGE_CONTENT_BYTES).ok()?;
        text.contains(HASH_LABEL).then_some(text)
    })
}

/// The 64 hex digits printed after `label`, across line breaks.
fn printed_hash(text: &str, label: &str) -> Option<String> {
    let at = text.find(label)?;
    let hex: String = text[at + label.len()..].chars().filter(|c| !c.is_whitespace()).take_while(char::is_ascii_hexdigit).take(64).collect();
    (hex.len() == 64).then(|| hex.to_ascii_lowercase())
}

fn stored_hash(document: &Document) -> Option<String> {
    let info = resolve_dict(document, document.trailer.get(b"Info").ok())?;
    let bytes = info.get(INFO_CONTENT_HASH).ok()?.as_str().ok()?;
    Some(decode_text_string(bytes))
}
