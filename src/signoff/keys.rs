//! Signer keys: Ed25519 key pairs kept in the user's config folder, the private half encrypted
//! with a passphrase as standard encrypted PKCS#8 (scrypt and AES-256-CBC, RustCrypto's `pkcs8`),
//! readable by `openssl pkey` too.
//!
//! A key named "Dana Whitfield" is two files in `keys/`: `dana-whitfield.key` (the encrypted
//! private key, PEM) and `dana-whitfield.pub` (RON: the name, the public key in hex and when it
//! was made). Both are written owner-only, and the folder is too.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{KeySignature, Timestamp, slug};
use crate::store::write_atomic;

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
}

/// The public half of a key, readable without its passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The file stem, a slug of the name.
    pub id: String,
    pub name: String,
    /// The 32-byte public key, in hex.
    pub public_key: String,
    pub created_at: Timestamp,
}

impl PublicKeyInfo {
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }
}

#[derive(Serialize, Deserialize)]
struct PublicKeyFile {
    name: String,
    public_key: String,
    created_at: Timestamp,
}

/// A key whose passphrase was given; it can sign.
pub struct UnlockedKey {
    signing: SigningKey,
    pub info: PublicKeyInfo,
}

impl UnlockedKey {
    pub fn sign(&self, message: &[u8]) -> KeySignature {
        KeySignature { public_key: self.info.public_key.clone(), signature: crate::model::to_hex(&self.signing.sign(message).to_bytes()) }
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

    /// Makes a new key pair for `name`, protected by `passphrase`. An existing key of that name
    /// is never replaced.
    pub fn create(&self, name: &str, passphrase: &str, at: Timestamp) -> Result<PublicKeyInfo, KeyError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(KeyError::EmptyName);
        }
        if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
            return Err(KeyError::ShortPassphrase);
        }
        let id = slug(name);
        let (key_path, pub_path) = (self.dir.join(format!("{id}.key")), self.dir.join(format!("{id}.pub")));
        if key_path.exists() || pub_path.exists() {
            return Err(KeyError::Exists { name: name.to_string(), path: key_path });
        }
        create_private_dir(&self.dir)?;
        let mut rng = rand_core::OsRng;
        let signing = SigningKey::generate(&mut rng);
        let pem = signing
            .to_pkcs8_encrypted_pem(&mut rng, passphrase, pkcs8::LineEnding::LF)
            .map_err(|e| KeyError::Corrupt { path: key_path.clone(), message: e.to_string() })?;
        let public_key = crate::model::to_hex(signing.verifying_key().as_bytes());
        let file = PublicKeyFile { name: name.to_string(), public_key: public_key.clone(), created_at: at };
        // Three plain fields (strings and a timestamp) always serialise.
        #[allow(clippy::expect_used, reason = "a struct of two strings and a timestamp always serialises")]
        let text = ron::ser::to_string_pretty(&file, ron::ser::PrettyConfig::default()).expect("a key file serialises");
        write_private(&key_path, pem.as_bytes())?;
        write_private(&pub_path, text.as_bytes())?;
        Ok(PublicKeyInfo { id, name: name.to_string(), public_key, created_at: at })
    }

    /// Decrypts a key with its passphrase. This runs scrypt and takes a noticeable fraction of a
    /// second: call it off the UI thread.
    pub fn unlock(&self, name: &str, passphrase: &str) -> Result<UnlockedKey, KeyError> {
        let info = self.find(name)?;
        let key_path = self.dir.join(format!("{}.key", info.id));
        let pem = std::fs::read_to_string(&key_path).map_err(|cause| KeyError::Io { path: key_path.clone(), action: "cannot read", cause })?;
        let signing = SigningKey::from_pkcs8_encrypted_pem(&pem, passphrase).map_err(|_| KeyError::WrongPassphrase(info.name.clone()))?;
        if crate::model::to_hex(signing.verifying_key().as_bytes()) != info.public_key {
            return Err(KeyError::Corrupt { path: key_path, message: "the private key does not match the public key beside it".into() });
        }
        Ok(UnlockedKey { signing, info })
    }

    fn read_public(&self, path: &Path) -> Result<PublicKeyInfo, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|cause| KeyError::Io { path: path.to_path_buf(), action: "cannot read", cause })?;
        let file: PublicKeyFile = ron::from_str(&text).map_err(|e| KeyError::Corrupt { path: path.to_path_buf(), message: e.to_string() })?;
        if parse_public_key(&file.public_key).is_none() {
            return Err(KeyError::Corrupt { path: path.to_path_buf(), message: "the public key is not 32 bytes of hex".into() });
        }
        let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(PublicKeyInfo { id, name: file.name, public_key: file.public_key, created_at: file.created_at })
    }
}

/// A public key from its hex form.
pub fn parse_public_key(hex: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = crate::model::from_hex(hex)?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
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
    write_atomic(path, bytes).map_err(|cause| KeyError::Io { path: path.to_path_buf(), action: "cannot write", cause })?;
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
        let public = parse_public_key(&signed.public_key).unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&crate::model::from_hex(&signed.signature).unwrap()).unwrap();
        assert!(public.verify_strict(b"message", &signature).is_ok());
        assert_eq!(info.fingerprint().len(), 39, "{}", info.fingerprint());
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
