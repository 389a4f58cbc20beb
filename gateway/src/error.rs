//! The one error shape every endpoint answers with:
//! `{"error": {"code", "message", "fields": [{"index"?, "field", "message"}]}}`.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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
    pub retry_after: Option<Duration>,
}

/// Shorthand for handlers and the functions behind them.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
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

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
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

    pub fn unavailable(message: impl Into<String>, retry_after: Duration) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
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

/// Database failures: an unreachable or overloaded database is a 503 the
/// client may retry; a unique violation is a 409; the rest is our bug.
impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::warn!(%error, "database unavailable");
                ApiError::unavailable(
                    "the database is unavailable; retry shortly",
                    Duration::from_secs(2),
                )
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                ApiError::conflict("", "it already exists")
            }
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) =>
            {
                // 57P: the server is shutting down; 08: connection exceptions.
                tracing::warn!(%error, "database unavailable");
                ApiError::unavailable(
                    "the database is unavailable; retry shortly",
                    Duration::from_secs(2),
                )
            }
            _ => ApiError::internal(error),
        }
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorInner {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(after) = self.retry_after {
            let secs = after.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
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
