//! The gateway's settings, from the shared `ENCORE_*` variables.

use std::net::SocketAddr;
use std::time::Duration;

use encore_common::config::{millis, parse, string, ConfigError};
use encore_common::KafkaConfig;

use crate::audio::transcode::TranscodeConfig;
use crate::auth::seal;
use crate::auth::throttle::Limits;

/// The signing secret of the local stack. The gateway warns at start when it
/// runs with it: anyone can mint tokens for a server that uses it.
pub const DEV_JWT_SECRET: &str = "encore-local-development-secret-change-me";

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub kafka: KafkaConfig,
    /// `ENCORE_GATEWAY_ADDR`
    pub addr: SocketAddr,
    /// `ENCORE_RETRY_AFTER_SECS`: what a 503 tells clients to wait.
    pub retry_after: Duration,
    /// `ENCORE_DATABASE_URL`: PostgreSQL.
    pub database_url: String,
    /// `ENCORE_DATABASE_MAX_CONNECTIONS`
    pub database_max_connections: u32,
    pub auth: AuthConfig,
    /// `ENCORE_STORAGE_URL`: where audio and images are stored; a
    /// `file:///absolute/dir` (default `.stack/objects` under the working
    /// directory) or, in builds with the `s3` feature, `s3://bucket/prefix`.
    pub storage_url: String,
    /// `ENCORE_MAX_AUDIO_BYTES`: the largest audio upload.
    pub max_audio_bytes: usize,
    /// `ENCORE_SEARCH_URL`: the Elasticsearch-API server the indexer fills.
    pub search_url: String,
    /// `ENCORE_SEARCH_PREFIX`: the index name prefix, as the indexer's.
    pub search_prefix: String,
    /// `ENCORE_SEARCH_POPULARITY_WEIGHT`: how much a track's plays count
    /// beside how well it matches (`weight × ln(1 + plays in 30 days)` is
    /// added to the text score); 0 ranks by text alone.
    pub search_popularity_weight: f64,
    /// `ENCORE_CLICKHOUSE_URL` and `ENCORE_CLICKHOUSE_DATABASE`: the
    /// warehouse charts, statistics and recommendations are read from.
    pub clickhouse_url: String,
    pub clickhouse_database: String,
    /// `ENCORE_OUTBOX_POLL_MS`: how often the outbox relay looks for new rows
    /// when it found none (it is also woken by every catalog write).
    pub outbox_poll: Duration,
    /// `ENCORE_OUTBOX_TRANSACTIONAL_ID` (default `encore-outbox-relay`, after
    /// the topic prefix): the relay's Kafka `transactional.id`. The same in
    /// every instance, so a relay that starts fences any zombie relay.
    pub outbox_transactional_id: String,
    /// `ENCORE_SUBSONIC_CORS_ORIGINS`: origins (comma-separated, or `*`)
    /// whose pages may call `/rest` from a browser: Subsonic web clients
    /// served elsewhere. None by default.
    pub subsonic_cors_origins: Vec<String>,
    pub transcode: TranscodeConfig,
    /// `ENCORE_WEB_DIR`: the built web app (`npm run build` in `web/`), served
    /// at `/` with the API reference at `/docs`. Relative paths are from the
    /// working directory; the default suits running from the repository root.
    pub web_dir: std::path::PathBuf,
    /// `ENCORE_ETL_ADDR` and `ENCORE_INDEXER_ADDR`: where the consumers serve
    /// `/metrics`, which the admin dashboard's live figures are read from.
    pub consumers_ops: Vec<(String, String)>,
}

/// Token settings.
#[derive(Clone)]
pub struct AuthConfig {
    /// `ENCORE_JWT_SECRET`: HMAC-SHA256 key of access tokens (never logged).
    pub jwt_secret: String,
    /// `ENCORE_JWT_ISSUER` and `ENCORE_JWT_AUDIENCE`, both checked on every token.
    pub issuer: String,
    pub audience: String,
    /// `ENCORE_ACCESS_TOKEN_SECS`
    pub access_ttl: Duration,
    /// `ENCORE_REFRESH_TOKEN_DAYS`
    pub refresh_ttl: Duration,
    /// `ENCORE_APP_PASSWORD_KEY`: 64 hex digits, the key app passwords are
    /// sealed with at rest (never logged). Changing it makes every app
    /// password stop working; API keys are unaffected.
    pub app_password_key: String,
    /// Failed-login limits (`ENCORE_LOGIN_*`).
    pub login: Limits,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("jwt_secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("app_password_key", &"<redacted>")
            .field("login", &self.login)
            .finish()
    }
}

impl GatewayConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let default_storage = std::env::current_dir()
            .map(|d| format!("file://{}", d.join(".stack/objects").display()))
            .unwrap_or_else(|_| "file:///tmp/encore-objects".to_string());
        let default_cache = std::env::current_dir()
            .map(|d| d.join(".stack/transcodes").display().to_string())
            .unwrap_or_else(|_| "/tmp/encore-transcodes".to_string());
        Ok(GatewayConfig {
            kafka: KafkaConfig::from_env()?,
            addr: parse(
                "ENCORE_GATEWAY_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            retry_after: Duration::from_secs(parse("ENCORE_RETRY_AFTER_SECS", 2)?),
            database_url: string(
                "ENCORE_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/encore",
            ),
            database_max_connections: parse("ENCORE_DATABASE_MAX_CONNECTIONS", 10)?,
            auth: AuthConfig {
                jwt_secret: string("ENCORE_JWT_SECRET", DEV_JWT_SECRET),
                issuer: string("ENCORE_JWT_ISSUER", "encore"),
                audience: string("ENCORE_JWT_AUDIENCE", "encore-clients"),
                access_ttl: Duration::from_secs(parse("ENCORE_ACCESS_TOKEN_SECS", 900)?),
                refresh_ttl: Duration::from_secs(
                    parse::<u64>("ENCORE_REFRESH_TOKEN_DAYS", 30)? * 86_400,
                ),
                app_password_key: string("ENCORE_APP_PASSWORD_KEY", seal::DEV_KEY_HEX),
                login: Limits {
                    per_account: parse("ENCORE_LOGIN_MAX_FAILURES", 10)?,
                    per_address: parse("ENCORE_LOGIN_MAX_FAILURES_PER_ADDRESS", 100)?,
                    window: Duration::from_secs(parse("ENCORE_LOGIN_LOCKOUT_SECS", 300)?),
                },
            },
            storage_url: string("ENCORE_STORAGE_URL", &default_storage),
            max_audio_bytes: parse("ENCORE_MAX_AUDIO_BYTES", 200 * 1024 * 1024)?,
            outbox_poll: millis("ENCORE_OUTBOX_POLL_MS", 500)?,
            outbox_transactional_id: string(
                "ENCORE_OUTBOX_TRANSACTIONAL_ID",
                "encore-outbox-relay",
            ),
            search_url: string("ENCORE_SEARCH_URL", "http://127.0.0.1:9200"),
            clickhouse_url: string("ENCORE_CLICKHOUSE_URL", "http://127.0.0.1:8123"),
            clickhouse_database: string("ENCORE_CLICKHOUSE_DATABASE", "encore"),
            search_prefix: string("ENCORE_SEARCH_PREFIX", ""),
            search_popularity_weight: parse("ENCORE_SEARCH_POPULARITY_WEIGHT", 1.0)?,
            subsonic_cors_origins: string("ENCORE_SUBSONIC_CORS_ORIGINS", "")
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            web_dir: string("ENCORE_WEB_DIR", "web/dist").into(),
            consumers_ops: vec![
                ("etl".into(), string("ENCORE_ETL_ADDR", "127.0.0.1:8081")),
                (
                    "indexer".into(),
                    string("ENCORE_INDEXER_ADDR", "127.0.0.1:8082"),
                ),
            ],
            transcode: TranscodeConfig {
                ffmpeg: string("ENCORE_FFMPEG", "ffmpeg"),
                max: parse("ENCORE_TRANSCODE_MAX", 4)?,
                wait: millis("ENCORE_TRANSCODE_WAIT_MS", 2_000)?,
                cache_dir: std::path::PathBuf::from(string(
                    "ENCORE_TRANSCODE_CACHE_DIR",
                    &default_cache,
                )),
                cache_bytes: parse::<u64>("ENCORE_TRANSCODE_CACHE_MB", 1_024)? * 1024 * 1024,
            },
        })
    }
}
