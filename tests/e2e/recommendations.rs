//! Recommendations on planted data, through the whole path: a catalogue made
//! through the gateway (PostgreSQL → outbox → Kafka → the etl's dimensions),
//! plays through the broker, the features job, and the gateway's answer.

use std::collections::{HashMap, HashSet};

use encore_schemas::PlaybackKind;
use encore_tests::api::register;
use encore_tests::api::Api;
use encore_tests::{eventually, playback_records, TestRun};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::analytics::{base_hour, event, items, poll};

const MINUTE: i64 = 60_000;

/// Creates `tracks` (title, artist, genre) through the catalog API; returns
/// each title's track id and each artist's id.
async fn make_catalog(
    admin: &Api,
    tracks: &[(&str, &str, &str)],
) -> (HashMap<String, Uuid>, HashMap<String, Uuid>) {
    let mut artists = HashMap::new();
    let mut ids = HashMap::new();
    for (title, artist, genre) in tracks {
        if !artists.contains_key(*artist) {
            let made = admin
                .post("/v1/artists", json!({"name": artist}))
                .await
                .expect(201);
            artists.insert(artist.to_string(), uuid(&made["id"]));
        }
        let made = admin
            .post(
                "/v1/tracks",
                json!({"artist_id": artists[*artist], "title": title, "genre": genre}),
            )
            .await
            .expect(201);
        ids.insert(title.to_string(), uuid(&made["id"]));
    }
    (ids, artists)
}

fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a uuid: {value}"))
}

/// The demo's failure was one seed explaining 7 of a listener's 10 picks.
/// Here one seed is co-listened with everything, and the listener played it
/// and two tracks each of two artists: the ten picks must still spread over at
/// least four true reasons, none explaining more than three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_are_varied_and_true_and_likes_and_plays_are_left_out() {
    let run = TestRun::new("reasons");
    let gateway = run.start_gateway().await;
    let etl = run.start_etl(run.etl_config()).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "curator", "admin").await;
    let mut tracks = vec![("Seed", "Band Z", "rock")];
    let bands = [
        ("Band A", "rock"),
        ("Band B", "rock"),
        ("Band C", "jazz"),
        ("Band D", "jazz"),
        ("Band E", "rock"),
        ("Band F", "jazz"),
    ];
    let titles: Vec<String> = bands
        .iter()
        .flat_map(|(band, _)| (1..=4).map(move |n| format!("{} {n}", &band[5..])))
        .collect();
    for (n, title) in titles.iter().enumerate() {
        let (band, genre) = bands[n / 4];
        tracks.push((title.as_str(), band, genre));
    }
    let (ids, artists) = make_catalog(&admin.api, &tracks).await;
    let dana = register(&api, "dana").await;

    // Eight listeners each play the whole catalogue in one session, every
    // one starting from a different track; then dana plays two tracks of
    // Band A, two of Band C and the seed twice, the seed last.
    let order: Vec<Uuid> = tracks.iter().map(|(t, _, _)| ids[*t]).collect();
    let h = base_hour();
    let mut events = Vec::new();
    for n in 0..8usize {
        let listener = Uuid::new_v4();
        for k in 0..order.len() {
            let track = order[(n * 2 + k) % order.len()];
            let at = h + (n as i64) * 40 * MINUTE + (k as i64) * MINUTE / 2;
            events.push(event(listener, track, PlaybackKind::Start, 0, at));
        }
    }
    let dana_plays = ["A 1", "A 2", "C 1", "C 2", "Seed", "Seed"];
    for (k, title) in dana_plays.iter().enumerate() {
        let at = h + 100 * MINUTE + (k as i64) * 4 * MINUTE;
        events.push(event(dana.id, ids[*title], PlaybackKind::Start, 0, at));
    }
    run.produce(&playback_records(&events)).await;

    // Until the features job has run, the answer is the cold-start fallback.
    let personal = |b: &Value| {
        items(b).len() == 10
            && items(b).iter().all(|i| {
                i["reason"].as_str().is_some_and(|r| {
                    r.starts_with("Because") || r.ends_with("among listeners like you")
                })
            })
    };
    let mine = poll(&dana.api, "/v1/me/recommendations?limit=10", |b| {
        personal(b) && items(b).iter().all(|i| i["title"].is_string())
    })
    .await;
    let played: HashSet<Uuid> = dana_plays.iter().map(|t| ids[*t]).collect();
    let mut per_reason: HashMap<String, usize> = HashMap::new();
    let mut per_artist: HashMap<String, usize> = HashMap::new();
    for item in items(&mine) {
        let reason = item["reason"].as_str().unwrap_or_default().to_string();
        assert!(!played.contains(&uuid(&item["track_id"])), "{mine}");
        // Every reason is true of dana's history.
        let true_reasons = [
            "Because you played Seed",
            "Because you played A 1",
            "Because you played A 2",
            "Because you played C 1",
            "Because you played C 2",
            "Because you like Band A",
            "Because you like Band C",
            "Popular in rock among listeners like you",
            "Popular in jazz among listeners like you",
        ];
        assert!(true_reasons.contains(&reason.as_str()), "{reason}: {mine}");
        if reason.starts_with("Because you played") {
            assert!(played.contains(&uuid(&item["because_of"])), "{mine}");
        }
        *per_reason.entry(reason).or_default() += 1;
        *per_artist.entry(item["artist_id"].to_string()).or_default() += 1;
    }
    assert!(
        per_reason.values().all(|n| *n <= 3),
        "no reason explains more than 3 of 10: {per_reason:?}"
    );
    assert!(per_reason.len() >= 4, "{per_reason:?}");
    assert!(per_artist.values().all(|n| *n <= 2), "{per_artist:?}");
    assert!(!per_artist.contains_key(&format!("\"{}\"", artists["Band Z"])));

    // The pick the warehouse ranks first, once liked, is left out.
    let top = items(&mine)[0]["track_id"].clone();
    let liked = dana
        .api
        .put(&format!("/v1/me/likes/tracks/{}", uuid(&top)), json!({}))
        .await;
    assert!(liked.status < 300, "{} {}", liked.status, liked.body);
    let after = poll(&dana.api, "/v1/me/recommendations?limit=9", |b| {
        items(b).len() == 9
    })
    .await;
    assert!(
        items(&after).iter().all(|i| i["track_id"] != top),
        "{after}"
    );

    // A replay mix is what dana played, most played first.
    let replay = dana
        .api
        .get("/v1/me/recommendations?mix=replay")
        .await
        .expect(200);
    let replayed: Vec<(Value, Value)> = items(&replay)
        .iter()
        .map(|i| (i["title"].clone(), i["reason"].clone()))
        .collect();
    assert_eq!(
        replayed.first(),
        Some(&(json!("Seed"), json!("You played this 2 times"))),
        "{replay}"
    );
    assert_eq!(replayed.len(), 5, "{replay}");
    assert!(replayed[1..]
        .iter()
        .all(|(_, reason)| reason == "You played this once"));
    let wrong = dana.api.get("/v1/me/recommendations?mix=shuffle").await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.error_fields(), vec!["mix".to_string()]);

    // The ready query of docs/analytics.md agrees: nothing above 30 %.
    let worst = eventually("dana's stored picks", || async {
        let worst = run
            .scalar(
                "SELECT toUInt64(max(n)) FROM (SELECT reason, reason_id, count() AS n \
                 FROM recommendations WHERE position < 10 AND generation = \
                 (SELECT max(generation) FROM feature_generations) GROUP BY user_id, reason, reason_id)",
            )
            .await;
        if worst > 0 {
            Ok(worst)
        } else {
            Err("no recommendations stored".to_string())
        }
    })
    .await;
    assert!(worst <= 3, "a reason explains {worst} of a stored top 10");
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}
