//! The catalog: artists, albums and tracks.
//!
//! Every write runs in one transaction that also writes the change to the
//! outbox, bumps the entity's `version`, and is authorised first: admins may
//! edit everything, artist accounts the artists they are members of (and those
//! artists' albums and tracks), listeners nothing.

pub mod albums;
pub mod artists;
pub mod browse;
pub mod covers;
pub mod import;
pub mod lyrics;
pub mod matching;
pub mod tracks;

use axum::Router;
use encore_core::catalog::edit::Editor;

use crate::auth::{AuthUser, Role};
use crate::state::AppState;

/// Artists, albums, tracks, the bulk import and listen matching.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(artists::router())
        .merge(albums::router())
        .merge(browse::router())
        .merge(covers::router())
        .merge(lyrics::router())
        .merge(tracks::router())
        .merge(import::router())
        .merge(matching::router())
}

/// The caller as the core's catalogue edits know them: the rule of who may
/// edit what is `encore_core::catalog::edit::authorize_artist`.
pub fn editor(user: &AuthUser) -> Editor {
    Editor {
        user: user.id,
        admin: user.is_admin(),
        artist: user.role == Role::Artist,
    }
}

/// A release year we believe: recorded music is younger than 1860.
pub const YEARS: (i64, i64) = (1860, 2100);
