//! Aggregates, co-listening, recommendations and their endpoints, from topic
//! records through the real broker into ClickHouse and out of the gateway.

use clickhouse::Row;
use encore_schemas::{
    Artist, CatalogChange, ChangeOp, Client, ContextKind, Device, EntityType, PlaybackContext,
    PlaybackEvent, PlaybackKind, Track,
};
use encore_tests::api::{register, Api};
use encore_tests::{catalog_records, eventually, playback_records, TestRun};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

const MINUTE: i64 = 60_000;

fn id(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes())
}

/// A catalog: artists with tracks, each track with a genre.
pub(crate) fn catalog(run: &str, tracks: &[(&str, &str, &str)]) -> Vec<CatalogChange> {
    let change = |entity_type, entity_id| CatalogChange {
        change_id: Uuid::new_v4(),
        entity_type,
        entity_id,
        version: 1,
        op: ChangeOp::Upsert,
        occurred_at: encore_common::now_millis(),
        artist: None,
        album: None,
        track: None,
        playlist: None,
    };
    let mut out = Vec::new();
    let mut artists: Vec<&str> = tracks.iter().map(|(_, artist, _)| *artist).collect();
    artists.sort();
    artists.dedup();
    for artist in artists {
        let artist_id = id(&format!("{run}-{artist}"));
        let mut c = change(EntityType::Artist, artist_id);
        c.artist = Some(Artist {
            id: artist_id,
            name: artist.into(),
            genres: vec![],
            country: None,
            image_url: None,
        });
        out.push(c);
    }
    for (title, artist, genre) in tracks {
        let track_id = id(&format!("{run}-{title}"));
        let mut c = change(EntityType::Track, track_id);
        c.track = Some(Track {
            id: track_id,
            artist_id: id(&format!("{run}-{artist}")),
            album_id: None,
            title: (*title).into(),
            duration_ms: 200_000,
            genre: Some((*genre).into()),
            release_year: None,
            track_number: None,
            audio_key: None,
        });
        out.push(c);
    }
    out
}

pub(crate) fn event(
    user: Uuid,
    track: Uuid,
    kind: PlaybackKind,
    position_ms: i64,
    at: i64,
) -> PlaybackEvent {
    PlaybackEvent {
        event_id: Uuid::new_v4(),
        user_id: user,
        track_id: track,
        session_id: user,
        kind,
        position_ms,
        track_duration_ms: 200_000,
        occurred_at: at,
        received_at: at,
        client: Client {
            app: "encore-test".into(),
            version: None,
        },
        device: Device {
            id: None,
            platform: "web".into(),
        },
        context: PlaybackContext {
            kind: ContextKind::Album,
            id: None,
        },
    }
}

#[derive(Row, Deserialize, Debug, PartialEq)]
struct Metrics {
    plays: u64,
    listened_ms: u64,
    completions: u64,
    skips: u64,
    listeners: u64,
}

/// `sql`'s one row (`?` bound to `key`) once `want` holds of it. On the
/// cluster a read through `Distributed` may reach a replica that has not
/// fetched the newest parts yet, so it waits for them; a count past what is
/// wanted never comes back to it, so a double still fails.
async fn settled(
    run: &TestRun,
    sql: &str,
    key: Option<&str>,
    want: impl Fn(&Metrics) -> bool,
) -> Metrics {
    eventually(&format!("{sql} ({key:?}) to settle"), || async {
        let mut query = run.clickhouse().query(sql);
        if let Some(key) = key {
            query = query.bind(key);
        }
        match query.fetch_one::<Metrics>().await {
            Ok(m) if want(&m) => Ok(m),
            Ok(m) => Err(format!("{m:?}")),
            Err(e) => Err(e.to_string()),
        }
    })
    .await
}

/// The start of the hour two hours ago: inside "today" for charts by week.
pub(crate) fn base_hour() -> i64 {
    let now = encore_common::now_millis();
    now - now.rem_euclid(3_600_000) - 2 * 3_600_000
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_are_exact_with_duplicated_events_and_the_ready_queries_run() {
    let run = TestRun::new("agg-exact");
    let changes = catalog(
        "agg",
        &[
            ("Song A", "Artist X", "rock"),
            ("Song B", "Artist X", "rock"),
            ("Song C", "Artist Y", "jazz"),
        ],
    );
    let (a, b, c) = (id("agg-Song A"), id("agg-Song B"), id("agg-Song C"));
    let (x, y) = (id("agg-Artist X"), id("agg-Artist Y"));
    let (u1, u2, u3) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let h = base_hour();
    use PlaybackKind::*;
    let mut events = vec![
        event(u1, a, Start, 0, h + MINUTE),
        event(u1, a, Complete, 200_000, h + 4 * MINUTE),
        event(u1, b, Start, 0, h + 5 * MINUTE),
        event(u1, b, Skip, 10_000, h + 5 * MINUTE + 10_000),
        event(u2, a, Start, 0, h + 10 * MINUTE),
        event(u2, a, Complete, 200_000, h + 14 * MINUTE),
        event(u2, c, Start, 0, h + 15 * MINUTE),
        event(u2, c, Complete, 20_000, h + 15 * MINUTE + 20_000),
        event(u3, a, Start, 0, h + 20 * MINUTE),
        event(u3, a, Progress, 50_000, h + 21 * MINUTE),
    ];
    // A client retry re-sends two events with the same ids.
    events.push(events[0].clone());
    events.push(events[5].clone());
    run.produce(&catalog_records(&changes)).await;
    run.produce(&playback_records(&events)).await;
    let etl = run.start_etl(run.etl_config()).await;

    let hour_of = |track: Uuid| {
        format!(
            "SELECT plays, listened_ms, completions, skips, listeners FROM track_hourly \
             WHERE track_id = toUUID(?) AND hour = toDateTime({})",
            h / 1_000
        )
        .replace('?', &format!("'{track}'"))
    };
    assert_eq!(
        run.wait_for_scalar(
            &format!("SELECT toUInt64(count()) FROM ({})", hour_of(c)),
            1
        )
        .await,
        1
    );
    assert_eq!(
        run.wait_for_scalar("SELECT toUInt64(count()) FROM dim_tracks FINAL", 3)
            .await,
        3
    );
    let expected = |plays, listened_ms, completions, skips, listeners| Metrics {
        plays,
        listened_ms,
        completions,
        skips,
        listeners,
    };
    for (track, want) in [
        (a, expected(3, 400_000, 2, 0, 3)),
        (b, expected(1, 10_000, 0, 1, 1)),
        (c, expected(1, 20_000, 1, 1, 1)),
    ] {
        settled(&run, &hour_of(track), None, |m| *m == want).await;
    }
    let daily = "SELECT plays, listened_ms, completions, skips, listeners FROM track_daily WHERE track_id = toUUID(?)";
    settled(&run, daily, Some(&a.to_string()), |m| m.plays == 3).await;
    let artist = "SELECT plays, listened_ms, completions, skips, listeners FROM artist_daily WHERE artist_id = toUUID(?)";
    let want = expected(4, 410_000, 2, 1, 3);
    settled(&run, artist, Some(&x.to_string()), |m| *m == want).await;
    settled(&run, artist, Some(&y.to_string()), |m| m.listeners == 1).await;
    let artist_hour = "SELECT plays, listened_ms, completions, skips, listeners FROM artist_hourly WHERE artist_id = toUUID(?)";
    settled(&run, artist_hour, Some(&x.to_string()), |m| m.plays == 4).await;
    let affinity = "SELECT plays, listened_ms, completions, skips, toUInt64(1) AS listeners FROM user_track_affinity FINAL \
                    WHERE user_id = toUUID(?) AND track_id = toUUID('TRACK')";
    let user = u1.to_string();
    settled(
        &run,
        &affinity.replace("TRACK", &a.to_string()),
        Some(&user),
        |m| (m.plays, m.listened_ms, m.completions, m.skips) == (1, 200_000, 1, 0),
    )
    .await;
    settled(
        &run,
        &affinity.replace("TRACK", &b.to_string()),
        Some(&user),
        |m| (m.plays, m.skips) == (1, 1),
    )
    .await;
    let platform = format!("SELECT toUInt64(active_users), toUInt64(plays), toUInt64(new_users) FROM platform_hourly WHERE hour = toDateTime({})", h / 1_000);
    eventually(
        "platform_hourly to count 3 listeners, 5 plays, 3 newcomers",
        || async {
            match run
                .clickhouse()
                .query(&platform)
                .fetch_one::<(u64, u64, u64)>()
                .await
            {
                Ok((3, 5, 3)) => Ok(()),
                Ok(row) => Err(format!("{row:?}")),
                Err(e) => Err(e.to_string()),
            }
        },
    )
    .await;
    // The duplicates did arrive: plays holds 12 rows for 10 events until merges fold them.
    assert_eq!(
        run.wait_for_scalar("SELECT uniqExact(event_id) FROM plays", 10)
            .await,
        10
    );

    // Every ready query of docs/analytics.md runs against these data.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/analytics.md"))
        .expect("the analytics doc");
    let queries: Vec<&str> = doc
        .split("```sql")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .collect();
    assert!(
        queries.len() >= 12,
        "a dozen ready queries, found {}",
        queries.len()
    );
    for sql in queries {
        let result = run.clickhouse().query(sql.trim()).execute().await;
        assert!(result.is_ok(), "{sql}: {result:?}");
    }

    // The same data through the same views on current ClickHouse (chdb):
    // every view and every ready query gives the same rows as 18.16.
    let compared = encore_tests::interop::run_script(
        "clickhouse_current.py",
        &[
            "--migrations".into(),
            encore_tests::interop::repo_root()
                .join("warehouse/migrations")
                .display()
                .to_string(),
            "--docs".into(),
            encore_tests::interop::repo_root()
                .join("docs/analytics.md")
                .display()
                .to_string(),
            "--compare".into(),
            run.clickhouse_url.clone(),
            run.database.clone(),
        ],
    );
    let said = String::from_utf8_lossy(&compared.stdout);
    eprintln!("{said}{}", String::from_utf8_lossy(&compared.stderr));
    assert!(
        compared.status.success(),
        "current ClickHouse disagrees with 18.16:\n{said}"
    );
    assert!(said.contains("\"compared\": "), "{said}");
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_co_listens_become_recommendations_and_cold_starts_get_the_fallback() {
    let run = TestRun::new("recs");
    let tracks = [
        ("Planted One", "Band P", "rock"),
        ("Planted Two", "Band Q", "rock"),
        ("Filler Three", "Band R", "rock"),
        ("Jazz Four", "Band J", "jazz"),
        ("Jazz Five", "Band K", "jazz"),
    ];
    let changes = catalog("recs", &tracks);
    let t: Vec<Uuid> = tracks
        .iter()
        .map(|(title, _, _)| id(&format!("recs-{title}")))
        .collect();
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let alice = register(&api, "alice").await;
    let zoe = register(&api, "zoe").await;
    let jazzy = register(&api, "jazzy").await;

    // Six listeners play One then Two in a session (the planted co-listen),
    // some go on to Three; Five is played widely so it tops the jazz chart.
    let h = base_hour();
    let mut events = Vec::new();
    for n in 0..6i64 {
        let listener = Uuid::new_v4();
        let at = h + n * 2 * MINUTE;
        events.push(event(listener, t[0], PlaybackKind::Start, 0, at));
        events.push(event(
            listener,
            t[1],
            PlaybackKind::Start,
            0,
            at + MINUTE / 2,
        ));
        if n % 2 == 0 {
            events.push(event(listener, t[2], PlaybackKind::Start, 0, at + MINUTE));
        }
        events.push(event(
            listener,
            t[4],
            PlaybackKind::Start,
            0,
            at + 90 * MINUTE,
        ));
    }
    // Alice has played only One; jazzy only Four, once.
    events.push(event(
        alice.id,
        t[0],
        PlaybackKind::Start,
        0,
        h + 30 * MINUTE,
    ));
    events.push(event(
        alice.id,
        t[0],
        PlaybackKind::Complete,
        200_000,
        h + 34 * MINUTE,
    ));
    events.push(event(
        jazzy.id,
        t[3],
        PlaybackKind::Start,
        0,
        h + 40 * MINUTE,
    ));
    run.produce(&catalog_records(&changes)).await;
    run.produce(&playback_records(&events)).await;
    let etl = run.start_etl(run.etl_config()).await;

    let similar = poll(&api, &format!("/v1/tracks/{}/similar", t[0]), |b| {
        has_track(b, t[1])
    })
    .await;
    assert_eq!(
        similar["items"][0]["track_id"],
        t[1].to_string(),
        "{similar}"
    );
    assert_eq!(similar["items"][0]["title"], "Planted Two");
    assert_eq!(similar["items"][0]["why"]["code"], "played_with");

    let mine = poll(&alice.api, "/v1/me/recommendations", |b| has_track(b, t[1])).await;
    let two = find(&mine, t[1]).expect("Planted Two is recommended");
    assert_eq!(two["reason"], "Because you played Planted One");
    assert_eq!(two["because_of"], t[0].to_string());
    // The same reason as a code with what it names, for apps to word.
    assert_eq!(
        two["why"],
        json!({"code": "played", "track_id": t[0].to_string(), "title": "Planted One"})
    );
    assert!(find(&mine, t[0]).is_none() || mine["items"][0]["track_id"] != t[0].to_string());

    let cold = poll(&zoe.api, "/v1/me/recommendations", |b| !items(b).is_empty()).await;
    assert!(
        items(&cold)
            .iter()
            .all(|i| i["reason"] == "Popular on Encore"),
        "{cold}"
    );
    assert_eq!(
        cold["items"][0]["track_id"],
        t[0].to_string(),
        "the most played track first"
    );
    // The features job runs every half second over whatever the dimensions
    // hold by then: wait for a run that has seen the jazz tracks' genre.
    let jazz = poll(&jazzy.api, "/v1/me/recommendations", |b| {
        items(b)
            .first()
            .is_some_and(|i| i["reason"] != "Popular on Encore")
    })
    .await;
    assert_eq!(jazz["items"][0]["reason"], "Popular in jazz", "{jazz}");
    assert_eq!(
        jazz["items"][0]["why"],
        json!({"code": "genre", "genre": "jazz"})
    );
    assert_eq!(jazz["items"][0]["track_id"], t[4].to_string());

    let chart = poll(&api, "/v1/charts/tracks?period=week", |b| {
        !items(b).is_empty()
    })
    .await;
    assert_eq!(chart["items"][0]["title"], "Planted One");
    assert_eq!(chart["items"][0]["plays"], 7);
    assert_eq!(chart["items"][0]["artist_name"], "Band P");
    let artists = api.get("/v1/charts/artists?period=week").await.expect(200);
    assert_eq!(artists["items"][0]["name"], "Band P");
    let trending = api
        .get("/v1/charts/trending?period=day&limit=5")
        .await
        .expect(200);
    assert!(
        items(&trending)
            .iter()
            .all(|i| i["previous_plays"] == 0 && i["plays"].as_u64() >= Some(3)),
        "{trending}"
    );
    let stats = poll(&alice.api, "/v1/me/stats?period=week", |b| b["plays"] == 1).await;
    assert_eq!(
        stats["minutes"].as_f64().map(|m| (m * 60.0).round()),
        Some(200.0)
    );
    assert_eq!(stats["top_tracks"][0]["name"], "Planted One");
    assert_eq!(stats["top_artists"][0]["name"], "Band P");
    assert_eq!(stats["genres"][0]["name"], "rock");
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}

pub(crate) fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

pub(crate) fn find(body: &Value, track: Uuid) -> Option<Value> {
    items(body)
        .into_iter()
        .find(|i| i["track_id"] == track.to_string())
}

fn has_track(body: &Value, track: Uuid) -> bool {
    find(body, track).is_some()
}

/// Asks `path` until its answer is 200 and `accept` holds for it, and returns that answer.
pub(crate) async fn poll(api: &Api, path: &str, accept: impl Fn(&Value) -> bool) -> Value {
    let what = format!("{path} to give the expected answer");
    eventually(&what, || async {
        let answer = api.get(path).await;
        if answer.status == 200 && accept(&answer.body) {
            Ok(answer.body)
        } else {
            Err(format!("{} {}", answer.status, answer.body))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_reaches_the_warehouse() {
    let run = TestRun::new("hostile");
    let gateway = run.start_gateway().await;
    let etl = run.start_etl(run.etl_config()).await;
    let api = Api::new(&gateway);
    let user = register(&api, "mallory").await;
    for path in [
        "/v1/charts/tracks?period=day%27%3B%20DROP%20TABLE%20plays%3B%20--",
        "/v1/charts/artists?limit=1)%20UNION%20SELECT%201",
        "/v1/charts/trending?period=week&limit=-1",
        "/v1/tracks/x%27%20OR%201%3D1%20--/similar",
        "/v1/tracks/00000000-0000-0000-0000-000000000000/similar?limit=1%3BDROP",
    ] {
        let answer = api.get(path).await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        assert!(!answer.error_fields().is_empty(), "{path}: {}", answer.body);
    }
    let stats = user
        .api
        .get("/v1/me/stats?period=%27%20OR%20%271%27%3D%271")
        .await;
    assert_eq!(stats.status, 400);
    assert_eq!(run.scalar("SELECT toUInt64(count()) FROM system.tables WHERE database = currentDatabase() AND name = 'plays'").await, 1);
    let ok = api.get("/v1/charts/tracks?period=month").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}
