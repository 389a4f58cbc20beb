//! The workspace's own files, for tests that check the code against the
//! documentation (every metric, every variable listed).

use std::path::{Path, PathBuf};

/// The repository root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir` (relative to the root) whose name ends in one of
/// `endings` (any file when empty), skipping build output and hidden folders.
pub(crate) fn files(dir: &str, endings: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(&root().join(dir), endings, &mut out);
    out
}

fn walk(dir: &Path, endings: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                walk(&path, endings, out);
            }
        } else if endings.is_empty() || endings.iter().any(|e| name.ends_with(e)) {
            out.push(path);
        }
    }
}
