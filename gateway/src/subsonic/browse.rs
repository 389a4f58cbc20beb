//! Browsing: getIndexes, getArtists, getArtist, getAlbum, getSong,
//! getMusicDirectory, getGenres. Both of the protocol's views of the
//! catalogue: by ID3 tags (artist → album → song) and by folders, where an
//! artist is a folder of albums and an album a folder of songs.

use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{indexed, AlbumRow, ArtistRow, SongRow, ALBUMS, ARTISTS, SONGS};
use super::params::Failure;
use super::response::Element;
use super::system::FOLDER_ID;
use super::{Ctx, Outcome, Reply};

/// Articles clients may skip when sorting names; Encore sorts by the whole name.
const IGNORED_ARTICLES: &str = "";

/// Only folder 1 exists; asking for another finds nothing.
fn check_folder(ctx: &Ctx) -> Result<(), Failure> {
    match ctx.params.int("musicFolderId")? {
        Some(id) if id != FOLDER_ID => Err(Failure::not_found("music folder")),
        _ => Ok(()),
    }
}

async fn all_artists(ctx: &Ctx) -> Result<Vec<ArtistRow>, Failure> {
    Ok(
        sqlx::query_as(&format!("{ARTISTS} ORDER BY lower(ar.name), ar.id"))
            .bind(ctx.caller.id)
            .fetch_all(&ctx.state.db)
            .await?,
    )
}

pub(super) async fn artists(ctx: &Ctx) -> Outcome {
    check_folder(ctx)?;
    let rows = all_artists(ctx).await?;
    Ok(Reply::Payload(
        Element::new("artists")
            .attr("ignoredArticles", IGNORED_ARTICLES)
            .list("index", indexed(&rows, ArtistRow::id3)),
    ))
}

/// The folder view's index. `ifModifiedSince` (ms) answers an empty index
/// when no artist changed since.
pub(super) async fn indexes(ctx: &Ctx) -> Outcome {
    check_folder(ctx)?;
    let changed: Option<OffsetDateTime> = sqlx::query_scalar("SELECT max(updated_at) FROM artists")
        .fetch_one(&ctx.state.db)
        .await?;
    let last_modified = changed.map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000) as i64);
    let mut index = Element::new("indexes")
        .attr("lastModified", last_modified)
        .attr("ignoredArticles", IGNORED_ARTICLES);
    if ctx
        .params
        .int("ifModifiedSince")?
        .is_none_or(|since| since < last_modified)
    {
        let rows = all_artists(ctx).await?;
        index = index.list(
            "index",
            indexed(&rows, |a| {
                Element::new("artist")
                    .attr("id", a.id)
                    .attr("name", &a.name)
                    .opt("starred", a.starred.map(crate::times::rfc3339))
            }),
        );
    }
    Ok(Reply::Payload(index))
}

async fn find_artist(ctx: &Ctx, id: Uuid) -> Result<Option<ArtistRow>, Failure> {
    Ok(sqlx::query_as(&format!("{ARTISTS} WHERE ar.id = $2"))
        .bind(ctx.caller.id)
        .bind(id)
        .fetch_optional(&ctx.state.db)
        .await?)
}

async fn albums_of(ctx: &Ctx, artist: Uuid) -> Result<Vec<AlbumRow>, Failure> {
    Ok(sqlx::query_as(&format!(
        "{ALBUMS} WHERE al.artist_id = $2 ORDER BY al.release_year NULLS LAST, lower(al.title), al.id"
    ))
    .bind(ctx.caller.id)
    .bind(artist)
    .fetch_all(&ctx.state.db)
    .await?)
}

async fn find_album(ctx: &Ctx, id: Uuid) -> Result<Option<AlbumRow>, Failure> {
    Ok(sqlx::query_as(&format!("{ALBUMS} WHERE al.id = $2"))
        .bind(ctx.caller.id)
        .bind(id)
        .fetch_optional(&ctx.state.db)
        .await?)
}

async fn songs_of(ctx: &Ctx, album: Uuid) -> Result<Vec<SongRow>, Failure> {
    Ok(sqlx::query_as(&format!(
        "{SONGS} WHERE t.album_id = $2 ORDER BY t.track_number NULLS LAST, lower(t.title), t.id"
    ))
    .bind(ctx.caller.id)
    .bind(album)
    .fetch_all(&ctx.state.db)
    .await?)
}

pub(super) async fn artist(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let artist = find_artist(ctx, id)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))?;
    let albums = albums_of(ctx, id).await?;
    Ok(Reply::Payload(artist.id3().list(
        "album",
        albums.iter().map(|a| a.id3("album")).collect(),
    )))
}

pub(super) async fn album(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let album = find_album(ctx, id)
        .await?
        .ok_or_else(|| Failure::not_found("album"))?;
    let songs = songs_of(ctx, id).await?;
    Ok(Reply::Payload(album.id3("album").list(
        "song",
        songs.iter().map(|s| s.element("song")).collect(),
    )))
}

pub(super) async fn song(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let song: Option<SongRow> = sqlx::query_as(&format!("{SONGS} WHERE t.id = $2"))
        .bind(ctx.caller.id)
        .bind(id)
        .fetch_optional(&ctx.state.db)
        .await?;
    let song = song.ok_or_else(|| Failure::not_found("song"))?;
    Ok(Reply::Payload(song.element("song")))
}

/// An artist's folder holds its albums; an album's folder holds its songs.
pub(super) async fn directory(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    if let Some(artist) = find_artist(ctx, id).await? {
        let albums = albums_of(ctx, id).await?;
        return Ok(Reply::Payload(
            Element::new("directory")
                .attr("id", artist.id)
                .attr("name", &artist.name)
                .opt("starred", artist.starred.map(crate::times::rfc3339))
                .list("child", albums.iter().map(|a| a.child("child")).collect()),
        ));
    }
    if let Some(album) = find_album(ctx, id).await? {
        let songs = songs_of(ctx, id).await?;
        return Ok(Reply::Payload(
            Element::new("directory")
                .attr("id", album.id)
                .attr("parent", album.artist_id)
                .attr("name", &album.title)
                .opt("starred", album.starred.map(crate::times::rfc3339))
                .list("child", songs.iter().map(|s| s.element("child")).collect()),
        ));
    }
    Err(Failure::not_found("directory"))
}

/// Every genre with its songs and albums, most songs first.
pub(super) async fn genres(ctx: &Ctx) -> Outcome {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "WITH songs AS (SELECT genre, count(*) AS n FROM tracks WHERE genre IS NOT NULL GROUP BY genre), \
              albums AS (SELECT g AS genre, count(*) AS n FROM albums, unnest(genres) AS g GROUP BY g) \
         SELECT coalesce(s.genre, a.genre), coalesce(s.n, 0), coalesce(a.n, 0) \
         FROM songs s FULL JOIN albums a ON a.genre = s.genre \
         ORDER BY 2 DESC, 1",
    )
    .fetch_all(&ctx.state.db)
    .await?;
    let genres = rows
        .into_iter()
        .map(|(name, songs, albums)| {
            Element::new("genre")
                .attr("songCount", songs)
                .attr("albumCount", albums)
                .text(name)
        })
        .collect();
    Ok(Reply::Payload(Element::new("genres").list("genre", genres)))
}
