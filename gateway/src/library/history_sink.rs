//! The listening history as a view of `playback-events`: a consumer in the
//! gateway writes every `start` into `listening_history`, in batches.
//!
//! The playback endpoints used to write the history themselves, one
//! PostgreSQL transaction per request after the broker's acknowledgement.
//! That made the database's commit latency part of every playback request
//! (a quarter of the gateway's CPU at load went to it) and left plays from
//! other producers (`ingest`, the simulator) out of the history. Read from
//! the topic, the history is written a few thousand rows per statement, holds
//! every play of every known listener whoever produced it, and can be rebuilt
//! by replaying the topic. The price is that a play shows up in the history
//! a batch later (well under a second) instead of when its request answers.

use encore_common::driver::BatchSink;
use encore_common::transaction::DeadLetter;
use encore_schemas::{decode, PlaybackEvent, PlaybackKind};
use rdkafka::message::{Message, OwnedMessage};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Writes the `start` events of each batch into `listening_history`.
pub struct HistorySink {
    pub db: PgPool,
}

/// The plays a batch starts, column by column, ready to bind.
#[derive(Debug, Default, PartialEq)]
pub struct Starts {
    event_ids: Vec<Uuid>,
    users: Vec<Uuid>,
    tracks: Vec<Uuid>,
    contexts: Vec<&'static str>,
    times: Vec<OffsetDateTime>,
    /// Records that are not playback events. The ETL, which reads the same
    /// topic, dead-letters them with the reason; a second copy of each from
    /// here would only be noise in the dead-letter topic.
    undecodable: usize,
}

impl BatchSink for HistorySink {
    type Error = sqlx::Error;
    type Prepared = Starts;

    fn name(&self) -> &'static str {
        "history"
    }

    fn prepare(batch: &[OwnedMessage]) -> Starts {
        let mut starts = Starts::default();
        for message in batch {
            match message.payload().map(decode::<PlaybackEvent>) {
                Some(Ok(event)) => starts.push(&event),
                _ => starts.undecodable += 1,
            }
        }
        starts
    }

    async fn write(
        &mut self,
        _batch: &[OwnedMessage],
        starts: &Starts,
    ) -> Result<Vec<DeadLetter>, sqlx::Error> {
        if starts.undecodable > 0 {
            tracing::debug!(
                records = starts.undecodable,
                "skipped records that are not playback events"
            );
        }
        if starts.event_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Keyed by event id, so a redelivered batch adds nothing. Only plays
        // of accounts that exist, and are not deleted, are kept: a deleted
        // account's history is gone, and an event still in the topic must not
        // bring any of it back.
        sqlx::query(
            "INSERT INTO listening_history (event_id, user_id, track_id, context, occurred_at) \
             SELECT e.event_id, e.user_id, e.track_id, e.context, e.occurred_at \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[]) \
                  AS e (event_id, user_id, track_id, context, occurred_at) \
             JOIN users u ON u.id = e.user_id AND u.deleted_at IS NULL \
             ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(&starts.event_ids)
        .bind(&starts.users)
        .bind(&starts.tracks)
        .bind(&starts.contexts)
        .bind(&starts.times)
        .execute(&self.db)
        .await?;
        Ok(Vec::new())
    }
}

impl Starts {
    fn push(&mut self, event: &PlaybackEvent) {
        if event.kind != PlaybackKind::Start {
            return;
        }
        self.event_ids.push(event.event_id);
        self.users.push(event.user_id);
        self.tracks.push(event.track_id);
        self.contexts.push(event.context.kind.as_str());
        self.times.push(
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(event.occurred_at) * 1_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::{encode, Client, ContextKind, Device, PlaybackContext};
    use rdkafka::message::Timestamp;

    fn message(payload: Vec<u8>) -> OwnedMessage {
        OwnedMessage::new(
            Some(payload),
            None,
            "playback-events".into(),
            Timestamp::NotAvailable,
            0,
            0,
            None,
        )
    }

    fn event(n: u128, kind: PlaybackKind) -> PlaybackEvent {
        PlaybackEvent {
            event_id: Uuid::from_u128(n),
            user_id: Uuid::from_u128(100),
            track_id: Uuid::from_u128(200 + n),
            session_id: Uuid::from_u128(300),
            kind,
            position_ms: 0,
            track_duration_ms: 1_000,
            occurred_at: 1_700_000_000_250,
            received_at: 1_700_000_000_300,
            client: Client {
                app: "a".into(),
                version: None,
            },
            device: Device {
                id: None,
                platform: "web".into(),
            },
            context: PlaybackContext {
                kind: ContextKind::Album,
                id: None,
            },
        }
    }

    #[test]
    fn keeps_only_the_starts_and_counts_what_is_not_an_event() {
        let batch = vec![
            message(encode(&event(1, PlaybackKind::Start)).unwrap()),
            message(encode(&event(2, PlaybackKind::Progress)).unwrap()),
            message(b"not avro".to_vec()),
            message(encode(&event(3, PlaybackKind::Start)).unwrap()),
        ];
        let starts = HistorySink::prepare(&batch);
        assert_eq!(starts.event_ids, [Uuid::from_u128(1), Uuid::from_u128(3)]);
        assert_eq!(starts.tracks, [Uuid::from_u128(201), Uuid::from_u128(203)]);
        assert_eq!(starts.contexts, ["album", "album"]);
        assert_eq!(
            starts.times[0].unix_timestamp_nanos(),
            1_700_000_000_250_000_000
        );
        assert_eq!(starts.undecodable, 1);
    }
}
