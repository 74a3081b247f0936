//! Signing a run and verifying it: stale-probe checks before signing, a key signature (ECDSA
//! P-256, or Ed25519 for older keys) where the signer has a key, and the full offline check `preflight verify` and the app run on a run file.
//!
//! The signature record, its binding to the event log and its content hash live in
//! `model::signature`; this module adds the clock-dependent and cryptographic parts.

pub mod cert;
pub mod cms;
mod import;
mod keys;
pub mod trust;

pub use cert::{CertificateInfo, Identity};
pub use keys::{
    KeyError, KeyStore, MIN_PASSPHRASE_CHARS, PublicKeyInfo, UnlockedKey, fingerprint, key_holder, parse_p256_public_key, parse_public_key,
    verify_key_signature,
};
pub use trust::{Trust, TrustStore};

use std::collections::HashMap;

use crate::model::ProbeState;
use crate::model::{
    BlockersSeen, DutyBreach, ItemState, ModelError, Run, SeenBlockers, Signature, SignatureStatus, Stroke, Timestamp, Waiver, same_name,
};

/// The attestation shown when signing unless the signer's organisation words it otherwise.
pub const DEFAULT_ATTESTATION: &str = "I have reviewed this run as shown, and my signature applies to its content at this moment: \
     the checklist, every item's state, the field values and the probe evidence.";

/// What a signer enters.
#[derive(Debug, Clone, PartialEq)]
pub struct SignRequest {
    pub role: String,
    pub name: String,
    pub meaning: String,
    pub attestation: String,
    pub strokes: Vec<Stroke>,
    /// Waivers for stale or missing probe results, each with a reason.
    pub waivers: Vec<Waiver>,
    /// Why the signer signs although the run is NO-GO: required then, ignored otherwise.
    pub acknowledgement: Option<String>,
    /// The app's user entering the signature, when they sign as someone else (`name`); kept
    /// only when it is another name.
    pub entered_by: Option<String>,
    pub at: Timestamp,
}

/// A probe that a signature would cover without fresh evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleProbe {
    pub item: String,
    pub text: String,
    /// "never run", "could not run: …" or "result 75 min old".
    pub problem: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{} probe result(s) are stale or missing: {}; re-run them or waive them with a reason", .0.len(), describe(.0))]
    StaleProbes(Vec<StaleProbe>),
    #[error("the run is NO-GO ({} blocker(s): {}); say why you sign it anyway", .0.len(), .0.iter().take(3).cloned().collect::<Vec<_>>().join("; "))]
    NoGoNotAcknowledged(Vec<String>),
    #[error("{0} must be signed with a key: choose your key, or create one")]
    KeyRequired(String),
    #[error("segregation of duties: {0}; another person must sign")]
    DutiesNotSeparated(DutyBreach),
    #[error(transparent)]
    Model(#[from] ModelError),
}

fn describe(stale: &[StaleProbe]) -> String {
    stale.iter().map(|s| format!("{} ({})", s.item, s.problem)).collect::<Vec<_>>().join(", ")
}

/// Probes whose evidence is missing or older than the template's maximum probe age at `now`:
/// a required item's probe never run or whose latest run ended in an error, or any probe whose
/// latest result is too old. Items marked N/A need no evidence.
pub fn stale_probes(run: &Run, now: Timestamp) -> Vec<StaleProbe> {
    let mut stale = Vec::new();
    for (_, item) in run.template.all_items() {
        if item.probe.is_none() || matches!(run.items.get(&item.id).map(|r| &r.state), Some(ItemState::NotApplicable { .. })) {
            continue;
        }
        let problem = match run.latest_probe(&item.id) {
            None if item.required => "never run".to_string(),
            None => continue,
            // An error is not evidence: the probe could not check anything.
            Some(result) if result.state == ProbeState::Error && item.required => {
                let error: String = result.error.as_deref().unwrap_or("no result").chars().take(120).collect();
                format!("could not run: {error}")
            }
            Some(result) if run.is_stale(result, now) => {
                format!("result {} min old", now.as_datetime().signed_duration_since(result.started_at.as_datetime()).num_minutes())
            }
            Some(_) => continue,
        };
        stale.push(StaleProbe { item: item.id.clone(), text: item.text.clone(), problem });
    }
    stale
}

/// Signs `run` as asked: refuses stale probes that are not waived, then records the content
/// hash and verdict of this moment, and a key signature when a key is given.
pub fn sign(run: &mut Run, request: SignRequest, key: Option<&UnlockedKey>) -> Result<(), SignError> {
    run.refuse_if_final()?;
    let stale = stale_probes(run, request.at);
    let waived = |item: &str| request.waivers.iter().any(|w| w.item == item && !w.reason.trim().is_empty());
    let unwaived: Vec<StaleProbe> = stale.iter().filter(|s| !waived(&s.item)).cloned().collect();
    if !unwaived.is_empty() {
        return Err(SignError::StaleProbes(unwaived));
    }
    // Waivers are kept only for what was stale, with the problem as the signer saw it.
    let waivers: Vec<Waiver> = stale
        .iter()
        .filter_map(|s| {
            let waiver = request.waivers.iter().find(|w| w.item == s.item)?;
            Some(Waiver { item: s.item.clone(), problem: s.problem.clone(), reason: waiver.reason.trim().to_string() })
        })
        .collect();
    let role = run.roles().into_iter().find(|r| r.id == request.role).ok_or_else(|| ModelError::UnknownRole(request.role.clone()))?;
    if role.require_key && key.is_none() {
        return Err(SignError::KeyRequired(role.title));
    }
    let role_title = role.title;
    let waived: Vec<&str> = waivers.iter().map(|waiver| waiver.item.as_str()).collect();
    let verdict = run.verdict_when_signed(&request.role, request.at, &waived);
    let blockers: Vec<String> = verdict.blockers.iter().map(ToString::to_string).collect();
    let acknowledgement = request.acknowledgement.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(String::from);
    if !verdict.is_go() && acknowledgement.is_none() {
        return Err(SignError::NoGoNotAcknowledged(blockers));
    }
    let name = request.name.trim().to_string();
    let entered_by = request.entered_by.as_deref().map(str::trim).filter(|by| !by.is_empty() && !same_name(by, &name)).map(String::from);
    let mut signature = Signature {
        role: request.role,
        role_title,
        name,
        entered_by,
        meaning: request.meaning.trim().to_string(),
        attestation: request.attestation,
        at: request.at,
        strokes: request.strokes,
        content_sha256: run.content_sha256(),
        go: verdict.is_go(),
        // The list follows from the log; the signature keeps its count and hash.
        blockers: Vec::new(),
        blockers_seen: Some(BlockersSeen::of(&blockers)),
        waivers,
        acknowledgement: if verdict.is_go() { None } else { acknowledgement },
        key: None,
    };
    if let Some(key) = key {
        // The signature's event will follow the newest event now in the log.
        let previous = run.events.last().map_or("", |event| event.hash.as_str());
        signature.key = Some(key.sign(&signature.signed_message(&run.id, previous)));
    }
    if let Some(breach) = run.breach_if_signed(&signature) {
        return Err(SignError::DutiesNotSeparated(breach));
    }
    run.add_signature(signature)?;
    Ok(())
}

/// The outcome of checking a key signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// Signed without a key: only the drawn signature and the log bind it.
    NoKey,
    Valid {
        fingerprint: String,
        algorithm: crate::model::KeyAlgorithm,
    },
    Invalid {
        reason: String,
    },
}

/// One signature as verification sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    pub index: usize,
    pub role_title: String,
    pub name: String,
    pub meaning: String,
    pub at: Timestamp,
    pub status: SignatureStatus,
    pub key: KeyCheck,
    /// A later signature of the same role replaces this one.
    pub superseded: bool,
    /// For the role's current signature, the blockers its signer saw, worked out from the log.
    pub seen: Option<SeenBlockers>,
}

impl SignatureCheck {
    /// Whether this signature makes the run fail verification: a broken record or key always
    /// does; an invalidated one only while it is the role's current signature.
    pub fn fails(&self) -> bool {
        matches!(self.key, KeyCheck::Invalid { .. })
            || matches!(self.status, SignatureStatus::Broken { .. })
            || (!self.superseded && !self.status.is_valid())
    }

    /// One line: `QA lead — Dana Whitfield, "QA verified", 2026-…: valid, key 3f2a …`.
    pub fn line(&self) -> String {
        let key = match &self.key {
            KeyCheck::NoKey => "no key".to_string(),
            KeyCheck::Valid { fingerprint, algorithm } => format!("{} key {fingerprint} verified", algorithm.label()),
            KeyCheck::Invalid { reason } => format!("KEY SIGNATURE INVALID: {reason}"),
        };
        let superseded = if self.superseded { " (signed again later)" } else { "" };
        format!("{} — {}, \"{}\", {}: {}{superseded}; {key}", self.role_title, self.name, self.meaning, self.at, self.status)
    }
}

/// Everything `preflight verify` reports about a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub events: usize,
    /// The newest event's hash: the chain head.
    pub chain_head: Option<String>,
    /// Tampering evidence: a broken chain, records that the log does not explain.
    pub problems: Vec<String>,
    pub signatures: Vec<SignatureCheck>,
    pub content_sha256: String,
    /// The template's sign-off rules broken by the current signatures: two roles it keeps
    /// apart signed by one person, a role that needs a key signed without one.
    pub breaches: Vec<String>,
    /// Things an auditor should look at that do not make the run invalid, such as a role whose
    /// earlier signature carried a key and whose current one does not, one person holding
    /// several roles, or a signature entered by someone else than the person it names.
    pub warnings: Vec<String>,
    /// Where the log forked into lines of work on several copies and which merge joined them,
    /// one line per merge (empty for a run kept in one copy).
    pub forks: Vec<String>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.breaches.is_empty() && !self.signatures.iter().any(SignatureCheck::fails)
    }
}

/// Checks a run from its file alone: the event chain, that the records follow from the log,
/// every signature's binding and content hash, and every key signature.
pub fn verify(run: &Run) -> Report {
    let problems = run.integrity_problems().into_iter().map(|p| p.message).collect();
    let content_sha256 = run.content_sha256();
    // A role's current signature is its last; only those are judged again from the log, so
    // verifying costs one verdict per role, however often roles signed again.
    let mut last_of_role: HashMap<&str, usize> = HashMap::new();
    for (index, signature) in run.signatures.iter().enumerate() {
        last_of_role.insert(&signature.role, index);
    }
    let current: Vec<usize> = last_of_role.values().copied().collect();
    let mut seen = run.blockers_seen(&current);
    let signatures: Vec<SignatureCheck> = run
        .signatures
        .iter()
        .enumerate()
        .map(|(index, signature)| SignatureCheck {
            index,
            role_title: signature.role_title.clone(),
            name: signature.name.clone(),
            meaning: signature.meaning.clone(),
            at: signature.at,
            status: run.signature_status_against(index, &content_sha256),
            key: check_key(run, index, signature),
            superseded: last_of_role.get(signature.role.as_str()) != Some(&index),
            seen: seen.remove(&index),
        })
        .collect();
    let notes = signer_notes(run);
    let mut warnings = key_downgrades(run);
    warnings.extend(signatures.iter().filter_map(|check| unrecorded_blockers(&run.signatures[check.index], check)));
    warnings.extend(note_lines(notes.iter().filter(|n| !n.breach)));
    Report {
        breaches: note_lines(notes.iter().filter(|n| n.breach)),
        warnings,
        events: run.events.len(),
        chain_head: run.events.last().map(|e| e.hash.clone()),
        forks: run.forks().iter().map(ToString::to_string).collect(),
        problems,
        signatures,
        content_sha256,
    }
}

/// Something about who signed a role's current signature that the sign-off panel, the PDF and
/// `verify` show beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerNote {
    pub role: String,
    pub role_title: String,
    pub text: String,
    /// A rule of the template is broken: the run is NO-GO and fails verification.
    pub breach: bool,
    /// The note is about several roles (one person in two of them), so lists say it once.
    pub shared: bool,
}

impl SignerNote {
    /// The note on its own, as a list of notes about the whole run says it.
    pub fn line(&self) -> String {
        if self.shared { self.text.clone() } else { format!("{}: {}", self.role_title, self.text) }
    }
}

/// The notes on every role's current signature: the template's sign-off rules they break (a
/// role that needs a key signed without one, two roles kept apart signed by one person), one
/// person in several roles, a signature entered by someone else, and a printed name that is not
/// the name in the key's certificate.
pub fn signer_notes(run: &Run) -> Vec<SignerNote> {
    let roles = run.roles();
    let title = |id: &str| roles.iter().find(|r| r.id == id).map_or_else(|| id.to_string(), |r| r.title.clone());
    let note =
        |role: &str, text: String, breach: bool, shared: bool| SignerNote { role: role.to_string(), role_title: title(role), text, breach, shared };
    let mut notes = Vec::new();
    for (role, name) in run.keyless_signatures() {
        notes.push(note(&role.id, format!("must be signed with a key; {name} signed without one"), true, false));
    }
    let breaches = run.duty_breaches();
    for breach in &breaches {
        for role in &breach.roles {
            notes.push(note(role, format!("segregation of duties: {breach}"), true, true));
        }
    }
    for shared in run.shared_signers() {
        if breaches.iter().any(|b| b.titles.iter().all(|t| shared.titles.contains(t))) {
            continue;
        }
        for role in roles.iter().filter(|r| shared.titles.contains(&r.title)) {
            notes.push(note(&role.id, format!("one person in several roles: {shared}"), false, true));
        }
    }
    for role in &roles {
        let Some(signature) = run.signatures.iter().rev().find(|s| s.role == role.id) else { continue };
        if let Some(by) = &signature.entered_by {
            notes.push(note(&role.id, format!("signed as {}, entered by {by}", signature.name), false, false));
        }
        if let Some(holder) = signature.key.as_ref().and_then(key_holder)
            && !same_name(&holder, &signature.name)
        {
            notes.push(note(&role.id, format!("the printed name {} is not the key's holder, {holder}", signature.name), false, false));
        }
    }
    notes
}

/// Each note's line once, in order.
fn note_lines<'a>(notes: impl Iterator<Item = &'a SignerNote>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in notes.map(SignerNote::line) {
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// A signature whose verdict, worked out again from the log, is not the one it recorded: its
/// record was changed before it was sealed, or a Preflight version with other rules signed it.
fn unrecorded_blockers(signature: &Signature, check: &SignatureCheck) -> Option<String> {
    let seen = check.seen.as_ref().filter(|seen| !seen.recorded)?;
    let verdict = |go: bool, count: usize| if go { "GO".to_string() } else { format!("NO-GO with {count} blocker(s)") };
    Some(format!(
        "{}: {} recorded the run as {}, but the event log up to the signature gives {}; the record was made by another version of Preflight, or altered before it was signed",
        check.role_title,
        check.name,
        verdict(signature.go, signature.blocker_count()),
        verdict(seen.lines.is_empty(), seen.lines.len()),
    ))
}

/// Roles whose current signature has no key although an earlier one had: someone without the
/// key signed again, which a person may do, but which an auditor should see.
fn key_downgrades(run: &Run) -> Vec<String> {
    let mut warnings = Vec::new();
    for role in run.roles() {
        let signed: Vec<&Signature> = run.signatures.iter().filter(|s| s.role == role.id).collect();
        if let Some((current, earlier)) = signed.split_last()
            && current.key.is_none()
            && let Some(keyed) = earlier.iter().rev().find(|s| s.key.is_some())
        {
            warnings.push(format!(
                "{}: the current signature by {} has no key, though the earlier one by {} at {} was signed with a key",
                role.title, current.name, keyed.name, keyed.at
            ));
        }
    }
    warnings
}

fn check_key(run: &Run, index: usize, signature: &Signature) -> KeyCheck {
    let Some(key) = &signature.key else { return KeyCheck::NoKey };
    let Some(previous) = run.event_before_signature(index) else {
        return KeyCheck::Invalid { reason: "no event in the log records this signature".into() };
    };
    match verify_key_signature(key, &signature.signed_message(&run.id, previous)) {
        Ok(()) => KeyCheck::Valid { fingerprint: fingerprint(&key.public_key), algorithm: key.algorithm },
        Err(reason) => KeyCheck::Invalid { reason },
    }
}

#[cfg(test)]
mod duty_tests;
#[cfg(test)]
mod tests;
