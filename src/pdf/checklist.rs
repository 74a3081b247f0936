//! Every section and every item: state, who and when, note, N/A or skip reason, and the probe
//! evidence with each condition resolved against the value the probe saw.

use std::collections::HashMap;

use crate::model::{Change, Event, InfoStyle, Item, ItemKind, ItemRecord, ItemState, Run, Section};
use crate::model::{ConditionResult, ProbeKind, ProbeResult, ProbeSpec, ProbeState};

use super::document::heading;
use super::fonts::Weight;
use super::inline::markdown_spans;
use super::page::Writer;
use super::table::{Column, Row, column};
use super::text::{BAD, CELL, CELL_BOLD, CELL_MONO, CELL_MUTED, GOOD, H1, H2, H3, MUTED, Paragraph, Span, Style, WARN};

/// The run and its evidence, as the rows need them.
struct Context<'a> {
    run: &'a Run,
    evidence: Evidence<'a>,
}

/// How far each level of nested item is indented.
const NEST_INDENT: f32 = 10.0;

fn columns() -> [Column; 4] {
    [column("State", 0.11), column("Item", 0.5), column("By", 0.16), column("When", 0.23)]
}

/// Each item's probe evidence, gathered in one pass over the run rather than once per item.
struct Evidence<'a> {
    latest: HashMap<&'a str, &'a ProbeResult>,
    results: HashMap<&'a str, usize>,
    overrides: HashMap<&'a str, &'a Event>,
}

impl<'a> Evidence<'a> {
    fn of(run: &'a Run) -> Evidence<'a> {
        let mut evidence = Evidence { latest: HashMap::new(), results: HashMap::new(), overrides: HashMap::new() };
        for result in &run.probe_results {
            evidence.latest.insert(&result.item, result);
            *evidence.results.entry(&result.item).or_default() += 1;
        }
        for event in &run.events {
            if let Change::ProbeOverride { item, .. } = &event.change {
                evidence.overrides.insert(item, event);
            }
        }
        evidence
    }
}

pub(crate) fn write(writer: &mut Writer, run: &Run, progress: &dyn Fn(f32)) {
    let evidence = Evidence::of(run);
    let run = &Context { run, evidence };
    writer.new_page();
    heading(writer, "Checklist", H1);
    let total = run.run.template.all_items().len().max(1);
    let mut done = 0;
    if !run.run.template.items.is_empty() {
        items_table(writer, run, &run.run.template.items, &mut done);
    }
    for (n, section) in run.run.template.sections.iter().enumerate() {
        section_ui(writer, run, section, &(n + 1).to_string(), 0, &mut done);
        progress(done as f32 / total as f32);
    }
    progress(1.0);
}

fn section_ui(writer: &mut Writer, run: &Context, section: &Section, number: &str, depth: usize, done: &mut usize) {
    let style = match depth {
        0 => H2,
        _ => H3,
    };
    heading(writer, &format!("{number}  {}", section.title), style);
    if !section.items.is_empty() {
        items_table(writer, run, &section.items, done);
    }
    for (n, child) in section.sections.iter().enumerate() {
        section_ui(writer, run, child, &format!("{number}.{}", n + 1), depth + 1, done);
    }
}

fn items_table(writer: &mut Writer, run: &Context, items: &[Item], done: &mut usize) {
    let mut rows = Vec::new();
    push_rows(run, items, 0, &mut rows, done);
    writer.table(&columns(), rows);
}

fn push_rows(run: &Context, items: &[Item], depth: usize, rows: &mut Vec<Row>, done: &mut usize) {
    for item in items {
        rows.push(item_row(run, item, depth));
        *done += 1;
        push_rows(run, &item.children, depth + 1, rows, done);
    }
}

fn item_row(run: &Context, item: &Item, depth: usize) -> Row {
    let indent = depth as f32 * NEST_INDENT;
    let record = run.run.items.get(&item.id);
    let mut text = vec![Paragraph::new(item_spans(item)).indented(indent)];
    if let Some(record) = record {
        if !record.note.trim().is_empty() {
            text.push(Paragraph::new(vec![Span::new("Note: ", CELL_BOLD), Span::new(record.note.trim(), CELL)]).indented(indent));
        }
        match &record.state {
            ItemState::NotApplicable { reason } => text.push(labelled("N/A reason: ", reason, indent)),
            ItemState::Skipped { reason } => text.push(labelled("Skip reason: ", reason, indent)),
            _ => {}
        }
    }
    text.extend(probe_paragraphs(run, item, indent));
    let (by, when) = match record {
        Some(ItemRecord { by: Some(by), at, .. }) => (vec![Paragraph::plain(by, CELL)], at.map(super::document::table_time).unwrap_or_default()),
        _ => (Vec::new(), String::new()),
    };
    Row::new(vec![state_cell(item, record), text, by, vec![Paragraph::plain(when, CELL_MUTED)]])
}

fn labelled(label: &str, value: &str, indent: f32) -> Paragraph {
    Paragraph::new(vec![Span::new(label, CELL_BOLD), Span::new(value, CELL)]).indented(indent)
}

/// An item's text as printed: Markdown inline text, or a code block in monospace.
fn item_spans(item: &Item) -> Vec<Span> {
    match item.style {
        InfoStyle::Code | InfoStyle::Verbatim if item.kind == ItemKind::Info => vec![Span::new(item.text.trim_end(), CELL_MONO)],
        _ => markdown_spans(&item.text, CELL),
    }
}

/// An item named by its text (or its id when the template no longer has it), for the summary.
pub(crate) fn item_label(run: &Run, item_id: &str, style: Style) -> Vec<Span> {
    match run.template.find_item(item_id) {
        Some(item) => markdown_spans(&item.text, style),
        None => vec![Span::new(item_id, style.with_weight(Weight::Mono))],
    }
}

fn state_cell(item: &Item, record: Option<&ItemRecord>) -> Vec<Paragraph> {
    let Some(record) = record else {
        return vec![Paragraph::plain("info", CELL_MUTED)];
    };
    let (text, colour) = match &record.state {
        ItemState::Done => ("✓ done", GOOD),
        ItemState::Failed => ("✗ failed", BAD),
        ItemState::NotApplicable { .. } => ("N/A", MUTED),
        ItemState::Skipped { .. } => ("skipped", WARN),
        ItemState::Pending => ("○ pending", WARN),
    };
    let mut cell = vec![Paragraph::plain(text, CELL_BOLD.with_colour(colour))];
    if !item.required {
        cell.push(Paragraph::plain("optional", CELL_MUTED));
    }
    cell
}

/// The probe as written (secrets stay `${env:NAME}` placeholders), its latest result with every
/// condition resolved, and any override of its verdict.
fn probe_paragraphs(run: &Context, item: &Item, indent: f32) -> Vec<Paragraph> {
    let result = run.evidence.latest.get(item.id.as_str()).copied();
    let Some((kind, target)) =
        item.probe.as_ref().map(|spec| (spec.kind, describe_target(spec))).or_else(|| result.map(|r| (r.kind, r.target.clone())))
    else {
        return Vec::new();
    };
    let mut paragraphs =
        vec![Paragraph::new(vec![Span::new(format!("Probe ({}): ", kind.label()), CELL_BOLD), Span::new(target, CELL_MONO)]).indented(indent)];
    if let Some(spec) = item.probe.as_ref().filter(|spec| spec.accept_unverified) {
        let waiver = match spec.kind {
            ProbeKind::Tls => "Certificate check waived by the checklist: tls.verified is not required.",
            _ => "Certificate check waived by the checklist: the server's certificate was not verified.",
        };
        paragraphs.push(Paragraph::plain(waiver, CELL.with_colour(WARN)).indented(indent));
    }
    if let Some(spec) = item.probe.as_ref().filter(|spec| !spec.client_cert.is_empty() || !spec.proxy.is_empty()) {
        let mut reach = Vec::new();
        if !spec.client_cert.is_empty() {
            reach.push(format!("client certificate {}", spec.client_cert));
        }
        if !spec.proxy.is_empty() {
            reach.push(format!("proxy {}", crate::probe::reach::redact_userinfo(&spec.proxy)));
        }
        paragraphs.push(labelled("Reached with: ", &reach.join("; "), indent));
    }
    if item.probe.as_ref().is_some_and(|spec| spec.ocsp_query) {
        let query = "Revocation: the certificate's OCSP responder is asked when the server staples no response.";
        paragraphs.push(Paragraph::plain(query, CELL_MUTED).indented(indent));
    }
    let Some(result) = result else {
        // The flow as written, since no result shows it.
        for (index, step) in item.probe.iter().flat_map(|spec| spec.steps.iter()).enumerate() {
            paragraphs.push(labelled(
                &format!("Step {}, {}: ", index + 1, step.name),
                &format!("{} {}", step.method.to_uppercase(), step.url),
                indent,
            ));
        }
        paragraphs.push(Paragraph::plain("Not run: no evidence recorded.", CELL.with_colour(WARN)).indented(indent));
        return paragraphs;
    };
    paragraphs.push(result_line(run, result).indented(indent));
    if let Some(route) = result.details.get("route").filter(|route| route.as_str() != "direct") {
        paragraphs.push(labelled("Route: ", route, indent));
    }
    if let Some(aborted) = result.details.get("aborted") {
        paragraphs.push(labelled("Aborted: ", aborted, indent));
    }
    // A flow's steps, each with its conditions, before the probe's own request.
    for (index, step) in result.steps.iter().enumerate() {
        paragraphs.push(labelled(&format!("Step {}, {}: ", index + 1, step.name), &step.outcome(), indent));
        paragraphs.extend(step.conditions.iter().map(|condition| condition_paragraph(condition, indent + 16.0)));
    }
    if let Some(flow) = result.details.get("flow") {
        paragraphs.push(labelled("Flow: ", flow, indent));
    } else if let Some(spec) = item.probe.as_ref().filter(|spec| !result.steps.is_empty() && spec.kind == ProbeKind::Http) {
        paragraphs.push(labelled("Then: ", &format!("{} {}", spec.method.to_uppercase(), spec.target), indent));
    }
    if let Some(error) = &result.error {
        paragraphs.push(labelled("Could not run: ", error, indent));
    }
    paragraphs.extend(result.conditions.iter().map(|condition| condition_paragraph(condition, indent + 8.0)));
    let override_event = run.evidence.overrides.get(item.id.as_str()).and_then(|event| match &event.change {
        Change::ProbeOverride { probe, new, reason, .. } => Some((event, probe, new, reason)),
        _ => None,
    });
    if let Some((event, probe, new, reason)) = override_event {
        paragraphs.push(
            Paragraph::new(vec![
                Span::new("Overridden: ", CELL_BOLD.with_colour(WARN)),
                Span::new(format!("probe said {}, {} set {new} at {} because \"{reason}\"", probe.label(), event.actor, event.at), CELL),
            ])
            .indented(indent),
        );
    }
    paragraphs
}

/// One condition resolved, marked passed, failed or a warning.
fn condition_paragraph(condition: &ConditionResult, indent: f32) -> Paragraph {
    let (mark, colour) = match (condition.passed, condition.warning_only) {
        (true, _) => ("✓ ", GOOD),
        (false, true) => ("⚠ ", WARN),
        (false, false) => ("✗ ", BAD),
    };
    let note = if condition.warning_only && !condition.passed { "  (warning)" } else { "" };
    Paragraph::new(vec![Span::new(mark, CELL_BOLD.with_colour(colour)), Span::new(condition.resolved(), CELL_MONO), Span::new(note, CELL_MUTED)])
        .indented(indent)
}

fn describe_target(spec: &ProbeSpec) -> String {
    if spec.kind == ProbeKind::Http && !spec.method.eq_ignore_ascii_case("GET") {
        format!("{} {}", spec.method, spec.target)
    } else {
        spec.target.clone()
    }
}

fn result_line(run: &Context, result: &ProbeResult) -> Paragraph {
    let colour = match result.state {
        ProbeState::Pass => GOOD,
        ProbeState::Warn => WARN,
        ProbeState::Fail | ProbeState::Error => BAD,
    };
    let earlier = run.evidence.results.get(result.item.as_str()).copied().unwrap_or(1).saturating_sub(1);
    let mut details = format!(" at {}, took {}", result.started_at, crate::model::format_duration(result.duration_ms as f64));
    if result.attempts > 1 {
        details.push_str(&format!(", attempt {}", result.attempts));
    }
    if earlier > 0 {
        details.push_str(&format!("; {earlier} earlier result(s) in the run file"));
    }
    Paragraph::new(vec![
        Span::new("Result: ", CELL_BOLD),
        Span::new(result.state.label().to_uppercase(), CELL_BOLD.with_colour(colour)),
        Span::new(details, CELL),
    ])
}
