//! Search and autocomplete latency under concurrent clients, beside the
//! engine's own `_search` for the very same requests.
//!
//! The `query` section of the load bench:
//!
//! 1. the Chinook catalogue, copied `BENCH_COPIES` times (default 5, about
//!    20,000 documents), indexed through the indexer;
//! 2. `BENCH_QUERY_CLIENTS` clients (default 50) for `BENCH_QUERY_SECONDS`
//!    (default 15) each cycle through a fixed list of queries a listener
//!    types (typos, artist and title together, words joined, Cyrillic and
//!    transliterated), twice: each client at one request per
//!    `BENCH_QUERY_PACE_MS` (default 1,000: people searching), and in a
//!    closed loop (the next request as soon as the last is answered: what
//!    the engine can take):
//!    - reference: the gateway's own requests (each step of the typo ladder
//!      until one finds something, then "did you mean" when that is almost
//!      nothing), sent straight to the engine's `_search`;
//!    - `GET /v1/search` through the gateway;
//! 3. the same for autocomplete (`suggest_body` vs `GET /v1/search/suggest`)
//!    on the first letters of each query.
//!
//! Each row gives requests/s, p50 and p99 as the client saw them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_gateway::search::{
    did_you_mean_body, kind_boost, search_body, suggest_body, visibility, Suggest, Typos,
};
use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::encode;
use encore_tests::{chinook, wait_for_live_count, TestRun};
use serde_json::Value;

use crate::search::copied_catalogue;
use crate::{env_usize, ms, percentile_ms, thousands, Row};

const SEARCH_TARGET_MS: f64 = 50.0;
const SUGGEST_TARGET_MS: f64 = 30.0;

/// What listeners type, one of each kind the relevance table covers.
pub(crate) const QUERIES: &[&str] = &[
    "metalica",
    "motorhead",
    "led zepelin",
    "iron maid",
    "smells like teen spirt",
    "stairway to heven",
    "bohemian rapsody",
    "enter sandm",
    "garota de ipanema",
    "jimi hendrix foxy lady",
    "santana smoth",
    "eric clapton cocaine",
    "amy winehouse rehab",
    "guns n roses paradise city",
    "queen under pressure",
    "acdc",
    "ac dc",
    "ledzeppelin",
    "motor head",
    "pinkfloyd",
    "металлика",
    "нирвана",
    "лед зеппелин",
    "оззи осборн",
    "black sabbath",
    "deep purple smoke",
    "nirvana come as you are",
    "u2 one",
    "the doors light my fire",
    "red hot chili peppers",
];

/// One client request (for the reference: every engine request the gateway
/// would send for it), the `n`th of a client's loop.
pub(crate) type Request =
    Arc<dyn Fn(usize) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Sends `request` and reads its answer, which must be a success.
pub(crate) async fn answered(request: reqwest::RequestBuilder) -> Value {
    let answer = request.send().await.expect("a request");
    let status = answer.status();
    assert!(status.is_success(), "{status}");
    answer.json().await.expect("a JSON answer")
}

/// What the gateway asks the engine for one search: each step of the typo
/// ladder until one finds something, then "did you mean" if that is almost
/// nothing.
async fn engine_search(http: reqwest::Client, url: String, boost: Value, q: String) {
    let mut total = 0;
    for typos in Typos::LADDER {
        let mut body = search_body(&q, typos, vec![visibility(None)], 0, 20, 1.0);
        body["indices_boost"] = boost.clone();
        let answer = answered(http.post(&url).json(&body)).await;
        total = answer["hits"]["total"]["value"].as_u64().unwrap_or(0);
        if total > 0 {
            break;
        }
    }
    if total <= 2 {
        answered(http.post(&url).json(&did_you_mean_body(&q))).await;
    }
}

/// Requests/s and sorted latencies of `clients` loops for `seconds`: each
/// sends its next request as soon as the last is answered (`pace` `None`,
/// saturation), or one every `pace` (a listener's typing pace, open loop).
pub(crate) async fn clients_loop(
    clients: usize,
    seconds: u64,
    pace: Option<Duration>,
    request: Request,
) -> (f64, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = client;
                // Paced clients start spread over one period, as people do.
                let mut ticks = pace.map(|every| {
                    let offset = every.mul_f64(client as f64 / clients as f64);
                    tokio::time::interval_at(tokio::time::Instant::now() + offset, every)
                });
                while Instant::now() < deadline {
                    if let Some(ticks) = ticks.as_mut() {
                        ticks.tick().await;
                    }
                    let sent = Instant::now();
                    request(n).await;
                    latencies.push(sent.elapsed());
                    n += 1;
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client"));
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all)
}

pub(crate) fn figure(rate: f64, latencies: &[Duration]) -> String {
    format!(
        "{} requests/s, p50 {}, p99 {}",
        thousands(rate),
        ms(percentile_ms(latencies, 0.50)),
        ms(percentile_ms(latencies, 0.99))
    )
}

/// The first letters of a query, as autocomplete sees them mid-word.
fn typed_so_far(query: &str) -> String {
    query
        .chars()
        .take(4.max(query.chars().count() / 2))
        .collect()
}

pub(crate) async fn measure() -> Vec<Row> {
    let copies = env_usize("BENCH_COPIES", 5).max(1);
    let clients = env_usize("BENCH_QUERY_CLIENTS", 50).max(1);
    let seconds = env_usize("BENCH_QUERY_SECONDS", 15).max(1) as u64;
    let changes = copied_catalogue(copies);
    let documents = changes.len();

    eprintln!("indexing {documents} documents for the query load ...");
    let run = TestRun::new("bench-query");
    let indexer = run.start_indexer(run.indexer_config()).await;
    run.produce(&chinook::records(&changes)).await;
    let names = Names::new(&run.search_prefix());
    let client = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let tracks = changes
        .iter()
        .filter(|c| c.entity_type == EntityType::Track)
        .count() as u64;
    wait_for_live_count(&client, &names.alias(EntityType::Track), tracks).await;
    let aliases: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&client, &aliases)
        .await
        .expect("a refresh");
    let gateway = run.start_gateway().await;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let engine = format!(
        "{}/{}/_search",
        run.indexer_config().search_url.trim_end_matches('/'),
        aliases.join(",")
    );
    let boost = kind_boost(&names);

    // Freshly bulk-indexed segments are still merging and the engine's
    // caches are cold: the first run would pay for that. Warm up first.
    eprintln!("warming up: every query once through the gateway and the engine ...");
    for query in QUERIES {
        engine_search(
            http.clone(),
            engine.clone(),
            boost.clone(),
            query.to_string(),
        )
        .await;
        let _ = http
            .get(gateway.url(&format!("/v1/search?q={}", encode(query))))
            .send()
            .await;
    }

    let mut rows = Vec::new();
    for (what, target) in [("search", SEARCH_TARGET_MS), ("suggest", SUGGEST_TARGET_MS)] {
        let text = move |n: usize| {
            let query = QUERIES[n % QUERIES.len()];
            if what == "search" {
                query.to_string()
            } else {
                typed_so_far(query)
            }
        };
        let pace_ms = env_usize("BENCH_QUERY_PACE_MS", 1_000).max(1) as u64;
        let modes = [
            (
                format!("each at one request per {pace_ms} ms"),
                Some(Duration::from_millis(pace_ms)),
            ),
            ("closed loop (saturation)".to_string(), None),
        ];
        for (mode, pace) in modes {
            eprintln!(
                "{what}, {mode}: the engine's _search, {clients} clients for {seconds} s ..."
            );
            let (http_e, engine_url, boost) = (http.clone(), engine.clone(), boost.clone());
            let direct: Request = Arc::new(move |n| {
                let (http, url, boost, q) =
                    (http_e.clone(), engine_url.clone(), boost.clone(), text(n));
                Box::pin(async move {
                    if what == "search" {
                        engine_search(http, url, boost, q).await;
                    } else {
                        let mut body = suggest_body(&q, None, 8, Suggest::Prefix);
                        body["indices_boost"] = boost;
                        answered(http.post(&url).json(&body)).await;
                    }
                })
            });
            let (engine_rate, engine_latencies) =
                clients_loop(clients, seconds, pace, direct).await;

            eprintln!("{what}, {mode}: the gateway, {clients} clients for {seconds} s ...");
            let (http_g, base) = (http.clone(), gateway.url(""));
            let path = if what == "search" {
                "/v1/search?limit=20&q="
            } else {
                "/v1/search/suggest?q="
            };
            let through: Request = Arc::new(move |n| {
                let request = http_g.get(format!("{base}{path}{}", encode(&text(n))));
                Box::pin(async move {
                    answered(request).await;
                })
            });
            let (rate, latencies) = clients_loop(clients, seconds, pace, through).await;

            let p99 = percentile_ms(&latencies, 0.99);
            rows.push(Row::info(
                format!(
                    "{what} reference: the same request to the engine's _search, {clients} clients {mode} ({} documents)",
                    thousands(documents as f64)
                ),
                figure(engine_rate, &engine_latencies),
            ));
            let row = Row::info(
                format!(
                    "gateway {what}: {clients} clients {mode}, {} queries a listener types",
                    QUERIES.len()
                ),
                figure(rate, &latencies),
            )
            .ratio(rate / engine_rate);
            // Clients that send again as soon as answered measure capacity:
            // their latency is the queue, clients ÷ throughput (Little's
            // law), so a p99 target there is a throughput target in disguise.
            rows.push(if pace.is_some() {
                row.target(format!("p99 < {target:.0} ms"), p99 < target)
            } else {
                Row {
                    target: format!(
                        "none: capacity; p99 < {target:.0} ms here needs > {} requests/s",
                        thousands(clients as f64 * 1_000.0 / target)
                    ),
                    ..row
                }
            });
        }
    }
    gateway.stop().await;
    indexer.stop().await;
    run.cleanup().await;
    rows
}
