//! Reaching internal services: mutual TLS with a client certificate (PEM files, or PKCS#12 made
//! with openssl), a proxy the test starts, seen to carry the request, the proxy environment as
//! the command line reads it, and a waived certificate check recorded as such.

use std::sync::Arc;

use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::*;

/// A client certificate for `name`, issued by the test CA.
fn client_certificate(name: &str, issuer: &Issuer<'static, KeyPair>) -> (rcgen::Certificate, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    set_validity(&mut params, -1, 30);
    let key = KeyPair::generate().unwrap();
    (params.signed_by(&key, issuer).unwrap(), key)
}

/// Reads one request head from `stream`; returns its first line.
async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string()
}

async fn answer<S: tokio::io::AsyncWrite + Unpin>(stream: &mut S, body: &str) {
    let response = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// An HTTPS server on 127.0.0.1 that answers `hello <client CN or anonymous>`; with
/// `client_ca`, it requires a client certificate that CA issued.
async fn serve_https(chain: Vec<CertificateDer<'static>>, key: &KeyPair, client_ca: Option<&rcgen::Certificate>) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let builder = rustls::ServerConfig::builder();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der().clone()).unwrap();
            builder.with_client_cert_verifier(rustls::server::WebPkiClientVerifier::builder(Arc::new(roots)).build().unwrap())
        }
        None => builder.with_no_client_auth(),
    };
    let acceptor = TlsAcceptor::from(Arc::new(builder.with_single_cert(chain, key).unwrap()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let who = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|certs| certs.first().cloned())
                    .and_then(|der| x509_parser::parse_x509_certificate(der.as_ref()).ok().map(|(_, c)| c.subject().to_string()))
                    .unwrap_or_else(|| "anonymous".into());
                read_head(&mut tls).await;
                answer(&mut tls, &format!("hello {who}")).await;
            });
        }
    });
    port
}

fn https_spec(port: u16, ca_path: &std::path::Path) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Http, format!("https://localhost:{port}/whoami"));
    spec.ca_file = ca_path.to_string_lossy().into_owned();
    spec.connect_timeout_ms = 3_000;
    spec.timeout_ms = 5_000;
    spec.expect = vec!["status == 200".into()];
    spec
}

#[tokio::test]
async fn mutual_tls_is_accepted_with_the_right_client_certificate_and_refused_without() {
    let (ca, issuer) = test_ca();
    let (server, server_key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_https(vec![server.der().clone()], &server_key, Some(&ca)).await;
    let (dir, ca_path) = write_ca(&ca);
    let (client, client_key) = client_certificate("release-bot", &issuer);
    let (cert_path, key_path) = (dir.path().join("client.pem"), dir.path().join("client.key"));
    std::fs::write(&cert_path, client.pem()).unwrap();
    std::fs::write(&key_path, client_key.serialize_pem()).unwrap();

    let mut spec = https_spec(port, &ca_path);
    spec.expect.push("body contains \"hello CN=release-bot\"".into());
    spec.client_cert = cert_path.to_string_lossy().into_owned();
    spec.client_key = key_path.to_string_lossy().into_owned();
    let result = run_through_runner(spec.clone()).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    assert_eq!(result.details.get("client certificate"), Some(&spec.client_cert));

    spec.client_cert.clear();
    spec.client_key.clear();
    let refused = run_through_runner(spec).await;
    assert_eq!(refused.state, ProbeState::Error, "{refused:?}");
    let error = refused.error.unwrap_or_default();
    assert!(error.to_lowercase().contains("certificate"), "the error says a certificate was wanted: {error}");

    // The same identity as a PKCS#12 file with a password from the environment.
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipping the PKCS#12 case: `openssl` is not installed (apt-get install openssl)");
        return;
    }
    let p12 = dir.path().join("client.p12");
    let made = std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:s3cret-p12"])
        .arg("-in")
        .arg(&cert_path)
        .arg("-inkey")
        .arg(&key_path)
        .arg("-out")
        .arg(&p12)
        .status()
        .unwrap();
    assert!(made.success());
    let mut spec = https_spec(port, &ca_path);
    spec.client_cert = p12.to_string_lossy().into_owned();
    spec.client_password = "s3cret-p12".into();
    spec.expect.push("body contains \"hello CN=release-bot\"".into());
    let result = run_through_runner(spec.clone()).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");

    spec.client_password = "wrong".into();
    let wrong = run_through_runner(spec).await;
    assert!(wrong.error.as_deref().unwrap_or_default().contains("the password does not open it"), "{wrong:?}");
}

/// A forward proxy on 127.0.0.1: answers every request itself with `via proxy`, and sends each
/// request line it saw on the channel.
async fn serve_proxy() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (seen, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let line = read_head(&mut stream).await;
            let _ = seen.send(line);
            answer(&mut stream, "via proxy").await;
        }
    });
    (port, received)
}

#[tokio::test]
async fn a_probe_with_a_proxy_is_carried_by_it_and_says_so() {
    let (port, mut seen) = serve_proxy().await;
    // A name that resolves nowhere: only the proxy can answer for it.
    let mut spec = ProbeSpec::new(ProbeKind::Http, "http://status.internal.invalid/health".to_string());
    spec.proxy = format!("http://127.0.0.1:{port}");
    spec.expect = vec!["status == 200".into(), "body == \"via proxy\"".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    assert_eq!(seen.try_recv().unwrap(), "GET http://status.internal.invalid/health HTTP/1.1", "the proxy carried the request");
    assert_eq!(
        result.details.get("route").map(String::as_str),
        Some(format!("through http://127.0.0.1:{port} (the probe's proxy setting)").as_str())
    );
}

#[test]
fn the_command_line_follows_the_proxy_environment_and_no_proxy() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (port, mut seen) = runtime.block_on(serve_proxy());
    let dir = tempfile::tempdir().unwrap();
    let mut template = preflight::model::Template::blank();
    let mut via = preflight::model::Item::new("via", "Status page reachable", preflight::model::ItemKind::Check);
    let mut spec = ProbeSpec::new(ProbeKind::Http, "http://status.internal.invalid/health".to_string());
    spec.expect = vec!["status == 200".into()];
    via.probe = Some(Box::new(spec.clone()));
    let mut bypassed = preflight::model::Item::new("bypassed", "Internal page reachable", preflight::model::ItemKind::Check);
    spec.target = "http://db.corp.invalid/health".into();
    bypassed.probe = Some(Box::new(spec));
    template.sections.push(preflight::model::Section { id: "s".into(), title: "S".into(), items: vec![via, bypassed], sections: vec![] });
    let run = preflight::model::Run::start(
        template,
        "proxy-env".into(),
        "ci",
        preflight::model::Timestamp::parse("2026-11-23T10:00:00Z").unwrap(),
        Default::default(),
    )
    .unwrap();
    let run_path = dir.path().join("proxy.run.ron");
    preflight::store::save_run(&run_path, &run).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["probe", "--json"])
        .arg(&run_path)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{port}"))
        .env("NO_PROXY", "localhost,.corp.invalid")
        .env("HOME", dir.path())
        .env("PREFLIGHT_HOME", dir.path())
        .output()
        .unwrap();
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    let of = |item: &str| results.as_array().unwrap().iter().find(|r| r["item"] == item).cloned().unwrap();
    assert_eq!(of("via")["state"], "Pass", "{results:#}");
    assert_eq!(of("via")["details"]["route"], format!("through http://127.0.0.1:{port} (HTTP_PROXY)"));
    assert_eq!(seen.try_recv().unwrap(), "GET http://status.internal.invalid/health HTTP/1.1");
    // NO_PROXY sends the other request direct, where the name resolves nowhere.
    assert_eq!(of("bypassed")["state"], "Error", "{results:#}");
    assert!(seen.try_recv().is_err(), "the bypassed request did not reach the proxy");
}

#[tokio::test]
async fn a_waived_certificate_check_reaches_a_self_signed_server_and_says_so() {
    let (server, key) = leaf("localhost", -1, 90, None);
    let port = serve_https(vec![server.der().clone()], &key, None).await;
    let mut spec = ProbeSpec::new(ProbeKind::Http, format!("https://localhost:{port}/"));
    spec.expect = vec!["status == 200".into()];
    let refused = run_through_runner(spec.clone()).await;
    assert_eq!(refused.state, ProbeState::Error, "{refused:?}");

    // `insecure_skip_verify`, as Gatus and blackbox_exporter call it, reads as the waiver.
    let written = format!("(kind: Http, target: \"https://localhost:{port}/\", expect: [\"status == 200\"], insecure_skip_verify: true)");
    let spec: ProbeSpec = ron::from_str(&written).unwrap();
    assert!(spec.accept_unverified);
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    assert!(result.details["tls"].contains("certificate not verified"), "{:?}", result.details);
}

/// A TLS acceptor for `chain` and `key` that offers `alpn`, in that order.
fn acceptor(chain: Vec<CertificateDer<'static>>, key: &KeyPair, alpn: &[&[u8]]) -> TlsAcceptor {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    TlsAcceptor::from(Arc::new(config))
}

/// An HTTPS server offering HTTP/2 and HTTP/1.1 by ALPN: answers `hello over h2` or
/// `hello over http/1.1` with the protocol it spoke.
async fn serve_alpn(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> u16 {
    let acceptor = acceptor(chain, key, &[b"h2", b"http/1.1"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
                    read_head(&mut tls).await;
                    answer(&mut tls, "hello over http/1.1").await;
                    return;
                }
                let Ok(mut connection) = h2::server::handshake(tls).await else { return };
                while let Some(Ok((_request, mut respond))) = connection.accept().await {
                    let response = http::Response::builder().status(200).header("content-type", "text/plain").body(()).unwrap();
                    let Ok(mut body) = respond.send_response(response, false) else { return };
                    let _ = body.send_data(bytes::Bytes::from_static(b"hello over h2"), true);
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn http2_is_negotiated_over_tls_and_http11_spoken_over_plain_http_with_each_phase_timed() {
    let (ca, issuer) = test_ca();
    let (server, key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_alpn(vec![server.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let mut spec = https_spec(port, &ca_path);
    spec.expect = vec![
        "http.version == \"HTTP/2\"".into(),
        "body == \"hello over h2\"".into(),
        "time.dns < 5s".into(),
        "time.first_byte < 5s".into(),
        "time.transfer < 5s".into(),
    ];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");

    let (proxy_port, _seen) = serve_proxy().await;
    let mut spec = ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{proxy_port}/"));
    spec.expect = vec!["http.version == \"HTTP/2\"".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    assert_eq!(result.conditions[0].seen, "\"HTTP/1.1\"", "plain HTTP stays HTTP/1.1");
}

/// A relay on 127.0.0.1 in front of `port` that holds the server's first bytes (its side of the
/// TLS handshake) for `delay` before passing them on, and then passes everything at once.
async fn slow_handshake_relay(port: u16, delay: std::time::Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move { tokio::io::copy(&mut client_read, &mut server_write).await });
                let mut first = [0u8; 16 * 1024];
                let Ok(n) = server_read.read(&mut first).await else { return };
                tokio::time::sleep(delay).await;
                if client_write.write_all(&first[..n]).await.is_ok() {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                }
            });
        }
    });
    relay
}

#[tokio::test]
async fn an_http_probe_times_its_connect_and_its_handshake_apart() {
    let (ca, issuer) = test_ca();
    let (server, key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_https(vec![server.der().clone()], &key, None).await;
    let relay = slow_handshake_relay(port, std::time::Duration::from_millis(300)).await;
    let (_dir, ca_path) = write_ca(&ca);
    let mut spec = https_spec(relay, &ca_path);
    spec.expect = vec!["time.connect < 250ms".into(), "time.tls >= 300ms".into(), "time.dns < 5s".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "the delay is the handshake's, not the connect's: {:?}", result.conditions);
    let parse = |name: &str| result.measured[name].clone();
    assert!(!parse("time.connect").is_empty() && !parse("time.tls").is_empty());

    // Plain HTTP: a connect, and no handshake.
    let (plain_port, _seen) = serve_proxy().await;
    let mut spec = ProbeSpec::new(ProbeKind::Http, format!("http://127.0.0.1:{plain_port}/"));
    spec.expect = vec!["time.connect < 1s".into(), "time.tls !exists".into(), "time.dns !exists".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "an address is not looked up, and plain HTTP has no handshake: {:?}", result.conditions);
}

#[tokio::test]
async fn a_tls_probe_times_the_lookup_the_connection_and_the_handshake() {
    let (ca, issuer) = test_ca();
    let (server, key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_https(vec![server.der().clone()], &key, None).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (target, spec) = tls_spec(port, Some(&ca_path));
    let (observed, _) = run_tls(&target, &spec).await.unwrap();
    let (dns, connect, tls) = (duration_of(&observed, "time.dns"), duration_of(&observed, "time.connect"), duration_of(&observed, "time.tls"));
    assert!(dns >= 0.0 && connect > 0.0 && tls > 0.0, "dns {dns} connect {connect} tls {tls}");
    assert!(tls > connect, "a handshake takes longer than a loopback connect: {tls} against {connect}");
}

/// A WebSocket server on 127.0.0.1 (tungstenite's own server side), over TLS when `tls` is
/// given: answers each text message with `echo: <message>`.
async fn serve_websocket(tls: Option<TlsAcceptor>) -> u16 {
    use futures_util::{SinkExt, StreamExt};
    async fn echo<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: S) {
        let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else { return };
        while let Some(Ok(message)) = socket.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                let _ = socket.send(tokio_tungstenite::tungstenite::Message::text(format!("echo: {}", text.as_str()))).await;
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            echo(stream).await;
                        }
                    }
                    None => echo(stream).await,
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_websocket_probe_upgrades_sends_and_reads_the_reply_over_ws_and_wss() {
    let port = serve_websocket(None).await;
    let mut spec = ProbeSpec::new(ProbeKind::WebSocket, format!("ws://127.0.0.1:{port}/socket"));
    spec.send = "ping".into();
    spec.expect = vec!["connected == true".into(), "status == 101".into(), "reply == \"echo: ping\"".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");

    let (ca, issuer) = test_ca();
    let (server, key) = leaf("localhost", -1, 90, Some(&issuer));
    let secure = serve_websocket(Some(acceptor(vec![server.der().clone()], &key, &[]))).await;
    let (_dir, ca_path) = write_ca(&ca);
    let mut spec = ProbeSpec::new(ProbeKind::WebSocket, format!("wss://localhost:{secure}/socket"));
    spec.ca_file = ca_path.to_string_lossy().into_owned();
    spec.send = "hello".into();
    spec.expect = vec!["reply == \"echo: hello\"".into(), "response_time < 5s".into()];
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
}

#[tokio::test]
async fn a_server_that_does_not_upgrade_fails_a_websocket_probe_with_its_status() {
    let (port, _seen) = serve_proxy().await;
    let spec = ProbeSpec::new(ProbeKind::WebSocket, format!("ws://127.0.0.1:{port}/socket"));
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    assert_eq!(result.conditions[0].resolved(), "connected (false) == true");
    assert_eq!(result.measured.get("status").map(String::as_str), Some("200"), "the answer the server gave instead: {result:?}");
}

/// A gRPC server on 127.0.0.1 with tonic's health service: the server as a whole and `orders`
/// serving, `payments` not.
async fn serve_grpc_health() -> u16 {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter.set_service_status("orders", tonic_health::ServingStatus::Serving).await;
    reporter.set_service_status("payments", tonic_health::ServingStatus::NotServing).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        // The reporter lives as long as the server, so the statuses stay set.
        let _reporter = reporter;
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    port
}

#[tokio::test]
async fn a_grpc_health_probe_reads_serving_and_not_serving_from_a_real_grpc_server() {
    let port = serve_grpc_health().await;
    let probe = |service: &str, expect: &[&str]| {
        let mut spec = ProbeSpec::new(ProbeKind::Grpc, format!("grpc://127.0.0.1:{port}"));
        spec.grpc_service = service.to_string();
        spec.headers.insert("x-request-source".into(), "preflight".into());
        spec.expect = expect.iter().map(|e| e.to_string()).collect();
        run_through_runner(spec)
    };
    let whole = probe("", &["grpc.status == SERVING", "grpc.code == 0"]).await;
    assert_eq!(whole.state, ProbeState::Pass, "{whole:?}");
    let orders = probe("orders", &["grpc.status == SERVING"]).await;
    assert_eq!(orders.state, ProbeState::Pass, "{orders:?}");
    let payments = probe("payments", &["grpc.status == SERVING"]).await;
    assert_eq!(payments.state, ProbeState::Fail, "{payments:?}");
    assert_eq!(payments.conditions[0].resolved(), "grpc.status (\"NOT_SERVING\") == SERVING");
    let unknown = probe("inventory", &["grpc.status == SERVING", "grpc.code == 0"]).await;
    assert_eq!(unknown.state, ProbeState::Fail, "{unknown:?}");
    assert_eq!(unknown.conditions[0].seen, "missing", "no status for a service the server does not know");
    assert_eq!(unknown.conditions[1].resolved(), "grpc.code (5) == 0", "NOT_FOUND");
}

/// A TLS stream as tonic's server takes it from an incoming stream.
struct TlsIo(tokio_rustls::server::TlsStream<tokio::net::TcpStream>);

impl tonic::transport::server::Connected for TlsIo {
    type ConnectInfo = ();

    fn connect_info(&self) {}
}

impl tokio::io::AsyncRead for TlsIo {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for TlsIo {
    fn poll_write(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// tonic's health service over TLS (ALPN `h2`) on 127.0.0.1, with a certificate the test CA
/// issued for `localhost`; `orders` is SERVING.
async fn serve_grpc_health_over_tls(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> u16 {
    let acceptor = acceptor(chain, key, &[b"h2"]);
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter.set_service_status("orders", tonic_health::ServingStatus::Serving).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let incoming = futures_util::stream::unfold(listener, move |listener| {
        let acceptor = acceptor.clone();
        async move {
            loop {
                let (tcp, _) = listener.accept().await.ok()?;
                if let Ok(tls) = acceptor.accept(tcp).await {
                    return Some((Ok::<_, std::io::Error>(TlsIo(tls)), listener));
                }
            }
        }
    });
    tokio::spawn(async move {
        let _reporter = reporter;
        tonic::transport::Server::builder().add_service(service).serve_with_incoming(incoming).await.unwrap();
    });
    port
}

#[tokio::test]
async fn a_grpc_health_probe_over_tls_checks_the_servers_certificate() {
    let (ca, issuer) = test_ca();
    let (server, key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_grpc_health_over_tls(vec![server.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let probe = |ca_file: &str| {
        let mut spec = ProbeSpec::new(ProbeKind::Grpc, format!("grpcs://localhost:{port}"));
        spec.grpc_service = "orders".into();
        spec.ca_file = ca_file.to_string();
        spec.expect = vec!["grpc.status == SERVING".into()];
        run_through_runner(spec)
    };
    let trusted = probe(ca_path.to_str().unwrap()).await;
    assert_eq!(trusted.state, ProbeState::Pass, "{trusted:?}");
    // Without the internal CA, the system's roots do not know the server's certificate.
    let untrusted = probe("").await;
    assert_eq!(untrusted.state, ProbeState::Error, "{untrusted:?}");
    let error = untrusted.error.unwrap_or_default();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
}
