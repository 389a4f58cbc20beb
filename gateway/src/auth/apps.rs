//! `/v1/me/app-passwords` and `/v1/me/api-keys`: the handlers over the
//! core's credentials (`encore_core::credentials`, which says what each is
//! and how it is stored).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use encore_core::credentials::seal::Sealer;
use encore_core::credentials::{self, Kind};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;

/// The caller's app passwords and API keys.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/me/app-passwords",
            get(list_app_passwords).post(create_app_password),
        )
        .route("/v1/me/app-passwords/{id}", delete(revoke_app_password))
        .route("/v1/me/api-keys", get(list_api_keys).post(create_api_key))
        .route("/v1/me/api-keys/{id}", delete(revoke_api_key))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCredential {
    /// What it is for ("Symfonium on my phone"); 1 to 64 characters, unique
    /// among the caller's live ones of its kind.
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
}

/// One app password or API key, without its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Credential {
    pub id: Uuid,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; to the minute.
    pub last_used_at: Option<String>,
}

impl From<credentials::Credential> for Credential {
    fn from(row: credentials::Credential) -> Self {
        Credential {
            id: row.id,
            name: row.name,
            created_at: crate::times::rfc3339(row.created_at),
            last_used_at: row.last_used_at.map(crate::times::rfc3339),
        }
    }
}

/// A credential just created, with its secret: the only time it is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    #[serde(flatten)]
    pub credential: Credential,
    /// The app password or API key. Not retrievable later.
    pub secret: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Credentials {
    pub items: Vec<Credential>,
}

fn checked_name(body: &NewCredential) -> ApiResult<&str> {
    let mut checks = Checks::new();
    checks.text("name", &body.name, 1, 64);
    checks.finish()?;
    Ok(body.name.trim())
}

async fn create_kind(
    db: &PgPool,
    sealer: &Sealer,
    user: AuthUser,
    kind: Kind,
    body: &NewCredential,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let name = checked_name(body)?;
    let (credential, secret) = credentials::create(db, sealer, user.id, kind, name).await?;
    let created = Created {
        credential: credential.into(),
        secret,
    };
    tracing::info!(user = %user.id, credential = %created.credential.id, kind = kind.as_str(), "app credential created");
    Ok((StatusCode::CREATED, Json(created)))
}

/// Creates an app password; the answer is the only time it is shown.
#[utoipa::path(post, path = "/v1/me/app-passwords", tag = "accounts", security(("bearer" = [])),
    request_body = NewCredential,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_app_password(
    State(db): State<PgPool>,
    State(sealer): State<Sealer>,
    user: AuthUser,
    JsonBody(body): JsonBody<NewCredential>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    create_kind(&db, &sealer, user, Kind::AppPassword, &body).await
}

/// The caller's live app passwords, without their secrets.
#[utoipa::path(get, path = "/v1/me/app-passwords", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Credentials), (status = 401, body = ErrorBody)))]
pub async fn list_app_passwords(
    State(db): State<PgPool>,
    user: AuthUser,
) -> ApiResult<Json<Credentials>> {
    let items = credentials::list(&db, user.id, Kind::AppPassword).await?;
    let items = items.into_iter().map(Credential::from).collect();
    Ok(Json(Credentials { items }))
}

/// Revokes an app password: the app using it is logged out at once.
#[utoipa::path(delete, path = "/v1/me/app-passwords/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_app_password(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    credentials::revoke(&db, user.id, Kind::AppPassword, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates an API key (OpenSubsonic `apiKey`); the answer is the only time it is shown.
#[utoipa::path(post, path = "/v1/me/api-keys", tag = "accounts", security(("bearer" = [])),
    request_body = NewCredential,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_api_key(
    State(db): State<PgPool>,
    State(sealer): State<Sealer>,
    user: AuthUser,
    JsonBody(body): JsonBody<NewCredential>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    create_kind(&db, &sealer, user, Kind::ApiKey, &body).await
}

/// The caller's live API keys, without their secrets.
#[utoipa::path(get, path = "/v1/me/api-keys", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Credentials), (status = 401, body = ErrorBody)))]
pub async fn list_api_keys(
    State(db): State<PgPool>,
    user: AuthUser,
) -> ApiResult<Json<Credentials>> {
    let items = credentials::list(&db, user.id, Kind::ApiKey).await?;
    let items = items.into_iter().map(Credential::from).collect();
    Ok(Json(Credentials { items }))
}

/// Revokes an API key.
#[utoipa::path(delete, path = "/v1/me/api-keys/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_api_key(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    credentials::revoke(&db, user.id, Kind::ApiKey, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
