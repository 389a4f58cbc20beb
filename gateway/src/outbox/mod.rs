//! The transactional outbox: catalog changes are written to PostgreSQL in the
//! same transaction as the change itself ([`encore_core::outbox`]), and
//! [`relay`] publishes them.
//!
//! So a catalog write that committed is published even if Kafka was down at
//! the time, and a write that rolled back is never published.

pub mod relay;

/// `gateway snapshot`'s work, which is the core's.
pub use encore_core::snapshot;

use std::sync::Arc;

use tokio::sync::Notify;

// The rows themselves are written by the core, beside the changes they publish.
pub use encore_core::outbox::{delete, upsert, upsert_all, Body};

/// Commits a transaction that wrote outbox rows, then wakes the relay so the
/// changes go out at once instead of at its next poll.
pub async fn commit(
    wakeup: &Wakeup,
    tx: sqlx::Transaction<'_, sqlx::Postgres>,
) -> Result<(), sqlx::Error> {
    tx.commit().await?;
    wakeup.notify();
    Ok(())
}

/// Wakes the relay after a committed catalog write, so it publishes at once
/// instead of at its next poll.
#[derive(Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn notify(&self) {
        self.0.notify_one();
    }

    /// Resolves at the next [`Self::notify`] (or at once if one is pending).
    pub async fn notified(&self) {
        self.0.notified().await;
    }
}
