//! The services of a run, started in-process through the same functions
//! their binaries call, and the handle a test stops (or kills) them with.

use std::net::SocketAddr;
use std::time::Duration;

use encore_etl::features::FeatureSettings;
use encore_etl::EtlConfig;
use encore_gateway::GatewayConfig;
use encore_indexer::IndexerConfig;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{TestRun, PATIENCE};

/// A service started by the harness. Dropping it aborts the task.
pub struct Service {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks the service to stop as on SIGTERM and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the service did not stop in time")
            .expect("the service panicked");
    }

    /// Stops the service the hard way, wherever it is: like a crash, nothing
    /// in flight is finished and nothing more is committed.
    pub async fn kill(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestRun {
    /// Indexer settings for this run: its topics, its indices, a group of its own.
    pub fn indexer_config(&self) -> IndexerConfig {
        let mut config = IndexerConfig::from_env().expect("ENCORE_* indexer settings");
        config.kafka = self.kafka.clone();
        config.search_prefix = self.search_prefix();
        config.search_url = self.search_url.clone();
        config.group = format!("indexer-{}", self.id);
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.batch_wait = Duration::from_millis(50);
        config.check_every = Duration::from_millis(500);
        config.clickhouse_url = self.clickhouse_url.clone();
        config.clickhouse_database = self.database.clone();
        config
    }

    /// Starts the indexer in-process and waits until its ops endpoint listens
    /// (by then its index exists, rebuilt if it was missing).
    pub async fn start_indexer(&self, config: IndexerConfig) -> Service {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, listening) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            encore_indexer::service::run(config, shutdown, move |addr| {
                let _ = ready.send(addr);
            })
            .await
            .expect("the indexer failed to start");
        });
        let addr = tokio::time::timeout(PATIENCE, listening)
            .await
            .expect("the indexer did not start in time")
            .expect("the indexer stopped before it listened");
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Gateway settings for this run: its topics, its database, its own storage directory.
    pub async fn gateway_config(&self) -> GatewayConfig {
        let mut config = GatewayConfig::from_env().expect("ENCORE_* gateway settings");
        config.kafka = self.kafka.clone();
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.database_url = self.postgres_url().await;
        config.storage_url = self.storage_url();
        config.transcode.cache_dir = std::env::temp_dir()
            .join(format!("encore-test-{}", self.id))
            .join("transcodes");
        config.outbox_poll = Duration::from_millis(100);
        config.search_prefix = self.search_prefix();
        config.search_url = self.search_url.clone();
        config.clickhouse_url = self.clickhouse_url.clone();
        config.clickhouse_database = self.database.clone();
        // The tests run from tests/; the web app is built in web/dist.
        config.web_dir = crate::interop::repo_root().join("web/dist");
        config
    }

    /// Starts the gateway on an ephemeral port with this run's topics and database.
    pub async fn start_gateway(&self) -> Service {
        self.start_gateway_with(self.gateway_config().await).await
    }

    /// Starts the gateway with explicit settings (e.g. a broker address where none listens).
    pub async fn start_gateway_with(&self, config: GatewayConfig) -> Service {
        let state = encore_gateway::start(config)
            .await
            .expect("starting the gateway");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding an ephemeral port");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            encore_gateway::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .expect("the gateway failed");
        });
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }
    /// ETL settings for this run: its topics, its database, a group of its own.
    pub fn etl_config(&self) -> EtlConfig {
        EtlConfig {
            kafka: self.kafka.clone(),
            clickhouse_url: self.clickhouse_url.clone(),
            clickhouse_database: self.database.clone(),
            group: format!("etl-{}", self.id),
            batch_size: 500,
            batch_wait: Duration::from_millis(100),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dims_group: format!("etl-dims-{}", self.id),
            searches_group: format!("etl-searches-{}", self.id),
            features: FeatureSettings {
                interval: Duration::from_millis(500),
                ..FeatureSettings::default()
            },
            online: encore_online::Address::from_env().expect("ENCORE_REDIS_URL"),
        }
    }

    /// Starts the ETL in-process and waits until its ops endpoint listens
    /// (by then its schema is migrated and its consumer subscribed).
    pub async fn start_etl(&self, config: EtlConfig) -> Service {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, listening) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            encore_etl::service::run(config, shutdown, move |addr| {
                let _ = ready.send(addr);
            })
            .await
            .expect("the ETL failed to start");
        });
        let addr = tokio::time::timeout(PATIENCE, listening)
            .await
            .expect("the ETL did not start in time")
            .expect("the ETL stopped before it listened");
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }
}
