//! Every way a Subsonic request can be wrong answers HTTP 200 with the
//! protocol's error code, never an HTTP error page.

use std::time::Duration;

use encore_tests::api::{register, Api};
use encore_tests::TestRun;
use serde_json::json;

use super::client::{Auth, Subsonic};
use super::{catalogue, clients, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_parameters_and_ids_answer_protocol_errors() {
    let run = TestRun::new("subsonic-errors");
    let mut config = run.gateway_config().await;
    config.auth.login.max_failures = 4;
    config.auth.login.window = Duration::from_secs(60);
    config.subsonic_cors_origins = vec!["https://client.example".into()];
    let gateway = run.start_gateway_with(config).await;
    let base = gateway.url("");
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "err-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        password,
        by_key,
        by_token,
    } = clients(&api, &base).await;

    // Credentials: wrong password, token or key; both mechanisms at once;
    // the account password itself, which /rest never accepts.
    let with = |auth| Subsonic::new(&base, auth, false);
    let wrong_token = with(Auth::Token {
        user: username.clone(),
        password: "not-it".into(),
    });
    assert_eq!(wrong_token.error("ping", &[]).await, 40);
    let account_password = with(Auth::Password {
        user: username.clone(),
        password: "correct horse battery".into(),
    });
    assert_eq!(account_password.error("ping", &[]).await, 40);
    let right_password = with(Auth::Password {
        user: username.clone(),
        password: password.clone(),
    });
    right_password.ok("ping", &[]).await;
    assert_eq!(
        with(Auth::ApiKey("nope".into())).error("ping", &[]).await,
        44
    );
    assert_eq!(by_key.error("ping", &[("u", &username)]).await, 43);
    let nobody = with(Auth::None);
    assert_eq!(nobody.error("ping", &[]).await, 10);
    assert_eq!(
        with(Auth::Token {
            user: "no-such-user".into(),
            password: "x".into()
        })
        .error("ping", &[])
        .await,
        40
    );

    // Protocol versions and the parameters every request carries.
    let raw = reqwest::get(format!("{base}/rest/ping.view?apiKey=x&v=1.16.1&f=json"))
        .await
        .expect("an answer");
    let body: serde_json::Value = raw.json().await.expect("JSON");
    assert_eq!(body["subsonic-response"]["error"]["code"], 10, "no c");
    for (version, code) in [("2.0.0", 30), ("0.9.0", 20)] {
        let url = format!("{base}/rest/ping?c=t&f=json&v={version}");
        let body: serde_json::Value = reqwest::get(url)
            .await
            .expect("an answer")
            .json()
            .await
            .expect("JSON");
        assert_eq!(
            body["subsonic-response"]["error"]["code"], code,
            "{version}"
        );
    }

    // Missing and unknown: parameters, ids, methods.
    assert_eq!(by_key.error("getAlbum", &[]).await, 10);
    assert_eq!(by_key.error("getAlbumList2", &[]).await, 10);
    assert_eq!(
        by_key.error("getAlbumList2", &[("type", "byYear")]).await,
        10
    );
    assert_eq!(by_key.error("getAlbum", &[("id", "al-123")]).await, 70);
    assert_eq!(by_key.error("getSong", &[("id", &cat.albums[0])]).await, 70);
    assert_eq!(
        by_key
            .error("getArtist", &[("id", &uuid::Uuid::new_v4().to_string())])
            .await,
        70
    );
    assert_eq!(
        by_key
            .error(
                "getMusicDirectory",
                &[("id", &uuid::Uuid::new_v4().to_string())]
            )
            .await,
        70
    );
    assert_eq!(
        by_key.error("stream", &[("id", &cat.tracks[1])]).await,
        70,
        "no audio"
    );
    assert_eq!(
        by_key
            .error("scrobble", &[("id", &uuid::Uuid::new_v4().to_string())])
            .await,
        70
    );
    assert_eq!(
        by_key
            .error("scrobble", &[("id", &cat.tracks[0]), ("time", "soon")])
            .await,
        10
    );
    assert_eq!(
        by_key
            .error("star", &[("albumId", &uuid::Uuid::new_v4().to_string())])
            .await,
        70
    );
    // One unknown album among known ones stars none of them.
    assert_eq!(
        by_key
            .error(
                "star",
                &[
                    ("albumId", &cat.albums[0]),
                    ("albumId", &uuid::Uuid::new_v4().to_string())
                ]
            )
            .await,
        70
    );
    let starred = by_key.ok("getStarred2", &[]).await;
    assert!(
        starred["starred2"]["album"]
            .as_array()
            .is_none_or(|albums| albums.is_empty()),
        "{starred}"
    );
    assert_eq!(
        by_key.error("getArtists", &[("musicFolderId", "7")]).await,
        70
    );
    assert_eq!(
        by_key.error("getAlbumList2", &[("type", "loudest")]).await,
        10
    );
    assert_eq!(
        by_key
            .error("getUser", &[("username", "someone-else")])
            .await,
        50
    );
    let unknown = by_key.call("jukeboxControl", &[]).await;
    assert_eq!(unknown["error"]["code"], 0);
    assert!(unknown["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("not implemented")));
    assert_eq!(by_token.error("createPlaylist", &[]).await, 10);
    assert_eq!(
        by_token
            .error("createPlaylist", &[("name", "x"), ("songId", "nope")])
            .await,
        70
    );

    // Another user's private playlist is not found, never shown.
    let other = register(&api, "other").await;
    let private = other
        .api
        .post("/v1/playlists", json!({"name": "Secret"}))
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(by_key.error("getPlaylist", &[("id", &private)]).await, 70);
    assert_eq!(
        by_token
            .error(
                "updatePlaylist",
                &[("playlistId", &private), ("name", "mine")]
            )
            .await,
        70
    );
    assert_eq!(
        by_key.error("deletePlaylist", &[("id", &private)]).await,
        70
    );
    let listed = by_key.ok("getPlaylists", &[]).await;
    assert_eq!(listed["playlists"]["playlist"], json!([]));
    let untouched = other
        .api
        .get(&format!("/v1/playlists/{private}"))
        .await
        .expect(200);
    assert_eq!(untouched["name"], "Secret");

    // XML errors and CORS for a browser client on another origin.
    let xml = by_key.raw("getAlbum", "xml", &[]).await;
    let text = String::from_utf8(xml.bytes).expect("UTF-8");
    assert!(
        text.contains(r#"status="failed""#) && text.contains(r#"<error code="10""#),
        "{text}"
    );
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}/rest/ping.view"))
        .header("origin", "https://client.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://client.example"
    );
    assert!(preflight
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    let elsewhere = reqwest::Client::new()
        .get(format!("{base}/rest/ping?c=t&v=1.16.1"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("an answer");
    assert!(elsewhere
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    // Wrong tokens count against the account: past the limit even the right
    // one is refused (40, with Retry-After), on /rest and the native login.
    let mut refused = None;
    for _ in 0..4 {
        let raw = wrong_token.raw("ping", "json", &[]).await;
        let body: serde_json::Value = serde_json::from_slice(&raw.bytes).expect("JSON");
        refused = Some((raw.headers, body));
    }
    let (_, body) = refused.expect("answers");
    assert_eq!(body["subsonic-response"]["error"]["code"], 40);
    let raw = by_token.raw("ping", "json", &[]).await;
    let body: serde_json::Value = serde_json::from_slice(&raw.bytes).expect("JSON");
    assert_eq!(body["subsonic-response"]["error"]["code"], 40, "{body}");
    assert!(body["subsonic-response"]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("too many failed logins")));
    assert!(raw.headers.get("retry-after").is_some());
    let native = api
        .post(
            "/v1/auth/login",
            json!({"login": listener.email, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(native.status, 429);
    // The API key names no account; it still works.
    by_key.ok("ping", &[]).await;
    gateway.stop().await;
    run.cleanup().await;
}
