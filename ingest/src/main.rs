//! `ingest`: brings data into Encore from outside.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::{fixtures, kafka, telemetry, KafkaConfig};

#[derive(Parser)]
#[command(version, about = "Brings data into Encore from outside")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Produce a topic fixture (JSON lines: topic, key, value, headers) into the broker.
    ///
    /// Every line is parsed and Avro-encoded before anything is sent, so a broken
    /// file is rejected whole with the number of the line that broke it. Topic names
    /// in the file are logical; ENCORE_TOPIC_PREFIX is prepended. Missing topics are
    /// created with their dead-letter topics.
    Replay {
        /// The fixture file, e.g. tests/fixtures/playback_demo.jsonl
        file: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    match Cli::parse().command {
        Command::Replay { file } => replay(file).await,
    }
}

async fn replay(file: PathBuf) -> anyhow::Result<()> {
    let config = KafkaConfig::from_env()?;
    let records = fixtures::load(&file)?;
    let names = fixtures::ensure_topics(&config, &records)
        .await
        .context("creating the fixture's topics")?;
    let producer = kafka::producer(&config)?;
    let sent = fixtures::replay(&producer, &config.topics(), &records).await?;
    println!(
        "replayed {sent} records from {} into {}",
        file.display(),
        names.join(", ")
    );
    Ok(())
}
