//! Probe suggestions: when a checklist item's text names something a machine can check (a URL,
//! an endpoint path, a port, Redis, a certificate, a load test, a latency or error-rate limit),
//! a pre-filled probe for the template author to confirm. Nothing is added on its own: the
//! editor offers the suggestion and the author decides.
//!
//! A target is only ever taken from the text (a URL the author wrote) or is a placeholder on
//! `localhost`: a suggestion must never invent a real host, and the author edits the target
//! before adding the probe. Every condition produced here is one `condition::parse` accepts.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::model::{ProbeKind, ProbeSpec};

/// Requests an HTTP probe makes when a condition is on a percentile or an error rate, so that
/// one slow or failed request does not decide the result on its own.
const SAMPLES: u32 = 20;

/// The error rate a load test must stay under when its text states none.
const DEFAULT_LOAD_ERROR_RATE: &str = "error_rate < 1%";

/// The placeholder for an HTTP target the text does not give.
const PLACEHOLDER_URL: &str = "http://localhost/";

/// Path prefixes of files on a server, which are never HTTP endpoints even next to "health".
const FILESYSTEM_ROOTS: &[&str] =
    &["/bin/", "/dev/", "/etc/", "/home/", "/lib/", "/mnt/", "/opt/", "/proc/", "/root/", "/srv/", "/sys/", "/tmp/", "/usr/", "/var/"];

/// A probe proposed for a checklist item, with why it was proposed.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub spec: ProbeSpec,
    /// One short sentence: what in the text the probe comes from and what to edit.
    pub reason: String,
}

/// Proposes a probe for a checklist item's text, or None when the text names nothing a machine
/// can check. The rules are tried in order and the first that matches wins, so that the most
/// specific evidence (a URL the author wrote) beats a guess from a threshold alone.
pub fn suggest(text: &str) -> Option<Suggestion> {
    let text = text.trim();
    from_websocket(text)
        .or_else(|| from_grpc(text))
        .or_else(|| from_url(text))
        .or_else(|| from_endpoint_path(text))
        .or_else(|| from_port(text))
        .or_else(|| from_redis(text))
        .or_else(|| from_certificate(text))
        .or_else(|| from_load_test(text))
        .or_else(|| from_limits_alone(text))
}

// The patterns are literals, so compiling them can only fail by a mistake in this file; the
// test `every_pattern_compiles` forces each one so that such a mistake fails the build's tests.
#[allow(clippy::expect_used, reason = "the patterns are literals, each compiled by a test")]
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the patterns in this file are literals that compile")
}

/// An `http://` or `https://` URL, ending before whitespace, quotes, backticks or brackets so
/// that one inside a Markdown link `[x](url)` or in backticks comes out bare.
static URL: LazyLock<Regex> = LazyLock::new(|| compile(r#"(?i)\bhttps?://[^\s<>()\[\]`'"]+"#));
/// A path in backticks: `/api/health`, `/healthz`. Not `//host`, which is a URL without scheme.
static ENDPOINT_PATH: LazyLock<Regex> = LazyLock::new(|| compile(r"`(/[^`\s/][^`\s]*)`"));
static ENDPOINT_WORDS: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)health|endpoint"));
/// "port 3001", "(port 80/443)", "Port: 8080"; the first port is the one probed.
static PORT: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bport\s*:?\s*(\d{1,5})\b"));
static REDIS: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bredis\b"));
/// What makes a Redis item about reaching the server rather than configuring it.
static REDIS_CHECK: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\b(?:latency|ping|connectivity|accessible|reachable)\b"));
static TLS: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\b(?:ssl|tls)\b"));
static CERTIFICATE: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bcert(?:ificate)?s?\b"));
static LOAD_TEST: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bload[- ]?test(?:s|ing)?\b"));
static CONNECTIONS: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\b(\d+)\s+concurrent\s+connections?\b"));
static FOR_DURATION: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bfor\s+(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m)\b"));
/// An upper bound on a duration: "<100ms", "< 2s", "under 1.5 seconds". Only upper bounds: an
/// item such as "Slow response time (> 3s)" describes an alert, not something to pass.
static LATENCY_LIMIT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)(<=|≤|<|\bunder\b|\bbelow\b|\bless than\b)\s*(\d+(?:\.\d+)?)\s*(milliseconds?|msecs?|ms|seconds?|secs?|s)\b"));
/// An upper bound on an error rate, close after the words "error rate": "Error rate: <0.1%".
static ERROR_RATE_LIMIT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)\berror[- ]rates?\b[^\d<>%]*?(<=|≤|<|\bunder\b|\bbelow\b|\bless than\b)\s*(\d+(?:\.\d+)?)\s*%"));
/// Words that make a bare duration limit about an HTTP response rather than, say, a database
/// query or a page's load in a browser, which an HTTP probe cannot measure.
static LATENCY_WORDS: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)\b(?:response[- ]times?|latency|latencies|health[- ]?checks?|p50|p95|p99|percentile)\b"));
static PERCENTILE: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bp(50|95|99)\b|\b(50|95|99)(?:th)?[- ]percentile\b"));

/// An upper bound as the condition language writes it: an operator and a normalised value.
#[derive(Debug, Clone, PartialEq)]
struct Limit {
    op: &'static str,
    /// `100ms`, `2s`, `1%`: a number without trailing zeros and a unit the parser knows.
    value: String,
}

impl Limit {
    /// Reads the operator, number and unit groups of a limit pattern's match; None when the
    /// number is not positive, since `< 0ms` could never pass.
    fn from_captures(captures: &Captures, unit: &str) -> Option<Limit> {
        let number: f64 = captures.get(2)?.as_str().parse().ok()?;
        if !(number.is_finite() && number > 0.0) {
            return None;
        }
        let op = match captures.get(1)?.as_str() {
            "<=" | "≤" => "<=",
            _ => "<",
        };
        Some(Limit { op, value: format!("{number}{unit}") })
    }

    fn condition(&self, subject: &str) -> String {
        format!("{subject} {} {}", self.op, self.value)
    }
}

/// The first duration limit in the text, in `ms` or `s`.
fn latency_limit(text: &str) -> Option<Limit> {
    let captures = LATENCY_LIMIT.captures(text)?;
    let unit = captures.get(3)?.as_str().to_ascii_lowercase();
    let unit = if unit.starts_with("ms") || unit.starts_with("milli") { "ms" } else { "s" };
    Limit::from_captures(&captures, unit)
}

/// The error-rate limit in the text, in percent.
fn error_rate_limit(text: &str) -> Option<Limit> {
    Limit::from_captures(&ERROR_RATE_LIMIT.captures(text)?, "%")
}

/// The percentile the text names (`p95`, "95th percentile"), as a condition subject.
fn percentile(text: &str) -> Option<String> {
    let captures = PERCENTILE.captures(text)?;
    let digits = captures.get(1).or_else(|| captures.get(2))?;
    Some(format!("p{}", digits.as_str()))
}

/// The limits a text states, for probes that can measure them.
#[derive(Debug, Default)]
struct Limits {
    /// The subject (`response_time` or a percentile) and its bound.
    latency: Option<(String, Limit)>,
    error_rate: Option<Limit>,
}

impl Limits {
    fn read(text: &str) -> Limits {
        let latency = latency_limit(text).map(|limit| (percentile(text).unwrap_or_else(|| "response_time".into()), limit));
        Limits { latency, error_rate: error_rate_limit(text) }
    }

    fn is_empty(&self) -> bool {
        self.latency.is_none() && self.error_rate.is_none()
    }

    fn conditions(&self) -> Vec<String> {
        let latency = self.latency.iter().map(|(subject, limit)| limit.condition(subject));
        latency.chain(self.error_rate.iter().map(|limit| limit.condition("error_rate"))).collect()
    }

    /// Whether an HTTP probe needs several requests: a percentile or an error rate means
    /// nothing for one request.
    fn needs_samples(&self) -> bool {
        self.error_rate.is_some() || self.latency.as_ref().is_some_and(|(subject, _)| subject != "response_time")
    }

    /// "a p95 latency threshold and an error-rate threshold", for a reason; None when empty.
    fn describe(&self) -> Option<String> {
        let latency = self.latency.as_ref().map(|(subject, _)| match subject.as_str() {
            "response_time" => "a response-time threshold".to_string(),
            percentile => format!("a {percentile} latency threshold"),
        });
        let error_rate = self.error_rate.as_ref().map(|_| "an error-rate threshold".to_string());
        let parts: Vec<String> = latency.into_iter().chain(error_rate).collect();
        (!parts.is_empty()).then(|| parts.join(" and "))
    }
}

/// An HTTP probe on `target` expecting `expect` and then the text's limits, with enough samples
/// for them.
fn http_probe(target: &str, expect: &[&str], limits: &Limits) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Http, target);
    spec.expect = expect.iter().map(|c| c.to_string()).chain(limits.conditions()).collect();
    if limits.needs_samples() {
        spec.samples = SAMPLES;
    }
    spec
}

/// A URL the author wrote is the best evidence there is: probe it as written.
fn from_url(text: &str) -> Option<Suggestion> {
    let found = URL.find(text)?.as_str();
    // Sentence punctuation after a bare URL belongs to the sentence, not the URL.
    let url = found.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    let limits = Limits::read(text);
    let reason = match limits.describe() {
        Some(what) => format!("The text links to {url} and names {what}."),
        None => format!("The text links to {url}."),
    };
    Some(Suggestion { spec: http_probe(url, &["status == 200"], &limits), reason })
}

/// A health endpoint's path without a host: probe it on `localhost` for the author to re-host.
fn from_endpoint_path(text: &str) -> Option<Suggestion> {
    if !ENDPOINT_WORDS.is_match(text) {
        return None;
    }
    let path = ENDPOINT_PATH
        .captures_iter(text)
        .filter_map(|captures| captures.get(1))
        .map(|m| m.as_str())
        .find(|path| !FILESYSTEM_ROOTS.iter().any(|root| path.starts_with(root)))?;
    let limits = Limits::read(text);
    let reason = match limits.describe() {
        Some(what) => format!("The text names the endpoint {path} and {what}; edit the host."),
        None => format!("The text names the endpoint {path}; edit the host."),
    };
    Some(Suggestion { spec: http_probe(&format!("http://localhost{path}"), &["status == 200"], &limits), reason })
}

/// A named port: check that something listens on it.
fn from_port(text: &str) -> Option<Suggestion> {
    let port: u16 = PORT.captures(text)?.get(1)?.as_str().parse().ok().filter(|port| *port > 0)?;
    let mut spec = ProbeSpec::new(ProbeKind::Tcp, format!("localhost:{port}"));
    spec.expect = vec!["connected == true".into()];
    Some(Suggestion { spec, reason: format!("The text names port {port}.") })
}

/// Redis reachability or latency: a PING must come back as PONG, in time when the text says.
fn from_redis(text: &str) -> Option<Suggestion> {
    if !(REDIS.is_match(text) && REDIS_CHECK.is_match(text)) {
        return None;
    }
    let mut spec = ProbeSpec::new(ProbeKind::Tcp, "localhost:6379");
    // `send` holds escape text, which the TCP probe turns into CR LF when it sends.
    spec.send = r"PING\r\n".into();
    spec.expect = vec!["reply == +PONG".into()];
    let limit = latency_limit(text);
    if let Some(limit) = &limit {
        spec.expect.push(limit.condition("response_time"));
    }
    let what = if limit.is_some() { "Redis and a latency threshold" } else { "Redis" };
    let reason = format!("The text names {what}; this pings the default port 6379, so edit the host.");
    Some(Suggestion { spec, reason })
}

/// A WebSocket endpoint: its `ws://`/`wss://` URL when the text has one, else a placeholder on
/// this machine; the upgrade must complete.
fn from_websocket(text: &str) -> Option<Suggestion> {
    static WEBSOCKET: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bweb\s?sockets?\b|\bwss?://"));
    static WS_URL: LazyLock<Regex> = LazyLock::new(|| compile(r#"(?i)\bwss?://[^\s<>()\[\]`'"]+"#));
    if !WEBSOCKET.is_match(text) {
        return None;
    }
    let (target, reason) = match WS_URL.find(text) {
        Some(url) => (url.as_str().trim_end_matches(['.', ',', ';']).to_string(), "The text names a WebSocket URL.".to_string()),
        None => ("wss://localhost/".to_string(), "The text names a WebSocket endpoint; edit its URL.".to_string()),
    };
    let mut spec = ProbeSpec::new(ProbeKind::WebSocket, target);
    spec.expect = vec!["connected == true".into(), "status == 101".into()];
    Some(Suggestion { spec, reason })
}

/// A gRPC service: the standard health check must say it is serving.
fn from_grpc(text: &str) -> Option<Suggestion> {
    static GRPC: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\bgrpc\b"));
    if !GRPC.is_match(text) {
        return None;
    }
    let mut spec = ProbeSpec::new(ProbeKind::Grpc, "grpc://localhost:50051");
    spec.expect = vec!["grpc.status == SERVING".into()];
    Some(Suggestion { spec, reason: "The text names a gRPC service; this asks its grpc.health.v1 health check, so edit the host and port.".into() })
}

/// SSL/TLS certificates: the handshake must verify and the certificate must not expire soon;
/// a certificate chain must not expire soon anywhere in it; revocation is asked by OCSP.
fn from_certificate(text: &str) -> Option<Suggestion> {
    static CHAIN: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\b(chain|intermediates?)\b"));
    static REVOCATION: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\b(ocsp|revocation|revoked|crl)\b"));
    let (chain, revocation) = (CHAIN.is_match(text), REVOCATION.is_match(text));
    if !(CERTIFICATE.is_match(text) && (TLS.is_match(text) || chain || revocation)) {
        return None;
    }
    let mut spec = ProbeSpec::new(ProbeKind::Tls, "localhost:443");
    let expiry = if chain { "cert.chain_expires_in > 30d" } else { "cert.expires_in > 30d" };
    spec.expect = vec!["tls.verified == true".into(), expiry.into()];
    let mut what = if chain { "a certificate chain" } else { "SSL/TLS certificates" }.to_string();
    if revocation {
        spec.expect.push("cert.ocsp == \"good\"".into());
        spec.ocsp_query = true;
        what.push_str(" and revocation");
    }
    Some(Suggestion { spec, reason: format!("The text names {what}; edit the host and port.") })
}

/// A load test with both a number of connections and a duration; without both it is a plan,
/// not something a probe can repeat.
fn from_load_test(text: &str) -> Option<Suggestion> {
    if !LOAD_TEST.is_match(text) {
        return None;
    }
    let connections: u32 = CONNECTIONS.captures(text)?.get(1)?.as_str().parse().ok().filter(|n| *n > 0)?;
    let (duration_ms, duration) = load_duration(text)?;
    let mut spec = ProbeSpec::new(ProbeKind::Load, PLACEHOLDER_URL);
    spec.connections = connections;
    spec.duration_ms = duration_ms;
    let limits = Limits::read(text);
    if limits.error_rate.is_none() {
        spec.expect.push(DEFAULT_LOAD_ERROR_RATE.into());
    }
    spec.expect.extend(limits.conditions());
    let reason = format!("The text names a load test of {connections} connections for {duration}; set the URL.");
    Some(Suggestion { spec, reason })
}

/// The duration after "for", in milliseconds and as words for the reason ("30 seconds").
fn load_duration(text: &str) -> Option<(u64, String)> {
    let captures = FOR_DURATION.captures(text)?;
    let count: u64 = captures.get(1)?.as_str().parse().ok().filter(|n| *n > 0)?;
    let in_minutes = captures.get(2)?.as_str().to_ascii_lowercase().starts_with('m');
    let (unit_ms, unit) = if in_minutes { (60_000, "minute") } else { (1_000, "second") };
    let plural = if count == 1 { "" } else { "s" };
    Some((count.checked_mul(unit_ms)?, format!("{count} {unit}{plural}")))
}

/// A latency or error-rate limit with no target: a probe on a placeholder URL to fill in.
fn from_limits_alone(text: &str) -> Option<Suggestion> {
    let mut limits = Limits::read(text);
    // A bare duration is only a response time when the text says so; otherwise it may bound a
    // database query or a page's load in a browser, which an HTTP probe does not measure.
    if !LATENCY_WORDS.is_match(text) {
        limits.latency = None;
    }
    if limits.is_empty() {
        return None;
    }
    let what = limits.describe()?;
    Some(Suggestion { spec: http_probe(PLACEHOLDER_URL, &[], &limits), reason: format!("The text names {what}; set the URL.") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::condition;

    fn suggested(text: &str) -> Suggestion {
        suggest(text).unwrap_or_else(|| panic!("no suggestion for {text:?}"))
    }

    fn assert_probe(text: &str, kind: ProbeKind, target: &str, expect: &[&str]) -> Suggestion {
        let suggestion = suggested(text);
        assert_eq!(suggestion.spec.kind, kind, "{text}");
        assert_eq!(suggestion.spec.target, target, "{text}");
        assert_eq!(suggestion.spec.expect, expect, "{text}");
        suggestion
    }

    /// Item texts from the seed checklists, each a list item's text without its marker.
    fn seed_texts() -> Vec<String> {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(folder).expect("the seed checklists are readable") {
            let path = entry.expect("a seed checklist entry").path();
            if path.extension().is_some_and(|e| e == "md") {
                let content = std::fs::read_to_string(&path).expect("a seed checklist is UTF-8");
                texts.extend(content.lines().map(|line| {
                    let line = line.trim().trim_start_matches(['-', '*']).trim_start();
                    line.trim_start_matches("[ ]").trim_start_matches("[x]").trim().to_string()
                }));
            }
        }
        assert!(texts.len() > 500, "the seed checklists were not found in {folder}");
        texts
    }

    #[test]
    fn every_pattern_compiles() {
        let patterns = [
            &URL,
            &ENDPOINT_PATH,
            &ENDPOINT_WORDS,
            &PORT,
            &REDIS,
            &REDIS_CHECK,
            &TLS,
            &CERTIFICATE,
            &LOAD_TEST,
            &CONNECTIONS,
            &FOR_DURATION,
            &LATENCY_LIMIT,
            &ERROR_RATE_LIMIT,
            &LATENCY_WORDS,
            &PERCENTILE,
        ];
        for pattern in patterns {
            assert!(!pattern.as_str().is_empty());
        }
    }

    #[test]
    fn a_url_is_probed_as_written() {
        let suggestion = assert_probe("[Status Page](https://status.company.com)", ProbeKind::Http, "https://status.company.com", &["status == 200"]);
        assert_eq!(suggestion.reason, "The text links to https://status.company.com.");
        assert_probe("Docs at `https://docs.company.com/start`.", ProbeKind::Http, "https://docs.company.com/start", &["status == 200"]);
        assert_probe("See https://status.company.com.", ProbeKind::Http, "https://status.company.com", &["status == 200"]);
        let timed = assert_probe(
            "https://api.company.com/v1 responds in < 300ms (p95)",
            ProbeKind::Http,
            "https://api.company.com/v1",
            &["status == 200", "p95 < 300ms"],
        );
        assert_eq!(timed.spec.samples, SAMPLES);
        assert_eq!(timed.reason, "The text links to https://api.company.com/v1 and names a p95 latency threshold.");
    }

    #[test]
    fn a_health_path_is_probed_on_localhost_to_re_host() {
        let suggestion = assert_probe("Health check endpoint: `/api/health`", ProbeKind::Http, "http://localhost/api/health", &["status == 200"]);
        assert_eq!(suggestion.reason, "The text names the endpoint /api/health; edit the host.");
        assert_probe("`/healthz` answers in <100ms", ProbeKind::Http, "http://localhost/healthz", &["status == 200", "response_time < 100ms"]);
        assert!(suggest("Health check script installed at `/usr/local/bin/check.sh`").is_none());
        assert!(suggest("Run `/deploy` when ready").is_none());
    }

    #[test]
    fn a_port_is_probed_for_a_listener() {
        let suggestion = assert_probe("Auth Service (port 3001)", ProbeKind::Tcp, "localhost:3001", &["connected == true"]);
        assert_eq!(suggestion.reason, "The text names port 3001.");
        assert_probe("Nginx (port 80/443)", ProbeKind::Tcp, "localhost:80", &["connected == true"]);
        assert!(suggest("Legacy (port 99999)").is_none());
    }

    #[test]
    fn redis_is_pinged() {
        let suggestion = assert_probe("Redis latency < 10ms", ProbeKind::Tcp, "localhost:6379", &["reply == +PONG", "response_time < 10ms"]);
        assert_eq!(suggestion.spec.send, r"PING\r\n");
        assert!(suggestion.reason.contains("6379"), "{}", suggestion.reason);
        assert_probe("Redis cache connectivity", ProbeKind::Tcp, "localhost:6379", &["reply == +PONG"]);
        assert_probe("Redis deployed and accessible", ProbeKind::Tcp, "localhost:6379", &["reply == +PONG"]);
        assert!(suggest("Redis password set").is_none());
        assert!(suggest("Redis persistence enabled (AOF)").is_none());
    }

    #[test]
    fn certificates_are_verified_and_far_from_expiry() {
        let expect = ["tls.verified == true", "cert.expires_in > 30d"];
        assert_probe("SSL certificates installed and valid", ProbeKind::Tls, "localhost:443", &expect);
        assert_probe("SSL/TLS certificates installed", ProbeKind::Tls, "localhost:443", &expect);
        assert!(suggest("Enable HTTPS/TLS for all communications").is_none());
    }

    #[test]
    fn a_grpc_service_gets_a_health_check() {
        assert_probe("gRPC health endpoints respond SERVING", ProbeKind::Grpc, "grpc://localhost:50051", &["grpc.status == SERVING"]);
    }

    #[test]
    fn a_websocket_endpoint_gets_a_websocket_probe() {
        assert_probe("WebSocket connections stable under load", ProbeKind::WebSocket, "wss://localhost/", &["connected == true", "status == 101"]);
        assert_probe(
            "Realtime gateway answers on wss://rt.example.com/socket.",
            ProbeKind::WebSocket,
            "wss://rt.example.com/socket",
            &["connected == true", "status == 101"],
        );
    }

    #[test]
    fn a_certificate_chain_and_revocation_get_their_own_conditions() {
        assert_probe(
            "Certificate chain complete, intermediates valid",
            ProbeKind::Tls,
            "localhost:443",
            &["tls.verified == true", "cert.chain_expires_in > 30d"],
        );
        let suggestion = suggest("TLS certificate not revoked (OCSP)").unwrap();
        assert_eq!(suggestion.spec.expect, ["tls.verified == true", "cert.expires_in > 30d", "cert.ocsp == \"good\""]);
        assert!(suggestion.spec.ocsp_query && suggestion.reason.contains("revocation"), "{}", suggestion.reason);
    }

    #[test]
    fn a_load_test_needs_connections_and_a_duration() {
        let text = "Load testing with 100 concurrent connections for 30 seconds";
        let suggestion = assert_probe(text, ProbeKind::Load, "http://localhost/", &["error_rate < 1%"]);
        assert_eq!((suggestion.spec.connections, suggestion.spec.duration_ms), (100, 30_000));
        assert_eq!(suggestion.reason, "The text names a load test of 100 connections for 30 seconds; set the URL.");
        let stated = assert_probe(
            "Load test: 50 concurrent connections for 2 minutes, error rate < 0.5%",
            ProbeKind::Load,
            "http://localhost/",
            &["error_rate < 0.5%"],
        );
        assert_eq!(stated.spec.duration_ms, 120_000);
        assert!(suggest("Load testing completed successfully").is_none());
        assert!(suggest("Load testing with peak traffic simulation").is_none());
    }

    #[test]
    fn a_limit_alone_is_probed_on_a_url_to_fill_in() {
        let p95 = assert_probe("Response time < 2s (p95)", ProbeKind::Http, "http://localhost/", &["p95 < 2s"]);
        assert_eq!(p95.spec.samples, SAMPLES);
        assert_eq!(p95.reason, "The text names a p95 latency threshold; set the URL.");
        let errors = assert_probe("Error rate < 1%", ProbeKind::Http, "http://localhost/", &["error_rate < 1%"]);
        assert_eq!(errors.spec.samples, SAMPLES);
        let health = assert_probe("Health check returns status in <100ms", ProbeKind::Http, "http://localhost/", &["response_time < 100ms"]);
        assert_eq!(health.spec.samples, 1);
        assert_eq!(health.reason, "The text names a response-time threshold; set the URL.");
        assert_probe("Response time: <200ms p95 (green)", ProbeKind::Http, "http://localhost/", &["p95 < 200ms"]);
        assert_probe("Error rate: <0.1% (green)", ProbeKind::Http, "http://localhost/", &["error_rate < 0.1%"]);
    }

    #[test]
    fn units_are_normalised() {
        assert_probe("Response time <1.2s", ProbeKind::Http, "http://localhost/", &["response_time < 1.2s"]);
        assert_probe("Response time under 1.50 seconds", ProbeKind::Http, "http://localhost/", &["response_time < 1.5s"]);
        assert_probe("Latency <= 250 milliseconds at the 99th percentile", ProbeKind::Http, "http://localhost/", &["p99 <= 250ms"]);
        assert_probe("Error rate stays below 0.50 %", ProbeKind::Http, "http://localhost/", &["error_rate < 0.5%"]);
    }

    #[test]
    fn texts_without_anything_to_check_get_nothing() {
        let texts = [
            "All unit tests passing",
            "Team trained on procedures",
            "Slow response time (> 3s)",
            "High error rate (> 5%)",
            "Database query performance < 500ms",
            "CPU usage: <70% (green)",
            "Critical systems: < 1 hour",
            "Configure firewall rules to allow only necessary ports",
            "Response time < 0ms",
        ];
        for text in texts {
            assert_eq!(suggest(text), None, "{text}");
        }
    }

    #[test]
    fn every_suggested_condition_parses_and_no_host_is_invented() {
        let texts = seed_texts();
        let mut count = 0;
        for text in &texts {
            let Some(suggestion) = suggest(text) else { continue };
            count += 1;
            for condition in &suggestion.spec.expect {
                if let Err(err) = condition::parse(condition) {
                    panic!("{text:?} suggested {condition:?}: {err}");
                }
            }
            assert!(!suggestion.spec.expect.is_empty(), "{text}");
            assert!(suggestion.reason.ends_with('.'), "{text}: {}", suggestion.reason);
            let host_from_text = URL.is_match(text) && text.contains(&suggestion.spec.target);
            assert!(host_from_text || suggestion.spec.target.contains("localhost"), "{text} -> {}", suggestion.spec.target);
        }
        assert!(count >= 20, "only {count} of {} seed texts got a suggestion", texts.len());
    }
}
