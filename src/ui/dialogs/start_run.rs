//! Starting a run: the template's fields (release, environment, …), with required ones enforced.

use egui::RichText;

use super::Outcome;
use crate::model::{Field, FieldKind, FieldValue, Template};
use crate::ui::command::{Command, LibraryCommand};

pub struct StartRunDialog {
    title: String,
    fields: Vec<(Field, String)>,
    save_as: bool,
    /// Items ticked in the template's Markdown, and whether the run starts with them done.
    ticked: usize,
    in_progress: bool,
    errors: Vec<String>,
}

impl StartRunDialog {
    pub fn new(template: &Template) -> StartRunDialog {
        let fields = template
            .fields
            .iter()
            .filter(|f| !matches!(f.kind, FieldKind::Table { .. }))
            .map(|f| (f.clone(), f.default.as_ref().map(|v| v.to_string()).unwrap_or_default()))
            .collect();
        let ticked = template.all_items().iter().filter(|(_, item)| item.ticked && item.is_actionable()).count();
        StartRunDialog { title: template.title.clone(), fields, save_as: false, ticked, in_progress: ticked > 0, errors: Vec::new() }
    }

    /// Fills in values, such as those of an earlier run.
    pub fn fill(&mut self, values: &std::collections::BTreeMap<String, FieldValue>) {
        for (field, value) in &mut self.fields {
            if let Some(FieldValue::Text(text)) = values.get(&field.id) {
                *value = text.clone();
            }
        }
    }

    /// Required fields first; the others can be filled while the run goes on.
    fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        for (field, value) in &self.fields {
            if value.trim().is_empty() {
                if field.required {
                    errors.push(format!("{} is required", field.label));
                }
            } else if let Err(err) = field.check(&FieldValue::Text(value.clone())) {
                errors.push(err.to_string());
            }
        }
        errors
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> Outcome {
        let mut outcome = Outcome::Open;
        super::modal("start run").show(ctx, |ui| {
            ui.set_width(460.0);
            ui.heading("Start a run");
            ui.label(RichText::new(&self.title).strong());
            ui.label(RichText::new("Fields marked * are required to start.").weak());
            ui.add_space(4.0);
            // Enter in a one-line field starts the run, as the button does.
            let mut submitted = false;
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                egui::Grid::new("start fields").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                    for (field, value) in &mut self.fields {
                        let label = ui.label(if field.required { format!("{} *", field.label) } else { field.label.clone() });
                        let hint = match &field.kind {
                            FieldKind::Date => "YYYY-MM-DD".to_string(),
                            FieldKind::Number { unit } => format!("number {unit}").trim().to_string(),
                            _ => field.hint.clone(),
                        };
                        let multiline = field.kind == FieldKind::MultiLine;
                        let edit = if multiline { egui::TextEdit::multiline(value).desired_rows(2) } else { egui::TextEdit::singleline(value) };
                        let response = ui.add(edit.hint_text(hint).desired_width(260.0)).labelled_by(label.id);
                        submitted |= !multiline && response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                        ui.end_row();
                    }
                });
            });
            if self.ticked > 0 {
                let label = format!("Start in progress: the {} item(s) ticked in the Markdown start done", self.ticked);
                ui.checkbox(&mut self.in_progress, label)
                    .on_hover_text("Each is recorded as done by \"imported from\" the file, so the trail says where it came from");
            }
            ui.checkbox(&mut self.save_as, "Choose where to save the run file");
            ui.horizontal(|ui| {
                if ui.button(RichText::new("Start run").strong()).clicked() || submitted {
                    self.errors = self.validate();
                    if self.errors.is_empty() {
                        let values = self
                            .fields
                            .iter()
                            .filter(|(_, v)| !v.trim().is_empty())
                            .map(|(f, v)| (f.id.clone(), FieldValue::Text(v.trim().to_string())))
                            .collect();
                        outcome = Outcome::Close(vec![Command::Library(LibraryCommand::StartRun {
                            values,
                            save_as: self.save_as,
                            in_progress: self.in_progress && self.ticked > 0,
                        })]);
                    }
                }
                if ui.button("Cancel").clicked() {
                    outcome = Outcome::Close(Vec::new());
                }
            });
            for error in &self.errors {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
        outcome
    }
}
