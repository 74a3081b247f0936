//! GO / NO-GO: a run is GO only when nothing blocks it, and the blockers say exactly why.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::{Change, DutyBreach, ItemKind, ItemState, ProbeResult, ProbeState, Run, Timestamp};

/// One reason a run is not GO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    ItemFailed {
        item: String,
        text: String,
    },
    ItemPending {
        item: String,
        text: String,
    },
    /// A required item was skipped; only N/A with a reason releases a required item.
    ItemSkipped {
        item: String,
        text: String,
    },
    /// An item marked done whose latest probe could not run: its evidence is missing until the
    /// probe passes or a person overrides it with a reason.
    ProbeCouldNotRun {
        item: String,
        text: String,
        error: String,
    },
    /// An item marked done whose latest probe result is older than the template's maximum
    /// probe age: the evidence no longer says how the system is now.
    ProbeStale {
        item: String,
        text: String,
        taken_at: Timestamp,
        limit_minutes: u32,
    },
    FieldMissing {
        field: String,
        label: String,
    },
    RoleUnsigned {
        role: String,
        title: String,
    },
    /// The role's signature no longer matches the run's content.
    SignatureInvalidated {
        role: String,
        title: String,
        reason: String,
    },
    /// The role must be signed with a key, and its signature has none.
    KeyRequired {
        role: String,
        title: String,
        name: String,
    },
    /// Two roles the template keeps apart are signed by one person.
    DutiesNotSeparated(DutyBreach),
}

impl Blocker {
    /// Whether a new signature of `role` would clear this blocker.
    pub fn cleared_by_signing(&self, role: &str) -> bool {
        match self {
            Self::RoleUnsigned { role: id, .. } | Self::SignatureInvalidated { role: id, .. } | Self::KeyRequired { role: id, .. } => id == role,
            Self::DutiesNotSeparated(breach) => breach.involves(role),
            _ => false,
        }
    }

    /// Whether a signer's waiver of `item`'s probe evidence clears this blocker.
    pub fn cleared_by_waiver(&self, item: &str) -> bool {
        matches!(self, Self::ProbeCouldNotRun { item: id, .. } | Self::ProbeStale { item: id, .. } if id == item)
    }
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ItemFailed { text, .. } => write!(f, "failed: {text}"),
            Self::ItemPending { text, .. } => write!(f, "not done: {text}"),
            Self::ItemSkipped { text, .. } => write!(f, "required but skipped: {text}"),
            Self::ProbeCouldNotRun { text, error, .. } => write!(f, "probe could not run ({error}): {text}"),
            Self::ProbeStale { text, taken_at, limit_minutes, .. } => {
                let taken = taken_at.as_datetime().format("%Y-%m-%d %H:%M UTC");
                write!(f, "probe result older than the {limit_minutes}-minute limit (taken {taken}): {text}")
            }
            Self::FieldMissing { label, .. } => write!(f, "field not filled: {label}"),
            Self::RoleUnsigned { title, .. } => write!(f, "not signed: {title}"),
            Self::SignatureInvalidated { title, reason, .. } => write!(f, "signature of {title} {reason}; sign again"),
            Self::KeyRequired { title, name, .. } => write!(f, "{title} must be signed with a key; {name} signed without one"),
            Self::DutiesNotSeparated(breach) => write!(f, "segregation of duties: {breach}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub blockers: Vec<Blocker>,
}

impl Verdict {
    pub fn is_go(&self) -> bool {
        self.blockers.is_empty()
    }
}

impl Run {
    /// The verdict of record: GO / NO-GO at the moment the run was decided (see
    /// [`Run::decided_at`]). The PDF, the Markdown export and every signature carry this one, so
    /// a record reads the same months later.
    pub fn verdict(&self) -> Verdict {
        self.verdict_at(self.decided_at())
    }

    /// The moment a run's verdict of record is taken: its latest signature, or its latest event
    /// when nobody has signed.
    pub fn decided_at(&self) -> Timestamp {
        let signed = self.signatures.iter().map(|signature| signature.at).max();
        signed.or_else(|| self.events.last().map(|event| event.at)).unwrap_or(self.created_at)
    }

    /// The moment a person looking at the run at `now` judges it by: a finalised run keeps its
    /// verdict of record; a run still open is judged by the clock, so evidence that has grown
    /// old blocks GO until the probe runs again.
    pub fn judged_at(&self, now: Timestamp) -> Timestamp {
        if self.is_final() { self.decided_at() } else { now }
    }

    /// [`Run::verdict_at`] at [`Run::judged_at`]: what the app and the library show.
    pub fn live_verdict(&self, now: Timestamp) -> Verdict {
        self.verdict_at(self.judged_at(now))
    }

    /// GO means: every required item is Done or N/A with a reason, nothing has failed, every
    /// probe behind a done item ran and is no older than the template's maximum probe age at
    /// `now`, every required field is filled and every required role has signed. Blockers come
    /// in that order, failures first because they need attention first.
    pub fn verdict_at(&self, now: Timestamp) -> Verdict {
        self.verdict_against_at(&self.signed_content_sha256(), now)
    }

    /// Hashing the run is the costly part of checking signatures: the hash callers compare
    /// signatures against, computed only when there are signatures (empty otherwise).
    pub fn signed_content_sha256(&self) -> String {
        if self.signatures.is_empty() { String::new() } else { self.content_sha256() }
    }

    /// [`Run::verdict_at`] with [`Run::signed_content_sha256`] already computed.
    pub fn verdict_against_at(&self, current: &str, now: Timestamp) -> Verdict {
        let mut failed = Vec::new();
        let mut open = Vec::new();
        let evidence = self.evidence_to_judge();
        let limit_minutes = self.template.max_probe_age_minutes;
        for (_, item) in self.template.all_items() {
            let Some(record) = self.items.get(&item.id) else { continue };
            let blocker = |make: fn(String, String) -> Blocker| make(item.id.clone(), item.text.clone());
            match &record.state {
                ItemState::Done if evidence.contains_key(item.id.as_str()) => {
                    let result = evidence[item.id.as_str()];
                    let (item, text) = (item.id.clone(), item.text.clone());
                    if result.state == ProbeState::Error {
                        let error: String = result.error.as_deref().unwrap_or("no result").chars().take(120).collect();
                        failed.push(Blocker::ProbeCouldNotRun { item, text, error });
                    } else if self.is_stale(result, now) {
                        failed.push(Blocker::ProbeStale { item, text, taken_at: result.started_at, limit_minutes });
                    }
                }
                ItemState::Failed => failed.push(blocker(|item, text| Blocker::ItemFailed { item, text })),
                ItemState::Pending if item.required => open.push(blocker(|item, text| Blocker::ItemPending { item, text })),
                ItemState::Skipped { .. } if item.required && item.kind != ItemKind::Info => {
                    open.push(blocker(|item, text| Blocker::ItemSkipped { item, text }))
                }
                _ => {}
            }
        }
        let mut blockers = failed;
        blockers.extend(open);
        for field in &self.template.fields {
            if field.required && !self.fields.contains_key(&field.id) {
                blockers.push(Blocker::FieldMissing { field: field.id.clone(), label: field.label.clone() });
            }
        }
        for role in self.roles().into_iter().filter(|role| role.required) {
            match self.role_signature_against(&role.id, current) {
                Some((_, _, status)) if status.is_valid() => {}
                Some((_, _, status)) => blockers.push(Blocker::SignatureInvalidated { role: role.id, title: role.title, reason: status.to_string() }),
                None => blockers.push(Blocker::RoleUnsigned { role: role.id, title: role.title }),
            }
        }
        for (role, name) in self.keyless_signatures() {
            blockers.push(Blocker::KeyRequired { role: role.id, title: role.title, name });
        }
        blockers.extend(self.duty_breaches().into_iter().map(Blocker::DutiesNotSeparated));
        Verdict { blockers }
    }

    /// Until when the verdict at `now` holds by the clock alone: the moment the oldest probe
    /// result behind a done item that is fresh at `now` reaches the maximum probe age; after it,
    /// that result is stale. None when no fresh result can go stale. The app redraws then.
    pub fn evidence_fresh_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.evidence_to_judge()
            .into_values()
            .filter(|result| result.state != ProbeState::Error)
            .map(|result| self.fresh_until(result))
            .filter(|until| now <= *until)
            .min()
    }

    /// Whether `result` is older at `now` than the template's maximum probe age.
    pub fn is_stale(&self, result: &ProbeResult, now: Timestamp) -> bool {
        now > self.fresh_until(result)
    }

    /// The last moment `result` is fresh: exactly the maximum probe age old.
    fn fresh_until(&self, result: &ProbeResult) -> Timestamp {
        result.started_at.plus_minutes(self.template.max_probe_age_minutes)
    }

    /// The latest probe result of each item marked done that has a probe, unless a person
    /// accepted that result: the evidence GO depends on, by item id.
    fn evidence_to_judge(&self) -> HashMap<&str, &ProbeResult> {
        let accepted = self.evidence_accepted();
        self.template
            .all_items()
            .into_iter()
            .filter(|(_, item)| item.probe.is_some() && !accepted.contains(item.id.as_str()))
            .filter(|(_, item)| matches!(self.items.get(&item.id).map(|record| &record.state), Some(ItemState::Done)))
            .filter_map(|(_, item)| self.latest_probe(&item.id).map(|result| (item.id.as_str(), result)))
            .collect()
    }

    /// Items whose latest probe result a person accepted after it came: overridden with a
    /// reason, or waived with a reason by a signer.
    fn evidence_accepted(&self) -> BTreeSet<&str> {
        let mut accepted = BTreeSet::new();
        let mut signed = 0usize;
        for event in &self.events {
            match &event.change {
                Change::ProbeResult { item, .. } => {
                    accepted.remove(item.as_str());
                }
                Change::ProbeOverride { item, .. } => {
                    accepted.insert(item.as_str());
                }
                Change::Signed { .. } => {
                    // The k-th signing event records the k-th signature.
                    let index = super::log::next(&mut signed);
                    let waivers = self.signatures.get(index).map(|signature| signature.waivers.as_slice()).unwrap_or_default();
                    accepted.extend(waivers.iter().map(|waiver| waiver.item.as_str()));
                }
                _ => {}
            }
        }
        accepted
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{FieldValue, Timestamp};

    fn run() -> Run {
        let at = Timestamp::parse("2026-11-23T10:00:00Z").unwrap();
        let values = BTreeMap::from([("release".to_string(), FieldValue::Text("1.0".into()))]);
        Run::start(crate::model::run::tests::template(), "r".into(), "alice", at, values).unwrap()
    }

    #[test]
    fn lists_failed_items_first_then_pending_then_roles() {
        let mut run = run();
        let at = run.created_at;
        run.set_state("optional", ItemState::Failed, "bob", at).unwrap();
        let blockers = run.verdict().blockers;
        assert_eq!(
            blockers,
            [
                Blocker::ItemFailed { item: "optional".into(), text: "Optional".into() },
                Blocker::ItemPending { item: "a".into(), text: "A".into() },
                Blocker::RoleUnsigned { role: "release-approver".into(), title: "Release approver".into() },
            ]
        );
        assert_eq!(blockers[1].to_string(), "not done: A");
    }

    #[test]
    fn na_with_reason_releases_a_required_item_but_skip_does_not() {
        let mut run = run();
        let at = run.created_at;
        run.set_state("a", ItemState::Skipped { reason: "later".into() }, "bob", at).unwrap();
        assert!(matches!(run.verdict().blockers[0], Blocker::ItemSkipped { .. }));
        run.set_state("a", ItemState::NotApplicable { reason: "no CDN".into() }, "bob", at).unwrap();
        let blockers = run.verdict().blockers;
        assert_eq!(blockers.len(), 1, "{blockers:?}");
        assert!(matches!(blockers[0], Blocker::RoleUnsigned { .. }));
        assert!(!run.verdict().is_go());
    }

    #[test]
    fn a_cleared_required_field_blocks() {
        let mut run = run();
        let at = run.created_at;
        run.set_field("release", FieldValue::Text(String::new()), "bob", at).unwrap();
        assert!(run.verdict().blockers.contains(&Blocker::FieldMissing { field: "release".into(), label: "RELEASE".into() }));
    }
}
