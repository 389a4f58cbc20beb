//! Admin endpoints: roles, and which accounts may edit which artists.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::accounts::Accounts;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::me::{load_profile, UserProfile};
use crate::state::AppState;
use encore_core::DbError;

/// Roles, artist membership and sync requests (admins only).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/users/{id}/role", put(set_role))
        .route(
            "/v1/admin/artists/{artist_id}/members/{user_id}",
            put(add_member).delete(remove_member),
        )
        .route("/v1/admin/sync", post(request_sync))
        .route("/v1/admin/sync/claim", post(claim_sync))
        .route("/v1/admin/sync/{id}", get(get_sync).put(finish_sync))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    pub role: Role,
}

/// Sets a user's role.
#[utoipa::path(put, path = "/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SetRole,
    responses((status = 200, body = UserProfile), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_role(
    State(db): State<PgPool>,
    State(accounts): State<Arc<Accounts>>,
    admin: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<SetRole>,
) -> ApiResult<Json<UserProfile>> {
    admin.require_admin()?;
    if id == admin.id {
        // So the last admin cannot lock everyone out by accident.
        return Err(ApiError::conflict(
            "id",
            "admins cannot change their own role; ask another admin",
        ));
    }
    grant_role(&db, id, body.role).await?;
    accounts.changed(id);
    tracing::info!(admin = %admin.id, user = %id, role = body.role.as_str(), "role changed");
    Ok(Json(load_profile(&db, id).await?))
}

/// Sets the role of a live account; used by the endpoint and by `gateway grant`.
pub async fn grant_role(db: &PgPool, user: Uuid, role: Role) -> Result<(), DbError> {
    let updated = sqlx::query(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user)
    .bind(role.as_str())
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(DbError::NotFound("user"));
    }
    Ok(())
}

/// Lets an account edit an artist.
#[utoipa::path(put, path = "/v1/admin/artists/{artist_id}/members/{user_id}", tag = "admin",
    security(("bearer" = [])), params(("artist_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams((artist, user)): PathParams<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    admin.require_admin()?;
    let inserted = sqlx::query(
        "INSERT INTO artist_members (artist_id, user_id) \
         SELECT a.id, u.id FROM artists a, users u WHERE a.id = $1 AND u.id = $2 AND u.deleted_at IS NULL \
         ON CONFLICT DO NOTHING",
    )
    .bind(artist)
    .bind(user)
    .execute(&db)
    .await?;
    if inserted.rows_affected() == 0 {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM artist_members WHERE artist_id = $1 AND user_id = $2)",
        )
        .bind(artist)
        .bind(user)
        .fetch_one(&db)
        .await?;
        if !exists {
            return Err(ApiError::not_found("artist or user"));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Stops an account from editing an artist.
#[utoipa::path(delete, path = "/v1/admin/artists/{artist_id}/members/{user_id}", tag = "admin",
    security(("bearer" = [])), params(("artist_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_member(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams((artist, user)): PathParams<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    admin.require_admin()?;
    sqlx::query("DELETE FROM artist_members WHERE artist_id = $1 AND user_id = $2")
        .bind(artist)
        .bind(user)
        .execute(&db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A source sync asked for through the API.
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SyncRequest {
    pub id: Uuid,
    /// pending, running, done or failed.
    pub status: String,
    pub summary: Option<String>,
}

/// Asks the running `ingest sync` to sync every source now.
#[utoipa::path(post, path = "/v1/admin/sync", tag = "admin", security(("bearer" = [])),
    responses((status = 202, body = SyncRequest), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn request_sync(
    State(db): State<PgPool>,
    admin: AuthUser,
) -> ApiResult<(StatusCode, Json<SyncRequest>)> {
    admin.require_admin()?;
    let request: SyncRequest = sqlx::query_as(
        "INSERT INTO sync_requests (id, requested_by) VALUES ($1, $2) RETURNING id, status, summary",
    )
    .bind(Uuid::now_v7())
    .bind(admin.id)
    .fetch_one(&db)
    .await?;
    Ok((StatusCode::ACCEPTED, Json(request)))
}

/// Where a sync request stands.
#[utoipa::path(get, path = "/v1/admin/sync/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SyncRequest), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_sync(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<SyncRequest>> {
    admin.require_admin()?;
    let request: Option<SyncRequest> =
        sqlx::query_as("SELECT id, status, summary FROM sync_requests WHERE id = $1")
            .bind(id)
            .fetch_optional(&db)
            .await?;
    request
        .map(Json)
        .ok_or_else(|| ApiError::not_found("sync request"))
}

/// For `ingest sync`: takes the oldest pending request and marks it running
/// (204 when there is none). Two syncs never claim the same request.
#[utoipa::path(post, path = "/v1/admin/sync/claim", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SyncRequest), (status = 204, description = "Nothing pending"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn claim_sync(
    State(db): State<PgPool>,
    admin: AuthUser,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    admin.require_admin()?;
    let claimed: Option<SyncRequest> = sqlx::query_as(
        "UPDATE sync_requests SET status = 'running', started_at = now() WHERE id = ( \
           SELECT id FROM sync_requests WHERE status = 'pending' ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, status, summary",
    )
    .fetch_optional(&db)
    .await?;
    Ok(match claimed {
        Some(request) => Json(request).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncFinished {
    /// done or failed.
    #[schema(pattern = "^(done|failed)$")]
    pub status: String,
    #[schema(max_length = 10000)]
    pub summary: String,
}

/// For `ingest sync`: records how a claimed request ended.
#[utoipa::path(put, path = "/v1/admin/sync/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SyncFinished,
    responses((status = 200, body = SyncRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn finish_sync(
    State(db): State<PgPool>,
    admin: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<SyncFinished>,
) -> ApiResult<Json<SyncRequest>> {
    admin.require_admin()?;
    if !["done", "failed"].contains(&body.status.as_str()) {
        return Err(ApiError::invalid_field("status", "must be done or failed"));
    }
    if body.summary.len() > 10_000 {
        return Err(ApiError::invalid_field("summary", "at most 10,000 bytes"));
    }
    let request: Option<SyncRequest> = sqlx::query_as(
        "UPDATE sync_requests SET status = $2, summary = $3, finished_at = now() WHERE id = $1 \
         RETURNING id, status, summary",
    )
    .bind(id)
    .bind(&body.status)
    .bind(&body.summary)
    .fetch_optional(&db)
    .await?;
    request
        .map(Json)
        .ok_or_else(|| ApiError::not_found("sync request"))
}
