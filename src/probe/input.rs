//! What a probe needs before it runs: its target, headers, body and flow steps with their
//! `${env:NAME}` resolved (and every secret that went in, to be masked), and its conditions and
//! its steps' conditions parsed once, with the kind's defaults and the implicit conditions
//! (`tls.verified`, `min_tls_version`) added. A problem is an error naming the condition and
//! column, the header, or the step.

use std::collections::BTreeMap;

use super::condition;
use super::flow;
use super::runner::default_conditions;
use super::secrets::{self, Resolved, Secrets};
use crate::model::{HttpStep, ProbeKind, ProbeSpec};

/// The subject that says whether a certificate chain verified.
const VERIFIED: &str = "tls.verified";

/// A probe's target, headers and body with `${env:NAME}` resolved (a flow's `${var:NAME}` are
/// resolved as the flow runs), its flow's steps likewise, its conditions parsed with theirs
/// resolved, and every form of the secrets used.
pub(super) struct Input {
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub steps: Vec<flow::Step>,
    pub secrets: Secrets,
    pub conditions: Conditions,
}

/// `text` with its `${env:NAME}` resolved, the secrets that went in added to `secrets`; an
/// error says `which` text it was.
fn resolved(text: &str, which: &str, secrets: &mut Vec<String>) -> Result<String, String> {
    let Resolved { text, secrets: used } = secrets::resolve(text).map_err(|e| format!("{which}: {e}"))?;
    secrets.extend(used);
    Ok(text)
}

/// Request headers with their `${env:NAME}` resolved (see [`resolved`]).
fn resolved_headers(headers: &BTreeMap<String, String>, which: &str, secrets: &mut Vec<String>) -> Result<Vec<(String, String)>, String> {
    headers.iter().map(|(name, value)| Ok((name.clone(), resolved(value, &format!("{which}header {name}"), secrets)?))).collect()
}

/// Resolves the `${env:NAME}` references of the target, the headers, the body, the flow's steps
/// and the conditions, collecting the secrets.
pub(super) fn resolve(spec: &ProbeSpec) -> Result<Input, String> {
    let Resolved { text: target, mut secrets } = secrets::resolve(&spec.target)?;
    let headers = resolved_headers(&spec.headers, "", &mut secrets)?;
    let body = resolved(&spec.body, "the body", &mut secrets)?;
    let (conditions, in_conditions) = parse_conditions(spec, true)?;
    secrets.extend(in_conditions);
    let mut steps = Vec::new();
    let mut every_header = headers.clone();
    for (index, step) in spec.steps.iter().enumerate() {
        let which = format!("step {} `{}`", index + 1, step.name);
        let url = resolved(&step.url, &which, &mut secrets)?;
        let headers = resolved_headers(&step.headers, &format!("{which}, "), &mut secrets)?;
        let body = resolved(&step.body, &format!("{which}, the body"), &mut secrets)?;
        let (conditions, captures, in_conditions) = step_conditions(step, true).map_err(|e| format!("{which}: {e}"))?;
        secrets.extend(in_conditions);
        every_header.extend(headers.iter().cloned());
        let method = super::http::method(&step.method)?;
        let request = format!("{method} {}", step.url);
        steps.push(flow::Step { name: step.name.clone(), request, method, url, headers, body, conditions, captures });
    }
    let secrets = Secrets::new(&secrets, &target, &every_header);
    Ok(Input { target, headers, body, steps, secrets, conditions })
}

/// A probe's conditions, parsed once per run: each with whether it is a `warn` condition.
/// Without `expect` conditions, the kind's defaults hold.
pub(super) struct Conditions(pub(super) Vec<(condition::Condition, bool)>);

/// A step's conditions (`status < 400` when it names none) and, for each capture, `SOURCE
/// exists`; the captures with their conditions; and the secrets resolved into the conditions.
type StepConditions = (Conditions, Vec<(String, condition::Condition)>, Vec<String>);

fn step_conditions(step: &HttpStep, resolve_secrets: bool) -> Result<StepConditions, String> {
    let expect = if step.expect.is_empty() { default_conditions(ProbeKind::Http) } else { step.expect.clone() };
    let (Conditions(mut parsed), secrets) = parse_lists(&[(&expect, "expect", false)], resolve_secrets)?;
    let mut captures = Vec::new();
    for (name, source) in &step.capture {
        let condition = flow::capture_condition(source).map_err(|e| format!("capture {name}: {e}"))?;
        parsed.push((condition.clone(), false));
        captures.push((name.clone(), condition));
    }
    Ok((Conditions(parsed), captures, secrets))
}

/// Parses every condition; the first error names the condition and column. With
/// `resolve_secrets`, a `${env:NAME}` in a condition is replaced by its value (returned too, to
/// be masked), while the condition keeps its text as written, so the value is never recorded.
fn parse_conditions(spec: &ProbeSpec, resolve_secrets: bool) -> Result<(Conditions, Vec<String>), String> {
    let mut expect = match spec.kind {
        // With the certificate check waived, "it works" means a certificate that has not expired.
        ProbeKind::Tls if spec.expect.is_empty() && spec.accept_unverified => vec!["cert.expires_in > 0d".to_string()],
        _ if spec.expect.is_empty() => default_conditions(spec.kind),
        _ => spec.expect.clone(),
    };
    // A TLS probe checks the certificate chain unless its author waived that in so many words.
    let mentions_verified = expect.iter().chain(&spec.warn).any(|c| c.contains(VERIFIED));
    if spec.kind == ProbeKind::Tls && !spec.accept_unverified && !mentions_verified {
        expect.push(format!("{VERIFIED} == true"));
    }
    if !spec.min_tls_version.is_empty() {
        if spec.kind != ProbeKind::Tls {
            return Err(format!("min_tls_version is a setting of TLS probes, not of {:?} ones", spec.kind).to_lowercase());
        }
        if !["1.0", "1.1", "1.2", "1.3"].contains(&spec.min_tls_version.as_str()) {
            return Err(format!("min_tls_version `{}`: expected 1.2 or 1.3", spec.min_tls_version));
        }
        expect.push(format!("tls.version >= {}", spec.min_tls_version));
    }
    if !spec.proxy.is_empty() && spec.kind != ProbeKind::Http {
        return Err(format!("proxy is a setting of HTTP probes, not of {:?} ones", spec.kind).to_lowercase());
    }
    if !spec.client_cert.is_empty() && matches!(spec.kind, ProbeKind::Tcp | ProbeKind::Dns) {
        return Err(format!("client_cert is not a setting of {:?} probes", spec.kind).to_lowercase());
    }
    if spec.abort_on_fail && spec.kind != ProbeKind::Load {
        return Err(format!("abort_on_fail is a setting of load probes, not of {:?} ones", spec.kind).to_lowercase());
    }
    if spec.ocsp_query && spec.kind != ProbeKind::Tls {
        return Err(format!("ocsp_query is a setting of TLS probes, not of {:?} ones", spec.kind).to_lowercase());
    }
    flow::check_steps(spec).map_err(|problem| problem.message)?;
    parse_lists(&[(&expect, "expect", false), (&spec.warn, "warn", true)], resolve_secrets)
}

/// Parses lists of conditions, each named (`expect`) and marked `warn` or not, as
/// [`parse_conditions`] describes.
fn parse_lists(lists: &[(&Vec<String>, &str, bool)], resolve_secrets: bool) -> Result<(Conditions, Vec<String>), String> {
    let (mut parsed, mut secrets) = (Vec::new(), Vec::new());
    for &(list, name, warning_only) in lists {
        for (index, text) in list.iter().enumerate() {
            let which = format!("{name} condition {} `{text}`", index + 1);
            // Errors are of the text as written, so that no error quotes a secret.
            let mut condition = condition::parse(text).map_err(|e| format!("{which}: {e}"))?;
            if resolve_secrets && text.contains("${env:") {
                let resolved = secrets::resolve(text).map_err(|e| format!("{which}: {e}"))?;
                let source = std::mem::take(&mut condition.source);
                condition = condition::parse(&resolved.text)
                    .map_err(|_| format!("{which}: the value of its ${{env:…}} does not fit there as written; quote it (\"${{env:NAME}}\")"))?;
                condition.source = source;
                secrets.extend(resolved.secrets);
            }
            parsed.push((condition, warning_only));
        }
    }
    Ok((Conditions(parsed), secrets))
}

/// Whether a probe can run as written here: its conditions and its flow's steps read, and every
/// `${env:NAME}` it uses is set; the first problem otherwise.
pub fn check_input(spec: &ProbeSpec) -> Result<(), String> {
    resolve(spec).map(|_| ())
}

/// Checks every condition's syntax, and a flow's steps; the first error names the condition
/// and column, or the step.
pub fn check_conditions(spec: &ProbeSpec) -> Result<(), String> {
    parse_conditions(spec, false)?;
    for (index, step) in spec.steps.iter().enumerate() {
        step_conditions(step, false).map_err(|e| format!("step {} `{}`: {e}", index + 1, step.name))?;
    }
    Ok(())
}
