//! The load probe's own HTTP/1.1 loop against servers these tests start on 127.0.0.1, each
//! answering in one of the ways a real server may: chunked bodies with trailers, bodies longer
//! than one read, HTTP/1.0 bodies that run to the close, interim `100 Continue` answers, a
//! keep-alive that ends without notice, answers that break off or never come, and TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use preflight::model::{ProbeKind, ProbeResult, ProbeSpec, ProbeState};
use preflight::probe::runner::{ProbeJob, run_blocking};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

#[path = "support/http_request.rs"]
mod http_request;
use http_request::read_request;

/// What the server does with a request for `path` on a connection it has read `head` from:
/// the bytes to answer with, and whether to close the connection after them.
fn answer(path: &str, head: &str, port: u16) -> Option<(Vec<u8>, bool)> {
    let ok = |body: &str| format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_bytes();
    Some(match path {
        "/chunked" => (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n".to_vec(),
            false,
        ),
        "/big" => {
            let mut reply = b"HTTP/1.1 200 OK\r\ncontent-length: 200000\r\n\r\n".to_vec();
            reply.resize(reply.len() + 200_000, b'a');
            (reply, false)
        }
        // HTTP/1.0 without keep-alive: no length, the body ends with the connection.
        "/http10" => (b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nold style".to_vec(), true),
        "/continue" => (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_vec(), false),
        // Keep-alive by its headers, but the server closes after every answer without saying so.
        "/quiet-close" => (ok("ok"), true),
        // A `HEAD` answer names the length the body would have, and sends none.
        "/head" if head.starts_with("HEAD ") => (b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n".to_vec(), false),
        "/head" => (b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n".to_vec(), false),
        // Promises ten bytes and closes after three.
        "/broken" => (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc".to_vec(), true),
        "/host" => {
            let expected = format!("host: 127.0.0.1:{port}\r\n");
            if head.to_ascii_lowercase().contains(&expected) {
                (ok("ok"), false)
            } else {
                (b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n".to_vec(), false)
            }
        }
        "/hang" => return None,
        // Answered after 60 ms (the wait is in `handle`).
        "/slow" => (ok("slow"), false),
        _ => (b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_vec(), false),
    })
}

/// Serves one connection: reads each request head (the tests send no bodies) and answers it.
async fn handle(mut stream: impl AsyncRead + AsyncWrite + Unpin, port: u16) {
    let mut buffer = Vec::new();
    while let Some((head, _)) = read_request(&mut stream, &mut buffer).await {
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        if path == "/slow" {
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
        let Some((reply, close)) = answer(&path, &head, port) else {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        };
        if stream.write_all(&reply).await.is_err() || stream.flush().await.is_err() || close {
            return;
        }
    }
}

struct Server {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Plain HTTP, or TLS with `tls` (an acceptor for a certificate the test made).
    fn start(tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        None => handle(stream, port).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                handle(stream, port).await;
                            }
                        }
                    }
                });
            }
        });
        Server { port, _runtime: runtime }
    }
}

fn load(url: String, connections: u32, requests: u64, expect: &[&str]) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Load, url);
    spec.expect = expect.iter().map(|s| s.to_string()).collect();
    spec.connections = connections;
    spec.requests = requests;
    spec
}

fn run(spec: ProbeSpec) -> ProbeResult {
    run_blocking(vec![ProbeJob { item: "item".into(), spec }], 4).unwrap().remove(0)
}

fn assert_passes(spec: ProbeSpec) {
    let result = run(spec);
    let resolved: Vec<String> = result.conditions.iter().map(|c| c.resolved()).collect();
    assert_eq!(result.state, ProbeState::Pass, "{resolved:?} {:?}", result.error);
}

#[test]
fn load_reads_chunked_long_and_close_delimited_bodies_without_errors() {
    let server = Server::start(None);
    for path in ["/chunked", "/big", "/http10", "/continue", "/quiet-close"] {
        let url = format!("http://127.0.0.1:{}{path}", server.port);
        assert_passes(load(url, 4, 200, &["error_rate == 0%", "count == 200"]));
    }
}

#[test]
fn load_sends_host_with_the_port_and_reads_no_body_after_head() {
    let server = Server::start(None);
    assert_passes(load(format!("http://127.0.0.1:{}/host", server.port), 2, 20, &["error_rate == 0%", "count == 20"]));
    let mut head = load(format!("http://127.0.0.1:{}/head", server.port), 2, 20, &["error_rate == 0%", "count == 20"]);
    head.method = "HEAD".into();
    assert_passes(head);
}

#[test]
fn load_counts_broken_missing_and_unanswered_requests_as_errors() {
    let server = Server::start(None);
    for path in ["/broken", "/nowhere"] {
        let url = format!("http://127.0.0.1:{}{path}", server.port);
        assert_passes(load(url, 2, 20, &["error_rate == 100%", "count == 20"]));
    }
    // Each unanswered request is an error at its timeout, and the probe still ends.
    let mut hang = load(format!("http://127.0.0.1:{}/hang", server.port), 2, 4, &["error_rate == 100%", "count == 4"]);
    hang.timeout_ms = 200;
    let started = Instant::now();
    assert_passes(hang);
    assert!(started.elapsed() < Duration::from_secs(5), "the probe took {:?}", started.elapsed());
}

#[test]
fn load_over_tls_keeps_its_connections_alive() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.distinguished_name.push(rcgen::DnType::CommonName, "Preflight load test");
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = params.self_signed(&key).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, certificate.pem()).unwrap();
    let private = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![certificate.der().clone()], private).unwrap();
    let server = Server::start(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))));
    for path in ["/chunked", "/big", "/quiet-close"] {
        let mut spec = load(format!("https://127.0.0.1:{}{path}", server.port), 2, 40, &["error_rate == 0%", "count == 40"]);
        spec.ca_file = ca_file.to_string_lossy().into_owned();
        assert_passes(spec);
    }
}

#[test]
fn abort_on_fail_stops_a_load_as_soon_as_a_latency_condition_fails_and_says_so() {
    let server = Server::start(None);
    let mut spec = load(format!("http://127.0.0.1:{}/slow", server.port), 2, 0, &["p95 < 20ms", "count >= 1000000"]);
    spec.duration_ms = 30_000;
    spec.abort_on_fail = true;
    spec.abort_grace_ms = 300;
    let started = Instant::now();
    let result = run(spec);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "a 30 s load aborted early took {took:?}");
    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    let aborted = result.details.get("aborted").unwrap_or_else(|| panic!("no aborted detail: {:?}", result.details));
    assert!(aborted.starts_with("the load was stopped early after ") && aborted.contains("p95 (") && aborted.ends_with("< 20ms failed"), "{aborted}");
    // `count` is judged at the end only: a count still growing is not a reason to stop.
    assert!(!aborted.contains("count"), "{aborted}");

    // A load whose conditions hold runs to its end.
    let mut spec = load(format!("http://127.0.0.1:{}/quiet-close", server.port), 2, 200, &["error_rate < 1%"]);
    spec.abort_on_fail = true;
    let result = run(spec);
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    assert!(!result.details.contains_key("aborted"));
}
