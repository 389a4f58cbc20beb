//! The transactional outbox: catalog changes are written to PostgreSQL in the
//! same transaction as the change itself, and [`relay`] publishes them.
//!
//! So a catalog write that committed is published even if Kafka was down at
//! the time, and a write that rolled back is never published.

pub mod relay;
pub mod snapshot;

use std::sync::Arc;

use encore_common::topics::catalog_topic;
use encore_schemas::{encode, Album, Artist, CatalogChange, ChangeOp, EntityType, Playlist, Track};
use sqlx::PgConnection;
use tokio::sync::Notify;
use uuid::Uuid;

use encore_core::DbError;

/// Commits a transaction that wrote outbox rows, then wakes the relay so the
/// changes go out at once instead of at its next poll.
pub async fn commit(
    wakeup: &Wakeup,
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
) -> Result<(), sqlx::Error> {
    tx.commit().await?;
    wakeup.notify();
    Ok(())
}

/// Wakes the relay after a committed catalog write, so it publishes at once
/// instead of at its next poll.
#[derive(Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn notify(&self) {
        self.0.notify_one();
    }

    /// Resolves at the next [`Self::notify`] (or at once if one is pending).
    pub async fn notified(&self) {
        self.0.notified().await;
    }
}

/// The entity body of an upsert.
pub enum Body {
    Artist(Artist),
    Album(Album),
    Track(Track),
    Playlist(Playlist),
}

impl Body {
    fn entity(&self) -> (EntityType, Uuid) {
        match self {
            Body::Artist(a) => (EntityType::Artist, a.id),
            Body::Album(a) => (EntityType::Album, a.id),
            Body::Track(t) => (EntityType::Track, t.id),
            Body::Playlist(p) => (EntityType::Playlist, p.id),
        }
    }
}

/// Records that the entity now looks like `body` at `version`.
pub async fn upsert(conn: &mut PgConnection, body: Body, version: i64) -> Result<(), DbError> {
    insert(conn, &upsert_change(body, version), false).await
}

/// The change that publishes `body` at `version`.
fn upsert_change(body: Body, version: i64) -> CatalogChange {
    let (entity_type, entity_id) = body.entity();
    let mut change = envelope(entity_type, entity_id, version, ChangeOp::Upsert);
    match body {
        Body::Artist(a) => change.artist = Some(a),
        Body::Album(a) => change.album = Some(a),
        Body::Track(t) => change.track = Some(t),
        Body::Playlist(p) => change.playlist = Some(p),
    }
    change
}

/// Writes the upserts of many entities (with their new versions) in one
/// statement, in the given order: the bulk import's share of the outbox.
pub async fn upsert_all(conn: &mut PgConnection, changed: Vec<(Body, i64)>) -> Result<(), DbError> {
    if changed.is_empty() {
        return Ok(());
    }
    let mut topics = Vec::with_capacity(changed.len());
    let mut ids = Vec::with_capacity(changed.len());
    let mut versions = Vec::with_capacity(changed.len());
    let mut payloads = Vec::with_capacity(changed.len());
    for (body, version) in changed {
        let change = upsert_change(body, version);
        topics.push(catalog_topic(change.entity_type));
        ids.push(change.entity_id);
        versions.push(change.version);
        payloads.push(encode(&change).map_err(|e| DbError::Encode(e.to_string()))?);
    }
    sqlx::query(
        "INSERT INTO outbox (topic, entity_id, version, payload, tombstone) \
         SELECT topic, entity_id, version, payload, false \
         FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::bytea[]) WITH ORDINALITY \
           AS o(topic, entity_id, version, payload, n) \
         ORDER BY n",
    )
    .bind(topics)
    .bind(ids)
    .bind(versions)
    .bind(payloads)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut PgConnection,
    entity_type: EntityType,
    entity_id: Uuid,
    version: i64,
) -> Result<(), DbError> {
    let change = envelope(entity_type, entity_id, version, ChangeOp::Delete);
    insert(conn, &change, true).await
}

fn envelope(entity_type: EntityType, entity_id: Uuid, version: i64, op: ChangeOp) -> CatalogChange {
    CatalogChange {
        change_id: Uuid::now_v7(),
        entity_type,
        entity_id,
        version,
        op,
        occurred_at: encore_common::now_millis(),
        artist: None,
        album: None,
        track: None,
        playlist: None,
    }
}

async fn insert(
    conn: &mut PgConnection,
    change: &CatalogChange,
    tombstone: bool,
) -> Result<(), DbError> {
    let payload = encode(change).map_err(|e| DbError::Encode(e.to_string()))?;
    sqlx::query(
        "INSERT INTO outbox (topic, entity_id, version, payload, tombstone) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(catalog_topic(change.entity_type))
    .bind(change.entity_id)
    .bind(change.version)
    .bind(payload)
    .bind(tombstone)
    .execute(conn)
    .await?;
    Ok(())
}
