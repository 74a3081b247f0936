//! Probes from the app: starting them on the probe runner, cancelling, recording results as they
//! arrive, and asking before a load probe hits a host that is not this machine.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use super::app::{App, View};
use super::command::{Command, EditorCommand, ProbeCommand};
use super::dialogs::Dialog;
use crate::model::{ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use crate::probe::runner::{ProbeJob, ProbeRunner};

/// Whether a probe only reaches this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(spec: &ProbeSpec) -> bool {
    let target = spec.target.split("://").nth(1).unwrap_or(&spec.target);
    let authority = target.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a running probe's result belongs, and the flag that cancels it.
pub struct ProbeTicket {
    /// The run (by id) the result is evidence for; None for the editor's "Test now".
    pub run_id: Option<String>,
    pub cancel: Arc<AtomicBool>,
}

impl ProbeTicket {
    pub fn is_for_run(&self, run_id: &str) -> bool {
        self.run_id.as_deref() == Some(run_id)
    }
}

/// What to do with a probe result that has arrived.
#[derive(Debug, PartialEq, Eq)]
enum Destination {
    /// Record it in the open run.
    Record,
    /// Show it in the open editor.
    Editor,
    /// The probe was cancelled: a cancellation is not evidence, so nothing is recorded.
    Cancelled,
    /// Its run (or editor) is no longer open: say so, record nothing.
    Gone { run_id: Option<String> },
}

/// Decides where a result goes from its ticket and what is open now.
fn destination(ticket: &ProbeTicket, result: &ProbeResult, open_run: Option<&str>, editor_open: bool) -> Destination {
    if ticket.cancel.load(Ordering::Relaxed) && result.state == ProbeState::Error {
        return Destination::Cancelled;
    }
    match (&ticket.run_id, open_run) {
        (Some(run_id), Some(open)) if run_id == open => Destination::Record,
        (None, _) if editor_open => Destination::Editor,
        (run_id, _) => Destination::Gone { run_id: run_id.clone() },
    }
}

/// The app's probe bookkeeping: the runner, the results it sends back, and which probes run
/// where. One batch ("Run probe", "Run all") at a time shares one cancel flag.
pub struct Probes {
    runner: Option<ProbeRunner>,
    results: Option<Receiver<ProbeResult>>,
    /// The current batch's cancel flag; a cancelled batch keeps it for its stragglers.
    cancel: Arc<AtomicBool>,
    /// Items whose probe is running, with where each result belongs.
    running: BTreeMap<String, ProbeTicket>,
    /// How many probes the current batch started, and how many of them were cancelled.
    batch: usize,
    cancelled: usize,
}

impl Probes {
    /// Starts the probe runtime; `repaint` is called whenever a result arrives. When the
    /// runtime cannot start, probes are refused with the reason, and the error says why.
    pub fn start(repaint: impl Fn() + Send + Sync + 'static) -> (Probes, Option<String>) {
        let (runner, results, error) = match ProbeRunner::new(crate::probe::runner::PROBES_AT_ONCE, repaint) {
            Ok((runner, results)) => (Some(runner), Some(results), None),
            Err(err) => (None, None, Some(format!("Probes cannot run: the probe runtime did not start: {err}"))),
        };
        let probes = Probes { runner, results, cancel: Arc::default(), running: BTreeMap::new(), batch: 0, cancelled: 0 };
        (probes, error)
    }

    /// Whether the probe of `item` is running for the run `run_id`.
    pub fn is_running_for(&self, item: &str, run_id: &str) -> bool {
        self.running.get(item).is_some_and(|ticket| ticket.is_for_run(run_id))
    }

    /// How many probes are running for the run `run_id`.
    pub fn running_for(&self, run_id: &str) -> usize {
        self.running.values().filter(|ticket| ticket.is_for_run(run_id)).count()
    }

    /// How many probes the current batch started.
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    /// Whether probes started by "Run probe" or "Run all" (the current batch) are still running.
    fn batch_running(&self) -> bool {
        self.running.values().any(|ticket| Arc::ptr_eq(&ticket.cancel, &self.cancel))
    }
}

impl App {
    pub(super) fn apply_probe(&mut self, command: ProbeCommand) {
        let actor = self.actor();
        let View::Run(doc) = &mut self.view else { return };
        match command {
            ProbeCommand::Run(_) | ProbeCommand::RunConfirmed(_) if self.probes.runner.is_none() => {
                self.toasts.error("Probes cannot run: the probe runtime did not start.");
            }
            ProbeCommand::Run(_) | ProbeCommand::RunConfirmed(_) if doc.run().is_final() => {
                self.toasts.error("This run is final and takes no new probe results; start a new run from it to probe again.");
            }
            ProbeCommand::Run(items) => {
                let items = if items.is_empty() { doc.probed_items() } else { items };
                let specs: Vec<&ProbeSpec> = items.iter().filter_map(|id| doc.probe(id)).collect();
                match confirm_remote_load(&specs, ProbeCommand::RunConfirmed(items.clone()).into()) {
                    Some(dialog) => self.dialog = Some(dialog),
                    None => self.commands.push(ProbeCommand::RunConfirmed(items).into()),
                }
            }
            ProbeCommand::RunConfirmed(items) => {
                let probes = &mut self.probes;
                let Some(runner) = &probes.runner else { return };
                if !probes.batch_running() || probes.cancel.load(Ordering::Relaxed) {
                    // A new batch gets a fresh cancel flag; a cancelled one stays set for its stragglers.
                    probes.cancel = Arc::new(AtomicBool::new(false));
                    probes.batch = 0;
                    probes.cancelled = 0;
                }
                for item in items {
                    let Some(spec) = doc.probe(&item).cloned() else { continue };
                    if probes.running.contains_key(&item) {
                        continue;
                    }
                    let ticket = ProbeTicket { run_id: Some(doc.run().id.clone()), cancel: probes.cancel.clone() };
                    probes.running.insert(item.clone(), ticket);
                    probes.batch += 1;
                    runner.submit(ProbeJob { item, spec }, probes.cancel.clone());
                }
            }
            ProbeCommand::Cancel => self.probes.cancel.store(true, Ordering::Relaxed),
            ProbeCommand::Override { item, state, reason } => match doc.override_probe(&item, state, &reason, &actor, Self::now()) {
                Ok(()) => self.autosave.save(doc.path().to_path_buf(), doc.run()),
                Err(err) => self.toasts.error(err.to_string()),
            },
        }
    }

    /// Records finished probes in the run they were started for, while it is open. Probes of a
    /// run that is no longer open are cancelled, and their results dropped with a notice (the
    /// probe can be run again there); a cancelled probe records nothing.
    pub(super) fn take_probe_results(&mut self) {
        let open_run = match &self.view {
            View::Run(doc) => Some(doc.run().id.clone()),
            _ => None,
        };
        let left_behind: Vec<&ProbeTicket> = self
            .probes
            .running
            .values()
            .filter(|ticket| ticket.run_id.is_some() && ticket.run_id != open_run && !ticket.cancel.load(Ordering::Relaxed))
            .collect();
        if !left_behind.is_empty() {
            let count = left_behind.len();
            left_behind.iter().for_each(|ticket| ticket.cancel.store(true, Ordering::Relaxed));
            self.toasts.notice(format!("Leaving the run cancelled {count} running probe{}; nothing is recorded for {}.", plural(count), them(count)));
        }
        let Some(receiver) = &self.probes.results else { return };
        let results: Vec<_> = receiver.try_iter().collect();
        for result in results {
            let Some(ticket) = self.probes.running.remove(&result.item) else { continue };
            self.route_probe_result(&ticket, result, open_run.as_deref());
        }
        if !self.probes.batch_running() {
            if self.probes.cancelled > 0 {
                let count = self.probes.cancelled;
                self.toasts.notice(format!("Cancelled {count} probe{}; nothing is recorded for {}.", plural(count), them(count)));
            }
            self.probes.batch = 0;
            self.probes.cancelled = 0;
        }
    }

    /// Takes one result where its ticket says it belongs.
    fn route_probe_result(&mut self, ticket: &ProbeTicket, result: ProbeResult, open_run: Option<&str>) {
        let editor_open = matches!(self.view, View::Editor(_));
        match destination(ticket, &result, open_run, editor_open) {
            Destination::Cancelled => {
                // Cancel was pressed in the open run (leaving a run says so when it happens).
                if ticket.run_id.is_some() && ticket.run_id.as_deref() == open_run {
                    self.probes.cancelled += 1;
                }
            }
            Destination::Editor => {
                if let View::Editor(editor) = &mut self.view {
                    editor.test_result = Some(result);
                }
            }
            Destination::Gone { run_id: Some(_) } => {
                self.toasts.notice(format!("The probe of {} finished after its run was closed; nothing was recorded.", result.item));
            }
            Destination::Gone { run_id: None } => {}
            Destination::Record => {
                let actor = self.actor();
                let View::Run(doc) = &mut self.view else { return };
                let item = result.item.clone();
                match doc.record_probe(result, &actor, Self::now()) {
                    Ok(()) => self.autosave.save(doc.path().to_path_buf(), doc.run()),
                    Err(err) => self.toasts.error(format!("{item}: {err}")),
                }
            }
        }
    }

    /// Probes the editor's "Test now" runs, reported back into the editor; a load test of
    /// another host asks first, as in a run.
    pub(super) fn test_probe(&mut self, item: String, spec: ProbeSpec, confirmed: bool) {
        let mut spec = spec;
        if let View::Editor(doc) = &mut self.view {
            doc.test_result = None;
            // The probe as it is now: the edit committed from a box that had the keyboard
            // when "Test now" was clicked came after the click.
            if !confirmed && let Some(current) = doc.template.find_item(&item).and_then(|i| i.probe.as_deref().cloned()) {
                spec = current;
            }
        }
        let Some(runner) = &self.probes.runner else {
            self.toasts.error("Probes cannot run: the probe runtime did not start.");
            return;
        };
        if self.probes.running.contains_key(&item) {
            self.toasts.notice(format!("The probe of {item} is still running."));
            return;
        }
        if !confirmed
            && let Some(dialog) =
                confirm_remote_load(&[&spec], EditorCommand::TestProbe { item: item.clone(), spec: Box::new(spec.clone()), confirmed: true }.into())
        {
            self.dialog = Some(dialog);
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.probes.running.insert(item.clone(), ProbeTicket { run_id: None, cancel: cancel.clone() });
        runner.submit(ProbeJob { item, spec }, cancel);
    }
}

/// A confirmation before load probes that reach a host other than this machine, or None when
/// there are none.
fn confirm_remote_load(specs: &[&ProbeSpec], then: Command) -> Option<Dialog> {
    let remote_load: Vec<String> = specs
        .iter()
        .filter(|spec| spec.kind == ProbeKind::Load && !is_loopback(spec))
        .map(|spec| format!("{} ({} connections)", spec.target, spec.connections.max(1)))
        .collect();
    if remote_load.is_empty() {
        return None;
    }
    let message = format!(
        "This sends load to a host that is not this machine:\n{}\nRun it only against systems you are allowed to load.",
        remote_load.join("\n")
    );
    Some(Dialog::confirm("Run a load test?", message, "Run load test", then))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn them(count: usize) -> &'static str {
    if count == 1 { "it" } else { "them" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(state: ProbeState) -> ProbeResult {
        ProbeResult {
            item: "a".into(),
            kind: ProbeKind::Http,
            target: "http://127.0.0.1/".into(),
            state,
            started_at: crate::model::Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
            duration_ms: 1,
            attempts: 1,
            conditions: Vec::new(),
            measured: Default::default(),
            details: Default::default(),
            certificates: Vec::new(),
            steps: Vec::new(),
            error: None,
        }
    }

    fn ticket(run_id: Option<&str>, cancelled: bool) -> ProbeTicket {
        ProbeTicket { run_id: run_id.map(str::to_string), cancel: Arc::new(AtomicBool::new(cancelled)) }
    }

    #[test]
    fn a_result_goes_only_to_the_run_or_editor_that_asked_for_it() {
        let pass = result(ProbeState::Pass);
        assert_eq!(destination(&ticket(Some("a"), false), &pass, Some("a"), false), Destination::Record);
        assert_eq!(destination(&ticket(Some("a"), false), &pass, Some("b"), false), Destination::Gone { run_id: Some("a".into()) });
        assert_eq!(destination(&ticket(Some("a"), false), &pass, None, true), Destination::Gone { run_id: Some("a".into()) });
        assert_eq!(destination(&ticket(None, false), &pass, None, true), Destination::Editor);
        assert_eq!(destination(&ticket(None, false), &pass, Some("a"), false), Destination::Gone { run_id: None });
    }

    #[test]
    fn a_cancelled_probe_is_not_evidence_but_one_that_finished_first_is() {
        assert_eq!(destination(&ticket(Some("a"), true), &result(ProbeState::Error), Some("a"), false), Destination::Cancelled);
        assert_eq!(destination(&ticket(Some("a"), true), &result(ProbeState::Fail), Some("a"), false), Destination::Record);
        assert_eq!(destination(&ticket(Some("a"), false), &result(ProbeState::Error), Some("a"), false), Destination::Record);
    }

    #[test]
    fn loopback_targets() {
        let spec = |target: &str| ProbeSpec::new(ProbeKind::Load, target);
        assert!(is_loopback(&spec("http://127.0.0.1:8080/health")));
        assert!(is_loopback(&spec("http://localhost/")));
        assert!(is_loopback(&spec("http://[::1]:80/")));
        assert!(!is_loopback(&spec("https://api.company.com/health")));
        assert!(!is_loopback(&spec("http://10.0.0.5/")));
    }
}
