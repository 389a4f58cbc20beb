//! startScan and getScanStatus drive and report the sync that `ingest sync`
//! runs: a scan is a sync request, as `POST /v1/admin/sync` files one, and
//! the status follows it until the syncer says how it ended.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::json;

use super::{app_of, catalogue, clients, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_scan_files_a_sync_request_and_the_status_follows_it() {
    let run = TestRun::new("subsonic-scan");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "scan-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let base = gateway.url("");
    let Clients {
        by_key: listener, ..
    } = clients(&api, &base).await;
    let admin_app = app_of(&admin, &base, "scan").await;

    let idle = listener.ok("getScanStatus", &[]).await;
    assert_eq!(idle["scanStatus"]["scanning"], json!(false), "{idle}");
    assert_eq!(
        idle["scanStatus"]["count"],
        json!(cat.tracks.len()),
        "every song of the catalogue: {idle}"
    );

    // The native twin is admin-only, and so is this.
    assert_eq!(listener.error("startScan", &[]).await, 50);
    assert_eq!(
        listener.ok("getScanStatus", &[]).await["scanStatus"]["scanning"],
        json!(false)
    );

    let started = admin_app.ok("startScan", &[]).await;
    assert_eq!(started["scanStatus"]["scanning"], json!(true), "{started}");
    let waiting = listener.ok("getScanStatus", &[]).await;
    assert_eq!(waiting["scanStatus"]["scanning"], json!(true), "{waiting}");

    // What `ingest sync` does with it: claim it, run, say how it ended.
    let claimed = admin
        .api
        .post("/v1/admin/sync/claim", json!({}))
        .await
        .expect(200);
    assert_eq!(claimed["status"], json!("running"), "{claimed}");
    let id = claimed["id"].as_str().expect("an id");
    let running = listener.ok("getScanStatus", &[]).await;
    assert_eq!(running["scanStatus"]["scanning"], json!(true), "{running}");
    admin
        .api
        .put(
            &format!("/v1/admin/sync/{id}"),
            json!({"status": "done", "summary": "nothing new"}),
        )
        .await
        .expect(200);
    let done = listener.ok("getScanStatus", &[]).await;
    assert_eq!(done["scanStatus"]["scanning"], json!(false), "{done}");

    gateway.stop().await;
    run.cleanup().await;
}
