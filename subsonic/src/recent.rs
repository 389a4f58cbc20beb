//! Credentials accepted a moment ago, and whose they were.
//!
//! Subsonic apps send their credentials with every request, and checking
//! them is a PostgreSQL round trip that a search would otherwise wait for.
//! Knowing that the very same credentials were accepted within the last
//! minute lets a search go to the engine while they are checked again
//! ([`crate::early::HeadStart`]). It never stands in for the check: the
//! answer waits for it, so a revoked key is refused at once. What it
//! decides is only whether work starts early, and because only credentials
//! that proved good recently qualify, a stranger's guesses cannot make the
//! search server work.
//!
//! Credentials are held as SHA-256 digests, never in the clear.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long an acceptance is remembered.
const REMEMBERED_FOR: Duration = Duration::from_secs(60);

/// At most this many credentials are remembered; past it the expired go,
/// and if none had, everything does (a flood of good credentials costs a
/// few lost head starts, never memory).
const MOST: usize = 10_000;

/// A digest of the credentials a request presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The digest of `parts`, each ended by a NUL so that no two different
    /// lists of parts run together into the same bytes.
    pub(crate) fn of(parts: &[&str]) -> Self {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        Fingerprint(hasher.finalize().into())
    }
}

/// Which credentials were accepted lately, and as whom. Cloning shares it.
#[derive(Clone, Default)]
pub struct Recent {
    seen: Arc<Mutex<HashMap<Fingerprint, (Uuid, Instant)>>>,
}

impl Recent {
    /// `fingerprint` was just accepted as `user`'s.
    pub(crate) fn accepted(&self, fingerprint: Fingerprint, user: Uuid) {
        self.accepted_at(fingerprint, user, Instant::now());
    }

    /// Whose `fingerprint` was, if it was accepted within the last minute.
    pub(crate) fn whose(&self, fingerprint: Fingerprint) -> Option<Uuid> {
        self.whose_at(fingerprint, Instant::now())
    }

    fn accepted_at(&self, fingerprint: Fingerprint, user: Uuid, now: Instant) {
        let mut seen = self.lock();
        if seen.len() >= MOST && !seen.contains_key(&fingerprint) {
            seen.retain(|_, (_, at)| now.saturating_duration_since(*at) < REMEMBERED_FOR);
            if seen.len() >= MOST {
                seen.clear();
            }
        }
        seen.insert(fingerprint, (user, now));
    }

    fn whose_at(&self, fingerprint: Fingerprint, now: Instant) -> Option<Uuid> {
        let seen = self.lock();
        let (user, at) = seen.get(&fingerprint)?;
        (now.saturating_duration_since(*at) < REMEMBERED_FOR).then_some(*user)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Fingerprint, (Uuid, Instant)>> {
        // A panic while holding the lock leaves a map that is still whole:
        // every change to it is a single insert, retain or clear.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_do_not_run_together() {
        assert_ne!(Fingerprint::of(&["ab", "c"]), Fingerprint::of(&["a", "bc"]));
        assert_eq!(Fingerprint::of(&["a", "b"]), Fingerprint::of(&["a", "b"]));
    }

    #[test]
    fn an_acceptance_is_remembered_for_a_minute() {
        let recent = Recent::default();
        let (key, user, now) = (Fingerprint::of(&["k"]), Uuid::from_u128(7), Instant::now());
        assert_eq!(recent.whose_at(key, now), None);
        recent.accepted_at(key, user, now);
        assert_eq!(
            recent.whose_at(key, now + Duration::from_secs(59)),
            Some(user)
        );
        assert_eq!(recent.whose_at(key, now + REMEMBERED_FOR), None);
        assert_eq!(recent.whose_at(Fingerprint::of(&["other"]), now), None);
    }

    #[test]
    fn a_full_memory_drops_the_expired_first_then_everything() {
        let recent = Recent::default();
        let now = Instant::now();
        let key = |n: usize| Fingerprint::of(&[&n.to_string()]);
        recent.accepted_at(key(0), Uuid::from_u128(0), now);
        for n in 1..MOST {
            recent.accepted_at(key(n), Uuid::from_u128(1), now + REMEMBERED_FOR);
        }
        // Full: the one expired entry goes, the rest stay.
        let later = now + REMEMBERED_FOR + Duration::from_secs(1);
        recent.accepted_at(key(MOST), Uuid::from_u128(2), later);
        assert_eq!(recent.lock().len(), MOST);
        assert_eq!(recent.whose_at(key(0), later), None);
        assert_eq!(recent.whose_at(key(1), later), Some(Uuid::from_u128(1)));
        // Full of live entries: everything goes but the newest.
        recent.accepted_at(key(MOST + 1), Uuid::from_u128(3), later);
        assert_eq!(recent.lock().len(), 1);
        assert_eq!(
            recent.whose_at(key(MOST + 1), later),
            Some(Uuid::from_u128(3))
        );
    }
}
