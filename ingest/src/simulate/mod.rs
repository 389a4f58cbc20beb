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

mod generator;
mod pace;

use serde_json::{json, Value};
use uuid::Uuid;

pub use generator::Generator;
pub use pace::{Pacer, RateMeter};

// Here, not in the generator: synthetic track ids and `sim_user_id` derive
// from it too.
const BASE_NAMESPACE: Uuid = Uuid::from_u128(0x2f7c_1a9e_55d4_4c0b_8e3a_6b1f_0c9d_4e21);

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

/// The id of simulated listener `i` where no account stands behind it
/// (`--direct` and `--output`): stable for a seed.
pub fn sim_user_id(seed: u64, i: usize) -> Uuid {
    Uuid::new_v5(&BASE_NAMESPACE, format!("user|{seed}|{i}").as_bytes())
}
