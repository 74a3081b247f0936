//! The run view: the GO / NO-GO banner, the release fields, filter and search, and the item
//! rows. Only the visible rows are laid out, so a 5,000-item run scrolls as fast as a short one.

use egui::{Align, Layout, RichText, Sense};

use super::app::{App, View};
use super::command::{Command, RunCommand, UiCommand};
use super::inline;
use super::probes::Probes;
use super::run_doc::{Filter, Row, RunDoc};
use super::style::{go_color, state_badge, state_color};
use crate::model::{Blocker, FieldKind, FieldValue, ItemKind, ItemState};

/// The height of every row in the list, so that rows can be skipped without laying them out.
pub const ROW_HEIGHT: f32 = 22.0;
const INDENT: f32 = 16.0;
/// How many blockers the banner lists before "and N more".
const BLOCKERS_SHOWN: usize = 6;

impl App {
    pub(super) fn run_view_ui(&mut self, ui: &mut egui::Ui) {
        let focus_search = std::mem::take(&mut self.focus_search);
        let View::Run(doc) = &mut self.view else { return };
        let commands = &mut self.commands;
        let probes = &self.probes;
        let running_here = probes.running_for(&doc.run().id);
        header_ui(ui, doc);
        banner_ui(ui, doc, commands);
        super::conflicts_panel::conflicts_ui(ui, doc, commands);
        super::probe_panel::probe_bar_ui(ui, doc, running_here, probes.batch_size(), commands);
        fields_ui(ui, doc, commands);
        super::signoff_panel::signoff_ui(ui, doc, commands);
        filter_bar_ui(ui, doc, commands, focus_search);
        ui.separator();
        rows_ui(ui, doc, probes, commands);
    }
}

fn header_ui(ui: &mut egui::Ui, doc: &RunDoc) {
    ui.add_space(2.0);
    ui.heading(&doc.run().template.title);
    let identity: Vec<String> = doc
        .run()
        .template
        .fields
        .iter()
        .filter(|f| f.required)
        .filter_map(|f| doc.run().fields.get(&f.id).map(|v| format!("{}: {v}", f.label)))
        .collect();
    let started = format!("Started {} by {}", doc.run().created_at.as_datetime().format("%Y-%m-%d %H:%M UTC"), doc.run().created_by);
    ui.label(RichText::new(if identity.is_empty() { started.clone() } else { format!("{} · {started}", identity.join(" · ")) }).weak());
}

fn banner_ui(ui: &mut egui::Ui, doc: &mut RunDoc, commands: &mut Vec<Command>) {
    let dark = ui.visuals().dark_mode;
    let now = App::now();
    let (verdict, counts) = doc.summary(now);
    let counts = *counts;
    let go = verdict.is_go();
    let blocker_count = verdict.blockers.len();
    // Only the blockers shown are copied out of the cached verdict, not all of them.
    let shown: Vec<Blocker> = verdict.blockers.iter().take(BLOCKERS_SHOWN).cloned().collect();
    // A probe result growing too old changes the verdict with no input: wake up then.
    if let Some(at) = doc.verdict_changes_at() {
        let wait = at.as_datetime().signed_duration_since(now.as_datetime()).to_std().unwrap_or_default();
        ui.ctx().request_repaint_after(wait + std::time::Duration::from_millis(500));
    }
    egui::Frame::new().fill(go_color(go, dark)).corner_radius(6.0).inner_margin(8.0).show(ui, |ui| {
        ui.set_width(ui.available_width());
        // The counts sit right of the verdict, or below it when the window is too narrow for both.
        ui.horizontal_wrapped(|ui| {
            let headline =
                if go { "GO".to_string() } else { format!("NO-GO · {blocker_count} blocker{}", if blocker_count == 1 { "" } else { "s" }) };
            ui.label(RichText::new(headline).size(20.0).strong().color(egui::Color32::WHITE));
            ui.add_space(12.0);
            let summary = format!(
                "{} done · {} failed · {} N/A · {} skipped · {} pending",
                counts.done, counts.failed, counts.not_applicable, counts.skipped, counts.pending
            );
            ui.add(egui::Label::new(RichText::new(summary).color(egui::Color32::WHITE)).wrap_mode(egui::TextWrapMode::Extend));
        });
        let settled = counts.total() - counts.pending;
        let fraction = if counts.total() == 0 { 1.0 } else { settled as f32 / counts.total() as f32 };
        ui.add(egui::ProgressBar::new(fraction).text(format!("{settled} of {} items settled", counts.total())));
        if !go {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("Blocking:").color(egui::Color32::WHITE));
                for blocker in &shown {
                    let text = inline::plain(&blocker.to_string());
                    let link = ui.add(egui::Button::new(RichText::new(text).color(egui::Color32::WHITE).underline()).frame(false).truncate());
                    if link.clicked() {
                        match blocker {
                            Blocker::ItemFailed { item, .. }
                            | Blocker::ItemPending { item, .. }
                            | Blocker::ItemSkipped { item, .. }
                            | Blocker::ProbeCouldNotRun { item, .. }
                            | Blocker::ProbeStale { item, .. } => {
                                commands.push(Command::Run(RunCommand::Reveal(item.clone())));
                            }
                            // Fields sit just below; roles are signed in the sign-off panel.
                            Blocker::FieldMissing { .. }
                            | Blocker::RoleUnsigned { .. }
                            | Blocker::SignatureInvalidated { .. }
                            | Blocker::KeyRequired { .. }
                            | Blocker::DutiesNotSeparated(_) => {}
                        }
                    }
                }
                if blocker_count > BLOCKERS_SHOWN {
                    ui.label(RichText::new(format!("and {} more", blocker_count - BLOCKERS_SHOWN)).color(egui::Color32::WHITE));
                }
            });
        }
    });
}

fn fields_ui(ui: &mut egui::Ui, doc: &mut RunDoc, commands: &mut Vec<Command>) {
    let fields = doc.run().template.fields.clone();
    if fields.is_empty() {
        return;
    }
    let filled = fields.iter().filter(|f| doc.run().fields.contains_key(&f.id)).count();
    let missing_required = fields.iter().any(|f| f.required && !doc.run().fields.contains_key(&f.id));
    egui::CollapsingHeader::new(format!("Release details ({filled} of {} filled)", fields.len()))
        .id_salt("release details")
        .default_open(missing_required)
        .show(ui, |ui| {
            egui::Grid::new("fields").num_columns(2).spacing([12.0, 4.0]).show(ui, |ui| {
                for field in &fields {
                    let label = ui.label(if field.required { format!("{} *", field.label) } else { field.label.clone() });
                    if let FieldKind::Table { columns } = &field.kind {
                        table_field_ui(ui, doc, field, columns, commands);
                        ui.end_row();
                        continue;
                    }
                    let current = doc.run().fields.get(&field.id).map(|v| v.to_string()).unwrap_or_default();
                    let draft = doc.field_drafts_mut().entry(field.id.clone()).or_insert_with(|| current.clone());
                    let mut hint = field.hint.clone();
                    match &field.kind {
                        FieldKind::Number { unit } if !unit.is_empty() => hint = format!("number, {unit} {hint}").trim().to_string(),
                        FieldKind::Date => hint = "YYYY-MM-DD".into(),
                        _ => {}
                    }
                    let edit = if field.kind == FieldKind::MultiLine {
                        egui::TextEdit::multiline(draft).desired_rows(2)
                    } else {
                        egui::TextEdit::singleline(draft)
                    };
                    let response = ui.add(edit.hint_text(hint).desired_width(320.0)).labelled_by(label.id);
                    if response.lost_focus() && *draft != current {
                        commands.push(Command::Run(RunCommand::SetField { field: field.id.clone(), value: FieldValue::Text(draft.clone()) }));
                    }
                    ui.end_row();
                }
            });
        });
}

fn table_field_ui(ui: &mut egui::Ui, doc: &mut RunDoc, field: &crate::model::Field, columns: &[String], commands: &mut Vec<Command>) {
    let rows = match doc.run().fields.get(&field.id) {
        Some(FieldValue::Table(rows)) => rows.clone(),
        _ => vec![vec![String::new(); columns.len()]],
    };
    let mut edited = rows.clone();
    let mut changed = false;
    ui.vertical(|ui| {
        egui::Grid::new(&field.id).striped(true).show(ui, |ui| {
            for column in columns {
                ui.label(RichText::new(column).strong());
            }
            ui.end_row();
            for (r, row) in edited.iter_mut().enumerate() {
                for (c, cell) in row.iter_mut().enumerate() {
                    let key = format!("{}/{r}/{c}", field.id);
                    let draft = doc.field_drafts_mut().entry(key).or_insert_with(|| cell.clone());
                    let name = format!("{} {}, row {}", field.label, columns.get(c).map_or("", String::as_str), r + 1);
                    let response = ui.add(egui::TextEdit::singleline(draft).desired_width(120.0)).on_hover_text(name);
                    if response.lost_focus() && *draft != *cell {
                        *cell = draft.clone();
                        changed = true;
                    }
                }
                ui.end_row();
            }
        });
    });
    if changed {
        commands.push(Command::Run(RunCommand::SetField { field: field.id.clone(), value: FieldValue::Table(edited) }));
    }
}

fn filter_bar_ui(ui: &mut egui::Ui, doc: &mut RunDoc, commands: &mut Vec<Command>, focus_search: bool) {
    // Wrapped, so that a narrow window puts the search box on a second line rather than clip it.
    ui.horizontal_wrapped(|ui| {
        ui.label("Show");
        for filter in Filter::ALL {
            if ui.selectable_label(doc.filter() == filter, filter.label()).clicked() && doc.filter() != filter {
                commands.push(Command::Run(RunCommand::SetFilter(filter)));
            }
        }
        ui.separator();
        let find = UiCommand::Find.shortcuts().first().map(|shortcut| format!(" ({})", ui.ctx().format_shortcut(shortcut))).unwrap_or_default();
        let label = ui.label(format!("Search{find}"));
        let mut search = doc.search().to_string();
        let response = ui.add(egui::TextEdit::singleline(&mut search).hint_text("Find items").desired_width(220.0)).labelled_by(label.id);
        if focus_search {
            response.request_focus();
        }
        if response.changed() {
            doc.set_search(search);
        }
        if !doc.search().is_empty() && ui.small_button("Clear").on_hover_text("Clear the search").clicked() {
            doc.set_search(String::new());
        }
    });
}

fn rows_ui(ui: &mut egui::Ui, doc: &mut RunDoc, probes: &Probes, commands: &mut Vec<Command>) {
    let row_count = doc.rows().len();
    if row_count == 0 {
        ui.label(RichText::new("Nothing matches the filter or search.").weak());
        return;
    }
    let spacing = ui.spacing().item_spacing.y;
    let mut area = egui::ScrollArea::vertical().id_salt("run rows").auto_shrink(false);
    if let Some(row) = doc.take_scroll_to() {
        let visible = doc.visible_rows();
        // Scroll only when the row is out of view, and then put it a third of the way down.
        if !(visible.start < row && row + 1 < visible.end) {
            let view_rows = (ui.available_height() / (ROW_HEIGHT + spacing)).max(1.0) as usize;
            let top = row.saturating_sub(view_rows / 3);
            area = area.vertical_scroll_offset(top as f32 * (ROW_HEIGHT + spacing));
        }
    }
    area.show_rows(ui, ROW_HEIGHT, row_count, |ui, range| {
        doc.set_visible_rows(range.clone());
        let rows: Vec<Row> = doc.rows()[range].to_vec();
        for row in rows {
            match row {
                Row::Section { id, title, depth, settled, total, collapsed } => {
                    section_row_ui(ui, &id, &title, depth, settled, total, collapsed, commands)
                }
                Row::Item { id, depth, kind, number, required } => {
                    item_row_ui(ui, doc, &id, depth, (kind, number, required), probes.is_running_for(&id, &doc.run().id), commands)
                }
            }
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn section_row_ui(
    ui: &mut egui::Ui,
    id: &str,
    title: &str,
    depth: usize,
    settled: usize,
    total: usize,
    collapsed: bool,
    commands: &mut Vec<Command>,
) {
    ui.allocate_ui_with_layout(egui::vec2(ui.available_width(), ROW_HEIGHT), Layout::left_to_right(Align::Center), |ui| {
        ui.add_space(depth as f32 * INDENT);
        let (_, icon) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), Sense::hover());
        egui::collapsing_header::paint_default_icon(ui, if collapsed { 0.0 } else { 1.0 }, &icon);
        let body = egui::TextStyle::Body.resolve(ui.style());
        let title = inline::displayable(ui, title, &body);
        let button = egui::Button::new(RichText::new(title).strong()).frame(false);
        let hover = if collapsed { "Show this section's items" } else { "Hide this section's items" };
        if ui.add(button).on_hover_text(hover).clicked() {
            commands.push(Command::Run(RunCommand::ToggleSection(id.to_string())));
        }
        let done = total > 0 && settled == total;
        let text = RichText::new(format!("{settled}/{total}")).small();
        ui.label(if done { text.color(state_color(&ItemState::Done, ui.visuals().dark_mode)) } else { text.weak() });
    });
}

fn item_row_ui(
    ui: &mut egui::Ui,
    doc: &RunDoc,
    id: &str,
    depth: usize,
    (kind, number, required): (ItemKind, Option<usize>, bool),
    probe_running: bool,
    commands: &mut Vec<Command>,
) {
    let dark = ui.visuals().dark_mode;
    let selected = doc.selected() == Some(id);
    let text = doc.text(id);
    let record = doc.run().items.get(id);
    ui.allocate_ui_with_layout(egui::vec2(ui.available_width(), ROW_HEIGHT), Layout::left_to_right(Align::Center), |ui| {
        if selected {
            // The whole row, not just its text, shows the selection the keyboard acts on.
            let row = egui::Rect::from_min_size(ui.max_rect().min, egui::vec2(ui.max_rect().width(), ROW_HEIGHT));
            ui.painter().rect_filled(row, 3.0, ui.visuals().selection.bg_fill.gamma_multiply(0.45));
        }
        ui.add_space(depth as f32 * INDENT);
        let Some(record) = record else {
            // Information: read-only, dimmed; the detail panel shows all of it.
            ui.label(RichText::new("ℹ").weak());
            let job = inline::job(ui, text.lines().next().unwrap_or_default(), ui.visuals().weak_text_color(), false);
            if ui.add(egui::Button::selectable(selected, job).frame_when_inactive(false).truncate()).clicked() {
                commands.push(Command::Run(RunCommand::Select(id.to_string())));
            }
            return;
        };
        let mut done = record.state == ItemState::Done;
        let plain = inline::plain(text);
        let checkbox = ui.add(egui::Checkbox::without_text(&mut done)).on_hover_text(format!("Done: {plain}"));
        if checkbox.clicked() {
            let state = if done { ItemState::Done } else { ItemState::Pending };
            commands.push(Command::Run(RunCommand::SetState { item: id.to_string(), state }));
        }
        if let Some(number) = number {
            ui.label(RichText::new(format!("{number}.")).weak());
        }
        let color = match &record.state {
            ItemState::Pending => ui.visuals().text_color(),
            state => state_color(state, dark),
        };
        let mut job = inline::job(ui, text, color, false);
        if kind == ItemKind::Check && !required {
            job.append("  (optional)", 0.0, egui::TextFormat { color: ui.visuals().weak_text_color(), ..Default::default() });
        }
        let badge = state_badge(&record.state);
        let probed = doc.probe(id).is_some();
        let right_width = if record.by.is_some() { 190.0 } else { 0.0 } + if badge.is_some() { 70.0 } else { 0.0 } + if probed { 260.0 } else { 0.0 };
        let label_width = (ui.available_width() - right_width).max(80.0);
        let response = ui.scope(|ui| {
            ui.set_max_width(label_width);
            ui.add(egui::Button::selectable(selected, job).frame_when_inactive(false).truncate())
        });
        if response.inner.clicked() {
            commands.push(Command::Run(RunCommand::Select(id.to_string())));
        }
        if let Some(badge) = badge {
            ui.label(RichText::new(badge).small().strong().color(state_color(&record.state, dark)));
        }
        if probed {
            super::probe_panel::badge_ui(ui, doc.latest_probe(id), probe_running);
        }
        if let (Some(by), Some(at)) = (&record.by, &record.at) {
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.label(RichText::new(format!("{by} · {}", at.as_datetime().format("%H:%M"))).small().weak())
                    .on_hover_text(format!("{} by {by} at {at}", record.state));
            });
        }
    });
}
