//! Share links: tracks someone makes public to anyone holding a link, until
//! it expires or they delete it. Subsonic's `getShares`, `createShare`,
//! `updateShare` and `deleteShare` and the native `/v1/me/shares` are this
//! one table; `/v1/shares/{token}` reads and streams a share without an
//! account, within [`start_stream`]'s limits.
//!
//! A share keeps the tracks themselves: an album's or a playlist's as they
//! were when it was shared, so that what a link opens is what its owner
//! chose, not whatever the playlist holds next week.
//!
//! The token in the link is a bearer secret, random (128 bits) and looked up
//! by its SHA-256, and otherwise only kept sealed ([`Sealer`]), as app
//! passwords are, so that its owner can be shown the link again.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::catalog::songs;
use crate::credentials::seal::Sealer;
use crate::library::playlists;
use crate::DbError;

/// The longest description kept (the table's check).
pub const DESCRIPTION_MAX: usize = 500;
/// The most tracks one share holds (the table's check).
pub const TRACKS_MAX: usize = 1000;
/// How long a share lasts when its owner does not say.
pub const DEFAULT_LIFETIME: Duration = Duration::days(30);
/// The longest a share may last: a link lives on in chats and mail.
pub const MAX_LIFETIME: Duration = Duration::days(365);

/// What is being shared, as the owner names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Tracks(Vec<Uuid>),
    Album(Uuid),
    Playlist(Uuid),
}

impl Source {
    fn kind(&self) -> &'static str {
        match self {
            Source::Tracks(_) => "track",
            Source::Album(_) => "album",
            Source::Playlist(_) => "playlist",
        }
    }

    fn id(&self) -> Option<Uuid> {
        match self {
            Source::Tracks(_) => None,
            Source::Album(id) | Source::Playlist(id) => Some(*id),
        }
    }
}

/// A share as its owner sees it, link included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub id: Uuid,
    /// The secret part of the link; `None` for one sealed under an older
    /// `ENCORE_APP_PASSWORD_KEY`, which still opens but can no longer be shown.
    pub token: Option<String>,
    pub source_kind: String,
    pub source_id: Option<Uuid>,
    pub track_ids: Vec<Uuid>,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub visit_count: i64,
    pub last_visited_at: Option<OffsetDateTime>,
}

/// A share as anyone holding its link sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub owner: String,
    pub source_kind: String,
    pub track_ids: Vec<Uuid>,
    pub description: String,
    pub expires_at: OffsetDateTime,
}

/// What a link opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link<T> {
    Open(T),
    /// It was deleted, or never existed.
    Missing,
    /// It did exist, until then.
    Expired(OffsetDateTime),
    /// The share's streams this hour are used up; the next frees in so many
    /// seconds.
    Limited {
        retry_after_s: u64,
    },
}

/// The owner's expiry checked: in the future, and within [`MAX_LIFETIME`].
pub fn check_expiry(expires_at: OffsetDateTime, now: OffsetDateTime) -> Result<(), String> {
    if expires_at <= now {
        return Err("must be in the future".into());
    }
    if expires_at > now + MAX_LIFETIME {
        return Err(format!(
            "must be within {} days from now",
            MAX_LIFETIME.whole_days()
        ));
    }
    Ok(())
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The tracks `source` names, as `owner` may share them: songs that exist
/// (each once, in the order given), an album's, or a playlist the owner can
/// see. An empty result is the caller's mistake, named by field `ids`.
async fn tracks_of(db: &PgPool, owner: Uuid, source: &Source) -> Result<Vec<Uuid>, DbError> {
    let tracks = match source {
        Source::Tracks(ids) => {
            let mut unique = Vec::with_capacity(ids.len());
            for id in ids {
                if !unique.contains(id) {
                    unique.push(*id);
                }
            }
            let known = songs::durations(db, &unique).await?;
            if let Some(missing) = unique.iter().find(|id| !known.contains_key(id)) {
                return Err(DbError::Invalid {
                    field: "ids",
                    message: format!("{missing} is not a track"),
                });
            }
            unique
        }
        Source::Album(id) => {
            let tracks = songs::of_album(db, *id).await?;
            if tracks.is_empty() && !crate::catalog::albums::exists(db, *id).await? {
                return Err(DbError::NotFound("album"));
            }
            tracks
        }
        Source::Playlist(id) => {
            playlists::visible(&mut *db.acquire().await?, *id, Some(owner)).await?;
            songs::of_playlist(db, *id).await?
        }
    };
    if tracks.is_empty() {
        return Err(DbError::Invalid {
            field: "ids",
            message: format!("the {} has no tracks to share", source.kind()),
        });
    }
    if tracks.len() > TRACKS_MAX {
        return Err(DbError::Invalid {
            field: "ids",
            message: format!("a share holds at most {TRACKS_MAX} tracks"),
        });
    }
    Ok(tracks)
}

/// Shares `source` for `owner` until `expires_at` (checked by the caller
/// with [`check_expiry`]), with `description` (checked too).
pub async fn create(
    db: &PgPool,
    sealer: &Sealer,
    owner: Uuid,
    source: &Source,
    description: &str,
    expires_at: OffsetDateTime,
) -> Result<Share, DbError> {
    let tracks = tracks_of(db, owner, source).await?;
    let token = new_token();
    let row = sqlx::query!(
        "INSERT INTO shares (id, owner_id, token_hash, token_sealed, source_kind, source_id, \
         track_ids, description, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         RETURNING id, created_at",
        Uuid::now_v7(),
        owner,
        digest(&token),
        sealer.seal(token.as_bytes()),
        source.kind(),
        source.id(),
        &tracks,
        description.trim(),
        expires_at
    )
    .fetch_one(db)
    .await?;
    Ok(Share {
        id: row.id,
        token: Some(token),
        source_kind: source.kind().into(),
        source_id: source.id(),
        track_ids: tracks,
        description: description.trim().into(),
        created_at: row.created_at,
        expires_at,
        visit_count: 0,
        last_visited_at: None,
    })
}

/// `owner`'s shares, expired ones included (until deleted), newest first.
pub async fn list(db: &PgPool, sealer: &Sealer, owner: Uuid) -> Result<Vec<Share>, DbError> {
    let rows = sqlx::query!(
        "SELECT id, token_sealed, source_kind, source_id, track_ids, description, created_at, \
         expires_at, visit_count, last_visited_at FROM shares WHERE owner_id = $1 \
         ORDER BY created_at DESC, id",
        owner
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Share {
            id: row.id,
            token: sealer
                .open(&row.token_sealed)
                .ok()
                .and_then(|plain| String::from_utf8(plain).ok()),
            source_kind: row.source_kind,
            source_id: row.source_id,
            track_ids: row.track_ids,
            description: row.description,
            created_at: row.created_at,
            expires_at: row.expires_at,
            visit_count: row.visit_count,
            last_visited_at: row.last_visited_at,
        })
        .collect())
}

/// One of `owner`'s shares; `None` if it is not theirs or not there.
pub async fn one(
    db: &PgPool,
    sealer: &Sealer,
    owner: Uuid,
    id: Uuid,
) -> Result<Option<Share>, DbError> {
    Ok(list(db, sealer, owner)
        .await?
        .into_iter()
        .find(|s| s.id == id))
}

/// Changes the description and the expiry (each when given, checked by the
/// caller) of `owner`'s share `id`; `false` if it is not theirs or not there.
pub async fn update(
    db: &PgPool,
    owner: Uuid,
    id: Uuid,
    description: Option<&str>,
    expires_at: Option<OffsetDateTime>,
) -> Result<bool, DbError> {
    let done = sqlx::query!(
        "UPDATE shares SET description = COALESCE($3, description), \
         expires_at = COALESCE($4, expires_at) WHERE id = $1 AND owner_id = $2",
        id,
        owner,
        description.map(str::trim),
        expires_at
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes `owner`'s share `id`: its link opens nothing from now on.
/// Deleting one that is not there changes nothing.
pub async fn delete(db: &PgPool, owner: Uuid, id: Uuid) -> Result<(), DbError> {
    sqlx::query!(
        "DELETE FROM shares WHERE id = $1 AND owner_id = $2",
        id,
        owner
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Why a link opened nothing, from its row (if any).
async fn closed<T>(db: &PgPool, token: &str, per_hour: i32) -> Result<Link<T>, DbError> {
    let row = sqlx::query!(
        "SELECT expires_at, window_start, window_streams, now() AS \"now!\" FROM shares \
         WHERE token_hash = $1",
        digest(token)
    )
    .fetch_optional(db)
    .await?;
    Ok(match row {
        None => Link::Missing,
        Some(row) if row.expires_at <= row.now => Link::Expired(row.expires_at),
        Some(row) if row.window_streams >= per_hour => {
            let frees = row.window_start + Duration::hours(1) - row.now;
            Link::Limited {
                retry_after_s: u64::try_from(frees.whole_seconds()).unwrap_or(0).max(1),
            }
        }
        Some(_) => Link::Missing,
    })
}

/// Opens the share behind `token` and counts the visit.
pub async fn visit(db: &PgPool, token: &str) -> Result<Link<Opened>, DbError> {
    let row = sqlx::query!(
        "UPDATE shares s SET visit_count = visit_count + 1, last_visited_at = now() \
         FROM users u WHERE s.token_hash = $1 AND s.expires_at > now() AND u.id = s.owner_id \
         RETURNING COALESCE(u.display_name, u.username) AS \"owner!\", s.source_kind, \
         s.track_ids, s.description, s.expires_at",
        digest(token)
    )
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Link::Open(Opened {
            owner: row.owner,
            source_kind: row.source_kind,
            track_ids: row.track_ids,
            description: row.description,
            expires_at: row.expires_at,
        })),
        None => closed(db, token, i32::MAX).await,
    }
}

/// Whether `track` may be streamed through the link `token`: the share is
/// live and holds it, and, when `starts` (a new stream rather than the next
/// range of one), fewer than `per_hour` streams started through this share
/// in its current hour, which this one then counts. A link passed around
/// far beyond its owner's friends stops serving for the rest of the hour
/// instead of becoming a free public mirror.
pub async fn start_stream(
    db: &PgPool,
    token: &str,
    track: Uuid,
    starts: bool,
    per_hour: i32,
) -> Result<Link<()>, DbError> {
    let counted = sqlx::query_scalar!(
        "WITH s AS (SELECT id, window_start <= now() - interval '1 hour' AS fresh FROM shares \
           WHERE token_hash = $1 AND expires_at > now() AND $2 = ANY(track_ids) FOR UPDATE) \
         UPDATE shares t SET \
           window_start = CASE WHEN s.fresh AND $3 THEN now() ELSE t.window_start END, \
           window_streams = CASE WHEN NOT $3 THEN t.window_streams \
                                 WHEN s.fresh THEN 1 ELSE t.window_streams + 1 END \
         FROM s WHERE t.id = s.id AND (NOT $3 OR s.fresh OR t.window_streams < $4) \
         RETURNING t.id",
        digest(token),
        track,
        starts,
        per_hour
    )
    .fetch_optional(db)
    .await?;
    match counted {
        Some(_) => Ok(Link::Open(())),
        None => closed(db, token, per_hour).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_lies_ahead_within_a_year() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        assert!(check_expiry(now + Duration::days(1), now).is_ok());
        assert!(check_expiry(now + MAX_LIFETIME, now).is_ok());
        assert!(check_expiry(now, now).is_err());
        assert!(check_expiry(now - Duration::hours(1), now).is_err());
        assert!(check_expiry(now + MAX_LIFETIME + Duration::seconds(1), now).is_err());
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(digest(&a).len(), 32);
    }
}
