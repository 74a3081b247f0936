//! Probes: automated checks on checklist items (HTTP, TLS, TCP, DNS, load), the condition
//! language they are judged by, and the runner that executes them off the UI thread.

pub mod condition;
pub mod spec;

pub use spec::{ConditionResult, Observed, ProbeKind, ProbeResult, ProbeSpec, ProbeState, Value};
