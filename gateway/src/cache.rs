//! A small time-bounded cache for answers read from ClickHouse: charts are the
//! same for everyone for half a minute, and a listener's own numbers for a few
//! seconds. Hand-written (a map, a clock and a size cap) rather than a cache
//! crate: this is all it needs to do.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The warehouse as the gateway reads it: the client, and the short cache of
/// the answers read from it.
#[derive(Clone)]
pub struct Warehouse {
    pub client: clickhouse::Client,
    pub cache: std::sync::Arc<TtlCache>,
}

pub struct TtlCache {
    entries: Mutex<HashMap<String, (Instant, Value)>>,
    max_entries: usize,
}

impl TtlCache {
    pub fn new(max_entries: usize) -> Self {
        TtlCache {
            entries: Mutex::new(HashMap::new()),
            max_entries,
        }
    }

    /// The value stored under `key` if it is younger than `ttl`.
    pub fn get(&self, key: &str, ttl: Duration) -> Option<Value> {
        let entries = self.entries.lock().ok()?;
        let (stored, value) = entries.get(key)?;
        (stored.elapsed() < ttl).then(|| value.clone())
    }

    /// Stores `value`; when full, first forgets the oldest half.
    pub fn put(&self, key: String, value: Value) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.max_entries {
            let mut ages: Vec<Instant> = entries.values().map(|(at, _)| *at).collect();
            ages.sort();
            let cutoff = ages[ages.len() / 2];
            entries.retain(|_, (at, _)| *at > cutoff);
        }
        entries.insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_expire_and_the_size_is_bounded() {
        let cache = TtlCache::new(4);
        cache.put("a".into(), json!(1));
        assert_eq!(cache.get("a", Duration::from_secs(60)), Some(json!(1)));
        assert_eq!(cache.get("a", Duration::ZERO), None);
        for n in 0..10 {
            cache.put(format!("k{n}"), json!(n));
        }
        assert!(cache.entries.lock().unwrap().len() <= 4);
        assert_eq!(cache.get("k9", Duration::from_secs(60)), Some(json!(9)));
    }
}
