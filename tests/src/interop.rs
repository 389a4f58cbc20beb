//! The other-language checks of `tests/interop/`: a Python with
//! confluent-kafka, fastavro and chdb-core, installed by `scripts/stack test`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root, where `tests/interop/` and `schemas/` are.
pub fn repo_root() -> PathBuf {
    // cargo sets CARGO_MANIFEST_DIR when it runs a test too. That one names the
    // checkout being tested; the compile-time one names wherever this library
    // was first built, which another checkout sharing the target directory
    // may reuse.
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    PathBuf::from(manifest).join("..")
}

/// `ENCORE_PYTHON`, or the stack's virtualenv.
pub fn python() -> String {
    std::env::var("ENCORE_PYTHON").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        format!("{home}/.cache/encore/venv/bin/python")
    })
}

/// Runs `tests/interop/SCRIPT` with `args`; panics when it cannot start.
pub fn run_script(script: &str, args: &[String]) -> Output {
    Command::new(python())
        .arg(repo_root().join("tests/interop").join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "running {script} with {} (scripts/stack test installs it): {e}",
                python()
            )
        })
}
