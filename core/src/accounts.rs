//! Accounts as the APIs look them up: by name, and the names of many at once.
//! A deleted account keeps its row (anonymised) but is never found.

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::DbError;

/// The live account of that name, any case.
pub async fn named(db: &PgPool, username: &str) -> Result<Option<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM users WHERE deleted_at IS NULL AND lower(username) = lower($1)",
        username
    )
    .fetch_optional(db)
    .await?)
}

/// The usernames of those of `ids` that are live accounts.
pub async fn usernames(db: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, DbError> {
    let rows = sqlx::query!(
        "SELECT id, username FROM users WHERE id = ANY($1) AND deleted_at IS NULL",
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}

/// What a client may read about an account: its name, address and role.
#[derive(Debug, Clone)]
pub struct Profile {
    pub username: String,
    pub email: String,
    pub role: String,
}

pub async fn profile(db: &PgPool, username: &str) -> Result<Option<Profile>, DbError> {
    Ok(sqlx::query_as!(
        Profile,
        "SELECT username, email, role FROM users \
         WHERE deleted_at IS NULL AND lower(username) = lower($1)",
        username
    )
    .fetch_optional(db)
    .await?)
}
