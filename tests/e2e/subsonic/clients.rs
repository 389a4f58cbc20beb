//! The reference Subsonic clients themselves, against the real stack: PyPI
//! `py-opensonic` (form POST, md5 token) and npm `subsonic-api` (GET, API
//! key), each through `tests/clients/`. Each browses, searches, creates a
//! playlist, stars, scrobbles and streams; their scrobbles land in
//! ClickHouse exactly once.

use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::interop::{python, repo_root};
use encore_tests::{wait_for_live_count, TestRun};

use super::client::Auth;
use super::{catalogue, clients, Clients};

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

    let url = gateway.url("");
    let url = url.trim_end_matches('/');
    let (host, port) = url.rsplit_once(':').expect("host:port");
    let now_s = encore_common::now_millis() / 1000;
    let shared = [
        ("ENCORE_ALBUM", cat.albums[0].clone()),
        ("ENCORE_SONG", cat.tracks[0].clone()),
        ("ENCORE_AUDIO_BYTES", cat.audio.len().to_string()),
    ];
    let mut py = vec![
        ("ENCORE_HOST", host.to_string()),
        ("ENCORE_PORT", port.to_string()),
        ("ENCORE_USER", username),
        ("ENCORE_APP_PASSWORD", password),
        ("ENCORE_LISTENED_AT", (now_s - 1_200).to_string()),
    ];
    py.extend(shared.clone());
    run_client(&python(), "python/opensonic_journey.py", &py).await;
    let mut npm = vec![
        ("ENCORE_URL", url.to_string()),
        ("ENCORE_API_KEY", key),
        ("ENCORE_LISTENED_AT", ((now_s - 600) * 1_000).to_string()),
    ];
    npm.extend(shared);
    run_client("node", "npm/journey.mjs", &npm).await;

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
