//! Signing a run: printed name, role, meaning, the attestation, a drawn signature, and a key
//! with its passphrase when the signer has one. Stale or missing probe evidence is listed up
//! front, with "Re-run these probes" or a waiver with a reason. The verdict the signature will
//! carry is shown with its blockers; signing a NO-GO run asks why, in the signer's words.
//!
//! The printed name is the app's user. Signing as someone else is an explicit choice, recorded
//! with the signature; a key must belong to the person named, a role may require a key, and a
//! role the template keeps apart from another cannot be signed by that role's signer.

use egui::RichText;

use super::Outcome;
use crate::model::{Blocker, Role, Waiver, same_name};
use crate::signoff::{DEFAULT_ATTESTATION, PublicKeyInfo, SignRequest, StaleProbe};
use crate::ui::command::{Command, Passphrase, ProbeCommand, SignDraft, SignoffCommand};
use crate::ui::inline;
use crate::ui::signature_pad::SignaturePad;

/// Who holds a role's current signature: the printed name, and who entered it if another.
#[derive(Debug, Clone)]
pub struct RoleSigner {
    pub role: String,
    pub names: Vec<String>,
}

pub struct SignDialog {
    run_title: String,
    roles: Vec<Role>,
    role: String,
    /// The app's user: the printed name unless they sign as someone else.
    user: String,
    as_someone_else: bool,
    /// The printed name typed when signing as someone else.
    name: String,
    /// The current signers of the other roles, for segregation of duties.
    signers: Vec<RoleSigner>,
    meaning: String,
    attestation: String,
    pad: SignaturePad,
    /// None until the key folder was read.
    keys: Option<Vec<PublicKeyInfo>>,
    key: Option<String>,
    passphrase: String,
    stale: Vec<StaleProbe>,
    waiver_reason: String,
    /// The run's blockers when the dialog opened; the chosen role's own are left out when shown.
    blockers: Vec<Blocker>,
    acknowledgement: String,
    /// Set while a key is being unlocked on a worker.
    pub busy: bool,
    pub error: Option<String>,
    /// The run and its content hash as the signer saw them when the dialog opened.
    seen: (String, String),
}

impl SignDialog {
    /// `seen` is the run's id and content hash now: the signature is refused if either differs
    /// when it is made (another run opened, probe results arrived).
    pub fn new(run_title: &str, roles: Vec<Role>, role: &str, name: &str, stale: Vec<StaleProbe>, seen: (String, String)) -> SignDialog {
        let meaning = roles.iter().find(|r| r.id == role).map(|r| r.meaning.clone()).unwrap_or_default();
        SignDialog {
            run_title: run_title.to_string(),
            roles,
            role: role.to_string(),
            user: name.trim().to_string(),
            as_someone_else: false,
            name: String::new(),
            signers: Vec::new(),
            meaning,
            attestation: DEFAULT_ATTESTATION.to_string(),
            pad: SignaturePad::default(),
            keys: None,
            key: None,
            passphrase: String::new(),
            stale,
            waiver_reason: String::new(),
            blockers: Vec::new(),
            acknowledgement: String::new(),
            busy: false,
            error: None,
            seen,
        }
    }

    /// The signer's keys, once read; the signer's own key is chosen for them.
    pub fn set_keys(&mut self, keys: Vec<PublicKeyInfo>) {
        if self.key.is_none() {
            let name = self.printed_name();
            self.key = keys.iter().find(|k| same_name(&k.holder(), &name) || same_name(&k.name, &name)).map(|k| k.id.clone());
        }
        self.keys = Some(keys);
    }

    /// Who signed the other roles, for the roles the template keeps apart.
    pub fn set_signers(&mut self, signers: Vec<RoleSigner>) {
        self.signers = signers;
    }

    fn printed_name(&self) -> String {
        if self.as_someone_else { self.name.trim().to_string() } else { self.user.clone() }
    }

    fn chosen_role(&self) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == self.role)
    }

    /// The roles kept apart from the chosen one, each with whether the person signing now
    /// already signed it.
    fn kept_apart(&self) -> Vec<(&Role, bool)> {
        let Some(role) = self.chosen_role() else { return Vec::new() };
        let me = [self.printed_name(), self.user.clone()];
        self.roles
            .iter()
            .filter(|other| other.id != role.id && (role.separate_from.contains(&other.id) || other.separate_from.contains(&role.id)))
            .map(|other| {
                let signed = self.signers.iter().filter(|s| s.role == other.id).any(|s| s.names.iter().any(|n| me.iter().any(|m| same_name(m, n))));
                (other, signed)
            })
            .collect()
    }

    /// What blocks GO now.
    pub fn set_verdict(&mut self, blockers: Vec<Blocker>) {
        self.blockers = blockers;
    }

    /// The blockers the signature will carry: all but the chosen role's own missing signature
    /// and the probe evidence the signer must waive to sign at all.
    fn blockers_for_role(&self) -> Vec<&Blocker> {
        let waived = |blocker: &Blocker| self.stale.iter().any(|stale| blocker.cleared_by_waiver(&stale.item));
        self.blockers.iter().filter(|blocker| !blocker.cleared_by_signing(&self.role) && !waived(blocker)).collect()
    }

    /// Signing was refused because of probe evidence; show the list again.
    pub fn set_stale(&mut self, stale: Vec<StaleProbe>) {
        self.stale = stale;
        self.busy = false;
    }

    fn validate(&self) -> Result<SignDraft, String> {
        let name = self.printed_name();
        if name.is_empty() {
            return Err(if self.as_someone_else { "Enter the printed name of the person signing." } else { "Set your name first." }.into());
        }
        if let Some((other, _)) = self.kept_apart().into_iter().find(|(_, signed)| *signed) {
            return Err(format!(
                "{name} signed {}, which must be signed by another person than {}: segregation of duties.",
                other.title,
                self.chosen_role().map_or("this role", |r| r.title.as_str())
            ));
        }
        if let Some(role) = self.chosen_role()
            && role.require_key
            && self.key.is_none()
        {
            return Err(format!("{} must be signed with a key: choose yours, or create one with New key….", role.title));
        }
        if let Some(key) = self.key.as_ref().and_then(|id| self.keys.iter().flatten().find(|k| k.id == *id)) {
            let holder = key.holder();
            if !same_name(&holder, &name) {
                return Err(format!("The key \"{}\" belongs to {holder}, not {name}: sign with {name}'s own key, or without a key.", key.name));
            }
        }
        if self.meaning.trim().is_empty() {
            return Err("Say what your signature means.".into());
        }
        if self.pad.is_empty() {
            return Err("Draw your signature in the pad.".into());
        }
        if !self.stale.is_empty() && self.waiver_reason.trim().is_empty() {
            return Err("Re-run the listed probes, or give a reason to waive them.".into());
        }
        let no_go = !self.blockers_for_role().is_empty();
        if no_go && self.acknowledgement.trim().is_empty() {
            return Err("The run is NO-GO: say why you sign it anyway.".into());
        }
        let key = match &self.key {
            Some(id) if self.passphrase.is_empty() => {
                return Err(format!("Enter the passphrase of key {id}."));
            }
            Some(id) => Some((id.clone(), Passphrase(self.passphrase.clone()))),
            None => None,
        };
        let waivers = self
            .stale
            .iter()
            .map(|s| Waiver { item: s.item.clone(), problem: s.problem.clone(), reason: self.waiver_reason.trim().to_string() })
            .collect();
        let request = SignRequest {
            role: self.role.clone(),
            name,
            entered_by: Some(self.user.clone()),
            meaning: self.meaning.trim().to_string(),
            attestation: self.attestation.clone(),
            strokes: self.pad.strokes(),
            waivers,
            acknowledgement: no_go.then(|| self.acknowledgement.trim().to_string()),
            // Set when the signature is made, after the key is unlocked.
            at: crate::model::Timestamp::from_datetime(chrono::DateTime::UNIX_EPOCH),
        };
        Ok(SignDraft { request, key, seen: self.seen.clone() })
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("sign dialog").show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading("Sign off");
            ui.label(RichText::new(&self.run_title).strong());
            egui::ScrollArea::vertical().max_height(ctx.content_rect().height() - 200.0).show(ui, |ui| {
                self.form_ui(ui, &mut outcome);
            });
            ui.horizontal(|ui| {
                let sign = ui.add_enabled(!self.busy, egui::Button::new(RichText::new("✍ Sign").strong()));
                if sign.clicked() {
                    match self.validate() {
                        Ok(draft) => {
                            self.error = None;
                            self.busy = draft.key.is_some();
                            outcome = Outcome::Apply(vec![Command::Signoff(SignoffCommand::Sign(Box::new(draft)))]);
                        }
                        Err(error) => self.error = Some(error),
                    }
                }
                if ui.add_enabled(!self.busy, egui::Button::new("Cancel")).clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
                if self.busy {
                    ui.spinner();
                    ui.label("Checking the passphrase…");
                }
            });
            if let Some(error) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        outcome
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Outcome) {
        egui::Grid::new("sign form").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            self.identity_ui(ui);
            let role_label = ui.label("Role");
            let current = self.roles.iter().find(|r| r.id == self.role).map(|r| r.title.clone()).unwrap_or_default();
            let mut chosen = None;
            let combo = egui::ComboBox::from_id_salt("sign role").selected_text(current).width(300.0).show_ui(ui, |ui| {
                for role in &self.roles {
                    let text = if role.required { role.title.clone() } else { format!("{} (optional)", role.title) };
                    if ui.selectable_label(role.id == self.role, text).clicked() {
                        chosen = Some(role.clone());
                    }
                }
            });
            combo.response.labelled_by(role_label.id);
            if let Some(role) = chosen {
                self.role = role.id;
                self.meaning = role.meaning;
            }
            ui.end_row();
            self.requirements_ui(ui);
            let label = ui.label("Meaning");
            ui.add(egui::TextEdit::singleline(&mut self.meaning).hint_text("Approved for production").desired_width(300.0)).labelled_by(label.id);
            ui.end_row();
        });
        ui.add_space(4.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(&self.attestation).italics());
        });
        ui.add_space(4.0);
        self.pad.ui(ui);
        ui.horizontal(|ui| {
            if ui.button("Clear").clicked() {
                self.pad.clear();
            }
            let strokes = self.pad.strokes().len();
            ui.label(
                RichText::new(if strokes == 0 {
                    "No signature drawn".to_string()
                } else {
                    format!("{strokes} stroke{}", if strokes == 1 { "" } else { "s" })
                })
                .weak(),
            );
        });
        ui.add_space(4.0);
        self.key_ui(ui, outcome);
        ui.add_space(4.0);
        self.verdict_ui(ui);
        if !self.stale.is_empty() {
            self.stale_ui(ui, outcome);
        }
    }

    /// Who signs: the app's user, or, chosen explicitly, someone else by printed name.
    fn identity_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("Signing as");
        ui.horizontal(|ui| {
            ui.label(RichText::new(&self.user).strong());
            ui.checkbox(&mut self.as_someone_else, "Sign as someone else")
                .on_hover_text("Enter a signature for another person; it is recorded as entered by you");
        });
        ui.end_row();
        if !self.as_someone_else {
            return;
        }
        let label = ui.label("Printed name");
        ui.vertical(|ui| {
            ui.add(egui::TextEdit::singleline(&mut self.name).id_salt("printed name").desired_width(300.0)).labelled_by(label.id);
            let note = format!("Recorded, shown and printed as entered by {} for the person named.", self.user);
            ui.colored_label(ui.visuals().warn_fg_color, RichText::new(note).small());
        });
        ui.end_row();
    }

    /// What the template asks of the chosen role: a key, or a signer other than some roles'.
    fn requirements_ui(&mut self, ui: &mut egui::Ui) {
        let needs_key = self.chosen_role().is_some_and(|r| r.require_key);
        let apart = self.kept_apart();
        if !needs_key && apart.is_empty() {
            return;
        }
        ui.label("");
        ui.vertical(|ui| {
            if needs_key {
                ui.label(RichText::new("🔑 This role must be signed with a key").small());
            }
            for (other, signed) in apart {
                let text = format!("⚖ Must be another person than the signer of {}", other.title);
                if signed {
                    ui.colored_label(ui.visuals().error_fg_color, RichText::new(format!("{text}: you signed it")).small());
                } else {
                    ui.label(RichText::new(text).small());
                }
            }
        });
        ui.end_row();
    }

    fn key_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Outcome) {
        ui.horizontal(|ui| {
            let key_label = ui.label("Signing key");
            let Some(keys) = &self.keys else {
                ui.spinner();
                return;
            };
            let selected = match &self.key {
                Some(id) => keys.iter().find(|k| k.id == *id).map_or(id.clone(), |k| k.name.clone()),
                None => "No key (drawn signature only)".to_string(),
            };
            egui::ComboBox::from_id_salt("sign key")
                .selected_text(selected)
                .width(240.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.key, None, "No key (drawn signature only)");
                    for key in keys {
                        ui.selectable_value(&mut self.key, Some(key.id.clone()), &key.name);
                    }
                })
                .response
                .labelled_by(key_label.id);
            if ui.button("New key…").on_hover_text("Create a passphrase-protected signing key").clicked() {
                *outcome = Outcome::Close(vec![Command::Signoff(SignoffCommand::BeginKeygen)]);
            }
        });
        let Some(id) = &self.key else { return };
        if let Some(key) = self.keys.iter().flatten().find(|k| k.id == *id) {
            ui.label(RichText::new(format!("Fingerprint {}", key.fingerprint())).monospace().small());
            let holder = key.holder();
            if !same_name(&holder, &self.printed_name()) {
                ui.colored_label(ui.visuals().warn_fg_color, RichText::new(format!("⚠ This key belongs to {holder}")).small());
            }
        }
        ui.horizontal(|ui| {
            let label = ui.label("Passphrase");
            ui.add(egui::TextEdit::singleline(&mut self.passphrase).password(true).desired_width(240.0)).labelled_by(label.id);
        });
    }

    fn stale_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Outcome) {
        ui.add_space(6.0);
        let warn = ui.visuals().warn_fg_color;
        ui.colored_label(warn, RichText::new(format!("⚠ {} probe result(s) are stale or missing", self.stale.len())).strong());
        for stale in &self.stale {
            ui.label(format!("• {} — {}", inline::plain(&stale.text), stale.problem));
        }
        ui.horizontal(|ui| {
            if ui.button("⟳ Re-run these probes").clicked() {
                *outcome = Outcome::Close(vec![Command::Probe(ProbeCommand::Run(self.stale.iter().map(|s| s.item.clone()).collect()))]);
            }
            ui.label(RichText::new("then sign again").weak());
        });
        let label = ui.label("Or waive them, with a reason (printed with your signature):");
        ui.add(egui::TextEdit::multiline(&mut self.waiver_reason).desired_rows(2).desired_width(f32::INFINITY)).labelled_by(label.id);
    }

    /// GO or NO-GO with this signature, and what blocks it; a NO-GO asks for the reason.
    fn verdict_ui(&mut self, ui: &mut egui::Ui) {
        // Few enough that the dialog fits a 700-point-high window without scrolling.
        const SHOWN: usize = 3;
        let blockers: Vec<String> = self.blockers_for_role().iter().map(|b| inline::plain(&b.to_string())).collect();
        if blockers.is_empty() {
            ui.colored_label(ui.visuals().widgets.active.fg_stroke.color, "✔ With your signature the run is GO.");
            return;
        }
        let warn = ui.visuals().warn_fg_color;
        ui.colored_label(warn, RichText::new(format!("⚠ The run is NO-GO: {} blocker(s)", blockers.len())).strong());
        for blocker in blockers.iter().take(SHOWN) {
            ui.label(RichText::new(format!("• {blocker}")).small());
        }
        if blockers.len() > SHOWN {
            ui.label(RichText::new(format!("and {} more", blockers.len() - SHOWN)).small().weak());
        }
        let label = ui.label("I sign knowing it is NO-GO because");
        ui.add(egui::TextEdit::singleline(&mut self.acknowledgement).id_salt("no-go acknowledgement").desired_width(400.0)).labelled_by(label.id);
    }
}
