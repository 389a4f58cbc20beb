//! The services as child processes: building them, finding free ports and
//! the stack's JVMs, reading `/proc/PID/status`, stopping them however the
//! section ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::SERVICES;

/// `cargo build --release` of the three services and `ingest` into the target directory
/// this bench runs from; returns the directory holding the binaries.
pub(crate) fn build() -> PathBuf {
    let exe = std::env::current_exe().expect("the bench's own path");
    // <target>/release/deps/load-<hash>
    let bin_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the bench runs from <target>/release/deps")
        .to_path_buf();
    let target_dir = bin_dir.parent().expect("a target directory");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!(
        "building the release binaries gateway, etl, indexer and ingest into {} \
         (cargo build --release; a few minutes the first time) ...",
        bin_dir.display()
    );
    let status = Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--release", "--locked", "--target-dir"])
        .arg(target_dir)
        .args([
            "-p",
            "encore-gateway",
            "-p",
            "encore-etl",
            "-p",
            "encore-indexer",
            "-p",
            "encore-ingest",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("running cargo build");
    assert!(status.success(), "cargo build --release failed: {status}");
    for name in SERVICES {
        assert!(
            bin_dir.join(name).is_file(),
            "{} is missing after the build",
            bin_dir.join(name).display()
        );
    }
    bin_dir
}

/// The settings every service process of a section shares: the run's
/// topics, databases and indices.
pub(crate) async fn stack_env(run: &encore_tests::TestRun) -> Vec<(&'static str, String)> {
    let search = run.indexer_config();
    vec![
        ("ENCORE_KAFKA_BROKERS", run.kafka.brokers.clone()),
        ("ENCORE_TOPIC_PREFIX", run.kafka.topic_prefix.clone()),
        ("ENCORE_CLICKHOUSE_URL", run.clickhouse_url.clone()),
        ("ENCORE_CLICKHOUSE_DATABASE", run.database.clone()),
        ("ENCORE_DATABASE_URL", run.postgres_url().await),
        ("ENCORE_SEARCH_URL", search.search_url),
        ("ENCORE_SEARCH_PREFIX", run.search_prefix()),
    ]
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One service process and its RSS samples (kB).
pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) process: Child,
    pub(crate) log: PathBuf,
    pub(crate) samples: Vec<(Duration, u64)>,
}

impl Service {
    pub(crate) fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The last lines of its log, for a failure message.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Panics with its log when it has exited.
    pub(crate) fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.process.try_wait() {
            panic!(
                "{} exited ({status}); its log {}:\n{}",
                self.name,
                self.log.display(),
                self.log_tail()
            );
        }
    }
}

/// An engine's JVM of the local stack, found by its main class, and its RSS
/// samples (kB): the engines' memory is part of what a deployment pays.
pub(super) struct Jvm {
    pub(crate) name: &'static str,
    pub(super) pid: u32,
    pub(crate) samples: Vec<(Duration, u64)>,
}

/// The stack's Kafka and OpenSearch JVMs (whichever run on this machine).
pub(super) fn stack_jvms() -> Vec<Jvm> {
    let wanted = [
        ("Kafka broker JVM", "kafka.Kafka"),
        ("OpenSearch JVM", "org.opensearch.bootstrap.OpenSearch"),
    ];
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        for (name, class) in wanted {
            // The stack's own server: not a test's (those run from temp dirs
            // and are gone by now anyway), and not this process.
            if pid != own && args.contains(&class.as_bytes()) {
                found.push(Jvm {
                    name,
                    pid,
                    samples: Vec::new(),
                });
            }
        }
    }
    found
}

/// The children; dropping them (also while a panic unwinds) kills them.
pub(crate) struct Children(pub(crate) Vec<Service>);

impl Children {
    /// SIGTERM, then up to 10 s for each to finish, then SIGKILL.
    pub(crate) fn terminate(&mut self) {
        for service in &self.0 {
            let _ = Command::new("kill")
                .args(["-TERM", &service.pid().to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for service in &mut self.0 {
            while matches!(service.process.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = service.process.kill();
            let _ = service.process.wait();
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for service in &mut self.0 {
            let _ = service.process.kill();
            let _ = service.process.wait();
        }
    }
}

/// A field of `/proc/PID/status` in kB (`VmRSS`, `VmHWM`).
pub(crate) fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
}

/// The RSS in kB of `pid` and every process under it (the gateway's ffmpeg
/// children count towards what a transcode costs); `None` when `pid`'s own
/// cannot be read, so that a verdict never rests on a missing reading.
pub(crate) fn tree_rss_kb(pid: u32) -> Option<u64> {
    let own = status_kb(pid, "VmRSS")?;
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // The parent is the second field after the command, which is in
        // parentheses and may itself hold spaces or parentheses.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            parents.push((child, ppid));
        }
    }
    let mut total = own;
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(child, _) in parents.iter().filter(|(_, p)| *p == parent) {
            // A child that ended since the listing holds no memory.
            total += status_kb(child, "VmRSS").unwrap_or(0);
            frontier.push(child);
        }
    }
    Some(total)
}

pub(crate) fn mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

pub(crate) async fn wait_healthy(client: &reqwest::Client, service: &mut Service, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        service.assert_running();
        if let Ok(answer) = client.get(url).send().await {
            if answer.status().is_success() {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} did not answer {url} within 120 s; its log {}:\n{}",
            service.name,
            service.log.display(),
            service.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts the release gateway in `bin_dir` on a free port, with the run's
/// settings and `extra`, as one of `children`; waits until it is healthy and
/// returns its base URL. Its objects and log (NAME.log) go in the run's
/// scratch directory.
pub(crate) async fn start_gateway(
    run: &encore_tests::TestRun,
    bin_dir: &std::path::Path,
    children: &mut Children,
    http: &reqwest::Client,
    name: &'static str,
    extra: &[(&'static str, String)],
) -> String {
    let port = free_port();
    let scratch = std::env::temp_dir().join(format!("encore-test-{}", run.id));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let mut env = stack_env(run).await;
    env.push(("ENCORE_GATEWAY_ADDR", format!("127.0.0.1:{port}")));
    env.push((
        "ENCORE_STORAGE_URL",
        format!("file://{}", scratch.join("objects").display()),
    ));
    env.extend(extra.iter().cloned());
    let log = scratch.join(format!("{name}.log"));
    let out = std::fs::File::create(&log).expect("a log file");
    let process = std::process::Command::new(bin_dir.join("gateway"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone().expect("a log file"))
        .stderr(out)
        .spawn()
        .expect("starting a gateway");
    children.0.push(Service {
        name,
        process,
        log,
        samples: Vec::new(),
    });
    let base = format!("http://127.0.0.1:{port}");
    let service = children.0.last_mut().expect("the gateway just started");
    wait_healthy(http, service, &format!("{base}/health")).await;
    base
}
