//! The play queue a listener saves on one device and resumes on another
//! (Subsonic's `savePlayQueue` and `getPlayQueue`, and their by-index twins):
//! one row per listener.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::catalog::songs;
use crate::DbError;

/// The most tracks a saved queue holds.
pub const TRACKS_MAX: usize = 1000;

/// Why a queue cannot be saved as given; each API names the field its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// One of the ids is no track.
    UnknownTrack(Uuid),
    /// The position lies past the current track's end.
    PastEnd(String),
}

/// Checks a queue before [`save`]: every id a track, and the position
/// within the current track (the first when none is named). The rule both
/// APIs' queues keep.
pub async fn check(
    db: &PgPool,
    tracks: &[Uuid],
    current: Option<usize>,
    position_ms: i64,
) -> Result<Result<(), Problem>, DbError> {
    let durations = songs::durations(db, tracks).await?;
    if let Some(missing) = tracks.iter().find(|id| !durations.contains_key(id)) {
        return Ok(Err(Problem::UnknownTrack(*missing)));
    }
    let playing = tracks.get(current.unwrap_or(0));
    if let Some(duration) = playing.and_then(|id| durations.get(id)) {
        if let Err(why) = crate::playback::check_position(position_ms, *duration) {
            return Ok(Err(Problem::PastEnd(why)));
        }
    }
    Ok(Ok(()))
}

#[derive(Debug, Clone)]
pub struct Saved {
    /// In order; a track may be there more than once.
    pub track_ids: Vec<Uuid>,
    pub current_id: Option<Uuid>,
    /// The current track's place in `track_ids`: the one of several copies
    /// that is playing. None in queues saved before places were kept.
    pub current_index: Option<i32>,
    /// Within the current track.
    pub position_ms: i64,
    pub changed_at: OffsetDateTime,
    /// The client that saved it.
    pub changed_by: String,
}

impl Saved {
    /// The current track's place: as saved, or else the first place of the
    /// current track.
    pub fn current_place(&self) -> Option<usize> {
        match self.current_index {
            Some(index) => usize::try_from(index).ok(),
            None => {
                let current = self.current_id?;
                self.track_ids.iter().position(|id| *id == current)
            }
        }
    }
}

/// Replaces `user`'s queue; `current` is the playing track's place in
/// `tracks` (the caller checked that it is one).
pub async fn save(
    db: &PgPool,
    user: Uuid,
    tracks: &[Uuid],
    current: Option<usize>,
    position_ms: i64,
    client: &str,
) -> Result<(), DbError> {
    let current_id = current.and_then(|at| tracks.get(at).copied());
    let current_index = current
        .filter(|_| current_id.is_some())
        .and_then(|at| i32::try_from(at).ok());
    sqlx::query!(
        "INSERT INTO play_queues (user_id, track_ids, current_id, current_index, position_ms, changed_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET \
         track_ids = EXCLUDED.track_ids, current_id = EXCLUDED.current_id, \
         current_index = EXCLUDED.current_index, position_ms = EXCLUDED.position_ms, \
         changed_by = EXCLUDED.changed_by, changed_at = now()",
        user,
        tracks,
        current_id,
        current_index,
        position_ms,
        client
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn clear(db: &PgPool, user: Uuid) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM play_queues WHERE user_id = $1", user)
        .execute(db)
        .await?;
    Ok(())
}

/// `user`'s saved queue, if any.
pub async fn load(db: &PgPool, user: Uuid) -> Result<Option<Saved>, DbError> {
    Ok(sqlx::query_as!(
        Saved,
        "SELECT track_ids, current_id, current_index, position_ms, changed_at, changed_by \
         FROM play_queues WHERE user_id = $1",
        user
    )
    .fetch_optional(db)
    .await?)
}
