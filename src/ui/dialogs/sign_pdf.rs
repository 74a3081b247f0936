//! Signing an exported audit record as a PDF: choose a key, give its passphrase. The first PDF
//! signature certifies the record; later ones are approvals, each in the box of the role the
//! key signed in the run. The work happens on a worker; a refusal comes back here.

use std::path::PathBuf;

use egui::RichText;

use super::Outcome;
use crate::model::KeyAlgorithm;
use crate::signoff::PublicKeyInfo;
use crate::ui::command::{Command, ExportCommand, Passphrase};

pub struct SignPdfDialog {
    path: PathBuf,
    /// None until the key folder was read.
    keys: Option<Vec<PublicKeyInfo>>,
    key: Option<String>,
    passphrase: String,
    /// Set while the worker signs.
    pub busy: bool,
    pub error: Option<String>,
}

impl SignPdfDialog {
    pub fn new(path: PathBuf, signer: &str) -> SignPdfDialog {
        SignPdfDialog { path, keys: None, key: Some(signer.to_string()), passphrase: String::new(), busy: false, error: None }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The keys that can sign a PDF (with a certificate), once read; the signer's own is chosen.
    pub fn set_keys(&mut self, keys: Vec<PublicKeyInfo>) {
        let usable: Vec<PublicKeyInfo> = keys.into_iter().filter(|k| k.algorithm == KeyAlgorithm::EcdsaP256 && k.certificate.is_some()).collect();
        let wanted = self.key.take().unwrap_or_default();
        self.key = usable.iter().find(|k| k.name.eq_ignore_ascii_case(wanted.trim()) || k.id == wanted).or(usable.first()).map(|k| k.id.clone());
        self.keys = Some(usable);
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("sign pdf").show(ctx, |ui| {
            ui.set_width(480.0);
            ui.heading("Sign the PDF");
            ui.label(RichText::new(self.path.display().to_string()).monospace().small());
            ui.label(
                "The first PDF signature certifies the record; later ones add your approval in the box of the role your key signed \
                 in the run. Acrobat, Okular and pdfsig show them; nothing already in the file changes.",
            );
            ui.add_space(4.0);
            self.key_ui(ui);
            ui.horizontal(|ui| {
                let ready = !self.busy && self.key.is_some() && !self.passphrase.is_empty();
                let sign = ui.add_enabled(ready, egui::Button::new("Sign"));
                if sign.on_disabled_hover_text("Choose a key and enter its passphrase").clicked()
                    && let Some(key) = self.key.clone()
                {
                    self.busy = true;
                    self.error = None;
                    let passphrase = Passphrase(std::mem::take(&mut self.passphrase));
                    outcome = Outcome::Apply(vec![Command::Export(ExportCommand::SignPdf { path: self.path.clone(), key, passphrase })]);
                }
                if self.busy {
                    ui.spinner();
                    ui.label("Signing…");
                }
                if ui.add_enabled(!self.busy, egui::Button::new("Cancel")).clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
            });
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        outcome
    }

    fn key_ui(&mut self, ui: &mut egui::Ui) {
        let Some(keys) = &self.keys else {
            ui.spinner();
            return;
        };
        if keys.is_empty() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "You have no key that can sign a PDF. Create one in the sign-off panel (New key…) or with `preflight keygen`.",
            );
            return;
        }
        ui.horizontal(|ui| {
            let label = ui.label("Signing key");
            let selected = self.key.as_ref().and_then(|id| keys.iter().find(|k| k.id == *id)).map_or("Choose a key", |k| k.name.as_str()).to_string();
            egui::ComboBox::from_id_salt("pdf sign key")
                .selected_text(selected)
                .width(240.0)
                .show_ui(ui, |ui| {
                    for key in keys {
                        ui.selectable_value(&mut self.key, Some(key.id.clone()), &key.name);
                    }
                })
                .response
                .labelled_by(label.id);
        });
        if let Some(key) = self.key.as_ref().and_then(|id| keys.iter().find(|k| k.id == *id)) {
            ui.label(RichText::new(format!("Fingerprint {}", key.fingerprint())).monospace().small());
        }
        ui.horizontal(|ui| {
            let label = ui.label("Passphrase");
            ui.add(egui::TextEdit::singleline(&mut self.passphrase).password(true).desired_width(240.0)).labelled_by(label.id);
        });
    }
}
