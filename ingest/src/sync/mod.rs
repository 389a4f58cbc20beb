//! `ingest sync`: keeps the catalog in step with outside sources.
//!
//! A TOML file lists the sources and the schedule:
//!
//! ```toml
//! schedule = "0 */6 * * *"        # cron (UTC); `ingest sync --now` ignores it
//! state = "sync-state.json"       # what the last run saw, relative to this file
//!
//! [[source]]
//! name = "studio"                 # names the source's external ids
//! directory = "/srv/music"        # audio files with tags, searched recursively
//!
//! [[source]]
//! name = "label"
//! feed = "https://label.example/feed.json"   # or a local path
//! ```
//!
//! A directory's audio files (MP3, FLAC, Ogg, Opus, WAV) become artist,
//! album and track rows built from their tags, and each file is uploaded
//! unless the gateway already has the same bytes (same ETag). A feed is a
//! document `ingest catalog` reads (an array of rows or MusicBrainz-style
//! artists). Files and feed entries that disappeared since the last run are
//! reported, not deleted: deleting catalog entries is an editor's decision.
//!
//! Runs happen on the schedule, and whenever an admin asks through
//! `POST /v1/admin/sync`: the running `ingest sync` claims the request, runs,
//! and reports the summary back.

mod config;
mod rows;
mod scan;
mod schedule;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::catalog::{rows_of, Located};
use crate::client::Gateway;
use rows::import_rows;

pub use config::{Source, SyncConfig};
pub use rows::directory_rows;
pub use scan::{scan, AudioFile};
pub use schedule::serve;

/// What one source contributed to a run.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SourceReport {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<String>,
    pub uploaded: u64,
    pub audio_unchanged: u64,
    /// Files or feed entries gone since the last run (left in the catalog).
    pub removed: Vec<String>,
}

impl SourceReport {
    pub fn line(&self, name: &str) -> String {
        let mut line = format!(
            "{name}: {} created, {} updated, {} unchanged, {} rejected; audio: {} uploaded, {} unchanged; {} removed at the source (left in the catalog)",
            self.created,
            self.updated,
            self.unchanged,
            self.rejected.len(),
            self.uploaded,
            self.audio_unchanged,
            self.removed.len()
        );
        for r in &self.rejected {
            line += &format!("\n  rejected {r}");
        }
        for r in &self.removed {
            line += &format!("\n  removed {r}");
        }
        line
    }
}

/// What the last run saw of each source: file paths or external ids.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    seen: BTreeMap<String, BTreeSet<String>>,
}

/// Runs every source once and returns the report per source.
pub async fn run_once(
    gateway: &Gateway,
    config: &SyncConfig,
) -> anyhow::Result<BTreeMap<String, SourceReport>> {
    let mut state: State = match std::fs::read(&config.state) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a sync state file", config.state.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", config.state.display())),
    };
    let mut reports = BTreeMap::new();
    for source in &config.sources {
        let span = tracing::info_span!("sync source", source = %source.name);
        let (mut report, seen) = match (&source.directory, &source.feed) {
            (Some(dir), _) => {
                sync_directory(gateway, &source.name, dir)
                    .instrument(span)
                    .await?
            }
            (_, Some(feed)) => sync_feed(gateway, feed).instrument(span).await?,
            _ => continue,
        };
        if let Some(before) = state.seen.get(&source.name) {
            report.removed = before.difference(&seen).cloned().collect();
        }
        state.seen.insert(source.name.clone(), seen);
        reports.insert(source.name.clone(), report);
    }
    let bytes = serde_json::to_vec_pretty(&state)?;
    std::fs::write(&config.state, bytes)
        .with_context(|| format!("writing {}", config.state.display()))?;
    Ok(reports)
}

async fn sync_feed(
    gateway: &Gateway,
    feed: &str,
) -> anyhow::Result<(SourceReport, BTreeSet<String>)> {
    let bytes = if feed.contains("://") {
        let response = reqwest::get(feed)
            .await
            .with_context(|| format!("fetching {feed}"))?;
        let response = response
            .error_for_status()
            .with_context(|| format!("fetching {feed}"))?;
        response
            .bytes()
            .await
            .with_context(|| format!("reading {feed}"))?
            .to_vec()
    } else {
        std::fs::read(feed).with_context(|| format!("reading {feed}"))?
    };
    let values: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
        .with_context(|| format!("{feed} is not a JSON array of catalog rows"))?;
    let rows: Vec<Located> = values
        .into_iter()
        .enumerate()
        .flat_map(|(i, v)| rows_of(v, &format!("{feed} item {}", i + 1)))
        .collect();
    let seen = rows
        .iter()
        .filter_map(|l| l.row.as_ref().ok())
        .map(|r| format!("{} {}", r.kind(), r.external_id()))
        .collect();
    let mut report = SourceReport::default();
    import_rows(gateway, &rows, &mut report).await?;
    Ok((report, seen))
}

/// The ETag the gateway gives stored audio: the first 16 bytes of its SHA-256.
pub fn etag_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn sync_directory(
    gateway: &Gateway,
    source: &str,
    dir: &Path,
) -> anyhow::Result<(SourceReport, BTreeSet<String>)> {
    let dir_owned = dir.to_path_buf();
    let scanned = tokio::task::spawn_blocking(move || scan(&dir_owned)).await??;
    let mut report = SourceReport::default();
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for item in scanned {
        match item {
            Ok(file) => {
                seen.insert(file.relative.clone());
                files.push(file);
            }
            Err((relative, why)) => {
                seen.insert(relative.clone());
                report.rejected.push(format!("{relative}: {why}"));
            }
        }
    }
    let (rows, origin) = directory_rows(source, &files);
    let ids = import_rows(gateway, &rows, &mut report).await?;
    for (id, file) in ids.into_iter().zip(origin) {
        let (Some(track), Some(file)) = (id, file.map(|i| &files[i])) else {
            continue;
        };
        let bytes = std::fs::read(&file.path)
            .with_context(|| format!("reading {}", file.path.display()))?;
        if gateway.audio_etag(track).await?.as_deref() == Some(etag_of(&bytes).as_str()) {
            report.audio_unchanged += 1;
            continue;
        }
        match gateway.upload_audio(track, bytes).await {
            Ok(_) => report.uploaded += 1,
            Err(e) => report
                .rejected
                .push(format!("{}: upload refused: {e}", file.relative)),
        }
    }
    Ok((report, seen))
}

pub fn summarize(reports: &BTreeMap<String, SourceReport>) -> String {
    reports
        .iter()
        .map(|(name, r)| r.line(name))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matches_the_gateways_form() {
        assert_eq!(etag_of(b"abc"), "ba7816bf8f01cfea414140de5dae2223");
    }
}
