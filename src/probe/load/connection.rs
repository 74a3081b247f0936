//! One load connection (its bytes are a `reach::Stream`, plain TCP or TLS) and the HTTP/1.1 exchange on it:
//! the request written with one call, the answer parsed in place with `httparse`.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{MAX_HEADERS, READ_CHUNK, Target};
use crate::probe::reach::Stream;

/// How one exchange on a connection ended, short of a timeout.
pub(super) enum Exchange {
    /// A whole answer: whether it was a success, and whether the connection stays open for the
    /// next request.
    Answered { ok: bool, keep_alive: bool },
    /// The server closed the connection before the first byte of an answer: on a connection
    /// that has answered before, the server ended an idle keep-alive just as the request went.
    ClosedBeforeAnswer,
}

/// What the answer's head says about its body.
enum Body {
    Empty,
    Length(u64),
    Chunked,
    /// No length: the body runs to the end of the connection.
    ToClose,
}

/// One open HTTP/1.1 connection and the bytes read on it but not yet parsed (`buffer[start..]`).
pub(super) struct Connection {
    pub(super) stream: Stream,
    pub(super) buffer: Vec<u8>,
    pub(super) start: usize,
    /// The connection has answered a request before.
    pub(super) reused: bool,
}

impl Connection {
    fn unparsed(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    fn consume(&mut self, count: usize) {
        self.start += count;
        if self.start == self.buffer.len() {
            self.buffer.clear();
            self.start = 0;
        }
    }

    /// Reads more bytes; 0 means the server closed the connection.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.buffer.capacity() - self.buffer.len() < READ_CHUNK / 4 {
            // Move what is left to the front before growing, so a long answer reuses the buffer.
            self.buffer.drain(..self.start);
            self.start = 0;
            self.buffer.reserve(READ_CHUNK);
        }
        self.stream.read_buf(&mut self.buffer).await
    }

    /// Reads more bytes; the server closing the connection here breaks the answer off.
    async fn fill_more(&mut self) -> io::Result<()> {
        match self.fill().await? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed in the middle of an answer")),
            _ => Ok(()),
        }
    }

    /// Sends the request and reads the whole answer, keeping none of its body.
    pub(super) async fn exchange(&mut self, target: &Target) -> io::Result<Exchange> {
        // A no-op flush for TCP; TLS may hold the last record until flushed.
        let sent = async {
            self.stream.write_all(&target.request).await?;
            self.stream.flush().await
        };
        match sent.await {
            Ok(()) => {}
            Err(err) if closed_by_peer(&err) => return Ok(Exchange::ClosedBeforeAnswer),
            Err(err) => return Err(err),
        }
        loop {
            let (status, body, keep_alive) = match self.read_head(target.head_only).await? {
                Some(head) => head,
                None => return Ok(Exchange::ClosedBeforeAnswer),
            };
            // An interim answer (`100 Continue`) comes before the real one.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            let whole = match body {
                Body::Empty => true,
                Body::Length(length) => {
                    self.skip(length).await?;
                    true
                }
                Body::Chunked => {
                    self.skip_chunked().await?;
                    true
                }
                Body::ToClose => {
                    while self.fill().await? > 0 {
                        self.buffer.clear();
                        self.start = 0;
                    }
                    false
                }
            };
            self.reused = true;
            return Ok(Exchange::Answered { ok: status < 400, keep_alive: keep_alive && whole && status != 101 });
        }
    }

    /// Reads and consumes an answer's head: its status, its body's framing, and whether the
    /// connection stays open. `None` when the connection closed before the first byte.
    async fn read_head(&mut self, head_only: bool) -> io::Result<Option<(u16, Body, bool)>> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response.parse(self.unparsed()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if let httparse::Status::Complete(length) = parsed {
                let status = response.code.unwrap_or(0);
                // HTTP/1.0 closes after each answer unless it says otherwise; 1.1 keeps it open.
                let mut keep_alive = response.version == Some(1);
                let (mut chunked, mut content_length) = (false, None);
                for header in response.headers.iter() {
                    if header.name.eq_ignore_ascii_case("connection") {
                        keep_alive = !has_token(header.value, "close") && (keep_alive || has_token(header.value, "keep-alive"));
                    } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                        chunked = header.value.rsplit(|&b| b == b',').next().is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                    } else if header.name.eq_ignore_ascii_case("content-length") {
                        let length = std::str::from_utf8(header.value).ok().and_then(|v| v.trim().parse::<u64>().ok());
                        content_length = Some(length.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a malformed content-length"))?);
                    }
                }
                // Chunked framing wins over a length (RFC 9112, 6.3).
                let body = if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
                    Body::Empty
                } else if chunked {
                    Body::Chunked
                } else if let Some(length) = content_length {
                    Body::Length(length)
                } else {
                    Body::ToClose
                };
                self.consume(length);
                return Ok(Some((status, body, keep_alive)));
            }
            let nothing_yet = self.unparsed().is_empty();
            match self.fill().await {
                Ok(0) if nothing_yet => return Ok(None),
                Err(err) if nothing_yet && closed_by_peer(&err) => return Ok(None),
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed in the middle of an answer's head")),
                Ok(_) => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// Reads past `count` bytes of body.
    async fn skip(&mut self, mut count: u64) -> io::Result<()> {
        loop {
            let here = self.unparsed().len().min(usize::try_from(count).unwrap_or(usize::MAX));
            self.consume(here);
            count -= here as u64;
            if count == 0 {
                return Ok(());
            }
            self.fill_more().await?;
        }
    }

    /// Reads past a chunked body, its last chunk and its trailers.
    async fn skip_chunked(&mut self) -> io::Result<()> {
        loop {
            match httparse::parse_chunk_size(self.unparsed()) {
                Ok(httparse::Status::Complete((used, 0))) => {
                    self.consume(used);
                    return self.skip_trailers().await;
                }
                Ok(httparse::Status::Complete((used, size))) => {
                    self.consume(used);
                    // The chunk and the line end after it.
                    self.skip(size.saturating_add(2)).await?;
                }
                Ok(httparse::Status::Partial) => self.fill_more().await?,
                Err(_) => return Err(io::Error::new(io::ErrorKind::InvalidData, "a malformed chunk size")),
            }
        }
    }

    /// Reads past trailer lines up to the empty line that ends a chunked body.
    async fn skip_trailers(&mut self) -> io::Result<()> {
        loop {
            match self.unparsed().windows(2).position(|pair| pair == b"\r\n") {
                Some(0) => {
                    self.consume(2);
                    return Ok(());
                }
                Some(line) => self.consume(line + 2),
                None => self.fill_more().await?,
            }
        }
    }
}

/// Whether a header value lists `token` (`Connection: keep-alive, Upgrade`), in any case.
fn has_token(value: &[u8], token: &str) -> bool {
    value.split(|&b| b == b',').any(|part| part.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// An error that says the server had already closed the connection. Over TLS a close without
/// `close_notify` reads as an unexpected end.
fn closed_by_peer(err: &io::Error) -> bool {
    matches!(err.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionAborted | io::ErrorKind::UnexpectedEof)
}
