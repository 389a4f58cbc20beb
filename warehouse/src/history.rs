//! A listener's plays, newest first, and what each listener started a moment
//! ago: read from `plays_by_user`, the copy of `plays` the etl already keeps
//! sorted by listener and time.
//!
//! The gateway used to keep a second copy of every `start` in PostgreSQL,
//! with a consumer of its own. At load that consumer and its inserts took
//! the CPU the gateway's requests needed (paced p99 125 ms with it, 27 ms
//! without, on the load bench), to store rows the warehouse already held.
//! A play now shows up in the history once the etl has written its batch.

use std::collections::HashMap;

use clickhouse::error::Error;
use clickhouse::{Client, Row};
use serde::Deserialize;
use uuid::Uuid;

/// One play of a listener's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    pub event_id: Uuid,
    pub track_id: Uuid,
    /// Where the play started (`album`, `playlist`, `search`, ...).
    pub context: String,
    pub occurred_at_ms: u64,
}

/// Where a page of history starts: after the play at this time with this
/// event id, in newest-first order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Before {
    pub occurred_at_ms: u64,
    pub event_id: Uuid,
}

#[derive(Row, Deserialize)]
struct PlayRow {
    event_text: String,
    track_text: String,
    occurred_at_ms: u64,
}

#[derive(Row, Deserialize)]
struct ContextRow {
    event_text: String,
    context_kind: String,
}

/// Up to `limit` plays (`start` events) of `user`, newest first, after
/// `before` when given. Ties in time are broken by the event id's text,
/// which orders like PostgreSQL's uuid.
pub async fn listener_plays(
    db: &Client,
    user: Uuid,
    before: Option<Before>,
    limit: u64,
) -> Result<Vec<Play>, Error> {
    let (has_cursor, at, after_id) = match before {
        Some(b) => (1_u8, b.occurred_at_ms, b.event_id.to_string()),
        None => (0, 0, String::new()),
    };
    let rows: Vec<PlayRow> = db
        .query(
            "SELECT toString(event_id) AS event_text, toString(track_id) AS track_text, occurred_at_ms \
             FROM plays_by_user FINAL \
             WHERE user_id = toUUID(?) AND kind = 'start' \
               AND (? = 0 OR occurred_at_ms < ? OR (occurred_at_ms = ? AND toString(event_id) < ?)) \
             ORDER BY occurred_at_ms DESC, event_text DESC LIMIT ?",
        )
        .bind(user.to_string())
        .bind(has_cursor)
        .bind(at)
        .bind(at)
        .bind(after_id)
        .bind(limit)
        .fetch_all()
        .await?;
    let plays: Vec<(Uuid, Uuid, u64)> = rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.event_text.parse().ok()?,
                r.track_text.parse().ok()?,
                r.occurred_at_ms,
            ))
        })
        .collect();
    // `plays_by_user` leaves the context out; `plays` is sorted by event id,
    // so a page's contexts are a key lookup there.
    let ids: Vec<Uuid> = plays.iter().map(|p| p.0).collect();
    let contexts = contexts(db, &ids).await?;
    Ok(plays
        .into_iter()
        .map(|(event_id, track_id, occurred_at_ms)| Play {
            context: contexts.get(&event_id).cloned().unwrap_or_default(),
            event_id,
            track_id,
            occurred_at_ms,
        })
        .collect())
}

async fn contexts(db: &Client, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    // Every copy of an event carries the same context, so no FINAL.
    let rows: Vec<ContextRow> = db
        .query(
            "SELECT toString(event_id) AS event_text, context_kind FROM plays \
             WHERE event_id IN (SELECT toUUID(arrayJoin(?)))",
        )
        .bind(texts)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.event_text.parse().ok()?, r.context_kind)))
        .collect())
}

/// What one listener started last.
#[derive(Debug, Clone, PartialEq)]
pub struct Playing {
    pub user_id: Uuid,
    pub track_id: Uuid,
    pub occurred_at_ms: u64,
}

#[derive(Row, Deserialize)]
struct PlayingRow {
    user_text: String,
    track_text: String,
    last_ms: u64,
}

/// The newest play of each listener who started one at or after `since_ms`,
/// most recent first, at most `limit` listeners.
pub async fn now_playing(db: &Client, since_ms: u64, limit: u64) -> Result<Vec<Playing>, Error> {
    // A copy of a play changes neither the newest time nor its track, so no
    // FINAL. The month partitions bound what is read to the recent ones.
    let rows: Vec<PlayingRow> = db
        .query(
            "SELECT toString(user_id) AS user_text, toString(argMax(track_id, occurred_at_ms)) AS track_text, \
                    max(occurred_at_ms) AS last_ms \
             FROM plays_by_user \
             WHERE kind = 'start' AND occurred_at >= toDateTime(intDiv(?, 1000)) AND occurred_at_ms >= ? \
             GROUP BY user_id ORDER BY last_ms DESC, user_text LIMIT ?",
        )
        .bind(since_ms)
        .bind(since_ms)
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Playing {
                user_id: r.user_text.parse().ok()?,
                track_id: r.track_text.parse().ok()?,
                occurred_at_ms: r.last_ms,
            })
        })
        .collect())
}
