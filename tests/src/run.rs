//! The isolated test run: a topic prefix, a ClickHouse and a PostgreSQL
//! database and search indices of its own on the shared stack, so tests run
//! in parallel without seeing each other's data, and leave nothing behind.

use std::time::Duration;

use encore_common::{fixtures, kafka, KafkaConfig, Topics};
use tokio::sync::OnceCell;

use crate::eventually;
use crate::kafka::{delete_topics_with_prefix, fixture_path};

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

    /// Creates this run's playback topic and its dead-letter topic.
    pub async fn create_playback_topics(&self) {
        kafka::ensure_topic_with_dlq(&self.kafka, &self.playback_topic())
            .await
            .expect("creating the playback topics; is the stack up (scripts/stack up)?");
    }

    /// Creates (or corrects) this run's four catalogue topics and
    /// `catalog.dlq`, as the etl and the indexer do when they start; returns
    /// the catalogue topics' names.
    pub async fn create_catalog_topics(&self) -> Vec<String> {
        use encore_common::topics::{CATALOG_DLQ, CATALOG_TOPICS};
        let topics: Vec<String> = CATALOG_TOPICS
            .iter()
            .map(|t| self.topics().name(t))
            .collect();
        let mut wanted: Vec<(String, i32)> = topics
            .iter()
            .map(|t| (t.clone(), self.kafka.partitions))
            .collect();
        wanted.push((self.topics().name(CATALOG_DLQ), 1));
        kafka::ensure_topics(&self.kafka, &wanted)
            .await
            .expect("the catalog topics");
        topics
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
        // The first records go to topics created a moment ago; on the loaded
        // cluster their leaders can take longer than the services' 5 s
        // produce timeout to accept `acks=all` writes, which is not what a
        // fixture's replay tests.
        let patient = KafkaConfig {
            produce_timeout: Duration::from_secs(30),
            ..self.kafka.clone()
        };
        let producer = kafka::producer(&patient).expect("a producer");
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

    /// The reconciliation every exactly-once scenario ends with: `plays FINAL`
    /// reaches `events`, no other event is there, and the hourly aggregates
    /// recount to the plays' starts.
    pub async fn reconcile_plays(&self, events: u64) {
        assert_eq!(
            self.wait_for_scalar("SELECT count() FROM plays FINAL", events)
                .await,
            events,
            "every accepted event is in plays"
        );
        // Waited for too: on a cluster this may be read from another replica
        // than the count above, one that has not fetched the last parts yet.
        // A surplus never goes away, so the equality still catches it.
        assert_eq!(
            self.wait_for_scalar("SELECT uniqExact(event_id) FROM plays", events)
                .await,
            events,
            "and no other"
        );
        let starts = self
            .scalar("SELECT toUInt64(countIf(kind = 'start')) FROM plays FINAL")
            .await;
        assert_eq!(
            self.wait_for_scalar("SELECT toUInt64(sum(plays)) FROM track_hourly", starts)
                .await,
            starts,
            "the hourly aggregates recount to plays"
        );
    }

    /// Polls `sql` until it returns `expected`, and returns it, so that a
    /// call site reads as its assertion.
    pub async fn wait_for_scalar(&self, sql: &str, expected: u64) -> u64 {
        eventually(&format!("{sql} to be {expected}"), || async move {
            match self.clickhouse().query(sql).fetch_one::<u64>().await {
                Ok(value) if value == expected => Ok(value),
                Ok(value) => Err(value.to_string()),
                Err(error) => Err(error.to_string()),
            }
        })
        .await
    }

    /// This run's object storage: a directory of its own, or on a stack with
    /// S3 (`ENCORE_STORAGE_URL=s3://…`, the cluster) a prefix of its own in
    /// that bucket, so every audio test also exercises the S3 path there.
    pub fn storage_url(&self) -> String {
        match std::env::var("ENCORE_STORAGE_URL") {
            Ok(url) if url.starts_with("s3://") => {
                format!("{}/encore-test-{}", url.trim_end_matches('/'), self.id)
            }
            _ => format!(
                "file://{}",
                std::env::temp_dir()
                    .join(format!("encore-test-{}", self.id))
                    .display()
            ),
        }
    }

    /// This run's keys in the online store: its namespace is the run's
    /// ClickHouse database, as the services name it.
    pub fn online(&self) -> encore_online::Store {
        let address = encore_online::Address::from_env().expect("ENCORE_REDIS_URL");
        encore_online::Store::open(&address, &self.database).expect("a Redis pool")
    }

    /// Drops this run's databases, indices, topics, stored objects and keys.
    pub async fn cleanup(self) {
        let _ = self.online().forget_everything().await;
        if let Ok(storage) = encore_gateway::storage::Storage::open(&self.storage_url()) {
            let _ = storage.delete_all().await;
        }
        delete_topics_with_prefix(&self.kafka).await;
        let server = encore_etl::warehouse::client(&self.clickhouse_url, "default");
        let _ = server
            .query(&format!(
                "DROP DATABASE IF EXISTS {}{}",
                self.database,
                encore_etl::warehouse::Layout::from_env().on_cluster()
            ))
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
