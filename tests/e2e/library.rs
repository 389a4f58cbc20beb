//! Playlists (ordering under concurrent edits, privacy), likes and history.

use std::collections::BTreeSet;

use encore_tests::api::{register, Account, Api};
use encore_tests::TestRun;
use serde_json::{json, Value};

use crate::support::{batch, event};

async fn tracks(admin: &Account, count: usize) -> Vec<String> {
    let artist = admin
        .api
        .post("/v1/artists", json!({"name": "Band"}))
        .await
        .expect(201);
    let mut ids = Vec::new();
    for n in 0..count {
        let body = json!({"artist_id": artist["id"], "title": format!("Song {n}")});
        ids.push(
            admin.api.post("/v1/tracks", body).await.expect(201)["id"]
                .as_str()
                .expect("id")
                .to_string(),
        );
    }
    ids
}

fn order(playlist: &Value) -> Vec<(i64, String, String)> {
    playlist["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let text = |k: &str| i[k].as_str().expect("text").to_string();
            (
                i["position"].as_i64().expect("position"),
                text("id"),
                text("track_id"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_add_move_remove_and_privacy() {
    let run = TestRun::new("lib-playlists");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let (ada, bo) = (register(&api, "ada").await, register(&api, "bo").await);
    let songs = tracks(&admin, 4).await;

    let playlist = ada
        .api
        .post("/v1/playlists", json!({"name": "Morning"}))
        .await
        .expect(201);
    assert_eq!(
        (playlist["public"].clone(), playlist["version"].clone()),
        (json!(false), json!(1))
    );
    let path = format!("/v1/playlists/{}", playlist["id"].as_str().expect("id"));
    for song in &songs[..3] {
        ada.api
            .post(&format!("{path}/items"), json!({"track_id": song}))
            .await
            .expect(200);
    }
    let front = ada
        .api
        .post(
            &format!("{path}/items"),
            json!({"track_id": songs[3], "position": 0}),
        )
        .await
        .expect(200);
    let tracks_in = |p: &Value| order(p).into_iter().map(|(_, _, t)| t).collect::<Vec<_>>();
    assert_eq!(
        tracks_in(&front),
        [
            songs[3].clone(),
            songs[0].clone(),
            songs[1].clone(),
            songs[2].clone()
        ]
    );
    let items = order(&front);
    let moved = ada
        .api
        .put(
            &format!("{path}/items/{}/position", items[0].1),
            json!({"position": 3}),
        )
        .await
        .expect(200);
    assert_eq!(
        tracks_in(&moved),
        [
            songs[0].clone(),
            songs[1].clone(),
            songs[2].clone(),
            songs[3].clone()
        ]
    );
    let removed = ada
        .api
        .delete(&format!("{path}/items/{}", order(&moved)[1].1))
        .await
        .expect(200);
    assert_eq!(
        tracks_in(&removed),
        [songs[0].clone(), songs[2].clone(), songs[3].clone()]
    );
    assert_eq!(
        order(&removed).iter().map(|i| i.0).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    let bad = ada
        .api
        .put(
            &format!("{path}/items/{}/position", order(&removed)[0].1),
            json!({"position": 3}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.error_fields()),
        (400, vec!["position".to_string()])
    );
    let unknown_track = ada
        .api
        .post(
            &format!("{path}/items"),
            json!({"track_id": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(unknown_track.error_fields(), ["track_id"]);

    // Private: a 404 to everyone else, for reading and for writing.
    assert_eq!(bo.api.get(&path).await.status, 404);
    assert_eq!(api.get(&path).await.status, 404);
    assert_eq!(
        bo.api
            .patch(&path, json!({"name": "Mine now"}))
            .await
            .status,
        404
    );
    ada.api
        .patch(&path, json!({"public": true, "name": "Mornings"}))
        .await
        .expect(200);
    assert_eq!(api.get(&path).await.expect(200)["name"], "Mornings");
    assert_eq!(
        bo.api
            .patch(&path, json!({"name": "Mine now"}))
            .await
            .status,
        403
    );
    assert_eq!(bo.api.delete(&path).await.status, 403);

    // A deleted track leaves no gap.
    admin.api.delete(&format!("/v1/tracks/{}", songs[2])).await;
    let after = api.get(&path).await.expect(200);
    assert_eq!(tracks_in(&after), [songs[0].clone(), songs[3].clone()]);
    assert_eq!(
        order(&after).iter().map(|i| i.0).collect::<Vec<_>>(),
        [0, 1]
    );
    let mine = ada.api.get("/v1/me/playlists").await.expect(200);
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(ada.api.delete(&path).await.status, 204);
    assert_eq!(ada.api.get(&path).await.status, 404);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_keep_positions_dense_and_unique() {
    let run = TestRun::new("lib-concurrent");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let ada = register(&api, "ada").await;
    let songs = tracks(&admin, 5).await;
    let playlist = ada
        .api
        .post("/v1/playlists", json!({"name": "Busy"}))
        .await
        .expect(201);
    let path = format!("/v1/playlists/{}", playlist["id"].as_str().expect("id"));
    let mut latest = Value::Null;
    for n in 0..20 {
        latest = ada
            .api
            .post(&format!("{path}/items"), json!({"track_id": songs[n % 5]}))
            .await
            .expect(200);
    }
    let items: Vec<String> = order(&latest).into_iter().map(|(_, id, _)| id).collect();

    // 40 edits at once: moves of every item to scattered positions, 10 adds, 5 removes.
    let mut edits = tokio::task::JoinSet::new();
    for n in 0..40usize {
        let (api, path, items, songs) =
            (ada.api.clone(), path.clone(), items.clone(), songs.clone());
        edits.spawn(async move {
            match n % 8 {
                0 | 1 => {
                    api.post(
                        &format!("{path}/items"),
                        json!({"track_id": songs[n % 5], "position": n % 7}),
                    )
                    .await
                    .status
                }
                2 => {
                    api.delete(&format!("{path}/items/{}", items[n / 2]))
                        .await
                        .status
                }
                _ => {
                    let item = &items[(n * 7) % items.len()];
                    api.put(
                        &format!("{path}/items/{item}/position"),
                        json!({"position": (n * 3) % 15}),
                    )
                    .await
                    .status
                }
            }
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = edits.join_next().await {
        statuses.push(status.expect("an edit"));
    }
    // Moves of an item another edit removed are 404; nothing else fails.
    assert!(
        statuses.iter().all(|s| [200, 404].contains(s)),
        "{statuses:?}"
    );
    let adds = (0..40).filter(|n| n % 8 < 2).count();
    let removes = (0..40).filter(|n| n % 8 == 2).count();
    let fin = ada.api.get(&path).await.expect(200);
    let positions: Vec<i64> = order(&fin).iter().map(|i| i.0).collect();
    let expected_len = 20 + adds - removes;
    assert_eq!(
        positions,
        (0..expected_len as i64).collect::<Vec<_>>(),
        "dense, unique, ordered"
    );
    let ids: BTreeSet<String> = order(&fin).into_iter().map(|(_, id, _)| id).collect();
    assert_eq!(ids.len(), expected_len, "no item lost or doubled");
    assert_eq!(
        fin["version"],
        json!(1 + 20 + statuses.iter().filter(|s| **s == 200).count())
    );
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn likes_and_listening_history() {
    let run = TestRun::new("lib-likes");
    run.create_playback_topics().await;
    // The history is read from the warehouse, which the etl writes.
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let ada = register(&api, "ada").await;
    let songs = tracks(&admin, 3).await;

    for song in [songs[1].clone(), songs[0].clone(), songs[1].clone()] {
        assert_eq!(
            ada.api
                .put(&format!("/v1/me/likes/tracks/{song}"), json!(null))
                .await
                .status,
            204
        );
    }
    let liked = ada.api.get("/v1/me/likes/tracks").await.expect(200);
    let mut expected = vec![songs[0].clone(), songs[1].clone()];
    expected.sort();
    assert_eq!(liked["items"], json!(expected), "each like once");
    assert_eq!(
        ada.api
            .delete(&format!("/v1/me/likes/tracks/{}", songs[0]))
            .await
            .status,
        204
    );
    assert_eq!(
        ada.api.get("/v1/me/likes/tracks").await.expect(200)["items"],
        json!([songs[1]])
    );
    let missing = format!("/v1/me/likes/albums/{}", uuid::Uuid::new_v4());
    assert_eq!(ada.api.put(&missing, json!(null)).await.status, 404);
    assert_eq!(ada.api.get("/v1/me/likes/songs").await.status, 400);

    // Three plays started (and one progress event, which is not a play).
    let mut events = Vec::new();
    for (n, song) in songs.iter().enumerate() {
        let mut e = event(0, ada.id);
        e["track_id"] = json!(song);
        e["occurred_at"] = json!(encore_common::now_millis() - 60_000 + n as i64 * 1_000);
        events.push(e);
    }
    events.push(event(1, ada.id));
    ada.api
        .post("/v1/events/playback", batch(events.clone()))
        .await
        .expect(202);
    ada.api
        .post("/v1/events/playback", batch(events))
        .await
        .expect(202);
    // The history is kept from the playback topic: wait until all three
    // plays are there (and stay three: the retried batch adds nothing).
    let all = encore_tests::eventually("three plays in the history", || async {
        let page = ada.api.get("/v1/me/history?limit=10").await.expect(200);
        match page["items"].as_array().map(Vec::len) {
            Some(3) => Ok(page),
            _ => Err(page.to_string()),
        }
    })
    .await;
    assert_eq!(all["next_cursor"], Value::Null);
    assert!(
        all["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["context"] == "playlist"),
        "each play keeps where it started: {all}"
    );
    let first = ada.api.get("/v1/me/history?limit=2").await.expect(200);
    let played: Vec<&str> = first["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["track_id"].as_str())
        .collect();
    assert_eq!(
        played,
        [songs[2].as_str(), songs[1].as_str()],
        "newest first"
    );
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let rest = ada
        .api
        .get(&format!("/v1/me/history?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(
        rest["items"].as_array().map(Vec::len),
        Some(1),
        "the retried batch added nothing"
    );
    assert_eq!(rest["next_cursor"], Value::Null);
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
