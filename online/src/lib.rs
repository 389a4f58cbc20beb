//! The online store: Redis, holding what the gateway reads per listener at
//! request rate. ClickHouse is built for scans, not for one listener's rows a
//! thousand times a second, so the etl copies what those reads need here as
//! it writes the warehouse, and the features job publishes each generation.
//!
//! Everything here can be lost: a listener missing from Redis (cold, evicted
//! or flushed) is rebuilt from the warehouse on first read, and a Redis that
//! does not answer only means the warehouse answers instead. So each read
//! takes the ClickHouse client too and returns the warehouse's answer when
//! the store cannot give one; [`Source`] says which answered, and
//! `encore_online_reads_total` counts it.
//!
//! - [`history`]: each listener's last [`history::KEEP`] plays.
//! - [`playing`]: what each listener started last, for "now playing".
//! - [`generation`]: the features job's recommendations and similar tracks.
//! - [`answers`]: answers computed from the warehouse (charts, stats),
//!   shared by every gateway for as long as each stays fresh.

use std::sync::Arc;
use std::time::Duration;

use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::RedisError;

pub mod address;
pub mod answers;
mod error;
pub mod generation;
pub mod history;
pub mod playing;

pub use address::Address;
pub use error::OnlineError;

/// Who answered a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Redis had it.
    Redis,
    /// Redis did not have it; the warehouse answered and Redis now has it.
    Rebuilt,
    /// The warehouse alone: Redis is off, down, or holds too little.
    Warehouse,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::Redis => "redis",
            Source::Rebuilt => "rebuilt",
            Source::Warehouse => "warehouse",
        }
    }
}

/// Counts one read of `read` (`history`, `now_playing`, ...) by who answered.
pub(crate) fn count_read(read: &'static str, source: Source) {
    metrics::counter!(
        encore_common::metrics::ONLINE_READS_TOTAL.name,
        "read" => read,
        "source" => source.label()
    )
    .increment(1);
}

/// Counts and logs a failed Redis operation; the caller carries on without it.
pub fn count_failure(operation: &'static str, error: &OnlineError) {
    metrics::counter!(
        encore_common::metrics::ONLINE_FAILURES_TOTAL.name,
        "operation" => operation
    )
    .increment(1);
    tracing::warn!(%error, operation, "the online store failed; carrying on without it");
}

/// How long one Redis operation may take before the caller gives up on it and
/// asks the warehouse: far above a healthy answer (well under a millisecond on
/// one machine), short enough that a hung Redis costs a request little.
const OPERATION_TIMEOUT: Duration = Duration::from_millis(500);

/// A handle on the store, cheap to clone. Off when `ENCORE_REDIS_URL` is
/// `off`: then every read is the warehouse's.
#[derive(Clone)]
pub struct Store {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    pool: Pool,
    /// Replicas a write of the etl's must reach before it counts: one
    /// behind Sentinel, where a failover promotes the replica and whatever
    /// it had not received is gone without a trace; none on one server.
    replicas: u64,
    /// Every key starts with this and a colon: the ClickHouse database the
    /// store mirrors, so two stacks (or two tests) can share one Redis.
    namespace: String,
}

enum Pool {
    Direct(deadpool_redis::Pool),
    Sentinel(deadpool_redis::sentinel::Pool),
}

impl Store {
    /// A store at `address` for the warehouse database `namespace`. Nothing
    /// connects yet: a Redis that is down at start only means the warehouse
    /// answers until it is up.
    pub fn open(address: &Address, namespace: &str) -> Result<Store, OnlineError> {
        let limits = Some(deadpool_redis::PoolConfig {
            timeouts: deadpool_redis::Timeouts {
                wait: Some(OPERATION_TIMEOUT),
                create: Some(OPERATION_TIMEOUT),
                recycle: Some(OPERATION_TIMEOUT),
            },
            ..deadpool_redis::PoolConfig::default()
        });
        let runtime = Some(deadpool_redis::Runtime::Tokio1);
        let replicas = u64::from(matches!(address, Address::Sentinel { .. }));
        let pool = match address {
            Address::Off => return Ok(Store { inner: None }),
            Address::Direct(url) => {
                let mut config = deadpool_redis::Config::from_url(url.clone());
                config.pool = limits;
                config.create_pool(runtime).map(Pool::Direct)
            }
            Address::Sentinel { sentinels, master } => {
                let mut config = deadpool_redis::sentinel::Config::from_urls(
                    sentinels.clone(),
                    master.clone(),
                    deadpool_redis::sentinel::SentinelServerType::Master,
                );
                config.pool = limits;
                config.create_pool(runtime).map(Pool::Sentinel)
            }
        }
        .map_err(|e| OnlineError::Pool(e.to_string()))?;
        Ok(Store {
            inner: Some(Arc::new(Inner {
                pool,
                replicas,
                namespace: namespace.to_string(),
            })),
        })
    }

    /// A store that is off: every read goes to the warehouse.
    pub fn off() -> Store {
        Store { inner: None }
    }

    pub fn is_on(&self) -> bool {
        self.inner.is_some()
    }

    /// `namespace:part`, the name of one of this store's keys.
    fn key(&self, part: &str) -> String {
        match &self.inner {
            Some(inner) => format!("{}:{part}", inner.namespace),
            None => part.to_string(),
        }
    }

    /// A connection, or `None` when the store is off. Connections are
    /// multiplexed: the clone handed out shares the pooled one's socket.
    async fn connection(&self) -> Result<Option<MultiplexedConnection>, OnlineError> {
        let Some(inner) = &self.inner else {
            return Ok(None);
        };
        let connection = match &inner.pool {
            Pool::Direct(pool) => pool
                .get()
                .await
                .map(|c| MultiplexedConnection::clone(&c))
                .map_err(|e| OnlineError::Connect(e.to_string()))?,
            Pool::Sentinel(pool) => pool
                .get()
                .await
                .map(|c| MultiplexedConnection::clone(&c))
                .map_err(|e| OnlineError::Connect(e.to_string()))?,
        };
        Ok(Some(connection))
    }

    /// Runs `operation` on a connection, within [`OPERATION_TIMEOUT`];
    /// `Ok(None)` when the store is off.
    async fn run<T, F>(
        &self,
        operation: impl FnOnce(MultiplexedConnection) -> F,
    ) -> Result<Option<T>, OnlineError>
    where
        F: std::future::Future<Output = Result<T, RedisError>>,
    {
        let attempt = async {
            let Some(connection) = self.connection().await? else {
                return Ok(None);
            };
            Ok(Some(operation(connection).await?))
        };
        tokio::time::timeout(OPERATION_TIMEOUT, attempt)
            .await
            .map_err(|_| OnlineError::Timeout(OPERATION_TIMEOUT))?
    }

    /// Runs the etl's write `operation` (which hands its connection back),
    /// then waits until it reached the replicas a write must reach: a copy
    /// that only the primary holds would vanish in a failover, unnoticed.
    async fn run_replicated<F>(
        &self,
        operation: impl FnOnce(MultiplexedConnection) -> F,
    ) -> Result<(), OnlineError>
    where
        F: std::future::Future<Output = Result<MultiplexedConnection, RedisError>>,
    {
        let replicas = self.replicas();
        let attempt = async {
            let Some(connection) = self.connection().await? else {
                return Ok(());
            };
            let mut connection = operation(connection).await?;
            replicated(&mut connection, replicas).await
        };
        tokio::time::timeout(OPERATION_TIMEOUT, attempt)
            .await
            .map_err(|_| OnlineError::Timeout(OPERATION_TIMEOUT))?
    }

    /// Replicas a write must reach ([`Inner::replicas`]).
    fn replicas(&self) -> u64 {
        self.inner.as_ref().map_or(0, |inner| inner.replicas)
    }

    /// Whether Redis answers a PING: the readiness check's, which reports it
    /// without making the service unready (the warehouse stands in).
    pub async fn ping(&self) -> Result<(), OnlineError> {
        self.run(|mut c| async move {
            deadpool_redis::redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
        })
        .await
        .map(|_| ())
    }

    /// Redis as a dependency of `/ready`: reported, never required, since the
    /// warehouse answers whatever Redis would.
    pub async fn dependency(&self) -> encore_common::telemetry::Dependency {
        let state = if self.is_on() {
            self.ping()
                .await
                .map_err(|e| format!("Redis does not answer: {e}"))
        } else {
            Err("off (ENCORE_REDIS_URL=off): the warehouse answers every read".to_string())
        };
        encore_common::telemetry::Dependency {
            name: "redis",
            required: false,
            state,
        }
    }

    /// The memory this namespace's keys take, by kind (`history`, `playing`,
    /// `recommendations`, ...): keys and bytes, as `MEMORY USAGE` counts them.
    /// For sizing Redis (docs/deployment.md); it reads every key, so not for
    /// a request path.
    pub async fn memory(
        &self,
    ) -> Result<std::collections::BTreeMap<String, (u64, u64)>, OnlineError> {
        let namespace = match &self.inner {
            Some(inner) => format!("{}:", inner.namespace),
            None => return Ok(Default::default()),
        };
        let pattern = format!("{namespace}*");
        // Not within one operation's timeout: this walks the whole namespace.
        let Some(mut c) = self.connection().await? else {
            return Ok(Default::default());
        };
        let mut kinds: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for key in scan(&mut c, &pattern).await? {
            let bytes: Option<u64> = deadpool_redis::redis::cmd("MEMORY")
                .arg("USAGE")
                .arg(&key)
                .arg("SAMPLES")
                .arg(0)
                .query_async(&mut c)
                .await?;
            let rest = &key[namespace.len()..];
            let kind = rest.split(':').next().unwrap_or(rest).to_string();
            let entry = kinds.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += bytes.unwrap_or(0);
        }
        Ok(kinds)
    }

    /// Deletes every key of this store's namespace: for tests, which clean up
    /// what they create, and for an operator starting over.
    pub async fn forget_everything(&self) -> Result<u64, OnlineError> {
        let pattern = self.key("*");
        let Some(mut c) = self.connection().await? else {
            return Ok(0);
        };
        let mut deleted = 0;
        for keys in scan(&mut c, &pattern).await?.chunks(1_000) {
            deleted += deadpool_redis::redis::cmd("UNLINK")
                .arg(keys)
                .query_async::<u64>(&mut c)
                .await?;
        }
        Ok(deleted)
    }
}

/// Every key matching `pattern`, walked with SCAN (which, unlike KEYS, never
/// blocks the server for long): for operators and tests, not requests.
async fn scan(c: &mut MultiplexedConnection, pattern: &str) -> Result<Vec<String>, RedisError> {
    let mut cursor: u64 = 0;
    let mut found = Vec::new();
    loop {
        let (next, keys): (u64, Vec<String>) = deadpool_redis::redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1_000)
            .query_async(c)
            .await?;
        found.extend(keys);
        if next == 0 {
            return Ok(found);
        }
        cursor = next;
    }
}

/// How long a write waits for its replica before it is taken as lost.
const REPLICA_WAIT: Duration = Duration::from_millis(200);

/// Waits until the writes sent so far on `c` reached `replicas` replicas
/// (`WAIT`); none to wait for on one server.
async fn replicated(c: &mut MultiplexedConnection, replicas: u64) -> Result<(), OnlineError> {
    if replicas == 0 {
        return Ok(());
    }
    let reached: u64 = deadpool_redis::redis::cmd("WAIT")
        .arg(replicas)
        .arg(REPLICA_WAIT.as_millis() as u64)
        .query_async(c)
        .await?;
    if reached < replicas {
        return Err(OnlineError::NotReplicated(REPLICA_WAIT));
    }
    Ok(())
}
