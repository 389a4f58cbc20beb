//! Catalog changes through the outbox: in order per entity, tombstones after
//! deletes, and exactly once after a broker outage.

use std::time::{Duration, Instant};

use encore_schemas::{decode, CatalogChange, ChangeOp};
use encore_tests::api::Api;
use encore_tests::servers::OwnServer;
use encore_tests::{eventually_within, read_topic, ReadRecord, TestRun};
use serde_json::json;

/// (version, op) of each record for `entity`, `None` for a tombstone.
fn history(records: &[ReadRecord], entity: &str) -> Vec<Option<(i64, ChangeOp)>> {
    records
        .iter()
        .filter(|r| r.key.as_deref() == Some(entity.as_bytes()))
        .map(|r| {
            r.payload.as_deref().map(|bytes| {
                let change: CatalogChange = decode(bytes).expect("a CatalogChange");
                assert_eq!(change.entity_id.to_string(), entity);
                assert!(change.is_consistent(), "{change:?}");
                (change.version, change.op)
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_arrive_in_order_with_tombstones() {
    let run = TestRun::new("outbox-order");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let artist = admin
        .api
        .post("/v1/artists", json!({"name": "v1"}))
        .await
        .expect(201);
    let id = artist["id"].as_str().expect("id").to_string();
    for name in ["v2", "v3", "v4"] {
        admin
            .api
            .patch(&format!("/v1/artists/{id}"), json!({"name": name}))
            .await
            .expect(200);
    }
    let album = admin
        .api
        .post("/v1/albums", json!({"artist_id": id, "title": "A"}))
        .await
        .expect(201);
    let album = album["id"].as_str().expect("id").to_string();
    admin.api.delete(&format!("/v1/artists/{id}")).await;

    let topic = run.topics().name("catalog.artists");
    let records = read_topic(&run.kafka, &topic, 6, Duration::from_millis(500)).await;
    let expected = vec![
        Some((1, ChangeOp::Upsert)),
        Some((2, ChangeOp::Upsert)),
        Some((3, ChangeOp::Upsert)),
        Some((4, ChangeOp::Upsert)),
        Some((5, ChangeOp::Delete)),
        None,
    ];
    assert_eq!(history(&records, &id), expected);
    let names: Vec<String> = records
        .iter()
        .filter_map(|r| r.payload.as_deref())
        .filter_map(|b| decode::<CatalogChange>(b).ok()?.artist.map(|a| a.name))
        .collect();
    assert_eq!(names, ["v1", "v2", "v3", "v4"]);
    let albums = read_topic(
        &run.kafka,
        &run.topics().name("catalog.albums"),
        3,
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(
        history(&albums, &album),
        vec![
            Some((1, ChangeOp::Upsert)),
            Some((2, ChangeOp::Delete)),
            None
        ]
    );
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_a_broker_outage_are_published_once_it_returns() {
    let run = TestRun::new("outbox-outage");
    let mut broker = OwnServer::broker();
    let mut config = run.gateway_config().await;
    config.kafka.brokers = broker.address();
    // The test's own broker is one node, whatever the stack's topology.
    config.kafka.replication = 1;
    config.kafka.produce_timeout = Duration::from_secs(2);
    let mut kafka = config.kafka.clone();
    kafka.produce_timeout = run.kafka.produce_timeout;
    let gateway = run.start_gateway_with(config).await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let before = admin
        .api
        .post("/v1/artists", json!({"name": "Before"}))
        .await
        .expect(201);
    let topic = run.topics().name("catalog.artists");
    assert_eq!(read_topic(&kafka, &topic, 1, Duration::ZERO).await.len(), 1);

    broker.stop();
    let started = Instant::now();
    let during = admin
        .api
        .post("/v1/artists", json!({"name": "During"}))
        .await
        .expect(201);
    let id = during["id"].as_str().expect("id").to_string();
    admin
        .api
        .patch(
            &format!("/v1/artists/{id}"),
            json!({"name": "During, renamed"}),
        )
        .await
        .expect(200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "catalog writes do not wait for the broker"
    );
    let db = run.postgres().await;
    let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&db)
        .await
        .expect("outbox count");
    assert_eq!(unsent, 2, "both changes wait in the outbox");
    tokio::time::sleep(Duration::from_secs(3)).await;

    broker.resume();
    let records = read_topic(&kafka, &topic, 3, Duration::from_secs(2)).await;
    assert_eq!(
        history(&records, &id),
        vec![Some((1, ChangeOp::Upsert)), Some((2, ChangeOp::Upsert))]
    );
    assert_eq!(
        history(&records, before["id"].as_str().expect("id")).len(),
        1,
        "nothing sent twice"
    );
    assert_eq!(records.len(), 3);
    eventually_within(Duration::from_secs(10), "the outbox to drain", || async {
        let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&db)
            .await
            .expect("outbox count");
        if unsent == 0 {
            Ok(())
        } else {
            Err(format!("{unsent} unsent"))
        }
    })
    .await;
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_account_publishes_its_playlists_deletion() {
    let run = TestRun::new("outbox-account");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let ada = encore_tests::api::register(&api, "ada").await;
    let playlist = ada
        .api
        .post("/v1/playlists", json!({"name": "Mine", "public": true}))
        .await
        .expect(201);
    let id = playlist["id"].as_str().expect("id").to_string();
    assert_eq!(ada.api.delete("/v1/me").await.status, 204);
    let records = read_topic(
        &run.kafka,
        &run.topics().name("catalog.playlists"),
        3,
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(
        history(&records, &id),
        vec![
            Some((1, ChangeOp::Upsert)),
            Some((2, ChangeOp::Delete)),
            None
        ]
    );
    assert_eq!(api.get(&format!("/v1/playlists/{id}")).await.status, 404);
    gateway.stop().await;
    run.cleanup().await;
}

/// `gateway snapshot`: every entity once more, at the version it has now,
/// published by the running gateway's relay after what was there before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_republishes_the_catalogue_at_its_current_versions() {
    use encore_gateway::outbox::snapshot;

    let run = TestRun::new("outbox-snapshot");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let (artist, album, track) = admin.artist_album_track("Before", "Album", "Track").await;
    let artist = artist["id"].as_str().expect("id").to_string();
    admin
        .api
        .patch(&format!("/v1/artists/{artist}"), json!({"name": "After"}))
        .await
        .expect(200);
    let playlist = admin
        .api
        .post("/v1/playlists", json!({"name": "Mine"}))
        .await
        .expect(201);
    // Each (topic, entity) and the records it has before the snapshot.
    let expected = [
        (
            "catalog.artists",
            artist,
            vec![Some((1, ChangeOp::Upsert)), Some((2, ChangeOp::Upsert))],
        ),
        (
            "catalog.albums",
            album["id"].as_str().expect("id").to_string(),
            vec![Some((1, ChangeOp::Upsert))],
        ),
        (
            "catalog.tracks",
            track["id"].as_str().expect("id").to_string(),
            vec![Some((1, ChangeOp::Upsert))],
        ),
        (
            "catalog.playlists",
            playlist["id"].as_str().expect("id").to_string(),
            vec![Some((1, ChangeOp::Upsert))],
        ),
    ];
    for (topic, id, before) in &expected {
        let records = read_topic(
            &run.kafka,
            &run.topics().name(topic),
            before.len(),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(&history(&records, id), before, "{topic} before");
    }

    let db = run.postgres().await;
    for kind in snapshot::ORDER {
        let mut seen = Vec::new();
        let written = snapshot::snapshot(&db, kind, 1, |n| seen.push(n))
            .await
            .expect("a snapshot");
        assert_eq!(written, 1, "{kind:?}");
        assert_eq!(seen, [1], "progress after each chunk");
    }
    for (topic, id, before) in &expected {
        let mut after = before.clone();
        after.push(*before.last().expect("a change"));
        let records = read_topic(
            &run.kafka,
            &run.topics().name(topic),
            after.len(),
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(&history(&records, id), &after, "{topic} after the snapshot");
    }
    db.close().await;
    gateway.stop().await;
    run.cleanup().await;
}
