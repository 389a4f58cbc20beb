//! What the engines cost while a section runs: CPU (cores used on average)
//! and peak RSS of each engine's processes, found by the stack's pid files
//! (`.stack/pids/`, or `.stack/cluster/pids/` on the cluster). The services
//! run inside the bench, so only the engines are measured here; the `memory`
//! section measures the services' own binaries.
//!
//! On the cluster an engine has several processes (`kafka-1`..`kafka-3`):
//! their CPU and RSS are summed, which is what replication costs the machine.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Row;

/// Kernel clock ticks per second, as `/proc/<pid>/stat` counts CPU time.
const TICKS_PER_SECOND: f64 = 100.0;
/// The services' pid files (the demo's processes), not engines.
const SERVICES: [&str; 3] = ["gateway", "etl", "indexer"];

/// Engine processes: (engine, pid), the engine being the pid file's name
/// without a node number.
fn processes() -> Vec<(String, u32)> {
    let stack = std::env::var("ENCORE_STACK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| encore_tests::interop::repo_root().join(".stack"));
    let cluster = std::env::var("ENCORE_CLICKHOUSE_CLUSTER").is_ok_and(|c| !c.is_empty());
    let dir = if cluster {
        stack.join("cluster/pids")
    } else {
        stack.join("pids")
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".pid"))
        else {
            continue;
        };
        if SERVICES.contains(&name) {
            continue;
        }
        // `kafka-2` is a node of `kafka`; `s3` is a name of its own.
        let engine = match name.rsplit_once('-') {
            Some((engine, n)) if n.parse::<u32>().is_ok() => engine,
            _ => name,
        };
        let pid = std::fs::read_to_string(&path)
            .ok()
            .and_then(|p| p.trim().parse().ok());
        if let Some(pid) = pid {
            if PathBuf::from(format!("/proc/{pid}")).exists() {
                found.push((engine.to_string(), pid));
            }
        }
    }
    found.sort();
    found
}

/// utime + stime of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it don't.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the name.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    ticks / TICKS_PER_SECOND
}

fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Watches the engines from [`Usage::start`] to [`Usage::stop`].
pub(crate) struct Usage {
    processes: Vec<(String, u32)>,
    cpu_before: Vec<f64>,
    started: Instant,
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<Vec<u64>>,
}

impl Usage {
    pub(crate) fn start() -> Usage {
        let processes = processes();
        let cpu_before = processes.iter().map(|(_, pid)| cpu_seconds(*pid)).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (stop, pids) = (
                stop.clone(),
                processes.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
            );
            std::thread::spawn(move || {
                let mut peaks = vec![0u64; pids.len()];
                while !stop.load(Ordering::Relaxed) {
                    for (peak, pid) in peaks.iter_mut().zip(&pids) {
                        *peak = (*peak).max(rss_bytes(*pid));
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                peaks
            })
        };
        Usage {
            processes,
            cpu_before,
            started: Instant::now(),
            stop,
            sampler,
        }
    }

    /// The row for `section`: each engine's cores and peak RSS.
    pub(crate) fn stop(self, section: &str) -> Option<Row> {
        self.stop.store(true, Ordering::Relaxed);
        let peaks = self.sampler.join().unwrap_or_default();
        if self.processes.is_empty() {
            return None;
        }
        let wall = self.started.elapsed().as_secs_f64().max(0.001);
        // engine -> (processes, cores, peak RSS summed over its processes)
        let mut engines: BTreeMap<&str, (usize, f64, u64)> = BTreeMap::new();
        for (i, (engine, pid)) in self.processes.iter().enumerate() {
            let cores = (cpu_seconds(*pid) - self.cpu_before[i]).max(0.0) / wall;
            let entry = engines.entry(engine.as_str()).or_default();
            entry.0 += 1;
            entry.1 += cores;
            entry.2 += peaks.get(i).copied().unwrap_or(0);
        }
        let figure = engines
            .iter()
            .map(|(engine, (n, cores, rss))| {
                let nodes = if *n > 1 {
                    format!(" ×{n}")
                } else {
                    String::new()
                };
                format!(
                    "{engine}{nodes} {cores:.2} cores, {:.2} GB",
                    *rss as f64 / 1e9
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        Some(Row::info(
            format!("engines during `{section}` ({wall:.0} s): CPU on average, peak RSS"),
            figure,
        ))
    }
}
