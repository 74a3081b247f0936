//! `preflight probe`: every probe of a run (or one item's), recorded in the run file, printed as
//! a table or JSON, and reported as JUnit XML and GitHub annotations; and what `lint` finds in a
//! template's probes.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};

use super::{EXIT_CHECK_FAILED, actor_name, ci_report};
use crate::model::{Template, Timestamp};
use crate::store;

pub(super) fn probe_problems(template: &Template) -> Vec<crate::model::Problem> {
    let mut problems = Vec::new();
    for (_, item) in template.all_items() {
        let Some(spec) = &item.probe else { continue };
        // The file holds each text as a RON string; a problem is found by its first characters.
        let anchor = |text: &str| Some((text.chars().take(20).collect::<String>(), 0));
        let own = spec.expect.iter().chain(&spec.warn).map(|text| ("probe condition".to_string(), text));
        let in_steps = spec
            .steps
            .iter()
            .enumerate()
            .flat_map(|(index, step)| step.expect.iter().map(move |text| (format!("probe step {} `{}`: condition", index + 1, step.name), text)));
        let mut unreadable = false;
        for (what, text) in own.chain(in_steps) {
            if let Err(err) = crate::probe::condition::parse(text) {
                unreadable = true;
                problems.push(crate::model::Problem { message: format!("item `{}`: {what} `{text}`: {err}", item.id), anchor: anchor(text) });
            }
        }
        if let Err(problem) = crate::probe::flow::check_steps(spec)
            && !unreadable
        {
            problems.push(crate::model::Problem { message: format!("item `{}`: probe {}", item.id, problem.message), anchor: anchor(&problem.at) });
        }
    }
    problems
}

pub(super) fn probe(path: &Path, only: Option<&str>, json: bool, junit: Option<&Path>) -> anyhow::Result<ExitCode> {
    use crate::model::ProbeState;
    use crate::probe::runner::{ProbeJob, run_blocking};

    let (mut run, stamp) = store::load_run_stamped(path)?;
    // A final run takes no new evidence: refuse before any probe reaches the network.
    run.refuse_if_final().map_err(|err| anyhow!("{}: {err}", path.display()))?;
    let jobs: Vec<ProbeJob> = run
        .template
        .all_items()
        .into_iter()
        .filter(|(_, item)| only.is_none_or(|id| item.id == id))
        .filter_map(|(_, item)| item.probe.as_deref().map(|spec| ProbeJob { item: item.id.clone(), spec: spec.clone() }))
        .collect();
    if let Some(id) = only {
        match run.template.find_item(id) {
            None => bail!("{}: no item `{id}` in this run", path.display()),
            Some(item) if item.probe.is_none() => bail!("{}: item `{id}` has no probe", path.display()),
            Some(_) => {}
        }
    }
    if jobs.is_empty() {
        println!("{}: no item in this run has a probe", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    // Bad input (a condition that does not parse, a secret variable that is not set) is refused
    // before any probe runs, and nothing is recorded.
    let problems: Vec<String> =
        jobs.iter().filter_map(|job| probe_input_problem(&job.spec).map(|problem| format!("item `{}`: {problem}", job.item))).collect();
    if !problems.is_empty() {
        bail!("{}: {}", path.display(), problems.join("\n  "));
    }
    let results = run_blocking(jobs, crate::probe::runner::PROBES_AT_ONCE).context("cannot start the probe runtime")?;
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let ran_by = actor_name(None);
    for result in &results {
        run.record_probe_by(result.clone(), &ran_by, now)
            .with_context(|| format!("{}: cannot record the result for `{}`", path.display(), result.item))?;
    }
    // Someone may have written the file while the probes ran (the app, another job): their
    // events are merged in, never overwritten.
    let saved = store::save_run_merging(path, &run, Some(&stamp))?;
    if let Some(merged) = &saved.merged {
        eprintln!("{} changed while the probes ran; merged in: {}", path.display(), crate::model::describe_incoming(&merged.incoming(&run)));
        run = merged.run.clone();
    }
    if let Some(report) = junit {
        store::write_atomic(report, ci_report::junit(&run, path, &results).as_bytes()).with_context(|| {
            format!("{}: the results are recorded in {}, but the JUnit report cannot be written", report.display(), path.display())
        })?;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true") {
        // On standard error, which the runner reads for workflow commands as it reads standard
        // output, so that `--json` output stays parseable.
        eprint!("{}", ci_report::github_annotations(&run, path, &results));
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&results).context("cannot write the results as JSON")?);
    } else {
        print!("{}", probe_table(&results));
    }
    let failed = results.iter().filter(|r| matches!(r.state, ProbeState::Fail | ProbeState::Error)).count();
    eprintln!(
        "{} probe(s): {} passed or warned, {failed} failed or could not run; recorded in {}",
        results.len(),
        results.len() - failed,
        path.display()
    );
    Ok(if failed > 0 { ExitCode::from(EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}

/// What makes a probe impossible to run as written: a condition or a step that does not read,
/// or a `${env:NAME}` whose variable is not set.
fn probe_input_problem(spec: &crate::model::ProbeSpec) -> Option<String> {
    crate::probe::runner::check_input(spec).err()
}

/// A table of results: item, kind, state, time, and each condition resolved.
fn probe_table(results: &[crate::model::ProbeResult]) -> String {
    let width = results.iter().map(|r| r.item.chars().count()).max().unwrap_or(4).max(4);
    let mut out = format!("{:width$}  {:5}  {:5}  {:>7}  RESULT\n", "ITEM", "KIND", "STATE", "TIME");
    for result in results {
        let kind = result.kind.label().to_lowercase();
        let state = result.state.label();
        let shown = |c: &crate::model::ConditionResult| format!("{}{}", if c.passed { "" } else { "✗ " }, c.resolved());
        let detail = match &result.error {
            Some(error) => error.clone(),
            None => {
                // A flow's failed steps, then the probe's own conditions.
                let steps = result
                    .steps
                    .iter()
                    .flat_map(|step| step.conditions.iter().filter(|c| !c.passed).map(move |c| format!("step `{}`: {}", step.name, shown(c))));
                steps.chain(result.conditions.iter().map(shown)).collect::<Vec<_>>().join("; ")
            }
        };
        let _ = writeln!(out, "{:width$}  {kind:5}  {state:5}  {:>5}ms  {detail}", result.item, result.duration_ms);
    }
    out
}
