//! Password hashing with Argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes), run on the blocking pool because a hash takes tens of milliseconds.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::ApiError;

/// A PHC-format hash (`$argon2id$v=19$...`) of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Whether `password` matches `stored`. A malformed stored hash (such as the
/// `!` of a deleted account) matches nothing.
pub async fn verify(password: String, stored: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let a = super::hash("correct horse".into()).await.unwrap();
        let b = super::hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(super::verify("correct horse".into(), a.clone())
            .await
            .unwrap());
        assert!(!super::verify("wrong".into(), a).await.unwrap());
        assert!(!super::verify("x".into(), "!".into()).await.unwrap());
    }
}
