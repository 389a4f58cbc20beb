//! Waiting for what the stack does in the background. The suite's "wait
//! until"s go through [`eventually`] (the few that cannot say why), so a wait
//! reads as what it waits for, and a wait that times out says what it saw last.

use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

/// How long a test waits for something that should happen in well under a
/// second. Generous because the whole suite shares two cores and one broker:
/// a wait only lasts this long when the test is failing anyway.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Short at first, since most waits end within a few looks; then no longer
/// than this, so a slow wait does not load the stack the others share.
const FIRST_PAUSE: Duration = Duration::from_millis(20);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// Asks `probe` until it answers `Ok`, and returns that value. Its `Err` is
/// what it saw instead: after [`PATIENCE`] the wait panics with `what` it
/// waited for and the last of those.
pub async fn eventually<T, E, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Display,
{
    eventually_within(PATIENCE, what, probe).await
}

/// [`eventually`] with a deadline of its own, for a wait whose bound is part
/// of what the test expects.
pub async fn eventually_within<T, E, F, Fut>(patience: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Display,
{
    let started = Instant::now();
    let mut pause = encore_common::backoff::Backoff::new(FIRST_PAUSE, LONGEST_PAUSE);
    loop {
        let last = match probe().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        assert!(
            started.elapsed() < patience,
            "waited {patience:?} for {what}; last seen: {last}"
        );
        pause.wait().await;
    }
}

/// Polls the live document count of search index (or alias) `index` until it
/// is `expected`, and returns it, so that a call site reads as its assertion.
pub async fn wait_for_live_count(
    client: &encore_indexer::client::SearchClient,
    index: &str,
    expected: u64,
) -> u64 {
    let what = format!("{expected} live documents in {index}");
    eventually(&what, || async move {
        match encore_indexer::indices::live_count(client, index).await {
            Ok(count) if count == expected => Ok(count),
            Ok(count) => Err(count.to_string()),
            Err(error) => Err(error.to_string()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{eventually, eventually_within};

    #[tokio::test]
    async fn returns_what_the_probe_answers_once_it_answers() {
        let mut looks = 0;
        let answer = eventually("the third look", || {
            looks += 1;
            let now = looks;
            async move {
                if now == 3 {
                    Ok("found")
                } else {
                    Err(format!("look {now}"))
                }
            }
        })
        .await;
        assert_eq!((answer, looks), ("found", 3));
    }

    #[tokio::test]
    #[should_panic(expected = "for the answer to be 42; last seen: still 41")]
    async fn gives_up_naming_what_it_waited_for_and_what_it_saw_last() {
        eventually_within(
            Duration::from_millis(100),
            "the answer to be 42",
            || async { Err::<(), _>("still 41") },
        )
        .await;
    }
}
