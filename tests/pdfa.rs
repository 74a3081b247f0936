//! PDF/A-3b, clause by clause, on the bytes. No PDF/A validator (veraPDF) can be installed on
//! these machines, so each requirement of ISO 19005-3 that Preflight's records must meet is
//! checked here with lopdf, on the record of every seed (and on a certified one): what cannot be
//! checked this way is listed in docs/ARCHITECTURE.md. The ICC profile is also read by Little CMS
//! (Pillow's ImageCms) where Pillow is installed.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::collections::BTreeSet;
use std::process::Command;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object};
use preflight::model::Timestamp;
use preflight::pdf::{Paper, PdfOptions};

#[path = "pdf_runs/mod.rs"]
mod runs;

fn options() -> PdfOptions {
    PdfOptions::new(Paper::A4, Timestamp::parse("2026-11-23T12:00:00.250Z").unwrap())
}

fn name(object: &Object) -> String {
    object.as_name().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default()
}

fn text(document: &Document, dict: &Dictionary, key: &[u8]) -> Option<String> {
    let object = dict.get(key).ok()?;
    let (_, object) = document.dereference(object).ok()?;
    let bytes = object.as_str().ok()?;
    Some(match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => String::from_utf16_lossy(&utf16.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect::<Vec<_>>()),
        None => String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// The text of one XMP element, `<tag>value</tag>` or inside an `rdf:li`.
fn xmp_value(xmp: &str, tag: &str) -> Option<String> {
    let start = xmp.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xmp[start..].find(&format!("</{tag}>"))?;
    let inner = &xmp[start..end];
    let inner = match inner.find("<rdf:li") {
        Some(li) => {
            let from = li + inner[li..].find('>')? + 1;
            &inner[from..from + inner[from..].find("</rdf:li>")?]
        }
        None => inner,
    };
    Some(inner.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&"))
}

/// `D:20261123120000+00'00'` and `2026-11-23T12:00:00+00:00` name the same instant.
fn same_date(info: &str, xmp: &str) -> bool {
    let digits: String = info.trim_start_matches("D:").chars().take(14).collect();
    let xmp_digits: String = xmp.chars().filter(char::is_ascii_digit).take(14).collect();
    digits == xmp_digits && (info.contains("+00'00'") || info.ends_with('Z')) && (xmp.ends_with("+00:00") || xmp.ends_with('Z'))
}

/// Every requirement, each named by its clause; returns the failures.
fn pdfa_problems(bytes: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    let document = Document::load_mem(bytes).unwrap();
    let p = &mut problems;

    header(bytes, &document, p);
    let catalog = document.catalog().unwrap().clone();
    let annotations = objects(&document, p);
    intent(&document, &catalog, p);
    colour(&document, p);
    check_annotations(&document, &catalog, &annotations, p);
    metadata(&document, &catalog, p);
    embedded(&document, &catalog, p);
    problems
}

fn fail(problems: &mut Vec<String>, clause: &str, what: String) {
    problems.push(format!("{clause}: {what}"));
}

fn header(bytes: &[u8], document: &Document, p: &mut Vec<String>) {
    // 6.1.2 File header: %PDF-1.n, then a comment of at least four bytes above 127.
    if !bytes.starts_with(b"%PDF-1.") || !bytes[9..].starts_with(b"%") || bytes[10..14].iter().any(|&b| b < 128) {
        fail(p, "6.1.2 file header", format!("{:?}", String::from_utf8_lossy(&bytes[..16])));
    }
    // 6.1.3 File trailer: an ID, no encryption.
    if !matches!(document.trailer.get(b"ID"), Ok(Object::Array(ids)) if ids.len() == 2) {
        fail(p, "6.1.3 file trailer", "no /ID of two strings".into());
    }
    if document.trailer.get(b"Encrypt").is_ok() {
        fail(p, "6.1.3 file trailer", "the file is encrypted".into());
    }
}

fn objects(document: &Document, p: &mut Vec<String>) -> Vec<(lopdf::ObjectId, Dictionary)> {
    let mut annotations = Vec::new();
    for (id, object) in &document.objects {
        match object {
            Object::Stream(stream) => {
                // 6.1.7 Stream objects: no external file, no LZW.
                if stream.dict.get(b"F").is_ok() || stream.dict.get(b"FFilter").is_ok() {
                    fail(p, "6.1.7 streams", format!("object {id:?} refers to an external file"));
                }
                if let Ok(filter) = stream.dict.get(b"Filter")
                    && format!("{filter:?}").contains("LZW")
                {
                    fail(p, "6.1.7 streams", format!("object {id:?} uses LZWDecode"));
                }
                // 6.2.10 Transparency: no soft masks, no transparency groups.
                if stream.dict.get(b"SMask").is_ok() || stream.dict.get(b"Group").is_ok() {
                    fail(p, "6.2.10 transparency", format!("object {id:?} has a soft mask or a group"));
                }
            }
            Object::Dictionary(dict) => {
                let kind = dict.get(b"Type").map(name).unwrap_or_default();
                // 6.2.10 Transparency: graphics states are opaque, blend mode normal.
                if kind == "ExtGState" {
                    for key in [b"CA".as_slice(), b"ca"] {
                        if dict.get(key).and_then(Object::as_float).is_ok_and(|v| v < 1.0) {
                            fail(p, "6.2.10 transparency", format!("graphics state {id:?} is not opaque"));
                        }
                    }
                    if dict.get(b"SMask").is_ok_and(|m| name(m) != "None") {
                        fail(p, "6.2.10 transparency", format!("graphics state {id:?} has a soft mask"));
                    }
                }
                // 6.2.11.4 Embedding font programs.
                if kind == "FontDescriptor" && !["FontFile", "FontFile2", "FontFile3"].iter().any(|k| dict.get(k.as_bytes()).is_ok()) {
                    fail(p, "6.2.11.4 fonts", format!("font descriptor {id:?} embeds no font program"));
                }
                if kind == "Font" && name(dict.get(b"Subtype").unwrap_or(&Object::Null)) == "Type0" && dict.get(b"ToUnicode").is_err() {
                    fail(p, "6.2.11.7 fonts", format!("font {id:?} has no ToUnicode map"));
                }
                if kind == "Annot" {
                    annotations.push((*id, dict.clone()));
                }
                // 6.5 Actions: no JavaScript, no launching.
                for key in [b"JS".as_slice(), b"JavaScript", b"AA"] {
                    if dict.get(key).is_ok() {
                        fail(p, "6.5 actions", format!("object {id:?} carries /{}", String::from_utf8_lossy(key)));
                    }
                }
                if dict.get(b"S").is_ok_and(|s| ["JavaScript", "Launch", "ImportData", "ResetForm"].contains(&name(s).as_str())) {
                    fail(p, "6.5 actions", format!("object {id:?} is a forbidden action"));
                }
            }
            _ => {}
        }
    }
    annotations
}

fn intent(document: &Document, catalog: &Dictionary, p: &mut Vec<String>) {
    // 6.2.2 Output intent: one GTS_PDFA1 intent with an RGB display profile.
    let intents = catalog.get(b"OutputIntents").and_then(|i| document.dereference(i)).map(|(_, i)| i.clone());
    match intents {
        Ok(Object::Array(intents)) if intents.len() == 1 => {
            let intent = document.dereference(&intents[0]).unwrap().1.as_dict().unwrap().clone();
            if name(intent.get(b"S").unwrap()) != "GTS_PDFA1" || intent.get(b"OutputConditionIdentifier").is_err() {
                fail(p, "6.2.2 output intent", "not a GTS_PDFA1 intent with an output condition".into());
            }
            let profile = document.dereference(intent.get(b"DestOutputProfile").unwrap()).unwrap().1.as_stream().unwrap().clone();
            let icc = profile.decompressed_content().unwrap_or(profile.content.clone());
            if profile.dict.get(b"N").and_then(Object::as_i64).ok() != Some(3)
                || icc.len() < 132
                || &icc[12..24] != b"mntrRGB XYZ "
                || &icc[36..40] != b"acsp"
                || icc[8] > 4
            {
                fail(p, "6.2.2 output intent", "the destination profile is not an RGB display ICC profile".into());
            }
            if let Some(message) = little_cms(&icc) {
                println!("Little CMS: {message}");
                if !message.starts_with("ok") {
                    fail(p, "6.2.2 output intent", format!("Little CMS: {message}"));
                }
            }
        }
        other => fail(p, "6.2.2 output intent", format!("the catalog's OutputIntents is {other:?}")),
    }
}

fn colour(document: &Document, p: &mut Vec<String>) {
    // 6.2.4.3 Device colour spaces: only DeviceRGB (the intent's), set with rg/RG.
    let mut operators = BTreeSet::new();
    for page in document.get_pages().values() {
        let content = Content::decode(&document.get_page_content(*page)).unwrap();
        operators.extend(content.operations.iter().map(|op| op.operator.clone()));
    }
    for forbidden in ["k", "K", "g", "G", "cs", "CS", "sc", "SC", "scn", "SCN", "BI", "gs"] {
        if operators.contains(forbidden) {
            fail(p, "6.2.4.3 device colour", format!("a page uses the `{forbidden}` operator"));
        }
    }
}

fn check_annotations(document: &Document, catalog: &Dictionary, annotations: &[(lopdf::ObjectId, Dictionary)], p: &mut Vec<String>) {
    // 6.3.2 and 6.3.3 Annotations: allowed types, printed, visible, with a normal appearance.
    for (id, annotation) in annotations {
        let subtype = name(annotation.get(b"Subtype").unwrap_or(&Object::Null));
        if ["Sound", "Movie", "Screen", "3D", "RichMedia"].contains(&subtype.as_str()) {
            fail(p, "6.3.2 annotations", format!("{subtype} annotation {id:?}"));
        }
        let flags = annotation.get(b"F").and_then(Object::as_i64).unwrap_or(0);
        if flags & 4 == 0 || flags & (1 | 2 | 32 | 256) != 0 {
            fail(p, "6.3.3 annotations", format!("{subtype} annotation {id:?} has flags {flags}: it must print and be visible"));
        }
        let appearance = annotation.get(b"AP").and_then(|ap| document.dereference(ap)).and_then(|(_, ap)| ap.as_dict());
        match appearance {
            Ok(ap) if ap.get(b"N").is_ok() && ap.len() == 1 => {}
            _ => fail(p, "6.3.3 annotations", format!("{subtype} annotation {id:?} has no normal appearance (only /N)")),
        }
    }
    if let Ok(form) = catalog.get(b"AcroForm").and_then(|f| document.dereference(f)).and_then(|(_, f)| f.as_dict())
        && form.get(b"NeedAppearances").and_then(Object::as_bool).unwrap_or(false)
    {
        fail(p, "6.4.1 interactive forms", "NeedAppearances is true".into());
    }
}

fn metadata(document: &Document, catalog: &Dictionary, p: &mut Vec<String>) {
    // 6.6.2 Metadata: XMP in the catalog, with the PDF/A identification, an extension schema
    // for every property outside the predefined schemas, and the document information equal.
    let metadata = document.dereference(catalog.get(b"Metadata").unwrap()).unwrap().1.as_stream().unwrap().clone();
    if name(metadata.dict.get(b"Subtype").unwrap()) != "XML" {
        fail(p, "6.6.2.1 metadata", "the metadata stream is not XML".into());
    }
    let xmp = String::from_utf8(metadata.content.clone()).unwrap();
    if xmp_value(&xmp, "pdfaid:part").as_deref() != Some("3") || xmp_value(&xmp, "pdfaid:conformance").as_deref() != Some("B") {
        fail(p, "6.6.4 version identification", "the XMP does not say pdfaid:part 3, conformance B".into());
    }
    let used: BTreeSet<String> = xmp.match_indices("<preflight:").map(|(at, _)| xmp[at + 11..].split('>').next().unwrap().to_string()).collect();
    for property in &used {
        if !xmp.contains(&format!("<pdfaProperty:name>{property}</pdfaProperty:name>")) {
            fail(p, "6.6.2.3.1 extension schemas", format!("preflight:{property} is not described in the extension schema"));
        }
    }
    if !xmp.contains("<pdfaSchema:namespaceURI>urn:preflight:audit:1</pdfaSchema:namespaceURI>")
        || !xmp.contains("xmlns:preflight=\"urn:preflight:audit:1\"")
    {
        fail(p, "6.6.2.3.1 extension schemas", "the schema's namespace is not the one the properties use".into());
    }
    let info = document.dereference(document.trailer.get(b"Info").unwrap()).unwrap().1.as_dict().unwrap().clone();
    for (key, tag) in [
        ("Title", "dc:title"),
        ("Author", "dc:creator"),
        ("Subject", "dc:description"),
        ("Keywords", "pdf:Keywords"),
        ("Creator", "xmp:CreatorTool"),
        ("Producer", "pdf:Producer"),
        ("Trapped", "pdf:Trapped"),
    ] {
        let in_info = text(document, &info, key.as_bytes()).or_else(|| info.get(key.as_bytes()).ok().map(name));
        if in_info != xmp_value(&xmp, tag) {
            fail(p, "6.6.3 document information", format!("{key} {in_info:?} differs from {tag} {:?}", xmp_value(&xmp, tag)));
        }
    }
    for (key, tag) in [("CreationDate", "xmp:CreateDate"), ("ModDate", "xmp:ModifyDate")] {
        let (in_info, in_xmp) = (text(document, &info, key.as_bytes()).unwrap_or_default(), xmp_value(&xmp, tag).unwrap_or_default());
        if !same_date(&in_info, &in_xmp) {
            fail(p, "6.6.3 document information", format!("{key} {in_info} is not {tag} {in_xmp}"));
        }
    }
}

fn embedded(document: &Document, catalog: &Dictionary, p: &mut Vec<String>) {
    // 6.8 Embedded files: a MIME type, a modification date, a relationship, listed in /AF.
    let af: Vec<Object> = catalog.get(b"AF").and_then(Object::as_array).cloned().unwrap_or_default();
    if af.is_empty() {
        fail(p, "6.8 embedded files", "the catalog's /AF lists no associated file".into());
    }
    for reference in af {
        let filespec = document.dereference(&reference).unwrap().1.as_dict().unwrap().clone();
        if name(filespec.get(b"AFRelationship").unwrap_or(&Object::Null)) != "Source" || filespec.get(b"UF").is_err() || filespec.get(b"F").is_err() {
            fail(p, "6.8 embedded files", "the file specification lacks /AFRelationship /Source, /F or /UF".into());
        }
        let ef = filespec.get(b"EF").unwrap().as_dict().unwrap();
        let file = document.dereference(ef.get(b"F").unwrap()).unwrap().1.as_stream().unwrap();
        let mime = name(file.dict.get(b"Subtype").unwrap_or(&Object::Null));
        if !mime.contains('/') {
            fail(p, "6.8 embedded files", format!("the embedded file's MIME type is {mime:?}"));
        }
        if file.dict.get(b"Params").and_then(Object::as_dict).and_then(|p| p.get(b"ModDate")).is_err() {
            fail(p, "6.8 embedded files", "the embedded file has no /Params /ModDate".into());
        }
    }
}

/// Reads the profile with Little CMS through Pillow and maps colours through it to Little CMS's
/// own sRGB; None when Pillow is not installed.
fn little_cms(icc: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.icc");
    std::fs::write(&path, icc).unwrap();
    let script = r#"
import sys
try:
    from PIL import ImageCms, Image
except ImportError:
    print("SKIP"); sys.exit(0)
p = ImageCms.ImageCmsProfile(sys.argv[1])
t = ImageCms.buildTransform(p, ImageCms.createProfile("sRGB"), "RGB", "RGB")
img = Image.new("RGB", (3, 1)); img.putpixel((0, 0), (0, 0, 0)); img.putpixel((1, 0), (255, 255, 255)); img.putpixel((2, 0), (200, 30, 30))
out = ImageCms.applyTransform(img, t)
px = [out.getpixel((i, 0)) for i in range(3)]
ok = all(abs(a - b) <= 1 for got, want in zip(px, [(0, 0, 0), (255, 255, 255), (200, 30, 30)]) for a, b in zip(got, want))
print(("ok: " if ok else "differs: ") + ImageCms.getProfileDescription(p).strip() + " maps to " + str(px))
"#;
    let output = Command::new("python3").arg("-c").arg(script).arg(&path).output().ok()?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if printed == "SKIP" || printed.is_empty() {
        println!("SKIPPED: Pillow (pip install pillow) is not installed, so Little CMS did not read the ICC profile");
        return None;
    }
    Some(printed)
}

#[test]
fn every_seed_record_meets_each_pdfa_3b_clause_checked_here() {
    for seed in runs::SEEDS {
        let run = runs::signed_run(runs::seed_template(seed), seed);
        let rendered = runs::render(&run, &options());
        let problems = pdfa_problems(&rendered.bytes);
        assert!(problems.is_empty(), "{seed}:\n{}", problems.join("\n"));
    }
}

#[test]
fn the_clause_checks_catch_what_they_look_for() {
    let run = runs::signed_run(runs::seed_template("prismai-platform"), "prismai-platform");
    let bytes = runs::render(&run, &options()).bytes;
    let mut document = Document::load_mem(&bytes).unwrap();
    // Drop the output intent and the PDF/A identification, make an annotation hidden.
    document.catalog_mut().unwrap().remove(b"OutputIntents");
    let metadata = document.catalog().unwrap().get(b"Metadata").unwrap().as_reference().unwrap();
    let stream = document.get_object_mut(metadata).unwrap().as_stream_mut().unwrap();
    let xmp = String::from_utf8(stream.content.clone()).unwrap().replace("<pdfaid:part>3</pdfaid:part>", "");
    stream.set_content(xmp.into_bytes());
    let annotation = document
        .objects
        .iter()
        .find(|(_, o)| o.as_dict().is_ok_and(|d| d.get(b"Subtype").is_ok_and(|s| name(s) == "Widget")))
        .map(|(id, _)| *id)
        .unwrap();
    document.get_object_mut(annotation).unwrap().as_dict_mut().unwrap().set("F", Object::Integer(2));
    let mut broken = Vec::new();
    document.save_to(&mut broken).unwrap();
    let problems = pdfa_problems(&broken).join("\n");
    for clause in ["6.2.2 output intent", "6.6.4 version identification", "6.3.3 annotations"] {
        assert!(problems.contains(clause), "{clause} not caught:\n{problems}");
    }
}

#[test]
fn a_certified_record_is_still_pdfa() {
    let run = runs::signed_run(runs::seed_template("persona-chat-service"), "persona-chat-service");
    let bytes = runs::render(&run, &options()).bytes;
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let identity = preflight::signoff::Identity { name: "Rita Release".into(), ..Default::default() };
    let certificate = preflight::signoff::cert::self_signed(&key, &identity, options().generated_at, [1; 16]).unwrap();
    struct Signer(p256::ecdsa::SigningKey, Vec<u8>);
    impl preflight::pdf::CmsSigner for Signer {
        fn sign_cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String> {
            preflight::signoff::cms::sign_detached(&self.0, &self.1, &[], digest).map_err(|e| e.to_string())
        }
    }
    let request = preflight::pdf::PdfSignRequest {
        field: preflight::pdf::CERTIFICATION_FIELD.into(),
        certify: true,
        name: "Rita Release".into(),
        reason: "test".into(),
        at: options().generated_at,
        fingerprint: preflight::signoff::fingerprint(&preflight::model::to_hex(key.verifying_key().to_encoded_point(true).as_bytes())),
    };
    let signed = preflight::pdf::sign(&bytes, &request, &Signer(key.clone(), certificate)).unwrap();
    let problems = pdfa_problems(&signed);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // 6.4.3 Digital signatures: a detached CMS whose byte range leaves out only /Contents.
    let revisions = preflight::pdf::check_signatures(&signed).unwrap();
    assert!(revisions.problems.is_empty(), "{:?}", revisions.problems);
    assert_eq!(revisions.signatures[0].sub_filter, "ETSI.CAdES.detached");
    assert!(revisions.signatures[0].check.is_ok() && revisions.signatures[0].covers_whole_file);
}
