//! Turns a JSON batch into playback events, or into a list of every problem.
//!
//! Validation is explicit rather than serde-derived so that one response can
//! name every bad field of every bad event, with its index, instead of
//! stopping at the first.

use encore_schemas::{Client, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

pub const MAX_BATCH: usize = 500;
/// 2000-01-01T00:00:00Z: older timestamps are clock or unit mistakes.
const EARLIEST_MS: i64 = 946_684_800_000;
/// How far ahead of the gateway's clock a client's clock may run.
const MAX_CLOCK_SKEW_MS: i64 = 24 * 3_600_000;
const MAX_TRACK_MS: i64 = 24 * 3_600_000;
const MAX_TEXT: usize = 200;
const PLATFORMS: [&str; 8] = [
    "android", "ios", "web", "desktop", "tv", "car", "speaker", "other",
];

/// Parses and validates a whole batch; nothing is returned unless every event is valid.
///
/// `user` is the authenticated caller: an event may omit `user_id`, and one
/// that names another user is refused, so nobody reports plays for others.
pub fn validate_batch(
    body: &[u8],
    user: Uuid,
    received_at: i64,
) -> Result<Vec<PlaybackEvent>, ApiError> {
    match fast::read_batch(body, user, received_at) {
        Some(events) => Ok(events),
        // Something is wrong with the batch: read it again as a JSON tree,
        // which can say what, and where, for every event.
        None => read_explaining(body, user, received_at),
    }
}

/// The batch read as a JSON tree, so that every problem of every event can be
/// named; what it accepts is exactly what [`fast::read_batch`] accepts.
fn read_explaining(
    body: &[u8],
    user: Uuid,
    received_at: i64,
) -> Result<Vec<PlaybackEvent>, ApiError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
            vec![field(None, "body", e.to_string())],
        )
    })?;
    let events = root
        .as_object()
        .and_then(|o| o.get("events"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_batch",
                "the body must be an object with an \"events\" array",
                vec![field(None, "events", "required, an array of events".into())],
            )
        })?;
    if events.is_empty() || events.len() > MAX_BATCH {
        return Err(ApiError::bad_request(
            "invalid_batch",
            format!(
                "a batch holds 1 to {MAX_BATCH} events, this one has {}",
                events.len()
            ),
            vec![field(
                None,
                "events",
                format!("must hold 1 to {MAX_BATCH} events"),
            )],
        ));
    }
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(events.len());
    for (index, value) in events.iter().enumerate() {
        let mut reader = EventReader {
            index,
            errors: &mut errors,
        };
        if let Some(event) = reader.event(value, user, received_at) {
            valid.push(event);
        }
    }
    if errors.is_empty() {
        return Ok(valid);
    }
    let bad: std::collections::BTreeSet<_> = errors.iter().filter_map(|e| e.index).collect();
    Err(ApiError::bad_request(
        "invalid_events",
        format!(
            "{} of {} events are invalid; nothing was accepted",
            bad.len(),
            events.len()
        ),
        errors,
    ))
}

fn field(index: Option<usize>, name: &str, message: String) -> FieldError {
    FieldError {
        index,
        field: name.to_string(),
        message,
    }
}

/// Reads one event, recording every problem it finds.
struct EventReader<'e> {
    index: usize,
    errors: &'e mut Vec<FieldError>,
}

impl EventReader<'_> {
    fn fail(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .push(field(Some(self.index), name, message.into()));
    }

    fn event(&mut self, value: &Value, user: Uuid, received_at: i64) -> Option<PlaybackEvent> {
        let Some(obj) = value.as_object() else {
            self.fail("", "each event must be a JSON object");
            return None;
        };
        const FIELDS: [&str; 12] = [
            "event_id",
            "user_id",
            "track_id",
            "session_id",
            "kind",
            "position_ms",
            "track_duration_ms",
            "occurred_at",
            "client",
            "device",
            "context",
            "received_at",
        ];
        self.unknown_fields(obj, "", &FIELDS);
        if obj.contains_key("received_at") {
            self.fail("received_at", "is set by the gateway, not the client");
        }
        let before = self.errors.len();
        let event_id = self.uuid(obj, "event_id");
        let user_id = self.user(obj, user);
        let track_id = self.uuid(obj, "track_id");
        let session_id = self.uuid(obj, "session_id");
        let kind = self.kind(obj);
        let track_duration_ms = self.int(obj, "track_duration_ms", 1, MAX_TRACK_MS);
        let position_ms = self.int(obj, "position_ms", 0, MAX_TRACK_MS);
        if let (Some(pos), Some(dur)) = (position_ms, track_duration_ms) {
            if let Err(why) = rules::position(pos, dur) {
                self.fail("position_ms", why);
            }
        }
        let occurred_at = self.timestamp(obj, "occurred_at", received_at);
        let client = self.client(obj);
        let device = self.device(obj);
        let context = self.context(obj);
        if self.errors.len() != before {
            return None;
        }
        Some(PlaybackEvent {
            event_id: event_id?,
            user_id: user_id?,
            track_id: track_id?,
            session_id: session_id?,
            kind: kind?,
            position_ms: position_ms?,
            track_duration_ms: track_duration_ms?,
            occurred_at: occurred_at?,
            received_at,
            client: client?,
            device: device?,
            context: context?,
        })
    }

    fn unknown_fields(&mut self, obj: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
            self.fail(&format!("{prefix}{key}"), "unknown field");
        }
    }

    fn user(&mut self, obj: &Map<String, Value>, user: Uuid) -> Option<Uuid> {
        match obj.get("user_id") {
            None | Some(Value::Null) => Some(user),
            Some(_) => match self.uuid(obj, "user_id") {
                Some(body) if body == user => Some(user),
                Some(_) => {
                    self.fail("user_id", "differs from the authenticated user");
                    None
                }
                None => None,
            },
        }
    }

    fn uuid(&mut self, obj: &Map<String, Value>, name: &str) -> Option<Uuid> {
        match obj.get(name) {
            Some(Value::String(s)) => match Uuid::parse_str(s).map(rules::id) {
                Ok(Ok(id)) => Some(id),
                Ok(Err(why)) => {
                    self.fail(name, why);
                    None
                }
                Err(_) => {
                    self.fail(
                        name,
                        "must be a UUID such as 6ba7b810-9dad-11d1-80b4-00c04fd430c8",
                    );
                    None
                }
            },
            None | Some(Value::Null) => {
                self.fail(name, "required");
                None
            }
            Some(_) => {
                self.fail(name, "must be a UUID string");
                None
            }
        }
    }

    fn kind(&mut self, obj: &Map<String, Value>) -> Option<PlaybackKind> {
        let found = obj
            .get("kind")
            .and_then(Value::as_str)
            .and_then(rules::kind);
        if found.is_none() {
            self.fail(
                "kind",
                "must be one of start, progress, pause, resume, skip, complete",
            );
        }
        found
    }

    fn int(&mut self, obj: &Map<String, Value>, name: &str, min: i64, max: i64) -> Option<i64> {
        match obj.get(name).map(|v| (v, v.as_i64())) {
            Some((_, Some(n))) => match rules::int(n, min, max) {
                Ok(n) => Some(n),
                Err(why) => {
                    self.fail(name, why);
                    None
                }
            },
            Some((Value::Null, _)) | None => {
                self.fail(name, "required");
                None
            }
            Some(_) => {
                self.fail(name, "must be a whole number");
                None
            }
        }
    }

    /// RFC 3339 text or epoch milliseconds.
    fn timestamp(&mut self, obj: &Map<String, Value>, name: &str, now: i64) -> Option<i64> {
        let ms = match obj.get(name) {
            Some(Value::String(s)) => match rules::rfc3339_ms(s) {
                Some(ms) => Some(ms),
                None => {
                    self.fail(name, "must be an RFC 3339 timestamp such as 2026-11-22T10:00:00.123Z, or epoch milliseconds");
                    return None;
                }
            },
            Some(Value::Number(n)) => match n.as_i64() {
                Some(ms) => Some(ms),
                None => {
                    self.fail(name, "epoch milliseconds must be a whole number");
                    return None;
                }
            },
            None | Some(Value::Null) => {
                self.fail(name, "required");
                return None;
            }
            Some(_) => {
                self.fail(name, "must be an RFC 3339 string or epoch milliseconds");
                return None;
            }
        };
        match rules::moment(ms?, now) {
            Ok(ms) => Some(ms),
            Err(why) => {
                self.fail(name, why);
                None
            }
        }
    }

    fn text(
        &mut self,
        obj: &Map<String, Value>,
        name: &str,
        path: &str,
        required: bool,
    ) -> Option<Option<String>> {
        match obj.get(name) {
            Some(Value::String(s)) if rules::text(s) => Some(Some(s.clone())),
            Some(Value::String(_)) => {
                self.fail(
                    path,
                    format!(
                        "must be 1 to {MAX_TEXT} bytes of text, without control characters \
                         or Unicode non-characters"
                    ),
                );
                None
            }
            None | Some(Value::Null) if !required => Some(None),
            None | Some(Value::Null) => {
                self.fail(path, "required");
                None
            }
            Some(_) => {
                self.fail(path, "must be a string");
                None
            }
        }
    }

    fn object<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        name: &str,
        known: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        match obj.get(name) {
            Some(Value::Object(inner)) => {
                self.unknown_fields(inner, &format!("{name}."), known);
                Some(inner)
            }
            None | Some(Value::Null) => {
                self.fail(name, "required");
                None
            }
            Some(_) => {
                self.fail(name, "must be an object");
                None
            }
        }
    }

    fn client(&mut self, obj: &Map<String, Value>) -> Option<Client> {
        let client = self.object(obj, "client", &["app", "version"])?;
        let app = self.text(client, "app", "client.app", true);
        let version = self.text(client, "version", "client.version", false);
        Some(Client {
            app: app??,
            version: version?,
        })
    }

    fn device(&mut self, obj: &Map<String, Value>) -> Option<Device> {
        let device = self.object(obj, "device", &["id", "platform"])?;
        let id = self.text(device, "id", "device.id", false);
        let platform = self.text(device, "platform", "device.platform", true)??;
        if !rules::platform(&platform) {
            self.fail(
                "device.platform",
                format!("must be one of {}", PLATFORMS.join(", ")),
            );
            return None;
        }
        Some(Device { id: id?, platform })
    }

    fn context(&mut self, obj: &Map<String, Value>) -> Option<PlaybackContext> {
        let context = self.object(obj, "context", &["kind", "id"])?;
        let kind = context
            .get("kind")
            .and_then(Value::as_str)
            .and_then(rules::context);
        if kind.is_none() {
            let names: Vec<&str> = rules::CONTEXTS.iter().map(|(n, _)| *n).collect();
            self.fail(
                "context.kind",
                format!("must be one of {}", names.join(", ")),
            );
        }
        let id = self.text(context, "id", "context.id", false);
        Some(PlaybackContext {
            kind: kind?,
            id: id?,
        })
    }
}

mod fast;
mod rules;
pub(crate) use fast::PlaybackBatch;

// The cases are many and long, so they live in their own file.
#[cfg(test)]
mod tests;
