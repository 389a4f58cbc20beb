//! Request bodies shared by the scenarios.

use serde_json::{json, Value};
use uuid::Uuid;

/// A valid playback event as a client sends it, numbered `n` for a user.
pub(crate) fn event(n: u32, user: Uuid) -> Value {
    let kind = ["start", "progress", "pause", "resume", "skip", "complete"][(n % 6) as usize];
    json!({
        "event_id": Uuid::new_v4(),
        "user_id": user,
        "track_id": Uuid::from_u128(1_000 + u128::from(n % 7)),
        "session_id": Uuid::from_u128(u128::from(user.as_u128() as u32)),
        "kind": kind,
        "position_ms": (n % 600) * 1_000,
        "track_duration_ms": 600_000,
        "occurred_at": encore_common::now_millis() - 60_000 + i64::from(n),
        "client": {"app": "encore-test", "version": "0.1"},
        "device": {"id": "dev-1", "platform": "web"},
        "context": {"kind": "playlist", "id": "pl-1"}
    })
}

pub(crate) fn batch(events: Vec<Value>) -> Value {
    json!({ "events": events })
}

/// A 1×1 PNG: an avatar or cover as small as one gets.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
