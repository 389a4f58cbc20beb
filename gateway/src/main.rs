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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    let config = GatewayConfig::from_env()?;
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = encore_gateway::db::connect(&config.database_url, 1)
                .await
                .context("connecting to PostgreSQL (ENCORE_DATABASE_URL)")?;
            encore_gateway::db::migrate(&db)
                .await
                .context("migrating")?;
            println!("PostgreSQL schema is current");
            Ok(())
        }
        Command::Grant { email, role } => grant(config, &email, &role).await,
    }
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
    let db = encore_gateway::db::connect(&config.database_url, 1)
        .await
        .context("connecting to PostgreSQL (ENCORE_DATABASE_URL)")?;
    let id: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL",
    )
    .bind(email)
    .fetch_optional(&db)
    .await?;
    let id = id.with_context(|| format!("no account with email {email}"))?;
    encore_gateway::admin::grant_role(&db, id, role).await?;
    println!("{email} is now {}", role.as_str());
    Ok(())
}
