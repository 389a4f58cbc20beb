//! The two requests every index write goes through: `_mget` to read what
//! the index holds, and `_bulk` to write, each item's outcome read back. The
//! writer, the name propagation and the popularity rounds all share them.

use elasticsearch::http::request::JsonBody;
use elasticsearch::{BulkParts, MgetParts};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::client::{json, SearchClient, SearchError};

/// What happened to one change of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `created`: the index held no document under this id before.
    Written { created: bool },
    /// An equal or newer version was already indexed.
    Stale,
    /// The server refused the document itself; it goes to the dead-letter topic.
    Rejected(String),
}

/// One document to index, with the external version that orders it.
pub(crate) struct Write {
    pub(crate) index: String,
    pub(crate) id: Uuid,
    pub(crate) version: i64,
    pub(crate) version_type: &'static str,
    pub(crate) doc: Value,
}

/// The live documents among `ids`: id, the version the index holds, source.
pub(crate) async fn mget(
    client: &SearchClient,
    index: &str,
    ids: impl IntoIterator<Item = &Uuid>,
) -> Result<Vec<(Uuid, i64, Value)>, SearchError> {
    let ids: Vec<String> = ids.into_iter().map(Uuid::to_string).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let answer = json(
        client
            .es
            .mget(MgetParts::Index(index))
            .body(json!({"ids": ids}))
            .send()
            .await,
    )
    .await?;
    Ok(answer["docs"]
        .as_array()
        .map(|docs| {
            docs.iter()
                .filter(|d| d["found"] == true && d["_source"]["deleted"] != true)
                .filter_map(|d| {
                    Some((
                        d["_id"].as_str()?.parse().ok()?,
                        d["_version"].as_i64()?,
                        d["_source"].clone(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// Sends the writes in one `_bulk` request and reads each item's outcome.
/// Items that failed transiently (429, 5xx) fail the whole call.
pub(crate) async fn bulk(
    client: &SearchClient,
    writes: &[Write],
    require_alias: bool,
) -> Result<Vec<Outcome>, SearchError> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut body: Vec<JsonBody<Value>> = Vec::with_capacity(writes.len() * 2);
    for w in writes {
        body.push(json!({"index": {"_index": w.index, "_id": w.id, "version": w.version, "version_type": w.version_type}}).into());
        body.push(w.doc.clone().into());
    }
    let started = std::time::Instant::now();
    let answer = json(
        client
            .es
            .bulk(BulkParts::None)
            .require_alias(require_alias)
            .body(body)
            .send()
            .await,
    )
    .await?;
    metrics::histogram!(encore_common::metrics::INDEXER_BULK_SECONDS.name)
        .record(started.elapsed().as_secs_f64());
    let items = answer["items"].as_array().cloned().unwrap_or_default();
    if items.len() != writes.len() {
        return Err(SearchError::Status {
            status: 502,
            body: format!(
                "_bulk answered {} items for {} writes",
                items.len(),
                writes.len()
            ),
        });
    }
    items.iter().map(item_outcome).collect()
}

fn item_outcome(item: &Value) -> Result<Outcome, SearchError> {
    let result = &item["index"];
    let status = result["status"].as_u64().unwrap_or(0) as u16;
    match status {
        200..=299 => Ok(Outcome::Written {
            created: result["result"] == "created",
        }),
        409 => Ok(Outcome::Stale),
        429 | 500..=599 | 0 => Err(SearchError::Status {
            status,
            body: result["error"].to_string(),
        }),
        _ => {
            let error = &result["error"];
            let reason = format!(
                "{}: {}",
                error["type"].as_str().unwrap_or("rejected"),
                error["reason"]
                    .as_str()
                    .unwrap_or("the search server refused the document")
            );
            Ok(Outcome::Rejected(reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_statuses_map_to_outcomes() {
        let item = |status: u64, error: Value| json!({"index": {"status": status, "error": error}});
        assert_eq!(
            item_outcome(&item(201, Value::Null)).unwrap(),
            Outcome::Written { created: false }
        );
        let created = json!({"index": {"status": 201, "result": "created"}});
        assert_eq!(
            item_outcome(&created).unwrap(),
            Outcome::Written { created: true }
        );
        assert_eq!(
            item_outcome(&item(
                409,
                json!({"type": "version_conflict_engine_exception"})
            ))
            .unwrap(),
            Outcome::Stale
        );
        let rejected = item_outcome(&item(
            400,
            json!({"type": "strict_dynamic_mapping_exception", "reason": "no field x"}),
        ))
        .unwrap();
        assert_eq!(
            rejected,
            Outcome::Rejected("strict_dynamic_mapping_exception: no field x".into())
        );
        assert!(item_outcome(&item(429, json!({})))
            .unwrap_err()
            .is_transient());
        assert!(item_outcome(&item(503, json!({})))
            .unwrap_err()
            .is_transient());
    }
}
