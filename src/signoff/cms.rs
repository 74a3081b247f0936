//! CMS (RFC 5652) detached signatures as PAdES baseline B-B puts them in a PDF: SignedData over
//! the signed bytes' SHA-256, with the signer's certificate and the signed attributes content
//! type, message digest and ESS signing-certificate-v2 (no signing-time attribute: PAdES takes
//! the claimed time from the signature dictionary's `/M`). ECDSA P-256 with SHA-256.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos};
use der::asn1::{OctetString, SetOfVec};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use sha2_10::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use super::cert::{CertificateInfo, info_of};

const ID_DATA: ObjectIdentifier = const_oid::db::rfc5911::ID_DATA;
const ID_SIGNED_DATA: ObjectIdentifier = const_oid::db::rfc5911::ID_SIGNED_DATA;
const ID_CONTENT_TYPE: ObjectIdentifier = const_oid::db::rfc5911::ID_CONTENT_TYPE;
const ID_MESSAGE_DIGEST: ObjectIdentifier = const_oid::db::rfc5911::ID_MESSAGE_DIGEST;
const ID_SHA_256: ObjectIdentifier = const_oid::db::rfc5912::ID_SHA_256;
const ECDSA_WITH_SHA_256: ObjectIdentifier = const_oid::db::rfc5912::ECDSA_WITH_SHA_256;
const ID_EC_PUBLIC_KEY: ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
/// id-aa-signingCertificateV2 (RFC 5035).
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CmsError {
    #[error("the CMS signature cannot be made: {0}")]
    Build(String),
    #[error("the signature is not CMS SignedData: {0}")]
    Malformed(String),
    #[error("the signature uses {0}, which Preflight does not check (it checks ECDSA P-256 with SHA-256)")]
    Unsupported(String),
    #[error("the signer's certificate is not in the signature")]
    NoCertificate,
    #[error("the signed bytes' digest is not the one the signature carries: the file was changed after signing")]
    DigestMismatch,
    #[error("the signed attributes do not verify with the certificate's key: the signature or the certificate was changed")]
    BadSignature,
    #[error("the signing-certificate attribute names another certificate than the one in the signature")]
    CertificateMismatch,
}

/// What a valid CMS signature says about its signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmsSigner {
    pub certificate: CertificateInfo,
    /// Certificates the signature carries besides the signer's (a chain), DER.
    pub chain: Vec<Vec<u8>>,
}

fn build_error(err: impl std::fmt::Display) -> CmsError {
    CmsError::Build(err.to_string())
}

fn malformed(err: impl std::fmt::Display) -> CmsError {
    CmsError::Malformed(err.to_string())
}

fn algorithm(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid, parameters: None }
}

/// A DER TLV, for the one small structure the `cms` crate has no type for.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, with one ESSCertIDv2
/// holding only the certificate's SHA-256 (the default hash algorithm is SHA-256).
fn signing_certificate_v2(certificate_der: &[u8]) -> Vec<u8> {
    let hash = Sha256::digest(certificate_der);
    tlv(0x30, &tlv(0x30, &tlv(0x30, &tlv(0x04, &hash))))
}

fn attribute(oid: ObjectIdentifier, value_der: &[u8]) -> Result<Attribute, CmsError> {
    let mut values = SetOfVec::new();
    values.insert(Any::from_der(value_der).map_err(build_error)?).map_err(build_error)?;
    Ok(Attribute { oid, values })
}

/// Signs `digest` (the SHA-256 of the signed bytes) with `key`, whose certificate is
/// `certificate_der`, and returns the DER ContentInfo.
/// `chain` holds the certificates that issued it, which go into the signature too so that a
/// verifier who trusts only the root can follow them.
pub fn sign_detached(key: &SigningKey, certificate_der: &[u8], chain: &[Vec<u8>], digest: &[u8; 32]) -> Result<Vec<u8>, CmsError> {
    let certificate = Certificate::from_der(certificate_der).map_err(build_error)?;
    let mut signed_attrs = SetOfVec::new();
    signed_attrs.insert(attribute(ID_CONTENT_TYPE, &ID_DATA.to_der().map_err(build_error)?)?).map_err(build_error)?;
    signed_attrs.insert(attribute(ID_MESSAGE_DIGEST, &tlv(0x04, digest))?).map_err(build_error)?;
    signed_attrs.insert(attribute(ID_SIGNING_CERTIFICATE_V2, &signing_certificate_v2(certificate_der))?).map_err(build_error)?;
    let to_sign = signed_attrs.to_der().map_err(build_error)?;
    let signature: DerSignature = key.sign(&to_sign);
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: certificate.tbs_certificate.issuer.clone(),
        serial_number: certificate.tbs_certificate.serial_number.clone(),
    });
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: algorithm(ID_SHA_256),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: algorithm(ECDSA_WITH_SHA_256),
        signature: OctetString::new(signature.as_bytes()).map_err(build_error)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(algorithm(ID_SHA_256)).map_err(build_error)?;
    let mut certificates = SetOfVec::new();
    certificates.insert(CertificateChoices::Certificate(certificate)).map_err(build_error)?;
    for der in chain {
        certificates.insert(CertificateChoices::Certificate(Certificate::from_der(der).map_err(build_error)?)).map_err(build_error)?;
    }
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer_info).map_err(build_error)?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None },
        certificates: Some(CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    let content = Any::encode_from(&signed_data).map_err(build_error)?;
    ContentInfo { content_type: ID_SIGNED_DATA, content }.to_der().map_err(build_error)
}

/// Checks a detached CMS signature over bytes whose SHA-256 is `digest`: the message digest
/// attribute, the signature over the signed attributes with the signer certificate's key, and
/// the signing-certificate attribute when present. Trust in the certificate is not judged here.
pub fn verify_detached(cms_der: &[u8], digest: &[u8; 32]) -> Result<CmsSigner, CmsError> {
    let info = ContentInfo::from_der(cms_der).map_err(malformed)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(CmsError::Malformed(format!("content type {}", info.content_type)));
    }
    let signed_data: SignedData = info.content.decode_as().map_err(malformed)?;
    let [signer] = signed_data.signer_infos.0.as_slice() else {
        return Err(CmsError::Malformed(format!("{} signer infos, where PAdES has one", signed_data.signer_infos.0.len())));
    };
    if signer.digest_alg.oid != ID_SHA_256 {
        return Err(CmsError::Unsupported(format!("digest algorithm {}", signer.digest_alg.oid)));
    }
    if ![ECDSA_WITH_SHA_256, ID_EC_PUBLIC_KEY].contains(&signer.signature_algorithm.oid) {
        return Err(CmsError::Unsupported(format!("signature algorithm {}", signer.signature_algorithm.oid)));
    }
    let certificates: Vec<&Certificate> = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(certificate) => Some(certificate),
            CertificateChoices::Other(_) => None,
        })
        .collect();
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(CmsError::Unsupported("a signer identified by subject key identifier".into()));
    };
    let certificate = certificates
        .iter()
        .find(|c| c.tbs_certificate.issuer == sid.issuer && c.tbs_certificate.serial_number == sid.serial_number)
        .ok_or(CmsError::NoCertificate)?;
    let certificate_der = certificate.to_der().map_err(malformed)?;
    let signed_attrs = signer.signed_attrs.as_ref().ok_or_else(|| CmsError::Malformed("no signed attributes".into()))?;
    let value_of = |oid: ObjectIdentifier| signed_attrs.iter().find(|a| a.oid == oid).and_then(|a| a.values.iter().next());
    let content_type = value_of(ID_CONTENT_TYPE).ok_or_else(|| CmsError::Malformed("no content-type attribute".into()))?;
    if content_type.decode_as::<ObjectIdentifier>().map_err(malformed)? != ID_DATA {
        return Err(CmsError::Malformed("the content-type attribute is not id-data".into()));
    }
    let message_digest = value_of(ID_MESSAGE_DIGEST).ok_or_else(|| CmsError::Malformed("no message-digest attribute".into()))?;
    if message_digest.decode_as::<OctetString>().map_err(malformed)?.as_bytes() != digest {
        return Err(CmsError::DigestMismatch);
    }
    if let Some(essv2) = value_of(ID_SIGNING_CERTIFICATE_V2) {
        // Only the certificate hash is compared; a hash algorithm other than SHA-256 would be
        // named in the structure and would not match.
        let expected = signing_certificate_v2(&certificate_der);
        if essv2.to_der().map_err(malformed)? != expected {
            return Err(CmsError::CertificateMismatch);
        }
    }
    let spki = &certificate.tbs_certificate.subject_public_key_info;
    let key_bytes = spki.subject_public_key.as_bytes().ok_or_else(|| CmsError::Malformed("the public key is not whole bytes".into()))?;
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(CmsError::Unsupported(format!("a {} key", spki.algorithm.oid)));
    }
    let key = VerifyingKey::from_sec1_bytes(key_bytes).map_err(|_| CmsError::Unsupported("an elliptic curve other than P-256".into()))?;
    let signature = DerSignature::from_bytes(signer.signature.as_bytes()).map_err(|_| CmsError::BadSignature)?;
    let signed = signed_attrs.to_der().map_err(malformed)?;
    key.verify(&signed, &signature).map_err(|_| CmsError::BadSignature)?;
    let certificate_info = info_of(certificate, &certificate_der).map_err(malformed)?;
    let chain = certificates.iter().filter(|c| **c != *certificate).filter_map(|c| c.to_der().ok()).collect();
    Ok(CmsSigner { certificate: certificate_info, chain })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::signoff::cert::{Identity, self_signed};

    #[test]
    fn a_detached_signature_verifies_and_names_its_signer_and_catches_another_digest() {
        let key = SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
        let at = Timestamp::parse("2026-12-02T10:00:00Z").unwrap();
        let der = self_signed(&key, &Identity { name: "Dana".into(), ..Identity::default() }, at, [3; 16]).unwrap();
        let digest: [u8; 32] = Sha256::digest(b"the signed bytes").into();
        let cms = sign_detached(&key, &der, &[], &digest).unwrap();
        let signer = verify_detached(&cms, &digest).unwrap();
        assert_eq!(signer.certificate.name, "Dana");
        assert!(signer.chain.is_empty());
        let other: [u8; 32] = Sha256::digest(b"other bytes").into();
        assert_eq!(verify_detached(&cms, &other), Err(CmsError::DigestMismatch));
        // A flipped byte in the ECDSA signature (the last bytes of the structure).
        let mut flipped = cms.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(verify_detached(&flipped, &digest).is_err());
        assert!(matches!(verify_detached(b"not der", &digest), Err(CmsError::Malformed(_))));
    }
}
