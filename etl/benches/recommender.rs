//! What the features job's recommender costs: EASE's fit and scoring every
//! listener with the blend, on synthetic listeners at MovieLens-100K's size
//! and at the `ease_items` cap (3,000 modelled tracks, the demo catalogue's
//! size). Each row prints the measured peak memory beside the on-paper
//! figure `docs/analytics.md` reasons with (20 bytes per n²: the f64 Gram
//! matrix, its f64 inverse and the f32 weights), and the scoring rate is
//! projected to a million listeners.
//!
//! `cargo bench -p encore-etl --bench recommender`

use std::time::Instant;

use encore_etl::model::blend::{Blend, BlendSettings, ItemFacts};
use encore_etl::model::ease::Ease;

/// A small deterministic generator: the figures should not move between runs
/// because the data did.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// An item with popularity falling like 1/rank (Zipf-like), as plays do.
    fn item(&mut self, n: usize) -> u32 {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize - 1).min(n - 1) as u32
    }
}

fn histories(items: usize, listeners: usize, length: usize, rng: &mut XorShift) -> Vec<Vec<u32>> {
    (0..listeners)
        .map(|_| {
            let mut seen = std::collections::HashSet::new();
            let mut history = Vec::with_capacity(length);
            while history.len() < length {
                let item = rng.item(items);
                if seen.insert(item) {
                    history.push(item);
                }
            }
            history
        })
        .collect()
}

/// Resets the kernel's peak-RSS mark (Linux ≥ 4.0), so each row measures its own peak.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MB.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    println!("| modelled tracks | listeners | tracks each | EASE fit | score + reasons per listener | 1M listeners at that rate (1 core) | peak RSS | on paper (20·n² B) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (items, listeners, length) in [(1_682, 943, 100), (3_000, 20_000, 60)] {
        let histories = histories(items, listeners, length, &mut rng);
        let facts: Vec<ItemFacts> = (0..items as u32)
            .map(|i| ItemFacts {
                artist: Some(i / 12),
                genre: Some(i % 25),
            })
            .collect();
        let neighbours: Vec<Vec<(u32, f32)>> = (0..items as u32)
            .map(|i| (1..=20).map(|d| ((i + d) % items as u32, 0.5)).collect())
            .collect();
        reset_peak();
        let started = Instant::now();
        let Some(ease) = Ease::fit(&histories, items, 200.0) else {
            eprintln!("EASE did not fit at {items} items");
            std::process::exit(1);
        };
        let fit = started.elapsed();
        let blend = Blend {
            ease: &ease,
            neighbours: &neighbours,
            facts: &facts,
            settings: BlendSettings::default(),
        };
        let started = Instant::now();
        let picks: usize = histories.iter().map(|h| blend.recommend(h, 20).len()).sum();
        let per_listener = started.elapsed().as_secs_f64() / listeners as f64;
        let peak = peak_mb().map_or("n/a".to_string(), |mb| format!("{mb:.0} MB"));
        let paper = 20.0 * (items * items) as f64 / 1e6;
        println!(
            "| {items} | {listeners} | {length} | {:.2} s | {:.0} µs | {:.1} min | {peak} | {paper:.0} MB |",
            fit.as_secs_f64(),
            per_listener * 1e6,
            per_listener * 1e6 / 60.0,
        );
        assert!(picks > 0, "the blend recommended nothing");
    }
}
