//! Migrations are append-only: a database built by an earlier release
//! upgrades to this one without losing anything and then answers like a
//! fresh one, and an applied migration that was edited is refused at start.
//!
//! The earlier release is commit 3b19712, the last before ClickHouse
//! migration 0003 was edited in place (2889e8d: `ANY` → `ALL` joins, which
//! changed the artist views' listener counts on current ClickHouse). Its
//! migration files are kept in `tests/fixtures/upgrade/3b19712/`, as they
//! were (`git show 3b19712:etl/migrations/…`, `…:gateway/migrations/…`, since moved to `core/migrations/`).
//! Migration 0007 drops and recreates every view that edit touched, so a
//! database of that commit must end up with today's views.

use std::path::PathBuf;

use encore_etl::plays::PlayRow;
use encore_tests::api::Api;
use encore_tests::TestRun;
use uuid::Uuid;

const EARLIER: &str = "3b19712";

fn fixtures(engine: &str) -> PathBuf {
    encore_tests::fixture_path(&format!("upgrade/{EARLIER}/{engine}"))
}

/// The migrations of [`EARLIER`], applied as its runner applied them.
async fn clickhouse_as_earlier(run: &TestRun) {
    let server = encore_etl::warehouse::server(&run.clickhouse_url);
    server
        .query(&format!("CREATE DATABASE IF NOT EXISTS {}", run.database))
        .execute()
        .await
        .expect("the database");
    let db = run.clickhouse();
    db.query(
        "CREATE TABLE IF NOT EXISTS encore_migrations \
         (version UInt32, name String, applied_at DateTime DEFAULT now()) \
         ENGINE = MergeTree() ORDER BY version",
    )
    .execute()
    .await
    .expect("the migrations table");
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures("clickhouse"))
        .expect("the earlier migrations")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    for (n, file) in files.iter().enumerate() {
        let sql = std::fs::read_to_string(file).expect("a migration");
        for statement in encore_etl::warehouse::migrations::statements(&sql) {
            db.query(&statement)
                .execute()
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        let name = file.file_stem().and_then(|s| s.to_str()).expect("a name");
        db.query("INSERT INTO encore_migrations (version, name) VALUES (?, ?)")
            .bind(n as u32 + 1)
            .bind(name)
            .execute()
            .await
            .expect("recorded");
    }
}

/// Three hours of plays by 12 listeners of 20 tracks by 3 artists, and the
/// dimensions naming them: the same rows go into both databases.
struct Events {
    artists: Vec<Uuid>,
    tracks: Vec<Uuid>,
    plays: Vec<PlayRow>,
}

fn events() -> Events {
    let artists: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    let tracks: Vec<Uuid> = (0..20).map(|_| Uuid::new_v4()).collect();
    let users: Vec<Uuid> = (0..12).map(|_| Uuid::new_v4()).collect();
    let start = (encore_common::now_millis() / 3_600_000 - 3) * 3_600_000;
    let plays = (0..600u32)
        .map(|i| {
            let at = start + i64::from(i) * 17_000;
            let kind = [1, 3, 6, 5][(i % 4) as usize];
            PlayRow {
                event_id: Uuid::new_v4(),
                user_id: users[(i % 12) as usize],
                track_id: tracks[(i * 7 % 20) as usize],
                session_id: users[(i % 12) as usize],
                kind,
                position_ms: (i % 7) * 11_000,
                track_duration_ms: 200_000,
                occurred_at: (at / 1000) as u32,
                occurred_at_ms: at as u64,
                received_at: (at / 1000) as u32,
                received_at_ms: at as u64,
                client_app: "upgrade".into(),
                client_version: String::new(),
                device_id: String::new(),
                device_platform: "web".into(),
                context_kind: "other".into(),
                context_id: String::new(),
                kafka_partition: 0,
                kafka_offset: i64::from(i),
            }
        })
        .collect();
    Events {
        artists,
        tracks,
        plays,
    }
}

async fn feed(run: &TestRun, events: &Events) {
    let db = run.clickhouse();
    for (n, artist) in events.artists.iter().enumerate() {
        db.query(
            "INSERT INTO dim_artists (id, name, genres, country, version, deleted, updated_at) \
             VALUES (?, ?, [], '', 1, 0, toDateTime('2026-01-01 00:00:00'))",
        )
        .bind(artist.to_string())
        .bind(format!("Artist {n}"))
        .execute()
        .await
        .expect("an artist");
    }
    for (n, track) in events.tracks.iter().enumerate() {
        db.query(
            "INSERT INTO dim_tracks (id, artist_id, album_id, title, duration_ms, genre, \
             release_year, version, deleted, updated_at) \
             VALUES (?, ?, ?, ?, 200000, 'rock', 2020, 1, 0, toDateTime('2026-01-01 00:00:00'))",
        )
        .bind(track.to_string())
        .bind(events.artists[n % 3].to_string())
        .bind(Uuid::nil().to_string())
        .bind(format!("Track {n}"))
        .execute()
        .await
        .expect("a track");
    }
    let mut insert = db.insert::<PlayRow>("plays").await.expect("an insert");
    for play in &events.plays {
        insert.write(play).await.expect("a play");
    }
    insert.end().await.expect("the plays");
}

/// What `sql` answers, as TabSeparated text.
async fn tsv(run: &TestRun, sql: &str) -> String {
    let bytes = run
        .clickhouse()
        .query(sql)
        .fetch_bytes("TabSeparated")
        .expect("a query")
        .collect()
        .await
        .expect("the answer");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every row of `view`, as sorted text.
async fn rows(run: &TestRun, view: &str) -> Vec<String> {
    let mut lines: Vec<String> = tsv(run, &format!("SELECT * FROM {view}"))
        .await
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warehouse_of_3b19712_upgrades_and_answers_like_a_fresh_one() {
    if !encore_etl::warehouse::Layout::from_env()
        .on_cluster()
        .is_empty()
    {
        println!("skipped: {EARLIER} knew one ClickHouse server only");
        return;
    }
    let earlier = TestRun::new("upgrade-ch");
    let fresh = TestRun::new("upgrade-ch-fresh");
    let events = events();

    clickhouse_as_earlier(&earlier).await;
    feed(&earlier, &events).await;
    let applied = encore_etl::warehouse::migrate(&earlier.clickhouse_url, &earlier.database)
        .await
        .expect("the upgrade");
    assert!(applied >= 3, "0005 onwards applied, {applied}");

    encore_etl::warehouse::migrate(&fresh.clickhouse_url, &fresh.database)
        .await
        .expect("a fresh warehouse");
    feed(&fresh, &events).await;

    let count = "SELECT count() FROM plays FINAL";
    assert_eq!(earlier.scalar(count).await, 600, "no play lost");
    for view in [
        "track_hourly",
        "track_daily",
        "artist_hourly",
        "artist_daily",
        "platform_hourly",
        "dim_tracks FINAL",
        "dim_artists FINAL",
    ] {
        let (upgraded, new) = (rows(&earlier, view).await, rows(&fresh, view).await);
        assert!(!new.is_empty(), "{view} has rows");
        assert_eq!(
            upgraded, new,
            "{view}: the upgraded database answers as a fresh one"
        );
    }
    // On 18.16 the old joins happen to count alike, so the answers alone
    // would not show an old view left behind: its definition does.
    let definitions = |run: &TestRun| {
        format!(
            "SELECT replaceAll(create_table_query, '{0}.', '') FROM system.tables \
             WHERE database = '{0}' ORDER BY name",
            run.database
        )
    };
    let (upgraded, new) = (
        tsv(&earlier, &definitions(&earlier)).await,
        tsv(&fresh, &definitions(&fresh)).await,
    );
    println!("{} objects defined alike", new.lines().count());
    assert!(new.contains("CREATE VIEW"), "{new}");
    for (old, now) in upgraded.lines().zip(new.lines()) {
        assert_eq!(old, now, "the same objects, defined alike");
    }
    assert_eq!(
        upgraded.lines().count(),
        new.lines().count(),
        "{upgraded}\n---\n{new}"
    );

    // Migrating again applies nothing and finds every checksum as recorded.
    assert_eq!(
        encore_etl::warehouse::migrate(&earlier.clickhouse_url, &earlier.database)
            .await
            .expect("idempotent"),
        0
    );
    earlier.cleanup().await;
    fresh.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_applied_warehouse_migration_is_refused() {
    let run = TestRun::new("upgrade-ch-changed");
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    // As if 0003's statements had been edited since they ran here.
    run.clickhouse()
        .query("INSERT INTO encore_migration_checksums (version, checksum) VALUES (3, 'before')")
        .execute()
        .await
        .expect("a checksum");
    let error = encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect_err("refused")
        .to_string();
    assert!(error.contains("0003_aggregates"), "{error}");
    assert!(error.contains("append-only"), "{error}");
    run.cleanup().await;
}

/// Row counts of every table in the run's PostgreSQL database.
async fn counts(db: &sqlx::PgPool) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
           AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .expect("the tables");
    let mut out = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{table}\""))
            .fetch_one(db)
            .await
            .expect("a count");
        out.push((table, n));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_3b19712_upgrades_without_losing_a_row() {
    let run = TestRun::new("upgrade-pg");
    let db = run.postgres().await;
    sqlx::migrate::Migrator::new(fixtures("postgres"))
        .await
        .expect("the earlier migrations")
        .run(&db)
        .await
        .expect("the earlier schema");
    let (user, artist, album, track, playlist) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    for (sql, id) in [
        (
            "INSERT INTO users (id, email, username, password_hash) \
             VALUES ($1, 'old@example.com', 'old', 'not a hash')",
            user,
        ),
        (
            "INSERT INTO artists (id, name) VALUES ($1, 'Old Artist')",
            artist,
        ),
        (
            "INSERT INTO albums (id, artist_id, title) \
             SELECT $1, id, 'Old Album' FROM artists",
            album,
        ),
        (
            "INSERT INTO tracks (id, artist_id, album_id, title, duration_ms) \
             SELECT $1, artist_id, id, 'Old Track', 1000 FROM albums",
            track,
        ),
        (
            "INSERT INTO playlists (id, owner_id, name) SELECT $1, id, 'Old List' FROM users",
            playlist,
        ),
        (
            "INSERT INTO playlist_items (id, playlist_id, track_id, position) \
             SELECT $1, p.id, t.id, 0 FROM playlists p, tracks t",
            Uuid::new_v4(),
        ),
        (
            "INSERT INTO track_likes (user_id, track_id) SELECT $1, id FROM tracks",
            user,
        ),
    ] {
        sqlx::query(sql)
            .bind(id)
            .execute(&db)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let before = counts(&db).await;

    encore_core::db::migrate(&db).await.expect("the upgrade");
    let after = counts(&db).await;
    // Dropped on purpose by a later migration, which says why.
    const DROPPED: [(&str, &str); 1] = [(
        "listening_history",
        "0010: a listener's history is read from the warehouse's plays",
    )];
    for (table, n) in &before {
        let now = after.iter().find(|(t, _)| t == table).map(|(_, n)| *n);
        match DROPPED.iter().find(|(t, _)| t == table) {
            Some((_, why)) => assert_eq!(now, None, "{table} dropped ({why})"),
            None => assert_eq!(now, Some(*n), "{table} kept its rows"),
        }
    }
    // And the gateway of today serves them.
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let answer = api.get(&format!("/v1/tracks/{track}")).await.expect(200);
    assert_eq!(answer["title"], "Old Track");
    assert_eq!(answer["album_id"], album.to_string());
    gateway.stop().await;

    // An applied migration edited since is refused, naming it.
    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00'::bytea WHERE version = 2")
        .execute(&db)
        .await
        .expect("a changed checksum");
    let error = encore_core::db::migrate(&db)
        .await
        .expect_err("refused")
        .to_string();
    assert!(error.contains("modified"), "{error}");
    assert!(error.contains('2'), "{error}");
    db.close().await;
    run.cleanup().await;
}
