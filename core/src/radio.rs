//! Internet radio stations: addresses of streams elsewhere, listed by admins
//! for every listener. Encore keeps the addresses and never proxies the
//! streams: a player fetches them itself, so a station costs the server
//! nothing while it plays.
//!
//! The rule for a station ([`problems`]) is written here once, in terms of
//! its fields, so the native API and Subsonic refuse the same stations,
//! each naming the field its own way.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::DbError;

/// The longest address kept (the table's check).
pub const URL_MAX: usize = 2000;
/// The longest name kept (the table's check).
pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub id: Uuid,
    pub name: String,
    pub stream_url: String,
    pub homepage_url: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A station as an admin gives it.
#[derive(Debug, Clone, Copy)]
pub struct NewStation<'a> {
    pub name: &'a str,
    pub stream_url: &'a str,
    pub homepage_url: Option<&'a str>,
}

/// The field of a station a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    StreamUrl,
    HomepageUrl,
}

/// What is wrong with `station`, field by field; empty when it may be kept.
/// Addresses are absolute `http` or `https` URLs: the only ones a player
/// can fetch, and never a `file:` or `javascript:` a client would follow.
pub fn problems(station: &NewStation<'_>) -> Vec<(Field, String)> {
    let mut found = Vec::new();
    if let Err(why) = encore_common::text::field(station.name, 1, NAME_MAX) {
        found.push((Field::Name, why));
    }
    if let Err(why) = web_address(station.stream_url) {
        found.push((Field::StreamUrl, why));
    }
    if let Some(Err(why)) = station.homepage_url.map(web_address) {
        found.push((Field::HomepageUrl, why));
    }
    found
}

fn web_address(text: &str) -> Result<(), String> {
    if text.chars().count() > URL_MAX {
        return Err(format!("must be at most {URL_MAX} characters"));
    }
    let parsed =
        url::Url::parse(text).map_err(|e| format!("must be an http or https URL ({e})"))?;
    match (parsed.scheme(), parsed.host_str()) {
        ("http" | "https", Some(host)) if !host.is_empty() => Ok(()),
        _ => Err("must be an http or https URL with a host".into()),
    }
}

/// Every station, by name.
pub async fn list(db: &PgPool) -> Result<Vec<Station>, DbError> {
    Ok(sqlx::query_as!(
        Station,
        "SELECT id, name, stream_url, homepage_url, created_at FROM radio_stations \
         ORDER BY lower(name), id"
    )
    .fetch_all(db)
    .await?)
}

/// Keeps a station the caller checked with [`problems`].
pub async fn create(db: &PgPool, station: &NewStation<'_>) -> Result<Station, DbError> {
    Ok(sqlx::query_as!(
        Station,
        "INSERT INTO radio_stations (id, name, stream_url, homepage_url) VALUES ($1, $2, $3, $4) \
         RETURNING id, name, stream_url, homepage_url, created_at",
        Uuid::now_v7(),
        station.name.trim(),
        station.stream_url,
        station.homepage_url
    )
    .fetch_one(db)
    .await?)
}

/// Replaces station `id` with `station` (checked); `None` if there is none.
pub async fn update(
    db: &PgPool,
    id: Uuid,
    station: &NewStation<'_>,
) -> Result<Option<Station>, DbError> {
    Ok(sqlx::query_as!(
        Station,
        "UPDATE radio_stations SET name = $2, stream_url = $3, homepage_url = $4, \
         updated_at = now() WHERE id = $1 \
         RETURNING id, name, stream_url, homepage_url, created_at",
        id,
        station.name.trim(),
        station.stream_url,
        station.homepage_url
    )
    .fetch_optional(db)
    .await?)
}

/// Removes station `id`; removing an absent one changes nothing.
pub async fn delete(db: &PgPool, id: Uuid) -> Result<(), DbError> {
    sqlx::query!("DELETE FROM radio_stations WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station<'a>(name: &'a str, stream: &'a str, home: Option<&'a str>) -> Vec<Field> {
        problems(&NewStation {
            name,
            stream_url: stream,
            homepage_url: home,
        })
        .into_iter()
        .map(|(field, _)| field)
        .collect()
    }

    #[test]
    fn a_station_is_a_name_and_web_addresses() {
        assert!(station(
            "Radio Paradise",
            "https://stream.radioparadise.com/mp3-192",
            None
        )
        .is_empty());
        assert!(station(
            "FIP",
            "http://icecast.radiofrance.fr/fip-midfi.mp3",
            Some("https://www.radiofrance.fr/fip")
        )
        .is_empty());
        assert_eq!(station("", "https://a.example/s", None), [Field::Name]);
        assert_eq!(
            station("Bad", "javascript:alert(1)", None),
            [Field::StreamUrl]
        );
        assert_eq!(
            station("Bad", "file:///etc/passwd", None),
            [Field::StreamUrl]
        );
        assert_eq!(
            station("Bad", "stream.example/live", None),
            [Field::StreamUrl]
        );
        assert_eq!(
            station("Bad", "https://a.example/s", Some("ftp://a.example")),
            [Field::HomepageUrl]
        );
        let long = format!("https://a.example/{}", "x".repeat(URL_MAX));
        assert_eq!(station("Long", &long, None), [Field::StreamUrl]);
        assert_eq!(
            station("Two\nlines", "nope", None),
            [Field::Name, Field::StreamUrl]
        );
    }
}
