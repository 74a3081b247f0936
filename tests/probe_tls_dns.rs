//! The TLS and DNS probes against loopback servers started by the tests: a TLS server presenting
//! rcgen certificates, and a tiny UDP DNS responder. Nothing here reaches the network.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test or benchmark fails loudly on what it did not expect")]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use preflight::model::{CertificateInfo, IpVersion};
use preflight::model::{Observed, ProbeKind, ProbeResult, ProbeSpec, ProbeState, Value};
use preflight::probe::AttemptError;
use preflight::probe::dns::run_dns;
use preflight::probe::runner::{ProbeJob, run_probe};
use preflight::probe::tls::run_tls;
use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, UdpSocket};
use tokio_rustls::TlsAcceptor;

const DAY_MS: f64 = 86_400_000.0;

#[path = "probe_tls_depth/mod.rs"]
mod depth;
#[path = "probe_reach/mod.rs"]
mod reach;

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

/// Sets the validity to [now + from_days, now + to_days]. rcgen speaks `time::OffsetDateTime`,
/// which this crate does not depend on, so the instants are built from rcgen's epoch plus a
/// std duration.
fn set_validity(params: &mut CertificateParams, from_days: i64, to_days: i64) {
    let now = chrono::Utc::now().timestamp();
    let at = |days: i64| {
        let seconds = u64::try_from(now + days * 86_400).unwrap();
        rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(seconds)
    };
    params.not_before = at(from_days);
    params.not_after = at(to_days);
}

/// A test CA, valid from yesterday for a year.
fn test_ca() -> (Certificate, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "Preflight Test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    set_validity(&mut params, -1, 365);
    let key = KeyPair::generate().unwrap();
    let certificate = params.self_signed(&key).unwrap();
    (certificate, Issuer::new(params, key))
}

/// A leaf for `name`, valid over the given days relative to now, signed by `issuer` or, without
/// one, self-signed. A self-signed leaf gets a distinctive common name: its issuer is its own
/// subject, and a machine may well trust some unrelated root called `CN=localhost`, which would
/// make webpki report a signature mismatch against that root instead of an unknown issuer.
fn leaf(name: &str, from_days: i64, to_days: i64, issuer: Option<&Issuer<'static, KeyPair>>) -> (Certificate, KeyPair) {
    let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
    let common_name = if issuer.is_some() { name.to_string() } else { format!("Preflight self-signed {name}") };
    params.distinguished_name.push(DnType::CommonName, common_name);
    set_validity(&mut params, from_days, to_days);
    let key = KeyPair::generate().unwrap();
    let certificate = match issuer {
        Some(issuer) => params.signed_by(&key, issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (certificate, key)
}

/// Starts a TLS server on 127.0.0.1:0 presenting `chain`; returns its port. Each connection
/// only completes the handshake: the probe makes no request.
async fn serve_tls(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    accept_tls(listener, chain, key);
    port
}

/// Completes a TLS handshake presenting `chain` on every connection to `listener`.
fn accept_tls(listener: TcpListener, chain: Vec<CertificateDer<'static>>, key: &KeyPair) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key).unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
}

/// Writes the CA certificate as PEM into a fresh temporary directory (kept alive by the caller).
fn write_ca(ca: &Certificate) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    (dir, path)
}

fn tls_spec(port: u16, ca_file: Option<&PathBuf>) -> (String, ProbeSpec) {
    let target = format!("localhost:{port}");
    let mut spec = ProbeSpec::new(ProbeKind::Tls, target.clone());
    spec.connect_timeout_ms = 3_000;
    spec.timeout_ms = 5_000;
    if let Some(path) = ca_file {
        spec.ca_file = path.to_string_lossy().into_owned();
    }
    (target, spec)
}

fn bool_of(observed: &Observed, subject: &str) -> bool {
    match observed.values.get(subject) {
        Some(Value::Bool(b)) => *b,
        other => panic!("{subject}: expected a Bool, got {other:?}"),
    }
}

fn duration_of(observed: &Observed, subject: &str) -> f64 {
    match observed.values.get(subject) {
        Some(Value::Duration(ms)) => *ms,
        other => panic!("{subject}: expected a Duration, got {other:?}"),
    }
}

fn text_of(observed: &Observed, subject: &str) -> String {
    match observed.values.get(subject) {
        Some(Value::Text(t)) => t.clone(),
        other => panic!("{subject}: expected Text, got {other:?}"),
    }
}

/// RFC 3339 UTC dates that chrono can read back.
fn assert_dates(certificate: &CertificateInfo) {
    for date in [&certificate.not_before, &certificate.not_after] {
        assert!(date.ends_with('Z'), "{date}");
        chrono::DateTime::parse_from_rfc3339(date).unwrap();
    }
}

#[tokio::test]
async fn tls_trusted_leaf_for_localhost_is_verified() {
    let (ca, issuer) = test_ca();
    let (certificate, key) = leaf("localhost", -1, 90, Some(&issuer));
    let port = serve_tls(vec![certificate.der().clone(), ca.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (target, spec) = tls_spec(port, Some(&ca_path));

    let (observed, certificates) = run_tls(&target, &spec).await.unwrap();

    assert!(bool_of(&observed, "tls.verified"), "{:?}", observed.values.get("tls.error"));
    assert!(!observed.values.contains_key("tls.error"));
    assert!(bool_of(&observed, "cert.hostname_ok"));
    let expires_in = duration_of(&observed, "cert.expires_in");
    assert!((expires_in - 90.0 * DAY_MS).abs() < 60_000.0, "expires_in {expires_in}");
    assert_eq!(text_of(&observed, "address"), format!("127.0.0.1:{port}"));
    assert_eq!(certificates.len(), 2);
    assert_eq!(certificates[0].subject, "CN=localhost");
    assert_eq!(certificates[0].issuer, "CN=Preflight Test CA");
    assert_eq!(certificates[1].subject, "CN=Preflight Test CA");
    assert_dates(&certificates[0]);
}

#[tokio::test]
async fn tls_expired_leaf_is_reported_not_refused() {
    let (ca, issuer) = test_ca();
    let (certificate, key) = leaf("localhost", -30, -2, Some(&issuer));
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (target, spec) = tls_spec(port, Some(&ca_path));

    let (observed, certificates) = run_tls(&target, &spec).await.unwrap();

    assert!(!bool_of(&observed, "tls.verified"));
    let error = text_of(&observed, "tls.error");
    assert!(error.contains("expired"), "{error}");
    let expires_in = duration_of(&observed, "cert.expires_in");
    assert!((expires_in + 2.0 * DAY_MS).abs() < 60_000.0, "expires_in {expires_in}");
    assert!(bool_of(&observed, "cert.hostname_ok"));
    assert_eq!(certificates.len(), 1);
    assert_dates(&certificates[0]);
}

#[tokio::test]
async fn tls_leaf_for_another_name_fails_hostname_check() {
    let (ca, issuer) = test_ca();
    let (certificate, key) = leaf("other.example", -1, 90, Some(&issuer));
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (target, spec) = tls_spec(port, Some(&ca_path));

    let (observed, certificates) = run_tls(&target, &spec).await.unwrap();

    assert!(!bool_of(&observed, "cert.hostname_ok"));
    assert!(!bool_of(&observed, "tls.verified"));
    let error = text_of(&observed, "tls.error");
    assert!(error.contains("not valid for name 'localhost'"), "{error}");
    assert!(error.contains("other.example"), "{error}");
    assert_eq!(certificates[0].subject, "CN=other.example");
}

#[tokio::test]
async fn tls_self_signed_leaf_has_unknown_issuer_but_dates() {
    let (certificate, key) = leaf("localhost", -1, 10, None);
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (target, spec) = tls_spec(port, None);

    let (observed, certificates) = run_tls(&target, &spec).await.unwrap();

    assert!(!bool_of(&observed, "tls.verified"));
    let error = text_of(&observed, "tls.error");
    assert!(error.contains("unknown issuer"), "{error}");
    // The name matches; only trust is missing.
    assert!(bool_of(&observed, "cert.hostname_ok"));
    let expires_in = duration_of(&observed, "cert.expires_in");
    assert!((expires_in - 10.0 * DAY_MS).abs() < 60_000.0, "expires_in {expires_in}");
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0].subject, "CN=Preflight self-signed localhost");
    assert_eq!(certificates[0].subject, certificates[0].issuer);
    assert_dates(&certificates[0]);
}

#[tokio::test]
async fn a_self_signed_certificate_fails_a_tls_probe_unless_its_author_waives_the_check() {
    let (certificate, key) = leaf("localhost", -1, 90, None);
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (_, mut spec) = tls_spec(port, None);
    // Conditions about dates only: the chain is still checked.
    spec.expect = vec!["cert.expires_in > 30d".into()];
    let result = run_through_runner(spec.clone()).await;
    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    let resolved: Vec<String> = result.conditions.iter().map(|c| c.resolved()).collect();
    assert_eq!(resolved.len(), 2, "{resolved:?}");
    assert!(resolved[0].starts_with("cert.expires_in ("), "{resolved:?}");
    assert_eq!(resolved[1], "tls.verified (false) == true");

    spec.accept_unverified = true;
    let waived = run_through_runner(spec.clone()).await;
    assert_eq!(waived.state, ProbeState::Pass, "{waived:?}");
    assert_eq!(waived.conditions.len(), 1, "only the author's condition: {:?}", waived.conditions);
    // Waived with no conditions of its own: an unexpired certificate passes.
    spec.expect.clear();
    let bare = run_through_runner(spec).await;
    assert_eq!(bare.conditions.iter().map(|c| c.resolved()).next().map(|c| c.starts_with("cert.expires_in (")), Some(true), "{bare:?}");
    assert_eq!(bare.state, ProbeState::Pass);
}

#[tokio::test]
async fn tls_refused_port_is_an_error_naming_the_target() {
    // Bind and drop a listener to find a port that is very likely closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = format!("127.0.0.1:{port}");
    let spec = ProbeSpec::new(ProbeKind::Tls, target.clone());

    let error = run_tls(&target, &spec).await.unwrap_err();

    assert!(matches!(error, AttemptError::Transport(_)), "a refused port is worth a retry: {error:?}");
    assert!(error.to_string().contains(&target), "{error}");
}

/// A port nobody listens on for now: bound and released at once.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs a probe through the runner, as the app and the command line do.
async fn run_through_runner(spec: ProbeSpec) -> ProbeResult {
    run_probe(&ProbeJob { item: "item".into(), spec }, &AtomicBool::new(false)).await
}

#[tokio::test]
async fn tls_retries_a_refused_connection_and_a_pass_after_retry_warns() {
    let (ca, issuer) = test_ca();
    let (certificate, key) = leaf("localhost", -1, 90, Some(&issuer));
    let (_dir, ca_path) = write_ca(&ca);
    let port = free_port();
    // The server comes up after the first attempt was refused and before the second.
    let chain = vec![certificate.der().clone(), ca.der().clone()];
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        accept_tls(TcpListener::bind(("127.0.0.1", port)).await.unwrap(), chain, &key);
    });
    let (_, mut spec) = tls_spec(port, Some(&ca_path));
    spec.ip_version = IpVersion::V4;
    spec.retries = 3;
    spec.retry_delay_ms = 400;

    let result = run_through_runner(spec).await;

    assert_eq!(result.state, ProbeState::Warn, "{result:#?}");
    assert_eq!(result.attempts, 2, "{result:#?}");
    assert_eq!(result.conditions[0].resolved(), "tls.verified (true) == true");
}

#[tokio::test]
async fn tls_setup_errors_and_failed_conditions_are_not_retried() {
    let (certificate, key) = leaf("localhost", -1, 10, None);
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (_, mut spec) = tls_spec(port, None);
    spec.retries = 2;
    spec.retry_delay_ms = 2_000;

    // Untrusted: the handshake completed, so the failed condition stands after one attempt.
    let untrusted = run_through_runner(spec.clone()).await;
    assert_eq!((untrusted.state, untrusted.attempts), (ProbeState::Fail, 1), "{untrusted:#?}");

    // A CA file that is not there fails the same way every time: no second attempt.
    spec.ca_file = "/nonexistent/ca.pem".into();
    let misconfigured = run_through_runner(spec).await;
    assert_eq!(misconfigured.state, ProbeState::Error);
    assert!(!misconfigured.error.as_deref().unwrap().contains("attempts"), "{misconfigured:#?}");
}

#[tokio::test]
async fn tls_a_port_that_stays_closed_is_an_error_after_every_attempt() {
    let port = free_port();
    let target = format!("127.0.0.1:{port}");
    let mut spec = ProbeSpec::new(ProbeKind::Tls, target.clone());
    spec.retries = 2;
    spec.retry_delay_ms = 10;

    let result = run_through_runner(spec).await;

    assert_eq!(result.state, ProbeState::Error);
    let error = result.error.unwrap();
    assert!(error.starts_with(&target) && error.ends_with("(after 3 attempts)"), "{error}");
}

/// A TCP server that accepts and closes at once, so every TLS handshake with it fails.
async fn serve_closing() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    port
}

#[tokio::test]
async fn tls_failed_handshake_names_the_target_once_and_a_resolved_address() {
    let port = serve_closing().await;

    let by_address = format!("127.0.0.1:{port}");
    let error = run_tls(&by_address, &ProbeSpec::new(ProbeKind::Tls, by_address.clone())).await.unwrap_err().to_string();
    assert!(error.starts_with(&format!("{by_address}: TLS handshake failed: ")), "{error}");
    assert_eq!(error.matches(&by_address).count(), 1, "{error}");

    let (by_name, mut spec) = tls_spec(port, None);
    spec.ip_version = IpVersion::V4;
    let error = run_tls(&by_name, &spec).await.unwrap_err().to_string();
    assert!(error.starts_with(&format!("{by_name}: TLS handshake with 127.0.0.1:{port} failed: ")), "{error}");
}

#[tokio::test]
async fn tls_missing_ca_file_is_an_error() {
    let (certificate, key) = leaf("localhost", -1, 10, None);
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (target, spec) = tls_spec(port, Some(&PathBuf::from("/nonexistent/ca.pem")));

    let error = run_tls(&target, &spec).await.unwrap_err();

    assert!(matches!(error, AttemptError::Setup(_)), "a missing CA file is not worth a retry: {error:?}");
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------------------------

/// Starts a UDP DNS responder on 127.0.0.1:0 that answers A for `probe.test.` with 10.1.2.3,
/// an empty NOERROR for other types of that name, and NXDOMAIN for any other name.
async fn serve_dns() -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut buffer = [0u8; 1500];
        while let Ok((length, peer)) = socket.recv_from(&mut buffer).await {
            if let Some(reply) = dns_reply(&buffer[..length]) {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    });
    address
}

/// Like `serve_dns`, but the first query goes unanswered, as a lost datagram would.
async fn serve_dns_losing_the_first_query() -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = socket.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut buffer = [0u8; 1500];
        let mut first = true;
        while let Ok((length, peer)) = socket.recv_from(&mut buffer).await {
            if std::mem::take(&mut first) {
                continue;
            }
            if let Some(reply) = dns_reply(&buffer[..length]) {
                let _ = socket.send_to(&reply, peer).await;
            }
        }
    });
    address
}

/// Builds the reply to one query by hand (RFC 1035 §4.1): header, the question echoed, and
/// at most one A record pointing back at the question's name.
fn dns_reply(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // Walk the question's labels to find its end and its name.
    let mut position = 12;
    let mut labels = Vec::new();
    loop {
        let length = *query.get(position)? as usize;
        position += 1;
        if length == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(position..position + length)?).to_ascii_lowercase());
        position += length;
    }
    let question_end = position + 4;
    let question = query.get(12..question_end)?;
    let query_type = u16::from_be_bytes([query[position], query[position + 1]]);
    let name = labels.join(".");

    let known = name == "probe.test";
    let answer = known && query_type == 1;
    let rcode: u16 = if known { 0 } else { 3 };
    let recursion_desired = u16::from_be_bytes([query[2], query[3]]) & 0x0100;
    let flags: u16 = 0x8000 | 0x0400 | recursion_desired | 0x0080 | rcode;

    let mut reply = Vec::new();
    reply.extend_from_slice(&query[0..2]);
    reply.extend_from_slice(&flags.to_be_bytes());
    reply.extend_from_slice(&1u16.to_be_bytes());
    reply.extend_from_slice(&u16::from(answer).to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(question);
    if answer {
        reply.extend_from_slice(&[0xC0, 0x0C]); // The name: a pointer to the question's.
        reply.extend_from_slice(&[0, 1, 0, 1]); // Type A, class IN.
        reply.extend_from_slice(&60u32.to_be_bytes());
        reply.extend_from_slice(&4u16.to_be_bytes());
        reply.extend_from_slice(&[10, 1, 2, 3]);
    }
    Some(reply)
}

fn dns_spec(name: &str, server: &str) -> ProbeSpec {
    let mut spec = ProbeSpec::new(ProbeKind::Dns, name);
    spec.dns_server = server.to_string();
    spec.timeout_ms = 5_000;
    spec
}

fn answers_of(observed: &Observed) -> Vec<String> {
    match observed.values.get("dns.answers") {
        Some(Value::List(items)) => items.clone(),
        other => panic!("dns.answers: expected a List, got {other:?}"),
    }
}

#[tokio::test]
async fn dns_localhost_via_system_resolver() {
    let spec = dns_spec("localhost", "");

    let observed = run_dns("localhost", &spec).await.unwrap();

    assert_eq!(text_of(&observed, "dns.rcode"), "NOERROR");
    assert!(answers_of(&observed).contains(&"127.0.0.1".to_string()), "{:?}", answers_of(&observed));
    assert!(duration_of(&observed, "response_time") >= 0.0);
}

#[tokio::test]
async fn dns_named_server_answers_a_record() {
    let server = serve_dns().await;
    let spec = dns_spec("probe.test", &server);

    let observed = run_dns("probe.test", &spec).await.unwrap();

    assert_eq!(text_of(&observed, "dns.rcode"), "NOERROR");
    assert_eq!(answers_of(&observed), vec!["10.1.2.3".to_string()]);
    let response_time = duration_of(&observed, "response_time");
    assert!((0.0..5_000.0).contains(&response_time), "{response_time}");
}

#[tokio::test]
async fn dns_named_server_nxdomain_is_observed_not_an_error() {
    let server = serve_dns().await;
    let spec = dns_spec("missing.test", &server);

    let observed = run_dns("missing.test", &spec).await.unwrap();

    assert_eq!(text_of(&observed, "dns.rcode"), "NXDOMAIN");
    assert!(answers_of(&observed).is_empty());
}

#[tokio::test]
async fn dns_named_server_other_type_is_noerror_without_answers() {
    let server = serve_dns().await;
    let mut spec = dns_spec("probe.test", &server);
    spec.dns_type = "AAAA".into();

    let observed = run_dns("probe.test", &spec).await.unwrap();

    assert_eq!(text_of(&observed, "dns.rcode"), "NOERROR");
    assert!(answers_of(&observed).is_empty());
}

#[tokio::test]
async fn dns_silent_server_times_out_as_an_error() {
    // A bound socket that never answers: the query is sent and nothing comes back.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let server = silent.local_addr().unwrap().to_string();
    let mut spec = dns_spec("probe.test", &server);
    spec.timeout_ms = 300;

    let error = run_dns("probe.test", &spec).await.unwrap_err();

    assert!(matches!(error, AttemptError::Transport(_)), "{error:?}");
    assert!(error.to_string().contains("probe.test"), "{error}");
    drop(silent);
}

#[tokio::test]
async fn dns_unsupported_type_is_an_error() {
    let mut spec = dns_spec("localhost", "");
    spec.dns_type = "SRV".into();

    let error = run_dns("localhost", &spec).await.unwrap_err();

    assert!(matches!(error, AttemptError::Setup(_)), "{error:?}");
    assert!(error.to_string().contains("SRV"), "{error}");
}

#[tokio::test]
async fn dns_retries_a_query_that_got_no_reply_and_a_pass_after_retry_warns() {
    let server = serve_dns_losing_the_first_query().await;
    let mut spec = dns_spec("probe.test", &server);
    spec.timeout_ms = 300;
    spec.retries = 2;
    spec.retry_delay_ms = 10;
    spec.expect = vec!["dns.rcode == NOERROR".into(), "dns.answers contains 10.1.2.3".into()];

    let result = run_through_runner(spec).await;

    assert_eq!((result.state, result.attempts), (ProbeState::Warn, 2), "{result:#?}");
}

#[tokio::test]
async fn dns_a_negative_answer_is_not_retried() {
    let server = serve_dns().await;
    let mut spec = dns_spec("missing.test", &server);
    spec.retries = 3;
    spec.retry_delay_ms = 10;

    let result = run_through_runner(spec).await;

    assert_eq!((result.state, result.attempts), (ProbeState::Fail, 1), "{result:#?}");
    assert_eq!(result.conditions[0].resolved(), "dns.rcode (\"NXDOMAIN\") == NOERROR");
}

#[tokio::test]
async fn a_ca_certificate_presented_as_a_server_certificate_is_said_in_words() {
    let (ca, issuer) = test_ca();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "localhost");
    set_validity(&mut params, -1, 90);
    let key = KeyPair::generate().unwrap();
    let certificate = params.signed_by(&key, &issuer).unwrap();
    let port = serve_tls(vec![certificate.der().clone()], &key).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (target, spec) = tls_spec(port, Some(&ca_path));

    let (observed, _) = run_tls(&target, &spec).await.unwrap();

    assert!(!bool_of(&observed, "tls.verified"));
    let error = text_of(&observed, "tls.error");
    assert!(error.contains("the certificate is a CA certificate used as a server certificate"), "{error}");
    assert!(!error.contains("OtherError"), "{error}");
}
