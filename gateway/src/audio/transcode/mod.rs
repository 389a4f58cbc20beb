//! On-the-fly transcoding to MP3, Opus or AAC with ffmpeg, for clients on
//! slow links or without a codec (`format` and `maxBitRate`/`bitrate` on the
//! native and the Subsonic stream).
//!
//! - ffmpeg runs as a child process. It reads the stored file itself when
//!   storage is a local directory, and is fed it on stdin otherwise (S3).
//!   Its output is sent as it comes, so the first bytes leave within a few
//!   hundred milliseconds, and it is written to a cache file beside.
//! - At most `ENCORE_TRANSCODE_MAX` run at once; one more waits up to
//!   `ENCORE_TRANSCODE_WAIT_MS` for a slot, then gets a 503.
//! - The cache is keyed by (audio ETag, format, bitrate), bounded by
//!   `ENCORE_TRANSCODE_CACHE_MB` (oldest used first out), and serves ranges.
//! - A transcode may start part-way (`timeOffset`, OpenSubsonic's
//!   `transcodeOffset`): ffmpeg seeks in its input, and the result is not
//!   cached, since every seek would leave another tail of the same song.
//! - A client that disconnects drops the response body, which kills its
//!   ffmpeg and removes the half-written cache file.
//! - A file ffmpeg cannot read is a clear error, never a stuck process.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::cache::{cached, evict, Partial};
use crate::error::{ApiError, ApiResult};
use crate::storage::Storage;
use encore_common::metrics::{GATEWAY_TRANSCODES_RUNNING, GATEWAY_TRANSCODES_TOTAL};

mod cache;

/// Transcoding settings (`ENCORE_TRANSCODE_*`, `ENCORE_FFMPEG`).
#[derive(Debug, Clone)]
pub struct TranscodeConfig {
    /// `ENCORE_FFMPEG`: the ffmpeg to run (Debian's `ffmpeg` package).
    pub ffmpeg: String,
    /// `ENCORE_TRANSCODE_MAX`: transcodes running at once.
    pub max: usize,
    /// `ENCORE_TRANSCODE_WAIT_MS`: how long one more waits for a slot.
    pub wait: Duration,
    /// `ENCORE_TRANSCODE_CACHE_DIR`: where finished transcodes are kept.
    pub cache_dir: PathBuf,
    /// `ENCORE_TRANSCODE_CACHE_MB`: the cache's bound.
    pub cache_bytes: u64,
}

/// A format Encore transcodes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Mp3,
    Opus,
    Aac,
}

impl Target {
    fn parse(text: &str) -> Option<Target> {
        Some(match text.to_ascii_lowercase().as_str() {
            "mp3" => Target::Mp3,
            "opus" | "ogg" => Target::Opus,
            "aac" | "m4a" => Target::Aac,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Target::Mp3 => "audio/mpeg",
            Target::Opus => "audio/ogg",
            Target::Aac => "audio/aac",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Target::Mp3 => "mp3",
            Target::Opus => "opus",
            Target::Aac => "aac",
        }
    }

    /// ffmpeg's encoder and container: each streamable from the first byte.
    fn ffmpeg_args(self) -> [&'static str; 4] {
        match self {
            Target::Mp3 => ["-c:a", "libmp3lame", "-f", "mp3"],
            Target::Opus => ["-c:a", "libopus", "-f", "ogg"],
            Target::Aac => ["-c:a", "aac", "-f", "adts"],
        }
    }

    fn default_kbps(self) -> u32 {
        match self {
            Target::Mp3 => 192,
            Target::Opus => 128,
            Target::Aac => 160,
        }
    }
}

/// What a stream request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Original,
    Transcode { target: Target, kbps: u32 },
}

impl Target {
    /// The target nearest a stored file's own format, for a seek into a
    /// file that was asked for as it is: MP3 stays MP3, Ogg becomes Opus,
    /// and everything else (FLAC, WAV) MP3, which every client plays.
    fn nearest(content_type: &str) -> Target {
        match content_type {
            "audio/ogg" => Target::Opus,
            _ => Target::Mp3,
        }
    }
}

/// [`plan`] for a stream that starts `offset_s` seconds in. A stored file
/// cannot start part-way, so a seek always transcodes: as asked, or, where
/// the original was asked for, to the nearest format at the file's own
/// bitrate (at most 320 kbps).
pub fn plan_from(
    format: Option<&str>,
    kbps: Option<u32>,
    source: (&str, Option<u32>),
    offset_s: u32,
) -> Result<Plan, String> {
    let (content_type, source_kbps) = source;
    match plan(format, kbps, source_kbps)? {
        Plan::Original if offset_s > 0 => {
            let target = Target::nearest(content_type);
            Ok(Plan::Transcode {
                target,
                kbps: source_kbps.unwrap_or(target.default_kbps()).clamp(32, 320),
            })
        }
        plan => Ok(plan),
    }
}

/// Decides from `format` and the bitrate asked for (kbps; 0 means no limit)
/// against the source's. The original is sent for `format=raw`, when
/// nothing is asked, and when the bitrate asked is at or above the
/// source's. Otherwise the format asked (MP3 when only a bitrate is),
/// between 32 and 320 kbps. An unknown format is the caller's mistake.
pub fn plan(
    format: Option<&str>,
    kbps: Option<u32>,
    source_kbps: Option<u32>,
) -> Result<Plan, String> {
    let kbps = kbps.filter(|k| *k > 0);
    let target = match format.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) if f.eq_ignore_ascii_case("raw") => return Ok(Plan::Original),
        Some(f) => Some(Target::parse(f).ok_or_else(|| {
            format!("{f:?} is not a format Encore transcodes to: use mp3, opus, aac or raw")
        })?),
        None => None,
    };
    if target.is_none() && kbps.is_none() {
        return Ok(Plan::Original);
    }
    if let (Some(asked), Some(source)) = (kbps, source_kbps) {
        if asked >= source {
            return Ok(Plan::Original);
        }
    }
    let target = target.unwrap_or(Target::Mp3);
    Ok(Plan::Transcode {
        target,
        kbps: kbps.unwrap_or(target.default_kbps()).clamp(32, 320),
    })
}

/// The running transcodes' bound and the cache.
#[derive(Debug)]
pub struct Transcoder {
    config: TranscodeConfig,
    slots: Arc<Semaphore>,
}

/// The stored audio a transcode reads.
pub struct Source<'a> {
    pub storage: &'a Storage,
    pub key: &'a str,
    pub etag: &'a str,
}

impl Transcoder {
    pub fn new(config: TranscodeConfig) -> Self {
        Transcoder {
            slots: Arc::new(Semaphore::new(config.max.max(1))),
            config,
        }
    }

    /// The ffmpeg this transcoder runs, for the other work it does (loudness).
    pub fn ffmpeg(&self) -> &str {
        &self.config.ffmpeg
    }

    fn cached_path(&self, source: &Source<'_>, target: Target, kbps: u32) -> PathBuf {
        let key = Sha256::digest(format!("{}/{}/{kbps}", source.etag, target.name()));
        self.config
            .cache_dir
            .join(format!("{}.{}", hex::encode(&key[..16]), target.name()))
    }

    /// The transcoded audio from `offset_s` seconds in: from the cache
    /// (with `Range`), or from a new ffmpeg, streamed as it is made.
    pub async fn respond(
        &self,
        source: Source<'_>,
        (target, kbps): (Target, u32),
        offset_s: u32,
        headers: &HeaderMap,
    ) -> ApiResult<Response> {
        // Only whole songs are cached (see the module doc).
        let path = (offset_s == 0).then(|| self.cached_path(&source, target, kbps));
        if let Some(path) = &path {
            if let Ok(file) = tokio::fs::File::open(path).await {
                metrics::counter!(GATEWAY_TRANSCODES_TOTAL.name, "result" => "cached").increment(1);
                return cached(file, target, headers).await;
            }
        }
        let permit = match tokio::time::timeout(
            self.config.wait,
            self.slots.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => permit,
            _ => {
                metrics::counter!(GATEWAY_TRANSCODES_TOTAL.name, "result" => "busy").increment(1);
                return Err(ApiError::unavailable(format!(
                    "all {} transcoders are busy; retry shortly, or stream with format=raw",
                    self.config.max
                )));
            }
        };
        // A local file is read by ffmpeg itself. Piped through the gateway,
        // every transcode's whole input passed through its memory in 8 KiB
        // reads on blocking threads (object_store's local stream), which is
        // what grew its resident memory under 20 transcodes. `file:` keeps
        // ffmpeg from reading anything in the path as another protocol.
        let local = source.storage.local_path(source.key).await;
        let input = match &local {
            Some(path) => format!("file:{}", path.display()),
            None => "pipe:0".to_string(),
        };
        // A start: `-ss` before `-i` seeks in a file, so ffmpeg skips what
        // comes before it; a pipe cannot seek, so there it goes after `-i`
        // and ffmpeg decodes and drops that part. No start, no `-ss`: on a
        // pipe even `-ss 0` as an input option loses the stream.
        let start = offset_s.to_string();
        let (seek_in, seek_out): (&[&str], &[&str]) = match (offset_s, local.is_some()) {
            (0, _) => (&[], &[]),
            (_, true) => (&["-ss", &start], &[]),
            (_, false) => (&[], &["-ss", &start]),
        };
        let mut child = Command::new(&self.config.ffmpeg)
            .args(["-hide_banner", "-loglevel", "error"])
            .args(seek_in)
            .args(["-i", &input])
            .args(seek_out)
            .args(["-vn", "-map_metadata", "-1"])
            .args(target.ffmpeg_args())
            .args(["-b:a", &format!("{kbps}k"), "pipe:1"])
            .stdin(if local.is_some() {
                std::process::Stdio::null()
            } else {
                std::process::Stdio::piped()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ApiError::internal(format!("starting {}: {e}", self.config.ffmpeg)))?;
        let running = Running::new(permit);
        if local.is_none() {
            feed(&mut child, source).await?;
        }
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| ApiError::internal("ffmpeg has no stdout"))?;
        let mut first = vec![0u8; 64 * 1024];
        let n = stdout.read(&mut first).await.map_err(ApiError::internal)?;
        if n == 0 {
            // Nothing came out: the input is not audio ffmpeg can read.
            let why = failure(&mut child).await;
            metrics::counter!(GATEWAY_TRANSCODES_TOTAL.name, "result" => "failed").increment(1);
            tracing::warn!(reason = %why, "a transcode failed");
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "transcode_failed",
                format!(
                    "this track's audio could not be transcoded to {}; stream it with format=raw",
                    target.name()
                ),
            ));
        }
        first.truncate(n);
        tokio::fs::create_dir_all(&self.config.cache_dir)
            .await
            .map_err(ApiError::internal)?;
        let partial = match &path {
            Some(path) => Some(Partial::create(path).await?),
            None => None,
        };
        let state = Streaming {
            child,
            stdout,
            partial,
            first: Some(Bytes::from(first)),
            cache_dir: self.config.cache_dir.clone(),
            cache_bytes: self.config.cache_bytes,
            _running: running,
        };
        let body = Body::from_stream(futures_util::stream::unfold(state, Streaming::next));
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, target.content_type())
            .header(header::ACCEPT_RANGES, "none")
            .header(header::CACHE_CONTROL, "private, max-age=3600")
            .body(body)
            .map_err(ApiError::internal)
    }
}

/// Writes the stored file into ffmpeg's stdin, in the background.
async fn feed(child: &mut Child, source: Source<'_>) -> ApiResult<()> {
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| ApiError::internal("ffmpeg has no stdin"))?;
    let mut chunks = source
        .storage
        .stream(source.key)
        .await
        .map_err(ApiError::internal)?;
    tokio::spawn(async move {
        while let Some(Ok(chunk)) = chunks.next().await {
            // ffmpeg stopped reading (finished, failed or killed): stop too.
            if stdin.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    Ok(())
}

/// ffmpeg's exit and first error line, after it produced nothing.
async fn failure(child: &mut Child) -> String {
    let status = child.wait().await;
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut text).await;
    }
    let line = text.lines().next().unwrap_or("no output").to_string();
    format!("{status:?}: {line}")
}

/// Counts a running transcode and holds its slot until dropped.
struct Running {
    _permit: OwnedSemaphorePermit,
}

impl Running {
    fn new(permit: OwnedSemaphorePermit) -> Self {
        metrics::gauge!(GATEWAY_TRANSCODES_RUNNING.name).increment(1.0);
        Running { _permit: permit }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        metrics::gauge!(GATEWAY_TRANSCODES_RUNNING.name).decrement(1.0);
    }
}

/// The state of a response body fed by ffmpeg. Dropping it (the client
/// disconnected) kills ffmpeg (`kill_on_drop`) and removes the partial file.
struct Streaming {
    child: Child,
    stdout: ChildStdout,
    partial: Option<Partial>,
    first: Option<Bytes>,
    cache_dir: PathBuf,
    cache_bytes: u64,
    _running: Running,
}

impl Streaming {
    async fn next(mut self) -> Option<(std::io::Result<Bytes>, Streaming)> {
        let chunk = match self.first.take() {
            Some(first) => first,
            None => {
                let mut buffer = vec![0u8; 64 * 1024];
                match self.stdout.read(&mut buffer).await {
                    Ok(0) => {
                        self.complete().await;
                        return None;
                    }
                    Ok(n) => {
                        buffer.truncate(n);
                        Bytes::from(buffer)
                    }
                    Err(e) => return Some((Err(e), self)),
                }
            }
        };
        if let Some(partial) = self.partial.as_mut() {
            if partial.file.write_all(&chunk).await.is_err() {
                // A full disk loses the cache entry, not the stream.
                self.partial = None;
            }
        }
        metrics::counter!(encore_common::metrics::GATEWAY_TRANSCODED_BYTES_TOTAL.name)
            .increment(chunk.len() as u64);
        Some((Ok(chunk), self))
    }

    /// ffmpeg's output ended: keep the file if it succeeded.
    async fn complete(&mut self) {
        let ok = self.child.wait().await.is_ok_and(|s| s.success());
        let result = if ok { "ok" } else { "failed" };
        metrics::counter!(GATEWAY_TRANSCODES_TOTAL.name, "result" => result).increment(1);
        if let (true, Some(partial)) = (ok, self.partial.take()) {
            if partial.finish().await.is_ok() {
                evict(&self.cache_dir, self.cache_bytes).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_unless_a_lower_bitrate_or_another_format_is_asked() {
        let mp3_128 = Some(128);
        assert_eq!(plan(None, None, mp3_128), Ok(Plan::Original));
        assert_eq!(plan(Some("raw"), Some(64), mp3_128), Ok(Plan::Original));
        assert_eq!(plan(None, Some(0), mp3_128), Ok(Plan::Original));
        assert_eq!(plan(None, Some(320), mp3_128), Ok(Plan::Original));
        assert_eq!(plan(Some("opus"), Some(128), mp3_128), Ok(Plan::Original));
        assert_eq!(
            plan(None, Some(96), mp3_128),
            Ok(Plan::Transcode {
                target: Target::Mp3,
                kbps: 96
            })
        );
        assert_eq!(
            plan(Some("OPUS"), None, mp3_128),
            Ok(Plan::Transcode {
                target: Target::Opus,
                kbps: 128
            })
        );
        assert_eq!(
            plan(Some("aac"), Some(8), None),
            Ok(Plan::Transcode {
                target: Target::Aac,
                kbps: 32
            })
        );
        assert!(plan(Some("flac"), None, mp3_128).is_err());
    }

    #[test]
    fn a_seek_into_the_original_transcodes_near_its_own_format() {
        let at = |format, kbps, source, offset| plan_from(format, kbps, source, offset);
        let mp3 = ("audio/mpeg", Some(256));
        assert_eq!(at(None, None, mp3, 0), Ok(Plan::Original));
        assert_eq!(
            at(None, None, mp3, 30),
            Ok(Plan::Transcode {
                target: Target::Mp3,
                kbps: 256
            })
        );
        assert_eq!(
            at(Some("raw"), None, ("audio/ogg", Some(96)), 30),
            Ok(Plan::Transcode {
                target: Target::Opus,
                kbps: 96
            })
        );
        // Lossless: MP3 at its best, not at the file's 1,411 kbps.
        assert_eq!(
            at(None, None, ("audio/flac", Some(1_411)), 5),
            Ok(Plan::Transcode {
                target: Target::Mp3,
                kbps: 320
            })
        );
        // A transcode asked for keeps its format and bitrate.
        assert_eq!(
            at(Some("aac"), Some(64), mp3, 30),
            Ok(Plan::Transcode {
                target: Target::Aac,
                kbps: 64
            })
        );
    }

    /// A local store lets ffmpeg read the file itself; any other (S3 in
    /// production) feeds it through stdin. Both must make the same audio.
    #[tokio::test]
    async fn transcodes_a_local_file_and_a_piped_object_alike() {
        let wav = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-f", "lavfi"])
            .args(["-i", "sine=frequency=440:duration=2", "-f", "wav", "pipe:1"])
            .output()
            .await
            .expect("ffmpeg runs (scripts/stack installs it)");
        assert!(wav.status.success(), "ffmpeg made no test tone");
        let dir = std::env::temp_dir().join(format!("encore-transcode-{}", uuid::Uuid::new_v4()));
        let local = Storage::open(&format!("file://{}", dir.join("store").display())).unwrap();
        let mut sizes = Vec::new();
        for (name, storage) in [("local", local), ("piped", Storage::in_memory())] {
            storage
                .put("audio/tone.wav", Bytes::from(wav.stdout.clone()))
                .await
                .unwrap();
            assert_eq!(
                storage.local_path("audio/tone.wav").await.is_some(),
                name == "local"
            );
            let transcoder = Transcoder::new(TranscodeConfig {
                ffmpeg: "ffmpeg".into(),
                max: 1,
                wait: Duration::from_secs(1),
                cache_dir: dir.join(name),
                cache_bytes: 1 << 20,
            });
            let source = Source {
                storage: &storage,
                key: "audio/tone.wav",
                etag: name,
            };
            let response = transcoder
                .respond(source, (Target::Mp3, 64), 0, &HeaderMap::new())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            // An ID3 tag or an MPEG audio frame (11 set bits) comes first;
            // 2 s at 64 kbps is about 16 kB.
            let frame = body.len() > 2 && body[0] == 0xFF && body[1] & 0xE0 == 0xE0;
            assert!(body.starts_with(b"ID3") || frame, "{name}: not MP3");
            sizes.push(body.len());
            // From 1 s in: half of it, whether ffmpeg seeks in the file or
            // drops the start of the pipe.
            let source = Source {
                storage: &storage,
                key: "audio/tone.wav",
                etag: name,
            };
            let tail = transcoder
                .respond(source, (Target::Mp3, 64), 1, &HeaderMap::new())
                .await
                .unwrap_or_else(|e| panic!("{name} from 1 s: {e:?}"));
            let tail = axum::body::to_bytes(tail.into_body(), usize::MAX)
                .await
                .unwrap();
            assert!(
                (5_000..12_000).contains(&tail.len()),
                "{name} from 1 s: {}",
                tail.len()
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            sizes.iter().all(|n| (12_000..24_000).contains(n)),
            "{sizes:?}"
        );
        assert_eq!(sizes[0], sizes[1], "the same audio either way");
    }
}
