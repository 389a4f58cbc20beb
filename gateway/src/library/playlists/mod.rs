//! `/v1/playlists`: playlists and their ordered items.
//!
//! Items are numbered densely from 0. Every change to a playlist first locks
//! its row, so concurrent adds, removes and moves apply one after another and
//! positions never collide or leave gaps; each change bumps the version and is
//! published through the outbox with the full ordered track list.
//! A private playlist is a 404 to everyone but its owner.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing;
use axum::Json;
use axum::Router;
use encore_core::library::playlists as store;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::checks::{clean, Checks};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::paging::{Page, PageRequest};
use crate::state::AppState;
use crate::times::rfc3339;

pub mod items;

use self::items::{add_item, move_item, remove_item};

/// Playlists and their items.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/playlists", routing::post(create))
        .route(
            "/v1/playlists/{id}",
            routing::get(get).patch(update).delete(delete),
        )
        .route("/v1/playlists/{id}/items", routing::post(add_item))
        .route(
            "/v1/playlists/{id}/items/{item_id}",
            routing::delete(remove_item),
        )
        .route(
            "/v1/playlists/{id}/items/{item_id}/position",
            routing::put(move_item),
        )
        .route("/v1/me/playlists", routing::get(list_mine))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Playlist {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub public: bool,
    pub version: i64,
    /// In order; absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<PlaylistItem>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlaylistItem {
    /// The item's own id: a track may appear more than once.
    pub id: Uuid,
    pub track_id: Uuid,
    /// 0-based.
    pub position: i32,
    /// RFC 3339.
    pub added_at: String,
}

/// The API's view of a playlist row, with its items when read alone.
fn api(row: store::Playlist, items: Option<Vec<store::Item>>) -> Playlist {
    Playlist {
        id: row.id,
        owner_id: row.owner_id,
        name: row.name,
        description: row.description,
        public: row.public,
        version: row.version,
        items: items.map(|items| {
            items
                .into_iter()
                .map(|item| PlaylistItem {
                    id: item.id,
                    track_id: item.track_id,
                    position: item.position,
                    added_at: rfc3339(item.added_at),
                })
                .collect()
        }),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlaylist {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Private (false) unless set.
    #[serde(default)]
    pub public: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlaylist {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Empty text clears it.
    pub description: Option<String>,
    pub public: Option<bool>,
}

fn check(name: Option<&str>, description: Option<&str>) -> ApiResult<()> {
    let mut checks = Checks::new();
    for (field, problem) in store::problems(name, description) {
        checks.fail(field, problem);
    }
    checks.finish()
}

/// Creates a playlist owned by the caller.
#[utoipa::path(post, path = "/v1/playlists", tag = "library", security(("bearer" = [])), request_body = CreatePlaylist,
    responses((status = 201, body = Playlist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    JsonBody(body): JsonBody<CreatePlaylist>,
) -> ApiResult<(StatusCode, Json<Playlist>)> {
    check(Some(&body.name), body.description.as_deref())?;
    let mut tx = db.begin().await?;
    let id = store::insert(
        &mut tx,
        user.id,
        &body.name,
        clean(body.description),
        body.public,
    )
    .await?;
    let row = store::publish(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(api(row, Some(Vec::new())))))
}

/// A playlist with its items.
#[utoipa::path(get, path = "/v1/playlists/{id}", tag = "library", params(("id" = Uuid, Path)),
    responses((status = 200, body = Playlist), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(db): State<PgPool>,
    MaybeUser(viewer): MaybeUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<Playlist>> {
    let mut conn = db.acquire().await?;
    let row = store::visible(&mut conn, id, viewer.map(|v| v.id)).await?;
    let items = store::items(&mut conn, id).await?;
    Ok(Json(api(row, Some(items))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListPlaylists {
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The caller's playlists, public and private.
#[utoipa::path(get, path = "/v1/me/playlists", tag = "library", security(("bearer" = [])), params(ListPlaylists),
    responses((status = 200, body = Page<Playlist>), (status = 401, body = ErrorBody)))]
pub async fn list_mine(
    State(db): State<PgPool>,
    user: AuthUser,
    QueryParams(query): QueryParams<ListPlaylists>,
) -> ApiResult<Json<Page<Playlist>>> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let rows = store::owned(&db, user.id, page.after, page.fetch()).await?;
    let playlists = rows.into_iter().map(|r| api(r, None)).collect();
    Ok(Json(Page::from_rows(playlists, page, |p| p.id)))
}

/// Renames a playlist, changes its description or visibility.
#[utoipa::path(patch, path = "/v1/playlists/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdatePlaylist,
    responses((status = 200, body = Playlist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<UpdatePlaylist>,
) -> ApiResult<Json<Playlist>> {
    check(body.name.as_deref(), body.description.as_deref())?;
    let mut tx = db.begin().await?;
    store::lock_own(&mut tx, id, user.id).await?;
    store::set_fields(
        &mut tx,
        id,
        body.name.as_deref(),
        body.description.as_deref(),
        body.public,
    )
    .await?;
    let row = store::publish(&mut tx, id).await?;
    let items = store::items(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(api(row, Some(items))))
}

/// Deletes a playlist.
#[utoipa::path(delete, path = "/v1/playlists/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = db.begin().await?;
    let row = store::lock_own(&mut tx, id, user.id).await?;
    store::delete(&mut tx, id, row.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}
