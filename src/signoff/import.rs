//! Importing a signer key issued by an organisation's PKI: a PKCS#12 file (`.p12`, `.pfx`) or
//! a PEM file holding a private key and its certificate chain. The key is stored like one made
//! here (encrypted PKCS#8 under the user's passphrase), with the certificate and the chain that
//! issued it in the `.crt` file, so that PDF signatures carry the chain and a verifier who
//! trusts the organisation's CA trusts the signature.

use std::path::Path;

use der::Decode;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};

use super::cert::{self, CertificateInfo};
use super::keys::{KeyError, KeyStore, MIN_PASSPHRASE_CHARS, PublicKeyInfo};
use crate::model::{KeyAlgorithm, Timestamp, slug, to_hex};

/// The OID of an elliptic-curve public key, which a P-256 private key in PKCS#8 names.
const ID_EC_PUBLIC_KEY: der::oid::ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
const RSA_ENCRYPTION: der::oid::ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;

impl KeyStore {
    /// Imports the key in `file` (PKCS#12 or PEM), unlocking it with `file_password`, and stores
    /// it protected by `passphrase`, under `name` or the certificate's common name. Nothing is
    /// written unless the whole import succeeds; an existing key of that name is never replaced.
    pub fn import(&self, file: &Path, file_password: &str, passphrase: &str, name: Option<&str>, at: Timestamp) -> Result<PublicKeyInfo, KeyError> {
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(KeyError::ShortPassphrase);
        }
        let bytes = std::fs::read(file).map_err(|cause| KeyError::Io { path: file.to_path_buf(), action: "cannot read", cause })?;
        let bad = |message: String| KeyError::Import { path: file.to_path_buf(), message };
        let (pkcs8, certificates) = match std::str::from_utf8(&bytes) {
            Ok(text) if text.contains("-----BEGIN") => read_pem(text, file_password).map_err(bad)?,
            _ => read_pkcs12(&bytes, file_password).map_err(|err| match err {
                Pkcs12Problem::Password => KeyError::WrongImportPassword(file.to_path_buf()),
                Pkcs12Problem::Other(message) => bad(message),
            })?,
        };
        let secret = p256_secret(&pkcs8).map_err(bad)?;
        let signing = p256::ecdsa::SigningKey::from(&secret);
        let public = signing.verifying_key().to_encoded_point(true).as_bytes().to_vec();
        let infos: Vec<CertificateInfo> = certificates.iter().filter_map(|der| cert::parse(der).ok()).collect();
        let leaf = infos
            .iter()
            .find(|info| info.p256_public_key.as_deref() == Some(public.as_slice()))
            .ok_or_else(|| bad(format!("none of its {} certificate(s) is for its private key", certificates.len())))?;
        if !leaf.valid_at(at) {
            return Err(bad(format!("its certificate for {} is valid from {} to {}, not now", leaf.name, leaf.not_before, leaf.not_after)));
        }
        // The chain in issuing order: the certificate's issuer first.
        let mut chain = Vec::new();
        let mut current = leaf;
        while let Some(issuer) = infos.iter().find(|i| i.der != current.der && !chain.contains(&i.der) && i.name == current.issuer) {
            chain.push(issuer.der.clone());
            current = issuer;
        }

        let name = name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&leaf.name).to_string();
        let id = slug(&name);
        self.refuse_existing(&name, &id)?;
        let mut rng = rand_core::OsRng;
        let pem = secret.to_pkcs8_encrypted_pem(&mut rng, passphrase, pkcs8::LineEnding::LF).map_err(|e| bad(e.to_string()))?;
        let public_key = to_hex(&public);
        let info =
            PublicKeyInfo { id, name, algorithm: KeyAlgorithm::EcdsaP256, public_key, created_at: at, certificate: Some(leaf.der.clone()), chain };
        self.write_key(&info, &pem)?;
        Ok(info)
    }
}

enum Pkcs12Problem {
    Password,
    Other(String),
}

/// The private key (PKCS#8 DER) and the certificates of a PKCS#12 file.
fn read_pkcs12(bytes: &[u8], password: &str) -> Result<(Vec<u8>, Vec<Vec<u8>>), Pkcs12Problem> {
    let store = p12_keystore::KeyStore::from_pkcs12(bytes, password).map_err(|err| match err {
        p12_keystore::error::Error::MacError(_) => Pkcs12Problem::Password,
        p12_keystore::error::Error::UnpadError => Pkcs12Problem::Password,
        other => Pkcs12Problem::Other(format!("not a readable PKCS#12 file ({other})")),
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| Pkcs12Problem::Other("the PKCS#12 file holds no private key".into()))?;
    Ok((chain.key().to_vec(), chain.chain().iter().map(|c| c.as_der().to_vec()).collect()))
}

/// The private key and the certificates of a PEM file; an encrypted key is opened with
/// `password`.
fn read_pem(text: &str, password: &str) -> Result<(Vec<u8>, Vec<Vec<u8>>), String> {
    let certificates = cert::all_from_pem(text).map_err(|e| e.to_string())?;
    let block = |label: &str| {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let start = text.find(&begin)?;
        let stop = text[start..].find(&end)? + start + end.len();
        Some(&text[start..stop])
    };
    let pkcs8 = if let Some(pem) = block("ENCRYPTED PRIVATE KEY") {
        let secret = p256::SecretKey::from_pkcs8_encrypted_pem(pem, password).map_err(|_| "its key does not open with this password".to_string())?;
        secret.to_pkcs8_der().map_err(|e| e.to_string())?.as_bytes().to_vec()
    } else if let Some(pem) = block("PRIVATE KEY") {
        let (_, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| e.to_string())?;
        der
    } else if let Some(pem) = block("EC PRIVATE KEY") {
        let secret = p256::SecretKey::from_sec1_pem(pem).map_err(|e| format!("the EC private key cannot be read: {e}"))?;
        secret.to_pkcs8_der().map_err(|e| e.to_string())?.as_bytes().to_vec()
    } else if block("RSA PRIVATE KEY").is_some() {
        return Err(rsa_refusal());
    } else {
        return Err("holds no private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY or EC PRIVATE KEY)".into());
    };
    Ok((pkcs8, certificates))
}

fn rsa_refusal() -> String {
    "it holds an RSA key; Preflight signs with ECDSA P-256 keys only: ask for a P-256 certificate (`openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256`)".into()
}

/// A P-256 secret key from PKCS#8, or why it is not one.
fn p256_secret(pkcs8: &[u8]) -> Result<p256::SecretKey, String> {
    let info = pkcs8::PrivateKeyInfo::from_der(pkcs8).map_err(|e| format!("the private key cannot be read: {e}"))?;
    if info.algorithm.oid == RSA_ENCRYPTION {
        return Err(rsa_refusal());
    }
    if info.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(format!("its key is of algorithm {}, not ECDSA P-256", info.algorithm.oid));
    }
    p256::SecretKey::from_pkcs8_der(pkcs8).map_err(|_| "its elliptic-curve key is not on P-256".to_string())
}
