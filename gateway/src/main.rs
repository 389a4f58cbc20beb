use anyhow::Context;
use encore_common::telemetry;
use encore_gateway::{AppState, GatewayConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init_logging();
    let config = GatewayConfig::from_env()?;
    let addr = config.addr;
    let state = AppState::new(config).context("creating the Kafka producer")?;
    encore_gateway::ensure_topics(&state)
        .await
        .context("creating the gateway's topics")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(%addr, "gateway listening");
    encore_gateway::serve(listener, state, telemetry::shutdown_signal()).await?;
    tracing::info!("gateway stopped");
    Ok(())
}
