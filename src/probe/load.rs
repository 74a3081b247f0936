//! Load probes: N real HTTP/1.1 connections, one per worker, for a duration or a request count.
//! Each worker drives its own hyper connection (keep-alive, `TCP_NODELAY`), the way a load
//! generator does, so the measurement is of the server and not of a general-purpose client.
//! An error is a transport error or a status of 400 or more; latencies go into an HDR histogram.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::http::tls_config;
use super::spec::{Observed, ProbeSpec};
use super::stats::Latencies;

/// How long a load probe runs when the spec gives neither a duration nor a request count.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// Where and how to connect, worked out once for all workers.
struct Target {
    host: String,
    port: u16,
    /// The request path with its query.
    path: String,
    tls: Option<(tokio_rustls::TlsConnector, rustls::pki_types::ServerName<'static>)>,
    headers: Vec<(hyper::header::HeaderName, hyper::header::HeaderValue)>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

fn target(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Target, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = parsed.host_str().ok_or_else(|| format!("`{url}` has no host"))?.trim_matches(['[', ']']).to_string();
    let port = parsed.port_or_known_default().ok_or_else(|| format!("`{url}` has no port"))?;
    let path = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_string(),
    };
    let tls = match parsed.scheme() {
        "http" => None,
        "https" => {
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| format!("`{host}`: {e}"))?;
            Some((tokio_rustls::TlsConnector::from(Arc::new(tls_config(&spec.ca_file)?)), name))
        }
        other => return Err(format!("a load probe needs an http or https URL, not {other}")),
    };
    let mut parsed_headers = Vec::new();
    for (name, value) in headers {
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("header {name}: {e}"))?;
        let value = hyper::header::HeaderValue::from_str(value).map_err(|e| format!("header {name}: {e}"))?;
        parsed_headers.push((name, value));
    }
    Ok(Target {
        host,
        port,
        path,
        tls,
        headers: parsed_headers,
        connect_timeout: Duration::from_millis(spec.connect_timeout_ms),
        request_timeout: Duration::from_millis(spec.timeout_ms),
    })
}

/// Opens one HTTP/1.1 connection; its driver runs as a task until the connection closes.
async fn connect(target: &Target) -> Result<Sender, String> {
    let tcp = tokio::time::timeout(target.connect_timeout, TcpStream::connect((target.host.as_str(), target.port)))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| e.to_string())?;
    // Requests are small and each waits for its answer: send them at once.
    let _ = tcp.set_nodelay(true);
    match &target.tls {
        None => {
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            Ok(sender)
        }
        Some((connector, name)) => {
            let stream = connector.connect(name.clone(), tcp).await.map_err(|e| e.to_string())?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            Ok(sender)
        }
    }
}

/// One request on the worker's connection; true when the answer is a success.
async fn request(target: &Target, sender: &mut Sender) -> Result<bool, String> {
    let mut builder = hyper::Request::get(target.path.as_str()).header(hyper::header::HOST, target.host.as_str());
    for (name, value) in &target.headers {
        builder = builder.header(name, value);
    }
    let request = builder.body(Empty::<Bytes>::new()).map_err(|e| e.to_string())?;
    let exchange = async {
        sender.ready().await.map_err(|e| e.to_string())?;
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let ok = response.status().as_u16() < 400;
        // Reading the body to the end keeps the connection reusable.
        response.into_body().collect().await.map_err(|e| e.to_string())?;
        Ok(ok)
    };
    tokio::time::timeout(target.request_timeout, exchange).await.map_err(|_| "request timed out".to_string())?
}

/// What every event loop shares: when to stop, and how many requests have been issued.
#[derive(Clone)]
struct Limits {
    duration: Duration,
    budget: u64,
    issued: Arc<AtomicU64>,
    /// Set when the probe is cancelled, times out or fails: the loops stop sending load.
    stop: Arc<std::sync::atomic::AtomicBool>,
}

/// Sets the stop flag when the probe's future is dropped, finished or not.
struct StopOnDrop(Arc<std::sync::atomic::AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// How many event loops drive the connections, like wrk's threads: one per core, each on its
/// own thread with a single-threaded runtime, so a ready response never waits behind another
/// loop's work.
fn event_loops() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8)
}

/// Drives `connections` connections on the current (single-threaded) runtime until the
/// deadline or the budget; returns latencies, errors and requests made.
async fn drive(target: Arc<Target>, connections: usize, limits: Limits, ready: Arc<tokio::sync::Barrier>) -> Result<(Latencies, u64, u64), String> {
    let Limits { duration, budget, issued, stop } = limits;
    let mut senders = Vec::new();
    let mut failure = None;
    for _ in 0..connections {
        match connect(&target).await {
            Ok(sender) => senders.push(sender),
            Err(err) => {
                failure = Some(format!("cannot open a load connection: {err}"));
                break;
            }
        }
    }
    // Every loop connects before any starts the clock, so connecting does not count; a loop that
    // failed still arrives, so that the others are not left waiting.
    ready.wait().await;
    if let Some(failure) = failure {
        stop.store(true, Ordering::Relaxed);
        return Err(failure);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for mut sender in senders {
        let (issued, target, stop) = (issued.clone(), target.clone(), stop.clone());
        tasks.spawn_local(async move {
            let mut latencies = Latencies::new();
            let (mut errors, mut total) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) && started.elapsed() < duration && issued.fetch_add(1, Ordering::Relaxed) < budget {
                let begun = Instant::now();
                let ok = match request(&target, &mut sender).await {
                    Ok(ok) => ok,
                    Err(_) => {
                        // The connection is broken: count the error and open a new one.
                        if let Ok(fresh) = connect(&target).await {
                            sender = fresh;
                        }
                        false
                    }
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
    while let Some(done) = tasks.join_next().await {
        let (worker, worker_errors, worker_total) = done.map_err(|e| format!("a load worker stopped: {e}"))?;
        latencies.merge(&worker);
        errors += worker_errors;
        total += worker_total;
    }
    Ok((latencies, errors, total))
}

pub async fn run_load(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Observed, String> {
    let target = Arc::new(target(spec, url, headers)?);
    let connections = spec.connections.max(1) as usize;
    let duration = if spec.duration_ms > 0 { Duration::from_millis(spec.duration_ms) } else if spec.requests > 0 { Duration::MAX } else { DEFAULT_DURATION };
    let budget = if spec.requests > 0 { spec.requests } else { u64::MAX };
    let limits = Limits { duration, budget, issued: Arc::new(AtomicU64::new(0)), stop: Arc::new(std::sync::atomic::AtomicBool::new(false)) };
    let _stop = StopOnDrop(limits.stop.clone());
    let loops = event_loops().min(connections);
    let ready = Arc::new(tokio::sync::Barrier::new(loops + 1));
    let mut handles = Vec::new();
    for index in 0..loops {
        // Spread the connections as evenly as they go.
        let share = connections / loops + usize::from(index < connections % loops);
        let (target, limits, ready) = (target.clone(), limits.clone(), ready.clone());
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("load {index}"))
            .spawn(move || {
                let outcome = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string()).and_then(|runtime| {
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, drive(target, share, limits, ready))
                });
                let _ = done.send(outcome);
            })
            .map_err(|e| format!("cannot start a load thread: {e}"))?;
        handles.push(result);
    }
    ready.wait().await;
    let started = Instant::now();
    let mut latencies = Latencies::new();
    let (mut errors, mut total) = (0, 0);
    for handle in handles {
        let (worker, worker_errors, worker_total) = handle.await.map_err(|_| "a load thread stopped".to_string())?.map_err(|e| format!("{url}: {e}"))?;
        latencies.merge(&worker);
        errors += worker_errors;
        total += worker_total;
    }
    let mut observed = Observed::default();
    latencies.observe(&mut observed, errors, total, started.elapsed());
    Ok(observed)
}
