//! Probe results as evidence in a run: recording them (a probe's verdict sets its item's state
//! as actor `probe`), and a person's state that contradicts a probe, which needs a reason.

use super::Timestamp;
use super::hash::{canonical_bytes, sha256_hex};
use super::run::{Change, ItemState, ModelError, PROBE_ACTOR, Run, checked_actor, checked_reason};
use crate::model::{ProbeResult, ProbeState};

impl Run {
    /// The newest probe result for an item.
    pub fn latest_probe(&self, item_id: &str) -> Option<&ProbeResult> {
        self.probe_results.iter().rev().find(|r| r.item == item_id)
    }

    /// Records a probe result as evidence, as actor `probe`. A pass or warning marks the item
    /// done unless a person has set its state. A failure marks it failed even when a person
    /// marked it done: the newer evidence contradicts them, and marking it done again needs an
    /// override with a reason. An item a person marked N/A or skipped keeps that state, and an
    /// error (the probe could not run) changes no state.
    pub fn record_probe(&mut self, result: ProbeResult, at: Timestamp) -> Result<(), ModelError> {
        self.record_probe_by(result, "", at)
    }

    /// [`Run::record_probe`], naming who ran the probe in the trail.
    pub fn record_probe_by(&mut self, result: ProbeResult, ran_by: &str, at: Timestamp) -> Result<(), ModelError> {
        self.refuse_if_final()?;
        let item = result.item.clone();
        let record = self.record_mut(&item)?;
        let set_by_person = record.by.as_deref().is_some_and(|by| by != PROBE_ACTOR) && record.state != ItemState::Pending;
        let set_aside = matches!(record.state, ItemState::NotApplicable { .. } | ItemState::Skipped { .. });
        let verdict = match result.state {
            ProbeState::Pass | ProbeState::Warn if !set_by_person => Some(ItemState::Done),
            ProbeState::Fail if !set_aside => Some(ItemState::Failed),
            _ => None,
        };
        let change = Change::ProbeResult {
            item: item.clone(),
            index: self.probe_results.len(),
            state: result.state,
            summary: result.summary(),
            result_sha256: sha256_hex(&canonical_bytes(&result)),
            ran_by: ran_by.trim().to_string(),
        };
        self.probe_results.push(result);
        self.append_event(PROBE_ACTOR, at, change);
        if let Some(state) = verdict {
            self.set_state(&item, state, PROBE_ACTOR, at)?;
        }
        Ok(())
    }

    /// Sets a state that disagrees with the item's latest probe, with the reason recorded.
    pub fn override_probe(&mut self, item_id: &str, new: ItemState, reason: &str, actor: &str, at: Timestamp) -> Result<(), ModelError> {
        self.refuse_if_final()?;
        let actor = checked_actor(actor)?;
        let reason = checked_reason(item_id, reason.to_string(), "override")?;
        let probe = self.latest_probe(item_id).map(|r| r.state).ok_or_else(|| ModelError::NoProbe(item_id.to_string()))?;
        let record = self.record_mut(item_id)?;
        let old = std::mem::replace(&mut record.state, new.clone());
        record.by = Some(actor.to_string());
        record.at = Some(at);
        self.append_event(actor, at, Change::ProbeOverride { item: item_id.to_string(), probe, new: new.clone(), reason });
        self.append_event(actor, at, Change::ItemState { item: item_id.to_string(), old, new });
        Ok(())
    }
}

/// Whether a person's `state` contradicts a probe's verdict: done against a failed or errored
/// probe, or failed against a passing one.
pub(super) fn probe_disagrees(probe: ProbeState, state: &ItemState) -> bool {
    match state {
        ItemState::Done => matches!(probe, ProbeState::Fail | ProbeState::Error),
        ItemState::Failed => matches!(probe, ProbeState::Pass | ProbeState::Warn),
        _ => false,
    }
}
