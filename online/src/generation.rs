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
    let mut rows = warehouse
        .query(
            "SELECT toString(user_id) AS user_text, toString(track_id) AS track_text, score, reason, reason_id \
             FROM recommendations WHERE generation = ? ORDER BY user_id, position",
        )
        .bind(generation)
        .fetch::<PickRow>()?;
    let mut lists = Lists::new(format!(
        "{}{generation}",
        hash_prefix(store, "recommendations")
    ));
    while let Some(row) = rows.next().await? {
        let pick = StoredPick {
            t: row.track_text.parse().unwrap_or_default(),
            s: row.score,
            r: row.reason,
            i: row.reason_id,
        };
        lists.push(store, &row.user_text, pick).await?;
    }
    published.listeners = lists.finish(store).await?;

    let mut rows = warehouse
        .query(
            "SELECT toString(track_id) AS track_text, toString(similar_id) AS similar_text, score, sessions \
             FROM track_similar WHERE generation = ? ORDER BY track_text, score DESC, similar_text",
        )
        .bind(generation)
        .fetch::<SimilarRow>()?;
    let mut lists = Lists::new(format!("{}{generation}", hash_prefix(store, "similar")));
    while let Some(row) = rows.next().await? {
        let similar = StoredSimilar {
            t: row.similar_text.parse().unwrap_or_default(),
            s: row.score,
            n: row.sessions,
        };
        lists.push(store, &row.track_text, similar).await?;
    }
    published.tracks = lists.finish(store).await?;

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

/// One hash of a generation: a list per field, from rows that arrive
/// grouped by field, written [`PUBLISH_CHUNK`] fields at a time.
struct Lists<T> {
    hash: String,
    /// The field being gathered, and its list so far.
    field: String,
    list: Vec<T>,
    written: u64,
    fields: Vec<(String, Vec<u8>)>,
}

impl<T: Serialize> Lists<T> {
    /// Starts with the field [`EMPTY`], so that the hash exists even when
    /// the generation has nothing for anyone: readers take a missing hash
    /// for a generation they cannot see.
    fn new(hash: String) -> Self {
        Lists {
            hash,
            field: String::new(),
            list: Vec::new(),
            written: 0,
            fields: vec![(EMPTY.to_string(), Vec::new())],
        }
    }

    /// Adds `item` to `field`'s list, closing the previous field's.
    async fn push(&mut self, store: &Store, field: &str, item: T) -> Result<(), OnlineError> {
        if field != self.field {
            self.close(store).await?;
            self.field = field.to_string();
        }
        self.list.push(item);
        Ok(())
    }

    /// Closes the last list and writes what is left; how many lists were written.
    async fn finish(mut self, store: &Store) -> Result<u64, OnlineError> {
        self.close(store).await?;
        self.flush(store).await?;
        Ok(self.written)
    }

    async fn close(&mut self, store: &Store) -> Result<(), OnlineError> {
        if self.list.is_empty() {
            return Ok(());
        }
        let bytes =
            serde_json::to_vec(&self.list).map_err(|e| OnlineError::Decode(e.to_string()))?;
        self.list.clear();
        self.fields.push((self.field.clone(), bytes));
        self.written += 1;
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
