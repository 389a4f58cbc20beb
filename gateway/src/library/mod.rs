//! A listener's library: playlists, likes and listening history.

pub mod history;
pub mod likes;
pub mod playlists;
