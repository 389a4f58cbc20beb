//! Each listener's last playback report (Subsonic's `reportPlayback`): which
//! listening session it belongs to and the state it left, so the next report
//! can be turned into the right playback events.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::DbError;

/// A position within a track of `duration` ms: past its end is a client's
/// mistake, whichever API reports it.
pub fn check_position(position_ms: i64, duration_ms: i64) -> Result<(), String> {
    if position_ms > duration_ms {
        Err(format!(
            "{position_ms} is past the track's end ({duration_ms} ms)"
        ))
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub track_id: Uuid,
    pub session_id: Uuid,
    /// starting, playing, paused or stopped.
    pub state: String,
    pub position_ms: i64,
}

/// `user`'s last report, locked until the transaction ends so that two
/// reports at once are taken one after the other.
pub async fn last_for_update(
    conn: &mut PgConnection,
    user: Uuid,
) -> Result<Option<Report>, DbError> {
    Ok(sqlx::query_as!(
        Report,
        "SELECT track_id, session_id, state, position_ms FROM playback_reports \
         WHERE user_id = $1 FOR UPDATE",
        user
    )
    .fetch_optional(conn)
    .await?)
}

/// Keeps `report` as `user`'s last.
pub async fn record(conn: &mut PgConnection, user: Uuid, report: &Report) -> Result<(), DbError> {
    sqlx::query!(
        "INSERT INTO playback_reports (user_id, track_id, session_id, state, position_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
         track_id = EXCLUDED.track_id, session_id = EXCLUDED.session_id, state = EXCLUDED.state, \
         position_ms = EXCLUDED.position_ms, reported_at = now()",
        user,
        report.track_id,
        report.session_id,
        report.state,
        report.position_ms
    )
    .execute(conn)
    .await?;
    Ok(())
}
