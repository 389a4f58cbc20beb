//! `ingest` against the real stack: catalog files of every format into the
//! gateway and PostgreSQL, listening histories through the pipeline into
//! ClickHouse, a sync over generated audio files, and the simulator.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use encore_ingest::catalog::{import_file, Tally};
use encore_ingest::client::Gateway;
use encore_ingest::listens::{read_history, ListenImport};
use encore_ingest::simulate::run::{accounts, run, RunOptions, Sink};
use encore_ingest::simulate::{synthetic_tracks, Generator, Pacer};
use encore_ingest::sync::{run_once, serve, SyncConfig};
use encore_tests::api::{register, Api};
use encore_tests::{eventually_within, Service, TestRun};
use serde_json::json;
use uuid::Uuid;

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("encore-ingest-{name}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

async fn admin_client(run: &TestRun, gateway: &Service) -> Gateway {
    let admin = run
        .account_with_role(&Api::new(gateway), "ingest-admin", "admin")
        .await;
    Gateway::new(&gateway.url("")).with_token(&admin.access_token)
}

fn count(tally: &Tally, kind: &str, outcome: &str) -> u64 {
    tally
        .counts
        .get(&(kind.to_string(), outcome.to_string()))
        .copied()
        .unwrap_or(0)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing a test file");
    path
}

const JSONL: &str = r#"{"kind": "artist", "external_id": "ac", "name": "AC/DC", "genres": ["rock"], "country": "AU"}
{"kind": "album", "external_id": "ac-hv", "artist_external_id": "ac", "title": "High Voltage", "release_year": 1976}
{"kind": "track", "external_id": "ac-hv-1", "artist_external_id": "ac", "album_external_id": "ac-hv", "title": "T.N.T.", "duration_ms": 214000, "genre": "Rock"}
{"kind": "track", "external_id": "ac-hv-2", "artist_external_id": "nobody", "title": "Orphan"}
this line is not JSON
{"kind": "track", "external_id": "ac-hv-3", "artist_external_id": "ac", "title": "", "duration_ms": 1000}
{"kind": "track", "external_id": "ac-hv-4", "artist_external_id": "ac", "album_external_id": "ac-hv", "title": "Live Wire", "duration_ms": 349000, "genre": "Rock"}
"#;

const CSV: &str = "kind,external_id,name,title,artist_external_id,album_external_id,genres,release_year,duration_ms,genre,track_number
artist,acc,Accept,,,,heavy metal;rock,,,,
album,acc-btw,,Balls to the Wall,acc,,,1983,,,
track,acc-btw-1,,Balls to the Wall,acc,acc-btw,,1983,342000,Metal,1
track,acc-btw-2,,London Leatherboys,acc,acc-btw,,1983,about four minutes,Metal,2
track,acc-btw-3,,Fight It Back,acc,acc-btw,,1983,211000,Metal,3
";

fn musicbrainz() -> String {
    json!([
        {"id": "mb-ella", "name": "Ella Fitzgerald", "country": "US", "genres": [{"name": "jazz"}],
         "releases": [{"id": "mb-ella-r1", "title": "Ella and Louis", "date": "1956-10",
                       "media": [{"tracks": [
                           {"id": "mb-ella-t1", "position": 1, "recording": {"id": "rec-1", "title": "Can't We Be Friends?", "length": 225000}},
                           {"id": "mb-ella-t2", "position": 2, "recording": {"id": "rec-2", "title": "Isn't This a Lovely Day?", "length": 374000}},
                           {"id": "mb-ella-t3", "position": 3, "recording": {"id": "rec-3"}}
                       ]}]}]},
        {"name": "no id"}
    ])
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_files_of_every_format_import_idempotently_and_name_bad_rows() {
    let run = TestRun::new("ingest-catalog");
    let gateway = run.start_gateway().await;
    let client = admin_client(&run, &gateway).await;
    let dir = scratch("catalog");

    let jsonl = write(&dir, "catalog.jsonl", JSONL);
    let first = import_file(&client, &jsonl)
        .await
        .expect("the JSON lines import");
    assert_eq!(
        (
            count(&first, "artist", "created"),
            count(&first, "album", "created"),
            count(&first, "track", "created")
        ),
        (1, 1, 2)
    );
    let mut rejected = first.rejected.clone();
    rejected.sort();
    let lines: Vec<&str> = rejected.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(lines, ["line 4", "line 5", "line 6"], "{rejected:?}");
    assert!(
        rejected[0].1.starts_with("artist_external_id: no artist"),
        "{:?}",
        rejected[0]
    );
    assert!(rejected[1].1.starts_with("not JSON"), "{:?}", rejected[1]);
    assert!(rejected[2].1.starts_with("title: "), "{:?}", rejected[2]);

    let csv = write(&dir, "catalog.csv", CSV);
    let tally = import_file(&client, &csv).await.expect("the CSV import");
    assert_eq!((tally.total("created"), tally.total("rejected")), (4, 1));
    assert_eq!(tally.rejected[0].0, "line 5");
    assert!(
        tally.rejected[0].1.contains("duration_ms"),
        "{:?}",
        tally.rejected
    );

    let mb = write(&dir, "musicbrainz.json", &musicbrainz());
    let tally = import_file(&client, &mb)
        .await
        .expect("the MusicBrainz-style import");
    assert_eq!(
        (
            count(&tally, "artist", "created"),
            count(&tally, "album", "created"),
            count(&tally, "track", "created")
        ),
        (1, 1, 2)
    );
    assert_eq!(tally.rejected.len(), 2, "{:?}", tally.rejected);

    // Again, every file: nothing changes.
    for path in [&jsonl, &csv, &mb] {
        let again = import_file(&client, path).await.expect("a re-import");
        assert_eq!(
            (again.total("created"), again.total("updated")),
            (0, 0),
            "{}: {again:?}",
            path.display()
        );
        assert!(
            again.total("unchanged") >= 4,
            "{}: {again:?}",
            path.display()
        );
    }

    // A changed row updates that row alone.
    let changed = write(
        &dir,
        "changed.jsonl",
        &JSONL.replace("\"title\": \"T.N.T.\"", "\"title\": \"TNT (remastered)\""),
    );
    let tally = import_file(&client, &changed)
        .await
        .expect("the changed import");
    assert_eq!(
        (count(&tally, "track", "updated"), tally.total("created")),
        (1, 0),
        "{tally:?}"
    );

    let db = run.postgres().await;
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM tracks WHERE external_id LIKE 'ac-%' ORDER BY external_id",
    )
    .fetch_all(&db)
    .await
    .expect("tracks");
    assert_eq!(titles, ["TNT (remastered)", "Live Wire"]);
    let tracks: i64 = sqlx::query_scalar("SELECT count(*) FROM tracks")
        .fetch_one(&db)
        .await
        .expect("a count");
    assert_eq!(tracks, 6);
    let matched = client
        .match_tracks(&[
            ("Ella FITZGERALD".into(), "cant we be friends".into()),
            ("AC/DC".into(), "Jailbreak".into()),
        ])
        .await
        .expect("matching");
    assert!(
        matched[0].track_id.is_some() && matched[1].track_id.is_none(),
        "{matched:?}"
    );

    let listener = register(&Api::new(&gateway), "not-admin").await;
    let refused = Gateway::new(&gateway.url(""))
        .with_token(&listener.access_token)
        .import(&[])
        .await;
    assert!(refused.is_err());
    db.close().await;
    gateway.stop().await;
    let _ = std::fs::remove_dir_all(dir);
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_histories_become_plays_once_however_often_they_are_imported() {
    let run = TestRun::new("ingest-listens");
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let admin = admin_client(&run, &gateway).await;
    let dir = scratch("listens");
    import_file(&admin, &write(&dir, "catalog.jsonl", JSONL))
        .await
        .expect("the catalog");

    let api = Api::new(&gateway);
    let listener = register(&api, "history").await;
    let client = Gateway::new(&gateway.url("")).with_token(&listener.access_token);
    // Two listens of T.N.T. (one duplicated in the file, spelled differently), one of Live
    // Wire, one unknown track, one broken line.
    let listenbrainz = write(
        &dir,
        "listens.jsonl",
        r#"{"listened_at": 1790000000, "track_metadata": {"artist_name": "AC/DC", "track_name": "T.N.T."}}
{"listened_at": 1790000600, "track_metadata": {"artist_name": "AC/DC", "track_name": "Live Wire", "release_name": "High Voltage"}}
{"listened_at": 1790000000, "track_metadata": {"artist_name": "ac dc", "track_name": "tnt"}}
{"listened_at": 1790001200, "track_metadata": {"artist_name": "Nobody Known", "track_name": "Unreleased"}}
{"listened_at": 1790001800}
"#,
    );
    let import = ListenImport {
        listener: &client,
        creator: None,
        source: "listenbrainz",
    };
    let tally = import
        .run(read_history(&listenbrainz).expect("the history"))
        .await
        .expect("the import");
    assert_eq!(
        (
            tally.read,
            tally.matched,
            tally.unmatched,
            tally.rejected,
            tally.events
        ),
        (5, 3, 1, 1, 6),
        "{tally}"
    );

    // Last.fm scrobbles (minutes, so 20 s off the ListenBrainz times: two more listens),
    // then the ListenBrainz file again (nothing more).
    let lastfm = write(&dir, "scrobbles.csv", "AC/DC,High Voltage,T.N.T.,21 Sep 2026 12:53\nAC/DC,High Voltage,Live Wire,21 Sep 2026 14:00\n");
    let tally = ListenImport {
        listener: &client,
        creator: None,
        source: "lastfm",
    }
    .run(read_history(&lastfm).expect("the scrobbles"))
    .await
    .expect("the Last.fm import");
    assert_eq!(tally.matched, 2, "{tally}");
    import
        .run(read_history(&listenbrainz).expect("the history"))
        .await
        .expect("the re-import");

    let plays = format!(
        "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{}')",
        listener.id
    );
    assert_eq!(
        run.wait_for_scalar(&plays, 8).await,
        8,
        "four listens, two events each"
    );
    let starts = format!("SELECT count() FROM plays FINAL WHERE user_id = toUUID('{}') AND kind = 'start' AND occurred_at_ms = 1790000000000", listener.id);
    assert_eq!(run.scalar(&starts).await, 1);

    // Asked to, the unknown track is added to the catalog and its listen counted.
    let tally = ListenImport {
        listener: &client,
        creator: Some(&admin),
        source: "listenbrainz",
    }
    .run(read_history(&listenbrainz).expect("the history"))
    .await
    .expect("the import creating tracks");
    assert_eq!((tally.created, tally.unmatched), (1, 0), "{tally}");
    assert_eq!(run.wait_for_scalar(&plays, 10).await, 10);

    gateway.stop().await;
    etl.stop().await;
    let _ = std::fs::remove_dir_all(dir);
    run.cleanup().await;
}

/// A one-second FLAC tone with Vorbis-comment tags, made by sox.
fn tagged_flac(path: &Path, tags: &[(&str, &str)], hz: u32) {
    let comments = path.with_extension("tags");
    let text: String = tags.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&comments, text).expect("a comment file");
    let status = Command::new("sox")
        .args(["-n", "-r", "22050", "-c", "1", "--comment-file"])
        .arg(&comments)
        .arg(path)
        .args(["synth", "1", "sine", &hz.to_string()])
        .status()
        .expect("running sox; install sox (scripts/stack test does)");
    assert!(status.success(), "sox failed for {}", path.display());
    std::fs::remove_file(comments).expect("removing the comment file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_uploads_tagged_audio_once_reports_removals_and_answers_requests() {
    let run = TestRun::new("ingest-sync");
    let gateway = run.start_gateway().await;
    let admin = admin_client(&run, &gateway).await;
    let dir = scratch("sync");
    let music = dir.join("music");
    std::fs::create_dir_all(music.join("Kind of Blue")).expect("a music directory");
    let album = [
        ("ARTIST", "Miles Davis"),
        ("ALBUM", "Kind of Blue"),
        ("GENRE", "Jazz"),
        ("DATE", "1959"),
    ];
    tagged_flac(
        &music.join("Kind of Blue/01.flac"),
        &[
            album.as_slice(),
            &[("TITLE", "So What"), ("TRACKNUMBER", "1")],
        ]
        .concat(),
        440,
    );
    tagged_flac(
        &music.join("Kind of Blue/02.flac"),
        &[
            album.as_slice(),
            &[("TITLE", "Freddie Freeloader"), ("TRACKNUMBER", "2")],
        ]
        .concat(),
        550,
    );
    tagged_flac(&music.join("untagged.flac"), &[], 660);
    std::fs::write(music.join("broken.mp3"), b"not audio at all").expect("a fake file");
    let feed: Vec<serde_json::Value> = JSONL
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    write(
        &dir,
        "feed.json",
        &serde_json::Value::from(feed).to_string(),
    );
    write(&dir, "sync.toml", "schedule = \"0 3 * * *\"\n[[source]]\nname = \"studio\"\ndirectory = \"music\"\n\n[[source]]\nname = \"label\"\nfeed = \"feed.json\"\n");
    let config = SyncConfig::load(&dir.join("sync.toml")).expect("the config");

    let first = run_once(&admin, &config).await.expect("the first sync");
    let studio = &first["studio"];
    assert_eq!((studio.created, studio.uploaded), (4, 2), "{studio:?}"); // artist, album, 2 tracks
    assert_eq!(studio.rejected.len(), 2, "{studio:?}"); // untagged.flac, broken.mp3
    assert!(
        studio
            .rejected
            .iter()
            .any(|r| r.starts_with("untagged.flac: no artist tag")),
        "{studio:?}"
    );
    // The feed's artist, album and two good tracks; its orphan and its empty title are refused.
    assert_eq!(
        (first["label"].created, first["label"].rejected.len()),
        (4, 2),
        "{:?}",
        first["label"]
    );

    let db = run.postgres().await;
    let stored: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT title, duration_ms, audio_etag FROM tracks WHERE external_id LIKE 'studio:%' ORDER BY track_number",
    )
    .fetch_all(&db)
    .await
    .expect("the synced tracks");
    assert_eq!(
        stored.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(),
        ["So What", "Freddie Freeloader"]
    );
    assert!(
        stored.iter().all(|t| t.1 == 1_000 && t.2.is_some()),
        "{stored:?}"
    );

    // Nothing changed: nothing is uploaded or updated.
    let second = run_once(&admin, &config).await.expect("the second sync");
    let studio = &second["studio"];
    assert_eq!(
        (
            studio.created,
            studio.updated,
            studio.uploaded,
            studio.audio_unchanged
        ),
        (0, 0, 0, 2),
        "{studio:?}"
    );

    // A file removed, another re-encoded: the removal is reported, the track stays.
    std::fs::remove_file(music.join("Kind of Blue/02.flac")).expect("removing a file");
    tagged_flac(
        &music.join("Kind of Blue/01.flac"),
        &[
            album.as_slice(),
            &[("TITLE", "So What"), ("TRACKNUMBER", "1")],
        ]
        .concat(),
        880,
    );
    let third = run_once(&admin, &config).await.expect("the third sync");
    let studio = &third["studio"];
    assert_eq!(
        (studio.uploaded, studio.removed.clone()),
        (1, vec!["Kind of Blue/02.flac".to_string()]),
        "{studio:?}"
    );
    let still: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tracks WHERE external_id LIKE 'studio:%'")
            .fetch_one(&db)
            .await
            .expect("a count");
    assert_eq!(still, 2);

    // Through the gateway: an admin asks, the running sync answers.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = {
        let (admin, config) = (admin.clone(), config.clone());
        tokio::spawn(async move {
            serve(&admin, &config, Duration::from_millis(100), async {
                let _ = stopped.await;
            })
            .await
        })
    };
    let api = Api::new(&gateway);
    let listener = register(&api, "no-sync").await;
    assert_eq!(
        listener.api.post("/v1/admin/sync", json!({})).await.status,
        403
    );
    let boss = run.account_with_role(&api, "sync-admin", "admin").await;
    let request = boss.api.post("/v1/admin/sync", json!({})).await.expect(202);
    let id = request["id"].as_str().expect("a request id").to_string();
    let what = format!("sync request {id} to finish");
    let finished = eventually_within(Duration::from_secs(30), &what, || async {
        let state = boss
            .api
            .get(&format!("/v1/admin/sync/{id}"))
            .await
            .expect(200);
        if state["status"] == "done" || state["status"] == "failed" {
            Ok(state)
        } else {
            Err(state)
        }
    })
    .await;
    assert_eq!(finished["status"], "done", "{finished}");
    assert!(
        finished["summary"]
            .as_str()
            .unwrap_or("")
            .contains("studio: 0 created"),
        "{finished}"
    );
    let _ = stop.send(());
    serving
        .await
        .expect("the sync task")
        .expect("the sync service");

    db.close().await;
    gateway.stop().await;
    let _ = std::fs::remove_dir_all(dir);
    run.cleanup().await;
}

fn options(seed: u64, events: u64, output: Option<PathBuf>) -> RunOptions {
    RunOptions {
        pacer: Pacer {
            start_ms: 1_790_000_000_000,
            speed: None,
            rate: Some(20_000.0),
        },
        seed,
        events: Some(events),
        duration: None,
        stop_at_now: false,
        report_every: Duration::from_secs(5),
        output,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_repeats_itself_keeps_its_rate_and_feeds_gateway_and_kafka() {
    let run = TestRun::new("ingest-sim");
    let dir = scratch("sim");
    let generator = || Generator::new(synthetic_tracks(300), 20, 42, 1_790_000_000_000);

    // Deterministic: the same seed and start write the same file.
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    run_to(
        generator(),
        Sink::Nowhere,
        options(42, 2_000, Some(a.clone())),
    )
    .await;
    run_to(
        generator(),
        Sink::Nowhere,
        options(42, 2_000, Some(b.clone())),
    )
    .await;
    let (a, b) = (std::fs::read(a).expect("a"), std::fs::read(b).expect("b"));
    assert_eq!(a, b);
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 2_000);
    // The file is a fixture `ingest replay` reads.
    encore_common::fixtures::parse(&String::from_utf8(a).expect("UTF-8")).expect("a valid fixture");

    // Rate control: 300 events at 1,000/s cannot go out faster than 0.3 s.
    let mut paced = options(42, 300, None);
    paced.pacer.rate = Some(1_000.0);
    let summary = run_to(generator(), Sink::Nowhere, paced).await;
    assert!(summary.elapsed >= Duration::from_millis(299), "{summary}");

    // Into the pipeline: through the gateway as registered listeners, and straight to Kafka.
    run.create_playback_topics().await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let admin = admin_client(&run, &gateway).await;
    let catalog = scratch("sim-catalog").join("catalog.jsonl");
    std::fs::write(&catalog, JSONL).expect("a catalog file");
    import_file(&admin, &catalog).await.expect("the catalog");
    let tracks: Vec<_> = admin
        .all_tracks()
        .await
        .expect("the catalog's tracks")
        .into_iter()
        .map(|t| encore_ingest::simulate::SimTrack {
            id: t.id,
            genre: t.genre.unwrap_or_default(),
            duration_ms: t.duration_ms,
        })
        .collect();
    let listeners = accounts(&gateway.url(""), 3, "simulated password")
        .await
        .expect("the simulated listeners");
    let now = encore_common::now_millis();
    let mut via_gateway = options(7, 400, None);
    via_gateway.pacer.start_ms = now - 86_400_000;
    let summary = run_to(
        Generator::new(tracks, 3, 7, now - 86_400_000),
        Sink::Gateway(listeners),
        via_gateway,
    )
    .await;
    assert_eq!(summary.events, 400);
    let sim_users = "SELECT count() FROM plays FINAL WHERE client_app = 'encore-simulator'";
    assert_eq!(run.wait_for_scalar(sim_users, 400).await, 400);

    let kafka = Sink::kafka(run_kafka(&run)).await.expect("a Kafka sink");
    run_to(generator(), kafka, options(43, 600, None)).await;
    assert_eq!(run.wait_for_scalar(sim_users, 1_000).await, 1_000);

    gateway.stop().await;
    etl.stop().await;
    let _ = std::fs::remove_dir_all(dir);
    run.cleanup().await;
}

fn run_kafka(run: &TestRun) -> encore_common::KafkaConfig {
    run.etl_config().kafka
}

async fn run_to(
    generator: Generator,
    sink: Sink,
    options: RunOptions,
) -> encore_ingest::simulate::run::RunSummary {
    run(generator, sink, options, std::future::pending())
        .await
        .expect("a simulation run")
}

/// One import request is applied kind by kind, so a row may name a parent
/// that comes later in the same request; a repeated external id and a
/// missing parent are answered on their own rows, and the rest go in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_import_request_takes_parents_anywhere_in_it_and_answers_each_row() {
    let run = TestRun::new("import-rows");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "importer", "admin")
        .await;
    let rows = json!({"rows": [
        {"kind": "track", "external_id": "t1", "artist_external_id": "a1", "album_external_id": "b1", "title": "Early Child"},
        {"kind": "album", "external_id": "b1", "artist_external_id": "a1", "title": "Late Parent"},
        {"kind": "artist", "external_id": "a1", "name": "Last Of All"},
        {"kind": "artist", "external_id": "a1", "name": "Said Twice"},
        {"kind": "track", "external_id": "t2", "artist_external_id": "a1", "album_external_id": "nope", "title": "Orphan"},
        {"kind": "track", "external_id": "t3", "artist_external_id": "a1", "title": ""}
    ]});
    let answer = admin
        .api
        .post("/v1/admin/import", rows.clone())
        .await
        .expect(200);
    let results = answer["results"].as_array().expect("results").clone();
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        ["created", "created", "created", "rejected", "rejected", "rejected"],
        "{answer:?}"
    );
    let field = |n: usize| {
        results[n]["errors"][0]["field"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(field(3), "external_id");
    assert!(
        results[3]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("row 2")),
        "{:?}",
        results[3]
    );
    assert_eq!(field(4), "album_external_id");
    assert_eq!(field(5), "title");
    let track = admin
        .api
        .get(&format!(
            "/v1/tracks/{}",
            results[0]["id"].as_str().expect("an id")
        ))
        .await
        .expect(200);
    assert_eq!(track["album_id"], results[1]["id"]);
    assert_eq!(track["artist_id"], results[2]["id"]);

    // The same request again: every accepted row unchanged, the same answers otherwise.
    let again = admin.api.post("/v1/admin/import", rows).await.expect(200);
    let statuses: Vec<&str> = again["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        [
            "unchanged",
            "unchanged",
            "unchanged",
            "rejected",
            "rejected",
            "rejected"
        ]
    );
    gateway.stop().await;
    run.cleanup().await;
}
