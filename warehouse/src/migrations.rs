//! The warehouse's versioned `.sql` migrations, applied in order on start.
//!
//! Each applied version is recorded in `encore_migrations`, and the checksum
//! of its statements in `encore_migration_checksums`: a migration is never
//! edited once applied, since a database migrated before the edit would keep
//! the old objects and nothing would say so. A changed one is an error at
//! start ([`WarehouseError::ChangedMigration`]); the change belongs in a new
//! migration. The checksum covers the statements as they run, comments
//! dropped, so a comment may still be corrected.
//!
//! Statements use `IF NOT EXISTS`, so two instances starting together do no
//! harm.

use sha2::{Digest, Sha256};

use crate::{client, server, Layout, WarehouseError};

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

/// Creates `database` if missing and applies the migrations it lacks.
/// Returns how many were applied.
///
/// On a cluster (`ENCORE_CLICKHOUSE_CLUSTER`, see [`crate::layout`]) every
/// statement runs in the cluster's shape, on every server.
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
    // Checksums have a table of their own: `encore_migrations` predates
    // them, and altering it would be one more step for every database.
    for table in [
        "CREATE TABLE IF NOT EXISTS encore_migrations \
         (version UInt32, name String, applied_at DateTime DEFAULT now()) \
         ENGINE = MergeTree() ORDER BY version",
        "CREATE TABLE IF NOT EXISTS encore_migration_checksums \
         (version UInt32, checksum String) ENGINE = MergeTree() ORDER BY version",
    ] {
        for statement in layout.statements(table, database) {
            db.query(&statement).execute().await?;
        }
    }
    let applied: Vec<u32> = db
        .query("SELECT version FROM encore_migrations")
        .fetch_all()
        .await?;
    let recorded: Vec<(u32, String)> = db
        .query("SELECT version, checksum FROM encore_migration_checksums")
        .fetch_all()
        .await?;
    let mut count = 0;
    for (version, name, sql) in MIGRATIONS {
        let now = checksum(sql);
        if applied.contains(version) {
            let known: Vec<String> = recorded
                .iter()
                .filter(|(v, _)| v == version)
                .map(|(_, sum)| sum.clone())
                .collect();
            if let Some(other) = known.iter().find(|sum| **sum != now) {
                return Err(WarehouseError::ChangedMigration {
                    name,
                    recorded: other.clone(),
                    now,
                });
            }
            if known.is_empty() {
                // Applied by a release that recorded no checksums: nothing
                // says what it ran, so the file as it is now is adopted.
                tracing::warn!(
                    migration = name,
                    "recording the checksum of a migration applied before checksums were kept"
                );
                record(&db, *version, &now).await?;
            }
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
        record(&db, *version, &now).await?;
        tracing::info!(migration = name, "applied ClickHouse migration");
        count += 1;
    }
    Ok(count)
}

async fn record(
    db: &clickhouse::Client,
    version: u32,
    checksum: &str,
) -> Result<(), WarehouseError> {
    db.query("INSERT INTO encore_migration_checksums (version, checksum) VALUES (?, ?)")
        .bind(version)
        .bind(checksum)
        .execute()
        .await?;
    Ok(())
}

/// SHA-256 of a migration's statements as they run, in hex.
pub fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(statements(sql).join(";\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Splits a migration file into statements: ClickHouse's HTTP interface takes
/// one per request. Comment lines are dropped; `;` at a line end separates.
/// Public so that a test can apply an older release's files the same way.
pub fn statements(sql: &str) -> Vec<String> {
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
    fn a_checksum_ignores_comments_but_not_statements() {
        let sql = "-- why\nCREATE TABLE a (x UInt8) ENGINE = Log;";
        assert_eq!(
            checksum(sql),
            checksum("-- why, better said\nCREATE TABLE a (x UInt8) ENGINE = Log;")
        );
        assert_ne!(
            checksum(sql),
            checksum("-- why\nCREATE TABLE a (x UInt16) ENGINE = Log;")
        );
        assert_eq!(checksum(sql).len(), 64);
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
