//! Applying commands after drawing, and taking the results of background jobs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::app::{App, TemplateDoc, View};
use super::command::Command;
use super::dialogs::Dialog;
use super::editor::EditorDoc;
use super::jobs::JobResult;
use super::run_doc::RunDoc;
use crate::import::{ImportOptions, import_markdown, template_to_markdown};
use crate::model::Run;
use crate::store::{self, Document, EntrySource, Library};

impl App {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        // Applying a command may queue more (a confirmed dialog does), so drain until empty.
        for _ in 0..8 {
            let commands = std::mem::take(&mut self.commands);
            if commands.is_empty() {
                break;
            }
            for command in commands {
                self.apply(ctx, command);
            }
        }
    }

    pub(super) fn start_job(&mut self, key: &str, work: impl FnOnce() -> JobResult + Send + 'static) {
        match self.jobs.spawn(key, work) {
            Ok(true) => {}
            Ok(false) => self.toasts.notice(format!("Still busy with the last {key}; try again in a moment.")),
            Err(err) => self.toasts.error(err),
        }
    }

    /// Leaving the editor with unsaved edits asks first; returns true when it is fine to go on.
    fn may_leave(&mut self, then: Command) -> bool {
        if matches!(&self.view, View::Editor(doc) if doc.dirty) {
            self.dialog = Some(Dialog::discard(Some(then)));
            return false;
        }
        true
    }

    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        self.commit_note_if_moving(&command);
        match command {
            Command::Open(EntrySource::Bundled(name)) => {
                if !self.may_leave(Command::Open(EntrySource::Bundled(name))) {
                    return;
                }
                match Library::bundled_template(name) {
                    Some(Ok(template)) => self.view = View::Template(TemplateDoc { template, source: EntrySource::Bundled(name) }),
                    Some(Err(err)) => self.toasts.error(err.to_string()),
                    None => self.toasts.error(format!("{name}: no such bundled checklist")),
                }
            }
            Command::Open(EntrySource::File(path)) | Command::OpenPath(path) => {
                if !self.may_leave(Command::OpenPath(path.clone())) {
                    return;
                }
                let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
                if name.ends_with(".md") || name.ends_with(".markdown") {
                    self.commands.push(Command::ImportMarkdown(path));
                    return;
                }
                let target = path.clone();
                self.start_job("open", move || {
                    let result = store::load(&target).map_err(|e| e.to_string());
                    // Verifying hashes the whole run; it is done here, off the UI thread.
                    let verification = match &result {
                        Ok(Document::Run(run)) => Some(crate::signoff::verify(run)),
                        _ => None,
                    };
                    JobResult::Opened { result, path: target, verification }
                });
            }
            Command::PickFileToOpen => {
                let picked = rfd::FileDialog::new()
                    .set_title("Open a checklist, run or Markdown file")
                    .add_filter("Preflight documents and Markdown", &["ron", "md", "markdown"])
                    .set_directory(self.library.root())
                    .pick_file();
                if let Some(path) = picked {
                    self.commands.push(Command::OpenPath(path));
                }
            }
            Command::PickMarkdownToImport => {
                let picked = rfd::FileDialog::new().set_title("Import a Markdown checklist").add_filter("Markdown", &["md", "markdown"]).pick_file();
                if let Some(path) = picked {
                    self.commands.push(Command::ImportMarkdown(path));
                }
            }
            Command::ImportMarkdown(source) => {
                let templates = self.library.templates_dir();
                let from = source.clone();
                self.start_job("import", move || JobResult::Imported { result: import_into(&from, &templates), source: from });
            }
            Command::RefreshLibrary => {
                let library = self.library.clone();
                self.start_job("library", move || JobResult::Library(library.list()));
            }
            Command::CloseDocument => {
                if self.may_leave(Command::CloseDocument) {
                    self.view = View::Home;
                }
            }
            Command::BeginStartRun => {
                if let View::Template(doc) = &self.view {
                    self.dialog = Some(Dialog::start_run(&doc.template));
                }
            }
            Command::StartRun { values, save_as } => self.start_run(values, save_as),
            Command::EditTemplate => {
                if let View::Template(doc) = &self.view {
                    let path = match &doc.source {
                        EntrySource::File(path) => Some(path.clone()),
                        EntrySource::Bundled(_) => None,
                    };
                    self.view = View::Editor(Box::new(EditorDoc::new(doc.template.clone(), path)));
                }
            }
            Command::NewTemplate => {
                if self.may_leave(Command::NewTemplate) {
                    self.view = View::Editor(Box::new(EditorDoc::blank()));
                }
            }
            Command::SetUserName(name) => {
                self.prefs.user_name = name.trim().to_string();
            }
            Command::SetTheme(theme) => {
                self.prefs.theme = theme;
                ctx.set_theme(theme.preference());
            }
            Command::RunProbes(_) | Command::RunProbesConfirmed(_) | Command::CancelProbes | Command::OverrideProbe { .. } => {
                self.apply_probe(command)
            }
            Command::BeginSign { .. }
            | Command::Sign(_)
            | Command::BeginKeygen
            | Command::CreateKey { .. }
            | Command::BeginFinalise
            | Command::Finalise
            | Command::BeginStartRunFromRun => self.apply_signoff(command),
            Command::ExportPdf | Command::ExportPdfTo { .. } | Command::OpenExternally(_) | Command::SetPaper(_) => self.apply_export(ctx, command),
            Command::TestProbe { item, spec, confirmed } => {
                if let View::Editor(doc) = &mut self.view {
                    doc.test_result = None;
                }
                self.test_probe(item, spec, confirmed);
            }
            Command::ApplyEdit(_) | Command::UndoEdit | Command::RedoEdit | Command::SaveTemplate { .. } | Command::ExportMarkdown => {
                self.apply_editor(command);
            }
            other => self.apply_run(other),
        }
    }

    /// A note typed into the detail panel is saved when the selection moves away from it.
    fn commit_note_if_moving(&mut self, command: &Command) {
        let moving = matches!(
            command,
            Command::Select(_) | Command::Reveal(_) | Command::MoveSelection(_) | Command::CloseDocument | Command::OpenPath(_) | Command::Open(_)
        );
        if moving && let Some((item, note)) = self.note_draft.take() {
            self.apply_run(Command::SetNote { item, note });
        }
    }

    fn apply_run(&mut self, command: Command) {
        let actor = self.actor();
        let View::Run(doc) = &mut self.view else { return };
        let mut changed = false;
        let result = match command {
            Command::Select(item) => {
                doc.selected = Some(item);
                Ok(())
            }
            Command::Reveal(item) => {
                doc.select(&item);
                Ok(())
            }
            Command::MoveSelection(forward) => {
                doc.move_selection(forward);
                Ok(())
            }
            Command::SetState { item, state } => doc.set_state(&item, state, &actor, Self::now()).map(|c| changed = c),
            Command::AskReason { item, kind } => {
                let text = doc.text(&item).to_string();
                self.dialog = Some(Dialog::reason(item, text, kind));
                Ok(())
            }
            Command::SetNote { item, note } => {
                let before = doc.run.events.len();
                let result = doc.run.set_note(&item, note.trim(), &actor, Self::now());
                changed = doc.run.events.len() > before;
                result
            }
            Command::SetField { field, value } => {
                let before = doc.run.events.len();
                let result = doc.run.set_field(&field, value, &actor, Self::now());
                changed = doc.run.events.len() > before;
                doc.invalidate();
                result
            }
            Command::SetFilter(filter) => {
                doc.filter = filter;
                doc.invalidate();
                Ok(())
            }
            Command::ToggleSection(id) => {
                if !doc.collapsed.remove(&id) {
                    doc.collapsed.insert(id);
                }
                doc.invalidate();
                Ok(())
            }
            Command::Undo => match doc.undo(&actor, Self::now()) {
                Ok(Some(item)) => {
                    changed = true;
                    self.toasts.notice(format!("Undone: {}", doc.text(&item)));
                    Ok(())
                }
                Ok(None) => {
                    self.toasts.notice("Nothing to undo.");
                    Ok(())
                }
                Err(err) => Err(err),
            },
            Command::SaveNow => {
                changed = true;
                Ok(())
            }
            _ => Ok(()),
        };
        match result {
            // Contradicting the item's probe (done against a failure, failed against a pass)
            // needs a reason: ask for one.
            Err(crate::model::ModelError::ProbeDisagrees { item, wanted, .. }) => {
                let summary = doc.latest_probe(&item).map(|r| r.summary()).unwrap_or_default();
                let text = doc.text(&item).to_string();
                self.dialog = Some(Dialog::override_probe(item, text, wanted, summary));
            }
            Err(err) => self.toasts.error(err.to_string()),
            Ok(()) if changed => {
                // Any change may invalidate a signature, so the cached verdict goes too.
                doc.invalidate();
                self.autosave.save(doc.path.clone(), &doc.run);
            }
            Ok(()) => {}
        }
    }

    fn start_run(&mut self, values: Vec<(String, crate::model::FieldValue)>, save_as: bool) {
        // From a template on screen, or again from a (final) run's checklist.
        let template = match &self.view {
            View::Template(doc) => doc.template.clone(),
            View::Run(doc) => doc.run.template.clone(),
            _ => return,
        };
        let values: BTreeMap<_, _> = values.into_iter().collect();
        let run = match Run::start(template, uuid::Uuid::new_v4().to_string(), &self.actor(), Self::now(), values) {
            Ok(run) => run,
            Err(err) => {
                self.toasts.error(err.to_string());
                return;
            }
        };
        let stamp = run.created_at.as_datetime().format("%Y%m%d-%H%M%S");
        let default_name = format!("{}-{stamp}{}", run.template.id, store::RUN_EXTENSION);
        let path = if save_as {
            match rfd::FileDialog::new().set_title("Save the run as").set_directory(self.library.runs_dir()).set_file_name(&default_name).save_file()
            {
                Some(path) => path,
                None => return,
            }
        } else {
            self.library.runs_dir().join(default_name)
        };
        self.autosave.save(path.clone(), &run);
        self.prefs.remember(path.clone());
        self.toasts.notice(format!("Started a run of {}", run.template.title));
        self.view = View::Run(Box::new(RunDoc::new(run, path)));
        self.commands.push(Command::RefreshLibrary);
    }

    fn apply_editor(&mut self, command: Command) {
        let View::Editor(doc) = &mut self.view else { return };
        match command {
            Command::ApplyEdit(edit) => {
                if let Err(err) = doc.apply(edit) {
                    self.toasts.error(err.to_string());
                }
            }
            Command::UndoEdit => doc.undo(),
            Command::RedoEdit => doc.redo(),
            Command::SaveTemplate { save_as } => {
                let default = self.library.templates_dir().join(format!("{}{}", doc.template.id, store::TEMPLATE_EXTENSION));
                let path = match (&doc.path, save_as) {
                    (Some(path), false) => path.clone(),
                    // A new template goes into the library unless that name is taken.
                    (None, false) if !default.exists() => default,
                    _ => match rfd::FileDialog::new()
                        .set_title("Save the checklist template as")
                        .set_directory(self.library.templates_dir())
                        .set_file_name(default.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
                        .save_file()
                    {
                        Some(path) => path,
                        None => return,
                    },
                };
                let template = doc.template.clone();
                let target = path.clone();
                doc.saving_to = Some(path);
                self.start_job("template save", move || JobResult::TemplateSaved {
                    result: store::save_template(&target, &template).map_err(|e| e.to_string()),
                    path: target,
                });
            }
            Command::ExportMarkdown => {
                let name = format!("{}.md", doc.template.id);
                let Some(path) =
                    rfd::FileDialog::new().set_title("Export as Markdown").set_file_name(&name).add_filter("Markdown", &["md"]).save_file()
                else {
                    return;
                };
                let text = template_to_markdown(&doc.template);
                let target = path.clone();
                self.start_job("Markdown export", move || JobResult::MarkdownExported {
                    result: store::write_atomic(&target, text.as_bytes()).map_err(|e| format!("{}: {e}", target.display())),
                    path: target,
                });
            }
            _ => {}
        }
    }

    /// Takes the result of a finished background job.
    pub(super) fn job_done(&mut self, result: JobResult) {
        match result {
            JobResult::Opened { path, result, verification } => match result {
                Ok(Document::Template(template)) => {
                    self.prefs.remember(path.clone());
                    self.view = View::Template(TemplateDoc { template, source: EntrySource::File(path) });
                }
                Ok(Document::Run(run)) => {
                    if let Some(report) = &verification {
                        for problem in &report.problems {
                            self.toasts.error(format!("{}: {problem}", path.display()));
                        }
                    }
                    self.prefs.remember(path.clone());
                    let mut doc = RunDoc::new(*run, path);
                    doc.verification = verification;
                    self.view = View::Run(Box::new(doc));
                }
                // The error names the file and position; the file itself is left untouched.
                Err(err) => self.toasts.error(err),
            },
            JobResult::Imported { source, result } => match result {
                Ok((imported, saved)) => {
                    let counts = imported.counts();
                    let mut text = format!(
                        "Imported {}: {} checks, {} fields, {} roles",
                        source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        counts.checks,
                        counts.fields,
                        counts.roles
                    );
                    if !imported.warnings.is_empty() {
                        text.push_str(&format!(" ({} warnings: {})", imported.warnings.len(), imported.warnings[0].message));
                    }
                    self.toasts.notice(text);
                    self.view = View::Template(TemplateDoc { template: imported.template, source: EntrySource::File(saved.clone()) });
                    self.prefs.remember(saved);
                    self.commands.push(Command::RefreshLibrary);
                }
                Err(err) => self.toasts.error(err),
            },
            JobResult::TemplateSaved { path, result } => {
                if let View::Editor(doc) = &mut self.view
                    && doc.saving_to.as_ref() == Some(&path)
                {
                    doc.saving_to = None;
                    if result.is_ok() {
                        doc.path = Some(path.clone());
                        doc.dirty = false;
                    }
                }
                match result {
                    Ok(()) => {
                        self.toasts.notice(format!("Saved {}", path.display()));
                        self.prefs.remember(path);
                        self.commands.push(Command::RefreshLibrary);
                    }
                    Err(err) => self.toasts.error(err),
                }
            }
            JobResult::MarkdownExported { path, result } => match result {
                Ok(()) => self.toasts.notice(format!("Exported {}", path.display())),
                Err(err) => self.toasts.error(err),
            },
            JobResult::Library(entries) => self.entries = entries,
            JobResult::PdfExported { path, result } => self.export_done(path, result),
            other @ (JobResult::SignerKeys(_) | JobResult::KeyUnlocked { .. } | JobResult::KeyCreated(_)) => self.signoff_job_done(other),
        }
    }
}

/// Imports a Markdown file and saves the template in the library under a name not yet taken.
fn import_into(source: &Path, templates: &Path) -> Result<(crate::import::Imported, PathBuf), String> {
    let text = store::read_text(source, "a Markdown checklist").map_err(|e| e.to_string())?;
    let imported = import_markdown(&text, &ImportOptions { id: crate::import::id_from_file_name(source), title: None });
    std::fs::create_dir_all(templates).map_err(|e| format!("{}: cannot create the folder: {e}", templates.display()))?;
    let mut path = templates.join(format!("{}{}", imported.template.id, store::TEMPLATE_EXTENSION));
    let mut n = 2;
    while path.exists() {
        path = templates.join(format!("{}-{n}{}", imported.template.id, store::TEMPLATE_EXTENSION));
        n += 1;
    }
    store::save_new(&path, &imported.template).map_err(|e| e.to_string())?;
    Ok((imported, path))
}
