//! Shares are one mechanism: a link made by a Subsonic app or the native
//! API opens the same share, read and streamed by anyone holding it without
//! an account: only its songs, only while it lives, and only so many new
//! streams an hour.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::{json, Value};

use super::{catalogue, clients, Clients};

/// Milliseconds since 1970, `days` from now.
fn in_days(days: u64) -> String {
    let at = SystemTime::now() + Duration::from_secs(days * 86_400);
    at.duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        .to_string()
}

/// The token at the end of a share's link.
fn token_of(share: &Value) -> String {
    let url = share["url"].as_str().expect("a url");
    url.rsplit_once("/s/").expect("a /s/ link").1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_opens_and_streams_without_an_account_within_its_limits() {
    let run = TestRun::new("subsonic-shares");
    let mut config = run.gateway_config().await;
    config.share_streams_per_hour = 3;
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "shares-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        by_key,
        by_token,
        ..
    } = clients(&api, &gateway.url("")).await;
    let other = clients(&api, &gateway.url("")).await;
    let anyone = reqwest::Client::new();
    let public = |path: String| anyone.get(gateway.url(&path));

    // An album shared from an app: its songs, its link, nobody's visit yet.
    let expires = in_days(2);
    let made = by_key
        .ok(
            "createShare",
            &[
                ("id", &cat.albums[0]),
                ("description", "for the road"),
                ("expires", &expires),
            ],
        )
        .await;
    let share = &made["shares"]["share"][0];
    assert_eq!(share["description"], "for the road", "{made}");
    assert_eq!(share["username"], username.as_str());
    assert_eq!(share["visitCount"], 0);
    let entries: Vec<&str> = share["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(entries, [cat.tracks[0].as_str(), cat.tracks[1].as_str()]);
    let url = share["url"].as_str().expect("a url");
    assert!(url.starts_with(&gateway.url("/s/")), "{url}");
    let token = token_of(share);
    let id = share["id"].as_str().expect("an id").to_string();

    // The native API lists the same share, with the same link.
    let mine = listener.api.get("/v1/me/shares").await.expect(200);
    assert_eq!(mine["items"][0]["id"], id.as_str(), "{mine}");
    assert_eq!(mine["items"][0]["url"], url);
    assert_eq!(mine["items"][0]["kind"], "album");
    assert_eq!(mine["items"][0]["source_id"], cat.albums[0].as_str());
    let theirs = other.by_key.ok("getShares", &[]).await;
    assert_eq!(theirs["shares"]["share"], json!([]), "{theirs}");

    // Anyone with the link reads it; the visit is counted.
    let opened = public(format!("/v1/shares/{token}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(opened.status(), 200);
    let opened: Value = opened.json().await.expect("JSON");
    assert_eq!(opened["description"], "for the road", "{opened}");
    assert_eq!(opened["tracks"][1]["id"], cat.tracks[1].as_str());
    assert_eq!(opened["tracks"][1]["stream_url"], Value::Null, "no audio");
    let stream_url = opened["tracks"][0]["stream_url"]
        .as_str()
        .expect("the first song has audio")
        .to_string();
    let seen = by_token.ok("getShares", &[]).await;
    assert_eq!(seen["shares"]["share"][0]["visitCount"], 1, "{seen}");
    assert!(seen["shares"]["share"][0]["lastVisited"].is_string());

    // It streams its songs, and no other.
    let whole = public(stream_url.clone()).send().await.expect("an answer");
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.expect("a body"), cat.audio);
    let elsewhere = public(format!(
        "/v1/shares/{token}/tracks/{}/stream",
        cat.tracks[2]
    ))
    .send()
    .await
    .expect("an answer");
    assert_eq!(elsewhere.status(), 404);

    // Three new streams an hour here; the next ranges of one are free.
    let range = |r: &'static str| public(stream_url.clone()).header("range", r);
    for _ in 0..2 {
        let started = range("bytes=0-99").send().await.expect("an answer");
        assert_eq!(started.status(), 206);
    }
    let over = public(stream_url.clone()).send().await.expect("an answer");
    assert_eq!(over.status(), 429);
    assert!(over.headers().get("retry-after").is_some());
    let next = range("bytes=100-199").send().await.expect("an answer");
    assert_eq!(next.status(), 206);
    assert_eq!(next.bytes().await.expect("a body"), cat.audio[100..200]);

    // Changing it: from the app, then natively; the rules are the same.
    by_key
        .ok(
            "updateShare",
            &[("id", &id), ("description", "for the ride")],
        )
        .await;
    let past = (SystemTime::now() - Duration::from_secs(60))
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        .to_string();
    for bad in [
        vec![("id", id.as_str()), ("expires", past.as_str())],
        vec![("id", id.as_str()), ("expires", "99999999999999")],
    ] {
        assert_eq!(by_key.error("updateShare", &bad).await, 10, "{bad:?}");
    }
    let changed = listener
        .api
        .patch(
            &format!("/v1/me/shares/{id}"),
            json!({"expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(changed.status, 400, "{}", changed.body);
    assert_eq!(changed.error_fields(), ["expires_at"]);
    let renamed = listener
        .api
        .patch(
            &format!("/v1/me/shares/{id}"),
            json!({"description": "à la mer"}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["description"], "à la mer", "{renamed}");
    // Someone else's share is not theirs to change or delete.
    assert_eq!(
        other
            .by_key
            .error("updateShare", &[("id", &id), ("description", "mine")])
            .await,
        70
    );
    other.by_key.ok("deleteShare", &[("id", &id)]).await;

    // Expired (the clock moved on, not a sleep): gone, saying when.
    let db = run.postgres().await;
    sqlx::query("UPDATE shares SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(&id)
        .execute(&db)
        .await
        .expect("expiring the share");
    for path in [format!("/v1/shares/{token}"), stream_url.clone()] {
        let gone = public(path.clone()).send().await.expect("an answer");
        assert_eq!(gone.status(), 410, "{path}");
        let body: Value = gone.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "share_expired", "{body}");
    }
    let listed = listener.api.get("/v1/me/shares").await.expect(200);
    assert_eq!(listed["items"][0]["expired"], true, "{listed}");

    // Songs natively, several at once, each once; what is not there, or not
    // theirs to see, is refused by field.
    let songs = listener
        .api
        .post(
            "/v1/me/shares",
            json!({"kind": "track", "ids": [cat.tracks[3], cat.tracks[2], cat.tracks[3]]}),
        )
        .await
        .expect(201);
    assert_eq!(
        songs["track_ids"],
        json!([cat.tracks[3], cat.tracks[2]]),
        "{songs}"
    );
    let private = other
        .listener
        .api
        .post("/v1/playlists", json!({"name": "secret"}))
        .await
        .expect(201)["id"]
        .clone();
    let refused = listener
        .api
        .post(
            "/v1/me/shares",
            json!({"kind": "playlist", "ids": [private]}),
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let nowhere = uuid::Uuid::new_v4();
    let unknown = listener
        .api
        .post(
            "/v1/me/shares",
            json!({"kind": "track", "ids": [cat.tracks[0], nowhere]}),
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert_eq!(unknown.error_fields(), ["ids"]);
    let nowhere = nowhere.to_string();
    assert_eq!(by_key.error("createShare", &[("id", &nowhere)]).await, 70);
    assert_eq!(
        by_key
            .error("createShare", &[("id", &cat.tracks[0]), ("id", &nowhere)])
            .await,
        10
    );

    // Deleted: the link opens nothing; deleting again changes nothing.
    by_key.ok("deleteShare", &[("id", &id)]).await;
    by_key.ok("deleteShare", &[("id", &id)]).await;
    let deleted = public(format!("/v1/shares/{token}"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(deleted.status(), 404);
    let left = by_key.ok("getShares", &[]).await;
    assert_eq!(
        left["shares"]["share"].as_array().map(Vec::len),
        Some(1),
        "{left}"
    );

    db.close().await;
    gateway.stop().await;
    run.cleanup().await;
}
