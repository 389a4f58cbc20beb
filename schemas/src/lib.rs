//! Avro schemas of every Encore topic and the codec that writes and reads them.
//!
//! Every Kafka value Encore writes is an Avro *single-object encoding*:
//! `0xC3 0x01`, the 8-byte CRC-64-AVRO (Rabin) fingerprint of the writer
//! schema's Parsing Canonical Form ([`canonical`]), little-endian, then the
//! binary datum. The fingerprint lets a reader find the exact writer
//! schema among the versions this crate embeds (`schemas/history/`), so old
//! records stay readable after a schema evolves, without a schema registry.
//!
//! The `.avsc` files are the source of truth; the Rust types mirror them and the
//! tests prove the two agree and that every schema reads all its earlier versions.

pub mod canonical;
mod catalog;
mod codec;
mod playback;
mod search;

pub use catalog::{Album, Artist, CatalogChange, ChangeOp, EntityType, Playlist, Track};
pub use codec::{decode, encode, AvroMessage, CodecError, SchemaSet};
pub use playback::{Client, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind};
pub use search::{SearchEvent, SearchEventKind};
pub use uuid::Uuid;
