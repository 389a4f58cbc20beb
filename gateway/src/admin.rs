//! Admin endpoints: roles, and which accounts may edit which artists.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::me::{load_profile, UserProfile};
use crate::AppState;

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
    State(state): State<AppState>,
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
    grant_role(&state.db, id, body.role).await?;
    tracing::info!(admin = %admin.id, user = %id, role = body.role.as_str(), "role changed");
    Ok(Json(load_profile(&state.db, id).await?))
}

/// Sets the role of a live account; used by the endpoint and by `gateway grant`.
pub async fn grant_role(db: &PgPool, user: Uuid, role: Role) -> ApiResult<()> {
    let updated = sqlx::query(
        "UPDATE users SET role = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(user)
    .bind(role.as_str())
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(ApiError::not_found("user"));
    }
    Ok(())
}

/// Lets an account edit an artist.
#[utoipa::path(put, path = "/v1/admin/artists/{artist_id}/members/{user_id}", tag = "admin",
    security(("bearer" = [])), params(("artist_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
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
    .execute(&state.db)
    .await?;
    if inserted.rows_affected() == 0 {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM artist_members WHERE artist_id = $1 AND user_id = $2)",
        )
        .bind(artist)
        .bind(user)
        .fetch_one(&state.db)
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
    State(state): State<AppState>,
    admin: AuthUser,
    PathParams((artist, user)): PathParams<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    admin.require_admin()?;
    sqlx::query("DELETE FROM artist_members WHERE artist_id = $1 AND user_id = $2")
        .bind(artist)
        .bind(user)
        .execute(&state.db)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
