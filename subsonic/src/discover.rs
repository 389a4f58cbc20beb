//! What to play next, from the warehouse: getTopSongs (an artist's most
//! played), getSimilarSongs and getSimilarSongs2 (the co-listening features
//! the etl computes, then the artist's own songs and its genre neighbours'), getArtistInfo2 and getAlbumInfo2 (similar artists from
//! the same features; MusicBrainz ids and images where the catalogue has
//! them) with their folder-view twins getArtistInfo and getAlbumInfo, and
//! the lyrics endpoints, from the lyrics artists upload ([`encore_core::lyrics`]).

use encore_core::catalog::{albums, artists, songs, Artist, Song};
use encore_core::discovery::{self, DiscoveryError, Sources};
use encore_core::lyrics;
use uuid::Uuid;

use super::model::{ArtistElement, SongElement};
use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

fn warehouse_down(error: clickhouse::error::Error) -> Failure {
    tracing::warn!(%error, "the warehouse did not answer");
    Failure::generic("play statistics are unavailable right now; retry shortly")
}

impl From<DiscoveryError> for Failure {
    fn from(error: DiscoveryError) -> Self {
        match error {
            DiscoveryError::Db(error) => error.into(),
            DiscoveryError::Warehouse(error) => warehouse_down(error),
            DiscoveryError::UnknownSeed => Failure::not_found("item"),
        }
    }
}

fn sources(ctx: &Ctx) -> Sources<'_> {
    Sources {
        db: &ctx.state.db,
        warehouse: &ctx.state.warehouse,
    }
}

async fn rows(ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<Song>, Failure> {
    Ok(songs::by_ids(&ctx.state.db, ctx.caller.id, ids).await?)
}

/// `getTopSongs`: `artist` (a name), `count` (default 50).
pub(super) async fn top_songs(ctx: &Ctx) -> Outcome {
    let name = ctx.params.required("artist")?;
    let count = ctx.params.count("count", 50, 500)?;
    let ids = match artists::named(&ctx.state.db, name).await? {
        Some(artist) => discovery::top_of(sources(ctx), artist, count).await?,
        None => Vec::new(),
    };
    let rows = rows(ctx, &ids).await?;
    Ok(Reply::Payload(Element::new("topSongs").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// `getSimilarSongs` (`id`: a song, album or artist) or `getSimilarSongs2`
/// (`id`: an artist), `count` (default 50).
pub(super) async fn similar_songs(ctx: &Ctx, id3: bool) -> Outcome {
    let id = ctx.params.id("id")?;
    let count = ctx.params.count("count", 50, 500)?;
    let ids = discovery::radio(sources(ctx), id, count).await?;
    let rows = rows(ctx, &ids).await?;
    let name = if id3 { "similarSongs2" } else { "similarSongs" };
    Ok(Reply::Payload(Element::new(name).list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// `getLyricsBySongId` (OpenSubsonic `songLyrics`): the song's lyrics as
/// structured lines, each with its start for synced (LRC) lyrics; an empty
/// list for a song without.
pub(super) async fn lyrics_by_song(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let db = &ctx.state.db;
    let song = songs::one(db, ctx.caller.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    let found = lyrics::of_track(db, id).await?;
    let structured = found
        .map(|l| {
            let lines = l
                .parsed
                .lines
                .iter()
                .map(|line| {
                    Element::new("line")
                        .opt("start", line.start_ms)
                        .text(line.text.as_str())
                })
                .collect();
            Element::new("structuredLyrics")
                .attr("displayArtist", &song.artist)
                .attr("displayTitle", &song.title)
                .attr("lang", l.lang.as_str())
                .attr("synced", l.parsed.synced)
                .list("line", lines)
        })
        .into_iter()
        .collect();
    Ok(Reply::Payload(
        Element::new("lyricsList").list("structuredLyrics", structured),
    ))
}

/// `getLyrics`: `artist` and `title`, the lyrics of the song by those names
/// as plain text (synced lyrics without their times); an empty `lyrics`
/// when there are none, as Subsonic servers answer.
pub(super) async fn lyrics(ctx: &Ctx) -> Outcome {
    let artist = ctx.params.get("artist").unwrap_or("");
    let title = ctx.params.get("title").unwrap_or("");
    let found = if artist.trim().is_empty() || title.trim().is_empty() {
        None
    } else {
        lyrics::by_names(&ctx.state.db, artist, title).await?
    };
    let element = Element::new("lyrics")
        .opt("artist", ctx.params.get("artist"))
        .opt("title", ctx.params.get("title"));
    Ok(Reply::Payload(match found {
        Some(l) => {
            let text: Vec<&str> = l.parsed.lines.iter().map(|x| x.text.as_str()).collect();
            element.text(text.join("\n"))
        }
        None => element,
    }))
}

/// A catalogue's external id, when it is a MusicBrainz id (a UUID).
fn musicbrainz_id(external: Option<String>) -> Option<String> {
    external.filter(|e| e.parse::<Uuid>().is_ok())
}

/// `getArtistInfo2` (ID3) or `getArtistInfo` (folders): `id` (an artist),
/// `count` similar artists (default 20). The folder view names a similar
/// artist by its folder: id, name and the caller's star.
pub(super) async fn artist_info(ctx: &Ctx, id3: bool) -> Outcome {
    let id = ctx.params.id("id")?;
    let count = ctx.params.count("count", 20, 100)?;
    let db = &ctx.state.db;
    let info = artists::info(db, id)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))?;
    // The artists of the songs listened to with this artist's most played.
    let seeds = discovery::top_of(sources(ctx), id, 10).await?;
    let similar = discovery::similar_to(sources(ctx), &seeds, 200).await?;
    let similar = artists::of_tracks(db, &similar, id, count).await?;
    let rows = artists::by_ids(db, ctx.caller.id, &similar).await?;
    let (name, similar): (_, Vec<Element>) = if id3 {
        ("artistInfo2", rows.iter().map(ArtistElement::id3).collect())
    } else {
        let folder = |a: &Artist| {
            Element::new("artist")
                .attr("id", a.id)
                .attr("name", &a.name)
                .opt("starred", a.starred.map(encore_common::times::rfc3339))
        };
        ("artistInfo", rows.iter().map(folder).collect())
    };
    // An uploaded picture is the gateway's own, at every size; an imported
    // one is somebody else's URL, given as it is.
    let image = |size: u32| match info.image_url.as_deref() {
        Some(own) if own.starts_with('/') => absolute(ctx, &format!("{own}?size={size}")),
        _ => None,
    };
    let external = info.image_url.clone().filter(|url| !url.starts_with('/'));
    let large = image(1200).or(external);
    Ok(Reply::Payload(
        Element::new(name)
            .opt("musicBrainzId", musicbrainz_id(info.external_id))
            .opt("smallImageUrl", image(64))
            .opt("mediumImageUrl", image(300))
            .opt("largeImageUrl", large)
            .list("similarArtist", similar),
    ))
}

/// `path` on this gateway as the app reached it, absolute: clients fetch
/// image URLs themselves.
fn absolute(ctx: &Ctx, path: &str) -> Option<String> {
    let host = ctx
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())?;
    let scheme = ctx
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    Some(format!("{scheme}://{host}{path}"))
}

/// `getAlbumInfo2` and `getAlbumInfo` (an album is its own folder, so the
/// two answer alike): `id` (an album): its MusicBrainz id and cover, when known.
pub(super) async fn album_info(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let info = albums::info(&ctx.state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("album"))?;
    let image = |size: u32| {
        absolute(ctx, &format!("/v1/albums/{id}/cover?size={size}")).filter(|_| info.has_cover)
    };
    Ok(Reply::Payload(
        Element::new("albumInfo")
            .opt("musicBrainzId", musicbrainz_id(info.external_id))
            .opt("smallImageUrl", image(64))
            .opt("mediumImageUrl", image(300))
            .opt("largeImageUrl", image(1200)),
    ))
}
