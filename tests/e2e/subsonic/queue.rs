//! The play queue is one mechanism: what the browser saves through
//! `/v1/me/play-queue`, a Subsonic app resumes with `getPlayQueue`, and the
//! other way round, with the same rules for what may be saved.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::json;

use super::{catalogue, clients, ids, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_play_queue_is_the_subsonic_one() {
    let run = TestRun::new("play-queue");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "queue-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener, by_key, ..
    } = clients(&api, &gateway.url("")).await;
    let (a, b) = (cat.tracks[1].as_str(), cat.tracks[2].as_str());

    let none = listener.api.get("/v1/me/play-queue").await.expect(200);
    assert_eq!(none["track_ids"], json!([]), "{none}");
    assert_eq!(none["changed_at"], serde_json::Value::Null);
    // The browser saves: a track twice, the second copy playing, 61 s in.
    listener
        .api
        .put(
            "/v1/me/play-queue",
            json!({"track_ids": [a, b, a], "current_index": 2, "position_ms": 61_000}),
        )
        .await
        .expect(204);
    let app = by_key.ok("getPlayQueueByIndex", &[]).await;
    let queue = &app["playQueueByIndex"];
    assert_eq!(queue["currentIndex"], 2, "{app}");
    assert_eq!(queue["position"], 61_000);
    assert_eq!(queue["changedBy"], "web");
    assert_eq!(ids(&queue["entry"]), [a, b, a]);

    // An app saves; the browser resumes it.
    by_key
        .ok(
            "savePlayQueue",
            &[("id", b), ("id", a), ("current", a), ("position", "5000")],
        )
        .await;
    let native = listener.api.get("/v1/me/play-queue").await.expect(200);
    assert_eq!(native["track_ids"], json!([b, a]), "{native}");
    assert_eq!(native["current_index"], 1);
    assert_eq!(native["position_ms"], 5000);
    assert_eq!(native["changed_by"], "encore-tests");

    // The same rules as the apps': tracks that exist, a place in the
    // queue, a position within the playing track.
    let nowhere = uuid::Uuid::new_v4();
    for (body, field) in [
        (json!({"track_ids": [], "current_index": 0}), "track_ids"),
        (
            json!({"track_ids": [a, nowhere], "current_index": 0}),
            "track_ids",
        ),
        (
            json!({"track_ids": [a], "current_index": 1}),
            "current_index",
        ),
        (
            json!({"track_ids": [a], "current_index": 0, "position_ms": 999_999_999}),
            "position_ms",
        ),
        (
            json!({"track_ids": [a], "current_index": 0, "position_ms": -1}),
            "position_ms",
        ),
    ] {
        let refused = listener.api.put("/v1/me/play-queue", body.clone()).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
        assert_eq!(refused.error_fields(), [field], "{body}");
    }

    listener.api.delete("/v1/me/play-queue").await.expect(204);
    listener.api.delete("/v1/me/play-queue").await.expect(204);
    let gone = by_key.ok("getPlayQueue", &[]).await;
    assert!(gone.get("playQueue").is_none(), "{gone}");

    gateway.stop().await;
    run.cleanup().await;
}
