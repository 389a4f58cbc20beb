use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::telemetry;
use encore_etl::{service, warehouse, EtlConfig};

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
    match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => {
            let applied = warehouse::migrate(&config.clickhouse_url, &config.clickhouse_database)
                .await
                .with_context(|| format!("migrating ClickHouse at {}", config.clickhouse_url))?;
            println!(
                "applied {applied} migrations to {}",
                config.clickhouse_database
            );
            Ok(())
        }
        Command::Run => Ok(service::run(config, telemetry::shutdown_signal(), |_| {}).await?),
    }
}
