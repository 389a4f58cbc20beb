//! `online`: the per-listener reads with Redis beside the ClickHouse-only
//! path, in one run, on release gateways over the same data.
//!
//! Three release gateways share one database and warehouse: two read through
//! Redis (requests alternate between them, as behind a load balancer), one
//! has `ENCORE_REDIS_URL=off`, so the warehouse answers every read, as it did
//! before Redis. `BENCH_ONLINE_LISTENERS` listeners (default 100) each play
//! 500 tracks of a 200-track catalogue through the broker; the etl loads
//! them and the features job runs once. Then, for each read:
//!
//! - `GET /v1/me/history?limit=20` at 10 clients (target: ≥ 20× the
//!   warehouse's requests/s, p99 < 20 ms);
//! - `GET /v1/me/recommendations`, Subsonic `getNowPlaying` and
//!   `GET /v1/charts/tracks` at `BENCH_QUERY_CLIENTS` (50) clients: closed
//!   loop for capacity, then each client every 250 ms for the latency
//!   target, p99 < 10 ms (as the subsonic section paces its 50 clients);
//!
//! each for `BENCH_ONLINE_SECONDS` (10) s per path. Before measuring, every
//! listener's history and recommendations are asked of all three gateways,
//! which must answer alike; and the Redis memory per listener is read and
//! projected to a million listeners.

use std::sync::Arc;
use std::time::Duration;

use encore_schemas::PlaybackKind;
use encore_tests::api::{self, Api};
use encore_tests::{eventually, playback_records, TestRun};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::memory::procs::{build, start_gateway as gateway, Children};
use crate::query::{answered, clients_loop, figure, Request};
use crate::{env_usize, percentile_ms, Row};

const HISTORY_TIMES: f64 = 20.0;
const HISTORY_P99_MS: f64 = 20.0;
const READ_P99_MS: f64 = 10.0;
const PLAYS: usize = 500;
/// A paced client's time between requests, for the latency targets.
const PACE: Duration = Duration::from_millis(250);
const TRACKS: usize = 200;

/// A GET whose answer must be a success, with the listener's token.
fn get(http: &reqwest::Client, url: String, token: Option<&str>) -> reqwest::RequestBuilder {
    let request = http.get(url);
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

pub(crate) async fn measure() -> Vec<Row> {
    let listeners = env_usize("BENCH_ONLINE_LISTENERS", 100).max(1);
    let clients = env_usize("BENCH_QUERY_CLIENTS", 50).max(1);
    let seconds = env_usize("BENCH_ONLINE_SECONDS", 10).max(1) as u64;
    let run = Arc::new(TestRun::new("bench-online"));
    let bin_dir = tokio::task::spawn_blocking(build).await.expect("the build");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let mut children = Children(Vec::new());
    let redis_a = gateway(&run, &bin_dir, &mut children, &http, "gateway-redis-1", &[]).await;
    let redis_b = gateway(&run, &bin_dir, &mut children, &http, "gateway-redis-2", &[]).await;
    let warehouse_only = gateway(
        &run,
        &bin_dir,
        &mut children,
        &http,
        "gateway-clickhouse-only",
        &[("ENCORE_REDIS_URL", "off".to_string())],
    )
    .await;
    let mut etl_config = run.etl_config();
    // The features job runs once, below, not during the measurements.
    etl_config.features.interval = Duration::from_secs(24 * 3_600);
    let etl = run.start_etl(etl_config).await;

    let api = Api {
        base: redis_a.clone(),
        client: http.clone(),
        token: None,
    };
    let admin = run.account_with_role(&api, "bench-admin", "admin").await;
    eprintln!("a catalogue of {TRACKS} tracks and {listeners} listeners ...");
    let mut tracks: Vec<Uuid> = Vec::with_capacity(TRACKS);
    let mut artist = Value::Null;
    for n in 0..TRACKS {
        if n % 20 == 0 {
            let name = format!("Artist {}", n / 20);
            artist = admin
                .api
                .post("/v1/artists", json!({ "name": name }))
                .await
                .expect(201)["id"]
                .clone();
        }
        let genre = ["rock", "jazz", "pop", "folk"][n % 4];
        let made = admin
            .api
            .post(
                "/v1/tracks",
                json!({"artist_id": artist, "title": format!("Track {n}"), "genre": genre}),
            )
            .await
            .expect(201);
        tracks.push(
            made["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("a track id"),
        );
    }
    let mut accounts = Vec::with_capacity(listeners);
    for n in 0..listeners {
        accounts.push(api::register(&api, &format!("listener-{n}")).await);
    }
    // Each listener's plays: the last a minute ago, one a minute before
    // each other; tracks skewed towards the first ones, as real listening is.
    let now = encore_common::now_millis();
    let mut events = Vec::with_capacity(listeners * PLAYS);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for (n, account) in accounts.iter().enumerate() {
        for k in 0..PLAYS {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let uniform = (seed >> 11) as f64 / (1_u64 << 53) as f64;
            let track = tracks[((uniform * uniform) * TRACKS as f64) as usize % TRACKS];
            let at = now - (PLAYS - k) as i64 * 60_000 + n as i64 * 10;
            events.push(start(account.id, track, at));
        }
    }
    eprintln!(
        "{} plays through the broker into the warehouse ...",
        events.len()
    );
    run.produce(&playback_records(&events)).await;
    let db = run.clickhouse();
    let expected = events.len() as u64;
    eventually("every play in the warehouse", || async {
        let count: u64 = db
            .query("SELECT count() FROM plays FINAL")
            .fetch_one()
            .await
            .map_err(|e| e.to_string())?;
        if count >= expected {
            Ok(())
        } else {
            Err(format!("{count} of {expected}"))
        }
    })
    .await;
    eprintln!("the features job, once, and its publication to Redis ...");
    let computed = encore_etl::features::compute(&db, &run.etl_config().features)
        .await
        .expect("the features");
    let store = run.online();
    encore_etl::features::publish(&store, &db, computed.generation).await;
    etl.stop().await;

    let tokens: Arc<Vec<String>> =
        Arc::new(accounts.iter().map(|a| a.access_token.clone()).collect());
    // Every listener asked of the three gateways: the same answers (the
    // first ask also rebuilds each history in Redis).
    let mut same = 0;
    for token in tokens.iter() {
        let mut answers = Vec::new();
        for base in [&redis_a, &redis_b, &warehouse_only] {
            let history = answered(get(
                &http,
                format!("{base}/v1/me/history?limit=20"),
                Some(token),
            ))
            .await;
            let picks = answered(get(
                &http,
                format!("{base}/v1/me/recommendations"),
                Some(token),
            ))
            .await;
            answers.push((history, picks));
        }
        if answers.iter().all(|a| *a == answers[0]) {
            same += 1;
        }
    }
    let mut out = vec![Row::info(
        format!("online: history and recommendations of each of {listeners} listeners from two Redis gateways and the ClickHouse-only one"),
        format!("{same} of {listeners} alike"),
    )
    .target("all alike", same == listeners)];

    let key = accounts[0].api_key("bench").await;
    let reads: [(&str, usize, &str, bool); 4] = [
        (
            "GET /v1/me/history?limit=20",
            10,
            "/v1/me/history?limit=20",
            true,
        ),
        (
            "GET /v1/me/recommendations",
            clients,
            "/v1/me/recommendations",
            true,
        ),
        ("Subsonic getNowPlaying", clients, "", false),
        (
            "GET /v1/charts/tracks?period=week",
            clients,
            "/v1/charts/tracks?period=week",
            false,
        ),
    ];
    for (name, clients, path, personal) in reads {
        let request_on = |bases: Vec<String>| -> Request {
            let (http, tokens, key, path) =
                (http.clone(), tokens.clone(), key.clone(), path.to_string());
            Arc::new(move |n| {
                let base = &bases[n % bases.len()];
                let request = if path.is_empty() {
                    get(
                        &http,
                        format!("{base}/rest/getNowPlaying?apiKey={key}&c=bench&v=1.16.1&f=json"),
                        None,
                    )
                } else if personal {
                    get(
                        &http,
                        format!("{base}{path}"),
                        Some(&tokens[n % tokens.len()]),
                    )
                } else {
                    get(&http, format!("{base}{path}"), None)
                };
                Box::pin(async move {
                    answered(request).await;
                })
            })
        };
        eprintln!("{name}: {clients} clients for {seconds} s on the ClickHouse-only gateway, then on the two Redis ones ...");
        let (base_rate, base_latencies) = clients_loop(
            clients,
            seconds,
            None,
            request_on(vec![warehouse_only.clone()]),
        )
        .await;
        let (rate, latencies) = clients_loop(
            clients,
            seconds,
            None,
            request_on(vec![redis_a.clone(), redis_b.clone()]),
        )
        .await;
        out.push(Row::info(
            format!("online {name}: {clients} clients closed loop, ClickHouse only (ENCORE_REDIS_URL=off)"),
            figure(base_rate, &base_latencies),
        ));
        let row = Row::info(
            format!("online {name}: {clients} clients closed loop, Redis, two gateways"),
            figure(rate, &latencies),
        )
        .ratio(rate / base_rate);
        if name.contains("history") {
            let p99 = percentile_ms(&latencies, 0.99);
            out.push(row.target(
                format!("≥ {HISTORY_TIMES}× the requests/s, p99 < {HISTORY_P99_MS} ms"),
                rate >= HISTORY_TIMES * base_rate && p99 < HISTORY_P99_MS,
            ));
            continue;
        }
        out.push(row);
        // The latency target, as the subsonic section measures its own:
        // clients that each ask at a steady pace, as apps do, rather than
        // as fast as the two cores, shared with this client, can answer.
        let (paced_rate, paced) = clients_loop(
            clients,
            seconds,
            Some(PACE),
            request_on(vec![redis_a.clone(), redis_b.clone()]),
        )
        .await;
        let p99 = percentile_ms(&paced, 0.99);
        out.push(
            Row::info(
                format!(
                    "online {name}: {clients} clients each every {} ms, Redis, two gateways",
                    PACE.as_millis()
                ),
                figure(paced_rate, &paced),
            )
            .target(format!("p99 < {READ_P99_MS} ms"), p99 < READ_P99_MS),
        );
    }

    let memory = store.memory().await.expect("Redis memory");
    let bytes = |kind: &str| memory.get(kind).map_or(0, |(_, b)| *b) as f64;
    let history_per = bytes("history") / listeners as f64;
    let playing_per = (bytes("playing")) / listeners as f64;
    let picks_per = bytes("recommendations") / listeners as f64;
    let per_listener = history_per + playing_per + picks_per;
    out.push(Row::info(
        format!("online: Redis memory per listener ({PLAYS} plays kept, now playing, 20 recommendations)"),
        format!(
            "{:.1} KB (history {:.1} KB, now playing {:.0} B, recommendations {:.1} KB); 1M listeners: {:.1} GB",
            per_listener / 1e3,
            history_per / 1e3,
            playing_per,
            picks_per / 1e3,
            per_listener * 1e6 / 1e9
        ),
    ));
    children.terminate();
    if let Ok(run) = Arc::try_unwrap(run) {
        run.cleanup().await;
    }
    out
}

/// A start of `track` by `user` at `at`.
fn start(user: Uuid, track: Uuid, at: i64) -> encore_schemas::PlaybackEvent {
    let mut event = crate::freshness::event(user, track, PlaybackKind::Start);
    event.occurred_at = at;
    event.received_at = at;
    event.position_ms = 0;
    event
}
