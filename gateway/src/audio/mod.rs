//! Audio: `POST /v1/tracks/{id}/audio` (upload) and `GET /v1/tracks/{id}/stream`.
//!
//! An upload is checked to really be audio ([`probe`]), its duration replaces
//! the track's, and it is stored under a content-addressed key, so the ETag
//! is stable and a re-upload of the same file changes nothing in storage.
//! Its loudness is measured once per content: an upload of bytes already
//! measured (the same file given to another track) reuses that measure.
//! Streaming honours single `Range` requests (206, or 416 past the end).

mod files;
pub mod loudness;
pub mod probe;
pub mod range;
pub mod transcode;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

pub use self::files::AudioFiles;
use self::probe::{AudioInfo, ProbeError};
use self::range::RangeAnswer;
use crate::auth::token::TokenKeys;
use crate::auth::{AuthUser, MaybeUser};
use crate::catalog::editor;
use crate::catalog::tracks::Track;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::state::AppState;
use encore_core::catalog::edit::tracks;
use encore_core::catalog::{gain, songs};

/// Upload (up to `max_audio_bytes`, far above the API's usual body limit) and streaming.
pub fn router(max_audio_bytes: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/v1/tracks/{id}/audio",
            post(upload).layer(DefaultBodyLimit::max(max_audio_bytes)),
        )
        .route("/v1/tracks/{id}/stream", get(stream))
        .route("/v1/tracks/{id}/stream-url", get(stream_url))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    pub track: Track,
    /// What the file turned out to be.
    pub audio: AudioInfo,
}

/// Uploads a track's audio: MP3, FLAC, Ogg Vorbis, Ogg Opus or WAV, as the raw
/// body or as the `file` part of a multipart form. The content decides the
/// format, not the Content-Type.
#[utoipa::path(post, path = "/v1/tracks/{id}/audio", tag = "audio", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = crate::extract::Binary, content_type = "application/octet-stream", description = "The audio file"),
    responses((status = 200, body = Uploaded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(db): State<PgPool>,
    State(files): State<AudioFiles>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    request: Request,
) -> ApiResult<Json<Uploaded>> {
    // Refuse early, before reading what may be hundreds of megabytes.
    tracks::authorize(&mut *db.acquire().await?, editor(&user), id).await?;
    let bytes = read_upload(request).await?;
    let etag: String = Sha256::digest(&bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let known = tracks::measured_loudness(&db, &etag).await?;
    let probed = bytes.clone();
    // What the file is, and how loud: ffmpeg decodes it while lofty reads
    // it, unless the same bytes were measured before.
    let (probed, loudness) = tokio::join!(
        tokio::task::spawn_blocking(move || probe::probe(&probed)),
        async {
            match known {
                Some((integrated_lufs, true_peak_dbtp)) => Some(loudness::Loudness {
                    integrated_lufs,
                    true_peak_dbtp,
                }),
                None => loudness::measure(files.transcoder.ffmpeg(), bytes.clone()).await,
            }
        }
    );
    let info = probed.map_err(ApiError::internal)?.map_err(|e| match e {
        ProbeError::NotAudio | ProbeError::Truncated(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            e.to_string(),
        ),
        ProbeError::NoDuration(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_duration",
            e.to_string(),
        ),
    })?;
    let key = format!("audio/{id}/{etag}.{}", info.format.extension());
    let size = bytes.len() as i64;
    let storage = &files.storage;
    storage.put(&key, bytes).await.map_err(ApiError::internal)?;

    let mut tx = db.begin().await?;
    let previous = tracks::authorize(&mut tx, editor(&user), id).await?;
    let audio = tracks::Audio {
        key: &key,
        content_type: info.format.content_type(),
        size,
        etag: &etag,
        duration_ms: info.duration_ms,
        sample_rate: info.sample_rate.and_then(|r| i32::try_from(r).ok()),
        bit_depth: info.bit_depth.map(i16::from),
        channels: info.channels.map(i16::from),
        codec: Some(info.format.codec()),
        loudness_lufs: loudness.map(|l| l.integrated_lufs),
        true_peak_dbtp: loudness.and_then(|l| l.true_peak_dbtp),
    };
    let row = tracks::set_audio(&mut tx, id, &audio).await?;
    outbox::commit(&outbox, tx).await?;
    if let Some(old) = previous.audio_key.filter(|old| *old != key) {
        if let Err(error) = storage.delete(&old).await {
            tracing::warn!(%error, key = %old, "deleting replaced audio failed");
        }
    }
    tracing::info!(track = %id, format = ?info.format, size, duration_ms = info.duration_ms, "audio uploaded");
    Ok(Json(Uploaded {
        track: row.into(),
        audio: info,
    }))
}

/// The file from a raw body or from the `file` part of a multipart form.
async fn read_upload(request: Request) -> ApiResult<Bytes> {
    let too_large =
        |status: StatusCode, detail: String| ApiError::new(status, "invalid_body", detail);
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let bytes = if is_multipart {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|r| too_large(r.status(), r.body_text()))?;
        loop {
            let field = form
                .next_field()
                .await
                .map_err(|r| too_large(r.status(), r.body_text()))?;
            let Some(field) = field else {
                return Err(ApiError::invalid_field(
                    "file",
                    "the form has no `file` part",
                ));
            };
            if field.name() == Some("file") {
                break field
                    .bytes()
                    .await
                    .map_err(|r| too_large(r.status(), r.body_text()))?;
            }
        }
    } else {
        Bytes::from_request(request, &())
            .await
            .map_err(|r| too_large(r.status(), r.body_text()))?
    };
    if bytes.is_empty() {
        return Err(ApiError::invalid_field("body", "the file is empty"));
    }
    Ok(bytes)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// `mp3`, `opus` or `aac` to transcode; `raw` (or nothing) for the stored file.
    pub format: Option<String>,
    /// The most kbps wanted (32 to 320); at or above the file's own, the file is sent.
    pub bitrate: Option<u32>,
    /// Seconds into the track to start from. A stored file cannot start
    /// part-way, so this always transcodes (to the file's own format where
    /// possible, at its bitrate, when no `format` is asked). Seeking within
    /// the original is what `Range` is for.
    pub offset: Option<u32>,
    /// A stream ticket from `GET /v1/tracks/{id}/stream-url`, in place of the
    /// Authorization header (for `<audio src>`, which cannot send one).
    pub ticket: Option<String>,
}

/// Where an `<audio>` element can stream a track from without sending headers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StreamUrl {
    /// `/v1/tracks/{id}/stream?ticket=...`: opens this track only, Range requests included.
    pub url: String,
    /// RFC 3339; six hours from now.
    pub expires_at: String,
    /// How loud the track is, measured at upload; absent for audio stored
    /// before Encore measured it. What a player normalises volume by.
    pub loudness: Option<Loudness>,
    /// How loud the track's album is as a whole (its measured tracks'
    /// energy, weighted by length): what a player playing the album in
    /// order normalises by, so the album keeps its own dynamics. Absent off
    /// an album or when nothing on it was measured.
    pub album_loudness: Option<Loudness>,
}

/// A track's loudness as players use it (ReplayGain 2.0's terms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Loudness {
    /// dB that bring the track to -18 LUFS: negative for loud tracks.
    pub gain_db: f64,
    /// The true peak as a fraction of full scale (1.0 = 0 dBTP), so that a
    /// player raising a quiet track can stop short of clipping it.
    pub peak: Option<f64>,
}

impl From<gain::Gain> for Loudness {
    fn from(gain: gain::Gain) -> Self {
        Loudness {
            gain_db: gain.gain_db,
            peak: gain.peak,
        }
    }
}

/// A URL that streams the track without an Authorization header, for a
/// browser's `<audio>` element. It opens this one track, for six hours.
#[utoipa::path(get, path = "/v1/tracks/{id}/stream-url", tag = "audio", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = StreamUrl), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stream_url(
    State(db): State<PgPool>,
    State(tokens): State<Arc<TokenKeys>>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
) -> ApiResult<Json<StreamUrl>> {
    let Some(stored) = songs::audio(&db, id).await? else {
        return Err(ApiError::not_found("audio of this track"));
    };
    let now = encore_common::now_millis() / 1000;
    let (ticket, exp) = tokens
        .issue_ticket(user.id, id, now)
        .map_err(ApiError::internal)?;
    let expires_at = time::OffsetDateTime::from_unix_timestamp(exp).map_err(ApiError::internal)?;
    Ok(Json(StreamUrl {
        url: format!("/v1/tracks/{id}/stream?ticket={ticket}"),
        expires_at: crate::times::rfc3339(expires_at),
        loudness: gain::of(stored.loudness_lufs, stored.true_peak_dbtp).map(Loudness::from),
        album_loudness: gain::of(stored.album_loudness_lufs, stored.album_true_peak_dbtp)
            .map(Loudness::from),
    }))
}

/// What a stream request asks for besides the range: a format, a bitrate
/// and where to start.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub format: Option<String>,
    pub kbps: Option<u32>,
    /// Seconds into the track.
    pub offset_s: Option<u32>,
}

/// Streams a track's audio; honours `Range` (one range), `If-None-Match` and
/// `If-Range`. With `format` or `bitrate`, transcodes ([`transcode`]).
#[utoipa::path(get, path = "/v1/tracks/{id}/stream", tag = "audio", security(("bearer" = [])),
    params(("id" = Uuid, Path), StreamQuery, ("Range" = Option<String>, Header, description = "bytes=START-END")),
    responses((status = 200, description = "The whole file, or the transcoded stream", content_type = "audio/*"),
              (status = 206, description = "The requested range", content_type = "audio/*"),
              (status = 304, description = "Unchanged since the given ETag"),
              (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 416, description = "The range starts past the end"),
              (status = 422, description = "The stored file could not be transcoded", body = ErrorBody),
              (status = 503, description = "Every transcoder is busy", body = ErrorBody)))]
pub async fn stream(
    State(db): State<PgPool>,
    State(files): State<AudioFiles>,
    State(tokens): State<Arc<TokenKeys>>,
    MaybeUser(user): MaybeUser,
    PathParams(id): PathParams<Uuid>,
    QueryParams(query): QueryParams<StreamQuery>,
    request_headers: HeaderMap,
) -> ApiResult<Response> {
    if user.is_none() {
        let ticket = query.ticket.as_deref().ok_or_else(|| {
            ApiError::unauthorized("send Authorization: Bearer <access token>, or a ticket from /v1/tracks/{id}/stream-url")
        })?;
        tokens.verify_ticket(ticket, id).map_err(|e| match e {
            crate::auth::token::TokenError::Expired => ApiError::unauthorized(
                "the stream ticket has expired; ask /v1/tracks/{id}/stream-url again",
            ),
            _ => ApiError::unauthorized("the stream ticket is not valid for this track"),
        })?;
    }
    let wanted = Wanted {
        format: query.format,
        kbps: query.bitrate,
        offset_s: query.offset,
    };
    send(&db, &files, id, &request_headers, &wanted).await
}

/// A track's stored audio as an HTTP answer to `request_headers` (ranges,
/// validators), transcoded when `wanted` asks; a 404 when the track has
/// none. Every API that streams (native, Subsonic) answers through this.
pub async fn send(
    db: &PgPool,
    files: &AudioFiles,
    id: Uuid,
    request_headers: &HeaderMap,
    wanted: &Wanted,
) -> ApiResult<Response> {
    let Some(songs::StoredAudio {
        key,
        content_type,
        size,
        etag,
        duration_ms,
        ..
    }) = songs::audio(db, id).await?
    else {
        return Err(ApiError::not_found("audio of this track"));
    };
    // kbps = bytes × 8 / ms.
    let source_kbps = u32::try_from(size * 8 / duration_ms.max(1)).ok();
    let offset_s = wanted.offset_s.unwrap_or(0);
    if i64::from(offset_s) * 1000 >= duration_ms.max(1) {
        return Err(ApiError::invalid_field(
            "offset",
            format!(
                "{offset_s} s is past the end of the track ({} s long)",
                duration_ms / 1000
            ),
        ));
    }
    let source = (content_type.as_str(), source_kbps);
    let plan = transcode::plan_from(wanted.format.as_deref(), wanted.kbps, source, offset_s)
        .map_err(|why| ApiError::invalid_field("format", why))?;
    if let transcode::Plan::Transcode { target, kbps } = plan {
        let source = transcode::Source {
            storage: &files.storage,
            key: &key,
            etag: &etag,
        };
        return files
            .transcoder
            .respond(source, (target, kbps), offset_s, request_headers)
            .await;
    }
    let size = size as u64;
    let etag = format!("\"{etag}\"");
    let header_text = |name| {
        request_headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if header_text(header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return respond(
            StatusCode::NOT_MODIFIED,
            &etag,
            &content_type,
            Body::empty(),
            &[],
        );
    }
    // If-Range with another version means: send the whole current file.
    let range = match header_text(header::IF_RANGE) {
        Some(tag) if tag.trim() != etag => None,
        _ => header_text(header::RANGE),
    };
    match range::answer(range, size) {
        RangeAnswer::Full => {
            let body = files
                .storage
                .stream_range(&key, 0, size)
                .await
                .map_err(ApiError::internal)?;
            respond(
                StatusCode::OK,
                &etag,
                &content_type,
                body,
                &[(header::CONTENT_LENGTH, size.to_string())],
            )
        }
        RangeAnswer::Partial { start, end } => {
            let body = files
                .storage
                .stream_range(&key, start, end)
                .await
                .map_err(ApiError::internal)?;
            let content_range = format!("bytes {start}-{}/{size}", end - 1);
            respond(
                StatusCode::PARTIAL_CONTENT,
                &etag,
                &content_type,
                body,
                &[
                    (header::CONTENT_RANGE, content_range),
                    (header::CONTENT_LENGTH, (end - start).to_string()),
                ],
            )
        }
        RangeAnswer::Unsatisfiable => respond(
            StatusCode::RANGE_NOT_SATISFIABLE,
            &etag,
            &content_type,
            Body::empty(),
            &[(header::CONTENT_RANGE, format!("bytes */{size}"))],
        ),
    }
}

fn respond(
    status: StatusCode,
    etag: &str,
    content_type: &str,
    body: Body,
    extra: &[(header::HeaderName, String)],
) -> ApiResult<Response> {
    let mut builder = Response::builder()
        .status(status)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, "private, max-age=3600");
    if status != StatusCode::NOT_MODIFIED && status != StatusCode::RANGE_NOT_SATISFIABLE {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    for (name, value) in extra {
        builder = builder.header(name, value);
    }
    builder.body(body).map_err(ApiError::internal)
}
