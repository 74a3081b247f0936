//! Signing an audit record as a PDF (PAdES baseline B-B): one incremental update per
//! signature, filling one of the empty signature fields Preflight wrote on the sign-off page.
//! The first may certify the document (DocMDP, form filling and signing allowed), so that a
//! reader says it was certified by its author; each later one is an approval. Nothing written
//! before is touched, so every earlier signature stays valid.
//!
//! The signature dictionary is written with a fixed-width `/ByteRange` placeholder and a
//! zero-filled `/Contents`; once the update is laid out, the byte range is filled in, the bytes
//! it covers are hashed, and the CMS signature is written into `/Contents`.

use std::collections::BTreeMap;
use std::io::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use super::PdfError;
use super::appearance;
use super::embed::text_string;
use crate::model::Timestamp;

/// Room for the CMS signature: a certificate chain of a few certificates fits.
pub(crate) const CONTENTS_BYTES: usize = 8192;
const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

/// What a PDF signature says besides the cryptography.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfSignRequest {
    /// The field to fill: `certification` or [`role_field_name`](super::role_field_name).
    pub field: String,
    /// Certify the document (only as its first signature).
    pub certify: bool,
    /// The signer's name, as their certificate gives it.
    pub name: String,
    /// Why: the signature's meaning, such as "Approved for production".
    pub reason: String,
    /// The claimed signing time; the PDF keeps whole seconds.
    pub at: Timestamp,
    /// The signer's key fingerprint, shown in the box.
    pub fingerprint: String,
}

/// Makes the CMS signature over a digest; the signer's key does this.
pub trait CmsSigner {
    fn sign_cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String>;
}

/// The lines a signature box shows; verification draws them again from the signature.
pub(crate) fn appearance_lines(name: &str, label: &str, at: Timestamp, fingerprint: &str) -> Vec<String> {
    vec![
        format!("Digitally signed by {name}"),
        label.to_string(),
        at.as_datetime().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        format!("Key {fingerprint}"),
    ]
}

/// A time as PDF dates write it, in UTC, to the second.
pub(crate) fn pdf_date(at: Timestamp) -> String {
    format!("D:{}+00'00'", at.as_datetime().format("%Y%m%d%H%M%S"))
}

/// A time read from a PDF date (`D:YYYYMMDDHHmmSS` with `Z`, `+HH'mm'` or nothing after).
pub(crate) fn parse_pdf_date(text: &str) -> Option<Timestamp> {
    let digits = text.strip_prefix("D:").unwrap_or(text);
    let (stamp, zone) = digits.split_at(digits.len().min(14));
    let naive = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d%H%M%S").ok()?;
    let offset_minutes = match zone.chars().next() {
        None | Some('Z') => 0,
        Some(sign @ ('+' | '-')) => {
            let numbers: Vec<i32> = zone[1..].split('\'').filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
            let minutes = numbers.first().copied().unwrap_or(0) * 60 + numbers.get(1).copied().unwrap_or(0);
            if sign == '-' { -minutes } else { minutes }
        }
        Some(_) => return None,
    };
    let utc = naive - chrono::Duration::minutes(i64::from(offset_minutes));
    Some(Timestamp::from_datetime(chrono::DateTime::from_naive_utc_and_offset(utc, chrono::Utc)))
}

/// A signature field as the file holds it.
pub(crate) struct Field {
    pub id: ObjectId,
    pub name: String,
    pub label: String,
    pub dict: Dictionary,
    /// The signature dictionary, once signed.
    pub value: Option<ObjectId>,
}

/// The signature fields in the AcroForm, in order.
pub(crate) fn fields(document: &Document) -> Vec<Field> {
    let Some(form) = document
        .catalog()
        .ok()
        .and_then(|catalog| catalog.get(b"AcroForm").ok())
        .and_then(|form| document.dereference(form).ok())
        .and_then(|(_, form)| form.as_dict().ok())
    else {
        return Vec::new();
    };
    let Ok(Object::Array(references)) = form.get(b"Fields").and_then(|f| document.dereference(f)).map(|(_, f)| f) else { return Vec::new() };
    let text = |dict: &Dictionary, key: &[u8]| dict.get(key).and_then(Object::as_str).map(super::embed::decode_text_string).unwrap_or_default();
    references
        .iter()
        .filter_map(|reference| {
            let id = reference.as_reference().ok()?;
            let dict = document.get_dictionary(id).ok()?;
            if dict.get(b"FT").and_then(Object::as_name).ok() != Some(b"Sig".as_slice()) {
                return None;
            }
            let value = dict.get(b"V").and_then(Object::as_reference).ok();
            Some(Field { id, name: text(dict, b"T"), label: text(dict, b"TU"), dict: dict.clone(), value })
        })
        .collect()
}

/// Adds a signature to `pdf` as an incremental update and returns the whole new file.
pub fn sign(pdf: &[u8], request: &PdfSignRequest, signer: &dyn CmsSigner) -> Result<Vec<u8>, PdfError> {
    let document = Document::load_mem(pdf).map_err(|err| PdfError::NotPdf(err.to_string()))?;
    let fields = fields(&document);
    if fields.is_empty() {
        return Err(PdfError::Sign("this PDF has no signature fields; it is not a Preflight audit record of this version".into()));
    }
    let field = fields.iter().find(|f| f.name == request.field).ok_or_else(|| {
        PdfError::Sign(format!(
            "the record has no signature field `{}`; its fields are {}",
            request.field,
            fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    if field.value.is_some() {
        return Err(PdfError::Sign(format!("the field \"{}\" is already signed; a signature is never replaced", field.label)));
    }
    if request.certify && fields.iter().any(|f| f.value.is_some()) {
        return Err(PdfError::Sign("the record is already signed; a certification must be its first signature".into()));
    }
    let root = document.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| PdfError::NotPdf("no document catalog".into()))?;
    let previous_xref = super::compare::last_startxref(pdf).ok_or_else(|| PdfError::NotPdf("no startxref".into()))?;
    let size = document.trailer.get(b"Size").and_then(Object::as_i64).unwrap_or(0).max(i64::from(document.max_id) + 1);
    let size = u32::try_from(size).map_err(|_| PdfError::NotPdf("an impossible /Size".into()))?;
    let (signature_id, appearance_id) = ((size, 0), (size + 1, 0));

    let at = Timestamp::from_datetime(
        chrono::DateTime::from_timestamp(request.at.as_datetime().timestamp(), 0).unwrap_or_else(|| request.at.as_datetime()),
    );
    let [left, bottom, right, top] = rect_of(&field.dict);
    let (width, height) = (right - left, top - bottom);
    let content = appearance::signed_box(&appearance_lines(&request.name, &field.label, at, &request.fingerprint), width, height);

    let mut objects: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    objects.insert(signature_id.0, signature_dictionary(request, at));
    let appearance = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"XObject".to_vec())),
        ("Subtype", Object::Name(b"Form".to_vec())),
        ("BBox", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Real(width), Object::Real(height)])),
        ("Resources", Object::Dictionary(Dictionary::new())),
    ]);
    // Glyph outlines are long and repetitive: compressed, the box costs a few kilobytes. The
    // default level compresses them nearly as well as the best, in a fraction of the time.
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&content).map_err(|err| PdfError::Sign(err.to_string()))?;
    let compressed = encoder.finish().map_err(|err| PdfError::Sign(err.to_string()))?;
    let mut appearance = appearance;
    appearance.set("Filter", Object::Name(b"FlateDecode".to_vec()));
    appearance.set("Length", Object::Integer(compressed.len() as i64));
    objects.insert(appearance_id.0, stream_bytes(&appearance, &compressed));
    let mut signed_field = field.dict.clone();
    signed_field.set("V", Object::Reference(signature_id));
    signed_field.set("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(appearance_id))])));
    objects.insert(field.id.0, object_bytes(&Object::Dictionary(signed_field)));
    if request.certify {
        let mut catalog = document.get_dictionary(root).map_err(|err| PdfError::NotPdf(err.to_string()))?.clone();
        catalog.set("Perms", Object::Dictionary(Dictionary::from_iter(vec![("DocMDP", Object::Reference(signature_id))])));
        objects.insert(root.0, object_bytes(&Object::Dictionary(catalog)));
    }

    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = BTreeMap::new();
    for (id, body) in &objects {
        offsets.insert(*id, out.len());
        let _ = writeln!(out, "{id} 0 obj");
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    for (id, offset) in &offsets {
        let _ = write!(out, "{id} 1\n{offset:010} 00000 n \n");
    }
    let mut trailer = Dictionary::new();
    trailer.set("Size", Object::Integer(i64::from(size + 2)));
    trailer.set("Root", Object::Reference(root));
    for key in [b"Info".as_slice(), b"ID"] {
        if let Ok(value) = document.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    trailer.set("Prev", Object::Integer(previous_xref as i64));
    out.extend_from_slice(b"trailer\n");
    out.extend_from_slice(&object_bytes(&Object::Dictionary(trailer)));
    let _ = write!(out, "\nstartxref\n{xref_at}\n%%EOF\n");

    fill_signature(&mut out, offsets[&signature_id.0], signer)?;
    Ok(out)
}

/// Fills the byte range and the CMS signature of the signature dictionary written at `at`.
fn fill_signature(out: &mut [u8], at: usize, signer: &dyn CmsSigner) -> Result<(), PdfError> {
    let find = |needle: &[u8], from: usize| out[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from);
    let range_at = find(BYTE_RANGE_PLACEHOLDER.as_bytes(), at).ok_or_else(|| PdfError::Sign("the byte range placeholder is missing".into()))?;
    let contents_key = find(b"/Contents <", at).ok_or_else(|| PdfError::Sign("the contents placeholder is missing".into()))?;
    let start = contents_key + b"/Contents ".len();
    let end = start + 2 + 2 * CONTENTS_BYTES;
    let byte_range = format!("[0 {start} {end} {}]", out.len() - end);
    if byte_range.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(PdfError::Sign("the file is too large to sign".into()));
    }
    let padded = format!("{byte_range:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[range_at..range_at + padded.len()].copy_from_slice(padded.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..start]);
    hasher.update(&out[end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let cms = signer.sign_cms(&digest).map_err(PdfError::Sign)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(PdfError::Sign(format!("the signature takes {} bytes, more than the {CONTENTS_BYTES} reserved", cms.len())));
    }
    let hex = crate::model::to_hex(&cms);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(())
}

fn signature_dictionary(request: &PdfSignRequest, at: Timestamp) -> Vec<u8> {
    let mut dict = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Sig".to_vec())),
        ("Filter", Object::Name(b"Adobe.PPKLite".to_vec())),
        ("SubFilter", Object::Name(b"ETSI.CAdES.detached".to_vec())),
        ("M", Object::String(pdf_date(at).into_bytes(), StringFormat::Literal)),
        ("Name", text_string(&request.name)),
        ("Reason", text_string(&request.reason)),
        (
            "Prop_Build",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "App",
                Object::Dictionary(Dictionary::from_iter(vec![
                    ("Name", Object::Name(b"Preflight".to_vec())),
                    ("REx", text_string(env!("CARGO_PKG_VERSION"))),
                ])),
            )])),
        ),
    ]);
    if request.certify {
        let params = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"TransformParams".to_vec())),
            ("P", Object::Integer(2)),
            ("V", Object::Name(b"1.2".to_vec())),
        ]);
        let reference = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"SigRef".to_vec())),
            ("TransformMethod", Object::Name(b"DocMDP".to_vec())),
            ("TransformParams", Object::Dictionary(params)),
        ]);
        dict.set("Reference", Object::Array(vec![Object::Dictionary(reference)]));
    }
    // The byte range and contents go last, written by hand so that their placeholders have a
    // known width.
    let mut bytes = object_bytes(&Object::Dictionary(dict));
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(format!("/ByteRange {BYTE_RANGE_PLACEHOLDER}/Contents <{}>>>", "0".repeat(2 * CONTENTS_BYTES)).as_bytes());
    bytes
}

/// A field's `/Rect`, normalised to `[left, bottom, right, top]`.
pub(crate) fn rect_of(dict: &Dictionary) -> [f32; 4] {
    let numbers: Vec<f32> = match dict.get(b"Rect") {
        Ok(Object::Array(values)) => values.iter().filter_map(|v| v.as_float().ok()).collect(),
        _ => Vec::new(),
    };
    match numbers.as_slice() {
        [a, b, c, d] => [a.min(*c), b.min(*d), a.max(*c), b.max(*d)],
        _ => [0.0; 4],
    }
}

fn stream_bytes(dict: &Dictionary, content: &[u8]) -> Vec<u8> {
    let mut bytes = object_bytes(&Object::Dictionary(dict.clone()));
    bytes.extend_from_slice(b"\nstream\n");
    bytes.extend_from_slice(content);
    bytes.extend_from_slice(b"\nendstream");
    bytes
}

/// Serialises a direct object (no streams) as PDF syntax.
pub(crate) fn object_bytes(object: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_object(&mut out, object);
    out
}

fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(value) => out.extend_from_slice(if *value { b"true" } else { b"false" }),
        Object::Integer(value) => out.extend_from_slice(value.to_string().as_bytes()),
        // Rust writes the shortest decimal that reads back as the same number, never with an
        // exponent, as lopdf does: a value copied from the file is written as it was read.
        Object::Real(value) => out.extend_from_slice(value.to_string().as_bytes()),
        Object::Name(name) => {
            out.push(b'/');
            for &byte in name {
                if byte.is_ascii_alphanumeric() || b"-_.+*".contains(&byte) {
                    out.push(byte);
                } else {
                    let _ = write!(out, "#{byte:02X}");
                }
            }
        }
        Object::String(bytes, StringFormat::Hexadecimal) => {
            out.push(b'<');
            out.extend_from_slice(crate::model::to_hex(bytes).as_bytes());
            out.push(b'>');
        }
        Object::String(bytes, StringFormat::Literal) => {
            out.push(b'(');
            for &byte in bytes {
                match byte {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    _ => out.push(byte),
                }
            }
            out.push(b')');
        }
        Object::Array(values) => {
            out.push(b'[');
            for (index, value) in values.iter().enumerate() {
                if index > 0 {
                    out.push(b' ');
                }
                write_object(out, value);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => {
            out.extend_from_slice(b"<<");
            for (key, value) in dict.iter() {
                write_object(out, &Object::Name(key.clone()));
                out.push(b' ');
                write_object(out, value);
            }
            out.extend_from_slice(b">>");
        }
        Object::Reference((id, generation)) => {
            let _ = write!(out, "{id} {generation} R");
        }
        // Preflight's updates hold streams only at the top level, written by `stream_bytes`.
        Object::Stream(stream) => write_object(out, &Object::Dictionary(stream.dict.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_round_trip_and_read_offsets() {
        let at = Timestamp::parse("2026-12-02T14:30:05Z").unwrap();
        assert_eq!(pdf_date(at), "D:20261202143005+00'00'");
        assert_eq!(parse_pdf_date(&pdf_date(at)), Some(at));
        assert_eq!(parse_pdf_date("D:20261202163005+02'00'"), Some(at));
        assert_eq!(parse_pdf_date("D:20261202143005Z"), Some(at));
        assert_eq!(parse_pdf_date("yesterday"), None);
    }

    #[test]
    fn objects_serialise_as_pdf_syntax() {
        let dict = Dictionary::from_iter(vec![
            ("T", Object::String(b"a(b)".to_vec(), StringFormat::Literal)),
            ("R", Object::Array(vec![Object::Real(1.5), Object::Integer(-2), Object::Reference((3, 0))])),
            ("N", Object::Name(b"A B".to_vec())),
        ]);
        assert_eq!(String::from_utf8(object_bytes(&Object::Dictionary(dict))).unwrap(), r"<</T (a\(b\))/R [1.5 -2 3 0 R]/N /A#20B>>");
    }
}
