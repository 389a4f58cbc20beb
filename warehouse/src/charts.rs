//! The read queries of the charts and of a listener's own statistics, over
//! the aggregates the etl keeps (`track_daily`, `plays_by_user`) and the
//! catalog dimensions. The gateway serves them; keeping the SQL here puts it
//! beside the migrations that define the tables it reads.
//!
//! ClickHouse 18.16 has no server-side query parameters. Every value these
//! queries take is typed (a number of days, a limit, a UUID) and bound
//! through the client's escaping binder.

use clickhouse::error::Error;
use clickhouse::{Client, Row};
use serde::Deserialize;
use uuid::Uuid;

/// A track of a chart, named from the catalog dimensions when they know it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartTrack {
    pub track_id: Uuid,
    pub title: Option<String>,
    pub artist_id: Option<Uuid>,
    pub artist_name: Option<String>,
    pub plays: u64,
    pub listened_ms: u64,
    /// Trending only: plays in the previous window of the same length.
    pub previous_plays: u64,
}

/// An artist of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartArtist {
    pub artist_id: Uuid,
    pub name: Option<String>,
    pub plays: u64,
    pub listened_ms: u64,
}

/// One line of a listener's top lists: a track, an artist or a genre.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    /// The track's or artist's id; none for a genre.
    pub id: Option<Uuid>,
    pub name: String,
    pub plays: u64,
}

/// What a listener played since a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerStats {
    pub listened_ms: u64,
    pub plays: u64,
    pub top_tracks: Vec<Counted>,
    pub top_artists: Vec<Counted>,
    pub genres: Vec<Counted>,
}

/// The most played tracks of the last `days` days.
pub async fn top_tracks(db: &Client, days: u32, limit: u64) -> Result<Vec<ChartTrack>, Error> {
    let ranked = "SELECT track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms, toUInt64(0) AS previous \
                  FROM track_daily WHERE day > today() - ? GROUP BY track_id \
                  ORDER BY plays DESC, track_id LIMIT ?";
    let rows: Vec<TrackRow> = db
        .query(&format!(
            "{} ORDER BY plays DESC, track_text",
            named_tracks(ranked)
        ))
        .bind(days)
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows.into_iter().filter_map(TrackRow::into_track).collect())
}

/// The tracks whose plays grew most against the previous window of the same
/// length (at least 3 plays now).
pub async fn trending(db: &Client, days: u32, limit: u64) -> Result<Vec<ChartTrack>, Error> {
    let ranked = "SELECT track_id, now_plays AS plays, now_ms AS listened_ms, previous FROM ( \
                    SELECT track_id, sumIf(plays, day > today() - ?) AS now_plays, \
                           sumIf(listened_ms, day > today() - ?) AS now_ms, \
                           sumIf(plays, day <= today() - ?) AS previous \
                    FROM track_daily WHERE day > today() - ? GROUP BY track_id \
                  ) WHERE plays >= 3 \
                  ORDER BY (plays + 1) / (previous + 1) DESC, plays DESC, track_id LIMIT ?";
    let rows: Vec<TrackRow> = db
        .query(&format!(
            "{} ORDER BY (plays + 1) / (previous + 1) DESC, plays DESC, track_text",
            named_tracks(ranked)
        ))
        .bind(days)
        .bind(days)
        .bind(days)
        .bind(days * 2)
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows.into_iter().filter_map(TrackRow::into_track).collect())
}

/// The most played artists of the last `days` days.
pub async fn top_artists(db: &Client, days: u32, limit: u64) -> Result<Vec<ChartArtist>, Error> {
    let rows: Vec<ArtistRow> = db
        .query(
            "SELECT toString(artist_id) AS artist_text, plays, listened_ms, name FROM ( \
               SELECT artist_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms FROM ( \
                 SELECT track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms \
                 FROM track_daily WHERE day > today() - ? GROUP BY track_id \
               ) AS totals ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL WHERE deleted = 0) AS tracks USING track_id \
               GROUP BY artist_id ORDER BY plays DESC, artist_id LIMIT ? \
             ) AS ranked ANY LEFT JOIN (SELECT id AS artist_id, name FROM dim_artists FINAL) AS artists USING artist_id \
             ORDER BY plays DESC, artist_text",
        )
        .bind(days)
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ChartArtist {
                artist_id: r.artist_text.parse().ok()?,
                name: nonempty(r.name),
                plays: r.plays,
                listened_ms: r.listened_ms,
            })
        })
        .collect())
}

/// A listener's listening since `since` (Unix seconds): time, plays, and the
/// top five tracks, artists and genres.
pub async fn listener_stats(db: &Client, user: Uuid, since: u32) -> Result<ListenerStats, Error> {
    let mine = "SELECT track_id, kind, position_ms FROM plays_by_user FINAL \
                WHERE user_id = toUUID(?) AND occurred_at >= toDateTime(?)";
    let totals: TotalsRow = db
        .query(&format!(
            "SELECT sumIf(position_ms, kind IN ('skip', 'complete')) AS listened_ms, countIf(kind = 'start') AS plays FROM ({mine})"
        ))
        .bind(user.to_string())
        .bind(since)
        .fetch_one()
        .await?;
    let per_track = format!(
        "SELECT track_id, countIf(kind = 'start') AS plays FROM ({mine}) GROUP BY track_id HAVING plays > 0"
    );
    let top = |select: &str, group: &str| {
        format!(
            "SELECT {select}, sum(plays) AS plays FROM ({per_track}) AS mine \
             ALL INNER JOIN (SELECT id AS track_id, title, artist_id, genre FROM dim_tracks FINAL) AS tracks USING track_id \
             GROUP BY {group} ORDER BY plays DESC, key LIMIT 5"
        )
    };
    let mut lists = Vec::new();
    for sql in [
        top("toString(track_id) AS key, any(title) AS name", "track_id"),
        format!(
            "SELECT key, name, plays FROM ({}) AS top_rows ANY LEFT JOIN (SELECT toString(id) AS key, name FROM dim_artists FINAL) AS artists USING key \
             ORDER BY plays DESC, key",
            top("toString(artist_id) AS key, '' AS unused", "artist_id")
        ),
        top("genre AS key, genre AS name", "genre"),
    ] {
        let rows: Vec<CountRow> = db
            .query(&sql)
            .bind(user.to_string())
            .bind(since)
            .fetch_all()
            .await?;
        lists.push(rows);
    }
    let genres = lists.pop().unwrap_or_default();
    let artists = lists.pop().unwrap_or_default();
    let tracks = lists.pop().unwrap_or_default();
    Ok(ListenerStats {
        listened_ms: totals.listened_ms,
        plays: totals.plays,
        top_tracks: counted(tracks, true),
        top_artists: counted(artists, true),
        genres: counted(genres, false),
    })
}

#[derive(Row, Deserialize)]
struct TrackRow {
    track_text: String,
    plays: u64,
    listened_ms: u64,
    previous: u64,
    title: String,
    artist_text: String,
    artist_name: String,
}

impl TrackRow {
    fn into_track(self) -> Option<ChartTrack> {
        Some(ChartTrack {
            track_id: self.track_text.parse().ok()?,
            title: nonempty(self.title),
            // A track the dimensions do not know yet joins as the nil artist.
            artist_id: self
                .artist_text
                .parse()
                .ok()
                .filter(|id: &Uuid| !id.is_nil()),
            artist_name: nonempty(self.artist_name),
            plays: self.plays,
            listened_ms: self.listened_ms,
            previous_plays: self.previous,
        })
    }
}

#[derive(Row, Deserialize)]
struct ArtistRow {
    artist_text: String,
    plays: u64,
    listened_ms: u64,
    name: String,
}

#[derive(Row, Deserialize)]
struct CountRow {
    key: String,
    name: String,
    plays: u64,
}

#[derive(Row, Deserialize)]
struct TotalsRow {
    listened_ms: u64,
    plays: u64,
}

/// What an unmatched join yields for a UUID key.
const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn nonempty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn counted(rows: Vec<CountRow>, ids: bool) -> Vec<Counted> {
    rows.into_iter()
        .filter(|r| !r.key.is_empty() && r.key != NIL)
        .map(|r| Counted {
            id: if ids { r.key.parse().ok() } else { None },
            name: if r.name.is_empty() { r.key } else { r.name },
            plays: r.plays,
        })
        .collect()
}

/// Names the tracks of `ranked` (a subquery yielding track_id, plays,
/// listened_ms, previous), keeping its order.
fn named_tracks(ranked: &str) -> String {
    format!(
        "SELECT toString(track_id) AS track_text, plays, listened_ms, previous, title, \
                toString(artist_id) AS artist_text, artist_name FROM ( \
           SELECT track_id, plays, listened_ms, previous, title, artist_id FROM ({ranked}) AS ranked \
           ANY LEFT JOIN (SELECT id AS track_id, title, artist_id, deleted FROM dim_tracks FINAL) AS tracks USING track_id \
           WHERE deleted = 0 \
         ) AS named ANY LEFT JOIN (SELECT id AS artist_id, name AS artist_name FROM dim_artists FINAL) AS artists USING artist_id"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_the_nil_id_are_dropped_and_names_fall_back_to_keys() {
        let row = |key: &str, name: &str| CountRow {
            key: key.into(),
            name: name.into(),
            plays: 1,
        };
        let id = Uuid::now_v7();
        let got = counted(
            vec![row(&id.to_string(), ""), row(NIL, "x"), row("", "y")],
            true,
        );
        assert_eq!(
            got,
            vec![Counted {
                id: Some(id),
                name: id.to_string(),
                plays: 1
            }]
        );
        assert_eq!(counted(vec![row("rock", "rock")], false)[0].id, None);
    }
}

#[derive(Row, Deserialize)]
struct TrackPlaysRow {
    track_id: String,
    plays: u64,
}

/// Every track's plays over the last `days` days up to the newest data (the
/// same window the popular charts use), for the search index's popularity.
pub async fn track_plays(db: &Client, days: u32) -> Result<Vec<(Uuid, u64)>, Error> {
    let rows: Vec<TrackPlaysRow> = db
        .query(
            "SELECT toString(track_id) AS track_text, toUInt64(sum(plays)) AS total FROM track_daily \
             WHERE day > (SELECT max(day) FROM track_daily) - ? GROUP BY track_id",
        )
        .bind(days)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.track_id.parse().ok()?, r.plays)))
        .collect())
}

/// How [`listener_albums`] orders a listener's albums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumOrder {
    /// Most plays first.
    Frequent,
    /// Most recently played first.
    Recent,
}

#[derive(Row, Deserialize)]
struct AlbumPlaysRow {
    album_text: String,
}

/// The albums a listener played (a play is a `start`), in `order`, one page.
pub async fn listener_albums(
    db: &Client,
    user: Uuid,
    order: AlbumOrder,
    offset: u64,
    limit: u64,
) -> Result<Vec<Uuid>, Error> {
    let order_by = match order {
        AlbumOrder::Frequent => "count() DESC, max(occurred_at) DESC, album_text",
        AlbumOrder::Recent => "max(occurred_at) DESC, album_text",
    };
    // `LIMIT offset, count`: the form every ClickHouse version reads.
    let rows: Vec<AlbumPlaysRow> = db
        .query(&format!(
            "SELECT toString(album_id) AS album_text \
             FROM (SELECT track_id, occurred_at FROM plays_by_user FINAL \
                   WHERE user_id = toUUID(?) AND kind = 'start') AS mine \
             ALL INNER JOIN (SELECT id AS track_id, album_id FROM dim_tracks FINAL) AS tracks USING track_id \
             WHERE album_id != toUUID('00000000-0000-0000-0000-000000000000') \
             GROUP BY album_id ORDER BY {order_by} LIMIT ?, ?"
        ))
        .bind(user.to_string())
        .bind(offset)
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.album_text.parse().ok())
        .collect())
}

#[derive(Row, Deserialize)]
struct TrackIdRow {
    track_text: String,
}

/// An artist's most played tracks of all time (what the warehouse holds).
pub async fn artist_top_tracks(db: &Client, artist: Uuid, limit: u64) -> Result<Vec<Uuid>, Error> {
    let rows: Vec<TrackIdRow> = db
        .query(
            "SELECT toString(track_id) AS track_text FROM track_daily \
             ALL INNER JOIN (SELECT id AS track_id FROM dim_tracks FINAL WHERE artist_id = toUUID(?)) AS mine \
             USING track_id \
             GROUP BY track_id HAVING sum(plays) > 0 ORDER BY sum(plays) DESC, track_text LIMIT ?",
        )
        .bind(artist.to_string())
        .bind(limit)
        .fetch_all()
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.track_text.parse().ok())
        .collect())
}
