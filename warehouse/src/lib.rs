//! The ClickHouse contract between the etl, which writes the warehouse, and
//! the gateway, which reads it: client construction, the versioned `.sql`
//! migrations (the schema both sides rely on), and the read queries:
//! [`features`] (recommendations, similar tracks), [`charts`] (charts and a
//! listener's statistics) and [`history`] (a listener's plays, now playing).
//!
//! Migrations are the files in `warehouse/migrations/`, applied in order on
//! start ([`migrations`]).

pub use error::{unavailable, Unavailable, WarehouseError};
pub use layout::Layout;
pub use migrations::{migrate, migrate_in};
pub use server::{client, dependency, redacted, server};

pub mod charts;
pub mod dashboard;
mod error;
pub mod features;
pub mod history;
pub mod layout;
pub mod migrations;
pub mod names;
mod server;
