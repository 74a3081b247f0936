//! Whose key is it? Verification tells an intact signature from one made by someone the
//! auditor trusts. A [`TrustStore`] holds the keys and certificates to trust: the user's own
//! keys, a team keyring folder kept in the team's repository (`.preflight/keyring/`, holding
//! colleagues' `.crt` certificates or `.pub` key files), and certificate bundles given with
//! `--trust` (an organisation's CA, or single signers). A key is trusted when it is one of
//! those keys, or when its certificate was issued, directly or through the chain a PDF
//! signature carries, by a trusted certificate valid at the signing time.

use std::path::{Path, PathBuf};

use der::{Decode, Encode};
use p256::ecdsa::signature::Verifier;
use x509_cert::Certificate;

use super::cert::{self, CertificateInfo};
use super::keys::KeyStore;
use crate::model::{KeySignature, Timestamp, from_hex, to_hex};

/// The folder, inside a team's repository, whose certificates and key files are trusted.
pub const KEYRING_DIR: &str = ".preflight/keyring";

/// How far a certificate chain is followed up to a trusted certificate.
const MAX_CHAIN: usize = 6;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path}: cannot read: {cause}")]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{path}: {message}")]
    Bad { path: PathBuf, message: String },
}

/// A public key trusted as it is, with who holds it and where the trust comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TrustedKey {
    holder: String,
    public_key: String,
    source: String,
}

/// A certificate trusted to vouch for the keys it issued, and for its own.
#[derive(Debug, Clone)]
struct Anchor {
    info: CertificateInfo,
    certificate: Certificate,
    source: String,
}

/// The verdict on one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Made with a key the auditor trusts.
    Trusted {
        /// Who holds the key, as the trusted certificate or key file names them.
        holder: String,
        fingerprint: String,
        /// Where the trust comes from: "your own key", a keyring file, a `--trust` bundle, or
        /// "issued by <CA> (<bundle>)".
        via: String,
    },
    /// Intact, but made with a key nobody vouches for.
    Unknown { fingerprint: String },
    /// Made without a key: nothing ties it to a person but the log.
    NoKey,
}

impl Trust {
    pub fn is_trusted(&self) -> bool {
        matches!(self, Trust::Trusted { .. })
    }

    /// `trusted: Dana Whitfield, key 5f3b … (team keyring …)`, or what is missing.
    pub fn describe(&self) -> String {
        match self {
            Trust::Trusted { holder, fingerprint, via } => format!("trusted: {holder}, key {fingerprint} ({via})"),
            Trust::Unknown { fingerprint } => format!("intact but signed by an unknown key {fingerprint}"),
            Trust::NoKey => "no key: not tied to a person, not trusted".to_string(),
        }
    }
}

/// The keys and certificates an auditor trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: Vec<TrustedKey>,
    anchors: Vec<Anchor>,
    /// Where it was loaded from, for the report.
    pub sources: Vec<String>,
}

impl TrustStore {
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.anchors.is_empty()
    }

    /// Trusts every key in the user's own key folder.
    pub fn add_own_keys(&mut self, keys: &KeyStore) -> Result<usize, super::KeyError> {
        let list = keys.list()?;
        for info in &list {
            self.keys.push(TrustedKey { holder: info.name.clone(), public_key: info.public_key.clone(), source: "your own key".into() });
        }
        if !list.is_empty() {
            self.sources.push(format!("{} own key(s) in {}", list.len(), keys.dir().display()));
        }
        Ok(list.len())
    }

    /// Trusts the certificates (`*.crt`, `*.pem`) and Preflight public key files (`*.pub`) in a
    /// keyring folder.
    pub fn add_keyring(&mut self, dir: &Path) -> Result<usize, TrustError> {
        let entries = std::fs::read_dir(dir).map_err(|cause| TrustError::Io { path: dir.to_path_buf(), cause })?;
        let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
        paths.sort();
        let mut count = 0;
        for path in paths {
            match path.extension().and_then(|e| e.to_str()) {
                Some("crt" | "pem") => count += self.add_bundle(&path)?,
                Some("pub") => {
                    let store = KeyStore::at(dir.to_path_buf());
                    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let info = store.find(&stem).map_err(|err| TrustError::Bad { path: path.clone(), message: err.to_string() })?;
                    if !self.keys.iter().any(|k| k.public_key == info.public_key) {
                        self.keys.push(TrustedKey { holder: info.name, public_key: info.public_key, source: path.display().to_string() });
                        count += 1;
                    }
                }
                _ => {}
            }
        }
        self.sources.push(format!("{count} key(s) and certificate(s) in the keyring {}", dir.display()));
        Ok(count)
    }

    /// Trusts every certificate in a PEM file: an organisation's CA bundle, or one signer's
    /// certificate.
    pub fn add_bundle(&mut self, path: &Path) -> Result<usize, TrustError> {
        let text = std::fs::read_to_string(path).map_err(|cause| TrustError::Io { path: path.to_path_buf(), cause })?;
        let bad = |message: String| TrustError::Bad { path: path.to_path_buf(), message };
        let mut count = 0;
        for block in text.split_inclusive("-----END CERTIFICATE-----").filter(|b| b.contains("-----BEGIN CERTIFICATE-----")) {
            let der = cert::from_pem(&block[block.find("-----BEGIN").unwrap_or(0)..]).map_err(|e| bad(e.to_string()))?;
            let certificate = Certificate::from_der(&der).map_err(|e| bad(e.to_string()))?;
            let info = cert::parse(&der).map_err(|e| bad(e.to_string()))?;
            self.anchors.push(Anchor { info, certificate, source: path.display().to_string() });
            count += 1;
        }
        if count == 0 {
            return Err(bad("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
        }
        if path.parent().is_none_or(|parent| !self.sources.iter().any(|s| s.contains(&parent.display().to_string()))) {
            self.sources.push(format!("{count} certificate(s) from {}", path.display()));
        }
        Ok(count)
    }

    /// Finds the team keyring for a file: `.preflight/keyring` in its folder or the nearest
    /// folder above it.
    pub fn find_keyring(file: &Path) -> Option<PathBuf> {
        let start = std::fs::canonicalize(file).ok()?;
        start.ancestors().skip(1).map(|dir| dir.join(KEYRING_DIR)).find(|dir| dir.is_dir())
    }

    /// Judges a run's key signature, made at `at`.
    pub fn judge_key(&self, key: Option<&KeySignature>, at: Timestamp) -> Trust {
        let Some(key) = key else { return Trust::NoKey };
        let fingerprint = super::fingerprint(&key.public_key);
        if let Some(trusted) = self.keys.iter().find(|k| k.public_key == key.public_key) {
            return Trust::Trusted { holder: trusted.holder.clone(), fingerprint, via: trusted.source.clone() };
        }
        let certificate = key.certificate.as_deref().and_then(from_hex).and_then(|der| cert::parse(&der).ok());
        match certificate {
            Some(certificate) => self.judge_certificate(&certificate, &[], at),
            None => Trust::Unknown { fingerprint },
        }
    }

    /// Judges a signer's certificate (with the chain that came with it) at the signing time.
    pub fn judge_certificate(&self, certificate: &CertificateInfo, chain: &[Vec<u8>], at: Timestamp) -> Trust {
        let key = certificate.p256_public_key.as_deref().map(to_hex).unwrap_or_default();
        let fingerprint = super::fingerprint(&key);
        if let Some(trusted) = self.keys.iter().find(|k| !key.is_empty() && k.public_key == key) {
            return Trust::Trusted { holder: trusted.holder.clone(), fingerprint, via: trusted.source.clone() };
        }
        let Ok(mut current) = Certificate::from_der(&certificate.der) else { return Trust::Unknown { fingerprint } };
        let intermediates: Vec<Certificate> = chain.iter().filter_map(|der| Certificate::from_der(der).ok()).collect();
        for _ in 0..MAX_CHAIN {
            if let Some(anchor) = self.anchors.iter().find(|a| a.certificate == current) {
                return self.trusted_by(certificate, anchor, fingerprint, true);
            }
            if let Some(anchor) = self.anchors.iter().find(|a| a.info.valid_at(at) && issued_by(&current, &a.certificate)) {
                return self.trusted_by(certificate, anchor, fingerprint, false);
            }
            let Some(next) = intermediates
                .iter()
                .find(|c| issued_by(&current, c) && cert::info_of(c, &c.to_der().unwrap_or_default()).is_ok_and(|i| i.valid_at(at)))
            else {
                break;
            };
            current = next.clone();
        }
        Trust::Unknown { fingerprint }
    }

    fn trusted_by(&self, certificate: &CertificateInfo, anchor: &Anchor, fingerprint: String, itself: bool) -> Trust {
        let via = if itself { anchor.source.clone() } else { format!("issued by {} ({})", anchor.info.name, anchor.source) };
        Trust::Trusted { holder: certificate.subject_line(), fingerprint, via }
    }
}

/// Whether `issuer` signed `certificate` (ECDSA P-256 with SHA-256; other algorithms are not
/// checked and so never vouch).
fn issued_by(certificate: &Certificate, issuer: &Certificate) -> bool {
    if certificate.tbs_certificate.issuer != issuer.tbs_certificate.subject
        || certificate.signature_algorithm.oid != const_oid::db::rfc5912::ECDSA_WITH_SHA_256
    {
        return false;
    }
    let Some(key) = issuer.tbs_certificate.subject_public_key_info.subject_public_key.as_bytes() else { return false };
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key) else { return false };
    let Some(signature) = certificate.signature.as_bytes().and_then(|bytes| p256::ecdsa::DerSignature::from_bytes(bytes).ok()) else {
        return false;
    };
    let Ok(tbs) = certificate.tbs_certificate.to_der() else { return false };
    key.verify(&tbs, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use der::asn1::GeneralizedTime;
    use p256::ecdsa::{DerSignature, SigningKey};
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::{Time, Validity};

    use super::*;
    use crate::signoff::cert::{Identity, self_signed};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn validity(from_year: u64, years: u64) -> Validity {
        let start = Duration::from_secs((from_year - 1970) * 365 * 86_400);
        let time = |d| Time::GeneralTime(GeneralizedTime::from_unix_duration(d).unwrap());
        Validity { not_before: time(start), not_after: time(start + Duration::from_secs(years * 365 * 86_400)) }
    }

    /// A CA certificate, and a leaf it issues.
    fn ca_and_leaf(ca_key: &SigningKey, leaf_key: &SigningKey, ca_years: (u64, u64)) -> (Vec<u8>, Vec<u8>) {
        let ca_name: Name = "CN=Example Corp Signing CA,O=Example Corp".parse().unwrap();
        let spki = SubjectPublicKeyInfoOwned::from_key(*ca_key.verifying_key()).unwrap();
        let ca = CertificateBuilder::new(Profile::Root, SerialNumber::from(1u32), validity(ca_years.0, ca_years.1), ca_name.clone(), spki, ca_key)
            .unwrap()
            .build::<DerSignature>()
            .unwrap();
        let leaf_spki = SubjectPublicKeyInfoOwned::from_key(*leaf_key.verifying_key()).unwrap();
        let profile = Profile::Leaf { issuer: ca_name, enable_key_agreement: false, enable_key_encipherment: false };
        let leaf =
            CertificateBuilder::new(profile, SerialNumber::from(2u32), validity(2025, 3), "CN=Carol Approver".parse().unwrap(), leaf_spki, ca_key)
                .unwrap()
                .build::<DerSignature>()
                .unwrap();
        (ca.to_der().unwrap(), leaf.to_der().unwrap())
    }

    fn store_with(dir: &Path, name: &str, pem: &str) -> TrustStore {
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        let mut store = TrustStore::new();
        store.add_bundle(&path).unwrap();
        store
    }

    #[test]
    fn a_certificate_issued_by_a_trusted_ca_is_trusted_and_one_from_another_ca_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (ca_key, leaf_key, other_key) = (
            SigningKey::from_bytes(&[1; 32].into()).unwrap(),
            SigningKey::from_bytes(&[2; 32].into()).unwrap(),
            SigningKey::from_bytes(&[3; 32].into()).unwrap(),
        );
        let (ca, leaf) = ca_and_leaf(&ca_key, &leaf_key, (2024, 10));
        let leaf = cert::parse(&leaf).unwrap();
        let signed_at = at("2026-12-02T10:00:00Z");
        let store = store_with(dir.path(), "ca.pem", &cert::to_pem(&ca));
        let trust = store.judge_certificate(&leaf, &[], signed_at);
        assert!(
            matches!(&trust, Trust::Trusted { holder, via, .. } if holder == "Carol Approver" && via.starts_with("issued by Example Corp Signing CA")),
            "{trust:?}"
        );

        // The same name, another CA key: the signature on the leaf does not verify.
        let (other_ca, _) = ca_and_leaf(&other_key, &leaf_key, (2024, 10));
        let store = store_with(dir.path(), "other.pem", &cert::to_pem(&other_ca));
        assert!(matches!(store.judge_certificate(&leaf, &[], signed_at), Trust::Unknown { .. }));

        // A CA that had expired when the leaf signed vouches for nothing.
        let (old_ca, old_leaf) = ca_and_leaf(&ca_key, &leaf_key, (2015, 5));
        let store = store_with(dir.path(), "old.pem", &cert::to_pem(&old_ca));
        assert!(matches!(store.judge_certificate(&cert::parse(&old_leaf).unwrap(), &[], signed_at), Trust::Unknown { .. }));
    }

    #[test]
    fn a_pinned_self_signed_certificate_is_trusted_and_a_keyless_signature_never_is() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[5; 32].into()).unwrap();
        let der = self_signed(&key, &Identity { name: "Dana Whitfield".into(), ..Identity::default() }, at("2026-01-01T00:00:00Z"), [4; 16]).unwrap();
        let store = store_with(dir.path(), "dana.crt", &cert::to_pem(&der));
        let info = cert::parse(&der).unwrap();
        assert!(store.judge_certificate(&info, &[], at("2026-12-02T10:00:00Z")).is_trusted());
        let signature = KeySignature {
            algorithm: crate::model::KeyAlgorithm::EcdsaP256,
            public_key: to_hex(&info.p256_public_key.clone().unwrap()),
            signature: String::new(),
            certificate: Some(to_hex(&der)),
        };
        assert!(store.judge_key(Some(&signature), at("2026-12-02T10:00:00Z")).is_trusted());
        assert_eq!(store.judge_key(None, at("2026-12-02T10:00:00Z")), Trust::NoKey);
        assert!(matches!(TrustStore::new().judge_key(Some(&signature), at("2026-12-02T10:00:00Z")), Trust::Unknown { .. }));
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        let err = TrustStore::new().add_bundle(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.pem") && err.contains("no PEM certificate"), "{err}");
    }
}
