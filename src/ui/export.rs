//! Exporting the open run as a PDF audit record: a save dialog, rendering on a worker with
//! progress in the status bar, one export at a time, and an offer to open the result.

use super::file_chooser::FileRequest;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::app::{App, View};
use super::command::{Command, ExportCommand};
use super::dialogs::{ConfirmDialog, Dialog};
use super::jobs::{Exported, JobResult};
use crate::pdf::{Paper, PdfOptions};

/// The key of the export job: a second export is refused while one runs.
pub(super) const JOB: &str = "PDF export";

/// An export under way: where it goes and how far it is, in thousandths.
pub struct PdfExport {
    pub path: PathBuf,
    pub progress: Arc<AtomicU32>,
}

impl PdfExport {
    pub fn fraction(&self) -> f32 {
        self.progress.load(Ordering::Relaxed) as f32 / 1000.0
    }
}

impl App {
    pub(super) fn apply_export(&mut self, ctx: &egui::Context, command: ExportCommand) {
        match command {
            ExportCommand::Pdf => {
                let View::Run(doc) = &self.view else { return };
                if self.pdf_export.is_some() {
                    self.toasts.notice("A PDF export is already running; wait for it to finish.");
                    return;
                }
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M");
                let name = format!("{}-{stamp}.pdf", doc.run().template.id);
                let folder = doc.path().parent().map(PathBuf::from).unwrap_or_else(|| self.library.runs_dir());
                let paper = self.prefs.paper;
                let request = FileRequest::save("Export the audit record as PDF", name, move |path| {
                    Command::Export(ExportCommand::PdfTo { path, paper, allow_missing_glyphs: false })
                });
                self.choose_file(request.in_folder(folder).filter("PDF", &["pdf"]));
            }
            ExportCommand::PdfTo { path, paper, allow_missing_glyphs } => self.start_export(ctx, path, paper, allow_missing_glyphs),
            ExportCommand::SetPaper(paper) => self.prefs.paper = paper,
            ExportCommand::PickPdfToSign => self.pick_pdf_to_sign(),
            ExportCommand::BeginSignPdf(path) => self.begin_sign_pdf(path),
            ExportCommand::SignPdf { path, key, passphrase } => self.sign_pdf(path, key, passphrase),
            ExportCommand::OpenExternally(path) => {
                if let Err(err) = open::that_detached(&path) {
                    self.toasts.error(format!("{}: cannot open: {err}", path.display()));
                }
            }
        }
    }

    fn start_export(&mut self, ctx: &egui::Context, path: PathBuf, paper: Paper, allow_missing_glyphs: bool) {
        let View::Run(doc) = &self.view else { return };
        let run = doc.run().clone();
        let progress = Arc::new(AtomicU32::new(0));
        let (report, repaint) = (progress.clone(), ctx.clone());
        let mut options = PdfOptions::new(paper, Self::now());
        options.progress = Some(Box::new(move |fraction: f32| {
            report.store((fraction.clamp(0.0, 1.0) * 1000.0) as u32, Ordering::Relaxed);
            repaint.request_repaint();
        }));
        let target = path.clone();
        let started = self.jobs.spawn(JOB, move || {
            let report = crate::signoff::verify(&run);
            let result = crate::store::run_ron(&target, &run).map_err(|e| e.to_string()).and_then(|text| {
                let run_file = text.into_bytes();
                let record = crate::pdf::Record { run: &run, report: &report, run_file: &run_file };
                let rendered = crate::pdf::render(&record, &crate::store::SystemFonts, &options).map_err(|e| e.to_string())?;
                if !rendered.missing.is_empty() && !allow_missing_glyphs {
                    return Ok(Exported::MissingGlyphs(rendered.missing));
                }
                crate::store::write_atomic(&target, &rendered.bytes).map_err(|e| format!("{}: cannot write: {e}", target.display()))?;
                Ok(Exported::Written { pages: rendered.pages, warnings: rendered.warnings })
            });
            JobResult::PdfExported { path: target, paper, result }
        });
        // The job's key refuses a second export while one runs.
        match started {
            Ok(true) => self.pdf_export = Some(PdfExport { path, progress }),
            Ok(false) => self.toasts.notice("A PDF export is already running; wait for it to finish."),
            Err(err) => self.toasts.error(err),
        }
    }

    pub(super) fn export_done(&mut self, path: PathBuf, paper: Paper, result: Result<Exported, String>) {
        self.pdf_export = None;
        match result {
            Ok(Exported::MissingGlyphs(missing)) => {
                // By code point only: no font here can draw the characters themselves.
                let shown: Vec<String> = missing.iter().take(12).map(|c| format!("U+{:04X}", u32::from(*c))).collect();
                let more = if missing.len() > 12 { format!(" and {} more", missing.len() - 12) } else { String::new() };
                let message = format!(
                    "{} character(s) in this run have no font on this machine: {}{more}. In the PDF they would print as [U+XXXX] boxes, \
                     so a reader could not read them. Install a font that has them and export again, or save it as it is.",
                    missing.len(),
                    shown.join(", ")
                );
                let save = Command::Export(ExportCommand::PdfTo { path, paper, allow_missing_glyphs: true });
                self.dialog = Some(Dialog::confirm("Characters without a font", message, "Save it anyway", save));
            }
            Ok(Exported::Written { pages, warnings }) => {
                for warning in warnings {
                    self.toasts.error(format!("{}: {warning}", path.display()));
                }
                self.toasts.notice(format!("Exported the audit record: {} ({pages} pages)", path.display()));
                let message = format!(
                    "{}\n{pages} pages, with the run file attached for `preflight verify`. Sign it so that any PDF reader can check it.",
                    path.display()
                );
                let mut dialog = ConfirmDialog::new("PDF exported", message, "Open it", Command::Export(ExportCommand::OpenExternally(path.clone())));
                dialog.also("Sign the PDF…", Command::Export(ExportCommand::BeginSignPdf(path)));
                self.dialog = Some(Dialog::Confirm(Box::new(dialog)));
            }
            // The target is written atomically: a failed export leaves any earlier file as it was.
            Err(err) => self.toasts.error(format!("PDF export failed: {err}")),
        }
    }

    /// For tests and scripts: export the open run to `path` without the save dialog.
    pub fn export_pdf_to(&mut self, path: PathBuf, paper: Paper) {
        self.commands.push(Command::Export(ExportCommand::PdfTo { path, paper, allow_missing_glyphs: false }));
    }
}
