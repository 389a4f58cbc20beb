//! The ClickHouse contract between the etl, which writes the warehouse, and
//! the gateway, which reads it: client construction, the versioned `.sql`
//! migrations (the schema both sides rely on), and the read queries:
//! [`features`] (recommendations, similar tracks), [`charts`] (charts and a
//! listener's statistics) and [`history`] (a listener's plays, now playing).
//!
//! Migrations are the files in `warehouse/migrations/`, applied in order on start;
//! each applied version is recorded in `encore_migrations`. Statements use
//! `IF NOT EXISTS`, so two instances starting together do no harm.

use clickhouse::Client;

pub use layout::Layout;
pub use server::{redacted, server};

pub mod charts;
pub mod dashboard;
pub mod features;
pub mod history;
pub mod layout;
pub mod names;
mod server;

/// The migrations, in order. A new file is added here with the next version.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "0001_plays",
        include_str!("../migrations/0001_plays.sql"),
    ),
    (
        2,
        "0002_catalog_dims",
        include_str!("../migrations/0002_catalog_dims.sql"),
    ),
    (
        3,
        "0003_aggregates",
        include_str!("../migrations/0003_aggregates.sql"),
    ),
    (
        4,
        "0004_recommendations",
        include_str!("../migrations/0004_recommendations.sql"),
    ),
    (
        5,
        "0005_recommender",
        include_str!("../migrations/0005_recommender.sql"),
    ),
    (
        6,
        "0006_search_events",
        include_str!("../migrations/0006_search_events.sql"),
    ),
    (
        7,
        "0007_idempotent_aggregates",
        include_str!("../migrations/0007_idempotent_aggregates.sql"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("database name {0:?} must be letters, digits and underscores")]
    BadDatabaseName(String),
    #[error("migration {name}: {source}")]
    Migration {
        name: &'static str,
        source: clickhouse::error::Error,
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

/// Creates `database` if missing and applies the migrations it lacks.
/// Returns how many were applied.
///
/// On a cluster (`ENCORE_CLICKHOUSE_CLUSTER`, see [`layout`]) every statement
/// runs in the cluster's shape, on every server.
pub async fn migrate(url: &str, database: &str) -> Result<usize, WarehouseError> {
    migrate_in(&Layout::from_env(), url, database).await
}

/// [`migrate`] in the given layout.
pub async fn migrate_in(
    layout: &Layout,
    url: &str,
    database: &str,
) -> Result<usize, WarehouseError> {
    if database.is_empty()
        || !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(WarehouseError::BadDatabaseName(database.to_string()));
    }
    let server = server(url).with_validation(false);
    server
        .query(&format!(
            "CREATE DATABASE IF NOT EXISTS {database}{}",
            layout.on_cluster()
        ))
        .execute()
        .await?;
    let db = client(url, database);
    for statement in layout.statements(
        "CREATE TABLE IF NOT EXISTS encore_migrations \
         (version UInt32, name String, applied_at DateTime DEFAULT now()) \
         ENGINE = MergeTree() ORDER BY version",
        database,
    ) {
        db.query(&statement).execute().await?;
    }
    let applied: Vec<u32> = db
        .query("SELECT version FROM encore_migrations")
        .fetch_all()
        .await?;
    let mut count = 0;
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        for statement in statements(sql)
            .iter()
            .flat_map(|s| layout.statements(s, database))
        {
            db.query(&statement)
                .execute()
                .await
                .map_err(|source| WarehouseError::Migration { name, source })?;
        }
        db.query("INSERT INTO encore_migrations (version, name) VALUES (?, ?)")
            .bind(*version)
            .bind(*name)
            .execute()
            .await?;
        tracing::info!(migration = name, "applied ClickHouse migration");
        count += 1;
    }
    Ok(count)
}

/// Splits a migration file into statements: ClickHouse's HTTP interface takes
/// one per request. Comment lines are dropped; `;` at a line end separates.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            let statement = current.trim().trim_end_matches(';').trim().to_string();
            out.push(statement);
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_drops_comments() {
        let sql = "-- a comment\nCREATE TABLE a (x UInt8)\nENGINE = Log;\n\n-- b\nCREATE TABLE b (y UInt8) ENGINE = Log;\nSELECT 1";
        assert_eq!(
            statements(sql),
            vec![
                "CREATE TABLE a (x UInt8)\nENGINE = Log",
                "CREATE TABLE b (y UInt8) ENGINE = Log",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn every_migration_has_statements_and_versions_increase() {
        let mut last = 0;
        for (version, name, sql) in MIGRATIONS {
            assert!(*version > last, "{name}");
            assert!(!statements(sql).is_empty(), "{name}");
            last = *version;
        }
    }
}
