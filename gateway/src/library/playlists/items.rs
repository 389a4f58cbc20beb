//! A playlist's items: add, remove, move. Each change locks the playlist
//! row first, changes the item (`encore_core::library::playlists::items`),
//! and publishes the playlist's new ordered track list.

use axum::extract::State;
use axum::Json;
use encore_core::library::playlists as store;
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::{api, Playlist};
use crate::auth::AuthUser;
use crate::error::{ApiResult, ErrorBody};
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

/// Finishes an item change: publish, read back, commit, wake the relay.
async fn finish(
    outbox: &Wakeup,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    id: Uuid,
) -> ApiResult<Json<Playlist>> {
    let row = store::publish(&mut tx, id).await?;
    let items = store::items(&mut tx, id).await?;
    outbox::commit(outbox, tx).await?;
    Ok(Json(api(row, Some(items))))
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
    store::lock_own(&mut tx, id, user.id).await?;
    store::items::insert_at(&mut tx, id, body.track_id, body.position).await?;
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
    store::lock_own(&mut tx, id, user.id).await?;
    store::items::remove(&mut tx, id, item).await?;
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
    store::lock_own(&mut tx, id, user.id).await?;
    store::items::move_to(&mut tx, id, item, body.position).await?;
    finish(&outbox, tx, id).await
}
