//! A run: one execution of a template, with its field values, item records and event log.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::hash::{canonical_bytes, from_hex, sha256_hex, to_hex};
use super::probe_evidence::probe_disagrees;
use super::template::{FieldKind, Placement, Role, Template};
use crate::model::{ProbeResult, ProbeState};

/// The actor recorded for changes a probe makes.
pub const PROBE_ACTOR: &str = "probe";
use super::{Field, Finalisation, Signature, Timestamp};

/// The run format this build writes and the newest it reads.
pub const RUN_FORMAT_VERSION: u32 = 1;

/// The role a run offers when its template names none, so that every run can be signed.
pub const DEFAULT_ROLE_TITLE: &str = "Release approver";

/// A filled-in field value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldValue {
    Text(String),
    Table(Vec<Vec<String>>),
}

impl FieldValue {
    pub fn is_blank(&self) -> bool {
        match self {
            Self::Text(text) => text.trim().is_empty(),
            Self::Table(rows) => rows.iter().flatten().all(|cell| cell.trim().is_empty()),
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Table(rows) => {
                let lines: Vec<String> = rows.iter().map(|row| row.join(" | ")).collect();
                f.write_str(&lines.join("; "))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemState {
    Pending,
    Done,
    Failed,
    NotApplicable { reason: String },
    Skipped { reason: String },
}

impl ItemState {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::NotApplicable { .. } => "N/A",
            Self::Skipped { .. } => "skipped",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::NotApplicable { reason } | Self::Skipped { reason } => Some(reason),
            _ => None,
        }
    }
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(reason) => write!(f, "{} ({reason})", self.label()),
            None => f.write_str(self.label()),
        }
    }
}

/// What the run knows about one actionable item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRecord {
    pub state: ItemState,
    /// Who last changed the state, and when.
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub at: Option<Timestamp>,
    #[serde(default)]
    pub note: String,
}

impl ItemRecord {
    pub(crate) fn pending() -> Self {
        Self { state: ItemState::Pending, by: None, at: None, note: String::new() }
    }
}

/// One change to a run, as recorded in its append-only log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    RunStarted {
        template_id: String,
        template_sha256: String,
        fields: BTreeMap<String, FieldValue>,
    },
    ItemState {
        item: String,
        old: ItemState,
        new: ItemState,
    },
    ItemNote {
        item: String,
        old: String,
        new: String,
    },
    Field {
        field: String,
        old: Option<FieldValue>,
        new: Option<FieldValue>,
    },
    /// A probe ran; the full result is in `Run::probe_results` at `index`, and its SHA-256 binds
    /// it to this event (times, measured values and details included).
    ProbeResult {
        item: String,
        index: usize,
        state: ProbeState,
        summary: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        result_sha256: String,
        /// Who ran it (the app's user, or the command line's); empty in runs made before this
        /// was recorded, so that their events hash as they did.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        ran_by: String,
    },
    /// A person set a state that disagrees with the item's latest probe result.
    ProbeOverride {
        item: String,
        probe: ProbeState,
        new: ItemState,
        reason: String,
    },
    /// Someone signed; the full record is in `Run::signatures` at `index`, and its SHA-256 binds
    /// it to this event.
    Signed {
        role: String,
        name: String,
        meaning: String,
        index: usize,
        signature_sha256: String,
    },
    /// The run was finalised and takes no more changes.
    Finalised,
    /// Copies of the run that went separate ways were merged: the log holds every event of each
    /// line of work with its own hash, and this event follows the last event of each line (its
    /// chain parent and `joined`, in hash order). Where both lines changed one thing, the change
    /// later in the merged log holds, and `conflicts` lists what the other line had.
    Merged {
        joined: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        conflicts: Vec<super::Conflict>,
    },
}

impl Change {
    /// Whether the change alters what `Run::content_sha256` covers, and so invalidates the
    /// signatures made before it.
    pub fn changes_content(&self) -> bool {
        !matches!(self, Self::Signed { .. } | Self::Finalised | Self::ProbeOverride { .. } | Self::RunStarted { .. } | Self::Merged { .. })
    }

    /// The item the change is about, if any.
    pub fn item(&self) -> Option<&str> {
        match self {
            Self::ItemState { item, .. } | Self::ItemNote { item, .. } | Self::ProbeResult { item, .. } | Self::ProbeOverride { item, .. } => {
                Some(item)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Change {
    /// One line, old → new, as the audit trail prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |value: &Option<FieldValue>| value.as_ref().map_or_else(|| "(empty)".to_string(), |v| format!("\"{v}\""));
        match self {
            Self::RunStarted { template_id, template_sha256, fields } => {
                write!(f, "run started from `{template_id}` (template {})", &template_sha256[..template_sha256.len().min(12)])?;
                let values: Vec<String> = fields.iter().map(|(field, value)| format!("{field} \"{value}\"")).collect();
                if !values.is_empty() {
                    write!(f, " with {}", values.join(", "))?;
                }
                Ok(())
            }
            Self::ItemState { item, old, new } => write!(f, "item `{item}`: {old} → {new}"),
            Self::ItemNote { item, old, new } if old.is_empty() => write!(f, "item `{item}`: note added \"{new}\""),
            Self::ItemNote { item, old, new } => write!(f, "item `{item}`: note \"{old}\" → \"{new}\""),
            Self::Field { field, old, new } => write!(f, "field `{field}`: {} → {}", value(old), value(new)),
            Self::ProbeResult { item, state, summary, ran_by, .. } if ran_by.is_empty() => {
                write!(f, "item `{item}`: probe {}: {summary}", state.label())
            }
            Self::ProbeResult { item, state, summary, ran_by, .. } => {
                write!(f, "item `{item}`: probe {} (run by {ran_by}): {summary}", state.label())
            }
            Self::ProbeOverride { item, probe, new, reason } => {
                write!(f, "item `{item}`: probe verdict {} overridden → {new}, because \"{reason}\"", probe.label())
            }
            Self::Signed { role, name, meaning, .. } => write!(f, "signed as `{role}` by {name}: \"{meaning}\""),
            Self::Finalised => f.write_str("run finalised"),
            Self::Merged { joined, conflicts } => {
                write!(f, "merged {} lines of work", joined.len() + 1)?;
                match conflicts.as_slice() {
                    [] => Ok(()),
                    [one] => write!(f, "; 1 conflict: {one}"),
                    many => {
                        let lines: Vec<String> = many.iter().map(ToString::to_string).collect();
                        write!(f, "; {} conflicts: {}", many.len(), lines.join("; "))
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    pub change: Change,
    /// SHA-256(previous event's hash ‖ canonical bytes of this event without its hash), in hex.
    /// The first event chains from 32 zero bytes.
    pub hash: String,
    /// The hash of the event this one follows, when that is not the event just before it in the
    /// log: in a merged log, the first event of one line of work after another line's events.
    /// Not covered by the hash, which already chains from that event's hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// The part of an event its hash covers.
#[derive(Serialize)]
struct EventBody<'a> {
    seq: u64,
    at: &'a Timestamp,
    actor: &'a str,
    change: &'a Change,
}

impl Event {
    pub(super) fn chain_hash(previous_hash: Option<&str>, seq: u64, at: &Timestamp, actor: &str, change: &Change) -> String {
        let mut hasher = Sha256::new();
        match previous_hash.and_then(from_hex) {
            Some(bytes) => hasher.update(&bytes),
            None => hasher.update([0u8; 32]),
        }
        hasher.update(canonical_bytes(&EventBody { seq, at, actor, change }));
        to_hex(&hasher.finalize())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("no item `{0}` in this checklist")]
    UnknownItem(String),
    #[error("item `{0}` is information only and has no state")]
    NotActionable(String),
    #[error("item `{item}`: {state} needs a reason; it may not be empty")]
    EmptyReason { item: String, state: &'static str },
    #[error("missing required field(s): {}", .0.join(", "))]
    MissingRequiredFields(Vec<String>),
    #[error("no field `{0}` in this checklist")]
    UnknownField(String),
    #[error("field `{field}`: {message}")]
    InvalidFieldValue { field: String, message: String },
    #[error("who made the change must be named")]
    EmptyActor,
    #[error("item `{item}`: its latest probe result is {}; marking it {wanted} overrides the probe and needs a reason", .probe.label())]
    ProbeDisagrees { item: String, probe: ProbeState, wanted: ItemState },
    #[error("item `{0}` has no probe")]
    NoProbe(String),
    #[error("this run was finalised by {by} at {at} and takes no more changes; start a new run from it instead")]
    Final { by: String, at: Timestamp },
    #[error("no role `{0}` in this checklist")]
    UnknownRole(String),
    #[error("the signature needs a {0}")]
    EmptySignatureField(&'static str),
    #[error("the run changed while signing; sign again over the current content")]
    StaleContentHash,
    #[error("not every required role holds a valid signature: {}", .0.join(", "))]
    RolesNotSigned(Vec<String>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounts {
    pub pending: usize,
    pub done: usize,
    pub failed: usize,
    pub not_applicable: usize,
    pub skipped: usize,
}

impl StateCounts {
    pub fn total(&self) -> usize {
        self.pending + self.done + self.failed + self.not_applicable + self.skipped
    }
}

/// One execution of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    pub format_version: u32,
    pub id: String,
    pub created_at: Timestamp,
    pub created_by: String,
    /// SHA-256 of the frozen template's canonical bytes.
    pub template_sha256: String,
    /// A full copy of the template as it was when the run started.
    pub template: Template,
    #[serde(default, deserialize_with = "super::unique_keys::map")]
    pub fields: BTreeMap<String, FieldValue>,
    /// One record per actionable item, keyed by item id.
    #[serde(default, deserialize_with = "super::unique_keys::map")]
    pub items: BTreeMap<String, ItemRecord>,
    #[serde(default)]
    pub events: Vec<Event>,
    /// Every probe result, in the order they were recorded; results are never removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probe_results: Vec<ProbeResult>,
    /// Every signature, in the order made; a role signed again keeps its earlier signatures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalised: Option<Finalisation>,
}

/// What a run's content hash covers: everything but the event log, the signatures and the
/// finalisation, which sign or seal the content rather than being part of it.
#[derive(Serialize)]
struct RunContent<'a> {
    id: &'a str,
    template_sha256: &'a str,
    template: &'a Template,
    fields: &'a BTreeMap<String, FieldValue>,
    items: &'a BTreeMap<String, ItemRecord>,
    probe_results: &'a [ProbeResult],
}

impl Template {
    pub fn sha256(&self) -> String {
        sha256_hex(&canonical_bytes(self))
    }
}

impl Run {
    /// Starts a run of `template`. Field values are checked against their kinds; defaults fill
    /// what is not given; a required field left empty refuses the start, naming every such field.
    pub fn start(template: Template, id: String, actor: &str, at: Timestamp, values: BTreeMap<String, FieldValue>) -> Result<Run, ModelError> {
        let actor = checked_actor(actor)?;
        let mut fields = BTreeMap::new();
        for (field_id, value) in values {
            let field = template.find_field(&field_id).ok_or_else(|| ModelError::UnknownField(field_id.clone()))?;
            if !value.is_blank() {
                check_value(field, &value)?;
                fields.insert(field_id, value);
            }
        }
        for field in &template.fields {
            if let Some(default) = &field.default {
                fields.entry(field.id.clone()).or_insert_with(|| default.clone());
            }
        }
        let missing: Vec<String> =
            template.fields.iter().filter(|field| field.required && !fields.contains_key(&field.id)).map(|field| field.label.clone()).collect();
        if !missing.is_empty() {
            return Err(ModelError::MissingRequiredFields(missing));
        }
        let items = template
            .all_items()
            .into_iter()
            .filter(|(_, item)| item.is_actionable())
            .map(|(_, item)| (item.id.clone(), ItemRecord::pending()))
            .collect();
        let template_sha256 = template.sha256();
        let mut run = Run {
            format_version: RUN_FORMAT_VERSION,
            id,
            created_at: at,
            created_by: actor.to_string(),
            template_sha256: template_sha256.clone(),
            template,
            fields,
            items,
            events: Vec::new(),
            probe_results: Vec::new(),
            signatures: Vec::new(),
            finalised: None,
        };
        let change = Change::RunStarted { template_id: run.template.id.clone(), template_sha256, fields: run.fields.clone() };
        run.append_event(actor, at, change);
        Ok(run)
    }

    /// Marks done every item whose box was ticked in the Markdown the template came from, as
    /// `actor` (such as "imported from go-live.md"): a run taken up where the file left off.
    /// Returns how many were marked.
    pub fn take_ticks(&mut self, actor: &str, at: Timestamp) -> Result<usize, ModelError> {
        let ticked: Vec<String> =
            self.template.all_items().into_iter().filter(|(_, item)| item.ticked && item.is_actionable()).map(|(_, item)| item.id.clone()).collect();
        let mut marked = 0;
        for id in ticked {
            marked += usize::from(self.set_state(&id, ItemState::Done, actor, at)?);
        }
        Ok(marked)
    }

    /// Sets an item's state. N/A and Skip need a non-blank reason. Setting the state it already
    /// has changes nothing and records nothing. Returns whether anything changed.
    pub fn set_state(&mut self, item_id: &str, new: ItemState, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        self.refuse_if_final()?;
        let actor = checked_actor(actor)?;
        let new = match new {
            ItemState::NotApplicable { reason } => ItemState::NotApplicable { reason: checked_reason(item_id, reason, "N/A")? },
            ItemState::Skipped { reason } => ItemState::Skipped { reason: checked_reason(item_id, reason, "skip")? },
            other => other,
        };
        // A person may contradict the item's probe (done against a failure, failed against a
        // pass) only through `override_probe`, with a reason.
        if actor != PROBE_ACTOR
            && let Some(probe) = self.latest_probe(item_id).map(|r| r.state)
            && probe_disagrees(probe, &new)
        {
            return Err(ModelError::ProbeDisagrees { item: item_id.to_string(), probe, wanted: new });
        }
        let record = self.record_mut(item_id)?;
        if record.state == new {
            return Ok(false);
        }
        let old = std::mem::replace(&mut record.state, new.clone());
        record.by = Some(actor.to_string());
        record.at = Some(at);
        self.append_event(actor, at, Change::ItemState { item: item_id.to_string(), old, new });
        Ok(true)
    }

    /// Sets an item's note. Returns whether anything changed.
    pub fn set_note(&mut self, item_id: &str, note: &str, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        self.refuse_if_final()?;
        let actor = checked_actor(actor)?;
        let record = self.record_mut(item_id)?;
        if record.note == note {
            return Ok(false);
        }
        let old = std::mem::replace(&mut record.note, note.to_string());
        self.append_event(actor, at, Change::ItemNote { item: item_id.to_string(), old, new: note.to_string() });
        Ok(true)
    }

    /// Sets or (with a blank value) clears a field. Returns whether anything changed.
    pub fn set_field(&mut self, field_id: &str, value: FieldValue, actor: &str, at: Timestamp) -> Result<bool, ModelError> {
        self.refuse_if_final()?;
        let actor = checked_actor(actor)?;
        let field = self.template.find_field(field_id).ok_or_else(|| ModelError::UnknownField(field_id.to_string()))?;
        let new = if value.is_blank() { None } else { Some(value) };
        if let Some(value) = &new {
            check_value(field, value)?;
        }
        let old = self.fields.get(field_id).cloned();
        if old == new {
            return Ok(false);
        }
        match &new {
            Some(value) => self.fields.insert(field_id.to_string(), value.clone()),
            None => self.fields.remove(field_id),
        };
        self.append_event(actor, at, Change::Field { field: field_id.to_string(), old, new });
        Ok(true)
    }

    pub(super) fn record_mut(&mut self, item_id: &str) -> Result<&mut ItemRecord, ModelError> {
        if !self.items.contains_key(item_id) {
            return Err(match self.template.find_item(item_id) {
                Some(_) => ModelError::NotActionable(item_id.to_string()),
                None => ModelError::UnknownItem(item_id.to_string()),
            });
        }
        self.items.get_mut(item_id).ok_or_else(|| ModelError::UnknownItem(item_id.to_string()))
    }

    pub(crate) fn append_event(&mut self, actor: &str, at: Timestamp, change: Change) {
        let seq = self.events.last().map_or(1, |last| last.seq + 1);
        let previous = self.events.last().map(|last| last.hash.as_str());
        let hash = Event::chain_hash(previous, seq, &at, actor, &change);
        self.events.push(Event { seq, at, actor: actor.to_string(), change, hash, parent: None });
    }

    /// SHA-256 of the run's canonical content: the frozen template, field values and item
    /// records. Identical after a save/load round trip.
    pub fn content_sha256(&self) -> String {
        sha256_hex(&canonical_bytes(&RunContent {
            id: &self.id,
            template_sha256: &self.template_sha256,
            template: &self.template,
            fields: &self.fields,
            items: &self.items,
            probe_results: &self.probe_results,
        }))
    }

    /// The roles that sign this run: the template's, or one default approver when it has none.
    pub fn roles(&self) -> Vec<Role> {
        if !self.template.roles.is_empty() {
            return self.template.roles.clone();
        }
        vec![Role {
            id: "release-approver".into(),
            title: DEFAULT_ROLE_TITLE.into(),
            meaning: "Approved for production".into(),
            required: true,
            placement: Placement::Footer,
            require_key: false,
            separate_from: Vec::new(),
        }]
    }

    pub fn counts(&self) -> StateCounts {
        let mut counts = StateCounts::default();
        for record in self.items.values() {
            match record.state {
                ItemState::Pending => counts.pending += 1,
                ItemState::Done => counts.done += 1,
                ItemState::Failed => counts.failed += 1,
                ItemState::NotApplicable { .. } => counts.not_applicable += 1,
                ItemState::Skipped { .. } => counts.skipped += 1,
            }
        }
        counts
    }
}

pub(super) fn checked_actor(actor: &str) -> Result<&str, ModelError> {
    let actor = actor.trim();
    if actor.is_empty() { Err(ModelError::EmptyActor) } else { Ok(actor) }
}

pub(super) fn checked_reason(item: &str, reason: String, state: &'static str) -> Result<String, ModelError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        return Err(ModelError::EmptyReason { item: item.to_string(), state });
    }
    Ok(trimmed.to_string())
}

impl Field {
    /// Checks a non-blank value against this field's kind.
    pub fn check(&self, value: &FieldValue) -> Result<(), ModelError> {
        check_value(self, value)
    }
}

/// Checks a non-blank value against its field's kind.
pub(crate) fn check_value(field: &Field, value: &FieldValue) -> Result<(), ModelError> {
    let invalid = |message: String| ModelError::InvalidFieldValue { field: field.id.clone(), message };
    match (&field.kind, value) {
        (FieldKind::Table { columns }, FieldValue::Table(rows)) => match rows.iter().position(|row| row.len() != columns.len()) {
            Some(row) => Err(invalid(format!("row {} has {} cells; the table has {} columns", row + 1, rows[row].len(), columns.len()))),
            None => Ok(()),
        },
        (FieldKind::Table { .. }, FieldValue::Text(_)) => Err(invalid("expected a table, found text".into())),
        (_, FieldValue::Table(_)) => Err(invalid("expected text, found a table".into())),
        (FieldKind::Number { .. }, FieldValue::Text(text)) => match text.trim().parse::<f64>() {
            Ok(number) if number.is_finite() => Ok(()),
            _ => Err(invalid(format!("`{text}` is not a number"))),
        },
        (FieldKind::Date, FieldValue::Text(text)) => match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(_) => Ok(()),
            Err(_) => Err(invalid(format!("`{text}` is not a date written YYYY-MM-DD"))),
        },
        (FieldKind::Text | FieldKind::MultiLine, FieldValue::Text(_)) => Ok(()),
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
pub(crate) mod tests;
