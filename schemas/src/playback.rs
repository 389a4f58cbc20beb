//! The playback event: one thing a listener's player did.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::{AvroMessage, LazySet, SchemaSet};

static PLAYBACK_EVENT: LazySet = LazySet::new(|| {
    SchemaSet::new(
        "PlaybackEvent",
        include_str!("../avro/playback_event.avsc"),
        &[("v1", include_str!("../history/playback_event/v1.avsc"))],
    )
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybackEvent {
    pub event_id: Uuid,
    pub user_id: Uuid,
    pub track_id: Uuid,
    pub session_id: Uuid,
    pub kind: PlaybackKind,
    pub position_ms: i64,
    pub track_duration_ms: i64,
    /// Epoch milliseconds, client clock.
    pub occurred_at: i64,
    /// Epoch milliseconds, gateway clock.
    pub received_at: i64,
    pub client: Client,
    pub device: Device,
    pub context: PlaybackContext,
}

impl AvroMessage for PlaybackEvent {
    fn schema_set() -> &'static SchemaSet {
        &PLAYBACK_EVENT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaybackKind {
    Start,
    Progress,
    Pause,
    Resume,
    Skip,
    Complete,
}

impl PlaybackKind {
    pub const ALL: [PlaybackKind; 6] = [
        PlaybackKind::Start,
        PlaybackKind::Progress,
        PlaybackKind::Pause,
        PlaybackKind::Resume,
        PlaybackKind::Skip,
        PlaybackKind::Complete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaybackKind::Start => "start",
            PlaybackKind::Progress => "progress",
            PlaybackKind::Pause => "pause",
            PlaybackKind::Resume => "resume",
            PlaybackKind::Skip => "skip",
            PlaybackKind::Complete => "complete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub app: String,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: Option<String>,
    pub platform: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybackContext {
    pub kind: ContextKind,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContextKind {
    Album,
    Artist,
    Playlist,
    Search,
    Recommendation,
    Library,
    Radio,
    Other,
}

impl ContextKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContextKind::Album => "album",
            ContextKind::Artist => "artist",
            ContextKind::Playlist => "playlist",
            ContextKind::Search => "search",
            ContextKind::Recommendation => "recommendation",
            ContextKind::Library => "library",
            ContextKind::Radio => "radio",
            ContextKind::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode, encode, history_files, CodecError};

    pub(crate) fn sample() -> PlaybackEvent {
        PlaybackEvent {
            event_id: Uuid::parse_str("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap(),
            user_id: Uuid::from_u128(1),
            track_id: Uuid::from_u128(2),
            session_id: Uuid::from_u128(3),
            kind: PlaybackKind::Skip,
            position_ms: 12_345,
            track_duration_ms: 240_000,
            occurred_at: 1_700_000_000_123,
            received_at: 1_700_000_000_456,
            client: Client {
                app: "encore-web".into(),
                version: Some("1.2.3".into()),
            },
            device: Device {
                id: None,
                platform: "web".into(),
            },
            context: PlaybackContext {
                kind: ContextKind::Playlist,
                id: Some("p-1".into()),
            },
        }
    }

    #[test]
    fn round_trips_with_single_object_header() {
        let event = sample();
        let bytes = encode(&event).unwrap();
        assert_eq!(&bytes[..2], &[0xC3, 0x01]);
        assert_eq!(decode::<PlaybackEvent>(&bytes).unwrap(), event);
    }

    /// The serde writer and reader are the fast paths; the `Value` tree is the
    /// reference apache-avro validates against the schema. Both must agree to
    /// the byte, with the optional fields present and absent.
    #[test]
    fn the_direct_serde_path_writes_and_reads_what_the_value_path_does() {
        use apache_avro::reader::datum::GenericDatumReader;
        use apache_avro::writer::datum::GenericDatumWriter;
        let schema = PlaybackEvent::schema_set().current();
        let bare = PlaybackEvent {
            client: Client {
                app: "a".into(),
                version: None,
            },
            context: PlaybackContext {
                kind: ContextKind::Other,
                id: None,
            },
            ..sample()
        };
        for event in [sample(), bare] {
            let value = apache_avro::to_value(&event)
                .unwrap()
                .resolve(schema)
                .unwrap();
            let mut reference = Vec::new();
            GenericDatumWriter::builder(schema)
                .build()
                .unwrap()
                .write_value_ref(&mut reference, &value)
                .unwrap();
            let bytes = encode(&event).unwrap();
            assert_eq!(bytes[10..], reference[..]);
            let read = GenericDatumReader::builder(schema)
                .build()
                .unwrap()
                .read_value(&mut &reference[..])
                .unwrap();
            assert_eq!(
                apache_avro::from_value::<PlaybackEvent>(&read).unwrap(),
                event
            );
            assert_eq!(decode::<PlaybackEvent>(&bytes).unwrap(), event);
        }
    }

    #[test]
    fn every_kind_round_trips() {
        for kind in PlaybackKind::ALL {
            let event = PlaybackEvent { kind, ..sample() };
            assert_eq!(
                decode::<PlaybackEvent>(&encode(&event).unwrap())
                    .unwrap()
                    .kind,
                kind
            );
        }
    }

    #[test]
    fn rejects_garbage_and_truncation() {
        assert!(matches!(
            decode::<PlaybackEvent>(b"{\"json\":1}"),
            Err(CodecError::BadMagic)
        ));
        assert!(matches!(
            decode::<PlaybackEvent>(b"\xC3\x01"),
            Err(CodecError::TooShort(2))
        ));
        let bytes = encode(&sample()).unwrap();
        for cut in 1..bytes.len() - 10 {
            let truncated = &bytes[..bytes.len() - cut];
            assert!(
                decode::<PlaybackEvent>(truncated).is_err(),
                "cut {cut} bytes"
            );
        }
        let mut unknown = bytes.clone();
        unknown[5] ^= 0xFF;
        assert!(matches!(
            decode::<PlaybackEvent>(&unknown),
            Err(CodecError::UnknownFingerprint(..))
        ));
        let mut trailing = bytes;
        trailing.push(0);
        assert!(matches!(
            decode::<PlaybackEvent>(&trailing),
            Err(CodecError::TrailingBytes(1))
        ));
    }

    #[test]
    fn history_is_complete_and_backward_compatible() {
        let set = PlaybackEvent::schema_set();
        let labels: Vec<String> = set
            .versions()
            .iter()
            .map(|(l, _)| format!("{l}.avsc"))
            .collect();
        assert_eq!(
            labels,
            history_files("playback_event"),
            "embed every history file"
        );
        let (_, latest) = set.versions().last().unwrap();
        assert_eq!(
            latest.canonical_form(),
            set.current().canonical_form(),
            "a changed schema must be recorded as a new history version"
        );
        set.check_backward_compatible().unwrap();
    }
}
