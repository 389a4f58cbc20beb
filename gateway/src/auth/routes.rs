//! `POST /v1/auth/register`, `/login`, `/refresh`, `/logout`.
//!
//! Each answers the refresh token in JSON, or, for a web client that sends
//! `X-Encore-Session: cookie`, in an HttpOnly cookie ([`super::web`]).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Json;
use axum::Router;
use encore_common::metrics::GATEWAY_LOGINS_THROTTLED_TOTAL as LOGINS_THROTTLED;
use encore_core::accounts;
use encore_core::sessions::{self as refresh, Refreshed};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::client::ClientAddr;
use super::rules::{check_email, check_password, check_username};
use super::throttle::{self, Attempt};
use super::token::Issuer;
use super::{device, password, web};
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::JsonBody;
use crate::me::{load_profile, UserProfile};
use crate::state::AppState;

/// The account endpoints: register, log in, refresh, log out.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/register", post(register))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Unique among live accounts, case-insensitively.
    #[schema(max_length = 254, format = Email)]
    pub email: String,
    /// 3 to 32 letters, digits, `_`, `.` or `-`; unique, case-insensitively.
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]{3,32}$")]
    pub username: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The email address or the username.
    #[schema(min_length = 1, max_length = 254)]
    pub login: String,
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Required, except for a cookie session (`X-Encore-Session: cookie`):
    /// the refresh cookie is read instead, and `X-CSRF-Token` must repeat the
    /// `encore_csrf` cookie.
    pub refresh_token: Option<String>,
}

/// A new session: a short-lived access token and a refresh token for the next one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub user: UserProfile,
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: each refresh returns a new one; using an old one again ends every session of its family.
    /// Absent for a cookie session, whose refresh token is an HttpOnly cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl Session {
    /// The answer for this client: the refresh token in JSON, or moved into
    /// cookies when the client asked for a cookie session.
    fn answer(
        mut self,
        status: StatusCode,
        headers: &HeaderMap,
        issuer: &Issuer,
    ) -> ApiResult<Response> {
        if !web::wants_cookie(headers) {
            return Ok((status, Json(self)).into_response());
        }
        let token = self.refresh_token.take().unwrap_or_default();
        let mut response = (status, Json(self)).into_response();
        web::set_cookies(
            response.headers_mut(),
            web::session_cookies(&token, issuer.config.refresh_ttl)?,
        );
        Ok(response)
    }
}

/// Creates a listener account and logs it in.
#[utoipa::path(post, path = "/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and logged in", body = Session),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "Email or username taken", body = ErrorBody)))]
pub async fn register(
    State(db): State<PgPool>,
    State(issuer): State<Issuer>,
    from: ClientAddr,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> ApiResult<Response> {
    let email = body.email.trim().to_string();
    let username = body.username.trim().to_string();
    let mut checks = Checks::new();
    check_email(&mut checks, &email);
    check_username(&mut checks, &username);
    check_password(&mut checks, "password", &body.password);
    checks.finish()?;

    let hash = password::hash(body.password).await?;
    let mut tx = db.begin().await?;
    let id = accounts::create(&mut tx, &email, &username, &hash).await?;
    let session = start_session(&issuer, &mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(user = %id, "account registered");
    // Signing up is signing in: the place is known from now on. The account
    // exists already, so failing to note it must not fail the request.
    let limits = issuer.config.login;
    if let Err(error) = throttle::remember(&db, &limits, id, from.0).await {
        tracing::warn!(%error, user = %id, "noting the place of a registration failed");
    }
    let mut response = session.answer(StatusCode::CREATED, &headers, &issuer)?;
    web::set_cookies(response.headers_mut(), vec![device_cookie(&issuer, id)?]);
    Ok(response)
}

/// Logs in with email or username and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Session),
        (status = 400, description = "A field is missing", body = ErrorBody),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 429, description = "Too many failed logins from this place or address, or (from a place the account never signed in from) too soon after the account's last failure; `Retry-After` says when to try again", body = ErrorBody)))]
pub async fn login(
    State(db): State<PgPool>,
    State(issuer): State<Issuer>,
    from: ClientAddr,
    headers: HeaderMap,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    let login = body.login.trim();
    let mut checks = Checks::new();
    checks.text("login", login, 1, 254);
    if body.password.is_empty() || body.password.len() > 1024 {
        checks.fail("password", "must be 1 to 1024 bytes");
    }
    checks.finish()?;
    let found = accounts::for_login(&db, login).await?;
    let limits = issuer.config.login;
    let device = found.as_ref().and_then(|(id, _)| {
        let key = issuer.config.jwt_secret.as_bytes();
        device::presented(&headers, key, *id, limits.known_for)
    });
    let attempt =
        Attempt::new(found.as_ref().map(|f| f.0).ok_or(login), from.0).with_device(device);
    let standing = throttle::standing(&db, &attempt).await?;
    if let Some(secs) = throttle::judge(&limits, &standing) {
        metrics::counter!(LOGINS_THROTTLED.name, "path" => "native").increment(1);
        return Err(ApiError::too_many(
            format!("too many failed logins; try again in {secs} s"),
            secs,
        ));
    }
    // Verify against a real hash even for an unknown login, so timing does not
    // tell which logins exist.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W4bA+x2ENGQqGcsDTbs6pNKz2TLd0JzTAPeXdmBCZ8w";
    let (id, stored) = found.clone().unwrap_or((Uuid::nil(), DUMMY.to_string()));
    let matches = password::verify(body.password, stored).await?;
    if found.is_none() || !matches {
        throttle::failed(&db, &limits, &attempt, &standing).await?;
        return Err(ApiError::unauthorized("wrong login or password"));
    }
    throttle::succeeded(&db, &limits, &attempt, &standing).await?;
    let mut tx = db.begin().await?;
    let session = start_session(&issuer, &mut tx, id).await?;
    tx.commit().await?;
    let mut response = session.answer(StatusCode::OK, &headers, &issuer)?;
    web::set_cookies(response.headers_mut(), vec![device_cookie(&issuer, id)?]);
    Ok(response)
}

/// A fresh device cookie for `user` ([`device`]): every client that signs in
/// gets one, whether it keeps its session in cookies or in JSON.
fn device_cookie(issuer: &Issuer, user: Uuid) -> ApiResult<axum::http::HeaderValue> {
    let key = issuer.config.jwt_secret.as_bytes();
    device::issue(key, user, issuer.config.login.known_for)
}

/// Trades a refresh token for a new session.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "accounts", request_body = RefreshRequest,
    params(("X-Encore-Session" = Option<String>, Header, description = "`cookie` for a cookie session"),
           ("X-CSRF-Token" = Option<String>, Header, description = "Cookie sessions: the `encore_csrf` cookie's value")),
    responses(
        (status = 200, description = "A new access and refresh token", body = Session),
        (status = 401, description = "Unknown, expired, revoked or reused token", body = ErrorBody),
        (status = 403, description = "Cookie session: `X-CSRF-Token` does not repeat the `encore_csrf` cookie", body = ErrorBody)))]
pub async fn refresh(
    State(db): State<PgPool>,
    State(issuer): State<Issuer>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> ApiResult<Response> {
    let (presented, grace) = match body.refresh_token {
        Some(token) => (token.trim().to_string(), Duration::ZERO),
        None if web::wants_cookie(&headers) => (web::refresh_token(&headers)?, refresh::RACE_GRACE),
        None => return Err(missing_refresh_token()),
    };
    let ttl = issuer.config.refresh_ttl;
    match refresh::rotate(&db, &presented, ttl, grace).await? {
        Refreshed::Rotated { user, token } => Session {
            user: load_profile(&db, user).await?,
            access_token: access_token(&issuer, user)?,
            token_type: "Bearer",
            expires_in: issuer.keys.access_ttl().as_secs(),
            refresh_token: Some(token),
        }
        .answer(StatusCode::OK, &headers, &issuer),
        Refreshed::Refused => Err(ApiError::unauthorized(
            "the refresh token is not valid; log in again",
        )),
        Refreshed::Reused => Err(ApiError::unauthorized(
            "the refresh token was already used; every session of it was ended; log in again",
        )),
        Refreshed::Raced => Err(ApiError::new(
            StatusCode::CONFLICT,
            "refresh_raced",
            "another tab renewed this session a moment ago; retry with the new cookie",
        )),
    }
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "accounts", request_body = RefreshRequest,
    responses((status = 204, description = "The session's refresh tokens are revoked (and, for a cookie session, its cookies cleared)"),
              (status = 403, description = "Cookie session: `X-CSRF-Token` does not repeat the `encore_csrf` cookie", body = ErrorBody)))]
pub async fn logout(
    State(db): State<PgPool>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> ApiResult<Response> {
    if let Some(token) = body.refresh_token {
        refresh::revoke(&db, token.trim()).await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if !web::wants_cookie(&headers) {
        return Err(missing_refresh_token());
    }
    // Without a refresh cookie there is nothing to revoke, only cookies to clear.
    match web::refresh_token(&headers) {
        Ok(token) => refresh::revoke(&db, &token).await?,
        Err(refused) if refused.status == StatusCode::FORBIDDEN => return Err(refused),
        Err(_) => {}
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    web::set_cookies(response.headers_mut(), web::cleared_cookies()?);
    Ok(response)
}

/// A JSON client must name its refresh token; only a cookie session may leave it out.
fn missing_refresh_token() -> ApiError {
    ApiError::invalid_field(
        "refresh_token",
        "is required (a web app's cookie session sends X-Encore-Session: cookie instead)",
    )
}

fn access_token(issuer: &Issuer, user: Uuid) -> ApiResult<String> {
    issuer
        .keys
        .issue(user, encore_common::now_millis() / 1000)
        .map_err(ApiError::internal)
}

async fn start_session(issuer: &Issuer, tx: &mut PgConnection, user: Uuid) -> ApiResult<Session> {
    let refresh_token = refresh::issue(tx, user, Uuid::now_v7(), issuer.config.refresh_ttl).await?;
    Ok(Session {
        user: crate::me::load_profile(&mut *tx, user).await?,
        access_token: access_token(issuer, user)?,
        token_type: "Bearer",
        expires_in: issuer.keys.access_ttl().as_secs(),
        refresh_token: Some(refresh_token),
    })
}
