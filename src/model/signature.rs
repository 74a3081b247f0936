//! Signatures: who signed a run, meaning what, over exactly which content; and the checks that
//! tell, from the run file alone, whether each signature still holds.
//!
//! A signature is bound to the run three ways: it carries the SHA-256 of the run's content when
//! it was made (so any later change shows), the event that recorded it carries the SHA-256 of the
//! whole signature record (so the record cannot be edited without breaking the event chain), and
//! an optional key signature (checked in `signoff`, which holds the cryptography).

use serde::{Deserialize, Serialize};

use super::Timestamp;
use super::hash::{canonical_bytes, sha256_hex};
use super::run::{Change, Event, ModelError, Run};

/// One pen stroke of a drawn signature: points in 0–1 coordinates of the signature pad, x to
/// the right and y downwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stroke {
    pub points: Vec<[f32; 2]>,
}

/// A probe the signer knowingly signed over although its result was stale or missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    pub item: String,
    /// What was wrong, as shown to the signer: "never run" or "result 75 min old".
    pub problem: String,
    pub reason: String,
}

/// The blockers a signer saw, as a count and the SHA-256 of their canonical list, so that a
/// signature stays the same size however large the run. The canonical list is the blockers'
/// printed lines, in verdict order, as [`canonical_bytes`] writes a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockersSeen {
    pub count: usize,
    pub sha256: String,
}

impl BlockersSeen {
    pub fn of(lines: &[String]) -> Self {
        Self { count: lines.len(), sha256: sha256_hex(&canonical_bytes(&lines)) }
    }
}

/// The kind of key a signer holds. Keys made before PDF signatures were Ed25519; new keys are
/// ECDSA P-256, which PDF readers (Acrobat, poppler/NSS, pyHanko) validate too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    #[default]
    Ed25519,
    /// ECDSA on NIST P-256 with SHA-256.
    EcdsaP256,
}

impl KeyAlgorithm {
    pub fn is_ed25519(&self) -> bool {
        *self == KeyAlgorithm::Ed25519
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyAlgorithm::Ed25519 => "Ed25519",
            KeyAlgorithm::EcdsaP256 => "ECDSA P-256",
        }
    }
}

/// A signature by the signer's key over [`Signature::signed_message`].
///
/// Fields added after the first release are left out when they hold their default, so that
/// signatures made before them serialise, and hash, exactly as they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySignature {
    #[serde(default, skip_serializing_if = "KeyAlgorithm::is_ed25519")]
    pub algorithm: KeyAlgorithm,
    /// The public key, in hex: 32 bytes for Ed25519, a compressed SEC1 point (33 bytes) for
    /// P-256.
    pub public_key: String,
    /// The signature, in hex: 64 bytes (for P-256, `r` and `s`).
    pub signature: String,
    /// The signer's X.509 certificate (DER, in hex), which names its holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// A sign-off by one person in one role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The role's id in the template.
    pub role: String,
    /// The role's title, as shown when signing.
    pub role_title: String,
    /// The signer's printed name.
    pub name: String,
    /// The app's user who entered this signature, when that is not the signer named: a
    /// signature made "as someone else" says so, and the trail names who entered it. Left out
    /// otherwise, so that signatures made before it hash as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<String>,
    /// What the signature means, such as "Approved for production".
    pub meaning: String,
    /// The statement the signer saw and agreed to.
    pub attestation: String,
    pub at: Timestamp,
    pub strokes: Vec<Stroke>,
    /// SHA-256 of the run's content (`Run::content_sha256`) when it was signed.
    pub content_sha256: String,
    /// Whether the run was GO at that moment, counting this signature.
    pub go: bool,
    /// What blocked it, line by line: kept by signatures made before [`BlockersSeen`], which
    /// replaced it (always written, even empty, so that those signatures hash as they did).
    #[serde(default)]
    pub blockers: Vec<String>,
    /// What blocked it, compactly: how many blockers and the hash of their list. The list itself
    /// follows from the log up to the signature ([`Run::blockers_seen`]). Left out by signatures
    /// made before it, which keep the list in `blockers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blockers_seen: Option<BlockersSeen>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// Why the signer signed a run that was NO-GO, in their words: "I sign knowing it is NO-GO
    /// because …". Required for a NO-GO signature; left out otherwise, so that signatures made
    /// before it hash as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeySignature>,
}

impl Signature {
    /// How many blockers the signer saw.
    pub fn blocker_count(&self) -> usize {
        self.blockers_seen.as_ref().map_or(self.blockers.len(), |seen| seen.count)
    }

    /// Whether `lines` are the blockers this signature recorded: its list, or its count and hash.
    pub fn recorded_blockers(&self, lines: &[String]) -> bool {
        match &self.blockers_seen {
            Some(seen) => *seen == BlockersSeen::of(lines),
            None => self.blockers == lines,
        }
    }

    /// SHA-256 of the whole record; the `Signed` event carries it.
    pub fn sha256(&self) -> String {
        sha256_hex(&canonical_bytes(self))
    }

    /// SHA-256 of the record without its key signature: what the key signs besides the
    /// printed parts, so that waivers, the verdict, the strokes and the attestation are covered.
    pub fn body_sha256(&self) -> String {
        sha256_hex(&canonical_bytes(&Signature { key: None, ..self.clone() }))
    }

    /// The bytes a signer's key signs: a domain tag, then run id, content hash, role, name,
    /// meaning, time, the record's body hash and the hash of the event before the signature (so
    /// the log up to that moment, override reasons included, is signed too), each as a 4-byte
    /// big-endian length and its UTF-8 bytes, so that no two different records give the same
    /// message.
    pub fn signed_message(&self, run_id: &str, previous_event_sha256: &str) -> Vec<u8> {
        let time = self.at.to_string();
        let body = self.body_sha256();
        let parts = [run_id, &self.content_sha256, &self.role, &self.name, &self.meaning, &time, &body, previous_event_sha256];
        let mut message = b"preflight signature v1\n".to_vec();
        for part in parts {
            message.extend_from_slice(&(part.len() as u32).to_be_bytes());
            message.extend_from_slice(part.as_bytes());
        }
        message
    }
}

/// A change, as a signature's status names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRef {
    pub seq: u64,
    pub actor: String,
    pub at: Timestamp,
    pub what: String,
}

impl ChangeRef {
    fn of(run: &Run, event: &Event) -> Self {
        Self { seq: event.seq, actor: event.actor.clone(), at: event.at, what: run.describe_change(&event.change) }
    }
}

impl std::fmt::Display for ChangeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event #{} by {}: {}", self.seq, self.actor, self.what)
    }
}

/// Whether a signature still holds, as far as the run file tells without cryptography.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    Valid,
    /// The run's content changed after signing; `change` is the first change after it.
    Invalidated {
        change: ChangeRef,
    },
    /// The record was altered, or its content hash matches nothing the log explains.
    Broken {
        reason: String,
    },
}

impl SignatureStatus {
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid)
    }
}

impl std::fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Valid => f.write_str("valid"),
            Self::Invalidated { change } => write!(f, "invalidated by {change}"),
            Self::Broken { reason } => write!(f, "broken: {reason}"),
        }
    }
}

/// Who finalised a run, and when; a final run refuses further changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finalisation {
    pub at: Timestamp,
    pub by: String,
}

impl Run {
    /// A change as the trail prints it: like its `Display`, but a signature names its role by
    /// the title people know it by, not its id.
    pub fn describe_change(&self, change: &Change) -> String {
        match change {
            Change::Signed { role, name, meaning, .. } => {
                let title = self.roles().into_iter().find(|r| r.id == *role).map_or_else(|| format!("`{role}`"), |r| r.title);
                format!("signed as {title} by {name}: \"{meaning}\"")
            }
            other => other.to_string(),
        }
    }

    /// Records a signature. The caller has filled in the content hash and verdict of this
    /// moment (see `signoff::sign`); a hash that is not the run's current one is refused, so a
    /// signature can never claim content it did not see.
    pub fn add_signature(&mut self, signature: Signature) -> Result<(), ModelError> {
        self.refuse_if_final()?;
        let role = self.roles().into_iter().find(|role| role.id == signature.role);
        if role.is_none() {
            return Err(ModelError::UnknownRole(signature.role));
        }
        if signature.name.trim().is_empty() {
            return Err(ModelError::EmptyActor);
        }
        if signature.meaning.trim().is_empty() {
            return Err(ModelError::EmptySignatureField("meaning"));
        }
        if !signature.strokes.iter().any(|stroke| !stroke.points.is_empty()) {
            return Err(ModelError::EmptySignatureField("drawn signature"));
        }
        if signature.content_sha256 != self.content_sha256() {
            return Err(ModelError::StaleContentHash);
        }
        let change = Change::Signed {
            role: signature.role.clone(),
            name: signature.name.clone(),
            meaning: signature.meaning.clone(),
            index: self.signatures.len(),
            signature_sha256: signature.sha256(),
        };
        // The trail names who did it: the person at the keyboard.
        let (name, at) = (signature.entered_by.clone().unwrap_or_else(|| signature.name.clone()), signature.at);
        self.signatures.push(signature);
        self.append_event(&name, at, change);
        Ok(())
    }

    /// The verdict as it would be with a valid signature for `role` made at `at`, waiving the
    /// probe evidence of the items in `waived`: what a signer signs over.
    pub fn verdict_when_signed(&self, role: &str, at: super::Timestamp, waived: &[&str]) -> super::Verdict {
        self.verdict_when_signed_against(&self.signed_content_sha256(), role, at, waived)
    }

    /// [`Run::verdict_when_signed`] with the run's content hash (or, replaying, the hash the
    /// signature recorded) already known.
    pub(crate) fn verdict_when_signed_against(&self, current: &str, role: &str, at: super::Timestamp, waived: &[&str]) -> super::Verdict {
        let mut verdict = self.verdict_against_at(current, at);
        verdict.blockers.retain(|blocker| !blocker.cleared_by_signing(role) && !waived.iter().any(|item| blocker.cleared_by_waiver(item)));
        verdict
    }

    /// The hash of the event just before the one that recorded signature `index`: the log as the
    /// signer saw it. None when no event records it.
    /// In a merged log it is the event the signing event follows, which need not be the one
    /// just before it.
    pub fn event_before_signature(&self, index: usize) -> Option<&str> {
        let at = *self.signed_positions().get(index)?;
        let previous = at.checked_sub(1).map(|before| &self.events[before]);
        Some(self.events[at].chain_parent(previous).unwrap_or(""))
    }

    /// The status of the signature at `index`, from the run file alone.
    pub fn signature_status(&self, index: usize) -> SignatureStatus {
        self.signature_status_against(index, &self.content_sha256())
    }

    /// [`Run::signature_status`] with the run's current content hash already computed, for
    /// checking several signatures without hashing the run for each.
    pub fn signature_status_against(&self, index: usize, current_sha256: &str) -> SignatureStatus {
        let Some(signature) = self.signatures.get(index) else {
            return SignatureStatus::Broken { reason: format!("no signature {index}") };
        };
        let Some(&position) = self.signed_positions().get(index) else {
            return SignatureStatus::Broken { reason: "no event in the log records this signature".into() };
        };
        let event = &self.events[position];
        // The event was found by matching `Change::Signed` just above.
        let Change::Signed { role, name, meaning, signature_sha256, .. } = &event.change else { unreachable!() };
        if *signature_sha256 != signature.sha256() || *role != signature.role || *name != signature.name || *meaning != signature.meaning {
            return SignatureStatus::Broken { reason: format!("the record differs from what event #{} recorded", event.seq) };
        }
        if event.at != signature.at {
            return SignatureStatus::Broken { reason: format!("its time differs from event #{}", event.seq) };
        }
        if signature.content_sha256 == current_sha256 {
            return SignatureStatus::Valid;
        }
        match self.first_change_unseen_by(position) {
            Some(change) => SignatureStatus::Invalidated { change: ChangeRef::of(self, change) },
            None => {
                SignatureStatus::Broken { reason: "the run's content no longer matches what was signed, and no recorded change explains it".into() }
            }
        }
    }

    /// The first change to the content that the event at `position` did not follow: a later
    /// change, or in a merged log one made on another line of work.
    fn first_change_unseen_by(&self, position: usize) -> Option<&Event> {
        let shape = self.log_shape().ok().filter(|shape| shape.first_branch.is_some());
        let Some(shape) = shape else {
            return self.events[position + 1..].iter().find(|later| later.change.changes_content());
        };
        let seen = shape.ancestors_and_self(position);
        self.events
            .iter()
            .enumerate()
            .find(|(at, event)| !seen.get(*at).copied().unwrap_or(false) && event.change.changes_content())
            .map(|(_, event)| event)
    }

    /// The signature that counts for a role, the newest, with its index and status.
    pub fn role_signature(&self, role: &str) -> Option<(usize, &Signature, SignatureStatus)> {
        self.role_signature_against(role, &self.content_sha256())
    }

    /// [`Run::role_signature`] with the current content hash already computed.
    pub fn role_signature_against(&self, role: &str, current_sha256: &str) -> Option<(usize, &Signature, SignatureStatus)> {
        let (index, signature) = self.signatures.iter().enumerate().rev().find(|(_, s)| s.role == role)?;
        Some((index, signature, self.signature_status_against(index, current_sha256)))
    }

    /// Finalises the run once every required role holds a valid signature; a final run refuses
    /// every further change.
    pub fn finalise(&mut self, actor: &str, at: Timestamp) -> Result<(), ModelError> {
        self.refuse_if_final()?;
        let actor = actor.trim();
        if actor.is_empty() {
            return Err(ModelError::EmptyActor);
        }
        let current = self.content_sha256();
        let unsigned: Vec<String> = self
            .roles()
            .into_iter()
            .filter(|role| role.required)
            .filter(|role| !self.role_signature_against(&role.id, &current).is_some_and(|(_, _, status)| status.is_valid()))
            .map(|role| role.title)
            .collect();
        if !unsigned.is_empty() {
            return Err(ModelError::RolesNotSigned(unsigned));
        }
        self.finalised = Some(Finalisation { at, by: actor.to_string() });
        self.append_event(actor, at, Change::Finalised);
        Ok(())
    }

    pub fn is_final(&self) -> bool {
        self.finalised.is_some()
    }

    pub(crate) fn refuse_if_final(&self) -> Result<(), ModelError> {
        match &self.finalised {
            Some(finalised) => Err(ModelError::Final { by: finalised.by.clone(), at: finalised.at }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
pub(crate) mod tests;
