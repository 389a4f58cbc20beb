//! App passwords, API keys and the failed-login throttle, against real
//! PostgreSQL.

use std::time::Duration;

use encore_tests::api::{register, Api};
use encore_tests::TestRun;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_passwords_and_api_keys_are_created_listed_and_revoked() {
    let run = TestRun::new("cred-apps");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let ada = register(&api, "ada").await;
    let bob = register(&api, "bob").await;

    let created = ada
        .api
        .post("/v1/me/app-passwords", json!({"name": "Symfonium"}))
        .await
        .expect(201);
    let password = created["secret"].as_str().expect("a secret").to_string();
    assert_eq!(password.len(), 19, "{password}");
    assert_eq!(created["name"], "Symfonium");
    let taken = ada
        .api
        .post("/v1/me/app-passwords", json!({"name": "symfonium"}))
        .await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.error_fields(), ["name"]);
    let empty = ada
        .api
        .post("/v1/me/app-passwords", json!({"name": "  "}))
        .await;
    assert_eq!(empty.error_fields(), ["name"]);
    let key = ada
        .api
        .post("/v1/me/api-keys", json!({"name": "Feishin"}))
        .await
        .expect(201);
    let key_text = key["secret"].as_str().expect("a key").to_string();
    // Another user's credential of the same name is no conflict.
    bob.api
        .post("/v1/me/api-keys", json!({"name": "Feishin"}))
        .await
        .expect(201);

    let listed = ada.api.get("/v1/me/app-passwords").await.expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["items"][0]["id"], created["id"]);
    assert!(listed["items"][0].get("secret").is_none());
    let keys = ada.api.get("/v1/me/api-keys").await.expect(200);
    assert_eq!(keys["items"][0]["name"], "Feishin");
    assert!(keys["items"][0]["last_used_at"].is_null());
    // A use is noted, so that a listener sees which app is still in use.
    let ping = format!(
        "{}/rest/ping?apiKey={key_text}&c=t&v=1.16.1&f=json",
        api.base
    );
    let answer: serde_json::Value = reqwest::get(ping)
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["subsonic-response"]["status"], "ok");
    let keys = ada.api.get("/v1/me/api-keys").await.expect(200);
    assert!(keys["items"][0]["last_used_at"].is_string());

    // Neither secret is stored in the clear.
    let db = run.postgres().await;
    let stored: Vec<(Vec<u8>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT secret_hash, sealed FROM app_credentials")
            .fetch_all(&db)
            .await
            .expect("the credentials");
    assert_eq!(stored.len(), 3);
    for (hash, sealed) in &stored {
        for secret in [&password, &key_text] {
            let text = secret.as_bytes();
            assert!(!hash.windows(text.len()).any(|w| w == text));
            let sealed = sealed.as_deref().unwrap_or_default();
            assert!(!sealed.windows(text.len()).any(|w| w == text));
        }
    }
    db.close().await;

    // A search goes to the search server before its credentials are
    // checked when they were accepted a moment ago (the ping above), but
    // its answer waits for the check: a key revoked since is refused.
    let key_id = key["id"].as_str().expect("an id");
    let revoked = ada.api.delete(&format!("/v1/me/api-keys/{key_id}")).await;
    assert_eq!(revoked.status, 204);
    let search = format!(
        "{}/rest/search3?apiKey={key_text}&c=t&v=1.16.1&f=json&query=anything",
        api.base
    );
    let answer = reqwest::get(search).await.expect("an answer");
    let refused: serde_json::Value = answer.json().await.expect("JSON");
    let refused = &refused["subsonic-response"];
    assert_eq!(refused["status"], "failed", "{refused}");
    assert_eq!(refused["error"]["code"], 44, "{refused}");
    assert!(refused.get("searchResult3").is_none(), "{refused}");

    let id = created["id"].as_str().expect("an id");
    assert_eq!(
        bob.api
            .delete(&format!("/v1/me/app-passwords/{id}"))
            .await
            .status,
        404,
        "only its owner revokes a credential"
    );
    assert_eq!(
        ada.api
            .delete(&format!("/v1/me/app-passwords/{id}"))
            .await
            .status,
        204
    );
    let listed = ada.api.get("/v1/me/app-passwords").await.expect(200);
    assert_eq!(listed["items"], json!([]));
    assert_eq!(
        ada.api
            .delete(&format!("/v1/me/app-passwords/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(api.get("/v1/me/api-keys").await.status, 401);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_place_and_per_address() {
    let run = TestRun::new("cred-throttle");
    let mut config = run.gateway_config().await;
    config.auth.login.max_failures = 3;
    config.auth.login.max_failures_per_address = 6;
    config.auth.login.window = Duration::from_secs(3);
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    // Ada and Bob sign up here (127.0.0.1); Carol elsewhere.
    let ada = register(&api, "ada").await;
    let bob = register(&api, "bob").await;
    let elsewhere = Api {
        client: reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
            .build()
            .expect("a client"),
        ..api.clone()
    };
    let carol = register(&elsewhere, "carol").await;
    let login = |login: &str, password: &str| {
        let api = api.clone();
        let body = json!({"login": login, "password": password});
        async move { api.post("/v1/auth/login", body).await }
    };

    for _ in 0..3 {
        assert_eq!(login(&ada.email, "wrong horse").await.status, 401);
    }
    // Ada from here is refused now, even with her right password.
    let refused = login(&ada.email, "correct horse battery").await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=3).contains(&wait), "{wait}");
    assert_eq!(refused.body["error"]["code"], "too_many_requests");
    // Only that pair: Bob still logs in from the same address.
    login(&bob.email, "correct horse battery").await.expect(200);
    // Guesses at names that do not exist count too, and fill the address's
    // budget (3 + 3 = 6), which then refuses whoever it is not known to...
    for _ in 0..3 {
        assert_eq!(login("nobody-at-all", "whatever1").await.status, 401);
    }
    assert_eq!(
        login(&carol.email, "correct horse battery").await.status,
        429
    );
    // ...but not Bob, who signed in from here before.
    login(&bob.email, "correct horse battery").await.expect(200);
    let metrics = reqwest::get(gateway.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let throttled = metrics
        .lines()
        .find(|l| l.starts_with("encore_gateway_logins_throttled_total{path=\"native\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    // At least these two: the recorder is shared by every gateway of the process.
    assert!(throttled.is_some_and(|n| n >= 2.0), "{metrics}");

    // The window passes without a failure and both log in again.
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    login(&ada.email, "correct horse battery").await.expect(200);
    login(&carol.email, "correct horse battery")
        .await
        .expect(200);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_beyond_loopback_refuses_the_built_in_keys() {
    let run = TestRun::new("cred-dev-keys");
    let mut config = run.gateway_config().await;
    config.addr = "0.0.0.0:0".parse().expect("an address");
    config.auth.jwt_secret = encore_gateway::config::DEV_JWT_SECRET.into();
    config.auth.app_password_key = encore_core::credentials::seal::DEV_KEY_HEX.into();
    config.dev_keys_allowed = false;
    let Err(refused) = encore_gateway::start(config.clone()).await else {
        panic!("a gateway on 0.0.0.0 started with the built-in keys");
    };
    let message = refused.to_string();
    for needed in [
        "0.0.0.0:0",
        "ENCORE_JWT_SECRET (",
        "ENCORE_APP_PASSWORD_KEY (",
        "ENCORE_DEV_KEYS=allow",
    ] {
        assert!(message.contains(needed), "{needed}: {message}");
    }
    // Real keys, or the development switch, and it starts.
    let mut real = config.clone();
    real.auth.jwt_secret = "a-long-random-production-secret-0123456789".into();
    real.auth.app_password_key = "5e".repeat(32);
    let mut allowed = config;
    allowed.dev_keys_allowed = true;
    for config in [real, allowed] {
        if let Err(error) = encore_gateway::start(config).await {
            panic!("the gateway did not start: {error}");
        }
    }
    run.cleanup().await;
}
