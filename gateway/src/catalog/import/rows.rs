//! The set-based steps every kind of import row goes through: one row per
//! external id, parents and stored entities looked up by external id in one
//! query each, unchanged rows answered without a write, written rows
//! answered from what the upsert returned.

use std::collections::HashMap;

use sqlx::PgConnection;
use uuid::Uuid;

use super::Outcome;
use crate::outbox;
use encore_core::DbError;

/// What became of one row: written or left alone with its entity's id, or
/// refused with the field at fault and why.
pub(super) type RowOutcome = Result<(Outcome, Uuid), (&'static str, String)>;

/// An entity as stored, with the external id it was matched by.
#[derive(sqlx::FromRow)]
pub(super) struct Stored<T> {
    #[sqlx(flatten)]
    pub(super) entity: T,
    pub(super) external_id: String,
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

/// The ids of the `table`'s rows with these external ids.
pub(super) async fn ids_by_external(
    conn: &mut PgConnection,
    table: &str,
    external_ids: Vec<String>,
) -> Result<HashMap<String, Uuid>, DbError> {
    if external_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(String, Uuid)> = sqlx::query_as(&format!(
        "SELECT external_id, id FROM {table} WHERE external_id = ANY($1)"
    ))
    .bind(external_ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(found.into_iter().collect())
}

/// The stored entities with these external ids, locked until the request
/// commits so that two imports of the same rows take turns.
pub(super) async fn stored<T>(
    conn: &mut PgConnection,
    table: &str,
    columns: &str,
    external_ids: Vec<String>,
) -> Result<HashMap<String, T>, DbError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let found: Vec<Stored<T>> = sqlx::query_as(&format!(
        "SELECT {columns}, external_id FROM {table} WHERE external_id = ANY($1) FOR UPDATE"
    ))
    .bind(external_ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(found
        .into_iter()
        .map(|s| (s.external_id, s.entity))
        .collect())
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
    let saved: HashMap<String, T> = saved
        .into_iter()
        .map(|s| (s.external_id, s.entity))
        .collect();
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
