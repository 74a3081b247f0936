//! The GO / NO-GO summary: the verdict, counts per state, what blocks the run, and every
//! decision a person took against the evidence (probe overrides, waived probes), with reasons.

use crate::model::{Change, Run};
use crate::signoff::Report;

use super::document::heading;
use super::fonts::Weight;
use super::page::Writer;
use super::table::{Row, column};
use super::text::{BAD, BODY, CELL, CELL_BOLD, CELL_MUTED, Colour, GOOD, H1, H3, Paragraph, Style};

const VERDICT_HEIGHT: f32 = 34.0;

pub(crate) fn write(writer: &mut Writer, run: &Run, report: &Report) {
    heading(writer, "Summary", H1);
    let verdict = run.verdict();
    writer.ensure(VERDICT_HEIGHT + 40.0);
    let (label, fill) = if verdict.is_go() { ("GO", GOOD) } else { ("NO-GO", BAD) };
    let top = writer.y();
    let left = writer.left();
    writer.fill_rect(left, top, 110.0, VERDICT_HEIGHT, fill);
    let badge = writer.wrap(&Paragraph::plain(label, Style::new(Weight::Bold, 18.0, Colour(1.0, 1.0, 1.0))), 110.0);
    let badge_x = left + (110.0 - badge[0].width) / 2.0;
    writer.draw_line(&badge[0], badge_x, top + (VERDICT_HEIGHT - badge[0].height) / 2.0 + 1.5);
    let explanation = if verdict.is_go() {
        "Every required item is done or not applicable with a reason, nothing failed, every required field is filled and every \
         required role holds a valid signature."
            .to_string()
    } else {
        format!("{} blocker(s), listed below, keep this run from going live.", verdict.blockers.len())
    };
    let lines = writer.wrap(&Paragraph::plain(explanation, BODY), writer.content_width() - 122.0);
    let mut y = top + 2.0;
    for line in &lines {
        writer.draw_line(line, left + 122.0, y);
        y += line.height;
    }
    writer.advance(VERDICT_HEIGHT.max(y - top) + 10.0);

    let counts = run.counts();
    let number = |n: usize| vec![Paragraph::plain(n.to_string(), CELL)];
    writer.table(
        &[column("Done", 1.0), column("N/A", 1.0), column("Skipped", 1.0), column("Failed", 1.0), column("Pending", 1.0), column("Total", 1.0)],
        vec![Row::new(vec![
            number(counts.done),
            number(counts.not_applicable),
            number(counts.skipped),
            number(counts.failed),
            number(counts.pending),
            number(counts.total()),
        ])],
    );

    heading(writer, "Blockers", H3);
    if verdict.blockers.is_empty() {
        writer.paragraph(&Paragraph::plain("None.", BODY));
    } else {
        let rows = verdict.blockers.iter().enumerate().map(|(n, blocker)| {
            Row::new(vec![
                vec![Paragraph::plain((n + 1).to_string(), CELL)],
                vec![Paragraph::new(super::inline::markdown_spans(&blocker.to_string(), CELL.with_colour(BAD)))],
            ])
        });
        writer.table(&[column("#", 0.06), column("Blocker", 0.94)], rows);
    }

    overrides(writer, run);
    waivers(writer, run, report);
}

fn overrides(writer: &mut Writer, run: &Run) {
    heading(writer, "Probe overrides", H3);
    let rows: Vec<Row> = run
        .events
        .iter()
        .filter_map(|event| match &event.change {
            Change::ProbeOverride { item, probe, new, reason } => Some(Row::new(vec![
                vec![Paragraph::new(super::checklist::item_label(run, item, CELL))],
                vec![Paragraph::plain(format!("probe said {}, set to {new}", probe.label()), CELL)],
                vec![Paragraph::plain(reason, CELL)],
                vec![Paragraph::plain(&event.actor, CELL), Paragraph::plain(super::document::table_time(event.at), CELL_MUTED)],
            ])),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        writer.paragraph(&Paragraph::plain("None: no probe verdict was overridden.", BODY));
    } else {
        writer.table(&[column("Item", 0.32), column("Override", 0.18), column("Reason", 0.27), column("By, at", 0.23)], rows);
    }
}

fn waivers(writer: &mut Writer, run: &Run, report: &Report) {
    heading(writer, "Waived probes", H3);
    let rows: Vec<Row> = run
        .signatures
        .iter()
        .zip(&report.signatures)
        .flat_map(|(signature, check)| {
            let superseded = if check.superseded { " (signed again later)" } else { "" };
            signature.waivers.iter().map(move |waiver| {
                Row::new(vec![
                    vec![Paragraph::new(super::checklist::item_label(run, &waiver.item, CELL))],
                    vec![Paragraph::plain(&waiver.problem, CELL)],
                    vec![Paragraph::plain(&waiver.reason, CELL)],
                    vec![Paragraph::plain(format!("{}{superseded}", signature.name), CELL_BOLD), Paragraph::plain(&signature.role_title, CELL_MUTED)],
                ])
            })
        })
        .collect();
    if rows.is_empty() {
        writer.paragraph(&Paragraph::plain("None: no signer waived a stale or missing probe result.", BODY));
    } else {
        writer.table(&[column("Item", 0.34), column("Problem", 0.18), column("Reason", 0.28), column("Waived by", 0.2)], rows);
    }
}
