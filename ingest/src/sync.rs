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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::catalog::{rows_of, Located};
use crate::client::{CatalogRow, Gateway};

const AUDIO_EXTENSIONS: [&str; 6] = ["mp3", "flac", "ogg", "opus", "oga", "wav"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Cron pattern (5 fields, UTC).
    pub schedule: Option<String>,
    /// The state file, relative to the config file.
    #[serde(default = "default_state")]
    pub state: PathBuf,
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
}

fn default_state() -> PathBuf {
    PathBuf::from("sync-state.json")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    pub directory: Option<PathBuf>,
    pub feed: Option<String>,
}

impl SyncConfig {
    /// Reads and checks a config file; paths in it become relative to it.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut config: SyncConfig = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid sync config", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.state = base.join(&config.state);
        let mut names = BTreeSet::new();
        for source in &mut config.sources {
            if !names.insert(source.name.clone()) {
                anyhow::bail!(
                    "{}: two sources are named {:?}",
                    path.display(),
                    source.name
                );
            }
            match (&source.directory, &source.feed) {
                (Some(dir), None) => source.directory = Some(base.join(dir)),
                (None, Some(feed)) if !feed.contains("://") => {
                    source.feed = Some(base.join(feed).display().to_string())
                }
                (None, Some(_)) => {}
                _ => anyhow::bail!(
                    "{}: source {:?} needs exactly one of directory or feed",
                    path.display(),
                    source.name
                ),
            }
        }
        if let Some(pattern) = &config.schedule {
            croner::Cron::from_str(pattern).with_context(|| {
                format!(
                    "{}: schedule {pattern:?} is not a cron pattern",
                    path.display()
                )
            })?;
        }
        Ok(config)
    }
}

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

/// Sends rows in order, 500 a time; returns each row's track id (if a track).
async fn import_rows(
    gateway: &Gateway,
    rows: &[Located],
    report: &mut SourceReport,
) -> anyhow::Result<Vec<Option<uuid::Uuid>>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::catalog::BATCH) {
        let good: Vec<(usize, CatalogRow)> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.row.clone().ok().map(|r| (i, r)))
            .collect();
        let mut answers = vec![None; chunk.len()];
        if !good.is_empty() {
            let sent: Vec<CatalogRow> = good.iter().map(|(_, r)| r.clone()).collect();
            for ((i, _), result) in good
                .iter()
                .zip(gateway.import(&sent).await.context("importing")?)
            {
                answers[*i] = Some(result);
            }
        }
        for (located, answer) in chunk.iter().zip(answers) {
            let mut id = None;
            match (&located.row, answer) {
                (Err(why), _) => report.rejected.push(format!("{}: {why}", located.location)),
                (Ok(row), Some(result)) => {
                    match result.status.as_str() {
                        "created" => report.created += 1,
                        "updated" => report.updated += 1,
                        "unchanged" => report.unchanged += 1,
                        _ => {
                            let why: Vec<String> = result
                                .errors
                                .iter()
                                .map(|e| format!("{}: {}", e.field, e.message))
                                .collect();
                            report.rejected.push(format!(
                                "{}: {}",
                                located.location,
                                why.join("; ")
                            ));
                        }
                    }
                    if row.kind() == "track" {
                        id = result.id;
                    }
                }
                (Ok(_), None) => {}
            }
            ids.push(id);
        }
    }
    Ok(ids)
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

/// One audio file found in a directory, with its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFile {
    /// Relative to the source directory, with `/` separators.
    pub relative: String,
    pub path: PathBuf,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub genre: Option<String>,
    pub year: Option<u32>,
    pub track_number: Option<u32>,
    pub duration_ms: i64,
}

/// Every audio file under `dir`, sorted by path, read with `lofty`.
pub fn scan(dir: &Path) -> anyhow::Result<Vec<Result<AudioFile, (String, String)>>> {
    use lofty::file::{AudioFile as _, TaggedFileExt};
    use lofty::tag::Accessor;
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in
            std::fs::read_dir(&next).with_context(|| format!("listing {}", next.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let clean = |s: Option<std::borrow::Cow<'_, str>>| {
        s.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
    };
    Ok(paths
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let file = lofty::read_from_path(&path)
                .map_err(|e| (relative.clone(), format!("not readable audio: {e}")))?;
            let tag = file.primary_tag().or_else(|| file.first_tag());
            Ok(AudioFile {
                artist: clean(tag.and_then(|t| t.artist())),
                album: clean(tag.and_then(|t| t.album())),
                title: clean(tag.and_then(|t| t.title())),
                genre: clean(tag.and_then(|t| t.genre())),
                year: tag.and_then(|t| t.year()),
                track_number: tag.and_then(|t| t.track()),
                duration_ms: i64::try_from(file.properties().duration().as_millis()).unwrap_or(0),
                relative,
                path,
            })
        })
        .collect())
}

/// The catalog rows of a directory's files: artists and albums once each,
/// before their tracks. Returns, per row, the file it came from (tracks only).
pub fn directory_rows(source: &str, files: &[AudioFile]) -> (Vec<Located>, Vec<Option<usize>>) {
    let key = |s: &str| {
        s.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut artists = BTreeMap::new();
    let mut albums = BTreeMap::new();
    let mut tracks = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let location = file.relative.clone();
        let Some(artist) = &file.artist else {
            tracks.push((
                Located {
                    location,
                    row: Err("no artist tag".into()),
                },
                Some(i),
            ));
            continue;
        };
        let artist_id = format!("{source}:artist:{}", key(artist));
        artists.entry(artist_id.clone()).or_insert_with(|| Located {
            location: location.clone(),
            row: Ok(CatalogRow::Artist {
                external_id: artist_id.clone(),
                name: artist.clone(),
                genres: vec![],
                country: None,
            }),
        });
        let album_id = file.album.as_ref().map(|album| {
            let id = format!("{source}:album:{}/{}", key(artist), key(album));
            albums.entry(id.clone()).or_insert_with(|| Located {
                location: location.clone(),
                row: Ok(CatalogRow::Album {
                    external_id: id.clone(),
                    artist_external_id: artist_id.clone(),
                    title: album.clone(),
                    release_year: file.year.and_then(|y| i32::try_from(y).ok()),
                    genres: file.genre.iter().cloned().collect(),
                }),
            });
            id
        });
        let title = file.title.clone().unwrap_or_else(|| {
            Path::new(&file.relative)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let row = CatalogRow::Track {
            external_id: format!("{source}:file:{}", file.relative),
            artist_external_id: artist_id,
            album_external_id: album_id,
            title,
            duration_ms: Some(file.duration_ms).filter(|d| *d > 0),
            genre: file.genre.clone(),
            release_year: file.year.and_then(|y| i32::try_from(y).ok()),
            track_number: file.track_number.and_then(|n| i32::try_from(n).ok()),
        };
        tracks.push((
            Located {
                location,
                row: Ok(row),
            },
            Some(i),
        ));
    }
    let mut rows: Vec<Located> = artists.into_values().chain(albums.into_values()).collect();
    let mut origin = vec![None; rows.len()];
    for (row, file) in tracks {
        rows.push(row);
        origin.push(file);
    }
    (rows, origin)
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

/// Serves the schedule and the gateway's sync requests until `stop` resolves.
pub async fn serve(
    gateway: &Gateway,
    config: &SyncConfig,
    poll: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let cron = match &config.schedule {
        Some(p) => Some(croner::Cron::from_str(p)?),
        None => None,
    };
    let next_run = |cron: &Option<croner::Cron>| {
        let now = chrono::Utc::now();
        cron.as_ref()
            .and_then(|c| c.find_next_occurrence(&now, false).ok())
    };
    let mut due = next_run(&cron);
    match &due {
        Some(at) => {
            eprintln!("next scheduled sync at {at}; also serving POST /v1/admin/sync requests")
        }
        None => eprintln!("no schedule; serving POST /v1/admin/sync requests"),
    }
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(poll) => {}
        }
        if due.is_some_and(|at| at <= chrono::Utc::now()) {
            let outcome = run_once(gateway, config).await;
            print_outcome("scheduled", &outcome);
            due = next_run(&cron);
        }
        match gateway.claim_sync().await {
            Ok(Some(request)) => {
                let outcome = run_once(gateway, config).await;
                print_outcome(&format!("requested ({request})"), &outcome);
                let (ok, summary) = match &outcome {
                    Ok(reports) => (true, summarize(reports)),
                    Err(e) => (false, format!("{e:#}")),
                };
                if let Err(e) = gateway.finish_sync(request, ok, &summary).await {
                    tracing::warn!(error = %e, %request, "could not report a sync's outcome");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not check for sync requests"),
        }
    }
}

pub fn summarize(reports: &BTreeMap<String, SourceReport>) -> String {
    reports
        .iter()
        .map(|(name, r)| r.line(name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn print_outcome(what: &str, outcome: &anyhow::Result<BTreeMap<String, SourceReport>>) {
    match outcome {
        Ok(reports) => println!("{what} sync done\n{}", summarize(reports)),
        Err(e) => eprintln!("{what} sync failed: {e:#}"),
    }
}

impl CatalogRow {
    pub fn external_id(&self) -> &str {
        match self {
            CatalogRow::Artist { external_id, .. }
            | CatalogRow::Album { external_id, .. }
            | CatalogRow::Track { external_id, .. } => external_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(relative: &str, artist: Option<&str>, album: Option<&str>) -> AudioFile {
        AudioFile {
            relative: relative.into(),
            path: PathBuf::from(relative),
            artist: artist.map(String::from),
            album: album.map(String::from),
            title: None,
            genre: Some("Rock".into()),
            year: Some(1999),
            track_number: Some(2),
            duration_ms: 2000,
        }
    }

    #[test]
    fn directory_rows_put_parents_first_once_and_name_untagged_files() {
        let files = vec![
            file("a/one.mp3", Some("The Band"), Some("First")),
            file("a/two.mp3", Some("the  band"), Some("First")),
            file("b/loose.wav", None, None),
        ];
        let (rows, origin) = directory_rows("studio", &files);
        let kinds: Vec<&str> = rows
            .iter()
            .map(|l| l.row.as_ref().map(|r| r.kind()).unwrap_or("bad"))
            .collect();
        assert_eq!(kinds, ["artist", "album", "track", "track", "bad"]);
        assert_eq!(origin, [None, None, Some(0), Some(1), Some(2)]);
        match &rows[2].row {
            Ok(CatalogRow::Track {
                external_id,
                title,
                album_external_id,
                ..
            }) => {
                assert_eq!(external_id, "studio:file:a/one.mp3");
                assert_eq!(title, "one");
                assert_eq!(
                    album_external_id.as_deref(),
                    Some("studio:album:the band/first")
                );
            }
            other => panic!("not a track: {other:?}"),
        }
        assert_eq!(rows[4].row, Err("no artist tag".to_string()));
    }

    #[test]
    fn config_needs_one_kind_per_source_and_a_valid_schedule() {
        let dir = std::env::temp_dir().join(format!("encore-sync-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sync.toml");
        std::fs::write(
            &path,
            "schedule = \"*/5 * * * *\"\n[[source]]\nname = \"a\"\ndirectory = \"music\"\n",
        )
        .unwrap();
        let config = SyncConfig::load(&path).unwrap();
        assert_eq!(
            config.sources[0].directory.as_deref(),
            Some(dir.join("music").as_path())
        );
        assert_eq!(config.state, dir.join("sync-state.json"));
        std::fs::write(&path, "[[source]]\nname = \"a\"\n").unwrap();
        assert!(SyncConfig::load(&path)
            .unwrap_err()
            .to_string()
            .contains("exactly one of directory or feed"));
        std::fs::write(&path, "schedule = \"every day\"\nsource = []\n").unwrap();
        assert!(
            format!("{:#}", SyncConfig::load(&path).unwrap_err()).contains("not a cron pattern")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn etag_matches_the_gateways_form() {
        assert_eq!(etag_of(b"abc"), "ba7816bf8f01cfea414140de5dae2223");
    }
}
