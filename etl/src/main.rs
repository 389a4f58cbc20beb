use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::telemetry;
use encore_etl::pipeline::PlaysPipeline;
use encore_etl::{warehouse, EtlConfig};
use rdkafka::consumer::Consumer;

/// Encore's ETL: streams playback events from Kafka into ClickHouse.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the ClickHouse migrations, then consume until SIGTERM (the default).
    Run,
    /// Apply the ClickHouse migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    let cli = Cli::parse();
    let config = EtlConfig::from_env()?;
    let applied = warehouse::migrate(&config.clickhouse_url, &config.clickhouse_database)
        .await
        .with_context(|| format!("migrating ClickHouse at {}", config.clickhouse_url))?;
    tracing::info!(applied, database = %config.clickhouse_database, "ClickHouse schema is current");
    match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => Ok(()),
        Command::Run => run(config).await,
    }
}

async fn run(config: EtlConfig) -> anyhow::Result<()> {
    let topic = config.kafka.topics().playback_events();
    encore_common::kafka::ensure_topic_with_dlq(&config.kafka, &topic)
        .await
        .context("creating the playback topics")?;
    let consumer = encore_common::kafka::consumer(&config.kafka, &config.group)?;
    consumer.subscribe(&[&topic])?;
    let pipeline = PlaysPipeline {
        consumer,
        dead_letters: encore_common::kafka::producer(&config.kafka)?,
        clickhouse: warehouse::client(&config.clickhouse_url, &config.clickhouse_database),
        batch_size: config.batch_size,
        batch_wait: config.batch_wait,
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let ops = axum::Router::new().merge(telemetry::ops_routes::<()>());
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, ops).await {
            tracing::error!(%error, "the ops endpoint stopped");
        }
    });
    tracing::info!(%topic, group = %config.group, addr = %config.addr, "etl consuming");
    pipeline.run(telemetry::shutdown_signal()).await;
    tracing::info!("etl stopped");
    Ok(())
}
