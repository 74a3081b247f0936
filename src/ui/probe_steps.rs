//! An HTTP probe's flow in the probe editor: the steps made before the probe's own request,
//! each with its name, method, URL, headers, body, the values it captures and its conditions;
//! steps are added, moved up and removed, and a problem with the flow (a `${var:NAME}` no step
//! before captures) is shown as it is made. Steps are told apart by their names, which are
//! unique within a probe.

use std::collections::BTreeMap;

use egui::RichText;

use super::editor::{EditorDoc, committed_text};
use super::probe_editor::{METHODS, conditions_ui, headers_text, parse_headers};
use crate::model::{HttpStep, Item, ProbeSpec};
use crate::probe::flow;

/// The steps of `spec`, edited into `edited` (applied by the caller, as one edit).
pub(super) fn steps_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, edited: &mut ProbeSpec) {
    ui.label(RichText::new("Steps before the request").strong()).on_hover_text(
        "A flow: each step is a request made before the probe's own, in order. A step can capture values from its answer \
         (token = json(access_token)) that later steps and the probe's request use as ${var:token}. Captured values are masked \
         like secrets in the run and the PDF.",
    );
    if spec.steps.is_empty() {
        ui.label(RichText::new("None: the probe makes one request.").weak().small());
    }
    for (index, step) in spec.steps.iter().enumerate() {
        let title = format!("Step {}: {} — {} {}", index + 1, step.name, step.method.to_uppercase(), step.url);
        egui::CollapsingHeader::new(title).id_salt(("probe step", &item.id, &step.name)).default_open(spec.steps.len() == 1).show(ui, |ui| {
            step_ui(ui, doc, item, spec, index, edited);
        });
    }
    if let Err(problem) = flow::check_steps(spec) {
        ui.colored_label(ui.visuals().error_fg_color, problem.message);
    }
    if ui.button("Add a step").on_hover_text("A request made before the probe's own, such as a login").clicked() {
        edited.steps.push(new_step(spec));
    }
}

/// A new step, named so that no other step has its name, on the probe's own URL.
fn new_step(spec: &ProbeSpec) -> HttpStep {
    let name =
        (spec.steps.len() + 1..).map(|n| format!("step {n}")).find(|name| spec.steps.iter().all(|step| step.name != *name)).unwrap_or_default();
    HttpStep::new(name, spec.target.clone())
}

/// Why step `index` cannot be named `name`: it is empty, or another step has it.
fn name_problem(spec: &ProbeSpec, index: usize, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("A step needs a name".to_string());
    }
    let taken = spec.steps.iter().enumerate().any(|(other, step)| other != index && step.name == name);
    taken.then(|| format!("Another step is named `{name}`"))
}

/// One step's fields, and the buttons that move it up or remove it.
fn step_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, item: &Item, spec: &ProbeSpec, index: usize, edited: &mut ProbeSpec) {
    let step = &spec.steps[index];
    let key = |what: &str| format!("probe/{}/step/{}/{what}", item.id, step.name);
    let committed = committed_text(ui, doc, &key("name"), "Name (what the step does: log in)", &step.name, false);
    let typed = doc.draft(&key("name")).unwrap_or_else(|| step.name.clone());
    let refused = name_problem(spec, index, typed.trim());
    if let Some(problem) = &refused {
        ui.colored_label(ui.visuals().error_fg_color, problem);
    }
    if let Some(name) = committed.filter(|_| refused.is_none()) {
        edited.steps[index].name = name.trim().to_string();
    }
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Step method");
        egui::ComboBox::from_id_salt(key("method"))
            .selected_text(edited.steps[index].method.to_uppercase())
            .show_ui(ui, |ui| {
                for method in METHODS {
                    ui.selectable_value(&mut edited.steps[index].method, method.to_string(), method);
                }
            })
            .response
            .labelled_by(label.id);
    });
    if let Some(url) = committed_text(ui, doc, &key("url"), "URL (${env:NAME} and ${var:NAME} allowed)", &step.url, false) {
        edited.steps[index].url = url.trim().to_string();
    }
    let headers_key = key("headers");
    let current = headers_text(&step.headers);
    let committed =
        committed_text(ui, doc, &headers_key, "Step headers, one `Name: value` per line (Authorization: Bearer ${var:token})", &current, true);
    match parse_headers(&doc.draft(&headers_key).unwrap_or_else(|| current.clone())) {
        Err(err) => {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        Ok(headers) if committed.is_some() => edited.steps[index].headers = headers,
        Ok(_) => {}
    }
    if (!matches!(step.method.to_uppercase().as_str(), "GET" | "HEAD") || !step.body.is_empty())
        && let Some(body) = committed_text(ui, doc, &key("body"), "Step request body (${env:NAME} and ${var:NAME} allowed)", &step.body, true)
    {
        edited.steps[index].body = body;
    }
    captures_ui(ui, doc, &key("capture"), step, &mut edited.steps[index]);
    let label = "Conditions, one per line (status < 400 when there are none)";
    if let Some(expect) = conditions_ui(ui, doc, &key("expect"), label, &step.expect) {
        edited.steps[index].expect = expect;
    }
    ui.horizontal_wrapped(|ui| {
        if index > 0 && ui.button("Move up").clicked() {
            edited.steps.swap(index, index - 1);
        }
        if ui.button("Remove step").clicked() {
            edited.steps.remove(index);
        }
    });
}

/// What a step captures, one `name = subject` per line, each line checked as it is typed.
fn captures_ui(ui: &mut egui::Ui, doc: &mut EditorDoc, key: &str, step: &HttpStep, edited: &mut HttpStep) {
    let current = step.capture.iter().map(|(name, source)| format!("{name} = {source}")).collect::<Vec<_>>().join("\n");
    let label = "Capture, one `name = subject` per line (token = json(access_token), session = header(x-session))";
    let committed = committed_text(ui, doc, key, label, &current, true);
    match parse_captures(&doc.draft(key).unwrap_or_else(|| current.clone())) {
        Err(err) => {
            ui.colored_label(ui.visuals().error_fg_color, err);
        }
        Ok(capture) if committed.is_some() => edited.capture = capture,
        Ok(_) => {}
    }
}

/// Captures as typed; a line that is not `name = subject`, or whose subject does not read, is
/// an error naming its line.
fn parse_captures(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut capture = BTreeMap::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let line_number = index + 1;
        let Some((name, source)) = line.split_once('=') else { return Err(format!("line {line_number}: expected `name = subject`")) };
        let (name, source) = (name.trim(), source.trim());
        if !flow::is_var_name(name) {
            return Err(format!("line {line_number}: `{name}` cannot name a variable; use letters, digits, `_` and `-`"));
        }
        flow::capture_condition(source).map_err(|err| format!("line {line_number}: {err}"))?;
        if capture.insert(name.to_string(), source.to_string()).is_some() {
            return Err(format!("line {line_number}: `{name}` is captured twice"));
        }
    }
    Ok(capture)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_read_one_per_line_and_a_bad_line_is_named() {
        let parsed = parse_captures("token = json(access_token)\n\nsession=header(x-session)").unwrap();
        assert_eq!(parsed["token"], "json(access_token)");
        assert_eq!(parsed["session"], "header(x-session)");
        assert_eq!(parse_captures("token json(a)").unwrap_err(), "line 1: expected `name = subject`");
        assert!(parse_captures("a = body\nmy token = body").unwrap_err().starts_with("line 2: `my token` cannot name"));
        assert!(parse_captures("a = json(").unwrap_err().starts_with("line 1: column"));
        assert_eq!(parse_captures("a = body\na = status").unwrap_err(), "line 2: `a` is captured twice");
    }

    #[test]
    fn a_new_step_gets_a_name_no_other_step_has() {
        let mut spec = ProbeSpec::new(crate::model::ProbeKind::Http, "https://api.example.com/me");
        spec.steps = vec![HttpStep::new("step 2", "https://a.example/")];
        let added = new_step(&spec);
        assert_eq!((added.name.as_str(), added.url.as_str()), ("step 3", "https://api.example.com/me"));
    }
}
