//! Who is live, and with which role: the answer every authenticated request
//! needs, kept in memory and told by PostgreSQL when it changes.
//!
//! Reading `users` on every request cost one query per call (550 a second
//! under the ingest bench) for an answer that almost never changes. The
//! answer is cached here, and a trigger (migration 0009) sends
//! `NOTIFY encore_accounts, '<user id>'` whenever an account's role or
//! deletion changes, in the same transaction. Each gateway listens and
//! forgets that account, so a demotion or a deleted account still takes
//! effect at once, on every gateway.
//!
//! Trusting the cache needs the listener: while it is not connected, nothing
//! is served from the cache, and every reconnect forgets everything, since
//! notifications sent meanwhile are lost. A read that raced a notification
//! is not stored (the `epoch` check). Entries also expire after [`TTL`], a
//! backstop for whatever this reasoning missed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use encore_core::{accounts, DbError};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use uuid::Uuid;

use super::Role;

/// The channel the trigger notifies on; its payload is the account's id.
pub const CHANNEL: &str = "encore_accounts";
/// How long an entry is trusted without any notification.
pub const TTL: Duration = Duration::from_secs(60);
/// Entries kept at most; beyond that the cache starts over.
const MAX_ENTRIES: usize = 100_000;

/// Live accounts' roles, trusted while a listener is connected.
#[derive(Default)]
pub struct Accounts {
    entries: Mutex<HashMap<Uuid, (Instant, Role)>>,
    /// Bumped by every forgetting; a read that saw another epoch is not kept.
    epoch: AtomicU64,
    /// Whether the listener is connected, so that notifications arrive.
    listening: AtomicBool,
    /// The listener [`Self::connect`] made, until [`Self::listen`] takes it.
    listener: Mutex<Option<PgListener>>,
}

impl Accounts {
    /// The role of a live account: from memory when the listener is
    /// connected, else (and on a miss) from PostgreSQL. `None` when the
    /// account does not exist or was deleted; a role this build does not
    /// know is a decoding error.
    pub async fn role(&self, db: &PgPool, user: Uuid) -> Result<Option<Role>, DbError> {
        if let Some(role) = self.cached(user) {
            return Ok(Some(role));
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let Some(text) = accounts::role(db, user).await? else {
            return Ok(None);
        };
        let role = Role::parse(&text).ok_or_else(|| {
            DbError::Other(sqlx::Error::Decode(format!("unknown role {text}").into()))
        })?;
        self.keep(user, role, epoch);
        Ok(Some(role))
    }

    fn cached(&self, user: Uuid) -> Option<Role> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (at, role) = entries.get(&user)?;
        (at.elapsed() < TTL).then_some(*role)
    }

    fn keep(&self, user: Uuid, role: Role, epoch: u64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // Checked under the lock that `forget` takes too, so a notification
        // handled after the read cannot be overwritten by it.
        if !self.listening.load(Ordering::Acquire) || self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(user, (Instant::now(), role));
    }

    /// Forgets an account this process just changed, so that its own next
    /// request sees the change without waiting for the notification.
    pub fn changed(&self, user: Uuid) {
        self.forget(Some(user));
    }

    /// Forgets one account (`Some`) or all of them (`None`).
    fn forget(&self, user: Option<Uuid>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match user {
            Some(user) => {
                entries.remove(&user);
            }
            None => entries.clear(),
        }
    }

    fn set_listening(&self, listening: bool) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        self.listening.store(listening, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Starts listening for account changes, so that the cache is in use
    /// from the first request; [`Self::listen`] then handles them.
    pub async fn connect(db: &PgPool) -> Result<Accounts, sqlx::Error> {
        let accounts = Accounts::default();
        let listener = subscribe(db).await?;
        accounts.set_listening(true);
        if let Ok(mut slot) = accounts.listener.lock() {
            *slot = Some(listener);
        }
        Ok(accounts)
    }

    /// Handles account changes until `shutdown`, reconnecting after a lost
    /// connection; meanwhile requests read accounts from PostgreSQL.
    pub async fn listen(&self, db: &PgPool, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut connected = self.listener.lock().ok().and_then(|mut slot| slot.take());
        let mut backoff = encore_common::backoff::Backoff::default();
        loop {
            let mut listener = match connected.take() {
                Some(listener) => listener,
                None => {
                    let made = tokio::select! {
                        () = &mut shutdown => break,
                        made = subscribe(db) => made,
                    };
                    match made {
                        Ok(listener) => {
                            self.set_listening(true);
                            backoff = encore_common::backoff::Backoff::default();
                            listener
                        }
                        Err(error) => {
                            tracing::warn!(%error, retry_ms = backoff.next_ms(), "listening for account changes failed; reading accounts from PostgreSQL meanwhile");
                            tokio::select! {
                                () = &mut shutdown => break,
                                () = backoff.wait() => continue,
                            }
                        }
                    }
                }
            };
            loop {
                let received = tokio::select! {
                    () = &mut shutdown => {
                        self.set_listening(false);
                        return;
                    }
                    received = listener.try_recv() => received,
                };
                match received {
                    // An unparsable payload forgets everything: safe, if blunt.
                    Ok(Some(notification)) => self.forget(notification.payload().parse().ok()),
                    // The connection was lost, and any notification with it.
                    Ok(None) | Err(_) => {
                        self.set_listening(false);
                        tracing::warn!(
                            "the account-change listener lost its connection; reconnecting"
                        );
                        break;
                    }
                }
            }
        }
        self.set_listening(false);
    }
}

async fn subscribe(db: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(db).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_served_or_kept_while_not_listening() {
        let accounts = Accounts::default();
        let user = Uuid::new_v4();
        accounts.keep(user, Role::Admin, 0);
        assert_eq!(accounts.cached(user), None);
        accounts.set_listening(true);
        let epoch = accounts.epoch.load(Ordering::Acquire);
        accounts.keep(user, Role::Admin, epoch);
        assert_eq!(accounts.cached(user), Some(Role::Admin));
        accounts.set_listening(false);
        assert_eq!(accounts.cached(user), None);
    }

    #[test]
    fn a_read_that_raced_a_notification_is_not_kept() {
        let accounts = Accounts::default();
        accounts.set_listening(true);
        let (user, other) = (Uuid::new_v4(), Uuid::new_v4());
        let epoch = accounts.epoch.load(Ordering::Acquire);
        accounts.forget(Some(other));
        accounts.keep(user, Role::Admin, epoch);
        assert_eq!(accounts.cached(user), None);
        let epoch = accounts.epoch.load(Ordering::Acquire);
        accounts.keep(user, Role::Listener, epoch);
        assert_eq!(accounts.cached(user), Some(Role::Listener));
        accounts.forget(Some(user));
        assert_eq!(accounts.cached(user), None);
    }
}
