//! Encore's ETL: consumes playback events and writes them to ClickHouse.
//!
//! - [`config`]: settings from the shared `ENCORE_*` variables.
//! - [`warehouse`]: the ClickHouse client and its versioned migrations.
//! - [`plays`]: a playback event as a row of the `plays` table.
//! - [`pipeline`]: the consume → batch → insert → commit loop.
//! - [`service`]: start-up in order (schema, topics, consumer, ops endpoint), shared by `main` and the tests.

pub mod config;
pub mod pipeline;
pub mod plays;
pub mod service;
pub mod warehouse;

pub use config::EtlConfig;
