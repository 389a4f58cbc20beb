//! search2 and search3: artists, albums and songs, each paged on its own.
//!
//! A query goes to the search server, with everything the native search
//! does (typos, transliteration, joined words, popularity). An empty query
//! (or `""`, which some clients send) lists the whole catalogue by name,
//! paged: clients sync their offline copy that way.

use encore_core::catalog::{albums, artists, songs, Album, Artist, Song};
use uuid::Uuid;

use super::model::{AlbumElement, ArtistElement, SongElement};
use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};
use crate::early::asked;
use crate::host::Page;

/// `search2` (folder children) or `search3` (ID3).
pub(super) async fn search(ctx: &Ctx, id3: bool) -> Outcome {
    let asked = asked(&ctx.params)?;
    let (artists, albums, songs) = if asked.query.is_empty() {
        everything(ctx, &asked.pages).await?
    } else {
        let early = (ctx.head_start.as_ref()).and_then(|h| h.answers(ctx.caller.id, &asked));
        match early {
            Some(ids) => found(ctx, ids.as_ref().map_err(Clone::clone)?).await?,
            None => {
                let (query, user) = (&asked.query, ctx.caller.id);
                let ids = ctx.state.host.search(query, user, asked.pages).await?;
                found(ctx, &ids).await?
            }
        }
    };
    let (name, album): (_, fn(&Album) -> Element) = if id3 {
        ("searchResult3", |a| a.id3("album"))
    } else {
        ("searchResult2", |a| a.child("album"))
    };
    Ok(Reply::Payload(
        Element::new(name)
            .list("artist", artists.iter().map(ArtistElement::id3).collect())
            .list("album", albums.iter().map(album).collect())
            .list("song", songs.iter().map(|s| s.element("song")).collect()),
    ))
}

type Found = (Vec<Artist>, Vec<Album>, Vec<Song>);

/// The whole catalogue, by name, one page of each kind.
async fn everything(ctx: &Ctx, pages: &[Page; 3]) -> Result<Found, Failure> {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    let window = |p: &Page| (p.size as i64, p.offset as i64);
    let (size, offset) = window(&pages[0]);
    let artists = artists::by_ids(db, user, &artists::by_name(db, size, offset).await?).await?;
    let (size, offset) = window(&pages[1]);
    let listing = &albums::Listing::ByTitle;
    let albums = albums::by_ids(
        db,
        user,
        &albums::list(db, user, listing, size, offset).await?,
    )
    .await?;
    let (size, offset) = window(&pages[2]);
    let songs = songs::by_ids(db, user, &songs::by_title(db, size, offset).await?).await?;
    Ok((artists, albums, songs))
}

/// The rows of the ids the search server found, in its order. An id the
/// index still has but the database no longer does is skipped.
async fn found(
    ctx: &Ctx,
    [artist_ids, album_ids, song_ids]: &[Vec<Uuid>; 3],
) -> Result<Found, Failure> {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    // Three independent reads: one round trip's wait instead of three.
    Ok(tokio::try_join!(
        artists::by_ids(db, user, artist_ids),
        albums::by_ids(db, user, album_ids),
        songs::by_ids(db, user, song_ids),
    )?)
}
