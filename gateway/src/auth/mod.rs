//! Accounts and authentication: who is calling, and what they may do.
//!
//! - [`password`]: Argon2id hashing.
//! - [`token`]: short-lived JWT access tokens (HS256 pinned, issuer/audience/expiry checked).
//! - Refresh tokens (rotating, stored hashed, with reuse detection) are
//!   `encore_core::sessions`.
//! - [`routes`]: register, login, refresh, logout.
//! - [`apps`]: the handlers of app passwords and API keys, for apps that
//!   cannot do the native login (Subsonic clients); what they are, and their
//!   sealing at rest, is `encore_core::credentials`.
//! - [`throttle`]: failed logins, limited per account and place and per
//!   address, slowed per account, never locking the owner out; with
//!   [`device`] (device cookies) and [`client`] (the client's address,
//!   behind trusted proxies too).
//! - [`web`]: cookie sessions for the web app, with CSRF protection.
//! - [`accounts`]: live accounts' roles, cached and told of changes.
//!
//! A token proves identity only. The caller's role comes from the database
//! (through [`accounts`], which PostgreSQL tells of every change), so a role
//! change or a deleted account takes effect at once.

pub mod accounts;
pub mod apps;
pub use encore_common::client;
pub mod device;
pub mod password;
pub mod routes;
pub mod rules;

pub use encore_core::throttle;
pub mod token;
pub mod web;

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Listener,
    Artist,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Listener => "listener",
            Role::Artist => "artist",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Listener, Role::Artist, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// The authenticated caller. Extracting it answers 401 when the request has
/// no valid bearer token or the account no longer exists.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden("only admins may do this"))
        }
    }
}

/// What checks a bearer token: the keys that signed it, and the accounts
/// whose roles it stands for.
#[derive(Clone)]
pub struct Verifier {
    pub tokens: Arc<token::TokenKeys>,
    pub accounts: Arc<accounts::Accounts>,
    pub db: PgPool,
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser
where
    Verifier: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = bearer(parts)?
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <access token>"))?;
        authenticate(&Verifier::from_ref(state), token).await
    }
}

/// The caller if a token was sent; a token that was sent but is invalid is
/// still a 401, so a client never silently loses its identity.
pub struct MaybeUser(pub Option<AuthUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser
where
    Verifier: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match bearer(parts)? {
            Some(token) => authenticate(&Verifier::from_ref(state), token)
                .await
                .map(|u| MaybeUser(Some(u))),
            None => Ok(MaybeUser(None)),
        }
    }
}

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    match text.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <access token>`",
        )),
    }
}

async fn authenticate(verifier: &Verifier, token: &str) -> Result<AuthUser, ApiError> {
    let claims = verifier.tokens.verify(token).map_err(|e| match e {
        token::TokenError::Expired => {
            ApiError::unauthorized("the access token has expired; refresh it")
        }
        _ => ApiError::unauthorized("the access token is invalid"),
    })?;
    let role = verifier
        .accounts
        .role(&verifier.db, claims.sub)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    Ok(AuthUser {
        id: claims.sub,
        role,
    })
}
