//! Answers computed from the warehouse (charts, a listener's stats, their
//! recommendations), kept for as long as each stays fresh and shared by
//! every gateway: N gateways compute each answer once, not N times, and
//! expire it together. A Redis that is off or down keeps nothing; the caller
//! computes every answer then.

use std::time::Duration;

use deadpool_redis::redis::{self, AsyncCommands};

use crate::{count_failure, count_read, Source, Store};

fn key(store: &Store, name: &str) -> String {
    store.key(&format!("answer:{name}"))
}

/// The answer kept under `name`, if any is: the JSON as it was kept, so a
/// hit is sent on without being parsed and written again.
pub async fn get(store: &Store, name: &str) -> Option<Vec<u8>> {
    if !store.is_on() {
        return None;
    }
    let key = key(store, name);
    let held = store
        .run(|mut c| async move { c.get::<_, Option<Vec<u8>>>(&key).await })
        .await;
    match held {
        Ok(Some(Some(bytes))) => {
            count_read("answer", Source::Redis);
            Some(bytes)
        }
        Ok(_) => None,
        Err(error) => {
            count_failure("answer_read", &error);
            None
        }
    }
}

/// Keeps `json` under `name` for `fresh`.
pub async fn put(store: &Store, name: &str, json: &[u8], fresh: Duration) {
    if !store.is_on() {
        return;
    }
    count_read("answer", Source::Warehouse);
    let key = key(store, name);
    let millis = fresh.as_millis().max(1) as u64;
    let stored = store
        .run(|mut c| async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(json)
                .arg("PX")
                .arg(millis)
                .query_async::<()>(&mut c)
                .await
        })
        .await;
    if let Err(error) = stored {
        count_failure("answer_write", &error);
    }
}
