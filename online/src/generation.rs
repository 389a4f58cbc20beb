//! The features job's output, one generation at a time: each listener's
//! personal recommendations and each track's similar tracks, as the
//! warehouse's `recommendations` and `track_similar` hold them.
//!
//! A generation is two hashes (listener → list, track → list). The etl
//! writes both, then switches the current generation in one step, so a
//! reader sees all of one generation or all of the one before; the two
//! newest are kept (a reader may have just picked the older one), the rest
//! deleted. A reader that finds no current generation, or its hash evicted,
//! asks the warehouse.

use std::sync::LazyLock;

use clickhouse::{Client, Row};
use deadpool_redis::redis::{self, Script};
use encore_warehouse::features::{self, Reason, Recommendation, Similar};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{count_failure, count_read, OnlineError, Source, Store};

/// The field every generation's hash has; no listener or track is named so.
const EMPTY: &str = "~";

/// Listeners (or tracks) written per round trip while publishing.
const PUBLISH_CHUNK: usize = 500;

fn current_key(store: &Store) -> String {
    store.key("generation")
}

fn published_key(store: &Store) -> String {
    store.key("generations")
}

/// The prefix of a generation's hash; the generation number follows.
fn hash_prefix(store: &Store, what: &str) -> String {
    store.key(&format!("{what}:"))
}

/// A personal recommendation as stored: short names, as there is one list
/// per listener.
#[derive(Serialize, Deserialize)]
struct StoredPick {
    t: Uuid,
    s: f64,
    /// `played`, `artist` or `genre`, and what it refers to.
    r: String,
    i: String,
}

#[derive(Serialize, Deserialize)]
struct StoredSimilar {
    t: Uuid,
    s: f64,
    n: u64,
}

/// Makes ARGV[1] current unless a newer one is, records it among those
/// published, and deletes all but the two newest. KEYS: the current
/// generation, the published set; ARGV[2..]: the hash prefixes.
static SWITCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[1])
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
local old = redis.call('ZRANGE', KEYS[2], 0, -3)
for _, g in ipairs(old) do
  for i = 2, #ARGV do redis.call('UNLINK', ARGV[i] .. g) end
  redis.call('ZREM', KEYS[2], g)
end
return 0
",
    )
});

/// The current generation's entry for ARGV[2] in the hash ARGV[1]..gen: the
/// entry, '' when it has none, `false` when there is no current generation
/// or its hash is gone.
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local g = redis.call('GET', KEYS[1])
if not g then return false end
local hash = ARGV[1] .. g
if redis.call('EXISTS', hash) == 0 then return false end
return redis.call('HGET', hash, ARGV[2]) or ''
",
    )
});

#[derive(Row, Deserialize)]
struct PickRow {
    user_text: String,
    track_text: String,
    score: f64,
    reason: String,
    reason_id: String,
}

#[derive(Row, Deserialize)]
struct SimilarRow {
    track_text: String,
    similar_text: String,
    score: f64,
    sessions: u64,
}

/// Why publishing stopped.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("reading the generation from the warehouse: {0}")]
    Warehouse(#[from] clickhouse::error::Error),
    #[error(transparent)]
    Online(#[from] OnlineError),
}

/// What [`publish`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Published {
    pub listeners: u64,
    pub tracks: u64,
}

/// Copies `generation` from the warehouse into the store, streaming it in
/// listener (track) order, then makes it current.
pub async fn publish(
    store: &Store,
    warehouse: &Client,
    generation: u64,
) -> Result<Published, PublishError> {
    let mut published = Published::default();
    if !store.is_on() {
        return Ok(published);
    }
    let picks_hash = format!("{}{generation}", hash_prefix(store, "recommendations"));
    let mut rows = warehouse
        .query(
            "SELECT toString(user_id) AS user_text, toString(track_id) AS track_text, score, reason, reason_id \
             FROM recommendations WHERE generation = ? ORDER BY user_id, position",
        )
        .bind(generation)
        .fetch::<PickRow>()?;
    let mut batch = Batch::new(picks_hash);
    let mut user = String::new();
    let mut picks: Vec<StoredPick> = Vec::new();
    while let Some(row) = rows.next().await? {
        if row.user_text != user {
            if !picks.is_empty() {
                batch.add(store, &user, &picks).await?;
                published.listeners += 1;
            }
            user = row.user_text.clone();
            picks.clear();
        }
        picks.push(StoredPick {
            t: row.track_text.parse().unwrap_or_default(),
            s: row.score,
            r: row.reason,
            i: row.reason_id,
        });
    }
    if !picks.is_empty() {
        batch.add(store, &user, &picks).await?;
        published.listeners += 1;
    }
    batch.flush(store).await?;

    let similar_hash = format!("{}{generation}", hash_prefix(store, "similar"));
    let mut rows = warehouse
        .query(
            "SELECT toString(track_id) AS track_text, toString(similar_id) AS similar_text, score, sessions \
             FROM track_similar WHERE generation = ? ORDER BY track_text, score DESC, similar_text",
        )
        .bind(generation)
        .fetch::<SimilarRow>()?;
    let mut batch = Batch::new(similar_hash);
    let mut track = String::new();
    let mut similar: Vec<StoredSimilar> = Vec::new();
    while let Some(row) = rows.next().await? {
        if row.track_text != track {
            if !similar.is_empty() {
                batch.add(store, &track, &similar).await?;
                published.tracks += 1;
            }
            track = row.track_text.clone();
            similar.clear();
        }
        similar.push(StoredSimilar {
            t: row.similar_text.parse().unwrap_or_default(),
            s: row.score,
            n: row.sessions,
        });
    }
    if !similar.is_empty() {
        batch.add(store, &track, &similar).await?;
        published.tracks += 1;
    }
    batch.flush(store).await?;

    let mut switch = SWITCH.key(current_key(store));
    switch
        .key(published_key(store))
        .arg(generation)
        .arg(hash_prefix(store, "recommendations"))
        .arg(hash_prefix(store, "similar"));
    store
        .run(|mut c| async move { switch.invoke_async::<()>(&mut c).await })
        .await?;
    Ok(published)
}

/// Fields of one hash, written [`PUBLISH_CHUNK`] at a time.
struct Batch {
    hash: String,
    fields: Vec<(String, Vec<u8>)>,
}

impl Batch {
    /// Starts with the field [`EMPTY`], so that the hash exists even when
    /// the generation has nothing for anyone: readers take a missing hash
    /// for a generation they cannot see.
    fn new(hash: String) -> Self {
        Batch {
            hash,
            fields: vec![(EMPTY.to_string(), Vec::new())],
        }
    }

    async fn add<T: Serialize>(
        &mut self,
        store: &Store,
        field: &str,
        value: &T,
    ) -> Result<(), OnlineError> {
        let bytes = serde_json::to_vec(value).map_err(|e| OnlineError::Decode(e.to_string()))?;
        self.fields.push((field.to_string(), bytes));
        if self.fields.len() >= PUBLISH_CHUNK {
            self.flush(store).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, store: &Store) -> Result<(), OnlineError> {
        if self.fields.is_empty() {
            return Ok(());
        }
        let fields = std::mem::take(&mut self.fields);
        let hash = self.hash.clone();
        store
            .run(|mut c| async move {
                redis::cmd("HSET")
                    .arg(&hash)
                    .arg(&fields)
                    .query_async::<()>(&mut c)
                    .await
            })
            .await?;
        Ok(())
    }
}

/// The current generation's entry for `field` in the `what` hash: `None`
/// when Redis cannot say (off, down, no generation), `Some(None)` when the
/// generation has no entry for it.
async fn entry(store: &Store, what: &str, field: &str) -> Option<Option<Vec<u8>>> {
    let mut read = READ.key(current_key(store));
    read.arg(hash_prefix(store, what)).arg(field);
    match store
        .run(|mut c| async move { read.invoke_async::<Option<Vec<u8>>>(&mut c).await })
        .await
    {
        Ok(Some(Some(bytes))) if bytes.is_empty() => Some(None),
        Ok(Some(Some(bytes))) => Some(Some(bytes)),
        Ok(_) => None,
        Err(error) => {
            count_failure("generation_read", &error);
            None
        }
    }
}

/// Up to `limit` recommendations for `user`, as
/// [`encore_warehouse::features::recommend`] gives them: Redis answers when
/// the listener has at least `limit` personal ones (the warehouse then
/// answers with exactly those); the fallbacks for listeners with fewer need
/// their plays, which only the warehouse has.
pub async fn recommendations(
    store: &Store,
    warehouse: &Client,
    user: Uuid,
    limit: usize,
) -> Result<(Vec<Recommendation>, Source), clickhouse::error::Error> {
    if let Some(Some(bytes)) = entry(store, "recommendations", &user.to_string()).await {
        match serde_json::from_slice::<Vec<StoredPick>>(&bytes) {
            Ok(picks) if picks.len() >= limit => {
                let found = picks
                    .into_iter()
                    .take(limit)
                    .filter_map(|p| {
                        Some(Recommendation {
                            reason: Reason::stored(&p.r, p.i)?,
                            track_id: p.t,
                            score: p.s,
                        })
                    })
                    .collect();
                count_read("recommendations", Source::Redis);
                return Ok((found, Source::Redis));
            }
            Ok(_) => {}
            Err(error) => count_failure("generation_read", &OnlineError::Decode(error.to_string())),
        }
    }
    count_read("recommendations", Source::Warehouse);
    Ok((
        features::recommend(warehouse, user, limit).await?,
        Source::Warehouse,
    ))
}

/// Up to `limit` tracks similar to `track`, from the current generation, as
/// [`encore_warehouse::features::similar`] gives them.
pub async fn similar(
    store: &Store,
    warehouse: &Client,
    track: Uuid,
    limit: usize,
) -> Result<(Vec<Similar>, Source), clickhouse::error::Error> {
    match entry(store, "similar", &track.to_string()).await {
        Some(None) => {
            count_read("similar", Source::Redis);
            return Ok((Vec::new(), Source::Redis));
        }
        Some(Some(bytes)) => match serde_json::from_slice::<Vec<StoredSimilar>>(&bytes) {
            Ok(stored) => {
                let found = stored
                    .into_iter()
                    .take(limit)
                    .map(|s| Similar {
                        track_id: s.t,
                        score: s.s,
                        sessions: s.n,
                    })
                    .collect();
                count_read("similar", Source::Redis);
                return Ok((found, Source::Redis));
            }
            Err(error) => count_failure("generation_read", &OnlineError::Decode(error.to_string())),
        },
        None => {}
    }
    count_read("similar", Source::Warehouse);
    Ok((
        features::similar(warehouse, track, limit).await?,
        Source::Warehouse,
    ))
}
