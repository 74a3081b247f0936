//! Revocation by OCSP (RFC 6960): the status a server staples to its handshake, or, when a probe
//! asks, the status the certificate's own responder gives. A response counts only when it is
//! for this certificate (its CertID: the issuer's name and key hashes and the serial), is
//! signed by the issuer or by a responder the issuer delegated to, and is current.

use std::time::Duration;

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_ocsp::{BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request};

/// `id-pkix-ocsp-basic`, the only response type there is.
const BASIC_RESPONSE: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// `id-ad-ocsp` in the Authority Information Access extension.
const AD_OCSP: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// `id-kp-OCSPSigning`: the extended key usage of a delegated responder.
const KP_OCSP_SIGNING: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
/// Clock skew allowed between the responder and this machine.
const SKEW_SECONDS: i64 = 300;
/// An OCSP response is small; one larger than this is not read.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What an OCSP response says of a certificate: the value of `cert.ocsp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspStatus {
    Good,
    /// Revoked at this time (RFC 3339), for this reason when the responder gives one.
    Revoked {
        at: String,
        reason: Option<String>,
    },
    Unknown,
}

impl OcspStatus {
    /// The word a condition compares with: `good`, `revoked`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            OcspStatus::Good => "good",
            OcspStatus::Revoked { .. } => "revoked",
            OcspStatus::Unknown => "unknown",
        }
    }

    /// The status in words for the evidence: "revoked at 2026-11-02T10:00:00Z (key compromise)".
    pub fn describe(&self) -> String {
        match self {
            OcspStatus::Revoked { at, reason: Some(reason) } => format!("revoked at {at} ({reason})"),
            OcspStatus::Revoked { at, reason: None } => format!("revoked at {at}"),
            other => other.word().to_string(),
        }
    }
}

/// Reads an OCSP response (DER) about `leaf`, issued by `issuer`, as of `now` (Unix seconds).
/// `Err` says why the response does not count: malformed, not successful, for another
/// certificate, badly signed, or out of date.
pub fn check_response(der: &[u8], leaf: &Certificate, issuer: &Certificate, now: i64) -> Result<OcspStatus, String> {
    let response = OcspResponse::from_der(der).map_err(|e| format!("the OCSP response is not valid DER: {e}"))?;
    if response.response_status != OcspResponseStatus::Successful {
        return Err(format!("the OCSP responder answered {:?}", response.response_status));
    }
    let bytes = response.response_bytes.ok_or("the OCSP response holds no answer")?;
    if bytes.response_type != BASIC_RESPONSE {
        return Err(format!("the OCSP response is of an unknown type {}", bytes.response_type));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|e| format!("the OCSP response is not valid DER: {e}"))?;
    check_signer(&basic, issuer)?;
    let serial = &leaf.tbs_certificate.serial_number;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|single| &single.cert_id.serial_number == serial && is_for_issuer(&single.cert_id, issuer))
        .ok_or("the OCSP response is about another certificate")?;
    let this_update = unix(&single.this_update.0);
    if this_update > now + SKEW_SECONDS {
        return Err(format!("the OCSP response is from the future ({})", rfc3339(this_update)));
    }
    if let Some(next_update) = &single.next_update {
        let next_update = unix(&next_update.0);
        if next_update + SKEW_SECONDS < now {
            return Err(format!("the OCSP response is out of date (next update was due {})", rfc3339(next_update)));
        }
    }
    Ok(match &single.cert_status {
        CertStatus::Good(_) => OcspStatus::Good,
        CertStatus::Unknown(_) => OcspStatus::Unknown,
        CertStatus::Revoked(info) => OcspStatus::Revoked {
            at: rfc3339(unix(&info.revocation_time.0)),
            reason: info.revocation_reason.map(|reason| words_of(&format!("{reason:?}"))),
        },
    })
}

/// Whether a CertID names `issuer` (by SHA-1 or SHA-256 hashes of its name and key).
fn is_for_issuer(cert_id: &CertId, issuer: &Certificate) -> bool {
    use sha1::Digest as _;
    let Ok(name) = issuer.tbs_certificate.subject.to_der() else { return false };
    let key = issuer.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
    let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = match cert_id.hash_algorithm.oid.to_string().as_str() {
        "1.3.14.3.2.26" => (sha1::Sha1::digest(&name).to_vec(), sha1::Sha1::digest(key).to_vec()),
        "2.16.840.1.101.3.4.2.1" => (sha2_10::Sha256::digest(&name).to_vec(), sha2_10::Sha256::digest(key).to_vec()),
        _ => return false,
    };
    cert_id.issuer_name_hash.as_bytes() == name_hash && cert_id.issuer_key_hash.as_bytes() == key_hash
}

/// Checks the response's signature: by the issuer's key, or by a certificate in the response
/// that the issuer signed for OCSP signing.
fn check_signer(basic: &BasicOcspResponse, issuer: &Certificate) -> Result<(), String> {
    let signed = basic.tbs_response_data.to_der().map_err(|e| e.to_string())?;
    let signature = basic.signature.as_bytes().ok_or("the OCSP response's signature is not whole bytes")?;
    let algorithm = basic.signature_algorithm.oid.to_string();
    if verify(&algorithm, issuer, &signed, signature).is_ok() {
        return Ok(());
    }
    for delegate in basic.certs.iter().flatten() {
        let delegated = verify_issued(delegate, issuer).is_ok() && has_ocsp_signing(delegate);
        if delegated && verify(&algorithm, delegate, &signed, signature).is_ok() {
            return Ok(());
        }
    }
    Err("the OCSP response is not signed by the certificate's issuer or a responder it delegated to".into())
}

/// Whether `issuer` signed `certificate`.
fn verify_issued(certificate: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let signed = certificate.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let signature = certificate.signature.as_bytes().ok_or("the signature is not whole bytes")?;
    verify(&certificate.signature_algorithm.oid.to_string(), issuer, &signed, signature)
}

fn has_ocsp_signing(certificate: &Certificate) -> bool {
    let Some(extensions) = &certificate.tbs_certificate.extensions else { return false };
    extensions
        .iter()
        .filter(|e| e.extn_id.to_string() == "2.5.29.37")
        .any(|e| x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).is_ok_and(|usage| usage.0.contains(&KP_OCSP_SIGNING)))
}

/// Verifies `signature` over `message` with `signer`'s public key, by the algorithm's OID.
fn verify(algorithm: &str, signer: &Certificate, message: &[u8], signature: &[u8]) -> Result<(), String> {
    use ring::signature as sig;
    let spki = &signer.tbs_certificate.subject_public_key_info;
    let key = spki.subject_public_key.raw_bytes();
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<der::oid::ObjectIdentifier>().ok()).map(|oid| oid.to_string());
    let p384 = curve.as_deref() == Some("1.3.132.0.34");
    let verifier: &dyn sig::VerificationAlgorithm = match algorithm {
        "1.2.840.10045.4.3.2" if p384 => &sig::ECDSA_P384_SHA256_ASN1,
        "1.2.840.10045.4.3.2" => &sig::ECDSA_P256_SHA256_ASN1,
        "1.2.840.10045.4.3.3" if p384 => &sig::ECDSA_P384_SHA384_ASN1,
        "1.2.840.10045.4.3.3" => &sig::ECDSA_P256_SHA384_ASN1,
        "1.2.840.113549.1.1.11" => &sig::RSA_PKCS1_2048_8192_SHA256,
        "1.2.840.113549.1.1.12" => &sig::RSA_PKCS1_2048_8192_SHA384,
        "1.2.840.113549.1.1.13" => &sig::RSA_PKCS1_2048_8192_SHA512,
        "1.3.101.112" => &sig::ED25519,
        other => return Err(format!("unsupported signature algorithm {other}")),
    };
    sig::UnparsedPublicKey::new(verifier, key).verify(message, signature).map_err(|_| "bad signature".to_string())
}

/// The OCSP responder the certificate names in its Authority Information Access extension.
pub fn responder_url(leaf: &Certificate) -> Option<String> {
    let extensions = leaf.tbs_certificate.extensions.as_ref()?;
    let access = extensions.iter().find(|e| e.extn_id.to_string() == "1.3.6.1.5.5.7.1.1")?;
    let access = x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(access.extn_value.as_bytes()).ok()?;
    access.0.iter().filter(|d| d.access_method == AD_OCSP).find_map(|d| match &d.access_location {
        x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
        _ => None,
    })
}

/// The DER of an OCSP request for `leaf` (a SHA-1 CertID, which every responder understands).
pub fn request(leaf: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, String> {
    let req_cert = CertId::from_issuer::<sha1::Sha1>(issuer, leaf.tbs_certificate.serial_number.clone()).map_err(|e| e.to_string())?;
    let request: OcspRequest =
        x509_ocsp::builder::OcspRequestBuilder::default().with_request(Request { req_cert, single_request_extensions: None }).build();
    request.to_der().map_err(|e| e.to_string())
}

/// Asks the responder at `url` (plain HTTP, as OCSP is served) about `request`, by POST.
pub async fn query(url: &str, request: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, String> {
    let client = reqwest::Client::builder().timeout(timeout).redirect(reqwest::redirect::Policy::limited(3)).build().map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header("content-type", "application/ocsp-request")
        .body(request)
        .send()
        .await
        .map_err(|e| format!("the OCSP responder {url} cannot be reached: {}", super::http::describe(&e)))?;
    if !response.status().is_success() {
        return Err(format!("the OCSP responder {url} answered HTTP {}", response.status().as_u16()));
    }
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("the OCSP responder {url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_RESPONSE_BYTES {
            return Err(format!("the OCSP responder {url} sent more than {} KB", MAX_RESPONSE_BYTES / 1024));
        }
    }
    Ok(body)
}

fn unix(time: &der::asn1::GeneralizedTime) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).map_or_else(|| seconds.to_string(), |time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// `key compromise` from `KeyCompromise`.
fn words_of(name: &str) -> String {
    let mut words = String::new();
    for c in name.chars() {
        if c.is_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    words
}
