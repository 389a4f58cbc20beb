//! Each listener's recent plays: a sorted set per listener, scored by the
//! play's time in milliseconds, whose members are the event id's 16 bytes,
//! the track id's 16 and the context's text. Binary, not text, so that a
//! member fits a listpack's 64 bytes and a listener's history costs about a
//! quarter of what it did as text in a skiplist (docs/deployment.md).
//!
//! - A play is the same member however often it is written, so a replayed
//!   topic adds nothing ([`record`] is idempotent).
//! - Members of one score sort by their text, which starts with the event id:
//!   newest first with ties broken by the event id, as the warehouse orders.
//! - The member `~`, scored +inf, says the set was rebuilt from the
//!   warehouse and so holds everything recent; without it (a cold listener,
//!   an evicted or flushed key) the next read rebuilds it. One key carries
//!   both, so eviction can never leave the mark without the plays.
//! - At most [`KEEP`] plays stay; a page older than those is the warehouse's.

use std::collections::HashMap;

use clickhouse::Client;
use deadpool_redis::redis;
use encore_warehouse::history::{self, Before, Play};
use uuid::Uuid;

use crate::{count_failure, count_read, OnlineError, Source, Store};

/// Plays kept per listener.
pub const KEEP: usize = 500;

/// The member that marks a set as complete.
const LOADED: &str = "~";

/// A page may hold plays of the cursor's own millisecond that come before it;
/// this many more are read to step over them.
const TIES: usize = 16;

fn key(store: &Store, user: Uuid) -> String {
    store.key(&format!("history:{user}"))
}

/// The member of a play. The event id comes first, big-endian, so members
/// of one millisecond sort by it as the warehouse sorts their text.
fn member(play: &Play) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(32 + play.context.len());
    bytes.extend_from_slice(play.event_id.as_bytes());
    bytes.extend_from_slice(play.track_id.as_bytes());
    bytes.extend_from_slice(play.context.as_bytes());
    bytes
}

fn parse_member(member: &[u8], score: f64) -> Option<Play> {
    if member.len() < 32 {
        return None;
    }
    let (ids, context) = member.split_at(32);
    Some(Play {
        event_id: Uuid::from_slice(&ids[..16]).ok()?,
        track_id: Uuid::from_slice(&ids[16..]).ok()?,
        context: String::from_utf8(context.to_vec()).ok()?,
        occurred_at_ms: score as u64,
    })
}

/// Adds each listener's plays (`start`s, as the warehouse got them) and trims
/// each set to [`KEEP`]. The etl calls this after the warehouse has them, so
/// a rebuild running meanwhile finds them there too.
pub async fn record(store: &Store, plays: &[(Uuid, Play)]) -> Result<(), OnlineError> {
    if plays.is_empty() {
        return Ok(());
    }
    let mut by_user: HashMap<Uuid, Vec<&Play>> = HashMap::new();
    for (user, play) in plays {
        by_user.entry(*user).or_default().push(play);
    }
    let mut pipe = redis::pipe();
    for (user, plays) in by_user {
        let key = key(store, user);
        let scored: Vec<(u64, Vec<u8>)> = plays
            .iter()
            .map(|p| (p.occurred_at_ms, member(p)))
            .collect();
        pipe.zadd_multiple(&key, &scored).ignore();
        // The mark (+inf) and KEEP plays stay; without the mark one more
        // play does, which a rebuild trims.
        pipe.zremrangebyrank(&key, 0, -(KEEP as isize) - 2).ignore();
    }
    store
        .run_replicated(|mut c| async move {
            pipe.query_async::<()>(&mut c).await?;
            Ok(c)
        })
        .await
}

/// Drops listeners' sets, so their next read rebuilds them: what the etl does
/// when [`record`] failed, once Redis answers again.
pub async fn forget(store: &Store, users: &[Uuid]) -> Result<(), OnlineError> {
    if users.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = users.iter().map(|u| key(store, *u)).collect();
    store
        .run(|mut c| async move {
            redis::cmd("UNLINK")
                .arg(&keys)
                .query_async::<()>(&mut c)
                .await
        })
        .await
        .map(|_| ())
}

/// What Redis holds for one page.
#[derive(Debug, PartialEq)]
enum Held {
    /// The page: up to `limit` plays, all there are when fewer.
    Page(Vec<Play>),
    /// The set lacks its mark: rebuild it.
    Missing,
    /// The page reaches past the plays kept: the warehouse's to answer.
    Beyond,
}

/// Up to `limit` plays of `user`, newest first, after `before` when given:
/// from Redis, rebuilding the listener there when missing, and from the
/// warehouse when Redis is off or down or the page is older than it keeps.
pub async fn page(
    store: &Store,
    warehouse: &Client,
    user: Uuid,
    before: Option<Before>,
    limit: u64,
) -> Result<(Vec<Play>, Source), clickhouse::error::Error> {
    let limit = limit as usize;
    let held = match read(store, user, before, limit).await {
        Ok(Some(held)) => held,
        Ok(None) => Held::Beyond,
        // A set this version cannot read (written by an older one) is
        // dropped and rebuilt, not read around for ever.
        Err(error @ OnlineError::Decode(_)) => {
            count_failure("history_read", &error);
            match forget(store, &[user]).await {
                Ok(()) => Held::Missing,
                Err(_) => Held::Beyond,
            }
        }
        Err(error) => {
            count_failure("history_read", &error);
            Held::Beyond
        }
    };
    let (plays, source) = match held {
        Held::Page(plays) => (plays, Source::Redis),
        Held::Missing => {
            let recent = history::listener_plays(warehouse, user, None, KEEP as u64).await?;
            if let Err(error) = fill(store, user, &recent).await {
                count_failure("history_rebuild", &error);
            }
            match page_of(&recent, before, limit, recent.len() < KEEP) {
                Held::Page(plays) => (plays, Source::Rebuilt),
                _ => (
                    history::listener_plays(warehouse, user, before, limit as u64).await?,
                    Source::Warehouse,
                ),
            }
        }
        Held::Beyond => (
            history::listener_plays(warehouse, user, before, limit as u64).await?,
            Source::Warehouse,
        ),
    };
    count_read("history", source);
    Ok((plays, source))
}

/// Reads one page's worth from Redis; `None` when the store is off.
async fn read(
    store: &Store,
    user: Uuid,
    before: Option<Before>,
    limit: usize,
) -> Result<Option<Held>, OnlineError> {
    let key = key(store, user);
    let max = match before {
        Some(b) => b.occurred_at_ms.to_string(),
        None => "+inf".to_string(),
    };
    // The mark, and one more than the page (or than the mark and the page).
    let fetch = limit + 2 + TIES;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .zscore(&key, LOADED)
        .zcard(&key)
        .cmd("ZRANGE")
        .arg(&key)
        .arg(&max)
        .arg("-inf")
        .arg("BYSCORE")
        .arg("REV")
        .arg("LIMIT")
        .arg(0)
        .arg(fetch)
        .arg("WITHSCORES");
    let Some((mark, count, rows)) = store
        .run(|mut c| async move {
            pipe.query_async::<(Option<f64>, usize, Vec<(Vec<u8>, f64)>)>(&mut c)
                .await
        })
        .await?
    else {
        return Ok(None);
    };
    if mark.is_none() {
        return Ok(Some(Held::Missing));
    }
    let read_all = rows.len() < fetch;
    let mut plays = Vec::with_capacity(rows.len());
    for (member, score) in rows {
        if member == LOADED.as_bytes() {
            continue;
        }
        plays.push(
            parse_member(&member, score)
                .ok_or_else(|| OnlineError::Decode(format!("history member {member:?}")))?,
        );
    }
    // Everything the listener played is here when fewer than KEEP are kept.
    let complete = count.saturating_sub(1) < KEEP;
    // Rows left unread (many plays of the cursor's millisecond) may belong
    // on the page: then the warehouse answers.
    Ok(Some(page_of(&plays, before, limit, complete && read_all)))
}

/// The page after `before` from `newest_first` (plays at or before the
/// cursor's time, newest first). `complete`: no older plays exist than these.
fn page_of(newest_first: &[Play], before: Option<Before>, limit: usize, complete: bool) -> Held {
    let after_cursor = |play: &&Play| match before {
        None => true,
        Some(b) => {
            play.occurred_at_ms < b.occurred_at_ms
                || (play.occurred_at_ms == b.occurred_at_ms
                    && play.event_id.to_string() < b.event_id.to_string())
        }
    };
    let page: Vec<Play> = newest_first
        .iter()
        .filter(after_cursor)
        .take(limit)
        .cloned()
        .collect();
    if page.len() == limit || complete {
        Held::Page(page)
    } else {
        Held::Beyond
    }
}

/// Writes a listener's recent plays, read from the warehouse, and the mark.
async fn fill(store: &Store, user: Uuid, recent: &[Play]) -> Result<(), OnlineError> {
    let key = key(store, user);
    let mut scored: Vec<(f64, Vec<u8>)> = recent
        .iter()
        .map(|p| (p.occurred_at_ms as f64, member(p)))
        .collect();
    scored.push((f64::INFINITY, LOADED.as_bytes().to_vec()));
    let mut pipe = redis::pipe();
    pipe.atomic()
        .zadd_multiple(&key, &scored)
        .ignore()
        .zremrangebyrank(&key, 0, -(KEEP as isize) - 2)
        .ignore();
    store
        .run(|mut c| async move { pipe.query_async::<()>(&mut c).await })
        .await
        .map(|_| ())
}

/// Every play Redis keeps of `user`, newest first, and whether they are all
/// the listener's plays (fewer than [`KEEP`]); rebuilt when missing. `None`
/// when Redis cannot say: the caller asks the warehouse.
pub async fn kept(
    store: &Store,
    warehouse: &Client,
    user: Uuid,
) -> Result<Option<(Vec<Play>, bool)>, clickhouse::error::Error> {
    if !store.is_on() {
        return Ok(None);
    }
    // Exactly KEEP: a full set gives them all from Redis, where one more
    // would send every listener past 500 plays to the warehouse.
    let (plays, source) = page(store, warehouse, user, None, KEEP as u64).await?;
    if source == Source::Warehouse {
        return Ok(None);
    }
    let complete = plays.len() < KEEP;
    Ok(Some((plays, complete)))
}

/// How [`albums`] orders a listener's albums, as
/// `encore_warehouse::charts::listener_albums` does.
pub use encore_warehouse::charts::AlbumOrder;

/// One page of the albums of `plays` (newest first, as [`kept`] gives
/// them), in `order`, exactly as the warehouse orders them: by the latest
/// play's second (then by play count, for `Frequent`), ties by the album id's
/// text. `None` when the page needs plays older than those kept: counts are
/// exact only over all of a listener's plays (`complete`), and a recency
/// page only while it lies among the albums the kept plays reach.
pub fn albums(
    plays: &[Play],
    album_of: &HashMap<Uuid, Uuid>,
    order: AlbumOrder,
    offset: usize,
    limit: usize,
    complete: bool,
) -> Option<Vec<Uuid>> {
    if order == AlbumOrder::Frequent && !complete {
        return None;
    }
    // album → (plays, latest second)
    let mut seen: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for play in plays {
        let Some(album) = album_of.get(&play.track_id) else {
            continue;
        };
        let entry = seen.entry(*album).or_insert((0, 0));
        entry.0 += 1;
        entry.1 = entry.1.max(play.occurred_at_ms / 1_000);
    }
    let mut ranked: Vec<(Uuid, (u64, u64), String)> = seen
        .into_iter()
        .map(|(album, counts)| (album, counts, album.to_string()))
        .collect();
    ranked.sort_by(|a, b| {
        let by_count = match order {
            AlbumOrder::Frequent => b.1 .0.cmp(&a.1 .0),
            AlbumOrder::Recent => std::cmp::Ordering::Equal,
        };
        by_count
            .then(b.1 .1.cmp(&a.1 .1))
            .then_with(|| a.2.cmp(&b.2))
    });
    if !complete && limit > 0 {
        // An album whose plays all fell out of the kept ones ranks after
        // every album here, except one whose latest play shares a second
        // with the oldest kept play: the page must end above that second.
        let oldest = plays.last().map_or(0, |p| p.occurred_at_ms / 1_000);
        match ranked.get(offset + limit - 1) {
            Some((_, (_, latest), _)) if *latest > oldest => {}
            _ => return None,
        }
    }
    Some(
        ranked
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(album, _, _)| album)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(n: u128, at: u64) -> Play {
        Play {
            event_id: Uuid::from_u128(n),
            track_id: Uuid::from_u128(1_000 + n),
            context: "album".into(),
            occurred_at_ms: at,
        }
    }

    #[test]
    fn members_round_trip_and_sort_as_the_event_ids_text() {
        let mut p = play(7, 1_700_000_000_123);
        p.context = "a|b".into();
        assert_eq!(
            parse_member(&member(&p), p.occurred_at_ms as f64),
            Some(p.clone())
        );
        assert_eq!(parse_member(b"nonsense", 1.0), None);
        assert_eq!(parse_member(LOADED.as_bytes(), 1.0), None);
        // Redis orders members of one score by their bytes; the warehouse by
        // the event id's text. The two agree.
        let ids = [
            Uuid::from_u128(u128::MAX - 3),
            Uuid::from_u128(0xa0 << 120),
            Uuid::from_u128(9 << 64),
        ];
        for a in ids {
            for b in ids {
                let (mut pa, mut pb) = (p.clone(), p.clone());
                pa.event_id = a;
                pb.event_id = b;
                assert_eq!(
                    member(&pa).cmp(&member(&pb)),
                    a.to_string().cmp(&b.to_string())
                );
            }
        }
        assert!(member(&p).len() <= 64, "fits a listpack");
    }

    #[test]
    fn albums_rank_as_the_warehouse_and_know_what_they_cannot_say() {
        // Newest first: album 2 at 30 s, album 1 at 20 s and 10 s, album 3
        // at 10 s (a tie in seconds with album 1's older play).
        let plays = [
            play(4, 30_500),
            play(3, 20_000),
            play(2, 10_100),
            play(1, 10_900),
        ];
        let album = |n: u128| Uuid::from_u128(100 + n);
        let album_of: HashMap<Uuid, Uuid> = [(4, 2), (3, 1), (2, 1), (1, 3)]
            .into_iter()
            .map(|(p, a)| (plays[4 - p as usize].track_id, album(a)))
            .collect();
        let recent = albums(&plays, &album_of, AlbumOrder::Recent, 0, 3, true);
        assert_eq!(recent, Some(vec![album(2), album(1), album(3)]));
        let frequent = albums(&plays, &album_of, AlbumOrder::Frequent, 0, 3, true);
        assert_eq!(frequent, Some(vec![album(1), album(2), album(3)]));
        assert_eq!(
            albums(&plays, &album_of, AlbumOrder::Frequent, 0, 1, false),
            None
        );
        // Without the older plays: a page is known while it ends above the
        // oldest kept play's second, where an album played only before it
        // could tie.
        assert_eq!(
            albums(&plays, &album_of, AlbumOrder::Recent, 0, 2, false),
            Some(vec![album(2), album(1)])
        );
        assert_eq!(
            albums(&plays, &album_of, AlbumOrder::Recent, 1, 2, false),
            None
        );
        assert_eq!(
            albums(&plays, &album_of, AlbumOrder::Recent, 2, 2, false),
            None
        );
    }

    #[test]
    fn pages_step_over_the_cursor_and_know_when_the_rest_is_older() {
        // Newest first; two plays share a millisecond, ordered by event id.
        let plays = vec![play(9, 50), play(8, 40), play(6, 40), play(5, 30)];
        assert_eq!(
            page_of(&plays, None, 2, false),
            Held::Page(plays[..2].to_vec())
        );
        let cursor = Some(Before {
            occurred_at_ms: 40,
            event_id: Uuid::from_u128(8),
        });
        assert_eq!(
            page_of(&plays, cursor, 2, false),
            Held::Page(plays[2..].to_vec())
        );
        // Fewer than asked: all there is only when nothing older exists.
        assert_eq!(
            page_of(&plays, cursor, 5, true),
            Held::Page(plays[2..].to_vec())
        );
        assert_eq!(page_of(&plays, cursor, 5, false), Held::Beyond);
    }
}
