//! Signing an exported audit PDF from the app: pick the file (or come from the export), choose
//! a key and give its passphrase, and the worker reads the record, checks it as `preflight
//! verify` does, unlocks the key and appends the signature. The first PDF signature certifies
//! the record; later ones are approvals in the box of the role the key signed in the run.

use super::file_chooser::FileRequest;
use std::path::PathBuf;

use super::app::App;
use super::command::{Command, ExportCommand, Passphrase};
use super::dialogs::{Dialog, SignPdfDialog};
use super::jobs::{JobResult, SignoffJob};
use crate::pdf::CheckedRecord;

/// The key of the signing job: one PDF is signed at a time.
const JOB: &str = "PDF signing";

impl App {
    pub(super) fn pick_pdf_to_sign(&mut self) {
        let request = FileRequest::open("Sign an audit record", |path| Command::Export(ExportCommand::BeginSignPdf(path)));
        self.choose_file(request.in_folder(self.library.runs_dir()).filter("PDF", &["pdf"]));
    }

    pub(super) fn begin_sign_pdf(&mut self, path: PathBuf) {
        self.dialog = Some(Dialog::SignPdf(SignPdfDialog::new(path, &self.prefs.user_name)));
        let keys = self.keys.clone();
        self.start_job("keys", move || JobResult::Signoff(SignoffJob::SignerKeys(keys.list().map_err(|e| e.to_string()))));
    }

    pub(super) fn sign_pdf(&mut self, path: PathBuf, key: String, passphrase: Passphrase) {
        let keys = self.keys.clone();
        let now = Self::now();
        let target = path.clone();
        let started = self.jobs.spawn(JOB, move || {
            let result = (|| -> Result<String, String> {
                let bytes = crate::store::read_pdf(&target)?;
                let checked = CheckedRecord::check(&bytes).map_err(|e| format!("{}: not a Preflight audit record: {e}", target.display()))?;
                if let Some(first) = checked.refusals().first() {
                    return Err(format!("Not signed: the record was altered after export or does not verify: {first}"));
                }
                let key = keys.unlock(&key, &passphrase.0).map_err(|e| e.to_string())?;
                let (signed, what) = if checked.signatures.signatures.is_empty() {
                    let signed = crate::pdf::certify(&bytes, &checked.run, &key, now).map_err(|e| e.to_string())?;
                    (signed, format!("Certified the record as {}", key.info.name))
                } else {
                    let signed = crate::pdf::countersign(&bytes, &checked, &key, None, now).map_err(|e| e.to_string())?;
                    let what = format!("Added the approval of {} ({})", signed.signer, signed.role_title);
                    (signed.bytes, what)
                };
                crate::store::write_atomic(&target, &signed).map_err(|e| format!("{}: cannot write: {e}", target.display()))?;
                Ok(format!("{what}: {}", target.display()))
            })();
            JobResult::PdfSigned { path: target, result }
        });
        match started {
            Ok(true) => {}
            Ok(false) => self.sign_pdf_failed("A PDF is already being signed; wait for it to finish.".into()),
            Err(err) => self.sign_pdf_failed(err),
        }
    }

    pub(super) fn pdf_signed(&mut self, path: PathBuf, result: Result<String, String>) {
        match result {
            Ok(message) => {
                if matches!(&self.dialog, Some(Dialog::SignPdf(dialog)) if dialog.path() == path) {
                    self.dialog = None;
                }
                self.toasts.notice(message);
            }
            // The file is written atomically: a refusal or failure leaves it as it was.
            Err(err) => self.sign_pdf_failed(err),
        }
    }

    fn sign_pdf_failed(&mut self, err: String) {
        match &mut self.dialog {
            Some(Dialog::SignPdf(dialog)) => {
                dialog.busy = false;
                dialog.error = Some(err);
            }
            _ => self.toasts.error(err),
        }
    }
}
