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
use encore_core::library::playlists as edits;
use encore_core::DbError;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::{AuthUser, MaybeUser};
use crate::checks::{clean, Checks};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::outbox::Wakeup;
use crate::outbox::{self, Body};
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PlaylistRow {
    pub(crate) id: Uuid,
    pub(crate) owner_id: Uuid,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) public: bool,
    pub(crate) version: i64,
}

const COLUMNS: &str = "id, owner_id, name, description, public, version";

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

impl PlaylistRow {
    fn into_api(self, items: Option<Vec<PlaylistItem>>) -> Playlist {
        Playlist {
            id: self.id,
            owner_id: self.owner_id,
            name: self.name,
            description: self.description,
            public: self.public,
            version: self.version,
            items,
        }
    }
}

async fn items(conn: &mut PgConnection, playlist: Uuid) -> Result<Vec<PlaylistItem>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, i32, OffsetDateTime)> = sqlx::query_as(
        "SELECT id, track_id, position, added_at FROM playlist_items WHERE playlist_id = $1 ORDER BY position",
    )
    .bind(playlist)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, track_id, position, added_at)| PlaylistItem {
            id,
            track_id,
            position,
            added_at: rfc3339(added_at),
        })
        .collect())
}

/// The playlist if `viewer` may see it; private playlists of others are "not found".
pub(crate) async fn visible(
    conn: &mut PgConnection,
    id: Uuid,
    viewer: Option<&AuthUser>,
) -> ApiResult<PlaylistRow> {
    let row: Option<PlaylistRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM playlists WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    match row {
        Some(row) if row.public || viewer.is_some_and(|v| v.id == row.owner_id) => Ok(row),
        _ => Err(ApiError::not_found("playlist")),
    }
}

/// Locks the playlist for a change by its owner: 404 if the caller cannot see
/// it, 403 if they can but it is someone else's.
pub(crate) async fn lock_own(
    conn: &mut PgConnection,
    id: Uuid,
    user: &AuthUser,
) -> ApiResult<PlaylistRow> {
    let row: Option<PlaylistRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM playlists WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) if row.owner_id == user.id => Ok(row),
        Some(row) if row.public => Err(ApiError::forbidden("only its owner may change a playlist")),
        _ => Err(ApiError::not_found("playlist")),
    }
}

/// Bumps the version and writes the playlist's new state to the outbox.
pub(crate) async fn publish(conn: &mut PgConnection, id: Uuid) -> Result<PlaylistRow, DbError> {
    let row: PlaylistRow = sqlx::query_as(&format!(
        "UPDATE playlists SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let track_ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT track_id FROM playlist_items WHERE playlist_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let body = Body::Playlist(encore_schemas::Playlist {
        id: row.id,
        owner_id: row.owner_id,
        name: row.name.clone(),
        description: row.description.clone(),
        public: row.public,
        track_ids,
    });
    outbox::upsert(conn, body, row.version).await?;
    Ok(row)
}

/// Locks, in id order, the playlists that hold any of `tracks` (about to be
/// deleted), and returns their ids for [`renumber_and_publish`].
pub async fn lock_containing(
    conn: &mut PgConnection,
    tracks: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM playlists WHERE id IN \
         (SELECT playlist_id FROM playlist_items WHERE track_id = ANY($1)) ORDER BY id FOR UPDATE",
    )
    .bind(tracks)
    .fetch_all(conn)
    .await
}

/// Closes the gaps deleted tracks left and publishes each playlist.
pub async fn renumber_and_publish(
    conn: &mut PgConnection,
    playlists: &[Uuid],
) -> Result<(), DbError> {
    for id in playlists {
        edits::renumber(conn, *id).await?;
        publish(conn, *id).await?;
    }
    Ok(())
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

pub(crate) fn check(name: Option<&str>, description: Option<&str>) -> ApiResult<()> {
    let mut checks = Checks::new();
    if let Some(name) = name {
        checks.text("name", name, 1, 200);
    }
    checks.optional_text("description", description, 2_000);
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
    let id = edits::insert(
        &mut tx,
        user.id,
        &body.name,
        clean(body.description),
        body.public,
    )
    .await?;
    let row = publish(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok((StatusCode::CREATED, Json(row.into_api(Some(Vec::new())))))
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
    let row = visible(&mut conn, id, viewer.as_ref()).await?;
    let items = items(&mut conn, id).await?;
    Ok(Json(row.into_api(Some(items))))
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
    let rows: Vec<PlaylistRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM playlists WHERE owner_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(user.id)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(&db)
    .await?;
    let playlists = rows.into_iter().map(|r| r.into_api(None)).collect();
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
    lock_own(&mut tx, id, &user).await?;
    edits::set_fields(
        &mut tx,
        id,
        body.name.as_deref(),
        body.description.as_deref(),
        body.public,
    )
    .await?;
    let row = publish(&mut tx, id).await?;
    let items = items(&mut tx, id).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(row.into_api(Some(items))))
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
    let row = lock_own(&mut tx, id, &user).await?;
    edits::delete(&mut tx, id, row.version).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(StatusCode::NO_CONTENT)
}
