//! Checking the PDF signatures of an audit record and what each revision after Preflight's own
//! changed. Every revision after the first must be one signature and nothing else: its
//! signature dictionary, its appearance (drawn again here from the signature and compared),
//! the field it fills and, for a certification, the catalog's `/Perms`. Each signature's byte
//! range must cover the whole file up to the end of its revision, and its CMS signature must
//! verify over those bytes. Whether the signer is trusted is not judged here.

use lopdf::{Dictionary, Document, Object, ObjectId};
use sha2::{Digest, Sha256};

use super::PdfError;
use super::compare::{last_startxref, prev_of_section};
use super::sign::{Field, appearance_lines, fields, parse_pdf_date, rect_of};
use crate::model::{Timestamp, to_hex};
use crate::signoff::cms::{CmsSigner, verify_detached};

/// One PDF signature as verification found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSignature {
    pub field: String,
    /// What the field is for, as the sign-off page labels it.
    pub label: String,
    /// The revision that added it, counting Preflight's own as 1.
    pub revision: usize,
    /// A certification (DocMDP) rather than an approval.
    pub certification: bool,
    pub signing_time: Option<Timestamp>,
    pub name: String,
    pub reason: String,
    pub sub_filter: String,
    /// Whether its byte range reaches the end of the file: the last signature, with nothing
    /// appended after it.
    pub covers_whole_file: bool,
    /// The CMS check: the signer, or why the signature does not hold.
    pub check: Result<CmsSigner, String>,
}

impl PdfSignature {
    /// The signer key's fingerprint, as the rest of Preflight shows keys.
    pub fn fingerprint(&self) -> Option<String> {
        let signer = self.check.as_ref().ok()?;
        signer.certificate.p256_public_key.as_deref().map(|key| crate::signoff::fingerprint(&to_hex(key)))
    }

    /// The signer's P-256 public key in hex, to match with the keys that signed the run.
    pub fn public_key(&self) -> Option<String> {
        self.check.as_ref().ok()?.certificate.p256_public_key.as_deref().map(to_hex)
    }
}

/// The PDF signatures of a record and what its revisions changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureRevisions {
    /// How many revisions the file holds, Preflight's own included.
    pub revisions: usize,
    /// Where Preflight's own revision ends: the bytes the page check compares.
    pub first_revision_end: usize,
    pub signatures: Vec<PdfSignature>,
    /// Changes after Preflight's revision that are not signatures, in words. A signature that
    /// does not hold says so in its own [`PdfSignature::check`].
    pub problems: Vec<String>,
}

/// Checks every revision after the first and every PDF signature.
pub fn check_signatures(pdf: &[u8]) -> Result<SignatureRevisions, PdfError> {
    let sections = xref_sections(pdf);
    let ends: Vec<usize> = sections.iter().map(|section| section.end).collect();
    let mut result =
        SignatureRevisions { revisions: sections.len().max(1), first_revision_end: ends.first().copied().unwrap_or(pdf.len()), ..Default::default() };
    if let Some(&last) = ends.last()
        && pdf[last..].iter().any(|b| !b.is_ascii_whitespace())
    {
        result.problems.push(format!("{} byte(s) follow the file's last end-of-file marker", pdf.len() - last));
    }
    let mut previous = Document::load_mem(&pdf[..result.first_revision_end]).map_err(|err| PdfError::NotPdf(err.to_string()))?;
    for (index, section) in sections.iter().enumerate().skip(1) {
        let revision = index + 1;
        let current = match Document::load_mem(&pdf[..section.end]) {
            Ok(document) => document,
            Err(err) => {
                result.problems.push(format!("revision {revision} cannot be read: {err}"));
                break;
            }
        };
        let mut problems = Vec::new();
        match signature_revision(pdf, &previous, &current, section, sections[index - 1].end) {
            Ok(signature) => result.signatures.push(PdfSignature { revision, ..signature }),
            Err(problem) => problems.push(problem),
        }
        result.problems.extend(problems.into_iter().map(|p| format!("revision {revision}: {p}")));
        previous = current;
    }
    let last_end = ends.last().copied().unwrap_or(pdf.len());
    for signature in &mut result.signatures {
        signature.covers_whole_file = signature.revision == sections.len() && pdf[last_end..].iter().all(u8::is_ascii_whitespace);
    }
    Ok(result)
}

/// One cross-reference section of the file: where it starts, the objects it (re)defines, and
/// where its revision ends (after its `%%EOF`).
struct Section {
    at: usize,
    end: usize,
    /// Object numbers in use in this section; `None` when the section is not a table.
    objects: Option<Vec<u32>>,
    freed: usize,
}

/// The file's sections from first to last, following `/Prev` from the last `startxref`.
fn xref_sections(pdf: &[u8]) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut offset = last_startxref(pdf);
    while let Some(at) = offset {
        if sections.iter().any(|s: &Section| s.at == at) || sections.len() > 10_000 || at >= pdf.len() {
            break;
        }
        let end = pdf[at..].windows(5).position(|w| w == b"%%EOF").map_or(pdf.len(), |p| at + p + 5);
        let end = end + pdf[end..].iter().take_while(|b| **b == b'\r' || **b == b'\n').count();
        let (objects, freed) = table_objects(&pdf[at..end]).map_or((None, 0), |(objects, freed)| (Some(objects), freed));
        sections.push(Section { at, end, objects, freed });
        offset = prev_of_section(pdf, at);
    }
    sections.reverse();
    sections
}

/// The object numbers a classic cross-reference table defines, and how many it frees.
fn table_objects(section: &[u8]) -> Option<(Vec<u32>, usize)> {
    let text = std::str::from_utf8(section.get(..section.windows(7).position(|w| w == b"trailer")?)?).ok()?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next()? != "xref" {
        return None;
    }
    let (mut objects, mut freed) = (Vec::new(), 0);
    let mut next = 0u32;
    for line in lines {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            [start, _count] => next = start.parse().ok()?,
            [_, _, kind] => {
                if *kind == "n" {
                    objects.push(next);
                } else if next != 0 {
                    freed += 1;
                }
                next += 1;
            }
            _ => return None,
        }
    }
    Some((objects, freed))
}

/// Checks that a revision is one signature and nothing else, and the signature itself.
fn signature_revision(pdf: &[u8], previous: &Document, current: &Document, section: &Section, previous_end: usize) -> Result<PdfSignature, String> {
    let objects = section.objects.as_ref().ok_or("it is written as a cross-reference stream, which Preflight's signatures never are")?;
    if section.freed > 0 {
        return Err(format!("it deletes {} object(s)", section.freed));
    }
    if current.trailer.get(b"Root").ok() != previous.trailer.get(b"Root").ok()
        || current.trailer.get(b"Info").ok() != previous.trailer.get(b"Info").ok()
    {
        return Err("it points the file at another catalog or document information".into());
    }
    let newly_signed: Vec<Field> = fields(current).into_iter().filter(|f| f.value.is_some()).filter(|f| !was_signed(previous, f.id)).collect();
    let [field] = newly_signed.as_slice() else {
        let changed: Vec<String> = objects.iter().take(4).map(|&id| format!("object {id} ({})", describe(current, (id, 0)))).collect();
        let more = if objects.len() > 4 { format!(" and {} more", objects.len() - 4) } else { String::new() };
        return Err(format!(
            "an incremental update appended after the one Preflight wrote is not a PDF signature (it fills {} signature fields); it changes {}{more}",
            newly_signed.len(),
            if changed.is_empty() { "nothing".to_string() } else { changed.join(", ") }
        ));
    };
    let signature_id = field.value.ok_or("the field has no value")?;
    let signature = current.get_dictionary(signature_id).map_err(|_| "the signature dictionary cannot be read".to_string())?;
    let appearance_id = field
        .dict
        .get(b"AP")
        .and_then(Object::as_dict)
        .and_then(|ap| ap.get(b"N"))
        .and_then(Object::as_reference)
        .map_err(|_| "the signed field has no appearance".to_string())?;
    let certification = signature.get(b"Reference").is_ok();
    let root = current.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| "no catalog".to_string())?;

    // What the revision may define: the signature, its appearance, the field, and the catalog
    // for a certification. Each is compared with what Preflight would have written.
    for &id in objects {
        let object_id: ObjectId = (id, 0);
        if object_id == signature_id || object_id == appearance_id {
            if previous.objects.contains_key(&object_id) {
                return Err(format!("it replaces object {id}, which the signature claims as new"));
            }
        } else if object_id == field.id {
            let mut expected = previous.get_dictionary(field.id).map_err(|_| "the field did not exist before".to_string())?.clone();
            expected.set("V", Object::Reference(signature_id));
            expected.set("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(appearance_id))])));
            if !same(&expected, &field.dict) {
                return Err(format!("it changes the field \"{}\" beyond filling it", field.label));
            }
        } else if object_id == root && certification {
            let mut expected = previous.get_dictionary(root).map_err(|_| "no catalog before".to_string())?.clone();
            expected.set("Perms", Object::Dictionary(Dictionary::from_iter(vec![("DocMDP", Object::Reference(signature_id))])));
            let catalog = current.get_dictionary(root).map_err(|_| "no catalog".to_string())?;
            if !same(&expected, catalog) {
                return Err("it changes the document catalog beyond naming the certification".into());
            }
        } else {
            return Err(format!("it changes object {id} ({}), which a signature does not", describe(current, object_id)));
        }
    }
    if certification && fields(previous).iter().any(|f| f.value.is_some()) {
        return Err("it certifies a document that was already signed; a certification must be the first signature".into());
    }

    let text = |key: &[u8]| signature.get(key).and_then(Object::as_str).map(super::embed::decode_text_string).unwrap_or_default();
    let name_of = |key: &[u8]| signature.get(key).and_then(Object::as_name).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let signing_time = parse_pdf_date(&text(b"M"));
    let check = cms_check(pdf, signature, previous_end, section.end);
    if let Ok(signer) = &check {
        let key = signer.certificate.p256_public_key.as_deref().map(to_hex).unwrap_or_default();
        let at = signing_time.ok_or("the signature has no signing time (/M)")?;
        let [left, bottom, right, top] = rect_of(&field.dict);
        let lines = appearance_lines(&signer.certificate.name, &field.label, at, &crate::signoff::fingerprint(&key));
        let expected = super::appearance::signed_box(&lines, right - left, top - bottom);
        let drawn = current
            .get_object(appearance_id)
            .and_then(Object::as_stream)
            .map_err(|_| "the appearance is not a stream".to_string())?
            .decompressed_content_with_limit(1 << 20)
            .unwrap_or_else(|_| current.get_object(appearance_id).and_then(Object::as_stream).map(|s| s.content.clone()).unwrap_or_default());
        if drawn != expected {
            return Err(format!("the box of \"{}\" draws something other than the signature's appearance", field.label));
        }
    }
    Ok(PdfSignature {
        field: field.name.clone(),
        label: field.label.clone(),
        revision: 0,
        certification,
        signing_time,
        name: text(b"Name"),
        reason: text(b"Reason"),
        sub_filter: name_of(b"SubFilter"),
        covers_whole_file: false,
        check,
    })
}

fn was_signed(document: &Document, field: ObjectId) -> bool {
    document.get_dictionary(field).is_ok_and(|dict| dict.get(b"V").is_ok())
}

fn same(a: &Dictionary, b: &Dictionary) -> bool {
    super::sign::object_bytes(&Object::Dictionary(a.clone())) == super::sign::object_bytes(&Object::Dictionary(b.clone()))
}

fn describe(document: &Document, id: ObjectId) -> String {
    if document.trailer.get(b"Info").and_then(Object::as_reference).ok() == Some(id) {
        return "the document information".into();
    }
    if document.trailer.get(b"Root").and_then(Object::as_reference).ok() == Some(id) {
        return "the document catalog".into();
    }
    if let Some((number, _)) = document.get_pages().into_iter().find(|(_, page)| *page == id) {
        return format!("page {number}");
    }
    match document.get_object(id) {
        Ok(Object::Stream(stream)) => {
            let kind = stream
                .dict
                .get(b"Subtype")
                .or_else(|_| stream.dict.get(b"Type"))
                .and_then(Object::as_name)
                .map(|n| String::from_utf8_lossy(n).into_owned());
            format!("a {} stream", kind.unwrap_or_else(|_| "content".into()))
        }
        Ok(Object::Dictionary(dict)) => {
            let kind = dict.get(b"Type").or_else(|_| dict.get(b"Subtype")).and_then(Object::as_name).map(|n| String::from_utf8_lossy(n).into_owned());
            format!("a {} dictionary", kind.unwrap_or_else(|_| "plain".into()))
        }
        Ok(_) => "a value".into(),
        Err(_) => "unreadable".into(),
    }
}

/// The byte range and the CMS signature of one signature dictionary whose revision spans
/// `revision_start..revision_end`.
fn cms_check(pdf: &[u8], signature: &Dictionary, revision_start: usize, revision_end: usize) -> Result<CmsSigner, String> {
    let sub_filter = signature.get(b"SubFilter").and_then(Object::as_name).unwrap_or_default();
    if sub_filter != b"ETSI.CAdES.detached" && sub_filter != b"adbe.pkcs7.detached" {
        return Err(format!("its format {} is not a detached CMS signature", String::from_utf8_lossy(sub_filter)));
    }
    let range: Vec<usize> = match signature.get(b"ByteRange") {
        Ok(Object::Array(values)) => values.iter().filter_map(|v| v.as_i64().ok()).filter_map(|v| usize::try_from(v).ok()).collect(),
        _ => Vec::new(),
    };
    let &[0, hole_start, hole_end, tail] = range.as_slice() else { return Err("its byte range is not [0 a b c]".into()) };
    let covered_end = hole_end.checked_add(tail).ok_or("its byte range overflows")?;
    let eof_end = revision_end - pdf[..revision_end].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    if hole_start <= revision_start || hole_end <= hole_start || covered_end < eof_end || covered_end > revision_end {
        return Err(format!(
            "its byte range covers bytes 0–{hole_start} and {hole_end}–{covered_end}, not the whole file up to the end of its revision at {eof_end}"
        ));
    }
    let hole = &pdf[hole_start..hole_end];
    if hole.first() != Some(&b'<') || hole.last() != Some(&b'>') || !hole[1..hole.len() - 1].iter().all(u8::is_ascii_hexdigit) {
        return Err("the bytes its byte range leaves out are not just its signature".into());
    }
    let contents = signature.get(b"Contents").and_then(Object::as_str).map_err(|_| "it has no /Contents".to_string())?;
    let cms = der_prefix(contents).ok_or("its /Contents is not a DER structure")?;
    let mut hasher = Sha256::new();
    hasher.update(&pdf[..hole_start]);
    hasher.update(&pdf[hole_end..covered_end]);
    let digest: [u8; 32] = hasher.finalize().into();
    verify_detached(cms, &digest).map_err(|err| err.to_string())
}

/// The DER structure at the start of `bytes`, without the zero padding after it.
fn der_prefix(bytes: &[u8]) -> Option<&[u8]> {
    let first_length = *bytes.get(1)?;
    let (header, length) = if first_length < 0x80 {
        (2, usize::from(first_length))
    } else {
        let count = usize::from(first_length & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let length = bytes.get(2..2 + count)?.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (2 + count, length)
    };
    bytes.get(..header.checked_add(length)?)
}
