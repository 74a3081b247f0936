//! X.509 certificates for signer keys: a self-signed certificate that names the key's holder
//! (name, optional title and e-mail), made when a key is created, and reading any certificate
//! back to the facts verification reports (who, issued by whom, valid when, which key).

use std::time::Duration;

use der::asn1::{GeneralizedTime, Ia5String, SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode, Tag, Tagged};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use crate::model::Timestamp;

const COMMON_NAME: der::oid::ObjectIdentifier = const_oid::db::rfc4519::CN;
const TITLE: der::oid::ObjectIdentifier = const_oid::db::rfc4519::TITLE;
const ORGANIZATION: der::oid::ObjectIdentifier = const_oid::db::rfc4519::O;
const EMAIL: der::oid::ObjectIdentifier = const_oid::db::rfc3280::EMAIL_ADDRESS;

/// How long a self-signed certificate is valid: five years, long enough for the records a
/// person signs while they hold the key, short enough that a lost key stops being accepted.
const SELF_SIGNED_YEARS: u64 = 5;

/// Who a key belongs to, as its certificate names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    /// A job title, such as "QA Lead".
    pub title: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("the certificate cannot be made: {0}")]
    Build(String),
    #[error("not an X.509 certificate: {0}")]
    Parse(String),
    #[error("the e-mail address `{0}` is not plain ASCII")]
    Email(String),
}

/// A certificate as verification reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The subject's common name.
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    /// The issuer's common name (or whole name when it has none).
    pub issuer: String,
    pub self_signed: bool,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// The subject's public key as a compressed SEC1 point, when it is a P-256 key.
    pub p256_public_key: Option<Vec<u8>>,
    /// The SHA-256 of the certificate's DER, in hex: what people compare.
    pub sha256: String,
    pub der: Vec<u8>,
}

impl CertificateInfo {
    /// Whether the certificate was valid at `at`.
    pub fn valid_at(&self, at: Timestamp) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The subject as one line: `Dana Whitfield, QA Lead <dana@example.com>`.
    pub fn subject_line(&self) -> String {
        let mut line = self.name.clone();
        if let Some(title) = &self.title {
            line.push_str(&format!(", {title}"));
        }
        if let Some(email) = &self.email {
            line.push_str(&format!(" <{email}>"));
        }
        line
    }
}

/// Makes a self-signed certificate for `key`, valid from `at` for five years.
pub fn self_signed(key: &SigningKey, identity: &Identity, at: Timestamp, serial: [u8; 16]) -> Result<Vec<u8>, CertError> {
    let build = |e: &dyn std::fmt::Display| CertError::Build(e.to_string());
    let subject = name_of(identity)?;
    // A serial number is a positive INTEGER: the top bit clear keeps it from reading as negative.
    let mut serial = serial;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let serial = SerialNumber::new(&serial).map_err(|e| build(&e))?;
    let start = Duration::from_secs(u64::try_from(at.as_datetime().timestamp()).unwrap_or(0));
    let end = start + Duration::from_secs(SELF_SIGNED_YEARS * 365 * 86_400 + 86_400);
    let time = |duration: Duration| -> Result<Time, CertError> {
        Ok(Time::GeneralTime(GeneralizedTime::from_unix_duration(duration).map_err(|e| build(&e))?))
    };
    let validity = Validity { not_before: time(start)?, not_after: time(end)? };
    let public = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).map_err(|e| build(&e))?;
    let profile = Profile::Leaf { issuer: subject.clone(), enable_key_agreement: false, enable_key_encipherment: false };
    let builder = CertificateBuilder::new(profile, serial, validity, subject, public, key).map_err(|e| build(&e))?;
    let certificate = builder.build::<DerSignature>().map_err(|e| build(&e))?;
    certificate.to_der().map_err(|e| build(&e))
}

/// The subject name: CN, then title, then e-mail, each its own RDN.
fn name_of(identity: &Identity) -> Result<Name, CertError> {
    let utf8 = |text: &str| -> Result<Any, CertError> {
        Any::from(Utf8StringRef::new(text).map_err(|e| CertError::Build(e.to_string()))?)
            .to_der()
            .and_then(|der| Any::from_der(&der))
            .map_err(|e| CertError::Build(e.to_string()))
    };
    let mut rdns = Vec::new();
    let mut push = |oid, value: Any| -> Result<(), CertError> {
        let mut set = SetOfVec::new();
        set.insert(AttributeTypeAndValue { oid, value }).map_err(|e| CertError::Build(e.to_string()))?;
        rdns.push(RelativeDistinguishedName(set));
        Ok(())
    };
    push(COMMON_NAME, utf8(identity.name.trim())?)?;
    if let Some(title) = identity.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        push(TITLE, utf8(title)?)?;
    }
    if let Some(email) = identity.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let ia5 = Ia5String::new(email).map_err(|_| CertError::Email(email.to_string()))?;
        push(EMAIL, Any::encode_from(&ia5).map_err(|e| CertError::Build(e.to_string()))?)?;
    }
    Ok(RdnSequence(rdns))
}

/// Reads a DER certificate.
pub fn parse(der: &[u8]) -> Result<CertificateInfo, CertError> {
    let certificate = Certificate::from_der(der).map_err(|e| CertError::Parse(e.to_string()))?;
    info_of(&certificate, der)
}

pub(crate) fn info_of(certificate: &Certificate, der: &[u8]) -> Result<CertificateInfo, CertError> {
    let tbs = &certificate.tbs_certificate;
    let timestamp = |time: Time| {
        let secs = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
        chrono::DateTime::from_timestamp(secs, 0)
            .map(Timestamp::from_datetime)
            .ok_or_else(|| CertError::Parse("a validity date is out of range".into()))
    };
    let spki = &tbs.subject_public_key_info;
    let p256_public_key = spki
        .subject_public_key
        .as_bytes()
        .and_then(|bytes| VerifyingKey::from_sec1_bytes(bytes).ok())
        .filter(|_| spki.algorithm.oid == const_oid::db::rfc5912::ID_EC_PUBLIC_KEY)
        .map(|key| key.to_encoded_point(true).as_bytes().to_vec());
    Ok(CertificateInfo {
        name: attribute(&tbs.subject, COMMON_NAME).unwrap_or_else(|| tbs.subject.to_string()),
        title: attribute(&tbs.subject, TITLE),
        email: attribute(&tbs.subject, EMAIL),
        issuer: attribute(&tbs.issuer, COMMON_NAME).or_else(|| attribute(&tbs.issuer, ORGANIZATION)).unwrap_or_else(|| tbs.issuer.to_string()),
        self_signed: tbs.issuer == tbs.subject,
        not_before: timestamp(tbs.validity.not_before)?,
        not_after: timestamp(tbs.validity.not_after)?,
        p256_public_key,
        sha256: crate::model::sha256_hex(der),
        der: der.to_vec(),
    })
}

/// The first value of an attribute in a name, as text.
fn attribute(name: &Name, oid: der::oid::ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find(|atv| atv.oid == oid).and_then(|atv| {
        let value = &atv.value;
        match value.tag() {
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => String::from_utf8(value.value().to_vec()).ok(),
            Tag::BmpString => {
                let units: Vec<u16> = value.value().chunks_exact(2).map(|pair| u16::from_be_bytes([pair[0], pair[1]])).collect();
                String::from_utf16(&units).ok()
            }
            _ => None,
        }
    })
}

/// A certificate in PEM, as other tools (openssl, pyHanko's `--trust`) read it.
pub fn to_pem(der: &[u8]) -> String {
    use der::pem::LineEnding;
    der::pem::encode_string("CERTIFICATE", LineEnding::LF, der).unwrap_or_default()
}

/// The DER of the first certificate in a PEM text.
pub fn from_pem(text: &str) -> Result<Vec<u8>, CertError> {
    let (label, der) = der::pem::decode_vec(text.trim().as_bytes()).map_err(|e| CertError::Parse(e.to_string()))?;
    if label != "CERTIFICATE" {
        return Err(CertError::Parse(format!("a PEM block labelled {label}, not CERTIFICATE")));
    }
    Ok(der)
}

/// Every certificate in a PEM text, in order (DER).
pub fn all_from_pem(text: &str) -> Result<Vec<Vec<u8>>, CertError> {
    text.split_inclusive("-----END CERTIFICATE-----")
        .filter_map(|block| block.find("-----BEGIN CERTIFICATE-----").map(|at| &block[at..]))
        .map(from_pem)
        .collect()
}

/// The public key DER (SubjectPublicKeyInfo) of a P-256 key.
pub fn public_key_der(key: &VerifyingKey) -> Option<Vec<u8>> {
    key.to_public_key_der().ok().map(|doc| doc.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_names_its_holder_and_reads_back() {
        let key = SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
        let at = Timestamp::parse("2026-12-02T10:00:00Z").unwrap();
        let identity = Identity { name: "Dana Whitfield, Jr.".into(), title: Some("QA Lead".into()), email: Some("dana@example.com".into()) };
        let der = self_signed(&key, &identity, at, [0xff; 16]).unwrap();
        let info = parse(&der).unwrap();
        assert_eq!(info.name, "Dana Whitfield, Jr.");
        assert_eq!(info.title.as_deref(), Some("QA Lead"));
        assert_eq!(info.email.as_deref(), Some("dana@example.com"));
        assert_eq!(info.issuer, "Dana Whitfield, Jr.");
        assert!(info.self_signed);
        assert_eq!(info.not_before, at);
        assert!(info.valid_at(Timestamp::parse("2031-12-01T10:00:00Z").unwrap()));
        assert!(!info.valid_at(Timestamp::parse("2032-12-02T10:00:00Z").unwrap()));
        assert_eq!(info.p256_public_key.unwrap(), key.verifying_key().to_encoded_point(true).as_bytes());
        assert_eq!(from_pem(&to_pem(&der)).unwrap(), der);
        assert!(matches!(self_signed(&key, &Identity { email: Some("dänä@example.com".into()), ..identity }, at, [1; 16]), Err(CertError::Email(_))));
    }
}
