//! Replaying a run's event log: the run rebuilt from its log alone, event by event. Validation
//! compares the end of the replay with the run's records; the blockers a signer saw are worked
//! out again from the state just before the event that recorded the signature, so a signature
//! need only keep their count and hash.

use std::collections::BTreeMap;

use super::{Change, Event, Finalisation, ItemRecord, Run};

/// The blockers a signer saw, worked out again from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenBlockers {
    /// Their printed lines, in verdict order.
    pub lines: Vec<String>,
    /// Whether they are what the signature recorded (its list, or its count and hash). They
    /// differ when the record was altered, or when this version of Preflight judges a run by
    /// rules other than those of the version that signed it.
    pub recorded: bool,
}

impl Run {
    /// Replays the log from the run as it started, calling `before` with the state just before
    /// each event applies, and returns the state after the last. A probe result or signature an
    /// event points at that is not next in the run's lists is left out (validation names it).
    pub(crate) fn replay(&self, mut before: impl FnMut(&Run, &Event)) -> Run {
        let mut state = Run {
            format_version: self.format_version,
            id: self.id.clone(),
            created_at: self.created_at,
            created_by: self.created_by.clone(),
            template_sha256: self.template_sha256.clone(),
            template: self.template.clone(),
            fields: BTreeMap::new(),
            items: self.items.keys().map(|id| (id.clone(), ItemRecord::pending())).collect(),
            events: Vec::with_capacity(self.events.len()),
            probe_results: Vec::new(),
            signatures: Vec::new(),
            finalised: None,
        };
        for event in &self.events {
            before(&state, event);
            match &event.change {
                // A run starts once; a second start (which validation names) changes nothing.
                Change::RunStarted { fields, .. } if state.events.is_empty() => state.fields = fields.clone(),
                Change::RunStarted { .. } | Change::ProbeOverride { .. } => {}
                Change::ItemState { item, new, .. } => {
                    if let Some(record) = state.items.get_mut(item) {
                        record.state = new.clone();
                        record.by = Some(event.actor.clone());
                        record.at = Some(event.at);
                    }
                }
                Change::ItemNote { item, new, .. } => {
                    if let Some(record) = state.items.get_mut(item) {
                        record.note = new.clone();
                    }
                }
                Change::Field { field, new, .. } => match new {
                    Some(value) => drop(state.fields.insert(field.clone(), value.clone())),
                    None => drop(state.fields.remove(field)),
                },
                Change::ProbeResult { index, .. } => {
                    if *index == state.probe_results.len()
                        && let Some(result) = self.probe_results.get(*index)
                    {
                        state.probe_results.push(result.clone());
                    }
                }
                Change::Signed { index, .. } => {
                    if *index == state.signatures.len()
                        && let Some(signature) = self.signatures.get(*index)
                    {
                        state.signatures.push(signature.clone());
                    }
                }
                Change::Finalised => state.finalised = Some(Finalisation { at: event.at, by: event.actor.clone() }),
            }
            state.events.push(event.clone());
        }
        state
    }

    /// The blockers the signers of the signatures at `wanted` (indices) saw, from one pass over
    /// the log; each costs one verdict of the run as it was when they signed.
    pub fn blockers_seen(&self, wanted: &[usize]) -> BTreeMap<usize, SeenBlockers> {
        let mut seen = BTreeMap::new();
        if wanted.is_empty() {
            return seen;
        }
        self.replay(|state, event| {
            let Change::Signed { index, .. } = &event.change else { return };
            let Some(signature) = self.signatures.get(*index).filter(|_| wanted.contains(index)) else { return };
            let waived: Vec<&str> = signature.waivers.iter().map(|waiver| waiver.item.as_str()).collect();
            // Signing refuses a content hash that is not the run's, so the one recorded is the
            // hash of this state (when the file is whole), and need not be computed again.
            let verdict = state.verdict_when_signed_against(&signature.content_sha256, &signature.role, signature.at, &waived);
            let lines: Vec<String> = verdict.blockers.iter().map(ToString::to_string).collect();
            let recorded = signature.recorded_blockers(&lines) && signature.go == lines.is_empty();
            seen.insert(*index, SeenBlockers { lines, recorded });
        });
        seen
    }
}
