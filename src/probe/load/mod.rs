//! Load probes: N real HTTP/1.1 connections, one per worker, for a duration or a request count.
//! Each worker runs a minimal keep-alive HTTP/1.1 loop of its own, the way a load generator
//! does, so the measurement is of the server and not of a general-purpose client: the request's
//! bytes are built once and written with one call, and each answer is parsed in place with
//! `httparse` (`Content-Length`, chunked or read to the close) without keeping the body.
//! An error is a transport error or a status of 400 or more; latencies go into an HDR histogram.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::stats::Latencies;

mod connection;
mod monitor;
use super::reach::Stream;
use crate::model::{Observed, ProbeSpec};
use connection::{Connection, Exchange};
pub use monitor::AbortCheck;
use monitor::{LoopStats, snapshot};

/// How long a load probe runs when the spec gives neither a duration nor a request count.
const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// Room kept free in a connection's read buffer before each read: a small answer arrives in
/// one read, as wrk reads it.
const READ_CHUNK: usize = 16 * 1024;

/// Response headers parsed per answer; an answer with more is an error.
const MAX_HEADERS: usize = 64;

/// Where and how to connect, and the request to send, worked out once for all workers.
struct Target {
    host: String,
    port: u16,
    /// The whole request, head and body, as it goes on the wire.
    request: Vec<u8>,
    /// A `HEAD` request's answer has no body, whatever its headers say.
    head_only: bool,
    tls: Option<(tokio_rustls::TlsConnector, rustls::pki_types::ServerName<'static>)>,
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
            Some((tokio_rustls::TlsConnector::from(Arc::new(super::http::probe_tls_config(spec)?)), name))
        }
        other => return Err(format!("a load probe needs an http or https URL, not {other}")),
    };
    let method =
        hyper::Method::from_bytes(spec.method.to_ascii_uppercase().as_bytes()).map_err(|_| format!("`{}` is not an HTTP method", spec.method))?;
    // hyper's header types check names and values, so nothing the spec says can split the request.
    let mut checked = Vec::new();
    for (name, value) in headers {
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("header {name}: {e}"))?;
        let value = hyper::header::HeaderValue::from_str(value).map_err(|e| format!("header {name}: {e}"))?;
        checked.push((name, value));
    }
    // The authority as the URL gives it: its port unless that is the scheme's own, and an IPv6
    // address in brackets.
    let host_text = parsed.host_str().unwrap_or_default();
    let authority = match parsed.port() {
        Some(port) => format!("{host_text}:{port}"),
        None => host_text.to_string(),
    };
    let request = request_bytes(&method, &path, &authority, &checked, spec.body.as_bytes());
    Ok(Target {
        host,
        port,
        request,
        head_only: method == hyper::Method::HEAD,
        tls,
        connect_timeout: Duration::from_millis(spec.connect_timeout_ms),
        request_timeout: Duration::from_millis(spec.timeout_ms),
    })
}

/// The request every worker sends: `Host` unless the spec gives one, the spec's headers, and a
/// `Content-Length` for a body (or for a method that carries one, even empty).
fn request_bytes(
    method: &hyper::Method,
    path: &str,
    authority: &str,
    headers: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
    body: &[u8],
) -> Vec<u8> {
    let mut request = Vec::with_capacity(256 + body.len());
    request.extend_from_slice(format!("{method} {path} HTTP/1.1\r\n").as_bytes());
    if !headers.iter().any(|(name, _)| name == hyper::header::HOST) {
        request.extend_from_slice(format!("host: {authority}\r\n").as_bytes());
    }
    for (name, value) in headers {
        if name == hyper::header::CONTENT_LENGTH || name == hyper::header::TRANSFER_ENCODING {
            continue;
        }
        request.extend_from_slice(name.as_str().as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    let carries_body = matches!(*method, hyper::Method::POST | hyper::Method::PUT | hyper::Method::PATCH);
    if !body.is_empty() || carries_body {
        request.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    request
}

/// Opens one HTTP/1.1 connection, TLS included, within the connect timeout.
async fn connect(target: &Target) -> Result<Connection, String> {
    let open = async {
        let tcp = TcpStream::connect((target.host.as_str(), target.port)).await.map_err(|e| e.to_string())?;
        // Requests are small and each waits for its answer: send them at once.
        let _ = tcp.set_nodelay(true);
        let stream = match &target.tls {
            None => Stream::Plain(tcp),
            Some((connector, name)) => Stream::Tls(Box::new(connector.connect(name.clone(), tcp).await.map_err(|e| e.to_string())?)),
        };
        Ok(Connection { stream, buffer: Vec::with_capacity(READ_CHUNK), start: 0, reused: false })
    };
    tokio::time::timeout(target.connect_timeout, open).await.map_err(|_| "connect timed out".to_string())?
}

/// One request, on the worker's connection or on a new one when the server closed the last
/// (`Connection: close`, an idle keep-alive ending): that is how keep-alive ends, not an error.
/// Returns whether the answer was a success, and when the request was sent, which is where wrk
/// starts the clock; a request that could not even be sent is timed from when it was due.
async fn attempt(target: &Target, slot: &mut Option<Connection>, timer: &mut Pin<Box<tokio::time::Sleep>>) -> (bool, Instant) {
    for _ in 0..3 {
        let connection = match slot {
            Some(connection) => connection,
            None => {
                let due = Instant::now();
                match connect(target).await {
                    Ok(connection) => slot.insert(connection),
                    Err(_) => return (false, due),
                }
            }
        };
        let begun = Instant::now();
        match within(timer, begun + target.request_timeout, connection.exchange(target)).await {
            Some(Ok(Exchange::Answered { ok, keep_alive })) => {
                if !keep_alive {
                    *slot = None;
                }
                return (ok, begun);
            }
            Some(Ok(Exchange::ClosedBeforeAnswer)) if connection.reused => *slot = None,
            // A timeout, a broken answer or a new connection closed at once: whatever is left of
            // the connection cannot be trusted with another request.
            _ => {
                *slot = None;
                return (false, begun);
            }
        }
    }
    (false, Instant::now())
}

/// Runs `future` until `deadline`; `None` when the deadline came first. Each worker keeps one
/// timer rather than arming a new one per request, which costs a timer-wheel insert and removal
/// every time: the timer may still hold an earlier request's deadline, and when it fires early it
/// is moved on to this one's.
async fn within<F: std::future::Future>(timer: &mut Pin<Box<tokio::time::Sleep>>, deadline: Instant, future: F) -> Option<F::Output> {
    tokio::pin!(future);
    loop {
        tokio::select! {
            biased;
            output = &mut future => return Some(output),
            () = timer.as_mut() => {
                if Instant::now() >= deadline {
                    return None;
                }
                timer.as_mut().reset(deadline.into());
            }
        }
    }
}

/// What every event loop shares: when to stop, and how many requests have been issued.
#[derive(Clone)]
struct Limits {
    duration: Duration,
    budget: u64,
    issued: Arc<AtomicU64>,
    /// Set when the probe is cancelled, times out or fails: the loops stop sending load.
    stop: Arc<AtomicBool>,
}

impl Limits {
    /// Takes one request from the budget. A timed probe has no budget to share, so its loops
    /// do not contend on the counter.
    fn take_one(&self) -> bool {
        self.budget == u64::MAX || self.issued.fetch_add(1, Ordering::Relaxed) < self.budget
    }
}

/// Sets the stop flag when the probe's future is dropped, finished or not.
struct StopOnDrop(Arc<AtomicBool>);

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

/// One worker: requests on its connection, one after another, until the limits say stop. Its
/// latencies go into its event loop's histogram: one histogram for all of a loop's workers stays
/// in the cache, where a hundred of them would not. The lock is only ever taken on the loop's own
/// thread, so it never waits.
async fn work(target: Arc<Target>, connection: Connection, started: Instant, limits: Limits, stats: Arc<Mutex<LoopStats>>) {
    let mut slot = Some(connection);
    let mut timer = Box::pin(tokio::time::sleep(target.request_timeout));
    while !limits.stop.load(Ordering::Relaxed) && limits.take_one() {
        let (ok, begun) = attempt(&target, &mut slot, &mut timer).await;
        let now = Instant::now();
        stats.lock().unwrap_or_else(std::sync::PoisonError::into_inner).record(now - begun, ok);
        if now - started >= limits.duration {
            break;
        }
    }
}

/// Drives `connections` connections on the current (single-threaded) runtime until the
/// deadline or the budget; returns latencies, errors and requests made.
async fn drive(
    target: Arc<Target>,
    connections: usize,
    limits: Limits,
    ready: Arc<tokio::sync::Barrier>,
    stats: Arc<Mutex<LoopStats>>,
) -> Result<(), String> {
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
        limits.stop.store(true, Ordering::Relaxed);
        return Err(failure);
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for connection in opened {
        tasks.spawn(work(target.clone(), connection, started, limits.clone(), stats.clone()));
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| format!("a load worker stopped: {e}"))?;
    }
    Ok(())
}

/// Runs a load probe against an already resolved URL: every request carries the spec's method,
/// the resolved headers and the spec's body.
/// With `abort`, the load is judged every [`ABORT_CHECK`] after the spec's grace delay and
/// stopped at the first failure; the reason (`after 1.2 s: p95 (210ms) < 50ms failed`) comes
/// back beside what was measured.
pub async fn run_load(
    spec: &ProbeSpec,
    url: &str,
    headers: &[(String, String)],
    percentiles: &[f64],
    abort: Option<&AbortCheck<'_>>,
) -> Result<(Observed, Option<String>), String> {
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
    let limits = Limits { duration, budget, issued: Arc::new(AtomicU64::new(0)), stop: Arc::new(AtomicBool::new(false)) };
    let _stop = StopOnDrop(limits.stop.clone());
    let loops = event_loops().min(connections);
    let ready = Arc::new(tokio::sync::Barrier::new(loops + 1));
    let stats: Vec<Arc<Mutex<LoopStats>>> = (0..loops).map(|_| Arc::default()).collect();
    let mut handles = Vec::new();
    for (index, stats) in stats.iter().enumerate() {
        // Spread the connections as evenly as they go.
        let share = connections / loops + usize::from(index < connections % loops);
        let (target, limits, ready, stats) = (target.clone(), limits.clone(), ready.clone(), stats.clone());
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("load {index}"))
            .spawn(move || {
                let outcome = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
                    .and_then(|runtime| runtime.block_on(drive(target, share, limits, ready, stats)));
                let _ = done.send(outcome);
            })
            .map_err(|e| format!("cannot start a load thread: {e}"))?;
        handles.push(result);
    }
    ready.wait().await;
    let started = Instant::now();
    let finished = async {
        for handle in handles {
            handle.await.map_err(|_| "a load thread stopped".to_string())?.map_err(|e| format!("{url}: {e}"))?;
        }
        Ok::<(), String>(())
    };
    let grace = Duration::from_millis(spec.abort_grace_ms);
    let watch = async {
        match abort {
            Some(abort) => monitor::watch(&stats, started, grace, percentiles, abort, &limits.stop).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(finished);
    let aborted = tokio::select! {
        done = &mut finished => {
            done?;
            None
        }
        reason = watch => {
            // The loops see the stop flag and end their current requests.
            finished.await?;
            Some(reason)
        }
    };
    Ok((snapshot(&stats, started.elapsed(), percentiles), aborted))
}
