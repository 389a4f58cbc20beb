//! A listener's library: playlists, likes and listening history.

pub mod history;
pub mod likes;
pub mod playlists;

use axum::Router;

use crate::state::AppState;

/// Playlists, likes and history.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(playlists::router())
        .merge(likes::router())
        .merge(history::router())
}
