//! Topic names. Every service asks here instead of spelling names itself, so a
//! prefix (`ENCORE_TOPIC_PREFIX`) can isolate a test run on a shared broker.

/// The playback events the gateway accepts.
pub const PLAYBACK_EVENTS: &str = "playback-events";
/// The suffix of every dead-letter topic: `<topic>.dlq`.
pub const DLQ_SUFFIX: &str = ".dlq";
/// Searches and the results opened from them (`encore_schemas::SearchEvent`).
pub const SEARCH_EVENTS: &str = "search-events";
/// Catalog changes, one topic per entity type, keyed by entity id, published
/// by the gateway's outbox relay.
pub const CATALOG_ARTISTS: &str = "catalog.artists";
pub const CATALOG_ALBUMS: &str = "catalog.albums";
pub const CATALOG_TRACKS: &str = "catalog.tracks";
pub const CATALOG_PLAYLISTS: &str = "catalog.playlists";
/// Where catalog consumers send changes they cannot apply, with the reason.
pub const CATALOG_DLQ: &str = "catalog.dlq";
pub const CATALOG_TOPICS: [&str; 4] = [
    CATALOG_ARTISTS,
    CATALOG_ALBUMS,
    CATALOG_TRACKS,
    CATALOG_PLAYLISTS,
];

/// Seven days, in milliseconds.
const WEEK_MS: &str = "604800000";
/// Thirty days, in milliseconds.
const MONTH_MS: &str = "2592000000";

/// The topic settings Encore owns, by role; every topic is created with them
/// and an existing one is corrected to them ([`crate::kafka::ensure_topics`]).
/// docs/operations.md ("What the topics keep") explains each choice.
///
/// - Catalogue topics are compacted: the key is the entity id, so the log
///   keeps the latest change of every entity for as long as the entity
///   lives, and a replay rebuilds the whole catalogue however old it is.
///   A delete's tombstone stays a week after compaction reaches it, so a
///   consumer down for less than that still sees the delete.
/// - Event topics keep a week: ClickHouse `plays` and `search_events` are
///   the systems of record, and everything the etl derives is rebuilt from
///   them, not from the topics.
/// - Dead-letter topics keep a month, for someone to look at.
pub fn settings_of(name: &str) -> &'static [(&'static str, &'static str)] {
    if name.ends_with(DLQ_SUFFIX) {
        &[("cleanup.policy", "delete"), ("retention.ms", MONTH_MS)]
    } else if CATALOG_TOPICS.iter().any(|t| name.ends_with(t)) {
        &[
            ("cleanup.policy", "compact"),
            ("delete.retention.ms", WEEK_MS),
        ]
    } else {
        &[("cleanup.policy", "delete"), ("retention.ms", WEEK_MS)]
    }
}

/// The logical catalog topic of an entity type.
pub fn catalog_topic(entity: encore_schemas::EntityType) -> &'static str {
    use encore_schemas::EntityType::*;
    match entity {
        Artist => CATALOG_ARTISTS,
        Album => CATALOG_ALBUMS,
        Track => CATALOG_TRACKS,
        Playlist => CATALOG_PLAYLISTS,
    }
}

#[derive(Debug, Clone, Default)]
pub struct Topics {
    prefix: String,
}

impl Topics {
    pub fn new(prefix: &str) -> Self {
        Topics {
            prefix: prefix.to_string(),
        }
    }

    /// The broker-side name of a logical topic such as `playback-events`.
    pub fn name(&self, logical: &str) -> String {
        format!("{}{logical}", self.prefix)
    }

    pub fn playback_events(&self) -> String {
        self.name(PLAYBACK_EVENTS)
    }

    pub fn search_events(&self) -> String {
        self.name(SEARCH_EVENTS)
    }

    /// The dead-letter topic of a broker-side topic name.
    pub fn dlq_of(topic: &str) -> String {
        format!("{topic}{DLQ_SUFFIX}")
    }

    /// The logical name of a broker-side name, if it carries this prefix.
    pub fn logical<'a>(&self, topic: &'a str) -> Option<&'a str> {
        topic.strip_prefix(self.prefix.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_round_trips() {
        let topics = Topics::new("t-1.");
        assert_eq!(topics.playback_events(), "t-1.playback-events");
        assert_eq!(
            Topics::dlq_of(&topics.playback_events()),
            "t-1.playback-events.dlq"
        );
        assert_eq!(
            topics.logical("t-1.playback-events"),
            Some("playback-events")
        );
        assert_eq!(topics.logical("other"), None);
    }

    #[test]
    fn each_role_keeps_what_it_needs() {
        let topics = Topics::new("t-1.");
        let policy = |name: &str| {
            settings_of(name)
                .iter()
                .find(|(key, _)| *key == "cleanup.policy")
                .map(|(_, value)| *value)
        };
        for catalog in CATALOG_TOPICS {
            assert_eq!(policy(&topics.name(catalog)), Some("compact"), "{catalog}");
        }
        assert_eq!(policy(&topics.playback_events()), Some("delete"));
        assert_eq!(policy(&topics.search_events()), Some("delete"));
        assert_eq!(
            settings_of(&Topics::dlq_of(&topics.name(CATALOG_TRACKS))),
            &[("cleanup.policy", "delete"), ("retention.ms", MONTH_MS)],
            "a catalogue topic's dead letters are not compacted"
        );
    }
}
