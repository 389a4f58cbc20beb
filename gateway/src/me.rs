//! The caller's own account: `GET/PATCH/DELETE /v1/me`, `PUT /v1/me/avatar`,
//! and `GET /v1/users/{id}/avatar`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Json;
use axum::Router;
use encore_core::accounts;
use serde::{Deserialize, Serialize};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::auth::accounts::Accounts;
use crate::auth::rules::{check_email, check_username};
use crate::auth::{AuthUser, Role};
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::state::AppState;
use crate::storage::Storage;
use crate::times::rfc3339;

/// The caller's own account and avatar; anyone's avatar.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/me", get(get_me).patch(update_me).delete(delete_me))
        .route(
            "/v1/me/avatar",
            put(put_avatar).layer(DefaultBodyLimit::max(MAX_AVATAR_BYTES)),
        )
        .route("/v1/users/{id}/avatar", get(get_avatar))
}

/// The largest avatar accepted.
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;
const MAX_AVATAR_SIDE: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Where the avatar is served, if one was uploaded.
    pub avatar_url: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

fn profile(account: accounts::Account) -> UserProfile {
    let id = account.id;
    UserProfile {
        id,
        email: account.email,
        username: account.username,
        display_name: account.display_name,
        role: Role::parse(&account.role).unwrap_or(Role::Listener),
        avatar_url: account.avatar_key.map(|_| format!("/v1/users/{id}/avatar")),
        created_at: rfc3339(account.created_at),
    }
}

/// The live account `id` as the API shows it, on a pool or in a transaction.
pub async fn load_profile<'e>(db: impl PgExecutor<'e>, id: Uuid) -> ApiResult<UserProfile> {
    accounts::get(db, id)
        .await?
        .map(profile)
        .ok_or_else(|| ApiError::not_found("user"))
}

/// The caller's profile.
#[utoipa::path(get, path = "/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = UserProfile), (status = 401, body = ErrorBody)))]
pub async fn get_me(State(db): State<PgPool>, user: AuthUser) -> ApiResult<Json<UserProfile>> {
    Ok(Json(load_profile(&db, user.id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    pub username: Option<String>,
    /// Empty text clears it.
    #[schema(max_length = 100)]
    pub display_name: Option<String>,
}

/// Changes the caller's email, username or display name.
#[utoipa::path(patch, path = "/v1/me", tag = "accounts", security(("bearer" = [])), request_body = UpdateMe,
    responses((status = 200, body = UserProfile), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_me(
    State(db): State<PgPool>,
    user: AuthUser,
    JsonBody(body): JsonBody<UpdateMe>,
) -> ApiResult<Json<UserProfile>> {
    let email = body.email.map(|e| e.trim().to_string());
    let username = body.username.map(|u| u.trim().to_string());
    let mut checks = Checks::new();
    if let Some(email) = &email {
        check_email(&mut checks, email);
    }
    if let Some(username) = &username {
        check_username(&mut checks, username);
    }
    checks.optional_text("display_name", body.display_name.as_deref(), 100);
    checks.finish()?;
    let changes = accounts::Changes {
        email: email.as_deref(),
        username: username.as_deref(),
        display_name: body.display_name.as_deref(),
    };
    accounts::update(&db, user.id, &changes).await?;
    Ok(Json(load_profile(&db, user.id).await?))
}

/// Deletes the caller's account: playlists are deleted (and the deletions
/// published), likes, sessions and artist links removed, and the account row
/// anonymised so ids in past events point at nothing personal. The plays
/// stay in the warehouse under that id, like every other past event; with
/// the account gone no one can read them as a history.
#[utoipa::path(delete, path = "/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody)))]
pub async fn delete_me(
    State(db): State<PgPool>,
    State(sessions): State<Arc<Accounts>>,
    State(storage): State<Storage>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
) -> ApiResult<StatusCode> {
    let mut tx = db.begin().await?;
    let deleted = accounts::delete(&mut tx, user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    outbox::commit(&outbox, tx).await?;
    sessions.changed(user.id);
    if let Some(key) = deleted.avatar_key {
        if let Err(error) = storage.delete(&key).await {
            tracing::warn!(%error, %key, "deleting the avatar of a deleted account failed");
        }
    }
    tracing::info!(user = %user.id, playlists = deleted.playlists, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads the caller's avatar: a PNG, JPEG, GIF or WebP image of at most
/// 2 MiB and 4096 pixels a side, sent as the raw body.
#[utoipa::path(put, path = "/v1/me/avatar", tag = "accounts", security(("bearer" = [])),
    request_body(content = crate::extract::Binary, content_type = "image/png", description = "PNG, JPEG, GIF or WebP bytes"),
    responses((status = 200, body = UserProfile), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_avatar(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    user: AuthUser,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<UserProfile>> {
    let body = body.map_err(|r| {
        ApiError::new(
            r.status(),
            "invalid_body",
            format!("an avatar is at most {MAX_AVATAR_BYTES} bytes"),
        )
    })?;
    let kind = image_kind(&body)?;
    // The extension in the key records the media type to serve it with.
    let key = format!("avatars/{}.{kind}", user.id);
    storage.put(&key, body).await.map_err(ApiError::internal)?;
    let previous = accounts::set_avatar(&db, user.id, &key).await?;
    if let Some(old) = previous.filter(|old| *old != key) {
        if let Err(error) = storage.delete(&old).await {
            tracing::warn!(%error, key = %old, "deleting a replaced avatar failed");
        }
    }
    Ok(Json(load_profile(&db, user.id).await?))
}

/// Checks the bytes really are an image of a kind we serve, by content, not by header.
fn image_kind(bytes: &[u8]) -> ApiResult<&'static str> {
    let unsupported = || {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the avatar must be a PNG, JPEG, GIF or WebP image",
        )
    };
    let kind = match imagesize::image_type(bytes).map_err(|_| unsupported())? {
        imagesize::ImageType::Png => "png",
        imagesize::ImageType::Jpeg => "jpeg",
        imagesize::ImageType::Gif => "gif",
        imagesize::ImageType::Webp => "webp",
        _ => return Err(unsupported()),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| unsupported())?;
    if size.width == 0
        || size.height == 0
        || size.width > MAX_AVATAR_SIDE
        || size.height > MAX_AVATAR_SIDE
    {
        return Err(ApiError::invalid_field(
            "body",
            format!("the image must be 1 to {MAX_AVATAR_SIDE} pixels a side"),
        ));
    }
    Ok(kind)
}

/// Serves a user's avatar.
#[utoipa::path(get, path = "/v1/users/{id}/avatar", tag = "accounts",
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = ErrorBody)))]
pub async fn get_avatar(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Response> {
    avatar(&db, &storage, id).await
}

/// `user`'s avatar as an HTTP answer: the native route's and Subsonic's
/// `getAvatar`.
pub async fn avatar(db: &PgPool, storage: &Storage, id: Uuid) -> ApiResult<Response> {
    let Some(key) = accounts::avatar(db, id).await? else {
        return Err(ApiError::not_found("avatar"));
    };
    let kind = key.rsplit_once('.').map_or("png", |(_, kind)| kind);
    let bytes = storage
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("avatar"))?;
    let mut headers = HeaderMap::new();
    let content_type = format!("image/{kind}");
    if let Ok(value) = content_type.parse() {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    Ok((headers, bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    // A 1x1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn recognises_images_by_content() {
        assert_eq!(image_kind(PNG).unwrap(), "png");
        assert_eq!(
            image_kind(b"GIF89a\x01\x00\x01\x00\x00\x00\x00").unwrap(),
            "gif"
        );
        let err = image_kind(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err();
        assert_eq!(err.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let mut huge = PNG.to_vec();
        huge[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        assert_eq!(
            image_kind(&huge).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
