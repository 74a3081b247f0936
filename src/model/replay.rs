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
    /// each event applies, and returns the state after the last. The k-th probe result event
    /// records `probe_results[k]` and the k-th `Signed` event `signatures[k]`, by their place in
    /// the log (validation checks that they match).
    pub(crate) fn replay(&self, before: impl FnMut(&Run, &Event)) -> Run {
        self.replay_within(None, before)
    }

    /// [`Run::replay`] of only the events `within` marks (by position): in a merged log, the
    /// events one person's copy held at some moment. Results and signatures still pair with
    /// events by their place in the whole log.
    pub(crate) fn replay_within(&self, within: Option<&[bool]>, mut before: impl FnMut(&Run, &Event)) -> Run {
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
        let (mut probes, mut signed) = (0usize, 0usize);
        for (position, event) in self.events.iter().enumerate() {
            let place = match &event.change {
                Change::ProbeResult { .. } => Some(super::log::next(&mut probes)),
                Change::Signed { .. } => Some(super::log::next(&mut signed)),
                _ => None,
            };
            if within.is_some_and(|marked| !marked.get(position).copied().unwrap_or(false)) {
                continue;
            }
            before(&state, event);
            match &event.change {
                // A run starts once; a second start (which validation names) changes nothing.
                Change::RunStarted { fields, .. } if state.events.is_empty() => state.fields = fields.clone(),
                Change::RunStarted { .. } | Change::ProbeOverride { .. } | Change::Merged { .. } => {}
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
                Change::ProbeResult { .. } => {
                    if let Some(result) = place.and_then(|k| self.probe_results.get(k)) {
                        state.probe_results.push(result.clone());
                    }
                }
                Change::Signed { .. } => {
                    if let Some(signature) = place.and_then(|k| self.signatures.get(k)) {
                        state.signatures.push(signature.clone());
                    }
                }
                Change::Finalised => state.finalised = Some(Finalisation { at: event.at, by: event.actor.clone() }),
            }
            state.events.push(event.clone());
        }
        state
    }

    /// The position in the log of each `Signed` event, by signature index.
    pub(crate) fn signed_positions(&self) -> Vec<usize> {
        self.events.iter().enumerate().filter(|(_, event)| matches!(event.change, Change::Signed { .. })).map(|(at, _)| at).collect()
    }

    /// The blockers the signers of the signatures at `wanted` (indices) saw. Signed on a line of
    /// the log, they come from one pass over it; each costs one verdict of the run as it was when
    /// they signed. Signed on one line of a merged log, each replays the events its signer's copy
    /// held.
    pub fn blockers_seen(&self, wanted: &[usize]) -> BTreeMap<usize, SeenBlockers> {
        let mut seen = BTreeMap::new();
        if wanted.is_empty() {
            return seen;
        }
        let shape = self.log_shape().ok();
        let first_branch = shape.as_ref().and_then(|shape| shape.first_branch).unwrap_or(usize::MAX);
        let positions = self.signed_positions();
        let on_line = |index: &usize| positions.get(*index).is_some_and(|&at| at < first_branch);
        let (line, branched): (Vec<usize>, Vec<usize>) = wanted.iter().copied().partition(on_line);
        if !line.is_empty() {
            let mut signed = 0usize;
            self.replay(|state, event| {
                let Change::Signed { .. } = &event.change else { return };
                let index = super::log::next(&mut signed);
                if let Some(signature) = self.signatures.get(index).filter(|_| line.contains(&index)) {
                    seen.insert(index, state.seen_by(signature));
                }
            });
        }
        for index in branched {
            let (Some(shape), Some(signature), Some(&at)) = (&shape, self.signatures.get(index), positions.get(index)) else { continue };
            let mut held = shape.ancestors_and_self(at);
            held.pop();
            let state = self.replay_within(Some(&held), |_, _| {});
            seen.insert(index, state.seen_by(signature));
        }
        seen
    }

    /// What `signature`'s signer saw, this being the run just before they signed.
    fn seen_by(&self, signature: &super::Signature) -> SeenBlockers {
        let waived: Vec<&str> = signature.waivers.iter().map(|waiver| waiver.item.as_str()).collect();
        // Signing refuses a content hash that is not the run's, so the one recorded is the hash
        // of this state (when the file is whole), and need not be computed again.
        let verdict = self.verdict_when_signed_against(&signature.content_sha256, &signature.role, signature.at, &waived);
        let lines: Vec<String> = verdict.blockers.iter().map(ToString::to_string).collect();
        let recorded = signature.recorded_blockers(&lines) && signature.go == lines.is_empty();
        SeenBlockers { lines, recorded }
    }
}
