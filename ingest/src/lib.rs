//! `ingest`: brings data into Encore from outside.
//!
//! Everything except fixture replay and `simulate --direct` goes through the
//! gateway's API as a client ([`client`]), so imported data meets the same
//! validation, authorisation and outbox as any other write.
//!
//! - [`catalog`]: artist / album / track files (JSON, JSON Lines, CSV,
//!   MusicBrainz-style nested JSON) → `POST /v1/admin/import`.
//! - [`listens`]: ListenBrainz and Last.fm histories → playback events.
//! - [`sync`]: scheduled syncs of audio directories and JSON feeds.
//! - [`simulate`]: a traffic generator with listeners, sessions and skips.

pub mod catalog;
pub mod client;
pub mod listens;
pub mod progress;
pub mod simulate;
pub mod sync;

use anyhow::Context;

/// Where the gateway is and who `ingest` works as.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `ENCORE_GATEWAY_URL`.
    pub gateway_url: String,
    /// `ENCORE_INGEST_LOGIN`: the admin account catalog imports and syncs use.
    pub login: String,
    /// `ENCORE_INGEST_PASSWORD`. Never logged.
    pub password: String,
}

impl Settings {
    pub fn from_env() -> Self {
        use encore_common::config::string;
        Settings {
            gateway_url: string("ENCORE_GATEWAY_URL", "http://127.0.0.1:8080"),
            login: string("ENCORE_INGEST_LOGIN", "admin@encore.local"),
            password: string("ENCORE_INGEST_PASSWORD", ""),
        }
    }

    /// A client logged in as the ingest admin.
    pub async fn admin(&self) -> anyhow::Result<client::Gateway> {
        if self.password.is_empty() {
            anyhow::bail!(
                "ENCORE_INGEST_PASSWORD is not set: ingest logs into the gateway as {} \
                 (ENCORE_INGEST_LOGIN), an account with the admin role",
                self.login
            );
        }
        client::Gateway::new(&self.gateway_url)
            .login(&self.login, &self.password)
            .await
            .with_context(|| format!("logging in as {} (ENCORE_INGEST_LOGIN)", self.login))
    }
}
