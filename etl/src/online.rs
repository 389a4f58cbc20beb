//! The plays sink's copy into the online store (`encore_online`): each
//! listener's recent history and what they started last, written after the
//! warehouse has the batch.
//!
//! Redis is never the truth, so a failed copy does not fail the batch (the
//! warehouse has it, and its offsets may commit). Instead the listeners it
//! missed are remembered and, once Redis answers again, dropped there, so
//! their next read rebuilds them from the warehouse rather than serve a
//! history with a hole in it.

use std::collections::{HashMap, HashSet};

use encore_online::{count_failure, history, playing, Store};
use encore_warehouse::history::{Play, Playing};
use uuid::Uuid;

use crate::plays::PlayRow;

/// `kind` of a `start` in `plays`.
const START: i8 = 1;

pub struct OnlineCopy {
    store: Store,
    /// Listeners whose plays a failed copy left out.
    missed: HashSet<Uuid>,
    /// Whether a failed copy left out a start of "now playing".
    missed_playing: bool,
}

impl OnlineCopy {
    pub fn new(store: Store) -> Self {
        OnlineCopy {
            store,
            missed: HashSet::new(),
            missed_playing: false,
        }
    }

    /// Copies the batch's starts; never fails (see the module's doc).
    #[tracing::instrument(name = "online_copy", skip_all, fields(rows = rows.len()))]
    pub async fn copy(&mut self, rows: &[PlayRow]) {
        if !self.store.is_on() {
            return;
        }
        self.forget_missed().await;
        let plays: Vec<(Uuid, Play)> = rows
            .iter()
            .filter(|r| r.kind == START)
            .map(|r| {
                (
                    r.user_id,
                    Play {
                        event_id: r.event_id,
                        track_id: r.track_id,
                        context: r.context_kind.clone(),
                        occurred_at_ms: r.occurred_at_ms,
                    },
                )
            })
            .collect();
        if plays.is_empty() {
            return;
        }
        if let Err(error) = history::record(&self.store, &plays).await {
            count_failure("history_write", &error);
            self.missed.extend(plays.iter().map(|(user, _)| *user));
        }
        let mut newest: HashMap<Uuid, Playing> = HashMap::new();
        for (user, play) in &plays {
            let entry = newest.entry(*user).or_insert(Playing {
                user_id: *user,
                track_id: play.track_id,
                occurred_at_ms: play.occurred_at_ms,
            });
            if play.occurred_at_ms > entry.occurred_at_ms {
                entry.track_id = play.track_id;
                entry.occurred_at_ms = play.occurred_at_ms;
            }
        }
        let starts: Vec<Playing> = newest.into_values().collect();
        let now = encore_common::now_millis().max(0) as u64;
        if let Err(error) = playing::record(&self.store, &starts, now).await {
            count_failure("now_playing_write", &error);
            self.missed_playing = true;
        }
    }

    /// Drops what earlier failed copies left incomplete, if Redis answers.
    async fn forget_missed(&mut self) {
        if !self.missed.is_empty() {
            let users: Vec<Uuid> = self.missed.iter().copied().collect();
            if history::forget(&self.store, &users).await.is_ok() {
                tracing::info!(
                    listeners = users.len(),
                    "Redis is back: listeners a failed copy missed will be rebuilt"
                );
                self.missed.clear();
            }
        }
        if self.missed_playing && playing::forget(&self.store).await.is_ok() {
            self.missed_playing = false;
        }
    }
}
