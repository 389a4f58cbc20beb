//! PostgreSQL: the pool, the migrations in `core/migrations/`, and the
//! data layer's error.
//!
//! Functions that only run SQL return [`DbError`], which knows nothing of
//! HTTP or Subsonic: each API maps it to its protocol in one place (the
//! gateway's `From<DbError> for ApiError`, Subsonic's `From<DbError> for
//! Failure`). So the same function serves an endpoint, a Subsonic method and
//! a CLI command (`gateway grant`) alike.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::keys::key;

/// The schema's migrations, embedded at build time. `gateway migrate` and
/// every gateway start apply the ones a database lacks (sqlx records them in
/// `_sqlx_migrations` and takes an advisory lock, so instances starting
/// together do not race).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A connection idle for longer than this is pinged before it is handed
/// out. sqlx pings on every acquire by default: a round trip before every
/// statement, which on a busy pool (where connections go back and forth
/// within milliseconds) buys nothing but latency; it was a tenth of the
/// gateway's CPU in a Subsonic search. A connection that breaks within a
/// second of its last use fails its next statement instead, which the
/// caller sees as the database being unavailable (503), as it would a
/// moment later anyway.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// A pool that gives up on a connection after a few seconds, so an
/// unreachable database turns into a quick 503 rather than a hung request.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// What a data-layer function fails with.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Unreachable, overloaded or shutting down: the caller may retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint refused the write; `field` is the request field it
    /// is about, from [`on_constraint`].
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: &'static str,
    },
    /// A row the caller named does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may see the row but not change it; the message says why.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A field of the request refers to something that is not there (an
    /// import row's parent, say): the client's mistake, named by field.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A catalog change that does not encode: a bug, never bad input.
    #[error("encoding a catalog change: {0}")]
    Encode(String),
    #[error(transparent)]
    Other(sqlx::Error),
}

/// The request field a constraint is about, and what to tell the client.
/// The one place a constraint name (from the migrations) meets the API's
/// field names; a unique violation on a constraint missing here is a bug and
/// answers 500 rather than a 409 naming no field.
pub fn on_constraint(constraint: &str) -> Option<(&'static str, &'static str)> {
    Some(match constraint {
        "users_email_key" => ("email", "this email is already registered"),
        "users_username_key" => ("username", "this username is already registered"),
        "app_credentials_name_key" => ("name", "you already have one of this name"),
        "artists_external_id_key" | "albums_external_id_key" | "tracks_external_id_key" => (
            "external_id",
            "an entity with this external_id already exists",
        ),
        _ => return None,
    })
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                DbError::Unavailable(error)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                match db.constraint().and_then(on_constraint) {
                    Some((field, message)) => DbError::Conflict { field, message },
                    None => DbError::Other(error),
                }
            }
            // 57P: the server is shutting down; 08: connection exceptions.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) =>
            {
                DbError::Unavailable(error)
            }
            _ => DbError::Other(error),
        }
    }
}

/// Fills normalised keys of rows written before they existed; run at start.
pub async fn backfill_keys(db: &PgPool) -> Result<(), sqlx::Error> {
    let artists = sqlx::query!("SELECT id, name FROM artists WHERE name_key = ''")
        .fetch_all(db)
        .await?;
    for artist in artists {
        sqlx::query!(
            "UPDATE artists SET name_key = $2 WHERE id = $1",
            artist.id,
            key(&artist.name)
        )
        .execute(db)
        .await?;
    }
    let tracks = sqlx::query!("SELECT id, title FROM tracks WHERE title_key = ''")
        .fetch_all(db)
        .await?;
    for track in tracks {
        sqlx::query!(
            "UPDATE tracks SET title_key = $2 WHERE id = $1",
            track.id,
            key(&track.title)
        )
        .execute(db)
        .await?;
    }
    Ok(())
}

/// Whether PostgreSQL answers: the readiness check's question.
pub async fn ping(db: &PgPool) -> Result<(), DbError> {
    sqlx::query!("SELECT 1 AS one").fetch_one(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unique constraint and unique index in the migrations is either
    /// mapped to a request field or listed here as one no client can trip, so
    /// a new constraint fails this test until someone decides which it is.
    #[test]
    fn every_unique_constraint_is_mapped_or_deliberately_not() {
        let internal = [
            // Server-generated values: a collision is a bug, not the client's doing.
            "refresh_tokens_token_hash_key",
            "shares_token_hash_key",
            // Positions are renumbered under the playlist's row lock.
            "playlist_items_position",
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the migrations directory") {
            let sql = std::fs::read_to_string(entry.expect("an entry").path()).expect("sql");
            let mut table = "";
            for line in sql.lines().map(str::trim).filter(|l| !l.starts_with("--")) {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    ["CREATE", "TABLE", name, ..] => table = name,
                    ["CREATE", "UNIQUE", "INDEX", name, ..] => names.push(name.to_string()),
                    ["CONSTRAINT", name, "UNIQUE", ..] => names.push(name.to_string()),
                    // An inline `column type UNIQUE`: PostgreSQL names it <table>_<column>_key.
                    [column, .., last] if last.trim_end_matches(',') == "UNIQUE" => {
                        names.push(format!("{table}_{column}_key"))
                    }
                    _ => {}
                }
            }
        }
        assert!(names.len() >= 7, "found only {names:?}; the scan is broken");
        for name in names {
            assert!(
                on_constraint(&name).is_some() || internal.contains(&name.as_str()),
                "unique constraint {name} is neither mapped by on_constraint nor listed as internal"
            );
        }
    }

    #[test]
    fn mapped_constraints_name_their_field() {
        assert_eq!(on_constraint("users_email_key").map(|m| m.0), Some("email"));
        assert_eq!(
            on_constraint("tracks_external_id_key").map(|m| m.0),
            Some("external_id")
        );
        assert_eq!(on_constraint("no_such_constraint"), None);
    }
}
