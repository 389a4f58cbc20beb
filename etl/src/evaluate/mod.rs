//! Offline evaluation of the recommender on real listening data:
//! MovieLens-100K (the ratings that PyPI `recbole` ships as
//! `dataset_example/ml-100k`), read as implicit feedback: a rating is a play
//! of that item at that time.
//!
//! Each user with at least five ratings keeps their last one (by time) as
//! the held-out item; the rest is the training stream. The training stream
//! goes through the production path: rows into `plays` in a scratch
//! database (its materialized views fill the aggregates), the same feature
//! SQL ([`features::compute`], which first brings the sessions up to date)
//! and the same read
//! path with its fallback ([`features::recommend`]). Encore's top 10 is
//! compared, on the same split and with the same exclusions, with the
//! anchors in [`baselines`]: most popular, ItemKNN and EASE (λ chosen on a
//! validation split). Each is reported by hit rate and NDCG at 10, catalogue
//! coverage (the share of items in anyone's top 10) and, for Encore, the
//! share of each listener's top 10 its most frequent reason explains.

pub mod baselines;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use encore_schemas::{
    Client as App, ContextKind, Device, PlaybackContext, PlaybackEvent, PlaybackKind,
};
use uuid::Uuid;

use self::baselines::Dataset;
use crate::dims::{insert_all, TrackRow};
use crate::features::{self, FeatureSettings};
use crate::model::top_share;
use crate::plays::PlayRow;
use crate::warehouse;

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {problem}")]
    Parse {
        path: String,
        line: usize,
        problem: String,
    },
    #[error("warehouse: {0}")]
    Warehouse(#[from] warehouse::WarehouseError),
    #[error("clickhouse: {0}")]
    ClickHouse(#[from] clickhouse::error::Error),
}

/// One rating, read as a play.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interaction {
    pub user: u32,
    pub item: u32,
    pub at: i64,
}

/// How one recommender did over the held-out listeners.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metrics {
    pub hit_rate: f64,
    pub ndcg: f64,
    /// The share of the catalogue in at least one listener's top 10.
    pub coverage: f64,
    /// Mean and worst share of a listener's top 10 explained by its most
    /// frequent reason; `None` for recommenders that give no reasons.
    pub reason_share: Option<(f64, f64)>,
    listeners: usize,
    shown: HashSet<u32>,
    shares: Vec<f64>,
}

impl Metrics {
    /// Adds one listener's ranked list (item indices) and held-out item.
    pub fn add(&mut self, ranked: &[u32], held_out: Option<u32>, reason_share: Option<f64>) {
        self.listeners += 1;
        self.shown.extend(ranked.iter().take(K));
        if let Some(rank) = held_out.and_then(|h| ranked.iter().take(K).position(|i| *i == h)) {
            self.hit_rate += 1.0;
            self.ndcg += 1.0 / ((rank + 2) as f64).log2();
        }
        self.shares.extend(reason_share);
    }

    /// Averages over the listeners; `items` is the catalogue's size.
    pub fn finish(mut self, items: usize) -> Metrics {
        let n = self.listeners.max(1) as f64;
        self.hit_rate /= n;
        self.ndcg /= n;
        self.coverage = self.shown.len() as f64 / items.max(1) as f64;
        if !self.shares.is_empty() {
            let mean = self.shares.iter().sum::<f64>() / self.shares.len() as f64;
            let worst = self.shares.iter().copied().fold(0.0, f64::max);
            self.reason_share = Some((mean, worst));
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub users: usize,
    pub train_plays: usize,
    pub items: usize,
    pub encore: Metrics,
    pub popular: Metrics,
    pub item_knn: Metrics,
    pub ease: Metrics,
    /// EASE's λ and the validation NDCG@10 that chose it.
    pub ease_lambda: (f64, f64),
}

const K: usize = 10;
const NAMESPACE: Uuid = Uuid::from_u128(0x6d6c_3130_306b_4000_8000_0000_0000_0000);

fn user_id(user: u32) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("user-{user}").as_bytes())
}

fn item_id(item: u32) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("item-{item}").as_bytes())
}

fn read(path: &Path) -> Result<String, EvaluateError> {
    std::fs::read_to_string(path).map_err(|source| EvaluateError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Reads `ml-100k.inter` (user, item, rating, timestamp; tab-separated, one header line).
pub fn interactions(dir: &Path) -> Result<Vec<Interaction>, EvaluateError> {
    let path = dir.join("ml-100k.inter");
    let text = read(&path)?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let bad = |problem: &str| EvaluateError::Parse {
            path: path.display().to_string(),
            line: n + 1,
            problem: problem.into(),
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 4 {
            return Err(bad("expected user, item, rating and timestamp"));
        }
        let user = fields[0].parse().map_err(|_| bad("user is not a number"))?;
        let item = fields[1].parse().map_err(|_| bad("item is not a number"))?;
        let at = fields[3]
            .parse::<f64>()
            .map_err(|_| bad("timestamp is not a number"))? as i64;
        out.push(Interaction { user, item, at });
    }
    Ok(out)
}

/// Reads `ml-100k.item`: each item's title and first genre.
pub fn items(dir: &Path) -> Result<HashMap<u32, (String, String)>, EvaluateError> {
    let path = dir.join("ml-100k.item");
    let text = read(&path)?;
    let mut out = HashMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let Some(item) = fields.first().and_then(|f| f.parse().ok()) else {
            continue;
        };
        let title = fields.get(1).copied().unwrap_or_default().to_string();
        let genre = fields
            .get(3)
            .and_then(|g| g.split_whitespace().next())
            .unwrap_or_default()
            .to_string();
        out.insert(item, (title, genre));
    }
    Ok(out)
}

/// Holds out each user's last interaction (users with at least five).
pub fn split(all: &[Interaction]) -> (Vec<Interaction>, HashMap<u32, u32>) {
    let mut by_user: BTreeMap<u32, Vec<Interaction>> = BTreeMap::new();
    for i in all {
        by_user.entry(i.user).or_default().push(*i);
    }
    let mut train = Vec::with_capacity(all.len());
    let mut held_out = HashMap::new();
    for (user, mut list) in by_user {
        list.sort_by_key(|i| (i.at, i.item));
        if list.len() >= 5 {
            if let Some(last) = list.pop() {
                held_out.insert(user, last.item);
            }
        }
        train.extend(list);
    }
    (train, held_out)
}

fn events(interaction: &Interaction, n: usize) -> [PlaybackEvent; 2] {
    let at = interaction.at * 1_000;
    let event = |kind, position_ms, at, tag: &str| PlaybackEvent {
        event_id: Uuid::new_v5(&NAMESPACE, format!("{tag}-{n}").as_bytes()),
        user_id: user_id(interaction.user),
        track_id: item_id(interaction.item),
        session_id: user_id(interaction.user),
        kind,
        position_ms,
        track_duration_ms: 200_000,
        occurred_at: at,
        received_at: at,
        client: App {
            app: "ml-100k".into(),
            version: None,
        },
        device: Device {
            id: None,
            platform: "other".into(),
        },
        context: PlaybackContext {
            kind: ContextKind::Other,
            id: None,
        },
    };
    [
        event(PlaybackKind::Start, 0, at, "start"),
        event(PlaybackKind::Complete, 200_000, at + 1_000, "complete"),
    ]
}

/// Loads the training stream through the production path into `database`
/// (dropped and recreated), computes the features and scores both recommenders.
pub async fn run(url: &str, database: &str, dir: &Path) -> Result<Report, EvaluateError> {
    let all = interactions(dir)?;
    let catalog = items(dir)?;
    let (train, held_out) = split(&all);
    eprintln!(
        "{} interactions, {} users held out; loading the training stream into {database} ...",
        all.len(),
        held_out.len()
    );
    warehouse::server(url)
        .with_validation(false)
        .query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute()
        .await?;
    warehouse::migrate(url, database).await?;
    let db = warehouse::client(url, database);

    let dims: Vec<TrackRow> = catalog
        .iter()
        .map(|(item, (title, genre))| TrackRow {
            id: item_id(*item),
            // Films have no artist: each is its own, so diversity never binds.
            artist_id: item_id(*item),
            album_id: Uuid::nil(),
            title: title.clone(),
            duration_ms: 200_000,
            genre: genre.clone(),
            release_year: 0,
            version: 1,
            deleted: 0,
            updated_at: 0,
        })
        .collect();
    insert_all(&db, "dim_tracks", &dims).await?;

    let mut by_user: BTreeMap<u32, Vec<(usize, Interaction)>> = BTreeMap::new();
    for (n, i) in train.iter().enumerate() {
        by_user.entry(i.user).or_default().push((n, *i));
    }
    let users: Vec<u32> = by_user.keys().copied().collect();
    for (done, chunk) in users.chunks(50).enumerate() {
        let mut rows = Vec::new();
        for user in chunk {
            for (n, interaction) in &by_user[user] {
                for event in events(interaction, *n) {
                    rows.push(
                        PlayRow::from_event(&event, 0, rows.len() as i64).map_err(|e| {
                            EvaluateError::Parse {
                                path: "ml-100k.inter".into(),
                                line: n + 2,
                                problem: e.to_string(),
                            }
                        })?,
                    );
                }
            }
        }
        insert_all(&db, "plays", &rows).await?;
        eprintln!(
            "  {} of {} users loaded",
            ((done + 1) * 50).min(users.len()),
            users.len()
        );
    }

    let settings = FeatureSettings::default();
    let generation = features::compute(&db, &settings).await?;
    eprintln!(
        "features: {} similar pairs, {} recommendations, {} popular; scoring ...",
        generation.similar, generation.recommended, generation.popular
    );

    let data = Dataset::new(catalog.keys().copied(), &train);
    let by_id: HashMap<Uuid, u32> = data
        .items
        .iter()
        .filter_map(|item| Some((item_id(*item), data.index_of(*item)?)))
        .collect();
    let mut encore = Metrics::default();
    let mut listeners: Vec<(&u32, &u32)> = held_out.iter().collect();
    listeners.sort_unstable();
    for (user, held) in listeners {
        let found = features::recommend(&db, user_id(*user), K).await?;
        let ranked: Vec<u32> = found
            .iter()
            .filter_map(|r| by_id.get(&r.track_id).copied())
            .collect();
        encore.add(
            &ranked,
            data.index_of(*held),
            Some(top_share(found.iter().take(K).map(|r| &r.reason))),
        );
    }
    let encore = encore.finish(data.items.len());
    eprintln!("baselines: most popular, ItemKNN, EASE (λ on a validation split) ...");
    let popular = baselines::popular(&data, &held_out);
    let item_knn = baselines::item_knn(&data, &held_out);
    let (ease, lambda, validation_ndcg) = baselines::ease(&data, &held_out);
    Ok(Report {
        users: held_out.len(),
        train_plays: train.len(),
        items: catalog.len(),
        encore,
        popular,
        item_knn,
        ease,
        ease_lambda: (lambda, validation_ndcg),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_out_the_last_interaction_of_users_with_five() {
        let mut all = Vec::new();
        for n in 0..5 {
            all.push(Interaction {
                user: 1,
                item: 10 + n,
                at: 100 - i64::from(n),
            });
        }
        all.push(Interaction {
            user: 2,
            item: 1,
            at: 5,
        });
        let (train, held) = split(&all);
        assert_eq!(held.get(&1), Some(&10), "the latest by time");
        assert_eq!(held.get(&2), None, "too few to hold one out");
        assert_eq!(train.len(), 5);
    }

    #[test]
    fn hits_gains_and_coverage_depend_on_rank() {
        let ranked: Vec<u32> = (0..12).collect();
        let mut metrics = Metrics::default();
        metrics.add(&ranked, Some(0), Some(0.3));
        metrics.add(&ranked, Some(2), Some(0.5));
        metrics.add(&ranked, Some(11), None);
        let m = metrics.finish(20);
        assert!(
            (m.hit_rate - 2.0 / 3.0).abs() < 1e-9,
            "beyond the top 10 is a miss"
        );
        assert!((m.ndcg - (1.0 + 0.5) / 3.0).abs() < 1e-9);
        assert!((m.coverage - 0.5).abs() < 1e-9, "10 of 20 items shown");
        assert_eq!(m.reason_share, Some((0.4, 0.5)));
    }
}
