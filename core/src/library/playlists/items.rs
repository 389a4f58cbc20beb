//! One item at a time: add at a position, remove, move. The caller has
//! locked the playlist ([`super::lock_own`]); each change shifts the
//! positions around it in one statement, so they stay dense from 0.

use sqlx::PgConnection;
use uuid::Uuid;

use super::MAX_ITEMS;
use crate::DbError;

async fn count(conn: &mut PgConnection, playlist: Uuid) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM playlist_items WHERE playlist_id = $1"#,
        playlist
    )
    .fetch_one(conn)
    .await?)
}

/// Adds `track` at `position` (the end when `None`); later items shift down.
pub async fn insert_at(
    conn: &mut PgConnection,
    playlist: Uuid,
    track: Uuid,
    position: Option<i32>,
) -> Result<(), DbError> {
    let count = count(conn, playlist).await?;
    if count >= MAX_ITEMS {
        return Err(DbError::Conflict {
            field: "track_id",
            message: "a playlist holds at most 10000 items",
        });
    }
    let position = position.map_or(count, i64::from);
    if !(0..=count).contains(&position) {
        return Err(DbError::Invalid {
            field: "position",
            message: format!("must be between 0 and {count}"),
        });
    }
    let position = position as i32;
    let known = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tracks WHERE id = $1) AS "known!""#,
        track
    )
    .fetch_one(&mut *conn)
    .await?;
    if !known {
        return Err(DbError::Invalid {
            field: "track_id",
            message: "no such track".into(),
        });
    }
    sqlx::query!(
        "UPDATE playlist_items SET position = position + 1 WHERE playlist_id = $1 AND position >= $2",
        playlist,
        position
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO playlist_items (id, playlist_id, track_id, position) VALUES ($1, $2, $3, $4)",
        Uuid::now_v7(),
        playlist,
        track,
        position
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes an item; later items shift up. `NotFound` if the playlist has no
/// such item.
pub async fn remove(conn: &mut PgConnection, playlist: Uuid, item: Uuid) -> Result<(), DbError> {
    let removed = sqlx::query_scalar!(
        "DELETE FROM playlist_items WHERE id = $1 AND playlist_id = $2 RETURNING position",
        item,
        playlist
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound("playlist item"))?;
    sqlx::query!(
        "UPDATE playlist_items SET position = position - 1 WHERE playlist_id = $1 AND position > $2",
        playlist,
        removed
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves an item to position `to`; the items between shift by one.
pub async fn move_to(
    conn: &mut PgConnection,
    playlist: Uuid,
    item: Uuid,
    to: i32,
) -> Result<(), DbError> {
    let from = sqlx::query_scalar!(
        "SELECT position FROM playlist_items WHERE id = $1 AND playlist_id = $2",
        item,
        playlist
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DbError::NotFound("playlist item"))?;
    let last = count(conn, playlist).await? - 1;
    if !(0..=last).contains(&i64::from(to)) {
        return Err(DbError::Invalid {
            field: "position",
            message: format!("must be between 0 and {last}"),
        });
    }
    // Shift the items between the two positions one step towards `from`.
    let (low, high, step) = if from < to {
        (from + 1, to, -1)
    } else {
        (to, from - 1, 1)
    };
    sqlx::query!(
        "UPDATE playlist_items SET position = position + $4 \
         WHERE playlist_id = $1 AND position BETWEEN $2 AND $3",
        playlist,
        low,
        high,
        step
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE playlist_items SET position = $2 WHERE id = $1",
        item,
        to
    )
    .execute(conn)
    .await?;
    Ok(())
}
