//! What a probe is (attached to an item in a template) and what running it produced (recorded
//! in a run). Plain data: the runners and the condition language live in the `probe` module, which
//! depends on this module, never the other way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Which kind of check a probe makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProbeKind {
    /// An HTTP(S) request: `target` is a URL.
    Http,
    /// A TLS handshake: `target` is `host:port`; the certificate is inspected, never trusted blindly.
    Tls,
    /// A TCP connection, optionally sending `send` and reading a reply: `target` is `host:port`.
    Tcp,
    /// A DNS lookup: `target` is a name; `dns_server` optionally names the server (`ip:port`).
    Dns,
    /// N HTTP/1.1 connections for a duration or a request count: `target` is a URL.
    Load,
    /// A WebSocket: `target` is a `ws://` or `wss://` URL; `send` is sent as a text message and
    /// the first message back is `reply`.
    WebSocket,
    /// A gRPC health check (`grpc.health.v1`): `target` is `grpc://host:port` or
    /// `grpcs://host:port`; `grpc_service` names the service asked about.
    Grpc,
}

impl ProbeKind {
    /// How the audit record and the app name the kind.
    pub fn label(self) -> &'static str {
        match self {
            ProbeKind::Http => "HTTP",
            ProbeKind::Tls => "TLS",
            ProbeKind::Tcp => "TCP",
            ProbeKind::Dns => "DNS",
            ProbeKind::Load => "load",
            ProbeKind::WebSocket => "WebSocket",
            ProbeKind::Grpc => "gRPC",
        }
    }
}

/// Which IP version to connect with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpVersion {
    #[default]
    Auto,
    V4,
    V6,
}

impl IpVersion {
    pub const ALL: [IpVersion; 3] = [IpVersion::Auto, IpVersion::V4, IpVersion::V6];

    /// How the app and error messages name the version.
    pub fn label(self) -> &'static str {
        match self {
            IpVersion::Auto => "Auto",
            IpVersion::V4 => "IPv4",
            IpVersion::V6 => "IPv6",
        }
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn default_follow_redirects() -> bool {
    true
}

fn default_max_redirects() -> u32 {
    10
}

fn default_connect_timeout_ms() -> u64 {
    5_000
}

fn default_timeout_ms() -> u64 {
    10_000
}

fn default_method() -> String {
    "GET".into()
}

fn default_samples() -> u32 {
    1
}

/// A probe as the template author wrote it. Conditions stay as text (`status == 200`) so that
/// the file reads like the checklist and a syntax error can point at its column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSpec {
    pub kind: ProbeKind,
    /// URL, `host:port` or name, depending on the kind; may hold `${env:NAME}`.
    pub target: String,
    #[serde(default = "default_method", skip_serializing_if = "is_get")]
    pub method: String,
    /// Request headers; values may hold `${env:NAME}` and are never written out resolved.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::unique_keys::map")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    #[serde(default = "default_follow_redirects", skip_serializing_if = "is_true")]
    pub follow_redirects: bool,
    #[serde(default = "default_max_redirects", skip_serializing_if = "is_ten")]
    pub max_redirects: u32,
    #[serde(default = "default_connect_timeout_ms", skip_serializing_if = "is_default_connect")]
    pub connect_timeout_ms: u64,
    #[serde(default = "default_timeout_ms", skip_serializing_if = "is_default_total")]
    pub timeout_ms: u64,
    /// Extra attempts after a transport error or a 5xx, never after a failed condition.
    #[serde(default, skip_serializing_if = "is_default")]
    pub retries: u32,
    #[serde(default, skip_serializing_if = "is_default")]
    pub retry_delay_ms: u64,
    /// Requests to make for percentiles (`p95`); one by default.
    #[serde(default = "default_samples", skip_serializing_if = "is_one")]
    pub samples: u32,
    #[serde(default, skip_serializing_if = "is_default")]
    pub ip_version: IpVersion,
    /// TCP: bytes to send after connecting, with `\r\n` escapes (`PING\r\n`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub send: String,
    /// TLS and HTTPS: a PEM file of extra CA certificates to trust (an internal CA).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_file: String,
    /// TLS: the author waives the certificate check. Without it every TLS probe also holds
    /// `tls.verified == true`, whatever its conditions say; with it the waiver is shown with
    /// the probe's results.
    #[serde(default, skip_serializing_if = "std::ops::Not::not", alias = "insecure_skip_verify")]
    pub accept_unverified: bool,
    /// HTTP, TLS and load: the client certificate for mutual TLS: a PEM file (its key in
    /// `client_key`, or in the same file), or a PKCS#12 file (`.p12`, `.pfx`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_cert: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_key: String,
    /// The PKCS#12 file's password, usually `${env:NAME}`: resolved when the probe runs,
    /// never written out resolved.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_password: String,
    /// HTTP: the proxy requests go through (`http://proxy:3128`), or `direct`; empty to follow
    /// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` as curl does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub proxy: String,
    /// TLS: the oldest protocol version that passes (`1.2`, `1.3`): the probe then also holds
    /// `tls.version >= …`. The handshake still offers every version, so that the result says
    /// which one the server chose.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub min_tls_version: String,
    /// TLS: when the server staples no OCSP response, ask the responder the certificate names
    /// (its Authority Information Access) for `cert.ocsp`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ocsp_query: bool,
    /// gRPC: the service whose health is asked; empty for the server as a whole.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub grpc_service: String,
    /// DNS: the server to ask (`127.0.0.1:5353`); the system resolver when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dns_server: String,
    /// DNS: the record type (`A`, `AAAA`, `CNAME`, `TXT`, `MX`); `A` by default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dns_type: String,
    /// Load: concurrent connections, and a duration or a total request count.
    #[serde(default, skip_serializing_if = "is_default")]
    pub connections: u32,
    #[serde(default, skip_serializing_if = "is_default")]
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub requests: u64,
    /// Load: stop the load as soon as an `expect` condition on latency or errors fails, checked
    /// every 250 ms once `abort_grace_ms` have passed, as k6's `abortOnFail` does; the result
    /// says when and on which condition it stopped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abort_on_fail: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub abort_grace_ms: u64,
    /// HTTP: requests made, in order, before the probe's own (log in, then call the API with
    /// the token). Each step can capture values from its answer for the steps after it and for
    /// the probe's own request, which use them as `${var:NAME}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<HttpStep>,
    /// Conditions that must hold to pass, as `subject op literal`.
    #[serde(default)]
    pub expect: Vec<String>,
    /// Conditions that, when they fail while `expect` holds, make the result a warning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warn: Vec<String>,
}

fn is_get(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET")
}
fn is_true(value: &bool) -> bool {
    *value
}
fn is_ten(value: &u32) -> bool {
    *value == 10
}
fn is_one(value: &u32) -> bool {
    *value == 1
}
fn is_default_connect(value: &u64) -> bool {
    *value == default_connect_timeout_ms()
}
fn is_default_total(value: &u64) -> bool {
    *value == default_timeout_ms()
}

impl ProbeSpec {
    /// A probe of `kind` on `target` with the default settings and no conditions.
    pub fn new(kind: ProbeKind, target: impl Into<String>) -> ProbeSpec {
        ProbeSpec {
            kind,
            target: target.into(),
            method: default_method(),
            headers: BTreeMap::new(),
            body: String::new(),
            follow_redirects: true,
            max_redirects: default_max_redirects(),
            connect_timeout_ms: default_connect_timeout_ms(),
            timeout_ms: default_timeout_ms(),
            retries: 0,
            retry_delay_ms: 0,
            samples: 1,
            ip_version: IpVersion::Auto,
            send: String::new(),
            ca_file: String::new(),
            accept_unverified: false,
            min_tls_version: String::new(),
            ocsp_query: false,
            client_cert: String::new(),
            client_key: String::new(),
            client_password: String::new(),
            proxy: String::new(),
            abort_on_fail: false,
            abort_grace_ms: 0,
            grpc_service: String::new(),
            dns_server: String::new(),
            dns_type: String::new(),
            connections: 0,
            duration_ms: 0,
            requests: 0,
            steps: Vec::new(),
            expect: Vec::new(),
            warn: Vec::new(),
        }
    }
}

/// One request of an HTTP probe's flow, before the probe's own request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpStep {
    /// What the step does (`log in`): unique within the probe, it names the step in the evidence.
    pub name: String,
    #[serde(default = "default_method", skip_serializing_if = "is_get")]
    pub method: String,
    /// The URL; may hold `${env:NAME}` and the `${var:NAME}` of earlier steps.
    pub url: String,
    /// Request headers; values may hold `${env:NAME}` and `${var:NAME}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::unique_keys::map")]
    pub headers: BTreeMap<String, String>,
    /// The request body; may hold `${env:NAME}` and `${var:NAME}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    /// Values taken from the answer, by variable name, each a condition subject:
    /// `"token": "json(access_token)"`, `"session": "header(x-session)"`. A value captured is
    /// masked like a secret wherever the result is recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::unique_keys::map")]
    pub capture: BTreeMap<String, String>,
    /// Conditions the step's answer must meet for the flow to go on; `status < 400` when there
    /// are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<String>,
}

impl HttpStep {
    /// A `GET` step named `name` with no captures and the default condition.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> HttpStep {
        HttpStep {
            name: name.into(),
            method: default_method(),
            url: url.into(),
            headers: BTreeMap::new(),
            body: String::new(),
            capture: BTreeMap::new(),
            expect: Vec::new(),
        }
    }
}

/// What one step of an HTTP flow did: recorded with the probe's result, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepResult {
    pub name: String,
    /// The request as written (`POST https://auth.example.com/login`): secrets and captured
    /// values stay `${env:NAME}` and `${var:NAME}`.
    pub request: String,
    pub state: ProbeState,
    pub duration_ms: u64,
    /// The step's conditions, and `SUBJECT exists` for each value it captures.
    pub conditions: Vec<ConditionResult>,
    /// `status`, `http.version`, `response_time`, `final_url`, formatted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::unique_keys::map")]
    pub measured: BTreeMap<String, String>,
    /// The variables it captured, by name (their values are never recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captured: Vec<String>,
    /// Why the step could not be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepResult {
    /// The step in one line: `log in: POST https://auth/login — pass, 200 in 12 ms; captured
    /// token`, or why it could not be made.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.name, self.outcome())
    }

    /// [`StepResult::describe`] without the step's name: `POST https://auth/login — pass, 200
    /// in 12 ms; captured token`.
    pub fn outcome(&self) -> String {
        let mut line = format!("{} — {}", self.request, self.state.label());
        if let Some(status) = self.measured.get("status") {
            line.push_str(&format!(", {status}"));
        }
        line.push_str(&format!(" in {} ms", self.duration_ms));
        if !self.captured.is_empty() {
            line.push_str(&format!("; captured {}", self.captured.join(", ")));
        }
        if let Some(error) = &self.error {
            line.push_str(&format!("; {error}"));
        }
        line
    }
}

/// The four outcomes of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeState {
    Pass,
    /// Passed, but a `warn` condition failed or it only passed after a retry.
    Warn,
    /// Ran, and a condition did not hold.
    Fail,
    /// Could not run (connection refused, timeout, bad target, missing secret).
    Error,
}

impl ProbeState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Error => "error",
        }
    }
}

/// One condition with the value the probe saw: `status (503) == 200`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionResult {
    /// The condition as written.
    pub condition: String,
    /// What the probe saw for its subject, formatted; `missing` when it saw nothing.
    pub seen: String,
    pub passed: bool,
    /// Whether it is a `warn` condition rather than an `expect` one.
    #[serde(default, skip_serializing_if = "is_default")]
    pub warning_only: bool,
}

/// A certificate as the TLS probe saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
}

/// Everything a probe run produced: recorded in the run as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeResult {
    pub item: String,
    pub kind: ProbeKind,
    /// The target as written, secrets still as `${env:NAME}`.
    pub target: String,
    pub state: ProbeState,
    pub started_at: Timestamp,
    pub duration_ms: u64,
    /// Which attempt succeeded or was the last (1 without retries).
    #[serde(default)]
    pub attempts: u32,
    pub conditions: Vec<ConditionResult>,
    /// Measured values by subject name (`status`, `response_time`, `p95`), formatted.
    #[serde(default, deserialize_with = "super::unique_keys::map")]
    pub measured: BTreeMap<String, String>,
    /// Selected response headers, resolved addresses, a capped reply snippet.
    #[serde(default, deserialize_with = "super::unique_keys::map")]
    pub details: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertificateInfo>,
    /// HTTP flows: each step before the probe's own request, as far as the flow went.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepResult>,
    /// Why the probe could not run, for `Error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ConditionResult {
    /// The condition with the value seen after its subject: `status (503) == 200`.
    pub fn resolved(&self) -> String {
        match self.condition.trim().split_once(char::is_whitespace) {
            Some((subject, rest)) => format!("{subject} ({}) {}", self.seen, rest.trim()),
            None => format!("{} ({})", self.condition.trim(), self.seen),
        }
    }
}

impl ProbeResult {
    /// One line for a badge or a table: the error, or the first failed condition (a flow's
    /// steps' first; the first condition when all passed), resolved.
    pub fn summary(&self) -> String {
        if let Some(error) = &self.error {
            return error.clone();
        }
        let failed_step = self.steps.iter().find_map(|step| step.conditions.iter().find(|c| !c.passed && !c.warning_only).map(|c| (step, c)));
        if let Some((step, condition)) = failed_step {
            return format!("step `{}`: {}", step.name, condition.resolved());
        }
        let shown = self
            .conditions
            .iter()
            .find(|c| !c.passed && !c.warning_only)
            .or_else(|| self.conditions.iter().find(|c| !c.passed))
            .or_else(|| self.conditions.first());
        shown.map_or_else(|| "ran, no conditions".into(), ConditionResult::resolved)
    }
}

/// What a probe saw, by subject: what conditions are evaluated against. A subject that is not
/// here is missing, never zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// `status`, `response_time`, `final_url`, `redirects`, `tls.verified`, `tls.error`,
    /// `cert.expires_in`, `cert.hostname_ok`, `connected`, `reply`, `dns.rcode`, `dns.answers`,
    /// `p50`, `p95`, `p99`, `error_rate`, `rps`, `count`.
    pub values: BTreeMap<String, Value>,
    /// Response headers by lowercase name.
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
}

/// A value a probe measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    /// Milliseconds (may be negative: an expired certificate).
    Duration(f64),
    /// 0–100.
    Percent(f64),
    Text(String),
    Bool(bool),
    List(Vec<String>),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            // Three decimals at most, without trailing zeros: `1.3`, `0.125`.
            Value::Number(n) => {
                let text = format!("{n:.3}");
                f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
            }
            Value::Duration(ms) => f.write_str(&format_duration(*ms)),
            Value::Percent(p) => write!(f, "{p:.2}%"),
            Value::Text(t) => write!(f, "\"{}\"", t.chars().take(80).collect::<String>()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

/// `4.27ms`, `87.3ms`, `412ms`, `1.25s`, `12d`, `-3d`: the unit and precision a person would use.
pub fn format_duration(ms: f64) -> String {
    const DAY: f64 = 86_400_000.0;
    const HOUR: f64 = 3_600_000.0;
    let abs = ms.abs();
    if abs >= 2.0 * DAY {
        format!("{}d", (ms / DAY).trunc() as i64)
    } else if abs >= 2.0 * HOUR {
        format!("{}h", (ms / HOUR).trunc() as i64)
    } else if abs >= 1000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else if abs >= 100.0 {
        format!("{}ms", ms.round() as i64)
    } else if abs >= 10.0 {
        format!("{ms:.1}ms")
    } else {
        // Loopback latencies are single milliseconds: whole numbers would hide the difference.
        format!("{ms:.2}ms")
    }
}
