//! Refresh tokens: 256 random bits, shown to the client once and stored only
//! as a SHA-256 hash. Each use rotates the token within its family; a token
//! presented after it was rotated means two parties hold it, so the whole
//! family is revoked and both must log in again.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DbError;

/// For cookie sessions: how recent a rotation must be for a second use of the
/// same token to count as a race between two tabs of one browser (which share
/// the cookie) rather than a stolen token.
pub const RACE_GRACE: Duration = Duration::from_secs(10);

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Refreshed {
    /// The token was valid: here is its successor.
    Rotated { user: Uuid, token: String },
    /// Unknown, revoked or expired.
    Refused,
    /// Already rotated before: the family is now revoked.
    Reused,
    /// Rotated moments ago (within the grace given to [`rotate`]) by another
    /// request with the same token: two tabs of one browser renewing at once.
    /// Refused, but the family lives on; the browser holds the successor.
    Raced,
}

struct TokenRow {
    id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
    user_deleted: bool,
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Stores a new token for `user` in `family` and returns its text.
pub async fn issue(
    conn: &mut PgConnection,
    user: Uuid,
    family: Uuid,
    ttl: Duration,
) -> Result<String, DbError> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = OffsetDateTime::now_utc() + ttl;
    sqlx::query!(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        user,
        family,
        hash(&token),
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// Rotates `presented`. The row is locked, so two concurrent uses of one
/// token cannot both succeed: the second sees it used and revokes the family,
/// unless it came within `race_grace` of the first (cookie sessions only).
pub async fn rotate(
    pool: &PgPool,
    presented: &str,
    ttl: Duration,
    race_grace: Duration,
) -> Result<Refreshed, DbError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        TokenRow,
        r#"SELECT t.id, t.user_id, t.family_id, t.expires_at, t.used_at, t.revoked_at,
                  u.deleted_at IS NOT NULL AS "user_deleted!"
           FROM refresh_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = $1 FOR UPDATE OF t"#,
        hash(presented)
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(TokenRow {
        id,
        user_id: user,
        family_id: family,
        expires_at,
        used_at,
        revoked_at,
        user_deleted: deleted,
    }) = row
    else {
        return Ok(Refreshed::Refused);
    };
    if revoked_at.is_some() || deleted || expires_at <= OffsetDateTime::now_utc() {
        return Ok(Refreshed::Refused);
    }
    if used_at.is_some_and(|at| OffsetDateTime::now_utc() - at < race_grace) {
        return Ok(Refreshed::Raced);
    }
    if used_at.is_some() {
        revoke_family(&mut tx, family).await?;
        tx.commit().await?;
        tracing::warn!(%user, %family, "a rotated refresh token was used again; family revoked");
        return Ok(Refreshed::Reused);
    }
    sqlx::query!(
        "UPDATE refresh_tokens SET used_at = now() WHERE id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    let token = issue(&mut tx, user, family, ttl).await?;
    tx.commit().await?;
    Ok(Refreshed::Rotated { user, token })
}

/// Revokes the family `presented` belongs to (logout). Unknown tokens are ignored.
pub async fn revoke(pool: &PgPool, presented: &str) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    let family = sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
        hash(presented)
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(family) = family {
        revoke_family(&mut tx, family).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn revoke_family(conn: &mut PgConnection, family: Uuid) -> Result<(), DbError> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL",
        family
    )
    .execute(conn)
    .await?;
    Ok(())
}
