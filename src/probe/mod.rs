//! Probes: automated checks on checklist items (HTTP and multi-step HTTP flows, TLS, TCP, DNS,
//! load, WebSocket, gRPC health), the condition language they are judged by, and the runner
//! that executes them off the UI thread.

pub mod condition;
pub mod dns;
pub mod flow;
pub mod grpc;
pub mod http;
mod input;
pub mod load;
pub mod ocsp;
mod phases;
pub mod reach;
mod roots;
pub mod runner;
pub mod secrets;
mod stats;
pub mod suggest;
pub mod tcp;
pub mod tls;
pub mod websocket;

/// Why one attempt of a TLS, TCP or DNS probe measured nothing. Only a transport failure is
/// worth another attempt; a setting that cannot work fails the same way every time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttemptError {
    /// The probe's own settings are wrong: a malformed target, an unreadable CA file, an
    /// unsupported record type.
    #[error("{0}")]
    Setup(String),
    /// The way to the target failed: no address, refused, timed out, a broken handshake, no reply.
    #[error("{0}")]
    Transport(String),
}
