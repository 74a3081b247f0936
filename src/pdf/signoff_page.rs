//! The sign-off page: for every role, who signed, meaning what, when, the drawn signature as
//! vector strokes, the key fingerprint, whether the signature still holds (and if not, which
//! change broke it), and what the signer waived; unsigned roles are shown unsigned. Below them,
//! the boxes of the PDF signature fields: the certification and one approval per role, which
//! `preflight export --key` and `preflight countersign` fill and any PDF reader validates.

use crate::model::{Role, Run, Signature, SignatureStatus};
use crate::signoff::{KeyCheck, Report, SignatureCheck, SignerNote, signer_notes};

use super::document::heading;
use super::page::{SIGNATURE_TAG, Writer};
use super::text::{self, BAD, BODY, CELL, CELL_BOLD, CELL_MONO, CELL_MUTED, Colour, GOOD, H1, H3, INK, MUTED, Paragraph, SMALL, Span, WARN};

const BOX_WIDTH: f32 = 180.0;
/// The signature pad is three times as wide as it is high; the box keeps its proportions.
const BOX_HEIGHT: f32 = 60.0;
const PEN: f32 = 1.1;
const BOX_LINE: Colour = Colour(0.7, 0.72, 0.76);

/// The size of a PDF signature box; the reader draws the signer's appearance in it.
pub(crate) const FIELD_HEIGHT: f32 = 52.0;
/// The name of the field the certification signature fills.
pub(crate) const CERTIFICATION_FIELD: &str = "certification";

/// Where a PDF signature field goes: its name (`certification`, `role-<role id>`), what it is
/// for, and its box.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldMark {
    pub name: String,
    pub label: String,
    pub page: usize,
    pub rect: [f32; 4],
}

/// The name of the PDF signature field of a role. Field names may not hold a period (it
/// separates a field's parent from its child), so anything but letters, digits, `-` and `_`
/// becomes `-`.
pub fn role_field_name(role_id: &str) -> String {
    let id: String = role_id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_".contains(c) { c } else { '-' }).collect();
    format!("role-{id}")
}

pub(crate) fn write(writer: &mut Writer, run: &Run, report: &Report) -> Vec<FieldMark> {
    writer.new_page();
    heading(writer, "Sign-off", H1);
    let roles = run.roles();
    // The run's content is hashed once here (the report has it), not once per role.
    let current = report.content_sha256.as_str();
    let signed = roles.iter().filter(|role| run.role_signature_against(&role.id, current).is_some_and(|(_, _, status)| status.is_valid())).count();
    writer
        .paragraph(&Paragraph::plain(format!("{signed} of {} role(s) hold a valid signature. Times are UTC with their offset.", roles.len()), BODY));
    writer.advance(6.0);
    let notes = signer_notes(run);
    for role in &roles {
        let notes: Vec<&SignerNote> = notes.iter().filter(|note| note.role == role.id).collect();
        role_block(writer, run, report, role, &notes);
    }
    let others: Vec<usize> = (0..run.signatures.len()).filter(|&i| !roles.iter().any(|role| role.id == run.signatures[i].role)).collect();
    if !others.is_empty() {
        heading(writer, "Signatures for roles the checklist no longer has", H3);
        for index in others {
            let lines = signature_paragraphs(&run.signatures[index], &report.signatures[index]);
            for paragraph in lines {
                writer.paragraph(&paragraph);
            }
            writer.advance(6.0);
        }
    }
    signature_fields(writer, &roles)
}

/// The boxes of the PDF signature fields, two to a row. They are empty in the record as
/// exported; a PDF signature draws its appearance into one as an incremental update.
fn signature_fields(writer: &mut Writer, roles: &[Role]) -> Vec<FieldMark> {
    let intro = Paragraph::plain(
        "Boxes that any PDF reader validates (Acrobat, Okular, poppler's pdfsig, pyHanko): the certification, added when the record \
         is exported with a key, and one approval per role, added with `preflight countersign`. An empty box is not signed.",
        CELL_MUTED,
    );
    let intro_lines = writer.wrap(&intro, writer.content_width());
    writer.ensure(24.0 + text::height(&intro_lines) + FIELD_HEIGHT + 20.0);
    heading(writer, "PDF signatures", H3);
    writer.paragraph(&intro);
    writer.advance(6.0);
    let mut fields = vec![(CERTIFICATION_FIELD.to_string(), "Certification of this record".to_string())];
    fields.extend(roles.iter().map(|role| (role_field_name(&role.id), format!("Approval: {}", role.title))));
    let gap = 16.0;
    let width = (writer.content_width() - gap) / 2.0;
    let mut marks = Vec::new();
    for pair in fields.chunks(2) {
        let labels: Vec<_> = pair.iter().map(|(_, label)| writer.wrap(&Paragraph::plain(label, CELL_BOLD), width)).collect();
        let label_height = labels.iter().map(|lines| text::height(lines)).fold(0.0, f32::max);
        writer.ensure(label_height + 2.0 + FIELD_HEIGHT + 10.0);
        let top = writer.y();
        for (column, ((name, label), lines)) in pair.iter().zip(&labels).enumerate() {
            let left = writer.left() + column as f32 * (width + gap);
            let mut y = top;
            for line in lines {
                writer.draw_line(line, left, y);
                y += line.height;
            }
            let box_top = top + label_height + 2.0;
            writer.stroke_rect(left, box_top, width, FIELD_HEIGHT, BOX_LINE, 0.6);
            let (page, rect) = writer.pdf_rect(left, box_top, width, FIELD_HEIGHT);
            marks.push(FieldMark { name: name.clone(), label: label.clone(), page, rect });
        }
        writer.advance(label_height + 2.0 + FIELD_HEIGHT + 10.0);
    }
    marks
}

fn role_block(writer: &mut Writer, run: &Run, report: &Report, role: &Role, notes: &[&SignerNote]) {
    let mut rules = vec![if role.required { "required" } else { "optional" }.to_string()];
    if role.require_key {
        rules.push("needs a key".into());
    }
    let apart: Vec<String> = run
        .roles()
        .into_iter()
        .filter(|other| other.id != role.id && (role.separate_from.contains(&other.id) || other.separate_from.contains(&role.id)))
        .map(|other| other.title)
        .collect();
    if !apart.is_empty() {
        rules.push(format!("another person than {}", apart.join(", ")));
    }
    let mut paragraphs = vec![Paragraph::new(vec![Span::new(&role.title, H3), Span::new(format!("  ({})", rules.join("; ")), CELL_MUTED)])];
    for note in notes {
        let (label, style) = if note.breach { ("BREACH: ", CELL_BOLD.with_colour(BAD)) } else { ("Note: ", CELL_BOLD.with_colour(WARN)) };
        paragraphs.push(Paragraph::new(vec![Span::new(label, style), Span::new(&note.text, CELL)]));
    }
    let current = run.role_signature_against(&role.id, &report.content_sha256);
    match current {
        Some((index, signature, _)) => paragraphs.extend(signature_paragraphs(signature, &report.signatures[index])),
        None => paragraphs.push(Paragraph::plain("Not signed.", CELL_BOLD.with_colour(BAD))),
    }
    for check in report.signatures.iter().filter(|check| check.superseded && run.signatures[check.index].role == role.id) {
        paragraphs.push(Paragraph::plain(
            format!("Earlier signature by {} at {}, replaced by a later one; it was {}.", check.name, check.at, check.status),
            CELL_MUTED,
        ));
    }
    let text_width = writer.content_width() - BOX_WIDTH - 16.0;
    let lines: Vec<_> = paragraphs.iter().flat_map(|p| writer.wrap(p, text_width)).collect();
    let caption = match current {
        Some((_, signature, _)) => format!("Drawn by {}", signature.name),
        None => "unsigned".to_string(),
    };
    let caption_lines = writer.wrap(&Paragraph::plain(caption, SMALL), BOX_WIDTH);
    let box_part = BOX_HEIGHT + 4.0 + text::height(&caption_lines);
    let height = text::height(&lines).max(box_part) + 14.0;
    writer.ensure(height.min(writer.page_capacity()));
    let top = writer.y();
    let left = writer.left();
    let box_left = left + writer.content_width() - BOX_WIDTH;
    writer.stroke_rect(box_left, top, BOX_WIDTH, BOX_HEIGHT, BOX_LINE, 0.6);
    if let Some((_, signature, _)) = current {
        draw_strokes(writer, signature, box_left, top);
    }
    let mut caption_y = top + BOX_HEIGHT + 3.0;
    for line in &caption_lines {
        writer.draw_line(line, box_left, caption_y);
        caption_y += line.height;
    }
    if height <= writer.page_capacity() {
        let mut y = top;
        for line in &lines {
            writer.draw_line(line, left, y);
            y += line.height;
        }
        writer.advance(y.max(caption_y) - top + 8.0);
    } else {
        // Taller than a page (a very long attestation): the text goes under the box, full
        // width, and breaks across pages.
        writer.advance(box_part + 6.0);
        for paragraph in &paragraphs {
            writer.paragraph(paragraph);
        }
        writer.advance(8.0);
    }
    let rule_top = writer.y();
    writer.hline(left, rule_top, writer.content_width(), BOX_LINE, 0.4);
    writer.advance(8.0);
}

/// One stroked path per pen stroke, inside a marked-content section so that the strokes can be
/// told from the box and the rules. Points are clamped to the pad, so nothing leaves the box.
fn draw_strokes(writer: &mut Writer, signature: &Signature, box_left: f32, box_top: f32) {
    writer.begin_marked(SIGNATURE_TAG);
    writer.round_pen();
    for stroke in signature.strokes.iter().filter(|stroke| !stroke.points.is_empty()) {
        let mut points: Vec<(f32, f32)> =
            stroke.points.iter().map(|[x, y]| (box_left + x.clamp(0.0, 1.0) * BOX_WIDTH, box_top + y.clamp(0.0, 1.0) * BOX_HEIGHT)).collect();
        if points.len() == 1 {
            // A dot: a path needs two points to be drawn; with round caps this prints a dot.
            points.push((points[0].0 + 0.01, points[0].1));
        }
        writer.polyline(&points, INK, PEN);
    }
    writer.end_marked();
}

/// How many of the blockers a signer saw the page lists before "and N more".
const SEEN_BLOCKERS_LISTED: usize = 10;

/// The verdict a signature recorded. A role's current signature lists the blockers its signer
/// saw, worked out from the log, and so does an older signature that kept its list; an earlier
/// signature, replaced since, gives their number, as do blockers the log does not give back as
/// recorded (`verify` warns of those).
fn at_signing(signature: &Signature, check: &SignatureCheck) -> Vec<Span> {
    if signature.go {
        return vec![Span::new("GO", CELL_BOLD.with_colour(GOOD))];
    }
    let count = signature.blocker_count();
    let lines = match &check.seen {
        Some(seen) if seen.recorded => Some(&seen.lines),
        None if !signature.blockers.is_empty() => Some(&signature.blockers),
        _ => None,
    };
    let detail = match lines {
        Some(lines) => {
            let mut listed = lines.iter().take(SEEN_BLOCKERS_LISTED).cloned().collect::<Vec<_>>().join("; ");
            if count > SEEN_BLOCKERS_LISTED {
                listed.push_str(&format!("; and {} more", count - SEEN_BLOCKERS_LISTED));
            }
            format!(": {listed}")
        }
        None => format!(", {count} blocker(s)"),
    };
    // Blockers name items by their text, which is inline Markdown: printed as text, not source.
    let mut spans = vec![Span::new("NO-GO", CELL_BOLD.with_colour(WARN))];
    spans.extend(super::inline::markdown_spans(&detail, CELL));
    spans
}

fn signature_paragraphs(signature: &Signature, check: &SignatureCheck) -> Vec<Paragraph> {
    let field = |label: &str, value: Vec<Span>| {
        let mut spans = vec![Span::new(label, CELL_BOLD)];
        spans.extend(value);
        Paragraph::new(spans)
    };
    let mut paragraphs = vec![
        field("Signed by: ", vec![Span::new(&signature.name, CELL_BOLD)]),
        field("Meaning: ", vec![Span::new(&signature.meaning, CELL)]),
        field("Signed at: ", vec![Span::new(signature.at.to_string(), CELL)]),
    ];
    let key = match &check.key {
        KeyCheck::NoKey => vec![Span::new(
            "none: signed without a personal key; bound to the run by its content hash and the event log, whose head this PDF prints",
            CELL,
        )],
        KeyCheck::Valid { fingerprint, algorithm } => {
            vec![Span::new(fingerprint, CELL_MONO), Span::new(format!("  ({} signature verified)", algorithm.label()), CELL.with_colour(GOOD))]
        }
        KeyCheck::Invalid { reason } => vec![Span::new(format!("INVALID: {reason}"), CELL_BOLD.with_colour(BAD))],
    };
    paragraphs.push(field("Key: ", key));
    let status = match &check.status {
        SignatureStatus::Valid => vec![Span::new("valid", CELL_BOLD.with_colour(GOOD))],
        SignatureStatus::Invalidated { change } => vec![
            Span::new("INVALIDATED", CELL_BOLD.with_colour(BAD)),
            Span::new(format!(" by event #{} ({}, {}): {}", change.seq, change.actor, change.at, change.what), CELL),
        ],
        SignatureStatus::Broken { reason } => vec![Span::new(format!("BROKEN: {reason}"), CELL_BOLD.with_colour(BAD))],
    };
    paragraphs.push(field("Status: ", status));
    paragraphs.push(field("When signed, the run was: ", at_signing(signature, check)));
    if let Some(acknowledgement) = &signature.acknowledgement {
        paragraphs.push(field("Signed knowing it was NO-GO because: ", vec![Span::new(format!("\"{acknowledgement}\""), CELL)]));
    }
    paragraphs.push(field("Signed content SHA-256: ", vec![Span::new(&signature.content_sha256, CELL_MONO)]));
    for waiver in &signature.waivers {
        paragraphs.push(field(
            "Waived: ",
            vec![Span::new(&waiver.item, CELL_MONO), Span::new(format!(" ({}) because \"{}\"", waiver.problem, waiver.reason), CELL)],
        ));
    }
    if !signature.attestation.trim().is_empty() {
        paragraphs.push(Paragraph::new(vec![
            Span::new("Attested: ", CELL_MUTED.with_colour(MUTED)),
            Span::new(format!("\"{}\"", signature.attestation.trim()), CELL_MUTED),
        ]));
    }
    paragraphs
}
