//! The reference Subsonic clients themselves, against the real stack: PyPI
//! `py-opensonic` (form POST, md5 token) and npm `subsonic-api` (GET, API
//! key), each through `tests/clients/`. Each browses, searches, creates a
//! playlist, stars, scrobbles, streams raw and transcoded audio, keeps a
//! bookmark, saves and reads the index-based play queue, makes, changes and
//! deletes a share (npm also opens and streams its link), and asks for
//! lyrics; their scrobbles land in ClickHouse exactly once, and the
//! transcoded streams last as long as the source (probed).

use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::interop::{python, repo_root};
use encore_tests::{wait_for_live_count, TestRun};

use super::client::Auth;
use super::{catalogue, clients, Clients};
use crate::transcode::probed_seconds;

/// Runs a client script; its output is the test's when it fails.
async fn run_client(program: &str, script: &str, env: &[(&str, String)]) {
    let mut command = tokio::process::Command::new(program);
    command.arg(repo_root().join("tests/clients").join(script));
    command.current_dir(
        repo_root()
            .join("tests/clients")
            .join(std::path::Path::new(script).parent().expect("a directory")),
    );
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().await.unwrap_or_else(|e| {
        panic!("running {program} {script} (scripts/stack test installs the clients): {e}")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script}:\n{text}");
    eprintln!("{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn py_opensonic_and_subsonic_api_browse_search_edit_star_scrobble_and_stream() {
    let run = TestRun::new("subsonic-clients");
    let indexer = run.start_indexer(run.indexer_config()).await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "clients-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        password,
        by_key,
        ..
    } = clients(&api, &gateway.url("")).await;
    let Auth::ApiKey(key) = by_key.auth.clone() else {
        panic!("the first client uses an API key");
    };
    let client = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let names = Names::new(&run.search_prefix());
    wait_for_live_count(&client, &names.alias(EntityType::Track), 4).await;
    let fresh: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&client, &fresh).await.expect("refresh");

    // Synced lyrics for the song, for both clients to read.
    admin
        .api
        .put(
            &format!("/v1/tracks/{}/lyrics", cat.tracks[0]),
            serde_json::json!({"text": "[00:00.50]Hello\n[00:01.75]Again", "lang": "en"}),
        )
        .await
        .expect(200);
    let url = gateway.url("");
    let url = url.trim_end_matches('/');
    let (host, port) = url.rsplit_once(':').expect("host:port");
    let now_s = encore_common::now_millis() / 1000;
    let dir = std::env::temp_dir().join(format!("encore-clients-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let (py_out, npm_out) = (dir.join("py.mp3"), dir.join("npm.opus"));
    let shared = [
        ("JOURNEY_ALBUM", cat.albums[0].clone()),
        ("JOURNEY_SONG", cat.tracks[0].clone()),
        ("JOURNEY_AUDIO_BYTES", cat.audio.len().to_string()),
    ];
    let mut py = vec![
        ("JOURNEY_HOST", host.to_string()),
        ("JOURNEY_PORT", port.to_string()),
        ("JOURNEY_USER", username),
        ("JOURNEY_APP_PASSWORD", password),
        ("JOURNEY_LISTENED_AT", (now_s - 1_200).to_string()),
        ("JOURNEY_TRANSCODED_OUT", py_out.display().to_string()),
    ];
    py.extend(shared.clone());
    run_client(&python(), "python/opensonic_journey.py", &py).await;
    let mut npm = vec![
        ("JOURNEY_URL", url.to_string()),
        ("JOURNEY_API_KEY", key),
        ("JOURNEY_LISTENED_AT", ((now_s - 600) * 1_000).to_string()),
        ("JOURNEY_TRANSCODED_OUT", npm_out.display().to_string()),
    ];
    npm.extend(shared);
    run_client("node", "npm/journey.mjs", &npm).await;

    for out in [&py_out, &npm_out] {
        let bytes = std::fs::read(out).expect("the transcoded stream");
        let seconds = probed_seconds(&dir, &bytes);
        assert!(
            (seconds - 3.0).abs() < 1.0,
            "{}: {seconds} s",
            out.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Two listens (each a start and a complete), however often each was sent.
    let user = listener.id;
    run.wait_for_scalar(
        &format!("SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}')"),
        4,
    )
    .await;
    let starts = run
        .scalar(&format!(
            "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}') AND kind = 'start'"
        ))
        .await;
    assert_eq!(starts, 2);
    gateway.stop().await;
    etl.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
