//! The domain both of the gateway's APIs share, as plain functions over a
//! PostgreSQL pool or connection. They return [`DbError`], never an HTTP
//! status or a Subsonic code: the REST handlers and the Subsonic methods
//! call them and map the error to their protocol, each in one place.
//!
//! A library crate rather than a module of the gateway so that Subsonic can
//! live in a crate of its own over it, and so that nothing here can reach
//! for a request, a response or the gateway's state.
//!
//! - [`accounts`]: accounts, their roles and the artists they may edit.
//! - [`catalog`]: songs, albums and artists as a listener sees them, and
//!   the statements that find them.
//! - [`credentials`]: app passwords and API keys, and the key that seals
//!   app passwords at rest.
//! - [`discovery`]: what to play next (an artist's top tracks, a radio from
//!   a song, album or artist), from co-listening in the warehouse and then
//!   the catalogue: the one place besides PostgreSQL that core reads.
//! - [`db`]: the pool, the migrations (`core/migrations/`), [`DbError`], and
//!   the unique constraints' request fields ([`db::on_constraint`]).
//! - [`keys`]: the normalised names importers and matching compare.
//! - [`library`]: what a listener keeps: likes (REST's likes, Subsonic's
//!   stars), ratings, playlists and the saved play queue.
//! - [`lyrics`]: a track's lyrics, plain or LRC, read into lines.
//! - [`outbox`]: the catalogue changes written with each change, for the
//!   gateway's relay to publish.
//! - [`playback`]: each listener's last playback report.
//! - [`sessions`]: rotating refresh tokens, stored hashed, with reuse
//!   detection.
//! - [`shares`]: public share links to tracks, with their limits.
//! - [`snapshot`]: the whole catalogue republished through the outbox.
//! - [`syncs`]: source syncs an admin asks for and `ingest sync` runs.
//! - [`throttle`]: failed logins counted so that guessing slows while no
//!   one can lock an owner out, for every login path of both APIs.

pub mod accounts;
pub mod catalog;
pub mod credentials;
pub mod db;
pub mod discovery;
pub mod keys;
pub mod library;
pub mod lyrics;
pub mod outbox;
pub mod playback;
pub mod radio;
pub mod sessions;
pub mod shares;
pub mod snapshot;
pub mod syncs;
pub mod throttle;

pub use db::DbError;
