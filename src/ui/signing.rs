//! Sign-off from the app: opening the signing dialog, unlocking keys and creating them on
//! workers, recording signatures, finalising, and starting a new run from a final one.

use super::app::{App, View};
use super::command::{Command, SignDraft, SignoffCommand};
use super::dialogs::{Dialog, KeygenDialog, RoleSigner, SignDialog};
use super::jobs::{JobResult, SignoffJob};
use crate::signoff::{self, SignError, UnlockedKey};

impl App {
    pub(super) fn apply_signoff(&mut self, command: SignoffCommand) {
        match command {
            SignoffCommand::BeginSign { role } => {
                let View::Run(doc) = &mut self.view else { return };
                if let Err(err) = doc.run().refuse_if_final() {
                    self.toasts.error(err.to_string());
                    return;
                }
                let blockers = doc.summary(Self::now()).0.blockers.clone();
                let stale = signoff::stale_probes(doc.run(), Self::now());
                let seen = (doc.run().id.clone(), doc.run().content_sha256());
                let mut dialog = SignDialog::new(&doc.run().template.title, doc.run().roles(), &role, &self.prefs.user_name, stale, seen);
                dialog.set_verdict(blockers);
                dialog.set_signers(role_signers(doc.run()));
                self.dialog = Some(Dialog::Sign(Box::new(dialog)));
                self.list_keys();
            }
            SignoffCommand::Sign(draft) => match draft.key.clone() {
                None => self.sign(*draft, None),
                Some((id, passphrase)) => {
                    let keys = self.keys.clone();
                    self.start_job("sign", move || {
                        JobResult::Signoff(SignoffJob::KeyUnlocked { result: keys.unlock(&id, &passphrase.0).map_err(|e| e.to_string()), draft })
                    });
                }
            },
            SignoffCommand::BeginKeygen => self.dialog = Some(Dialog::Keygen(KeygenDialog::new(&self.prefs.user_name))),
            SignoffCommand::CreateKey { name, passphrase } => {
                let keys = self.keys.clone();
                let at = Self::now();
                self.start_job("keygen", move || {
                    JobResult::Signoff(SignoffJob::KeyCreated(keys.create(&name, &passphrase.0, at).map_err(|e| e.to_string())))
                });
            }
            SignoffCommand::BeginFinalise => {
                let message = "A final run takes no more changes: no state, note, field, probe result or signature. \
                               Start a new run from it to go again."
                    .to_string();
                self.dialog = Some(Dialog::confirm("Finalise this run?", message, "Finalise", Command::Signoff(SignoffCommand::Finalise)));
            }
            SignoffCommand::Finalise => {
                let actor = self.actor();
                let View::Run(doc) = &mut self.view else {
                    return;
                };
                match doc.edit(|run| run.finalise(&actor, Self::now())) {
                    Ok(()) => {
                        self.autosave.save(doc.path().to_path_buf(), doc.run());
                        self.toasts.notice("The run is final.");
                    }
                    Err(err) => self.toasts.error(err.to_string()),
                }
            }
            SignoffCommand::BeginStartRunFromRun => {
                let View::Run(doc) = &self.view else { return };
                self.dialog = Some(Dialog::start_run_from(&doc.run().template, &doc.run().fields));
            }
        }
    }

    /// Reads the signer keys on a worker; the signing dialog shows them when they arrive.
    fn list_keys(&mut self) {
        let keys = self.keys.clone();
        self.start_job("keys", move || JobResult::Signoff(SignoffJob::SignerKeys(keys.list().map_err(|e| e.to_string()))));
    }

    /// Records a signature on the open run, now. A refusal goes back to the signing dialog.
    fn sign(&mut self, mut draft: SignDraft, key: Option<&UnlockedKey>) {
        let View::Run(doc) = &mut self.view else {
            return;
        };
        draft.request.at = Self::now();
        let role = draft.request.role.clone();
        let dialog = match &mut self.dialog {
            Some(Dialog::Sign(dialog)) => Some(dialog),
            _ => None,
        };
        // The signature covers what the signer saw: not another run, not new probe results.
        let changed = if doc.run().id != draft.seen.0 {
            Some("Another run is open now.")
        } else if doc.run().content_sha256() != draft.seen.1 {
            Some("The run changed while this dialog was open (a probe result or another change arrived).")
        } else {
            None
        };
        if let Some(reason) = changed {
            let message = format!("{reason} Nothing was signed: cancel, review the run, and sign again.");
            match dialog {
                Some(dialog) => {
                    dialog.busy = false;
                    dialog.error = Some(message);
                }
                None => self.toasts.error(message),
            }
            return;
        }
        match doc.edit(|run| signoff::sign(run, draft.request, key)) {
            Ok(()) => {
                self.autosave.save(doc.path().to_path_buf(), doc.run());
                let title = doc.run().roles().into_iter().find(|r| r.id == role).map(|r| r.title).unwrap_or(role);
                let verdict = if doc.summary(Self::now()).0.is_go() { " The run is GO." } else { "" };
                self.toasts.notice(format!("Signed as {title}.{verdict}"));
                self.dialog = None;
            }
            Err(SignError::StaleProbes(stale)) => match dialog {
                Some(dialog) => {
                    dialog.error = Some(format!("{} probe result(s) went stale while signing.", stale.len()));
                    dialog.set_stale(stale);
                }
                None => self.toasts.error(format!("{} probe result(s) are stale; sign again", stale.len())),
            },
            Err(err) => match dialog {
                Some(dialog) => {
                    dialog.busy = false;
                    dialog.error = Some(err.to_string());
                }
                None => self.toasts.error(err.to_string()),
            },
        }
    }

    /// Takes the result of a sign-off job.
    pub(super) fn signoff_job_done(&mut self, result: SignoffJob) {
        match result {
            SignoffJob::SignerKeys(Ok(keys)) => match &mut self.dialog {
                Some(Dialog::Sign(dialog)) => dialog.set_keys(keys),
                Some(Dialog::SignPdf(dialog)) => dialog.set_keys(keys),
                _ => {}
            },
            SignoffJob::SignerKeys(Err(err)) => {
                self.toasts.error(format!("Cannot read the signing keys: {err}"));
                match &mut self.dialog {
                    Some(Dialog::Sign(dialog)) => dialog.set_keys(Vec::new()),
                    Some(Dialog::SignPdf(dialog)) => dialog.set_keys(Vec::new()),
                    _ => {}
                }
            }
            SignoffJob::KeyUnlocked { draft, result } => match result {
                Ok(key) => self.sign(*draft, Some(&key)),
                Err(err) => {
                    if let Some(Dialog::Sign(dialog)) = &mut self.dialog {
                        dialog.busy = false;
                        dialog.error = Some(err);
                    }
                }
            },
            SignoffJob::KeyCreated(Ok(info)) => {
                self.toasts.notice(format!("Created the signing key of {}, fingerprint {}", info.name, info.fingerprint()));
                self.dialog = None;
            }
            SignoffJob::KeyCreated(Err(err)) => match &mut self.dialog {
                Some(Dialog::Keygen(dialog)) => {
                    dialog.busy = false;
                    dialog.error = Some(err);
                }
                _ => self.toasts.error(err),
            },
        }
    }
}

/// Who holds each role's current signature, by printed name and by who entered it.
fn role_signers(run: &crate::model::Run) -> Vec<RoleSigner> {
    run.roles()
        .into_iter()
        .filter_map(|role| {
            let signature = run.signatures.iter().rev().find(|s| s.role == role.id)?;
            let names = std::iter::once(signature.name.clone()).chain(signature.entered_by.clone()).collect();
            Some(RoleSigner { role: role.id, names })
        })
        .collect()
}
