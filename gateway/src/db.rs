//! PostgreSQL: the pool and the migrations in `gateway/migrations/`.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

/// The gateway's migrations, embedded at build time. `gateway migrate` and
/// every gateway start apply the ones a database lacks (sqlx records them in
/// `_sqlx_migrations` and takes an advisory lock, so instances starting
/// together do not race).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool that gives up on a connection after a few seconds, so an
/// unreachable database turns into a quick 503 rather than a hung request.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await
}

pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
