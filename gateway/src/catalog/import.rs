//! Bulk catalog import and listen matching, for `ingest`.
//!
//! `POST /v1/admin/import` takes up to 1,000 rows (artists, albums, tracks)
//! identified by their source's external ids, and upserts each: created if
//! the external id is new, updated (version bumped, change published) if a
//! field differs, left alone if nothing does. A bad row is reported with its
//! field and the others go in. Parents (an album's artist, a track's artist
//! and album) must be in the same request, anywhere in it, or an earlier
//! one. The writes are set-based, a few statements per request
//! (`encore_core::catalog::import`).
//!
//! Listen matching is in [`super::matching`]; the start-up backfill of
//! normalised keys in [`encore_core::db`].

use axum::extract::State;
use axum::routing::post;
use axum::Json;
use axum::Router;
use encore_core::catalog::import::{self, apply};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::YEARS;
use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::extract::JsonParts;
use crate::outbox;
use crate::outbox::Wakeup;
use crate::state::AppState;

/// The bulk import endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/admin/import", post(import))
}

pub const MAX_ROWS: usize = 1_000;

/// One row of an import.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ImportRow {
    Artist {
        external_id: String,
        name: String,
        #[serde(default)]
        genres: Vec<String>,
        country: Option<String>,
    },
    Album {
        external_id: String,
        artist_external_id: String,
        title: String,
        release_year: Option<i32>,
        #[serde(default)]
        genres: Vec<String>,
    },
    Track {
        external_id: String,
        artist_external_id: String,
        album_external_id: Option<String>,
        title: String,
        duration_ms: Option<i64>,
        genre: Option<String>,
        release_year: Option<i32>,
        track_number: Option<i32>,
    },
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// 1 to 1,000 rows; each is checked on its own.
    #[schema(value_type = Vec<ImportRow>)]
    pub rows: Vec<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Rejected,
}

impl From<import::Outcome> for Outcome {
    fn from(outcome: import::Outcome) -> Self {
        match outcome {
            import::Outcome::Created => Outcome::Created,
            import::Outcome::Updated => Outcome::Updated,
            import::Outcome::Unchanged => Outcome::Unchanged,
        }
    }
}

impl From<ImportRow> for import::ImportRow {
    fn from(row: ImportRow) -> Self {
        match row {
            ImportRow::Artist {
                external_id,
                name,
                genres,
                country,
            } => import::ImportRow::Artist {
                external_id,
                name,
                genres,
                country,
            },
            ImportRow::Album {
                external_id,
                artist_external_id,
                title,
                release_year,
                genres,
            } => import::ImportRow::Album {
                external_id,
                artist_external_id,
                title,
                release_year,
                genres,
            },
            ImportRow::Track {
                external_id,
                artist_external_id,
                album_external_id,
                title,
                duration_ms,
                genre,
                release_year,
                track_number,
            } => import::ImportRow::Track {
                external_id,
                artist_external_id,
                album_external_id,
                title,
                duration_ms,
                genre,
                release_year,
                track_number,
            },
        }
    }
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowResult {
    pub status: Outcome,
    /// The entity's id, unless rejected.
    pub id: Option<Uuid>,
    /// Why a row was rejected.
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportResponse {
    /// One per row, in order.
    pub results: Vec<RowResult>,
}

/// Upserts catalog rows by external id.
#[utoipa::path(post, path = "/v1/admin/import", tag = "admin", security(("bearer" = [])), request_body = ImportRequest,
    responses((status = 200, body = ImportResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn import(
    State(db): State<PgPool>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    JsonParts(body): JsonParts<ImportRequest>,
) -> ApiResult<Json<ImportResponse>> {
    user.require_admin()?;
    if body.rows.is_empty() || body.rows.len() > MAX_ROWS {
        return Err(ApiError::invalid_field(
            "rows",
            format!("must hold 1 to {MAX_ROWS} rows"),
        ));
    }
    let mut results: Vec<Option<RowResult>> = Vec::with_capacity(body.rows.len());
    let mut checked = Vec::with_capacity(body.rows.len());
    for (at, raw) in body.rows.into_iter().enumerate() {
        let row = match serde_json::from_value::<ImportRow>(raw) {
            Ok(row) => row,
            Err(e) => {
                results.push(Some(rejected(vec![field("row", e.to_string())])));
                continue;
            }
        };
        match check(&row) {
            Ok(()) => {
                checked.push((at, row));
                results.push(None);
            }
            Err(errors) => results.push(Some(rejected(errors))),
        }
    }
    let mut tx = db.begin().await?;
    // A row's own fault comes back with the row; anything else (the database
    // going away) fails the request, which the client retries: every row is
    // idempotent.
    let checked = checked
        .into_iter()
        .map(|(at, row)| (at, row.into()))
        .collect();
    for (at, outcome) in apply(&mut tx, checked).await? {
        results[at] = Some(match outcome {
            Ok((status, id)) => RowResult {
                status: status.into(),
                id: Some(id),
                errors: Vec::new(),
            },
            Err((name, message)) => rejected(vec![field(name, message)]),
        });
    }
    let results = results
        .into_iter()
        .map(|r| r.ok_or_else(|| ApiError::internal("an import row was given no outcome")))
        .collect::<Result<Vec<_>, _>>()?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(ImportResponse { results }))
}

fn field(name: &str, message: String) -> FieldError {
    FieldError {
        index: None,
        field: name.to_string(),
        message,
    }
}

fn rejected(errors: Vec<FieldError>) -> RowResult {
    RowResult {
        status: Outcome::Rejected,
        id: None,
        errors,
    }
}

fn check(row: &ImportRow) -> Result<(), Vec<FieldError>> {
    let mut checks = Checks::new();
    let external = |checks: &mut Checks, name: &str, id: &str| checks.text(name, id, 1, 200);
    match row {
        ImportRow::Artist {
            external_id,
            name,
            genres,
            country,
        } => {
            external(&mut checks, "external_id", external_id);
            checks.text("name", name, 1, 200);
            checks.genres("genres", genres, 10);
            checks.optional_text("country", country.as_deref(), 2);
        }
        ImportRow::Album {
            external_id,
            artist_external_id,
            title,
            release_year,
            genres,
        } => {
            external(&mut checks, "external_id", external_id);
            external(&mut checks, "artist_external_id", artist_external_id);
            checks.text("title", title, 1, 300);
            checks.range(
                "release_year",
                release_year.map(i64::from),
                YEARS.0,
                YEARS.1,
            );
            checks.genres("genres", genres, 10);
        }
        ImportRow::Track {
            external_id,
            artist_external_id,
            title,
            duration_ms,
            genre,
            release_year,
            track_number,
            ..
        } => {
            external(&mut checks, "external_id", external_id);
            external(&mut checks, "artist_external_id", artist_external_id);
            checks.text("title", title, 1, 300);
            checks.range("duration_ms", *duration_ms, 0, 24 * 3_600_000);
            checks.optional_text("genre", genre.as_deref(), 50);
            checks.range(
                "release_year",
                release_year.map(i64::from),
                YEARS.0,
                YEARS.1,
            );
            checks.range("track_number", track_number.map(i64::from), 1, 999);
        }
    }
    checks.finish().map_err(|e| e.fields)
}
