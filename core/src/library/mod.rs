//! What a listener keeps of the catalogue.

pub mod bookmarks;
pub mod likes;
pub mod playlists;
pub mod queue;
pub mod ratings;
