//! Registration, sessions, tokens and the caller's profile, against real PostgreSQL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use encore_gateway::auth::token::TokenKeys;
use encore_tests::api::{account, register, Api};
use encore_tests::{eventually_within, TestRun};
use serde_json::json;

use crate::support::PNG;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_login_and_bad_registrations() {
    let run = TestRun::new("acc-register");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let ada = register(&api, "ada").await;
    let me = ada.api.get("/v1/me").await.expect(200);
    assert_eq!(me["role"], "listener");
    assert_eq!(me["email"], ada.email);

    let taken = api
        .post(
            "/v1/auth/register",
            json!({"email": ada.email.to_uppercase(), "username": "someone-else", "password": "long enough"}),
        )
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.error_fields(), ["email"]);

    let bad = api
        .post(
            "/v1/auth/register",
            json!({"email": "nope", "username": "a b", "password": "short"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error_fields(), ["email", "username", "password"]);
    let missing = api
        .post("/v1/auth/register", json!({"email": "x@example.com"}))
        .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("username"),
        "{}",
        missing.body
    );
    let typed = api
        .post(
            "/v1/auth/register",
            json!({"email": 5, "username": "x", "password": "y"}),
        )
        .await;
    assert_eq!(typed.error_fields(), ["email"]);

    let username = me["username"].as_str().expect("username");
    for login in [ada.email.as_str(), username] {
        let session = api
            .post(
                "/v1/auth/login",
                json!({"login": login, "password": "correct horse battery"}),
            )
            .await
            .expect(200);
        assert_eq!(session["user"]["id"], ada.id.to_string());
    }
    let wrong = api
        .post(
            "/v1/auth/login",
            json!({"login": username, "password": "wrong horse"}),
        )
        .await;
    assert_eq!(wrong.status, 401);
    let unknown = api
        .post(
            "/v1/auth/login",
            json!({"login": "nobody-at-all", "password": "whatever1"}),
        )
        .await;
    assert_eq!(unknown.status, 401);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_forged_and_unsigned_tokens_are_refused() {
    let run = TestRun::new("acc-tokens");
    let config = run.gateway_config().await;
    let gateway = run.start_gateway_with(config.clone()).await;
    let api = Api::new(&gateway);
    let ada = register(&api, "ada").await;
    let now = encore_common::now_millis() / 1000;

    let keys = TokenKeys::new(&config.auth);
    let expired = keys.issue(ada.id, now - 3_600).expect("a token");
    let answer = api.with_token(&expired).get("/v1/me").await;
    assert_eq!(answer.status, 401);
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("expired"));

    let mut other = config.auth.clone();
    other.jwt_secret = "not-the-server-secret".into();
    let forged = TokenKeys::new(&other).issue(ada.id, now).expect("a token");
    assert_eq!(api.with_token(&forged).get("/v1/me").await.status, 401);

    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"sub": ada.id, "iss": config.auth.issuer, "aud": config.auth.audience, "iat": now, "exp": now + 600})
            .to_string(),
    );
    assert_eq!(
        api.with_token(&format!("{header}.{claims}."))
            .get("/v1/me")
            .await
            .status,
        401
    );
    // The real token works, and a malformed header is a 401 too.
    assert_eq!(ada.api.get("/v1/me").await.status, 200);
    let basic = api
        .send(
            api.request(reqwest::Method::GET, "/v1/me")
                .header("authorization", "Basic abc"),
        )
        .await;
    assert_eq!(basic.status, 401);
    assert!(basic.headers.contains_key("www-authenticate"));
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let run = TestRun::new("acc-refresh");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let ada = register(&api, "ada").await;

    let first = api
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": ada.refresh_token}),
        )
        .await
        .expect(200);
    let rotated = account(&api, &first);
    assert_ne!(rotated.refresh_token, ada.refresh_token);
    assert_eq!(rotated.api.get("/v1/me").await.status, 200);

    // The old token again: someone else has it. Both it and its successor die.
    let reuse = api
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": ada.refresh_token}),
        )
        .await;
    assert_eq!(reuse.status, 401);
    assert!(reuse.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("already used"));
    let successor = api
        .post(
            "/v1/auth/refresh",
            json!({"refresh_token": rotated.refresh_token}),
        )
        .await;
    assert_eq!(successor.status, 401);

    // A fresh login is a new family; logging out ends it.
    let session = api
        .post(
            "/v1/auth/login",
            json!({"login": ada.email, "password": "correct horse battery"}),
        )
        .await
        .expect(200);
    let fresh = account(&api, &session);
    assert_eq!(
        api.post(
            "/v1/auth/logout",
            json!({"refresh_token": fresh.refresh_token})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        api.post(
            "/v1/auth/refresh",
            json!({"refresh_token": fresh.refresh_token})
        )
        .await
        .status,
        401
    );
    assert_eq!(
        api.post("/v1/auth/refresh", json!({"refresh_token": "made-up"}))
            .await
            .status,
        401
    );
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_update_avatar_and_deletion() {
    let run = TestRun::new("acc-profile");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let ada = register(&api, "ada").await;
    let bo = register(&api, "bo").await;

    let me = ada
        .api
        .patch("/v1/me", json!({"display_name": "Ada L."}))
        .await
        .expect(200);
    assert_eq!(me["display_name"], "Ada L.");
    let clash = ada.api.patch("/v1/me", json!({"email": bo.email})).await;
    assert_eq!(
        (clash.status, clash.error_fields()),
        (409, vec!["email".to_string()])
    );
    let unknown = ada.api.patch("/v1/me", json!({"role": "admin"})).await;
    assert_eq!(
        unknown.status, 400,
        "a client cannot make itself admin: {}",
        unknown.body
    );

    let avatar = ada
        .api
        .send(
            ada.api
                .request(reqwest::Method::PUT, "/v1/me/avatar")
                .header("content-type", "image/png")
                .body(PNG),
        )
        .await
        .expect(200);
    let url = avatar["avatar_url"]
        .as_str()
        .expect("avatar_url")
        .to_string();
    let served = reqwest::get(format!("{}{url}", api.base))
        .await
        .expect("avatar");
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);
    let svg = ada
        .api
        .send(
            ada.api
                .request(reqwest::Method::PUT, "/v1/me/avatar")
                .body("<svg xmlns='http://www.w3.org/2000/svg'/>"),
        )
        .await;
    assert_eq!(svg.status, 415);
    let huge = ada
        .api
        .send_oversized("PUT", "/v1/me/avatar", "image/png", 3 * 1024 * 1024)
        .await;
    assert_eq!(huge.status, 413);

    assert_eq!(ada.api.delete("/v1/me").await.status, 204);
    assert_eq!(
        ada.api.get("/v1/me").await.status,
        401,
        "the account is gone"
    );
    let login = api
        .post(
            "/v1/auth/login",
            json!({"login": ada.email, "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(login.status, 401);
    assert_eq!(
        reqwest::get(format!("{}{url}", api.base))
            .await
            .expect("answer")
            .status(),
        404
    );
    let again = api
        .post(
            "/v1/auth/register",
            json!({"email": ada.email, "username": "ada-again", "password": "new password"}),
        )
        .await;
    assert_eq!(
        again.status, 201,
        "a deleted account's address is free again"
    );
    gateway.stop().await;
    run.cleanup().await;
}

/// Each gateway keeps live accounts' roles in memory (auth::accounts); a
/// demotion or a deletion made through another gateway must still reach it
/// at once, through PostgreSQL's notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_on_one_gateway_reaches_every_gateway() {
    let run = TestRun::new("acc-replicas");
    let (one, two) = (run.start_gateway().await, run.start_gateway().await);
    let (api_one, api_two) = (Api::new(&one), Api::new(&two));
    let boss = run.account_with_role(&api_one, "boss", "admin").await;
    let deputy = run.account_with_role(&api_one, "deputy", "admin").await;
    let deputy_there = api_two.with_token(&deputy.access_token);
    let unknown_sync = format!("/v1/admin/sync/{}", uuid::Uuid::new_v4());
    // Authorized (404, not 403): gateway two now holds the deputy as an admin.
    assert_eq!(deputy_there.get(&unknown_sync).await.status, 404);
    assert_eq!(deputy_there.get(&unknown_sync).await.status, 404);

    api_one
        .with_token(&boss.access_token)
        .put(
            &format!("/v1/admin/users/{}/role", deputy.id),
            json!({"role": "listener"}),
        )
        .await
        .expect(200);
    // A notification takes milliseconds; a cache that never heard of the
    // change would serve its stale answer for a minute.
    let at_once = std::time::Duration::from_secs(1);
    eventually_within(
        at_once,
        "gateway two to refuse the demoted account (403)",
        || async {
            match deputy_there.get(&unknown_sync).await.status {
                403 => Ok(()),
                other => Err(other),
            }
        },
    )
    .await;

    assert_eq!(deputy_there.get("/v1/me").await.status, 200);
    assert_eq!(
        api_one
            .with_token(&deputy.access_token)
            .delete("/v1/me")
            .await
            .status,
        204
    );
    eventually_within(
        at_once,
        "gateway two to refuse the deleted account (401)",
        || async {
            match deputy_there.get("/v1/me").await.status {
                401 => Ok(()),
                other => Err(other),
            }
        },
    )
    .await;
    one.stop().await;
    two.stop().await;
    run.cleanup().await;
}
