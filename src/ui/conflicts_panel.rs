//! The merge conflicts of the open run: what two copies both changed, which value the merge
//! kept (the later change) and a button to choose the other instead, as a new change.

use egui::RichText;

use super::command::{Command, ShareCommand};
use super::run_doc::RunDoc;
use crate::model::ConflictSubject;

pub fn conflicts_ui(ui: &mut egui::Ui, doc: &mut RunDoc, commands: &mut Vec<Command>) {
    let final_run = doc.run().is_final();
    let conflicts = doc.open_conflicts().to_vec();
    if conflicts.is_empty() {
        return;
    }
    let title = match conflicts.len() {
        1 => "⚠ Merge conflicts: 1".to_string(),
        n => format!("⚠ Merge conflicts: {n}"),
    };
    egui::CollapsingHeader::new(RichText::new(title).strong()).id_salt("merge-conflicts").default_open(true).show(ui, |ui| {
        ui.label(
            RichText::new("Two copies of this run changed the same thing. The later change was kept; choose the other to change it back.").weak(),
        );
        for conflict in &conflicts {
            ui.horizontal_wrapped(|ui| {
                let what = match &conflict.subject {
                    ConflictSubject::ItemState(item) => format!("{}: state", doc.text(item)),
                    ConflictSubject::ItemNote(item) => format!("{}: note", doc.text(item)),
                    ConflictSubject::Field(field) => {
                        let label = doc.run().template.find_field(field).map_or(field.as_str(), |f| f.label.as_str());
                        format!("{label}: value")
                    }
                };
                let (kept, other) = (&conflict.kept, &conflict.other);
                ui.label(RichText::new(what).strong());
                ui.label(format!(
                    "kept {} ({}, event #{}) over {} ({}, event #{})",
                    kept.value, kept.actor, kept.seq, other.value, other.actor, other.seq
                ));
                let button = ui.add_enabled(!final_run, egui::Button::new(format!("Use {}", other.value)));
                let button = button.on_hover_text(format!("Set it to what {} had, as a new change by you", other.actor));
                if button.clicked() {
                    commands.push(Command::Share(ShareCommand::UseOtherValue { event: other.event.clone() }));
                }
            });
        }
    });
}
