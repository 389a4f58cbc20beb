//! The gateway's settings, from the shared `ENCORE_*` variables.

use std::net::SocketAddr;
use std::time::Duration;

use encore_common::config::{parse, ConfigError};
use encore_common::KafkaConfig;

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub kafka: KafkaConfig,
    /// `ENCORE_GATEWAY_ADDR`
    pub addr: SocketAddr,
    /// `ENCORE_RETRY_AFTER_SECS`: what a 503 tells clients to wait.
    pub retry_after: Duration,
}

impl GatewayConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(GatewayConfig {
            kafka: KafkaConfig::from_env()?,
            addr: parse(
                "ENCORE_GATEWAY_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            retry_after: Duration::from_secs(parse("ENCORE_RETRY_AFTER_SECS", 2)?),
        })
    }
}
