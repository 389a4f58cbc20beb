//! Request extractors whose rejections use the API's JSON error shape and name
//! the offending field, instead of axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON body deserialized into `T`; errors name the field by its path
/// (`items[2].track_id`).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(request, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON body whose text the handler checks part by part, for bulk
/// requests where one bad part is rejected on its own (a catalog import row)
/// rather than failing the whole request: [`JsonBody`] without
/// [`check_json_text`].
pub struct JsonParts<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonParts<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(request, state).await?;
        deserialize_json(&bytes).map(JsonParts)
    }
}

async fn json_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    require_json(request.headers())?;
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            ApiError::new(rejection.status(), "invalid_body", rejection.body_text())
        })
}

/// 415 unless the body is declared as JSON (`application/json` or `+json`).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ))
    }
}

/// Deserializes JSON, naming the field of the first problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    check_json_text(bytes)?;
    deserialize_json(bytes)
}

fn deserialize_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let field = field_name(&path, &inner.to_string(), "body");
        let message = without_position(&inner.to_string());
        let code = if inner.is_data() {
            "invalid_field"
        } else {
            "invalid_json"
        };
        ApiError::bad_request(
            code,
            format!("{field}: {message}"),
            vec![FieldError {
                index: None,
                field,
                message,
            }],
        )
    })
}

/// The field a deserialization error is about: its path, or for a missing
/// field (reported at the parent's path) the field's own name.
fn field_name(path: &str, message: &str, root: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(name)) => name.to_string(),
        (".", None) => root.to_string(),
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_string(),
    }
}

/// Refuses a JSON body with a string (or key) that breaks the text rule of
/// [`encore_common::text`], naming its path (`items[2].title`).
///
/// serde_json itself refuses raw control characters in strings, so unfit text
/// can only arrive escaped (`\u0000`) or as non-ASCII bytes (DEL, C1,
/// U+FFFE). A body with neither, which is most of them, is passed at the cost
/// of one scan; the others are read once more as a tree to find the field.
pub fn check_json_text(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.iter().any(|&b| b == b'\\' || b >= 0x7f) {
        return Ok(());
    }
    // Malformed JSON is left to the typed read, which says where it breaks.
    let Ok(root) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match unfit_in(&root, String::new()) {
        None => Ok(()),
        Some((path, unfit)) => Err(ApiError::invalid_field(&path, unfit.to_string())),
    }
}

/// The path and the problem of the first unfit string in `value`.
fn unfit_in(
    value: &serde_json::Value,
    path: String,
) -> Option<(String, encore_common::text::Unfit)> {
    use serde_json::Value;
    let at = |path: &str| {
        if path.is_empty() {
            "body".to_string()
        } else {
            path.to_string()
        }
    };
    match value {
        Value::String(text) => encore_common::text::check(text)
            .err()
            .map(|u| (at(&path), u)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| unfit_in(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            let inner = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            match encore_common::text::check(name) {
                Err(unfit) => Some((inner, unfit)),
                Ok(()) => unfit_in(item, inner),
            }
        }),
        _ => None,
    }
}

/// Refuses query or path parameters that break the text rule, naming the
/// first such parameter.
fn check_params<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(), ApiError> {
    for (name, value) in pairs {
        if let Err(unfit) = encore_common::text::check(value) {
            return Err(ApiError::invalid_field(
                &encore_common::text::xml_safe(name),
                unfit.to_string(),
            ));
        }
        if let Err(unfit) = encore_common::text::check(name) {
            return Err(ApiError::invalid_field(
                "query",
                format!("parameter names {unfit}"),
            ));
        }
    }
    Ok(())
}

/// serde_json ends messages with " at line 1 column 17"; the field says where.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Query parameters deserialized into `T`; errors name the parameter.
pub struct QueryParams<T>(pub T);

// A raw body as OpenAPI 3.1 describes one: a binary string, not an array of
// numbers. Only the description uses it; handlers read the bytes themselves.

/// The raw bytes of the file, as the body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<_> = form_urlencoded::parse(query.as_bytes()).collect();
        check_params(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))?;
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(QueryParams)
            .map_err(|error| {
                let path = error.path().to_string();
                let message = error.into_inner().to_string();
                ApiError::invalid_field(&field_name(&path, &message, "query"), message)
            })
    }
}

/// Path parameters; a malformed one (a UUID that is not) is a 400 naming it.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await {
            check_params(raw.iter())?;
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| PathParams(value))
            .map_err(|rejection| ApiError::invalid_field("path", rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        year: i32,
    }

    fn field_of(json: &str) -> String {
        parse_json::<Body>(json.as_bytes()).unwrap_err().fields[0]
            .field
            .clone()
    }

    #[test]
    fn unfit_text_is_refused_wherever_it_hides_and_named() {
        let field = |json: &str| {
            parse_json::<serde_json::Value>(json.as_bytes())
                .err()
                .map(|e| e.fields[0].field.clone())
        };
        assert_eq!(field(r#"{"name": "a\u0000b"}"#).as_deref(), Some("name"));
        assert_eq!(
            field(r#"{"items": [{"t": "ok"}, {"t": "x\uFFFE"}]}"#).as_deref(),
            Some("items[1].t")
        );
        assert_eq!(field("{\"c\": \"del\u{7f}\"}").as_deref(), Some("c"));
        assert_eq!(field(r#""\u0001""#).as_deref(), Some("body"));
        assert_eq!(field(r#"{"ok": "Кино \"quoted\" \n"}"#), None);
        let e = check_params([("genre", "a\0b")]).unwrap_err();
        assert_eq!(e.fields[0].field, "genre");
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn errors_name_the_field_even_when_it_is_missing() {
        assert_eq!(field_of(r#"{}"#), "name");
        assert_eq!(field_of(r#"{"name": 5}"#), "name");
        assert_eq!(field_of(r#"{"name": "x", "inner": {}}"#), "inner.year");
        assert_eq!(
            field_of(r#"{"name": "x", "inner": {"year": "1990"}}"#),
            "inner.year"
        );
        assert_eq!(field_of("not json"), "body");
    }
}
