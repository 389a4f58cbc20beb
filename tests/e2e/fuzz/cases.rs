//! Each case the hostile-request sweep found, as it was sent then, with the
//! answer it must get now. They are sent raw (percent-encoded by hand), as
//! the sweep sent them, so no client library cleans them up on the way.

use serde_json::{json, Value};

use super::subsonic::check_envelope;
use super::World;
use crate::subsonic::client::Auth;

/// A raw Subsonic request as the listener (API key), in `f`; the answer's
/// content type and body.
async fn rest(world: &World, method_path: &str, query: &str) -> (String, Vec<u8>) {
    let Auth::ApiKey(key) = &world.clients.by_key.auth else {
        panic!("the Subsonic client holds an API key");
    };
    let url = format!(
        "{}/rest/{method_path}?apiKey={key}&c=cases&v=1.16.1&{query}",
        world.base
    );
    let answer = reqwest::get(&url).await.expect("an answer");
    assert_eq!(
        answer.status(),
        200,
        "{method_path}?{query}: Subsonic answers HTTP 200"
    );
    let content_type = answer.headers()["content-type"]
        .to_str()
        .expect("text")
        .to_string();
    let body = answer.bytes().await.expect("a body").to_vec();
    (content_type, body)
}

/// The JSON `subsonic-response` of a raw request.
async fn rest_json(world: &World, method: &str, query: &str) -> Value {
    let (content_type, body) = rest(world, method, &format!("f=json&{query}")).await;
    check_envelope(&content_type, &body).unwrap_or_else(|e| panic!("{method}?{query}: {e}"));
    let value: Value = serde_json::from_slice(&body).expect("JSON");
    value["subsonic-response"].clone()
}

/// The error code of a raw request that must fail, and its message.
async fn rest_error(world: &World, method: &str, query: &str) -> (i64, String) {
    let answer = rest_json(world, method, query).await;
    assert_eq!(answer["status"], "failed", "{method}?{query}: {answer}");
    let code = answer["error"]["code"].as_i64().expect("a code");
    let message = answer["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (code, message)
}

/// An XML answer that must be well-formed; its text.
async fn rest_xml(world: &World, method_path: &str, query: &str) -> String {
    let (content_type, body) = rest(world, method_path, &format!("f=xml&{query}")).await;
    assert!(
        content_type.starts_with("text/xml"),
        "{method_path}: {content_type}"
    );
    check_envelope(&content_type, &body)
        .or_else(|e| {
            if e.starts_with("error code 0") {
                Ok(())
            } else {
                Err(e)
            }
        })
        .unwrap_or_else(|e| panic!("{method_path}?{query}: {e}"));
    String::from_utf8(body).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_case_the_sweep_found_gets_a_clear_answer() {
    let world = World::new("fuzz-cases").await;
    let (song, playlist) = (world.cat.tracks[0].clone(), world.playlists[0].clone());

    // 1. NUL in a genre: a 400 naming it on the REST list routes, error 10
    //    on Subsonic (PostgreSQL cannot hold NUL in text).
    for path in ["/v1/tracks", "/v1/albums", "/v1/artists"] {
        let answer = world
            .admin
            .api
            .get(&format!("{path}?genre=a%00b&limit=5"))
            .await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        assert_eq!(answer.error_fields(), ["genre"], "{path}");
    }
    for (method, query) in [
        ("getAlbumList2", "type=byGenre&genre=a%00b"),
        ("getRandomSongs", "genre=a%00b"),
        ("getSongsByGenre", "genre=a%00b"),
        ("getTopSongs", "artist=a%00b"),
    ] {
        let (code, message) = rest_error(&world, method, query).await;
        assert_eq!(code, 10, "{method}: {message}");
        assert!(message.contains("control character"), "{method}: {message}");
    }
    // The same rule on JSON bodies, escaped or not, names the field.
    let answer = world
        .admin
        .api
        .post("/v1/artists", json!({"name": "a\u{0}b"}))
        .await;
    assert_eq!(
        (answer.status, answer.error_fields()),
        (400, vec!["name".to_string()])
    );
    let answer = world
        .admin
        .api
        .post(
            "/v1/artists",
            json!({"name": "ok", "genres": ["x\u{FFFF}"]}),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error_fields(), ["genres[0]"]);

    // 2. Names XML cannot hold are refused, so they never reach an answer.
    let (code, _) = rest_error(&world, "createPlaylist", "name=fz%EF%BF%BEname").await;
    assert_eq!(code, 10);
    let (code, _) = rest_error(
        &world,
        "updatePlaylist",
        &format!("playlistId={playlist}&comment=c%EF%BF%BF"),
    )
    .await;
    assert_eq!(code, 10);
    rest_xml(&world, "getPlaylists", "").await;
    rest_xml(&world, "getPlaylist", &format!("id={playlist}")).await;

    // 3. Echoed control characters: well-formed XML whatever was sent.
    let xml = rest_xml(&world, "%01ping", "").await;
    assert!(xml.contains("\u{FFFD}ping is not implemented"), "{xml}");
    let xml = rest_xml(&world, "getLyrics", "artist=a%01b").await;
    assert!(
        xml.contains(r#"status="failed""#) && xml.contains(r#"code="10""#),
        "{xml}"
    );

    // 4. Deep search pages: what there is, not "search is unavailable".
    for offset in ["9981", "10000", "99999"] {
        let answer = rest_json(
            &world,
            "search3",
            &format!("query=love&songCount=20&songOffset={offset}&albumOffset={offset}&artistOffset={offset}"),
        )
        .await;
        assert_eq!(answer["status"], "ok", "offset {offset}: {answer}");
    }

    // 5. Positions past the track's end.
    let (code, message) = rest_error(
        &world,
        "reportPlayback",
        &format!("mediaId={song}&mediaType=song&positionMs=9223372036854775807&state=starting"),
    )
    .await;
    assert_eq!(code, 10, "{message}");
    assert!(message.contains("positionMs"), "{message}");
    let (code, message) = rest_error(
        &world,
        "savePlayQueue",
        &format!("id={song}&current={song}&position=9223372036854775807"),
    )
    .await;
    assert_eq!(code, 10, "{message}");
    let queue = rest_json(&world, "getPlayQueue", "").await;
    assert_ne!(
        queue["playQueue"]["position"],
        json!(9_223_372_036_854_775_807_i64)
    );

    // 6. A method name that is not UTF-8 still gets a Subsonic envelope.
    let xml = rest_xml(&world, "%FFping", "").await;
    assert!(xml.contains(r#"status="failed""#), "{xml}");

    // 7. JSONP, and a bitrate above any real one.
    let (content_type, body) = rest(&world, "ping", "f=jsonp&callback=cb").await;
    assert!(
        content_type.starts_with("application/javascript"),
        "{content_type}"
    );
    let body = String::from_utf8(body).expect("UTF-8");
    assert!(
        body.starts_with("cb({\"subsonic-response\":") && body.ends_with(");"),
        "{body}"
    );
    let (content_type, body) = rest(&world, "ping", "f=jsonp&callback=alert%281%29%2F%2F").await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let refused: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        refused["subsonic-response"]["error"]["code"], 10,
        "{refused}"
    );
    let (content_type, _) = rest(
        &world,
        "stream",
        &format!("id={song}&maxBitRate=4294967296"),
    )
    .await;
    assert!(content_type.starts_with("audio/"), "{content_type}");

    world.stop().await;
}
