//! The library: bundled checklists and the user's templates and runs, with a search box.

use egui::RichText;

use super::app::App;
use super::command::{Command, LibraryCommand, UiCommand};
use crate::store::{DocumentKind, EntrySource};

impl App {
    pub(super) fn library_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::left("library")
            .resizable(true)
            .default_size(super::style::side_panel_width(ui.ctx(), 0.22, 260.0))
            .max_size(super::style::side_panel_max(ui.ctx(), 0.22))
            .show(ui, |ui| {
                ui.add_space(4.0);
                ui.heading("Library");
                ui.horizontal(|ui| {
                    for command in [UiCommand::ImportMarkdown, UiCommand::Open] {
                        command.button_ui(ui, self.resolve(command), &mut self.commands);
                    }
                });
                let label = ui.label("Search the library");
                let search = ui
                    .add(egui::TextEdit::singleline(&mut self.library_search).hint_text("Title or release").desired_width(f32::INFINITY))
                    .labelled_by(label.id);
                let query = self.library_search.trim().to_lowercase();
                let matches: Vec<usize> = self
                    .entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| query.is_empty() || e.title.to_lowercase().contains(&query) || e.detail.to_lowercase().contains(&query))
                    .map(|(i, _)| i)
                    .collect();
                // Enter in the search box opens the first match.
                if search.lost_focus()
                    && ui.input(|i| i.key_pressed(egui::Key::Enter))
                    && let Some(&first) = matches.first()
                {
                    self.commands.push(Command::Library(LibraryCommand::Open(self.entries[first].source.clone())));
                }
                ui.separator();
                egui::ScrollArea::vertical().id_salt("library list").show(ui, |ui| {
                    for (heading, wanted) in
                        [("Bundled checklists", None), ("Your templates", Some(DocumentKind::Template)), ("Your runs", Some(DocumentKind::Run))]
                    {
                        let group: Vec<usize> = matches
                            .iter()
                            .copied()
                            .filter(|&i| match (wanted, &self.entries[i].source) {
                                (None, EntrySource::Bundled(_)) => true,
                                (Some(kind), EntrySource::File(_)) => self.entries[i].kind == kind,
                                _ => false,
                            })
                            .collect();
                        ui.label(RichText::new(heading).strong());
                        if group.is_empty() {
                            ui.label(RichText::new("None yet").weak());
                        }
                        for index in group {
                            self.entry_ui(ui, index);
                        }
                        ui.add_space(6.0);
                    }
                });
            });
    }

    fn entry_ui(&mut self, ui: &mut egui::Ui, index: usize) {
        let entry = &self.entries[index];
        let mut text = entry.title.clone();
        if !entry.detail.is_empty() {
            text = format!("{text} · {}", entry.detail);
        }
        let response = match &entry.status {
            // A run is known by its release: that comes first, then its checklist and where it
            // stands (verdict, final or not, the last change), each on a line of its own.
            Some(status) => {
                let headline = if entry.detail.is_empty() { entry.title.clone() } else { entry.detail.clone() };
                let response = ui.add(egui::Button::selectable(false, headline).truncate());
                let color = if status.go { super::style::go_color(true, ui.visuals().dark_mode) } else { ui.visuals().weak_text_color() };
                ui.indent(("run status", index), |ui| {
                    ui.add(egui::Label::new(RichText::new(&entry.title).small()).truncate());
                    ui.add(egui::Label::new(RichText::new(status.line()).small().color(color)).truncate());
                });
                response
            }
            None => ui.add(egui::Button::selectable(false, text).truncate()),
        };
        let mut hover = match &entry.source {
            EntrySource::Bundled(name) => format!("Bundled: {name}"),
            EntrySource::File(path) => path.display().to_string(),
        };
        if let Some(modified) = entry.modified {
            let when: chrono::DateTime<chrono::Local> = modified.into();
            hover.push_str(&format!("\nChanged {}", when.format("%Y-%m-%d %H:%M")));
        }
        if let Some(error) = &entry.error {
            hover.push_str(&format!("\n{error}"));
        }
        if response.on_hover_text(hover).clicked() {
            self.commands.push(Command::Library(LibraryCommand::Open(entry.source.clone())));
        }
    }
}
