//! Starting the indexer: topics, index (rebuilt if missing or empty),
//! consumer, ops endpoint, then the live loop. `main` and the end-to-end
//! tests both start it through [`run`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use encore_common::backoff::Backoff;
use encore_common::driver::{Batching, Driver};
use encore_common::kafka::{self, KafkaPlumbingError};
use encore_common::topics::{CATALOG_DLQ, CATALOG_TOPICS};
use encore_common::transaction::TransactionalCommitter;
use encore_common::{lag, telemetry};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;

use crate::client::SearchClient;
use crate::indices::Names;
use crate::pipeline::IndexSink;
use crate::{popularity, rebuild, Indexer, IndexerConfig};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("creating the catalog topics: {0}")]
    Topics(#[from] KafkaPlumbingError),
    #[error("creating the Kafka clients: {0}")]
    Kafka(#[from] KafkaError),
    #[error("the search server URL: {0}")]
    SearchUrl(#[from] elasticsearch::Error),
    #[error("binding the ops endpoint on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How often the consumer lag is measured.
const LAG_EVERY: Duration = Duration::from_secs(5);

/// The indexer for `config`, without starting anything.
pub fn indexer(config: &IndexerConfig) -> Result<Indexer, StartError> {
    Ok(Indexer {
        client: SearchClient::new(&config.search_url)?,
        names: Names::new(&config.search_prefix),
        kafka: config.kafka.clone(),
        topics: config.kafka.topics(),
        batch_size: config.batch_size,
        batch_wait: config.batch_wait,
        check_every: config.check_every,
        popularity: Default::default(),
    })
}

/// Creates the catalog topics (and `catalog.dlq`) if they are missing.
pub async fn ensure_topics(config: &IndexerConfig) -> Result<(), KafkaPlumbingError> {
    let topics = config.kafka.topics();
    let mut wanted: Vec<(String, i32)> = CATALOG_TOPICS
        .iter()
        .map(|t| (topics.name(t), config.kafka.partitions))
        .collect();
    wanted.push((topics.name(CATALOG_DLQ), 1));
    kafka::ensure_topics(&config.kafka, &wanted).await
}

/// Ensures the index (rebuilding it when missing or empty), then consumes
/// until `shutdown` resolves. `on_listening` receives the ops endpoint's address.
pub async fn run(
    config: IndexerConfig,
    shutdown: impl Future<Output = ()>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), StartError> {
    ensure_topics(&config).await?;
    let indexer = Arc::new(indexer(&config)?);
    // The search server may still be starting: keep trying, loudly.
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    while let Err(error) = rebuild::ensure(&indexer, true).await {
        tracing::warn!(%error, retry_in_ms = backoff.next_ms(), "preparing the search index failed");
        backoff.wait().await;
    }
    let consumer = kafka::consumer(&config.kafka, &config.group)?;
    let topics: Vec<String> = CATALOG_TOPICS
        .iter()
        .map(|t| indexer.topics.name(t))
        .collect();
    let topic_refs: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topic_refs)?;

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let ready: telemetry::ReadyCheck = {
        let (kafka_config, search) = (config.kafka.clone(), indexer.client.clone());
        Arc::new(move || {
            let (kafka_config, search) = (kafka_config.clone(), search.clone());
            Box::pin(async move {
                vec![
                    telemetry::kafka_dependency(kafka_config).await,
                    search.dependency(true).await,
                ]
            })
        })
    };
    let lag_task = tokio::spawn(lag::monitor(
        config.kafka.clone(),
        config.group.clone(),
        topics.clone(),
        LAG_EVERY,
    ));
    let popularity_task = (!config.popularity_every.is_zero()).then(|| {
        let (indexer, every) = (indexer.clone(), config.popularity_every);
        let db = encore_warehouse::client(&config.clickhouse_url, &config.clickhouse_database);
        tokio::spawn(async move { popularity::run(&indexer, db, every).await })
    });
    let ops = axum::Router::new().merge(telemetry::ops_routes::<()>(ready));
    let ops_task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, ops).await {
            tracing::error!(%error, "the ops endpoint stopped");
        }
    });
    on_listening(addr);
    tracing::info!(group = %config.group, %addr, "indexer consuming");
    let driver = Driver {
        consumer,
        committer: TransactionalCommitter::new(&config.kafka, &config.group),
        batching: Batching {
            size: indexer.batch_size,
            wait: indexer.batch_wait,
            idle: indexer.check_every,
        },
    };
    driver.run(IndexSink::new(&indexer), shutdown).await;
    ops_task.abort();
    lag_task.abort();
    if let Some(task) = popularity_task {
        task.abort();
    }
    tracing::info!("indexer stopped");
    Ok(())
}
