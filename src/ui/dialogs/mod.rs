//! Modal dialogs. Each draws itself and answers with commands; the app owns at most one.

mod confirm;
mod discard;
mod identity;
mod keygen;
mod override_probe;
mod reason;
mod sign;
mod sign_pdf;
mod start_run;

use super::app::App;
use super::command::{Command, ReasonKind};
use crate::model::Template;

/// A modal dialog hung from near the top of the window, as a sheet is: when a message or a
/// field appears in it, it grows downwards and nothing above moves from under the pointer (a
/// centred modal would shift every control up by half of what was added).
fn modal(id: &str) -> egui::Modal {
    let id = egui::Id::unique(id);
    egui::Modal::new(id).area(egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, DIALOG_TOP)))
}

/// How far below the window's top edge a dialog hangs.
const DIALOG_TOP: f32 = 36.0;

pub use confirm::ConfirmDialog;
pub use discard::DiscardDialog;
pub use identity::IdentityDialog;
pub use keygen::KeygenDialog;
pub use override_probe::OverrideDialog;
pub use reason::ReasonDialog;
pub use sign::{RoleSigner, SignDialog};
pub use sign_pdf::SignPdfDialog;
pub use start_run::StartRunDialog;

pub enum Dialog {
    Identity(IdentityDialog),
    Reason(ReasonDialog),
    StartRun(StartRunDialog),
    Discard(Box<DiscardDialog>),
    Confirm(Box<ConfirmDialog>),
    Override(OverrideDialog),
    Sign(Box<SignDialog>),
    Keygen(KeygenDialog),
    SignPdf(SignPdfDialog),
}

/// What a dialog wants after a frame.
pub enum Outcome {
    Open,
    /// Stay open and apply these commands; the dialog is closed by what they lead to.
    Apply(Vec<Command>),
    /// Close, applying these commands.
    Close(Vec<Command>),
}

impl Dialog {
    pub fn identity(current: &str) -> Dialog {
        Dialog::Identity(IdentityDialog::new(current))
    }

    pub fn reason(item: String, text: String, kind: ReasonKind) -> Dialog {
        Dialog::Reason(ReasonDialog::new(item, text, kind))
    }

    pub fn start_run(template: &Template) -> Dialog {
        Dialog::StartRun(StartRunDialog::new(template))
    }

    /// Starting a new run of a run's checklist, with that run's field values filled in.
    pub fn start_run_from(template: &Template, values: &std::collections::BTreeMap<String, crate::model::FieldValue>) -> Dialog {
        let mut dialog = StartRunDialog::new(template);
        dialog.fill(values);
        Dialog::StartRun(dialog)
    }

    pub fn confirm(title: &str, message: String, confirm: &str, then: Command) -> Dialog {
        Dialog::Confirm(Box::new(ConfirmDialog::new(title, message, confirm, then)))
    }

    pub fn override_probe(item: String, text: String, state: crate::model::ItemState, probe_summary: String) -> Dialog {
        Dialog::Override(OverrideDialog::new(item, text, state, probe_summary))
    }

    /// Asks about unsaved edits before `then` (or, with None, before closing the window).
    pub fn discard(then: Option<Command>) -> Dialog {
        Dialog::Discard(Box::new(DiscardDialog::new(then)))
    }
}

impl App {
    pub(super) fn dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.dialog else { return };
        // Escape closes every dialog as Cancel would, except while it waits for a worker, and
        // except the first "Who are you?", which the app cannot do without.
        let busy = match dialog {
            Dialog::Sign(d) => d.busy,
            Dialog::SignPdf(d) => d.busy,
            Dialog::Identity(_) => self.prefs.user_name.trim().is_empty(),
            _ => false,
        };
        if !busy && ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            self.closing = false;
            self.dialog = None;
            return;
        }
        let Some(dialog) = &mut self.dialog else { return };
        let outcome = match dialog {
            Dialog::Identity(d) => d.ui(ctx),
            Dialog::Reason(d) => d.ui(ctx),
            Dialog::StartRun(d) => d.ui(ctx),
            Dialog::Discard(d) => d.ui(ctx),
            Dialog::Confirm(d) => d.ui(ctx),
            Dialog::Override(d) => d.ui(ctx),
            Dialog::Sign(d) => d.ui(ctx),
            Dialog::Keygen(d) => d.ui(ctx),
            Dialog::SignPdf(d) => d.ui(ctx),
        };
        if let Outcome::Apply(commands) = outcome {
            self.commands.extend(commands);
        } else if let Outcome::Close(commands) = outcome {
            if let Some(Dialog::Discard(d)) = &self.dialog {
                self.closing = false;
                if d.discarded {
                    self.discard_edits(ctx, d.then.is_none());
                }
            }
            self.dialog = None;
            self.commands.extend(commands);
        }
    }

    /// Drops the editor's unsaved edits; closes the window when that was what was asked.
    fn discard_edits(&mut self, ctx: &egui::Context, close_window: bool) {
        if let super::app::View::Editor(doc) = &mut self.view {
            doc.dirty = false;
        }
        if close_window {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}
