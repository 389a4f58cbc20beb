//! What to play next, from the warehouse: getTopSongs (an artist's most
//! played), getSimilarSongs and getSimilarSongs2 (the co-listening features
//! the etl computes), getArtistInfo2 and getAlbumInfo2 (similar artists from
//! the same features; MusicBrainz ids and images where the catalogue has
//! them), and the lyrics endpoints, which answer empty: Encore stores no
//! lyrics.

use encore_warehouse::{charts, features};
use uuid::Uuid;

use super::model::{ArtistRow, SongRow, ARTISTS, SONGS};
use super::params::Failure;
use super::response::Element;
use super::search::ordered;
use super::{Ctx, Outcome, Reply};

fn warehouse_down(error: clickhouse::error::Error) -> Failure {
    tracing::warn!(%error, "the warehouse did not answer");
    Failure::generic("play statistics are unavailable right now; retry shortly")
}

async fn songs(ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<SongRow>, Failure> {
    let rows: Vec<SongRow> = sqlx::query_as(&format!("{SONGS} WHERE t.id = ANY($2)"))
        .bind(ctx.caller.id)
        .bind(ids)
        .fetch_all(&ctx.state.db)
        .await?;
    Ok(ordered(rows, ids, |s| s.id))
}

/// The artist's tracks in album order, after the played ones.
async fn artist_tracks(ctx: &Ctx, artist: Uuid, limit: i64) -> Result<Vec<Uuid>, Failure> {
    Ok(sqlx::query_scalar(
        "SELECT t.id FROM tracks t LEFT JOIN albums al ON al.id = t.album_id WHERE t.artist_id = $1 \
         ORDER BY al.release_year NULLS LAST, al.id, t.track_number NULLS LAST, t.id LIMIT $2",
    )
    .bind(artist)
    .bind(limit)
    .fetch_all(&ctx.state.db)
    .await?)
}

/// The artist's most played tracks, then the rest of them, up to `count`.
async fn top_of(ctx: &Ctx, artist: Uuid, count: i64) -> Result<Vec<Uuid>, Failure> {
    let mut ids = charts::artist_top_tracks(&ctx.state.warehouse.client, artist, count as u64)
        .await
        .map_err(warehouse_down)?;
    for id in artist_tracks(ctx, artist, count).await? {
        if ids.len() as i64 >= count {
            break;
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `getTopSongs`: `artist` (a name), `count` (default 50).
pub(super) async fn top_songs(ctx: &Ctx) -> Outcome {
    let name = ctx.params.required("artist")?;
    let count = ctx.params.count("count", 50, 500)?;
    let artist: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM artists WHERE lower(name) = lower($1) ORDER BY id LIMIT 1",
    )
    .bind(name)
    .fetch_optional(&ctx.state.db)
    .await?;
    let ids = match artist {
        Some(artist) => top_of(ctx, artist, count).await?,
        None => Vec::new(),
    };
    let rows = songs(ctx, &ids).await?;
    Ok(Reply::Payload(Element::new("topSongs").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// Tracks listened to in the same sessions as any of `seeds`, best first,
/// without the seeds themselves.
async fn similar_to(ctx: &Ctx, seeds: &[Uuid], count: i64) -> Result<Vec<Uuid>, Failure> {
    Ok(
        features::similar_to_any(&ctx.state.warehouse.client, seeds, count as usize)
            .await
            .map_err(warehouse_down)?
            .into_iter()
            .map(|similar| similar.track_id)
            .collect(),
    )
}

/// The seeds an id stands for: a song itself, an album's songs, or an
/// artist's ten most played.
async fn seeds(ctx: &Ctx, id: Uuid) -> Result<Vec<Uuid>, Failure> {
    let tracks: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM tracks WHERE id = $1 UNION ALL \
         (SELECT id FROM tracks WHERE album_id = $1 ORDER BY track_number NULLS LAST, id)",
    )
    .bind(id)
    .fetch_all(&ctx.state.db)
    .await?;
    if !tracks.is_empty() {
        return Ok(tracks);
    }
    let artist: Option<Uuid> = sqlx::query_scalar("SELECT id FROM artists WHERE id = $1")
        .bind(id)
        .fetch_optional(&ctx.state.db)
        .await?;
    match artist {
        Some(artist) => top_of(ctx, artist, 10).await,
        None => Err(Failure::not_found("item")),
    }
}

/// `getSimilarSongs` (`id`: a song, album or artist) or `getSimilarSongs2`
/// (`id`: an artist), `count` (default 50).
pub(super) async fn similar_songs(ctx: &Ctx, id3: bool) -> Outcome {
    let id = ctx.params.id("id")?;
    let count = ctx.params.count("count", 50, 500)?;
    let seeds = seeds(ctx, id).await?;
    let ids = similar_to(ctx, &seeds, count).await?;
    let rows = songs(ctx, &ids).await?;
    let name = if id3 { "similarSongs2" } else { "similarSongs" };
    Ok(Reply::Payload(Element::new(name).list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// `getLyricsBySongId` (OpenSubsonic `songLyrics`): no lyrics are stored,
/// so the list is empty, for a song that exists.
pub(super) async fn lyrics_by_song(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tracks WHERE id = $1)")
        .bind(id)
        .fetch_one(&ctx.state.db)
        .await?;
    if !exists {
        return Err(Failure::not_found("song"));
    }
    Ok(Reply::Payload(
        Element::new("lyricsList").list("structuredLyrics", Vec::new()),
    ))
}

/// `getLyrics`: an empty `lyrics` (no lyrics are stored).
pub(super) fn lyrics(ctx: &Ctx) -> Outcome {
    Ok(Reply::Payload(
        Element::new("lyrics")
            .opt("artist", ctx.params.get("artist"))
            .opt("title", ctx.params.get("title")),
    ))
}

/// A catalogue's external id, when it is a MusicBrainz id (a UUID).
fn musicbrainz_id(external: Option<String>) -> Option<String> {
    external.filter(|e| e.parse::<Uuid>().is_ok())
}

/// `getArtistInfo2`: `id` (an artist), `count` similar artists (default 20).
pub(super) async fn artist_info(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let count = ctx.params.count("count", 20, 100)?;
    let found: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT external_id, image_url FROM artists WHERE id = $1")
            .bind(id)
            .fetch_optional(&ctx.state.db)
            .await?;
    let (external, image) = found.ok_or_else(|| Failure::not_found("artist"))?;
    // The artists of the songs listened to with this artist's most played.
    let seeds = top_of(ctx, id, 10).await?;
    let similar = similar_to(ctx, &seeds, 200).await?;
    let artists: Vec<Uuid> = sqlx::query_scalar(
        "SELECT t.artist_id FROM unnest($1::uuid[]) WITH ORDINALITY AS s(track, n) \
         JOIN tracks t ON t.id = s.track WHERE t.artist_id <> $2 \
         GROUP BY t.artist_id ORDER BY min(s.n) LIMIT $3",
    )
    .bind(&similar)
    .bind(id)
    .bind(count)
    .fetch_all(&ctx.state.db)
    .await?;
    let rows: Vec<ArtistRow> = sqlx::query_as(&format!("{ARTISTS} WHERE ar.id = ANY($2)"))
        .bind(ctx.caller.id)
        .bind(&artists)
        .fetch_all(&ctx.state.db)
        .await?;
    let rows = ordered(rows, &artists, |a| a.id);
    Ok(Reply::Payload(
        Element::new("artistInfo2")
            .opt("musicBrainzId", musicbrainz_id(external))
            .opt("largeImageUrl", image)
            .list("similarArtist", rows.iter().map(ArtistRow::id3).collect()),
    ))
}

/// `getAlbumInfo2`: `id` (an album): its MusicBrainz id and cover, when known.
pub(super) async fn album_info(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let found: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT external_id, cover_key FROM albums WHERE id = $1")
            .bind(id)
            .fetch_optional(&ctx.state.db)
            .await?;
    let (external, cover) = found.ok_or_else(|| Failure::not_found("album"))?;
    // Absolute, as clients fetch it themselves: the gateway's own public cover.
    let host = ctx
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok());
    let scheme = ctx
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    let image = |size: u32| {
        cover
            .as_ref()
            .zip(host)
            .map(|(_, host)| format!("{scheme}://{host}/v1/albums/{id}/cover?size={size}"))
    };
    Ok(Reply::Payload(
        Element::new("albumInfo")
            .opt("musicBrainzId", musicbrainz_id(external))
            .opt("smallImageUrl", image(64))
            .opt("mediumImageUrl", image(300))
            .opt("largeImageUrl", image(1200)),
    ))
}
