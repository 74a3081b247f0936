//! Running probes off the UI thread: a runtime of its own, a bounded number of probes at once
//! (light probes many at once, load probes one at a time), cancellation, a timeout around every
//! probe that always fires, and results delivered on a channel followed by a notify callback
//! (the app passes one that asks for a repaint).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AttemptError;
use super::condition::{self, Op, Subject};
use super::flow::{self, FlowEnd, FlowLog};
use super::input::{Conditions, Input, resolve};
pub use super::input::{check_conditions, check_input};
use super::secrets::Secrets;
use crate::model::Timestamp;
use crate::model::{ConditionResult, Observed, ProbeKind, ProbeResult, ProbeSpec, ProbeState, StepResult, Value};

/// How much longer than its own timeout a probe may take before the runner stops it.
const GRACE: Duration = Duration::from_millis(250);

/// The most characters of a measured text value or a detail that a result records; longer
/// ones are cut, after their secrets are masked.
const MAX_RECORDED_CHARS: usize = 200;

/// How many light probes (HTTP, TLS, TCP, DNS) the app and the command line run at once. A light
/// probe spends its time waiting on the network and holds little: one connection (a few while
/// following redirects), a capped body, and for a host name one lookup on the runtime's blocking
/// pool. 256 of them stay well inside the usual limit of 1,024 open files per process, and
/// cover in one wave the largest checklist shipped (187 items), so "Run all probes" takes about
/// as long as its slowest probe rather than a multiple of it. The limit still bounds a
/// checklist with thousands of probes. Load probes are limited separately, to one at a time.
pub const PROBES_AT_ONCE: usize = 256;

/// One probe to run, for one item.
#[derive(Debug, Clone)]
pub struct ProbeJob {
    pub item: String,
    pub spec: ProbeSpec,
}

/// The conditions used when a probe names none: what "it works" means for its kind.
pub fn default_conditions(kind: ProbeKind) -> Vec<String> {
    vec![
        match kind {
            ProbeKind::Http => "status < 400",
            ProbeKind::Tls => "tls.verified == true",
            ProbeKind::Tcp => "connected == true",
            ProbeKind::Dns => "dns.rcode == NOERROR",
            ProbeKind::Load => "error_rate < 1%",
            ProbeKind::WebSocket => "connected == true",
            ProbeKind::Grpc => "grpc.status == SERVING",
        }
        .to_string(),
    ]
}

/// The longest a probe may run: its timeout (a load probe's duration, or its requests, too) plus
/// a grace period. Every probe gets a finite deadline, so a stuck probe always ends.
fn deadline(spec: &ProbeSpec) -> Duration {
    let mut own = Duration::from_millis(spec.timeout_ms);
    if spec.kind == ProbeKind::Tcp {
        // A TCP attempt waits for the connection on its own timer, which may be the longer one.
        own = own.max(Duration::from_millis(spec.connect_timeout_ms));
    }
    let per_attempt = own * (spec.retries + 1) + Duration::from_millis(spec.retry_delay_ms) * spec.retries;
    let total = match spec.kind {
        // Sized by request count alone: each connection makes its share of the requests one
        // after another, and one request may need a reconnect (a server that closes after each
        // answer) and the request itself, each within the timeout. Opening the connections
        // first gets one timeout more, as for a timed load.
        ProbeKind::Load if spec.duration_ms == 0 && spec.requests > 0 => {
            let rounds = spec.requests.div_ceil(u64::from(spec.connections.max(1)));
            own + Duration::from_millis(spec.timeout_ms.saturating_mul(2).saturating_mul(rounds))
        }
        ProbeKind::Load => Duration::from_millis(spec.duration_ms.max(10_000)) + own,
        // A flow's steps each get one request's time, retries included.
        ProbeKind::Http => per_attempt * (spec.samples.max(1) + spec.steps.len() as u32),
        _ => per_attempt,
    };
    total + GRACE
}

struct Measured {
    observed: Observed,
    details: BTreeMap<String, String>,
    certificates: Vec<crate::model::CertificateInfo>,
    attempts: u32,
    retried: bool,
    /// An HTTP body longer than the limit: `observed.body` holds only its start.
    body_truncated: bool,
    /// A step of the probe's flow failed, so its own request was not sent: nothing was measured.
    flow_failed: bool,
}

/// The first `expect` condition on latency or errors that fails on a load measured so far,
/// resolved (`p95 (210ms) < 50ms`). Conditions on `count` and `rps` wait for the end: a count
/// still growing has not failed.
fn hopeless(conditions: &Conditions, observed: &Observed) -> Option<String> {
    conditions
        .0
        .iter()
        .filter(|(condition, warning_only)| !warning_only && !matches!(&condition.subject, Subject::Named(name) if name == "count" || name == "rps"))
        .map(|(condition, _)| condition.evaluate(observed, false))
        .find(|result| !result.passed && result.seen != "missing")
        .map(|result| result.resolved())
}

/// Measures what `spec` asks; `percentiles` are those the conditions name with `p(…)`.
/// A flow's steps go first, each recorded in `log` as it ends.
async fn measure(spec: &ProbeSpec, input: &Input, percentiles: &[f64], log: &Mutex<FlowLog>) -> Result<Measured, String> {
    let Input { target, headers, conditions, .. } = input;
    let (target, headers) = (target.as_str(), headers.as_slice());
    let plain = |observed| Measured {
        observed,
        details: BTreeMap::new(),
        certificates: Vec::new(),
        attempts: 1,
        retried: false,
        body_truncated: false,
        flow_failed: false,
    };
    match spec.kind {
        // HTTP retries inside each sample, on a 5xx as well as a transport error.
        ProbeKind::Http => {
            let cookies = (!input.steps.is_empty()).then(|| Arc::new(reqwest::cookie::Jar::default()));
            if let Some(jar) = &cookies
                && flow::run_steps(spec, &input.steps, log, jar).await? == FlowEnd::Failed
            {
                return Ok(Measured { flow_failed: true, ..plain(Observed::default()) });
            }
            let vars = log.lock().unwrap_or_else(PoisonError::into_inner).vars.clone();
            let (url, headers, body) = flow::substitute_request(target, headers, &input.body, &vars)?;
            let request = super::http::HttpRequest { url: &url, headers: &headers, body: &body, cookies };
            let outcome = super::http::run_http(spec, request, percentiles).await?;
            Ok(Measured {
                observed: outcome.observed,
                details: outcome.details,
                certificates: Vec::new(),
                attempts: outcome.attempts,
                retried: outcome.retried,
                body_truncated: outcome.body_truncated,
                flow_failed: false,
            })
        }
        ProbeKind::Tls => {
            with_retries(spec, || async {
                let (observed, certificates) = super::tls::run_tls(target, spec).await?;
                Ok(Measured { certificates, ..plain(observed) })
            })
            .await
        }
        ProbeKind::Tcp => with_retries(spec, || async { super::tcp::run_tcp(spec, target).await.map(plain) }).await,
        ProbeKind::Dns => with_retries(spec, || async { super::dns::run_dns(target, spec).await.map(plain) }).await,
        ProbeKind::WebSocket => with_retries(spec, || async { super::websocket::run_websocket(spec, target, headers).await.map(plain) }).await,
        ProbeKind::Grpc => with_retries(spec, || async { super::grpc::run_grpc(spec, target, headers).await.map(plain) }).await,
        // A load probe is never repeated: a second round would double the load asked for.
        ProbeKind::Load => {
            let check = |observed: &Observed| hopeless(conditions, observed);
            let abort: Option<&super::load::AbortCheck<'_>> = if spec.abort_on_fail { Some(&check) } else { None };
            let (observed, aborted) = super::load::run_load(spec, target, headers, percentiles, abort).await?;
            let mut measured = plain(observed);
            if let Some(reason) = aborted {
                measured.details.insert("aborted".into(), format!("the load was stopped early {reason}"));
            }
            Ok(measured)
        }
    }
}

/// Whether an attempt failed on the way to the target, the only failure worth another attempt.
/// A refused TCP connection is observed (`connected == false`, so that a condition can check a
/// port is closed) but is a transport failure all the same. A failed condition or a setup error
/// would fail the same way again.
fn transport_failed(outcome: &Result<Measured, AttemptError>) -> bool {
    match outcome {
        Err(AttemptError::Transport(_)) => true,
        Err(AttemptError::Setup(_)) => false,
        Ok(measured) => measured.observed.values.get("connected") == Some(&Value::Bool(false)),
    }
}

/// Runs a TLS, TCP or DNS probe, trying again after a transport failure up to `spec.retries`
/// times, `spec.retry_delay_ms` apart. A measurement that needed a retry is marked `retried`,
/// which makes a pass a warning.
async fn with_retries<F: Future<Output = Result<Measured, AttemptError>>>(spec: &ProbeSpec, attempt: impl Fn() -> F) -> Result<Measured, String> {
    let mut attempts = 1;
    loop {
        let outcome = attempt().await;
        let failed = transport_failed(&outcome);
        if failed && attempts <= spec.retries {
            tokio::time::sleep(Duration::from_millis(spec.retry_delay_ms)).await;
            attempts += 1;
            continue;
        }
        return match outcome {
            Ok(measured) => Ok(Measured { attempts, retried: attempts > 1 && !failed, ..measured }),
            Err(err) if attempts > 1 => Err(format!("{err} (after {attempts} attempts)")),
            Err(err) => Err(err.to_string()),
        };
    }
}

/// Whether a condition that holds on the first part of a body holds on the whole: text found is
/// found, but "not found", equality, a pattern or a JSON value may change with what was not read.
fn settled_by_part(condition: &condition::Condition) -> bool {
    match (&condition.subject, condition.op) {
        (Subject::Body, Op::Contains | Op::Exists | Op::NotExists) => condition.quantifier.is_none(),
        (subject, _) => !subject.reads_body(),
    }
}

/// Judges what was measured: any failed `expect` fails; a failed `warn` or a pass that needed a
/// retry warns. Conditions are judged on what the probe saw; the values they show come from
/// `shown`, the same observation with its secrets masked (when there are any), since a value
/// shown is cut short and a secret cut in two could no longer be masked. On a truncated body, a
/// condition that part of a body cannot settle fails.
pub(super) fn judge(
    conditions: &Conditions,
    observed: &Observed,
    shown: Option<&Observed>,
    body_truncated: bool,
    retried: bool,
) -> (ProbeState, Vec<ConditionResult>) {
    let judge_one = |(condition, warning_only): &(condition::Condition, bool)| {
        let mut result = condition.evaluate(observed, *warning_only);
        if let Some(shown) = shown {
            result.seen = condition.evaluate(shown, *warning_only).seen;
        }
        if body_truncated && result.passed && !settled_by_part(condition) {
            result.passed = false;
            result.seen = format!("missing: only the first 1 MiB of the body was read ({} bytes)", super::http::MAX_BODY_BYTES);
        }
        result
    };
    let results: Vec<ConditionResult> = conditions.0.iter().map(judge_one).collect();
    let state = if results.iter().any(|r| !r.passed && !r.warning_only) {
        ProbeState::Fail
    } else if retried || results.iter().any(|r| !r.passed) {
        ProbeState::Warn
    } else {
        ProbeState::Pass
    };
    (state, results)
}

/// Runs one probe to completion; never longer than its deadline, stopped early when `cancel`
/// is set. Secret values never appear in the result.
pub async fn run_probe(job: &ProbeJob, cancel: &AtomicBool) -> ProbeResult {
    let started_at = Timestamp::from_datetime(chrono::Utc::now());
    let clock = Instant::now();
    let mut result = ProbeResult {
        item: job.item.clone(),
        kind: job.spec.kind,
        target: job.spec.target.clone(),
        state: ProbeState::Error,
        started_at,
        duration_ms: 0,
        attempts: 1,
        conditions: Vec::new(),
        measured: BTreeMap::new(),
        details: BTreeMap::new(),
        certificates: Vec::new(),
        steps: Vec::new(),
        error: None,
    };
    let input = match resolve(&job.spec) {
        Ok(input) => input,
        Err(err) => {
            result.error = Some(err);
            return result;
        }
    };
    let percentiles = condition::percentiles_in(input.conditions.0.iter().map(|(condition, _)| condition));
    let log = Mutex::new(FlowLog::default());
    let work = measure(&job.spec, &input, &percentiles, &log);
    let cancelled = async {
        while !cancel.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    let limit = deadline(&job.spec);
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(limit, work) => outcome.unwrap_or_else(|_| Err(format!("no result within {} ms; stopped", limit.as_millis()))),
        () = cancelled => Err("cancelled".to_string()),
    };
    result.duration_ms = clock.elapsed().as_millis() as u64;
    // What the flow captured is masked as a secret everywhere, in the steps before it too.
    let log = log.into_inner().unwrap_or_else(PoisonError::into_inner);
    let secrets = input.secrets.clone().with_values(&log.captured());
    result.steps = step_results(&input.steps, &log, &secrets);
    match outcome {
        Ok(measured) if measured.flow_failed => {
            result.state = ProbeState::Fail;
            let stopped = result.steps.last().map_or_else(String::new, |step| format!("`{}`", step.name));
            result.details.insert("flow".into(), format!("stopped at step {stopped}, whose conditions failed: the probe's own request was not sent"));
        }
        Ok(measured) => record_measured(&mut result, measured, &input.conditions, &secrets),
        Err(err) => result.error = Some(err),
    }
    mask_result(&mut result, &secrets);
    result
}

/// What each step of a flow did, judged with every secret of the flow known.
fn step_results(steps: &[flow::Step], log: &FlowLog, secrets: &Secrets) -> Vec<StepResult> {
    let cut = |text: &str| secrets.mask(text).chars().take(MAX_RECORDED_CHARS).collect::<String>();
    steps
        .iter()
        .zip(&log.seen)
        .map(|(step, seen)| {
            let mut result = StepResult {
                name: step.name.clone(),
                request: step.request.clone(),
                state: ProbeState::Error,
                duration_ms: seen.duration.as_millis() as u64,
                conditions: Vec::new(),
                measured: BTreeMap::new(),
                captured: Vec::new(),
                error: seen.error.clone(),
            };
            if let Some(observed) = &seen.observed {
                let masked = (!secrets.is_empty()).then(|| masked_observed(observed, secrets));
                (result.state, result.conditions) = judge(&step.conditions, observed, masked.as_ref(), seen.body_truncated, false);
                for name in ["status", "http.version", "response_time", "final_url"] {
                    let value = masked.as_ref().unwrap_or(observed).values.get(name);
                    if let Some(value) = value {
                        let shown = if let Value::Text(text) = value { cut(text) } else { value.to_string() };
                        result.measured.insert(name.into(), shown);
                    }
                }
                if seen.passed {
                    result.captured = step.captures.iter().map(|(name, _)| name.clone()).filter(|name| log.vars.contains_key(name)).collect();
                }
            }
            result
        })
        .collect()
}

/// Judges a measurement and records it: secrets masked first, then long values cut.
fn record_measured(result: &mut ProbeResult, measured: Measured, conditions: &Conditions, secrets: &Secrets) {
    let masked = (!secrets.is_empty()).then(|| masked_observed(&measured.observed, secrets));
    let (state, judged) = judge(conditions, &measured.observed, masked.as_ref(), measured.body_truncated, measured.retried);
    result.state = state;
    result.conditions = judged;
    result.attempts = measured.attempts;
    result.certificates = measured.certificates;
    let cut = |text: &str| secrets.mask(text).chars().take(MAX_RECORDED_CHARS).collect::<String>();
    result.details = measured.details.iter().map(|(name, value)| (name.clone(), cut(value))).collect();
    for (name, value) in &masked.as_ref().unwrap_or(&measured.observed).values {
        let shown = match value {
            Value::Text(text) => cut(text),
            other => other.to_string(),
        };
        result.measured.insert(name.clone(), shown);
    }
}

/// What a probe saw with every form of its secrets masked: what its result shows.
fn masked_observed(observed: &Observed, secrets: &Secrets) -> Observed {
    let values = observed
        .values
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Text(text) => Value::Text(secrets.mask(text)),
                Value::List(items) => Value::List(items.iter().map(|item| secrets.mask(item)).collect()),
                other => other.clone(),
            };
            (name.clone(), value)
        })
        .collect();
    let headers = observed.headers.iter().map(|(name, value)| (name.clone(), secrets.mask(value))).collect();
    Observed { values, headers, body: observed.body.as_deref().map(|body| secrets.mask(body)) }
}

/// Masks every secret left in a result: in an error, and (again, which changes nothing) in what
/// `record_measured` already masked.
fn mask_result(result: &mut ProbeResult, secrets: &Secrets) {
    if secrets.is_empty() {
        return;
    }
    let mask = |text: &mut String| *text = secrets.mask(text);
    result.error.iter_mut().for_each(mask);
    result.details.values_mut().for_each(mask);
    result.measured.values_mut().for_each(mask);
    for condition in result.conditions.iter_mut().chain(result.steps.iter_mut().flat_map(|step| step.conditions.iter_mut())) {
        mask(&mut condition.seen);
        mask(&mut condition.condition);
    }
    for step in &mut result.steps {
        step.error.iter_mut().for_each(mask);
        step.measured.values_mut().for_each(mask);
    }
}

/// The two limits every runner holds: light probes many at once, load probes one at a time,
/// since one load probe alone is meant to saturate the target and takes the machine's CPUs.
#[derive(Clone)]
struct Limits {
    light: Arc<Semaphore>,
    load: Arc<Semaphore>,
}

impl Limits {
    fn new(light_at_once: usize) -> Limits {
        Limits { light: Arc::new(Semaphore::new(light_at_once.max(1))), load: Arc::new(Semaphore::new(1)) }
    }

    /// Waits for a place for a probe of `kind`. The semaphores are never closed, so this only
    /// waits; `None` cannot happen but would run the probe unlimited rather than not at all.
    async fn place(&self, kind: ProbeKind) -> Option<OwnedSemaphorePermit> {
        let semaphore = if kind == ProbeKind::Load { &self.load } else { &self.light };
        semaphore.clone().acquire_owned().await.ok()
    }
}

/// Runs probes in the background and reports each result as it finishes.
pub struct ProbeRunner {
    runtime: tokio::runtime::Runtime,
    limits: Limits,
    results: Sender<ProbeResult>,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl ProbeRunner {
    /// A runner with its own runtime, running at most `max_concurrent` light probes at once
    /// (the app passes `PROBES_AT_ONCE`) and load probes one at a time.
    pub fn new(max_concurrent: usize, notify: impl Fn() + Send + Sync + 'static) -> std::io::Result<(ProbeRunner, Receiver<ProbeResult>)> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("probe").enable_all().build()?;
        let (results, receiver) = channel();
        let runner = ProbeRunner { runtime, limits: Limits::new(max_concurrent), results, notify: Arc::new(notify) };
        Ok((runner, receiver))
    }

    /// Starts a probe; its result arrives on the channel, then `notify` is called.
    pub fn submit(&self, job: ProbeJob, cancel: Arc<AtomicBool>) {
        let (limits, results, notify) = (self.limits.clone(), self.results.clone(), self.notify.clone());
        self.runtime.spawn(async move {
            let _place = limits.place(job.spec.kind).await;
            let result = run_probe(&job, &cancel).await;
            if results.send(result).is_ok() {
                notify();
            }
        });
    }
}

/// Runs probes to completion from a thread that may block (the command line), at most
/// `max_concurrent` light probes at once (the command line passes `PROBES_AT_ONCE`) and load
/// probes one at a time, returning results in the order of `jobs`.
pub fn run_blocking(jobs: Vec<ProbeJob>, max_concurrent: usize) -> std::io::Result<Vec<ProbeResult>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("probe").enable_all().build()?;
    let limits = Limits::new(max_concurrent);
    let cancel = Arc::new(AtomicBool::new(false));
    let results = runtime.block_on(async move {
        let mut tasks = Vec::new();
        for job in jobs {
            let (limits, cancel) = (limits.clone(), cancel.clone());
            tasks.push(tokio::spawn(async move {
                let _place = limits.place(job.spec.kind).await;
                run_probe(&job, &cancel).await
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            if let Ok(result) = task.await {
                results.push(result);
            }
        }
        results
    });
    // Pooled connections of finished probes may still be open; they are not waited for.
    runtime.shutdown_background();
    Ok(results)
}
