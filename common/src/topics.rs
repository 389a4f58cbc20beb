//! Topic names. Every service asks here instead of spelling names itself, so a
//! prefix (`ENCORE_TOPIC_PREFIX`) can isolate a test run on a shared broker.

/// The playback events the gateway accepts.
pub const PLAYBACK_EVENTS: &str = "playback-events";
/// The suffix of every dead-letter topic: `<topic>.dlq`.
pub const DLQ_SUFFIX: &str = ".dlq";

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
}
