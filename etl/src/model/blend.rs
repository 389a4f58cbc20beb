//! What Encore recommends, and why.
//!
//! **Scores.** EASE over the listener's history weighted by recency (the
//! k-th most recent track weighs `recency^k`), plus the co-listening
//! neighbours (`track_similar`, from sessions) of the last few tracks
//! (`sequence_recency^k`, which fades faster) times `sequence_weight`. Recency
//! matters because taste drifts and the next play follows the last ones; the
//! co-listening term adds the order within sessions that EASE, built from
//! sets, cannot see.
//!
//! **Reasons.** Each pick is explained by what really pushed it up: the seed
//! track that contributed most ("because you played X"), or, when that seed
//! already explains its share, the next seed, an artist the listener plays
//! ("because you like Y": two or more of their tracks), or a genre they play
//! ("popular in Z among listeners like you"). No reason explains more than
//! `per_reason` of each ten picks (30 %), and no artist appears more than
//! `per_artist` times. A candidate with no true reason left is skipped.

use std::collections::HashMap;

use super::ease::Ease;
use super::top_k;

/// The blend's knobs. The defaults were chosen on a validation split carved
/// from MovieLens-100K's training data (each listener's last training play),
/// never on the test split; `docs/analytics.md` has the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendSettings {
    /// EASE weight of the k-th most recent track: `recency^k`.
    pub recency: f32,
    /// Co-listening weight of the k-th most recent track: `sequence_recency^k`.
    pub sequence_recency: f32,
    /// How much the co-listening term counts beside EASE.
    pub sequence_weight: f32,
    /// How many of the most recent tracks seed a listener's scores; older
    /// ones would weigh less than `recency^seeds`.
    pub seeds: usize,
    /// The most picks of each ten one reason may explain.
    pub per_reason: usize,
    /// The most picks of one artist in a list.
    pub per_artist: usize,
}

impl Default for BlendSettings {
    fn default() -> Self {
        BlendSettings {
            recency: 0.9,
            sequence_recency: 0.45,
            sequence_weight: 2.0,
            seeds: 50,
            per_reason: 3,
            per_artist: 2,
        }
    }
}

/// The least share of a pick's strongest push that still makes a seed one
/// of its reasons.
const MEANINGFUL: f32 = 0.25;

/// What the reasons need to know of an item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemFacts {
    pub artist: Option<u32>,
    pub genre: Option<u32>,
}

/// Why an item is recommended; the ids are the model's indices of items,
/// artists and genres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Why {
    Played(u32),
    Artist(u32),
    Genre(u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    pub item: u32,
    pub score: f32,
    pub why: Why,
}

/// The fitted parts, borrowed: the features job and the evaluation build
/// them once and score every listener against them.
#[derive(Debug, Clone, Copy)]
pub struct Blend<'a> {
    pub ease: &'a Ease,
    /// Per item, its co-listening neighbours and their similarity.
    pub neighbours: &'a [Vec<(u32, f32)>],
    pub facts: &'a [ItemFacts],
    pub settings: BlendSettings,
}

struct Seed {
    item: u32,
    weight: f32,
    sequence_weight: f32,
}

impl Blend<'_> {
    fn seeds(&self, history: &[u32]) -> Vec<Seed> {
        let s = &self.settings;
        history
            .iter()
            .take(s.seeds)
            .zip(0i32..)
            .map(|(&item, k)| Seed {
                item,
                weight: s.recency.powi(k),
                sequence_weight: s.sequence_weight * s.sequence_recency.powi(k),
            })
            .collect()
    }

    fn neighbour(&self, seed: u32, item: u32) -> f32 {
        self.neighbours
            .get(seed as usize)
            .and_then(|n| n.iter().find(|(i, _)| *i == item))
            .map_or(0.0, |(_, s)| *s)
    }

    /// How much `seed` pushed `item` up.
    fn contribution(&self, seed: &Seed, item: u32) -> f32 {
        seed.weight * self.ease.row(seed.item)[item as usize]
            + seed.sequence_weight * self.neighbour(seed.item, item)
    }

    /// Every item's score for a history (most recent first).
    pub fn scores(&self, history: &[u32]) -> Vec<f32> {
        let seeds = self.seeds(history);
        let weighted: Vec<(u32, f32)> = seeds.iter().map(|s| (s.item, s.weight)).collect();
        let mut out = self.ease.weighted_scores(&weighted);
        for seed in seeds.iter().filter(|s| s.sequence_weight > 1e-4) {
            for &(item, similarity) in self
                .neighbours
                .get(seed.item as usize)
                .into_iter()
                .flatten()
            {
                if let Some(o) = out.get_mut(item as usize) {
                    *o += seed.sequence_weight * similarity;
                }
            }
        }
        out
    }

    /// Up to `limit` picks for a history (most recent first), each with its reason.
    pub fn recommend(&self, history: &[u32], limit: usize) -> Vec<Pick> {
        let s = &self.settings;
        let scores = self.scores(history);
        let seeds = self.seeds(history);
        let mut by_artist: HashMap<u32, usize> = HashMap::new();
        let mut by_genre: HashMap<u32, usize> = HashMap::new();
        for item in history {
            let facts = self.facts.get(*item as usize).copied().unwrap_or_default();
            if let Some(a) = facts.artist {
                *by_artist.entry(a).or_default() += 1;
            }
            if let Some(g) = facts.genre {
                *by_genre.entry(g).or_default() += 1;
            }
        }
        let mut used: HashMap<Why, usize> = HashMap::new();
        let mut artists: HashMap<u32, usize> = HashMap::new();
        let mut out = Vec::with_capacity(limit);
        for item in top_k(&scores, history, limit * 5) {
            if out.len() == limit {
                break;
            }
            let facts = self.facts.get(item as usize).copied().unwrap_or_default();
            if facts
                .artist
                .is_some_and(|a| artists.get(&a).copied().unwrap_or(0) >= s.per_artist)
            {
                continue;
            }
            let mut pushers: Vec<(u32, f32)> = seeds
                .iter()
                .map(|seed| (seed.item, self.contribution(seed, item)))
                .filter(|(_, c)| *c > 0.0)
                .collect();
            pushers.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            // A seed that only nudged the pick (through a chain of others)
            // is not a reason a listener would recognise.
            let strongest = pushers.first().map_or(0.0, |p| p.1);
            pushers.retain(|(_, c)| *c >= strongest * MEANINGFUL);
            let liked_artist = facts
                .artist
                .filter(|a| by_artist.get(a).copied().unwrap_or(0) >= 2);
            let liked_genre = facts
                .genre
                .filter(|g| by_genre.get(g).copied().unwrap_or(0) >= 2);
            let options = pushers
                .iter()
                .take(3)
                .map(|(seed, _)| Why::Played(*seed))
                .chain(liked_artist.map(Why::Artist))
                .chain(liked_genre.map(Why::Genre));
            let cap = s.per_reason * (1 + out.len() / 10);
            let Some(why) = options
                .into_iter()
                .find(|why| used.get(why).copied().unwrap_or(0) < cap)
            else {
                continue;
            };
            *used.entry(why).or_default() += 1;
            if let Some(a) = facts.artist {
                *artists.entry(a).or_default() += 1;
            }
            out.push(Pick {
                item,
                score: scores[item as usize],
                why,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One seed (item 0) co-occurs with ten others; a listener who played
    /// only it and two tracks of artist 7 must not get ten "because you
    /// played 0".
    #[test]
    fn one_seed_explains_at_most_three_of_ten() {
        let n = 16;
        let mut histories: Vec<Vec<u32>> = Vec::new();
        for other in 1..=10u32 {
            for _ in 0..3 {
                histories.push(vec![0, other]);
            }
        }
        histories.push(vec![11, 12, 13]);
        histories.push(vec![11, 12, 13, 1]);
        let ease = Ease::fit(&histories, n, 1.0).expect("invertible");
        let neighbours = vec![Vec::new(); n];
        let mut facts = vec![ItemFacts::default(); n];
        for (i, f) in facts.iter_mut().enumerate() {
            f.genre = Some(if i < 6 { 100 } else { 200 });
        }
        facts[11].artist = Some(7);
        facts[12].artist = Some(7);
        facts[1].artist = Some(7);
        let blend = Blend {
            ease: &ease,
            neighbours: &neighbours,
            facts: &facts,
            settings: BlendSettings::default(),
        };
        let picks = blend.recommend(&[0, 11, 12, 2, 3], 10);
        assert!(!picks.is_empty());
        let from_seed_0 = picks.iter().filter(|p| p.why == Why::Played(0)).count();
        assert!(from_seed_0 <= 3, "{picks:?}");
        let mut per_reason: HashMap<Why, usize> = HashMap::new();
        for pick in &picks {
            *per_reason.entry(pick.why).or_default() += 1;
        }
        assert!(per_reason.values().all(|n| *n <= 3), "{picks:?}");
        // Every reason is true: a played seed is in the history, a liked
        // artist has two of its tracks there.
        for pick in &picks {
            match pick.why {
                Why::Played(seed) => assert!([0, 11, 12, 2, 3].contains(&seed), "{pick:?}"),
                Why::Artist(a) => assert_eq!(a, 7),
                Why::Genre(g) => assert!(g == 100 || g == 200),
            }
            assert!(
                ![0, 11, 12, 2, 3].contains(&pick.item),
                "heard tracks are not picked"
            );
        }
        let artist_7 = picks
            .iter()
            .filter(|p| facts[p.item as usize].artist == Some(7))
            .count();
        assert!(artist_7 <= 2);
    }

    #[test]
    fn recent_seeds_outweigh_old_ones() {
        // 0 goes with 1, 2 goes with 3; the listener played 2 long ago, 0 last.
        let histories = vec![vec![0, 1], vec![0, 1], vec![2, 3], vec![2, 3]];
        let ease = Ease::fit(&histories, 4, 1.0).expect("invertible");
        let neighbours = vec![Vec::new(); 4];
        let facts = vec![ItemFacts::default(); 4];
        let blend = Blend {
            ease: &ease,
            neighbours: &neighbours,
            facts: &facts,
            settings: BlendSettings::default(),
        };
        let picks = blend.recommend(&[0, 2], 2);
        assert_eq!(picks[0].item, 1);
        assert_eq!(picks[0].why, Why::Played(0));
        assert_eq!(picks[1].item, 3);
    }

    #[test]
    fn co_listening_neighbours_of_the_last_track_lift_it() {
        let histories = vec![vec![0, 1], vec![0, 2]];
        let ease = Ease::fit(&histories, 3, 1.0).expect("invertible");
        let mut neighbours = vec![Vec::new(); 3];
        neighbours[0] = vec![(2, 0.9)];
        let facts = vec![ItemFacts::default(); 3];
        let blend = Blend {
            ease: &ease,
            neighbours: &neighbours,
            facts: &facts,
            settings: BlendSettings::default(),
        };
        assert_eq!(blend.recommend(&[0], 1)[0].item, 2);
    }
}
