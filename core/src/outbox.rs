//! The transactional outbox's rows: a catalogue change is written to
//! PostgreSQL in the same transaction as the change itself, as the Avro
//! record the relay will publish, so a committed write is published even if
//! Kafka was down at the time, and a write that rolled back never is. The
//! relay that publishes the rows runs in the gateway.

use encore_common::topics::catalog_topic;
use encore_schemas::{encode, Album, Artist, CatalogChange, ChangeOp, EntityType, Playlist, Track};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::DbError;

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
        topics.push(catalog_topic(change.entity_type).to_string());
        ids.push(change.entity_id);
        versions.push(change.version);
        payloads.push(encode(&change).map_err(|e| DbError::Encode(e.to_string()))?);
    }
    sqlx::query!(
        "INSERT INTO outbox (topic, entity_id, version, payload, tombstone) \
         SELECT topic, entity_id, version, payload, false \
         FROM UNNEST($1::text[], $2::uuid[], $3::bigint[], $4::bytea[]) WITH ORDINALITY \
           AS o(topic, entity_id, version, payload, n) \
         ORDER BY n",
        &topics[..],
        &ids[..],
        &versions[..],
        &payloads[..]
    )
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
    sqlx::query!(
        "INSERT INTO outbox (topic, entity_id, version, payload, tombstone) VALUES ($1, $2, $3, $4, $5)",
        catalog_topic(change.entity_type),
        change.entity_id,
        change.version,
        payload,
        tombstone
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An unsent outbox row: id, logical topic, entity id, payload, and whether
/// a tombstone follows it.
pub type OutboxRow = (i64, String, Uuid, Vec<u8>, bool);

/// Takes the relay's lock for this transaction: one relay publishes at a
/// time, whichever gateway it runs in. `false` when another holds it.
pub async fn lead(conn: &mut PgConnection, key: i64) -> Result<bool, DbError> {
    Ok(
        sqlx::query_scalar!(r#"SELECT pg_try_advisory_xact_lock($1) AS "led!""#, key)
            .fetch_one(conn)
            .await?,
    )
}

/// The oldest `limit` rows not yet published, in the order written.
pub async fn pending(conn: &mut PgConnection, limit: i64) -> Result<Vec<OutboxRow>, DbError> {
    let rows = sqlx::query!(
        "SELECT id, topic, entity_id, payload, tombstone FROM outbox \
         WHERE sent_at IS NULL ORDER BY id LIMIT $1",
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.topic, r.entity_id, r.payload, r.tombstone))
        .collect())
}

/// Marks rows published; committed with the transaction that read them.
pub async fn mark_sent(conn: &mut PgConnection, ids: &[i64]) -> Result<(), DbError> {
    sqlx::query!("UPDATE outbox SET sent_at = now() WHERE id = ANY($1)", ids)
        .execute(conn)
        .await?;
    Ok(())
}
