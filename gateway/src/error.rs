//! The one error shape every endpoint answers with:
//! `{"error": {"code", "message", "fields": [{"index"?, "field", "message"}]}}`.
//!
//! Only handlers build these. The data layer fails with [`DbError`], and a
//! handler's `?` maps it here, in one place.
//!
//! A 503 carries no `Retry-After` of its own: [`retry_after`] adds the
//! configured one (`ENCORE_RETRY_AFTER_SECS`) to every 503 the gateway sends.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use encore_core::DbError;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Position in a batch, for batch endpoints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// For a 404, what was not found (`album`, `audio of this track`): apps
    /// word the error in their language from it and the code.
    pub resource: Option<&'static str>,
    /// Seconds for `Retry-After`, where this error knows better than the
    /// configured default (a throttled login).
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Shorthand for handlers and the functions behind them.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            resource: None,
            retry_after: None,
        }
    }

    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        fields: Vec<FieldError>,
    ) -> Self {
        ApiError {
            fields,
            ..ApiError::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    /// A 400 about one field of the request.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::bad_request(
            "invalid_field",
            format!("{field}: {message}"),
            vec![FieldError {
                index: None,
                field: field.to_string(),
                message,
            }],
        )
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &'static str) -> Self {
        ApiError {
            resource: Some(what),
            ..ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            )
        }
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            fields: vec![FieldError {
                index: None,
                field: field.to_string(),
                message: message.clone(),
            }],
            ..ApiError::new(StatusCode::CONFLICT, "conflict", message)
        }
    }

    /// A 429: the caller must wait `secs` before trying again.
    pub fn too_many(message: impl Into<String>, secs: u64) -> Self {
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
        }
    }

    /// A 503 the client should retry; [`retry_after`] says when.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// A failure that is the server's fault. The detail goes to the log, not the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }
}

/// The data layer's failures as answers: an unreachable or overloaded
/// database is a 503 the client may retry; a unique violation is a 409 naming
/// its field (from [`encore_core::db::on_constraint`]); the rest is our bug.
impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(error) => {
                tracing::warn!(%error, "database unavailable");
                ApiError::unavailable("the database is unavailable; retry shortly")
            }
            DbError::Conflict { field, message } => ApiError::conflict(field, message),
            DbError::NotFound(what) => ApiError::not_found(what),
            DbError::Forbidden(why) => ApiError::forbidden(why),
            DbError::Invalid { field, message } => ApiError::invalid_field(field, message),
            error @ (DbError::Encode(_) | DbError::Other(_)) => ApiError::internal(error),
        }
    }
}

/// Handlers that run SQL themselves get the same mapping.
impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        DbError::from(error).into()
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorInner,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorInner {
    /// Stable, machine-readable: `invalid_field`, `unauthorized`, `not_found`, ...
    code: String,
    message: String,
    fields: Vec<FieldError>,
    /// On a 404, what was not found: `album`, `track`, `playlist`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'static str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorInner {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
                resource: self.resource,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"encore\""),
            );
        }
        response
    }
}

/// When a client that got a 503 should try again (`ENCORE_RETRY_AFTER_SECS`).
#[derive(Clone, Copy)]
pub struct RetryAfter(pub std::time::Duration);

/// Response middleware: every 503 tells the client when to retry, with the
/// one configured delay, whichever part of the gateway refused.
pub async fn retry_after(
    State(RetryAfter(after)): State<RetryAfter>,
    mut response: Response,
) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        let secs = after.as_secs().max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(error: ApiError) -> serde_json::Value {
        let response = error.into_response();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    #[tokio::test]
    async fn a_404_names_what_was_not_found_and_other_errors_do_not() {
        let missing = body(ApiError::not_found("album")).await;
        assert_eq!(
            missing,
            serde_json::json!({"error": {"code": "not_found", "message": "album not found", "fields": [], "resource": "album"}})
        );
        let refused = body(ApiError::forbidden("not yours")).await;
        assert!(refused["error"].get("resource").is_none(), "{refused}");
    }
}
