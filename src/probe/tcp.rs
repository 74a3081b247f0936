//! TCP probes: is the port open, and (with `send`) what does it answer: enough for a Redis
//! `PING` → `+PONG`.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::model::{IpVersion, Observed, ProbeSpec, Value};

use super::AttemptError;

/// The most of a reply kept.
const MAX_REPLY_BYTES: usize = 4096;

/// `\r`, `\n`, `\t` and `\\` escapes in the text to send.
pub(crate) fn unescape(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.extend(c.to_string().as_bytes());
            continue;
        }
        match chars.next() {
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some(other) => out.extend(other.to_string().as_bytes()),
            None => out.push(b'\\'),
        }
    }
    out
}

/// Resolves `host:port` to addresses of the wanted IP version.
pub async fn addresses(target: &str, version: IpVersion) -> Result<Vec<std::net::SocketAddr>, String> {
    let all: Vec<_> = tokio::net::lookup_host(target).await.map_err(|e| format!("{target}: cannot resolve: {e}"))?.collect();
    let wanted: Vec<_> = all
        .into_iter()
        .filter(|a| match version {
            IpVersion::Auto => true,
            IpVersion::V4 => a.is_ipv4(),
            IpVersion::V6 => a.is_ipv6(),
        })
        .collect();
    if wanted.is_empty() {
        return Err(format!("{target}: no {} address", version.label()));
    }
    Ok(wanted)
}

/// Connects and, when asked, talks. A refused or timed-out connection is a measurement
/// (`connected == false`), not an error; a name that does not resolve is an error. Every error
/// is on the way to the target, so worth a retry.
pub async fn run_tcp(spec: &ProbeSpec, target: &str) -> Result<Observed, AttemptError> {
    let mut observed = Observed::default();
    let addresses = addresses(target, spec.ip_version).await.map_err(AttemptError::Transport)?;
    let started = Instant::now();
    let connect = tokio::time::timeout(Duration::from_millis(spec.connect_timeout_ms), TcpStream::connect(&addresses[..])).await;
    let mut stream = match connect {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            observed.values.insert("connected".into(), Value::Bool(false));
            observed.values.insert("connect_error".into(), Value::Text(err.to_string()));
            return Ok(observed);
        }
        Err(_) => {
            observed.values.insert("connected".into(), Value::Bool(false));
            observed.values.insert("connect_error".into(), Value::Text(format!("no answer within {} ms", spec.connect_timeout_ms)));
            return Ok(observed);
        }
    };
    observed.values.insert("connected".into(), Value::Bool(true));
    if let Ok(address) = stream.peer_addr() {
        observed.values.insert("address".into(), Value::Text(address.to_string()));
        observed.values.insert("ip".into(), Value::Text(address.ip().to_string()));
    }
    if !spec.send.is_empty() {
        stream.write_all(&unescape(&spec.send)).await.map_err(|e| AttemptError::Transport(format!("{target}: cannot send: {e}")))?;
        let mut reply = vec![0u8; MAX_REPLY_BYTES];
        let remaining = Duration::from_millis(spec.timeout_ms).saturating_sub(started.elapsed());
        match tokio::time::timeout(remaining, stream.read(&mut reply)).await {
            Ok(Ok(read)) => {
                let text = String::from_utf8_lossy(&reply[..read]).trim_end().to_string();
                observed.values.insert("reply".into(), Value::Text(text));
            }
            Ok(Err(err)) => return Err(AttemptError::Transport(format!("{target}: cannot read the reply: {err}"))),
            // No reply in time: `reply` stays missing, so a condition on it fails and says so.
            Err(_) => {}
        }
    }
    observed.values.insert("response_time".into(), Value::Duration(started.elapsed().as_secs_f64() * 1000.0));
    Ok(observed)
}
