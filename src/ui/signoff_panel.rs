//! The sign-off panel of the run view: each role, required or optional, unsigned, signed or
//! invalidated (naming the change that did it); what verification found when the run was
//! opened; finalising, and starting again from a final run.

use egui::{Color32, RichText, Sense, Vec2};

use super::command::{Command, SignoffCommand};
use super::run_doc::{RoleLine, RunDoc};
use super::signature_pad::paint_strokes;
use crate::model::{Finalisation, Signature, SignatureStatus};
use crate::signoff::KeyCheck;

const THUMBNAIL: Vec2 = Vec2::new(120.0, 40.0);
/// The widths of the role title and sign button columns.
const TITLE_WIDTH: f32 = 118.0;
const BUTTON_WIDTH: f32 = 84.0;
/// The least width the signature's text is given beside the drawing.
const TEXT_WIDTH: f32 = 180.0;
/// Ink for a signature that holds, and for one that no longer does.
const INK: Color32 = Color32::from_rgb(20, 30, 90);
const FADED_INK: Color32 = Color32::from_gray(150);

/// The colours a status is shown in.
struct Palette {
    ok: Color32,
    warn: Color32,
    error: Color32,
}

pub(super) fn signoff_ui(ui: &mut egui::Ui, doc: &mut RunDoc, commands: &mut Vec<Command>) {
    let lines = doc.role_lines().to_vec();
    let required = lines.iter().filter(|l| l.role.required).count();
    let signed = lines.iter().filter(|l| l.role.required && l.signature.as_ref().is_some_and(|(_, s)| s.is_valid())).count();
    let final_run = doc.run().finalised.clone();
    let palette =
        Palette { ok: super::style::go_color(true, ui.visuals().dark_mode), warn: ui.visuals().warn_fg_color, error: ui.visuals().error_fg_color };
    let title = match &final_run {
        Some(_) => format!("Sign-off · final · {signed} of {required} required signed"),
        None => format!("Sign-off ({signed} of {required} required signed)"),
    };
    // Open once there is something to sign: everything settled, or someone has signed.
    let open =
        doc.summary(super::app::App::now()).1.pending == 0 || !doc.run().signatures.is_empty() || doc.verification().is_some_and(|r| !r.is_valid());
    egui::CollapsingHeader::new(title).id_salt("sign-off").default_open(open).show(ui, |ui| {
        verification_ui(ui, doc, palette.error);
        egui::ScrollArea::vertical().id_salt("roles scroll").max_height(240.0).show(ui, |ui| {
            for line in &lines {
                let apart: Vec<&str> = lines
                    .iter()
                    .filter(|o| {
                        o.role.id != line.role.id && (o.role.separate_from.contains(&line.role.id) || line.role.separate_from.contains(&o.role.id))
                    })
                    .map(|o| o.role.title.as_str())
                    .collect();
                ui.horizontal_top(|ui| role_row_ui(ui, line, &apart, final_run.is_none(), &palette, commands));
                ui.add_space(4.0);
            }
        });
        ui.add_space(4.0);
        footer_ui(ui, final_run.as_ref(), signed == required, commands);
    });
}

/// One role: its title and what the template asks of its signer, the button to sign it, and
/// its signature (or "Not signed"). The title and the button keep fixed widths and come first,
/// so that a narrow window wraps the signature's lines instead of pushing the button out of view.
fn role_row_ui(ui: &mut egui::Ui, line: &RoleLine, apart: &[&str], may_sign: bool, palette: &Palette, commands: &mut Vec<Command>) {
    ui.allocate_ui_with_layout(Vec2::new(TITLE_WIDTH, THUMBNAIL.y), egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_width(TITLE_WIDTH);
        ui.label(RichText::new(&line.role.title).strong());
        ui.label(RichText::new(if line.role.required { "required" } else { "optional" }).small().weak());
        if line.role.require_key {
            ui.label(RichText::new("🔑 needs a key").small().weak()).on_hover_text("The template requires this role to be signed with a key");
        }
        if !apart.is_empty() {
            ui.label(RichText::new("⚖ separate signer").small().weak())
                .on_hover_text(format!("Segregation of duties: another person than the signer of {}", apart.join(", ")));
        }
    });
    ui.allocate_ui_with_layout(Vec2::new(BUTTON_WIDTH, THUMBNAIL.y), egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.set_width(BUTTON_WIDTH);
        let holds = line.signature.as_ref().is_some_and(|(_, status)| status.is_valid());
        if may_sign && !holds {
            let label = if line.signature.is_some() { "Sign again…" } else { "Sign…" };
            if ui.button(label).on_hover_text(format!("Sign as {}", line.role.title)).clicked() {
                commands.push(Command::Signoff(SignoffCommand::BeginSign { role: line.role.id.clone() }));
            }
        }
    });
    let Some((signature, status)) = &line.signature else {
        ui.label(RichText::new("Not signed").weak());
        return;
    };
    // Beside the signature when there is room for the text, under it when there is not.
    if ui.available_width() >= THUMBNAIL.x + TEXT_WIDTH {
        ui.horizontal_top(|ui| signature_ui(ui, line, signature, status, palette));
    } else {
        ui.vertical(|ui| signature_ui(ui, line, signature, status, palette));
    }
}

/// The drawn signature and what is known of it.
fn signature_ui(ui: &mut egui::Ui, line: &RoleLine, signature: &Signature, status: &SignatureStatus, palette: &Palette) {
    let (rect, _) = ui.allocate_exact_size(THUMBNAIL, Sense::hover());
    // White in both themes: it is the paper the signature was drawn on.
    ui.painter().rect_filled(rect, 3.0, Color32::WHITE);
    paint_strokes(ui.painter(), rect.shrink(2.0), &signature.strokes, if status.is_valid() { INK } else { FADED_INK });
    ui.vertical(|ui| {
        // The signer's name; what invalidated it, and who, is on its own line below.
        let (headline, color) = match status {
            SignatureStatus::Valid => (format!("✔ Signed by {}", signature.name), palette.ok),
            SignatureStatus::Invalidated { .. } => (format!("⚠ Signed by {}, now invalidated", signature.name), palette.warn),
            SignatureStatus::Broken { .. } => (format!("✖ Signed by {}, record broken", signature.name), palette.error),
        };
        ui.label(RichText::new(headline).color(color).strong());
        let when = signature.at.as_datetime().format("%Y-%m-%d %H:%M UTC");
        ui.label(RichText::new(format!("“{}” · {when}", signature.meaning)).small()).on_hover_text(signature.at.to_string());
        if let Some(key) = &signature.key {
            ui.label(RichText::new(format!("key {}", crate::signoff::fingerprint(&key.public_key))).small().monospace());
        }
        if let Some(first) = signature.waivers.first() {
            ui.label(RichText::new(format!("{} probe waiver(s): {}", signature.waivers.len(), first.reason)).small().color(palette.warn));
        }
        for note in &line.notes {
            let (mark, color) = if note.breach { ("✖", palette.error) } else { ("⚠", palette.warn) };
            ui.label(RichText::new(format!("{mark} {}", note.text)).small().color(color));
        }
        match status {
            SignatureStatus::Invalidated { change } => drop(ui.label(RichText::new(format!("by {change}")).small().color(palette.warn))),
            SignatureStatus::Broken { reason } => drop(ui.label(RichText::new(reason).small().color(palette.error))),
            SignatureStatus::Valid => {}
        }
    });
}

/// Finalise (once every required role holds), or the seal of a final run and a way to go again.
fn footer_ui(ui: &mut egui::Ui, final_run: Option<&Finalisation>, ready: bool, commands: &mut Vec<Command>) {
    match final_run {
        Some(finalised) => {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!("🔒 Final: finalised by {} at {}. This run takes no more changes.", finalised.by, finalised.at)).strong(),
                );
                if ui.button("Start a new run from this…").clicked() {
                    commands.push(Command::Signoff(SignoffCommand::BeginStartRunFromRun));
                }
            });
        }
        None => {
            let hint = if ready { "Seal the run: no more changes after this" } else { "Every required role must hold a valid signature first" };
            let button = ui.add_enabled(ready, egui::Button::new("Finalise run…"));
            if button.on_hover_text(hint).on_disabled_hover_text(hint).clicked() {
                commands.push(Command::Signoff(SignoffCommand::BeginFinalise));
            }
        }
    }
}

/// What verification found when the run was opened; tampering in red, a clean result quietly.
fn verification_ui(ui: &mut egui::Ui, doc: &RunDoc, error: Color32) {
    let Some(report) = doc.verification() else { return };
    if report.problems.is_empty() {
        let keys = report.signatures.iter().filter(|s| matches!(s.key, KeyCheck::Valid { .. })).count();
        let keys = if keys > 0 { format!(", {keys} key signature(s) valid") } else { String::new() };
        ui.label(RichText::new(format!("Verified when opened: event chain intact ({} events){keys}", report.events)).small().weak());
    } else {
        egui::Frame::new().stroke(egui::Stroke::new(1.5, error)).corner_radius(4.0).inner_margin(6.0).show(ui, |ui| {
            ui.label(RichText::new("✖ This run file fails verification: it was changed outside Preflight").color(error).strong());
            for problem in &report.problems {
                ui.label(RichText::new(format!("• {problem}")).color(error).small());
            }
        });
    }
    for check in report.signatures.iter().filter(|s| matches!(s.key, KeyCheck::Invalid { .. })) {
        ui.colored_label(error, format!("✖ {}", check.line()));
    }
    match doc.trust() {
        Ok(trust) => {
            for check in report.signatures.iter().filter(|check| !check.superseded) {
                let Some(judged) = trust.get(check.index) else { continue };
                let text = format!("{} — {}: {}", check.role_title, check.name, judged.describe());
                let text = if judged.is_trusted() {
                    RichText::new(text).small().weak()
                } else {
                    RichText::new(text).small().color(ui.visuals().warn_fg_color)
                };
                ui.label(text).on_hover_text(
                    "Trusted keys are your own and those in the team keyring (.preflight/keyring) above the run file; \
                     `preflight verify --trust` adds more",
                );
            }
        }
        Err(err) => {
            ui.colored_label(error, format!("✖ Whose keys signed could not be judged: {err}"));
        }
    }
}
