//! The failed-login throttle against a real gateway: an attacker is
//! throttled, on the native login and on `/rest`, and the owner still signs
//! in. Requests come from different addresses of 127.0.0.0/8 (all loopback
//! on Linux), or through a trusted proxy with `X-Forwarded-For`.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use encore_gateway::auth::throttle::Limits;
use encore_tests::api::{register, Answer, Api, PASSWORD};
use encore_tests::{Service, TestRun};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};

const WRONG: &str = "wrong horse battery";

fn limits(max_failures: u32, first_delay: u64, max_delay: u64) -> Limits {
    Limits {
        max_failures,
        max_failures_per_address: 100,
        window: Duration::from_secs(300),
        first_delay: Duration::from_secs(first_delay),
        max_delay: Duration::from_secs(max_delay),
        known_for: Duration::from_secs(30 * 86_400),
    }
}

/// The API as a client at `ip` (127.0.0.1 is where accounts register from).
fn at(gateway: &Service, ip: [u8; 4]) -> Api {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .expect("a client");
    Api {
        client,
        ..Api::new(gateway)
    }
}

/// A native login, with extra headers (a device cookie, X-Forwarded-For).
async fn login(api: &Api, login: &str, password: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = api
        .request(Method::POST, "/v1/auth/login")
        .json(&json!({"login": login, "password": password}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    api.send(request).await
}

/// `name=value` of the device cookie a sign-in set.
fn device_cookie(answer: &Answer) -> String {
    answer
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("encore_device_"))
        .and_then(|v| v.split(';').next())
        .expect("a device cookie")
        .to_string()
}

fn retry_after(answer: &Answer) -> u64 {
    answer.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("a Retry-After in seconds")
}

/// A Subsonic `ping` with `u` + `p` from `api`'s address: the error code
/// (0 when it succeeded), the message, and `Retry-After`.
async fn ping(api: &Api, user: &str, password: &str) -> (i64, String, Option<String>) {
    let query = [
        ("u", user),
        ("p", password),
        ("c", "throttle-test"),
        ("v", "1.16.1"),
        ("f", "json"),
    ];
    let response = api
        .client
        .get(format!("{}/rest/ping", api.base))
        .query(&query)
        .send()
        .await
        .expect("an answer");
    let wait = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body: Value = response.json().await.expect("JSON");
    let answer = &body["subsonic-response"];
    let code = answer["error"]["code"].as_i64().unwrap_or(0);
    let message = answer["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (code, message, wait)
}

/// An app password for `account`, and its username.
async fn app_password(account: &encore_tests::api::Account) -> (String, String) {
    let created = account
        .api
        .post("/v1/me/app-passwords", json!({"name": "phone"}))
        .await
        .expect(201);
    let username = account.email.split('@').next().expect("a username");
    let secret = created["secret"].as_str().expect("a secret");
    (username.to_string(), secret.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let run = TestRun::new("throttle-hundred");
    let mut config = run.gateway_config().await;
    config.auth.login = limits(10, 1, 60);
    let gateway = run.start_gateway_with(config).await;
    let home = Api::new(&gateway);
    let ada = register(&home, "ada").await;
    let laptop = login(&at(&gateway, [127, 0, 0, 5]), &ada.email, PASSWORD, &[]).await;
    assert_eq!(laptop.status, 200, "{}", laptop.body);
    let cookie = device_cookie(&laptop);

    // The attacker, at 127.0.0.3: ten guesses are checked, the rest refused.
    let attacker = at(&gateway, [127, 0, 0, 3]);
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses.push(login(&attacker, &ada.email, WRONG, &[]).await.status);
    }
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10..], [429; 90]);
    let refused = login(&attacker, &ada.email, PASSWORD, &[]).await;
    assert_eq!(refused.status, 429, "even the right password, from there");
    assert!((290..=300).contains(&retry_after(&refused)));
    assert_eq!(refused.body["error"]["code"], "too_many_requests");
    // Without trusted proxies, X-Forwarded-For is the client's own say.
    let spoofed = login(
        &attacker,
        &ada.email,
        PASSWORD,
        &[("x-forwarded-for", "127.0.0.1")],
    );
    assert_eq!(spoofed.await.status, 429);

    // The owner, from a new address, at once.
    let started = Instant::now();
    let elsewhere = login(&at(&gateway, [127, 0, 0, 2]), &ada.email, PASSWORD, &[]).await;
    let waited = started.elapsed();
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.body);
    println!("after 100 wrong passwords from 127.0.0.3 the owner signed in from 127.0.0.2 in {waited:?}, first try");
    // With the laptop's device cookie, even from the attacker's address.
    let with_cookie = login(
        &attacker,
        &ada.email,
        PASSWORD,
        &[(COOKIE.as_str(), &cookie)],
    )
    .await;
    assert_eq!(with_cookie.status, 200, "{}", with_cookie.body);
    // And from where the account was registered.
    login(&home, &ada.email, PASSWORD, &[]).await.expect(200);

    // The same on /rest: 100 wrong app passwords from 127.0.0.4.
    let bob = register(&home, "bob").await;
    let (username, secret) = app_password(&bob).await;
    let attacker = at(&gateway, [127, 0, 0, 4]);
    let mut answers = Vec::new();
    for _ in 0..100 {
        answers.push(ping(&attacker, &username, "not-the-app-password").await);
    }
    assert!(answers.iter().all(|(code, _, _)| *code == 40));
    let throttled = |(_, message, wait): &(i64, String, Option<String>)| {
        message.contains("too many failed logins") && wait.is_some()
    };
    assert!(!answers[..10].iter().any(throttled), "{answers:?}");
    assert!(answers[10..].iter().all(throttled), "{answers:?}");
    let (code, _, _) = ping(&attacker, &username, &secret).await;
    assert_eq!(code, 40, "the right app password, from there");
    let phone = at(&gateway, [127, 0, 0, 6]);
    assert_eq!(ping(&phone, &username, &secret).await.0, 0, "a new address");
    assert_eq!(ping(&home, &username, &secret).await.0, 0, "the known one");
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_many_addresses_slow_new_places_but_not_known_ones() {
    let run = TestRun::new("throttle-spread");
    let mut config = run.gateway_config().await;
    // A first delay long enough to see on a busy machine.
    config.auth.login = limits(3, 5, 10);
    let gateway = run.start_gateway_with(config).await;
    let home = Api::new(&gateway);
    let ada = register(&home, "ada").await;
    let (username, secret) = app_password(&ada).await;
    let laptop = login(&at(&gateway, [127, 0, 0, 5]), &ada.email, PASSWORD, &[]).await;
    let cookie = device_cookie(&laptop);

    let first = at(&gateway, [127, 0, 0, 3]);
    for _ in 0..3 {
        assert_eq!(login(&first, &ada.email, WRONG, &[]).await.status, 401);
    }
    assert_eq!(login(&first, &ada.email, WRONG, &[]).await.status, 429);
    // A second address gets one more guess; then every unknown place waits.
    let second = at(&gateway, [127, 0, 0, 4]);
    assert_eq!(login(&second, &ada.email, WRONG, &[]).await.status, 401);
    let slowed = login(&second, &ada.email, WRONG, &[]).await;
    assert_eq!(slowed.status, 429);
    let new_place = at(&gateway, [127, 0, 0, 2]);
    let owner = login(&new_place, &ada.email, PASSWORD, &[]).await;
    assert_eq!(owner.status, 429, "slowed like anyone new: {}", owner.body);
    let wait = retry_after(&owner);
    assert!((1..=5).contains(&wait), "{wait}");
    let (code, message, _) = ping(&new_place, &username, &secret).await;
    assert!(code == 40 && message.contains("too many"), "{message}");

    // A cookie of another account, or a forged one, is no way round it.
    let bob = register(&home, "bob").await;
    let bobs = login(&home, &bob.email, PASSWORD, &[]).await;
    let (bob_id, ada_id) = (bob.id.simple().to_string(), ada.id.simple().to_string());
    let bobs_cookie = device_cookie(&bobs).replace(&bob_id, &ada_id);
    for forged in [bobs_cookie, format!("{cookie}x")] {
        let refused = login(
            &new_place,
            &ada.email,
            PASSWORD,
            &[(COOKIE.as_str(), &forged)],
        )
        .await;
        assert_eq!(refused.status, 429, "{forged}");
    }

    // Known places are not slowed: the device cookie (at an attacker's
    // address), the address the account signed up from, on both paths.
    let with_cookie = login(&second, &ada.email, PASSWORD, &[(COOKIE.as_str(), &cookie)]).await;
    assert_eq!(with_cookie.status, 200, "{}", with_cookie.body);
    login(&home, &ada.email, PASSWORD, &[]).await.expect(200);
    assert_eq!(ping(&home, &username, &secret).await.0, 0);

    // After the wait, the owner gets in from the new place too.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    login(&new_place, &ada.email, PASSWORD, &[])
        .await
        .expect(200);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
    let run = TestRun::new("throttle-proxy");
    let mut config = run.gateway_config().await;
    // No delays: this is about which address is counted.
    config.auth.login = limits(3, 0, 0);
    // The test's own connections, from 127.0.0.1, play the balancer.
    config.trusted_proxies =
        encore_gateway::auth::client::parse_list("127.0.0.1").expect("a proxy list");
    let gateway = run.start_gateway_with(config).await;
    let proxy = Api::new(&gateway);
    let ada = register(&proxy, "ada").await;
    let via = |client: &'static str| [("x-forwarded-for", client)];

    for _ in 0..3 {
        let guess = login(&proxy, &ada.email, WRONG, &via("203.0.113.7")).await;
        assert_eq!(guess.status, 401);
    }
    let refused = login(&proxy, &ada.email, PASSWORD, &via("203.0.113.7")).await;
    assert_eq!(refused.status, 429);
    // What the attacker writes to the left of the balancer's entry is ignored.
    let spoofed = login(
        &proxy,
        &ada.email,
        PASSWORD,
        &via("198.51.100.2, 203.0.113.7"),
    )
    .await;
    assert_eq!(spoofed.status, 429);
    // The owner, through the same balancer from elsewhere.
    let owner = login(&proxy, &ada.email, PASSWORD, &via("198.51.100.2")).await;
    assert_eq!(owner.status, 200, "{}", owner.body);

    // A peer that is no proxy cannot pose as the owner's address.
    let outsider = at(&gateway, [127, 0, 0, 9]);
    for _ in 0..3 {
        let guess = login(&outsider, &ada.email, WRONG, &via("198.51.100.2")).await;
        assert_eq!(guess.status, 401);
    }
    let outsider_refused = login(&outsider, &ada.email, PASSWORD, &via("198.51.100.2")).await;
    assert_eq!(outsider_refused.status, 429, "counted as 127.0.0.9");
    login(&proxy, &ada.email, PASSWORD, &via("198.51.100.2"))
        .await
        .expect(200);
    gateway.stop().await;
    run.cleanup().await;
}
