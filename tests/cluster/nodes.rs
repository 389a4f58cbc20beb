//! The cluster's processes, as `scripts/stack up --cluster` started them:
//! their pid files, how to kill or stop one, and how to bring it back.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

use encore_tests::interop::repo_root;
use encore_tests::{eventually, TestRun};

fn pid_file(name: &str) -> PathBuf {
    let stack = std::env::var("ENCORE_STACK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join(".stack"));
    stack.join("cluster/pids").join(format!("{name}.pid"))
}

/// These tests break the cluster's own processes: without it there is
/// nothing to break.
/// Also starts logging when `RUST_LOG` asks for it, so that what the
/// in-process services did during a fault can be read beside the test's
/// own output (`RUST_LOG=encore_common=debug,warn`, say).
pub(crate) fn require_cluster() {
    if std::env::var_os("RUST_LOG").is_some() {
        encore_common::telemetry::init_logging();
    }
    assert!(
        std::env::var("ENCORE_CLICKHOUSE_CLUSTER").is_ok_and(|c| !c.is_empty())
            && pid_file("kafka-1").exists(),
        "the cluster tests run against `bash scripts/stack up --cluster` (use `bash scripts/stack test --cluster`)"
    );
}

fn pid(name: &str) -> String {
    let file = pid_file(name);
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .trim()
        .to_string()
}

fn signal(name: &str, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid(name)])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {name}");
}

/// SIGKILL: the process dies at once, as on a power cut.
pub(crate) fn kill(name: &str) {
    signal(name, "-KILL");
}

/// SIGTERM, and waits until the process is gone: a controlled shutdown.
pub(crate) fn stop(name: &str) {
    let pid = pid(name);
    signal(name, "-TERM");
    for _ in 0..300 {
        if !PathBuf::from(format!("/proc/{pid}")).exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("{name} did not stop within 60 s");
}

/// `scripts/stack up --cluster`: starts what is stopped, waits until it answers.
/// A node coming back from a crash can keep the script's end-to-end check
/// waiting past its limit (replaying its DDL queue, fetching parts), so a
/// failed run is tried again, as an operator would, and reported.
pub(crate) fn stack_up() {
    let mut failures = Vec::new();
    for _ in 0..3 {
        let output = Command::new("bash")
            .arg(repo_root().join("scripts/stack"))
            .args(["up", "--cluster"])
            .output()
            .expect("the stack script runs");
        if output.status.success() {
            for failure in &failures {
                println!("stack up --cluster needed another run; the first said:\n{failure}");
            }
            return;
        }
        let said = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = said.lines().rev().take(15).collect();
        failures.push(tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        std::thread::sleep(Duration::from_secs(5));
    }
    panic!(
        "stack up --cluster failed three times:\n{}",
        failures.join("\n---\n")
    );
}

fn metadata_client(run: &TestRun) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", &run.kafka.brokers)
        .create()
        .expect("a metadata client")
}

/// The node that leads the most partitions of the run's playback topic.
pub(crate) async fn busiest_leader(run: &TestRun) -> i32 {
    let client = metadata_client(run);
    let topic = run.playback_topic();
    let metadata = client
        .fetch_metadata(Some(&topic), Duration::from_secs(10))
        .expect("metadata");
    let mut led: BTreeMap<i32, usize> = BTreeMap::new();
    for partition in metadata.topics()[0].partitions() {
        *led.entry(partition.leader()).or_default() += 1;
    }
    led.into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(node, _)| node)
        .expect("the topic has partitions")
}

/// Waits until every partition of the run's playback topic has all three
/// replicas in sync again.
pub(crate) async fn wait_in_sync(run: &TestRun) {
    let topic = run.playback_topic();
    eventually("every playback partition back in sync", || async {
        let client = metadata_client(run);
        let metadata = client
            .fetch_metadata(Some(&topic), Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        let short: Vec<String> = metadata.topics()[0]
            .partitions()
            .iter()
            .filter(|p| p.isr().len() < 3)
            .map(|p| format!("{}: isr {:?}", p.id(), p.isr()))
            .collect();
        if short.is_empty() {
            Ok(())
        } else {
            Err(short.join(", "))
        }
    })
    .await;
}
