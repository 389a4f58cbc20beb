//! End-to-end tests against the real local stack (`scripts/stack up`):
//! Apache Kafka 4, OpenSearch 2.19, ClickHouse 18.16, PostgreSQL, and the
//! services started in-process.
//!
//! Each test isolates itself with a [`encore_tests::TestRun`] (unique topic
//! prefix and ClickHouse database), so they run in parallel.

mod accounts;
mod analytics;
mod audio;
mod backup;
mod bad_input;
mod catalog;
mod compliance;
mod covers;
mod credentials;
mod dashboard;
mod etl_plays;
mod faults;
mod fuzz;
mod gateway_playback;
mod gateways;
mod ingest;
mod interop;
mod library;
mod login_throttle;
mod online;
mod operations;
mod outbox;
mod recommendations;
mod retention;
mod schemathesis;
mod search;
mod search_relevance;
mod subsonic;
mod support;
mod transactions;
mod transcode;
mod upgrade;
mod web;
