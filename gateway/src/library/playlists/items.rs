//! A playlist's items: add, remove, move. Each change locks the playlist
//! row first (`lock_own` in the parent module), shifts the positions around it in one
//! statement, and publishes the playlist's new ordered track list.

use axum::extract::State;
use axum::Json;
use encore_core::library::playlists::MAX_ITEMS;
use serde::Deserialize;
use sqlx::PgConnection;
use sqlx::PgPool;
use uuid::Uuid;

use super::{items, lock_own, publish, Playlist};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::outbox;
use crate::outbox::Wakeup;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    pub track_id: Uuid,
    /// Where to insert, 0-based; the end when absent.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveItem {
    /// The item's new 0-based position.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: i32,
}

async fn item_count(conn: &mut PgConnection, playlist: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM playlist_items WHERE playlist_id = $1")
        .bind(playlist)
        .fetch_one(conn)
        .await
}

/// Finishes an item change: publish, read back, commit, wake the relay.
async fn finish(
    outbox: &Wakeup,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> ApiResult<Json<Playlist>> {
    let row = publish(&mut tx, id).await?;
    let items = items(&mut tx, id).await?;
    outbox::commit(outbox, tx).await?;
    Ok(Json(row.into_api(Some(items))))
}

/// Adds a track at a position (the end by default); later items shift down.
#[utoipa::path(post, path = "/v1/playlists/{id}/items", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = AddItem,
    responses((status = 200, body = Playlist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_item(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<AddItem>,
) -> ApiResult<Json<Playlist>> {
    let mut tx = db.begin().await?;
    lock_own(&mut tx, id, &user).await?;
    let count = item_count(&mut tx, id).await?;
    if count >= MAX_ITEMS {
        return Err(ApiError::conflict(
            "track_id",
            format!("a playlist holds at most {MAX_ITEMS} items"),
        ));
    }
    let position = i64::from(body.position.unwrap_or(count as i32));
    if !(0..=count).contains(&position) {
        return Err(ApiError::invalid_field(
            "position",
            format!("must be between 0 and {count}"),
        ));
    }
    let track: Option<Uuid> = sqlx::query_scalar("SELECT id FROM tracks WHERE id = $1")
        .bind(body.track_id)
        .fetch_optional(&mut *tx)
        .await?;
    if track.is_none() {
        return Err(ApiError::invalid_field("track_id", "no such track"));
    }
    sqlx::query("UPDATE playlist_items SET position = position + 1 WHERE playlist_id = $1 AND position >= $2")
        .bind(id)
        .bind(position as i32)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO playlist_items (id, playlist_id, track_id, position) VALUES ($1, $2, $3, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(id)
    .bind(body.track_id)
    .bind(position as i32)
    .execute(&mut *tx)
    .await?;
    finish(&outbox, tx, id).await
}

/// Removes an item; later items shift up.
#[utoipa::path(delete, path = "/v1/playlists/{id}/items/{item_id}", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("item_id" = Uuid, Path)),
    responses((status = 200, body = Playlist), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn remove_item(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams((id, item)): PathParams<(Uuid, Uuid)>,
) -> ApiResult<Json<Playlist>> {
    let mut tx = db.begin().await?;
    lock_own(&mut tx, id, &user).await?;
    let removed: Option<i32> = sqlx::query_scalar(
        "DELETE FROM playlist_items WHERE id = $1 AND playlist_id = $2 RETURNING position",
    )
    .bind(item)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let removed = removed.ok_or_else(|| ApiError::not_found("playlist item"))?;
    sqlx::query("UPDATE playlist_items SET position = position - 1 WHERE playlist_id = $1 AND position > $2")
        .bind(id)
        .bind(removed)
        .execute(&mut *tx)
        .await?;
    finish(&outbox, tx, id).await
}

/// Moves an item to a new position; the items between shift by one.
#[utoipa::path(put, path = "/v1/playlists/{id}/items/{item_id}/position", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("item_id" = Uuid, Path)), request_body = MoveItem,
    responses((status = 200, body = Playlist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn move_item(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams((id, item)): PathParams<(Uuid, Uuid)>,
    JsonBody(body): JsonBody<MoveItem>,
) -> ApiResult<Json<Playlist>> {
    let mut tx = db.begin().await?;
    lock_own(&mut tx, id, &user).await?;
    let from: Option<i32> = sqlx::query_scalar(
        "SELECT position FROM playlist_items WHERE id = $1 AND playlist_id = $2",
    )
    .bind(item)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let from = from.ok_or_else(|| ApiError::not_found("playlist item"))?;
    let last = item_count(&mut tx, id).await? - 1;
    let to = body.position;
    if !(0..=last).contains(&i64::from(to)) {
        return Err(ApiError::invalid_field(
            "position",
            format!("must be between 0 and {last}"),
        ));
    }
    // Shift the items between the two positions one step towards `from`.
    let (low, high, step) = if from < to {
        (from + 1, to, -1)
    } else {
        (to, from - 1, 1)
    };
    sqlx::query(
        "UPDATE playlist_items SET position = position + $4 \
         WHERE playlist_id = $1 AND position BETWEEN $2 AND $3",
    )
    .bind(id)
    .bind(low)
    .bind(high)
    .bind(step)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE playlist_items SET position = $2 WHERE id = $1")
        .bind(item)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    finish(&outbox, tx, id).await
}
