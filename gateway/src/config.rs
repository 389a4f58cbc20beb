//! The gateway's settings, from the shared `ENCORE_*` variables.

use std::net::SocketAddr;
use std::time::Duration;

use encore_common::config::{millis, parse, string, ConfigError};
use encore_common::KafkaConfig;

use crate::audio::transcode::TranscodeConfig;
use crate::auth::client::{self, Cidr};
use crate::auth::throttle::Limits;
use encore_core::credentials::seal;

/// The signing secret of the local stack: anyone can mint tokens for a
/// server that uses it, so it is refused beyond loopback ([`dev_keys`]).
pub const DEV_JWT_SECRET: &str = "encore-local-development-secret-change-me";

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub kafka: KafkaConfig,
    /// `ENCORE_GATEWAY_ADDR`
    pub addr: SocketAddr,
    /// `ENCORE_DEV_KEYS=allow`: the built-in development keys may be used
    /// even where the gateway listens beyond loopback ([`dev_keys`]).
    pub dev_keys_allowed: bool,
    /// `ENCORE_TRUSTED_PROXIES`: the load balancers whose `X-Forwarded-For`
    /// names the client ([`crate::auth::client`]). None by default.
    pub trusted_proxies: Vec<Cidr>,
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
    /// `ENCORE_REDIS_URL`: the online store read before the warehouse
    /// (`off` for none: the warehouse answers every read).
    pub online: encore_online::Address,
    /// `ENCORE_OUTBOX_POLL_MS`: how often the outbox relay looks for new rows
    /// when it found none (it is also woken by every catalog write).
    pub outbox_poll: Duration,
    /// `ENCORE_OUTBOX_TRANSACTIONAL_ID` (default `encore-outbox-relay`, after
    /// the topic prefix): the relay's Kafka `transactional.id`. The same in
    /// every instance, so a relay that starts fences any zombie relay.
    pub outbox_transactional_id: String,
    /// `ENCORE_SUBSONIC_CORS_ORIGINS`: origins (comma-separated, or `*`)
    /// whose pages may call `/rest` from a browser: Subsonic web clients
    /// served elsewhere. Any by default, as Navidrome does: `/rest` never
    /// authenticates by cookie, so a page on another origin gains nothing its
    /// own credentials would not give it. An allow-list narrows it.
    pub subsonic_cors_origins: Vec<String>,
    /// `ENCORE_PUBLIC_URL`: the address people reach Encore at
    /// (`https://music.example.com`), which share links are built on. Unset,
    /// a link is built on the address its request came to.
    pub public_url: Option<String>,
    /// `ENCORE_SHARE_STREAMS_PER_HOUR` (100): new streams one share link may
    /// start in an hour, so a link passed around far beyond its owner's
    /// friends does not become a free public mirror.
    pub share_streams_per_hour: i32,
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
            dev_keys_allowed: match string("ENCORE_DEV_KEYS", "").as_str() {
                "" => false,
                "allow" => true,
                other => {
                    return Err(ConfigError {
                        name: "ENCORE_DEV_KEYS",
                        value: other.to_string(),
                        problem: "set it to `allow`, or leave it unset".into(),
                    })
                }
            },
            trusted_proxies: {
                let text = string("ENCORE_TRUSTED_PROXIES", "");
                client::parse_list(&text).map_err(|problem| ConfigError {
                    name: "ENCORE_TRUSTED_PROXIES",
                    value: text.clone(),
                    problem,
                })?
            },
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
                    max_failures: parse("ENCORE_LOGIN_MAX_FAILURES", 10)?,
                    max_failures_per_address: parse("ENCORE_LOGIN_MAX_FAILURES_PER_ADDRESS", 100)?,
                    window: Duration::from_secs(parse("ENCORE_LOGIN_LOCKOUT_SECS", 300)?),
                    first_delay: Duration::from_secs(parse("ENCORE_LOGIN_DELAY_SECS", 1)?),
                    max_delay: Duration::from_secs(parse("ENCORE_LOGIN_MAX_DELAY_SECS", 60)?),
                    known_for: Duration::from_secs(
                        parse::<u64>("ENCORE_LOGIN_KNOWN_DAYS", 30)? * 86_400,
                    ),
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
            online: encore_online::Address::from_env()?,
            search_prefix: string("ENCORE_SEARCH_PREFIX", ""),
            search_popularity_weight: parse("ENCORE_SEARCH_POPULARITY_WEIGHT", 1.0)?,
            subsonic_cors_origins: string("ENCORE_SUBSONIC_CORS_ORIGINS", "*")
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect(),
            public_url: Some(string("ENCORE_PUBLIC_URL", ""))
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty()),
            share_streams_per_hour: parse("ENCORE_SHARE_STREAMS_PER_HOUR", 100)?,
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

/// A gateway that would run with a built-in development key beyond loopback.
#[derive(Debug, thiserror::Error)]
#[error(
    "the gateway listens on {addr} (ENCORE_GATEWAY_ADDR), beyond this machine, with the \
     built-in development {what}, which anyone can read in Encore's source: set {missing}; \
     or, on a development machine, ENCORE_DEV_KEYS=allow"
)]
pub struct DevKeysError {
    pub addr: SocketAddr,
    /// The variables left at their built-in values, each with how to make one.
    pub missing: String,
    what: &'static str,
}

/// Whether the gateway may start with these keys. The built-in development
/// keys are published with the source: whoever knows them can mint access
/// tokens and open sealed app passwords. They are accepted only where nobody
/// else can reach the gateway (it listens on loopback), or where
/// `ENCORE_DEV_KEYS=allow` says so. Returns the variables left built-in.
pub fn dev_keys(config: &GatewayConfig) -> Result<Vec<&'static str>, DevKeysError> {
    let mut built_in = Vec::new();
    if config.auth.jwt_secret == DEV_JWT_SECRET {
        built_in.push(("ENCORE_JWT_SECRET", "a long random string"));
    }
    if config.auth.app_password_key.trim() == seal::DEV_KEY_HEX {
        built_in.push((
            "ENCORE_APP_PASSWORD_KEY",
            "64 hex digits: openssl rand -hex 32",
        ));
    }
    let names = built_in.iter().map(|(name, _)| *name).collect();
    if built_in.is_empty() || config.addr.ip().is_loopback() || config.dev_keys_allowed {
        return Ok(names);
    }
    Err(DevKeysError {
        addr: config.addr,
        what: if built_in.len() == 1 { "key" } else { "keys" },
        missing: built_in
            .iter()
            .map(|(name, how)| format!("{name} ({how})"))
            .collect::<Vec<_>>()
            .join(" and "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(addr: &str, jwt: &str, seal_key: &str, allowed: bool) -> GatewayConfig {
        let mut config = GatewayConfig::from_env().expect("the default settings");
        config.addr = addr.parse().expect("an address");
        config.auth.jwt_secret = jwt.into();
        config.auth.app_password_key = seal_key.into();
        config.dev_keys_allowed = allowed;
        config
    }

    #[test]
    fn the_built_in_keys_are_refused_beyond_loopback_unless_allowed() {
        let real_key = "ab".repeat(32);
        let dev = |addr, allowed| dev_keys(&with(addr, DEV_JWT_SECRET, seal::DEV_KEY_HEX, allowed));
        assert_eq!(
            dev("127.0.0.1:8080", false).expect("loopback"),
            ["ENCORE_JWT_SECRET", "ENCORE_APP_PASSWORD_KEY"]
        );
        assert!(dev("[::1]:8080", false).is_ok());
        assert!(dev("0.0.0.0:8080", true).is_ok(), "ENCORE_DEV_KEYS=allow");
        for addr in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:8080"] {
            let refused = dev(addr, false).expect_err("refused").to_string();
            assert!(
                refused.contains(
                    "set ENCORE_JWT_SECRET (a long random string) and ENCORE_APP_PASSWORD_KEY ("
                ) && refused.contains("ENCORE_DEV_KEYS=allow")
                    && refused.contains(addr),
                "{refused}"
            );
        }
        let one = dev_keys(&with("0.0.0.0:8080", "s3cret", seal::DEV_KEY_HEX, false));
        let refused = one.expect_err("refused").to_string();
        assert!(refused.contains("development key, "), "{refused}");
        assert!(
            refused.contains("set ENCORE_APP_PASSWORD_KEY (64 hex"),
            "{refused}"
        );
        assert!(!refused.contains("set ENCORE_JWT_SECRET"), "{refused}");
        let real = dev_keys(&with("0.0.0.0:8080", "s3cret", &real_key, false));
        assert_eq!(real.expect("real keys"), Vec::<&str>::new());
    }
}
