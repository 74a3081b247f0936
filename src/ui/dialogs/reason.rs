//! Asks why an item is not applicable or skipped; an empty reason is refused.

use super::Outcome;
use crate::model::ItemState;
use crate::ui::command::{Command, ReasonKind, RunCommand};
use crate::ui::inline;

pub struct ReasonDialog {
    item: String,
    text: String,
    kind: ReasonKind,
    reason: String,
    error: Option<String>,
    focused: bool,
}

impl ReasonDialog {
    pub fn new(item: String, text: String, kind: ReasonKind) -> ReasonDialog {
        ReasonDialog { item, text, kind, reason: String::new(), error: None, focused: false }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        let title = match self.kind {
            ReasonKind::NotApplicable => "Not applicable",
            ReasonKind::Skip => "Skip this item",
        };
        let modal = super::modal("reason").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(title);
            ui.label(inline::plain(&self.text));
            ui.add_space(4.0);
            let label = ui.label("Reason (required)");
            let response = ui
                .add(egui::TextEdit::multiline(&mut self.reason).desired_rows(3).desired_width(f32::INFINITY).hint_text("Why, for the audit record"))
                .labelled_by(label.id);
            if !self.focused {
                response.request_focus();
                self.focused = true;
            }
            ui.horizontal(|ui| {
                let confirm = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
                if ui.button("Confirm").on_hover_text("Record the reason (Ctrl+Enter)").clicked() || confirm {
                    let reason = self.reason.trim().to_string();
                    if reason.is_empty() {
                        self.error = Some("A reason is required; it goes into the audit record.".into());
                    } else {
                        let state = match self.kind {
                            ReasonKind::NotApplicable => ItemState::NotApplicable { reason },
                            ReasonKind::Skip => ItemState::Skipped { reason },
                        };
                        outcome = Outcome::Close(vec![Command::Run(RunCommand::SetState { item: self.item.clone(), state })]);
                    }
                }
                if ui.button("Cancel").clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
            });
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        if modal.should_close() && matches!(outcome, Outcome::Open) {
            outcome = Outcome::Close(Vec::new());
        }
        outcome
    }
}
