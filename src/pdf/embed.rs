//! Finishing the PDF after printpdf has set the pages: the run file as an attachment, the
//! document information and XMP metadata, and a document ID derived from the content; and what
//! PDF/A-3b asks beyond that (ISO 19005-3): the PDF/A identification and an extension schema for
//! Preflight's own properties in the XMP, an sRGB output intent with its ICC profile, and an
//! appearance for every annotation.
//!
//! printpdf writes a random document ID and XMP instance ID and the epoch as dates; everything
//! here is derived from the run and the clock passed in, so the same run and the same clock
//! give the same bytes.

use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use crate::model::{Run, Timestamp, sha256_hex};

use super::PdfOptions;
use super::document::{AttachmentMark, Marks};
use super::signoff_page::FieldMark;

/// Where the printed content hash is also stored, in the document information dictionary.
pub(crate) const INFO_CONTENT_HASH: &[u8] = b"PreflightContentSHA256";
pub(crate) const INFO_RUN_ID: &[u8] = b"PreflightRunId";
/// The settings the record was generated with, exactly, so that verification can render the
/// attached run again and compare it page for page.
pub(crate) const INFO_GENERATED_AT: &[u8] = b"PreflightGeneratedAt";
pub(crate) const INFO_PAPER: &[u8] = b"PreflightPaper";
pub(crate) const INFO_VERSION: &[u8] = b"PreflightVersion";
/// The MIME type given to the attached run file.
const RUN_MIME: &str = "application/x-preflight-run+ron";

pub(crate) fn finish(
    document: &mut Document,
    run: &Run,
    options: &PdfOptions,
    content_sha256: &str,
    file_name: &str,
    run_file: &[u8],
    marks: &Marks,
) {
    // Attachments (PDF 1.4) and associated files (/AF) need a newer version than printpdf's 1.3.
    document.version = "1.7".to_string();
    let verdict = if run.verdict().is_go() { "GO" } else { "NO-GO" };
    let creator = format!("Preflight {}", env!("CARGO_PKG_VERSION"));
    let title = format!("{} — audit record", run.template.title);
    let subject = format!("Audit record of run {} of checklist {} ({verdict})", run.id, run.template.id);
    let mut keywords =
        vec!["Preflight".to_string(), "audit record".to_string(), "go-live checklist".to_string(), run.template.id.clone(), verdict.to_string()];
    keywords.extend(run.fields.values().filter_map(|value| match value {
        crate::model::FieldValue::Text(text) if text.len() <= 40 => Some(text.clone()),
        _ => None,
    }));
    let keywords = keywords.join(", ");
    let date = pdf_date(options.generated_at);

    let mut info = Dictionary::from_iter(vec![
        ("Title", text_string(&title)),
        ("Author", text_string(&run.created_by)),
        ("Subject", text_string(&subject)),
        ("Keywords", text_string(&keywords)),
        ("Creator", text_string(&creator)),
        ("Producer", text_string(&format!("{creator} with printpdf"))),
        ("CreationDate", Object::String(date.clone().into_bytes(), StringFormat::Literal)),
        ("ModDate", Object::String(date.into_bytes(), StringFormat::Literal)),
        ("Trapped", Object::Name(b"False".to_vec())),
    ]);
    info.set(INFO_RUN_ID, text_string(&run.id));
    info.set(INFO_GENERATED_AT, text_string(&options.generated_at.to_string()));
    info.set(INFO_PAPER, Object::Name(options.paper.key().as_bytes().to_vec()));
    info.set(INFO_VERSION, text_string(env!("CARGO_PKG_VERSION")));
    info.set(INFO_CONTENT_HASH, Object::String(content_sha256.as_bytes().to_vec(), StringFormat::Literal));
    let info_id = document.add_object(info);
    document.trailer.set("Info", Object::Reference(info_id));

    let document_id = sha256_hex(&[run_file, options.generated_at.to_string().as_bytes()].concat());
    let id_bytes = crate::model::from_hex(&document_id[..32]).unwrap_or_default();
    document.trailer.set(
        "ID",
        Object::Array(vec![Object::String(id_bytes.clone(), StringFormat::Hexadecimal), Object::String(id_bytes, StringFormat::Hexadecimal)]),
    );

    let xmp = xmp(&title, &run.created_by, &subject, &keywords, &creator, options.generated_at, &document_id, &run.id, content_sha256);
    let mut xmp = Stream::new(
        Dictionary::from_iter(vec![("Type", Object::Name(b"Metadata".to_vec())), ("Subtype", Object::Name(b"XML".to_vec()))]),
        xmp.into_bytes(),
    );
    // XMP stays uncompressed so that tools that scan files for metadata find it.
    xmp.allows_compression = false;
    let xmp_id = document.add_object(xmp);
    let intent_id = output_intent(document);

    let filespec_id = attach(document, file_name, run_file, options.generated_at, &run.id);
    if let Ok(catalog) = document.catalog_mut() {
        catalog.set("Metadata", Object::Reference(xmp_id));
        let names = Dictionary::from_iter(vec![(
            "EmbeddedFiles",
            Object::Dictionary(Dictionary::from_iter(vec![("Names", Object::Array(vec![text_string(file_name), Object::Reference(filespec_id)]))])),
        )]);
        catalog.set("Names", Object::Dictionary(names));
        catalog.set("AF", Object::Array(vec![Object::Reference(filespec_id)]));
        catalog.set("OutputIntents", Object::Array(vec![Object::Reference(intent_id)]));
    }
    clip(document, &marks.attachment, filespec_id, file_name);
    signature_fields(document, &marks.fields);
}

/// The empty PDF signature fields, each merged with its widget on the sign-off page, in an
/// AcroForm that tells readers to save changes as incremental updates (`/SigFlags 3`), which
/// keeps every signature valid. Each widget has an empty appearance, as PDF/A asks of every
/// annotation; signing replaces it.
fn signature_fields(document: &mut Document, fields: &[FieldMark]) {
    let pages = document.get_pages();
    let mut field_ids = Vec::new();
    for field in fields {
        let Some(page_id) = u32::try_from(field.page + 1).ok().and_then(|number| pages.get(&number).copied()) else { continue };
        let [left, bottom, right, top] = field.rect;
        let empty = Stream::new(
            Dictionary::from_iter(vec![
                ("Type", Object::Name(b"XObject".to_vec())),
                ("Subtype", Object::Name(b"Form".to_vec())),
                ("BBox", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Real(right - left), Object::Real(top - bottom)])),
                ("Resources", Object::Dictionary(Dictionary::new())),
            ]),
            Vec::new(),
        );
        let appearance_id = document.add_object(empty);
        let widget = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Annot".to_vec())),
            ("Subtype", Object::Name(b"Widget".to_vec())),
            ("FT", Object::Name(b"Sig".to_vec())),
            ("T", text_string(&field.name)),
            ("TU", text_string(&field.label)),
            ("Rect", Object::Array(field.rect.iter().map(|&v| Object::Real(v)).collect())),
            // Print and Locked: printed with the page, and not moved or resized by a reader.
            ("F", Object::Integer(4 | 128)),
            ("P", Object::Reference(page_id)),
            ("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(appearance_id))]))),
        ]);
        let widget_id = document.add_object(widget);
        annotate(document, page_id, widget_id);
        field_ids.push(Object::Reference(widget_id));
    }
    if field_ids.is_empty() {
        return;
    }
    let form = Dictionary::from_iter(vec![("Fields", Object::Array(field_ids)), ("SigFlags", Object::Integer(3))]);
    let form_id = document.add_object(form);
    if let Ok(catalog) = document.catalog_mut() {
        catalog.set("AcroForm", Object::Reference(form_id));
    }
}

/// The sRGB output intent (`GTS_PDFA1`), which says what the record's DeviceRGB colours are.
fn output_intent(document: &mut Document) -> lopdf::ObjectId {
    let mut profile = Stream::new(Dictionary::from_iter(vec![("N", Object::Integer(3))]), super::icc::srgb_profile());
    // An ICC profile is long runs of tone-curve samples: it compresses well.
    let _ = profile.compress();
    let profile_id = document.add_object(profile);
    document.add_object(Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        ("OutputConditionIdentifier", text_string(super::icc::SRGB)),
        ("Info", text_string(super::icc::SRGB)),
        ("RegistryName", text_string("http://www.color.org")),
        ("DestOutputProfile", Object::Reference(profile_id)),
    ]))
}

/// A paperclip drawn in grey: the file attachment annotation's own appearance, so that every
/// reader (and PDF/A) shows the same icon rather than one of its own.
const PAPERCLIP: &[u8] = b"q 0.3 0.33 0.38 RG 1.1 w 1 J 1 j\n\
4.5 5 m 4.5 14 l 4.5 16.4 9.5 16.4 9.5 14 c 9.5 3.5 l 9.5 0.6 2.5 0.6 2.5 3.5 c 2.5 12.5 l S\nQ\n";

/// Puts a paperclip (a file attachment annotation on the same file specification) beside the
/// integrity page's paragraph about the attachment, so that the run file can be opened from
/// the page itself. The reader draws the icon, on screen and in print, as the paragraph says.
fn clip(document: &mut Document, mark: &AttachmentMark, filespec_id: lopdf::ObjectId, file_name: &str) {
    let Some(page_id) = u32::try_from(mark.page + 1).ok().and_then(|number| document.get_pages().get(&number).copied()) else { return };
    let [left, _, _, top] = mark.rect;
    let rect = [left + 2.0, top - 18.0, left + 16.0, top];
    let icon = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            ("BBox", Object::Array(vec![Object::Integer(0), Object::Integer(0), Object::Integer(14), Object::Integer(18)])),
            ("Resources", Object::Dictionary(Dictionary::new())),
        ]),
        PAPERCLIP.to_vec(),
    );
    let icon_id = document.add_object(icon);
    let annotation = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Annot".to_vec())),
        ("Subtype", Object::Name(b"FileAttachment".to_vec())),
        ("Rect", Object::Array(rect.iter().map(|&v| Object::Real(v)).collect())),
        ("FS", Object::Reference(filespec_id)),
        ("Contents", text_string(&format!("The Preflight run file {file_name}"))),
        ("Name", Object::Name(b"Paperclip".to_vec())),
        // Print.
        ("F", Object::Integer(4)),
        ("P", Object::Reference(page_id)),
        ("AP", Object::Dictionary(Dictionary::from_iter(vec![("N", Object::Reference(icon_id))]))),
    ]);
    let annotation_id = document.add_object(annotation);
    annotate(document, page_id, annotation_id);
}

/// Appends an annotation to a page's `/Annots`.
fn annotate(document: &mut Document, page_id: lopdf::ObjectId, annotation_id: lopdf::ObjectId) {
    if let Ok(page) = document.get_object_mut(page_id).and_then(Object::as_dict_mut) {
        let mut annotations = match page.get(b"Annots") {
            Ok(Object::Array(existing)) => existing.clone(),
            _ => Vec::new(),
        };
        annotations.push(Object::Reference(annotation_id));
        page.set("Annots", Object::Array(annotations));
    }
}

/// Adds the run file as an embedded file and returns its file specification.
fn attach(document: &mut Document, file_name: &str, run_file: &[u8], at: Timestamp, run_id: &str) -> lopdf::ObjectId {
    let params = Dictionary::from_iter(vec![
        ("Size", Object::Integer(run_file.len() as i64)),
        ("ModDate", Object::String(pdf_date(at).into_bytes(), StringFormat::Literal)),
    ]);
    let stream = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"EmbeddedFile".to_vec())),
            ("Subtype", Object::Name(RUN_MIME.as_bytes().to_vec())),
            ("Params", Object::Dictionary(params)),
        ]),
        run_file.to_vec(),
    );
    let file_id = document.add_object(stream);
    let filespec = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"Filespec".to_vec())),
        ("F", text_string(file_name)),
        ("UF", text_string(file_name)),
        (
            "Desc",
            text_string(&format!("The Preflight run file of run {run_id}, as signed; open it in Preflight or check it with `preflight verify`")),
        ),
        ("AFRelationship", Object::Name(b"Source".to_vec())),
        ("EF", Object::Dictionary(Dictionary::from_iter(vec![("F", Object::Reference(file_id)), ("UF", Object::Reference(file_id))]))),
    ]);
    document.add_object(filespec)
}

/// A PDF text string: PDFDocEncoding for ASCII, UTF-16BE with a byte order mark otherwise.
pub(crate) fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::String(text.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Reads a PDF text string back.
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16.chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
            String::from_utf16_lossy(&units)
        }
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// `D:20261123100000+00'00'`: the PDF date form, in UTC.
fn pdf_date(at: Timestamp) -> String {
    format!("D:{}+00'00'", at.as_datetime().format("%Y%m%d%H%M%S"))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[allow(clippy::too_many_arguments)]
fn xmp(
    title: &str,
    author: &str,
    subject: &str,
    keywords: &str,
    creator: &str,
    at: Timestamp,
    document_id: &str,
    run_id: &str,
    content_sha256: &str,
) -> String {
    // To the second, as the document information's dates are: PDF/A wants the two to agree.
    let at = at.as_datetime().format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let uuid =
        format!("uuid:{}-{}-{}-{}-{}", &document_id[0..8], &document_id[8..12], &document_id[12..16], &document_id[16..20], &document_id[20..32]);
    let [title, author, subject, keywords, creator, run_id] = [title, author, subject, keywords, creator, run_id].map(xml_escape);
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:preflight="urn:preflight:audit:1">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <pdf:Producer>{creator} with printpdf</pdf:Producer>
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <xmp:CreateDate>{at}</xmp:CreateDate>
   <xmp:ModifyDate>{at}</xmp:ModifyDate>
   <xmp:MetadataDate>{at}</xmp:MetadataDate>
   <xmpMM:DocumentID>{uuid}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{uuid}</xmpMM:InstanceID>
   <pdf:Trapped>False</pdf:Trapped>
   <preflight:RunId>{run_id}</preflight:RunId>
   <preflight:ContentSHA256>{content_sha256}</preflight:ContentSHA256>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about=""
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Preflight audit record</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>urn:preflight:audit:1</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>preflight</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>RunId</pdfaProperty:name>
         <pdfaProperty:valueType>Text</pdfaProperty:valueType>
         <pdfaProperty:category>external</pdfaProperty:category>
         <pdfaProperty:description>The id of the Preflight run this record shows</pdfaProperty:description>
        </rdf:li>
        <rdf:li rdf:parseType="Resource">
         <pdfaProperty:name>ContentSHA256</pdfaProperty:name>
         <pdfaProperty:valueType>Text</pdfaProperty:valueType>
         <pdfaProperty:category>external</pdfaProperty:category>
         <pdfaProperty:description>The SHA-256 of the run's canonical content, as the integrity page prints it</pdfaProperty:description>
        </rdf:li>
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_round_trip() {
        for text in ["plain", "Релиз 🚀"] {
            let Object::String(bytes, _) = text_string(text) else { panic!() };
            assert_eq!(decode_text_string(&bytes), text);
        }
    }

    #[test]
    fn dates_are_pdf_dates_in_utc() {
        let at = Timestamp::parse("2026-11-23T11:15:30.5+01:00").unwrap();
        assert_eq!(pdf_date(at), "D:20261123101530+00'00'");
    }
}
