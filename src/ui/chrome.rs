//! The menu bar and the status bar around every view.

use super::app::{App, View};
use super::autosave::SaveState;
use super::command::Command;
use super::dialogs::Dialog;
use super::prefs::{PaperChoice, ThemeChoice};
use super::toasts::ToastKind;

impl App {
    pub(super) fn menu_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("File", |ui| {
                    if ui.button("Open…  (Ctrl+O)").clicked() {
                        self.commands.push(Command::PickFileToOpen);
                    }
                    if ui.button("Import Markdown…").clicked() {
                        self.commands.push(Command::PickMarkdownToImport);
                    }
                    if ui.button("New template").clicked() {
                        self.commands.push(Command::NewTemplate);
                    }
                    ui.separator();
                    let recent = self.prefs.recent.clone();
                    ui.add_enabled_ui(!recent.is_empty(), |ui| {
                        ui.menu_button("Open recent", |ui| {
                            for path in recent {
                                if ui.button(path.display().to_string()).clicked() {
                                    self.commands.push(Command::OpenPath(path));
                                }
                            }
                        });
                    });
                    ui.separator();
                    let run_open = matches!(self.view, View::Run(_));
                    let export = ui.add_enabled(run_open && self.pdf_export.is_none(), egui::Button::new("Export PDF…  (Ctrl+P)"));
                    if export.on_disabled_hover_text("Open a run to export its audit record").clicked() {
                        self.commands.push(Command::ExportPdf);
                    }
                    ui.separator();
                    let open = !matches!(self.view, View::Home);
                    if ui.add_enabled(open, egui::Button::new("Close document")).clicked() {
                        self.commands.push(Command::CloseDocument);
                    }
                });
                ui.menu_button("View", |ui| {
                    for theme in ThemeChoice::ALL {
                        if ui.radio(self.prefs.theme == theme, theme.label()).clicked() {
                            self.commands.push(Command::SetTheme(theme));
                        }
                    }
                    ui.separator();
                    ui.label("PDF paper");
                    for paper in PaperChoice::ALL {
                        if ui.radio(self.prefs.paper == paper, paper.paper().name()).clicked() {
                            self.commands.push(Command::SetPaper(paper));
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
                    ui.label(egui::RichText::new(&toast.text).color(color));
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
                    ui.label(saved).on_hover_text(doc.path.display().to_string());
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
