//! What each listener started last, for "now playing": one sorted set of
//! listeners scored by their newest start's time, and a hash of the track of
//! each. Only the last [`WINDOW_MS`] are kept; an older question is the
//! warehouse's. As in [`crate::history`], the member `~` (+inf) marks
//! the set rebuilt from the warehouse; without it the next read rebuilds it.

use std::sync::LazyLock;

use clickhouse::Client;
use deadpool_redis::redis::{self, Script};
use encore_warehouse::history::{self, Playing};
use uuid::Uuid;

use crate::{count_failure, count_read, OnlineError, Source, Store};

/// How far back "now playing" is kept: readers ask for minutes.
pub const WINDOW_MS: u64 = 60 * 60 * 1_000;

const LOADED: &str = "~";

/// The most listeners a rebuild reads: far more than play at once here.
const REBUILD_MAX: u64 = 100_000;

fn keys(store: &Store) -> (String, String) {
    (store.key("playing"), store.key("playing:track"))
}

/// Sets each listener's start when it is newer than the one held, then drops
/// those older than the window. ARGV: the cutoff, then user, ms, track for
/// each start. `<=` rewrites an equal start, so a rebuild restores a track
/// whose hash entry was lost.
static RECORD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cutoff = tonumber(ARGV[1])
for i = 2, #ARGV - 1, 3 do
  local at = tonumber(ARGV[i + 1])
  if at >= cutoff then
    local held = redis.call('ZSCORE', KEYS[1], ARGV[i])
    if (not held) or tonumber(held) <= at then
      redis.call('ZADD', KEYS[1], at, ARGV[i])
      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    end
  end
end
local old = redis.call('ZRANGE', KEYS[1], '-inf', '(' .. ARGV[1], 'BYSCORE')
for j = 1, #old, 1000 do
  local some = {unpack(old, j, math.min(j + 999, #old))}
  redis.call('ZREM', KEYS[1], unpack(some))
  redis.call('HDEL', KEYS[2], unpack(some))
end
if ARGV[#ARGV] == 'loaded' then
  redis.call('ZADD', KEYS[1], 'inf', '~')
end
return 0
",
    )
});

/// The newest starts since ARGV[1], at most ARGV[2] of them: user, ms, track
/// triples; `false` when the set lacks its mark or a track.
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if not redis.call('ZSCORE', KEYS[1], '~') then return false end
local rows = redis.call('ZRANGE', KEYS[1], '+inf', ARGV[1], 'BYSCORE', 'REV', 'LIMIT', 0, tonumber(ARGV[2]) + 1, 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  if rows[i] ~= '~' then
    local track = redis.call('HGET', KEYS[2], rows[i])
    if not track then return false end
    table.insert(out, rows[i]); table.insert(out, rows[i + 1]); table.insert(out, track)
  end
end
return out
",
    )
});

/// Records starts (each listener's newest of a batch is enough). `now_ms`
/// sets the window's start.
pub async fn record(store: &Store, starts: &[Playing], now_ms: u64) -> Result<(), OnlineError> {
    run_record(store, starts, now_ms, false).await
}

async fn run_record(
    store: &Store,
    starts: &[Playing],
    now_ms: u64,
    loaded: bool,
) -> Result<(), OnlineError> {
    if starts.is_empty() && !loaded {
        return Ok(());
    }
    let (set, tracks) = keys(store);
    let mut invocation = RECORD.key(&set);
    invocation
        .key(&tracks)
        .arg(now_ms.saturating_sub(WINDOW_MS));
    for start in starts {
        invocation
            .arg(start.user_id.to_string())
            .arg(start.occurred_at_ms)
            .arg(start.track_id.to_string());
    }
    invocation.arg(if loaded { "loaded" } else { "-" });
    store
        .run_replicated(|mut c| async move {
            invocation.invoke_async::<()>(&mut c).await?;
            Ok(c)
        })
        .await
}

/// Drops the mark, so the next read rebuilds: what the etl does when
/// [`record`] failed, once Redis answers again.
pub async fn forget(store: &Store) -> Result<(), OnlineError> {
    let (set, _) = keys(store);
    store
        .run(|mut c| async move {
            redis::cmd("ZREM")
                .arg(&set)
                .arg(LOADED)
                .query_async::<()>(&mut c)
                .await
        })
        .await
        .map(|_| ())
}

/// The newest start of each listener who started one at or after `since_ms`,
/// most recent first, at most `limit`: from Redis, rebuilt when missing, and
/// from the warehouse when Redis is off or down or `since_ms` is older than
/// the window.
pub async fn now_playing(
    store: &Store,
    warehouse: &Client,
    since_ms: u64,
    limit: u64,
    now_ms: u64,
) -> Result<(Vec<Playing>, Source), clickhouse::error::Error> {
    let in_window = since_ms >= now_ms.saturating_sub(WINDOW_MS);
    let held = if in_window {
        read(store, since_ms, limit).await.unwrap_or_else(|error| {
            count_failure("now_playing_read", &error);
            None
        })
    } else {
        None
    };
    let (playing, source) = match held {
        Some(Some(playing)) => (playing, Source::Redis),
        Some(None) => {
            let window = now_ms.saturating_sub(WINDOW_MS);
            let recent = history::now_playing(warehouse, window, REBUILD_MAX).await?;
            if let Err(error) = run_record(store, &recent, now_ms, true).await {
                count_failure("now_playing_rebuild", &error);
            }
            let mut playing: Vec<Playing> = recent
                .into_iter()
                .filter(|p| p.occurred_at_ms >= since_ms)
                .collect();
            playing.truncate(limit as usize);
            (playing, Source::Rebuilt)
        }
        None => (
            history::now_playing(warehouse, since_ms, limit).await?,
            Source::Warehouse,
        ),
    };
    count_read("now_playing", source);
    Ok((playing, source))
}

/// `None` when the store is off; `Some(None)` when it must be rebuilt.
async fn read(
    store: &Store,
    since_ms: u64,
    limit: u64,
) -> Result<Option<Option<Vec<Playing>>>, OnlineError> {
    let (set, tracks) = keys(store);
    let mut invocation = READ.key(&set);
    invocation.key(&tracks).arg(since_ms).arg(limit);
    let Some(rows) = store
        .run(|mut c| async move { invocation.invoke_async::<Option<Vec<String>>>(&mut c).await })
        .await?
    else {
        return Ok(None);
    };
    let Some(rows) = rows else {
        return Ok(Some(None));
    };
    let mut playing = Vec::with_capacity(rows.len() / 3);
    for row in rows.chunks_exact(3) {
        let parsed = (|| {
            Some(Playing {
                user_id: row[0].parse::<Uuid>().ok()?,
                occurred_at_ms: row[1].parse::<f64>().ok()? as u64,
                track_id: row[2].parse::<Uuid>().ok()?,
            })
        })();
        playing.push(parsed.ok_or_else(|| OnlineError::Decode(format!("now playing {row:?}")))?);
    }
    // The warehouse breaks ties in time by the listener's id, ascending.
    playing.sort_by(|a, b| {
        b.occurred_at_ms
            .cmp(&a.occurred_at_ms)
            .then_with(|| a.user_id.to_string().cmp(&b.user_id.to_string()))
    });
    playing.truncate(limit as usize);
    Ok(Some(Some(playing)))
}
