//! Plain data and rules: templates, runs, item states, events, probe specs and results, GO / NO-GO
//! and hashing.
//!
//! Nothing here does I/O, reads the clock or spawns anything; callers pass the time in.

mod duties;
mod edit;
mod hash;
mod id;
mod log;
mod merge;
mod probe;
mod probe_evidence;
mod replay;
mod run;
mod signature;
mod template;
mod time;
mod unique_keys;
mod validate;
mod verdict;

pub use duties::{DutyBreach, SharedSigner, same_name, same_person};
pub use edit::{Direction, Edit, EditError};
pub use hash::{canonical_bytes, from_hex, sha256_hex, to_hex};
pub use id::{IdAllocator, slug};
pub use log::{Fork, ForkLine, LogBreak};
pub use merge::{Conflict, ConflictSide, ConflictSubject, MERGE_ACTOR, MergeError, MergeOutcome, Merged, Side, describe_incoming};
pub use probe::{
    CertificateInfo, ConditionResult, HttpStep, IpVersion, Observed, ProbeKind, ProbeResult, ProbeSpec, ProbeState, StepResult, Value,
    format_duration,
};
pub use replay::SeenBlockers;
pub use run::{Change, DEFAULT_ROLE_TITLE, Event, FieldValue, ItemRecord, ItemState, ModelError, PROBE_ACTOR, RUN_FORMAT_VERSION, Run, StateCounts};
pub use signature::{BlockersSeen, ChangeRef, Finalisation, KeyAlgorithm, KeySignature, Signature, SignatureStatus, Stroke, Waiver};
pub use template::{
    DEFAULT_MAX_PROBE_AGE_MINUTES, Field, FieldKind, InfoStyle, Item, ItemKind, MAX_ITEM_DEPTH, MAX_SECTION_DEPTH, Placement, Role, Section,
    TEMPLATE_FORMAT_VERSION, Template, TemplateCounts,
};
pub use time::Timestamp;
pub use validate::Problem;
pub use verdict::{Blocker, Verdict};

/// A small template for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn test_template() -> Template {
    run::tests::template()
}
