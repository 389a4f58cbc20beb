//! Source syncs asked for through the API: an admin asks, the running
//! `ingest sync` claims the oldest pending request, runs it and says how it
//! ended. Claiming skips locked rows, so two syncers never take the same one.

use sqlx::PgPool;
use uuid::Uuid;

use crate::DbError;

#[derive(Debug, Clone)]
pub struct Request {
    pub id: Uuid,
    /// pending, running, done or failed.
    pub status: String,
    pub summary: Option<String>,
}

/// A new pending request by `admin`.
pub async fn request(db: &PgPool, admin: Uuid) -> Result<Request, DbError> {
    Ok(sqlx::query_as!(
        Request,
        "INSERT INTO sync_requests (id, requested_by) VALUES ($1, $2) RETURNING id, status, summary",
        Uuid::now_v7(),
        admin
    )
    .fetch_one(db)
    .await?)
}

pub async fn get(db: &PgPool, id: Uuid) -> Result<Option<Request>, DbError> {
    Ok(sqlx::query_as!(
        Request,
        "SELECT id, status, summary FROM sync_requests WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The oldest pending request, now running; `None` when none waits.
pub async fn claim(db: &PgPool) -> Result<Option<Request>, DbError> {
    Ok(sqlx::query_as!(
        Request,
        "UPDATE sync_requests SET status = 'running', started_at = now() WHERE id = ( \
           SELECT id FROM sync_requests WHERE status = 'pending' ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, status, summary"
    )
    .fetch_optional(db)
    .await?)
}

/// Records how a request ended (`done` or `failed`); `None` if there is no such request.
pub async fn finish(
    db: &PgPool,
    id: Uuid,
    status: &str,
    summary: &str,
) -> Result<Option<Request>, DbError> {
    Ok(sqlx::query_as!(
        Request,
        "UPDATE sync_requests SET status = $2, summary = $3, finished_at = now() WHERE id = $1 \
         RETURNING id, status, summary",
        id,
        status,
        summary
    )
    .fetch_optional(db)
    .await?)
}

/// The newest request, whatever its state: whether a sync is under way.
pub async fn latest(db: &PgPool) -> Result<Option<Request>, DbError> {
    Ok(sqlx::query_as!(
        Request,
        "SELECT id, status, summary FROM sync_requests ORDER BY requested_at DESC, id DESC LIMIT 1"
    )
    .fetch_optional(db)
    .await?)
}
