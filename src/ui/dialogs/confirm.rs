//! A yes-or-no question before something consequential, such as a load test on a remote host.

use super::Outcome;
use crate::ui::command::Command;

pub struct ConfirmDialog {
    title: String,
    message: String,
    confirm: String,
    then: Command,
    /// A second thing to do instead, with its button's label.
    also: Option<(String, Command)>,
}

impl ConfirmDialog {
    pub fn new(title: &str, message: String, confirm: &str, then: Command) -> ConfirmDialog {
        ConfirmDialog { title: title.into(), message, confirm: confirm.into(), then, also: None }
    }

    /// Offers a second action beside the first.
    pub fn also(&mut self, label: &str, command: Command) {
        self.also = Some((label.to_string(), command));
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("confirm").show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading(&self.title);
            ui.label(&self.message);
            ui.horizontal(|ui| {
                if ui.button(&self.confirm).clicked() {
                    outcome = Outcome::Close(vec![self.then.clone()]);
                }
                if let Some((label, command)) = &self.also
                    && ui.button(label).clicked()
                {
                    outcome = Outcome::Close(vec![command.clone()]);
                }
                if ui.button("Cancel").clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
            });
        });
        outcome
    }
}
