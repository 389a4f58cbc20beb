//! Finding a directory source's audio files and reading their tags. Kept
//! apart because it is the only part of sync that touches the file system
//! through `lofty`, and it runs on a blocking thread.

use std::path::{Path, PathBuf};

use anyhow::Context;

const AUDIO_EXTENSIONS: [&str; 6] = ["mp3", "flac", "ogg", "opus", "oga", "wav"];

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
