use anyhow::Context;
use clap::{Parser, Subcommand};
use encore_common::telemetry;
use encore_gateway::auth::Role;
use encore_gateway::GatewayConfig;

/// mimalloc rather than the system allocator: under load, glibc's malloc and
/// free were a fifth of the gateway's CPU (docs/deployment.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Encore's HTTP gateway.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the PostgreSQL migrations and serve the API until SIGTERM (the default).
    Serve,
    /// Apply the PostgreSQL migrations and exit.
    Migrate,
    /// Give an existing account a role (how the first admin is made).
    Grant {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// listener, artist or admin.
        #[arg(long)]
        role: String,
    },
    /// Republish the whole catalogue (artists, albums, tracks, playlists) at
    /// its current versions through the outbox, for a consumer that needs a
    /// complete replay; a serving gateway's relay sends it to Kafka.
    Snapshot {
        /// Entities written to the outbox per transaction.
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        chunk: i64,
    },
    /// Print the OpenAPI description served at `/openapi.json`, without
    /// serving: the web app's API types are generated from it
    /// (`web/openapi.json`, `npm run gen:api` in `web/`).
    Openapi,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    // The configuration is read only by the commands that use it, so
    // `gateway openapi` runs anywhere.
    let config = GatewayConfig::from_env;
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            println!("{}", encore_gateway::openapi::pretty_json()?);
            Ok(())
        }
        Command::Serve => serve(config()?).await,
        Command::Migrate => {
            let db = encore_core::db::connect(&config()?.database_url, 1)
                .await
                .context("connecting to PostgreSQL (ENCORE_DATABASE_URL)")?;
            encore_core::db::migrate(&db).await.context("migrating")?;
            println!("PostgreSQL schema is current");
            Ok(())
        }
        Command::Grant { email, role } => grant(config()?, &email, &role).await,
        Command::Snapshot { chunk } => snapshot(config()?, chunk).await,
    }
}

async fn snapshot(config: GatewayConfig, chunk: i64) -> anyhow::Result<()> {
    use encore_gateway::outbox::snapshot;
    let db = encore_core::db::connect(&config.database_url, 1)
        .await
        .context("connecting to PostgreSQL (ENCORE_DATABASE_URL)")?;
    let mut total = 0;
    for kind in snapshot::ORDER {
        let name = format!("{kind:?}").to_lowercase();
        let written = snapshot::snapshot(&db, kind, chunk, |n| {
            eprint!("\r{name}s: {n} written to the outbox");
        })
        .await
        .with_context(|| format!("writing the {name}s to the outbox"))?;
        eprintln!("\r{name}s: {written} written to the outbox");
        total += written;
    }
    println!(
        "snapshot: {total} entities queued in the outbox; a running gateway's relay publishes them"
    );
    Ok(())
}

async fn serve(config: GatewayConfig) -> anyhow::Result<()> {
    let addr = config.addr;
    let state = encore_gateway::start(config).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(%addr, "gateway listening");
    encore_gateway::serve(listener, state, telemetry::shutdown_signal()).await?;
    tracing::info!("gateway stopped");
    Ok(())
}

async fn grant(config: GatewayConfig, email: &str, role: &str) -> anyhow::Result<()> {
    let role = Role::parse(role)
        .with_context(|| format!("--role {role:?}: use listener, artist or admin"))?;
    let db = encore_core::db::connect(&config.database_url, 1)
        .await
        .context("connecting to PostgreSQL (ENCORE_DATABASE_URL)")?;
    let id = encore_core::accounts::with_email(&db, email).await?;
    let id = id.with_context(|| format!("no account with email {email}"))?;
    encore_gateway::admin::grant_role(&db, id, role).await?;
    println!("{email} is now {}", role.as_str());
    Ok(())
}
