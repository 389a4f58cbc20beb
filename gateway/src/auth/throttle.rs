//! Failed logins, counted per account and per client address, on every
//! login path (the native login and each Subsonic request). A key that fails
//! too often within one window is refused, without its password being
//! checked, until the window has passed again.
//!
//! The counts live in PostgreSQL, not in the process: behind a load balancer
//! an attacker's guesses reach every gateway instance, and a restart must not
//! forgive them.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sqlx::PgPool;
use uuid::Uuid;

/// Limits, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `ENCORE_LOGIN_MAX_FAILURES`: failures of one account within a window
    /// before it is refused.
    pub per_account: u32,
    /// `ENCORE_LOGIN_MAX_FAILURES_PER_ADDRESS`: the same per client address,
    /// higher because people share addresses behind NAT.
    pub per_address: u32,
    /// `ENCORE_LOGIN_LOCKOUT_SECS`: the window, and how long a key that
    /// reached its limit is refused.
    pub window: Duration,
}

/// Where a login attempt came from, when the server knows (the peer address
/// of the connection).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// The keys one login attempt counts against, with their limits.
#[derive(Debug, Clone)]
pub struct Attempt {
    keys: Vec<(String, u32)>,
}

impl Attempt {
    /// `account` is the user's id when the login names one, else the login
    /// as typed (lowercased), so guessing at unknown names is limited too.
    pub fn new(limits: Limits, account: Result<Uuid, &str>, from: ClientAddr) -> Self {
        let account = match account {
            Ok(id) => format!("account:{id}"),
            Err(login) => format!("login:{}", login.to_lowercase()),
        };
        let mut keys = vec![(account, limits.per_account)];
        if let Some(ip) = from.0 {
            keys.push((format!("address:{ip}"), limits.per_address));
        }
        Attempt { keys }
    }

    /// An attempt that names no account (an API key): it counts against the
    /// address alone, so guessing keys cannot lock anyone out.
    pub fn address_only(limits: Limits, from: ClientAddr) -> Self {
        Attempt {
            keys: from
                .0
                .map(|ip| (format!("address:{ip}"), limits.per_address))
                .into_iter()
                .collect(),
        }
    }

    fn names(&self) -> Vec<String> {
        self.keys.iter().map(|(k, _)| k.clone()).collect()
    }
}

/// Where an attempt stands before its password is checked.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// Seconds until it may be tried, if one of its keys is refused now.
    pub refused_for: Option<u64>,
    /// Whether its account has failures a success would forgive.
    account_failed: bool,
}

/// Reads the attempt's keys: one indexed query, so a client that logs in on
/// every request (as Subsonic clients do) pays little.
pub async fn standing(db: &PgPool, attempt: &Attempt) -> Result<Standing, sqlx::Error> {
    let (secs, account_failed): (Option<f64>, bool) = sqlx::query_as(
        "SELECT (max(extract(epoch FROM blocked_until - now())) \
                  FILTER (WHERE blocked_until > now()))::float8, \
                coalesce(bool_or(key NOT LIKE 'address:%'), false) \
         FROM login_failures WHERE key = ANY($1)",
    )
    .bind(attempt.names())
    .fetch_one(db)
    .await?;
    Ok(Standing {
        refused_for: secs.map(|s| s.ceil().max(1.0) as u64),
        account_failed,
    })
}

/// Counts a failed attempt against each of its keys, opening a new window
/// where the last one has passed, and refuses a key that reached its limit.
pub async fn failed(db: &PgPool, attempt: &Attempt, window: Duration) -> Result<(), sqlx::Error> {
    let window = window.as_secs_f64();
    let mut tx = db.begin().await?;
    for (key, limit) in &attempt.keys {
        sqlx::query(
            "INSERT INTO login_failures AS f (key, failures, window_started) VALUES ($1, 1, now()) \
             ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN f.window_started <= now() - make_interval(secs => $2) \
                          THEN 1 ELSE f.failures + 1 END, \
               window_started = CASE WHEN f.window_started <= now() - make_interval(secs => $2) \
                                THEN now() ELSE f.window_started END",
        )
        .bind(key)
        .bind(window)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE login_failures SET blocked_until = now() + make_interval(secs => $2) \
             WHERE key = $1 AND failures >= $3",
        )
        .bind(key)
        .bind(window)
        .bind(i64::from(*limit))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// A successful login forgives its account's failures (not its address's:
/// one account of one's own must not reset the count of guesses at others).
pub async fn succeeded(
    db: &PgPool,
    attempt: &Attempt,
    standing: Standing,
) -> Result<(), sqlx::Error> {
    if !standing.account_failed {
        return Ok(());
    }
    let account = attempt
        .keys
        .first()
        .filter(|(k, _)| !k.starts_with("address:"));
    if let Some((account, _)) = account {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(account)
            .execute(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_counts_against_its_account_and_its_address() {
        let limits = Limits {
            per_account: 3,
            per_address: 30,
            window: Duration::from_secs(60),
        };
        let id = Uuid::nil();
        let ip = ClientAddr(Some(IpAddr::from([10, 0, 0, 7])));
        assert_eq!(
            Attempt::new(limits, Ok(id), ip).keys,
            vec![
                (format!("account:{id}"), 3),
                ("address:10.0.0.7".to_string(), 30)
            ]
        );
        assert_eq!(
            Attempt::new(limits, Err("Ada@Example.com"), ClientAddr(None)).keys,
            vec![("login:ada@example.com".to_string(), 3)]
        );
    }
}
