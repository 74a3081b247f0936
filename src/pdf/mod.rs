//! The PDF audit record of a run: what leaves the laptop for the change ticket, the auditor and
//! the archive.
//!
//! [`render`] sets a [`Record`] (the run, its verification report and its file, which the caller
//! makes) on A4 or US Letter with embedded, subset fonts: identity, the
//! GO / NO-GO summary, every item with its evidence, the sign-off page with the drawn
//! signatures, the audit trail and an integrity page. The run file itself is attached, so that
//! [`extract`] (and `preflight verify FILE.pdf`) can check the PDF alone, years later. The same
//! run and the same clock give byte-identical output. Nothing here reads a file: characters the
//! bundled fonts lack come from the [`FontFallback`] the caller passes.

mod appearance;
mod approve;
mod checklist;
mod compare;
mod document;
mod embed;
mod extract;
mod fonts;
mod icc;
mod inline;
mod page;
mod shape;
mod sign;
mod signatures;
mod signoff_page;
mod summary;
mod table;
mod text;
mod trail;

use std::str::FromStr;

use printpdf::{FontId, ParsedFont, PdfDocument, PdfFont, PdfPage, PdfSaveOptions, Pt};

use crate::model::{Run, Timestamp};
use crate::signoff::Report;

pub use approve::{CheckedRecord, Countersigned, certify, countersign, role_titles, roles_signed_with};
pub use compare::{Generation, PageCheck, check_pages, generation, revisions};
pub use extract::extract;
pub use fonts::{BundledOnly, FontFallback, cjk_font_data, script_fonts};
pub use page::SIGNATURE_TAG;
pub use sign::{CmsSigner, PdfSignRequest, sign};
pub use signatures::{PdfSignature, SignatureRevisions, check_signatures};
pub use signoff_page::role_field_name;
/// The name of the signature field that the certification fills.
pub const CERTIFICATION_FIELD: &str = signoff_page::CERTIFICATION_FIELD;

/// The paper an audit record is set on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Paper {
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    pub const ALL: [Paper; 2] = [Paper::A4, Paper::Letter];

    /// Width and height in points.
    pub fn size_pt(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "US Letter",
        }
    }

    /// The word the command line and the PDF's document information use: `a4`, `letter`.
    pub fn key(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }
}

impl FromStr for Paper {
    type Err = String;

    fn from_str(text: &str) -> Result<Paper, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" | "us-letter" | "usletter" => Ok(Paper::Letter),
            other => Err(format!("unknown paper `{other}`; use `a4` or `letter`")),
        }
    }
}

/// How to render. The clock is passed in, so that the same run and the same `generated_at` give
/// the same bytes.
pub struct PdfOptions {
    pub paper: Paper,
    /// Printed on the first page and stored as the creation date.
    pub generated_at: Timestamp,
    /// Called now and then with the fraction done, 0.0 to 1.0.
    pub progress: Option<Box<dyn Fn(f32) + Send + Sync>>,
}

impl PdfOptions {
    pub fn new(paper: Paper, generated_at: Timestamp) -> PdfOptions {
        PdfOptions { paper, generated_at, progress: None }
    }

    fn report(&self, fraction: f32) {
        if let Some(progress) = &self.progress {
            progress(fraction.clamp(0.0, 1.0));
        }
    }
}

/// A rendered audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: usize,
    /// What the reader should know: characters no font covers (printed as `[U+XXXX]`),
    /// characters drawn from a system font.
    pub warnings: Vec<String>,
    /// The characters no font covers, printed as a visible `[U+XXXX]` instead.
    pub missing: Vec<char>,
}

/// What an audit record carries for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedded {
    /// The attachment's file name, `<run id>.run.ron`.
    pub file_name: String,
    /// The run file as `store` saves it.
    pub run_file: Vec<u8>,
    /// The run content hash as printed on the integrity page, read back from the page text.
    pub printed_content_sha256: Option<String>,
    /// The event chain head as printed: it covers the signatures and the whole log.
    pub printed_chain_head: Option<String>,
    /// The SHA-256 of the attached file as printed.
    pub printed_file_sha256: Option<String>,
}

/// The labels on the integrity page in front of the values verification reads back.
pub(crate) const HASH_LABEL: &str = "Run content SHA-256:";
pub(crate) const CHAIN_LABEL: &str = "Event chain head:";
pub(crate) const FILE_LABEL: &str = "Attached run file SHA-256:";

impl Embedded {
    /// What printed on the PDF disagrees with the attached run, or could not be read: an
    /// attachment swapped for another run, or changed, shows here even when that run verifies
    /// on its own. Empty when the printed record and the attachment are the same run.
    pub fn mismatches(&self, run: &Run) -> Vec<String> {
        let actual_head = run.events.last().map_or_else(|| "(no events)".to_string(), |e| e.hash.clone());
        let checks = [
            ("run content SHA-256", &self.printed_content_sha256, run.content_sha256()),
            ("event chain head", &self.printed_chain_head, actual_head),
            ("attached run file SHA-256", &self.printed_file_sha256, crate::model::sha256_hex(&self.run_file)),
        ];
        checks
            .into_iter()
            .filter_map(|(what, printed, actual)| match printed {
                None => Some(format!("the {what} printed on the integrity page cannot be read")),
                Some(printed) if *printed != actual => Some(format!("the printed {what} {printed} is not the attached run's {actual}")),
                Some(_) => None,
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font {name} cannot be read: {reason}")]
    Font { name: String, reason: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
    #[error("this is not a readable PDF: {0}")]
    NotPdf(String),
    #[error("this PDF carries no Preflight run file; it was not exported by Preflight, or its attachment was removed")]
    NoEmbeddedRun,
    #[error("the embedded run file cannot be read: {0}")]
    BadAttachment(String),
    #[error("the hash printed on the integrity page ({printed}) differs from the one in the document information ({stored}); the PDF was altered")]
    HashesDisagree { printed: String, stored: String },
    #[error("cannot sign the PDF: {0}")]
    Sign(String),
    #[error("the record was altered after export or does not verify: {}", .0.join("; "))]
    Altered(Vec<String>),
    #[error("the file attachment on page {page} holds another file than the attached run {name}; the PDF was altered")]
    AttachmentsDisagree { page: u32, name: String },
}

impl PdfError {
    /// Whether the PDF reads but shows signs of being altered after export, which verification
    /// reports as a failed check rather than an unreadable file.
    pub fn is_tampering(&self) -> bool {
        matches!(self, PdfError::HashesDisagree { .. } | PdfError::AttachmentsDisagree { .. } | PdfError::Altered(_))
    }
}

/// The name of the run file attached to the PDF.
pub fn attachment_name(run: &Run) -> String {
    let id: String = run.id.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '-' }).collect();
    format!("{id}{}", crate::store::RUN_EXTENSION)
}

/// What an audit record is made of: the run, its verification (made once by the caller, so that
/// the caller can act on it too) and the run file as saved, which is attached.
pub struct Record<'a> {
    pub run: &'a Run,
    pub report: &'a Report,
    /// The run file as `store::run_ron` writes it.
    pub run_file: &'a [u8],
}

/// Renders the audit record, with its page count and warnings. `fallback` supplies a font for
/// characters the bundled fonts lack.
pub fn render(record: &Record<'_>, fallback: &dyn FontFallback, options: &PdfOptions) -> Result<Rendered, PdfError> {
    let Record { run, report, run_file } = *record;
    options.report(0.0);
    let content_sha256 = report.content_sha256.clone();
    let mut writer = page::Writer::new(fonts::Fonts::new(fallback)?, options.paper);
    let attachment = document::Attachment { name: attachment_name(run), size: run_file.len(), sha256: crate::model::sha256_hex(run_file) };
    let marks = document::write(&mut writer, run, report, options, &attachment);
    options.report(0.75);
    let footer = format!("Run {} · content SHA-256 {}", run.id, &content_sha256[..12.min(content_sha256.len())]);
    let (width, height) = options.paper.size_pt();
    let (pages, fonts) = writer.finish(&footer);
    let page_count = pages.len();

    let mut pdf = PdfDocument::new(&run.template.title);
    for face in fonts.faces.iter().filter(|face| face.used) {
        let mut font_warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(face.data, face.index as usize, &mut font_warnings)
            .ok_or_else(|| PdfError::Font { name: face.resource.clone(), reason: "printpdf cannot parse it".into() })?;
        pdf.resources.fonts.map.insert(FontId(face.resource.clone()), PdfFont::new(parsed));
    }
    let pages = pages.into_iter().map(|ops| PdfPage::new(Pt(width).into(), Pt(height).into(), ops)).collect();
    pdf.with_pages(pages);
    let mut save_warnings = Vec::new();
    let mut document = pdf.to_lopdf_document(&PdfSaveOptions::default(), &mut save_warnings);
    options.report(0.9);
    embed::finish(&mut document, run, options, &content_sha256, &attachment.name, run_file, &marks);
    document.compress();
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).map_err(|err| PdfError::Write(err.to_string()))?;
    options.report(1.0);

    let mut warnings: Vec<String> = fonts
        .missing
        .iter()
        .map(|(c, count)| format!("no font has U+{:04X} `{c}` ({count}×); it is printed as [U+{:04X}]", u32::from(*c), u32::from(*c)))
        .collect();
    warnings
        .extend(fonts.system_used.iter().map(|(c, path)| format!("U+{:04X} `{c}` is drawn from the system font {}", u32::from(*c), path.display())));
    if !report.is_valid() {
        warnings.push("the run does not verify; the PDF says so on its sign-off and integrity pages".into());
    }
    let missing = fonts.missing.keys().copied().collect();
    Ok(Rendered { bytes, pages: page_count, warnings, missing })
}
