//! Failed logins, on every login path (the native login and each Subsonic
//! request), counted so that guessing is slowed while nobody can lock an
//! owner out of their account (OWASP's Authentication Cheat Sheet, and its
//! device-cookie protocol). Three counts:
//!
//! - **per account and place**. The place is a device cookie
//!   (the gateway's `auth::device`) when the login presents a valid one for
//!   that account, else the client address. Past
//!   `max_failures` the pair is refused: whoever guesses from one place runs
//!   out of guesses there, and only there.
//! - **per address**, higher because people share addresses behind NAT:
//!   past `max_failures_per_address` logins from it are refused.
//! - **per account, from unknown places**: past `max_failures`, each further
//!   attempt from a place the account never signed in from waits after the
//!   last failure, `first_delay` doubling with every further failure up to
//!   `max_delay`. Guessing from many addresses slows to a trickle; nothing
//!   is locked.
//!
//! A **known place** (a valid device cookie, or an address the account
//! signed in from within `known_for`) is judged by its own pair alone: the
//! address's count and the account's delay do not apply to it, so the owner
//! gets in whatever an attacker does elsewhere.
//!
//! A count lasts until a whole window passes without a failure. A refused
//! attempt is neither checked nor counted. A success forgives its own pair
//! only: the account's count is the attackers', and an owner signing in
//! says nothing about them.
//!
//! The counts live in PostgreSQL, not in the process: behind a load balancer
//! an attacker's guesses reach every gateway instance, and a restart must not
//! forgive them. Whether to refuse is [`judge()`], a pure function of the
//! counts and times that [`standing`] reads in one query.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::PgPool;
use uuid::Uuid;

pub use judge::{delay, judge, Count, Limits, Standing};

use crate::DbError;

mod judge;

/// One login attempt: the counts it is judged by and counted against.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `account:<id>`, or `login:<name>` for a name no account has, so that
    /// guessing at names is limited alike and tells nothing of which exist.
    /// `None` for an API key, which names no account until it matches.
    account: Option<String>,
    user: Option<Uuid>,
    address: Option<IpAddr>,
    /// The nonce of a valid device cookie of the account.
    device: Option<String>,
}

impl Attempt {
    pub fn new(account: Result<Uuid, &str>, from: Option<IpAddr>) -> Self {
        Attempt {
            account: Some(match account {
                Ok(id) => format!("account:{id}"),
                Err(login) => format!("login:{}", login.to_lowercase()),
            }),
            user: account.ok(),
            address: from,
            device: None,
        }
    }

    /// The attempt presented a valid device cookie of its account.
    pub fn with_device(self, nonce: Option<String>) -> Self {
        Attempt {
            device: nonce,
            ..self
        }
    }

    /// An attempt that names no account (an API key): it counts against the
    /// address alone, so guessing keys cannot slow anyone's account.
    pub fn address_only(from: Option<IpAddr>) -> Self {
        Attempt {
            account: None,
            user: None,
            address: from,
            device: None,
        }
    }

    fn pair_key(&self) -> Option<String> {
        let account = self.account.as_ref()?;
        Some(match (&self.device, self.address) {
            (Some(nonce), _) => format!("pair:{account}@device:{nonce}"),
            (None, Some(ip)) => format!("pair:{account}@{}", address(ip)),
            (None, None) => format!("pair:{account}@address:-"),
        })
    }

    /// The address's count, which is also its name as a place of the
    /// account in `login_places`.
    fn address_key(&self) -> Option<String> {
        self.address.map(address)
    }

    fn unknown_key(&self) -> Option<String> {
        self.account.as_ref().map(|a| format!("unknown:{a}"))
    }
}

/// `address:<ip>`: a client address as a count's key and as a place.
fn address(ip: IpAddr) -> String {
    format!("address:{ip}")
}

/// Reads the attempt's counts, and whether its address is known to its
/// account, in one query: a Subsonic client logs in on every request.
pub async fn standing(db: &PgPool, attempt: &Attempt) -> Result<Standing, DbError> {
    let row = sqlx::query!(
        r#"SELECT extract(epoch FROM now())::float8 AS "now!",
                  (SELECT extract(epoch FROM succeeded_at)::float8 FROM login_places
                   WHERE user_id = $1 AND place = $2) AS address_known_at,
                  p.failures AS "pair_failures?", extract(epoch FROM p.last_failed)::float8 AS pair_last,
                  a.failures AS "address_failures?", extract(epoch FROM a.last_failed)::float8 AS address_last,
                  u.failures AS "account_failures?", extract(epoch FROM u.last_failed)::float8 AS account_last
           FROM (SELECT 1) AS one
           LEFT JOIN login_failures p ON p.key = $3
           LEFT JOIN login_failures a ON a.key = $4
           LEFT JOIN login_failures u ON u.key = $5"#,
        attempt.user,
        attempt.address_key(),
        attempt.pair_key(),
        attempt.address_key(),
        attempt.unknown_key()
    )
    .fetch_one(db)
    .await?;
    let count = |failures: Option<i32>, last_failed: Option<f64>| {
        Some(Count {
            failures: u32::try_from(failures?).unwrap_or(0),
            last_failed: last_failed?,
        })
    };
    Ok(Standing {
        now: row.now,
        device: attempt.device.is_some(),
        address_known_at: row.address_known_at,
        pair: count(row.pair_failures, row.pair_last),
        address: count(row.address_failures, row.address_last),
        account: count(row.account_failures, row.account_last),
    })
}

/// Counts a failed attempt against its pair and its address, and against
/// its account when it came from an unknown place.
pub async fn failed(
    db: &PgPool,
    limits: &Limits,
    attempt: &Attempt,
    standing: &Standing,
) -> Result<(), DbError> {
    let mut keys: Vec<String> = [attempt.pair_key(), attempt.address_key()]
        .into_iter()
        .flatten()
        .collect();
    if !standing.known(limits) {
        keys.extend(attempt.unknown_key());
    }
    // In one order, so that concurrent failures cannot deadlock.
    sqlx::query!(
        "INSERT INTO login_failures AS f (key, failures, window_started, last_failed) \
         SELECT key, 1, now(), now() FROM unnest($1::text[]) AS k(key) ORDER BY key \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN f.last_failed > now() - make_interval(secs => $2) \
                      THEN f.failures + 1 ELSE 1 END, \
           window_started = CASE WHEN f.last_failed > now() - make_interval(secs => $2) \
                            THEN f.window_started ELSE now() END, \
           last_failed = now()",
        &keys,
        limits.window.as_secs_f64()
    )
    .execute(db)
    .await?;
    purge(db, limits, standing.now).await
}

/// A successful login forgives its own pair, and notes its address as a
/// place of the account (at most hourly: Subsonic apps log in on every
/// request).
pub async fn succeeded(
    db: &PgPool,
    limits: &Limits,
    attempt: &Attempt,
    standing: &Standing,
) -> Result<(), DbError> {
    if let (Some(_), Some(pair)) = (standing.pair, attempt.pair_key()) {
        sqlx::query!("DELETE FROM login_failures WHERE key = $1", pair)
            .execute(db)
            .await?;
    }
    let stale = standing
        .address_known_at
        .is_none_or(|at| at + 3_600.0 < standing.now);
    if let (Some(user), true) = (attempt.user, stale) {
        remember(db, limits, user, attempt.address).await?;
    }
    Ok(())
}

/// Notes that `user` signed in from `from` now (a registration does too).
pub async fn remember(
    db: &PgPool,
    limits: &Limits,
    user: Uuid,
    from: Option<IpAddr>,
) -> Result<(), DbError> {
    let Some(ip) = from else {
        return Ok(());
    };
    let now = sqlx::query_scalar!(
        r#"INSERT INTO login_places (user_id, place, succeeded_at) VALUES ($1, $2, now())
           ON CONFLICT (user_id, place) DO UPDATE SET succeeded_at = now()
           RETURNING extract(epoch FROM succeeded_at)::float8 AS "at!""#,
        user,
        address(ip)
    )
    .fetch_one(db)
    .await?;
    purge(db, limits, now).await
}

/// When this process last purged stale rows (Unix seconds).
static PURGED_AT: AtomicI64 = AtomicI64::new(0);

/// Deletes counts that have lapsed and places no longer known, at most once
/// a minute per process: both tables would otherwise only grow.
async fn purge(db: &PgPool, limits: &Limits, now: f64) -> Result<(), DbError> {
    let now = now as i64;
    let last = PURGED_AT.load(Ordering::Relaxed);
    if now - last < 60
        || PURGED_AT
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return Ok(());
    }
    sqlx::query!(
        "DELETE FROM login_failures WHERE last_failed < now() - make_interval(secs => $1)",
        limits.window.as_secs_f64()
    )
    .execute(db)
    .await?;
    sqlx::query!(
        "DELETE FROM login_places WHERE succeeded_at < now() - make_interval(secs => $1)",
        limits.known_for.as_secs_f64()
    )
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::judge::TEST_LIMITS as LIMITS;
    use super::*;

    fn from(ip: [u8; 4]) -> Option<IpAddr> {
        Some(IpAddr::from(ip))
    }

    #[test]
    fn an_attempt_counts_against_its_pair_its_address_and_its_account() {
        let id = Uuid::nil();
        let attempt = Attempt::new(Ok(id), from([10, 0, 0, 7]));
        assert_eq!(
            attempt.pair_key().as_deref(),
            Some(format!("pair:account:{id}@address:10.0.0.7").as_str())
        );
        assert_eq!(attempt.address_key().as_deref(), Some("address:10.0.0.7"));
        assert_eq!(attempt.unknown_key(), Some(format!("unknown:account:{id}")));
        let device = attempt.with_device(Some("n0nce".into()));
        assert_eq!(
            device.pair_key(),
            Some(format!("pair:account:{id}@device:n0nce"))
        );
        let unknown = Attempt::new(Err("Ada@Example.com"), None);
        assert_eq!(
            unknown.pair_key().as_deref(),
            Some("pair:login:ada@example.com@address:-")
        );
        assert_eq!(unknown.address_key(), None);
        let key = Attempt::address_only(from([10, 0, 0, 7]));
        assert_eq!((key.pair_key(), key.unknown_key()), (None, None));
    }

    /// The counting of [`failed`] and [`succeeded`], in memory.
    #[derive(Default)]
    struct Model {
        counts: HashMap<String, Count>,
        places: HashMap<String, f64>,
    }

    impl Model {
        fn standing(&self, attempt: &Attempt, now: f64) -> Standing {
            let get = |key: Option<String>| key.and_then(|k| self.counts.get(&k).copied());
            Standing {
                now,
                device: attempt.device.is_some(),
                address_known_at: attempt
                    .address_key()
                    .and_then(|p| self.places.get(&p).copied()),
                pair: get(attempt.pair_key()),
                address: get(attempt.address_key()),
                account: get(attempt.unknown_key()),
            }
        }

        /// Ok when let in; the wait when refused.
        fn login(&mut self, attempt: &Attempt, right: bool, now: f64) -> Result<bool, u64> {
            let standing = self.standing(attempt, now);
            if let Some(wait) = judge(&LIMITS, &standing) {
                return Err(wait);
            }
            if right {
                attempt.pair_key().map(|k| self.counts.remove(&k));
                attempt.address_key().map(|p| self.places.insert(p, now));
                return Ok(true);
            }
            let mut keys = vec![attempt.pair_key(), attempt.address_key()];
            if !standing.known(&LIMITS) {
                keys.push(attempt.unknown_key());
            }
            for key in keys.into_iter().flatten() {
                let count = self.counts.entry(key).or_insert(Count {
                    failures: 0,
                    last_failed: now,
                });
                if count.last_failed + LIMITS.window.as_secs_f64() <= now {
                    count.failures = 0;
                }
                count.failures += 1;
                count.last_failed = now;
            }
            Ok(false)
        }
    }

    #[test]
    fn a_hundred_wrong_passwords_from_one_address_do_not_stop_the_owner() {
        let mut model = Model::default();
        let owner = Uuid::new_v4();
        let home = Attempt::new(Ok(owner), from([192, 0, 2, 1]));
        assert_eq!(model.login(&home, true, 0.0), Ok(true));
        let attacker = Attempt::new(Ok(owner), from([203, 0, 113, 7]));
        let answers: Vec<_> = (0..100)
            .map(|i| model.login(&attacker, false, 1.0 + f64::from(i) * 0.1))
            .collect();
        assert!(answers[..10].iter().all(|a| *a == Ok(false)));
        assert!(answers[10..].iter().all(|a| a.is_err()), "{answers:?}");
        let now = 11.0;
        assert_eq!(
            model.login(&attacker, true, now),
            Err(291),
            "even the right one"
        );
        let new_phone = Attempt::new(Ok(owner), from([198, 51, 100, 2]));
        assert_eq!(model.login(&home, true, now), Ok(true));
        assert_eq!(model.login(&new_phone, true, now), Ok(true));
        let laptop = attacker.clone().with_device(Some("laptop".into()));
        assert_eq!(
            model.login(&laptop, true, now),
            Ok(true),
            "at the attacker's address"
        );

        // Ten more addresses: new places now wait, the known ones do not.
        for n in 0..10u8 {
            let bot = Attempt::new(Ok(owner), from([203, 0, 113, 100 + n]));
            let _ = model.login(&bot, false, now);
        }
        let cafe = Attempt::new(Ok(owner), from([198, 51, 100, 3]));
        let wait = model.login(&cafe, true, now).expect_err("slowed");
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(model.login(&cafe, true, now + wait as f64), Ok(true));
        assert_eq!(model.login(&new_phone, true, now), Ok(true));
        assert_eq!(model.login(&home, true, now), Ok(true));
        assert_eq!(model.login(&laptop, true, now), Ok(true));
    }
}
