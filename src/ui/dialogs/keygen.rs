//! Creating a signer key: a name and a passphrase typed twice. The key is made on a worker,
//! since protecting it with the passphrase takes a noticeable moment.

use super::Outcome;
use crate::signoff::MIN_PASSPHRASE_CHARS;
use crate::ui::command::{Command, Passphrase, SignoffCommand};

pub struct KeygenDialog {
    name: String,
    passphrase: String,
    again: String,
    pub busy: bool,
    pub error: Option<String>,
}

impl KeygenDialog {
    pub fn new(name: &str) -> KeygenDialog {
        KeygenDialog { name: name.to_string(), passphrase: String::new(), again: String::new(), busy: false, error: None }
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Enter the name the key signs as.".into());
        }
        if self.passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(format!("The passphrase needs at least {MIN_PASSPHRASE_CHARS} characters."));
        }
        if self.passphrase != self.again {
            return Err("The two passphrases differ.".into());
        }
        Ok(())
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("keygen dialog").show(ctx, |ui| {
            ui.set_width(400.0);
            ui.heading("New signing key");
            ui.label("A key (ECDSA P-256, with a certificate that names you) signs your sign-offs and PDF records so that anyone can check them with `preflight verify` or a PDF reader. It is kept in your config folder, readable only by you, and protected by a passphrase that cannot be recovered.");
            egui::Grid::new("keygen form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                let label = ui.label("Name");
                ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(240.0)).labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Passphrase");
                ui.add(egui::TextEdit::singleline(&mut self.passphrase).password(true).desired_width(240.0)).labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Passphrase again");
                ui.add(egui::TextEdit::singleline(&mut self.again).password(true).desired_width(240.0)).labelled_by(label.id);
                ui.end_row();
            });
            ui.horizontal(|ui| {
                if ui.add_enabled(!self.busy, egui::Button::new("Create key")).clicked() {
                    match self.validate() {
                        Ok(()) => {
                            self.error = None;
                            self.busy = true;
                            outcome = Outcome::Apply(vec![Command::Signoff(SignoffCommand::CreateKey { name: self.name.trim().to_string(), passphrase: Passphrase(self.passphrase.clone()) })]);
                        }
                        Err(error) => self.error = Some(error),
                    }
                }
                if ui.add_enabled(!self.busy, egui::Button::new("Cancel")).clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
                if self.busy {
                    ui.spinner();
                }
            });
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        outcome
    }
}
