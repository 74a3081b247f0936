//! Probes from the app: starting them on the probe runner, cancelling, recording results as they
//! arrive, and asking before a load probe hits a host that is not this machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::app::{App, View};
use super::command::Command;
use super::dialogs::Dialog;
use crate::probe::runner::ProbeJob;
use crate::probe::{ProbeKind, ProbeSpec};

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

impl App {
    pub(super) fn apply_probe(&mut self, command: Command) {
        let actor = self.actor();
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
                let remote_load: Vec<String> = items
                    .iter()
                    .filter_map(|id| doc.probe(id))
                    .filter(|spec| spec.kind == ProbeKind::Load && !is_loopback(spec))
                    .map(|spec| format!("{} ({} connections)", spec.target, spec.connections.max(1)))
                    .collect();
                if remote_load.is_empty() {
                    self.commands.push(Command::RunProbesConfirmed(items));
                } else {
                    let message = format!("This sends load to a host that is not this machine:\n{}\nRun it only against systems you are allowed to load.", remote_load.join("\n"));
                    self.dialog = Some(Dialog::confirm("Run a load test?", message, "Run load test", Command::RunProbesConfirmed(items)));
                }
            }
            Command::RunProbesConfirmed(items) => {
                let Some(runner) = &self.probes else { return };
                if self.probes_running.is_empty() {
                    // A new batch gets a fresh cancel flag; the old one stays set for stragglers.
                    self.probe_cancel = Arc::new(AtomicBool::new(false));
                    self.probes_batch = 0;
                }
                for item in items {
                    let Some(spec) = doc.probe(&item).cloned() else { continue };
                    if self.probes_running.insert(item.clone()) {
                        self.probes_batch += 1;
                        runner.submit(ProbeJob { item, spec }, self.probe_cancel.clone());
                    }
                }
            }
            Command::CancelProbes => self.probe_cancel.store(true, Ordering::Relaxed),
            Command::OverrideProbe { item, state, reason } => {
                match doc.run.override_probe(&item, state, &reason, &actor, Self::now()) {
                    Ok(()) => {
                        doc.invalidate();
                        self.autosave.save(doc.path.clone(), &doc.run);
                    }
                    Err(err) => self.toasts.error(err.to_string()),
                }
            }
            _ => {}
        }
    }

    /// Records finished probes in the open run; results for a run no longer open are dropped
    /// with a notice (the probe can be run again there).
    pub(super) fn take_probe_results(&mut self) {
        let Some(receiver) = &self.probe_results else { return };
        let results: Vec<_> = receiver.try_iter().collect();
        for result in results {
            self.probes_running.remove(&result.item);
            if let View::Editor(editor) = &mut self.view {
                editor.test_result = Some(result);
                continue;
            }
            let View::Run(doc) = &mut self.view else {
                self.toasts.notice(format!("A probe finished after its run was closed: {}", result.item));
                continue;
            };
            let item = result.item.clone();
            match doc.run.record_probe(result, Self::now()) {
                Ok(()) => {
                    doc.invalidate();
                    self.autosave.save(doc.path.clone(), &doc.run);
                }
                Err(err) => self.toasts.error(format!("{item}: {err}")),
            }
        }
        if self.probes_running.is_empty() {
            self.probes_batch = 0;
        }
    }

    /// Probes the editor's "Test now" runs, reported back into the editor.
    pub(super) fn test_probe(&mut self, item: String, spec: ProbeSpec) {
        match &self.probes {
            Some(runner) => {
                self.probes_running.insert(item.clone());
                runner.submit(ProbeJob { item, spec }, Arc::new(AtomicBool::new(false)));
            }
            None => self.toasts.error("Probes cannot run: the probe runtime did not start."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
