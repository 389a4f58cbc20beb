//! Waiting for something the stack does in the background.

use std::time::{Duration, Instant};

/// How long a test waits for something that should happen in well under a
/// second. Generous because the whole suite shares two cores and one broker:
/// a wait only lasts this long when the test is failing anyway.
pub const PATIENCE: Duration = Duration::from_secs(120);

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
