//! Encore's indexer: keeps the search index in sync with the catalog topics.
//!
//! - [`config`]: settings from the shared `ENCORE_*` variables.
//! - [`client`] and [`indices`]: the search client, index names, aliases and
//!   mappings, from the `encore-search` contract crate the gateway reads through.
//! - [`documents`]: search documents built from catalog changes.
//! - [`writer`]: applies a batch of changes with `_bulk` ([`bulk`]), item by item;
//!   [`propagate`]: rewrites the documents that carry a changed name.
//! - [`awaiting`]: the artists and albums written documents still lack;
//!   [`recent`]: names seen moments ago; [`memory`]: both, per index.
//! - [`pipeline`]: the live sink the shared consumer driver runs: index, then dead-letter.
//! - [`popularity`]: tracks' play counts from the warehouse, merged into the index.
//! - [`rebuild`]: a fresh index generation from the topics, and the alias swap.
//! - [`service`]: start-up, shared by `main` and the tests.

pub mod awaiting;
pub mod bulk;
pub mod config;
pub mod decode;
pub mod documents;
pub mod memory;
pub mod pipeline;
pub mod popularity;
pub mod propagate;
pub mod rebuild;
pub mod recent;
pub mod service;
pub mod writer;

use std::time::Duration;

use encore_common::{KafkaConfig, Topics};

pub use config::IndexerConfig;
pub use encore_search::{client, indices};

/// Everything the loops need; built by [`service::indexer`].
pub struct Indexer {
    pub client: client::SearchClient,
    pub names: indices::Names,
    pub kafka: KafkaConfig,
    pub topics: Topics,
    pub batch_size: usize,
    pub batch_wait: Duration,
    pub check_every: Duration,
    /// The latest play counts, shared by the writer and the popularity loop.
    pub popularity: std::sync::Arc<popularity::Popularity>,
}
