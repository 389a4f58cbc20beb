//! Starting the ETL: schema, topics, consumer, ops endpoint, then the pipeline.
//!
//! `main` and the end-to-end tests both start the ETL through [`run`], so the
//! tests exercise exactly what production runs.

use std::future::Future;
use std::net::SocketAddr;

use encore_common::kafka::{self, KafkaPlumbingError};
use encore_common::telemetry;
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;

use crate::pipeline::PlaysPipeline;
use crate::warehouse::{self, WarehouseError};
use crate::EtlConfig;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("migrating ClickHouse: {0}")]
    Warehouse(#[from] WarehouseError),
    #[error("creating the playback topics: {0}")]
    Topics(#[from] KafkaPlumbingError),
    #[error("creating the Kafka clients: {0}")]
    Kafka(#[from] KafkaError),
    #[error("binding the ops endpoint on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Applies the migrations, then consumes until `shutdown` resolves.
/// `on_listening` receives the ops endpoint's bound address (useful with port 0).
pub async fn run(
    config: EtlConfig,
    shutdown: impl Future<Output = ()>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), StartError> {
    let applied = warehouse::migrate(&config.clickhouse_url, &config.clickhouse_database).await?;
    tracing::info!(applied, database = %config.clickhouse_database, "ClickHouse schema is current");

    let topic = config.kafka.topics().playback_events();
    kafka::ensure_topic_with_dlq(&config.kafka, &topic).await?;
    let consumer = kafka::consumer(&config.kafka, &config.group)?;
    consumer.subscribe(&[&topic])?;
    let pipeline = PlaysPipeline {
        consumer,
        dead_letters: kafka::SharedProducer::new(&config.kafka)?,
        clickhouse: warehouse::client(&config.clickhouse_url, &config.clickhouse_database),
        batch_size: config.batch_size,
        batch_wait: config.batch_wait,
    };

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
    let ops = axum::Router::new().merge(telemetry::ops_routes::<()>());
    let ops_task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, ops).await {
            tracing::error!(%error, "the ops endpoint stopped");
        }
    });
    on_listening(addr);

    tracing::info!(%topic, group = %config.group, %addr, "etl consuming");
    pipeline.run(shutdown).await;
    ops_task.abort();
    tracing::info!("etl stopped");
    Ok(())
}
