//! Load probes: N real HTTP/1.1 connections, one per worker, for a duration or a request count.
//! Each worker drives its own hyper connection (keep-alive, `TCP_NODELAY`), the way a load
//! generator does, so the measurement is of the server and not of a general-purpose client.
//! An error is a transport error or a status of 400 or more; latencies go into an HDR histogram.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::http::tls_config;
use super::stats::Latencies;
use crate::model::{Observed, ProbeSpec};

/// How long a load probe runs when the spec gives neither a duration nor a request count.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// One worker's connection: the handle to send on, and the connection's driver, which the
/// worker polls itself while a request is under way. Driving it in the worker's own task (rather
/// than spawning it) saves two task wake-ups per request, which under load is queueing time that
/// would otherwise count as latency; wrk likewise handles a connection in one callback chain.
struct Connection {
    sender: Sender,
    driver: std::pin::Pin<Box<dyn std::future::Future<Output = hyper::Result<()>>>>,
    /// The driver finished: the connection is closed and must not be polled again.
    closed: bool,
}

/// Where and how to connect, worked out once for all workers.
struct Target {
    host: String,
    port: u16,
    /// The request path with its query.
    path: String,
    method: hyper::Method,
    /// Sent with every request; cloning `Bytes` shares the buffer rather than copying it.
    body: Bytes,
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
    let method =
        hyper::Method::from_bytes(spec.method.to_ascii_uppercase().as_bytes()).map_err(|_| format!("`{}` is not an HTTP method", spec.method))?;
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
        method,
        body: Bytes::from(spec.body.clone()),
        tls,
        headers: parsed_headers,
        connect_timeout: Duration::from_millis(spec.connect_timeout_ms),
        request_timeout: Duration::from_millis(spec.timeout_ms),
    })
}

/// Opens one HTTP/1.1 connection.
async fn connect(target: &Target) -> Result<Connection, String> {
    let tcp = tokio::time::timeout(target.connect_timeout, TcpStream::connect((target.host.as_str(), target.port)))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| e.to_string())?;
    // Requests are small and each waits for its answer: send them at once.
    let _ = tcp.set_nodelay(true);
    match &target.tls {
        None => {
            let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.map_err(|e| e.to_string())?;
            Ok(Connection { sender, driver: Box::pin(driver), closed: false })
        }
        Some((connector, name)) => {
            let stream = connector.connect(name.clone(), tcp).await.map_err(|e| e.to_string())?;
            let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
            Ok(Connection { sender, driver: Box::pin(driver), closed: false })
        }
    }
}

/// Waits until the connection can take a request. A connection the server closed after its
/// last answer (`Connection: close`, an idle timeout) is replaced by a new one; that is how
/// keep-alive ends, not an error. Only failing to connect is.
async fn make_ready(target: &Target, connection: &mut Connection) -> Result<(), String> {
    for _ in 0..3 {
        if !connection.closed {
            let Connection { sender, driver, closed } = &mut *connection;
            let ready = tokio::select! {
                biased;
                ready = sender.ready() => ready.is_ok(),
                _ = driver.as_mut() => {
                    *closed = true;
                    false
                }
            };
            if ready {
                return Ok(());
            }
        }
        *connection = tokio::time::timeout(target.request_timeout, connect(target)).await.map_err(|_| "reconnect timed out".to_string())??;
    }
    Err("the server keeps closing new connections".into())
}

/// One request on a ready connection, timed from sending to the end of the answer as wrk times
/// it; true when the answer is a success.
async fn request(target: &Target, connection: &mut Connection) -> Result<bool, String> {
    let Connection { sender, driver, closed } = connection;
    let mut builder =
        hyper::Request::builder().method(target.method.clone()).uri(target.path.as_str()).header(hyper::header::HOST, target.host.as_str());
    for (name, value) in &target.headers {
        builder = builder.header(name, value);
    }
    let request = builder.body(Full::new(target.body.clone())).map_err(|e| e.to_string())?;
    let exchange = async {
        let response = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let ok = response.status().as_u16() < 400;
        // Reading the body to the end keeps the connection reusable; nothing of it is kept, so a
        // huge body costs time (within the request timeout), not memory.
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            frame.map_err(|e| e.to_string())?;
        }
        Ok(ok)
    };
    // The driver finishes when the connection closes. A server that answers and then closes
    // (`Connection: close`) has handed the whole answer over by then, so the exchange still
    // completes; after a broken connection it fails.
    let driven = async {
        tokio::pin!(exchange);
        tokio::select! {
            biased;
            result = &mut exchange => result,
            ended = driver.as_mut() => {
                *closed = true;
                match ended {
                    Ok(()) => exchange.await,
                    Err(err) => Err(err.to_string()),
                }
            }
        }
    };
    tokio::time::timeout(target.request_timeout, driven).await.map_err(|_| "request timed out".to_string())?
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
    let mut opened = Vec::new();
    let mut failure = None;
    for _ in 0..connections {
        match connect(&target).await {
            Ok(connection) => opened.push(connection),
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
    for mut connection in opened {
        let (issued, target, stop) = (issued.clone(), target.clone(), stop.clone());
        tasks.spawn_local(async move {
            let mut latencies = Latencies::new();
            let (mut errors, mut total) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) && started.elapsed() < duration && issued.fetch_add(1, Ordering::Relaxed) < budget {
                let waited = Instant::now();
                // Timed from sending; a request that could not even be sent is an error, timed
                // from when it was due.
                let (ok, begun) = match make_ready(&target, &mut connection).await {
                    Ok(()) => {
                        let begun = Instant::now();
                        (request(&target, &mut connection).await.unwrap_or(false), begun)
                    }
                    Err(_) => (false, waited),
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

/// Runs a load probe against an already resolved URL: every request carries the spec's method,
/// the resolved headers and the spec's body.
pub async fn run_load(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Observed, String> {
    let target = Arc::new(target(spec, url, headers)?);
    let connections = spec.connections.max(1) as usize;
    let duration = if spec.duration_ms > 0 {
        Duration::from_millis(spec.duration_ms)
    } else if spec.requests > 0 {
        Duration::MAX
    } else {
        DEFAULT_DURATION
    };
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
        let (worker, worker_errors, worker_total) =
            handle.await.map_err(|_| "a load thread stopped".to_string())?.map_err(|e| format!("{url}: {e}"))?;
        latencies.merge(&worker);
        errors += worker_errors;
        total += worker_total;
    }
    let mut observed = Observed::default();
    latencies.observe(&mut observed, errors, total, started.elapsed());
    Ok(observed)
}
