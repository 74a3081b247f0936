//! gRPC health probes: one `grpc.health.v1.Health/Check` call over HTTP/2, to `grpc://host:port`
//! (HTTP/2 without TLS, as gRPC servers inside a cluster speak it) or `grpcs://host:port` (TLS
//! with ALPN `h2` and the probe's TLS settings). The request names `grpc_service` (empty: the
//! server as a whole) and carries the probe's headers as metadata. Observed: `grpc.status`
//! (`SERVING`, `NOT_SERVING`, `UNKNOWN`, `SERVICE_UNKNOWN`), `grpc.code` (the call's
//! `grpc-status`: 0 OK, 5 NOT_FOUND for a service the server does not know, 12 UNIMPLEMENTED
//! without a health service), `grpc.message`, `response_time` and `ip`.
//!
//! The messages are two fields of protobuf, written and read here rather than generated.

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};

use super::AttemptError;
use crate::model::{Observed, ProbeSpec, Value};

/// The largest health answer read; a real one is a few bytes.
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Runs a gRPC health check on `url` (secrets resolved) with the resolved `headers` as metadata.
pub async fn run_grpc(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Observed, AttemptError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| AttemptError::Setup(format!("`{url}` is not a URL: {e}")))?;
    let secure = match parsed.scheme() {
        "grpc" => false,
        "grpcs" => true,
        other => return Err(AttemptError::Setup(format!("a gRPC probe needs a grpc:// or grpcs:// URL, not {other}://"))),
    };
    let host = parsed.host_str().ok_or_else(|| AttemptError::Setup(format!("`{url}` has no host")))?.trim_matches(['[', ']']).to_string();
    let port = parsed.port().unwrap_or(if secure { 443 } else { 80 });
    let authority = format!("{}:{port}", parsed.host_str().unwrap_or_default());
    let begun = Instant::now();
    let call = async {
        let (stream, address) = super::reach::open(spec, url, &host, port, secure, &[b"h2"]).await?;
        let origin = format!("{}://{authority}", if secure { "https" } else { "http" });
        check(spec, url, &origin, headers, stream).await.map(|observed| (observed, address))
    };
    let (mut observed, address) = tokio::time::timeout(Duration::from_millis(spec.timeout_ms), call)
        .await
        .map_err(|_| AttemptError::Transport(format!("{url}: no answer within {} ms", spec.timeout_ms)))??;
    observed.values.insert("response_time".into(), Value::Duration(begun.elapsed().as_secs_f64() * 1000.0));
    if let Some(address) = address {
        observed.values.insert("address".into(), Value::Text(address.to_string()));
        observed.values.insert("ip".into(), Value::Text(address.ip().to_string()));
    }
    Ok(observed)
}

/// The call itself, on an open connection.
async fn check<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    spec: &ProbeSpec,
    url: &str,
    origin: &str,
    headers: &[(String, String)],
    io: S,
) -> Result<Observed, AttemptError> {
    let broke = |e: h2::Error| AttemptError::Transport(format!("{url}: the HTTP/2 connection failed: {e}"));
    let (client, connection) = h2::client::handshake(io).await.map_err(broke)?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut client = client.ready().await.map_err(broke)?;
    let mut request = http::Request::post(format!("{origin}/grpc.health.v1.Health/Check"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("user-agent", concat!("preflight/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        request = request.header(name.to_ascii_lowercase(), value);
    }
    let request = request.body(()).map_err(|e| AttemptError::Setup(format!("{url}: {e}")))?;
    let (answer, mut send) = client.send_request(request, false).map_err(broke)?;
    send.send_data(frame(&health_request(&spec.grpc_service)).into(), true).map_err(broke)?;
    let answer = answer.await.map_err(broke)?;
    let (head, mut body) = answer.into_parts();
    let mut observed = Observed::default();
    let http_status = head.status.as_u16();
    if http_status != 200 {
        observed.values.insert("grpc.message".into(), Value::Text(format!("HTTP {http_status}: not a gRPC answer")));
        return Ok(observed);
    }
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(broke)?;
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
        if data.len() > MAX_ANSWER_BYTES {
            return Err(AttemptError::Transport(format!("{url}: the health answer is larger than {} KB", MAX_ANSWER_BYTES / 1024)));
        }
    }
    let trailers = body.trailers().await.map_err(broke)?;
    // A call that fails at once ("trailers-only") says its status in the head.
    let status_of = |map: &http::HeaderMap| map.get("grpc-status").and_then(|v| v.to_str().ok()?.parse::<u32>().ok());
    let code = trailers.as_ref().and_then(status_of).or_else(|| status_of(&head.headers));
    let message = trailers.as_ref().and_then(|t| t.get("grpc-message")).or_else(|| head.headers.get("grpc-message"));
    if let Some(code) = code {
        observed.values.insert("grpc.code".into(), Value::Number(f64::from(code)));
    }
    if let Some(message) = message.and_then(|m| m.to_str().ok()).filter(|m| !m.is_empty()) {
        observed.values.insert("grpc.message".into(), Value::Text(percent_decoded(message)));
    }
    if code == Some(0)
        && let Some(status) = unframe(&data).map(health_status)
    {
        observed.values.insert("grpc.status".into(), Value::Text(status.into()));
    }
    Ok(observed)
}

/// `HealthCheckRequest { string service = 1; }`.
fn health_request(service: &str) -> Vec<u8> {
    if service.is_empty() {
        return Vec::new();
    }
    let mut message = vec![0x0A];
    push_varint(&mut message, service.len() as u64);
    message.extend_from_slice(service.as_bytes());
    message
}

/// The name of `HealthCheckResponse.status` (field 1, an enum) in `message`; a message without
/// it holds the default, `UNKNOWN`.
fn health_status(message: &[u8]) -> &'static str {
    let mut at = 0;
    while at < message.len() {
        let Some((key, next)) = varint(message, at) else { break };
        at = next;
        match (key >> 3, key & 7) {
            (1, 0) => {
                let Some((value, _)) = varint(message, at) else { break };
                return match value {
                    1 => "SERVING",
                    2 => "NOT_SERVING",
                    3 => "SERVICE_UNKNOWN",
                    _ => "UNKNOWN",
                };
            }
            // Skip what later versions may add.
            (_, 0) => match varint(message, at) {
                Some((_, next)) => at = next,
                None => break,
            },
            (_, 2) => match varint(message, at) {
                Some((length, next)) => at = next.saturating_add(usize::try_from(length).unwrap_or(usize::MAX)),
                None => break,
            },
            (_, 1) => at += 8,
            (_, 5) => at += 4,
            _ => break,
        }
    }
    "UNKNOWN"
}

/// A gRPC message on the wire: not compressed, its length, the message.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = vec![0];
    framed.extend_from_slice(&u32::try_from(message.len()).unwrap_or(u32::MAX).to_be_bytes());
    framed.extend_from_slice(message);
    framed
}

/// The first message of a gRPC body, when it is whole and not compressed.
fn unframe(data: &[u8]) -> Option<&[u8]> {
    let (&compressed, rest) = data.split_first()?;
    let length = usize::try_from(u32::from_be_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
    (compressed == 0).then_some(())?;
    rest.get(4..4 + length)
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint(data: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(at)?;
        at += 1;
        value |= u64::from(byte & 0x7F) << shift;
        if byte < 0x80 {
            return Some((value, at));
        }
    }
    None
}

/// `grpc-message` is percent-encoded on the wire.
fn percent_decoded(message: &str) -> String {
    percent_encoding::percent_decode_str(message).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_messages_are_the_protobuf_grpc_expects() {
        assert_eq!(health_request(""), Vec::<u8>::new());
        assert_eq!(health_request("orders"), b"\x0a\x06orders");
        assert_eq!(frame(b"\x0a\x06orders"), b"\x00\x00\x00\x00\x08\x0a\x06orders");
        assert_eq!(unframe(b"\x00\x00\x00\x00\x02\x08\x01"), Some(&b"\x08\x01"[..]));
        assert_eq!(health_status(b"\x08\x01"), "SERVING");
        assert_eq!(health_status(b"\x08\x02"), "NOT_SERVING");
        assert_eq!(health_status(b""), "UNKNOWN");
        // An unknown field before the status is skipped.
        assert_eq!(health_status(b"\x12\x02ab\x08\x03"), "SERVICE_UNKNOWN");
    }
}
