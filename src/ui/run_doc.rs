//! The open run and its view state: selection, filter, search, collapsed sections, undo, and
//! the flat list of rows the run view draws. Nothing here draws; it is tested without egui.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::model::{Change, ItemKind, ItemState, ModelError, Run, StateCounts, Timestamp, Verdict};

mod rows;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Pending,
    Failed,
    Required,
}

impl Filter {
    pub const ALL: [Filter; 4] = [Self::All, Self::Pending, Self::Failed, Self::Required];

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Pending => "Pending",
            Self::Failed => "Failed",
            Self::Required => "Required",
        }
    }
}

/// One line of the run view. Rows have one height, so that only the visible ones are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Section { id: String, title: String, depth: usize, settled: usize, total: usize, collapsed: bool },
    Item { id: String, depth: usize, kind: ItemKind, number: Option<usize>, required: bool },
}

/// A state change that undo can take back.
#[derive(Debug, Clone)]
struct UndoEntry {
    item: String,
    previous: ItemState,
}

/// The cached GO / NO-GO of the open run.
struct Summary {
    verdict: Verdict,
    counts: StateCounts,
    /// The verdict holds until then; after it a probe result is stale and it is computed again.
    fresh_until: Option<Timestamp>,
}

/// The open run and its view state. The fields are private: every change to the run goes
/// through a method here, which clears the caches the change makes stale.
pub struct RunDoc {
    run: Run,
    path: PathBuf,
    selected: Option<String>,
    filter: Filter,
    search: String,
    collapsed: HashSet<String>,
    /// A row to scroll to on the next frame.
    scroll_to: Option<usize>,
    /// The rows visible in the last frame, to scroll only when the selection leaves them.
    visible_rows: std::ops::Range<usize>,
    /// What is being typed into each field, by field id, until it is committed.
    field_drafts: HashMap<String, String>,
    /// The verdict and counts, and until when the verdict holds by the clock.
    summary: Option<Summary>,
    rows: Vec<Row>,
    /// The row of each item shown, built with the rows, so that finding the selection's row
    /// does not walk them.
    row_of_item: HashMap<String, usize>,
    rows_stale: bool,
    undo: Vec<UndoEntry>,
    /// State changes taken back by undo, newest last; a new change clears them.
    redo: Vec<UndoEntry>,
    /// Item text by id, for search and display without walking the template.
    texts: HashMap<String, String>,
    /// Kind, required flag and probe by item id, for the same reason.
    facts: HashMap<String, (ItemKind, bool)>,
    probes: HashMap<String, crate::model::ProbeSpec>,
    /// The indices in `run.probe_results` of each item's results, oldest first.
    item_results: HashMap<String, Vec<usize>>,
    /// The indices in `run.events` of the events about each item, and the event count they
    /// were made for: moving the selection then costs the item's own history, not the log's.
    item_events: (usize, HashMap<String, Vec<usize>>),
    /// The selected item's history lines, and the item and event count they were made for.
    history: Option<(String, usize, Vec<String>)>,
    /// Each role and its current signature, computed once per change.
    role_lines: Option<Vec<RoleLine>>,
    /// [`Run::signed_content_sha256`], computed once per change.
    content_sha256: Option<String>,
    /// The merge conflicts nobody has settled, computed once per change.
    conflicts: Option<Vec<crate::model::Conflict>>,
    /// What verification found when the run was opened.
    verification: Option<crate::signoff::Report>,
    /// Whose keys made the signatures the file held when it was opened, by signature index.
    trust: Result<Vec<crate::signoff::Trust>, String>,
}

/// A role of the run and the signature that counts for it.
#[derive(Debug, Clone)]
pub struct RoleLine {
    pub role: crate::model::Role,
    pub signature: Option<(crate::model::Signature, crate::model::SignatureStatus)>,
    /// What the record says about who signed: rules broken, signing as someone else.
    pub notes: Vec<crate::signoff::SignerNote>,
}

impl RunDoc {
    pub fn new(run: Run, path: PathBuf) -> RunDoc {
        let texts = run.template.all_items().into_iter().map(|(_, i)| (i.id.clone(), i.text.clone())).collect();
        let facts = run.template.all_items().into_iter().map(|(_, i)| (i.id.clone(), (i.kind, i.required))).collect();
        let probes = run.template.all_items().into_iter().filter_map(|(_, i)| i.probe.as_deref().map(|p| (i.id.clone(), p.clone()))).collect();
        let mut doc = RunDoc {
            run,
            path,
            selected: None,
            filter: Filter::All,
            search: String::new(),
            collapsed: HashSet::new(),
            scroll_to: None,
            visible_rows: 0..0,
            field_drafts: HashMap::new(),
            summary: None,
            rows: Vec::new(),
            row_of_item: HashMap::new(),
            rows_stale: true,
            undo: Vec::new(),
            redo: Vec::new(),
            texts,
            facts,
            probes,
            item_results: HashMap::new(),
            item_events: (0, HashMap::new()),
            history: None,
            role_lines: None,
            content_sha256: None,
            conflicts: None,
            verification: None,
            trust: Ok(Vec::new()),
        };
        doc.invalidate();
        doc.selected = doc.rows().iter().find_map(|row| match row {
            Row::Item { id, kind, .. } if *kind != ItemKind::Info => Some(id.clone()),
            _ => None,
        });
        doc
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    /// Where the run is saved.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Selects an item where it is, without scrolling (a click on its row).
    pub fn set_selected(&mut self, item: String) {
        self.selected = Some(item);
    }

    pub fn filter(&self) -> Filter {
        self.filter
    }

    pub fn set_filter(&mut self, filter: Filter) {
        if self.filter != filter {
            self.filter = filter;
            self.rows_stale = true;
        }
    }

    pub fn search(&self) -> &str {
        &self.search
    }

    pub fn set_search(&mut self, search: String) {
        if self.search != search {
            self.search = search;
            self.rows_stale = true;
        }
    }

    pub fn is_collapsed(&self, section: &str) -> bool {
        self.collapsed.contains(section)
    }

    /// Opens a collapsed section, or collapses an open one.
    pub fn toggle_section(&mut self, section: &str) {
        if !self.collapsed.remove(section) {
            self.collapsed.insert(section.to_string());
        }
        self.rows_stale = true;
    }

    /// The row to scroll to this frame, once.
    pub fn take_scroll_to(&mut self) -> Option<usize> {
        self.scroll_to.take()
    }

    pub fn visible_rows(&self) -> std::ops::Range<usize> {
        self.visible_rows.clone()
    }

    pub fn set_visible_rows(&mut self, rows: std::ops::Range<usize>) {
        self.visible_rows = rows;
    }

    /// What is being typed into each field, by field id (a table cell by `field/row/column`).
    pub fn field_drafts_mut(&mut self) -> &mut HashMap<String, String> {
        &mut self.field_drafts
    }

    pub fn verification(&self) -> Option<&crate::signoff::Report> {
        self.verification.as_ref()
    }

    pub fn trust(&self) -> &Result<Vec<crate::signoff::Trust>, String> {
        &self.trust
    }

    pub fn set_trust(&mut self, trust: Result<Vec<crate::signoff::Trust>, String>) {
        self.trust = trust;
    }

    pub fn set_verification(&mut self, verification: Option<crate::signoff::Report>) {
        self.verification = verification;
    }

    /// Sets an item's note; returns whether anything changed.
    pub fn set_note(&mut self, item: &str, note: &str, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        let changed = self.run.set_note(item, note, actor, at)?;
        if changed {
            self.invalidate();
        }
        Ok(changed)
    }

    /// Sets a release field; returns whether anything changed.
    pub fn set_field(&mut self, field: &str, value: crate::model::FieldValue, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        let changed = self.run.set_field(field, value, actor, at)?;
        if changed {
            self.invalidate();
        }
        Ok(changed)
    }

    pub fn record_probe(&mut self, result: crate::model::ProbeResult, ran_by: &str, at: Timestamp) -> Result<(), ModelError> {
        let recorded = self.run.record_probe_by(result, ran_by, at);
        self.invalidate();
        recorded
    }

    pub fn override_probe(&mut self, item: &str, state: ItemState, reason: &str, actor: &str, at: Timestamp) -> Result<(), ModelError> {
        let changed = self.run.override_probe(item, state, reason, actor, at);
        self.invalidate();
        changed
    }

    /// The merge conflicts nobody has settled since the merge that listed them.
    pub fn open_conflicts(&mut self) -> &[crate::model::Conflict] {
        let run = &self.run;
        self.conflicts.get_or_insert_with(|| run.open_conflicts().into_iter().cloned().collect())
    }

    /// Takes in the run merged with what others wrote to its file: the same run with more
    /// events. The view (selection, filter, search, folded sections) stays; undo starts afresh,
    /// since what it would take back may since have been changed by someone else.
    pub fn replace_run(&mut self, run: Run) {
        self.run = run;
        self.undo.clear();
        self.redo.clear();
        self.item_events = (0, HashMap::new());
        self.history = None;
        self.invalidate();
    }

    /// Any other change to the run (signing, finalising), after which every cache is rebuilt.
    pub fn edit<R>(&mut self, change: impl FnOnce(&mut Run) -> R) -> R {
        let result = change(&mut self.run);
        self.invalidate();
        result
    }

    pub fn text(&self, item: &str) -> &str {
        self.texts.get(item).map_or("", String::as_str)
    }

    /// An item's kind and whether it is required.
    pub fn facts(&self, item: &str) -> Option<(ItemKind, bool)> {
        self.facts.get(item).copied()
    }

    /// The changes to one item, newest first, as lines for the detail panel; rebuilt only when
    /// the item or the event log changes.
    pub fn history(&mut self, item: &str) -> &[String] {
        let events = self.run.events.len();
        let stale = self.history.as_ref().is_none_or(|(id, count, _)| id != item || *count != events);
        if stale {
            if self.item_events.0 != events {
                let mut by_item: HashMap<String, Vec<usize>> = HashMap::new();
                for (at, event) in self.run.events.iter().enumerate() {
                    if let Some(id) = event.change.item() {
                        by_item.entry(id.to_string()).or_default().push(at);
                    }
                }
                self.item_events = (events, by_item);
            }
            let indices = self.item_events.1.get(item).map_or(&[][..], Vec::as_slice);
            // After a merge two events can share a number; the line of work tells them apart,
            // as in the PDF's trail. Worked out only for a log that holds a merge.
            let merged = self.run.events.iter().any(|event| matches!(event.change, Change::Merged { .. }));
            let labels = if merged { self.run.line_labels() } else { Vec::new() };
            let lines = indices
                .iter()
                .rev()
                .filter_map(|&at| self.run.events.get(at).map(|event| (at, event)))
                .filter_map(|(at, event)| {
                    let line = match &event.change {
                        Change::ItemState { item: id, old, new } if id == item => format!("{old} → {new}"),
                        Change::ItemNote { item: id, .. } if id == item => "note edited".to_string(),
                        Change::ProbeResult { item: id, state, summary, ran_by, .. } if id == item && !ran_by.is_empty() => {
                            format!("probe result: {} — {summary} (run by {ran_by})", state.label())
                        }
                        Change::ProbeResult { item: id, state, summary, .. } if id == item => format!("probe result: {} — {summary}", state.label()),
                        Change::ProbeOverride { item: id, probe, new, reason } if id == item => {
                            format!("probe {} overridden → {new}: {reason}", probe.label())
                        }
                        _ => return None,
                    };
                    let number = match labels.get(at).and_then(Option::as_deref) {
                        Some(label) => format!("{} {label}", event.seq),
                        None => event.seq.to_string(),
                    };
                    Some(format!("#{number} {} · {} · {line}", event.at.as_datetime().format("%Y-%m-%d %H:%M:%S"), event.actor))
                })
                .collect();
            self.history = Some((item.to_string(), self.run.events.len(), lines));
        }
        self.history.as_ref().map_or(&[], |(_, _, lines)| lines.as_slice())
    }

    /// Marks the rows for rebuilding after the run or the view changed.
    fn invalidate(&mut self) {
        self.rows_stale = true;
        self.summary = None;
        self.role_lines = None;
        self.content_sha256 = None;
        self.conflicts = None;
        self.item_results.clear();
        for (at, result) in self.run.probe_results.iter().enumerate() {
            self.item_results.entry(result.item.clone()).or_default().push(at);
        }
    }

    /// The item's probe, if it has one.
    pub fn probe(&self, item: &str) -> Option<&crate::model::ProbeSpec> {
        self.probes.get(item)
    }

    /// Items with a probe, in document order.
    pub fn probed_items(&self) -> Vec<String> {
        self.run.template.all_items().into_iter().filter(|(_, i)| i.probe.is_some()).map(|(_, i)| i.id.clone()).collect()
    }

    /// The item's newest probe result.
    pub fn latest_probe(&self, item: &str) -> Option<&crate::model::ProbeResult> {
        self.item_results.get(item).and_then(|results| results.last()).and_then(|&at| self.run.probe_results.get(at))
    }

    /// The item's probe results, oldest first.
    pub fn probe_results(&self, item: &str) -> impl DoubleEndedIterator<Item = &crate::model::ProbeResult> {
        self.item_results.get(item).into_iter().flatten().filter_map(|&at| self.run.probe_results.get(at))
    }

    /// GO / NO-GO at `now` and the state counts, computed once per change, or when a probe
    /// result grows older than the template allows, rather than every frame.
    pub fn summary(&mut self, now: Timestamp) -> (&Verdict, &StateCounts) {
        let Self { run, summary, content_sha256, .. } = self;
        if summary.as_ref().is_some_and(|cached| cached.fresh_until.is_some_and(|until| now > until)) {
            *summary = None;
        }
        let cached = summary.get_or_insert_with(|| {
            let current = content_sha256.get_or_insert_with(|| run.signed_content_sha256());
            let fresh_until = if run.is_final() { None } else { run.evidence_fresh_until(now) };
            Summary { verdict: run.verdict_against_at(current, run.judged_at(now)), counts: run.counts(), fresh_until }
        });
        (&cached.verdict, &cached.counts)
    }

    /// When the verdict next changes by the clock alone (a probe result going stale), if the
    /// run is open and its verdict has been computed.
    pub fn verdict_changes_at(&self) -> Option<Timestamp> {
        self.summary.as_ref().and_then(|cached| cached.fresh_until)
    }

    /// The roles and their signatures; one content hash for all of them, once per change.
    pub fn role_lines(&mut self) -> &[RoleLine] {
        let Self { run, role_lines, content_sha256, .. } = self;
        role_lines.get_or_insert_with(|| {
            let current = content_sha256.get_or_insert_with(|| run.signed_content_sha256());
            let notes = crate::signoff::signer_notes(run);
            run.roles()
                .into_iter()
                .map(|role| {
                    let signature = run.role_signature_against(&role.id, current).map(|(_, s, status)| (s.clone(), status));
                    let notes = notes.iter().filter(|note| note.role == role.id).cloned().collect();
                    RoleLine { role, signature, notes }
                })
                .collect()
        })
    }

    /// Changes an item's state and remembers the previous one for undo.
    pub fn set_state(&mut self, item: &str, state: ItemState, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        let previous = self.run.items.get(item).map(|r| r.state.clone());
        let changed = self.run.set_state(item, state, actor, at)?;
        if changed && let Some(previous) = previous {
            self.undo.push(UndoEntry { item: item.to_string(), previous });
            self.redo.clear();
            self.invalidate();
        }
        Ok(changed)
    }

    /// Takes back the last state change by recording the previous state as a new change: the
    /// audit trail keeps both. Returns the item, or None when there is nothing to undo.
    pub fn undo(&mut self, actor: &str, at: Timestamp) -> Result<Option<String>, ModelError> {
        let Some(entry) = self.undo.pop() else { return Ok(None) };
        let undone = self.run.items.get(&entry.item).map(|r| r.state.clone());
        if let Err(err) = self.run.set_state(&entry.item, entry.previous.clone(), actor, at) {
            self.undo.push(entry);
            return Err(err);
        }
        if let Some(undone) = undone {
            self.redo.push(UndoEntry { item: entry.item.clone(), previous: undone });
        }
        self.invalidate();
        self.selected = Some(entry.item.clone());
        Ok(Some(entry.item))
    }

    /// Makes again the state change undone last, as a new change in the trail. Returns the
    /// item, or None when there is nothing to redo.
    pub fn redo(&mut self, actor: &str, at: Timestamp) -> Result<Option<String>, ModelError> {
        let Some(entry) = self.redo.pop() else { return Ok(None) };
        let previous = self.run.items.get(&entry.item).map(|r| r.state.clone());
        if let Err(err) = self.run.set_state(&entry.item, entry.previous.clone(), actor, at) {
            self.redo.push(entry);
            return Err(err);
        }
        if let Some(previous) = previous {
            self.undo.push(UndoEntry { item: entry.item.clone(), previous });
        }
        self.invalidate();
        self.selected = Some(entry.item.clone());
        Ok(Some(entry.item))
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The roles whose current signature holds now, as "QA Lead (Dana Whitfield)": the ones a
    /// change to the run's content would invalidate.
    pub fn signatures_a_change_invalidates(&mut self) -> Vec<String> {
        self.role_lines()
            .iter()
            .filter_map(|line| {
                let (signature, status) = line.signature.as_ref()?;
                status.is_valid().then(|| format!("{} ({})", line.role.title, signature.name))
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "run_doc_tests.rs"]
mod tests;
