//! Signer keys kept in the user's config folder, the private half encrypted with a passphrase
//! as standard encrypted PKCS#8 (scrypt and AES-256-CBC, RustCrypto's `pkcs8`), readable by
//! `openssl pkey` too.
//!
//! New keys are ECDSA P-256 with a self-signed X.509 certificate naming their holder, so that
//! the same key signs runs and PDF signatures that any reader validates. Keys made before that
//! are Ed25519 without a certificate; they still unlock and sign runs, and their signatures
//! still verify.
//!
//! A key named "Dana Whitfield" is files in `keys/`: `dana-whitfield.key` (the encrypted
//! private key, PEM), `dana-whitfield.pub` (RON: the name, the algorithm, the public key in hex
//! and when it was made) and, for P-256 keys, `dana-whitfield.crt` (the certificate, PEM). All
//! are written owner-only, and the folder is too.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cert::{self, CertificateInfo, Identity};
use super::cms::{self, CmsError};
use crate::model::{KeyAlgorithm, KeySignature, Timestamp, slug, to_hex};
use crate::store::write_atomic_private;

/// The shortest passphrase a new key accepts.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {action}: {cause}")]
    Io { path: PathBuf, action: &'static str, cause: std::io::Error },
    #[error("a key named \"{name}\" already exists at {path}; it is never overwritten")]
    Exists { name: String, path: PathBuf },
    #[error("no signer key named \"{0}\"; create one with `preflight keygen --name \"{0}\"`")]
    NotFound(String),
    #[error("the passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")]
    ShortPassphrase,
    #[error("the name may not be empty")]
    EmptyName,
    #[error("wrong passphrase for the key of \"{0}\"")]
    WrongPassphrase(String),
    #[error("{path}: not a signer key: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("no config folder for this user; set PREFLIGHT_HOME")]
    NoConfigDir,
    #[error(transparent)]
    Certificate(#[from] cert::CertError),
    #[error("{path}: cannot import: {message}; nothing was written")]
    Import { path: PathBuf, message: String },
    #[error("{0}: wrong password; nothing was imported")]
    WrongImportPassword(PathBuf),
}

/// The public half of a key, readable without its passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The file stem, a slug of the name.
    pub id: String,
    pub name: String,
    pub algorithm: KeyAlgorithm,
    /// The public key, in hex (see [`KeySignature::public_key`]).
    pub public_key: String,
    pub created_at: Timestamp,
    /// The X.509 certificate, DER; keys made before certificates have none.
    pub certificate: Option<Vec<u8>>,
    /// The certificates that issued it, for a key imported from an organisation's PKI (DER,
    /// the issuer of the certificate first).
    pub chain: Vec<Vec<u8>>,
}

impl PublicKeyInfo {
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }

    /// Whom the key belongs to: the name its certificate gives, or for an older key without
    /// one, the name it was made under.
    pub fn holder(&self) -> String {
        self.certificate.as_deref().and_then(|der| cert::parse(der).ok()).map_or_else(|| self.name.clone(), |info| info.name)
    }
}

/// Whom a key signature's certificate names as the key's holder; None for a key without a
/// certificate (older Ed25519 keys), or one that cannot be read.
pub fn key_holder(key: &KeySignature) -> Option<String> {
    let der = crate::model::from_hex(key.certificate.as_deref()?)?;
    cert::parse(&der).ok().map(|info| info.name)
}

#[derive(Serialize, Deserialize)]
struct PublicKeyFile {
    name: String,
    #[serde(default, skip_serializing_if = "KeyAlgorithm::is_ed25519")]
    algorithm: KeyAlgorithm,
    public_key: String,
    created_at: Timestamp,
}

enum PrivateKey {
    Ed25519(SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A key whose passphrase was given; it can sign.
pub struct UnlockedKey {
    private: PrivateKey,
    pub info: PublicKeyInfo,
}

impl UnlockedKey {
    /// Signs a run's signature message (see [`crate::model::Signature::signed_message`]).
    pub fn sign(&self, message: &[u8]) -> KeySignature {
        let signature = match &self.private {
            PrivateKey::Ed25519(key) => to_hex(&key.sign(message).to_bytes()),
            PrivateKey::P256(key) => {
                let signature: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(key, message);
                to_hex(&signature.to_bytes())
            }
        };
        KeySignature {
            algorithm: self.info.algorithm,
            public_key: self.info.public_key.clone(),
            signature,
            certificate: self.info.certificate.as_deref().map(to_hex),
        }
    }

    /// A detached CMS signature (PAdES) over bytes whose SHA-256 is `digest`.
    pub fn sign_cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, CmsError> {
        match (&self.private, &self.info.certificate) {
            (PrivateKey::P256(key), Some(certificate)) => cms::sign_detached(key, certificate, &self.info.chain, digest),
            _ => Err(CmsError::Build(format!(
                "the key of \"{}\" is an older Ed25519 key without a certificate, which PDF readers cannot check; \
                 make a new key with `preflight keygen`",
                self.info.name
            ))),
        }
    }

    /// The certificate, read.
    pub fn certificate(&self) -> Option<CertificateInfo> {
        self.info.certificate.as_deref().and_then(|der| cert::parse(der).ok())
    }
}

/// A public key's fingerprint as people compare it: the first 16 bytes of its SHA-256, in
/// groups of four hex digits.
pub fn fingerprint(public_key_hex: &str) -> String {
    let digest = Sha256::digest(public_key_hex.trim().to_ascii_lowercase().as_bytes());
    let hex = crate::model::to_hex(&digest[..16]);
    hex.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or("")).collect::<Vec<_>>().join(" ")
}

/// The folder of signer keys.
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// `$PREFLIGHT_HOME/keys` when that is set, else `keys` in the user's config folder.
    pub fn from_env() -> Result<Self, KeyError> {
        if let Some(home) = std::env::var_os("PREFLIGHT_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::at(PathBuf::from(home).join("keys")));
        }
        let dirs = directories::ProjectDirs::from("", "", "preflight").ok_or(KeyError::NoConfigDir)?;
        Ok(Self::at(dirs.config_dir().join("keys")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every key in the folder, by name. A missing folder has none.
    pub fn list(&self) -> Result<Vec<PublicKeyInfo>, KeyError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(cause) => return Err(KeyError::Io { path: self.dir.clone(), action: "cannot list", cause }),
        };
        let mut keys = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "pub") {
                keys.push(self.read_public(&path)?);
            }
        }
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(keys)
    }

    /// The key of a person, found by name (or file id).
    pub fn find(&self, name: &str) -> Result<PublicKeyInfo, KeyError> {
        let path = self.dir.join(format!("{}.pub", slug(name)));
        if !path.exists() {
            return Err(KeyError::NotFound(name.to_string()));
        }
        self.read_public(&path)
    }

    /// Makes a new key pair for `name`, protected by `passphrase`, with a self-signed
    /// certificate that names only the holder. An existing key of that name is never replaced.
    pub fn create(&self, name: &str, passphrase: &str, at: Timestamp) -> Result<PublicKeyInfo, KeyError> {
        self.create_for(&Identity { name: name.to_string(), ..Identity::default() }, passphrase, at)
    }

    /// Makes a new ECDSA P-256 key for `identity`, with a self-signed certificate naming them.
    pub fn create_for(&self, identity: &Identity, passphrase: &str, at: Timestamp) -> Result<PublicKeyInfo, KeyError> {
        self.create_key(identity, passphrase, at, KeyAlgorithm::EcdsaP256)
    }

    fn create_key(&self, identity: &Identity, passphrase: &str, at: Timestamp, algorithm: KeyAlgorithm) -> Result<PublicKeyInfo, KeyError> {
        let name = identity.name.trim();
        if name.is_empty() {
            return Err(KeyError::EmptyName);
        }
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(KeyError::ShortPassphrase);
        }
        let id = slug(name);
        let key_path = self.refuse_existing(name, &id)?;
        let corrupt = |e: &dyn std::fmt::Display| KeyError::Corrupt { path: key_path.clone(), message: e.to_string() };
        let mut rng = rand_core::OsRng;
        let (pem, public_key, certificate) = match algorithm {
            KeyAlgorithm::Ed25519 => {
                let signing = SigningKey::generate(&mut rng);
                let pem = signing.to_pkcs8_encrypted_pem(&mut rng, passphrase, pkcs8::LineEnding::LF).map_err(|e| corrupt(&e))?;
                (pem, to_hex(signing.verifying_key().as_bytes()), None)
            }
            KeyAlgorithm::EcdsaP256 => {
                let secret = p256::SecretKey::random(&mut rng);
                let pem = p256::pkcs8::EncodePrivateKey::to_pkcs8_encrypted_pem(&secret, &mut rng, passphrase, pkcs8::LineEnding::LF)
                    .map_err(|e| corrupt(&e))?;
                let signing = p256::ecdsa::SigningKey::from(&secret);
                let mut serial = [0u8; 16];
                rand_core::RngCore::fill_bytes(&mut rng, &mut serial);
                let identity = Identity { name: name.to_string(), ..identity.clone() };
                let certificate = cert::self_signed(&signing, &identity, at, serial)?;
                (pem, to_hex(signing.verifying_key().to_encoded_point(true).as_bytes()), Some(certificate))
            }
        };
        let info = PublicKeyInfo { id, name: name.to_string(), algorithm, public_key, created_at: at, certificate, chain: Vec::new() };
        self.write_key(&info, &pem)?;
        Ok(info)
    }

    /// The files of key `id`: the encrypted private key, the public record, the certificates.
    fn paths(&self, id: &str) -> [PathBuf; 3] {
        ["key", "pub", "crt"].map(|ext| self.dir.join(format!("{id}.{ext}")))
    }

    /// Refuses a new key `id` when any of its files exists (a key is never replaced); returns
    /// the private key's path.
    pub(super) fn refuse_existing(&self, name: &str, id: &str) -> Result<PathBuf, KeyError> {
        let [key_path, pub_path, crt_path] = self.paths(id);
        if key_path.exists() || pub_path.exists() || crt_path.exists() {
            return Err(KeyError::Exists { name: name.to_string(), path: key_path });
        }
        Ok(key_path)
    }

    /// Writes a key's files, owner-only: the private key (`pem`, encrypted), the certificate
    /// with the chain that issued it, then the public record, which [`KeyStore::list`] reads.
    pub(super) fn write_key(&self, info: &PublicKeyInfo, pem: &str) -> Result<(), KeyError> {
        let [key_path, pub_path, crt_path] = self.paths(&info.id);
        let file =
            PublicKeyFile { name: info.name.clone(), algorithm: info.algorithm, public_key: info.public_key.clone(), created_at: info.created_at };
        #[allow(clippy::expect_used, reason = "a struct of strings, an enum and a timestamp always serialises")]
        let text = ron::ser::to_string_pretty(&file, ron::ser::PrettyConfig::default()).expect("a key file serialises");
        create_private_dir(&self.dir)?;
        write_private(&key_path, pem.as_bytes())?;
        if let Some(certificate) = &info.certificate {
            let certificates: String = std::iter::once(certificate).chain(&info.chain).map(|der| cert::to_pem(der)).collect();
            write_private(&crt_path, certificates.as_bytes())?;
        }
        write_private(&pub_path, text.as_bytes())
    }

    /// Decrypts a key with its passphrase. This runs scrypt and takes a noticeable fraction of a
    /// second: call it off the UI thread.
    pub fn unlock(&self, name: &str, passphrase: &str) -> Result<UnlockedKey, KeyError> {
        let info = self.find(name)?;
        let key_path = self.dir.join(format!("{}.key", info.id));
        let pem = std::fs::read_to_string(&key_path).map_err(|cause| KeyError::Io { path: key_path.clone(), action: "cannot read", cause })?;
        let wrong = |_| KeyError::WrongPassphrase(info.name.clone());
        let (private, public_key) = match info.algorithm {
            KeyAlgorithm::Ed25519 => {
                let signing = SigningKey::from_pkcs8_encrypted_pem(&pem, passphrase).map_err(wrong)?;
                let public = to_hex(signing.verifying_key().as_bytes());
                (PrivateKey::Ed25519(signing), public)
            }
            KeyAlgorithm::EcdsaP256 => {
                let secret = <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_encrypted_pem(&pem, passphrase).map_err(wrong)?;
                let signing = p256::ecdsa::SigningKey::from(&secret);
                let public = to_hex(signing.verifying_key().to_encoded_point(true).as_bytes());
                (PrivateKey::P256(signing), public)
            }
        };
        if public_key != info.public_key {
            return Err(KeyError::Corrupt { path: key_path, message: "the private key does not match the public key beside it".into() });
        }
        Ok(UnlockedKey { private, info })
    }

    fn read_public(&self, path: &Path) -> Result<PublicKeyInfo, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|cause| KeyError::Io { path: path.to_path_buf(), action: "cannot read", cause })?;
        let corrupt = |message: String| KeyError::Corrupt { path: path.to_path_buf(), message };
        let file: PublicKeyFile = ron::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        let key = KeySignature { algorithm: file.algorithm, public_key: file.public_key.clone(), signature: String::new(), certificate: None };
        if !public_key_parses(&key) {
            return Err(corrupt(format!("the public key is not a {} public key in hex", file.algorithm.label())));
        }
        let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (certificate, chain) = match file.algorithm {
            KeyAlgorithm::Ed25519 => (None, Vec::new()),
            KeyAlgorithm::EcdsaP256 => {
                let crt_path = path.with_extension("crt");
                let pem =
                    std::fs::read_to_string(&crt_path).map_err(|cause| KeyError::Io { path: crt_path.clone(), action: "cannot read", cause })?;
                // The key's own certificate first, then any that issued it.
                let mut certificates = cert::all_from_pem(&pem).map_err(|e| KeyError::Corrupt { path: crt_path.clone(), message: e.to_string() })?;
                if certificates.is_empty() {
                    return Err(KeyError::Corrupt { path: crt_path, message: "holds no certificate".into() });
                }
                let der = certificates.remove(0);
                let info = cert::parse(&der).map_err(|e| KeyError::Corrupt { path: crt_path.clone(), message: e.to_string() })?;
                if info.p256_public_key.as_deref().map(to_hex).as_deref() != Some(file.public_key.as_str()) {
                    return Err(KeyError::Corrupt { path: crt_path, message: "the certificate is for another key than the one beside it".into() });
                }
                (Some(der), certificates)
            }
        };
        Ok(PublicKeyInfo {
            id,
            name: file.name,
            algorithm: file.algorithm,
            public_key: file.public_key,
            created_at: file.created_at,
            certificate,
            chain,
        })
    }
}

/// An Ed25519 public key from its hex form.
pub fn parse_public_key(hex: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = crate::model::from_hex(hex)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// A P-256 public key from its hex form (a SEC1 point).
pub fn parse_p256_public_key(hex: &str) -> Option<p256::ecdsa::VerifyingKey> {
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&crate::model::from_hex(hex)?).ok()
}

fn public_key_parses(key: &KeySignature) -> bool {
    match key.algorithm {
        KeyAlgorithm::Ed25519 => parse_public_key(&key.public_key).is_some(),
        KeyAlgorithm::EcdsaP256 => parse_p256_public_key(&key.public_key).is_some(),
    }
}

/// Checks a key signature over `message`; the error says what is wrong in words.
pub fn verify_key_signature(key: &KeySignature, message: &[u8]) -> Result<(), String> {
    let bytes = crate::model::from_hex(&key.signature).ok_or("the signature is not hex")?;
    let changed = || format!("does not verify with key {}: the record or the key was changed", fingerprint(&key.public_key));
    match key.algorithm {
        KeyAlgorithm::Ed25519 => {
            let public = parse_public_key(&key.public_key).ok_or("the public key is not a valid Ed25519 key")?;
            let signature = ed25519_dalek::Signature::from_slice(&bytes).map_err(|_| "the signature is not 64 bytes")?;
            public.verify_strict(message, &signature).map_err(|_| changed())
        }
        KeyAlgorithm::EcdsaP256 => {
            let public = parse_p256_public_key(&key.public_key).ok_or("the public key is not a valid P-256 key")?;
            let signature = p256::ecdsa::Signature::from_slice(&bytes).map_err(|_| "the signature is not 64 bytes")?;
            p256::ecdsa::signature::Verifier::verify(&public, message, &signature).map_err(|_| changed())?;
            if let Some(certificate) = &key.certificate {
                let der = crate::model::from_hex(certificate).ok_or("the certificate is not hex")?;
                let info = cert::parse(&der).map_err(|e| e.to_string())?;
                if info.p256_public_key.as_deref().map(to_hex).as_deref() != Some(key.public_key.as_str()) {
                    return Err("the certificate carried with the signature is for another key".into());
                }
            }
            Ok(())
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    std::fs::create_dir_all(dir).map_err(|cause| KeyError::Io { path: dir.to_path_buf(), action: "cannot create", cause })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|cause| KeyError::Io {
            path: dir.to_path_buf(),
            action: "cannot restrict",
            cause,
        })?;
    }
    Ok(())
}

/// Writes atomically; the temporary file is created owner-only, so the key is never readable
/// by others, not even for a moment.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    write_atomic_private(path, bytes).map_err(|cause| KeyError::Io { path: path.to_path_buf(), action: "cannot write", cause })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|cause| KeyError::Io {
            path: path.to_path_buf(),
            action: "cannot restrict",
            cause,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        Timestamp::parse("2026-11-23T10:00:00Z").unwrap()
    }

    #[test]
    fn a_key_is_created_owner_only_and_unlocks_only_with_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path().join("keys"));
        let info = store.create("Dana Whitfield", "correct horse", at()).unwrap();
        assert_eq!(info.id, "dana-whitfield");
        assert_eq!(store.list().unwrap(), std::slice::from_ref(&info));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in ["dana-whitfield.key", "dana-whitfield.pub"] {
                let mode = std::fs::metadata(store.dir().join(name)).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
            assert_eq!(std::fs::metadata(store.dir()).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let pem = std::fs::read_to_string(store.dir().join("dana-whitfield.key")).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{pem}");

        assert!(matches!(store.unlock("Dana Whitfield", "wrong horse"), Err(KeyError::WrongPassphrase(_))));
        let key = store.unlock("Dana Whitfield", "correct horse").unwrap();
        let signed = key.sign(b"message");
        assert_eq!(signed.algorithm, KeyAlgorithm::EcdsaP256);
        assert_eq!(verify_key_signature(&signed, b"message"), Ok(()));
        assert!(verify_key_signature(&signed, b"massage").is_err());
        assert_eq!(info.fingerprint().len(), 39, "{}", info.fingerprint());
        // The certificate names the holder, is beside the key for other tools, and is carried
        // in the signature.
        let certificate = key.certificate().unwrap();
        assert_eq!((certificate.name.as_str(), certificate.self_signed), ("Dana Whitfield", true));
        let pem = std::fs::read_to_string(store.dir().join("dana-whitfield.crt")).unwrap();
        assert_eq!(cert::from_pem(&pem).unwrap(), certificate.der);
        assert_eq!(signed.certificate.as_deref(), Some(to_hex(&certificate.der).as_str()));
    }

    #[test]
    fn an_older_ed25519_key_still_unlocks_and_signs_but_makes_no_pdf_signature() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path().to_path_buf());
        let identity = Identity { name: "Old Key".into(), ..Identity::default() };
        store.create_key(&identity, "correct horse", at(), KeyAlgorithm::Ed25519).unwrap();
        // Its public file is as older versions wrote it: no algorithm field.
        let text = std::fs::read_to_string(store.dir().join("old-key.pub")).unwrap();
        assert!(!text.contains("algorithm"), "{text}");
        assert!(!store.dir().join("old-key.crt").exists());
        let key = store.unlock("Old Key", "correct horse").unwrap();
        let signed = key.sign(b"message");
        assert_eq!((signed.algorithm, signed.certificate.as_ref()), (KeyAlgorithm::Ed25519, None));
        assert_eq!(verify_key_signature(&signed, b"message"), Ok(()));
        assert!(key.sign_cms(&[0; 32]).unwrap_err().to_string().contains("preflight keygen"));
    }

    #[test]
    fn a_certificate_for_another_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path().to_path_buf());
        store.create("Dana", "correct horse", at()).unwrap();
        store.create("Eve", "battery staple", at()).unwrap();
        std::fs::copy(store.dir().join("eve.crt"), store.dir().join("dana.crt")).unwrap();
        let err = store.find("Dana").unwrap_err();
        assert!(err.to_string().contains("another key"), "{err}");
    }

    #[test]
    fn an_existing_key_is_never_replaced_and_short_passphrases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::at(dir.path().to_path_buf());
        assert!(matches!(store.create("Dana", "short", at()), Err(KeyError::ShortPassphrase)));
        let first = store.create("Dana", "long enough", at()).unwrap();
        assert!(matches!(store.create("Dana", "another one", at()), Err(KeyError::Exists { .. })));
        assert_eq!(store.find("Dana").unwrap(), first);
        assert!(matches!(store.find("Eve"), Err(KeyError::NotFound(_))));
    }
}
