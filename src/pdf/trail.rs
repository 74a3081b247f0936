//! The audit trail: every event of the run's log in order, old → new, with who and when. Item
//! events also name the item's text, so that the trail reads without the run file.

use std::collections::HashMap;

use crate::model::Run;

use super::document::heading;
use super::page::Writer;
use super::table::{Row, column};
use super::text::{BODY, CELL, CELL_MUTED, H1, Paragraph, Span};

/// How often progress is reported on a long log, in events.
const PROGRESS_EVERY: usize = 500;

pub(crate) fn write(writer: &mut Writer, run: &Run, progress: &dyn Fn(f32)) {
    writer.new_page();
    heading(writer, "Audit trail", H1);
    writer.paragraph(&Paragraph::plain(
        format!(
            "{} event(s), oldest first. Each event's hash chains it to the one before{}; the newest hash is on the integrity page.",
            run.events.len(),
            if run.forks().is_empty() {
                ""
            } else {
                " (on the line of work it was made on: copies of the run that went separate ways carry letters, A, B…, until the merge event that joins them)"
            }
        ),
        BODY,
    ));
    writer.advance(6.0);
    let columns = [column("#", 0.07), column("Time", 0.23), column("Actor", 0.165), column("Change", 0.535)];
    let items: HashMap<&str, &str> = run.template.all_items().into_iter().map(|(_, item)| (item.id.as_str(), item.text.as_str())).collect();
    let total = run.events.len().max(1);
    // After a merge two events can share a number; the line of work tells them apart.
    let lines = run.line_labels();
    let rows = run.events.iter().enumerate().map(|(n, event)| {
        if n % PROGRESS_EVERY == 0 {
            progress(n as f32 / total as f32);
        }
        let mut change = vec![Paragraph::plain(run.describe_change(&event.change), CELL)];
        if let Some(text) = event.change.item().and_then(|id| items.get(id)) {
            let mut spans = vec![Span::new("item: ", CELL_MUTED)];
            spans.extend(super::inline::markdown_spans(text, CELL_MUTED));
            change.push(Paragraph::new(spans));
        }
        Row::new(vec![
            vec![Paragraph::plain(lines[n].as_ref().map_or_else(|| event.seq.to_string(), |line| format!("{} {line}", event.seq)), CELL)],
            vec![Paragraph::plain(super::document::table_time(event.at), CELL_MUTED)],
            vec![Paragraph::plain(&event.actor, CELL)],
            change,
        ])
    });
    writer.table(&columns, rows);
    progress(1.0);
}
