//! Annotation: star and unstar (the native likes), and scrobble (playback
//! events on the same topic and contract as every client's).

use encore_core::catalog::songs;
use encore_core::library::likes::{self, Kind};
use encore_core::library::ratings;
use encore_core::DbError;
use encore_schemas::{Client, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind};
use uuid::Uuid;

use super::params::Failure;
use crate::context::{Ctx, Outcome, Reply};

/// Sorts `id`s (which folder-based clients use for albums and artists too)
/// by what they name; one that names nothing is not found (70).
async fn classify(ctx: &Ctx, ids: &[Uuid]) -> Result<Vec<(Kind, Uuid)>, Failure> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match likes::kind_of(&ctx.state.db, *id).await? {
            Some(kind) => out.push((kind, *id)),
            None => return Err(Failure::not_found("item")),
        }
    }
    Ok(out)
}

/// `star` or `unstar`: `id` (a song, or an album or artist folder),
/// `albumId`, `artistId`, each repeatable.
pub(super) async fn star(ctx: &Ctx, star: bool) -> Outcome {
    let mut targets = classify(ctx, &ctx.params.ids("id")?).await?;
    targets.extend(
        ctx.params
            .ids("albumId")?
            .into_iter()
            .map(|id| (Kind::Album, id)),
    );
    targets.extend(
        ctx.params
            .ids("artistId")?
            .into_iter()
            .map(|id| (Kind::Artist, id)),
    );
    if targets.is_empty() {
        return Err(Failure::missing("id, albumId or artistId"));
    }
    let db = &ctx.state.db;
    if star {
        likes::like_all(db, ctx.caller.id, &targets)
            .await
            .map_err(|error| match error {
                DbError::NotFound(_) => Failure::not_found("item"),
                other => other.into(),
            })?;
        return Ok(Reply::Empty);
    }
    for kind in Kind::ALL {
        let ids: Vec<Uuid> = targets
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        if !ids.is_empty() {
            likes::unlike(db, ctx.caller.id, kind, &ids).await?;
        }
    }
    Ok(Reply::Empty)
}

/// `setRating`: `id` (a song, album or artist) and `rating`, 1 to 5, or 0
/// to remove it.
pub(super) async fn rate(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let rating = ctx
        .params
        .int("rating")?
        .ok_or_else(|| Failure::missing("rating"))?;
    if !(0..=5).contains(&rating) {
        return Err(Failure::invalid("rating", "must be 0 (none) to 5"));
    }
    let Some((kind, _)) = classify(ctx, &[id]).await?.into_iter().next() else {
        return Err(Failure::not_found("item"));
    };
    ratings::set(&ctx.state.db, ctx.caller.id, kind, id, rating as i16).await?;
    Ok(Reply::Empty)
}

/// Namespace of the event ids a scrobble derives.
const SCROBBLE_IDS: Uuid = Uuid::from_u128(0x6a1c_5f0e_93b4_4c61_9d0b_5e2f_0c7a_8b31);

/// A deterministic id: a client that sends the same scrobble again sends
/// the same events, which every consumer deduplicates by id.
fn event_id(user: Uuid, track: Uuid, started_ms: i64, what: &str) -> Uuid {
    let name = format!("{user}/{track}/{started_ms}/{what}");
    Uuid::new_v5(&SCROBBLE_IDS, name.as_bytes())
}

/// The playback events one scrobble stands for. `submission=false` ("now
/// playing") is a start; `submission=true` (listened) is a start and a
/// complete: the start is the same event a "now playing" for that time
/// sent, so it counts once, and an offline play sent only afterwards still
/// counts. `time` is when the song started, in ms (now when absent).
#[allow(clippy::too_many_arguments)]
pub(super) fn scrobble_events(
    user: Uuid,
    track: Uuid,
    duration_ms: i64,
    started_ms: i64,
    submission: bool,
    client: &str,
    received_at: i64,
) -> Vec<PlaybackEvent> {
    let session = event_id(user, track, started_ms, "session");
    let event = |kind: PlaybackKind, position_ms: i64, occurred_at: i64| {
        let id = event_id(user, track, started_ms, kind.as_str());
        subsonic_event(
            id,
            session,
            user,
            track,
            kind,
            position_ms,
            duration_ms,
            occurred_at,
            client,
            received_at,
        )
    };
    let mut events = vec![event(PlaybackKind::Start, 0, started_ms)];
    if submission {
        events.push(event(
            PlaybackKind::Complete,
            duration_ms,
            started_ms + duration_ms,
        ));
    }
    events
}

/// A playback event from a Subsonic client, on the contract every client's
/// events follow.
#[allow(clippy::too_many_arguments)]
pub(super) fn subsonic_event(
    event_id: Uuid,
    session_id: Uuid,
    user: Uuid,
    track: Uuid,
    kind: PlaybackKind,
    position_ms: i64,
    duration_ms: i64,
    occurred_at: i64,
    client: &str,
    received_at: i64,
) -> PlaybackEvent {
    PlaybackEvent {
        event_id,
        user_id: user,
        track_id: track,
        session_id,
        kind,
        position_ms,
        track_duration_ms: duration_ms,
        occurred_at,
        received_at,
        client: Client {
            app: client.to_string(),
            version: None,
        },
        device: Device {
            id: None,
            platform: "subsonic".to_string(),
        },
        context: PlaybackContext {
            kind: ContextKind::Other,
            id: None,
        },
    }
}

/// Earliest and latest `time` a scrobble may carry, as the native events'.
const EARLIEST_MS: i64 = 946_684_800_000;
const MAX_AHEAD_MS: i64 = 86_400_000;

/// `scrobble`: `id` and `time` pairs (repeatable), `submission` (default true).
pub(super) async fn scrobble(ctx: &Ctx) -> Outcome {
    let ids = ctx.params.ids("id")?;
    if ids.is_empty() {
        return Err(Failure::missing("id"));
    }
    let times = ctx
        .params
        .all("time")
        .into_iter()
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .map_err(|_| Failure::invalid("time", "must be milliseconds since 1970"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !times.is_empty() && times.len() != ids.len() {
        return Err(Failure::invalid(
            "time",
            "must be given once per id, or not at all",
        ));
    }
    let submission = ctx.params.bool("submission")?.unwrap_or(true);
    let now = encore_common::now_millis();
    let client = ctx.params.get("c").unwrap_or("subsonic");
    let mut events = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let started = times.get(n).copied().unwrap_or(now);
        if !(EARLIEST_MS..=now + MAX_AHEAD_MS).contains(&started) {
            return Err(Failure::invalid(
                "time",
                "must be milliseconds since 1970, after 2000 and not in the future",
            ));
        }
        let duration = songs::duration(&ctx.state.db, *id)
            .await?
            .ok_or_else(|| Failure::not_found("song"))?;
        events.extend(scrobble_events(
            ctx.caller.id,
            *id,
            duration,
            started,
            submission,
            client,
            now,
        ));
    }
    ctx.state.host.publish(&events).await?;
    Ok(Reply::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resent_scrobble_is_the_same_events_and_now_playing_shares_the_start() {
        let (user, track) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let now_playing =
            scrobble_events(user, track, 200_000, 1_700_000_000_000, false, "DSub", 5);
        let listened = scrobble_events(user, track, 200_000, 1_700_000_000_000, true, "DSub", 9);
        let again = scrobble_events(user, track, 200_000, 1_700_000_000_000, true, "DSub", 12);
        assert_eq!(now_playing.len(), 1);
        assert_eq!(now_playing[0].kind, PlaybackKind::Start);
        assert_eq!(listened.len(), 2);
        assert_eq!(listened[0].event_id, now_playing[0].event_id);
        assert_eq!(listened[1].kind, PlaybackKind::Complete);
        assert_eq!(listened[1].position_ms, 200_000);
        assert_eq!(listened[1].occurred_at, 1_700_000_200_000);
        let ids = |e: &[PlaybackEvent]| e.iter().map(|e| e.event_id).collect::<Vec<_>>();
        assert_eq!(ids(&listened), ids(&again));
        let later = scrobble_events(user, track, 200_000, 1_700_000_900_000, true, "DSub", 12);
        assert_ne!(
            ids(&listened),
            ids(&later),
            "another listen is another play"
        );
    }
}
