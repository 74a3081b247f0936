//! The template editor: an outline of sections and items on the left of the central area, the
//! selected element's properties in the right panel. Every change is a model `Edit`, addressed
//! by id; undo and redo keep whole snapshots (templates are small).

use std::collections::HashMap;
use std::path::PathBuf;

use egui::RichText;

use super::app::{App, View};
use super::command::{Command, EditorCommand, LibraryCommand};
use super::inline;
use crate::model::{Direction, Edit, EditError, FieldKind, ItemKind, Section, Template};

/// How many edits undo remembers.
const UNDO_LIMIT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Details,
    Section(String),
    Item(String),
    Field(String),
    Role(String),
}

pub struct EditorDoc {
    pub template: Template,
    pub path: Option<PathBuf>,
    pub dirty: bool,
    pub selected: Selection,
    /// Where a save is being written, while it is.
    pub saving_to: Option<PathBuf>,
    /// The last "Test now" result for a probe being edited.
    pub test_result: Option<crate::model::ProbeResult>,
    undo: Vec<Template>,
    redo: Vec<Template>,
    /// Text being typed, keyed by what it edits, until it is committed.
    drafts: HashMap<String, String>,
}

impl EditorDoc {
    pub fn new(template: Template, path: Option<PathBuf>) -> EditorDoc {
        EditorDoc {
            template,
            path,
            dirty: false,
            selected: Selection::Details,
            saving_to: None,
            test_result: None,
            undo: Vec::new(),
            redo: Vec::new(),
            drafts: HashMap::new(),
        }
    }

    pub fn blank() -> EditorDoc {
        let mut doc = EditorDoc::new(Template::blank(), None);
        doc.dirty = true;
        doc
    }

    /// Applies an edit, keeping the template as it was for undo; an add selects what it added.
    pub fn apply(&mut self, edit: Edit) -> Result<(), EditError> {
        let before = self.template.clone();
        let selection = match &edit {
            Edit::AddSection { .. } | Edit::RenameSection { .. } | Edit::MoveSection { .. } => Some(Selection::Section as fn(String) -> Selection),
            Edit::AddItem { .. } => Some(Selection::Item as fn(String) -> Selection),
            Edit::AddField { .. } => Some(Selection::Field as fn(String) -> Selection),
            Edit::AddRole { .. } => Some(Selection::Role as fn(String) -> Selection),
            _ => None,
        };
        let deleted = matches!(edit, Edit::DeleteItem { .. } | Edit::DeleteSection { .. } | Edit::DeleteField { .. } | Edit::DeleteRole { .. });
        let added = self.template.apply(edit)?;
        if self.template == before {
            return Ok(());
        }
        self.undo.push(before);
        if self.undo.len() > UNDO_LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
        self.dirty = true;
        self.drafts.clear();
        if let (Some(id), Some(select)) = (added, selection) {
            self.selected = select(id);
        } else if deleted {
            self.selected = Selection::Details;
        }
        Ok(())
    }

    pub fn undo(&mut self) {
        if let Some(previous) = self.undo.pop() {
            self.redo.push(std::mem::replace(&mut self.template, previous));
            self.after_history_move();
        }
    }

    pub fn redo(&mut self) {
        if let Some(next) = self.redo.pop() {
            self.undo.push(std::mem::replace(&mut self.template, next));
            self.after_history_move();
        }
    }

    fn after_history_move(&mut self) {
        self.dirty = true;
        self.drafts.clear();
        let exists = match &self.selected {
            Selection::Details => true,
            Selection::Section(id) => self.template.find_section(id).is_some(),
            Selection::Item(id) => self.template.find_item(id).is_some(),
            Selection::Field(id) => self.template.find_field(id).is_some(),
            Selection::Role(id) => self.template.roles.iter().any(|r| &r.id == id),
        };
        if !exists {
            self.selected = Selection::Details;
        }
    }

    /// What is being typed into the text box with this key, if it differs from what is saved.
    pub fn draft(&self, key: &str) -> Option<String> {
        self.drafts.get(key).cloned()
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

impl App {
    pub(super) fn editor_ui(&mut self, ui: &mut egui::Ui) {
        let View::Editor(doc) = &mut self.view else { return };
        let commands = &mut self.commands;
        ui.horizontal(|ui| {
            ui.heading(&doc.template.title);
            if doc.dirty {
                ui.label(RichText::new("unsaved changes").weak());
            }
        });
        ui.horizontal(|ui| {
            if ui.button("Save").on_hover_text("Save the template (Ctrl+S)").clicked() {
                commands.push(Command::Editor(EditorCommand::Save { save_as: false }));
            }
            if ui.button("Save as…").clicked() {
                commands.push(Command::Editor(EditorCommand::Save { save_as: true }));
            }
            if ui.button("Export Markdown…").clicked() {
                commands.push(Command::Editor(EditorCommand::ExportMarkdown));
            }
            ui.separator();
            if ui.add_enabled(doc.can_undo(), egui::Button::new("Undo")).on_hover_text("Undo the last edit (Ctrl+Z)").clicked() {
                commands.push(Command::Editor(EditorCommand::Undo));
            }
            if ui.add_enabled(doc.can_redo(), egui::Button::new("Redo")).on_hover_text("Redo (Ctrl+Shift+Z)").clicked() {
                commands.push(Command::Editor(EditorCommand::Redo));
            }
            ui.separator();
            if ui.button("Close editor").clicked() {
                commands.push(Command::Library(LibraryCommand::CloseDocument));
            }
        });
        ui.separator();
        egui::ScrollArea::vertical().id_salt("editor outline").auto_shrink(false).show(ui, |ui| {
            let selected = doc.selected.clone();
            let select = |ui: &mut egui::Ui, selection: Selection, text: egui::WidgetText| {
                if ui.add(egui::Button::selectable(selected == selection, text).truncate()).clicked() { Some(selection) } else { None }
            };
            let mut chosen = select(ui, Selection::Details, RichText::new("Checklist details").strong().into());
            ui.add_space(4.0);
            ui.label(RichText::new("Sections and items").strong());
            for item in &doc.template.items {
                chosen = chosen.or(item_outline_ui(ui, item, 0, &selected));
            }
            for section in &doc.template.sections {
                chosen = chosen.or(section_outline_ui(ui, section, &selected));
            }
            if ui.button("+ Add section").clicked() {
                commands.push(Command::Editor(EditorCommand::Apply(Edit::AddSection { parent: None, title: "New section".into() })));
            }
            ui.add_space(8.0);
            ui.label(RichText::new("Fields").strong());
            for field in &doc.template.fields {
                let text = if field.required { format!("{} *", field.label) } else { field.label.clone() };
                chosen = chosen.or(select(ui, Selection::Field(field.id.clone()), text.into()));
            }
            if ui.button("+ Add field").clicked() {
                commands.push(Command::Editor(EditorCommand::Apply(Edit::AddField { label: "New field".into() })));
            }
            ui.add_space(8.0);
            ui.label(RichText::new("Sign-off roles").strong());
            for role in &doc.template.roles {
                chosen = chosen.or(select(ui, Selection::Role(role.id.clone()), format!("✍ {}", role.title).into()));
            }
            if ui.button("+ Add role").clicked() {
                commands.push(Command::Editor(EditorCommand::Apply(Edit::AddRole { title: "Approver".into() })));
            }
            if let Some(selection) = chosen {
                doc.selected = selection;
                doc.drafts.clear();
            }
        });
    }

    pub(super) fn editor_detail_panel_ui(&mut self, ui: &mut egui::Ui) {
        let View::Editor(doc) = &mut self.view else { return };
        let commands = &mut self.commands;
        egui::Panel::right("editor properties")
            .resizable(true)
            .default_size(super::style::side_panel_width(ui.ctx(), 0.28, 320.0))
            .max_size(super::style::side_panel_max(ui.ctx(), 0.28))
            .show(ui, |ui| {
                // An item with a probe (a flow's steps above all) is taller than most windows.
                egui::ScrollArea::vertical().id_salt("editor properties").show(ui, |ui| {
                    ui.add_space(4.0);
                    match doc.selected.clone() {
                        Selection::Details => details_ui(ui, doc, commands),
                        Selection::Section(id) => section_props_ui(ui, doc, &id, commands),
                        Selection::Item(id) => item_props_ui(ui, doc, &id, commands),
                        Selection::Field(id) => field_props_ui(ui, doc, &id, commands),
                        Selection::Role(id) => role_props_ui(ui, doc, &id, commands),
                    }
                });
            });
    }
}

fn section_outline_ui(ui: &mut egui::Ui, section: &Section, selected: &Selection) -> Option<Selection> {
    let mut chosen = None;
    let is_selected = *selected == Selection::Section(section.id.clone());
    let header = egui::CollapsingHeader::new(RichText::new(&section.title).strong()).id_salt(&section.id).default_open(false);
    let response = header.show(ui, |ui| {
        for item in &section.items {
            chosen = chosen.clone().or(item_outline_ui(ui, item, 0, selected));
        }
        for child in &section.sections {
            chosen = chosen.clone().or(section_outline_ui(ui, child, selected));
        }
    });
    // Clicking a section's header both opens it and selects it for editing.
    let clicked = response.header_response.clicked();
    if is_selected {
        response.header_response.highlight();
    }
    if clicked {
        chosen = Some(Selection::Section(section.id.clone()));
    }
    chosen
}

fn item_outline_ui(ui: &mut egui::Ui, item: &crate::model::Item, depth: usize, selected: &Selection) -> Option<Selection> {
    let mut chosen = None;
    ui.horizontal(|ui| {
        ui.add_space(depth as f32 * 16.0);
        let marker = match item.kind {
            ItemKind::Check => "☐",
            ItemKind::Step => "▸",
            ItemKind::Info => "ℹ",
        };
        ui.label(marker);
        let color = ui.visuals().text_color();
        let job = inline::job(ui, &item.text, color, false);
        if ui.add(egui::Button::selectable(*selected == Selection::Item(item.id.clone()), job).truncate()).clicked() {
            chosen = Some(Selection::Item(item.id.clone()));
        }
    });
    for child in &item.children {
        chosen = chosen.or(item_outline_ui(ui, child, depth + 1, selected));
    }
    chosen
}

/// A text box whose new value is returned once, when it loses focus.
pub(super) fn committed_text(ui: &mut egui::Ui, doc: &mut EditorDoc, key: &str, label: &str, current: &str, multiline: bool) -> Option<String> {
    let label = ui.label(label);
    let draft = doc.drafts.entry(key.to_string()).or_insert_with(|| current.to_string());
    let edit = if multiline { egui::TextEdit::multiline(draft).desired_rows(3) } else { egui::TextEdit::singleline(draft) };
    let response = ui.add(edit.desired_width(f32::INFINITY)).labelled_by(label.id);
    (response.lost_focus() && draft.trim() != current).then(|| draft.clone())
}

fn move_delete_ui(ui: &mut egui::Ui, commands: &mut Vec<Command>, up: Edit, down: Edit, delete: Edit) {
    ui.horizontal(|ui| {
        if ui.button("Move up").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(up)));
        }
        if ui.button("Move down").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(down)));
        }
        if ui.button("Delete").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(delete)));
        }
    });
}

fn details_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, commands: &mut Vec<Command>) {
    ui.heading("Checklist details");
    let title = doc.template.title.clone();
    if let Some(title) = committed_text(ui, doc, "title", "Title", &title, false) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::SetTitle(title))));
    }
    let description = doc.template.description.clone();
    if let Some(text) = committed_text(ui, doc, "description", "Description", &description, true) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::SetDescription(text))));
    }
    // Wrapped: on one line the row is wider than the panel, which then spills off its left edge.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Probe results older than");
        let mut minutes = doc.template.max_probe_age_minutes;
        let response = ui.add(egui::DragValue::new(&mut minutes).range(1..=10_080).suffix(" min")).labelled_by(label.id);
        ui.label("must be re-run or waived to sign");
        if response.changed() && minutes != doc.template.max_probe_age_minutes {
            commands.push(Command::Editor(EditorCommand::Apply(Edit::SetMaxProbeAge(minutes))));
        }
    });
    ui.label(RichText::new(format!("Template id: {}", doc.template.id)).small().weak());
}

fn section_props_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, id: &str, commands: &mut Vec<Command>) {
    let Some(section) = doc.template.find_section(id).cloned() else { return };
    ui.heading("Section");
    if let Some(title) = committed_text(ui, doc, &format!("section/{id}"), "Section title", &section.title, false) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::RenameSection { id: id.to_string(), title })));
    }
    ui.label(RichText::new(format!("Stable id: {id}")).small().weak());
    ui.horizontal(|ui| {
        if ui.button("+ Add item").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(Edit::AddItem {
                section: Some(id.to_string()),
                text: "New item".into(),
                kind: ItemKind::Check,
            })));
        }
        if ui.button("+ Add subsection").clicked() {
            commands.push(Command::Editor(EditorCommand::Apply(Edit::AddSection { parent: Some(id.to_string()), title: "New section".into() })));
        }
    });
    let id = id.to_string();
    move_delete_ui(
        ui,
        commands,
        Edit::MoveSection { id: id.clone(), direction: Direction::Up },
        Edit::MoveSection { id: id.clone(), direction: Direction::Down },
        Edit::DeleteSection { id },
    );
}

fn item_props_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, id: &str, commands: &mut Vec<Command>) {
    let Some(item) = doc.template.find_item(id).cloned() else { return };
    ui.heading("Item");
    if let Some(text) = committed_text(ui, doc, &format!("item/{id}"), "Item text", &item.text, true) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::SetItemText { id: id.to_string(), text })));
    }
    ui.label(RichText::new(format!("Stable id: {id} (kept when the text changes)")).small().weak());
    ui.horizontal(|ui| {
        ui.label("Kind");
        for (kind, label) in [(ItemKind::Check, "Check"), (ItemKind::Step, "Step"), (ItemKind::Info, "Info")] {
            if ui.radio(item.kind == kind, label).clicked() && item.kind != kind {
                commands.push(Command::Editor(EditorCommand::Apply(Edit::SetItemKind { id: id.to_string(), kind })));
            }
        }
    });
    let mut required = item.required;
    if item.kind != ItemKind::Info && ui.checkbox(&mut required, "Required for GO").changed() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::SetItemRequired { id: id.to_string(), required })));
    }
    let mut ticked = item.ticked;
    if item.kind != ItemKind::Info
        && ui.checkbox(&mut ticked, "Ticked in the source").on_hover_text("A run started in progress begins with this item done").changed()
    {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::SetItemTicked { id: id.to_string(), ticked })));
    }
    if item.kind != ItemKind::Info {
        super::probe_editor::probe_editor_ui(ui, doc, &item, commands);
    }
    let id = id.to_string();
    move_delete_ui(
        ui,
        commands,
        Edit::MoveItem { id: id.clone(), direction: Direction::Up },
        Edit::MoveItem { id: id.clone(), direction: Direction::Down },
        Edit::DeleteItem { id },
    );
}

fn field_props_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, id: &str, commands: &mut Vec<Command>) {
    let Some(field) = doc.template.find_field(id).cloned() else { return };
    ui.heading("Field");
    if let Some(label) = committed_text(ui, doc, &format!("field/{id}"), "Label", &field.label, false) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateField(crate::model::Field { label, ..field.clone() }))));
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Kind");
        let kinds = [
            ("Text", FieldKind::Text),
            ("Notes", FieldKind::MultiLine),
            ("Number", FieldKind::Number { unit: String::new() }),
            ("Date", FieldKind::Date),
        ];
        for (label, kind) in kinds {
            let same = std::mem::discriminant(&field.kind) == std::mem::discriminant(&kind);
            if ui.radio(same, label).clicked() && !same {
                commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateField(crate::model::Field { kind, ..field.clone() }))));
            }
        }
    });
    let mut required = field.required;
    if ui.checkbox(&mut required, "Required to start a run").changed() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateField(crate::model::Field { required, ..field.clone() }))));
    }
    if ui.button("Delete").clicked() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::DeleteField { id: id.to_string() })));
    }
}

fn role_props_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, id: &str, commands: &mut Vec<Command>) {
    let Some(role) = doc.template.roles.iter().find(|r| r.id == id).cloned() else { return };
    ui.heading("Sign-off role");
    if let Some(title) = committed_text(ui, doc, &format!("role/{id}"), "Role", &role.title, false) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateRole(crate::model::Role { title, ..role.clone() }))));
    }
    ui.add_space(4.0);
    let meaning_key = format!("role-meaning/{id}");
    if let Some(meaning) = committed_text(ui, doc, &meaning_key, "Meaning of the signature", &role.meaning, false) {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateRole(crate::model::Role { meaning, ..role.clone() }))));
    }
    let mut required = role.required;
    if ui.checkbox(&mut required, "Required for GO").changed() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateRole(crate::model::Role { required, ..role.clone() }))));
    }
    let mut require_key = role.require_key;
    if ui.checkbox(&mut require_key, "Must be signed with a key").on_hover_text("A drawn signature alone is refused for this role").changed() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::UpdateRole(crate::model::Role { require_key, ..role.clone() }))));
    }
    separation_ui(ui, &doc.template.roles, &role, commands);
    if ui.button("Delete").clicked() {
        commands.push(Command::Editor(EditorCommand::Apply(Edit::DeleteRole { id: id.to_string() })));
    }
}

/// Segregation of duties: the other roles whose signer must be another person than this one's.
/// The rule holds both ways, so unticking removes it from whichever role names it.
fn separation_ui(ui: &mut egui::Ui, roles: &[crate::model::Role], role: &crate::model::Role, commands: &mut Vec<Command>) {
    let others: Vec<&crate::model::Role> = roles.iter().filter(|other| other.id != role.id).collect();
    if others.is_empty() {
        return;
    }
    ui.add_space(4.0);
    ui.label("Signed by another person than the signer of:");
    for other in others {
        let apart = role.separate_from.contains(&other.id) || other.separate_from.contains(&role.id);
        let mut ticked = apart;
        if !ui.checkbox(&mut ticked, &other.title).changed() {
            continue;
        }
        let update = |role: &crate::model::Role, separate_from: Vec<String>| {
            Command::Editor(EditorCommand::Apply(Edit::UpdateRole(crate::model::Role { separate_from, ..role.clone() })))
        };
        if ticked {
            let mut separate_from = role.separate_from.clone();
            separate_from.push(other.id.clone());
            commands.push(update(role, separate_from));
        } else {
            if role.separate_from.contains(&other.id) {
                commands.push(update(role, role.separate_from.iter().filter(|id| **id != other.id).cloned().collect()));
            }
            if other.separate_from.contains(&role.id) {
                commands.push(update(other, other.separate_from.iter().filter(|id| **id != role.id).cloned().collect()));
            }
        }
    }
}
