//! Item-item cosine neighbours over who played what: the similarity of two
//! items is the number of listeners who played both over the geometric mean
//! of their listener counts. The offline evaluation's classic baseline.

use super::Scorer;

#[derive(Debug, Clone)]
pub struct ItemKnn {
    n: usize,
    /// Row-major cosine similarities, zero on the diagonal.
    similarity: Vec<f32>,
}

impl ItemKnn {
    pub fn fit<'a>(histories: impl IntoIterator<Item = &'a Vec<u32>>, n: usize) -> ItemKnn {
        let mut both = vec![0f32; n * n];
        let mut count = vec![0f32; n];
        for history in histories {
            for &a in history {
                count[a as usize] += 1.0;
                for &b in history {
                    if a != b {
                        both[a as usize * n + b as usize] += 1.0;
                    }
                }
            }
        }
        for a in 0..n {
            for b in 0..n {
                let norm = (count[a] * count[b]).sqrt();
                if norm > 0.0 {
                    both[a * n + b] /= norm;
                }
            }
        }
        ItemKnn {
            n,
            similarity: both,
        }
    }
}

impl Scorer for ItemKnn {
    fn scores(&self, history: &[u32]) -> Vec<f32> {
        let mut out = vec![0f32; self.n];
        for &j in history {
            let row = &self.similarity[j as usize * self.n..(j as usize + 1) * self.n];
            for (o, s) in out.iter_mut().zip(row) {
                *o += s;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::top_k;

    #[test]
    fn cosine_prefers_the_item_always_played_alongside() {
        let knn = ItemKnn::fit(
            &[vec![0, 1], vec![0, 1], vec![0, 2], vec![2, 3], vec![2, 3]],
            4,
        );
        assert_eq!(top_k(&knn.scores(&[0]), &[0], 1), vec![1]);
        let s = knn.scores(&[0]);
        assert!((s[1] - 2.0 / (3.0f32 * 2.0).sqrt()).abs() < 1e-6);
    }
}
