//! getUsers lists the accounts for admins only, and getAvatar serves the
//! picture the native API serves, to anyone signed in.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::json;

use super::{app_of, clients, Clients};
use crate::support::PNG;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_list_the_users_and_anyone_sees_an_avatar() {
    let run = TestRun::new("subsonic-users");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "users-admin", "admin").await;
    let base = gateway.url("");
    let Clients {
        listener,
        username,
        by_key,
        ..
    } = clients(&api, &base).await;
    let admin_app = app_of(&admin, &base, "users").await;

    // The native twin (/v1/admin/users) is admin-only, and so is this.
    assert_eq!(by_key.error("getUsers", &[]).await, 50);
    let users = admin_app.ok("getUsers", &[]).await;
    let listed = users["users"]["user"].as_array().expect("users").clone();
    let names: Vec<&str> = listed
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert!(names.contains(&username.as_str()), "{names:?}");
    let me = listed
        .iter()
        .find(|u| u["username"] == username.as_str())
        .expect("the listener");
    assert_eq!(me["adminRole"], json!(false), "{me}");
    assert_eq!(me["streamRole"], json!(true), "{me}");
    let boss = listed
        .iter()
        .find(|u| u["adminRole"] == json!(true))
        .expect("an admin");
    assert!(boss["username"].is_string(), "{boss}");

    // No picture yet: 70, as for a user who is not there.
    assert_eq!(
        by_key.error("getAvatar", &[("username", &username)]).await,
        70
    );
    assert_eq!(
        by_key
            .error("getAvatar", &[("username", "nobody-at-all")])
            .await,
        70
    );
    assert_eq!(by_key.error("getAvatar", &[]).await, 10);
    listener
        .api
        .send(
            listener
                .api
                .request(reqwest::Method::PUT, "/v1/me/avatar")
                .header("content-type", "image/png")
                .body(PNG),
        )
        .await
        .expect(200);
    // Another user's app sees it too, as the native route shows it to all.
    let served = admin_app
        .raw("getAvatar", "json", &[("username", &username)])
        .await;
    assert_eq!(served.headers["content-type"], "image/png");
    assert_eq!(served.bytes, PNG);

    gateway.stop().await;
    run.cleanup().await;
}
