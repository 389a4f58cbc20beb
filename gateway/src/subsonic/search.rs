//! search2 and search3: artists, albums and songs, each paged on its own.
//!
//! A query goes to the search server, with everything the native search
//! does (typos, transliteration, joined words, popularity). An empty query
//! (or `""`, which some clients send) lists the whole catalogue by name,
//! paged: clients sync their offline copy that way.

use uuid::Uuid;

use super::model::{AlbumRow, ArtistRow, SongRow, ALBUMS, ARTISTS, SONGS};
use super::params::Failure;
use super::response::Element;
use super::{Ctx, Outcome, Reply};
use crate::search::{ids_by_kind, KindPage, ResultType};

/// Per kind, the most one page returns.
const MAX_COUNT: i64 = 500;

/// `search2` (folder children) or `search3` (ID3).
pub(super) async fn search(ctx: &Ctx, id3: bool) -> Outcome {
    let query = ctx.params.get("query").unwrap_or("").trim();
    let query = query.trim_matches('"').trim();
    let page = |kind, count: &str, offset: &str| -> Result<KindPage, Failure> {
        Ok(KindPage {
            kind,
            size: ctx.params.count(count, 20, MAX_COUNT)? as usize,
            offset: ctx.params.count(offset, 0, 100_000)? as usize,
        })
    };
    let pages = [
        page(ResultType::Artist, "artistCount", "artistOffset")?,
        page(ResultType::Album, "albumCount", "albumOffset")?,
        page(ResultType::Track, "songCount", "songOffset")?,
    ];
    let (artists, albums, songs) = if query.is_empty() {
        everything(ctx, &pages).await?
    } else {
        if query.chars().count() > 200 {
            return Err(Failure::invalid("query", "must be at most 200 characters"));
        }
        let ids = ids_by_kind(&ctx.state.search, query, Some(ctx.caller.id), &pages).await?;
        found(ctx, &ids).await?
    };
    let (name, album): (_, fn(&AlbumRow) -> Element) = if id3 {
        ("searchResult3", |a| a.id3("album"))
    } else {
        ("searchResult2", |a| a.child("album"))
    };
    Ok(Reply::Payload(
        Element::new(name)
            .list("artist", artists.iter().map(ArtistRow::id3).collect())
            .list("album", albums.iter().map(album).collect())
            .list("song", songs.iter().map(|s| s.element("song")).collect()),
    ))
}

type Found = (Vec<ArtistRow>, Vec<AlbumRow>, Vec<SongRow>);

/// The whole catalogue, by name, one page of each kind.
async fn everything(ctx: &Ctx, pages: &[KindPage; 3]) -> Result<Found, Failure> {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    let window = |p: &KindPage| (p.size as i64, p.offset as i64);
    let (size, offset) = window(&pages[0]);
    let artists = sqlx::query_as(&format!(
        "{ARTISTS} ORDER BY lower(ar.name), ar.id LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(size)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (size, offset) = window(&pages[1]);
    let albums = sqlx::query_as(&format!(
        "{ALBUMS} ORDER BY lower(al.title), al.id LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(size)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (size, offset) = window(&pages[2]);
    let songs = sqlx::query_as(&format!(
        "{SONGS} ORDER BY lower(t.title), t.id LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(size)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok((artists, albums, songs))
}

/// The rows of the ids the search server found, in its order. An id the
/// index still has but the database no longer does is skipped.
async fn found(ctx: &Ctx, ids: &[Vec<Uuid>]) -> Result<Found, Failure> {
    let db = &ctx.state.db;
    let user = ctx.caller.id;
    let empty = Vec::new();
    let of = |n: usize| ids.get(n).unwrap_or(&empty);
    // Three independent reads: one round trip's wait instead of three.
    let artist_sql = format!("{ARTISTS} WHERE ar.id = ANY($2)");
    let album_sql = format!("{ALBUMS} WHERE al.id = ANY($2)");
    let song_sql = format!("{SONGS} WHERE t.id = ANY($2)");
    let (artists, albums, songs) = tokio::try_join!(
        sqlx::query_as::<_, ArtistRow>(&artist_sql)
            .bind(user)
            .bind(of(0))
            .fetch_all(db),
        sqlx::query_as::<_, AlbumRow>(&album_sql)
            .bind(user)
            .bind(of(1))
            .fetch_all(db),
        sqlx::query_as::<_, SongRow>(&song_sql)
            .bind(user)
            .bind(of(2))
            .fetch_all(db),
    )?;
    Ok((
        ordered(artists, of(0), |a| a.id),
        ordered(albums, of(1), |a| a.id),
        ordered(songs, of(2), |s| s.id),
    ))
}

/// `rows` in the order of `ids`.
pub(super) fn ordered<T>(rows: Vec<T>, ids: &[Uuid], id: impl Fn(&T) -> Uuid) -> Vec<T> {
    let mut rows: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    ids.iter()
        .filter_map(|want| {
            rows.iter_mut()
                .find(|r| r.as_ref().is_some_and(|r| id(r) == *want))
                .and_then(Option::take)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_ranking_and_missing_ids_are_skipped() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert_eq!(ordered(vec![a, b], &[b, c, a], |x| *x), vec![b, a]);
    }
}
