//! The selected item in full: its text, state controls, who and when, the note, and its history.

use egui::RichText;

use super::app::{App, View};
use super::command::{Command, RunCommand, UiCommand};
use super::inline;
use super::style::state_color;
use crate::model::{ItemKind, ItemState};

impl App {
    pub(super) fn run_detail_panel_ui(&mut self, ui: &mut egui::Ui) {
        let focus_note = std::mem::take(&mut self.focus_note);
        let View::Run(doc) = &mut self.view else { return };
        let commands = &mut self.commands;
        let note_draft = &mut self.note_draft;
        let probes = &self.probes;
        egui::Panel::right("item detail")
            .resizable(true)
            .default_size(super::style::side_panel_width(ui.ctx(), 0.28, 320.0))
            .max_size(super::style::side_panel_max(ui.ctx(), 0.28))
            .show(ui, |ui| {
                let Some(id) = doc.selected().map(str::to_string) else {
                    ui.label(RichText::new("Select an item to see it in full.").weak());
                    return;
                };
                let Some((kind, required)) = doc.facts(&id) else { return };
                let text = doc.text(&id).to_string();
                let history: Vec<String> = doc.history(&id).to_vec();
                egui::ScrollArea::vertical().id_salt("detail").show(ui, |ui| {
                    ui.add_space(4.0);
                    let kind = match (kind, required) {
                        (ItemKind::Check, true) => "Check · required",
                        (ItemKind::Check, false) => "Check · optional",
                        (ItemKind::Step, true) => "Procedure step · required",
                        (ItemKind::Step, false) => "Procedure step",
                        (ItemKind::Info, _) => "Information",
                    };
                    ui.label(RichText::new(kind).small().weak());
                    let color = ui.visuals().strong_text_color();
                    ui.label(inline::job(ui, &text, color, true));
                    let Some(record) = doc.run().items.get(&id) else { return };
                    ui.separator();
                    let dark = ui.visuals().dark_mode;
                    ui.label(RichText::new(record.state.to_string()).strong().color(state_color(&record.state, dark)));
                    if let (Some(by), Some(at)) = (&record.by, &record.at) {
                        ui.label(RichText::new(format!("by {by}, {at}")).small().weak());
                    }
                    ui.add_space(4.0);
                    let final_run = doc.run().is_final();
                    if final_run {
                        ui.label(RichText::new("🔒 The run is final; nothing can change.").weak());
                    }
                    ui.add_enabled_ui(!final_run, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            for command in [UiCommand::MarkDone, UiCommand::MarkFailed, UiCommand::MarkNotApplicable, UiCommand::Skip] {
                                command.button_ui(ui, command.for_item(&id), commands);
                            }
                            if record.state != ItemState::Pending {
                                UiCommand::ResetToPending.button_ui(ui, UiCommand::ResetToPending.for_item(&id), commands);
                            }
                        })
                    });
                    super::probe_panel::probe_section_ui(ui, doc, &id, probes.is_running_for(&id, &doc.run().id), commands);
                    ui.add_space(6.0);
                    let label = ui.label("Note (Enter to edit)");
                    if note_draft.as_ref().is_none_or(|(item, _)| *item != id) {
                        *note_draft = Some((id.clone(), record.note.clone()));
                    }
                    if let Some((_, draft)) = note_draft.as_mut() {
                        let response = ui
                            .add(
                                egui::TextEdit::multiline(draft)
                                    .desired_rows(3)
                                    .desired_width(f32::INFINITY)
                                    .hint_text("What was checked, links, ticket numbers"),
                            )
                            .labelled_by(label.id);
                        if focus_note {
                            response.request_focus();
                        }
                        if response.lost_focus() && *draft != record.note {
                            commands.push(Command::Run(RunCommand::SetNote { item: id.clone(), note: draft.clone() }));
                        }
                    }
                    ui.add_space(6.0);
                    egui::CollapsingHeader::new("History").id_salt("item history").default_open(true).show(ui, |ui| {
                        for line in &history {
                            ui.label(RichText::new(line).small());
                        }
                    });
                });
            });
    }
}
