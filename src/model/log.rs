//! The shape of a run's event log: which events each event follows. A log written on one
//! machine is a line, each event following the one before it. A merge of two copies keeps every
//! event of both with its own hash, so an event may follow one further back (`Event::parent`),
//! and the merge's own event (`Change::Merged`) follows the last event of every line it joins.

use std::collections::HashMap;

use super::{Change, Event, Run};

/// Why a log does not hold together, naming the first event at fault by its sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogBreak {
    /// The event's hash, sequence number or the events it follows do not check out: it was
    /// changed, removed or inserted.
    Broken(u64),
    /// No later event follows this one although it is not the last: a line of work that no
    /// merge joined.
    Unjoined(u64),
}

/// For each event (by position), the positions of the events it follows, its chain parent first.
#[derive(Debug, Clone)]
pub(crate) struct LogShape {
    pub parents: Vec<Vec<usize>>,
    /// The first position whose chain parent is not the event just before it. Before it the log
    /// is a line, so every earlier event is an ancestor of each event.
    pub first_branch: Option<usize>,
}

/// Where the log forked and where a merge joined it again, for `verify` and the PDF to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    /// The last event every joined line shares (0 when they share none, which a valid log of one
    /// run never shows).
    pub after_seq: u64,
    /// Each line of work since then: how many events, and who made them.
    pub lines: Vec<ForkLine>,
    /// The merge event that joined them.
    pub joined_seq: u64,
    pub conflicts: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkLine {
    pub events: usize,
    pub actors: Vec<String>,
}

impl std::fmt::Display for Fork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|line| {
                let noun = if line.events == 1 { "event" } else { "events" };
                format!("{} {noun} by {}", line.events, line.actors.join(", "))
            })
            .collect();
        write!(f, "forked after event #{}: {}; joined by event #{}", self.after_seq, lines.join(" and "), self.joined_seq)?;
        match self.conflicts {
            0 => Ok(()),
            1 => write!(f, " with 1 conflict"),
            n => write!(f, " with {n} conflicts"),
        }
    }
}

/// Counts one more of something, answering the count before: the place of the k-th
/// probe result or signing event.
pub(crate) fn next(count: &mut usize) -> usize {
    *count += 1;
    *count - 1
}

impl Event {
    /// The hash this event chains from: its `parent`, or else the hash of the event before it.
    pub(crate) fn chain_parent<'a>(&'a self, previous: Option<&'a Event>) -> Option<&'a str> {
        self.parent.as_deref().or(previous.map(|event| event.hash.as_str()))
    }
}

impl Run {
    /// Checks that every event's hash follows from the events it follows, and that every line of
    /// work ends in the log's last event; returns the first event at fault.
    pub fn verify_chain(&self) -> Result<(), u64> {
        self.log_shape().map(drop).map_err(|problem| match problem {
            LogBreak::Broken(seq) | LogBreak::Unjoined(seq) => seq,
        })
    }

    /// The events each event follows, after checking every hash and sequence number.
    pub(crate) fn log_shape(&self) -> Result<LogShape, LogBreak> {
        let mut position: HashMap<&str, usize> = HashMap::with_capacity(self.events.len());
        let mut parents = Vec::with_capacity(self.events.len());
        let mut followed = vec![false; self.events.len()];
        let mut first_branch = None;
        for (index, event) in self.events.iter().enumerate() {
            let previous = index.checked_sub(1).map(|before| &self.events[before]);
            let chain_parent = event.chain_parent(previous);
            let joined: &[String] = match &event.change {
                Change::Merged { joined, .. } => joined,
                _ => &[],
            };
            let broken = LogBreak::Broken(event.seq);
            let mut own = Vec::with_capacity(1 + joined.len());
            for hash in chain_parent.into_iter().chain(joined.iter().map(String::as_str)) {
                let &at = position.get(hash).ok_or(broken)?;
                if own.contains(&at) {
                    return Err(broken);
                }
                own.push(at);
            }
            if own.first().is_some_and(|&first| first + 1 != index) && first_branch.is_none() {
                first_branch = Some(index);
            }
            let expected_seq = own.iter().map(|&at| self.events[at].seq).max().map_or(1, |seq| seq + 1);
            let expected = Event::chain_hash(chain_parent, event.seq, &event.at, &event.actor, &event.change);
            if event.seq != expected_seq || event.hash != expected || position.insert(&event.hash, index).is_some() {
                return Err(broken);
            }
            for &at in &own {
                followed[at] = true;
            }
            parents.push(own);
        }
        let last = followed.len().saturating_sub(1);
        if let Some(unjoined) = followed[..last].iter().position(|followed| !followed) {
            return Err(LogBreak::Unjoined(self.events[unjoined].seq));
        }
        Ok(LogShape { parents, first_branch })
    }

    /// Where the log forked and joined, one entry per merge event; empty for a log that is a
    /// line, or one that does not hold together.
    pub fn forks(&self) -> Vec<Fork> {
        let Ok(shape) = self.log_shape() else { return Vec::new() };
        let mut forks = Vec::new();
        for (index, event) in self.events.iter().enumerate() {
            let Change::Merged { conflicts, .. } = &event.change else { continue };
            let (last_shared, own_events) = shape.joined_lines(index);
            let after_seq = last_shared.map_or(0, |at| self.events[at].seq);
            let lines = own_events
                .iter()
                .map(|own| {
                    let own: Vec<&Event> = own.iter().map(|&at| &self.events[at]).collect();
                    let mut actors: Vec<String> = Vec::new();
                    for event in &own {
                        if !actors.contains(&event.actor) {
                            actors.push(event.actor.clone());
                        }
                    }
                    ForkLine { events: own.len(), actors }
                })
                .collect();
            forks.push(Fork { after_seq, lines, joined_seq: event.seq, conflicts: conflicts.len() });
        }
        forks
    }

    /// For each event (by position), the line of work it was made on when a merge joined it
    /// ("A", "B", … in the order the lines began; "2A" and on from a run's second merge), so that
    /// a trail can tell apart two events with one number. None on the shared line.
    pub fn line_labels(&self) -> Vec<Option<String>> {
        let mut labels = vec![None; self.events.len()];
        let Ok(shape) = self.log_shape() else { return labels };
        let mut merges = 0;
        for (index, event) in self.events.iter().enumerate() {
            if !matches!(event.change, Change::Merged { .. }) {
                continue;
            }
            merges += 1;
            let (_, own) = shape.joined_lines(index);
            for (letter, line) in ('A'..='Z').zip(&own) {
                let label = if merges == 1 { letter.to_string() } else { format!("{merges}{letter}") };
                for &at in line {
                    labels[at].get_or_insert_with(|| label.clone());
                }
            }
        }
        labels
    }
}

impl LogShape {
    /// The lines of work the merge event at `index` joins: the last event they all share (none
    /// when they share none), and each line's own events since then, by position, the line that
    /// began first first.
    pub(crate) fn joined_lines(&self, index: usize) -> (Option<usize>, Vec<Vec<usize>>) {
        let lines: Vec<Vec<bool>> = self.parents[index].iter().map(|&head| self.ancestors_and_self(head)).collect();
        let common: Vec<bool> = (0..index).map(|at| lines.iter().all(|line| line.get(at).copied().unwrap_or(false))).collect();
        let mut own: Vec<Vec<usize>> =
            lines.iter().map(|line| line.iter().enumerate().filter(|&(at, &inside)| inside && !common[at]).map(|(at, _)| at).collect()).collect();
        own.sort_by_key(|line| line.first().copied());
        (common.iter().rposition(|&shared| shared), own)
    }

    /// Which events (by position, up to and including `index`) `index` follows, directly or not.
    pub(crate) fn ancestors_and_self(&self, index: usize) -> Vec<bool> {
        let mut inside = vec![false; index + 1];
        if self.first_branch.is_none_or(|first| index < first) {
            inside.fill(true);
            return inside;
        }
        let mut stack = vec![index];
        while let Some(at) = stack.pop() {
            if std::mem::replace(&mut inside[at], true) {
                continue;
            }
            stack.extend(self.parents[at].iter().copied().filter(|&parent| !inside[parent]));
        }
        inside
    }
}
