//! The gateway's side of the web app, over plain HTTP: cookie sessions with
//! CSRF protection, the security headers, the served app and API reference,
//! and stream tickets. The app itself, in Chromium, is `tests/web`.

use encore_tests::api::{register, Api};
use encore_tests::audio::tone;
use encore_tests::TestRun;
use reqwest::header::{HeaderMap, COOKIE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// `name=value` of each `Set-Cookie`, and the full header of each.
fn cookies(headers: &HeaderMap) -> Vec<(String, String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|full| {
            let pair = full.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            Some((name.to_string(), value.to_string(), full.to_string()))
        })
        .collect()
}

fn cookie<'a>(set: &'a [(String, String, String)], name: &str) -> &'a (String, String, String) {
    set.iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} cookie in {set:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_session_keeps_its_refresh_token_in_an_httponly_cookie_behind_csrf() {
    let run = TestRun::new("web-session");
    let gateway = run.start_gateway().await;
    let http = reqwest::Client::new();
    let url = |path: &str| gateway.url(path);

    let registered = http
        .post(url("/v1/auth/register"))
        .header("X-Encore-Session", "cookie")
        .json(&json!({"email": "web@example.com", "username": "web-user", "password": "correct horse battery"}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), StatusCode::CREATED);
    let set = cookies(registered.headers());
    let body: Value = registered.json().await.expect("json");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body["access_token"].is_string());
    let (_, refresh, full) = cookie(&set, "encore_refresh");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/v1/auth"] {
        assert!(full.contains(attribute), "{full}");
    }
    let (_, csrf, csrf_full) = cookie(&set, "encore_csrf");
    assert!(!csrf_full.contains("HttpOnly"), "{csrf_full}");
    let jar = format!("encore_refresh={refresh}; encore_csrf={csrf}");

    let renew = |jar: String, csrf: Option<String>| {
        let mut request = http
            .post(url("/v1/auth/refresh"))
            .header("X-Encore-Session", "cookie")
            .header(COOKIE, jar)
            .json(&json!({}));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send()
    };
    // A cross-site page can make the browser send the cookie, but cannot read
    // the CSRF cookie to repeat it.
    for forged in [None, Some("guess".to_string())] {
        let refused = renew(jar.clone(), forged).await.expect("refresh");
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    let renewed = renew(jar.clone(), Some(csrf.clone()))
        .await
        .expect("refresh");
    assert_eq!(renewed.status(), StatusCode::OK);
    let set = cookies(renewed.headers());
    let (_, next_refresh, _) = cookie(&set, "encore_refresh");
    let (_, next_csrf, _) = cookie(&set, "encore_csrf");
    assert_ne!(next_refresh, refresh, "the refresh token rotates");
    let body: Value = renewed.json().await.expect("json");
    assert!(body.get("refresh_token").is_none());

    // A second tab renewing with the same cookie a moment later is told to
    // retry, and the session lives on.
    let raced = renew(jar, Some(csrf.clone())).await.expect("refresh");
    assert_eq!(raced.status(), StatusCode::CONFLICT);
    let jar = format!("encore_refresh={next_refresh}; encore_csrf={next_csrf}");
    let again = renew(jar.clone(), Some(next_csrf.clone()))
        .await
        .expect("refresh");
    assert_eq!(again.status(), StatusCode::OK);
    let set = cookies(again.headers());
    let (_, refresh, _) = cookie(&set, "encore_refresh");
    let (_, csrf, _) = cookie(&set, "encore_csrf");
    let jar = format!("encore_refresh={refresh}; encore_csrf={csrf}");

    // Logging out revokes the session and clears both cookies.
    let out = http
        .post(url("/v1/auth/logout"))
        .header("X-Encore-Session", "cookie")
        .header("X-CSRF-Token", csrf.as_str())
        .header(COOKIE, jar.clone())
        .json(&json!({}))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = cookies(out.headers());
    for name in ["encore_refresh", "encore_csrf"] {
        let (_, value, full) = cookie(&cleared, name);
        assert!(value.is_empty() && full.contains("Max-Age=0"), "{full}");
    }
    let after = renew(jar, Some(csrf.clone())).await.expect("refresh");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    // The JSON form for other clients is unchanged.
    let api = Api::new(&gateway);
    let other = register(&api, "json-client").await;
    assert!(!other.refresh_token.is_empty());
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers_and_unknown_api_paths_stay_json() {
    let run = TestRun::new("web-headers");
    let gateway = run.start_gateway().await;
    let http = reqwest::Client::new();
    for path in ["/", "/search", "/v1/charts/tracks", "/v1/nope", "/health"] {
        let answer = http.get(gateway.url(path)).send().await.expect(path);
        let headers = answer.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
    }
    let unknown = http.get(gateway.url("/v1/nope")).send().await.expect("get");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let body: Value = unknown.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "not_found");

    // When the app is built (scripts/stack test builds it), deep links answer
    // its page, assets are cached for good, and /docs is served locally.
    let built = encore_tests::interop::repo_root().join("web/dist/index.html");
    if built.is_file() {
        let page = http
            .get(gateway.url("/artists/123"))
            .send()
            .await
            .expect("get");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("html");
        assert!(html.contains("<div id=\"root\">"), "{html}");
        let docs = http.get(gateway.url("/docs")).send().await.expect("get");
        assert_eq!(docs.status(), StatusCode::OK);
        let html = docs.text().await.expect("html");
        assert!(
            html.contains("/docs/scalar.js") && !html.contains("https://"),
            "{html}"
        );
        let script = http
            .get(gateway.url("/docs/scalar.js"))
            .send()
            .await
            .expect("get");
        assert_eq!(script.status(), StatusCode::OK);
        // Hashed assets: cached for good, and sent gzipped (built once) to
        // browsers that take it.
        let index = std::fs::read_to_string(&built).expect("index.html");
        let asset = index
            .split('"')
            .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
            .expect("the entry script");
        // A client that leaves the body as sent, so the encoding shows.
        let raw = reqwest::Client::builder()
            .no_gzip()
            .build()
            .expect("a client");
        let zipped = raw
            .get(gateway.url(asset))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("get");
        assert_eq!(zipped.status(), StatusCode::OK);
        assert_eq!(zipped.headers()["content-encoding"], "gzip", "{asset}");
        assert!(
            zipped.headers()["cache-control"]
                .to_str()
                .is_ok_and(|c| c.contains("immutable")),
            "{asset}"
        );
        let missing = http
            .get(gateway.url("/assets/gone.js"))
            .send()
            .await
            .expect("get");
        assert_eq!(
            missing.status(),
            StatusCode::NOT_FOUND,
            "a missing asset is no page"
        );
    }
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ticket_opens_one_track_without_a_header() {
    let run = TestRun::new("web-ticket");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "ticket-admin", "admin").await;
    let dir = std::env::temp_dir().join(format!("encore-ticket-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let audio = tone(&dir, "mp3");
    let _ = std::fs::remove_dir_all(&dir);
    let track = admin
        .track_with_audio("Ticket Artist", "Ticket Song", audio.clone())
        .await;
    let other = admin
        .track_with_audio("Other Artist", "Other Song", audio.clone())
        .await;
    let listener = register(&api, "ticket-listener").await;

    let answer = listener
        .api
        .get(&format!("/v1/tracks/{track}/stream-url"))
        .await
        .expect(200);
    let url = answer["url"].as_str().expect("a url");
    assert!(
        url.starts_with(&format!("/v1/tracks/{track}/stream?ticket=")),
        "{url}"
    );
    let http = reqwest::Client::new();
    let ranged = http
        .get(gateway.url(url))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .expect("stream");
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.bytes().await.expect("bytes").len(), 100);

    let ticket = url.split("ticket=").nth(1).expect("a ticket");
    for wrong in [
        format!("/v1/tracks/{other}/stream?ticket={ticket}"),
        format!("/v1/tracks/{track}/stream?ticket={}", listener.access_token),
        format!("/v1/tracks/{track}/stream"),
    ] {
        let refused = http.get(gateway.url(&wrong)).send().await.expect("stream");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{wrong}");
    }
    // A track without audio has no stream URL.
    let (_, _, silent) = admin
        .artist_album_track("Silent Artist", "Silent Album", "Silent Song")
        .await;
    let none = listener
        .api
        .get(&format!(
            "/v1/tracks/{}/stream-url",
            silent["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(none.status, 404);
    run.cleanup().await;
}
