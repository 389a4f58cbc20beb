//! EASE: B = I − P · diag(1 / diag(P)) with P = (XᵀX + λI)⁻¹, then the
//! diagonal zeroed, where X is the listener × item matrix of who played what
//! (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019). A listener's
//! scores are their history row times B.
//!
//! Cost: the Gram matrix is n × n and the inverse O(n³), so n is the
//! catalogue's played tracks capped by the features job (the most played
//! `ease_items`); 1,682 items take about a second, 3,000 a few.

use nalgebra::DMatrix;

use super::Scorer;

/// A fitted EASE model over `n` items.
#[derive(Debug, Clone)]
pub struct Ease {
    n: usize,
    /// Row-major: `weights[j * n + i]` is how much playing `j` says about `i`.
    weights: Vec<f32>,
}

impl Ease {
    /// Fits the model to `histories` (item indices below `n`); `None` if the
    /// Gram matrix is not positive definite, which λ > 0 rules out.
    pub fn fit<'a>(
        histories: impl IntoIterator<Item = &'a Vec<u32>>,
        n: usize,
        lambda: f64,
    ) -> Option<Ease> {
        let mut gram = DMatrix::<f64>::zeros(n, n);
        for history in histories {
            for &a in history {
                for &b in history {
                    gram[(a as usize, b as usize)] += 1.0;
                }
            }
        }
        for i in 0..n {
            gram[(i, i)] += lambda;
        }
        let p = gram.cholesky()?.inverse();
        let mut weights = vec![0f32; n * n];
        for j in 0..n {
            for i in 0..n {
                if i != j {
                    // P is symmetric, so B's row j is P's column j scaled.
                    weights[j * n + i] = (-p[(j, i)] / p[(i, i)]) as f32;
                }
            }
        }
        Some(Ease { n, weights })
    }

    pub fn items(&self) -> usize {
        self.n
    }

    /// What playing `item` says about every item.
    pub fn row(&self, item: u32) -> &[f32] {
        let start = item as usize * self.n;
        &self.weights[start..start + self.n]
    }

    /// Scores for a weighted history: Σ weight(j) · B[j, ·].
    pub fn weighted_scores(&self, seeds: &[(u32, f32)]) -> Vec<f32> {
        let mut out = vec![0f32; self.n];
        for &(j, w) in seeds {
            for (o, b) in out.iter_mut().zip(self.row(j)) {
                *o += w * b;
            }
        }
        out
    }
}

impl Scorer for Ease {
    fn scores(&self, history: &[u32]) -> Vec<f32> {
        let seeds: Vec<(u32, f32)> = history.iter().map(|&j| (j, 1.0)).collect();
        self.weighted_scores(&seeds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::top_k;

    #[test]
    fn items_played_together_point_at_each_other_and_the_diagonal_is_zero() {
        // 0 and 1 always together; 2 and 3 together; 4 alone.
        let histories = vec![
            vec![0, 1],
            vec![0, 1],
            vec![0, 1, 4],
            vec![2, 3],
            vec![2, 3],
        ];
        let ease = Ease::fit(&histories, 5, 1.0).expect("λ > 0 makes it invertible");
        assert_eq!(ease.row(0)[0], 0.0);
        assert!(ease.row(0)[1] > 0.3, "{:?}", ease.row(0));
        assert!(ease.row(0)[1] > ease.row(0)[2].abs() * 10.0);
        assert_eq!(top_k(&ease.scores(&[0]), &[0], 1), vec![1]);
        assert_eq!(top_k(&ease.scores(&[2]), &[2], 1), vec![3]);
    }

    #[test]
    fn an_item_nobody_played_with_others_gets_no_neighbours() {
        let ease = Ease::fit(&[vec![0], vec![1, 2]], 3, 10.0).expect("invertible");
        assert!(ease.row(0).iter().all(|w| *w == 0.0));
        assert!(top_k(&ease.scores(&[0]), &[0], 5).is_empty());
    }
}
