//! Lists: getAlbumList and getAlbumList2 (every type), getRandomSongs,
//! getSongsByGenre, getStarred and getStarred2.
//!
//! `frequent` and `recent` are the caller's own plays: from the plays Redis
//! keeps (`encore_online::history`) when those decide the page, otherwise
//! from the warehouse (`plays_by_user`), which orders them alike;
//! everything else is read from PostgreSQL. `highest`
//! orders by the average rating (`setRating`), then by how many listeners
//! starred the album.

use encore_core::catalog::albums::{self, Listing};
use encore_core::catalog::{artists, songs, Album};
use encore_online::history;
use encore_warehouse::charts::{self, AlbumOrder};
use uuid::Uuid;

use super::model::{AlbumElement, ArtistElement, SongElement};
use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

/// The most a list returns at once, as the protocol sets for albums.
const MAX_SIZE: i64 = 500;

/// One page of the caller's played albums: from the plays Redis keeps when
/// they decide it, else from the warehouse.
async fn played_albums(
    ctx: &Ctx,
    order: AlbumOrder,
    offset: usize,
    size: usize,
) -> Result<Vec<Uuid>, Failure> {
    let (online, warehouse, user) = (&ctx.state.online, &ctx.state.warehouse, ctx.caller.id);
    let warehouse_down = |error: clickhouse::error::Error| {
        tracing::warn!(%error, "the warehouse did not answer an album list");
        Failure::generic("play statistics are unavailable right now; retry shortly")
    };
    let kept = history::kept(online, warehouse, user)
        .await
        .map_err(warehouse_down)?;
    if let Some((plays, complete)) = kept {
        let tracks: Vec<Uuid> = plays.iter().map(|p| p.track_id).collect();
        let album_of = songs::albums_of(&ctx.state.db, &tracks).await?;
        if let Some(page) = history::albums(&plays, &album_of, order, offset, size, complete) {
            return Ok(page);
        }
    }
    charts::listener_albums(warehouse, user, order, offset as u64, size as u64)
        .await
        .map_err(warehouse_down)
}

/// `getAlbumList` (folder children) or `getAlbumList2` (ID3 albums).
pub(super) async fn album_list(ctx: &Ctx, id3: bool) -> Outcome {
    let kind = ctx.params.required("type")?;
    let size = ctx.params.count("size", 10, MAX_SIZE)?;
    let offset = ctx.params.count("offset", 0, i64::from(i32::MAX))?;
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    // The page's ids first, then their rows: the counts and stars are read
    // for the page alone, not for every album the ordering looks at.
    let ids: Vec<Uuid> = match kind {
        "frequent" | "recent" => {
            let order = if kind == "frequent" {
                AlbumOrder::Frequent
            } else {
                AlbumOrder::Recent
            };
            played_albums(ctx, order, offset as usize, size as usize).await?
        }
        other => {
            let listing =
                match other {
                    "random" => Listing::Random,
                    "newest" => Listing::Newest,
                    "alphabeticalByName" => Listing::ByTitle,
                    "alphabeticalByArtist" => Listing::ByArtist,
                    "starred" => Listing::Starred,
                    "highest" => Listing::Highest,
                    "byYear" => Listing::Years {
                        from: ctx
                            .params
                            .int("fromYear")?
                            .ok_or_else(|| Failure::missing("fromYear"))?,
                        to: ctx
                            .params
                            .int("toYear")?
                            .ok_or_else(|| Failure::missing("toYear"))?,
                    },
                    "byGenre" => Listing::Genre(ctx.params.required("genre")?.to_owned()),
                    _ => return Err(Failure::invalid(
                        "type",
                        "must be random, newest, highest, frequent, recent, alphabeticalByName, \
                         alphabeticalByArtist, starred, byYear or byGenre",
                    )),
                };
            albums::list(db, user, &listing, size, offset).await?
        }
    };
    let rows = albums::by_ids(db, user, &ids).await?;
    let (name, items) = if id3 {
        ("albumList2", rows.iter().map(|a| a.id3("album")).collect())
    } else {
        ("albumList", rows.iter().map(|a| a.child("album")).collect())
    };
    Ok(Reply::Payload(Element::new(name).list("album", items)))
}

/// Random songs, optionally of a genre and a span of years.
pub(super) async fn random_songs(ctx: &Ctx) -> Outcome {
    let size = ctx.params.count("size", 10, MAX_SIZE)?;
    let genre = ctx.params.get("genre");
    let from = ctx.params.int("fromYear")?;
    let to = ctx.params.int("toYear")?;
    let db = &ctx.state.db;
    let ids = songs::random(db, genre, from, to, size).await?;
    let rows = songs::by_ids(db, ctx.caller.id, &ids).await?;
    Ok(Reply::Payload(Element::new("randomSongs").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

pub(super) async fn songs_by_genre(ctx: &Ctx) -> Outcome {
    let genre = ctx.params.required("genre")?;
    let count = ctx.params.count("count", 10, MAX_SIZE)?;
    let offset = ctx.params.count("offset", 0, i64::from(i32::MAX))?;
    let db = &ctx.state.db;
    let ids = songs::of_genre(db, genre, count, offset).await?;
    let rows = songs::by_ids(db, ctx.caller.id, &ids).await?;
    Ok(Reply::Payload(Element::new("songsByGenre").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// What the caller starred (liked): artists, albums and songs, newest first.
pub(super) async fn starred(ctx: &Ctx, id3: bool) -> Outcome {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    let artists = artists::by_ids(db, user, &artists::starred(db, user).await?).await?;
    let albums = albums::by_ids(db, user, &albums::starred(db, user).await?).await?;
    let songs = songs::by_ids(db, user, &songs::starred(db, user).await?).await?;
    let name = if id3 { "starred2" } else { "starred" };
    let album = |a: &Album| {
        if id3 {
            a.id3("album")
        } else {
            a.child("album")
        }
    };
    Ok(Reply::Payload(
        Element::new(name)
            .list("artist", artists.iter().map(ArtistElement::id3).collect())
            .list("album", albums.iter().map(album).collect())
            .list("song", songs.iter().map(|s| s.element("song")).collect()),
    ))
}
