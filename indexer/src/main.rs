use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::telemetry;
use encore_indexer::{rebuild, service, IndexerConfig};

/// mimalloc, as in every Encore service: under load, glibc's malloc and
/// free were a fifth of the gateway's CPU (docs/deployment.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Encore's indexer: keeps the search index in sync with the catalog topics.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Ensure the index (rebuilding it when missing or empty), then consume until SIGTERM (the default).
    Run,
    /// Build a fresh index generation by replaying the catalog topics from the
    /// beginning, swap the aliases to it atomically, drop the old one, and exit.
    Reindex,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    let config = IndexerConfig::from_env()?;
    match Cli::parse().command.unwrap_or(Command::Run) {
        Command::Run => Ok(service::run(config, telemetry::shutdown_signal(), |_| {}).await?),
        Command::Reindex => {
            service::ensure_topics(&config)
                .await
                .context("creating the catalog topics")?;
            let indexer = service::indexer(&config)?;
            let generation = rebuild::rebuild(&indexer)
                .await
                .context("rebuilding the index")?;
            println!("the search aliases now point at generation {generation}");
            Ok(())
        }
    }
}
