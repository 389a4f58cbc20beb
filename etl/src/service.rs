//! Starting the ETL: schema, topics, consumer, ops endpoint, then the pipeline.
//!
//! `main` and the end-to-end tests both start the ETL through [`run`], so the
//! tests exercise exactly what production runs.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use encore_common::driver::{Batching, Driver};
use encore_common::kafka::{self, KafkaPlumbingError};
use encore_common::topics::{CATALOG_DLQ, CATALOG_TOPICS};
use encore_common::transaction::TransactionalCommitter;
use encore_common::{lag, telemetry};
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;

use crate::dims::DimsSink;
use crate::features;
use crate::pipeline::PlaysSink;
use crate::searches::SearchesSink;
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
    #[error(transparent)]
    Online(#[from] encore_online::OnlineError),
    #[error("binding the ops endpoint on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// How often the consumer lag is measured.
const LAG_EVERY: Duration = Duration::from_secs(5);

/// Applies the migrations, then consumes until `shutdown` resolves.
/// `on_listening` receives the ops endpoint's bound address (useful with port 0).
pub async fn run(
    config: EtlConfig,
    shutdown: impl Future<Output = ()>,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), StartError> {
    let applied = warehouse::migrate(&config.clickhouse_url, &config.clickhouse_database).await?;
    tracing::info!(applied, database = %config.clickhouse_database, "ClickHouse schema is current");

    let topics = config.kafka.topics();
    let topic = topics.playback_events();
    let search_topic = topics.search_events();
    // One request for every topic the etl reads: each admin round trip
    // delays the first batch (three in a row took a third of a second).
    let mut wanted = kafka::with_dead_letters(&config.kafka, &[&topic, &search_topic]);
    wanted.extend(
        CATALOG_TOPICS
            .iter()
            .map(|t| (topics.name(t), config.kafka.partitions)),
    );
    wanted.push((topics.name(CATALOG_DLQ), 1));
    kafka::ensure_topics(&config.kafka, &wanted).await?;

    let db = warehouse::client(&config.clickhouse_url, &config.clickhouse_database);
    let batching = Batching {
        size: config.batch_size,
        wait: config.batch_wait,
        idle: Duration::from_secs(1),
    };
    let consumer = kafka::consumer(&config.kafka, &config.group)?;
    consumer.subscribe(&[&topic])?;
    let plays = Driver {
        consumer,
        committer: TransactionalCommitter::new(&config.kafka, &config.group),
        batching,
    };
    let online = encore_online::Store::open(&config.online, &config.clickhouse_database)?;
    let plays_sink = PlaysSink {
        clickhouse: db.clone(),
        online: crate::online::OnlineCopy::new(online.clone()),
    };
    let dims_consumer = kafka::consumer(&config.kafka, &config.dims_group)?;
    let catalog_names: Vec<String> = CATALOG_TOPICS.iter().map(|t| topics.name(t)).collect();
    let catalog_refs: Vec<&str> = catalog_names.iter().map(String::as_str).collect();
    dims_consumer.subscribe(&catalog_refs)?;
    let dims = Driver {
        consumer: dims_consumer,
        committer: TransactionalCommitter::new(&config.kafka, &config.dims_group),
        batching,
    };
    let dims_sink = DimsSink {
        topics,
        clickhouse: db.clone(),
    };
    let searches_consumer = kafka::consumer(&config.kafka, &config.searches_group)?;
    searches_consumer.subscribe(&[&search_topic])?;
    let searches = Driver {
        consumer: searches_consumer,
        committer: TransactionalCommitter::new(&config.kafka, &config.searches_group),
        batching,
    };
    let searches_sink = SearchesSink {
        dlq: encore_common::Topics::dlq_of(&search_topic),
        clickhouse: db.clone(),
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
    let ready: telemetry::ReadyCheck = {
        let (kafka_config, clickhouse, online) = (config.kafka.clone(), db.clone(), online.clone());
        Arc::new(move || {
            let (kafka_config, clickhouse, online) =
                (kafka_config.clone(), clickhouse.clone(), online.clone());
            Box::pin(async move {
                vec![
                    telemetry::kafka_dependency(kafka_config).await,
                    warehouse::dependency(&clickhouse, true).await,
                    online.dependency().await,
                ]
            })
        })
    };
    let lag_tasks = [
        tokio::spawn(lag::monitor(
            config.kafka.clone(),
            config.group.clone(),
            vec![topic.clone()],
            LAG_EVERY,
        )),
        tokio::spawn(lag::monitor(
            config.kafka.clone(),
            config.dims_group.clone(),
            catalog_names.clone(),
            LAG_EVERY,
        )),
        tokio::spawn(lag::monitor(
            config.kafka.clone(),
            config.searches_group.clone(),
            vec![search_topic.clone()],
            LAG_EVERY,
        )),
    ];
    let ops = axum::Router::new().merge(telemetry::ops_routes::<()>(ready));
    let ops_task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, ops).await {
            tracing::error!(%error, "the ops endpoint stopped");
        }
    });
    on_listening(addr);

    tracing::info!(%topic, group = %config.group, %addr, "etl consuming");
    // Four loops, one shutdown: each stops between batches when it fires.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let dims_task = tokio::spawn(dims.run(dims_sink, until_stopped(stopped.clone())));
    let searches_task = tokio::spawn(searches.run(searches_sink, until_stopped(stopped.clone())));
    let features_task = tokio::spawn(features::run(
        db,
        online,
        config.features.clone(),
        until_stopped(stopped.clone()),
    ));
    tokio::select! {
        _ = plays.run(plays_sink, until_stopped(stopped)) => {}
        _ = shutdown => {}
    }
    let _ = stop.send(true);
    let _ = dims_task.await;
    let _ = searches_task.await;
    let _ = features_task.await;
    ops_task.abort();
    for task in lag_tasks {
        task.abort();
    }
    tracing::info!("etl stopped");
    Ok(())
}
