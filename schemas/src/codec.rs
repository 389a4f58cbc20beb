//! Single-object encoding with writer-schema resolution.

use apache_avro::headers::{HeaderBuilder, RabinFingerprintHeader};
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::schema_compatibility::SchemaCompatibility;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
use apache_avro::Schema;
use serde::{de::DeserializeOwned, Serialize};

/// The two magic bytes that open every single-object encoded message.
const MAGIC: [u8; 2] = [0xC3, 0x01];
const HEADER_LEN: usize = 10;

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("message is {0} bytes, shorter than the 10-byte single-object header")]
    TooShort(usize),
    #[error("message does not start with the Avro single-object marker C3 01")]
    BadMagic,
    #[error("writer schema fingerprint {0} is not a known version of {1}")]
    UnknownFingerprint(String, &'static str),
    #[error("message is truncated: the Avro datum ends early")]
    Truncated,
    #[error("{0} trailing bytes after the Avro datum")]
    TrailingBytes(usize),
    #[error("avro: {0}")]
    Avro(#[from] apache_avro::Error),
}

/// Every version of one schema: the current one (what writers use and readers
/// resolve to) and all earlier ones, keyed by their fingerprints.
pub struct SchemaSet {
    name: &'static str,
    /// Leaked once per set (there are three, made once per process) so that
    /// the reader and writer below can borrow it for the process's life.
    current: &'static Schema,
    /// Reads data written with the current schema straight into Rust types,
    /// with no intermediate `Value` tree and no schema resolution: the path
    /// nearly every message takes, and five times faster than the general one.
    reader: GenericDatumReader<'static>,
    writer: GenericDatumWriter<'static>,
    header: Vec<u8>,
    versions: Vec<(String, Schema)>,
    /// Each fingerprint a writer may have used, and the index of its schema
    /// (`None` for the current one). Two per version: the specification's
    /// (what Encore writes now, and what other implementations compute) and
    /// apache-avro 0.22's own, which Encore wrote before and which topics
    /// written then still carry.
    writers: Vec<([u8; 8], Option<usize>)>,
}

impl SchemaSet {
    /// Parses the embedded schema texts. Panics only on a malformed embedded
    /// schema, which the crate's tests rule out before anything ships.
    pub fn new(name: &'static str, current: &str, history: &[(&str, &str)]) -> Self {
        // apache-avro's serde bridge writes UUIDs as 16 raw bytes unless it is
        // told the data is human readable, and our schemas use the string-based
        // `uuid` logical type. The switch is process-wide and set once; this
        // crate is the only place Encore touches Avro, so it owns it.
        assert!(
            apache_avro::util::set_serde_human_readable(true),
            "apache-avro was switched to non-human-readable serde before Encore's schemas loaded"
        );
        let parse = |label: &str, text: &str| {
            Schema::parse_str(text)
                .unwrap_or_else(|e| panic!("embedded schema {name} {label} is invalid: {e}"))
        };
        let current_schema: &'static Schema = Box::leak(Box::new(parse("current", current)));
        let spec = |label: &str, text: &str| {
            crate::canonical::fingerprint(text).unwrap_or_else(|e| {
                panic!("embedded schema {name} {label} has no canonical form: {e}")
            })
        };
        let legacy = |schema: &Schema| {
            let header = RabinFingerprintHeader::from_schema(schema).build_header();
            let mut print = [0u8; 8];
            print.copy_from_slice(&header[2..HEADER_LEN]);
            print
        };
        let current_print = spec("current", current);
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&current_print);
        let mut writers = vec![(current_print, None), (legacy(current_schema), None)];
        let mut versions = Vec::with_capacity(history.len());
        for (at, (label, text)) in history.iter().enumerate() {
            let schema = parse(label, text);
            writers.push((spec(label, text), Some(at)));
            writers.push((legacy(&schema), Some(at)));
            versions.push((label.to_string(), schema));
        }
        let reader = GenericDatumReader::builder(current_schema)
            .build()
            .unwrap_or_else(|e| panic!("embedded schema {name} cannot be read: {e}"));
        let writer = GenericDatumWriter::builder(current_schema)
            .build()
            .unwrap_or_else(|e| panic!("embedded schema {name} cannot be written: {e}"));
        SchemaSet {
            name,
            current: current_schema,
            reader,
            writer,
            header,
            versions,
            writers,
        }
    }

    /// The single-object header writers put before each datum: the magic
    /// bytes and the specification's fingerprint of the current schema.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The schema writers use today.
    pub fn current(&self) -> &Schema {
        self.current
    }

    /// Earlier versions, oldest first, with their file labels (`v1`, `v2`, ...).
    pub fn versions(&self) -> &[(String, Schema)] {
        &self.versions
    }

    /// Checks that the current schema can read data written with every
    /// recorded version. Returns the first version it cannot read.
    pub fn check_backward_compatible(&self) -> Result<(), String> {
        for (label, old) in &self.versions {
            SchemaCompatibility::can_read(old, self.current)
                .map_err(|e| format!("{} cannot read {label}: {e}", self.name))?;
        }
        Ok(())
    }

    /// Encodes `message` with the current schema as a single-object message.
    pub fn encode<T: Serialize>(&self, message: &T) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(&self.header);
        self.writer.write_ser(&mut out, message)?;
        Ok(out)
    }

    /// Decodes a single-object message written with any known version,
    /// resolving it against the current schema.
    pub fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, CodecError> {
        if bytes.len() < HEADER_LEN {
            return Err(CodecError::TooShort(bytes.len()));
        }
        if bytes[..2] != MAGIC {
            return Err(CodecError::BadMagic);
        }
        let fingerprint = &bytes[2..HEADER_LEN];
        let writer = self
            .writer_for(fingerprint)
            .ok_or_else(|| CodecError::UnknownFingerprint(hex(fingerprint), self.name))?;
        let mut body = EofGuard {
            rest: &bytes[HEADER_LEN..],
            hit_eof: false,
        };
        let decoded = if std::ptr::eq(writer, self.current) {
            self.reader.read_deser::<T>(&mut body)
        } else {
            GenericDatumReader::builder(writer)
                .reader_schema(self.current)
                .build()?
                .read_value(&mut body)
                .and_then(|value: Value| apache_avro::from_value(&value))
        };
        if body.hit_eof {
            return Err(CodecError::Truncated);
        }
        let message = decoded?;
        if !body.rest.is_empty() {
            return Err(CodecError::TrailingBytes(body.rest.len()));
        }
        Ok(message)
    }

    fn writer_for(&self, fingerprint: &[u8]) -> Option<&Schema> {
        let (_, at) = self
            .writers
            .iter()
            .find(|(print, _)| print == fingerprint)?;
        Some(match at {
            None => self.current,
            Some(at) => &self.versions[*at].1,
        })
    }
}

/// A Rust type that mirrors one of the embedded schemas.
pub trait AvroMessage: Serialize + DeserializeOwned {
    fn schema_set() -> &'static SchemaSet;
}

/// Encodes `message` with its current schema as a single-object message.
pub fn encode<T: AvroMessage>(message: &T) -> Result<Vec<u8>, CodecError> {
    T::schema_set().encode(message)
}

/// Decodes a single-object message written with any known version of `T`'s schema.
pub fn decode<T: AvroMessage>(bytes: &[u8]) -> Result<T, CodecError> {
    T::schema_set().decode(bytes)
}

/// Remembers whether the decoder ever asked for bytes past the end.
///
/// apache-avro decodes an unexpected end of input inside a string or union as
/// `null` instead of failing, so a truncated message would otherwise decode
/// "successfully" with its last fields silently dropped. A well-formed datum
/// never reads past its own end, so any read that finds nothing left means
/// the message was cut short.
struct EofGuard<'a> {
    rest: &'a [u8],
    hit_eof: bool,
}

impl std::io::Read for EofGuard<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !buf.is_empty() && self.rest.len() < buf.len() {
            self.hit_eof = true;
        }
        self.rest.read(buf)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lazily parsed, process-wide schema sets, one per message type.
pub(crate) type LazySet = std::sync::LazyLock<SchemaSet>;

/// Lists `schemas/history/<dir>` so tests can prove every file there is embedded.
#[cfg(test)]
pub(crate) fn history_files(dir: &str) -> Vec<String> {
    // Cargo's variable at run time, not at build: a test binary reused from
    // the shared target dir may have been built in another checkout.
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = std::path::Path::new(&root).join("history").join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".avsc"))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const V1: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#;
    const V2: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},
        {"name":"b","type":["null","string"],"default":null}]}"#;
    const V3_BREAKING: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"},
        {"name":"c","type":"long"}]}"#;

    #[derive(Serialize)]
    struct OldR {
        a: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct NewR {
        a: String,
        b: Option<String>,
    }

    #[test]
    fn reads_records_written_with_an_older_schema() {
        let old = SchemaSet::new("R", V1, &[("v1", V1)]);
        let bytes = old.encode(&OldR { a: "x".into() }).unwrap();
        let new = SchemaSet::new("R", V2, &[("v1", V1), ("v2", V2)]);
        let read: NewR = new.decode(&bytes).unwrap();
        assert_eq!(
            read,
            NewR {
                a: "x".into(),
                b: None
            }
        );
    }

    #[test]
    fn forgets_nothing_it_was_not_told_about() {
        let old = SchemaSet::new("R", V1, &[("v1", V1)]);
        let bytes = old.encode(&OldR { a: "x".into() }).unwrap();
        let new_without_history = SchemaSet::new("R", V2, &[("v2", V2)]);
        assert!(matches!(
            new_without_history.decode::<NewR>(&bytes),
            Err(CodecError::UnknownFingerprint(..))
        ));
    }

    /// A logical type makes the specification's fingerprint and apache-avro
    /// 0.22's differ; records written under either header decode.
    const WITH_UUID: &str = r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"string","logicalType":"uuid"}}]}"#;

    /// Named as the schema's record: the fast path checks that they agree.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct R {
        a: uuid::Uuid,
    }

    #[test]
    fn writes_the_specifications_fingerprint_and_reads_the_old_one_too() {
        let set = SchemaSet::new("R", WITH_UUID, &[("v1", WITH_UUID)]);
        let message = R {
            a: uuid::Uuid::from_u128(7),
        };
        let bytes = set.encode(&message).unwrap();
        let spec = crate::canonical::fingerprint(WITH_UUID).unwrap();
        assert_eq!(bytes[..2], MAGIC);
        assert_eq!(bytes[2..HEADER_LEN], spec);
        assert_eq!(set.decode::<R>(&bytes).unwrap(), message);

        let legacy = RabinFingerprintHeader::from_schema(set.current()).build_header();
        assert_ne!(legacy[2..], spec, "the two forms differ for logical types");
        let mut old = legacy.clone();
        old.extend_from_slice(&bytes[HEADER_LEN..]);
        assert_eq!(set.decode::<R>(&old).unwrap(), message);
    }

    #[test]
    fn compatibility_check_catches_a_breaking_change() {
        assert!(SchemaSet::new("R", V2, &[("v1", V1), ("v2", V2)])
            .check_backward_compatible()
            .is_ok());
        let broken = SchemaSet::new("R", V3_BREAKING, &[("v1", V1), ("v3", V3_BREAKING)]);
        let err = broken.check_backward_compatible().unwrap_err();
        assert!(err.contains("v1"), "{err}");
    }
}
