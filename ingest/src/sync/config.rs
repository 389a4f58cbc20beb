//! The sync config file: its TOML shape and the checks made when it is
//! loaded. Separate so the file's format can be read, and tested, without the
//! sync machinery that uses it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use serde::Deserialize;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
