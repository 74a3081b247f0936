//! Reading HTTP/1.1 requests off a connection, for the servers the probe tests and benchmarks
//! start on 127.0.0.1.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads the next request from `stream`, keeping what arrives after it in `buffer` for the next
/// call: its head (through the blank line that ends it) and its body, as long as its
/// `content-length` says (none without one). None when the peer closed or a read failed.
pub async fn read_request(stream: &mut (impl AsyncRead + Unpin), buffer: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_len]).to_string();
    let length: usize = head
        .lines()
        .find_map(|line| line.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().to_string()))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_len + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buffer[head_len..head_len + length].to_vec();
    buffer.drain(..head_len + length);
    Some((head, body))
}
