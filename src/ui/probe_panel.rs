//! Probes in the run view: a badge on each probed row, the probe section of the detail panel
//! (every condition resolved, details, certificates, past results with a latency plot), and the
//! "Run all probes" bar with progress and Cancel.

use egui::{Color32, RichText};

use super::command::{Command, ProbeCommand};
use super::run_doc::RunDoc;
use crate::model::{ProbeResult, ProbeState};

pub fn probe_color(state: ProbeState, dark: bool) -> Color32 {
    match (state, dark) {
        (ProbeState::Pass, false) => Color32::from_rgb(0x1a, 0x7f, 0x37),
        (ProbeState::Pass, true) => Color32::from_rgb(0x3f, 0xb9, 0x50),
        (ProbeState::Warn, false) => Color32::from_rgb(0x9a, 0x67, 0x00),
        (ProbeState::Warn, true) => Color32::from_rgb(0xd2, 0x99, 0x22),
        (ProbeState::Fail, false) => Color32::from_rgb(0xcf, 0x22, 0x2e),
        (ProbeState::Fail, true) => Color32::from_rgb(0xf8, 0x51, 0x49),
        (ProbeState::Error, false) => Color32::from_rgb(0x8c, 0x2f, 0x9e),
        (ProbeState::Error, true) => Color32::from_rgb(0xc2, 0x97, 0xff),
    }
}

pub fn state_word(state: ProbeState) -> &'static str {
    match state {
        ProbeState::Pass => "pass",
        ProbeState::Warn => "warn",
        ProbeState::Fail => "fail",
        ProbeState::Error => "error",
    }
}

/// The small badge after a probed item's text: state and the short resolved text.
pub fn badge_ui(ui: &mut egui::Ui, result: Option<&ProbeResult>, running: bool) {
    let dark = ui.visuals().dark_mode;
    let (text, color) = match (running, result) {
        (true, _) => ("probe: running…".to_string(), ui.visuals().weak_text_color()),
        (false, None) => ("probe: not run".to_string(), ui.visuals().weak_text_color()),
        (false, Some(result)) => (format!("probe {}: {}", state_word(result.state), result.summary()), probe_color(result.state, dark)),
    };
    let short: String = text.chars().take(48).collect();
    let label = if short.len() < text.len() { format!("{short}…") } else { short };
    ui.label(RichText::new(label).small().color(color)).on_hover_text(text);
}

/// The bar above the rows: run every probe, see progress, cancel.
pub fn probe_bar_ui(ui: &mut egui::Ui, doc: &RunDoc, running: usize, batch: usize, commands: &mut Vec<Command>) {
    let probed = doc.probed_items().len();
    if probed == 0 {
        return;
    }
    ui.horizontal(|ui| {
        if running == 0 {
            if ui.button(format!("▶ Run all probes ({probed})")).clicked() {
                commands.push(Command::Probe(ProbeCommand::Run(Vec::new())));
            }
        } else {
            let done = batch.saturating_sub(running);
            ui.add(egui::ProgressBar::new(done as f32 / batch.max(1) as f32).desired_width(200.0).text(format!("probes: {done} of {batch} done")));
            if ui.button("Cancel probes").clicked() {
                commands.push(Command::Probe(ProbeCommand::Cancel));
            }
        }
        let failing = doc
            .probed_items()
            .iter()
            .filter(|id| doc.latest_probe(id).is_some_and(|r| matches!(r.state, ProbeState::Fail | ProbeState::Error)))
            .count();
        if failing > 0 {
            ui.label(RichText::new(format!("{failing} probe(s) failing")).color(probe_color(ProbeState::Fail, ui.visuals().dark_mode)));
        }
    });
}

/// The probe section of the detail panel for the selected item.
pub fn probe_section_ui(ui: &mut egui::Ui, doc: &RunDoc, item: &str, running: bool, commands: &mut Vec<Command>) {
    let Some(spec) = doc.probe(item) else { return };
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Probe").strong());
        ui.label(RichText::new(format!("{} {}", spec.kind.label(), spec.target)).small().monospace());
    });
    if spec.kind == crate::model::ProbeKind::Tls && spec.accept_unverified {
        ui.colored_label(ui.visuals().warn_fg_color, RichText::new("⚠ Certificate check waived by the checklist").small())
            .on_hover_text("The template accepts a certificate that does not verify: tls.verified is not required");
    }
    ui.add_enabled_ui(!running, |ui| {
        if ui.button(if running { "Running…" } else { "Run probe" }).clicked() {
            commands.push(Command::Probe(ProbeCommand::Run(vec![item.to_string()])));
        }
    });
    let dark = ui.visuals().dark_mode;
    let results: Vec<&ProbeResult> = doc.probe_results(item).collect();
    let Some(latest) = results.last() else {
        ui.label(RichText::new("Not run yet. Conditions:").weak());
        for condition in &spec.expect {
            ui.label(RichText::new(condition).monospace().small());
        }
        return;
    };
    ui.label(
        RichText::new(format!(
            "{} · {} · {} ms · attempt {}",
            state_word(latest.state).to_uppercase(),
            latest.started_at.as_datetime().format("%Y-%m-%d %H:%M:%S UTC"),
            latest.duration_ms,
            latest.attempts.max(1)
        ))
        .strong()
        .color(probe_color(latest.state, dark)),
    );
    if let Some(error) = &latest.error {
        ui.colored_label(probe_color(ProbeState::Error, dark), error);
    }
    let limit = doc.run().template.max_probe_age_minutes;
    if latest.state != ProbeState::Error && doc.run().is_stale(latest, super::app::App::now()) {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("⚠ This result is older than the checklist's {limit}-minute limit. Run the probe again."),
        );
    }
    // A flow's steps, each with its conditions, then the probe's own request.
    for (index, step) in latest.steps.iter().enumerate() {
        ui.label(RichText::new(format!("Step {}, {}", index + 1, step.describe())).small().color(probe_color(step.state, dark)));
        ui.indent(("probe step", index), |ui| {
            for condition in &step.conditions {
                condition_ui(ui, condition, dark);
            }
        });
    }
    if let Some(flow) = latest.details.get("flow") {
        ui.colored_label(probe_color(ProbeState::Fail, dark), flow);
    } else if !latest.steps.is_empty() {
        ui.label(RichText::new(format!("Then {} {}", spec.method.to_uppercase(), spec.target)).small());
    }
    for condition in &latest.conditions {
        condition_ui(ui, condition, dark);
    }
    egui::CollapsingHeader::new("Details").id_salt("probe details").default_open(false).show(ui, |ui| {
        for (name, value) in latest.measured.iter().chain(latest.details.iter()) {
            ui.label(RichText::new(format!("{name}: {value}")).small());
        }
        for cert in &latest.certificates {
            ui.label(RichText::new(format!("certificate {} · issued by {} · valid until {}", cert.subject, cert.issuer, cert.not_after)).small());
        }
    });
    latency_plot_ui(ui, &results);
    history_ui(ui, &results);
}

/// One condition resolved, marked and coloured passed, failed or a warning.
fn condition_ui(ui: &mut egui::Ui, condition: &crate::model::ConditionResult, dark: bool) {
    let (mark, state) = if condition.passed {
        ("✔", ProbeState::Pass)
    } else if condition.warning_only {
        ("!", ProbeState::Warn)
    } else {
        ("✖", ProbeState::Fail)
    };
    ui.label(RichText::new(format!("{mark} {}", condition.resolved())).monospace().small().color(probe_color(state, dark)));
}

/// How many past results the history lists before "and N older".
const HISTORY_SHOWN: usize = 50;

/// Every result of this item's probe, newest first: when, verdict, time taken, and what it saw.
fn history_ui(ui: &mut egui::Ui, results: &[&ProbeResult]) {
    if results.len() < 2 {
        return;
    }
    let dark = ui.visuals().dark_mode;
    egui::CollapsingHeader::new(format!("Probe history ({} results)", results.len())).id_salt("probe history").default_open(false).show(ui, |ui| {
        egui::Grid::new("probe history grid").num_columns(4).spacing([8.0, 2.0]).striped(true).show(ui, |ui| {
            for result in results.iter().rev().take(HISTORY_SHOWN) {
                ui.label(RichText::new(result.started_at.as_datetime().format("%m-%d %H:%M:%S").to_string()).small());
                ui.label(RichText::new(state_word(result.state)).small().strong().color(probe_color(result.state, dark)));
                ui.label(RichText::new(format!("{} ms", result.duration_ms)).small());
                ui.add(egui::Label::new(RichText::new(result.summary()).small()).truncate())
                    .on_hover_text(result.conditions.iter().map(|c| c.resolved()).collect::<Vec<_>>().join("\n"));
                ui.end_row();
            }
        });
        if results.len() > HISTORY_SHOWN {
            ui.label(RichText::new(format!("and {} older", results.len() - HISTORY_SHOWN)).small().weak());
        }
    });
}

/// Response time (or p95) of each past result, oldest first.
fn latency_plot_ui(ui: &mut egui::Ui, results: &[&ProbeResult]) {
    let points: Vec<[f64; 2]> = results
        .iter()
        .enumerate()
        .filter_map(|(n, r)| {
            let shown = r.measured.get("p95").or_else(|| r.measured.get("response_time"))?;
            parse_ms(shown).map(|ms| [n as f64 + 1.0, ms])
        })
        .collect();
    if points.len() < 2 {
        return;
    }
    ui.label(RichText::new(format!("Latency over {} runs (ms)", points.len())).small().weak());
    egui_plot::Plot::new("probe latency")
        .height(110.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| plot.line(egui_plot::Line::new("latency", egui_plot::PlotPoints::from(points))));
}

/// Reads back `87ms`, `1.25s`, `3h`, `12d` as milliseconds.
fn parse_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    Some(match unit {
        "ms" => value,
        "s" => value * 1_000.0,
        "h" => value * 3_600_000.0,
        "d" => value * 86_400_000.0,
        _ => return None,
    })
}
