//! Two gateways over one database and one store, as behind the cluster's
//! load balancer: audio uploaded through one streams from the other, and
//! catalogue writes through both reach the topic once each and in order,
//! because only the relay holding the outbox's lock publishes. On the
//! cluster (`ENCORE_STORAGE_URL=s3://…`) the audio goes through S3.

use std::time::Duration;

use encore_schemas::{decode, CatalogChange};
use encore_tests::api::{Account, Api};
use encore_tests::audio::tone;
use encore_tests::{read_topic, TestRun};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_share_the_audio_and_one_outbox() {
    let run = TestRun::new("two-gateways");
    let one = run.start_gateway().await;
    let other = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&one), "two-gw", "admin")
        .await;
    // The same session on the other gateway: tokens are the deployment's, not
    // an instance's.
    let via_other = Account {
        api: Api::new(&other).with_token(&admin.access_token),
        ..admin.clone()
    };

    let artist = admin
        .api
        .post("/v1/artists", json!({"name": "Both Ways"}))
        .await
        .expect(201);
    let artist = artist["id"].as_str().expect("id").to_string();
    let mut tracks = Vec::new();
    for n in 0..10 {
        let through = if n % 2 == 0 { &admin } else { &via_other };
        let track = through
            .api
            .post(
                "/v1/tracks",
                json!({"artist_id": artist, "title": format!("Side {n}"), "duration_ms": 180_000}),
            )
            .await
            .expect(201);
        tracks.push(track["id"].as_str().expect("id").to_string());
    }

    // Uploaded through one, streamed whole and in part from the other.
    let dir = std::env::temp_dir().join(format!("encore-two-gateways-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let audio = tone(&dir, "mp3");
    let _ = std::fs::remove_dir_all(&dir);
    admin.upload_audio(&tracks[0], audio.clone()).await;
    let stream = |range: Option<&str>| {
        let mut request = via_other.api.request(
            reqwest::Method::GET,
            &format!("/v1/tracks/{}/stream", tracks[0]),
        );
        if let Some(range) = range {
            request = request.header("range", range);
        }
        request.send()
    };
    let whole = stream(None).await.expect("an answer");
    assert_eq!(whole.status(), 200);
    assert_eq!(
        whole.bytes().await.expect("a body").to_vec(),
        audio,
        "byte-exact from the other gateway"
    );
    let part = stream(Some("bytes=100-199")).await.expect("an answer");
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.bytes().await.expect("a body").to_vec(),
        audio[100..200].to_vec()
    );

    // Every create once, whichever gateway took it, and per track in
    // version order (the topic orders by key); the upload adds a version.
    let topic = run.topics().name("catalog.tracks");
    let records = read_topic(&run.kafka, &topic, 11, Duration::from_secs(1)).await;
    let changes: Vec<CatalogChange> = records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .map(|b| decode(b).expect("a CatalogChange"))
        .collect();
    assert_eq!(changes.len(), 11, "each change once: {changes:?}");
    for (n, track) in tracks.iter().enumerate() {
        let versions: Vec<i64> = changes
            .iter()
            .filter(|c| c.entity_id.to_string() == *track)
            .map(|c| c.version)
            .collect();
        let expected: &[i64] = if n == 0 { &[1, 2] } else { &[1] };
        assert_eq!(versions, expected, "track {n}");
    }

    one.stop().await;
    other.stop().await;
    run.cleanup().await;
}
