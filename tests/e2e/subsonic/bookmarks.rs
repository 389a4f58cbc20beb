//! Bookmarks are one mechanism: what a Subsonic app saves, the native API
//! reads and moves, and the other way round; positions lie within the song.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::json;

use super::{catalogue, clients, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookmarks_are_shared_by_subsonic_and_the_native_api() {
    let run = TestRun::new("subsonic-bookmarks");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "marks-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        by_key,
        by_token,
        ..
    } = clients(&api, &gateway.url("")).await;
    let other = clients(&api, &gateway.url("")).await;
    // The second song: no audio uploaded, so it keeps its 3 minutes.
    let song = cat.tracks[1].as_str();

    let none = by_key.ok("getBookmarks", &[]).await;
    assert_eq!(none["bookmarks"]["bookmark"], json!([]), "{none}");
    by_key
        .ok(
            "createBookmark",
            &[
                ("id", song),
                ("position", "61000"),
                ("comment", "the bridge"),
            ],
        )
        .await;
    let marks = by_token.ok("getBookmarks", &[]).await;
    let mark = &marks["bookmarks"]["bookmark"][0];
    assert_eq!(mark["position"], 61000, "{marks}");
    assert_eq!(mark["comment"], "the bridge");
    assert_eq!(mark["username"], username.as_str());
    assert_eq!(mark["entry"]["id"], song);

    // The native API reads the same bookmark, and moving it there moves it
    // for the apps.
    let native = listener.api.get("/v1/me/bookmarks").await.expect(200);
    assert_eq!(native["items"][0]["track_id"], song, "{native}");
    assert_eq!(native["items"][0]["position_ms"], 61000);
    let moved = listener
        .api
        .put(
            &format!("/v1/me/bookmarks/{song}"),
            json!({"position_ms": 90000}),
        )
        .await
        .expect(200);
    assert_eq!(moved["comment"], "", "{moved}");
    let marks = by_key.ok("getBookmarks", &[]).await;
    assert_eq!(marks["bookmarks"]["bookmark"][0]["position"], 90000);
    // Another listener's bookmarks are their own.
    let theirs = other.by_key.ok("getBookmarks", &[]).await;
    assert_eq!(theirs["bookmarks"]["bookmark"], json!([]), "{theirs}");

    // Positions lie within the song; the song must be there.
    for bad in [
        vec![("id", song)],
        vec![("id", song), ("position", "-1")],
        vec![("id", song), ("position", "999999999")],
    ] {
        assert_eq!(by_key.error("createBookmark", &bad).await, 10, "{bad:?}");
    }
    let nowhere = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        by_key
            .error("createBookmark", &[("id", &nowhere), ("position", "0")])
            .await,
        70
    );
    let past_end = listener
        .api
        .put(
            &format!("/v1/me/bookmarks/{song}"),
            json!({"position_ms": 999_999_999}),
        )
        .await;
    assert_eq!(past_end.error_fields(), ["position_ms"]);
    let unknown = listener
        .api
        .put(
            &format!("/v1/me/bookmarks/{nowhere}"),
            json!({"position_ms": 0}),
        )
        .await;
    assert_eq!(unknown.status, 404);

    // Deleting is idempotent on both sides, as removals are natively.
    by_key.ok("deleteBookmark", &[("id", song)]).await;
    by_key.ok("deleteBookmark", &[("id", song)]).await;
    let native = listener.api.get("/v1/me/bookmarks").await.expect(200);
    assert_eq!(native["items"], json!([]), "{native}");
    assert_eq!(
        listener
            .api
            .delete(&format!("/v1/me/bookmarks/{song}"))
            .await
            .status,
        204
    );

    gateway.stop().await;
    run.cleanup().await;
}
