//! The TLS probe: connects to `host:port`, completes a handshake whatever the certificate says,
//! and reports what it saw. Verification failures become observed values (`tls.verified`,
//! `tls.error`) rather than errors, because an expired or misnamed certificate is exactly what
//! a checklist wants to catch and describe, not a reason the probe could not run.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::model::{CertificateInfo, IpVersion, Observed, ProbeSpec, Value};

use super::AttemptError;

/// Runs a TLS probe on `target` (`host:port`, secrets already resolved). Returns what was
/// observed and the peer's certificate chain, leaf first; `Err` only when no handshake could be
/// completed at all: a setup error (bad target, unreadable CA file) or a transport one (refused,
/// timeout, protocol failure).
pub async fn run_tls(target: &str, spec: &ProbeSpec) -> Result<(Observed, Vec<CertificateInfo>), AttemptError> {
    // The application may not have installed a provider yet; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let host = host_of(target).map_err(AttemptError::Setup)?;
    let server_name =
        ServerName::try_from(host.to_string()).map_err(|e| AttemptError::Setup(format!("{target}: invalid server name '{host}': {e}")))?;
    let recorded = Arc::new(Mutex::new(Recorded::default()));
    let verifier = RecordingVerifier::new(&spec.ca_file, recorded.clone()).map_err(AttemptError::Setup)?;
    let verified = ClientConfig::builder().dangerous().with_custom_certificate_verifier(Arc::new(verifier));
    let config = match super::reach::client_identity(spec).map_err(AttemptError::Setup)? {
        Some(identity) => {
            verified.with_client_auth_cert(identity.chain, identity.key).map_err(|e| AttemptError::Setup(format!("client certificate: {e}")))?
        }
        None => verified.with_no_client_auth(),
    };

    let started = std::time::Instant::now();
    let total = Duration::from_millis(spec.timeout_ms);
    let handshake = connect_and_handshake(target, spec, config, server_name.clone());
    let session = tokio::time::timeout(total, handshake)
        .await
        .map_err(|_| format!("{target}: TLS probe timed out after {} ms", spec.timeout_ms))
        .and_then(|handshake| handshake)
        .map_err(AttemptError::Transport)?;

    let recorded = match recorded.lock() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let (mut observed, certificates) = observe(&session, &server_name, recorded.error);
    let left = total.saturating_sub(started.elapsed());
    let (status, detail) = revocation(&session.chain, &recorded.ocsp, spec, left).await;
    observed.values.insert("cert.ocsp".into(), Value::Text(status));
    observed.values.insert("cert.ocsp_detail".into(), Value::Text(detail));
    Ok((observed, certificates))
}

/// What the handshake established.
struct Session {
    address: SocketAddr,
    /// The certificates the server presented, leaf first.
    chain: Vec<CertificateDer<'static>>,
    /// `1.2` or `1.3`.
    version: Option<f64>,
    /// The cipher suite, by its IANA name (`TLS13_AES_256_GCM_SHA384`).
    cipher: Option<String>,
    phases: Phases,
}

/// What the verifier saw during the handshake.
#[derive(Debug, Clone, Default)]
struct Recorded {
    /// Why the chain should not have been accepted, first reason only.
    error: Option<String>,
    /// The OCSP response the server stapled, empty when none.
    ocsp: Vec<u8>,
}

/// The certificate's revocation status for `cert.ocsp` (`good`, `revoked`, `unknown`,
/// `missing`, `invalid`) and, for `cert.ocsp_detail`, where it came from or why it does not
/// count. A stapled response is read first; with `ocsp_query`, the certificate's responder is
/// asked when nothing valid was stapled, within what is left of the timeout.
async fn revocation(chain: &[CertificateDer<'static>], stapled: &[u8], spec: &ProbeSpec, left: Duration) -> (String, String) {
    use der::Decode as _;
    let certificates: Vec<x509_cert::Certificate> = chain.iter().filter_map(|der| x509_cert::Certificate::from_der(der.as_ref()).ok()).collect();
    let Some(leaf) = certificates.first() else {
        return ("missing".into(), "no certificate to check".into());
    };
    let Some(issuer) = issuer_of(leaf, &certificates[1..], &spec.ca_file) else {
        return ("missing".into(), "the certificate's issuer is neither in the chain nor in the CA file, so no OCSP response can be checked".into());
    };
    let now = chrono::Utc::now().timestamp();
    let mut problem = None;
    if !stapled.is_empty() {
        match super::ocsp::check_response(stapled, leaf, &issuer, now) {
            Ok(status) => return (status.word().into(), format!("stapled by the server: {}", status.describe())),
            Err(reason) => problem = Some(format!("stapled response: {reason}")),
        }
    }
    if spec.ocsp_query {
        let Some(url) = super::ocsp::responder_url(leaf) else {
            return ("missing".into(), "the certificate names no OCSP responder".into());
        };
        let answer = match super::ocsp::request(leaf, &issuer) {
            Ok(request) => super::ocsp::query(&url, request, left).await,
            Err(reason) => Err(reason),
        };
        return match answer.and_then(|der| super::ocsp::check_response(&der, leaf, &issuer, now)) {
            Ok(status) => (status.word().into(), format!("from {url}: {}", status.describe())),
            Err(reason) => ("invalid".into(), reason),
        };
    }
    match problem {
        Some(problem) => ("invalid".into(), problem),
        None => ("missing".into(), "the server stapled no OCSP response (set ocsp_query to ask the responder)".into()),
    }
}

/// The certificate that issued `leaf`: in the rest of the chain, or in the probe's CA file.
fn issuer_of(leaf: &x509_cert::Certificate, rest: &[x509_cert::Certificate], ca_file: &str) -> Option<x509_cert::Certificate> {
    let issuer_name = &leaf.tbs_certificate.issuer;
    if let Some(found) = rest.iter().find(|c| &c.tbs_certificate.subject == issuer_name) {
        return Some(found.clone());
    }
    if ca_file.is_empty() {
        return None;
    }
    let pem = std::fs::read(ca_file).ok()?;
    x509_cert::Certificate::load_pem_chain(&pem).ok()?.into_iter().find(|c| &c.tbs_certificate.subject == issuer_name)
}

/// The host part of `host:port`, without the brackets of an IPv6 literal.
fn host_of(target: &str) -> Result<&str, String> {
    let (host, port) = target.rsplit_once(':').ok_or_else(|| format!("{target}: expected host:port"))?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(format!("{target}: expected host:port"));
    }
    Ok(host.trim_start_matches('[').trim_end_matches(']'))
}

/// Connects (within the connect timeout) and completes the handshake; returns the peer address
/// and the certificate chain the server presented.
async fn connect_and_handshake(target: &str, spec: &ProbeSpec, config: ClientConfig, server_name: ServerName<'static>) -> Result<Session, String> {
    let connect_timeout = Duration::from_millis(spec.connect_timeout_ms);
    let (stream, address, phases) = tokio::time::timeout(connect_timeout, connect(target, spec.ip_version))
        .await
        .map_err(|_| format!("{target}: connect timed out after {} ms", spec.connect_timeout_ms))??;
    let connector = TlsConnector::from(Arc::new(config));
    let handshake_begun = std::time::Instant::now();
    let tls = connector.connect(server_name, stream).await.map_err(|e| {
        // Name the address only when it says more than the target does (a host name).
        let with = if address.to_string() == target { String::new() } else { format!(" with {address}") };
        format!("{target}: TLS handshake{with} failed: {}", plain_tls_words(&e.to_string()))
    })?;
    let connection = tls.get_ref().1;
    let chain = connection.peer_certificates().map(<[_]>::to_vec).unwrap_or_default();
    let version = connection.protocol_version().and_then(|version| match version {
        rustls::ProtocolVersion::TLSv1_3 => Some(1.3),
        rustls::ProtocolVersion::TLSv1_2 => Some(1.2),
        _ => None,
    });
    let cipher = connection.negotiated_cipher_suite().map(|suite| format!("{:?}", suite.suite()));
    let phases = Phases { tls: handshake_begun.elapsed(), ..phases };
    Ok(Session { address, chain, version, cipher, phases })
}

/// How long each step of reaching the server took.
#[derive(Debug, Clone, Copy, Default)]
struct Phases {
    dns: Duration,
    /// The TCP connection that succeeded (earlier addresses that failed not counted).
    connect: Duration,
    tls: Duration,
}

/// Resolves `target` and tries each address of the wanted IP version in turn, so that a host
/// listening only on IPv4 is still reached when `localhost` resolves to `::1` first.
async fn connect(target: &str, ip_version: IpVersion) -> Result<(TcpStream, SocketAddr, Phases), String> {
    let begun = std::time::Instant::now();
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host(target)
        .await
        .map_err(|e| format!("{target}: cannot resolve: {e}"))?
        .filter(|address| match ip_version {
            IpVersion::Auto => true,
            IpVersion::V4 => address.is_ipv4(),
            IpVersion::V6 => address.is_ipv6(),
        })
        .collect();
    let dns = begun.elapsed();
    let mut last_error = format!("{target}: no address of the requested IP version");
    for address in addresses {
        let connecting = std::time::Instant::now();
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok((stream, address, Phases { dns, connect: connecting.elapsed(), tls: Duration::ZERO })),
            Err(e) => last_error = format!("{target}: cannot connect to {address}: {e}"),
        }
    }
    Err(last_error)
}

/// Turns the handshake's outcome into observed values and certificate descriptions.
fn observe(session: &Session, server_name: &ServerName<'static>, error: Option<String>) -> (Observed, Vec<CertificateInfo>) {
    let (address, chain) = (session.address, &session.chain);
    let mut observed = Observed::default();
    let values = &mut observed.values;
    if let Some(version) = session.version {
        values.insert("tls.version".into(), Value::Number(version));
    }
    if let Some(cipher) = &session.cipher {
        values.insert("tls.cipher".into(), Value::Text(cipher.clone()));
    }
    let ms = |phase: Duration| Value::Duration(phase.as_secs_f64() * 1000.0);
    values.insert("time.dns".into(), ms(session.phases.dns));
    values.insert("time.connect".into(), ms(session.phases.connect));
    values.insert("time.tls".into(), ms(session.phases.tls));
    values.insert("address".into(), Value::Text(address.to_string()));
    values.insert("ip".into(), Value::Text(address.ip().to_string()));
    values.insert("tls.verified".into(), Value::Bool(error.is_none()));
    if let Some(error) = error {
        values.insert("tls.error".into(), Value::Text(error));
    }
    let parsed: Vec<Option<(CertificateInfo, i64)>> = chain.iter().map(|der| describe_certificate(der)).collect();
    let now_ms = chrono::Utc::now().timestamp_millis();
    if let Some(Some((_, not_after))) = parsed.first() {
        let expires_in = not_after * 1000 - now_ms;
        values.insert("cert.expires_in".into(), Value::Duration(expires_in as f64));
    }
    // The earliest expiry of every certificate presented: an intermediate that expires first
    // breaks the chain as surely as the leaf.
    if let Some(earliest) = parsed.iter().flatten().map(|(_, not_after)| *not_after).min() {
        values.insert("cert.chain_expires_in".into(), Value::Duration((earliest * 1000 - now_ms) as f64));
    }
    if let Some(leaf) = chain.first() {
        // A leaf webpki cannot parse leaves the subject missing rather than guessing false.
        if let Ok(parsed_leaf) = ParsedCertificate::try_from(leaf) {
            let ok = verify_server_name(&parsed_leaf, server_name).is_ok();
            values.insert("cert.hostname_ok".into(), Value::Bool(ok));
        }
    }
    let certificates = parsed.into_iter().flatten().map(|(info, _)| info).collect();
    (observed, certificates)
}

/// Subject, issuer and validity of one certificate, plus its `not_after` in Unix seconds.
fn describe_certificate(der: &CertificateDer<'_>) -> Option<(CertificateInfo, i64)> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let validity = certificate.validity();
    let not_after = validity.not_after.timestamp();
    let info = CertificateInfo {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: rfc3339(validity.not_before.timestamp()),
        not_after: rfc3339(not_after),
    };
    Some((info, not_after))
}

/// Unix seconds as an RFC 3339 UTC string; the raw number when out of chrono's range.
fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(|| seconds.to_string(), |time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// What checks the chain: webpki with the trusted roots, or nothing when no root could be loaded
/// (a bare container), in which case every chain is reported as having an unknown issuer.
#[derive(Debug)]
enum ChainCheck {
    WebPki(Arc<WebPkiServerVerifier>),
    NoRoots(WebPkiSupportedAlgorithms),
}

/// A verifier that lets every handshake complete but remembers why it should not have, so the
/// probe can report an expired or misnamed certificate instead of only "handshake failed".
#[derive(Debug)]
struct RecordingVerifier {
    check: ChainCheck,
    recorded: Arc<Mutex<Recorded>>,
}

impl RecordingVerifier {
    fn new(ca_file: &str, recorded: Arc<Mutex<Recorded>>) -> Result<RecordingVerifier, String> {
        let roots = super::roots::trusted_roots(ca_file)?;
        let check = if roots.is_empty() {
            ChainCheck::NoRoots(rustls::crypto::ring::default_provider().signature_verification_algorithms)
        } else {
            let verifier = WebPkiServerVerifier::builder(Arc::new(roots)).build().map_err(|e| format!("cannot build certificate verifier: {e}"))?;
            ChainCheck::WebPki(verifier)
        };
        Ok(RecordingVerifier { check, recorded })
    }

    /// Keeps the first failure: later ones (a signature after a bad chain) add little.
    fn record(&self, reason: String) {
        self.with_recorded(|recorded| {
            recorded.error.get_or_insert(reason);
        });
    }

    fn with_recorded(&self, change: impl FnOnce(&mut Recorded)) {
        let mut slot = match self.recorded.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        change(&mut slot);
    }

    fn signature(&self, result: Result<HandshakeSignatureValid, rustls::Error>) -> HandshakeSignatureValid {
        if let Err(e) = result {
            self.record(format!("handshake signature invalid: {e}"));
        }
        HandshakeSignatureValid::assertion()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.with_recorded(|recorded| recorded.ocsp = ocsp_response.to_vec());
        let result = match &self.check {
            ChainCheck::WebPki(inner) => inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).map(|_| ()),
            ChainCheck::NoRoots(_) => Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        };
        if let Err(e) = result {
            self.record(readable_reason(&e, server_name));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = match &self.check {
            ChainCheck::WebPki(inner) => inner.verify_tls12_signature(message, cert, dss),
            ChainCheck::NoRoots(algorithms) => rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms),
        };
        Ok(self.signature(result))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let result = match &self.check {
            ChainCheck::WebPki(inner) => inner.verify_tls13_signature(message, cert, dss),
            ChainCheck::NoRoots(algorithms) => rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms),
        };
        Ok(self.signature(result))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match &self.check {
            ChainCheck::WebPki(inner) => inner.supported_verify_schemes(),
            ChainCheck::NoRoots(algorithms) => algorithms.supported_schemes(),
        }
    }
}

/// A reason a person can act on: "certificate expired (not valid after …)", "unknown issuer",
/// "not valid for name 'localhost'", rather than rustls's debug formatting.
fn readable_reason(error: &rustls::Error, server_name: &ServerName<'_>) -> String {
    let rustls::Error::InvalidCertificate(error) = error else {
        return plain_tls_words(&error.to_string());
    };
    let name = server_name.to_str();
    match error {
        CertificateError::Expired => "certificate expired".into(),
        CertificateError::ExpiredContext { not_after, .. } => {
            format!("certificate expired (not valid after {})", rfc3339(not_after.as_secs() as i64))
        }
        CertificateError::NotValidYet => "certificate not valid yet".into(),
        CertificateError::NotValidYetContext { not_before, .. } => {
            format!("certificate not valid yet (not valid before {})", rfc3339(not_before.as_secs() as i64))
        }
        CertificateError::UnknownIssuer => "unknown issuer: the chain does not lead to a trusted CA".into(),
        CertificateError::NotValidForName => format!("not valid for name '{name}'"),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let presented: Vec<&str> = presented.iter().map(|p| bare_name(p)).collect();
            format!("not valid for name '{name}' (valid for {})", presented.join(", "))
        }
        CertificateError::Revoked => "certificate revoked".into(),
        CertificateError::BadSignature => "bad certificate signature".into(),
        // webpki reports these when a chain's signature cannot be checked with the key of the
        // candidate issuer it found, typically an unrelated trusted root with the same name.
        CertificateError::UnsupportedSignatureAlgorithmContext { .. } | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "certificate signature cannot be verified by any trusted CA (unsupported or mismatched algorithm)".into()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate is not meant for TLS servers (extended key usage)".into()
        }
        other => plain_tls_words(&other.to_string()),
    }
}

/// `other.example` from webpki's `DnsName("other.example")`, `10.0.0.1` from `IpAddress(10.0.0.1)`:
/// the names as the certificate's author wrote them.
fn bare_name(presented: &str) -> &str {
    presented
        .strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .or_else(|| presented.strip_prefix("IpAddress(").and_then(|rest| rest.strip_suffix(')')))
        .unwrap_or(presented)
}

/// Rewrites the webpki error names rustls prints as `Other(OtherError(CaUsedAsEndEntity))` in a
/// message into words a release manager can act on; other text is kept.
pub(crate) fn plain_tls_words(message: &str) -> String {
    const WORDS: [(&str, &str); 10] = [
        ("CaUsedAsEndEntity", "the certificate is a CA certificate used as a server certificate"),
        ("EndEntityUsedAsCa", "a server certificate is used as a CA in the chain"),
        ("RequiredEkuNotFound", "the certificate is not meant for TLS servers (extended key usage)"),
        ("UnsupportedCriticalExtension", "the certificate has a critical extension TLS clients do not understand"),
        ("PathLenConstraintViolated", "the chain is longer than a CA in it allows"),
        ("NameConstraintViolation", "the certificate's name is outside what its CA may issue for"),
        ("MaximumPathDepthExceeded", "the chain is too long"),
        ("InvalidCertValidity", "the certificate's validity dates are malformed"),
        ("UnsupportedCertVersion", "the certificate is not an X.509 version 3 certificate"),
        ("BadDer", "the certificate is not valid DER"),
    ];
    let mut out = message.to_string();
    for (name, words) in WORDS {
        for wrapped in [format!("Other(OtherError({name}))"), format!("OtherError({name})")] {
            out = out.replace(&wrapped, words);
        }
    }
    out
}

#[cfg(test)]
mod plain_words_tests {
    use super::plain_tls_words;

    #[test]
    fn webpki_error_names_read_as_words() {
        assert_eq!(
            plain_tls_words("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"),
            "invalid peer certificate: the certificate is a CA certificate used as a server certificate"
        );
        assert_eq!(plain_tls_words("connection refused"), "connection refused");
    }
}
