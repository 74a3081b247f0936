//! HTTP probes: one request (or `samples` of them), with redirects followed or not, retries on
//! transport errors and 5xx, and every header and the body kept for conditions.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::stats::Latencies;
use crate::model::{IpVersion, Observed, ProbeSpec, Value};

/// The longest body kept for conditions; longer bodies are cut.
const MAX_BODY_BYTES: usize = 1 << 20;
/// Response headers copied into the recorded details.
const DETAIL_HEADERS: &[&str] = &["content-type", "server", "location", "strict-transport-security", "cache-control", "content-length"];

/// What an HTTP probe found, beyond the observed values.
pub struct HttpOutcome {
    pub observed: Observed,
    pub details: BTreeMap<String, String>,
    pub attempts: u32,
    /// Passed only after a retry: the result is at best a warning.
    pub retried: bool,
}

/// TLS settings for HTTPS: the system roots plus the spec's extra CA file. The common case, no
/// extra file, is built once and shared.
pub fn tls_config(ca_file: &str) -> Result<rustls::ClientConfig, String> {
    static DEFAULT: std::sync::OnceLock<Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    if ca_file.is_empty() {
        return DEFAULT.get_or_init(|| build_tls_config("")).clone();
    }
    build_tls_config(ca_file)
}

fn build_tls_config(ca_file: &str) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = super::roots::trusted_roots(ca_file)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A client for one probe run; `redirects` counts the redirects it follows.
pub fn client(spec: &ProbeSpec, redirects: Arc<AtomicU32>) -> Result<reqwest::Client, String> {
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
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_millis(spec.connect_timeout_ms))
        .timeout(Duration::from_millis(spec.timeout_ms))
        .redirect(policy)
        .user_agent(concat!("preflight/", env!("CARGO_PKG_VERSION")))
        .tls_backend_preconfigured(tls_config(&spec.ca_file)?);
    builder = match spec.ip_version {
        IpVersion::Auto => builder,
        IpVersion::V4 => builder.local_address(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        IpVersion::V6 => builder.local_address(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
    };
    builder.build().map_err(|e| format!("cannot set up the HTTP client: {e}"))
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
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = super::tls::plain_tls_words(&inner.to_string());
        source = inner.source();
    }
    if cause.is_empty() { kind.to_string() } else { format!("{kind}: {cause}") }
}

/// Reads a response body as it arrives, keeping at most `limit` bytes: past the limit the
/// connection is dropped and the body is marked truncated, so a huge or endless body costs
/// bounded memory. A body that stops arriving is an error, never an empty pass: the client's
/// timeout covers the whole exchange.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<(Vec<u8>, bool), String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|err| format!("the response body could not be read to its end: {}", describe(&err)))? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Runs an HTTP probe against an already resolved URL and headers.
pub async fn run_http(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<HttpOutcome, String> {
    let redirects = Arc::new(AtomicU32::new(0));
    let client = client(spec, redirects.clone())?;
    let method =
        reqwest::Method::from_bytes(spec.method.to_ascii_uppercase().as_bytes()).map_err(|_| format!("`{}` is not an HTTP method", spec.method))?;
    let samples = spec.samples.max(1);
    let mut latencies = Latencies::new();
    let mut errors = 0u64;
    let mut attempts = 0;
    let mut retried = false;
    let mut last = None;
    let started = Instant::now();
    for _ in 0..samples {
        redirects.store(0, Ordering::Relaxed);
        let mut tries = 0;
        let response = loop {
            tries += 1;
            let mut request = client.request(method.clone(), url);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            if !spec.body.is_empty() {
                request = request.body(spec.body.clone());
            }
            let begun = Instant::now();
            let outcome = request.send().await;
            let elapsed = begun.elapsed();
            let retry = match &outcome {
                Err(_) => true,
                Ok(response) => response.status().is_server_error(),
            };
            if retry && tries <= spec.retries {
                tokio::time::sleep(Duration::from_millis(spec.retry_delay_ms)).await;
                continue;
            }
            break outcome.map(|r| (r, elapsed));
        };
        attempts = attempts.max(tries);
        match response {
            Ok((response, elapsed)) => {
                retried |= tries > 1 && !response.status().is_server_error();
                if response.status().is_server_error() {
                    errors += 1;
                }
                latencies.record(elapsed);
                last = Some((response, elapsed));
            }
            Err(err) => {
                errors += 1;
                if samples == 1 {
                    return Err(describe(&err));
                }
            }
        }
    }
    let Some((response, elapsed)) = last else { return Err(format!("all {samples} requests failed")) };
    let mut observed = Observed::default();
    let mut details = BTreeMap::new();
    observed.values.insert("status".into(), Value::Number(f64::from(response.status().as_u16())));
    observed.values.insert("final_url".into(), Value::Text(response.url().to_string()));
    observed.values.insert("redirects".into(), Value::Number(f64::from(redirects.load(Ordering::Relaxed))));
    if let Some(address) = response.remote_addr() {
        details.insert("address".into(), address.to_string());
    }
    for (name, value) in response.headers() {
        let name = name.as_str().to_ascii_lowercase();
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if DETAIL_HEADERS.contains(&name.as_str()) {
            details.insert(format!("header {name}"), value.clone());
        }
        observed.headers.entry(name).and_modify(|v| v.push_str(&format!(", {value}"))).or_insert(value);
    }
    let (body, truncated) = read_body(response, MAX_BODY_BYTES).await?;
    if truncated {
        details.insert("body".into(), format!("longer than {} KiB; conditions saw the first {0} KiB", MAX_BODY_BYTES >> 10));
    }
    observed.body = Some(String::from_utf8_lossy(&body).into_owned());
    if samples > 1 {
        latencies.observe(&mut observed, errors, samples.into(), started.elapsed());
    } else {
        observed.values.insert("response_time".into(), Value::Duration(elapsed.as_secs_f64() * 1000.0));
    }
    Ok(HttpOutcome { observed, details, attempts, retried })
}
