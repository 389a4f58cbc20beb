//! The ClickHouse contract between the etl, which writes the warehouse, and
//! the gateway, which reads it: client construction, the versioned `.sql`
//! migrations (the schema both sides rely on), and the read queries:
//! [`features`] (recommendations, similar tracks), [`charts`] (charts and a
//! listener's statistics) and [`history`] (a listener's plays, now playing).
//!
//! Migrations are the files in `warehouse/migrations/`, applied in order on
//! start ([`migrations`]).

use clickhouse::Client;

pub use layout::Layout;
pub use migrations::{migrate, migrate_in};
pub use server::{redacted, server};

pub mod charts;
pub mod dashboard;
pub mod features;
pub mod history;
pub mod layout;
pub mod migrations;
pub mod names;
mod server;

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("database name {0:?} must be letters, digits and underscores")]
    BadDatabaseName(String),
    #[error("migration {name}: {source}")]
    Migration {
        name: &'static str,
        source: clickhouse::error::Error,
    },
    #[error(
        "migration {name} was changed after it was applied (checksum {recorded} recorded, \
         {now} now): applied migrations are append-only, so put the change in a new migration"
    )]
    ChangedMigration {
        name: &'static str,
        recorded: String,
        now: String,
    },
    #[error("clickhouse: {0}")]
    ClickHouse(#[from] clickhouse::error::Error),
}

/// Why a read failed, when the warehouse simply is not there to answer:
/// readers tell their clients to retry rather than report a bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// ClickHouse does not answer, or not in time.
    Unreachable,
    /// The database or a table does not exist yet: the etl, which creates
    /// them, has not run against this warehouse.
    NotSetUp,
}

/// Classifies a failed read; `None` means it is a real error (a bug).
pub fn unavailable(error: &clickhouse::error::Error) -> Option<Unavailable> {
    use clickhouse::error::Error;
    match error {
        Error::Network(_) | Error::TimedOut => Some(Unavailable::Unreachable),
        // 81: unknown database; 60: unknown table.
        Error::BadResponse(message)
            if message.contains("Code: 81,") || message.contains("Code: 60,") =>
        {
            Some(Unavailable::NotSetUp)
        }
        _ => None,
    }
}

/// A client for `database`. Validation is off: ClickHouse 18.16 cannot
/// describe tables in the format the crate's validation asks for.
///
/// `max_query_size` is raised from ClickHouse's 256 KiB because the ETL's
/// recomputations name the cells a batch touched in the query itself (18.16
/// has no query parameters); a batch of 5,000 events names about 400 KiB.
///
/// On a cluster it also sends the layout's settings ([`Layout::settings`]).
pub fn client(url: &str, database: &str) -> Client {
    let client = server(url)
        .with_database(database)
        .with_validation(false)
        .with_setting("max_query_size", "67108864");
    Layout::from_env()
        .settings()
        .iter()
        .fold(client, |client, (name, value)| {
            client.with_setting(*name, *value)
        })
}

/// ClickHouse as a `/ready` dependency; `required` says whether its absence
/// takes the service out of rotation (the etl's, not the gateway's).
pub async fn dependency(client: &Client, required: bool) -> encore_common::telemetry::Dependency {
    let state = client
        .query("SELECT 1")
        .fetch_one::<u8>()
        .await
        .map(|_| ())
        .map_err(|e| format!("ClickHouse does not answer: {e}"));
    encore_common::telemetry::Dependency {
        name: "clickhouse",
        required,
        state,
    }
}
