//! Who is at the keyboard: the name recorded on every change.

use super::Outcome;
use crate::ui::command::{Command, PrefsCommand};

pub struct IdentityDialog {
    name: String,
    error: Option<String>,
    focused: bool,
}

impl IdentityDialog {
    pub fn new(current: &str) -> IdentityDialog {
        IdentityDialog { name: current.to_string(), error: None, focused: false }
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("identity").show(ctx, |ui| {
            ui.set_width(360.0);
            ui.heading("Who are you?");
            ui.label("Your name is recorded with every change you make and shown in the audit trail.");
            let label = ui.label("Your name");
            let response = ui
                .add(egui::TextEdit::singleline(&mut self.name).hint_text("First and last name").desired_width(f32::INFINITY))
                .labelled_by(label.id);
            if !self.focused {
                response.request_focus();
                self.focused = true;
            }
            let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Continue").clicked() || enter {
                if self.name.trim().is_empty() {
                    self.error = Some("Please enter your name.".into());
                } else {
                    outcome = Outcome::Close(vec![Command::Prefs(PrefsCommand::SetUserName(self.name.clone()))]);
                }
            }
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        outcome
    }
}
