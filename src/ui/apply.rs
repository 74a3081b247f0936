//! Applying commands after drawing, each area by its own handler, and taking the results of
//! background jobs.

use super::app::{App, TemplateDoc, View};
use super::command::{Command, EditorCommand, ExportCommand, LibraryCommand, PrefsCommand, RunCommand};
use super::dialogs::Dialog;
use super::file_chooser::FileRequest;
use super::jobs::JobResult;
use super::run_doc::RunDoc;
use crate::import::template_to_markdown;
use crate::store::{self, Document, EntrySource};

impl App {
    pub(super) fn apply_commands(&mut self, ctx: &egui::Context) {
        // Commands held back last frame for a focused text box run after the edit it committed.
        let mut deferred = std::mem::take(&mut self.deferred);
        // Applying a command may queue more (a confirmed dialog does), so drain until empty.
        for _ in 0..8 {
            let mut commands = std::mem::take(&mut self.commands);
            commands.append(&mut deferred);
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
    pub(super) fn may_leave(&mut self, then: Command) -> bool {
        if matches!(&self.view, View::Editor(doc) if doc.dirty) {
            self.dialog = Some(Dialog::discard(Some(then)));
            return false;
        }
        true
    }

    fn apply(&mut self, ctx: &egui::Context, command: Command) {
        if command.commits_edits_first()
            && let Some(focused) = ctx.memory(|memory| memory.focused())
        {
            ctx.memory_mut(|memory| memory.surrender_focus(focused));
            self.deferred.push(command);
            ctx.request_repaint();
            return;
        }
        self.commit_note_if_moving(&command);
        if command.changes_run_content() && self.ask_before_invalidating(&command) {
            return;
        }
        match command {
            Command::Library(command) => self.apply_library(ctx, command),
            Command::Run(command) => self.apply_run(command),
            Command::Probe(command) => self.apply_probe(command),
            Command::Signoff(command) => self.apply_signoff(command),
            Command::Export(command) => self.apply_export(ctx, command),
            Command::Editor(command) => self.apply_editor(command),
            Command::Prefs(command) => self.apply_prefs(ctx, command),
            Command::Share(command) => self.apply_share(command),
        }
    }

    fn apply_prefs(&mut self, ctx: &egui::Context, command: PrefsCommand) {
        match command {
            PrefsCommand::SetUserName(name) => self.prefs.user_name = name.trim().to_string(),
            PrefsCommand::SetTheme(theme) => {
                self.prefs.theme = theme;
                ctx.set_theme(theme.preference());
            }
        }
    }

    /// The first change to a signed run says which signatures it will invalidate and asks;
    /// returns true when it asked (the change waits for the answer). Once confirmed, further
    /// changes do not ask again until someone signs anew.
    fn ask_before_invalidating(&mut self, command: &Command) -> bool {
        let View::Run(doc) = &mut self.view else { return false };
        if doc.run().is_final() || self.signed_change_allowed == Some((doc.run().id.clone(), doc.run().signatures.len())) {
            return false;
        }
        if let Command::Run(RunCommand::SetState { item, state }) = command
            && doc.run().items.get(item).is_some_and(|record| record.state == *state)
        {
            return false;
        }
        let holding = doc.signatures_a_change_invalidates();
        if holding.is_empty() {
            return false;
        }
        let message = format!(
            "This change invalidates the signature{} of {}. {} must sign again before the run is GO; \
             the signatures made so far stay in the audit trail.",
            if holding.len() == 1 { "" } else { "s" },
            holding.join(", "),
            if holding.len() == 1 { "That role" } else { "Those roles" }
        );
        let confirm = Command::Run(RunCommand::ChangeSignedRun(Box::new(command.clone())));
        self.dialog = Some(Dialog::confirm("Change a signed run?", message, "Make the change", confirm));
        true
    }

    /// A note typed into the detail panel is saved when the selection moves away from it.
    fn commit_note_if_moving(&mut self, command: &Command) {
        let moving = matches!(
            command,
            Command::Run(RunCommand::Select(_) | RunCommand::Reveal(_) | RunCommand::MoveSelection(_))
                | Command::Library(LibraryCommand::CloseDocument | LibraryCommand::OpenPath(_) | LibraryCommand::Open(_) | LibraryCommand::Quit)
                | Command::Export(ExportCommand::Pdf)
                | Command::Run(RunCommand::SaveNow)
        );
        if moving && let Some((item, note)) = self.note_draft.take() {
            self.apply_run(RunCommand::SetNote { item, note });
        }
    }

    fn apply_run(&mut self, command: RunCommand) {
        let actor = self.actor();
        let View::Run(doc) = &mut self.view else { return };
        let result = match command {
            RunCommand::Select(item) => {
                doc.set_selected(item);
                Ok(false)
            }
            RunCommand::Reveal(item) => {
                doc.select(&item);
                Ok(false)
            }
            RunCommand::MoveSelection(forward) => {
                doc.move_selection(forward);
                Ok(false)
            }
            RunCommand::SetState { item, state } => {
                // A decision someone made (N/A or skipped with a reason, failed) is not replaced
                // by one key press: ask first.
                // A failure a probe recorded goes through the override dialog instead, which asks why.
                let old = doc
                    .run()
                    .items
                    .get(&item)
                    .filter(|record| record.by.as_deref() != Some(crate::model::PROBE_ACTOR))
                    .map(|record| record.state.clone());
                match old {
                    Some(
                        old @ (crate::model::ItemState::NotApplicable { .. }
                        | crate::model::ItemState::Skipped { .. }
                        | crate::model::ItemState::Failed),
                    ) if old != state => {
                        let text = crate::ui::inline::plain(doc.text(&item));
                        let message =
                            format!("\"{text}\" is {old}. Mark it {} instead? The earlier decision stays in the audit trail.", state.label());
                        let confirm = format!("Mark {}", state.label());
                        self.dialog =
                            Some(Dialog::confirm("Replace this decision?", message, &confirm, RunCommand::ReplaceDecision { item, state }.into()));
                        Ok(false)
                    }
                    _ => doc.set_state(&item, state, &actor, Self::now()),
                }
            }
            RunCommand::ReplaceDecision { item, state } => doc.set_state(&item, state, &actor, Self::now()),
            RunCommand::AskReason { item, kind } => {
                let text = doc.text(&item).to_string();
                self.dialog = Some(Dialog::reason(item, text, kind));
                Ok(false)
            }
            RunCommand::SetNote { item, note } => doc.set_note(&item, note.trim(), &actor, Self::now()),
            RunCommand::SetField { field, value } => doc.set_field(&field, value, &actor, Self::now()),
            RunCommand::SetFilter(filter) => {
                doc.set_filter(filter);
                Ok(false)
            }
            RunCommand::ToggleSection(id) => {
                doc.toggle_section(&id);
                Ok(false)
            }
            RunCommand::ChangeSignedRun(change) => {
                self.signed_change_allowed = Some((doc.run().id.clone(), doc.run().signatures.len()));
                self.commands.push(*change);
                Ok(false)
            }
            RunCommand::Undo => undo_or_redo(doc, false, &actor, &mut self.toasts),
            RunCommand::Redo => undo_or_redo(doc, true, &actor, &mut self.toasts),
            // Saving now writes the run as it is, changed or not.
            RunCommand::SaveNow => Ok(true),
            RunCommand::FocusSearch => {
                self.focus_search = true;
                Ok(false)
            }
            RunCommand::FocusNote => {
                self.focus_note = true;
                Ok(false)
            }
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
            Ok(true) => self.autosave.save(doc.path().to_path_buf(), doc.run()),
            Ok(false) => {}
        }
    }

    fn apply_editor(&mut self, command: EditorCommand) {
        let View::Editor(doc) = &mut self.view else { return };
        match command {
            EditorCommand::TestProbe { item, spec, confirmed } => self.test_probe(item, *spec, confirmed),
            EditorCommand::Apply(edit) => {
                if let Err(err) = doc.apply(edit) {
                    self.toasts.error(err.to_string());
                }
            }
            EditorCommand::Undo => doc.undo(),
            EditorCommand::Redo => doc.redo(),
            EditorCommand::Save { save_as } => {
                let default = self.library.template_path(&doc.template.id);
                // The library listing says whether the name is taken, without touching the disk
                // here; the save itself refuses to replace a file that appeared since.
                let taken = self.entries.iter().any(|entry| matches!(&entry.source, EntrySource::File(path) if *path == default));
                let replace = doc.path.is_some() || save_as;
                let path = match (&doc.path, save_as) {
                    (Some(path), false) => path.clone(),
                    // A new template goes into the library unless that name is taken.
                    (None, false) if !taken => default,
                    _ => {
                        let name = default.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        let request = FileRequest::save("Save the checklist template as", name, move |path| {
                            Command::Editor(EditorCommand::SaveTo { path, replace })
                        });
                        self.choose_file(request.in_folder(self.library.templates_dir()));
                        return;
                    }
                };
                self.apply_editor(EditorCommand::SaveTo { path, replace });
            }
            EditorCommand::SaveTo { path, replace } => {
                let template = doc.template.clone();
                let target = path.clone();
                doc.saving_to = Some(path);
                self.start_job("template save", move || {
                    let saved = if replace { store::save_template(&target, &template) } else { store::save_new(&target, &template) };
                    JobResult::TemplateSaved { result: saved.map_err(|e| e.to_string()), path: target }
                });
            }
            EditorCommand::ExportMarkdown => {
                let name = format!("{}.md", doc.template.id);
                let request = FileRequest::save("Export as Markdown", name, |path| Command::Editor(EditorCommand::ExportMarkdownTo(path)));
                self.choose_file(request.filter("Markdown", &["md"]));
            }
            EditorCommand::ExportMarkdownTo(path) => {
                let text = template_to_markdown(&doc.template);
                let target = path.clone();
                self.start_job("Markdown export", move || JobResult::MarkdownExported {
                    result: store::write_atomic(&target, text.as_bytes()).map_err(|e| format!("{}: {e}", target.display())),
                    path: target,
                });
            }
        }
    }

    /// A job that panicked: says so, and undoes what was waiting for it, so that nothing
    /// stays busy.
    pub(super) fn job_failed(&mut self, key: &str, message: &str) {
        self.toasts.error(format!("The {key} stopped unexpectedly: {message}. Try again; a file it was writing is either whole or untouched."));
        if key == super::export::JOB {
            self.pdf_export = None;
        }
        match &mut self.dialog {
            Some(Dialog::Sign(dialog)) => dialog.busy = false,
            Some(Dialog::Keygen(dialog)) => dialog.busy = false,
            _ => {}
        }
        if let View::Editor(doc) = &mut self.view {
            doc.saving_to = None;
        }
    }

    /// Takes the result of a finished background job.
    pub(super) fn job_done(&mut self, result: JobResult) {
        match result {
            JobResult::Opened { path, result, verification, trust } => match result {
                Ok((Document::Template(template), _)) => {
                    self.prefs.remember(path.clone());
                    self.view = View::Template(Box::new(TemplateDoc { template, source: EntrySource::File(path), markdown: None }));
                }
                Ok((Document::Run(run), stamp)) => {
                    self.autosave.seen(path.clone(), stamp.clone());
                    self.own_stamp = Some((path.clone(), stamp));
                    if let Some(report) = &verification {
                        for problem in &report.problems {
                            self.toasts.error(format!("{}: {problem}", path.display()));
                        }
                    }
                    self.prefs.remember(path.clone());
                    let mut doc = RunDoc::new(*run, path);
                    doc.set_verification(verification);
                    doc.set_trust(trust);
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
                    self.view = View::Template(Box::new(TemplateDoc {
                        template: imported.template,
                        source: EntrySource::File(saved.clone()),
                        markdown: source.file_name().map(|name| name.to_string_lossy().into_owned()),
                    }));
                    self.prefs.remember(saved);
                    self.commands.push(Command::Library(LibraryCommand::Refresh));
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
                        self.commands.push(Command::Library(LibraryCommand::Refresh));
                    }
                    Err(err) => self.toasts.error(err),
                }
            }
            JobResult::MarkdownExported { path, result } => match result {
                Ok(()) => self.toasts.notice(format!("Exported {}", path.display())),
                Err(err) => self.toasts.error(err),
            },
            JobResult::Library(entries) => self.entries = entries,
            JobResult::Reloaded { path, result } => self.reloaded(&path, result),
            JobResult::GitStatus { dir, status } => self.git_status = Some((dir, status)),
            JobResult::Synced { dir, result } => self.synced(&dir, result),
            JobResult::CopySent { path, result } => match result {
                Ok(()) => self.toasts.notice(format!(
                    "Wrote a copy to {}. Send it to the signer; when it comes back, use File › Merge a returned copy…",
                    path.display()
                )),
                Err(err) => self.toasts.error(err),
            },
            JobResult::PdfExported { path, paper, result } => self.export_done(path, paper, result),
            JobResult::PdfSigned { path, result } => self.pdf_signed(path, result),
            JobResult::Signoff(job) => self.signoff_job_done(job),
        }
    }
}

/// Takes back the last state change, or makes again the one taken back last, and says which.
fn undo_or_redo(doc: &mut RunDoc, redo: bool, actor: &str, toasts: &mut super::toasts::Toasts) -> Result<bool, crate::model::ModelError> {
    let done = if redo { doc.redo(actor, App::now())? } else { doc.undo(actor, App::now())? };
    match done {
        Some(item) => {
            toasts.notice(format!("{}: {}", if redo { "Redone" } else { "Undone" }, doc.text(&item)));
            Ok(true)
        }
        None => {
            toasts.notice(if redo { "Nothing to redo." } else { "Nothing to undo." });
            Ok(false)
        }
    }
}
