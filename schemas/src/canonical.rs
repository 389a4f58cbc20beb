//! The Avro specification's Parsing Canonical Form and its CRC-64-AVRO
//! fingerprint, computed from a schema's JSON text.
//!
//! Why not apache-avro's own `Schema::canonical_form`: in apache-avro 0.22 it
//! strips `logicalType` but keeps the object around the primitive, so a uuid
//! string stays `{"type":"string"}` where the specification's \[PRIMITIVES\]
//! rule reduces it to `"string"`. Java's `SchemaNormalization`, fastavro,
//! Python's avro and Go's libraries all follow the specification, so a
//! fingerprint of the crate's form is one no other implementation can match.
//! The hashing itself is the crate's `Rabin` digest.
//!
//! The transformation, rule by rule ([Parsing Canonical Form]):
//! \[PRIMITIVES\] primitives in their simple form; \[FULLNAMES\] names replaced by
//! fullnames, namespaces dropped; \[STRIP\] only `name`, `type`, `fields`,
//! `symbols`, `items`, `values` and `size` kept; \[ORDER\] in that order;
//! \[STRINGS\] and \[WHITESPACE\] by serializing with `serde_json`, which writes
//! UTF-8 and no whitespace; \[INTEGERS\] `size` as a plain integer.
//!
//! [Parsing Canonical Form]: https://avro.apache.org/docs/1.12.0/specification/#parsing-canonical-form-for-schemas

use apache_avro::rabin::Rabin;
use serde_json::{Map, Value};

/// Why a schema text has no canonical form.
#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("schema is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("schema element is neither a name, an object nor a union: {0}")]
    Invalid(String),
    #[error("a named type has no name: {0}")]
    NoName(String),
}

const PRIMITIVES: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

/// The Parsing Canonical Form of the schema in `text`.
pub fn parsing_canonical_form(text: &str) -> Result<String, CanonicalError> {
    let json: Value = serde_json::from_str(text)?;
    let mut out = String::with_capacity(text.len());
    write(&mut out, &json, "")?;
    Ok(out)
}

/// The CRC-64-AVRO fingerprint of the Parsing Canonical Form of `text`, in
/// the byte order the single-object header carries it (little-endian).
pub fn fingerprint(text: &str) -> Result<[u8; 8], CanonicalError> {
    use digest::Digest;
    let form = parsing_canonical_form(text)?;
    let mut rabin = Rabin::new();
    rabin.update(form.as_bytes());
    let mut out = [0u8; 8];
    out.copy_from_slice(&rabin.finalize());
    Ok(out)
}

/// `name` as a fullname within `namespace`.
fn full_name(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() || PRIMITIVES.contains(&name) {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}

/// A JSON string literal: UTF-8, only `"`, `\\` and control characters escaped.
fn quoted(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// Appends the canonical form of `schema`, met inside `namespace`.
fn write(out: &mut String, schema: &Value, namespace: &str) -> Result<(), CanonicalError> {
    match schema {
        Value::String(name) => out.push_str(&quoted(&full_name(name, namespace))),
        Value::Array(branches) => {
            out.push('[');
            for (n, branch) in branches.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                write(out, branch, namespace)?;
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, namespace)?,
        other => return Err(CanonicalError::Invalid(other.to_string())),
    }
    Ok(())
}

fn write_object(
    out: &mut String,
    map: &Map<String, Value>,
    namespace: &str,
) -> Result<(), CanonicalError> {
    let invalid = || CanonicalError::Invalid(Value::Object(map.clone()).to_string());
    let kind = match map.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        // `{"type": {...}}` or `{"type": [...]}` only wraps its type.
        Some(inner) => return write(out, inner, namespace),
        None => return Err(invalid()),
    };
    if PRIMITIVES.contains(&kind) {
        out.push_str(&quoted(kind));
        return Ok(());
    }
    out.push('{');
    // Types met inside a named type take its namespace.
    let mut inner = namespace.to_string();
    if matches!(kind, "record" | "error" | "enum" | "fixed") {
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| CanonicalError::NoName(Value::Object(map.clone()).to_string()))?;
        let own = map
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(namespace);
        let full = full_name(name, own);
        inner = full
            .rsplit_once('.')
            .map_or(String::new(), |(ns, _)| ns.to_string());
        out.push_str(&format!("\"name\":{},", quoted(&full)));
    }
    out.push_str(&format!("\"type\":{}", quoted(kind)));
    if let Some(fields) = map.get("fields") {
        let fields = fields.as_array().ok_or_else(invalid)?;
        out.push_str(",\"fields\":[");
        for (n, field) in fields.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(invalid)?;
            let field_type = field.get("type").ok_or_else(invalid)?;
            out.push_str(&format!("{{\"name\":{},\"type\":", quoted(name)));
            write(out, field_type, &inner)?;
            out.push('}');
        }
        out.push(']');
    }
    if let Some(symbols) = map.get("symbols") {
        let symbols = symbols.as_array().ok_or_else(invalid)?;
        let symbols: Vec<String> = symbols
            .iter()
            .map(|s| s.as_str().map(quoted).ok_or_else(invalid))
            .collect::<Result<_, _>>()?;
        out.push_str(&format!(",\"symbols\":[{}]", symbols.join(",")));
    }
    for key in ["items", "values"] {
        if let Some(value) = map.get(key) {
            out.push_str(&format!(",\"{key}\":"));
            write(out, value, &inner)?;
        }
    }
    if let Some(size) = map.get("size") {
        let size = match size {
            Value::String(s) => s.parse::<u64>().map_err(|_| invalid())?,
            other => other.as_u64().ok_or_else(invalid)?,
        };
        out.push_str(&format!(",\"size\":{size}"));
    }
    out.push('}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// (schema, canonical form, fingerprint as the header carries it), as
    /// fastavro 1.13.1 computes them. To recompute one:
    /// `python -c 'import json,fastavro; from fastavro.schema import *;
    /// p=to_parsing_canonical_form(fastavro.parse_schema(json.loads(S), _write_hint=False));
    /// print(p, fingerprint(p, "CRC-64-AVRO"))'`
    const FASTAVRO: &[(&str, &str, &str)] = &[
        (r#""null""#, r#""null""#, "8a8f25cce724dd63"),
        (
            r#"{"type":"string","logicalType":"uuid"}"#,
            r#""string""#,
            "c70345637248018f",
        ),
        (
            r#"{"type":"long","logicalType":"timestamp-millis","doc":"x"}"#,
            r#""long""#,
            "b71df49344e154d0",
        ),
        (
            r#"{"type":"fixed","name":"Foo","namespace":"x.y","size":16,"aliases":["Bar"]}"#,
            r#"{"name":"x.y.Foo","type":"fixed","size":16}"#,
            "6d50b39e4bb7645b",
        ),
        (
            r#"{"type":"record","name":"R","namespace":"a.b","doc":"d","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},{"name":"m","type":{"type":"map","values":{"type":"array","items":"E"}}},{"name":"o","type":["null",{"type":"record","name":"c.Other","fields":[{"name":"i","type":"int","default":1}]}],"default":null}]}"#,
            r#"{"name":"a.b.R","type":"record","fields":[{"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["A","B"]}},{"name":"m","type":{"type":"map","values":{"type":"array","items":"a.b.E"}}},{"name":"o","type":["null",{"name":"c.Other","type":"record","fields":[{"name":"i","type":"int"}]}]}]}"#,
            "191cc09fa37df95a",
        ),
        (
            r#"[ "int" , "string" ]"#,
            r#"["int","string"]"#,
            "10b61e52cb621229",
        ),
    ];

    #[test]
    fn canonical_forms_and_fingerprints_match_fastavro() {
        for (schema, form, print) in FASTAVRO {
            assert_eq!(parsing_canonical_form(schema).unwrap(), *form, "{schema}");
            assert_eq!(hex(&fingerprint(schema).unwrap()), *print, "{schema}");
        }
    }

    /// The specification's own example: the fingerprint of `"null"` is the
    /// 64-bit value 7195948357588979594, written little-endian in a header.
    #[test]
    fn the_null_schema_has_the_specifications_fingerprint() {
        let value = u64::from_le_bytes(fingerprint(r#""null""#).unwrap());
        assert_eq!(value, 7_195_948_357_588_979_594);
    }

    /// Every committed schema version, pinned to fastavro's fingerprint.
    #[test]
    fn committed_schemas_have_fastavros_fingerprints() {
        let pinned = [
            (
                include_str!("../avro/catalog_change.avsc"),
                "b2e9939b684a0253",
            ),
            (
                include_str!("../history/catalog_change/v1.avsc"),
                "b2e9939b684a0253",
            ),
            (
                include_str!("../avro/playback_event.avsc"),
                "8726ae556b7b6be1",
            ),
            (
                include_str!("../history/playback_event/v1.avsc"),
                "8726ae556b7b6be1",
            ),
            (
                include_str!("../avro/search_event.avsc"),
                "ee9e481f78165774",
            ),
        ];
        for (text, print) in pinned {
            assert_eq!(hex(&fingerprint(text).unwrap()), print);
        }
    }

    #[test]
    fn apache_avro_keeps_a_wrapped_primitive_where_the_specification_does_not() {
        // The reason this module exists: if this starts failing, apache-avro
        // computes the specification's form and this module can go.
        let schema =
            apache_avro::Schema::parse_str(r#"{"type":"string","logicalType":"uuid"}"#).unwrap();
        assert_ne!(schema.canonical_form(), r#""string""#);
    }

    #[test]
    fn malformed_schemas_are_errors() {
        assert!(parsing_canonical_form("{").is_err());
        assert!(parsing_canonical_form("1").is_err());
        assert!(parsing_canonical_form(r#"{"type":"record","fields":[]}"#).is_err());
    }
}
