//! Listening sessions and the co-listening pairs they yield.
//!
//! A session is a run of one listener's plays with no gap longer than 30
//! minutes. Sessions are also cut at fixed 3-hour boundaries (00:00, 03:00,
//! ... UTC): a session then depends only on the plays inside its 3-hour
//! bucket, so the ETL can recompute exactly the sessions a batch touched from
//! those plays alone, without walking a listener's history back to a gap.
//!
//! Within a session, each play pairs with the up to five plays before it,
//! weighted 1 / distance (the next track 1, the one after 1/2, ...), in both
//! directions. A session yields at most 1,000 pair rows, so one endless
//! session cannot explode the table.

use std::collections::HashMap;

use uuid::Uuid;

pub const GAP_MS: i64 = 30 * 60 * 1_000;
pub const BUCKET_MS: i64 = 3 * 3_600 * 1_000;
pub const WINDOW: usize = 5;
pub const MAX_PAIRS: usize = 1_000;

/// One play started by a listener.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub at_ms: i64,
    pub track: Uuid,
}

/// The co-listening pairs of one session, summed by pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub start_ms: i64,
    pub pairs: Vec<(Uuid, Uuid, f64)>,
}

/// The 3-hour bucket a moment falls in.
pub fn bucket(at_ms: i64) -> i64 {
    at_ms.div_euclid(BUCKET_MS)
}

/// Splits one listener's starts (in time order) into sessions with their pairs.
pub fn sessions(starts: &[Start]) -> Vec<Session> {
    let mut out = Vec::new();
    let mut current: Vec<Start> = Vec::new();
    for start in starts {
        let new_session = current.last().is_some_and(|last| {
            start.at_ms - last.at_ms > GAP_MS || bucket(start.at_ms) != bucket(current[0].at_ms)
        });
        if new_session {
            out.push(pairs_of(&current));
            current.clear();
        }
        current.push(*start);
    }
    if !current.is_empty() {
        out.push(pairs_of(&current));
    }
    out
}

fn pairs_of(session: &[Start]) -> Session {
    let mut weights: HashMap<(Uuid, Uuid), f64> = HashMap::new();
    let mut emitted = 0;
    'plays: for (i, later) in session.iter().enumerate() {
        for distance in 1..=WINDOW.min(i) {
            let earlier = session[i - distance];
            if earlier.track == later.track {
                continue;
            }
            if emitted + 2 > MAX_PAIRS {
                break 'plays;
            }
            let weight = 1.0 / distance as f64;
            *weights.entry((earlier.track, later.track)).or_default() += weight;
            *weights.entry((later.track, earlier.track)).or_default() += weight;
            emitted += 2;
        }
    }
    let mut pairs: Vec<(Uuid, Uuid, f64)> =
        weights.into_iter().map(|((a, b), w)| (a, b, w)).collect();
    pairs.sort_by_key(|p| (p.0, p.1));
    Session {
        start_ms: session[0].at_ms,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn t(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn play(at_min: i64, track: u128) -> Start {
        Start {
            at_ms: at_min * MIN,
            track: t(track),
        }
    }

    fn weight(session: &Session, a: u128, b: u128) -> f64 {
        session
            .pairs
            .iter()
            .find(|(x, y, _)| (*x, *y) == (t(a), t(b)))
            .map_or(0.0, |p| p.2)
    }

    #[test]
    fn nearby_plays_pair_by_distance_in_both_directions() {
        let sessions = sessions(&[play(0, 1), play(4, 2), play(8, 3)]);
        assert_eq!(sessions.len(), 1);
        let s = &sessions[0];
        assert_eq!(weight(s, 1, 2), 1.0);
        assert_eq!(weight(s, 2, 1), 1.0);
        assert_eq!(weight(s, 1, 3), 0.5);
        assert_eq!(weight(s, 2, 3), 1.0);
        assert_eq!(s.pairs.len(), 6);
    }

    #[test]
    fn a_long_gap_or_a_bucket_boundary_starts_a_new_session() {
        let gap = sessions(&[play(0, 1), play(31, 2)]);
        assert_eq!(gap.len(), 2);
        assert!(gap.iter().all(|s| s.pairs.is_empty()));
        // 02:59 and 03:01 are two minutes apart but in different buckets.
        let boundary = sessions(&[play(179, 1), play(181, 2)]);
        assert_eq!(
            boundary.iter().map(|s| s.start_ms).collect::<Vec<_>>(),
            [179 * MIN, 181 * MIN]
        );
    }

    #[test]
    fn repeats_do_not_pair_with_themselves_and_sessions_are_bounded() {
        let repeats = sessions(&[play(0, 1), play(1, 1), play(2, 1)]);
        assert!(repeats[0].pairs.is_empty());
        let long: Vec<Start> = (0..2_000)
            .map(|n| Start {
                at_ms: n as i64 * 1_000,
                track: t(n + 1),
            })
            .collect();
        let bounded = sessions(&long);
        assert!(bounded.iter().all(|s| s.pairs.len() <= MAX_PAIRS));
    }
}
