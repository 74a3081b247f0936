//! Multi-step HTTP flows: requests an HTTP probe makes, in order, before its own (log in, then
//! call the API with the token the login gave). Each step is judged by its own conditions, and
//! can capture values from its answer (`token = json(access_token)`) that the steps after it,
//! and the probe's own request, use as `${var:token}`. The steps share one cookie jar, so a
//! session cookie set by a login goes with every later request.
//!
//! What each step saw is kept, so that the runner judges it once more for the record with every
//! secret of the flow known: a value captured late is masked in what an early step showed too.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::condition::Condition;
use crate::model::{HttpStep, Observed, ProbeSpec};

/// How a step's URL, headers and body name a value an earlier step captured.
const VAR: &str = "${var:";

/// A step ready to run: its request with `${env:NAME}` resolved (its `${var:NAME}` are
/// resolved when it runs), its conditions parsed, and what it captures.
pub(super) struct Step {
    pub name: String,
    /// The request as written, for the evidence: `POST https://auth.example.com/login`.
    pub request: String,
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Its conditions, and for each capture `SOURCE exists`, so that a capture that finds
    /// nothing fails the step.
    pub conditions: super::input::Conditions,
    /// The variable each capture sets, and the `SOURCE exists` condition that reads it.
    pub captures: Vec<(String, Condition)>,
}

/// What one step saw, or why it could not be made.
pub(super) struct StepSeen {
    pub duration: Duration,
    /// Empty when the step could not be made.
    pub observed: Option<Observed>,
    pub body_truncated: bool,
    pub error: Option<String>,
    /// Whether the flow went on after it.
    pub passed: bool,
}

/// A flow as far as it went: what each step saw, in order, and every value captured.
#[derive(Default)]
pub(super) struct FlowLog {
    pub seen: Vec<StepSeen>,
    pub vars: BTreeMap<String, String>,
}

impl FlowLog {
    /// The values captured, for masking.
    pub(super) fn captured(&self) -> Vec<String> {
        self.vars.values().cloned().collect()
    }
}

/// How a flow ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum FlowEnd {
    /// Every step passed; the probe's own request goes next.
    Done,
    /// A step's conditions failed: the probe fails without sending its request.
    Failed,
}

/// The variables `text` uses, as `${var:NAME}`, in order.
pub fn vars_used(text: &str) -> Vec<&str> {
    let mut used = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(VAR) {
        let after = &rest[start + VAR.len()..];
        let Some(end) = after.find('}') else { break };
        used.push(&after[..end]);
        rest = &after[end + 1..];
    }
    used
}

/// `text` with every `${var:NAME}` replaced by the value captured for it; a variable no step
/// captured is an error naming it.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    if !text.contains(VAR) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(VAR) {
        out.push_str(&rest[..start]);
        let after = &rest[start + VAR.len()..];
        let end = after.find('}').ok_or_else(|| format!("`{}` is not closed with `}}`", &rest[start..]))?;
        let name = &after[..end];
        let value = vars.get(name).ok_or_else(|| format!("no step before this captures `{name}` (used as ${{var:{name}}})"))?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A request's URL, headers and body as they are sent: with every `${var:NAME}` replaced by the
/// value captured for it (see [`substitute`]).
pub(super) type Substituted = (String, Vec<(String, String)>, String);

pub(super) fn substitute_request(
    url: &str,
    headers: &[(String, String)],
    body: &str,
    vars: &BTreeMap<String, String>,
) -> Result<Substituted, String> {
    let headers = headers.iter().map(|(name, value)| Ok((name.clone(), substitute(value, vars)?))).collect::<Result<Vec<_>, String>>()?;
    Ok((substitute(url, vars)?, headers, substitute(body, vars)?))
}

/// Whether `name` can name a variable: letters, digits, `_` and `-`.
pub fn is_var_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A problem in a probe's steps: what is wrong, and the text in the template it is about (the
/// step's name, a capture's subject, the text that uses an unknown variable), for a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepProblem {
    pub message: String,
    pub at: String,
}

/// The first problem in a probe's steps that no run could get past: steps on a probe that is
/// not HTTP, a step without a name or with another's, a capture whose name or subject does not
/// read, and a `${var:NAME}` that no earlier step captures (in a probe without steps too). Conditions are checked by the
/// caller, with the probe's own.
pub fn check_steps(spec: &ProbeSpec) -> Result<(), StepProblem> {
    let problem = |message: String, at: &str| Err(StepProblem { message, at: at.to_string() });
    if spec.kind != crate::model::ProbeKind::Http && !spec.steps.is_empty() {
        return problem(format!("steps are a setting of HTTP probes, not of {:?} ones", spec.kind).to_lowercase(), &spec.steps[0].name);
    }
    let mut names = BTreeSet::new();
    let mut captured = BTreeSet::new();
    for (index, step) in spec.steps.iter().enumerate() {
        let which = format!("step {} `{}`", index + 1, step.name);
        if step.name.trim().is_empty() {
            return problem(format!("step {} has no name", index + 1), &step.url);
        }
        if !names.insert(step.name.trim()) {
            return problem(format!("{which}: another step has this name"), &step.name);
        }
        if let Err(err) = super::http::method(&step.method) {
            return problem(format!("{which}: {err}"), &step.method);
        }
        if step.url.trim().is_empty() {
            return problem(format!("{which} has no URL"), &step.name);
        }
        for (place, text) in step_texts(step) {
            if let Some(name) = vars_used(text).into_iter().find(|name| !captured.contains(*name)) {
                return problem(format!("{which}, {place}: ${{var:{name}}} is not captured by a step before this one"), text);
            }
        }
        for (name, source) in &step.capture {
            if !is_var_name(name) {
                return problem(format!("{which}: `{name}` cannot name a variable; use letters, digits, `_` and `-`"), name);
            }
            if let Err(err) = capture_condition(source) {
                return problem(format!("{which}, capture {name}: {err}"), source);
            }
            captured.insert(name.as_str());
        }
    }
    let own = [("the target".to_string(), spec.target.as_str()), ("the body".to_string(), spec.body.as_str())];
    for (place, text) in own.into_iter().chain(spec.headers.iter().map(|(name, value)| (format!("header {name}"), value.as_str()))) {
        if let Some(name) = vars_used(text).into_iter().find(|name| !captured.contains(*name)) {
            return problem(format!("{place}: ${{var:{name}}} is not captured by any step"), text);
        }
    }
    Ok(())
}

/// The texts of a step that may use variables, each with where it is.
fn step_texts(step: &HttpStep) -> impl Iterator<Item = (String, &str)> {
    [("the URL".to_string(), step.url.as_str()), ("the body".to_string(), step.body.as_str())]
        .into_iter()
        .chain(step.headers.iter().map(|(name, value)| (format!("header {name}"), value.as_str())))
}

/// The condition that reads a capture: `SOURCE exists`.
pub fn capture_condition(source: &str) -> Result<Condition, String> {
    let text = format!("{} exists", source.trim());
    super::condition::parse(&text).map_err(|e| e.to_string())
}

/// Runs the steps in order, each with the probe's timeout, retries and TLS settings, recording
/// what each saw in `log` as it goes (a flow stopped by the probe's deadline keeps the steps it
/// made). A step that could not be made is an error naming it.
pub(super) async fn run_steps(spec: &ProbeSpec, steps: &[Step], log: &Mutex<FlowLog>, jar: &Arc<reqwest::cookie::Jar>) -> Result<FlowEnd, String> {
    let lock = || log.lock().unwrap_or_else(PoisonError::into_inner);
    for (index, step) in steps.iter().enumerate() {
        let which = format!("step {} `{}`", index + 1, step.name);
        let vars = lock().vars.clone();
        let begun = Instant::now();
        let outcome = send_step(spec, step, &vars, jar).await;
        let duration = begun.elapsed();
        let (observed, body_truncated) = match outcome {
            Ok(seen) => seen,
            Err(err) => {
                let error = format!("{which}: {err}");
                lock().seen.push(StepSeen { duration, observed: None, body_truncated: false, error: Some(error.clone()), passed: false });
                return Err(error);
            }
        };
        let (state, _) = super::runner::judge(&step.conditions, &observed, None, body_truncated, false);
        let passed = state != crate::model::ProbeState::Fail;
        let mut log = lock();
        if passed {
            for (name, condition) in &step.captures {
                if let Ok(value) = condition.subject.value_in(&observed) {
                    log.vars.insert(name.clone(), super::condition::as_text(&value));
                }
            }
        }
        log.seen.push(StepSeen { duration, observed: Some(observed), body_truncated, error: None, passed });
        if !passed {
            return Ok(FlowEnd::Failed);
        }
    }
    Ok(FlowEnd::Done)
}

/// Makes one step's request with the variables captured so far: what it saw, and whether the
/// body was cut at the limit.
async fn send_step(
    spec: &ProbeSpec,
    step: &Step,
    vars: &BTreeMap<String, String>,
    jar: &Arc<reqwest::cookie::Jar>,
) -> Result<(Observed, bool), String> {
    let (url, headers, body) = substitute_request(&step.url, &step.headers, &step.body, vars)?;
    let redirects = Arc::new(AtomicU32::new(0));
    let (client, _) = super::http::client_timed(spec, &url, redirects.clone(), Arc::default(), Some(jar.clone()))?;
    let request = super::http::Request { client: &client, method: step.method.clone(), url: &url, headers: &headers, body: &body };
    let (reply, _) = super::http::send(&request, spec, &redirects).await;
    let reply = reply?;
    let truncated = reply.body_truncated();
    let elapsed = reply.elapsed;
    let (mut observed, _) = super::http::observe(reply, redirects.load(std::sync::atomic::Ordering::Relaxed));
    observed.values.insert("response_time".into(), crate::model::Value::Duration(elapsed.as_secs_f64() * 1000.0));
    Ok((observed, truncated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpStep, ProbeKind};

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn variables_are_substituted_and_an_unknown_one_is_named() {
        let captured = vars(&[("token", "abc123"), ("id", "7")]);
        assert_eq!(substitute("Bearer ${var:token}", &captured).unwrap(), "Bearer abc123");
        assert_eq!(substitute("/orders/${var:id}?t=${var:token}", &captured).unwrap(), "/orders/7?t=abc123");
        assert_eq!(substitute("${env:HOME} stays", &captured).unwrap(), "${env:HOME} stays");
        let err = substitute("${var:session}", &captured).unwrap_err();
        assert!(err.contains("`session`"), "{err}");
        assert!(substitute("${var:token", &captured).unwrap_err().contains("not closed"));
        assert_eq!(vars_used("${var:a} and ${var:b-2}"), ["a", "b-2"]);
    }

    fn flow(steps: Vec<HttpStep>) -> ProbeSpec {
        ProbeSpec { steps, ..ProbeSpec::new(ProbeKind::Http, "https://api.example.com/me") }
    }

    #[test]
    fn a_variable_must_be_captured_by_an_earlier_step() {
        let mut login = HttpStep::new("log in", "https://auth.example.com/login");
        login.capture.insert("token".into(), "json(access_token)".into());
        let mut me = flow(vec![login.clone()]);
        me.headers.insert("Authorization".into(), "Bearer ${var:token}".into());
        assert_eq!(check_steps(&me), Ok(()));

        let mut alone = ProbeSpec::new(ProbeKind::Http, "https://api.example.com/${var:token}");
        assert_eq!(check_steps(&alone).unwrap_err().message, "the target: ${var:token} is not captured by any step", "without steps too");
        alone.steps.push(login.clone());
        assert_eq!(check_steps(&alone), Ok(()));

        me.headers.insert("X-Session".into(), "${var:session}".into());
        assert_eq!(check_steps(&me).unwrap_err().message, "header X-Session: ${var:session} is not captured by any step");

        let mut early = HttpStep::new("early", "https://api.example.com/${var:token}");
        early.method = "POST".into();
        let err = check_steps(&flow(vec![early, login.clone()])).unwrap_err().message;
        assert_eq!(err, "step 1 `early`, the URL: ${var:token} is not captured by a step before this one");
    }

    #[test]
    fn steps_need_distinct_names_readable_captures_and_an_http_probe() {
        let a = HttpStep::new("a", "https://x.example/");
        assert!(check_steps(&flow(vec![a.clone(), a.clone()])).unwrap_err().message.contains("another step has this name"));
        assert_eq!(check_steps(&flow(vec![HttpStep::new(" ", "https://x.example/")])).unwrap_err().message, "step 1 has no name");
        let mut bad = a.clone();
        bad.capture.insert("token".into(), "json(".into());
        let problem = check_steps(&flow(vec![bad])).unwrap_err();
        assert!(problem.message.starts_with("step 1 `a`, capture token: column"), "{problem:?}");
        assert_eq!(problem.at, "json(");
        let mut spaced = a.clone();
        spaced.capture.insert("my token".into(), "body".into());
        assert!(check_steps(&flow(vec![spaced])).unwrap_err().message.contains("cannot name a variable"));
        let mut verb = a.clone();
        verb.method = "GE T".into();
        assert!(check_steps(&flow(vec![verb])).unwrap_err().message.contains("is not an HTTP method"));
        let tls = ProbeSpec { steps: vec![a], ..ProbeSpec::new(ProbeKind::Tls, "x.example:443") };
        assert_eq!(check_steps(&tls).unwrap_err().message, "steps are a setting of http probes, not of tls ones");
    }
}
