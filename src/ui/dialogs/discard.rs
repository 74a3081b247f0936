//! Unsaved template edits: save, discard or stay.

use super::Outcome;
use crate::ui::command::{Command, EditorCommand};

pub struct DiscardDialog {
    /// What to do after discarding; None means close the window.
    pub then: Option<Command>,
    pub discarded: bool,
}

impl DiscardDialog {
    pub fn new(then: Option<Command>) -> DiscardDialog {
        DiscardDialog { then, discarded: false }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("discard").show(ctx, |ui| {
            ui.set_width(380.0);
            ui.heading("Unsaved changes");
            ui.label("The template has edits that are not saved.");
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    outcome = Outcome::Close(vec![Command::Editor(EditorCommand::Save { save_as: false })]);
                }
                if ui.button("Discard changes").clicked() {
                    self.discarded = true;
                    outcome = Outcome::Close(self.then.clone().into_iter().collect());
                }
                if ui.button("Cancel").clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
            });
        });
        outcome
    }
}
