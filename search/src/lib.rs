//! The search contract between the indexer, which writes the index, and the
//! gateway, which reads it: one client, and one definition of the index
//! names, aliases and mappings, so the two cannot drift apart.
//!
//! - [`analysis`]: how text becomes terms (transliteration, folding, joined words).
//! - [`client`]: the official `elasticsearch` client, JSON in and out.
//! - [`indices`]: index names, aliases, mappings, and the operations on them.

pub mod analysis;
pub mod client;
pub mod indices;
