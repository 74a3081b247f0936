//! Probes from the app: starting them on the probe runner, cancelling, recording results as they
//! arrive, and asking before a load probe hits a host that is not this machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::app::{App, View};
use super::command::Command;
use super::dialogs::Dialog;
use crate::model::{ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use crate::probe::runner::ProbeJob;

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

impl App {
    pub(super) fn apply_probe(&mut self, command: Command) {
        let actor = self.actor();
        let batch_running = self.batch_running();
        let View::Run(doc) = &mut self.view else { return };
        match command {
            Command::RunProbes(items) | Command::RunProbesConfirmed(items) if self.probes.is_none() => {
                let _ = items;
                self.toasts.error("Probes cannot run: the probe runtime did not start.");
            }
            Command::RunProbes(_) | Command::RunProbesConfirmed(_) if doc.run.is_final() => {
                self.toasts.error("This run is final and takes no new probe results; start a new run from it to probe again.");
            }
            Command::RunProbes(items) => {
                let items = if items.is_empty() { doc.probed_items() } else { items };
                let specs: Vec<&ProbeSpec> = items.iter().filter_map(|id| doc.probe(id)).collect();
                match confirm_remote_load(&specs, Command::RunProbesConfirmed(items.clone())) {
                    Some(dialog) => self.dialog = Some(dialog),
                    None => self.commands.push(Command::RunProbesConfirmed(items)),
                }
            }
            Command::RunProbesConfirmed(items) => {
                let Some(runner) = &self.probes else { return };
                if !batch_running || self.probe_cancel.load(Ordering::Relaxed) {
                    // A new batch gets a fresh cancel flag; a cancelled one stays set for its stragglers.
                    self.probe_cancel = Arc::new(AtomicBool::new(false));
                    self.probes_batch = 0;
                    self.probes_cancelled = 0;
                }
                for item in items {
                    let Some(spec) = doc.probe(&item).cloned() else { continue };
                    if self.probes_running.contains_key(&item) {
                        continue;
                    }
                    let ticket = ProbeTicket { run_id: Some(doc.run.id.clone()), cancel: self.probe_cancel.clone() };
                    self.probes_running.insert(item.clone(), ticket);
                    self.probes_batch += 1;
                    runner.submit(ProbeJob { item, spec }, self.probe_cancel.clone());
                }
            }
            Command::CancelProbes => self.probe_cancel.store(true, Ordering::Relaxed),
            Command::OverrideProbe { item, state, reason } => match doc.run.override_probe(&item, state, &reason, &actor, Self::now()) {
                Ok(()) => {
                    doc.invalidate();
                    self.autosave.save(doc.path.clone(), &doc.run);
                }
                Err(err) => self.toasts.error(err.to_string()),
            },
            _ => {}
        }
    }

    /// Records finished probes in the run they were started for, while it is open. Probes of a
    /// run that is no longer open are cancelled, and their results dropped with a notice (the
    /// probe can be run again there); a cancelled probe records nothing.
    pub(super) fn take_probe_results(&mut self) {
        let open_run = match &self.view {
            View::Run(doc) => Some(doc.run.id.clone()),
            _ => None,
        };
        let left_behind: Vec<&ProbeTicket> = self
            .probes_running
            .values()
            .filter(|ticket| ticket.run_id.is_some() && ticket.run_id != open_run && !ticket.cancel.load(Ordering::Relaxed))
            .collect();
        if !left_behind.is_empty() {
            let count = left_behind.len();
            left_behind.iter().for_each(|ticket| ticket.cancel.store(true, Ordering::Relaxed));
            self.toasts.notice(format!("Leaving the run cancelled {count} running probe{}; nothing is recorded for {}.", plural(count), them(count)));
        }
        let Some(receiver) = &self.probe_results else { return };
        let results: Vec<_> = receiver.try_iter().collect();
        for result in results {
            let Some(ticket) = self.probes_running.remove(&result.item) else { continue };
            let editor_open = matches!(self.view, View::Editor(_));
            match destination(&ticket, &result, open_run.as_deref(), editor_open) {
                Destination::Cancelled => {
                    // Cancel was pressed in the open run (leaving a run says so when it happens).
                    if ticket.run_id.is_some() && ticket.run_id == open_run {
                        self.probes_cancelled += 1;
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
                    let View::Run(doc) = &mut self.view else { continue };
                    let item = result.item.clone();
                    match doc.run.record_probe(result, Self::now()) {
                        Ok(()) => {
                            doc.invalidate();
                            self.autosave.save(doc.path.clone(), &doc.run);
                        }
                        Err(err) => self.toasts.error(format!("{item}: {err}")),
                    }
                }
            }
        }
        if !self.batch_running() {
            if self.probes_cancelled > 0 {
                let count = self.probes_cancelled;
                self.toasts.notice(format!("Cancelled {count} probe{}; nothing is recorded for {}.", plural(count), them(count)));
            }
            self.probes_batch = 0;
            self.probes_cancelled = 0;
        }
    }

    /// Whether probes started by "Run probe" or "Run all" (the current batch) are still running.
    fn batch_running(&self) -> bool {
        self.probes_running.values().any(|ticket| Arc::ptr_eq(&ticket.cancel, &self.probe_cancel))
    }

    /// Probes the editor's "Test now" runs, reported back into the editor; a load test of
    /// another host asks first, as in a run.
    pub(super) fn test_probe(&mut self, item: String, spec: ProbeSpec, confirmed: bool) {
        let Some(runner) = &self.probes else {
            self.toasts.error("Probes cannot run: the probe runtime did not start.");
            return;
        };
        if self.probes_running.contains_key(&item) {
            self.toasts.notice(format!("The probe of {item} is still running."));
            return;
        }
        if !confirmed
            && let Some(dialog) = confirm_remote_load(&[&spec], Command::TestProbe { item: item.clone(), spec: spec.clone(), confirmed: true })
        {
            self.dialog = Some(dialog);
            return;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        self.probes_running.insert(item.clone(), ProbeTicket { run_id: None, cancel: cancel.clone() });
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
