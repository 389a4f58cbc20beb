//! The catalog: artists, albums and tracks.
//!
//! Every write runs in one transaction that also writes the change to the
//! outbox, bumps the entity's `version`, and is authorised first: admins may
//! edit everything, artist accounts the artists they are members of (and those
//! artists' albums and tracks), listeners nothing.

pub mod albums;
pub mod artists;
pub mod covers;
pub mod import;
pub mod matching;
pub mod tracks;

use axum::Router;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::{AuthUser, Role};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Artists, albums, tracks, the bulk import and listen matching.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(artists::router())
        .merge(albums::router())
        .merge(covers::router())
        .merge(tracks::router())
        .merge(import::router())
        .merge(matching::router())
}

/// [`authorize_artist`] for an artist named in a request body
/// (`artist_id` of a new album or track): an unknown one is a 400 naming the
/// field, as for any other id in a body; 404 is for ids in the path.
pub async fn authorize_artist_field(
    conn: &mut PgConnection,
    user: &AuthUser,
    artist: Uuid,
) -> ApiResult<()> {
    match authorize_artist(conn, user, artist).await {
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {
            Err(ApiError::invalid_field("artist_id", "no such artist"))
        }
        other => other,
    }
}

/// Locks the artist row and checks the caller may edit it: 404 when it does
/// not exist, 403 when the caller is neither an admin nor one of its members.
pub async fn authorize_artist(
    conn: &mut PgConnection,
    user: &AuthUser,
    artist: Uuid,
) -> ApiResult<()> {
    let exists: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM artists WHERE id = $1 FOR UPDATE")
            .bind(artist)
            .fetch_optional(&mut *conn)
            .await?;
    if exists.is_none() {
        return Err(ApiError::not_found("artist"));
    }
    if user.is_admin() {
        return Ok(());
    }
    let member: bool = user.role == Role::Artist
        && sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM artist_members WHERE artist_id = $1 AND user_id = $2)",
        )
        .bind(artist)
        .bind(user.id)
        .fetch_one(&mut *conn)
        .await?;
    if member {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only this artist's own accounts or an admin may change it",
        ))
    }
}

/// A release year we believe: recorded music is younger than 1860.
pub const YEARS: (i64, i64) = (1860, 2100);
