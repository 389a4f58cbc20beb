//! `/v1/tracks/{id}/lyrics`: a track's lyrics, plain or LRC (synced), set by
//! whoever may edit the track and read by anyone, as Subsonic apps read them
//! ([`encore_core::lyrics`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use encore_core::catalog::edit::tracks;
use encore_core::lyrics::{self, UNKNOWN_LANGUAGE};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use super::editor;
use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v1/tracks/{id}/lyrics",
        get(get_lyrics).put(put_lyrics).delete(delete_lyrics),
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLyrics {
    /// Plain text, or LRC (`[mm:ss.xx]` before each line) for lyrics that
    /// follow the song; up to 100,000 characters.
    #[schema(max_length = 100000)]
    pub text: String,
    /// ISO 639 (`en`, `rus`); `xxx` (the default) when unknown.
    pub lang: Option<String>,
}

/// One line; `start_ms` when the lyrics are synced.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LyricsLine {
    pub start_ms: Option<i64>,
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackLyrics {
    pub track_id: Uuid,
    pub lang: String,
    /// Every line has a time, in order.
    pub synced: bool,
    pub lines: Vec<LyricsLine>,
    /// The text as it was given.
    pub text: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<lyrics::Lyrics> for TrackLyrics {
    fn from(l: lyrics::Lyrics) -> Self {
        TrackLyrics {
            track_id: l.track_id,
            lang: l.lang,
            synced: l.parsed.synced,
            lines: l
                .parsed
                .lines
                .into_iter()
                .map(|line| LyricsLine {
                    start_ms: line.start_ms,
                    text: line.text,
                })
                .collect(),
            text: l.text,
            updated_at: crate::times::rfc3339(l.updated_at),
        }
    }
}

/// A track's lyrics; 404 when it has none.
#[utoipa::path(get, path = "/v1/tracks/{id}/lyrics", tag = "catalog",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TrackLyrics), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_lyrics(
    State(db): State<PgPool>,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<TrackLyrics>> {
    let found = lyrics::of_track(&db, id).await?;
    Ok(Json(
        found
            .ok_or_else(|| ApiError::not_found("lyrics of this track"))?
            .into(),
    ))
}

/// Sets a track's lyrics (its artist's accounts, or an admin); setting them
/// again replaces them.
#[utoipa::path(put, path = "/v1/tracks/{id}/lyrics", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = NewLyrics,
    responses((status = 200, body = TrackLyrics), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_lyrics(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<NewLyrics>,
) -> ApiResult<Json<TrackLyrics>> {
    let lang = body.lang.as_deref().unwrap_or(UNKNOWN_LANGUAGE);
    let mut checks = Checks::new();
    if body.text.chars().count() > lyrics::TEXT_MAX {
        checks.fail(
            "text",
            format!("must be at most {} characters", lyrics::TEXT_MAX),
        );
    } else if let Err(why) = lyrics::parse(&body.text) {
        checks.fail("text", why);
    }
    if let Err(why) = lyrics::check_language(lang) {
        checks.fail("lang", why);
    }
    checks.finish()?;
    let mut tx = db.begin().await?;
    tracks::authorize(&mut tx, editor(&user), id).await?;
    let saved = lyrics::save(&mut tx, id, lang, &body.text).await?;
    tx.commit().await?;
    Ok(Json(saved.into()))
}

/// Removes a track's lyrics; removing none changes nothing.
#[utoipa::path(delete, path = "/v1/tracks/{id}/lyrics", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_lyrics(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    let mut tx = db.begin().await?;
    tracks::authorize(&mut tx, editor(&user), id).await?;
    lyrics::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
