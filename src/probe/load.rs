//! Load probes: N real HTTP/1.1 connections, one per worker, for a duration or a request count.
//! An error is a transport error or a status of 400 or more; latencies go into an HDR
//! histogram.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::http::client;
use super::spec::{Observed, ProbeSpec};
use super::stats::Latencies;

/// How long a load probe runs when the spec gives neither a duration nor a request count.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);

pub async fn run_load(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Observed, String> {
    let connections = spec.connections.max(1);
    let duration = if spec.duration_ms > 0 { Duration::from_millis(spec.duration_ms) } else if spec.requests > 0 { Duration::MAX } else { DEFAULT_DURATION };
    let budget = if spec.requests > 0 { spec.requests } else { u64::MAX };
    let issued = Arc::new(AtomicU64::new(0));
    // One client per worker, HTTP/1.1 only, one idle connection: N workers are N connections.
    // They are built before the clock starts, so that set-up does not count against requests/s.
    let clients = (0..connections).map(|_| client(spec, Arc::new(AtomicU32::new(0)), true)).collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for client in clients {
        let (issued, url, headers) = (issued.clone(), url.to_string(), headers.to_vec());
        workers.spawn(async move {
            let mut latencies = Latencies::new();
            let mut errors = 0u64;
            let mut total = 0u64;
            while started.elapsed() < duration && issued.fetch_add(1, Ordering::Relaxed) < budget {
                let mut request = client.get(&url);
                for (name, value) in &headers {
                    request = request.header(name, value);
                }
                let begun = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().as_u16() < 400;
                        // Reading the body to the end keeps the connection reusable.
                        let _ = response.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                latencies.record(begun.elapsed());
                total += 1;
                errors += u64::from(!ok);
            }
            (latencies, errors, total)
        });
    }
    let mut latencies = Latencies::new();
    let (mut errors, mut total) = (0, 0);
    while let Some(done) = workers.join_next().await {
        let (worker, worker_errors, worker_total) = done.map_err(|e| format!("a load worker stopped: {e}"))?;
        latencies.merge(&worker);
        errors += worker_errors;
        total += worker_total;
    }
    let mut observed = Observed::default();
    latencies.observe(&mut observed, errors, total, started.elapsed());
    Ok(observed)
}
