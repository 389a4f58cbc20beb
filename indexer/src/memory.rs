//! What the writer carries from one batch to the next, for one index.

use crate::awaiting::Awaiting;
use crate::recent::RecentNames;

/// The owners written documents await, and the names seen moments ago.
#[derive(Debug, Default)]
pub struct Memory {
    pub awaiting: Awaiting,
    pub recent: RecentNames,
}

impl Memory {
    /// For an index written before this process started: what its documents
    /// await is read from it by the first batch.
    pub fn of_existing_index() -> Self {
        Memory {
            awaiting: Awaiting::unknown(),
            recent: RecentNames::default(),
        }
    }
}
