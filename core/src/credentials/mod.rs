//! App passwords and API keys: credentials a user creates for one app each
//! (a Subsonic client, a script), lists and revokes, so the account
//! password is never handed to an app. Both are generated here and shown once.
//!
//! - An **API key** (OpenSubsonic `apiKey`) identifies its user by itself;
//!   only its SHA-256 is stored.
//! - An **app password** goes with the username (`u` + `p`, or Subsonic's
//!   `u` + `t` + `s` where `t = md5(password + s)`). It is stored as a SHA-256
//!   for `p`, and sealed ([`seal`]) for the token, which needs its text.
//!
//! Both are random (80 and 256 bits), so a plain SHA-256 is as good as a
//! slow hash here, and lets a lookup use an index.

pub mod seal;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use md5::Md5;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use self::seal::Sealer;
use crate::DbError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AppPassword,
    ApiKey,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AppPassword => "app_password",
            Kind::ApiKey => "api_key",
        }
    }

    /// A new secret: 16 letters and digits in groups of four for an app
    /// password (typed into apps by hand; no 0/o or 1/l to confuse), 256
    /// bits for an API key (pasted).
    fn generate(self) -> String {
        match self {
            Kind::AppPassword => {
                const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
                let mut bytes = [0u8; 16];
                OsRng.fill_bytes(&mut bytes);
                let chars: Vec<char> = bytes
                    .iter()
                    .map(|b| char::from(LETTERS[usize::from(*b) % LETTERS.len()]))
                    .collect();
                chars
                    .chunks(4)
                    .map(|c| c.iter().collect::<String>())
                    .collect::<Vec<_>>()
                    .join("-")
            }
            Kind::ApiKey => {
                let mut bytes = [0u8; 32];
                OsRng.fill_bytes(&mut bytes);
                URL_SAFE_NO_PAD.encode(bytes)
            }
        }
    }
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// One app password or API key, without its secret.
#[derive(Debug, Clone)]
pub struct Credential {
    pub id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

/// Creates a credential of `kind` named `name` (trimmed and checked by the
/// caller) and returns it with its secret: the only time the secret exists
/// in the clear outside the app. A name the user already gave a live one of
/// that kind is a `Conflict`.
pub async fn create(
    db: &PgPool,
    sealer: &Sealer,
    user: Uuid,
    kind: Kind,
    name: &str,
) -> Result<(Credential, String), DbError> {
    let secret = kind.generate();
    let sealed = (kind == Kind::AppPassword).then(|| sealer.seal(secret.as_bytes()));
    let credential = sqlx::query_as!(
        Credential,
        "INSERT INTO app_credentials (id, user_id, kind, name, secret_hash, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, created_at, last_used_at",
        Uuid::now_v7(),
        user,
        kind.as_str(),
        name,
        digest(&secret),
        sealed
    )
    .fetch_one(db)
    .await?;
    Ok((credential, secret))
}

/// `user`'s live credentials of `kind`, oldest first.
pub async fn list(db: &PgPool, user: Uuid, kind: Kind) -> Result<Vec<Credential>, DbError> {
    Ok(sqlx::query_as!(
        Credential,
        "SELECT id, name, created_at, last_used_at FROM app_credentials \
         WHERE user_id = $1 AND kind = $2 AND revoked_at IS NULL ORDER BY created_at, id",
        user,
        kind.as_str()
    )
    .fetch_all(db)
    .await?)
}

/// Revokes one of `user`'s credentials of `kind`; `NotFound` if there is no
/// such live one.
pub async fn revoke(db: &PgPool, user: Uuid, kind: Kind, id: Uuid) -> Result<(), DbError> {
    let revoked = sqlx::query!(
        "UPDATE app_credentials SET revoked_at = now() \
         WHERE id = $1 AND user_id = $2 AND kind = $3 AND revoked_at IS NULL",
        id,
        user,
        kind.as_str()
    )
    .execute(db)
    .await?;
    if revoked.rows_affected() == 0 {
        return Err(DbError::NotFound("credential"));
    }
    Ok(())
}

/// Who an app logs in as, and with which credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLogin {
    pub user: Uuid,
    pub credential: Uuid,
    pub username: String,
    pub role: String,
}

/// A live credential of a live account, and whether its `last_used_at` is
/// due for a refresh.
struct Found {
    user_id: Uuid,
    id: Uuid,
    username: String,
    role: String,
    stale: bool,
}

/// The live user an API key belongs to.
pub async fn by_api_key(db: &PgPool, key: &str) -> Result<Option<AppLogin>, DbError> {
    let found = sqlx::query_as!(
        Found,
        r#"SELECT c.user_id, c.id, u.username, u.role,
                  (c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute') AS "stale!"
           FROM app_credentials c JOIN users u ON u.id = c.user_id
           WHERE c.revoked_at IS NULL AND u.deleted_at IS NULL
             AND c.secret_hash = $1 AND c.kind = 'api_key'"#,
        digest(key)
    )
    .fetch_optional(db)
    .await?;
    used(db, found).await
}

/// How an app proves it holds one of the user's app passwords.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// The password itself.
    Password(&'a str),
    /// Subsonic's `t = md5(password + s)`, in hex, with its salt `s`.
    Token { token: &'a str, salt: &'a str },
}

/// Whether `proof` matches one of `user`'s live app passwords.
pub async fn by_app_password(
    db: &PgPool,
    sealer: &Sealer,
    user: Uuid,
    proof: Proof<'_>,
) -> Result<Option<AppLogin>, DbError> {
    let found = match proof {
        Proof::Password(password) => {
            sqlx::query_as!(
                Found,
                r#"SELECT c.user_id, c.id, u.username, u.role,
                          (c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute') AS "stale!"
                   FROM app_credentials c JOIN users u ON u.id = c.user_id
                   WHERE c.revoked_at IS NULL AND u.deleted_at IS NULL
                     AND c.user_id = $1 AND c.kind = 'app_password' AND c.secret_hash = $2"#,
                user,
                digest(password)
            )
            .fetch_optional(db)
            .await?
        }
        Proof::Token { token, salt } => {
            let sealed = sqlx::query!(
                r#"SELECT c.user_id, c.id, u.username, u.role, c.sealed AS "sealed!",
                          (c.last_used_at IS NULL OR c.last_used_at < now() - interval '1 minute') AS "stale!"
                   FROM app_credentials c JOIN users u ON u.id = c.user_id
                   WHERE c.revoked_at IS NULL AND u.deleted_at IS NULL
                     AND c.user_id = $1 AND c.kind = 'app_password' AND c.sealed IS NOT NULL"#,
                user
            )
            .fetch_all(db)
            .await?;
            let token = token.to_ascii_lowercase();
            sealed.into_iter().find_map(|row| {
                // One that does not open was sealed under an older key.
                let plain = sealer.open(&row.sealed).ok()?;
                let mut md5 = Md5::new();
                md5.update(&plain);
                md5.update(salt.as_bytes());
                (hex::encode(md5.finalize()) == token).then_some(Found {
                    user_id: row.user_id,
                    id: row.id,
                    username: row.username,
                    role: row.role,
                    stale: row.stale,
                })
            })
        }
    };
    used(db, found).await
}

/// Notes when a credential was last used, at most once a minute, so that a
/// busy client does not write on every request (the lookup says when).
async fn used(db: &PgPool, found: Option<Found>) -> Result<Option<AppLogin>, DbError> {
    let Some(found) = found else {
        return Ok(None);
    };
    if found.stale {
        sqlx::query!(
            "UPDATE app_credentials SET last_used_at = now() WHERE id = $1",
            found.id
        )
        .execute(db)
        .await?;
    }
    Ok(Some(AppLogin {
        user: found.user_id,
        credential: found.id,
        username: found.username,
        role: found.role,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_have_their_shape_and_differ() {
        let password = Kind::AppPassword.generate();
        assert_eq!(password.len(), 19, "{password}");
        assert!(password
            .split('-')
            .all(|group| group.len() == 4 && group.chars().all(|c| c.is_ascii_alphanumeric())));
        assert!(!password.contains(['0', 'o', '1', 'l']));
        assert_ne!(password, Kind::AppPassword.generate());
        let key = Kind::ApiKey.generate();
        assert_eq!(URL_SAFE_NO_PAD.decode(&key).map(|b| b.len()).ok(), Some(32));
    }
}
