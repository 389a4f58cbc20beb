//! The rules both readers apply, each in one place. The fast reader only
//! asks whether a value passes; the explaining reader also says why not.

use super::*;

pub(super) fn id(id: Uuid) -> Result<Uuid, &'static str> {
    if id.is_nil() {
        Err("must not be the nil UUID")
    } else {
        Ok(id)
    }
}

pub(super) fn int(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is outside {min}..={max}"))
    }
}

/// A position within a track of `duration` ms; shared with Subsonic's reports.
pub(super) fn position(pos: i64, duration: i64) -> Result<(), String> {
    encore_core::playback::check_position(pos, duration)
}

/// RFC 3339 text as epoch milliseconds.
pub(super) fn rfc3339_ms(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// A client's clock in a plausible range around the gateway's.
pub(super) fn moment(ms: i64, now: i64) -> Result<i64, &'static str> {
    if ms < EARLIEST_MS {
        Err("is before 2000-01-01; was it sent in seconds instead of milliseconds?")
    } else if ms > now + MAX_CLOCK_SKEW_MS {
        Err("is more than a day in the future")
    } else {
        Ok(ms)
    }
}

pub(super) fn text(s: &str) -> bool {
    !s.trim().is_empty() && s.len() <= MAX_TEXT && encore_common::text::check(s).is_ok()
}

pub(super) fn kind(text: &str) -> Option<PlaybackKind> {
    PlaybackKind::ALL.into_iter().find(|k| k.as_str() == text)
}

pub(super) fn platform(text: &str) -> bool {
    PLATFORMS.contains(&text)
}

pub(super) const CONTEXTS: [(&str, ContextKind); 8] = [
    ("album", ContextKind::Album),
    ("artist", ContextKind::Artist),
    ("playlist", ContextKind::Playlist),
    ("search", ContextKind::Search),
    ("recommendation", ContextKind::Recommendation),
    ("library", ContextKind::Library),
    ("radio", ContextKind::Radio),
    ("other", ContextKind::Other),
];

pub(super) fn context(text: &str) -> Option<ContextKind> {
    CONTEXTS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, k)| *k)
}
