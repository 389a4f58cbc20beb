//! Internet radio stations are one list: admins keep it through Subsonic or
//! the native API, every listener reads it, and only web addresses go in.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::json;

use super::{app_of, clients, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_keep_the_radio_stations_and_listeners_read_them() {
    let run = TestRun::new("subsonic-radio");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "radio-admin", "admin").await;
    let base = gateway.url("");
    let Clients {
        listener, by_key, ..
    } = clients(&api, &base).await;
    let admin_app = app_of(&admin, &base, "radio").await;

    let none = by_key.ok("getInternetRadioStations", &[]).await;
    assert_eq!(
        none["internetRadioStations"]["internetRadioStation"],
        json!([]),
        "{none}"
    );
    let station = [
        ("name", "Radio Paradise"),
        ("streamUrl", "https://stream.radioparadise.com/mp3-192"),
        ("homepageUrl", "https://radioparadise.com"),
    ];
    // Listeners read; only admins write, as natively.
    assert_eq!(
        by_key.error("createInternetRadioStation", &station).await,
        50
    );
    let refused = listener
        .api
        .post(
            "/v1/radio-stations",
            json!({"name": "Mine", "stream_url": "https://a.example/s"}),
        )
        .await;
    assert_eq!(refused.status, 403);
    admin_app.ok("createInternetRadioStation", &station).await;
    let listed = by_key.ok("getInternetRadioStations", &[]).await;
    let first = &listed["internetRadioStations"]["internetRadioStation"][0];
    assert_eq!(first["name"], "Radio Paradise", "{listed}");
    assert_eq!(
        first["streamUrl"],
        "https://stream.radioparadise.com/mp3-192"
    );
    assert_eq!(first["homePageUrl"], "https://radioparadise.com");
    let id = first["id"].as_str().expect("an id").to_string();

    // The native API holds the same station, and a change there shows here.
    let native = api.get("/v1/radio-stations").await.expect(200);
    assert_eq!(native["items"][0]["id"], id.as_str(), "{native}");
    admin
        .api
        .put(
            &format!("/v1/radio-stations/{id}"),
            json!({"name": "FIP", "stream_url": "http://icecast.radiofrance.fr/fip-midfi.mp3"}),
        )
        .await
        .expect(200);
    let listed = by_key.ok("getInternetRadioStations", &[]).await;
    let first = &listed["internetRadioStations"]["internetRadioStation"][0];
    assert_eq!(first["name"], "FIP", "{listed}");
    assert!(first.get("homePageUrl").is_none(), "{listed}");

    // Only web addresses, and the field is named.
    for (bad, field) in [
        (("streamUrl", "javascript:alert(1)"), "streamUrl"),
        (("streamUrl", "file:///etc/passwd"), "streamUrl"),
        (("homepageUrl", "ftp://a.example"), "homepageUrl"),
    ] {
        let mut params = vec![("name", "Bad"), ("streamUrl", "https://a.example/s")];
        params.retain(|(name, _)| *name != bad.0);
        params.push(bad);
        let raw = admin_app
            .raw("createInternetRadioStation", "json", &params)
            .await;
        let body: serde_json::Value = serde_json::from_slice(&raw.bytes).expect("JSON");
        let error = &body["subsonic-response"]["error"];
        assert_eq!(error["code"], 10, "{body}");
        assert!(
            error["message"].as_str().is_some_and(|m| m.contains(field)),
            "{body}"
        );
    }
    let native_bad = admin
        .api
        .post(
            "/v1/radio-stations",
            json!({"name": "", "stream_url": "data:audio/mp3,xx"}),
        )
        .await;
    assert_eq!(native_bad.error_fields(), ["name", "stream_url"]);
    assert_eq!(
        admin_app
            .error(
                "updateInternetRadioStation",
                &[
                    ("id", &uuid::Uuid::new_v4().to_string()),
                    ("name", "Gone"),
                    ("streamUrl", "https://a.example/s")
                ]
            )
            .await,
        70
    );

    admin_app
        .ok("deleteInternetRadioStation", &[("id", &id)])
        .await;
    admin_app
        .ok("deleteInternetRadioStation", &[("id", &id)])
        .await;
    let native = api.get("/v1/radio-stations").await.expect(200);
    assert_eq!(native["items"], json!([]), "{native}");

    gateway.stop().await;
    run.cleanup().await;
}
