//! Catalogue records to changes: what the live pipeline and a rebuild both
//! read from the topics before writing anything.

use encore_schemas::CatalogChange;
use rdkafka::message::OwnedMessage;

use crate::writer::Tagged;

/// Splits a batch into decoded changes and records that cannot be changes
/// (with the reason), each tagged with its position. Tombstones carry no
/// version and follow a delete that already made the document a tombstone,
/// so they are skipped.
pub fn decode_batch(batch: &[OwnedMessage]) -> (Tagged<CatalogChange>, Tagged<String>) {
    let mut changes = Vec::new();
    let mut refused = Vec::new();
    for (at, message) in batch.iter().enumerate() {
        match encore_common::catalog::read_change(message) {
            Ok(Some(change)) => changes.push((at, change)),
            Ok(None) => {}
            Err(reason) => refused.push((at, reason)),
        }
    }
    (changes, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::{encode, ChangeOp, EntityType};
    use rdkafka::message::OwnedHeaders;
    use rdkafka::Timestamp;
    use uuid::Uuid;

    fn record(topic: &str, payload: Option<Vec<u8>>) -> OwnedMessage {
        OwnedMessage::new(
            payload,
            None,
            topic.into(),
            Timestamp::NotAvailable,
            0,
            7,
            Some(OwnedHeaders::new()),
        )
    }

    fn delete(entity_type: EntityType) -> Vec<u8> {
        encode(&CatalogChange {
            change_id: Uuid::from_u128(1),
            entity_type,
            entity_id: Uuid::from_u128(2),
            version: 3,
            op: ChangeOp::Delete,
            occurred_at: 0,
            artist: None,
            album: None,
            track: None,
            playlist: None,
        })
        .unwrap()
    }

    #[test]
    fn poison_wrong_topics_and_tombstones_are_told_apart() {
        let batch = vec![
            record("x.catalog.tracks", Some(delete(EntityType::Track))),
            record("x.catalog.tracks", Some(b"garbage".to_vec())),
            record("x.catalog.albums", Some(delete(EntityType::Track))),
            record("x.catalog.tracks", None),
        ];
        let (changes, refused) = decode_batch(&batch);
        assert_eq!(changes.iter().map(|(at, _)| *at).collect::<Vec<_>>(), [0]);
        assert_eq!(
            refused.iter().map(|(at, _)| *at).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(refused[0].1.contains("undecodable"));
    }
}
