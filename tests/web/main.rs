//! The web app in Debian's Chromium, against the real stack: the Playwright
//! suite (`web/e2e/`, playwright-core under `node --test`) drives the built
//! app the gateway serves, and checks what lands in PostgreSQL and ClickHouse.
//! Screenshots and the budget table go to `web/e2e-output/`.
//!
//! A test binary of its own: cargo runs test binaries one after another, so
//! the suite runs alone, after `e2e`, and its timings (the budget table)
//! measure the app rather than the rest of the suite sharing two cores.

use std::time::Duration;

use encore_indexer::client::SearchClient;
use encore_indexer::indices::Names;
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::audio::{long_tone, quieter_tone};
use encore_tests::chinook;
use encore_tests::interop::repo_root;
use encore_tests::{wait_for_live_count, TestRun};

/// The catalogue the suite finds by name (`JOURNEY_ARTIST`).
const ARTIST: &str = "Aurora Lindqvist";
const ALBUM: &str = "Northern Lights";
const TRACKS: [&str; 4] = ["Polar Night", "Midnight Sun", "Aurora Dawn", "Frozen Lake"];
/// Short, so the suite can watch a session renew after its token expired.
const ACCESS_TTL: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_in_chromium() {
    let web = repo_root().join("web");
    assert!(
        web.join("dist/index.html").is_file(),
        "build the web app first: `npm ci && npm run build` in web/ (scripts/stack test does)"
    );
    let run = TestRun::new("web");
    // The search budget is for the demo catalogue: Chinook goes into the
    // index (and the warehouse's dimensions) beside the journey's artist.
    let demo = chinook::changes();
    let demo_tracks = demo
        .iter()
        .filter(|c| c.entity_type == EntityType::Track)
        .count();
    run.produce(&chinook::records(&demo)).await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let etl = run.start_etl(run.etl_config()).await;
    let mut config = run.gateway_config().await;
    config.auth.access_ttl = ACCESS_TTL;
    config.consumers_ops = vec![
        ("etl".into(), etl.addr.to_string()),
        ("indexer".into(), indexer.addr.to_string()),
    ];
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    // `register` gives every test account this password.
    let password = "correct horse battery";
    let admin = run.account_with_role(&api, "web-admin", "admin").await;

    let dir = std::env::temp_dir().join(format!("encore-web-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let audio = long_tone(&dir, 30);
    let (artist, album, first) = admin.artist_album_track(ARTIST, ALBUM, TRACKS[0]).await;
    // Browsing by genre and decade finds the album under both.
    admin
        .api
        .patch(
            &format!("/v1/albums/{}", album["id"].as_str().expect("an id")),
            serde_json::json!({"genres": ["Ambient"], "release_year": 2019}),
        )
        .await
        .expect(200);
    let first = first["id"].as_str().expect("an id").to_string();
    admin
        .api
        .patch(
            &format!("/v1/tracks/{first}"),
            serde_json::json!({"genre": "Ambient"}),
        )
        .await
        .expect(200);
    let mut tracks = vec![first];
    for title in &TRACKS[1..] {
        let track = admin
            .api
            .post(
                "/v1/tracks",
                serde_json::json!({"artist_id": artist["id"], "album_id": album["id"], "title": title, "genre": "Ambient"}),
            )
            .await
            .expect(201);
        tracks.push(track["id"].as_str().expect("an id").to_string());
    }
    // The last track 20 dB quieter, so the album's loudness differs from
    // each loud track's own (the loudness test tells album gain from track gain).
    let quiet = quieter_tone(&dir, 30, 20);
    for (i, track) in tracks.iter().enumerate() {
        let file = if i + 1 == tracks.len() {
            &quiet
        } else {
            &audio
        };
        admin.upload_audio(track, file.clone()).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let search = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let names = Names::new(&run.search_prefix());
    let tracks_indexed = (demo_tracks + TRACKS.len()) as u64;
    wait_for_live_count(&search, &names.alias(EntityType::Track), tracks_indexed).await;

    let output = web.join("e2e-output");
    // scripts/stack test prints this table after the run: never last run's.
    let _ = std::fs::remove_file(output.join("budgets.md"));
    let chromium =
        std::env::var("JOURNEY_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    let suite = tokio::process::Command::new("node")
        .args(["--test", "--test-concurrency=1", "e2e/"])
        .current_dir(&web)
        .env("JOURNEY_URL", gateway.url("").trim_end_matches('/'))
        .env("JOURNEY_ADMIN_LOGIN", &admin.email)
        .env("JOURNEY_ADMIN_PASSWORD", password)
        .env("JOURNEY_ARTIST", ARTIST)
        .env("JOURNEY_CLICKHOUSE_URL", &run.clickhouse_url)
        .env("JOURNEY_CLICKHOUSE_DATABASE", &run.database)
        .env("JOURNEY_ACCESS_TTL", ACCESS_TTL.as_secs().to_string())
        .env("JOURNEY_OUTPUT", &output)
        .env("JOURNEY_CHROMIUM", chromium)
        .output()
        .await
        .expect("running node (scripts/stack test installs it and the web app's packages)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&suite.stdout),
        String::from_utf8_lossy(&suite.stderr)
    );
    // The figures and the screenshots' paths belong in the run's output either way.
    eprintln!("{text}");
    assert!(
        suite.status.success(),
        "the Playwright suite failed:\n{text}"
    );

    gateway.stop().await;
    etl.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
