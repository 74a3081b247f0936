//! Applying library commands: opening and importing documents, starting runs, closing.

use super::file_chooser::FileRequest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::app::{App, TemplateDoc, View};
use super::command::{Command, LibraryCommand};
use super::dialogs::Dialog;
use super::editor::EditorDoc;
use super::jobs::JobResult;
use super::run_doc::RunDoc;
use crate::import::{ImportOptions, import_markdown};
use crate::model::Run;
use crate::store::{self, Document, EntrySource, FileKind, Library};

impl App {
    pub(super) fn apply_library(&mut self, ctx: &egui::Context, command: LibraryCommand) {
        match command {
            LibraryCommand::Quit => {
                if self.autosave.state == super::autosave::SaveState::Saving {
                    // The run's last change is still being written: close once it is on disk.
                    self.deferred.push(Command::Library(LibraryCommand::Quit));
                    ctx.request_repaint_after(std::time::Duration::from_millis(30));
                } else if self.has_unsaved_edits() {
                    self.closing = true;
                    self.dialog = Some(super::dialogs::Dialog::discard(None));
                } else {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            LibraryCommand::Open(EntrySource::Bundled(name)) => {
                if !self.may_leave(Command::Library(LibraryCommand::Open(EntrySource::Bundled(name)))) {
                    return;
                }
                match Library::bundled_template(name) {
                    Some(Ok(template)) => {
                        self.view = View::Template(Box::new(TemplateDoc { template, source: EntrySource::Bundled(name), markdown: None }))
                    }
                    Some(Err(err)) => self.toasts.error(err.to_string()),
                    None => self.toasts.error(format!("{name}: no such bundled checklist")),
                }
            }
            LibraryCommand::Open(EntrySource::File(path)) | LibraryCommand::OpenPath(path) => {
                // An audit record opens the signing dialog over whatever is open.
                if FileKind::of(&path) == FileKind::Pdf {
                    self.commands.push(Command::Export(super::command::ExportCommand::BeginSignPdf(path)));
                    return;
                }
                if !self.may_leave(Command::Library(LibraryCommand::OpenPath(path.clone()))) {
                    return;
                }
                if FileKind::of(&path) == FileKind::Markdown {
                    self.commands.push(Command::Library(LibraryCommand::ImportMarkdown(path)));
                    return;
                }
                let target = path.clone();
                let keys = self.keys.clone();
                self.start_job("open", move || {
                    let result = store::load_stamped(&target).map_err(|e| e.to_string());
                    // Verifying hashes the whole run, and judging trust reads key files: both
                    // are done here, off the UI thread.
                    let (verification, trust) = match &result {
                        Ok((Document::Run(run), _)) => (Some(crate::signoff::verify(run)), judge_trust(run, &keys, &target)),
                        _ => (None, Ok(Vec::new())),
                    };
                    JobResult::Opened { result, path: target, verification, trust }
                });
            }
            LibraryCommand::PickFileToOpen => {
                let request = FileRequest::open("Open a checklist, run, Markdown file or audit record to sign", |path| {
                    Command::Library(LibraryCommand::OpenPath(path))
                });
                let filter = ("Preflight documents, Markdown and audit records", &["ron", "md", "markdown", "pdf"][..]);
                self.choose_file(request.filter(filter.0, filter.1).in_folder(self.library.root()));
            }
            LibraryCommand::PickMarkdownToImport => {
                let request = FileRequest::open("Import a Markdown checklist", |path| Command::Library(LibraryCommand::ImportMarkdown(path)));
                self.choose_file(request.filter("Markdown", &["md", "markdown"]));
            }
            LibraryCommand::ImportMarkdown(source) => {
                let library = self.library.clone();
                let from = source.clone();
                self.start_job("import", move || JobResult::Imported { result: import_into(&from, &library), source: from });
            }
            LibraryCommand::Refresh => {
                let library = self.library.clone();
                self.start_job("library", move || JobResult::Library(library.list()));
            }
            LibraryCommand::CloseDocument => {
                if self.may_leave(Command::Library(LibraryCommand::CloseDocument)) {
                    self.view = View::Home;
                }
            }
            LibraryCommand::BeginStartRun => {
                if let View::Template(doc) = &self.view {
                    self.dialog = Some(Dialog::start_run(&doc.template));
                }
            }
            LibraryCommand::StartRun { values, save_as, in_progress } => self.start_run(values, save_as, in_progress),
            LibraryCommand::OpenNewRun { run, path } => self.open_new_run(*run, path),
            LibraryCommand::EditTemplate => {
                if let View::Template(doc) = &self.view {
                    let path = match &doc.source {
                        EntrySource::File(path) => Some(path.clone()),
                        EntrySource::Bundled(_) => None,
                    };
                    self.view = View::Editor(Box::new(EditorDoc::new(doc.template.clone(), path)));
                }
            }
            LibraryCommand::NewTemplate => {
                if self.may_leave(Command::Library(LibraryCommand::NewTemplate)) {
                    self.view = View::Editor(Box::new(EditorDoc::blank()));
                }
            }
        }
    }

    fn start_run(&mut self, values: Vec<(String, crate::model::FieldValue)>, save_as: bool, in_progress: bool) {
        // From a template on screen, or again from a (final) run's checklist.
        let (template, source) = match &self.view {
            View::Template(doc) => {
                let source = doc.markdown.clone().or_else(|| match &doc.source {
                    EntrySource::File(path) => path.file_name().map(|name| name.to_string_lossy().into_owned()),
                    EntrySource::Bundled(name) => Some(name.to_string()),
                });
                (doc.template.clone(), source.unwrap_or_else(|| doc.template.title.clone()))
            }
            View::Run(doc) => (doc.run().template.clone(), doc.run().template.title.clone()),
            _ => return,
        };
        let values: BTreeMap<_, _> = values.into_iter().collect();
        let now = Self::now();
        let started = Run::start(template, uuid::Uuid::new_v4().to_string(), &self.actor(), now, values).and_then(|mut run| {
            if in_progress {
                run.take_ticks(&format!("imported from {source}"), now)?;
            }
            Ok(run)
        });
        let run = match started {
            Ok(run) => run,
            Err(err) => {
                self.toasts.error(err.to_string());
                return;
            }
        };
        if save_as {
            let request = FileRequest::save("Save the run as", store::run_file_name(&run), move |path| {
                Command::Library(LibraryCommand::OpenNewRun { run: Box::new(run), path })
            });
            self.choose_file(request.in_folder(self.library.runs_dir()));
        } else {
            let path = self.library.run_path(&run);
            self.open_new_run(run, path);
        }
    }

    /// Saves a run just started and shows it.
    fn open_new_run(&mut self, run: Run, path: std::path::PathBuf) {
        self.autosave.save(path.clone(), &run);
        self.prefs.remember(path.clone());
        self.toasts.notice(format!("Started a run of {}", run.template.title));
        self.view = View::Run(Box::new(RunDoc::new(run, path)));
        self.commands.push(Command::Library(LibraryCommand::Refresh));
    }
}

/// Imports a Markdown file and saves the template in the library under a name not yet taken.
fn import_into(source: &Path, library: &Library) -> Result<(crate::import::Imported, PathBuf), String> {
    let text = store::read_text(source, "a Markdown checklist").map_err(|e| e.to_string())?;
    let imported = import_markdown(&text, &ImportOptions { id: crate::import::id_from_file_name(source), title: None });
    library.ensure_dirs().map_err(|e| e.to_string())?;
    let path = library.unused_template_path(&imported.template.id);
    store::save_new(&path, &imported.template).map_err(|e| e.to_string())?;
    Ok((imported, path))
}

/// Judges each signature's key against the user's own keys and the team keyring found above
/// the run file (`.preflight/keyring`), as `preflight verify` does.
fn judge_trust(run: &crate::model::Run, keys: &crate::signoff::KeyStore, path: &std::path::Path) -> Result<Vec<crate::signoff::Trust>, String> {
    let mut store = crate::signoff::TrustStore::new();
    store.add_own_keys(keys).map_err(|e| e.to_string())?;
    if let Some(keyring) = crate::signoff::TrustStore::find_keyring(path) {
        store.add_keyring(&keyring).map_err(|e| e.to_string())?;
    }
    Ok(run.signatures.iter().map(|signature| store.judge_key(signature.key.as_ref(), signature.at)).collect())
}
