//! Times as the API writes them and as the warehouse and events carry them.

use time::format_description::well_known::Rfc3339;

/// The time of epoch milliseconds, as the warehouse and events carry them;
/// none past the year 9999.
pub fn from_millis(ms: u64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// RFC 3339 text of a timestamp, the form every API time takes.
pub fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
