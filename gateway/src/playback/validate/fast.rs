//! The reader for batches with nothing wrong in them, which is nearly all.
//!
//! Reading a batch into a `serde_json::Value` tree first allocates a map per
//! object and a string per key and value; at tens of thousands of events a
//! second that was a quarter of the gateway's CPU. This reader deserializes
//! straight into borrowed structs and applies the same [`rules`]. It only
//! answers "all valid" or "not": on anything else the explaining reader reads
//! the batch again and names every problem, so both always agree on what is
//! accepted.

use std::borrow::Cow;
use std::fmt;

use encore_schemas::{Client, Device, PlaybackContext, PlaybackEvent};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use uuid::Uuid;

use super::{rules, MAX_BATCH, MAX_TRACK_MS};

// The request body as read and as documented: `/openapi.json` describes
// these structs, so the reader and the description cannot disagree.

/// A batch of the caller's playback events, accepted whole or not at all.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaybackBatch<'a> {
    /// 1 to 500 events.
    #[serde(borrow)]
    #[schema(min_items = 1, max_items = 500)]
    events: Vec<PlaybackEventIn<'a>>,
}

// Unknown fields, `received_at` among them, send the batch to the
// explaining reader, which refuses them by name.

/// One playback event; fields other than these are refused.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaybackEventIn<'a> {
    /// Chosen by the client; a retry reuses it.
    event_id: Uuid,
    /// The caller; may be omitted.
    user_id: Option<Uuid>,
    track_id: Uuid,
    session_id: Uuid,
    #[serde(borrow)]
    #[schema(value_type = String, pattern = "^(start|progress|pause|resume|skip|complete)$")]
    kind: Cow<'a, str>,
    #[schema(minimum = 0, maximum = 86400000)]
    position_ms: i64,
    #[schema(minimum = 1, maximum = 86400000)]
    track_duration_ms: i64,
    /// RFC 3339 text or epoch milliseconds; after 2000, at most a day ahead.
    #[schema(schema_with = moment_schema)]
    occurred_at: Moment,
    #[serde(borrow)]
    client: ClientIn<'a>,
    #[serde(borrow)]
    device: DeviceIn<'a>,
    #[serde(borrow)]
    context: ContextIn<'a>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClientIn<'a> {
    #[serde(borrow)]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    app: Cow<'a, str>,
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    version: Option<Cow<'a, str>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeviceIn<'a> {
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    #[schema(value_type = String, pattern = "^(android|ios|web|desktop|tv|car|speaker|other)$")]
    platform: Cow<'a, str>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContextIn<'a> {
    #[serde(borrow)]
    #[schema(value_type = String, pattern = "^(album|artist|playlist|search|recommendation|library|radio|other)$")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    #[schema(value_type = Option<String>)]
    id: Option<Cow<'a, str>>,
}

/// `occurred_at` as the description gives it: either form the reader takes.
fn moment_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{
        KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
    };
    let either = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(0)),
        )
        .build();
    Schema::OneOf(either)
}

/// `occurred_at`: RFC 3339 text or epoch milliseconds, as epoch milliseconds.
struct Moment(i64);

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MomentVisitor;
        impl Visitor<'_> for MomentVisitor {
            type Value = Moment;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("RFC 3339 text or epoch milliseconds")
            }

            fn visit_i64<E: de::Error>(self, ms: i64) -> Result<Moment, E> {
                Ok(Moment(ms))
            }

            fn visit_u64<E: de::Error>(self, ms: u64) -> Result<Moment, E> {
                i64::try_from(ms)
                    .map(Moment)
                    .map_err(|_| E::custom("out of range"))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Moment, E> {
                rules::rfc3339_ms(text)
                    .map(Moment)
                    .ok_or_else(|| E::custom("not RFC 3339"))
            }
        }
        deserializer.deserialize_any(MomentVisitor)
    }
}

/// Every event of the batch, or `None` if anything at all is wrong with it.
pub(super) fn read_batch(body: &[u8], user: Uuid, received_at: i64) -> Option<Vec<PlaybackEvent>> {
    let batch: PlaybackBatch<'_> = serde_json::from_slice(body).ok()?;
    if batch.events.is_empty() || batch.events.len() > MAX_BATCH {
        return None;
    }
    batch
        .events
        .into_iter()
        .map(|event| event.check(user, received_at))
        .collect()
}

impl PlaybackEventIn<'_> {
    fn check(self, user: Uuid, received_at: i64) -> Option<PlaybackEvent> {
        let user_id = match self.user_id {
            None => user,
            Some(id) if id == user => user,
            Some(_) => return None,
        };
        let track_duration_ms = rules::int(self.track_duration_ms, 1, MAX_TRACK_MS).ok()?;
        let position_ms = rules::int(self.position_ms, 0, MAX_TRACK_MS).ok()?;
        rules::position(position_ms, track_duration_ms).ok()?;
        let texts_ok = rules::text(&self.client.app)
            && rules::text(&self.device.platform)
            && [&self.client.version, &self.device.id, &self.context.id]
                .into_iter()
                .flatten()
                .all(|text| rules::text(text));
        if !texts_ok || !rules::platform(&self.device.platform) {
            return None;
        }
        Some(PlaybackEvent {
            event_id: rules::id(self.event_id).ok()?,
            user_id: rules::id(user_id).ok()?,
            track_id: rules::id(self.track_id).ok()?,
            session_id: rules::id(self.session_id).ok()?,
            kind: rules::kind(&self.kind)?,
            position_ms,
            track_duration_ms,
            occurred_at: rules::moment(self.occurred_at.0, received_at).ok()?,
            received_at,
            client: Client {
                app: self.client.app.into_owned(),
                version: self.client.version.map(Cow::into_owned),
            },
            device: Device {
                id: self.device.id.map(Cow::into_owned),
                platform: self.device.platform.into_owned(),
            },
            context: PlaybackContext {
                kind: rules::context(&self.context.kind)?,
                id: self.context.id.map(Cow::into_owned),
            },
        })
    }
}
