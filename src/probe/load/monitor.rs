//! Watching a load while it runs: each event loop's measurements, merged into what conditions
//! read, and the monitor that stops the load at the first failed condition (`abort_on_fail`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Latencies;
use crate::model::Observed;

/// One event loop's measurements: its latencies and how many of its requests failed. The
/// loop's own thread takes the lock for each request; the probe's monitor takes it a few times
/// a second to see how the load is going.
#[derive(Default)]
pub(super) struct LoopStats {
    latencies: Latencies,
    errors: u64,
    total: u64,
}

impl LoopStats {
    pub(super) fn record(&mut self, latency: Duration, ok: bool) {
        self.latencies.record(latency);
        self.total += 1;
        self.errors += u64::from(!ok);
    }
}

/// Merges the loops' measurements so far into what conditions read.
pub(super) fn snapshot(stats: &[Arc<Mutex<LoopStats>>], elapsed: Duration, percentiles: &[f64]) -> Observed {
    let mut latencies = Latencies::new();
    let (mut errors, mut total) = (0, 0);
    for stats in stats {
        let stats = stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        latencies.merge(&stats.latencies);
        errors += stats.errors;
        total += stats.total;
    }
    let mut observed = Observed::default();
    latencies.observe(&mut observed, errors, total, elapsed, percentiles);
    observed
}

/// How often a load with `abort_on_fail` is judged while it runs.
const ABORT_CHECK: Duration = Duration::from_millis(250);

/// Judges a load while it runs: the first failed condition, resolved, or `None`.
pub type AbortCheck<'a> = dyn Fn(&Observed) -> Option<String> + Send + Sync + 'a;

/// Judges the load every [`ABORT_CHECK`] once `grace` has passed, and stops it (through
/// `stop`) at the first failure; returns when and why, for the result.
pub(super) async fn watch(
    stats: &[Arc<Mutex<LoopStats>>],
    started: Instant,
    grace: Duration,
    percentiles: &[f64],
    abort: &AbortCheck<'_>,
    stop: &AtomicBool,
) -> String {
    tokio::time::sleep(grace).await;
    loop {
        tokio::time::sleep(ABORT_CHECK).await;
        let elapsed = started.elapsed();
        if let Some(failure) = abort(&snapshot(stats, elapsed, percentiles)) {
            stop.store(true, Ordering::Relaxed);
            return format!("after {:.1} s: {failure} failed", elapsed.as_secs_f64());
        }
    }
}
