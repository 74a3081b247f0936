//! The home screen and the read-only view of a template, where a run is started.

use egui::RichText;

use super::app::{App, View};
use super::command::UiCommand;
use super::inline;
use crate::model::{FieldKind, Item, ItemKind, Placement, Section};
use crate::store::EntrySource;

impl App {
    pub(super) fn home_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(24.0);
        ui.vertical_centered(|ui| {
            ui.heading("Preflight");
            ui.label("Production go-live checklists: work through them, verify, sign off.");
            ui.add_space(16.0);
            ui.label("Pick a checklist in the library on the left to start a run, or bring your own:");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                ui.add_space((ui.available_width() - 420.0).max(0.0) / 2.0);
                for command in [UiCommand::ImportMarkdown, UiCommand::Open, UiCommand::NewTemplate] {
                    command.button_ui(ui, self.resolve(command), &mut self.commands);
                }
            });
            ui.add_space(8.0);
            ui.label(RichText::new("You can also drop a .md, .checklist.ron or .run.ron file on this window.").weak());
        });
    }

    pub(super) fn template_view_ui(&mut self, ui: &mut egui::Ui) {
        let View::Template(doc) = &self.view else { return };
        let template = &doc.template;
        let counts = template.counts();
        ui.add_space(4.0);
        ui.heading(&template.title);
        let mut facts = format!(
            "{} sections · {} checks · {} steps · {} fields · {} sign-off roles",
            counts.sections, counts.checks, counts.steps, counts.fields, counts.roles
        );
        if !template.version.is_empty() {
            facts = format!("Version {} · {facts}", template.version);
        }
        ui.label(RichText::new(facts).weak());
        if !template.description.is_empty() {
            ui.label(&template.description);
        }
        ui.add_space(6.0);
        let start = UiCommand::StartRun;
        let edit = match doc.source {
            EntrySource::Bundled(_) => UiCommand::EditCopy,
            EntrySource::File(_) => UiCommand::EditTemplate,
        };
        let (start_command, edit_command) = (self.resolve(start), self.resolve(edit));
        let commands = &mut self.commands;
        ui.horizontal(|ui| {
            if ui.button(RichText::new(start.label()).strong()).on_hover_text(start.tooltip()).clicked()
                && let Some(command) = start_command
            {
                commands.push(command);
            }
            edit.button_ui(ui, edit_command, commands);
        });
        ui.separator();
        egui::ScrollArea::vertical().id_salt("template outline").auto_shrink(false).show(ui, |ui| {
            if !template.fields.is_empty() {
                egui::CollapsingHeader::new("Fields to fill in").default_open(true).show(ui, |ui| {
                    for field in &template.fields {
                        let kind = match &field.kind {
                            FieldKind::Text => "text".to_string(),
                            FieldKind::MultiLine => "notes".to_string(),
                            FieldKind::Number { unit } if unit.is_empty() => "number".to_string(),
                            FieldKind::Number { unit } => format!("number, {unit}"),
                            FieldKind::Date => "date".to_string(),
                            FieldKind::Table { columns } => format!("table: {}", columns.join(", ")),
                        };
                        let required = if field.required { ", required" } else { "" };
                        ui.label(format!("{} ({kind}{required})", field.label));
                    }
                });
            }
            outline_items_ui(ui, &template.items);
            for section in &template.sections {
                outline_section_ui(ui, section, &template.roles);
            }
            let unplaced: Vec<_> = template.roles.iter().filter(|r| !matches!(r.placement, Placement::Section(_))).collect();
            if !unplaced.is_empty() {
                ui.label(RichText::new("Sign-off").strong());
                for role in unplaced {
                    ui.label(format!("✍ {} — {}", role.title, role.meaning));
                }
            }
        });
    }
}

fn outline_section_ui(ui: &mut egui::Ui, section: &Section, roles: &[crate::model::Role]) {
    egui::CollapsingHeader::new(&section.title).id_salt(&section.id).default_open(false).show(ui, |ui| {
        outline_items_ui(ui, &section.items);
        for role in roles.iter().filter(|r| r.placement == Placement::Section(section.id.clone())) {
            ui.label(format!("✍ {} — {}", role.title, role.meaning));
        }
        for child in &section.sections {
            outline_section_ui(ui, child, roles);
        }
    });
}

fn outline_items_ui(ui: &mut egui::Ui, items: &[Item]) {
    for item in items {
        let marker = match item.kind {
            ItemKind::Check if item.required => "☐",
            ItemKind::Check => "☐ (optional)",
            ItemKind::Step => "▸",
            ItemKind::Info => "ℹ",
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(marker);
            let color = ui.visuals().text_color();
            ui.label(inline::job(ui, &item.text, color, true));
        });
        if !item.children.is_empty() {
            ui.indent(&item.id, |ui| outline_items_ui(ui, &item.children));
        }
    }
}
