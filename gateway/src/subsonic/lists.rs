//! Lists: getAlbumList and getAlbumList2 (every type), getRandomSongs,
//! getSongsByGenre, getStarred and getStarred2.
//!
//! `frequent` and `recent` are the caller's own plays, from the warehouse
//! (`plays_by_user`); everything else is read from PostgreSQL. `highest`
//! orders by the average rating (`setRating`), then by how many listeners
//! starred the album.

use encore_warehouse::charts::{self, AlbumOrder};
use uuid::Uuid;

use super::model::{AlbumRow, ArtistRow, SongRow, ALBUMS, ALBUM_IDS, ARTISTS, SONGS};
use super::params::Failure;
use super::response::Element;
use super::search::ordered;
use super::{Ctx, Outcome, Reply};

/// The most a list returns at once, as the protocol sets for albums.
const MAX_SIZE: i64 = 500;

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
            charts::listener_albums(
                &ctx.state.warehouse.client,
                user,
                order,
                offset as u64,
                size as u64,
            )
            .await
            .map_err(|error| {
                tracing::warn!(%error, "the warehouse did not answer an album list");
                Failure::generic("play statistics are unavailable right now; retry shortly")
            })?
        }
        "byYear" => {
            let from = ctx
                .params
                .int("fromYear")?
                .ok_or_else(|| Failure::missing("fromYear"))?;
            let to = ctx
                .params
                .int("toYear")?
                .ok_or_else(|| Failure::missing("toYear"))?;
            // fromYear > toYear lists newest first, as the protocol says.
            let direction = if from > to { "DESC" } else { "ASC" };
            sqlx::query_scalar(&format!(
                "{ALBUM_IDS} WHERE al.release_year BETWEEN $2 AND $3 \
                 ORDER BY al.release_year {direction}, lower(al.title), al.id LIMIT $4 OFFSET $5"
            ))
            .bind(user)
            .bind(from.min(to))
            .bind(from.max(to))
            .bind(size)
            .bind(offset)
            .fetch_all(db)
            .await?
        }
        "byGenre" => {
            let genre = ctx.params.required("genre")?;
            sqlx::query_scalar(&format!(
                "{ALBUM_IDS} WHERE EXISTS (SELECT 1 FROM unnest(al.genres) g WHERE lower(g) = lower($2)) \
                 ORDER BY lower(al.title), al.id LIMIT $3 OFFSET $4"
            ))
            .bind(user)
            .bind(genre)
            .bind(size)
            .bind(offset)
            .fetch_all(db)
            .await?
        }
        other => {
            let (filter, order) = match other {
                "random" => ("", "random()"),
                "newest" => ("", "al.created_at DESC, al.id"),
                "alphabeticalByName" => ("", "lower(al.title), al.id"),
                "alphabeticalByArtist" => ("", "lower(ar.name), lower(al.title), al.id"),
                "starred" => ("WHERE alk.user_id IS NOT NULL", "alk.created_at DESC, al.id"),
                "highest" => (
                    "",
                    "(SELECT avg(x.rating) FROM album_ratings x WHERE x.album_id = al.id) DESC NULLS LAST, \
                     (SELECT count(*) FROM album_likes x WHERE x.album_id = al.id) DESC, lower(al.title), al.id",
                ),
                _ => {
                    return Err(Failure::invalid(
                        "type",
                        "must be random, newest, highest, frequent, recent, alphabeticalByName, \
                         alphabeticalByArtist, starred, byYear or byGenre",
                    ))
                }
            };
            sqlx::query_scalar(&format!(
                "{ALBUM_IDS} {filter} ORDER BY {order} LIMIT $2 OFFSET $3"
            ))
            .bind(user)
            .bind(size)
            .bind(offset)
            .fetch_all(db)
            .await?
        }
    };
    let rows = in_order(ctx, &ids).await?;
    let (name, items) = if id3 {
        ("albumList2", rows.iter().map(|a| a.id3("album")).collect())
    } else {
        ("albumList", rows.iter().map(|a| a.child("album")).collect())
    };
    Ok(Reply::Payload(Element::new(name).list("album", items)))
}

/// Albums by id, in the order given.
async fn in_order(ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<AlbumRow>, Failure> {
    let rows: Vec<AlbumRow> = sqlx::query_as(&format!("{ALBUMS} WHERE al.id = ANY($2)"))
        .bind(ctx.caller.id)
        .bind(ids)
        .fetch_all(&ctx.state.db)
        .await?;
    Ok(ordered(rows, ids, |a| a.id))
}

/// Random songs, optionally of a genre and a span of years.
pub(super) async fn random_songs(ctx: &Ctx) -> Outcome {
    let size = ctx.params.count("size", 10, MAX_SIZE)?;
    let genre = ctx.params.get("genre");
    let from = ctx.params.int("fromYear")?;
    let to = ctx.params.int("toYear")?;
    let rows: Vec<SongRow> = sqlx::query_as(&format!(
        "{SONGS} WHERE ($2::text IS NULL OR lower(t.genre) = lower($2)) \
           AND ($3::bigint IS NULL OR t.release_year >= $3) \
           AND ($4::bigint IS NULL OR t.release_year <= $4) \
         ORDER BY random() LIMIT $5"
    ))
    .bind(ctx.caller.id)
    .bind(genre)
    .bind(from)
    .bind(to)
    .bind(size)
    .fetch_all(&ctx.state.db)
    .await?;
    Ok(Reply::Payload(Element::new("randomSongs").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

pub(super) async fn songs_by_genre(ctx: &Ctx) -> Outcome {
    let genre = ctx.params.required("genre")?;
    let count = ctx.params.count("count", 10, MAX_SIZE)?;
    let offset = ctx.params.count("offset", 0, i64::from(i32::MAX))?;
    let rows: Vec<SongRow> = sqlx::query_as(&format!(
        "{SONGS} WHERE lower(t.genre) = lower($2) ORDER BY lower(t.title), t.id LIMIT $3 OFFSET $4"
    ))
    .bind(ctx.caller.id)
    .bind(genre)
    .bind(count)
    .bind(offset)
    .fetch_all(&ctx.state.db)
    .await?;
    Ok(Reply::Payload(Element::new("songsByGenre").list(
        "song",
        rows.iter().map(|s| s.element("song")).collect(),
    )))
}

/// What the caller starred (liked): artists, albums and songs, newest first.
pub(super) async fn starred(ctx: &Ctx, id3: bool) -> Outcome {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    let artists: Vec<ArtistRow> = sqlx::query_as(&format!(
        "{ARTISTS} WHERE arl.user_id IS NOT NULL ORDER BY arl.created_at DESC, ar.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    let albums: Vec<AlbumRow> = sqlx::query_as(&format!(
        "{ALBUMS} WHERE alk.user_id IS NOT NULL ORDER BY alk.created_at DESC, al.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    let songs: Vec<SongRow> = sqlx::query_as(&format!(
        "{SONGS} WHERE tl.user_id IS NOT NULL ORDER BY tl.created_at DESC, t.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    let name = if id3 { "starred2" } else { "starred" };
    let album = |a: &AlbumRow| {
        if id3 {
            a.id3("album")
        } else {
            a.child("album")
        }
    };
    Ok(Reply::Payload(
        Element::new(name)
            .list("artist", artists.iter().map(ArtistRow::id3).collect())
            .list("album", albums.iter().map(album).collect())
            .list("song", songs.iter().map(|s| s.element("song")).collect()),
    ))
}
