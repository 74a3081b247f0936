//! HTTP probes: one request (or `samples` of them), with redirects followed or not, retries on
//! transport errors and 5xx, and every header and the body kept for conditions. Whatever the
//! server does, a probe stays bounded: the body is streamed and kept up to [`MAX_BODY_BYTES`],
//! a body not read to its end (or to the limit) within the timeout is an error, and a response
//! head with more than [`MAX_RESPONSE_HEADERS`] headers is refused.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::phases::{ConnectLayer, Phases, TimingStore};
use super::stats::Latencies;
use crate::model::{IpVersion, Observed, ProbeSpec, Value};

/// The longest body kept for conditions (1 MiB). Reading stops there and the connection is
/// dropped; the result says the body was truncated.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The most headers a response may have (hyper's default, named so that the limit is ours).
/// hyper also caps the whole response head at about 400 KiB; past either, the request fails.
pub const MAX_RESPONSE_HEADERS: usize = 100;
/// hyper's error for a response head past either limit above.
const HEAD_TOO_LARGE: &str = "message head is too large";
/// Response headers copied into the recorded details.
const DETAIL_HEADERS: &[&str] =
    &["content-type", "content-encoding", "server", "location", "strict-transport-security", "cache-control", "content-length"];

/// What an HTTP probe found, beyond the observed values.
pub struct HttpOutcome {
    pub observed: Observed,
    pub details: BTreeMap<String, String>,
    pub attempts: u32,
    /// Passed only after a retry: the result is at best a warning.
    pub retried: bool,
    /// The body was longer than [`MAX_BODY_BYTES`]; `observed.body` holds its start.
    pub body_truncated: bool,
}

/// TLS settings for HTTPS: the system roots plus the spec's extra CA file. The common case, no
/// extra file, is built once and shared.
pub fn tls_config(ca_file: &str) -> Result<rustls::ClientConfig, String> {
    static DEFAULT: std::sync::OnceLock<Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    if ca_file.is_empty() {
        return DEFAULT.get_or_init(|| build_tls_config("", None, false)).clone();
    }
    build_tls_config(ca_file, None, false)
}

/// TLS settings for one probe: its CA file, its client certificate (mutual TLS) and whether its
/// author waived the certificate check.
pub fn probe_tls_config(spec: &ProbeSpec) -> Result<rustls::ClientConfig, String> {
    let identity = super::reach::client_identity(spec)?;
    if identity.is_none() && !spec.accept_unverified {
        return tls_config(&spec.ca_file);
    }
    build_tls_config(&spec.ca_file, identity, spec.accept_unverified)
}

fn build_tls_config(ca_file: &str, identity: Option<super::reach::ClientIdentity>, unverified: bool) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions = rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions().map_err(|e| e.to_string())?;
    let verified = if unverified {
        versions.dangerous().with_custom_certificate_verifier(super::reach::Unverified::new())
    } else {
        versions.with_root_certificates(super::roots::trusted_roots(ca_file)?)
    };
    let mut config = match identity {
        Some(identity) => verified.with_client_auth_cert(identity.chain, identity.key).map_err(|e| format!("client certificate: {e}"))?,
        None => verified.with_no_client_auth(),
    };
    // HTTP/2 where the server offers it (ALPN), HTTP/1.1 otherwise: `http.version` says which.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// A resolver that times each lookup, for `time.dns`: the system's, as reqwest's own is.
struct TimedResolver(Arc<Phases>);

impl reqwest::dns::Resolve for TimedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (phases, host) = (self.0.clone(), name.as_str().to_string());
        Box::pin(async move {
            let begun = Instant::now();
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            phases.looked_up(begun);
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client for one probe run of `url`, and the route its requests take; `redirects` counts the
/// redirects it follows. The proxy is chosen here (`reach::route`) and set explicitly, so that
/// what the evidence says is what the client does.
pub fn client(spec: &ProbeSpec, url: &str, redirects: Arc<AtomicU32>) -> Result<(reqwest::Client, super::reach::Route), String> {
    client_timed(spec, url, redirects, Arc::default(), None)
}

/// [`client`], with the phases of its connections marked in `phases`, and the cookies of a
/// flow's earlier steps in `jar`.
pub(super) fn client_timed(
    spec: &ProbeSpec,
    url: &str,
    redirects: Arc<AtomicU32>,
    phases: Arc<Phases>,
    jar: Option<Arc<reqwest::cookie::Jar>>,
) -> Result<(reqwest::Client, super::reach::Route), String> {
    let route = super::reach::route(spec, url, |name| std::env::var(name).ok());
    let max = spec.max_redirects;
    let follow = spec.follow_redirects;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if !follow {
            attempt.stop()
        } else if attempt.previous().len() > max as usize {
            attempt.error(format!("more than {max} redirects"))
        } else {
            redirects.fetch_add(1, Ordering::Relaxed);
            attempt.follow()
        }
    });
    // A session store of its own, which marks when each TLS handshake starts.
    let mut tls = probe_tls_config(spec)?;
    tls.resumption = rustls::client::Resumption::store(Arc::new(TimingStore::new(phases.clone())));
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(spec.connect_timeout_ms))
        .timeout(Duration::from_millis(spec.timeout_ms))
        .redirect(policy)
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        .user_agent(concat!("preflight/", env!("CARGO_PKG_VERSION")))
        .tls_backend_preconfigured(tls)
        .connector_layer(ConnectLayer(phases.clone()))
        .dns_resolver(Arc::new(TimedResolver(phases)))
        .no_proxy();
    if let Some(jar) = jar {
        builder = builder.cookie_provider(jar);
    }
    if let super::reach::Route::Proxy { url: proxy, .. } = &route {
        builder = builder.proxy(reqwest::Proxy::all(proxy.as_str()).map_err(|e| format!("proxy `{}`: {e}", super::reach::Route::describe(&route)))?);
    }
    builder = match spec.ip_version {
        IpVersion::Auto => builder,
        IpVersion::V4 => builder.local_address(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        IpVersion::V6 => builder.local_address(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
    };
    let client = builder.build().map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    Ok((client, route))
}

/// A readable reason for a failed request, with the underlying cause.
pub fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_redirect() {
        "redirect failed"
    } else {
        "request failed"
    };
    let cause = cause_of(err);
    if cause.is_empty() { kind.to_string() } else { format!("{kind}: {cause}") }
}

/// The innermost cause of a failed request, in plain words; empty when there is none.
fn cause_of(err: &reqwest::Error) -> String {
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = super::tls::plain_tls_words(&inner.to_string());
        source = inner.source();
    }
    if cause == HEAD_TOO_LARGE {
        cause = format!("the response headers are too large: more than {MAX_RESPONSE_HEADERS} headers or about 400 KiB of them");
    }
    cause
}

/// A body as far as it was read: all of it, or its first [`MAX_BODY_BYTES`].
struct Body {
    bytes: Vec<u8>,
    truncated: bool,
}

/// Reads a body in chunks up to [`MAX_BODY_BYTES`], by `deadline`. A body the server does not
/// finish in time, or breaks off, is an error: conditions judged on part of it could pass on
/// what was never seen. Past the limit reading stops; dropping the response then drops the
/// connection, so the rest is never received.
async fn read_body(response: &mut reqwest::Response, deadline: tokio::time::Instant, timeout_ms: u64) -> Result<Body, String> {
    let mut bytes = Vec::new();
    let timed_out = |received: usize| format!("timed out after {timeout_ms} ms reading the body ({received} bytes received)");
    loop {
        let chunk = match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => return Ok(Body { bytes, truncated: false }),
            // reqwest's own total timeout ends at the same moment; either may come first.
            Err(_) => return Err(timed_out(bytes.len())),
            Ok(Err(err)) if err.is_timeout() => return Err(timed_out(bytes.len())),
            Ok(Err(err)) => return Err(format!("the body broke off after {} bytes: {}", bytes.len(), cause_of(&err))),
        };
        let room = MAX_BODY_BYTES - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Body { bytes, truncated: true });
        }
        bytes.extend_from_slice(&chunk);
    }
}

/// One answer, read: the response's status, URL, address and headers, the time to its headers,
/// and its body.
pub(super) struct Reply {
    status: reqwest::StatusCode,
    version: reqwest::Version,
    /// How long the body took to read, after the head.
    transfer: Duration,
    final_url: String,
    address: Option<SocketAddr>,
    headers: reqwest::header::HeaderMap,
    pub(super) elapsed: Duration,
    body: Body,
}

impl Reply {
    pub(super) fn body_truncated(&self) -> bool {
        self.body.truncated
    }
}

/// The request of one attempt: the spec's method, or a flow step's, and the URL, headers and
/// body with their `${env:NAME}` and `${var:NAME}` resolved.
pub(super) struct Request<'a> {
    pub client: &'a reqwest::Client,
    pub method: reqwest::Method,
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a str,
}

/// Sends one request and reads its answer, headers and body, within the spec's timeout.
async fn attempt(request: &Request<'_>, spec: &ProbeSpec) -> Result<Reply, String> {
    let mut builder = request.client.request(request.method.clone(), request.url);
    for (name, value) in request.headers {
        builder = builder.header(name, value);
    }
    if !request.body.is_empty() {
        builder = builder.body(request.body.to_string());
    }
    let begun = Instant::now();
    let deadline = tokio::time::Instant::from_std(begun) + Duration::from_millis(spec.timeout_ms);
    let mut response = builder.send().await.map_err(|err| describe(&err))?;
    let elapsed = begun.elapsed();
    let body = read_body(&mut response, deadline, spec.timeout_ms).await?;
    Ok(Reply {
        status: response.status(),
        version: response.version(),
        transfer: begun.elapsed() - elapsed,
        final_url: response.url().to_string(),
        address: response.remote_addr(),
        headers: std::mem::take(response.headers_mut()),
        elapsed,
        body,
    })
}

/// Sends a request, again after a transport error or a 5xx up to `spec.retries` times: the
/// last answer or error, and how many tries it took.
pub(super) async fn send(request: &Request<'_>, spec: &ProbeSpec, redirects: &AtomicU32) -> (Result<Reply, String>, u32) {
    let mut tries = 0;
    loop {
        tries += 1;
        redirects.store(0, Ordering::Relaxed);
        let outcome = attempt(request, spec).await;
        let retry = match &outcome {
            Err(_) => true,
            Ok(reply) => reply.status.is_server_error(),
        };
        if retry && tries <= spec.retries {
            tokio::time::sleep(Duration::from_millis(spec.retry_delay_ms)).await;
            continue;
        }
        return (outcome, tries);
    }
}

/// An HTTP method as written (`post` or `POST`).
pub(super) fn method(name: &str) -> Result<reqwest::Method, String> {
    reqwest::Method::from_bytes(name.to_ascii_uppercase().as_bytes()).map_err(|_| format!("`{name}` is not an HTTP method"))
}

/// What an HTTP probe sends: the URL, headers and body with their `${env:NAME}` and a flow's
/// `${var:NAME}` resolved, and the cookies the flow's steps were given.
pub struct HttpRequest<'a> {
    pub url: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    pub cookies: Option<Arc<reqwest::cookie::Jar>>,
}

/// Runs an HTTP probe's own request.
pub async fn run_http(spec: &ProbeSpec, to_send: HttpRequest<'_>, percentiles: &[f64]) -> Result<HttpOutcome, String> {
    let HttpRequest { url, headers, body, cookies } = to_send;
    let redirects = Arc::new(AtomicU32::new(0));
    let phases = Arc::new(Phases::default());
    let (client, route) = client_timed(spec, url, redirects.clone(), phases.clone(), cookies)?;
    let request = Request { client: &client, method: method(&spec.method)?, url, headers, body };
    let samples = spec.samples.max(1);
    let mut latencies = Latencies::new();
    let mut errors = 0u64;
    let mut attempts = 0;
    let mut retried = false;
    let mut last = None;
    let started = Instant::now();
    for _ in 0..samples {
        let (outcome, tries) = send(&request, spec, &redirects).await;
        attempts = attempts.max(tries);
        match outcome {
            Ok(reply) => {
                retried |= tries > 1 && !reply.status.is_server_error();
                if reply.status.is_server_error() {
                    errors += 1;
                }
                latencies.record(reply.elapsed);
                last = Some((reply, redirects.load(Ordering::Relaxed)));
            }
            Err(err) => {
                errors += 1;
                if samples == 1 {
                    return Err(err);
                }
            }
        }
    }
    let Some((reply, redirected)) = last else { return Err(format!("all {samples} requests failed")) };
    let (body_truncated, elapsed) = (reply.body.truncated, reply.elapsed);
    let (mut observed, mut details) = observe(reply, redirected);
    // Through a proxy, the lookup, the connect and the handshake are the proxy's, not the target's.
    if route == super::reach::Route::Direct {
        let timings = phases.timings();
        for (name, phase) in [("time.dns", timings.dns), ("time.connect", timings.connect), ("time.tls", timings.tls)] {
            if let Some(phase) = phase {
                observed.values.insert(name.into(), Value::Duration(phase.as_secs_f64() * 1000.0));
            }
        }
    }
    details.insert("route".into(), route.describe());
    if spec.accept_unverified && url.starts_with("https:") {
        details.insert("tls".into(), "certificate not verified: the checklist waives the check (accept_unverified)".into());
    }
    if !spec.client_cert.is_empty() {
        details.insert("client certificate".into(), spec.client_cert.clone());
    }
    if samples > 1 {
        latencies.observe(&mut observed, errors, samples.into(), started.elapsed(), percentiles);
    } else {
        observed.values.insert("response_time".into(), Value::Duration(elapsed.as_secs_f64() * 1000.0));
    }
    Ok(HttpOutcome { observed, details, attempts, retried, body_truncated })
}

/// What conditions see of an answer, and the details recorded with it.
pub(super) fn observe(reply: Reply, redirects: u32) -> (Observed, BTreeMap<String, String>) {
    let mut observed = Observed::default();
    let mut details = BTreeMap::new();
    observed.values.insert("status".into(), Value::Number(f64::from(reply.status.as_u16())));
    observed.values.insert("final_url".into(), Value::Text(reply.final_url));
    observed.values.insert("redirects".into(), Value::Number(f64::from(redirects)));
    let version = match reply.version {
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        _ => "HTTP/1.1",
    };
    observed.values.insert("http.version".into(), Value::Text(version.into()));
    // From sending the request to the response head (a new connection's set-up included), and
    // from the head to the body's end.
    observed.values.insert("time.first_byte".into(), Value::Duration(reply.elapsed.as_secs_f64() * 1000.0));
    observed.values.insert("time.transfer".into(), Value::Duration(reply.transfer.as_secs_f64() * 1000.0));
    if let Some(address) = reply.address {
        details.insert("address".into(), address.to_string());
        observed.values.insert("ip".into(), Value::Text(address.ip().to_string()));
    }
    for (name, value) in &reply.headers {
        let name = name.as_str().to_ascii_lowercase();
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if DETAIL_HEADERS.contains(&name.as_str()) {
            details.insert(format!("header {name}"), value.clone());
        }
        observed.headers.entry(name).and_modify(|v| v.push_str(&format!(", {value}"))).or_insert(value);
    }
    details.insert("body.bytes".into(), reply.body.bytes.len().to_string());
    if reply.body.truncated {
        details.insert("body.truncated".into(), format!("yes: only the first 1 MiB ({MAX_BODY_BYTES} bytes) was read; the rest was not"));
    }
    observed.body = Some(String::from_utf8_lossy(&reply.body.bytes).into_owned());
    (observed, details)
}
