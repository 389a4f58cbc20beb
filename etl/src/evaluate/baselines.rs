//! The anchors Encore is measured against, computed in memory on the same
//! split with the same rule (a listener's training items are never
//! recommended): most popular, ItemKNN (cosine) and EASE, whose λ is chosen
//! on a validation split carved from the training data (each listener's
//! last training item), never on the test split.

use std::collections::{HashMap, HashSet};

use super::{Interaction, Metrics, K};
use crate::model::ease::Ease;
use crate::model::knn::ItemKnn;
use crate::model::{top_k, Scorer};

/// The λ values EASE's validation tries.
pub const LAMBDAS: [f64; 6] = [25.0, 50.0, 100.0, 200.0, 400.0, 800.0];

/// Items as dense indices, and each listener's history over them, most
/// recent first.
#[derive(Debug)]
pub struct Dataset {
    pub items: Vec<u32>,
    index: HashMap<u32, u32>,
    pub histories: HashMap<u32, Vec<u32>>,
}

impl Dataset {
    pub fn new(items: impl IntoIterator<Item = u32>, train: &[Interaction]) -> Dataset {
        let mut items: Vec<u32> = items.into_iter().collect();
        items.sort_unstable();
        items.dedup();
        let index: HashMap<u32, u32> = items.iter().zip(0u32..).map(|(i, n)| (*i, n)).collect();
        let mut by_user: HashMap<u32, Vec<Interaction>> = HashMap::new();
        for i in train {
            by_user.entry(i.user).or_default().push(*i);
        }
        let histories = by_user
            .into_iter()
            .map(|(user, mut list)| {
                list.sort_by_key(|i| std::cmp::Reverse((i.at, i.item)));
                let mut seen = HashSet::new();
                let history = list
                    .iter()
                    .filter_map(|i| index.get(&i.item).copied())
                    .filter(|i| seen.insert(*i))
                    .collect();
                (user, history)
            })
            .collect();
        Dataset {
            items,
            index,
            histories,
        }
    }

    pub fn index_of(&self, item: u32) -> Option<u32> {
        self.index.get(&item).copied()
    }

    /// Every history, in user order, so a fit does not depend on hashing.
    fn all_histories(&self) -> Vec<&Vec<u32>> {
        let mut users: Vec<&u32> = self.histories.keys().collect();
        users.sort_unstable();
        users.iter().map(|u| &self.histories[*u]).collect()
    }

    /// Scores `recommend`'s top 10 against each held-out item.
    pub fn measure(
        &self,
        held_out: &HashMap<u32, u32>,
        mut recommend: impl FnMut(&[u32]) -> Vec<u32>,
    ) -> Metrics {
        let mut metrics = Metrics::default();
        let mut users: Vec<(&u32, &u32)> = held_out.iter().collect();
        users.sort_unstable();
        for (user, item) in users {
            let history = self.histories.get(user).map(Vec::as_slice).unwrap_or(&[]);
            let ranked = recommend(history);
            metrics.add(&ranked, self.index_of(*item), None);
        }
        metrics.finish(self.items.len())
    }
}

/// Most popular: the items most listeners played.
pub fn popular(data: &Dataset, held_out: &HashMap<u32, u32>) -> Metrics {
    let mut counts = vec![0f32; data.items.len()];
    for history in data.histories.values() {
        for i in history {
            counts[*i as usize] += 1.0;
        }
    }
    data.measure(held_out, |history| top_k(&counts, history, K))
}

pub fn item_knn(data: &Dataset, held_out: &HashMap<u32, u32>) -> Metrics {
    let knn = ItemKnn::fit(data.all_histories(), data.items.len());
    data.measure(held_out, |history| top_k(&knn.scores(history), history, K))
}

/// EASE with λ chosen on the validation split; returns the test metrics and
/// the λ with its validation NDCG@10.
pub fn ease(data: &Dataset, held_out: &HashMap<u32, u32>) -> (Metrics, f64, f64) {
    let (train, validation) = carve_validation(data);
    let mut best = (f64::NEG_INFINITY, LAMBDAS[0]);
    for lambda in LAMBDAS {
        let Some(model) = Ease::fit(train.all_histories(), train.items.len(), lambda) else {
            continue;
        };
        let scored = train.measure(&validation, |h| top_k(&model.scores(h), h, K));
        eprintln!(
            "  EASE λ={lambda}: validation HR@10 {:.4}, NDCG@10 {:.4}",
            scored.hit_rate, scored.ndcg
        );
        if scored.ndcg > best.0 {
            best = (scored.ndcg, lambda);
        }
    }
    let lambda = best.1;
    let metrics = match Ease::fit(data.all_histories(), data.items.len(), lambda) {
        Some(model) => data.measure(held_out, |h| top_k(&model.scores(h), h, K)),
        None => Metrics::default(),
    };
    (metrics, lambda, best.0)
}

/// The training data minus each listener's most recent item (for listeners
/// with at least five), and those items as the validation targets.
fn carve_validation(data: &Dataset) -> (Dataset, HashMap<u32, u32>) {
    let mut validation = HashMap::new();
    let mut histories = HashMap::new();
    for (user, history) in &data.histories {
        let mut history = history.clone();
        if history.len() >= 5 {
            let last = history.remove(0);
            validation.insert(*user, data.items[last as usize]);
        }
        histories.insert(*user, history);
    }
    let train = Dataset {
        items: data.items.clone(),
        index: data.index.clone(),
        histories,
    };
    (train, validation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_are_most_recent_first_and_validation_takes_the_newest() {
        let at = |user, item, at| Interaction { user, item, at };
        let train: Vec<Interaction> = (0..6).map(|n| at(1, 10 + n, i64::from(n))).collect();
        let data = Dataset::new(10..16, &train);
        assert_eq!(data.histories[&1], vec![5, 4, 3, 2, 1, 0]);
        let (carved, validation) = carve_validation(&data);
        assert_eq!(validation[&1], 15);
        assert_eq!(carved.histories[&1], vec![4, 3, 2, 1, 0]);
    }
}
