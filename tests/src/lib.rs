//! The end-to-end harness: real servers, isolated runs.
//!
//! Every test builds a [`TestRun`]: a unique topic prefix on the shared broker
//! and a unique ClickHouse database, so tests run in parallel without seeing
//! each other's data. Services start in-process through the same functions
//! their binaries call (`encore_gateway::serve`, `encore_etl::service::run`),
//! talking to the real broker and ClickHouse of `scripts/stack up`.
//!
//! Helpers panic with a message that says what was expected: they are test
//! support, and a failed expectation is the test failing. A wait for what the
//! stack does in the background goes through [`eventually`], so that when it
//! gives up it says what it waited for and what it saw last.

pub mod api;
pub mod audio;
pub mod catalog_file;
pub mod chinook;
pub mod interop;
pub mod servers;

mod kafka;
mod run;
mod service;
mod wait;

pub use kafka::{
    catalog_records, committed_offsets, delete_topics_with_prefix, fixture_path, high_watermarks,
    playback_records, read_topic, read_topic_uncommitted, wait_until_committed, ReadRecord,
};
pub use run::TestRun;
pub use service::Service;
pub use wait::{eventually, eventually_within, wait_for_live_count, PATIENCE};
