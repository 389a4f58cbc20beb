use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::telemetry;
use encore_etl::{service, warehouse, EtlConfig};

/// mimalloc, as in every Encore service: under load, glibc's malloc and
/// free were a fifth of the gateway's CPU (docs/deployment.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Measure the recommender offline on MovieLens-100K (HR@10, NDCG@10 beside most-popular).
    ///
    /// Loads every user's ratings but the last into a scratch database through
    /// the same code as the live pipeline, computes the features, and checks
    /// whether each user's held-out item is in their top 10.
    Evaluate {
        /// The directory with ml-100k.inter and ml-100k.item (from PyPI recbole's
        /// dataset_example/ml-100k; `scripts/stack evaluate` downloads it).
        #[arg(long, env = "ENCORE_ML100K_DIR")]
        data: Option<std::path::PathBuf>,
        /// The scratch ClickHouse database (dropped and recreated).
        #[arg(long, default_value = "encore_evaluation")]
        database: String,
    },
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
                .with_context(|| {
                    let url = warehouse::redacted(&config.clickhouse_url);
                    format!("migrating ClickHouse at {url}")
                })?;
            println!(
                "applied {applied} migrations to {}",
                config.clickhouse_database
            );
            Ok(())
        }
        Command::Run => Ok(service::run(config, telemetry::shutdown_signal(), |_| {}).await?),
        Command::Evaluate { data, database } => evaluate(&config, data, &database).await,
    }
}

async fn evaluate(
    config: &EtlConfig,
    data: Option<std::path::PathBuf>,
    database: &str,
) -> anyhow::Result<()> {
    let data = data.unwrap_or_else(|| {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        std::path::PathBuf::from(home).join(".cache/encore/ml-100k")
    });
    let report = encore_etl::evaluate::run(&config.clickhouse_url, database, &data)
        .await
        .with_context(|| format!("evaluating on {}", data.display()))?;
    println!();
    println!(
        "MovieLens-100K (PyPI recbole), {} users, {} items, {} training plays, last rating of each user held out; \
         a user's training items are never recommended",
        report.users, report.items, report.train_plays
    );
    println!("| recommender | HR@10 | NDCG@10 | coverage | top reason's share of a top 10 (mean / worst) |");
    println!("|---|---:|---:|---:|---|");
    let (lambda, validation) = report.ease_lambda;
    let ease = format!("EASE (λ = {lambda}, chosen on validation: NDCG@10 {validation:.4})");
    for (name, m) in [
        (
            "Encore (EASE + recency + co-listening, production path)",
            &report.encore,
        ),
        (ease.as_str(), &report.ease),
        ("ItemKNN (cosine)", &report.item_knn),
        ("most popular", &report.popular),
    ] {
        let share = m.reason_share.map_or("n/a".to_string(), |(mean, worst)| {
            format!("{:.0}% / {:.0}%", mean * 100.0, worst * 100.0)
        });
        println!(
            "| {name} | {:.4} | {:.4} | {:.1}% | {share} |",
            m.hit_rate,
            m.ndcg,
            m.coverage * 100.0
        );
    }
    Ok(())
}
