//! Probes: automated checks on checklist items (HTTP, TLS, TCP, DNS, load), the condition
//! language they are judged by, and the runner that executes them off the UI thread.

pub mod condition;
pub mod dns;
pub mod http;
pub mod load;
mod roots;
pub mod runner;
pub mod secrets;
pub mod spec;
mod stats;
pub mod suggest;
pub mod tcp;
pub mod tls;

pub use spec::{ConditionResult, Observed, ProbeKind, ProbeResult, ProbeSpec, ProbeState, Value};
