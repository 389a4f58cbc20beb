//! Artwork: album covers and artist pictures.
//!
//! - `PUT /v1/albums/{id}/cover` and `PUT /v1/artists/{id}/image` (the
//!   artist's accounts or an admin);
//! - `GET` on the same paths with `?size=N` (anyone), which Subsonic's
//!   `getCoverArt` serves too.
//!
//! An upload is checked to be a PNG, JPEG, GIF or WebP image by its content,
//! stored under a content-addressed key, and becomes the album's `cover_url`
//! or the artist's `image_url` (a published change, so the index shows it).
//! A `size` answers the image scaled to fit that many pixels a side, as
//! JPEG, made once and kept in storage beside the original.

use std::io::Cursor;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::albums::Album;
use super::artists::Artist;
use super::editor;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{PathParams, QueryParams};
use crate::outbox;
use crate::outbox::Wakeup;
use crate::state::AppState;
use crate::storage::Storage;
use encore_core::catalog::edit::{self, albums, artists};

/// The largest image accepted.
pub const MAX_COVER_BYTES: usize = 10 * 1024 * 1024;
/// The largest side of an image, and of a scaled copy.
const MAX_SIDE: u32 = 4096;

/// Upload and serve artwork.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/albums/{id}/cover",
            put(put_cover)
                .get(get_cover)
                .layer(DefaultBodyLimit::max(MAX_COVER_BYTES)),
        )
        .route(
            "/v1/artists/{id}/image",
            put(put_image)
                .get(get_image)
                .layer(DefaultBodyLimit::max(MAX_COVER_BYTES)),
        )
}

/// An image's format, by content; `None` for anything else.
fn image_format(bytes: &[u8]) -> Option<(image::ImageFormat, &'static str)> {
    match image::guess_format(bytes).ok()? {
        image::ImageFormat::Png => Some((image::ImageFormat::Png, "png")),
        image::ImageFormat::Jpeg => Some((image::ImageFormat::Jpeg, "jpeg")),
        image::ImageFormat::Gif => Some((image::ImageFormat::Gif, "gif")),
        image::ImageFormat::WebP => Some((image::ImageFormat::WebP, "webp")),
        _ => None,
    }
}

/// An uploaded image, checked, with the storage key its content names.
fn checked_upload(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(String, Bytes)> {
    let body = body.map_err(|r| {
        ApiError::new(
            r.status(),
            "invalid_body",
            format!("an image is at most {MAX_COVER_BYTES} bytes"),
        )
    })?;
    let (format, kind) = image_format(&body).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the image must be a PNG, JPEG, GIF or WebP",
        )
    })?;
    let (width, height) = image::ImageReader::with_format(Cursor::new(&body[..]), format)
        .into_dimensions()
        .map_err(|_| ApiError::invalid_field("body", "the image does not decode"))?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ApiError::invalid_field(
            "body",
            format!("the image must be 1 to {MAX_SIDE} pixels a side"),
        ));
    }
    // One content-addressed namespace for both kinds: the same picture
    // uploaded as a cover and as an artist's image is stored once.
    let key = format!(
        "covers/{}.{kind}",
        hex::encode(&Sha256::digest(&body)[..16])
    );
    Ok((key, body))
}

/// Sets an album's cover from the raw image in the body.
#[utoipa::path(put, path = "/v1/albums/{id}/cover", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = crate::extract::Binary, content_type = "image/jpeg", description = "PNG, JPEG, GIF or WebP bytes, up to 10 MiB and 4096 pixels a side"),
    responses((status = 200, body = Album), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
pub async fn put_cover(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Album>> {
    let (key, body) = checked_upload(body)?;
    let mut tx = db.begin().await?;
    albums::authorize(&mut tx, editor(&user), id).await?;
    storage.put(&key, body).await.map_err(ApiError::internal)?;
    let album = albums::set_cover(&mut tx, id, &key).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(album.into()))
}

/// Sets an artist's picture from the raw image in the body.
#[utoipa::path(put, path = "/v1/artists/{id}/image", tag = "catalog", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body(content = crate::extract::Binary, content_type = "image/jpeg", description = "PNG, JPEG, GIF or WebP bytes, up to 10 MiB and 4096 pixels a side"),
    responses((status = 200, body = Artist), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody)))]
pub async fn put_image(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    State(outbox): State<Wakeup>,
    user: AuthUser,
    PathParams(id): PathParams<Uuid>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Artist>> {
    let (key, body) = checked_upload(body)?;
    let mut tx = db.begin().await?;
    edit::authorize_artist(&mut tx, editor(&user), id).await?;
    storage.put(&key, body).await.map_err(ApiError::internal)?;
    let artist = artists::set_image(&mut tx, id, &key).await?;
    outbox::commit(&outbox, tx).await?;
    Ok(Json(artist.into()))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverQuery {
    /// Scale to fit this many pixels a side (16 to 4096), as JPEG; the
    /// original when absent or larger than it.
    pub size: Option<u32>,
}

impl CoverQuery {
    fn checked(self) -> ApiResult<Option<u32>> {
        if self.size.is_some_and(|s| !(16..=MAX_SIDE).contains(&s)) {
            return Err(ApiError::invalid_field(
                "size",
                format!("must be 16 to {MAX_SIDE} pixels"),
            ));
        }
        Ok(self.size)
    }
}

/// An album's cover, scaled when asked.
#[utoipa::path(get, path = "/v1/albums/{id}/cover", tag = "catalog",
    params(("id" = Uuid, Path), CoverQuery),
    responses((status = 200, description = "The image", content_type = "image/*"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_cover(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    PathParams(id): PathParams<Uuid>,
    QueryParams(query): QueryParams<CoverQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let size = query.checked()?;
    let key = encore_core::catalog::albums::cover_key(&db, id).await?;
    let key = key.ok_or_else(|| ApiError::not_found("cover"))?;
    match unchanged(&headers, &key, size) {
        Some(answer) => Ok(answer),
        None => artwork(&storage, key, size).await,
    }
}

/// An artist's picture, scaled when asked.
#[utoipa::path(get, path = "/v1/artists/{id}/image", tag = "catalog",
    params(("id" = Uuid, Path), CoverQuery),
    responses((status = 200, description = "The image", content_type = "image/*"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_image(
    State(db): State<PgPool>,
    State(storage): State<Storage>,
    PathParams(id): PathParams<Uuid>,
    QueryParams(query): QueryParams<CoverQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let size = query.checked()?;
    let key = encore_core::catalog::artists::image_key(&db, id).await?;
    let key = key.ok_or_else(|| ApiError::not_found("artist image"))?;
    match unchanged(&headers, &key, size) {
        Some(answer) => Ok(answer),
        None => artwork(&storage, key, size).await,
    }
}

/// The strong ETag of the image under `key` at `size`: the key names the
/// content (its hash), so the tag changes exactly when a new image is
/// uploaded.
fn etag(key: &str, size: Option<u32>) -> String {
    let digest = Sha256::digest(format!("{key}:{size:?}"));
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// 304 when the client's copy (`If-None-Match`) is the current one.
fn unchanged(headers: &HeaderMap, key: &str, size: Option<u32>) -> Option<Response> {
    let tag = etag(key, size);
    let sent = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let matches = sent
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == tag);
    matches.then(|| {
        let mut answer = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(value) = HeaderValue::from_str(&tag) {
            answer.headers_mut().insert(header::ETAG, value);
        }
        answer
    })
}

/// The image stored under `key` as an answer, scaled to fit `size` when
/// asked; `NotFound` when storage has lost it.
pub async fn artwork(storage: &Storage, key: String, size: Option<u32>) -> ApiResult<Response> {
    let original = || async {
        storage
            .get(&key)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::not_found("cover"))
    };
    let (kind, bytes) = match size {
        None => (
            key.rsplit_once('.').map_or("png", |(_, k)| k),
            original().await?,
        ),
        Some(size) => {
            let stem = key.rsplit_once('.').map_or(key.as_str(), |(stem, _)| stem);
            let scaled = format!("{stem}-{size}.jpeg");
            match storage.get(&scaled).await.map_err(ApiError::internal)? {
                Some(bytes) => ("jpeg", bytes),
                None => {
                    let bytes = scale(original().await?, size).await?;
                    if let Err(error) = storage.put(&scaled, bytes.clone()).await {
                        tracing::warn!(%error, key = %scaled, "keeping a scaled cover failed");
                    }
                    ("jpeg", bytes)
                }
            }
        }
    };
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&format!("image/{kind}")) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag(&key, size)) {
        headers.insert(header::ETAG, value);
    }
    // The address stays while the image may change (a new upload), so a
    // copy is checked before each use: a 304 costs no image.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, no-cache"),
    );
    Ok((headers, bytes).into_response())
}

/// The image scaled to fit `size` pixels a side (never enlarged), as JPEG.
/// Decoding is CPU work, so it runs off the request threads.
async fn scale(original: Bytes, size: u32) -> ApiResult<Bytes> {
    tokio::task::spawn_blocking(move || {
        let image = image::load_from_memory(&original).map_err(ApiError::internal)?;
        let image = if image.width() > size || image.height() > size {
            image.thumbnail(size, size)
        } else {
            image
        };
        let mut out = Cursor::new(Vec::new());
        image
            .to_rgb8()
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .map_err(ApiError::internal)?;
        Ok(Bytes::from(out.into_inner()))
    })
    .await
    .map_err(ApiError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Bytes {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        image
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("a PNG");
        Bytes::from(out.into_inner())
    }

    #[tokio::test]
    async fn scaled_copies_fit_the_size_keep_the_shape_and_never_grow() {
        let scaled = scale(png(400, 200), 100).await.expect("scaled");
        let image = image::load_from_memory(&scaled).expect("a JPEG");
        assert_eq!((image.width(), image.height()), (100, 50));
        assert_eq!(image_format(&scaled).map(|f| f.1), Some("jpeg"));
        let small = scale(png(40, 40), 100).await.expect("scaled");
        let image = image::load_from_memory(&small).expect("a JPEG");
        assert_eq!((image.width(), image.height()), (40, 40));
        assert!(image_format(b"<svg/>").is_none());
    }
}
