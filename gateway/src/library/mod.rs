//! A listener's library: playlists, likes, bookmarks and listening history.

pub mod bookmarks;
pub mod history;
pub mod likes;
pub mod playlists;
pub mod queue;

use axum::Router;

use crate::state::AppState;

/// Playlists, likes, bookmarks and history.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(playlists::router())
        .merge(likes::router())
        .merge(bookmarks::router())
        .merge(history::router())
        .merge(queue::router())
}
