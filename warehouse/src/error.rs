//! What can go wrong with the warehouse, and which failures mean "not there
//! yet, retry" rather than a bug.

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
