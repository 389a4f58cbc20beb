//! The end-to-end harness: real servers, isolated runs.
//!
//! Every test builds a [`TestRun`]: a unique topic prefix on the shared broker
//! and a unique ClickHouse database, so tests run in parallel without seeing
//! each other's data. Services start in-process through the same functions
//! their binaries call (`encore_gateway::serve`, `encore_etl::service::run`),
//! talking to the real broker and ClickHouse of `scripts/stack up`.
//!
//! Helpers panic with a message that says what was expected: they are test
//! support, and a failed expectation is the test failing.

pub mod api;
pub mod chinook;
pub mod interop;
pub mod servers;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use encore_common::{fixtures, kafka, KafkaConfig, Topics};
use encore_etl::features::FeatureSettings;
use encore_etl::EtlConfig;
use encore_gateway::GatewayConfig;
use encore_indexer::IndexerConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use tokio::sync::{oneshot, OnceCell};
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen in well under a
/// second. Generous because the whole suite shares two cores and one broker:
/// a wait only lasts this long when the test is failing anyway.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// One isolated test run against the local stack.
pub struct TestRun {
    pub id: String,
    pub kafka: KafkaConfig,
    pub clickhouse_url: String,
    /// The name of this run's ClickHouse and PostgreSQL databases.
    pub database: String,
    /// The PostgreSQL server the run creates its database on.
    pub postgres_server: String,
    /// The search server of the run's indices.
    pub search_url: String,
    /// This run's PostgreSQL database URL, once created.
    postgres: OnceCell<String>,
}

impl TestRun {
    /// A run named after the test; names only need to be readable, the id makes them unique.
    pub fn new(name: &str) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        let mut kafka = KafkaConfig::from_env().expect("ENCORE_* Kafka settings");
        kafka.topic_prefix = format!("t-{name}-{id}.");
        TestRun {
            kafka,
            clickhouse_url: encore_common::config::string(
                "ENCORE_CLICKHOUSE_URL",
                "http://127.0.0.1:8123",
            ),
            database: format!("test_{name}_{id}").replace('-', "_"),
            id,
            postgres_server: server_postgres_url(),
            search_url: encore_common::config::string("ENCORE_SEARCH_URL", "http://127.0.0.1:9200"),
            postgres: OnceCell::new(),
        }
    }

    pub fn topics(&self) -> Topics {
        self.kafka.topics()
    }

    /// The broker-side name of the playback topic of this run.
    pub fn playback_topic(&self) -> String {
        self.topics().playback_events()
    }

    /// This run's own PostgreSQL database (created on first use), as a URL.
    pub async fn postgres_url(&self) -> String {
        self.postgres
            .get_or_init(|| async {
                let server = self.postgres_server.clone();
                let admin = sqlx::PgPool::connect(&server)
                    .await
                    .expect("connecting to PostgreSQL; is the stack up (scripts/stack up)?");
                sqlx::query(&format!("CREATE DATABASE {}", self.database))
                    .execute(&admin)
                    .await
                    .expect("creating the run's database");
                admin.close().await;
                with_database(&server, &self.database)
            })
            .await
            .clone()
    }

    /// A pool on this run's PostgreSQL database.
    pub async fn postgres(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.postgres_url().await)
            .await
            .expect("connecting to the run's database")
    }

    /// The prefix of this run's search indices (index names must be lowercase, no dots).
    pub fn search_prefix(&self) -> String {
        format!("t-{}-", self.id)
    }

    /// Indexer settings for this run: its topics, its indices, a group of its own.
    pub fn indexer_config(&self) -> IndexerConfig {
        let mut config = IndexerConfig::from_env().expect("ENCORE_* indexer settings");
        config.kafka = self.kafka.clone();
        config.search_prefix = self.search_prefix();
        config.search_url = self.search_url.clone();
        config.group = format!("indexer-{}", self.id);
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.batch_wait = Duration::from_millis(50);
        config.check_every = Duration::from_millis(500);
        config
    }

    /// Starts the indexer in-process and waits until its ops endpoint listens
    /// (by then its index exists, rebuilt if it was missing).
    pub async fn start_indexer(&self, config: IndexerConfig) -> Service {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, listening) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            encore_indexer::service::run(config, shutdown, move |addr| {
                let _ = ready.send(addr);
            })
            .await
            .expect("the indexer failed to start");
        });
        let addr = tokio::time::timeout(PATIENCE, listening)
            .await
            .expect("the indexer did not start in time")
            .expect("the indexer stopped before it listened");
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Gateway settings for this run: its topics, its database, its own storage directory.
    pub async fn gateway_config(&self) -> GatewayConfig {
        let mut config = GatewayConfig::from_env().expect("ENCORE_* gateway settings");
        config.kafka = self.kafka.clone();
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.database_url = self.postgres_url().await;
        config.storage_url = format!(
            "file://{}",
            std::env::temp_dir()
                .join(format!("encore-test-{}", self.id))
                .display()
        );
        config.outbox_poll = Duration::from_millis(100);
        config.search_prefix = self.search_prefix();
        config.search_url = self.search_url.clone();
        config.clickhouse_url = self.clickhouse_url.clone();
        config.clickhouse_database = self.database.clone();
        config
    }

    /// Starts the gateway on an ephemeral port with this run's topics and database.
    pub async fn start_gateway(&self) -> Service {
        self.start_gateway_with(self.gateway_config().await).await
    }

    /// Starts the gateway with explicit settings (e.g. a broker address where none listens).
    pub async fn start_gateway_with(&self, config: GatewayConfig) -> Service {
        let state = encore_gateway::start(config)
            .await
            .expect("starting the gateway");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding an ephemeral port");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            encore_gateway::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .expect("the gateway failed");
        });
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Creates this run's playback topic and its dead-letter topic.
    pub async fn create_playback_topics(&self) {
        kafka::ensure_topic_with_dlq(&self.kafka, &self.playback_topic())
            .await
            .expect("creating the playback topics; is the stack up (scripts/stack up)?");
    }

    /// ETL settings for this run: its topics, its database, a group of its own.
    pub fn etl_config(&self) -> EtlConfig {
        EtlConfig {
            kafka: self.kafka.clone(),
            clickhouse_url: self.clickhouse_url.clone(),
            clickhouse_database: self.database.clone(),
            group: format!("etl-{}", self.id),
            batch_size: 500,
            batch_wait: Duration::from_millis(100),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dims_group: format!("etl-dims-{}", self.id),
            features: FeatureSettings {
                interval: Duration::from_millis(500),
                ..FeatureSettings::default()
            },
        }
    }

    /// Starts the ETL in-process and waits until its ops endpoint listens
    /// (by then its schema is migrated and its consumer subscribed).
    pub async fn start_etl(&self, config: EtlConfig) -> Service {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, listening) = oneshot::channel::<SocketAddr>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            encore_etl::service::run(config, shutdown, move |addr| {
                let _ = ready.send(addr);
            })
            .await
            .expect("the ETL failed to start");
        });
        let addr = tokio::time::timeout(PATIENCE, listening)
            .await
            .expect("the ETL did not start in time")
            .expect("the ETL stopped before it listened");
        Service {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Replays a fixture from `tests/fixtures/` into this run's topics.
    pub async fn replay(&self, fixture: &str) -> Vec<fixtures::FixtureRecord> {
        let records = fixtures::load(&fixture_path(fixture)).expect("a valid fixture");
        self.produce(&records).await;
        records
    }

    /// Produces already-parsed fixture records into this run's topics,
    /// creating the topics first.
    pub async fn produce(&self, records: &[fixtures::FixtureRecord]) {
        fixtures::ensure_topics(&self.kafka, records)
            .await
            .expect("creating the fixture's topics; is the stack up (scripts/stack up)?");
        let producer = kafka::producer(&self.kafka).expect("a producer");
        fixtures::replay(&producer, &self.topics(), records)
            .await
            .expect("replaying into the broker");
    }

    pub fn clickhouse(&self) -> clickhouse::Client {
        encore_etl::warehouse::client(&self.clickhouse_url, &self.database)
    }

    /// Runs a query returning one number.
    pub async fn scalar(&self, sql: &str) -> u64 {
        self.clickhouse()
            .query(sql)
            .fetch_one::<u64>()
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Polls `sql` until it returns `expected`; returns the last value seen when time runs out.
    pub async fn wait_for_scalar(&self, sql: &str, expected: u64) -> u64 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.clickhouse().query(sql).fetch_one::<u64>().await.ok();
            if value == Some(expected) || Instant::now() > deadline {
                return value.unwrap_or(0);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Drops this run's databases, indices and topics.
    pub async fn cleanup(self) {
        delete_topics_with_prefix(&self.kafka).await;
        let server = encore_etl::warehouse::client(&self.clickhouse_url, "default");
        let _ = server
            .query(&format!("DROP DATABASE IF EXISTS {}", self.database))
            .execute()
            .await;
        if self.postgres.get().is_some() {
            if let Ok(admin) = sqlx::PgPool::connect(&self.postgres_server).await {
                let _ = sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.database
                ))
                .execute(&admin)
                .await;
            }
        }
        let _ =
            std::fs::remove_dir_all(std::env::temp_dir().join(format!("encore-test-{}", self.id)));
        if let Ok(search) = encore_indexer::client::SearchClient::new(&self.search_url) {
            let pattern = format!("{}*", self.search_prefix());
            let _ = search
                .es
                .indices()
                .delete(elasticsearch::indices::IndicesDeleteParts::Index(&[
                    &pattern,
                ]))
                .send()
                .await;
        }
    }
}

/// Deletes every topic whose name starts with `kafka.topic_prefix`.
pub async fn delete_topics_with_prefix(kafka: &KafkaConfig) {
    let prefix = kafka.topic_prefix.clone();
    if prefix.is_empty() {
        return;
    }
    let brokers = kafka.brokers.clone();
    let names = tokio::task::spawn_blocking(move || -> Vec<String> {
        let Ok(consumer) = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create::<BaseConsumer>()
        else {
            return Vec::new();
        };
        consumer
            .fetch_metadata(None, Duration::from_secs(10))
            .map(|m| {
                m.topics()
                    .iter()
                    .map(|t| t.name().to_string())
                    .filter(|name| name.starts_with(&prefix))
                    .collect()
            })
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default();
    if names.is_empty() {
        return;
    }
    let Ok(admin) = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .create::<rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext>>()
    else {
        return;
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let options = rdkafka::admin::AdminOptions::new();
    if let Err(error) = admin.delete_topics(&refs, &options).await {
        eprintln!("deleting the run's topics: {error}");
    }
}

/// The PostgreSQL server's URL from `ENCORE_DATABASE_URL`.
fn server_postgres_url() -> String {
    encore_common::config::string(
        "ENCORE_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/encore",
    )
}

/// `url` with its database (the path) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{database}{query}", &base[..host_end])
}

/// A service started by the harness. Dropping it aborts the task.
pub struct Service {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Asks the service to stop as on SIGTERM and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the service did not stop in time")
            .expect("the service panicked");
    }

    /// Stops the service the hard way, wherever it is: like a crash, nothing
    /// in flight is finished and nothing more is committed.
    pub async fn kill(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Playback events as fixture records for `playback-events`, keyed by user.
pub fn playback_records(events: &[encore_schemas::PlaybackEvent]) -> Vec<fixtures::FixtureRecord> {
    events
        .iter()
        .enumerate()
        .map(|(n, event)| fixtures::FixtureRecord {
            line: n + 1,
            topic: encore_common::topics::PLAYBACK_EVENTS.to_string(),
            key: Some(event.user_id.to_string()),
            payload: Some(encore_schemas::encode(event).expect("a valid event")),
            headers: Default::default(),
            timestamp: None,
        })
        .collect()
}

/// Catalog changes as fixture records for their topics, keyed by entity id.
pub fn catalog_records(changes: &[encore_schemas::CatalogChange]) -> Vec<fixtures::FixtureRecord> {
    changes
        .iter()
        .enumerate()
        .map(|(n, change)| fixtures::FixtureRecord {
            line: n + 1,
            topic: encore_common::topics::catalog_topic(change.entity_type).to_string(),
            key: Some(change.entity_id.to_string()),
            payload: Some(encore_schemas::encode(change).expect("a valid change")),
            headers: Default::default(),
            timestamp: None,
        })
        .collect()
}

/// The absolute path of a fixture in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A record read back from a topic.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
}

/// Reads `topic` from the beginning of every partition until `expected`
/// records arrived, or the patience ran out; then waits `linger` more to catch
/// records beyond what was expected. Records come back in (partition, offset) order.
///
/// It reads as every Encore consumer does, `read_committed`: records of
/// aborted or still-open transactions are not returned.
pub async fn read_topic(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
) -> Vec<ReadRecord> {
    read_topic_as(kafka, topic, expected, linger, "read_committed").await
}

/// Like [`read_topic`], but `read_uncommitted`: also the records of aborted
/// and open transactions, to show that they were written at all.
pub async fn read_topic_uncommitted(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
) -> Vec<ReadRecord> {
    read_topic_as(kafka, topic, expected, linger, "read_uncommitted").await
}

async fn read_topic_as(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
    isolation: &'static str,
) -> Vec<ReadRecord> {
    let kafka = kafka.clone();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        read_topic_blocking(&kafka, &topic, expected, linger, isolation)
    })
    .await
    .expect("reading the topic panicked")
}

fn read_topic_blocking(
    kafka: &KafkaConfig,
    topic: &str,
    expected: usize,
    linger: Duration,
    isolation: &str,
) -> Vec<ReadRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .set("group.id", format!("reader-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .set("isolation.level", isolation)
        .create()
        .expect("a reader");
    // The topic may not exist yet (its producer creates it on first use).
    let deadline = Instant::now() + PATIENCE;
    let partitions = loop {
        let partitions = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .ok()
            .and_then(|m| {
                m.topics()
                    .iter()
                    .find(|t| t.name() == topic)
                    .map(|t| t.partitions().len())
            })
            .unwrap_or(0);
        if partitions > 0 || Instant::now() > deadline {
            break partitions;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(partitions > 0, "topic {topic} has no partitions");
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition as i32, Offset::Beginning)
            .expect("assignment");
    }
    consumer.assign(&assignment).expect("assigning partitions");
    let mut records = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    let mut linger_until: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    loop {
        if records.len() >= expected {
            let until = *linger_until.get_or_insert_with(|| Instant::now() + linger);
            if Instant::now() >= until {
                break;
            }
        } else if Instant::now() >= deadline {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => records.push(ReadRecord {
                partition: message.partition(),
                offset: message.offset(),
                key: message.key().map(<[u8]>::to_vec),
                payload: message.payload().map(<[u8]>::to_vec),
                headers: message
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| {
                                let value =
                                    h.value.map(String::from_utf8_lossy).unwrap_or_default();
                                (h.key.to_string(), value.into_owned())
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            // Transient (a broker restarting): librdkafka reconnects by itself.
            Some(Err(error)) => last_error = Some(error.to_string()),
            None => {}
        }
    }
    if records.len() < expected {
        if let Some(error) = last_error {
            eprintln!(
                "reading {topic}: {} of {expected} records; last error: {error}",
                records.len()
            );
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}

/// Waits until `group` has committed every partition of `topic` up to its
/// high watermark: everything produced so far is durably written downstream.
/// Panics with both offset lists when that does not happen in time.
pub async fn wait_until_committed(kafka: &KafkaConfig, group: &str, topic: &str) {
    let partitions = kafka.partitions;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ends = high_watermarks(kafka, topic, partitions).await;
        let committed = committed_offsets(kafka, group, topic, partitions).await;
        // A partition nothing was ever produced to has no committed offset (-1).
        let caught_up = ends
            .iter()
            .zip(&committed)
            .all(|(end, done)| *end == 0 || done == end);
        if caught_up {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "group {group} committed {committed:?} on {topic}, the ends are {ends:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The committed offsets of `group` on `topic`, per partition (-1 where none).
pub async fn committed_offsets(
    kafka: &KafkaConfig,
    group: &str,
    topic: &str,
    partitions: i32,
) -> Vec<i64> {
    let kafka = kafka.clone();
    let (group, topic) = (group.to_string(), topic.to_string());
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &kafka.brokers)
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("a consumer");
        let mut list = TopicPartitionList::new();
        for partition in 0..partitions {
            list.add_partition(&topic, partition);
        }
        // A broker busy with the whole suite may time a request out: ask again.
        let deadline = Instant::now() + PATIENCE;
        let committed = loop {
            match consumer.committed_offsets(list.clone(), Duration::from_secs(10)) {
                Ok(committed) => break committed,
                Err(error) if Instant::now() < deadline => {
                    eprintln!("committed offsets: {error}; asking again");
                }
                Err(error) => panic!("committed offsets: {error}"),
            }
        };
        (0..partitions)
            .map(
                |p| match committed.find_partition(&topic, p).map(|e| e.offset()) {
                    Some(Offset::Offset(o)) => o,
                    _ => -1,
                },
            )
            .collect()
    })
    .await
    .expect("reading committed offsets panicked")
}

/// The high watermark (next offset) of each partition of `topic`.
pub async fn high_watermarks(kafka: &KafkaConfig, topic: &str, partitions: i32) -> Vec<i64> {
    let kafka = kafka.clone();
    let topic = topic.to_string();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &kafka.brokers)
            .create()
            .expect("a consumer");
        (0..partitions)
            .map(|p| {
                // A broker busy with the whole suite may time a request out: ask again.
                let deadline = Instant::now() + PATIENCE;
                loop {
                    match consumer.fetch_watermarks(&topic, p, Duration::from_secs(10)) {
                        Ok((_, high)) => break high,
                        Err(error) if Instant::now() < deadline => {
                            eprintln!("watermarks of {topic}/{p}: {error}; asking again");
                        }
                        Err(error) => panic!("watermarks of {topic}/{p}: {error}"),
                    }
                }
            })
            .collect()
    })
    .await
    .expect("reading watermarks panicked")
}

/// Polls the live document count of search index (or alias) `index` until it
/// is `expected`, or the patience ran out; returns the last count.
pub async fn wait_for_live_count(
    client: &encore_indexer::client::SearchClient,
    index: &str,
    expected: u64,
) -> u64 {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let count = encore_indexer::indices::live_count(client, index)
            .await
            .unwrap_or(0);
        if count == expected || Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
