//! Overriding a probe's verdict: a person may, but only with a reason, which is recorded.

use super::Outcome;
use crate::model::ItemState;
use crate::ui::command::{Command, ProbeCommand};
use crate::ui::inline;

pub struct OverrideDialog {
    item: String,
    text: String,
    state: ItemState,
    probe_summary: String,
    reason: String,
    error: Option<String>,
}

impl OverrideDialog {
    pub fn new(item: String, text: String, state: ItemState, probe_summary: String) -> OverrideDialog {
        OverrideDialog { item, text, state, probe_summary, reason: String::new(), error: None }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("override probe").show(ctx, |ui| {
            ui.set_width(440.0);
            ui.heading("Override the probe?");
            ui.label(inline::plain(&self.text));
            ui.label(format!("The probe says: {}", self.probe_summary));
            let label = ui.label(format!("Why mark it {} anyway? (required)", self.state.label()));
            ui.add(egui::TextEdit::multiline(&mut self.reason).desired_rows(3).desired_width(f32::INFINITY)).labelled_by(label.id);
            ui.horizontal(|ui| {
                if ui.button("Override").clicked() {
                    if self.reason.trim().is_empty() {
                        self.error = Some("A reason is required to override a probe.".into());
                    } else {
                        outcome = Outcome::Close(vec![Command::Probe(ProbeCommand::Override {
                            item: self.item.clone(),
                            state: self.state.clone(),
                            reason: self.reason.trim().to_string(),
                        })]);
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
        outcome
    }
}
