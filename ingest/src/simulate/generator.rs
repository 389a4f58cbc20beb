//! The listening model: listeners with tastes, Zipf-like popularity and
//! sessions, producing [`SimEvent`]s in simulated-time order. Separate from
//! the event types and from pacing because this is where the simulator's
//! behaviour is decided, and it is deterministic for a seed and start time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::{SimEvent, SimTrack, BASE_NAMESPACE};

const ZIPF_EXPONENT: f64 = 1.07;
const MEAN_TRACKS_PER_SESSION: f64 = 8.0;
const MEAN_SESSION_GAP_MS: f64 = 90.0 * 60_000.0;
const PROGRESS_EVERY_MS: i64 = 60_000;
const PLATFORMS: [&str; 5] = ["android", "ios", "web", "desktop", "speaker"];
const CONTEXTS: [&str; 5] = ["recommendation", "search", "album", "playlist", "radio"];

struct Listener {
    /// (genre index, cumulative weight)
    tastes: Vec<(usize, f64)>,
    platform: &'static str,
    remaining: u32,
    session: Uuid,
    context: &'static str,
    recent: VecDeque<usize>,
}

/// Tracks of one genre with their cumulative Zipf weights.
struct Pool {
    tracks: Vec<usize>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn draw(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        let i = self
            .cumulative
            .partition_point(|&c| c <= x)
            .min(self.tracks.len() - 1);
        self.tracks[i]
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    /// An event, by its index in `pending`.
    Event(usize),
    /// A listener's next track is due.
    Turn(usize),
}

/// The event stream: a heap of due items in simulated-time order.
pub struct Generator {
    rng: StdRng,
    namespace: Uuid,
    tracks: Vec<SimTrack>,
    genres: Vec<String>,
    pools: Vec<Pool>,
    listeners: Vec<Listener>,
    heap: BinaryHeap<Reverse<(i64, u64, Item)>>,
    pending: Vec<Option<SimEvent>>,
    free: Vec<usize>,
    seq: u64,
}

impl Generator {
    pub fn new(tracks: Vec<SimTrack>, users: usize, seed: u64, start_ms: i64) -> Self {
        assert!(
            !tracks.is_empty() && users > 0,
            "the simulator needs tracks and listeners"
        );
        let mut rng = StdRng::seed_from_u64(seed);
        let namespace = Uuid::new_v5(&BASE_NAMESPACE, format!("{seed}|{start_ms}").as_bytes());
        let mut genres: Vec<String> = tracks.iter().map(|t| t.genre.clone()).collect();
        genres.sort();
        genres.dedup();
        let pools = genres
            .iter()
            .map(|g| {
                let mut members: Vec<usize> = (0..tracks.len())
                    .filter(|&i| &tracks[i].genre == g)
                    .collect();
                // A seeded shuffle decides which tracks are the hits.
                for i in (1..members.len()).rev() {
                    members.swap(i, rng.random_range(0..=i));
                }
                let mut sum = 0.0;
                let cumulative = (1..=members.len())
                    .map(|rank| {
                        sum += 1.0 / (rank as f64).powf(ZIPF_EXPONENT);
                        sum
                    })
                    .collect();
                Pool {
                    tracks: members,
                    cumulative,
                }
            })
            .collect();
        let listeners = (0..users)
            .map(|_| {
                let favourites = rng.random_range(1..=3.min(genres.len()));
                let mut sum = 0.0;
                let tastes = (0..favourites)
                    .map(|_| {
                        sum += rng.random::<f64>() + 0.2;
                        (rng.random_range(0..genres.len()), sum)
                    })
                    .collect();
                Listener {
                    tastes,
                    platform: PLATFORMS[rng.random_range(0..PLATFORMS.len())],
                    remaining: 0,
                    session: Uuid::nil(),
                    context: CONTEXTS[0],
                    recent: VecDeque::new(),
                }
            })
            .collect();
        let mut generator = Generator {
            rng,
            namespace,
            tracks,
            genres,
            pools,
            listeners,
            heap: BinaryHeap::new(),
            pending: Vec::new(),
            free: Vec::new(),
            seq: 0,
        };
        for user in 0..users {
            // Everyone's first session begins within ten simulated minutes.
            let at = start_ms + generator.rng.random_range(0..600_000);
            generator.push(at, Item::Turn(user));
        }
        generator
    }

    pub fn tracks(&self) -> usize {
        self.tracks.len()
    }

    pub fn genres(&self) -> &[String] {
        &self.genres
    }

    fn push(&mut self, at: i64, item: Item) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, item)));
    }

    fn push_event(&mut self, event: SimEvent) {
        let at = event.occurred_at;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.pending[slot] = Some(event);
                slot
            }
            None => {
                self.pending.push(Some(event));
                self.pending.len() - 1
            }
        };
        self.push(at, Item::Event(slot));
    }

    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.rng.random::<f64>()).ln()
    }

    fn choose_track(&mut self, user: usize) -> (usize, bool) {
        let listener = &self.listeners[user];
        if !listener.recent.is_empty() && self.rng.random::<f64>() < 0.15 {
            let i = self.rng.random_range(0..listener.recent.len());
            return (listener.recent[i], true);
        }
        let genre = if self.rng.random::<f64>() < 0.85 {
            let total = listener.tastes.last().map(|t| t.1).unwrap_or(1.0);
            let x = self.rng.random::<f64>() * total;
            listener
                .tastes
                .iter()
                .find(|t| t.1 > x)
                .or(listener.tastes.last())
                .map(|t| t.0)
                .unwrap_or(0)
        } else {
            self.rng.random_range(0..self.pools.len())
        };
        let track = self.pools[genre].draw(&mut self.rng);
        let liked = self.listeners[user].tastes.iter().any(|t| t.0 == genre);
        (track, liked)
    }

    /// Plays one track for `user` from `at`; returns when the next one is due.
    fn play(&mut self, user: usize, at: i64) -> i64 {
        if self.listeners[user].remaining == 0 {
            let tracks = 1 + self.exponential(MEAN_TRACKS_PER_SESSION - 1.0).round() as u32;
            let seq = self.seq;
            let context = CONTEXTS[self.rng.random_range(0..CONTEXTS.len())];
            let listener = &mut self.listeners[user];
            listener.remaining = tracks;
            listener.session =
                Uuid::new_v5(&self.namespace, format!("session|{user}|{seq}").as_bytes());
            listener.context = context;
        }
        let (index, liked) = self.choose_track(user);
        let track = self.tracks[index].clone();
        let duration = if track.duration_ms > 0 {
            track.duration_ms
        } else {
            150_000 + (index as i64 * 7_919) % 150_000
        };
        let skip_chance = if liked { 0.15 } else { 0.45 };
        let end_position = if self.rng.random::<f64>() < skip_chance {
            self.rng.random_range(3_000..duration.clamp(3_001, 60_000))
        } else {
            duration
        };
        let pause = (self.rng.random::<f64>() < 0.08).then(|| {
            (
                self.rng.random_range(0..end_position.max(1)),
                self.rng.random_range(5_000..120_000),
            )
        });
        let mut timeline = vec![("start", 0)];
        timeline.extend(
            (1..)
                .map(|k| k * PROGRESS_EVERY_MS)
                .take_while(|&p| p < end_position)
                .map(|p| ("progress", p)),
        );
        if let Some((p, _)) = pause {
            timeline.push(("pause", p));
            timeline.push(("resume", p));
        }
        timeline.push((
            if end_position < duration {
                "skip"
            } else {
                "complete"
            },
            end_position,
        ));
        timeline.sort_by_key(|&(kind, p)| (p, kind == "resume"));
        let listener = &self.listeners[user];
        let (session, context, platform) = (listener.session, listener.context, listener.platform);
        let mut end = at;
        for (kind, position) in timeline {
            let paused = match pause {
                Some((p, len)) if position > p || (position == p && kind == "resume") => len,
                _ => 0,
            };
            let occurred_at = at + position + paused;
            end = occurred_at;
            let seq = self.seq;
            self.push_event(SimEvent {
                event_id: Uuid::new_v5(&self.namespace, format!("event|{user}|{seq}").as_bytes()),
                user,
                track: track.id,
                session,
                kind,
                position_ms: position,
                duration_ms: duration,
                occurred_at,
                platform,
                context,
            });
        }
        let listener = &mut self.listeners[user];
        listener.remaining -= 1;
        listener.recent.push_back(index);
        if listener.recent.len() > 20 {
            listener.recent.pop_front();
        }
        if listener.remaining == 0 {
            end + self.exponential(MEAN_SESSION_GAP_MS) as i64
        } else {
            end + self.rng.random_range(0..3_000)
        }
    }
}

impl Iterator for Generator {
    type Item = SimEvent;

    fn next(&mut self) -> Option<SimEvent> {
        loop {
            let Reverse((at, _, item)) = self.heap.pop()?;
            match item {
                Item::Event(slot) => {
                    self.free.push(slot);
                    return self.pending[slot].take();
                }
                Item::Turn(user) => {
                    let next = self.play(user, at);
                    self.push(next, Item::Turn(user));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::synthetic_tracks;
    use std::collections::HashMap;

    fn run(seed: u64, n: usize) -> Vec<SimEvent> {
        Generator::new(synthetic_tracks(400), 30, seed, 1_790_000_000_000)
            .take(n)
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_events_and_another_seed_does_not() {
        assert_eq!(run(7, 3_000), run(7, 3_000));
        assert_ne!(run(7, 300), run(8, 300));
    }

    #[test]
    fn events_come_in_time_order_with_unique_ids_and_positions_inside_the_track() {
        let events = run(1, 20_000);
        assert!(events
            .windows(2)
            .all(|w| w[0].occurred_at <= w[1].occurred_at));
        let mut ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), events.len());
        assert!(events
            .iter()
            .all(|e| (0..=e.duration_ms).contains(&e.position_ms)));
    }

    #[test]
    fn traffic_has_skips_completions_pauses_progress_and_a_long_tail() {
        let events = run(3, 40_000);
        let mut kinds: HashMap<&str, usize> = HashMap::new();
        for e in &events {
            *kinds.entry(e.kind).or_default() += 1;
        }
        for kind in ["start", "progress", "pause", "resume", "skip", "complete"] {
            assert!(
                kinds.get(kind).copied().unwrap_or(0) > 0,
                "no {kind} in {kinds:?}"
            );
        }
        assert!(kinds["complete"] > kinds["skip"], "{kinds:?}");
        // Zipf: the most played tenth of the tracks gets a large share of the starts.
        let mut plays: HashMap<Uuid, usize> = HashMap::new();
        for e in events.iter().filter(|e| e.kind == "start") {
            *plays.entry(e.track).or_default() += 1;
        }
        let mut counts: Vec<usize> = plays.values().copied().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top: usize = counts.iter().take(40).sum();
        let all: usize = counts.iter().sum();
        assert!(
            top * 100 / all >= 35,
            "top 10% of tracks hold {}% of plays",
            top * 100 / all
        );
    }

    #[test]
    fn every_session_event_follows_its_start() {
        let events = run(5, 5_000);
        let mut open: HashMap<(usize, Uuid), &str> = HashMap::new();
        for e in &events {
            let last = open.insert((e.user, e.track), e.kind);
            if e.kind != "start" {
                assert!(last.is_some(), "{} before any start: {e:?}", e.kind);
            }
        }
    }
}
