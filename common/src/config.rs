//! Configuration from `ENCORE_*` environment variables.
//!
//! Every default points at the local stack that `scripts/stack up` starts, so
//! a service started with no environment at all works on a developer machine.
//! The variables are listed in `docs/configuration.md` and `encore.env`.

use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub problem: String,
}

/// Reads `name`, falling back to `default` when it is unset or empty.
pub fn string(name: &'static str, default: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
        _ => default.to_string(),
    }
}

/// Reads and parses `name`, naming the variable when the value does not parse.
pub fn parse<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|e: T::Err| ConfigError {
            name,
            value: v,
            problem: e.to_string(),
        }),
        _ => Ok(default),
    }
}

/// A duration given in milliseconds.
pub fn millis(name: &'static str, default_ms: u64) -> Result<Duration, ConfigError> {
    parse(name, default_ms).map(Duration::from_millis)
}

/// The kernel's host name, which a container or pod sets per instance.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "encore".to_string())
}

/// A client configuration to build on. `ENCORE_KAFKA_DEBUG` (e.g.
/// `broker,msg,eos`) switches on librdkafka's own debug contexts, logged
/// through `tracing` at debug level.
pub(crate) fn kafka_client() -> rdkafka::ClientConfig {
    let mut config = rdkafka::ClientConfig::new();
    let contexts = string("ENCORE_KAFKA_DEBUG", "");
    if !contexts.is_empty() {
        config.set("debug", contexts);
    }
    config
}

/// How to reach Kafka and which topic names to use.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `ENCORE_KAFKA_BROKERS`, comma-separated `host:port`.
    pub brokers: String,
    /// `ENCORE_TOPIC_PREFIX`, prepended to every topic name; tests use it to
    /// isolate runs on one broker.
    pub topic_prefix: String,
    /// `ENCORE_KAFKA_PARTITIONS`, used when a service creates its topics.
    pub partitions: i32,
    /// `ENCORE_KAFKA_REPLICATION` (default 1, the single-node stack): the
    /// replication factor of a topic a service creates. The cluster topology
    /// uses 3, with the brokers' `min.insync.replicas` of 2, so one broker
    /// may die without losing an acknowledged write or refusing new ones.
    pub replication: i32,
    /// `ENCORE_PRODUCE_TIMEOUT_MS`: how long a produce may wait for the
    /// broker's acknowledgement before it counts as failed.
    pub produce_timeout: Duration,
    /// `ENCORE_KAFKA_IDEMPOTENCE` (default `true`): idempotent producers, so
    /// a retried send is never written twice. Off only for a broker without
    /// idempotence support; transactional producers are idempotent regardless.
    pub idempotence: bool,
    /// `ENCORE_INSTANCE_ID` (default: the host name): this process among the
    /// instances of one service. It names the service's transactional
    /// producers, so a restarted instance fences its own zombie and aborts the
    /// transaction it left open; two live instances must differ.
    pub instance_id: String,
}

impl KafkaConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(KafkaConfig {
            brokers: string("ENCORE_KAFKA_BROKERS", "127.0.0.1:9092"),
            topic_prefix: string("ENCORE_TOPIC_PREFIX", ""),
            partitions: parse("ENCORE_KAFKA_PARTITIONS", 3)?,
            replication: parse("ENCORE_KAFKA_REPLICATION", 1)?,
            produce_timeout: millis("ENCORE_PRODUCE_TIMEOUT_MS", 5_000)?,
            idempotence: parse("ENCORE_KAFKA_IDEMPOTENCE", true)?,
            instance_id: string("ENCORE_INSTANCE_ID", &host_name()),
        })
    }

    /// The `transactional.id` of `role` (a consumer group, or the outbox
    /// relay) in this instance: stable across restarts, distinct per instance.
    pub fn transactional_id(&self, role: &str) -> String {
        format!("{role}@{}", self.instance_id)
    }

    pub fn topics(&self) -> crate::Topics {
        crate::Topics::new(&self.topic_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `ENCORE_*` name in `text`.
    fn names(text: &str) -> std::collections::BTreeSet<String> {
        let mut found = std::collections::BTreeSet::new();
        for (at, _) in text.match_indices("ENCORE_") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.len() > "ENCORE_".len() && !name.ends_with('_') {
                found.insert(name);
            }
        }
        found
    }

    /// The variables the code and the scripts read, against the one list
    /// people read (`docs/configuration.md`) and the stack's `encore.env`.
    #[test]
    fn every_variable_is_documented_and_every_documented_one_is_read() {
        let mut used = std::collections::BTreeSet::new();
        let sources = crate::workspace_files::files(".", &[".rs"])
            .into_iter()
            .chain(crate::workspace_files::files("scripts", &[]))
            .chain(crate::workspace_files::files("tests/interop", &[".py"]));
        for file in sources {
            used.extend(names(&std::fs::read_to_string(file).unwrap_or_default()));
        }
        // This module's own unit tests set throwaway variables.
        used.retain(|n| !n.starts_with("ENCORE_TEST_"));
        assert!(used.len() > 30, "found the variables: {used:?}");
        let docs = names(include_str!("../../docs/configuration.md"));
        let env_file = names(include_str!("../../encore.env"));
        let undocumented: Vec<_> = used.difference(&docs).collect();
        assert!(
            undocumented.is_empty(),
            "docs/configuration.md lacks {undocumented:?}"
        );
        let stale: Vec<_> = docs.difference(&used).collect();
        assert!(
            stale.is_empty(),
            "docs/configuration.md lists variables nothing reads: {stale:?}"
        );
        let unknown: Vec<_> = env_file.difference(&docs).collect();
        assert!(
            unknown.is_empty(),
            "encore.env sets undocumented {unknown:?}"
        );
    }

    #[test]
    fn parse_names_the_variable_on_error() {
        std::env::set_var("ENCORE_TEST_PARSE_BAD", "twelve");
        let err = parse::<u32>("ENCORE_TEST_PARSE_BAD", 1).unwrap_err();
        assert!(err.to_string().contains("ENCORE_TEST_PARSE_BAD"), "{err}");
        std::env::set_var("ENCORE_TEST_PARSE_GOOD", " 12 ");
        assert_eq!(parse::<u32>("ENCORE_TEST_PARSE_GOOD", 1).unwrap(), 12);
        assert_eq!(parse::<u32>("ENCORE_TEST_PARSE_UNSET", 7).unwrap(), 7);
    }

    #[test]
    fn empty_string_means_default() {
        std::env::set_var("ENCORE_TEST_STRING_EMPTY", "  ");
        assert_eq!(string("ENCORE_TEST_STRING_EMPTY", "d"), "d");
    }
}
