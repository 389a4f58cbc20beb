//! Sealing app passwords at rest. Subsonic's token login sends
//! `md5(password + salt)`, which can only be checked against the password's
//! text, so a one-way hash cannot serve; the text is kept encrypted under a
//! server key instead (XChaCha20-Poly1305: its 192-bit nonces can be drawn at
//! random for every seal without counting). A database dump alone reveals
//! nothing; the key lives in the gateway's configuration only.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// Nonce bytes at the front of every sealed value.
const NONCE: usize = 24;

/// The local stack's key. The gateway warns at start when it runs with it.
pub const DEV_KEY_HEX: &str = "656e636f72652d6c6f63616c2d6465762d6b65792d6170702d70617373776473";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("ENCORE_APP_PASSWORD_KEY must be 64 hex digits (32 bytes)")]
    Key,
    #[error("a sealed value does not open with this key")]
    Open,
}

/// The server key, never logged.
#[derive(Clone)]
pub struct Sealer(XChaCha20Poly1305);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}

impl Sealer {
    /// From 64 hex digits.
    pub fn from_hex(key: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(key.trim()).map_err(|_| SealError::Key)?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SealError::Key)?;
        Ok(Sealer(cipher))
    }

    /// Nonce followed by ciphertext and tag.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        // Encryption into a Vec only fails on lengths beyond any password.
        out.extend(self.0.encrypt(&nonce, plain).unwrap_or_default());
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE {
            return Err(SealError::Open);
        }
        let (nonce, cipher) = sealed.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SealError::Open)?;
        self.0
            .decrypt(&XNonce::from(nonce), cipher)
            .map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_never_repeat() {
        let sealer = Sealer::from_hex(DEV_KEY_HEX).expect("a key");
        let (a, b) = (sealer.seal(b"app password"), sealer.seal(b"app password"));
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.windows(12).any(|w| w == b"app password"));
        assert_eq!(sealer.open(&a).expect("opens"), b"app password");
        let other = Sealer::from_hex(&"11".repeat(32)).expect("a key");
        assert!(other.open(&a).is_err());
        let mut tampered = a.clone();
        *tampered.last_mut().expect("bytes") ^= 1;
        assert!(sealer.open(&tampered).is_err());
        assert!(sealer.open(b"short").is_err());
        assert!(Sealer::from_hex("abcd").is_err());
        assert!(Sealer::from_hex(&"zz".repeat(32)).is_err());
    }
}
