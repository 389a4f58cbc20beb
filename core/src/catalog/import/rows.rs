//! The set-based steps every kind of import row goes through: one row per
//! external id, parents and stored entities looked up by external id in one
//! query each, unchanged rows answered without a write, written rows
//! answered from what the upsert returned.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::{Outcome, RowOutcome};
use crate::outbox;
use crate::DbError;

/// An entity as stored, with the external id it was matched by.
pub(super) struct Stored<T> {
    pub(super) entity: T,
    pub(super) external_id: String,
}

/// The tables whose ids rows name their parents by.
#[derive(Debug, Clone, Copy)]
pub(super) enum Parent {
    Artist,
    Album,
}

/// Keeps the first row of each external id; later ones are refused, naming
/// the row they repeat (one statement cannot write one row twice).
pub(super) fn first_of_each<T>(
    rows: Vec<(usize, T)>,
    external_id: impl Fn(&T) -> &str,
    outcomes: &mut Vec<(usize, RowOutcome)>,
) -> Vec<(usize, T)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    for (at, row) in rows {
        let id = external_id(&row).to_string();
        match seen.get(&id) {
            Some(first) => outcomes.push((
                at,
                Err((
                    "external_id",
                    format!("{id:?} is already the external id of row {first} of this request (counting from 0)"),
                )),
            )),
            None => {
                seen.insert(id, at);
                kept.push((at, row));
            }
        }
    }
    kept
}

/// The ids of the `parent` rows with these external ids.
pub(super) async fn ids_by_external(
    conn: &mut PgConnection,
    parent: Parent,
    external_ids: Vec<String>,
) -> Result<HashMap<String, Uuid>, DbError> {
    if external_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(String, Uuid)> = match parent {
        Parent::Artist => sqlx::query!(
            r#"SELECT external_id AS "external_id!", id FROM artists WHERE external_id = ANY($1)"#,
            &external_ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.external_id, r.id))
        .collect(),
        Parent::Album => sqlx::query!(
            r#"SELECT external_id AS "external_id!", id FROM albums WHERE external_id = ANY($1)"#,
            &external_ids
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.external_id, r.id))
        .collect(),
    };
    Ok(found.into_iter().collect())
}

/// Stored entities by external id.
pub(super) fn by_external<T>(stored: Vec<Stored<T>>) -> HashMap<String, T> {
    stored
        .into_iter()
        .map(|s| (s.external_id, s.entity))
        .collect()
}

/// Answers the rows whose stored entity already has every field as
/// unchanged, and returns the rest, to be written.
pub(super) fn to_write<R, T>(
    rows: Vec<(usize, R)>,
    existing: &HashMap<String, T>,
    external_id: impl Fn(&R) -> &str,
    same: impl Fn(&R, &T) -> bool,
    id: impl Fn(&T) -> Uuid,
    outcomes: &mut Vec<(usize, RowOutcome)>,
) -> Vec<(usize, R)> {
    let mut writes = Vec::with_capacity(rows.len());
    for (at, row) in rows {
        match existing.get(external_id(&row)) {
            Some(stored) if same(&row, stored) => {
                outcomes.push((at, Ok((Outcome::Unchanged, id(stored)))))
            }
            _ => writes.push((at, row)),
        }
    }
    writes
}

/// Answers each written row (created or updated, by whether it existed) and
/// queues its entity's new version for the outbox.
pub(super) fn record<R, T>(
    writes: Vec<(usize, R)>,
    saved: Vec<Stored<T>>,
    existing: &HashMap<String, T>,
    external_id: impl Fn(&R) -> &str,
    change: impl Fn(&T) -> (outbox::Body, i64, Uuid),
    outcomes: &mut Vec<(usize, RowOutcome)>,
    changed: &mut Vec<(outbox::Body, i64)>,
) {
    let saved = by_external(saved);
    for (at, row) in writes {
        let key = external_id(&row);
        if let Some(entity) = saved.get(key) {
            let (body, version, id) = change(entity);
            changed.push((body, version));
            let status = if existing.contains_key(key) {
                Outcome::Updated
            } else {
                Outcome::Created
            };
            outcomes.push((at, Ok((status, id))));
        }
    }
}

/// Genres travel as one JSON array per row: Postgres cannot unnest an array
/// of arrays of different lengths.
pub(super) fn genres_json(genres: &[String]) -> String {
    serde_json::Value::from(genres).to_string()
}

/// The refusal of a row whose parent is not there.
pub(super) fn missing(what: &str, external_id: &str) -> (&'static str, String) {
    let field = if what == "artist" {
        "artist_external_id"
    } else {
        "album_external_id"
    };
    (
        field,
        format!("no {what} with external id {external_id:?} (import it first)"),
    )
}
