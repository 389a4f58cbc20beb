//! Bulk imports of the catalogue, keyed by each entity's external id (its id
//! in the source it came from), so that importing the same rows again
//! changes nothing. The gateway's `POST /v1/catalog/import` checks each
//! row's fields and hands the rest here; see [`upsert`] for how a request
//! becomes a handful of set-based statements.

mod albums;
mod artists;
mod rows;
mod tracks;
pub mod upsert;

use uuid::Uuid;

pub use upsert::apply;

/// One row of an import, its fields already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRow {
    Artist {
        external_id: String,
        name: String,
        genres: Vec<String>,
        country: Option<String>,
    },
    Album {
        external_id: String,
        artist_external_id: String,
        title: String,
        release_year: Option<i32>,
        genres: Vec<String>,
    },
    Track {
        external_id: String,
        artist_external_id: String,
        album_external_id: Option<String>,
        title: String,
        duration_ms: Option<i64>,
        genre: Option<String>,
        release_year: Option<i32>,
        track_number: Option<i32>,
    },
}

/// What an accepted row did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// What became of one row: written or left alone with its entity's id, or
/// refused with the field at fault and why.
pub type RowOutcome = Result<(Outcome, Uuid), (&'static str, String)>;
