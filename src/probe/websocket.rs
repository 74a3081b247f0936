//! WebSocket probes: connect to a `ws://` or `wss://` URL (over the probe's own TCP and TLS
//! settings: CA file, client certificate, waived check), complete the upgrade with the probe's
//! headers, optionally send `send` as a text message, and wait for the first message back.
//! Observed: `connected`, `status` (101 on a completed upgrade), `reply` (the first text or
//! binary message, cut to 1 KiB), `response_time` (to the reply, or to the upgrade when nothing
//! was sent) and `ip`.

use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::AttemptError;
use crate::model::{Observed, ProbeSpec, Value};

/// The most of a reply kept.
const MAX_REPLY_BYTES: usize = 1024;

/// Runs a WebSocket probe on `url` (secrets resolved) with the resolved `headers`.
pub async fn run_websocket(spec: &ProbeSpec, url: &str, headers: &[(String, String)]) -> Result<Observed, AttemptError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| AttemptError::Setup(format!("`{url}` is not a URL: {e}")))?;
    let secure = match parsed.scheme() {
        "ws" => false,
        "wss" => true,
        other => return Err(AttemptError::Setup(format!("a WebSocket probe needs a ws:// or wss:// URL, not {other}://"))),
    };
    let host = parsed.host_str().ok_or_else(|| AttemptError::Setup(format!("`{url}` has no host")))?.trim_matches(['[', ']']).to_string();
    let port = parsed.port_or_known_default().unwrap_or(if secure { 443 } else { 80 });
    let mut request = url.into_client_request().map_err(|e| AttemptError::Setup(format!("`{url}`: {e}")))?;
    for (name, value) in headers {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| AttemptError::Setup(format!("header {name}: {e}")))?;
        let value = reqwest::header::HeaderValue::from_str(value).map_err(|e| AttemptError::Setup(format!("header {name}: {e}")))?;
        request.headers_mut().insert(name, value);
    }

    let begun = Instant::now();
    let total = Duration::from_millis(spec.timeout_ms);
    // The upgrade is an HTTP/1.1 request: HTTP/2 is not offered.
    let exchange = async {
        let (stream, address) = super::reach::open(spec, url, &host, port, secure, &[b"http/1.1"]).await?;
        exchange(spec, url, request, stream, begun).await.map(|observed| (observed, address))
    };
    let (mut observed, address) = tokio::time::timeout(total, exchange)
        .await
        .map_err(|_| AttemptError::Transport(format!("{url}: no answer within {} ms", spec.timeout_ms)))??;
    if let Some(address) = address {
        observed.values.insert("address".into(), Value::Text(address.to_string()));
        observed.values.insert("ip".into(), Value::Text(address.ip().to_string()));
    }
    Ok(observed)
}

/// The upgrade, the message sent and the first message back, on an open connection.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    spec: &ProbeSpec,
    url: &str,
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    stream: S,
    begun: Instant,
) -> Result<Observed, AttemptError> {
    use tokio_tungstenite::tungstenite::Error;
    let mut observed = Observed::default();
    let (mut socket, response) = match tokio_tungstenite::client_async(request, stream).await {
        Ok(done) => done,
        // The server answered, but not with an upgrade: that is what it said, not a failure to run.
        Err(Error::Http(response)) => {
            observed.values.insert("connected".into(), Value::Bool(false));
            observed.values.insert("status".into(), Value::Number(f64::from(response.status().as_u16())));
            return Ok(observed);
        }
        Err(e) => return Err(AttemptError::Transport(format!("{url}: the WebSocket upgrade failed: {e}"))),
    };
    observed.values.insert("connected".into(), Value::Bool(true));
    observed.values.insert("status".into(), Value::Number(f64::from(response.status().as_u16())));
    if spec.send.is_empty() {
        observed.values.insert("response_time".into(), Value::Duration(begun.elapsed().as_secs_f64() * 1000.0));
        let _ = socket.close(None).await;
        return Ok(observed);
    }
    let message = String::from_utf8_lossy(&super::tcp::unescape(&spec.send)).into_owned();
    socket.send(Message::text(message)).await.map_err(|e| AttemptError::Transport(format!("{url}: sending failed: {e}")))?;
    while let Some(message) = socket.next().await {
        let reply = match message.map_err(|e| AttemptError::Transport(format!("{url}: the connection broke: {e}")))? {
            Message::Text(text) => text.as_str().to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        observed.values.insert("response_time".into(), Value::Duration(begun.elapsed().as_secs_f64() * 1000.0));
        let cut: String = reply.char_indices().take_while(|(at, _)| *at < MAX_REPLY_BYTES).map(|(_, c)| c).collect();
        observed.values.insert("reply".into(), Value::Text(cut));
        break;
    }
    let _ = socket.close(None).await;
    Ok(observed)
}
