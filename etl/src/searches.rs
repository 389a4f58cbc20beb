//! Search events: `search-events` → `search_events`, one row per event.
//!
//! Rows are keyed by (search_id, kind, event_id) in a ReplacingMergeTree, so
//! a redelivered batch folds away and the usual commit-after-write loop is
//! exact. A record that is not a `SearchEvent` goes to `search-events.dlq`.

use clickhouse::{Client, Row};
use encore_common::driver::BatchSink;
use encore_common::transaction::DeadLetter;
use encore_schemas::{decode, SearchEvent};
use rdkafka::message::{Message, OwnedMessage};
use serde::Serialize;
use uuid::Uuid;

use crate::dims::insert_all;

/// Writes batches of `search-events` into `search_events`.
pub struct SearchesSink {
    /// The dead-letter topic (broker-side name).
    pub dlq: String,
    pub clickhouse: Client,
}

#[derive(Row, Serialize, Debug, PartialEq)]
struct SearchRow {
    #[serde(with = "clickhouse::serde::uuid")]
    event_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    search_id: Uuid,
    kind: &'static str,
    #[serde(with = "clickhouse::serde::uuid")]
    user_id: Uuid,
    query: String,
    result_type: String,
    results: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    clicked_id: Uuid,
    position: i32,
    occurred_at: u32,
}

/// The row of an event; an id that is not a UUID makes it poison.
fn row(event: SearchEvent) -> Result<SearchRow, String> {
    let uuid = |field: &str, value: Option<String>| -> Result<Uuid, String> {
        value.map_or(Ok(Uuid::nil()), |v| {
            v.parse()
                .map_err(|_| format!("{field} {v:?} is not a UUID"))
        })
    };
    Ok(SearchRow {
        event_id: event.event_id,
        search_id: event.search_id,
        kind: event.kind.as_str(),
        user_id: uuid("user_id", event.user_id)?,
        query: event.query,
        result_type: event.result_type.unwrap_or_default(),
        results: u64::try_from(event.results).unwrap_or(0),
        clicked_id: uuid("clicked_id", event.clicked_id)?,
        position: event.position.unwrap_or(-1),
        occurred_at: u32::try_from(event.occurred_at / 1_000).unwrap_or(0),
    })
}

impl BatchSink for SearchesSink {
    type Error = clickhouse::error::Error;
    type Prepared = ();

    fn name(&self) -> &'static str {
        "searches"
    }

    fn prepare(_: &[OwnedMessage]) {}

    async fn write(
        &mut self,
        batch: &[OwnedMessage],
        _: &(),
    ) -> Result<Vec<DeadLetter>, Self::Error> {
        let mut rows = Vec::with_capacity(batch.len());
        let mut poison = Vec::new();
        for (at, message) in batch.iter().enumerate() {
            let decoded = match message.payload() {
                None => Err("a search event without a value".to_string()),
                Some(bytes) => decode::<SearchEvent>(bytes)
                    .map_err(|e| format!("not a SearchEvent: {e}"))
                    .and_then(row),
            };
            match decoded {
                Ok(row) => rows.push(row),
                Err(reason) => poison.push(DeadLetter {
                    at,
                    reason,
                    topic: self.dlq.clone(),
                }),
            }
        }
        insert_all(&self.clickhouse, "search_events", &rows).await?;
        Ok(poison)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::SearchEventKind;

    #[test]
    fn a_search_and_a_click_become_rows_with_explicit_blanks() {
        let search = SearchEvent {
            event_id: Uuid::from_u128(1),
            search_id: Uuid::from_u128(2),
            kind: SearchEventKind::Search,
            user_id: None,
            query: "acdc".into(),
            result_type: None,
            results: 3,
            clicked_id: None,
            position: None,
            occurred_at: 1_700_000_000_999,
        };
        let row = row(search.clone()).expect("a row");
        assert_eq!(
            (row.user_id, row.position, row.occurred_at),
            (Uuid::nil(), -1, 1_700_000_000)
        );
        let bad = SearchEvent {
            clicked_id: Some("nope".into()),
            ..search
        };
        assert!(row_err(bad).contains("clicked_id"));
    }

    fn row_err(event: SearchEvent) -> String {
        row(event).err().unwrap_or_default()
    }
}
