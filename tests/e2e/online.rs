//! The online store (Redis) against the warehouse it copies: what Redis
//! answers equals what ClickHouse answers for the same listener, a replayed
//! topic adds nothing, and with Redis killed, then back empty (as after a
//! flush), every answer stays the same: from the warehouse, then rebuilt.

use std::collections::HashMap;

use encore_online::{generation, history as online_history, playing, Source, Store};
use encore_schemas::PlaybackKind;
use encore_tests::api::{register, Api};
use encore_tests::servers::OwnServer;
use encore_tests::{eventually, playback_records, TestRun};
use encore_warehouse::charts::{self, AlbumOrder};
use encore_warehouse::{features, history};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::analytics::{event, items};

const MINUTE: i64 = 60_000;

/// Plays of each listener.
const PLAYS: usize = 8;

/// Twelve tracks of four bands; `listeners` each play eight of them (so
/// there is something left to recommend), starting at a different one, in
/// the last half hour. Returns the tracks and the plays' events.
async fn listening(
    admin: &Api,
    listeners: &[Uuid],
) -> (Vec<Uuid>, Vec<encore_schemas::PlaybackEvent>) {
    // Each band an artist with one album of its three tracks.
    let mut order = Vec::new();
    for band in ["Band A", "Band B", "Band C", "Band D"] {
        let artist = admin
            .post("/v1/artists", json!({ "name": band }))
            .await
            .expect(201)["id"]
            .clone();
        let album = admin
            .post(
                "/v1/albums",
                json!({"artist_id": artist, "title": format!("{band} LP")}),
            )
            .await
            .expect(201)["id"]
            .clone();
        for n in 1..=3 {
            let genre = if n % 2 == 0 { "jazz" } else { "rock" };
            let title = format!("{} {n}", &band[5..]);
            let body =
                json!({"artist_id": artist, "album_id": album, "title": title, "genre": genre});
            let made = admin.post("/v1/tracks", body).await.expect(201);
            order.push(
                made["id"]
                    .as_str()
                    .and_then(|s| s.parse::<Uuid>().ok())
                    .expect("a track id"),
            );
        }
    }
    let start = encore_common::now_millis() - 30 * MINUTE;
    let mut events = Vec::new();
    for (n, listener) in listeners.iter().enumerate() {
        for k in 0..PLAYS {
            let track = order[(n * 3 + k) % order.len()];
            let at = start + (n as i64) * 7 + (k as i64) * MINUTE;
            events.push(event(*listener, track, PlaybackKind::Start, 0, at));
        }
    }
    (order, events)
}

/// Every play of `user`, newest first, as the warehouse has them.
async fn warehouse_history(run: &TestRun, user: Uuid) -> Vec<history::Play> {
    history::listener_plays(&run.clickhouse(), user, None, 1_000)
        .await
        .expect("the warehouse's history")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_answers_as_the_warehouse_does_and_a_replay_adds_nothing() {
    let run = TestRun::new("online-same");
    let gateway = run.start_gateway().await;
    let etl = run.start_etl(run.etl_config()).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "curator", "admin").await;
    let dana = register(&api, "dana").await;
    let mut listeners: Vec<Uuid> = (0..7).map(|_| Uuid::new_v4()).collect();
    listeners.push(dana.id);
    let (tracks, events) = listening(&admin.api, &listeners).await;
    // The topic twice over: what a replay (or a producer's retry) delivers.
    let records = playback_records(&events);
    run.produce(&records).await;
    run.produce(&records).await;

    let db = run.clickhouse();
    let store = run.online();
    let per_listener = PLAYS;
    for user in &listeners {
        eventually("each listener's plays in the warehouse", || async {
            let plays = warehouse_history(&run, *user).await;
            if plays.len() == per_listener {
                Ok(())
            } else {
                Err(plays.len())
            }
        })
        .await;
    }
    for user in &listeners {
        let expected = warehouse_history(&run, *user).await;
        // The etl copied the plays, but only a read from the warehouse marks
        // the listener complete: the first read rebuilds, the next is Redis's.
        let (first, source) = online_history::page(&store, &db, *user, None, 1_000)
            .await
            .expect("history");
        assert_eq!(first, expected, "rebuilt as the warehouse has it");
        assert_ne!(source, Source::Warehouse);
        let (again, source) = online_history::page(&store, &db, *user, None, 1_000)
            .await
            .expect("history");
        assert_eq!(
            (again, source),
            (expected.clone(), Source::Redis),
            "twice-delivered plays are there once"
        );
        // A page after a cursor in the middle.
        let cursor = history::Before {
            occurred_at_ms: expected[4].occurred_at_ms,
            event_id: expected[4].event_id,
        };
        let (page, source) = online_history::page(&store, &db, *user, Some(cursor), 3)
            .await
            .expect("a page");
        assert_eq!((page, source), (expected[5..8].to_vec(), Source::Redis));
    }
    // Through the gateway, page by page, as a client sees it.
    let mut seen = Vec::new();
    let mut path = "/v1/me/history?limit=5".to_string();
    loop {
        let page = dana.api.get(&path).await.expect(200);
        seen.extend(
            items(&page)
                .iter()
                .map(|i| i["event_id"].as_str().unwrap_or_default().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/me/history?limit=5&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = warehouse_history(&run, dana.id)
        .await
        .iter()
        .map(|p| p.event_id.to_string())
        .collect();
    assert_eq!(seen, expected);

    // Now playing: the newest start of each listener.
    let now = encore_common::now_millis() as u64;
    let since = now - 40 * MINUTE as u64;
    let from_warehouse = history::now_playing(&db, since, 100)
        .await
        .expect("now playing");
    assert_eq!(from_warehouse.len(), listeners.len());
    let (first, _) = playing::now_playing(&store, &db, since, 100, now)
        .await
        .expect("now playing");
    assert_eq!(first, from_warehouse);
    let (again, source) = playing::now_playing(&store, &db, since, 100, now)
        .await
        .expect("now playing");
    assert_eq!((again, source), (from_warehouse, Source::Redis));

    // Subsonic's `recent` and `frequent` albums, from the kept plays, as the
    // warehouse ranks them (once the catalogue's dimensions are there too).
    let postgres = run.postgres().await;
    for user in &listeners {
        for order in [AlbumOrder::Recent, AlbumOrder::Frequent] {
            eventually("the same albums from Redis and the warehouse", || async {
                let (plays, complete) = online_history::kept(&store, &db, *user)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("Redis keeps no plays")?;
                let tracks: Vec<Uuid> = plays.iter().map(|p| p.track_id).collect();
                let album_of = encore_core::catalog::songs::albums_of(&postgres, &tracks)
                    .await
                    .map_err(|e| e.to_string())?;
                let from_redis = online_history::albums(&plays, &album_of, order, 0, 10, complete)
                    .ok_or("the kept plays cannot say")?;
                let from_warehouse = charts::listener_albums(&db, *user, order, 0, 10)
                    .await
                    .map_err(|e| e.to_string())?;
                if from_redis.len() == 3 && from_redis == from_warehouse {
                    Ok(())
                } else {
                    Err(format!(
                        "{order:?}: {from_redis:?} against {from_warehouse:?}"
                    ))
                }
            })
            .await;
        }
    }

    // Recommendations and similar tracks, once a generation is in Redis.
    let personal = eventually("a generation of recommendations in Redis", || async {
        let mut counts = HashMap::new();
        for user in &listeners {
            // Asking for one: Redis answers whoever has a personal pick.
            let (picks, source) = generation::recommendations(&store, &db, *user, 1)
                .await
                .expect("picks");
            if source == Source::Redis {
                counts.insert(*user, picks.len());
            }
        }
        if counts.len() == listeners.len() {
            Ok(counts)
        } else {
            Err(format!("{counts:?}"))
        }
    })
    .await;
    assert_eq!(personal.len(), listeners.len());
    for user in &listeners {
        for limit in [1, 3, 5] {
            let (from_redis, source) = generation::recommendations(&store, &db, *user, limit)
                .await
                .expect("picks");
            let from_warehouse = features::recommend(&db, *user, limit).await.expect("picks");
            assert_eq!(from_redis, from_warehouse, "{user} {limit} from {source:?}");
        }
    }
    for track in &tracks {
        let (from_redis, source) = generation::similar(&store, &db, *track, 20)
            .await
            .expect("similar");
        assert_eq!(source, Source::Redis);
        // The newest generation may be a later one than Redis's, computed
        // alike but summed in another order: the same to the last bits.
        let from_warehouse = features::similar(&db, *track, 20).await.expect("similar");
        assert_eq!(from_redis.len(), from_warehouse.len());
        for (a, b) in from_redis.iter().zip(&from_warehouse) {
            assert_eq!((a.track_id, a.sessions), (b.track_id, b.sessions));
            assert!((a.score - b.score).abs() < 1e-9, "{a:?} {b:?}");
        }
    }
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_stay_right_with_redis_killed_and_are_rebuilt_when_it_is_back_empty() {
    let run = TestRun::new("online-down");
    let mut redis = OwnServer::redis();
    let address = encore_online::Address::parse(&redis.redis_url()).expect("an address");
    let store = Store::open(&address, &run.database).expect("a store");
    let mut gateway_config = run.gateway_config().await;
    gateway_config.online = address.clone();
    let gateway = run.start_gateway_with(gateway_config).await;
    let mut etl_config = run.etl_config();
    etl_config.online = address;
    let etl = run.start_etl(etl_config).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "curator", "admin").await;
    let ada = register(&api, "ada").await;
    let (_, events) = listening(&admin.api, &[ada.id]).await;
    let (before, after) = events.split_at(5);
    run.produce(&playback_records(before)).await;
    let history_of = |count: usize| {
        let api = ada.api.clone();
        async move {
            eventually("the history", || async {
                let page = api.get("/v1/me/history?limit=50").await;
                if page.status == 200 && items(&page.body).len() == count {
                    Ok(page.body)
                } else {
                    Err(page.body.to_string())
                }
            })
            .await
        }
    };
    let served = history_of(5).await;
    let db = run.clickhouse();
    let (_, source) = online_history::page(&store, &db, ada.id, None, 50)
        .await
        .expect("history");
    assert_eq!(
        source,
        Source::Redis,
        "the gateway's read rebuilt ada in Redis"
    );
    // The plays counted, not the names, which the catalogue's topics may
    // bring a moment later.
    let counted = |chart: Value| -> Vec<(Value, Value)> {
        items(&chart)
            .iter()
            .map(|i| (i["track_id"].clone(), i["plays"].clone()))
            .collect()
    };
    let charts = counted(
        ada.api
            .get("/v1/charts/tracks?period=day")
            .await
            .expect(200),
    );

    // Redis dies: every answer is the warehouse's, the same, and the etl
    // carries on writing the warehouse.
    redis.kill();
    assert_eq!(
        ada.api.get("/v1/me/history?limit=50").await.expect(200),
        served
    );
    assert_eq!(
        counted(
            ada.api
                .get("/v1/charts/tracks?period=day")
                .await
                .expect(200)
        ),
        charts
    );
    ada.api.get("/v1/me/recommendations").await.expect(200);
    let ready: Value = ada.api.get("/ready").await.expect(200);
    assert_eq!(ready["dependencies"]["redis"]["ok"], false, "{ready}");
    run.produce(&playback_records(after)).await;
    let all = history_of(PLAYS).await;
    let (_, source) = online_history::page(&store, &db, ada.id, None, 50)
        .await
        .expect("history");
    assert_eq!(source, Source::Warehouse);

    // Back, and empty: the first read rebuilds ada from the warehouse.
    redis.resume();
    let (plays, source) = online_history::page(&store, &db, ada.id, None, 50)
        .await
        .expect("history");
    assert_eq!(source, Source::Rebuilt);
    assert_eq!(plays, warehouse_history(&run, ada.id).await);
    let (_, source) = online_history::page(&store, &db, ada.id, None, 50)
        .await
        .expect("history");
    assert_eq!(source, Source::Redis);
    assert_eq!(
        ada.api.get("/v1/me/history?limit=50").await.expect(200),
        all
    );
    let now = encore_common::now_millis() as u64;
    let (playing, source) = playing::now_playing(&store, &db, now - 40 * MINUTE as u64, 10, now)
        .await
        .expect("now playing");
    assert_eq!(source, Source::Rebuilt);
    assert_eq!(playing.first().map(|p| p.user_id), Some(ada.id));
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
