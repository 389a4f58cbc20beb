//! A playback event as a row of the `plays` table.

use clickhouse::Row;
use encore_schemas::PlaybackEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Field order and types follow `migrations/0001_plays.sql` (RowBinary).
#[derive(Debug, Clone, PartialEq, Row, Serialize, Deserialize)]
pub struct PlayRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub user_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub track_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub session_id: Uuid,
    /// The `Enum8` value: start = 1 ... complete = 6.
    pub kind: i8,
    pub position_ms: u32,
    pub track_duration_ms: u32,
    pub occurred_at: u32,
    pub occurred_at_ms: u64,
    pub received_at: u32,
    pub received_at_ms: u64,
    pub client_app: String,
    pub client_version: String,
    pub device_id: String,
    pub device_platform: String,
    pub context_kind: String,
    pub context_id: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
}

/// Why a decoded event still cannot become a row; it goes to the DLQ.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{field} = {value} is out of range for the plays table")]
pub struct OutOfRange {
    pub field: &'static str,
    pub value: i64,
}

impl PlayRow {
    pub fn from_event(
        event: &PlaybackEvent,
        partition: i32,
        offset: i64,
    ) -> Result<Self, OutOfRange> {
        let u32_of = |field: &'static str, value: i64| {
            u32::try_from(value).map_err(|_| OutOfRange { field, value })
        };
        let ms_of = |field: &'static str, value: i64| {
            u64::try_from(value).map_err(|_| OutOfRange { field, value })
        };
        let occurred_at_ms = ms_of("occurred_at", event.occurred_at)?;
        let received_at_ms = ms_of("received_at", event.received_at)?;
        Ok(PlayRow {
            event_id: event.event_id,
            user_id: event.user_id,
            track_id: event.track_id,
            session_id: event.session_id,
            kind: kind_code(event.kind),
            position_ms: u32_of("position_ms", event.position_ms)?,
            track_duration_ms: u32_of("track_duration_ms", event.track_duration_ms)?,
            occurred_at: u32_of("occurred_at", event.occurred_at / 1000)?,
            occurred_at_ms,
            received_at: u32_of("received_at", event.received_at / 1000)?,
            received_at_ms,
            client_app: event.client.app.clone(),
            client_version: event.client.version.clone().unwrap_or_default(),
            device_id: event.device.id.clone().unwrap_or_default(),
            device_platform: event.device.platform.clone(),
            context_kind: event.context.kind.as_str().to_string(),
            context_id: event.context.id.clone().unwrap_or_default(),
            kafka_partition: partition,
            kafka_offset: offset,
        })
    }
}

fn kind_code(kind: encore_schemas::PlaybackKind) -> i8 {
    use encore_schemas::PlaybackKind::*;
    match kind {
        Start => 1,
        Progress => 2,
        Pause => 3,
        Resume => 4,
        Skip => 5,
        Complete => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_schemas::{Client, ContextKind, Device, PlaybackContext, PlaybackKind};

    fn event() -> PlaybackEvent {
        PlaybackEvent {
            event_id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            track_id: Uuid::from_u128(3),
            session_id: Uuid::from_u128(4),
            kind: PlaybackKind::Complete,
            position_ms: 200_000,
            track_duration_ms: 200_000,
            occurred_at: 1_700_000_000_999,
            received_at: 1_700_000_001_000,
            client: Client {
                app: "a".into(),
                version: None,
            },
            device: Device {
                id: Some("d".into()),
                platform: "web".into(),
            },
            context: PlaybackContext {
                kind: ContextKind::Search,
                id: None,
            },
        }
    }

    #[test]
    fn maps_times_enums_and_optionals() {
        let row = PlayRow::from_event(&event(), 2, 41).unwrap();
        assert_eq!(row.kind, 6);
        assert_eq!(row.occurred_at, 1_700_000_000);
        assert_eq!(row.occurred_at_ms, 1_700_000_000_999);
        assert_eq!(row.client_version, "");
        assert_eq!(row.device_id, "d");
        assert_eq!(row.context_kind, "search");
        assert_eq!((row.kafka_partition, row.kafka_offset), (2, 41));
    }

    #[test]
    fn refuses_values_the_table_cannot_hold() {
        let negative = PlaybackEvent {
            position_ms: -1,
            ..event()
        };
        assert_eq!(
            PlayRow::from_event(&negative, 0, 0).unwrap_err(),
            OutOfRange {
                field: "position_ms",
                value: -1
            }
        );
    }
}
