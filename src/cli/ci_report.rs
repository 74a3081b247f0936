//! What `preflight probe` tells a CI system: a JUnit XML report (one test case per probe, read by
//! GitLab, Jenkins and GitHub test reporters) and GitHub Actions workflow commands, so that a
//! failed probe shows on the pipeline's page with the condition as it resolved.

use std::collections::HashMap;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::model::{ProbeResult, ProbeState, Run};

/// The JUnit XML report of `results`, probes of `run` (read from `path`). The layout is the one
/// Ant and Maven Surefire write and every CI test reporter reads: `testsuites` › `testsuite` ›
/// `testcase`, with `failure` for a probe whose conditions failed, `error` for one that could
/// not run, and every condition, resolved, in the failure's text (or `system-out` for a probe that passed).
pub fn junit(run: &Run, path: &Path, results: &[ProbeResult]) -> String {
    let items: HashMap<&str, (String, &str)> = run
        .template
        .all_items()
        .into_iter()
        .map(|(section, item)| {
            (item.id.as_str(), (format!("{}.{}", run.template.id, section.map_or("checklist", |s| s.id.as_str())), item.text.as_str()))
        })
        .collect();
    let count = |state: ProbeState| results.iter().filter(|r| r.state == state).count().to_string();
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let total_ms: u64 = results.iter().map(|r| r.duration_ms).sum();
    let timestamp = results.iter().map(|r| r.started_at).min().map(|at| at.as_datetime().format("%Y-%m-%dT%H:%M:%S").to_string());
    let suite_name = format!("{} (run {})", run.template.title, run.id);

    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail.
    let mut write = |event: Event<'_>| drop(xml.write_event(event));
    write(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let totals = [("tests", results.len().to_string()), ("failures", count(ProbeState::Fail)), ("errors", count(ProbeState::Error))];
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "preflight probe"));
    for (name, value) in &totals {
        suites.push_attribute((*name, value.as_str()));
    }
    suites.push_attribute(("time", seconds(total_ms).as_str()));
    write(Event::Start(suites));
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", clean(&suite_name).as_str()));
    for (name, value) in &totals {
        suite.push_attribute((*name, value.as_str()));
    }
    suite.push_attribute(("skipped", "0"));
    suite.push_attribute(("time", seconds(total_ms).as_str()));
    if let Some(timestamp) = &timestamp {
        suite.push_attribute(("timestamp", timestamp.as_str()));
    }
    write(Event::Start(suite));
    write(Event::Start(BytesStart::new("properties")));
    for (name, value) in [("run", run.id.clone()), ("run_file", path.display().to_string()), ("checklist", run.template.id.clone())] {
        let mut property = BytesStart::new("property");
        property.push_attribute(("name", name));
        property.push_attribute(("value", clean(&value).as_str()));
        write(Event::Empty(property));
    }
    write(Event::End(BytesEnd::new("properties")));
    for result in results {
        let (classname, text) = items.get(result.item.as_str()).cloned().unwrap_or_else(|| (run.template.id.clone(), result.item.as_str()));
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("name", clean(&format!("{text} [{}]", result.item)).as_str()));
        case.push_attribute(("classname", clean(&classname).as_str()));
        case.push_attribute(("time", seconds(result.duration_ms).as_str()));
        case.push_attribute(("file", clean(&path.display().to_string()).as_str()));
        write(Event::Start(case));
        let outcome = match result.state {
            ProbeState::Fail => Some(("failure", "condition failed", failed_conditions(result))),
            ProbeState::Error => Some(("error", "probe could not run", result.error.clone().unwrap_or_else(|| "no result".into()))),
            ProbeState::Pass | ProbeState::Warn => None,
        };
        if let Some((element, kind, message)) = outcome {
            let mut start = BytesStart::new(element);
            start.push_attribute(("message", clean(&message).as_str()));
            start.push_attribute(("type", kind));
            write(Event::Start(start));
            write(Event::Text(BytesText::new(&clean(&evidence(result)))));
            write(Event::End(BytesEnd::new(element)));
        } else {
            write(Event::Start(BytesStart::new("system-out")));
            write(Event::Text(BytesText::new(&clean(&evidence(result)))));
            write(Event::End(BytesEnd::new("system-out")));
        }
        write(Event::End(BytesEnd::new("testcase")));
    }
    write(Event::End(BytesEnd::new("testsuite")));
    write(Event::End(BytesEnd::new("testsuites")));
    let mut out = String::from_utf8_lossy(&xml.into_inner()).into_owned();
    out.push('\n');
    out
}

/// The conditions that failed, resolved against what the probe saw: the failure's message.
fn failed_conditions(result: &ProbeResult) -> String {
    let in_steps = result.steps.iter().flat_map(|step| {
        step.conditions.iter().filter(|c| !c.passed && !c.warning_only).map(move |c| format!("step `{}`: {}", step.name, c.resolved()))
    });
    let own = result.conditions.iter().filter(|c| !c.passed && !c.warning_only).map(|c| c.resolved());
    let failed: Vec<String> = in_steps.chain(own).collect();
    if failed.is_empty() { result.summary() } else { failed.join("; ") }
}

/// Everything the probe recorded, one line each: its target and outcome, every condition
/// resolved (✓ passed, ✗ failed, ! a warning), the measured values and the error.
fn evidence(result: &ProbeResult) -> String {
    let mut lines = vec![format!("{} {} — {} in {} ms", result.kind.label(), result.target, result.state.label(), result.duration_ms)];
    let mark = |condition: &crate::model::ConditionResult| match (condition.passed, condition.warning_only) {
        (true, _) => "✓",
        (false, false) => "✗",
        (false, true) => "!",
    };
    for (index, step) in result.steps.iter().enumerate() {
        lines.push(format!("step {}, {}", index + 1, step.describe()));
        lines.extend(step.conditions.iter().map(|condition| format!("  {} {}", mark(condition), condition.resolved())));
    }
    for condition in &result.conditions {
        lines.push(format!("{} {}", mark(condition), condition.resolved()));
    }
    lines.extend(result.measured.iter().map(|(name, value)| format!("{name} = {value}")));
    if let Some(error) = &result.error {
        lines.push(format!("error: {error}"));
    }
    lines.join("\n")
}

/// Text XML 1.0 may hold: control characters other than tab, line feed and carriage return
/// cannot appear in an XML document even escaped, so they become U+FFFD.
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && !matches!(c, '\t' | '\n' | '\r') { '\u{FFFD}' } else { c }).collect()
}

/// GitHub Actions workflow commands for the probes that did not pass: `::error` for a failure or
/// a probe that could not run, `::warning` for a warning, each naming the run file, so that
/// they show as annotations on the workflow run.
pub fn github_annotations(run: &Run, path: &Path, results: &[ProbeResult]) -> String {
    let texts: HashMap<&str, &str> = run.template.all_items().into_iter().map(|(_, item)| (item.id.as_str(), item.text.as_str())).collect();
    let mut out = String::new();
    for result in results {
        let (level, what, message) = match result.state {
            ProbeState::Fail => ("error", "Probe failed", failed_conditions(result)),
            ProbeState::Error => ("error", "Probe could not run", result.error.clone().unwrap_or_else(|| "no result".into())),
            ProbeState::Warn => ("warning", "Probe warned", result.summary()),
            ProbeState::Pass => continue,
        };
        let text = texts.get(result.item.as_str()).copied().unwrap_or(result.item.as_str());
        let title = format!("{what}: {text}");
        out.push_str(&format!(
            "::{level} file={},title={}::{}\n",
            escape_property(&path.display().to_string()),
            escape_property(&title),
            escape_data(&format!("{} ({}): {message}", result.item, result.target))
        ));
    }
    out
}

/// A workflow command's message: `%`, carriage return and line feed are escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as a message, and `:` and `,` too.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped() {
        assert_eq!(escape_data("50% down\r\nnext"), "50%25 down%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn control_characters_cannot_reach_the_xml() {
        assert_eq!(clean("ok\u{1b}[31m\tand\n"), "ok\u{FFFD}[31m\tand\n");
    }
}
