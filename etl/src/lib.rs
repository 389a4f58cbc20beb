//! Encore's ETL: turns the event topics into ClickHouse tables analysts query
//! and the gateway serves: plays, aggregates, catalog dimensions,
//! co-listening and recommendation features.
//!
//! - [`config`]: settings from the shared `ENCORE_*` variables.
//! - [`warehouse`]: the ClickHouse client and migrations, from the `encore-warehouse` contract crate.
//! - [`plays`]: a playback event as a row of the `plays` table.
//! - [`pipeline`]: the plays loop: consume → insert → recompute touched cells → commit.
//! - [`online`]: the plays loop's copy of recent plays into the online store (Redis).
//! - [`rollup`]: recomputing the aggregate cells a batch touched, exactly.
//! - [`sessions`]: listening sessions and co-listening pairs.
//! - [`dims`]: the catalog dimensions, from the catalog topics.
//! - [`features`]: similar tracks, recommendations and their cold-start fallback.
//! - [`evaluate`]: the recommender measured offline on MovieLens-100K.
//! - [`service`]: start-up in order (schema, topics, consumer, ops endpoint), shared by `main` and the tests.

pub mod config;
pub mod dims;
pub mod evaluate;
pub mod features;
pub mod model;
pub mod online;
pub mod pipeline;
pub mod plays;
pub mod rollup;
pub mod searches;
pub mod service;
pub mod sessions;
/// The ClickHouse contract the gateway reads through too.
pub use encore_warehouse as warehouse;

pub use config::EtlConfig;
