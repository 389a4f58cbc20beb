//! Lyrics: one text per track, as its artist or an admin gave it, either
//! plain or LRC (a time per line, so a player can follow along). The native
//! `/v1/tracks/{id}/lyrics` and Subsonic's `getLyricsBySongId` (OpenSubsonic
//! `songLyrics`) and `getLyrics` read this one table.
//!
//! The text is kept as given and read into lines here ([`parse`]), so what
//! an artist uploads is what they get back, and the reading rule is written
//! once for both APIs.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DbError;

/// The longest text kept (the table's check), about a hundred verses.
pub const TEXT_MAX: usize = 100_000;
/// OpenSubsonic's language for lyrics whose language nobody gave.
pub const UNKNOWN_LANGUAGE: &str = "xxx";

/// One line; `start_ms` for synced lyrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub start_ms: Option<i64>,
    pub text: String,
}

/// Lyrics read into lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Every line has a time (LRC), in time order.
    pub synced: bool,
    pub lines: Vec<Line>,
}

/// A track's lyrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lyrics {
    pub track_id: Uuid,
    /// ISO 639, or [`UNKNOWN_LANGUAGE`].
    pub lang: String,
    pub text: String,
    pub parsed: Parsed,
    pub updated_at: OffsetDateTime,
}

/// `[mm:ss]`, `[mm:ss.x]`, `[mm:ss.xx]` or `[mm:ss.xxx]` in milliseconds.
fn timestamp(tag: &str) -> Option<i64> {
    let (minutes, seconds) = tag.split_once(':')?;
    let minutes: i64 = minutes.trim().parse().ok()?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let whole: i64 = whole.trim().parse().ok()?;
    if !(0..60).contains(&whole) || minutes < 0 || fraction.len() > 3 {
        return None;
    }
    let fraction_ms = if fraction.is_empty() {
        0
    } else {
        let digits: i64 = fraction.parse().ok()?;
        digits * 10_i64.pow(3 - fraction.len() as u32)
    };
    Some((minutes * 60 + whole) * 1000 + fraction_ms)
}

/// Reads `text` into lines: LRC when any line starts with a time tag (each
/// line may carry several, for a repeated chorus; `[offset:±ms]` shifts
/// them all; other tags such as `[ar:...]` and lines without a time are
/// left out), plain text otherwise (blank lines kept as verse breaks, and
/// the surrounding ones trimmed). Empty text is an error.
pub fn parse(text: &str) -> Result<Parsed, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let mut offset = 0i64;
    let mut timed: Vec<Line> = Vec::new();
    for raw in text.lines() {
        let mut rest = raw.trim();
        let mut starts = Vec::new();
        while let Some(tag) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            let (inside, after) = tag;
            if let Some(ms) = timestamp(inside) {
                starts.push(ms);
            } else if let Some(value) = inside.strip_prefix("offset:") {
                // LRC's offset makes lines come sooner when positive.
                offset = value.trim().parse().unwrap_or(0);
            }
            rest = after;
        }
        for start in starts {
            timed.push(Line {
                start_ms: Some(start),
                text: rest.trim().to_string(),
            });
        }
    }
    if !timed.is_empty() {
        for line in &mut timed {
            line.start_ms = line.start_ms.map(|s| (s - offset).max(0));
        }
        timed.sort_by_key(|l| l.start_ms);
        return Ok(Parsed {
            synced: true,
            lines: timed,
        });
    }
    let lines: Vec<&str> = text.trim().lines().map(str::trim_end).collect();
    Ok(Parsed {
        synced: false,
        lines: lines
            .into_iter()
            .map(|l| Line {
                start_ms: None,
                text: l.to_string(),
            })
            .collect(),
    })
}

/// What is wrong with a language tag, if anything: 2 or 3 lowercase
/// letters (ISO 639), or [`UNKNOWN_LANGUAGE`].
pub fn check_language(lang: &str) -> Result<(), String> {
    let ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_lowercase());
    ok.then_some(())
        .ok_or_else(|| "must be an ISO 639 code of 2 or 3 lowercase letters, or xxx".into())
}

struct Row {
    track_id: Uuid,
    lang: String,
    text: String,
    updated_at: OffsetDateTime,
}

impl Row {
    fn read(self) -> Lyrics {
        // Stored text was parsed before it was kept; a rule that changed
        // since reads it as plain lines rather than failing the request.
        let parsed = parse(&self.text).unwrap_or_else(|_| Parsed {
            synced: false,
            lines: Vec::new(),
        });
        Lyrics {
            track_id: self.track_id,
            lang: self.lang,
            text: self.text,
            parsed,
            updated_at: self.updated_at,
        }
    }
}

/// Sets `track`'s lyrics (the caller authorised the edit and checked the
/// text with [`parse`] and the language with [`check_language`]).
pub async fn save(
    conn: &mut PgConnection,
    track: Uuid,
    lang: &str,
    text: &str,
) -> Result<Lyrics, DbError> {
    let row = sqlx::query_as!(
        Row,
        "INSERT INTO track_lyrics (track_id, lang, text) VALUES ($1, $2, $3) \
         ON CONFLICT (track_id) DO UPDATE SET lang = EXCLUDED.lang, text = EXCLUDED.text, \
         updated_at = now() RETURNING track_id, lang, text, updated_at",
        track,
        lang,
        text
    )
    .fetch_one(conn)
    .await?;
    Ok(row.read())
}

/// `track`'s lyrics, if it has any.
pub async fn of_track(db: &PgPool, track: Uuid) -> Result<Option<Lyrics>, DbError> {
    let row = sqlx::query_as!(
        Row,
        "SELECT track_id, lang, text, updated_at FROM track_lyrics WHERE track_id = $1",
        track
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Row::read))
}

/// The lyrics of a track named `title` by an artist named `artist` (case
/// and accents aside, as the importers match names), the most recently
/// changed first: what Subsonic's `getLyrics` looks up.
pub async fn by_names(db: &PgPool, artist: &str, title: &str) -> Result<Option<Lyrics>, DbError> {
    let row = sqlx::query_as!(
        Row,
        "SELECT l.track_id, l.lang, l.text, l.updated_at FROM track_lyrics l \
         JOIN tracks t ON t.id = l.track_id JOIN artists ar ON ar.id = t.artist_id \
         WHERE ar.name_key = $1 AND t.title_key = $2 \
         ORDER BY l.updated_at DESC LIMIT 1",
        crate::keys::key(artist),
        crate::keys::key(title)
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Row::read))
}

/// Removes `track`'s lyrics; removing none changes nothing.
pub async fn delete(conn: &mut PgConnection, track: Uuid) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM track_lyrics WHERE track_id = $1", track)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(start_ms: Option<i64>, text: &str) -> Line {
        Line {
            start_ms,
            text: text.into(),
        }
    }

    #[test]
    fn lrc_lines_are_timed_sorted_and_shifted() {
        let lrc = "[ar:Someone]\n[offset:+500]\n[00:12.50]First line\n\
                   [00:05][01:02.3]Chorus\nno time here\n[00:20.123] Last ";
        let parsed = parse(lrc).expect("LRC");
        assert!(parsed.synced);
        assert_eq!(
            parsed.lines,
            [
                line(Some(4_500), "Chorus"),
                line(Some(12_000), "First line"),
                line(Some(19_623), "Last"),
                line(Some(61_800), "Chorus"),
            ]
        );
    }

    #[test]
    fn plain_text_keeps_its_verse_breaks() {
        let parsed = parse("\n  One\nTwo  \n\nThree\n\n").expect("plain");
        assert!(!parsed.synced);
        let texts: Vec<&str> = parsed.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["One", "Two", "", "Three"]);
        assert!(parse(" \n\t").is_err());
        // A bracket that is no time does not make text synced.
        assert!(!parse("[Chorus]\nla la").expect("plain").synced);
    }

    #[test]
    fn times_and_languages_are_checked() {
        assert_eq!(timestamp("01:02.345"), Some(62_345));
        assert_eq!(timestamp("00:61"), None);
        assert_eq!(timestamp("ar:Someone"), None);
        assert!(check_language("en").is_ok());
        assert!(check_language("xxx").is_ok());
        assert!(check_language("EN").is_err());
        assert!(check_language("english").is_err());
    }
}
