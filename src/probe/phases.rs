//! An HTTP probe's connection phases: how long the DNS lookup, the TCP connect and the TLS
//! handshake of its newest connection took (`time.dns`, `time.connect`, `time.tls`). reqwest
//! reports none of them, so they are read at moments it passes through code of ours:
//!
//! - the lookup starts and ends in our resolver ([`super::http`]'s `TimedResolver`);
//! - a connection is asked for and is ready (TCP, TLS and all) around reqwest's connector, in
//!   [`ConnectLayer`];
//! - the TLS handshake starts when rustls asks the session store for a ticket to resume with,
//!   which it does as it writes its ClientHello, right after the TCP connect ([`TimingStore`]).
//!
//! A connection reused from the pool has no phases; a redirect to another host makes a new
//! connection, and its phases are the ones kept.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;

/// The moments of the newest connection, as they were passed.
#[derive(Debug, Default)]
struct Marks {
    dns: Option<(Instant, Instant)>,
    tls_start: Option<Instant>,
    connection: Option<(Instant, Instant)>,
}

/// What one probe run's connections passed through; shared by its resolver, connector layer and
/// session store.
#[derive(Debug, Default)]
pub struct Phases(Mutex<Marks>);

/// The phases of a connection, as conditions see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timings {
    pub dns: Option<Duration>,
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
}

impl Phases {
    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A lookup that began at `started` has just ended.
    pub fn looked_up(&self, started: Instant) {
        self.marks().dns = Some((started, Instant::now()));
    }

    /// The phases of the newest connection: the lookup (when it was looked up by name), the TCP
    /// connect from the lookup's end (or from the request for a connection, for an address) to
    /// the handshake's start, and the handshake from there until the connection was ready. A
    /// plain connection's connect lasts until it was ready, and it has no TLS phase.
    pub fn timings(&self) -> Timings {
        let marks = self.marks();
        let dns = marks.dns.map(|(start, end)| end - start);
        let Some((asked, ready)) = marks.connection else { return Timings { dns, ..Timings::default() } };
        // The lookup of this connection, not of an earlier one.
        let tcp_start = marks.dns.map(|(_, end)| end).filter(|end| *end >= asked && *end <= ready).unwrap_or(asked);
        match marks.tls_start.filter(|start| *start >= tcp_start && *start <= ready) {
            Some(tls_start) => Timings { dns, connect: Some(tls_start - tcp_start), tls: Some(ready - tls_start) },
            None => Timings { dns, connect: Some(ready - tcp_start), tls: None },
        }
    }
}

/// A layer around reqwest's connector that marks when each connection is asked for and ready.
#[derive(Clone)]
pub struct ConnectLayer(pub Arc<Phases>);

impl<S> tower_layer::Layer<S> for ConnectLayer {
    type Service = TimedConnect<S>;

    fn layer(&self, inner: S) -> TimedConnect<S> {
        TimedConnect { inner, phases: self.0.clone() }
    }
}

/// reqwest's connector, marked by [`ConnectLayer`].
#[derive(Clone)]
pub struct TimedConnect<S> {
    inner: S,
    phases: Arc<Phases>,
}

impl<S, R> tower_service::Service<R> for TimedConnect<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let asked = Instant::now();
        let connecting = self.inner.call(request);
        let phases = self.phases.clone();
        Box::pin(async move {
            let connected = connecting.await;
            if connected.is_ok() {
                phases.marks().connection = Some((asked, Instant::now()));
            }
            connected
        })
    }
}

/// rustls's own session cache, which marks the start of each handshake: rustls looks for a
/// ticket in it first thing as it writes a ClientHello.
#[derive(Debug)]
pub struct TimingStore {
    inner: ClientSessionMemoryCache,
    phases: Arc<Phases>,
}

impl TimingStore {
    pub fn new(phases: Arc<Phases>) -> TimingStore {
        TimingStore { inner: ClientSessionMemoryCache::new(32), phases }
    }
}

impl ClientSessionStore for TimingStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: rustls::NamedGroup) {
        self.inner.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.inner.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.inner.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.inner.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(&self, server_name: ServerName<'static>, value: Tls13ClientSessionValue) {
        self.inner.insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(&self, server_name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.phases.marks().tls_start = Some(Instant::now());
        self.inner.take_tls13_ticket(server_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64) -> Instant {
        base + Duration::from_millis(ms)
    }

    #[test]
    fn the_connect_runs_from_the_lookups_end_to_the_handshakes_start() {
        let base = Instant::now();
        let phases = Phases::default();
        *phases.marks() =
            Marks { dns: Some((at(base, 0), at(base, 5))), tls_start: Some(at(base, 12)), connection: Some((at(base, 1), at(base, 40))) };
        let timings = phases.timings();
        assert_eq!(timings.dns, Some(Duration::from_millis(5)));
        assert_eq!(timings.connect, Some(Duration::from_millis(7)));
        assert_eq!(timings.tls, Some(Duration::from_millis(28)));
    }

    #[test]
    fn an_address_has_no_lookup_and_a_plain_connection_no_handshake() {
        let base = Instant::now();
        let phases = Phases::default();
        // The lookup of an earlier connection, and the handshake of an earlier one too.
        *phases.marks() =
            Marks { dns: Some((at(base, 0), at(base, 2))), tls_start: Some(at(base, 3)), connection: Some((at(base, 10), at(base, 14))) };
        let timings = phases.timings();
        assert_eq!((timings.connect, timings.tls), (Some(Duration::from_millis(4)), None));
        assert_eq!(Phases::default().timings(), Timings::default());
    }
}
