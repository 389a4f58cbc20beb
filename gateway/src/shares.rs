//! Share links: `/v1/me/shares` for their owner, and `/v1/shares/{token}`
//! for anyone holding one, without an account. The same shares as
//! Subsonic's ([`encore_core::shares`]).
//!
//! A link opens a page of the web app, `/s/{token}`, which reads the share
//! here and streams its tracks through
//! `/v1/shares/{token}/tracks/{id}/stream`: only its tracks, only while it
//! lives, and only so many new streams an hour (`ENCORE_SHARE_STREAMS_PER_HOUR`).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch};
use axum::Json;
use axum::Router;
use encore_common::links;
use encore_core::catalog::songs;
use encore_core::credentials::seal::Sealer;
use encore_core::shares::{self, Link, Source};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audio::{self, AudioFiles};
use crate::auth::AuthUser;
use crate::checks::Checks;
use crate::config::GatewayConfig;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{JsonBody, PathParams};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/me/shares", get(list).post(create))
        .route("/v1/me/shares/{id}", patch(update).delete(remove))
        .route("/v1/shares/{token}", get(open))
        .route("/v1/shares/{token}/tracks/{track_id}/stream", get(stream))
}

/// What kind of thing the ids name.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShareKind {
    Track,
    Album,
    Playlist,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// `track` (one or more ids), `album` or `playlist` (one id each: its
    /// tracks as they are now).
    pub kind: ShareKind,
    #[schema(min_items = 1, max_items = 1000)]
    pub ids: Vec<Uuid>,
    /// Shown with the tracks; up to 500 characters on one line.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
    /// RFC 3339, within a year; 30 days from now when left out.
    pub expires_at: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareChange {
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// RFC 3339, within a year from now.
    pub expires_at: Option<String>,
}

/// One of the caller's shares.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub id: Uuid,
    /// The link to give out: the web app's page of the share. Absent for a
    /// share whose link was sealed under an older key (it still opens).
    pub url: Option<String>,
    pub kind: String,
    /// The album or playlist shared, if it was one.
    pub source_id: Option<Uuid>,
    pub track_ids: Vec<Uuid>,
    pub description: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
    pub expired: bool,
    pub visit_count: i64,
    /// RFC 3339.
    pub last_visited_at: Option<String>,
}

/// The web address links are built on ([`encore_common::links`]).
pub fn public_base(config: &GatewayConfig, headers: &HeaderMap) -> String {
    links::public_base(config.public_url.as_deref(), headers)
}

fn share_of(row: shares::Share, base: &str) -> Share {
    Share {
        id: row.id,
        url: row.token.map(|t| links::share_url(base, &t)),
        kind: row.source_kind,
        source_id: row.source_id,
        track_ids: row.track_ids,
        description: row.description,
        created_at: crate::times::rfc3339(row.created_at),
        expired: row.expires_at <= OffsetDateTime::now_utc(),
        expires_at: crate::times::rfc3339(row.expires_at),
        visit_count: row.visit_count,
        last_visited_at: row.last_visited_at.map(crate::times::rfc3339),
    }
}

/// An expiry as sent, checked: `None` when absent.
fn expiry(checks: &mut Checks, text: Option<&str>) -> Option<OffsetDateTime> {
    let text = text?;
    let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) else {
        checks.fail("expires_at", "must be an RFC 3339 time");
        return None;
    };
    if let Err(why) = shares::check_expiry(at, OffsetDateTime::now_utc()) {
        checks.fail("expires_at", why);
    }
    Some(at)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Shares {
    /// The newest first, expired ones included until deleted.
    pub items: Vec<Share>,
}

/// The caller's shares.
#[utoipa::path(get, path = "/v1/me/shares", tag = "library", security(("bearer" = [])),
    responses((status = 200, body = Shares), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(db): State<PgPool>,
    State(sealer): State<Sealer>,
    State(config): State<std::sync::Arc<GatewayConfig>>,
    user: AuthUser,
    headers: HeaderMap,
) -> ApiResult<Json<Shares>> {
    let base = public_base(&config, &headers);
    let rows = shares::list(&db, &sealer, user.id).await?;
    Ok(Json(Shares {
        items: rows.into_iter().map(|r| share_of(r, &base)).collect(),
    }))
}

/// Shares tracks, an album or a playlist the caller can see, through a link
/// anyone may open until it expires or is deleted.
#[utoipa::path(post, path = "/v1/me/shares", tag = "library", security(("bearer" = [])),
    request_body = NewShare,
    responses((status = 201, body = Share), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn create(
    State(db): State<PgPool>,
    State(sealer): State<Sealer>,
    State(config): State<std::sync::Arc<GatewayConfig>>,
    user: AuthUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewShare>,
) -> ApiResult<(StatusCode, Json<Share>)> {
    let mut checks = Checks::new();
    let source = match (body.kind, body.ids.as_slice()) {
        (_, []) => {
            checks.fail("ids", "must name at least one");
            None
        }
        (ShareKind::Track, ids) if ids.len() > shares::TRACKS_MAX => {
            checks.fail("ids", format!("at most {} tracks", shares::TRACKS_MAX));
            None
        }
        (ShareKind::Track, ids) => Some(Source::Tracks(ids.to_vec())),
        (ShareKind::Album, [id]) => Some(Source::Album(*id)),
        (ShareKind::Playlist, [id]) => Some(Source::Playlist(*id)),
        (_, _) => {
            checks.fail("ids", "an album or a playlist is shared one at a time");
            None
        }
    };
    let expires_at = expiry(&mut checks, body.expires_at.as_deref());
    checks.text("description", &body.description, 0, shares::DESCRIPTION_MAX);
    checks.finish()?;
    let source = source.ok_or_else(|| ApiError::invalid_field("ids", "must name something"))?;
    let expires_at =
        expires_at.unwrap_or_else(|| OffsetDateTime::now_utc() + shares::DEFAULT_LIFETIME);
    let row = shares::create(
        &db,
        &sealer,
        user.id,
        &source,
        &body.description,
        expires_at,
    )
    .await?;
    let base = public_base(&config, &headers);
    Ok((StatusCode::CREATED, Json(share_of(row, &base))))
}

/// Changes a share's description or expiry (a past share lives again when
/// given a new one).
#[utoipa::path(patch, path = "/v1/me/shares/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ShareChange,
    responses((status = 200, body = Share), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn update(
    State(db): State<PgPool>,
    State(sealer): State<Sealer>,
    State(config): State<std::sync::Arc<GatewayConfig>>,
    user: AuthUser,
    headers: HeaderMap,
    PathParams(id): PathParams<Uuid>,
    JsonBody(body): JsonBody<ShareChange>,
) -> ApiResult<Json<Share>> {
    let mut checks = Checks::new();
    let expires_at = expiry(&mut checks, body.expires_at.as_deref());
    if let Some(description) = &body.description {
        checks.text("description", description, 0, shares::DESCRIPTION_MAX);
    }
    checks.finish()?;
    let description = body.description.as_deref();
    if !shares::update(&db, user.id, id, description, expires_at).await? {
        return Err(ApiError::not_found("share"));
    }
    let row = shares::one(&db, &sealer, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("share"))?;
    Ok(Json(share_of(row, &public_base(&config, &headers))))
}

/// Deletes a share: its link opens nothing from now on. Deleting one that
/// is not there changes nothing, so a retried deletion is harmless.
#[utoipa::path(delete, path = "/v1/me/shares/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn remove(
    State(db): State<PgPool>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<StatusCode> {
    shares::delete(&db, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One track of a share, as anyone holding the link sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SharedTrack {
    pub id: Uuid,
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub duration_ms: i64,
    /// Where to stream it from, when it has audio.
    pub stream_url: Option<String>,
    /// The album's cover, when it has one.
    pub cover_url: Option<String>,
}

/// A share, opened by its link.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenShare {
    /// Who shared it (their display name).
    pub owner: String,
    pub kind: String,
    pub description: String,
    /// RFC 3339.
    pub expires_at: String,
    pub tracks: Vec<SharedTrack>,
}

/// The error a closed link answers.
fn closed<T>(link: Link<T>) -> ApiError {
    match link {
        Link::Expired(at) => ApiError::new(
            StatusCode::GONE,
            "share_expired",
            format!("this share expired at {}", crate::times::rfc3339(at)),
        ),
        Link::Limited { retry_after_s } => ApiError::too_many(
            "this share has started too many streams this hour; try again later",
            retry_after_s,
        ),
        Link::Open(_) | Link::Missing => ApiError::not_found("share"),
    }
}

/// Opens a share by its link, without an account, and counts the visit.
#[utoipa::path(get, path = "/v1/shares/{token}", tag = "library",
    params(("token" = String, Path)),
    responses((status = 200, body = OpenShare), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn open(
    State(db): State<PgPool>,
    PathParams(token): PathParams<String>,
) -> ApiResult<Json<OpenShare>> {
    let share = match shares::visit(&db, &token).await? {
        Link::Open(share) => share,
        other => return Err(closed(other)),
    };
    // Nobody's stars or ratings: the reader may have no account.
    let songs = songs::by_ids(&db, Uuid::nil(), &share.track_ids).await?;
    let tracks = songs
        .into_iter()
        .map(|s| SharedTrack {
            stream_url: s
                .audio_content_type
                .is_some()
                .then(|| format!("/v1/shares/{token}/tracks/{}/stream", s.id)),
            cover_url: s
                .album_id
                .filter(|_| s.has_cover)
                .map(|album| format!("/v1/albums/{album}/cover?size=300")),
            id: s.id,
            title: s.title,
            artist: s.artist,
            album: s.album,
            duration_ms: s.duration_ms,
        })
        .collect();
    Ok(Json(OpenShare {
        owner: share.owner,
        kind: share.source_kind,
        description: share.description,
        expires_at: crate::times::rfc3339(share.expires_at),
        tracks,
    }))
}

/// Whether a request starts a stream, rather than asking for the next part
/// of one: no `Range`, or one from the first byte.
fn starts_stream(headers: &HeaderMap) -> bool {
    match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(range) => range.trim().starts_with("bytes=0-"),
    }
}

/// Streams one of a share's tracks, without an account: with `Range`, as
/// stored (no transcoding). Each new stream counts against the share's
/// hourly limit; the next ranges of one do not.
#[utoipa::path(get, path = "/v1/shares/{token}/tracks/{track_id}/stream", tag = "library",
    params(("token" = String, Path), ("track_id" = Uuid, Path),
           ("Range" = Option<String>, Header, description = "bytes=START-END")),
    responses((status = 200, description = "The whole file", content_type = "audio/*"),
              (status = 206, description = "The requested range", content_type = "audio/*"),
              (status = 404, body = ErrorBody), (status = 410, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn stream(
    State(db): State<PgPool>,
    State(files): State<AudioFiles>,
    State(config): State<std::sync::Arc<GatewayConfig>>,
    PathParams((token, track)): PathParams<(String, Uuid)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let per_hour = config.share_streams_per_hour;
    match shares::start_stream(&db, &token, track, starts_stream(&headers), per_hour).await? {
        Link::Open(()) => {}
        other => return Err(closed(other)),
    }
    audio::send(&db, &files, track, &headers, &audio::Wanted::default()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_a_request_from_the_first_byte_starts_a_stream() {
        let with = |range: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
            starts_stream(&headers)
        };
        assert!(starts_stream(&HeaderMap::new()));
        assert!(with("bytes=0-"));
        assert!(with("bytes=0-1023"));
        assert!(!with("bytes=1024-"));
    }
}
