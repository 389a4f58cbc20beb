//! Browsing: getIndexes, getArtists, getArtist, getAlbum, getSong,
//! getMusicDirectory, getGenres. Both of the protocol's views of the
//! catalogue: by ID3 tags (artist → album → song) and by folders, where an
//! artist is a folder of albums and an album a folder of songs.

use encore_core::catalog::{self, albums, artists, songs};

use super::model::{indexed, AlbumElement, ArtistElement, SongElement};
use super::params::Failure;
use super::response::Element;
use super::system::FOLDER_ID;
use crate::context::{Ctx, Outcome, Reply};

/// Articles clients may skip when sorting names; Encore sorts by the whole name.
const IGNORED_ARTICLES: &str = "";

/// Only folder 1 exists; asking for another finds nothing.
fn check_folder(ctx: &Ctx) -> Result<(), Failure> {
    match ctx.params.int("musicFolderId")? {
        Some(id) if id != FOLDER_ID => Err(Failure::not_found("music folder")),
        _ => Ok(()),
    }
}

pub(super) async fn artists(ctx: &Ctx) -> Outcome {
    check_folder(ctx)?;
    let rows = artists::all(&ctx.state.db, ctx.caller.id).await?;
    Ok(Reply::Payload(
        Element::new("artists")
            .attr("ignoredArticles", IGNORED_ARTICLES)
            .list("index", indexed(&rows, ArtistElement::id3)),
    ))
}

/// The folder view's index. `ifModifiedSince` (ms) answers an empty index
/// when no artist changed since.
pub(super) async fn indexes(ctx: &Ctx) -> Outcome {
    check_folder(ctx)?;
    let changed = artists::last_change(&ctx.state.db).await?;
    let last_modified = changed.map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000) as i64);
    let mut index = Element::new("indexes")
        .attr("lastModified", last_modified)
        .attr("ignoredArticles", IGNORED_ARTICLES);
    if ctx
        .params
        .int("ifModifiedSince")?
        .is_none_or(|since| since < last_modified)
    {
        let rows = artists::all(&ctx.state.db, ctx.caller.id).await?;
        index = index.list(
            "index",
            indexed(&rows, |a| {
                Element::new("artist")
                    .attr("id", a.id)
                    .attr("name", &a.name)
                    .opt("starred", a.starred.map(encore_common::times::rfc3339))
            }),
        );
    }
    Ok(Reply::Payload(index))
}

pub(super) async fn artist(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let db = &ctx.state.db;
    let artist = artists::one(db, ctx.caller.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))?;
    let albums = albums::by_ids(db, ctx.caller.id, &albums::of_artist(db, id).await?).await?;
    Ok(Reply::Payload(artist.id3().list(
        "album",
        albums.iter().map(|a| a.id3("album")).collect(),
    )))
}

pub(super) async fn album(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let db = &ctx.state.db;
    let album = albums::one(db, ctx.caller.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("album"))?;
    let songs = songs::by_ids(db, ctx.caller.id, &songs::of_album(db, id).await?).await?;
    Ok(Reply::Payload(album.id3("album").list(
        "song",
        songs.iter().map(|s| s.element("song")).collect(),
    )))
}

pub(super) async fn song(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let song = songs::one(&ctx.state.db, ctx.caller.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    Ok(Reply::Payload(song.element("song")))
}

/// An artist's folder holds its albums; an album's folder holds its songs.
pub(super) async fn directory(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let (db, user) = (&ctx.state.db, ctx.caller.id);
    if let Some(artist) = artists::one(db, user, id).await? {
        let albums = albums::by_ids(db, user, &albums::of_artist(db, id).await?).await?;
        return Ok(Reply::Payload(
            Element::new("directory")
                .attr("id", artist.id)
                .attr("name", &artist.name)
                .opt("starred", artist.starred.map(encore_common::times::rfc3339))
                .list("child", albums.iter().map(|a| a.child("child")).collect()),
        ));
    }
    if let Some(album) = albums::one(db, user, id).await? {
        let songs = songs::by_ids(db, user, &songs::of_album(db, id).await?).await?;
        return Ok(Reply::Payload(
            Element::new("directory")
                .attr("id", album.id)
                .attr("parent", album.artist_id)
                .attr("name", &album.title)
                .opt("starred", album.starred.map(encore_common::times::rfc3339))
                .list("child", songs.iter().map(|s| s.element("child")).collect()),
        ));
    }
    Err(Failure::not_found("directory"))
}

/// Every genre with its songs and albums, most songs first.
pub(super) async fn genres(ctx: &Ctx) -> Outcome {
    let rows = catalog::genres(&ctx.state.db).await?;
    let genres = rows
        .into_iter()
        .map(|genre| {
            Element::new("genre")
                .attr("songCount", genre.songs)
                .attr("albumCount", genre.albums)
                .text(genre.name)
        })
        .collect();
    Ok(Reply::Payload(Element::new("genres").list("genre", genres)))
}
