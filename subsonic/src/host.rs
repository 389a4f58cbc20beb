//! What Subsonic asks of the server it is mounted in. Everything else it
//! reads and writes through the core (`encore_core`) over its own pool; these
//! are the parts that live in the server: files (audio with ranges and
//! transcoding, covers, avatars), the search server's ranking, the playback topic's
//! producer, and the outbox's relay. Navidrome's `server/subsonic` takes its
//! streamer, artwork and scrobbler the same way, as interfaces.

use axum::http::HeaderMap;
use axum::response::Response;
use encore_schemas::PlaybackEvent;
use futures_util::future::BoxFuture;
use uuid::Uuid;

/// How the host failed, in terms the protocol can answer: each maps to a
/// Subsonic code in one place (`params::Failure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// What was asked for is not there (70).
    NotFound(String),
    /// A parameter the host refused, by name (10).
    Invalid { field: String, message: String },
    /// The caller may not (50).
    Forbidden(String),
    /// A dependency is down; worth retrying after the seconds given (0).
    Unavailable {
        message: String,
        retry_after: Option<u64>,
    },
    /// Anything else (0).
    Failed(String),
}

/// What a `stream` asks for: the original, or another format or bitrate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    pub format: Option<String>,
    pub kbps: Option<u32>,
    /// `timeOffset`: seconds into the song (OpenSubsonic `transcodeOffset`).
    pub offset_s: Option<u32>,
}

/// One kind's page of search results: how many, from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub size: usize,
    pub offset: usize,
}

/// The server's side of Subsonic. Methods return boxed futures so that the
/// router can hold the host as `Arc<dyn Host>`.
pub trait Host: Send + Sync + 'static {
    /// A track's audio as an HTTP answer to `headers` (ranges, validators),
    /// transcoded when `wanted` asks.
    fn stream<'a>(
        &'a self,
        track: Uuid,
        headers: &'a HeaderMap,
        wanted: Wanted,
    ) -> BoxFuture<'a, Result<Response, HostError>>;

    /// The artwork stored under `key` (an album's cover or an artist's
    /// picture), scaled to fit `size` pixels a side when given.
    fn artwork(&self, key: String, size: Option<u32>)
        -> BoxFuture<'_, Result<Response, HostError>>;

    /// A user's avatar, as the server's own API serves it.
    fn avatar(&self, user: Uuid) -> BoxFuture<'_, Result<Response, HostError>>;

    /// The ids the search server ranks first for `query`, as `user` may see
    /// them: artists, albums and songs, each paged by its own `pages` entry.
    fn search<'a>(
        &'a self,
        query: &'a str,
        user: Uuid,
        pages: [Page; 3],
    ) -> BoxFuture<'a, Result<[Vec<Uuid>; 3], HostError>>;

    /// Publishes playback events on the playback topic; done once the
    /// broker has them.
    fn publish<'a>(&'a self, events: &'a [PlaybackEvent]) -> BoxFuture<'a, Result<(), HostError>>;

    /// Catalogue changes were just committed to the outbox: publish them soon.
    fn outbox_written(&self);
}
