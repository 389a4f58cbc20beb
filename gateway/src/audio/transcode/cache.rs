//! The transcode cache on disk: files being written, their eviction, and
//! serving finished ones with `Range`.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::Target;
use crate::audio::range::{self, RangeAnswer};
use crate::error::{ApiError, ApiResult};

/// A cache file being written: renamed into place when complete, removed
/// if dropped before (a client that left, ffmpeg that failed).
pub(super) struct Partial {
    pub(super) file: tokio::fs::File,
    temp: PathBuf,
    path: PathBuf,
    done: bool,
}

impl Partial {
    pub(super) async fn create(path: &Path) -> ApiResult<Partial> {
        let temp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::File::create(&temp)
            .await
            .map_err(ApiError::internal)?;
        Ok(Partial {
            file,
            temp,
            path: path.to_path_buf(),
            done: false,
        })
    }

    pub(super) async fn finish(mut self) -> std::io::Result<()> {
        self.file.flush().await?;
        tokio::fs::rename(&self.temp, &self.path).await?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Removes the least recently used cache files until the cache fits.
pub(super) async fn evict(dir: &Path, budget: u64) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let mut files = Vec::new();
    while let Ok(Some(entry)) = entries.next_entry().await {
        let Ok(meta) = entry.metadata().await else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if meta.is_file() && !name.contains(".part-") {
            let used = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            files.push((used, meta.len(), entry.path()));
        }
    }
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= budget {
            break;
        }
        if tokio::fs::remove_file(&path).await.is_ok() {
            total = total.saturating_sub(len);
        }
    }
}

/// A cached transcode, with `Range`. Serving it marks it recently used.
pub(super) async fn cached(
    file: tokio::fs::File,
    target: Target,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let size = file.metadata().await.map_err(ApiError::internal)?.len();
    let std_file = file.into_std().await;
    let _ = std_file.set_modified(std::time::SystemTime::now());
    let mut file = tokio::fs::File::from_std(std_file);
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, target.content_type())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "private, max-age=3600");
    let (builder, start, end) = match range::answer(range, size) {
        RangeAnswer::Full => (builder.status(StatusCode::OK), 0, size),
        RangeAnswer::Partial { start, end } => (
            builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {start}-{}/{size}", end - 1),
            ),
            start,
            end,
        ),
        RangeAnswer::Unsatisfiable => {
            return builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .map_err(ApiError::internal)
        }
    };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(ApiError::internal)?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file.take(end - start)));
    builder
        .header(header::CONTENT_LENGTH, end - start)
        .body(body)
        .map_err(ApiError::internal)
}
