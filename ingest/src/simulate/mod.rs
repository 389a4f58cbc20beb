//! `ingest simulate`: listening traffic that looks like real listening, for
//! demos and load tests.
//!
//! The model, kept small on purpose:
//! - **Listeners** have one to three favourite genres (weighted), a device,
//!   and a recent-plays memory they come back to.
//! - **Popularity** is Zipf-like: the tracks of a genre are ranked (a seeded
//!   shuffle) and drawn with weight `1 / rank^1.07`.
//! - **Sessions** hold a geometric number of tracks (mean 8), with an
//!   exponential gap (mean 90 simulated minutes) between a listener's
//!   sessions. A track is a `start`, a `progress` every 60 s, sometimes a
//!   `pause` and `resume`, and a `skip` (more likely outside the listener's
//!   tastes) or a `complete`.
//!
//! Events come out of a [`Generator`] in simulated-time order, fully decided by
//! the seed and the start time (ids are UUIDv5s of both), so a run can be
//! repeated exactly. A [`Pacer`] decides when each is released: at the
//! simulated clock (`--speed`, 1 = real time) and/or at a target rate
//! (`--rate`). The sinks are the gateway (one account per listener), Kafka
//! directly (`--direct`), and a fixture file (`--output`).

pub mod run;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use uuid::Uuid;

const BASE_NAMESPACE: Uuid = Uuid::from_u128(0x2f7c_1a9e_55d4_4c0b_8e3a_6b1f_0c9d_4e21);
const ZIPF_EXPONENT: f64 = 1.07;
const MEAN_TRACKS_PER_SESSION: f64 = 8.0;
const MEAN_SESSION_GAP_MS: f64 = 90.0 * 60_000.0;
const PROGRESS_EVERY_MS: i64 = 60_000;
const PLATFORMS: [&str; 5] = ["android", "ios", "web", "desktop", "speaker"];
const CONTEXTS: [&str; 5] = ["recommendation", "search", "album", "playlist", "radio"];

/// A track as the simulator needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTrack {
    pub id: Uuid,
    pub genre: String,
    pub duration_ms: i64,
}

/// `n` made-up tracks over eight genres, for runs without a catalog.
pub fn synthetic_tracks(n: usize) -> Vec<SimTrack> {
    const GENRES: [&str; 8] = [
        "rock",
        "pop",
        "jazz",
        "hip-hop",
        "electronic",
        "classical",
        "metal",
        "folk",
    ];
    (0..n)
        .map(|i| SimTrack {
            id: Uuid::new_v5(&BASE_NAMESPACE, format!("synthetic-track-{i}").as_bytes()),
            genre: GENRES[i % GENRES.len()].to_string(),
            duration_ms: 120_000 + (i as i64 * 7_919) % 240_000,
        })
        .collect()
}

/// One generated event; sinks render it for where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEvent {
    pub event_id: Uuid,
    pub user: usize,
    pub track: Uuid,
    pub session: Uuid,
    pub kind: &'static str,
    pub position_ms: i64,
    pub duration_ms: i64,
    pub occurred_at: i64,
    pub platform: &'static str,
    pub context: &'static str,
}

impl SimEvent {
    /// The body of one event of `POST /v1/events/playback`.
    pub fn api_json(&self) -> Value {
        json!({
            "event_id": self.event_id,
            "track_id": self.track,
            "session_id": self.session,
            "kind": self.kind,
            "position_ms": self.position_ms,
            "track_duration_ms": self.duration_ms,
            "occurred_at": self.occurred_at,
            "client": {"app": "encore-simulator", "version": env!("CARGO_PKG_VERSION")},
            "device": {"id": format!("sim-{}-{}", self.user, self.platform), "platform": self.platform},
            "context": {"kind": self.context},
        })
    }

    /// A fixture line (the `ingest replay` format) as the gateway would have produced it.
    pub fn fixture_line(&self, user_id: Uuid, received_at: i64) -> String {
        let mut value = self.api_json();
        value["user_id"] = json!(user_id);
        value["received_at"] = json!(received_at);
        value["context"]["id"] = Value::Null;
        value["client"]["version"] = json!(env!("CARGO_PKG_VERSION"));
        json!({"topic": "playback-events", "key": user_id.to_string(), "value": value, "headers": {"source": "simulator"}})
            .to_string()
    }
}

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

/// When events are released: no earlier than the simulated clock allows
/// (`speed` simulated ms per wall ms) and no faster than `rate` per second.
/// A pure function of the event, so it is tested without a clock.
#[derive(Debug, Clone, Copy)]
pub struct Pacer {
    pub start_ms: i64,
    /// None: as fast as the rate allows.
    pub speed: Option<f64>,
    /// Events per second; None: no cap.
    pub rate: Option<f64>,
}

impl Pacer {
    /// Wall time after the run's start at which the `n`th event (0-based),
    /// happening at simulated `occurred_at`, may be sent.
    pub fn release_at(&self, n: u64, occurred_at: i64) -> Duration {
        let by_clock = self
            .speed
            .map(|s| (occurred_at - self.start_ms).max(0) as f64 / s / 1000.0)
            .unwrap_or(0.0);
        let by_rate = self.rate.map(|r| n as f64 / r).unwrap_or(0.0);
        Duration::from_secs_f64(by_clock.max(by_rate))
    }
}

/// Achieved-rate reporting: how many events went out in each window.
#[derive(Debug)]
pub struct RateMeter {
    window_start: Duration,
    window_events: u64,
    pub total: u64,
}

impl RateMeter {
    pub fn new() -> Self {
        RateMeter {
            window_start: Duration::ZERO,
            window_events: 0,
            total: 0,
        }
    }

    pub fn record(&mut self, events: u64) {
        self.window_events += events;
        self.total += events;
    }

    /// Closes the window if `every` has passed since it opened, returning its rate.
    pub fn tick(&mut self, now: Duration, every: Duration) -> Option<f64> {
        let span = now.saturating_sub(self.window_start);
        if span < every {
            return None;
        }
        let rate = self.window_events as f64 / span.as_secs_f64();
        self.window_start = now;
        self.window_events = 0;
        Some(rate)
    }
}

impl Default for RateMeter {
    fn default() -> Self {
        Self::new()
    }
}

/// The id of simulated listener `i` where no account stands behind it
/// (`--direct` and `--output`): stable for a seed.
pub fn sim_user_id(seed: u64, i: usize) -> Uuid {
    Uuid::new_v5(&BASE_NAMESPACE, format!("user|{seed}|{i}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn the_pacer_keeps_the_rate_and_the_clock() {
        let rate = Pacer {
            start_ms: 0,
            speed: None,
            rate: Some(500.0),
        };
        assert_eq!(rate.release_at(0, 999_999), Duration::ZERO);
        assert_eq!(rate.release_at(1_000, 0), Duration::from_secs(2));
        let clock = Pacer {
            start_ms: 1_000,
            speed: Some(60.0),
            rate: None,
        };
        assert_eq!(clock.release_at(5, 61_000), Duration::from_secs(1));
        let both = Pacer {
            start_ms: 0,
            speed: Some(1.0),
            rate: Some(10.0),
        };
        assert_eq!(both.release_at(100, 1_000), Duration::from_secs(10));
        assert_eq!(both.release_at(1, 5_000), Duration::from_secs(5));
    }

    #[test]
    fn the_meter_reports_each_window_once() {
        let mut meter = RateMeter::new();
        meter.record(100);
        assert_eq!(
            meter.tick(Duration::from_secs(1), Duration::from_secs(5)),
            None
        );
        meter.record(400);
        assert_eq!(
            meter.tick(Duration::from_secs(5), Duration::from_secs(5)),
            Some(100.0)
        );
        assert_eq!(
            meter.tick(Duration::from_secs(6), Duration::from_secs(5)),
            None
        );
        assert_eq!(meter.total, 500);
    }
}
