//! A gateway killed (-9) behind HAProxy while clients post events. The two
//! gateways are real processes of the `gateway` binary on the addresses
//! HAProxy balances (`ENCORE_CLUSTER_GATEWAYS`); the clients talk to HAProxy
//! only (`ENCORE_GATEWAY_URL`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use encore_tests::api::{register, Api};
use encore_tests::{eventually, TestRun};

use crate::load::Load;
use crate::{nodes, reconcile};

/// The `gateway` binary beside this test's own build (`stack test
/// --cluster` builds it first).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("gateway");
    assert!(
        bin.exists(),
        "{} is missing: `cargo build --bin gateway` first (bash scripts/stack test --cluster does)",
        bin.display()
    );
    bin
}

/// One gateway process with the run's topics, databases, store and index.
struct Gateway {
    addr: String,
    child: Child,
}

impl Gateway {
    async fn start(run: &TestRun, addr: &str, instance: &str) -> Gateway {
        let child = Command::new(binary())
            .env("ENCORE_GATEWAY_ADDR", addr)
            .env("ENCORE_INSTANCE_ID", instance)
            .env("ENCORE_TOPIC_PREFIX", &run.kafka.topic_prefix)
            .env("ENCORE_DATABASE_URL", run.postgres_url().await)
            .env("ENCORE_STORAGE_URL", run.storage_url())
            .env("ENCORE_SEARCH_PREFIX", run.search_prefix())
            .env("ENCORE_CLICKHOUSE_DATABASE", &run.database)
            .env("ENCORE_OUTBOX_POLL_MS", "100")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the gateway starts");
        let gateway = Gateway {
            addr: addr.to_string(),
            child,
        };
        gateway.ready().await;
        gateway
    }

    async fn ready(&self) {
        let url = format!("http://{}/ready", self.addr);
        eventually(&format!("the gateway on {} ready", self.addr), || async {
            match reqwest::get(&url).await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(r.status().to_string()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
    }

    /// SIGKILL, as on a power cut.
    fn kill(&mut self) {
        self.child.kill().expect("killed");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Until HAProxy's health checks say every gateway is up (or, with `up`
/// false, that `addr` is down).
async fn balancer_sees(addr: &str, up: bool) {
    let stats = format!(
        "http://{}/;csv",
        std::env::var("ENCORE_CLUSTER_LB_STATS").expect("the cluster's HAProxy stats address")
    );
    eventually(
        &format!("HAProxy to see {addr} {}", if up { "up" } else { "down" }),
        || async {
            let csv = reqwest::get(&stats)
                .await
                .map_err(|e| e.to_string())?
                .text()
                .await
                .map_err(|e| e.to_string())?;
            // pxname,svname,...,status (18th column); svname is gateway-N in
            // the order of ENCORE_CLUSTER_GATEWAYS.
            let n = std::env::var("ENCORE_CLUSTER_GATEWAYS")
                .unwrap_or_default()
                .split(',')
                .position(|a| a == addr)
                .map(|i| format!("gateway-{}", i + 1))
                .ok_or("an address HAProxy balances")?;
            let status = csv
                .lines()
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|f| f.first() == Some(&"gateways") && f.get(1) == Some(&n.as_str()))
                .and_then(|f| f.get(17).map(|s| s.to_string()))
                .ok_or("the server in HAProxy's stats")?;
            match (up, status.starts_with("UP")) {
                (true, true) | (false, false) => Ok(()),
                _ => Err(status),
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_gateway_behind_the_balancer_loses_and_doubles_nothing() {
    let run = TestRun::new("cluster-gateway-kill");
    nodes::require_cluster();
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let addrs: Vec<String> = std::env::var("ENCORE_CLUSTER_GATEWAYS")
        .expect("the gateways HAProxy balances")
        .split(',')
        .map(str::to_string)
        .collect();
    let mut first = Gateway::start(&run, &addrs[0], "gateway-a").await;
    let second = Gateway::start(&run, &addrs[1], "gateway-b").await;
    for addr in &addrs {
        balancer_sees(addr, true).await;
    }
    let balancer = std::env::var("ENCORE_GATEWAY_URL").expect("HAProxy's address");
    let api = Api {
        base: balancer.clone(),
        client: reqwest::Client::new(),
        token: None,
    };
    let listener = register(&api, "cluster-load").await;
    let load = Load::start(
        balancer.clone(),
        listener.access_token.clone(),
        listener.id,
        4,
    );

    tokio::time::sleep(Duration::from_secs(5)).await;
    println!("killing the gateway on {} (-9)", first.addr);
    let killed = Instant::now();
    first.kill();
    balancer_sees(&addrs[0], false).await;
    println!(
        "HAProxy took it out after {:.1} s",
        killed.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(10)).await;
    first = Gateway::start(&run, &addrs[0], "gateway-a").await;
    balancer_sees(&addrs[0], true).await;
    tokio::time::sleep(Duration::from_secs(5)).await;

    let report = load.stop().await;
    report.print("gateway kill -9 behind HAProxy");
    assert_eq!(report.failed, 0, "no request failed after its retries");
    reconcile(&run, &report).await;
    drop(first);
    drop(second);
    etl.stop().await;
    run.cleanup().await;
}
