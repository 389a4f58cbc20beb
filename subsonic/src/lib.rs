//! The Subsonic API (1.16.1) with OpenSubsonic extensions, under `/rest`,
//! so the apps people already use (DSub, Symfonium, Feishin, ...) work with
//! Encore. It is another face of the same data: the playlists, stars and
//! plays are the native API's, and a scrobble is a playback event.
//!
//! - `params`: parameters (query or form POST) and the protocol's errors;
//! - [`response`]: the `subsonic-response` envelope in XML or JSON;
//! - [`host`]: what it asks of the server it is mounted in (files, search,
//!   the playback producer, the outbox's relay);
//! - `auth`: API keys and app passwords, never the account password;
//! - [`model`]: artists, albums and songs as elements;
//! - the endpoints, by the protocol's own grouping: `system`, `browse`,
//!   `lists`, `discover`, `search`, `playlists`, `media`, `annotate`,
//!   `playback`, `scan`.
//!
//! Every endpoint answers with or without `.view`, to GET and to form POST.
//! A method Encore does not implement answers a protocol error, never a 404.
//!
//! A crate of its own over `encore_core`, as Navidrome's `server/subsonic`
//! sits over its `core` and `model`: it reads and writes only through the
//! core's functions, writes no SQL, and maps the core's errors to the
//! protocol's codes in one place (`params`).

mod annotate;
mod auth;
mod bookmarks;
mod browse;
mod context;
mod discover;
mod early;
pub mod host;
mod lists;
mod media;
pub mod model;
mod params;
mod playback;
mod playlists;
mod radio;
mod recent;
pub mod response;
mod router;
mod scan;
mod search;
mod shares;
mod system;
mod transcoding;

pub use context::Subsonic;
pub use host::{Host, HostError};
pub use recent::Recent;
pub use router::{methods, router};
