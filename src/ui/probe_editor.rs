//! The probe editor inside the template editor: kind, target, conditions with live validation,
//! the settings each kind needs, "Test now", and a suggested probe when the item's text names a
//! URL, a port or a threshold.

use egui::RichText;

use super::command::Command;
use super::editor::{EditorDoc, committed_text};
use super::probe_panel::{probe_color, state_word};
use crate::model::{Edit, Item};
use crate::probe::{ProbeKind, ProbeSpec, condition};

const KINDS: [(ProbeKind, &str); 5] = [(ProbeKind::Http, "HTTP"), (ProbeKind::Tls, "TLS"), (ProbeKind::Tcp, "TCP"), (ProbeKind::Dns, "DNS"), (ProbeKind::Load, "Load")];

fn set(item: &Item, spec: ProbeSpec) -> Command {
    Command::ApplyEdit(Edit::SetItemProbe { id: item.id.clone(), probe: Some(spec) })
}

pub fn probe_editor_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, commands: &mut Vec<Command>) {
    ui.separator();
    ui.label(RichText::new("Probe").strong());
    let Some(spec) = item.probe.clone() else {
        ui.label(RichText::new("No automated check on this item.").weak());
        if let Some(suggestion) = crate::probe::suggest::suggest(&item.text) {
            ui.label(RichText::new(format!("Suggested: {} — {}", format!("{:?} {}", suggestion.spec.kind, suggestion.spec.target), suggestion.reason)).small());
            for condition in &suggestion.spec.expect {
                ui.label(RichText::new(condition).monospace().small());
            }
            if ui.button("Add this probe").clicked() {
                commands.push(set(item, suggestion.spec));
            }
        }
        if ui.button("Add a probe").clicked() {
            commands.push(set(item, ProbeSpec { expect: vec!["status == 200".into()], ..ProbeSpec::new(ProbeKind::Http, "http://localhost/") }));
        }
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Kind");
        for (kind, label) in KINDS {
            if ui.radio(spec.kind == kind, label).clicked() && spec.kind != kind {
                commands.push(set(item, ProbeSpec { kind, ..spec.clone() }));
            }
        }
    });
    let key = |what: &str| format!("probe/{}/{what}", item.id);
    if let Some(target) = committed_text(ui, doc, &key("target"), "Target (URL, host:port or name; ${env:NAME} for secrets)", &spec.target, false) {
        commands.push(set(item, ProbeSpec { target: target.trim().to_string(), ..spec.clone() }));
    }
    let conditions = spec.expect.join("\n");
    if let Some(text) = committed_text(ui, doc, &key("expect"), "Conditions, one per line (status == 200, response_time < 100ms)", &conditions, true) {
        let expect = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
        commands.push(set(item, ProbeSpec { expect, ..spec.clone() }));
    }
    // Live validation of what is being typed, before it is committed.
    let typed = doc.draft(&key("expect")).unwrap_or(conditions);
    for (line, text) in typed.lines().enumerate().filter(|(_, t)| !t.trim().is_empty()) {
        if let Err(err) = condition::parse(text) {
            ui.colored_label(ui.visuals().error_fg_color, format!("line {}, {err}", line + 1));
        }
    }
    kind_settings_ui(ui, doc, item, &spec, commands);
    ui.horizontal(|ui| {
        if ui.button("Test now").on_hover_text("Run this probe once and show the result here").clicked() {
            commands.push(Command::TestProbe { item: item.id.clone(), spec: spec.clone(), confirmed: false });
        }
        if ui.button("Remove probe").clicked() {
            commands.push(Command::ApplyEdit(Edit::SetItemProbe { id: item.id.clone(), probe: None }));
        }
    });
    if let Some(result) = doc.test_result.as_ref().filter(|r| r.item == item.id) {
        let dark = ui.visuals().dark_mode;
        ui.label(RichText::new(format!("Test: {} in {} ms", state_word(result.state), result.duration_ms)).color(probe_color(result.state, dark)));
        if let Some(error) = &result.error {
            ui.label(RichText::new(error).small());
        }
        for condition in &result.conditions {
            ui.label(RichText::new(format!("{} {}", if condition.passed { "✔" } else { "✖" }, condition.resolved())).monospace().small());
        }
    }
}

fn kind_settings_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, commands: &mut Vec<Command>) {
    let mut edited = spec.clone();
    ui.horizontal(|ui| {
        ui.label("Timeout (ms)");
        ui.add(egui::DragValue::new(&mut edited.timeout_ms).range(100..=600_000)).on_hover_text("Total timeout in milliseconds");
        if spec.kind == ProbeKind::Http {
            ui.checkbox(&mut edited.follow_redirects, "Follow redirects");
        }
    });
    match spec.kind {
        ProbeKind::Http => {
            ui.horizontal(|ui| {
                ui.label("Samples");
                ui.add(egui::DragValue::new(&mut edited.samples).range(1..=1000)).on_hover_text("Requests to make for percentiles");
                ui.label("Retries");
                ui.add(egui::DragValue::new(&mut edited.retries).range(0..=10)).on_hover_text("Extra attempts after a transport error or a 5xx");
            });
        }
        ProbeKind::Load => {
            ui.horizontal(|ui| {
                ui.label("Connections");
                ui.add(egui::DragValue::new(&mut edited.connections).range(1..=1000)).on_hover_text("Concurrent connections");
                ui.label("Duration (ms)");
                ui.add(egui::DragValue::new(&mut edited.duration_ms).range(0..=3_600_000)).on_hover_text("How long to keep the load on");
            });
        }
        ProbeKind::Tcp => {
            if let Some(send) = committed_text(ui, doc, &format!("probe/{}/send", item.id), "Send after connecting (\\r\\n escapes)", &spec.send, false) {
                edited.send = send;
            }
        }
        ProbeKind::Dns => {
            if let Some(kind) = committed_text(ui, doc, &format!("probe/{}/dns-type", item.id), "Record type (A, AAAA, CNAME, TXT, MX)", &spec.dns_type, false) {
                edited.dns_type = kind.trim().to_uppercase();
            }
        }
        ProbeKind::Tls => {}
    }
    if edited != *spec && !ui.ctx().egui_wants_keyboard_input() {
        commands.push(set(item, edited));
    }
}
