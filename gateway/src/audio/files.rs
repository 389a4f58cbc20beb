//! The part of the state that serving audio needs besides the track's row.

use std::sync::Arc;

use super::transcode::Transcoder;
use crate::storage::Storage;

/// Where tracks' audio is kept, and the transcoder that converts it.
#[derive(Clone)]
pub struct AudioFiles {
    pub storage: Storage,
    pub transcoder: Arc<Transcoder>,
}
