//! The search event: a search through the gateway, or a result a client
//! opened from one. Analysts join clicks to their search on `search_id`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::{AvroMessage, LazySet, SchemaSet};

static SEARCH_EVENT: LazySet = LazySet::new(|| {
    SchemaSet::new(
        "SearchEvent",
        include_str!("../avro/search_event.avsc"),
        &[("v1", include_str!("../history/search_event/v1.avsc"))],
    )
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchEvent {
    pub event_id: Uuid,
    pub search_id: Uuid,
    pub kind: SearchEventKind,
    /// The signed-in searcher; `None` for anonymous searches.
    pub user_id: Option<String>,
    /// As searched; empty on a click.
    pub query: String,
    /// A search's type filter, or the clicked result's type.
    pub result_type: Option<String>,
    /// How many results the search found; 0 on a click.
    pub results: i64,
    pub clicked_id: Option<String>,
    /// The clicked result's rank, 0 first.
    pub position: Option<i32>,
    /// Epoch milliseconds, gateway clock.
    pub occurred_at: i64,
}

impl AvroMessage for SearchEvent {
    fn schema_set() -> &'static SchemaSet {
        &SEARCH_EVENT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchEventKind {
    Search,
    Click,
}

impl SearchEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SearchEventKind::Search => "search",
            SearchEventKind::Click => "click",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode, encode, history_files};

    fn click() -> SearchEvent {
        SearchEvent {
            event_id: Uuid::from_u128(1),
            search_id: Uuid::from_u128(2),
            kind: SearchEventKind::Click,
            user_id: Some(Uuid::from_u128(3).to_string()),
            query: String::new(),
            result_type: Some("track".into()),
            results: 0,
            clicked_id: Some(Uuid::from_u128(4).to_string()),
            position: Some(2),
            occurred_at: 1_700_000_000_123,
        }
    }

    #[test]
    fn searches_and_clicks_round_trip() {
        let search = SearchEvent {
            kind: SearchEventKind::Search,
            user_id: None,
            query: "кино группа крови".into(),
            result_type: None,
            results: 7,
            clicked_id: None,
            position: None,
            ..click()
        };
        for event in [click(), search] {
            let bytes = encode(&event).unwrap();
            assert_eq!(&bytes[..2], &[0xC3, 0x01]);
            assert_eq!(decode::<SearchEvent>(&bytes).unwrap(), event);
        }
    }

    #[test]
    fn history_is_complete_and_backward_compatible() {
        let set = SearchEvent::schema_set();
        let labels: Vec<String> = set
            .versions()
            .iter()
            .map(|(l, _)| format!("{l}.avsc"))
            .collect();
        assert_eq!(labels, history_files("search_event"));
        let (_, latest) = set.versions().last().unwrap();
        assert_eq!(latest.canonical_form(), set.current().canonical_form());
        set.check_backward_compatible().unwrap();
    }
}
