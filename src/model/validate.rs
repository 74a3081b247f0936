//! Structural checks of templates and runs, beyond what the file format itself enforces.

use std::collections::{HashMap, HashSet};

use super::Item;

use super::{Change, ItemState, LogBreak, Placement, Run, SignatureStatus, Template};

/// One thing wrong with a document. `anchor` is text to find in the file (with which
/// occurrence, counting from 0) so that the store can report a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub anchor: Option<(String, usize)>,
}

impl Problem {
    fn at(message: String, needle: String, occurrence: usize) -> Self {
        Self { message, anchor: Some((needle, occurrence)) }
    }
}

/// Reports each id used more than once, anchored at its second use.
fn duplicate_ids<'a>(kind: &str, ids: impl Iterator<Item = &'a str>, problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for id in ids {
        let count = seen.entry(id).or_default();
        *count += 1;
        if *count == 2 {
            problems.push(Problem::at(format!("{kind} id `{id}` is used more than once"), format!("\"{id}\""), 1));
        }
    }
}

impl Template {
    /// Problems that make a template unusable: empty title, empty or duplicate ids, empty item
    /// text, fields and roles placed in sections that do not exist.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.title.trim().is_empty() {
            problems.push(Problem::at("the checklist has no title".into(), "title".into(), 0));
        }
        let items = self.all_items();
        let sections = self.all_sections();
        let ids = items
            .iter()
            .map(|(_, item)| item.id.as_str())
            .chain(sections.iter().map(|(_, s)| s.id.as_str()))
            .chain(self.fields.iter().map(|f| f.id.as_str()))
            .chain(self.roles.iter().map(|r| r.id.as_str()));
        for id in ids.filter(|id| id.trim().is_empty()) {
            problems.push(Problem::at(format!("an id is empty: `{id}`"), "id: \"\"".into(), 0));
        }
        duplicate_ids("item", items.iter().map(|(_, item)| item.id.as_str()), &mut problems);
        duplicate_ids("section", sections.iter().map(|(_, s)| s.id.as_str()), &mut problems);
        duplicate_ids("field", self.fields.iter().map(|f| f.id.as_str()), &mut problems);
        duplicate_ids("role", self.roles.iter().map(|r| r.id.as_str()), &mut problems);
        if let Some(item) = self.too_deep_item() {
            let message = format!("item `{}` is nested more than {} levels deep", item.id, super::MAX_ITEM_DEPTH);
            problems.push(Problem::at(message, format!("\"{}\"", item.id), 0));
        }
        if let Some((_, section)) = sections.iter().find(|(depth, _)| *depth >= super::MAX_SECTION_DEPTH) {
            let message = format!("section `{}` is nested more than {} levels deep", section.id, super::MAX_SECTION_DEPTH);
            problems.push(Problem::at(message, format!("\"{}\"", section.id), 0));
        }
        for (_, item) in &items {
            if item.text.trim().is_empty() {
                problems.push(Problem::at(format!("item `{}` has no text", item.id), format!("\"{}\"", item.id), 0));
            }
        }
        // Looked up once per placement and per separation: sets, so that a template with many
        // sections and roles is checked in time linear in its size.
        let role_ids: HashSet<&str> = self.roles.iter().map(|r| r.id.as_str()).collect();
        for role in &self.roles {
            for other in &role.separate_from {
                if *other == role.id {
                    problems.push(Problem::at(format!("role `{}` is to be separate from itself", role.id), format!("\"{other}\""), 0));
                } else if !role_ids.contains(other.as_str()) {
                    problems.push(Problem::at(
                        format!("role `{}` is to be separate from role `{other}`, which does not exist", role.id),
                        format!("\"{other}\""),
                        0,
                    ));
                }
            }
        }
        let section_ids: HashSet<&str> = sections.iter().map(|(_, s)| s.id.as_str()).collect();
        let placements = self.fields.iter().map(|f| (&f.id, &f.placement)).chain(self.roles.iter().map(|r| (&r.id, &r.placement)));
        for (id, placement) in placements {
            if let Placement::Section(section) = placement
                && !section_ids.contains(section.as_str())
            {
                problems.push(Problem::at(format!("`{id}` is placed in section `{section}`, which does not exist"), format!("\"{section}\""), 0));
            }
        }
        problems
    }
}

impl Run {
    /// Problems that make a run unusable: a broken template, item records that do not match the
    /// template's items, N/A or skip without a reason.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = self.template.problems();
        let items = self.template.all_items();
        for (_, item) in items.iter().filter(|(_, item)| item.is_actionable()) {
            if !self.items.contains_key(&item.id) {
                problems.push(Problem::at(format!("item `{}` has no record in this run", item.id), format!("\"{}\"", item.id), 0));
            }
        }
        let by_id: HashMap<&str, &Item> = items.iter().map(|(_, item)| (item.id.as_str(), *item)).collect();
        for (id, record) in &self.items {
            match by_id.get(id.as_str()) {
                None => problems.push(Problem::at(format!("record for `{id}`, which is not an item of this checklist"), format!("\"{id}\""), 0)),
                Some(item) if !item.is_actionable() => {
                    problems.push(Problem::at(format!("record for `{id}`, which is information only"), format!("\"{id}\""), 0))
                }
                Some(_) => {}
            }
            if let ItemState::NotApplicable { reason } | ItemState::Skipped { reason } = &record.state
                && reason.trim().is_empty()
            {
                problems.push(Problem::at(format!("item `{id}` is {} without a reason", record.state.label()), "reason: \"".into(), 0));
            }
        }
        problems
    }

    /// Evidence of tampering: a template that no longer matches its recorded hash, or a broken
    /// event chain.
    pub fn integrity_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.template.sha256() != self.template_sha256 {
            problems.push(Problem::at(
                "the frozen template does not match its recorded SHA-256: it was changed after the run started".into(),
                "template_sha256".into(),
                0,
            ));
        }
        match self.log_shape() {
            Ok(_) => {}
            Err(LogBreak::Broken(seq)) => problems.push(Problem::at(
                format!("the event log is broken at event {seq}: an event was changed, removed or inserted"),
                format!("seq: {seq}"),
                0,
            )),
            Err(LogBreak::Unjoined(seq)) => problems.push(Problem::at(
                format!("the event log forks at event {seq} into a line of work that no merge joins: events were inserted"),
                format!("seq: {seq}"),
                0,
            )),
        }
        problems.extend(self.replay_problems());
        let current = if self.signatures.is_empty() { String::new() } else { self.content_sha256() };
        for index in 0..self.signatures.len() {
            if let SignatureStatus::Broken { reason } = self.signature_status_against(index, &current) {
                let name = &self.signatures[index].name;
                problems.push(Problem::at(format!("the signature of {name}: {reason}"), format!("\"{name}\""), 0));
            }
        }
        problems
    }

    /// Replays the event log and compares the result with the run's records: an item state,
    /// note, field value, probe result or finalisation that no event explains was edited in the
    /// file.
    fn replay_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut mismatch = |message: String, needle: String| problems.push(Problem::at(message, needle, 0));
        match self.events.first() {
            Some(first) if matches!(first.change, Change::RunStarted { .. }) => {
                if first.actor != self.created_by || first.at != self.created_at {
                    mismatch("who started the run, or when, differs from the first event".into(), "created_by".into());
                }
            }
            _ => mismatch("the event log does not begin with the run's start".into(), "events".into()),
        }
        let (mut probes, mut signatures) = (0usize, 0usize);
        let first_branch = self.log_shape().ok().and_then(|shape| shape.first_branch).unwrap_or(usize::MAX);
        let replayed = self.replay(|state, event| {
            let past_branch = state.events.len() >= first_branch;
            // Nothing may follow the seal, and a run starts once.
            if state.finalised.is_some() {
                mismatch(format!("event #{} comes after the run was finalised", event.seq), format!("seq: {}", event.seq));
            }
            match &event.change {
                Change::RunStarted { .. } if !state.events.is_empty() => {
                    mismatch(format!("event #{} starts the run again", event.seq), format!("seq: {}", event.seq));
                }
                Change::RunStarted { template_sha256, .. } if *template_sha256 != self.template_sha256 => {
                    mismatch("the template hash differs from the one the run started with".into(), "template_sha256".into());
                }
                Change::ProbeResult { item, index, state: probe, summary, result_sha256, .. } => {
                    let recorded = self.probe_results.get(probes);
                    // Files written before results carried their hash are checked by summary.
                    let same =
                        |r: &crate::model::ProbeResult| result_sha256.is_empty() || *result_sha256 == super::sha256_hex(&super::canonical_bytes(r));
                    // On a line of the log the index is the result's place. After a merge it is
                    // the place the copy that ran the probe gave it, and the hash binds the result.
                    let placed = *index == probes || (past_branch && !result_sha256.is_empty());
                    let matches = placed && recorded.is_some_and(|r| r.item == *item && r.state == *probe && r.summary() == *summary && same(r));
                    if !matches {
                        mismatch(format!("probe result {index} for `{item}` differs from what event #{} recorded", event.seq), format!("\"{item}\""));
                    }
                    probes += 1;
                }
                Change::Signed { .. } => signatures += 1,
                _ => {}
            }
        });
        for (id, record) in &self.items {
            if replayed.items.get(id) != Some(record) {
                mismatch(format!("the record of item `{id}` differs from what the event log recorded"), format!("\"{id}\""));
            }
        }
        if replayed.fields != self.fields {
            mismatch("the field values differ from what the event log recorded".into(), "fields".into());
        }
        if probes != self.probe_results.len() {
            mismatch(format!("{} probe results, but the event log records {probes}", self.probe_results.len()), "probe_results".into());
        }
        if signatures != self.signatures.len() {
            mismatch(format!("{} signatures, but the event log records {signatures}", self.signatures.len()), "signatures".into());
        }
        if replayed.finalised != self.finalised {
            mismatch("the finalisation differs from what the event log recorded".into(), "finalised".into());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Item, ItemKind};

    #[test]
    fn duplicate_and_empty_ids_are_problems() {
        let mut template = crate::model::run::tests::template();
        template.sections[0].items.push(Item::new("a", "Again", ItemKind::Check));
        template.sections[0].items.push(Item::new("b", "  ", ItemKind::Check));
        let problems = template.problems();
        assert!(problems.iter().any(|p| p.message == "item id `a` is used more than once"), "{problems:?}");
        assert!(problems.iter().any(|p| p.message == "item `b` has no text"), "{problems:?}");
    }

    #[test]
    fn a_clean_template_has_no_problems() {
        assert_eq!(crate::model::run::tests::template().problems(), []);
    }
}
