//! The application: its state, the frame loop (`logic` drains results, `ui` draws) and the
//! keyboard shortcuts. Applying commands lives in `apply.rs`.

use std::path::PathBuf;

use super::autosave::{Autosave, SaveState};
use super::command::{Command, EditorCommand, ExportCommand, LibraryCommand, RunCommand, ShareCommand, UiCommand};
use super::dialogs::Dialog;
use super::editor::EditorDoc;
use super::jobs::{Finished, Jobs};
use super::prefs::Prefs;
use super::probes::Probes;
use super::run_doc::RunDoc;
use super::toasts::Toasts;
use crate::model::{Template, Timestamp};
use crate::store::{self, Entry, EntrySource, FileKind, Library};

/// How the app starts: where the library is, what to open, and (for tests) who the user is.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub library: Option<Library>,
    pub open: Option<PathBuf>,
    pub user_name: Option<String>,
    /// Where signer keys live; by default `keys` in the user's config folder.
    pub keys_dir: Option<PathBuf>,
    /// Whether the system's file dialog can open (`ui::run` reads it from the desktop before the
    /// window opens); the system's is assumed when not given.
    pub native_chooser: Option<crate::store::NativeChooser>,
    /// The `preflight` program git should run to merge runs; this program when not given.
    pub program: Option<PathBuf>,
}

/// A template shown read-only, with "Start run" and "Edit".
pub struct TemplateDoc {
    pub template: Template,
    pub source: EntrySource,
    /// The Markdown file it was just imported from, which a run started in progress names.
    pub markdown: Option<String>,
}

pub enum View {
    Home,
    Template(Box<TemplateDoc>),
    Run(Box<RunDoc>),
    Editor(Box<EditorDoc>),
}

pub struct App {
    pub(super) prefs: Prefs,
    pub(super) library: Library,
    pub(super) entries: Vec<Entry>,
    pub(super) library_search: String,
    pub(super) view: View,
    pub(super) commands: Vec<Command>,
    pub(super) toasts: Toasts,
    pub(super) autosave: Autosave,
    pub(super) jobs: Jobs,
    pub(super) probes: Probes,
    pub(super) dialog: Option<Dialog>,
    pub(super) keys: std::sync::Arc<crate::signoff::KeyStore>,
    /// The PDF export under way, if any.
    pub(super) pdf_export: Option<super::export::PdfExport>,
    /// Set by Ctrl+F; the search box takes focus on the next frame.
    pub(super) focus_search: bool,
    /// Set by Enter on an item; the note box takes focus on the next frame.
    pub(super) focus_note: bool,
    /// The note being typed for the selected item, saved when the box loses focus.
    pub(super) note_draft: Option<(String, String)>,
    title_shown: String,
    /// The user asked to close; we are asking about unsaved edits first.
    pub(super) closing: bool,
    /// Commands waiting one frame for a focused text box to commit its edit.
    pub(super) deferred: Vec<Command>,
    /// The run (id, signature count) whose signatures the user agreed to invalidate: changes
    /// do not ask again until another run is open or someone signs.
    pub(super) signed_change_allowed: Option<(String, usize)>,
    /// Whether the system's file dialog can open here; if not, the app's own is used.
    pub(super) native_chooser: crate::store::NativeChooser,
    pub(super) file_chooser: Option<super::file_chooser::InAppChooser>,
    /// The notice that the app's own file chooser stands in was given.
    pub(super) chooser_explained: bool,
    /// Watches the open run's file for what other writers save to it.
    pub(super) watcher: super::watch::RunWatcher,
    /// The file changed again while it was being read and merged: read it once more after.
    pub(super) reload_again: bool,
    /// The open run's file as this app last wrote or read it, so that the watcher's news of the
    /// app's own save is not read back and merged.
    pub(super) own_stamp: Option<(PathBuf, crate::store::Stamp)>,
    /// Where the folder that would be synced stands against its git remote, when last asked.
    pub(super) git_status: Option<(PathBuf, crate::sync::SyncStatus)>,
    /// Why the last sync could not push (offline, rejected, no remote), until one does.
    pub(super) sync_problem: Option<String>,
    /// The status should be asked again (after a save or a sync).
    pub(super) git_status_stale: bool,
    /// The `preflight` program git runs as the merge driver.
    pub(super) program: PathBuf,
}

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> App {
        let mut prefs: Prefs = cc.storage.and_then(|s| eframe::get_value(s, Prefs::STORAGE_KEY)).unwrap_or_default();
        if let Some(name) = config.user_name {
            prefs.user_name = name;
        }
        // Like the command line, the app knows the user from PREFLIGHT_USER until told otherwise;
        // a login name is only offered in the identity dialog, since it may not be the person.
        let env_user = store::EnvUser::from_env();
        if prefs.user_name.trim().is_empty()
            && let Some(store::EnvUser::Chosen(name)) = &env_user
        {
            prefs.user_name = name.clone();
        }
        cc.egui_ctx.set_theme(prefs.theme.preference());
        super::fonts::install(&cc.egui_ctx);
        let ctx = cc.egui_ctx.clone();
        let probe_ctx = cc.egui_ctx.clone();
        let (probes, probe_error) = Probes::start(move || probe_ctx.request_repaint());
        let native_chooser = config.native_chooser;
        let library = config.library.or_else(Library::from_env).unwrap_or_else(|| Library::at(std::env::temp_dir().join("preflight")));
        let keys = match config.keys_dir {
            Some(dir) => crate::signoff::KeyStore::at(dir),
            None => crate::signoff::KeyStore::from_env().unwrap_or_else(|_| crate::signoff::KeyStore::at(library.root().join("keys"))),
        };
        let mut app = App {
            prefs,
            entries: Vec::new(),
            library,
            library_search: String::new(),
            view: View::Home,
            commands: Vec::new(),
            toasts: Toasts::default(),
            autosave: Autosave::start(move || ctx.request_repaint()),
            jobs: Jobs::new(cc.egui_ctx.clone()),
            probes,
            dialog: None,
            keys: std::sync::Arc::new(keys),
            pdf_export: None,
            focus_search: false,
            focus_note: false,
            note_draft: None,
            title_shown: String::new(),
            closing: false,
            deferred: Vec::new(),
            signed_change_allowed: None,
            native_chooser: native_chooser.unwrap_or(crate::store::NativeChooser::Available),
            file_chooser: None,
            chooser_explained: false,
            watcher: {
                let ctx = cc.egui_ctx.clone();
                super::watch::RunWatcher::new(move || ctx.request_repaint())
            },
            reload_again: false,
            own_stamp: None,
            git_status: None,
            sync_problem: None,
            git_status_stale: true,
            program: config.program.clone().or_else(|| std::env::current_exe().ok()).unwrap_or_else(|| PathBuf::from("preflight")),
        };
        if let Some(err) = probe_error {
            app.toasts.error(err);
        }
        if let Err(err) = app.library.ensure_dirs() {
            app.toasts.error(format!("{err}. Your templates and runs cannot be saved there; set PREFLIGHT_HOME."));
        }
        app.commands.push(LibraryCommand::Refresh.into());
        if app.prefs.user_name.trim().is_empty() {
            app.dialog = Some(Dialog::identity(env_user.as_ref().map_or("", store::EnvUser::name)));
        }
        if let Some(path) = config.open {
            app.commands.push(LibraryCommand::OpenPath(path).into());
        }
        app.apply_commands(&cc.egui_ctx);
        app
    }

    /// The name recorded on every change; never empty once the identity dialog was answered.
    pub(super) fn actor(&self) -> String {
        let name = self.prefs.user_name.trim();
        if name.is_empty() { "unknown user".into() } else { name.to_string() }
    }

    pub(super) fn now() -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn prefs(&self) -> &Prefs {
        &self.prefs
    }

    pub fn run_doc(&self) -> Option<&RunDoc> {
        match &self.view {
            View::Run(doc) => Some(doc),
            _ => None,
        }
    }

    pub fn run_doc_mut(&mut self) -> Option<&mut RunDoc> {
        match &mut self.view {
            View::Run(doc) => Some(doc),
            _ => None,
        }
    }

    pub fn editor(&self) -> Option<&EditorDoc> {
        match &self.view {
            View::Editor(doc) => Some(doc),
            _ => None,
        }
    }

    pub fn save_state(&self) -> &SaveState {
        &self.autosave.state
    }

    pub fn errors(&self) -> Vec<String> {
        self.toasts.errors().map(|t| t.text.clone()).collect()
    }

    pub fn has_dialog(&self) -> bool {
        self.dialog.is_some()
    }

    /// Whether background work (loading, importing, saving) is still under way.
    /// The PDF export under way: where it goes and the fraction done.
    pub fn pdf_export(&self) -> Option<(&std::path::Path, f32)> {
        self.pdf_export.as_ref().map(|e| (e.path.as_path(), e.fraction()))
    }

    pub fn is_busy(&self) -> bool {
        self.jobs.any_running() || !self.autosave.is_idle() || !self.probes.is_idle()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn document_title(&self) -> Option<String> {
        match &self.view {
            View::Home => None,
            View::Template(doc) => Some(doc.template.title.clone()),
            View::Run(doc) => Some(doc.run().template.title.clone()),
            View::Editor(doc) => Some(format!("{}{}", doc.template.title, if doc.dirty { " (edited)" } else { "" })),
        }
    }

    fn window_title(&self) -> String {
        let mut title = String::from("Preflight");
        if let Some(doc) = self.document_title() {
            title = format!("{doc} — {title}");
        }
        if let View::Run(_) = self.view {
            let state = match &self.autosave.state {
                SaveState::Saved => "saved",
                SaveState::Saving => "saving…",
                SaveState::Failed(_) => "NOT SAVED",
            };
            title = format!("{title} — {state}");
        }
        title
    }

    /// What `command` does in the view on screen, or None where it does nothing.
    pub(super) fn resolve(&self, command: UiCommand) -> Option<Command> {
        let (run, editor, template) = match &self.view {
            View::Home => (None, None, false),
            View::Template(_) => (None, None, true),
            View::Run(doc) => (Some(doc), None, false),
            View::Editor(doc) => (None, Some(doc), false),
        };
        let in_run = |command: RunCommand| run.map(|_| command.into());
        let in_editor = |command: EditorCommand| editor.map(|_| command.into());
        match command {
            UiCommand::Open => Some(LibraryCommand::PickFileToOpen.into()),
            UiCommand::ImportMarkdown => Some(LibraryCommand::PickMarkdownToImport.into()),
            UiCommand::NewTemplate => Some(LibraryCommand::NewTemplate.into()),
            UiCommand::ExportPdf => run.filter(|_| self.pdf_export.is_none()).map(|_| ExportCommand::Pdf.into()),
            UiCommand::SignPdf => Some(ExportCommand::PickPdfToSign.into()),
            UiCommand::SendCopy => run.map(|_| ShareCommand::SendCopy.into()),
            UiCommand::MergeCopy => run.filter(|doc| !doc.run().is_final()).map(|_| ShareCommand::PickReturnedCopy.into()),
            UiCommand::Sync => self.shared_folder().map(|_| ShareCommand::Sync.into()).filter(|_| !self.jobs.is_running("sync")),
            UiCommand::CloseDocument => (!matches!(self.view, View::Home)).then(|| LibraryCommand::CloseDocument.into()),
            UiCommand::CloseEditor => editor.map(|_| LibraryCommand::CloseDocument.into()),
            UiCommand::Quit => Some(LibraryCommand::Quit.into()),
            UiCommand::Save => in_editor(EditorCommand::Save { save_as: false }).or_else(|| in_run(RunCommand::SaveNow)),
            UiCommand::SaveAs => in_editor(EditorCommand::Save { save_as: true }),
            UiCommand::ExportMarkdown => in_editor(EditorCommand::ExportMarkdown),
            UiCommand::Undo => match editor {
                Some(doc) => doc.can_undo().then(|| EditorCommand::Undo.into()),
                None => in_run(RunCommand::Undo),
            },
            UiCommand::Redo => match editor {
                Some(doc) => doc.can_redo().then(|| EditorCommand::Redo.into()),
                None => in_run(RunCommand::Redo),
            },
            UiCommand::Find => in_run(RunCommand::FocusSearch),
            UiCommand::StartRun => template.then(|| LibraryCommand::BeginStartRun.into()),
            UiCommand::EditTemplate | UiCommand::EditCopy => template.then(|| LibraryCommand::EditTemplate.into()),
            UiCommand::NextItem => in_run(RunCommand::MoveSelection(true)),
            UiCommand::PreviousItem => in_run(RunCommand::MoveSelection(false)),
            UiCommand::MarkDone
            | UiCommand::MarkFailed
            | UiCommand::MarkNotApplicable
            | UiCommand::Skip
            | UiCommand::ResetToPending
            | UiCommand::EditNote => command.for_item(run?.selected()?),
        }
    }

    /// Keys that act on the whole app, and on the run when no text box has the keyboard: every
    /// shortcut of [`UiCommand`], in its order.
    fn shortcuts(&mut self, ctx: &egui::Context) {
        if self.dialog.is_some() {
            return;
        }
        let typing = ctx.egui_wants_keyboard_input();
        for command in UiCommand::ALL {
            if typing && !command.works_while_typing() {
                continue;
            }
            let pressed = command.shortcuts().iter().any(|shortcut| ctx.input_mut(|i| i.consume_shortcut(shortcut)));
            if pressed && let Some(resolved) = self.resolve(command) {
                self.commands.push(resolved);
            }
        }
    }

    /// Files dropped on the window: Markdown is imported, RON documents are opened, an audit
    /// PDF is offered for signing.
    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        for path in dropped {
            match FileKind::of(&path) {
                FileKind::Markdown => self.commands.push(LibraryCommand::ImportMarkdown(path).into()),
                FileKind::Document | FileKind::Pdf => self.commands.push(LibraryCommand::OpenPath(path).into()),
                FileKind::Other => {
                    self.toasts.error(format!("{}: drop a Markdown checklist (.md), a template (.checklist.ron) or a run (.run.ron)", path.display()))
                }
            }
        }
    }

    pub(super) fn has_unsaved_edits(&self) -> bool {
        matches!(&self.view, View::Editor(doc) if doc.dirty)
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let current = match &self.view {
            View::Run(doc) => Some((doc.path(), doc.run())),
            _ => None,
        };
        let polled = self.autosave.poll(current);
        if let Some(error) = polled.error {
            self.toasts.error(error);
        }
        if let Some(wait) = polled.retry_in {
            ctx.request_repaint_after(wait);
        }
        if let Some(written) = polled.written {
            self.git_status_stale = true;
            self.own_stamp = Some(written);
        }
        self.saves_merged(polled.incoming);
        self.take_disk_changes();
        self.refresh_git_status();
        if let Some(wait) = self.toasts.expire() {
            ctx.request_repaint_after(wait);
        }
        self.take_probe_results();
        for finished in self.jobs.poll() {
            match finished {
                Finished::Done(result) => self.job_done(result),
                Finished::Failed { key, message } => self.job_failed(&key, &message),
            }
        }
        self.dropped_files(ctx);
        if ctx.input(|i| i.viewport().close_requested()) && !self.closing {
            // Text still in a focused box is committed first, and may make the template dirty.
            if ctx.memory(|memory| memory.focused()).is_some() || self.autosave.state == SaveState::Saving {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.commands.push(Command::Library(LibraryCommand::Quit));
            } else if self.has_unsaved_edits() {
                ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
                self.closing = true;
                self.dialog = Some(Dialog::discard(None));
            }
        }
        let title = self.window_title();
        if title != self.title_shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = title;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx);
        self.menu_bar_ui(ui);
        self.status_bar_ui(ui);
        self.library_panel_ui(ui);
        match &self.view {
            View::Run(_) => self.run_detail_panel_ui(ui),
            View::Editor(_) => self.editor_detail_panel_ui(ui),
            _ => {}
        }
        egui::CentralPanel::default().show(ui, |ui| match &self.view {
            View::Home => self.home_ui(ui),
            View::Template(_) => self.template_view_ui(ui),
            View::Run(_) => self.run_view_ui(ui),
            View::Editor(_) => self.editor_ui(ui),
        });
        self.dialog_ui(&ctx);
        self.file_chooser_ui(&ctx);
        self.apply_commands(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Prefs::STORAGE_KEY, &self.prefs);
    }
}
