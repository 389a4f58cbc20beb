//! Admin endpoints: roles, and which accounts may edit which artists.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Json;
use axum::Router;
use encore_core::{accounts, syncs, DbError};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::accounts::Accounts;
use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::me::{load_profile, UserProfile};
use crate::state::AppState;

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
    accounts::set_role(db, user, role.as_str()).await
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
    accounts::add_member(&db, artist, user).await?;
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
    accounts::remove_member(&db, artist, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A source sync asked for through the API.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncRequest {
    pub id: Uuid,
    /// pending, running, done or failed.
    pub status: String,
    pub summary: Option<String>,
}

impl From<syncs::Request> for SyncRequest {
    fn from(request: syncs::Request) -> Self {
        SyncRequest {
            id: request.id,
            status: request.status,
            summary: request.summary,
        }
    }
}

/// Asks the running `ingest sync` to sync every source now.
#[utoipa::path(post, path = "/v1/admin/sync", tag = "admin", security(("bearer" = [])),
    responses((status = 202, body = SyncRequest), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn request_sync(
    State(db): State<PgPool>,
    admin: AuthUser,
) -> ApiResult<(StatusCode, Json<SyncRequest>)> {
    admin.require_admin()?;
    let request = syncs::request(&db, admin.id).await?;
    Ok((StatusCode::ACCEPTED, Json(request.into())))
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
    let request = syncs::get(&db, id).await?;
    request
        .map(|r| Json(r.into()))
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
    let claimed = syncs::claim(&db).await?;
    Ok(match claimed {
        Some(request) => Json(SyncRequest::from(request)).into_response(),
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
    let request = syncs::finish(&db, id, &body.status, &body.summary).await?;
    request
        .map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::not_found("sync request"))
}
