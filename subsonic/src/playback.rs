//! Listening across devices: reportPlayback (the OpenSubsonic
//! `playbackReport` extension), getNowPlaying, savePlayQueue, getPlayQueue.

use encore_core::catalog::songs;
use encore_core::library::queue;
use encore_core::{accounts, playback};
use encore_schemas::{PlaybackEvent, PlaybackKind};
use time::OffsetDateTime;
use uuid::Uuid;

use super::annotate::subsonic_event;
use super::model::SongElement;
use super::params::{parse_id, Failure};
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};
use encore_common::times::{from_millis, rfc3339};

/// The most listeners getNowPlaying lists.
const NOW_PLAYING_MAX: u64 = 100;

/// Whether stopping at `position_ms` of `duration_ms` is a listen (a
/// complete) or a skip: half the song or four minutes, whichever comes
/// first, the rule scrobbling clients use for `submission=true`.
pub(super) fn listened(position_ms: i64, duration_ms: i64) -> bool {
    position_ms >= (duration_ms / 2).min(240_000)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Starting,
    Playing,
    Paused,
    Stopped,
}

impl State {
    fn parse(text: &str) -> Option<State> {
        Some(match text {
            "starting" => State::Starting,
            "playing" => State::Playing,
            "paused" => State::Paused,
            "stopped" => State::Stopped,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Playing => "playing",
            State::Paused => "paused",
            State::Stopped => "stopped",
        }
    }
}

/// The listener's last report: its track, session and state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Last {
    track: Uuid,
    session: Uuid,
    state: State,
    position_ms: i64,
}

/// Which events a report stands for, given the last one, and the session
/// it continues or opens. A report equal to the last is a resend: nothing.
///
/// A new session's id derives from the one before it, so a report retried
/// after a failed publish opens the same session with the same event ids.
fn transition(
    last: Option<&Last>,
    user: Uuid,
    track: Uuid,
    state: State,
    position_ms: i64,
    duration_ms: i64,
) -> (Uuid, Vec<(PlaybackKind, i64)>) {
    let same_track = last.filter(|l| l.track == track);
    if let Some(l) = same_track {
        if l.state == state && l.position_ms == position_ms {
            return (l.session, Vec::new());
        }
    }
    let open = same_track.filter(|l| l.state != State::Stopped);
    let new_session = || {
        let before = last.map_or(Uuid::nil(), |l| l.session);
        Uuid::new_v5(&before, format!("{user}/{track}").as_bytes())
    };
    match (state, open) {
        (State::Starting, _) => (new_session(), vec![(PlaybackKind::Start, position_ms)]),
        (State::Playing, Some(l)) if l.state == State::Paused => {
            (l.session, vec![(PlaybackKind::Resume, position_ms)])
        }
        (State::Playing, Some(l)) => (l.session, vec![(PlaybackKind::Progress, position_ms)]),
        (State::Paused, Some(l)) => (l.session, vec![(PlaybackKind::Pause, position_ms)]),
        (State::Stopped, Some(l)) => {
            let end = if listened(position_ms, duration_ms) {
                PlaybackKind::Complete
            } else {
                PlaybackKind::Skip
            };
            (l.session, vec![(end, position_ms)])
        }
        // Playing or paused without a start: the start was not reported.
        (State::Playing, None) => (new_session(), vec![(PlaybackKind::Start, position_ms)]),
        (State::Paused, None) => (
            new_session(),
            vec![
                (PlaybackKind::Start, position_ms),
                (PlaybackKind::Pause, position_ms),
            ],
        ),
        // Nothing is playing: there is nothing to stop.
        (State::Stopped, None) => (last.map_or(Uuid::nil(), |l| l.session), Vec::new()),
    }
}

/// `reportPlayback`: `mediaId`, `mediaType` (song), `positionMs`, `state`
/// (starting, playing, paused, stopped), `ignoreScrobble`.
pub(super) async fn report(ctx: &Ctx) -> Outcome {
    let track = ctx.params.id("mediaId")?;
    let media_type = ctx.params.required("mediaType")?;
    if media_type != "song" {
        return Err(Failure::not_found("podcast episode"));
    }
    let position_ms = ctx
        .params
        .int("positionMs")?
        .ok_or_else(|| Failure::missing("positionMs"))?;
    if position_ms < 0 {
        return Err(Failure::invalid("positionMs", "must not be negative"));
    }
    let state = State::parse(ctx.params.required("state")?)
        .ok_or_else(|| Failure::invalid("state", "must be starting, playing, paused or stopped"))?;
    let ignore = ctx.params.bool("ignoreScrobble")?.unwrap_or(false);
    let duration = songs::duration(&ctx.state.db, track)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    // The native events' rule: a report past the track's end is a client bug.
    playback::check_position(position_ms, duration)
        .map_err(|why| Failure::invalid("positionMs", &why))?;
    let user = ctx.caller.id;
    let mut tx = ctx.state.db.begin().await?;
    let last = playback::last_for_update(&mut tx, user)
        .await?
        .and_then(|report| {
            Some(Last {
                track: report.track_id,
                session: report.session_id,
                state: State::parse(&report.state)?,
                position_ms: report.position_ms,
            })
        });
    let (session, kinds) = transition(last.as_ref(), user, track, state, position_ms, duration);
    if kinds.is_empty()
        && last
            .as_ref()
            .is_some_and(|l| l.track == track && l.state == state)
    {
        return Ok(Reply::Empty);
    }
    let now = encore_common::now_millis();
    let client = ctx.params.get("c").unwrap_or("subsonic");
    let events: Vec<PlaybackEvent> = kinds
        .into_iter()
        .map(|(kind, position)| {
            let id = Uuid::new_v5(&session, format!("{}/{position}", kind.as_str()).as_bytes());
            subsonic_event(
                id, session, user, track, kind, position, duration, now, client, now,
            )
        })
        .collect();
    if !ignore && !events.is_empty() {
        ctx.state.host.publish(&events).await?;
    }
    let report = playback::Report {
        track_id: track,
        session_id: session,
        state: state.as_str().to_owned(),
        position_ms,
    };
    playback::record(&mut tx, user, &report).await?;
    tx.commit().await?;
    Ok(Reply::Empty)
}

/// What each listener started in the last ten minutes, by any client: the
/// newest play of each, from Redis (the warehouse when it cannot say).
pub(super) async fn now_playing(ctx: &Ctx) -> Outcome {
    let since = encore_common::now_millis().saturating_sub(10 * 60 * 1_000);
    let now = encore_common::now_millis().max(0) as u64;
    let (playing, _) = encore_online::playing::now_playing(
        &ctx.state.online,
        &ctx.state.warehouse,
        since.max(0) as u64,
        NOW_PLAYING_MAX,
        now,
    )
    .await
    .map_err(|error| {
        tracing::warn!(%error, "the warehouse did not answer now playing");
        Failure::generic("play statistics are unavailable right now; retry shortly")
    })?;
    let users: Vec<Uuid> = playing.iter().map(|p| p.user_id).collect();
    // Deleted accounts keep their plays in the warehouse, under an id that
    // no longer names anyone: they are not shown.
    let names = accounts::usernames(&ctx.state.db, &users).await?;
    let rows: Vec<(Uuid, &String, OffsetDateTime)> = playing
        .iter()
        .filter_map(|p| {
            let name = names.get(&p.user_id)?;
            let at = from_millis(p.occurred_at_ms)?;
            Some((p.track_id, name, at))
        })
        .collect();
    let tracks: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let songs = songs::by_ids(&ctx.state.db, ctx.caller.id, &tracks).await?;
    let now = OffsetDateTime::now_utc();
    let entries = rows
        .iter()
        .filter_map(|(track, username, at)| {
            let song = songs.iter().find(|s| s.id == *track)?;
            Some(
                song.element("entry")
                    .attr("username", *username)
                    .attr("minutesAgo", (now - *at).whole_minutes().max(0))
                    .attr("playerId", 0_i64),
            )
        })
        .collect();
    Ok(Reply::Payload(
        Element::new("nowPlaying").list("entry", entries),
    ))
}

/// `savePlayQueue`: `id` (repeatable; none clears the queue), `current`
/// (an id: its first place in the queue), `position` (ms).
pub(super) async fn save_queue(ctx: &Ctx) -> Outcome {
    let ids = ctx.params.ids("id")?;
    let current = match ctx.params.get("current").map(parse_id).transpose()? {
        Some(current) if !ids.is_empty() => Some(
            ids.iter()
                .position(|id| *id == current)
                .ok_or_else(|| Failure::invalid("current", "must be one of the queue's ids"))?,
        ),
        _ => None,
    };
    store_queue(ctx, &ids, current).await
}

/// `savePlayQueueByIndex` (OpenSubsonic `indexBasedQueue`): as
/// `savePlayQueue`, but the current track is a place (`currentIndex`,
/// from 0), which tells apart two copies of one track.
pub(super) async fn save_queue_by_index(ctx: &Ctx) -> Outcome {
    let ids = ctx.params.ids("id")?;
    let current = match ctx.params.int("currentIndex")? {
        _ if ids.is_empty() => None,
        None => return Err(Failure::missing("currentIndex")),
        Some(index) => Some(
            usize::try_from(index)
                .ok()
                .filter(|at| *at < ids.len())
                .ok_or_else(|| {
                    Failure::invalid("currentIndex", "must be a place in the queue, from 0")
                })?,
        ),
    };
    store_queue(ctx, &ids, current).await
}

/// Checks and saves a queue whose current track is at `current`.
async fn store_queue(ctx: &Ctx, ids: &[Uuid], current: Option<usize>) -> Outcome {
    if ids.is_empty() {
        queue::clear(&ctx.state.db, ctx.caller.id).await?;
        return Ok(Reply::Empty);
    }
    let position = ctx.params.int("position")?.unwrap_or(0);
    if position < 0 {
        return Err(Failure::invalid("position", "must not be negative"));
    }
    match queue::check(&ctx.state.db, ids, current, position).await? {
        Ok(()) => {}
        Err(queue::Problem::UnknownTrack(_)) => return Err(Failure::not_found("song")),
        Err(queue::Problem::PastEnd(why)) => return Err(Failure::invalid("position", &why)),
    }
    let client = ctx.params.get("c").unwrap_or("subsonic");
    queue::save(&ctx.state.db, ctx.caller.id, ids, current, position, client).await?;
    Ok(Reply::Empty)
}

/// The queue another device saved; nothing when there is none.
pub(super) async fn queue(ctx: &Ctx) -> Outcome {
    let Some((saved, entries)) = saved_queue(ctx).await? else {
        return Ok(Reply::Empty);
    };
    Ok(Reply::Payload(with_queue(
        Element::new("playQueue").opt("current", saved.current_id),
        ctx,
        &saved,
        entries,
    )))
}

/// `getPlayQueueByIndex`: the saved queue with its current track's place.
pub(super) async fn queue_by_index(ctx: &Ctx) -> Outcome {
    let Some((saved, entries)) = saved_queue(ctx).await? else {
        return Ok(Reply::Empty);
    };
    let current = saved.current_place().map(|at| at as i64);
    Ok(Reply::Payload(with_queue(
        Element::new("playQueueByIndex").opt("currentIndex", current),
        ctx,
        &saved,
        entries,
    )))
}

async fn saved_queue(ctx: &Ctx) -> Result<Option<(queue::Saved, Vec<Element>)>, Failure> {
    let db = &ctx.state.db;
    let Some(saved) = queue::load(db, ctx.caller.id).await? else {
        return Ok(None);
    };
    // A track in the queue twice is listed twice.
    let songs = songs::by_ids(db, ctx.caller.id, &saved.track_ids).await?;
    let entries = songs.iter().map(|s| s.element("entry")).collect();
    Ok(Some((saved, entries)))
}

/// `element` (a queue answer with its current track) with the fields both
/// queue answers share.
fn with_queue(element: Element, ctx: &Ctx, saved: &queue::Saved, entries: Vec<Element>) -> Element {
    element
        .attr("position", saved.position_ms)
        .attr("username", &ctx.caller.username)
        .attr("changed", rfc3339(saved.changed_at))
        .attr("changedBy", saved.changed_by.as_str())
        .list("entry", entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn step(
        last: Option<&Last>,
        state: State,
        position: i64,
    ) -> (Uuid, Vec<(PlaybackKind, i64)>, Last) {
        let (user, track) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (session, kinds) = transition(last, user, track, state, position, 4 * MIN);
        let next = Last {
            track,
            session,
            state,
            position_ms: position,
        };
        (session, kinds, next)
    }

    #[test]
    fn reports_become_start_pause_resume_and_an_end_by_the_position_rule() {
        let (session, kinds, last) = step(None, State::Starting, 0);
        assert_eq!(kinds, [(PlaybackKind::Start, 0)]);
        let (_, again, _) = step(Some(&last), State::Starting, 0);
        assert!(again.is_empty(), "a resend is nothing");
        let (s, kinds, last) = step(Some(&last), State::Paused, 30_000);
        assert_eq!((s, kinds), (session, vec![(PlaybackKind::Pause, 30_000)]));
        let (_, kinds, last) = step(Some(&last), State::Playing, 30_000);
        assert_eq!(kinds, [(PlaybackKind::Resume, 30_000)]);
        let (_, kinds, stopped) = step(Some(&last), State::Stopped, 2 * MIN);
        assert_eq!(kinds, [(PlaybackKind::Complete, 2 * MIN)], "half of 4 min");
        let (_, kinds, _) = step(Some(&last), State::Stopped, MIN);
        assert_eq!(kinds, [(PlaybackKind::Skip, MIN)]);
        let (_, kinds, _) = step(Some(&stopped), State::Stopped, 3 * MIN);
        assert!(kinds.is_empty(), "nothing is playing");
        let (next, kinds, _) = step(Some(&stopped), State::Starting, 0);
        assert_eq!(kinds, [(PlaybackKind::Start, 0)]);
        assert_ne!(next, session, "a new listen is a new session");
    }

    #[test]
    fn four_minutes_count_on_long_songs() {
        assert!(listened(240_000, 20 * MIN));
        assert!(!listened(239_999, 20 * MIN));
        assert!(listened(MIN, 2 * MIN));
    }
}
