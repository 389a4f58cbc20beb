//! `scripts/stack backup` while listeners keep posting, then the run's
//! databases, store and consumer offsets wiped, `scripts/stack restore`, and
//! the services started again on what it brought back.
//!
//! Kafka is not wiped: it is the replicated log the others are rebuilt
//! from, and the restored offsets make the etl read again everything
//! accepted after the backup. So nothing that reached Kafka is lost (RPO 0
//! for plays within the topics' week), and PostgreSQL loses what was
//! written after its dump (RPO: the time since the last backup).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use encore_tests::api::{register, Api};
use encore_tests::audio::tone;
use encore_tests::TestRun;
use serde_json::json;

use crate::support::{batch, event};

/// Runs `scripts/stack <args>` on this run's databases, store and topics.
async fn stack(run: &TestRun, args: &[&str]) -> String {
    let root = encore_tests::interop::repo_root();
    let output = Command::new("bash")
        .arg(root.join("scripts/stack"))
        .args(args)
        .env("ENCORE_DATABASE_URL", run.postgres_url().await)
        .env("ENCORE_CLICKHOUSE_DATABASE", &run.database)
        .env("ENCORE_STORAGE_URL", run.storage_url())
        .env("ENCORE_TOPIC_PREFIX", &run.kafka.topic_prefix)
        .output()
        .expect("bash runs");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "stack {args:?}: {said}");
    print!("{said}");
    said
}

/// What `restore` says its whole run took, in milliseconds.
fn took_ms(said: &str) -> u64 {
    said.lines()
        .find_map(|l| l.split(" in ").nth(1)?.split(" ms").next()?.parse().ok())
        .expect("restore reports its time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_the_databases_the_store_and_the_offsets() {
    let run = TestRun::new("backup");
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let (_, _, track) = admin.artist_album_track("Kept", "Album", "Song").await;
    let track = track["id"].as_str().expect("id").to_string();
    let dir = std::env::temp_dir().join(format!("encore-backup-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let audio = tone(&dir, "flac");
    admin.upload_audio(&track, audio.clone()).await;
    let listener = register(&Api::new(&gateway), "backup-listener").await;

    // Listening goes on before, during and after the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(AtomicUsize::new(0));
    let poster = {
        let (api, stop, accepted) = (listener.api.clone(), stop.clone(), accepted.clone());
        let user = listener.id;
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let events = (0..10).map(|i| event(n + i, user)).collect();
                let answer = api.post("/v1/events/playback", batch(events)).await;
                if let Some(n) = answer.body["accepted"].as_u64() {
                    accepted.fetch_add(n as usize, Ordering::Relaxed);
                }
                n += 10;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let backup = dir.join("backup");
    stack(&run, &["backup", &backup.display().to_string()]).await;
    // Written after the dump: beyond what the backup can give back.
    let late = admin
        .api
        .post("/v1/artists", json!({"name": "After the backup"}))
        .await
        .expect(201);
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    poster.await.expect("the poster");
    let accepted = accepted.load(Ordering::Relaxed) as u64;
    assert_eq!(
        run.wait_for_scalar("SELECT count() FROM plays FINAL", accepted)
            .await,
        accepted
    );
    gateway.stop().await;
    etl.stop().await;

    // Everything of the run's own is gone: databases, objects, offsets.
    wipe(&run).await;
    // Redis still holds its copy of the wiped warehouse's plays.
    let online = run.online();
    assert!(online
        .memory()
        .await
        .expect("Redis")
        .contains_key("history"));

    let started = Instant::now();
    let said = stack(&run, &["restore", &backup.display().to_string()]).await;
    let restore_ms = took_ms(said.lines().last().unwrap_or_default());
    println!(
        "restore took {restore_ms} ms ({} ms with the script's start)",
        started.elapsed().as_millis()
    );

    assert_eq!(
        online.memory().await.expect("Redis").len(),
        0,
        "the restore dropped what Redis held of the warehouse before it"
    );
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    // Every accepted play, those after the backup read again from the
    // restored offsets, and the aggregates refilled by the views.
    run.reconcile_plays(accepted).await;
    let api = Api::new(&gateway);
    let song = api.get(&format!("/v1/tracks/{track}")).await.expect(200);
    assert_eq!(song["title"], "Song");
    // A token issued before the backup is still good: the account is back.
    let streamed = api
        .with_token(&listener.access_token)
        .request(reqwest::Method::GET, &format!("/v1/tracks/{track}/stream"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(streamed.status().as_u16(), 200);
    assert_eq!(streamed.bytes().await.expect("the audio").to_vec(), audio);
    let login = api
        .post(
            "/v1/auth/login",
            json!({"login": listener.email, "password": encore_tests::api::PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "accounts restored with their passwords");
    api.get(&format!(
        "/v1/artists/{}",
        late["id"].as_str().unwrap_or_default()
    ))
    .await
    .expect(404);
    gateway.stop().await;
    etl.stop().await;
    std::fs::remove_dir_all(&dir).ok();
    run.cleanup().await;
}

/// Drops the run's PostgreSQL and ClickHouse databases, deletes its stored
/// objects and its consumer groups' offsets.
async fn wipe(run: &TestRun) {
    let url = run.postgres_url().await;
    let name = url.rsplit('/').next().expect("a database name").to_string();
    let admin = sqlx::PgPool::connect(&format!(
        "{}/postgres",
        url.rsplit_once('/').expect("a URL").0
    ))
    .await
    .expect("the server");
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&admin)
        .await
        .expect("dropped");
    admin.close().await;
    encore_etl::warehouse::server(&run.clickhouse_url)
        .query(&format!("DROP DATABASE {}", run.database))
        .execute()
        .await
        .expect("dropped");
    let store = run.storage_url();
    let store = Path::new(store.trim_start_matches("file://"));
    std::fs::remove_dir_all(store).expect("the store deleted");
    let config = run.etl_config();
    let admin: rdkafka::admin::AdminClient<rdkafka::client::DefaultClientContext> =
        rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &run.kafka.brokers)
            .create()
            .expect("an admin client");
    let groups = [config.group.as_str(), config.dims_group.as_str()];
    for deleted in admin
        .delete_groups(&groups, &rdkafka::admin::AdminOptions::new())
        .await
        .expect("groups deleted")
    {
        deleted.unwrap_or_else(|(group, code)| panic!("{group}: {code}"));
    }
}
