//! The recommender's models, free of I/O so they can be tested on planted
//! data and measured offline on exactly the code production runs.
//!
//! - [`ease`]: EASE (Steck 2019), a closed-form item-item linear model: the
//!   weights that best rebuild each listener's history from the rest of it,
//!   with a ridge penalty λ. Strong on its own, and cheap for a catalogue of
//!   a few thousand played tracks.
//! - [`knn`]: item-item cosine neighbours, the classic baseline.
//! - [`blend`]: what Encore serves. EASE over recency-weighted seeds plus the
//!   co-listening neighbours of the last few tracks, then reasons chosen so
//!   that no single one explains more than 30 % of a list.
//!
//! A listener's history is the model's item indices they played, each once,
//! most recent first.

pub mod blend;
pub mod ease;
pub mod knn;

/// An item-item model that scores every item for a listener's history.
pub trait Scorer {
    /// One score per item index; higher is better.
    fn scores(&self, history: &[u32]) -> Vec<f32>;
}

/// The `k` best items of `scores` that are not in `history`, best first;
/// ties go to the lower index, so results are reproducible. Items scoring
/// zero or less are left out: nothing points at them.
pub fn top_k(scores: &[f32], history: &[u32], k: usize) -> Vec<u32> {
    let heard: std::collections::HashSet<u32> = history.iter().copied().collect();
    let mut ranked: Vec<u32> = (0..scores.len() as u32)
        .filter(|i| !heard.contains(i) && scores[*i as usize] > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        scores[*b as usize]
            .total_cmp(&scores[*a as usize])
            .then(a.cmp(b))
    });
    ranked.truncate(k);
    ranked
}

/// The share of `reasons` that the most frequent one accounts for; 0 for none.
pub fn top_share<T: Eq + std::hash::Hash>(reasons: impl IntoIterator<Item = T>) -> f64 {
    let mut counts: std::collections::HashMap<T, usize> = std::collections::HashMap::new();
    let mut total = 0;
    for reason in reasons {
        *counts.entry(reason).or_default() += 1;
        total += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    most as f64 / total.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_skips_the_history_and_non_positive_scores() {
        let scores = [0.5, 0.9, 0.0, 0.7, 0.7, -1.0];
        assert_eq!(top_k(&scores, &[1], 3), vec![3, 4, 0]);
        assert_eq!(top_k(&scores, &[], 10), vec![1, 3, 4, 0]);
    }

    #[test]
    fn top_share_is_the_most_frequent_reasons_part() {
        assert_eq!(top_share(["a", "b", "a", "c"]), 0.5);
        assert_eq!(top_share(Vec::<&str>::new()), 0.0);
    }
}
