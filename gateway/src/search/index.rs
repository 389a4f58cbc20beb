//! The search part of the gateway's state: what a search needs to ask the
//! engine, and nothing else.

use encore_search::client::SearchClient;
use encore_search::indices::Names;

/// The search server, the names of the indices the indexer keeps there, and
/// how much a track's plays weigh against its text score.
#[derive(Clone)]
pub struct Index {
    pub client: SearchClient,
    pub names: Names,
    /// `ENCORE_SEARCH_POPULARITY_WEIGHT` (docs/search.md).
    pub popularity_weight: f64,
}
