//! The menu bar and the status bar around every view.

use super::app::{App, View};
use super::autosave::SaveState;
use super::command::{Command, ExportCommand, LibraryCommand, PrefsCommand, UiCommand};
use super::dialogs::Dialog;
use super::prefs::ThemeChoice;
use super::toasts::ToastKind;

impl App {
    /// A recent file as a person knows it: the library's title for it, with the run's release
    /// and environment, or else its file name; the path is in the tooltip.
    fn recent_title(&self, path: &std::path::Path) -> String {
        let entry = self.entries.iter().find(|e| matches!(&e.source, crate::store::EntrySource::File(p) if p == path));
        match entry {
            Some(entry) if entry.error.is_none() && !entry.detail.is_empty() => format!("{} · {}", entry.title, entry.detail),
            Some(entry) if entry.error.is_none() => entry.title.clone(),
            _ => path.file_name().map_or_else(|| path.display().to_string(), |name| name.to_string_lossy().into_owned()),
        }
    }

    pub(super) fn menu_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    for command in [UiCommand::Open, UiCommand::ImportMarkdown, UiCommand::NewTemplate] {
                        command.menu_button_ui(ui, self.resolve(command), &mut self.commands);
                    }
                    ui.separator();
                    let recent = self.prefs.recent.clone();
                    ui.add_enabled_ui(!recent.is_empty(), |ui| {
                        ui.menu_button("Open recent", |ui| {
                            for path in recent {
                                let button = ui.button(self.recent_title(&path)).on_hover_text(path.display().to_string());
                                if button.clicked() {
                                    self.commands.push(Command::Library(LibraryCommand::OpenPath(path)));
                                }
                            }
                        });
                    });
                    ui.separator();
                    let export = UiCommand::ExportPdf.menu_button_ui(ui, self.resolve(UiCommand::ExportPdf), &mut self.commands);
                    export.on_disabled_hover_text("Open a run to export its audit record");
                    UiCommand::SignPdf.menu_button_ui(ui, self.resolve(UiCommand::SignPdf), &mut self.commands);
                    ui.separator();
                    UiCommand::Sync.menu_button_ui(ui, self.resolve(UiCommand::Sync), &mut self.commands);
                    for command in [UiCommand::SendCopy, UiCommand::MergeCopy] {
                        let button = command.menu_button_ui(ui, self.resolve(command), &mut self.commands);
                        button.on_disabled_hover_text("Open a run that is not finalised");
                    }
                    ui.separator();
                    UiCommand::CloseDocument.menu_button_ui(ui, self.resolve(UiCommand::CloseDocument), &mut self.commands);
                    ui.separator();
                    UiCommand::Quit.menu_button_ui(ui, self.resolve(UiCommand::Quit), &mut self.commands);
                });
                ui.menu_button("View", |ui| {
                    for theme in ThemeChoice::ALL {
                        if ui.radio(self.prefs.theme == theme, theme.label()).clicked() {
                            self.commands.push(Command::Prefs(PrefsCommand::SetTheme(theme)));
                        }
                    }
                    ui.separator();
                    ui.label("PDF paper");
                    for paper in crate::pdf::Paper::ALL {
                        if ui.radio(self.prefs.paper == paper, paper.name()).clicked() {
                            self.commands.push(Command::Export(ExportCommand::SetPaper(paper)));
                        }
                    }
                });
            });
        });
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("status").show(ui, |ui| {
            let mut dismiss = None;
            for (index, toast) in self.toasts.all().iter().enumerate() {
                ui.horizontal(|ui| {
                    let color = match toast.kind {
                        ToastKind::Error => ui.visuals().error_fg_color,
                        ToastKind::Notice => ui.visuals().text_color(),
                    };
                    if toast.kind == ToastKind::Error && ui.small_button("✕").on_hover_text("Dismiss this message").clicked() {
                        dismiss = Some(index);
                    }
                    // A message may quote a character no font here has (a PDF warning does).
                    let text = super::inline::displayable(ui, &toast.text, &egui::TextStyle::Body.resolve(ui.style()));
                    ui.label(egui::RichText::new(text).color(color));
                });
            }
            if let Some(index) = dismiss {
                self.toasts.dismiss(index);
            }
            ui.horizontal(|ui| {
                ui.label(format!("You are {}", self.actor()));
                if ui.small_button("Change name…").clicked() {
                    self.dialog = Some(Dialog::identity(&self.prefs.user_name));
                }
                if let View::Run(doc) = &self.view {
                    ui.separator();
                    let saved = match &self.autosave.state {
                        SaveState::Saved => "All changes saved".to_string(),
                        SaveState::Saving => "Saving…".to_string(),
                        SaveState::Failed(err) => format!("Not saved: {err}"),
                    };
                    ui.label(saved).on_hover_text(doc.path().display().to_string());
                }
                if let Some((dir, status)) = &self.git_status
                    && *status != crate::sync::SyncStatus::NotShared
                {
                    ui.separator();
                    let syncing = self.jobs.is_running("sync");
                    ui.label(if syncing { "git: syncing…".to_string() } else { status.to_string() }).on_hover_text(dir.display().to_string());
                    if let Some(problem) = self.sync_problem.as_ref().filter(|_| !syncing) {
                        let short = if problem.starts_with("offline") { "offline" } else { "not pushed" };
                        ui.label(egui::RichText::new(short).color(ui.visuals().warn_fg_color))
                            .on_hover_text(format!("The last sync could not push: {problem}. Nothing is lost; the next Sync tries again."));
                    }
                    UiCommand::Sync.button_ui(ui, self.resolve(UiCommand::Sync), &mut self.commands);
                }
                if let Some(export) = &self.pdf_export {
                    ui.separator();
                    ui.label("Exporting PDF…");
                    ui.add(egui::ProgressBar::new(export.fraction()).desired_width(160.0).show_percentage());
                }
            });
        });
    }
}
