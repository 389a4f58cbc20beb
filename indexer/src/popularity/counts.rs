//! The latest play counts, shared by the writer (which stamps them on a
//! changed track) and the popularity rounds (which refresh them).

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use uuid::Uuid;

/// The latest play counts, by track.
#[derive(Debug, Default)]
pub struct Popularity {
    plays: RwLock<HashMap<Uuid, f64>>,
    /// Changes not yet written to the index: a round that fails leaves them
    /// here for the next one, which would otherwise see nothing changed.
    unsent: Mutex<HashMap<Uuid, f64>>,
}

impl Popularity {
    /// The popularity of each of `tracks` that has one.
    pub fn of(&self, tracks: impl IntoIterator<Item = Uuid>) -> HashMap<Uuid, f64> {
        let Ok(plays) = self.plays.read() else {
            return HashMap::new();
        };
        tracks
            .into_iter()
            .filter_map(|t| plays.get(&t).map(|p| (t, *p)))
            .collect()
    }

    /// Takes a new reading; returns what the index still needs: the tracks
    /// whose value changed (those that dropped out of the window go back to
    /// 0), and what earlier rounds failed to write.
    pub(super) fn replace(&self, now: HashMap<Uuid, f64>) -> Vec<(Uuid, f64)> {
        let (Ok(mut plays), Ok(mut unsent)) = (self.plays.write(), self.unsent.lock()) else {
            return Vec::new();
        };
        let mut changed: Vec<(Uuid, f64)> = now
            .iter()
            .filter(|(t, p)| plays.get(*t) != Some(*p))
            .map(|(t, p)| (*t, *p))
            .collect();
        changed.extend(
            plays
                .keys()
                .filter(|t| !now.contains_key(*t))
                .map(|t| (*t, 0.0)),
        );
        *plays = now;
        unsent.extend(changed);
        unsent.iter().map(|(t, p)| (*t, *p)).collect()
    }

    /// Forgets the changes the index now holds.
    pub(super) fn sent(&self, written: &[(Uuid, f64)]) {
        if let Ok(mut unsent) = self.unsent.lock() {
            for (track, popularity) in written {
                if unsent.get(track) == Some(popularity) {
                    unsent.remove(track);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_reports_what_changed_and_what_dropped_out() {
        let popularity = Popularity::default();
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let mut first = popularity.replace(HashMap::from([(a, 5.0), (b, 1.0)]));
        first.sort_by_key(|(t, _)| *t);
        assert_eq!(first, vec![(a, 5.0), (b, 1.0)]);
        popularity.sent(&first);
        let mut second = popularity.replace(HashMap::from([(a, 5.0), (c, 2.0)]));
        second.sort_by_key(|(t, _)| *t);
        assert_eq!(second, vec![(b, 0.0), (c, 2.0)], "a is unchanged");
        // The second round's writes failed: the third still sends them.
        let mut third = popularity.replace(HashMap::from([(a, 5.0), (c, 2.0)]));
        third.sort_by_key(|(t, _)| *t);
        assert_eq!(third, vec![(b, 0.0), (c, 2.0)]);
        popularity.sent(&third);
        assert!(popularity
            .replace(HashMap::from([(a, 5.0), (c, 2.0)]))
            .is_empty());
        assert_eq!(popularity.of([a, b]), HashMap::from([(a, 5.0)]));
    }
}
