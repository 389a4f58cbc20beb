//! The Subsonic API and transcoding under load, against the release
//! gateway as its own process (so its memory is its own).
//!
//! The `subsonic` section of the load bench:
//!
//! 1. the Chinook catalogue imported through `POST /v1/admin/import` and
//!    indexed by the indexer;
//! 2. `getAlbumList2` (alphabetical, newest, random and by genre, at varied
//!    offsets) and `search3` (the query section's queries), from
//!    `BENCH_QUERY_CLIENTS` clients (default 50) each at one request a
//!    second for `BENCH_QUERY_SECONDS` (default 15), and in closed loops
//!    (capacity; no target);
//! 3. a transcode's first byte: 20 transcodes one after another of a 60 s
//!    WAV to MP3, each at a bitrate not cached yet, timed from the request
//!    to the first body bytes;
//! 4. the gateway's RSS while 20 transcodes of that file run at once,
//!    against its RSS just before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use uuid::Uuid;

use encore_gateway::search::{kinds_body, KindPage, ResultType, Typos};
use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::{self, Api};
use encore_tests::{chinook, wait_for_live_count, TestRun};
use serde_json::{json, Value};

use crate::memory::procs::{build, mb, start_gateway, tree_rss_kb, Children};
use crate::query::{answered, clients_loop, figure, Request, QUERIES};
use crate::{env_usize, ms, percentile_ms, Row};

const LIST_TARGET_MS: f64 = 20.0;
/// Single-client `search3` p50 over the engine's own `_msearch` time.
const SEARCH3_OVER_ENGINE: f64 = 1.3;
const FIRST_BYTE_TARGET_MS: f64 = 300.0;
/// "Flat": the gateway's RSS with 20 transcodes running, over its RSS before.
const RSS_GROWTH_TARGET_MB: f64 = 32.0;
const TRANSCODES: usize = 20;

/// Chinook as import rows, parents first (the import's external ids are
/// Chinook's own ids).
fn import_rows() -> Vec<Value> {
    chinook::changes()
        .into_iter()
        .filter_map(|change| {
            if let Some(a) = change.artist {
                return Some(json!({"kind": "artist", "external_id": a.id.to_string(), "name": a.name, "genres": a.genres}));
            }
            if let Some(a) = change.album {
                return Some(json!({"kind": "album", "external_id": a.id.to_string(),
                    "artist_external_id": a.artist_id.to_string(), "title": a.title,
                    "release_year": a.release_year, "genres": a.genres}));
            }
            change.track.map(|t| {
                json!({"kind": "track", "external_id": t.id.to_string(),
                    "artist_external_id": t.artist_id.to_string(),
                    "album_external_id": t.album_id.map(|id| id.to_string()), "title": t.title,
                    "duration_ms": t.duration_ms, "genre": t.genre, "release_year": t.release_year,
                    "track_number": t.track_number})
            })
        })
        .collect()
}

/// Sends a Subsonic request; the envelope must say ok.
fn subsonic(
    http: &reqwest::Client,
    url: String,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    let request = http.get(url);
    Box::pin(async move {
        let body = answered(request).await;
        assert_eq!(body["subsonic-response"]["status"], "ok", "{body}");
    })
}

pub(crate) async fn measure() -> Vec<Row> {
    let clients = env_usize("BENCH_QUERY_CLIENTS", 50).max(1);
    let seconds = env_usize("BENCH_QUERY_SECONDS", 15).max(1) as u64;
    let run = Arc::new(TestRun::new("bench-subsonic"));
    let bin_dir = tokio::task::spawn_blocking(build).await.expect("the build");
    let indexer = run.start_indexer(run.indexer_config()).await;
    let scratch = std::env::temp_dir().join(format!("encore-test-{}", run.id));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let mut children = Children(Vec::new());
    let transcodes = [
        (
            "ENCORE_TRANSCODE_CACHE_DIR",
            scratch.join("transcodes").display().to_string(),
        ),
        ("ENCORE_TRANSCODE_MAX", TRANSCODES.to_string()),
    ];
    let base = start_gateway(&run, &bin_dir, &mut children, &http, "gateway", &transcodes).await;
    let pid = children.0[0].pid();

    let api = Api {
        base: base.clone(),
        client: http.clone(),
        token: None,
    };
    let admin = run.account_with_role(&api, "bench-admin", "admin").await;
    let rows = import_rows();
    eprintln!(
        "importing Chinook: {} rows through /v1/admin/import ...",
        rows.len()
    );
    for batch in rows.chunks(1_000) {
        admin
            .api
            .post("/v1/admin/import", json!({ "rows": batch }))
            .await
            .expect(200);
    }
    let tracks = rows.iter().filter(|r| r["kind"] == "track").count() as u64;
    let search = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let names = Names::new(&run.search_prefix());
    wait_for_live_count(&search, &names.alias(EntityType::Track), tracks).await;
    let aliases: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&search, &aliases)
        .await
        .expect("a refresh");
    let listener = api::register(&api, "bench-listener").await;
    let key = listener.api_key("bench").await;
    let auth = format!("apiKey={key}&c=bench&v=1.16.1&f=json");

    let mut out = Vec::new();
    let kinds = [
        "alphabeticalByName",
        "newest",
        "random",
        "byGenre&genre=Rock",
    ];
    let lists: Request = {
        let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
        Arc::new(move |n| {
            let kind = kinds[n % kinds.len()];
            let offset = (n * 7) % 300;
            subsonic(
                &http,
                format!("{base}/rest/getAlbumList2?{auth}&type={kind}&size=20&offset={offset}"),
            )
        })
    };
    let searches: Request = {
        let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
        Arc::new(move |n| {
            let q = encore_tests::api::encode(QUERIES[n % QUERIES.len()]);
            subsonic(&http, format!("{base}/rest/search3?{auth}&query={q}"))
        })
    };
    for (name, request) in [("getAlbumList2", lists), ("search3", searches)] {
        eprintln!(
            "{name}: warming up, then {clients} clients for {seconds} s, paced and closed ..."
        );
        for n in 0..QUERIES.len() {
            request(n).await;
        }
        let (rate, latencies) = clients_loop(
            clients,
            seconds,
            Some(Duration::from_secs(1)),
            request.clone(),
        )
        .await;
        let p99 = percentile_ms(&latencies, 0.99);
        out.push(
            Row::info(
                format!("subsonic {name}: {clients} clients each at one request a second (Chinook, release gateway)"),
                figure(rate, &latencies),
            )
            .target(format!("p99 < {LIST_TARGET_MS:.0} ms"), p99 < LIST_TARGET_MS),
        );
        let (rate, latencies) = clients_loop(clients, seconds, None, request).await;
        out.push(Row::info(
            format!("subsonic {name}: {clients} clients closed loop (capacity)"),
            figure(rate, &latencies),
        ));
    }

    out.extend(
        one_client_search3(
            &http,
            &base,
            &auth,
            &run.indexer_config().search_url,
            &names,
            listener.id,
            seconds,
        )
        .await,
    );

    // A minute of stereo CD audio to transcode.
    let wav = tokio::task::spawn_blocking({
        let dir = scratch.clone();
        move || {
            let path = dir.join("minute.wav");
            let status = std::process::Command::new("sox")
                .args(["-n", "-r", "44100", "-c", "2", "-b", "16"])
                .arg(&path)
                .args(["synth", "60", "sine", "440"])
                .status();
            assert!(status.is_ok_and(|s| s.success()), "sox failed");
            std::fs::read(&path).expect("the WAV")
        }
    })
    .await
    .expect("the WAV");
    let track = admin.track_with_audio("Bench Tone", "A minute", wav).await;
    let transcode = |kbps: usize| {
        http.get(format!(
            "{base}/rest/stream?{auth}&id={track}&format=mp3&maxBitRate={kbps}"
        ))
    };

    eprintln!("first byte of {TRANSCODES} transcodes, one after another ...");
    let mut first_bytes = Vec::new();
    for n in 0..TRANSCODES {
        let started = Instant::now();
        let mut response = transcode(100 + n).send().await.expect("an answer");
        assert_eq!(response.status(), 200);
        let chunk = response.chunk().await.expect("a chunk");
        assert!(chunk.is_some_and(|c| !c.is_empty()));
        first_bytes.push(started.elapsed());
        while response.chunk().await.expect("a chunk").is_some() {}
    }
    first_bytes.sort();
    let p99 = percentile_ms(&first_bytes, 0.99);
    out.push(
        Row::info(
            format!(
                "transcode: request to first byte, {TRANSCODES} transcodes of a 60 s WAV to MP3"
            ),
            format!(
                "p50 {}, p99 {}",
                ms(percentile_ms(&first_bytes, 0.5)),
                ms(p99)
            ),
        )
        .target(
            format!("< {FIRST_BYTE_TARGET_MS:.0} ms"),
            p99 < FIRST_BYTE_TARGET_MS,
        ),
    );

    eprintln!("{TRANSCODES} transcodes at once, the RSS of the gateway and its ffmpeg children sampled ...");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reading = || tree_rss_kb(pid).map(mb);
    let before = reading();
    let started = Instant::now();
    let all: Vec<_> = (0..TRANSCODES)
        .map(|n| {
            let request = transcode(200 + n);
            tokio::spawn(async move {
                let mut response = request.send().await.expect("an answer");
                assert_eq!(response.status(), 200);
                let mut bytes = 0;
                while let Some(chunk) = response.chunk().await.expect("a chunk") {
                    bytes += chunk.len();
                }
                bytes
            })
        })
        .collect();
    let mut peak: Option<f64> = None;
    let mut unread = 0;
    while !all.iter().all(|t| t.is_finished()) {
        match reading() {
            Some(now) => peak = Some(peak.map_or(now, |p| p.max(now))),
            None => unread += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut sent = 0;
    for task in all {
        sent += task.await.expect("a transcode");
    }
    let took = started.elapsed();
    let after = reading();
    let measurement = format!(
        "gateway and ffmpeg RSS: {TRANSCODES} transcodes at once ({:.1} MB of MP3 in {:.1} s)",
        sent as f64 / 1e6,
        took.as_secs_f64()
    );
    let target = format!("peak - before < {RSS_GROWTH_TARGET_MB:.0} MB (flat)");
    out.push(match (before, peak, after) {
        (Some(before), Some(peak), Some(after)) if unread == 0 => Row::info(
            measurement,
            format!("before {before:.0} MB, peak {peak:.0} MB, after {after:.0} MB"),
        )
        .target(target, peak - before < RSS_GROWTH_TARGET_MB),
        // No verdict without the readings it rests on.
        _ => Row::info(
            measurement,
            format!("not measured: /proc/{pid} could not be read ({unread} samples missed)"),
        )
        .target(target, false),
    });

    children.terminate();
    indexer.stop().await;
    if let Ok(run) = Arc::try_unwrap(run) {
        run.cleanup().await;
    }
    out
}

/// The `_msearch` requests `search3` sends for `q` with its default pages
/// (20 of each kind), sent straight to the engine: each typo step until one
/// finds anything in any kind, as the gateway climbs them.
async fn engine_search3(http: &reqwest::Client, url: &str, names: &Names, viewer: Uuid, q: &str) {
    let pages = [ResultType::Artist, ResultType::Album, ResultType::Track].map(|kind| KindPage {
        kind,
        offset: 0,
        size: 20,
    });
    for typos in Typos::LADDER {
        let mut ndjson = String::new();
        for line in kinds_body(names, q, typos, Some(viewer), &pages, 1.0) {
            ndjson.push_str(&line.to_string());
            ndjson.push('\n');
        }
        let request = http
            .post(url)
            .header("content-type", "application/x-ndjson")
            .body(ndjson);
        let answer = answered(request).await;
        let responses = answer["responses"].as_array().cloned().unwrap_or_default();
        assert_eq!(responses.len(), pages.len(), "{answer}");
        let found = responses
            .iter()
            .any(|r| r["hits"]["total"]["value"].as_u64().unwrap_or(0) > 0);
        if found {
            return;
        }
    }
}

/// One client, one request after another: `search3` beside the engine's own
/// time for the very `_msearch` requests it sends. What the gateway adds on
/// top (authentication, the rows from PostgreSQL, the answer) is the ratio.
async fn one_client_search3(
    http: &reqwest::Client,
    base: &str,
    auth: &str,
    search_url: &str,
    names: &Names,
    viewer: Uuid,
    seconds: u64,
) -> Vec<Row> {
    let url = format!("{}/_msearch", search_url.trim_end_matches('/'));
    let direct: Request = {
        let (http, names) = (http.clone(), names.clone());
        Arc::new(move |n| {
            let (http, url, names) = (http.clone(), url.clone(), names.clone());
            Box::pin(async move {
                engine_search3(&http, &url, &names, viewer, QUERIES[n % QUERIES.len()]).await;
            })
        })
    };
    let through: Request = {
        let (http, base, auth) = (http.clone(), base.to_string(), auth.to_string());
        Arc::new(move |n| {
            let q = encore_tests::api::encode(QUERIES[n % QUERIES.len()]);
            subsonic(&http, format!("{base}/rest/search3?{auth}&query={q}"))
        })
    };
    eprintln!("search3, one client for {seconds} s: the engine's _msearch, then the gateway ...");
    // Alternating halves would be fairer to a machine whose load drifts, but
    // each side gets the whole run in one piece so its caches stay warm.
    let (engine_rate, engine) = clients_loop(1, seconds, None, direct).await;
    let (rate, gateway) = clients_loop(1, seconds, None, through).await;
    let (engine_p50, p50) = (percentile_ms(&engine, 0.5), percentile_ms(&gateway, 0.5));
    vec![
        Row::info(
            format!(
                "search3 reference: the same _msearch requests to the engine, one client ({} queries)",
                QUERIES.len()
            ),
            figure(engine_rate, &engine),
        ),
        Row::info(
            "subsonic search3: one client, one request after another",
            figure(rate, &gateway),
        )
        .ratio(p50 / engine_p50)
        .target(
            format!("p50 <= {SEARCH3_OVER_ENGINE}x the engine's"),
            p50 <= SEARCH3_OVER_ENGINE * engine_p50,
        ),
    ]
}
