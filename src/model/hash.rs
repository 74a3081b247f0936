//! Canonical bytes and SHA-256: the same value always gives the same bytes and the same hash.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Compact RON of a value. Maps in the model are `BTreeMap`s and the structs have a fixed field
/// order, so equal values give equal bytes, before and after a save/load round trip.
pub fn canonical_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain model data to a String cannot fail: no map has non-string keys and no
    // value refuses serialisation. An empty result would still hash consistently.
    ron::to_string(value).unwrap_or_default().into_bytes()
}

/// Lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lowercase hex of some bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Bytes from hex (either case); None for odd length or a non-hex digit.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sha256() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
