//! TLS depth: the chain's earliest expiry, the protocol version and cipher, a minimum version,
//! and revocation by OCSP, stapled by the server or asked of the responder the certificate
//! names. The OCSP responses are built and signed here with RustCrypto's x509-ocsp, by the test
//! CA's key or by another.

use std::sync::Arc;

use der::{Decode, Encode};
use rcgen::{BasicConstraints, Certificate, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use x509_ocsp::builder::OcspResponseBuilder;
use x509_ocsp::{CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, RevokedInfo, SingleResponse};

use super::*;

/// A CA or intermediate valid over the given days, issued by `parent` or self-signed.
fn authority(name: &str, from_days: i64, to_days: i64, parent: Option<&Issuer<'static, KeyPair>>) -> (Certificate, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    set_validity(&mut params, from_days, to_days);
    let key = KeyPair::generate().unwrap();
    let certificate = match parent {
        Some(parent) => params.signed_by(&key, parent).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (certificate, Issuer::new(params, key))
}

/// A leaf for localhost whose Authority Information Access names `responder` for OCSP.
fn leaf_with_responder(issuer: &Issuer<'static, KeyPair>, responder: &str) -> (Certificate, KeyPair) {
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax};
    let access = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1"),
        access_location: GeneralName::UniformResourceIdentifier(der::asn1::Ia5String::new(responder).unwrap()),
    }]);
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    set_validity(&mut params, -1, 90);
    params.custom_extensions.push(CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], access.to_der().unwrap()));
    let key = KeyPair::generate().unwrap();
    (params.signed_by(&key, issuer).unwrap(), key)
}

fn x509(certificate: &Certificate) -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(certificate.der()).unwrap()
}

fn ocsp_time(days: i64) -> OcspGeneralizedTime {
    let seconds = u64::try_from(chrono::Utc::now().timestamp() + days * 86_400).unwrap();
    OcspGeneralizedTime(der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(seconds)).unwrap())
}

/// An OCSP response saying `status` of `leaf`, signed with `signer` (the issuer's key, or
/// another to forge one).
fn ocsp_response(leaf: &Certificate, issuer: &Certificate, status: CertStatus, signer: &KeyPair) -> Vec<u8> {
    let (leaf, issuer) = (x509(leaf), x509(issuer));
    let cert_id = CertId::from_issuer::<sha1::Sha1>(&issuer, leaf.tbs_certificate.serial_number.clone()).unwrap();
    let single = SingleResponse::new(cert_id, status, ocsp_time(-1)).with_next_update(ocsp_time(6));
    let mut key = <p256::ecdsa::SigningKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_der(&signer.serialize_der()).unwrap();
    let responder = x509_ocsp::ResponderId::ByName(issuer.tbs_certificate.subject.clone());
    let response: OcspResponse =
        OcspResponseBuilder::new(responder).with_single_response(single).sign::<_, p256::ecdsa::DerSignature>(&mut key, None, ocsp_time(0)).unwrap();
    response.to_der().unwrap()
}

fn revoked() -> CertStatus {
    CertStatus::revoked(RevokedInfo { revocation_time: ocsp_time(-2), revocation_reason: Some(x509_cert::ext::pkix::CrlReason::KeyCompromise) })
}

/// A TLS server presenting `chain`, stapling `ocsp` when given, speaking only `versions`.
async fn serve(
    chain: Vec<CertificateDer<'static>>,
    key: &KeyPair,
    ocsp: Option<Vec<u8>>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let builder = rustls::ServerConfig::builder_with_protocol_versions(versions).with_no_client_auth();
    let config = match ocsp {
        Some(ocsp) => builder.with_single_cert_with_ocsp(chain, key, ocsp).unwrap(),
        None => builder.with_single_cert(chain, key).unwrap(),
    };
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

fn condition<'a>(result: &'a ProbeResult, text: &str) -> &'a preflight::model::ConditionResult {
    result.conditions.iter().find(|c| c.condition == text).unwrap_or_else(|| panic!("no condition `{text}` in {:?}", result.conditions))
}

#[tokio::test]
async fn an_intermediate_that_expires_before_the_leaf_is_the_chain_expiry() {
    let (root, root_issuer) = authority("Preflight Test Root", -1, 3650, None);
    let (intermediate, intermediate_issuer) = authority("Preflight Test Intermediate", -1, 10, Some(&root_issuer));
    let (certificate, key) = leaf("localhost", -1, 300, Some(&intermediate_issuer));
    let port = serve(vec![certificate.der().clone(), intermediate.der().clone()], &key, None, rustls::DEFAULT_VERSIONS).await;
    let (_dir, ca_path) = write_ca(&root);
    let (_, mut spec) = tls_spec(port, Some(&ca_path));
    spec.expect = vec!["cert.expires_in > 30d".into(), "cert.chain_expires_in > 30d".into()];

    let result = run_through_runner(spec).await;

    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    assert!(condition(&result, "cert.expires_in > 30d").passed);
    let chain = condition(&result, "cert.chain_expires_in > 30d");
    assert!(!chain.passed && (chain.seen == "9d" || chain.seen == "10d"), "{chain:?}");
    assert!(condition(&result, "tls.verified == true").passed, "the chain itself is valid: {result:?}");
    let subjects: Vec<&str> = result.certificates.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(subjects, ["CN=localhost", "CN=Preflight Test Intermediate"], "the chain is in the evidence");
}

#[tokio::test]
async fn the_protocol_version_and_cipher_are_subjects_and_a_minimum_version_fails_an_older_server() {
    let (ca, issuer) = test_ca();
    let (certificate, key) = leaf("localhost", -1, 90, Some(&issuer));
    let (_dir, ca_path) = write_ca(&ca);

    let modern = serve(vec![certificate.der().clone()], &key, None, &[&rustls::version::TLS13]).await;
    let (_, mut spec) = tls_spec(modern, Some(&ca_path));
    spec.expect = vec!["tls.version == 1.3".into(), "tls.cipher matches \"^TLS13_\"".into()];
    spec.min_tls_version = "1.3".into();
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Pass, "{result:?}");
    assert_eq!(condition(&result, "tls.version >= 1.3").seen, "1.3");

    let older = serve(vec![certificate.der().clone()], &key, None, &[&rustls::version::TLS12]).await;
    let (_, mut spec) = tls_spec(older, Some(&ca_path));
    spec.expect = vec!["tls.cipher contains \"ECDHE\"".into()];
    spec.min_tls_version = "1.3".into();
    let result = run_through_runner(spec).await;
    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    let minimum = condition(&result, "tls.version >= 1.3");
    assert_eq!((minimum.passed, minimum.seen.as_str()), (false, "1.2"), "the version the server chose is the value seen");
    assert!(condition(&result, "tls.cipher contains \"ECDHE\"").passed, "{result:?}");

    let mut wrong = ProbeSpec::new(ProbeKind::Tls, "localhost:1".to_string());
    wrong.min_tls_version = "1.4".into();
    let error = preflight::probe::runner::check_conditions(&wrong).unwrap_err();
    assert!(error.contains("min_tls_version `1.4`"), "{error}");
}

#[tokio::test]
async fn a_stapled_ocsp_response_says_good_revoked_or_is_refused_when_forged() {
    let (ca, issuer) = test_ca();
    let ca_key = KeyPair::from_pem(&issuer.key().serialize_pem()).unwrap();
    let (certificate, key) = leaf("localhost", -1, 90, Some(&issuer));
    let (_dir, ca_path) = write_ca(&ca);
    let forger = KeyPair::generate().unwrap();
    let cases = [
        (Some(ocsp_response(&certificate, &ca, CertStatus::good(), &ca_key)), "good", ProbeState::Pass),
        (Some(ocsp_response(&certificate, &ca, revoked(), &ca_key)), "revoked", ProbeState::Fail),
        (Some(ocsp_response(&certificate, &ca, CertStatus::good(), &forger)), "invalid", ProbeState::Fail),
        (None, "missing", ProbeState::Fail),
    ];
    for (stapled, expected, state) in cases {
        let port = serve(vec![certificate.der().clone(), ca.der().clone()], &key, stapled, rustls::DEFAULT_VERSIONS).await;
        let (_, mut spec) = tls_spec(port, Some(&ca_path));
        spec.expect = vec!["cert.ocsp == \"good\"".into()];
        let result = run_through_runner(spec).await;
        assert_eq!(result.state, state, "{expected}: {result:?}");
        assert_eq!(condition(&result, "cert.ocsp == \"good\"").seen, format!("\"{expected}\""), "{result:?}");
    }
}

#[tokio::test]
async fn with_ocsp_query_the_certificates_own_responder_is_asked() {
    let (ca, issuer) = test_ca();
    let ca_key = KeyPair::from_pem(&issuer.key().serialize_pem()).unwrap();
    // The responder's address goes into the certificate, and the certificate into its answer:
    // bind first, then make both.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/ocsp");
    let (certificate, key) = leaf_with_responder(&issuer, &url);
    let answer = ocsp_response(&certificate, &ca, revoked(), &ca_key);
    let (served_url, mut asked) = serve_responder_on(port, answer).await;
    assert_eq!(served_url, url);
    let tls_port = serve(vec![certificate.der().clone(), ca.der().clone()], &key, None, rustls::DEFAULT_VERSIONS).await;
    let (_dir, ca_path) = write_ca(&ca);
    let (_, mut spec) = tls_spec(tls_port, Some(&ca_path));
    spec.expect = vec!["cert.ocsp == \"good\"".into(), "cert.ocsp_detail contains \"key compromise\"".into()];
    spec.ocsp_query = true;

    let result = run_through_runner(spec).await;

    assert_eq!(result.state, ProbeState::Fail, "{result:?}");
    assert_eq!(condition(&result, "cert.ocsp == \"good\"").seen, "\"revoked\"");
    let request = asked.try_recv().expect("the responder was asked");
    let serial = x509(&certificate).tbs_certificate.serial_number;
    assert_eq!(request.tbs_request.request_list[0].req_cert.serial_number, serial, "it asked about this certificate");
    let detail = condition(&result, "cert.ocsp_detail contains \"key compromise\"");
    assert!(detail.passed && detail.seen.starts_with(&format!("\"from {url}: revoked at ")), "the evidence names the responder: {detail:?}");
}

/// An OCSP responder over plain HTTP on 127.0.0.1:`port`: answers every POST with `response`,
/// and sends each request it was asked, parsed, on the returned channel.
async fn serve_responder_on(port: u16, response: Vec<u8>) -> (String, tokio::sync::mpsc::UnboundedReceiver<OcspRequest>) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let (asked, received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(respond(listener, response, asked));
    (format!("http://127.0.0.1:{port}/ocsp"), received)
}

async fn respond(listener: TcpListener, response: Vec<u8>, asked: tokio::sync::mpsc::UnboundedSender<OcspRequest>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        // The headers, then as many body bytes as Content-Length says.
        let body = loop {
            let n = stream.read(&mut buffer).await.unwrap();
            request.extend_from_slice(&buffer[..n]);
            let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                if n == 0 {
                    break Vec::new();
                }
                continue;
            };
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head.lines().find_map(|line| line.strip_prefix("content-length:")).map_or(0, |value| value.trim().parse().unwrap());
            if request.len() >= end + 4 + length || n == 0 {
                break request[end + 4..(end + 4 + length).min(request.len())].to_vec();
            }
        };
        if let Ok(parsed) = OcspRequest::from_der(&body) {
            let _ = asked.send(parsed);
        }
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/ocsp-response\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", response.len());
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&response).await;
    }
}
