//! Merging two copies of one run that went separate ways: the release manager's laptop, a CI
//! job and the approvers' laptops each add events to their own copy.
//!
//! The merged log holds every event of both copies with its own hash, so every chain, signing
//! event and key signature made on either side still verifies. Its order is a function of the
//! events alone, never of which copy merges into which: an event never comes before one it
//! follows, and among events that are free to go next the earliest by time goes first (ties by
//! hash). The state is the replay of that log, so where both copies changed one thing (an
//! item's state or note, a field) the change later in the merged log holds: the one made after
//! seeing the other, or else the later by the clocks of the machines that made them. Each such
//! conflict is listed in the merge's own event (`Change::Merged`), which follows the last event
//! of each copy and is itself made the same way whichever side merges.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Change, Event, FieldValue, ProbeResult, Run, Signature, Timestamp};

/// The actor of a merge event: the merge is the same whoever makes it.
pub const MERGE_ACTOR: &str = "merge";

/// What two copies both changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConflictSubject {
    ItemState(String),
    ItemNote(String),
    Field(String),
}

impl fmt::Display for ConflictSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ItemState(item) => write!(f, "item `{item}` state"),
            Self::ItemNote(item) => write!(f, "item `{item}` note"),
            Self::Field(field) => write!(f, "field `{field}`"),
        }
    }
}

/// One copy's last change to a conflict's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictSide {
    /// The hash of the event that made the change.
    pub event: String,
    pub seq: u64,
    pub actor: String,
    pub at: Timestamp,
    /// The value it set, as the trail prints it.
    pub value: String,
}

/// Both copies changed one thing to different values; `kept` holds, `other` is what the other
/// copy had, which a person may choose instead (a new event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    pub subject: ConflictSubject,
    pub kept: ConflictSide,
    pub other: ConflictSide,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kept, other) = (&self.kept, &self.other);
        write!(
            f,
            "{}: kept {} ({}, event #{}) over {} ({}, event #{})",
            self.subject, kept.value, kept.actor, kept.seq, other.value, other.actor, other.seq
        )
    }
}

/// Which copy a merge problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Ours,
    Theirs,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ours => "our copy",
            Self::Theirs => "their copy",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("they are two different runs (`{ours}` and `{theirs}`); only copies of one run merge")]
    DifferentRuns { ours: String, theirs: String },
    #[error("the two copies froze different checklists (template {ours} and {theirs}), so they are not copies of one run")]
    DifferentTemplates { ours: String, theirs: String },
    #[error("the two copies do not begin with the same event, so they are not copies of one run")]
    NoCommonStart,
    #[error("{side} does not hold together, so nothing of it is merged: {problem}")]
    Broken { side: Side, problem: String },
    #[error(
        "{side} was finalised by {by} at {at} and takes no more changes, but the other holds {count} event(s) it does not, the first {first}; start a new run for them"
    )]
    Final { side: Side, by: String, at: Timestamp, count: usize, first: String },
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeOutcome {
    /// Our copy already held every event of theirs.
    UpToDate,
    /// Their copy held ours and `added` events more: the result is their copy.
    FastForward { added: usize },
    /// Both held events the other did not; a merge event joins them.
    Joined { ours: usize, theirs: usize, conflicts: Vec<Conflict> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub run: Run,
    pub outcome: MergeOutcome,
}

impl Merged {
    pub fn conflicts(&self) -> &[Conflict] {
        match &self.outcome {
            MergeOutcome::Joined { conflicts, .. } => conflicts,
            _ => &[],
        }
    }

    /// The events the result holds that `ours` did not, in log order.
    pub fn incoming<'a>(&'a self, ours: &Run) -> Vec<&'a Event> {
        let known: HashSet<&str> = ours.events.iter().map(|event| event.hash.as_str()).collect();
        self.run.events.iter().filter(|event| !known.contains(event.hash.as_str())).collect()
    }
}

impl Run {
    /// Merges `theirs` into `ours`. Both must be whole copies of this run; a finalised copy
    /// takes nothing new. The result does not depend on which copy is which.
    pub fn merge(ours: &Run, theirs: &Run) -> Result<Merged, MergeError> {
        if ours.id != theirs.id {
            return Err(MergeError::DifferentRuns { ours: ours.id.clone(), theirs: theirs.id.clone() });
        }
        if ours.template_sha256 != theirs.template_sha256 {
            return Err(MergeError::DifferentTemplates { ours: short(&ours.template_sha256), theirs: short(&theirs.template_sha256) });
        }
        if ours.events.first().map(|e| &e.hash) != theirs.events.first().map(|e| &e.hash) {
            return Err(MergeError::NoCommonStart);
        }
        for (side, run) in [(Side::Ours, ours), (Side::Theirs, theirs)] {
            if let Some(problem) = run.integrity_problems().into_iter().next() {
                return Err(MergeError::Broken { side, problem: problem.message });
            }
        }
        let ours_hashes: HashSet<&str> = ours.events.iter().map(|e| e.hash.as_str()).collect();
        let theirs_hashes: HashSet<&str> = theirs.events.iter().map(|e| e.hash.as_str()).collect();
        let ours_only: Vec<&Event> = ours.events.iter().filter(|e| !theirs_hashes.contains(e.hash.as_str())).collect();
        let theirs_only: Vec<&Event> = theirs.events.iter().filter(|e| !ours_hashes.contains(e.hash.as_str())).collect();
        for (side, run, incoming) in [(Side::Ours, ours, &theirs_only), (Side::Theirs, theirs, &ours_only)] {
            if let (Some(final_), Some(first)) = (&run.finalised, incoming.first()) {
                let first = format!("event #{} by {}: {}", first.seq, first.actor, run.describe_change(&first.change));
                let (by, at, count) = (final_.by.clone(), final_.at, incoming.len());
                return Err(MergeError::Final { side, by, at, count, first });
            }
        }
        if theirs_only.is_empty() {
            return Ok(Merged { run: ours.clone(), outcome: MergeOutcome::UpToDate });
        }
        if ours_only.is_empty() {
            return Ok(Merged { run: theirs.clone(), outcome: MergeOutcome::FastForward { added: theirs_only.len() } });
        }
        let run = joined(ours, theirs, &ours_only, &theirs_only);
        let outcome = MergeOutcome::Joined { ours: ours_only.len(), theirs: theirs_only.len(), conflicts: run.1 };
        Ok(Merged { run: run.0, outcome })
    }
}

impl Run {
    /// The conflicts of the run's merges that nobody has settled since: nothing changed what
    /// each is about after the merge that listed it.
    pub fn open_conflicts(&self) -> Vec<&Conflict> {
        let mut open: Vec<&Conflict> = Vec::new();
        for event in &self.events {
            match &event.change {
                Change::Merged { conflicts, .. } => {
                    open.retain(|earlier| !conflicts.iter().any(|conflict| conflict.subject == earlier.subject));
                    open.extend(conflicts);
                }
                change => {
                    if let Some((subject, _)) = subject_of(change) {
                        open.retain(|conflict| conflict.subject != subject);
                    }
                }
            }
        }
        open
    }
}

/// What came in with a merge, in a line: "probe results for 12 items from ci; 1 note from
/// alice; a signature by Sam".
pub fn describe_incoming(events: &[&Event]) -> String {
    // Per kind of change: how many, the items they touch, and who made them, in order met.
    let mut kinds: Vec<(&'static str, usize, Vec<&str>, Vec<&str>)> = Vec::new();
    for event in events {
        let (kind, actor) = match &event.change {
            Change::ProbeResult { ran_by, .. } if !ran_by.is_empty() => ("probe result", ran_by.as_str()),
            Change::ProbeResult { .. } => ("probe result", event.actor.as_str()),
            Change::ItemState { .. } => ("item state", event.actor.as_str()),
            Change::ItemNote { .. } => ("note", event.actor.as_str()),
            Change::Field { .. } => ("field value", event.actor.as_str()),
            Change::ProbeOverride { .. } => ("probe override", event.actor.as_str()),
            Change::Signed { name, .. } => ("signature", name.as_str()),
            Change::Finalised => ("finalisation", event.actor.as_str()),
            Change::RunStarted { .. } | Change::Merged { .. } => continue,
        };
        let entry = match kinds.iter_mut().position(|(k, ..)| *k == kind) {
            Some(at) => &mut kinds[at],
            None => {
                kinds.push((kind, 0, Vec::new(), Vec::new()));
                let last = kinds.len() - 1;
                &mut kinds[last]
            }
        };
        entry.1 += 1;
        if let Some(item) = event.change.item().filter(|item| !entry.2.contains(item)) {
            entry.2.push(item);
        }
        if !entry.3.contains(&actor) {
            entry.3.push(actor);
        }
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(kind, count, items, actors)| {
            let who = actors.join(", ");
            match *kind {
                "probe result" => format!("probe results for {} item{} from {who}", items.len(), if items.len() == 1 { "" } else { "s" }),
                "signature" if *count == 1 => format!("a signature by {who}"),
                "signature" => format!("{count} signatures by {who}"),
                "finalisation" => format!("the finalisation by {who}"),
                other => format!("{count} {other}{} from {who}", if *count == 1 { "" } else { "s" }),
            }
        })
        .collect();
    if parts.is_empty() { "nothing new".into() } else { parts.join("; ") }
}

/// Joins two copies that each hold events the other does not.
fn joined(ours: &Run, theirs: &Run, ours_only: &[&Event], theirs_only: &[&Event]) -> (Run, Vec<Conflict>) {
    // Every event once, with the hashes of the events it follows (from the copy that has it).
    let mut nodes: Vec<(&Event, Vec<&str>)> = parents_by_hash(ours);
    let theirs_new: HashSet<&str> = theirs_only.iter().map(|e| e.hash.as_str()).collect();
    nodes.extend(parents_by_hash(theirs).into_iter().filter(|(event, _)| theirs_new.contains(event.hash.as_str())));
    let order = merged_order(&nodes);

    let results = records_by_event(ours, theirs, |change| matches!(change, Change::ProbeResult { .. }), |run| &run.probe_results);
    let signatures = records_by_event(ours, theirs, |change| matches!(change, Change::Signed { .. }), |run| &run.signatures);
    let mut events: Vec<Event> = Vec::with_capacity(order.len() + 1);
    let (mut probe_results, mut signed): (Vec<ProbeResult>, Vec<Signature>) = (Vec::new(), Vec::new());
    let mut has_child = vec![false; nodes.len()];
    let position: HashMap<&str, usize> = nodes.iter().enumerate().map(|(at, (event, _))| (event.hash.as_str(), at)).collect();
    for &node in &order {
        let (event, parents) = &nodes[node];
        for parent in parents {
            has_child[position[parent]] = true;
        }
        let mut event = (*event).clone();
        let chain_parent = parents.first().copied();
        event.parent = chain_parent.filter(|&parent| events.last().is_none_or(|last: &Event| last.hash != parent)).map(str::to_string);
        if let Some(result) = results.get(event.hash.as_str()) {
            probe_results.push((*result).clone());
        }
        if let Some(signature) = signatures.get(event.hash.as_str()) {
            signed.push((*signature).clone());
        }
        events.push(event);
    }
    let conflicts = conflicts(&events, ours_only, theirs_only);

    let mut run = Run { events, probe_results, signatures: signed, ..ours.clone() };
    let replayed = run.replay(|_, _| {});
    (run.items, run.fields, run.finalised) = (replayed.items, replayed.fields, replayed.finalised);

    let mut heads: Vec<&Event> = order.iter().filter(|&&node| !has_child[node]).map(|&node| nodes[node].0).collect();
    heads.sort_by(|a, b| a.hash.cmp(&b.hash));
    let Some(last) = run.events.last() else { return (run, conflicts) };
    let joined: Vec<String> = heads.iter().filter(|head| head.hash != last.hash).map(|head| head.hash.clone()).collect();
    let seq = heads.iter().map(|head| head.seq).max().unwrap_or(last.seq) + 1;
    let at = heads.iter().map(|head| head.at).max().unwrap_or(last.at);
    let change = Change::Merged { joined, conflicts: conflicts.clone() };
    let hash = Event::chain_hash(Some(&last.hash), seq, &at, MERGE_ACTOR, &change);
    run.events.push(Event { seq, at, actor: MERGE_ACTOR.to_string(), change, hash, parent: None });
    (run, conflicts)
}

/// Each event of `run` with the hashes of the events it follows, its chain parent first.
fn parents_by_hash(run: &Run) -> Vec<(&Event, Vec<&str>)> {
    run.events
        .iter()
        .enumerate()
        .map(|(at, event)| {
            let previous = at.checked_sub(1).map(|before| &run.events[before]);
            let joined: &[String] = match &event.change {
                Change::Merged { joined, .. } => joined,
                _ => &[],
            };
            (event, event.chain_parent(previous).into_iter().chain(joined.iter().map(String::as_str)).collect())
        })
        .collect()
}

/// The merged log's order (indices into `nodes`): no event before one it follows; of the events
/// free to go next, the earliest by time, then by hash.
fn merged_order(nodes: &[(&Event, Vec<&str>)]) -> Vec<usize> {
    let position: HashMap<&str, usize> = nodes.iter().enumerate().map(|(at, (event, _))| (event.hash.as_str(), at)).collect();
    let mut waiting: Vec<usize> = nodes.iter().map(|(_, parents)| parents.len()).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (at, (_, parents)) in nodes.iter().enumerate() {
        for parent in parents {
            // Both copies hold together (checked before), so every parent is an event of theirs.
            if let Some(&from) = position.get(parent) {
                children[from].push(at);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(Timestamp, &str, usize)>> =
        (0..nodes.len()).filter(|&at| waiting[at] == 0).map(|at| Reverse((nodes[at].0.at, nodes[at].0.hash.as_str(), at))).collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, _, at))) = ready.pop() {
        order.push(at);
        for &child in &children[at] {
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push(Reverse((nodes[child].0.at, nodes[child].0.hash.as_str(), child)));
            }
        }
    }
    order
}

/// The record (probe result or signature) each event of either copy points at, by event hash:
/// the k-th such event of a copy records the k-th entry of its list.
fn records_by_event<'a, T>(
    ours: &'a Run,
    theirs: &'a Run,
    records: impl Fn(&Change) -> bool,
    list: impl Fn(&'a Run) -> &'a [T],
) -> HashMap<&'a str, &'a T> {
    let mut by_event = HashMap::new();
    for run in [ours, theirs] {
        let entries = list(run);
        for (event, entry) in run.events.iter().filter(|event| records(&event.change)).zip(entries) {
            by_event.entry(event.hash.as_str()).or_insert(entry);
        }
    }
    by_event
}

/// Where both copies changed one thing to different values since they parted.
fn conflicts(merged: &[Event], ours_only: &[&Event], theirs_only: &[&Event]) -> Vec<Conflict> {
    let ours_new: HashSet<&str> = ours_only.iter().map(|e| e.hash.as_str()).collect();
    let theirs_new: HashSet<&str> = theirs_only.iter().map(|e| e.hash.as_str()).collect();
    // The last change each copy made to each subject: its place in the merged log, the event
    // and the value it set. Events both copies hold are neither copy's change.
    let mut last: BTreeMap<(ConflictSubject, bool), (usize, &Event, String)> = BTreeMap::new();
    for (at, event) in merged.iter().enumerate() {
        let ours = ours_new.contains(event.hash.as_str());
        if !ours && !theirs_new.contains(event.hash.as_str()) {
            continue;
        }
        if let Some((subject, value)) = subject_of(&event.change) {
            last.insert((subject, ours), (at, event, value));
        }
    }
    let side = |(_, event, value): &(usize, &Event, String)| ConflictSide {
        event: event.hash.clone(),
        seq: event.seq,
        actor: event.actor.clone(),
        at: event.at,
        value: value.clone(),
    };
    let mut conflicts = Vec::new();
    for ((subject, ours), mine) in last.iter().filter(|((_, ours), _)| *ours) {
        let Some(theirs) = last.get(&(subject.clone(), !ours)) else { continue };
        if mine.2 == theirs.2 {
            continue;
        }
        let (kept, other) = if mine.0 > theirs.0 { (mine, theirs) } else { (theirs, mine) };
        conflicts.push(Conflict { subject: subject.clone(), kept: side(kept), other: side(other) });
    }
    conflicts
}

/// What a change sets, as a conflict's subject and the value printed.
fn subject_of(change: &Change) -> Option<(ConflictSubject, String)> {
    let printed = |value: &Option<FieldValue>| value.as_ref().map_or_else(|| "(empty)".to_string(), |v| format!("\"{v}\""));
    match change {
        Change::ItemState { item, new, .. } => Some((ConflictSubject::ItemState(item.clone()), new.to_string())),
        Change::ItemNote { item, new, .. } if new.is_empty() => Some((ConflictSubject::ItemNote(item.clone()), "(no note)".into())),
        Change::ItemNote { item, new, .. } => Some((ConflictSubject::ItemNote(item.clone()), format!("\"{new}\""))),
        Change::Field { field, new, .. } => Some((ConflictSubject::Field(field.clone()), printed(new))),
        _ => None,
    }
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
