//! Lyrics are one mechanism: whoever may edit a track sets them natively,
//! plain or LRC, and Subsonic apps read the same lines, synced ones with
//! their times.

use encore_tests::api::{register, Api};
use encore_tests::TestRun;
use serde_json::json;

use super::{catalogue, clients, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editors_set_lyrics_and_both_apis_read_them() {
    let run = TestRun::new("subsonic-lyrics");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "lyrics-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients { by_key, .. } = clients(&api, &gateway.url("")).await;
    let stranger = register(&api, "not-the-artist").await;
    let song = cat.tracks[0].as_str();
    let path = format!("/v1/tracks/{song}/lyrics");

    let none = by_key.ok("getLyricsBySongId", &[("id", song)]).await;
    assert_eq!(none["lyricsList"]["structuredLyrics"], json!([]), "{none}");
    assert_eq!(api.get(&path).await.status, 404);
    let lrc = "[ar:Sonic Youth Orchestra]\n[00:01.50]Second\n[00:00.25]First\n";
    let refused = stranger.api.put(&path, json!({ "text": lrc })).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    let saved = admin
        .api
        .put(&path, json!({"text": lrc, "lang": "en"}))
        .await
        .expect(200);
    assert_eq!(saved["synced"], true, "{saved}");
    assert_eq!(
        saved["lines"],
        json!([{"start_ms": 250, "text": "First"}, {"start_ms": 1500, "text": "Second"}])
    );
    // Anyone reads them, as the text was given.
    let read = api.get(&path).await.expect(200);
    assert_eq!(read["text"], lrc);

    let list = by_key.ok("getLyricsBySongId", &[("id", song)]).await;
    let lyrics = &list["lyricsList"]["structuredLyrics"][0];
    assert_eq!(lyrics["synced"], true, "{list}");
    assert_eq!(lyrics["lang"], "en");
    assert_eq!(lyrics["displayArtist"], "Sonic Youth Orchestra");
    assert_eq!(lyrics["line"][0], json!({"start": 250, "value": "First"}));
    // The older method, by names (case aside), as plain text.
    let old = by_key
        .ok(
            "getLyrics",
            &[
                ("artist", "sonic youth ORCHESTRA"),
                ("title", "Daydream Nation Part 1"),
            ],
        )
        .await;
    assert_eq!(old["lyrics"]["value"], "First\nSecond", "{old}");

    // Plain text replaces them; its lines have no times.
    let plain = admin
        .api
        .put(&path, json!({"text": "One\n\nTwo"}))
        .await
        .expect(200);
    assert_eq!(plain["synced"], false, "{plain}");
    assert_eq!(plain["lang"], "xxx");
    let list = by_key.ok("getLyricsBySongId", &[("id", song)]).await;
    let line = &list["lyricsList"]["structuredLyrics"][0]["line"][0];
    assert_eq!(line, &json!({"value": "One"}), "{list}");

    for (body, field) in [
        (json!({"text": "  \n"}), "text"),
        (json!({"text": "la", "lang": "English"}), "lang"),
    ] {
        let bad = admin.api.put(&path, body).await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert_eq!(bad.error_fields(), [field]);
    }
    let nowhere = format!("/v1/tracks/{}/lyrics", uuid::Uuid::new_v4());
    assert_eq!(
        admin.api.put(&nowhere, json!({"text": "la"})).await.status,
        404
    );

    admin.api.delete(&path).await.expect(204);
    admin.api.delete(&path).await.expect(204);
    assert_eq!(api.get(&path).await.status, 404);
    let gone = by_key.ok("getLyricsBySongId", &[("id", song)]).await;
    assert_eq!(gone["lyricsList"]["structuredLyrics"], json!([]), "{gone}");

    gateway.stop().await;
    run.cleanup().await;
}
