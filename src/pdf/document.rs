//! The audit record's parts in their order, with the first (identity) and last (integrity)
//! written here: identity, summary, checklist, sign-off, audit trail, integrity.

use crate::model::{FieldKind, FieldValue, Run, Timestamp};
use crate::signoff::Report;

use super::PdfOptions;
use super::fonts::Weight;
use super::page::Writer;
use super::table::{Row, column};
use super::text::{BAD, BODY, CELL, CELL_BOLD, CELL_MONO, CELL_MUTED, GOOD, H1, MUTED, Paragraph, SMALL, Span, Style, TITLE};

/// The run file as attached to the PDF.
pub(crate) struct Attachment {
    pub name: String,
    pub size: usize,
    pub sha256: String,
}

/// Where the integrity page invites the reader to open the attached run: the page's index and
/// the box of the paragraph that says so, in PDF coordinates. A paperclip annotation goes at its
/// left edge.
pub(crate) struct AttachmentMark {
    pub page: usize,
    pub rect: [f32; 4],
}

/// Where annotations go once the pages are set: the paperclip and the signature fields.
pub(crate) struct Marks {
    pub attachment: AttachmentMark,
    pub fields: Vec<super::signoff_page::FieldMark>,
}

/// The room left of the attachment paragraph for the reader's paperclip icon.
const CLIP_INDENT: f32 = 22.0;

/// Writes every part of the record.
pub(crate) fn write(writer: &mut Writer, run: &Run, report: &Report, options: &PdfOptions, attachment: &Attachment) -> Marks {
    identity(writer, run, options);
    super::summary::write(writer, run, report);
    options.report(0.05);
    super::checklist::write(writer, run, &|fraction| options.report(0.05 + 0.45 * fraction));
    let fields = super::signoff_page::write(writer, run, report);
    options.report(0.55);
    super::trail::write(writer, run, &|fraction| options.report(0.55 + 0.2 * fraction));
    Marks { attachment: integrity(writer, run, report, attachment), fields }
}

/// A time for a narrow table column: date and time, then the offset, with spaces between so
/// that the line breaks there rather than inside the time.
pub(crate) fn table_time(at: Timestamp) -> String {
    at.as_datetime().format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string()
}

pub(crate) fn heading(writer: &mut Writer, text: &str, style: Style) {
    writer.gap(style.size * 0.9);
    // Keep a heading with at least a few lines of what follows it.
    writer.ensure(style.size * 1.4 + 48.0);
    writer.paragraph(&Paragraph::plain(text, style));
    writer.advance(3.0);
}

/// A two-column property table.
pub(crate) fn properties(writer: &mut Writer, rows: Vec<(&str, Vec<Span>)>) {
    let rows = rows.into_iter().map(|(label, value)| Row::new(vec![vec![Paragraph::plain(label, CELL_BOLD)], vec![Paragraph::new(value)]]));
    writer.table(&[column("Property", 0.28), column("Value", 0.72)], rows);
}

fn identity(writer: &mut Writer, run: &Run, options: &PdfOptions) {
    let template = &run.template;
    writer.paragraph(&Paragraph::plain("Preflight audit record", Style::new(Weight::Bold, 9.0, MUTED)));
    writer.advance(2.0);
    writer.paragraph(&Paragraph::plain(&template.title, TITLE));
    if !template.description.trim().is_empty() {
        writer.advance(2.0);
        writer.paragraph(&Paragraph::new(super::inline::markdown_spans(template.description.trim(), BODY.with_colour(MUTED))));
    }
    writer.advance(8.0);
    let text = |value: &str| vec![Span::new(value, CELL)];
    let mono = |value: &str| vec![Span::new(value, CELL_MONO)];
    let version = if template.version.is_empty() { "(no version)".to_string() } else { template.version.clone() };
    let mut rows = vec![
        ("Checklist", text(&format!("{} — version {version}", template.title))),
        ("Template id", mono(&template.id)),
        ("Template SHA-256", mono(&run.template_sha256)),
        ("Run id", mono(&run.id)),
        ("Started", text(&format!("{} by {}", run.created_at, run.created_by))),
    ];
    let mut tables = Vec::new();
    for field in &template.fields {
        let value = match (run.fields.get(&field.id), &field.kind) {
            (Some(FieldValue::Table(cells)), FieldKind::Table { columns }) => {
                tables.push((field.label.clone(), columns.clone(), cells.clone()));
                vec![Span::new("(table below)", CELL_MUTED)]
            }
            (Some(value), FieldKind::Number { unit }) if !unit.is_empty() => text(&format!("{value} {unit}")),
            (Some(value), _) => text(&value.to_string()),
            (None, _) if field.required => vec![Span::new("(not filled; required)", CELL.with_colour(BAD))],
            (None, _) => vec![Span::new("(not filled)", CELL_MUTED)],
        };
        rows.push((field.label.as_str(), value));
    }
    let finalised = match &run.finalised {
        Some(final_) => text(&format!("finalised by {} at {}", final_.by, final_.at)),
        None => text("not finalised: the run may still change"),
    };
    rows.push(("Run status", finalised));
    rows.push(("Generated at", text(&options.generated_at.to_string())));
    rows.push(("Generated by", text(&format!("Preflight {} on {} paper", env!("CARGO_PKG_VERSION"), options.paper.name()))));
    properties(writer, rows);
    for (label, columns, cells) in tables {
        heading(writer, &label, super::text::H3);
        let share = 1.0 / columns.len().max(1) as f32;
        let columns: Vec<_> = columns.iter().map(|title| column(title, share)).collect();
        let rows = cells.iter().map(|row| Row::new(row.iter().map(|cell| vec![Paragraph::plain(cell, CELL)]).collect()));
        writer.table(&columns, rows);
    }
}

fn integrity(writer: &mut Writer, run: &Run, report: &Report, attachment: &Attachment) -> AttachmentMark {
    writer.new_page();
    writer.paragraph(&Paragraph::plain("Integrity", H1));
    writer.advance(6.0);
    // The three values `preflight verify FILE.pdf` reads back from this page and compares with
    // the attached run: its content, its whole log (signatures included) and its exact bytes.
    let head = report.chain_head.as_deref().unwrap_or("(no events)");
    for (label, value) in
        [(super::HASH_LABEL, report.content_sha256.as_str()), (super::CHAIN_LABEL, head), (super::FILE_LABEL, attachment.sha256.as_str())]
    {
        writer.paragraph(&Paragraph::new(vec![Span::new(format!("{label} "), CELL_BOLD), Span::new(value, CELL_MONO)]));
        writer.advance(3.0);
    }
    writer.advance(3.0);
    let chain = match (&report.chain_head, report.problems.is_empty()) {
        (Some(_), true) => vec![Span::new(format!("{} events, chain intact", report.events), CELL)],
        (Some(_), false) => vec![Span::new(format!("{} events, NOT intact", report.events), CELL.with_colour(BAD))],
        (None, _) => vec![Span::new("(no events)", CELL.with_colour(BAD))],
    };
    let valid = report.signatures.iter().filter(|s| !s.superseded && s.status.is_valid()).count();
    let current = report.signatures.iter().filter(|s| !s.superseded).count();
    let verdict = if report.is_valid() {
        vec![Span::new("the run file verifies: chain intact, every signature record bound to the log", CELL.with_colour(GOOD))]
    } else {
        let mut spans = vec![Span::new("the run file does NOT verify: ", CELL_BOLD.with_colour(BAD))];
        let mut problems = report.problems.clone();
        problems.extend(report.signatures.iter().filter(|s| s.fails()).map(|s| s.line()));
        spans.push(Span::new(problems.join("; "), CELL.with_colour(BAD)));
        spans
    };
    let mut rows = vec![
        ("Event log", chain),
        ("Template SHA-256", vec![Span::new(&run.template_sha256, CELL_MONO)]),
        ("Signatures", vec![Span::new(format!("{valid} of {current} current signatures valid ({} made in all)", report.signatures.len()), CELL)]),
        ("Check at export", verdict),
        (
            "Embedded run file",
            vec![Span::new(&attachment.name, CELL_MONO), Span::new(format!(" ({} bytes), attached to this PDF", attachment.size), CELL)],
        ),
    ];
    if !report.forks.is_empty() {
        rows.push(("Merges", vec![Span::new(report.forks.join("; "), CELL)]));
    }
    if !report.warnings.is_empty() {
        rows.push(("Warnings", vec![Span::new(report.warnings.join("; "), CELL.with_colour(BAD))]));
    }
    properties(writer, rows);
    super::document::heading(writer, "How to verify", super::text::H2);
    let steps = [
        vec![Span::new("Run ", BODY), Span::new("preflight verify FILE.pdf", BODY.with_weight(Weight::Mono)), Span::new(".", BODY)],
        vec![Span::new(
            "It extracts the attached run file, checks its event chain and every signature with its key, and checks that its content \
             hash, event chain head and file hash equal the ones printed above; it renders the pages again from the run and compares them \
             with these, and checks every PDF signature. Any change to the run after this PDF was made, to the attachment or to a page \
             fails the check. Without Preflight, any PDF reader (Acrobat, Okular, poppler's pdfsig, pyHanko) checks the PDF signatures.",
            BODY,
        )],
    ];
    for spans in steps {
        writer.paragraph(&Paragraph::new(spans));
        writer.advance(4.0);
    }
    let (page, rect) = writer.indented_paragraph(
        &Paragraph::new(vec![
            Span::new("The run file ", BODY),
            Span::new(&attachment.name, BODY.with_weight(Weight::Mono)),
            Span::new(
                " is attached here (the paperclip) and in the reader's attachments panel. Saved from either and opened in \
                 Preflight, it shows the run exactly as it was signed.",
                BODY,
            ),
        ]),
        CLIP_INDENT,
    );
    writer.advance(4.0);
    writer.paragraph(&Paragraph::plain("Every page carries the run id and the first 12 characters of the content hash in its footer.", SMALL));
    AttachmentMark { page, rect }
}
