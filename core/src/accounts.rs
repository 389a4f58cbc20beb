//! Accounts: looked up by id or name, changed and deleted by their owner.
//! A deleted account keeps its row (anonymised) but is never found.

use std::collections::HashMap;

use encore_schemas::EntityType;
use sqlx::{PgConnection, PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{outbox, DbError};

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

/// Every live account's profile, by username: Subsonic's `getUsers`, for
/// admins. Subsonic has no paging here, and a server's accounts are what an
/// admin screen lists.
pub async fn profiles(db: &PgPool) -> Result<Vec<Profile>, DbError> {
    Ok(sqlx::query_as!(
        Profile,
        "SELECT username, email, role FROM users \
         WHERE deleted_at IS NULL ORDER BY lower(username)"
    )
    .fetch_all(db)
    .await?)
}

/// A live account as its owner and admins see it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub display_name: Option<String>,
    /// listener, artist or admin.
    pub role: String,
    pub avatar_key: Option<String>,
    pub created_at: OffsetDateTime,
}

/// The live account `id`, on a pool or inside a transaction.
pub async fn get<'e>(db: impl PgExecutor<'e>, id: Uuid) -> Result<Option<Account>, DbError> {
    Ok(sqlx::query_as!(
        Account,
        "SELECT id, email, username, display_name, role, avatar_key, created_at \
         FROM users WHERE id = $1 AND deleted_at IS NULL",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// What an owner may change of their account; `None` keeps it.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    /// Empty clears it.
    pub display_name: Option<&'a str>,
}

/// Changes the live account `id`. A name or address another account holds
/// is a `Conflict` on that field.
pub async fn update(db: &PgPool, id: Uuid, changes: &Changes<'_>) -> Result<(), DbError> {
    let display_name = changes.display_name.map(str::trim);
    sqlx::query!(
        "UPDATE users SET email = COALESCE($2, email), username = COALESCE($3, username), \
         display_name = CASE WHEN $4::text IS NULL THEN display_name ELSE NULLIF($4, '') END, \
         updated_at = now() WHERE id = $1 AND deleted_at IS NULL",
        id,
        changes.email,
        changes.username,
        display_name
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What deleting an account leaves for the caller to clean up.
#[derive(Debug)]
pub struct Deleted {
    /// The avatar to remove from storage.
    pub avatar_key: Option<String>,
    /// How many playlists went with it.
    pub playlists: usize,
}

/// Deletes the live account `id` inside the caller's transaction: its
/// playlists (their deletions written to the outbox), likes, bookmarks,
/// play queue, shares, sessions and artist links go, and the row is anonymised so ids in past events point
/// at nothing personal. `None` if there is no such account.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<Option<Deleted>, DbError> {
    let Some(locked) = sqlx::query!(
        "SELECT avatar_key FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let playlists = sqlx::query!(
        "DELETE FROM playlists WHERE owner_id = $1 RETURNING id, version",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    for playlist in &playlists {
        outbox::delete(
            conn,
            EntityType::Playlist,
            playlist.id,
            playlist.version + 1,
        )
        .await?;
    }
    sqlx::query!("DELETE FROM track_likes WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM album_likes WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM artist_likes WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    // Where they stopped and what they queued are theirs alone too.
    sqlx::query!("DELETE FROM bookmarks WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM play_queues WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    // Their links stop opening: nothing is shared in the name of no one.
    sqlx::query!("DELETE FROM shares WHERE owner_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM refresh_tokens WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!("DELETE FROM artist_members WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE users SET email = 'deleted-' || id || '@invalid', username = 'deleted-' || id, \
         password_hash = '!', display_name = NULL, avatar_key = NULL, role = 'listener', \
         deleted_at = now(), updated_at = now() WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(Some(Deleted {
        avatar_key: locked.avatar_key,
        playlists: playlists.len(),
    }))
}

/// Points the account's avatar at `key`; returns the key it had before.
pub async fn set_avatar(db: &PgPool, id: Uuid, key: &str) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar!(
        "UPDATE users u SET avatar_key = $2, updated_at = now() \
         FROM (SELECT avatar_key FROM users WHERE id = $1 FOR UPDATE) old \
         WHERE u.id = $1 RETURNING old.avatar_key",
        id,
        key
    )
    .fetch_one(db)
    .await?)
}

/// The stored avatar of the live account `id`, if it has one.
pub async fn avatar(db: &PgPool, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT avatar_key FROM users WHERE id = $1 AND deleted_at IS NULL",
        id
    )
    .fetch_optional(db)
    .await?
    .flatten())
}

/// Gives the live account `id` a role (listener, artist or admin).
pub async fn set_role(db: &PgPool, id: Uuid, role: &str) -> Result<(), DbError> {
    let updated = sqlx::query!(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL",
        id,
        role
    )
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(DbError::NotFound("user"));
    }
    Ok(())
}

/// Lets the live account `user` edit `artist`; already a member is fine.
pub async fn add_member(db: &PgPool, artist: Uuid, user: Uuid) -> Result<(), DbError> {
    let inserted = sqlx::query!(
        "INSERT INTO artist_members (artist_id, user_id) \
         SELECT a.id, u.id FROM artists a, users u WHERE a.id = $1 AND u.id = $2 AND u.deleted_at IS NULL \
         ON CONFLICT DO NOTHING",
        artist,
        user
    )
    .execute(db)
    .await?;
    if inserted.rows_affected() == 0 {
        let member = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM artist_members WHERE artist_id = $1 AND user_id = $2) AS "member!""#,
            artist,
            user
        )
        .fetch_one(db)
        .await?;
        if !member {
            return Err(DbError::NotFound("artist or user"));
        }
    }
    Ok(())
}

pub async fn remove_member(db: &PgPool, artist: Uuid, user: Uuid) -> Result<(), DbError> {
    sqlx::query!(
        "DELETE FROM artist_members WHERE artist_id = $1 AND user_id = $2",
        artist,
        user
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Registers a listener; a name or address another live account holds is a
/// `Conflict` on that field. `password_hash` is the caller's Argon2id hash.
pub async fn create(
    conn: &mut PgConnection,
    email: &str,
    username: &str,
    password_hash: &str,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO users (id, email, username, password_hash, role) VALUES ($1, $2, $3, $4, 'listener')",
        id,
        email,
        username,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(id)
}

/// The live account whose email or username is `login` (any case), with its
/// password hash, for the caller to verify.
pub async fn for_login(db: &PgPool, login: &str) -> Result<Option<(Uuid, String)>, DbError> {
    let found = sqlx::query!(
        "SELECT id, password_hash FROM users \
         WHERE deleted_at IS NULL AND (lower(email) = lower($1) OR lower(username) = lower($1))",
        login
    )
    .fetch_optional(db)
    .await?;
    Ok(found.map(|f| (f.id, f.password_hash)))
}

/// The role of the live account `id`.
pub async fn role(db: &PgPool, id: Uuid) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT role FROM users WHERE id = $1 AND deleted_at IS NULL",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The live account with that email address, any case.
pub async fn with_email(db: &PgPool, email: &str) -> Result<Option<Uuid>, DbError> {
    Ok(sqlx::query_scalar!(
        "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
        email
    )
    .fetch_optional(db)
    .await?)
}
