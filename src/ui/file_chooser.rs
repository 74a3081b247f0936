//! File dialogs: the system's when it can open, Preflight's own (egui_file) when it cannot, so
//! that Open, Import, Export and Save never silently do nothing. Which one is used rests on
//! `store::DesktopFacts`, read once at start; the first time the app's own chooser stands in,
//! a notice says why. Either way the path picked becomes a command, applied as any other.

use std::path::{Path, PathBuf};

use super::app::App;
use super::command::Command;
use crate::store::NativeChooser;

/// What a file dialog asks for, and the command the path picked becomes.
pub struct FileRequest {
    pub title: &'static str,
    pub directory: Option<PathBuf>,
    /// For a save: the name proposed.
    pub file_name: Option<String>,
    /// The files shown: a name and the extensions, such as `("PDF", &["pdf"])`.
    pub filter: Option<(&'static str, &'static [&'static str])>,
    pub save: bool,
    pub then: Box<dyn FnOnce(PathBuf) -> Command>,
}

impl FileRequest {
    pub fn open(title: &'static str, then: impl FnOnce(PathBuf) -> Command + 'static) -> FileRequest {
        FileRequest { title, directory: None, file_name: None, filter: None, save: false, then: Box::new(then) }
    }

    pub fn save(title: &'static str, file_name: String, then: impl FnOnce(PathBuf) -> Command + 'static) -> FileRequest {
        FileRequest { title, directory: None, file_name: Some(file_name), filter: None, save: true, then: Box::new(then) }
    }

    pub fn in_folder(mut self, directory: impl Into<PathBuf>) -> FileRequest {
        self.directory = Some(directory.into());
        self
    }

    pub fn filter(mut self, name: &'static str, extensions: &'static [&'static str]) -> FileRequest {
        self.filter = Some((name, extensions));
        self
    }

    /// The system's dialog; it waits until the user answers, as STYLE.md allows while a
    /// command is applied.
    fn native(&self) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new().set_title(self.title);
        if let Some(directory) = &self.directory {
            dialog = dialog.set_directory(directory);
        }
        if let Some(name) = &self.file_name {
            dialog = dialog.set_file_name(name);
        }
        if let Some((name, extensions)) = self.filter {
            dialog = dialog.add_filter(name, extensions);
        }
        if self.save { dialog.save_file() } else { dialog.pick_file() }
    }
}

/// Preflight's own file chooser, open, and what to do with its answer.
pub struct InAppChooser {
    dialog: egui_file::FileDialog,
    then: Option<Box<dyn FnOnce(PathBuf) -> Command>>,
}

impl InAppChooser {
    fn new(request: FileRequest) -> InAppChooser {
        let mut dialog = if request.save { egui_file::FileDialog::save_file() } else { egui_file::FileDialog::open_file() };
        dialog = dialog
            .title(request.title)
            .id(egui::Id::unique("in-app file chooser"))
            .default_size([640.0, 420.0])
            .anchor(egui::Align2::CENTER_TOP, [0.0, 36.0]);
        if let Some(directory) = request.directory {
            dialog = dialog.initial_path(directory);
        }
        if let Some(name) = request.file_name {
            dialog = dialog.default_filename(name);
        }
        if let Some((_, extensions)) = request.filter {
            let shown =
                move |path: &Path| path.extension().and_then(|x| x.to_str()).is_some_and(|x| extensions.iter().any(|e| x.eq_ignore_ascii_case(e)));
            dialog = dialog.show_files_filter(Box::new(shown));
        }
        dialog.open();
        InAppChooser { dialog, then: Some(request.then) }
    }
}

impl App {
    /// Asks the user for a file: the system's dialog, or the app's own when the system's
    /// cannot open here.
    pub(super) fn choose_file(&mut self, request: FileRequest) {
        match &self.native_chooser {
            NativeChooser::Available => {
                if let Some(path) = request.native() {
                    self.commands.push((request.then)(path));
                }
            }
            NativeChooser::Missing { why } => {
                if !self.chooser_explained {
                    self.toasts.notice(format!("The system's file dialog cannot open here ({why}); Preflight's own file chooser is used."));
                    self.chooser_explained = true;
                }
                self.file_chooser = Some(InAppChooser::new(request));
            }
        }
    }

    /// Draws the app's own file chooser while it is open, and takes its answer.
    pub(super) fn file_chooser_ui(&mut self, ctx: &egui::Context) {
        let Some(chooser) = &mut self.file_chooser else { return };
        chooser.dialog.show(ctx);
        match chooser.dialog.state() {
            egui_file::State::Open => {}
            egui_file::State::Selected => {
                let picked = chooser.dialog.path().map(Path::to_path_buf);
                if let (Some(path), Some(then)) = (picked, chooser.then.take()) {
                    self.commands.push(then(path));
                }
                self.file_chooser = None;
            }
            egui_file::State::Cancelled | egui_file::State::Closed => self.file_chooser = None,
        }
    }

    /// Whether the app's own file chooser is open (for tests and the Escape key).
    pub fn file_chooser_open(&self) -> bool {
        self.file_chooser.is_some()
    }
}
