//! Names from the catalog dimensions, for readers that show what the
//! features and charts refer to (a recommendation's track, its seed, an
//! artist a listener likes).

use std::collections::HashMap;

use clickhouse::{Client, Row};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Row, Deserialize)]
struct TitleRow {
    id_text: String,
    title: String,
    artist_text: String,
}

#[derive(Row, Deserialize)]
struct NameRow {
    id_text: String,
    name: String,
}

/// Titles and artists of the live tracks among `ids`.
pub async fn tracks(
    db: &Client,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, (String, Option<Uuid>)>, clickhouse::error::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<TitleRow> = db
        .query(
            "SELECT toString(id) AS id_text, title, toString(artist_id) AS artist_text FROM dim_tracks FINAL \
             WHERE id IN (SELECT toUUID(arrayJoin(?))) AND deleted = 0",
        )
        .bind(texts)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let artist = r.artist_text.parse().ok().filter(|a: &Uuid| !a.is_nil());
            Some((r.id_text.parse().ok()?, (r.title, artist)))
        })
        .collect())
}

/// Names of the artists among `ids`.
pub async fn artists(
    db: &Client,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, clickhouse::error::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<NameRow> = db
        .query(
            "SELECT toString(id) AS id_text, name FROM dim_artists FINAL \
             WHERE id IN (SELECT toUUID(arrayJoin(?)))",
        )
        .bind(texts)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.id_text.parse().ok()?, r.name)))
        .collect())
}
