//! The analyst dashboard's endpoints over real aggregates: plays and
//! listeners per hour and day, new listeners and skip rate by genre from
//! `/v1/admin/analytics`, and lag per group from `/v1/admin/live`, which
//! reads the consumers' own `/metrics`.

use encore_schemas::PlaybackKind::{Complete, Progress, Skip, Start};
use encore_tests::api::{register, Api};
use encore_tests::{catalog_records, playback_records, TestRun};
use serde_json::Value;
use uuid::Uuid;

use crate::analytics::{base_hour, catalog, event};

const MINUTE: i64 = 60_000;

fn id(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, name.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_plays_listeners_newcomers_and_skips_exactly() {
    let run = TestRun::new("dashboard");
    let changes = catalog(
        "dash",
        &[
            ("Song A", "Artist X", "rock"),
            ("Song B", "Artist X", "rock"),
            ("Song C", "Artist Y", "jazz"),
        ],
    );
    let (a, b, c) = (id("dash-Song A"), id("dash-Song B"), id("dash-Song C"));
    let (u1, u2, u3) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let h = base_hour();
    let mut events = vec![
        event(u1, a, Start, 0, h + MINUTE),
        event(u1, a, Complete, 200_000, h + 4 * MINUTE),
        event(u1, b, Start, 0, h + 5 * MINUTE),
        event(u1, b, Skip, 10_000, h + 5 * MINUTE + 10_000),
        event(u2, a, Start, 0, h + 10 * MINUTE),
        event(u2, a, Complete, 200_000, h + 14 * MINUTE),
        // Completed after 20 s: counted as a skip.
        event(u2, c, Start, 0, h + 15 * MINUTE),
        event(u2, c, Complete, 20_000, h + 15 * MINUTE + 20_000),
        // The next hour: one listener of the first comes back.
        event(u3, a, Start, 0, h + 61 * MINUTE),
        event(u3, a, Progress, 50_000, h + 62 * MINUTE),
        event(u1, c, Start, 0, h + 63 * MINUTE),
    ];
    // A client retry re-sends events with the same ids: counted once.
    events.push(events[0].clone());
    events.push(events[8].clone());
    run.produce(&catalog_records(&changes)).await;
    run.produce(&playback_records(&events)).await;
    let etl = run.start_etl(run.etl_config()).await;
    run.wait_for_scalar("SELECT toUInt64(count()) FROM dim_tracks FINAL", 3)
        .await;
    run.wait_for_scalar("SELECT toUInt64(sum(plays)) FROM track_hourly", 6)
        .await;

    let mut config = run.gateway_config().await;
    config.consumers_ops = vec![("etl".into(), etl.addr.to_string())];
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    let listener = register(&api, "dash-listener").await;
    assert_eq!(listener.api.get("/v1/admin/analytics").await.status, 403);
    assert_eq!(listener.api.get("/v1/admin/live").await.status, 403);
    let admin = run.account_with_role(&api, "dash-admin", "admin").await;
    let bad = admin.api.get("/v1/admin/analytics?days=91").await;
    assert_eq!(bad.error_fields(), ["days"]);

    let got = admin
        .api
        .get("/v1/admin/analytics?days=2")
        .await
        .expect(200);
    let hour = |at: i64| {
        let stamp = encore_gateway::times::rfc3339(
            time::OffsetDateTime::from_unix_timestamp(at / 1_000).expect("a time"),
        );
        got["hourly"]
            .as_array()
            .and_then(|hours| hours.iter().find(|p| p["at"] == stamp.as_str()))
            .map(|p| (p["plays"].as_u64(), p["listeners"].as_u64()))
            .unwrap_or_else(|| panic!("no hour {stamp} in {got}"))
    };
    assert_eq!(hour(h), (Some(4), Some(2)));
    assert_eq!(hour(h + 3_600_000), (Some(2), Some(2)));
    let days: Vec<&Value> = got["daily"].as_array().expect("daily").iter().collect();
    let plays: u64 = days.iter().filter_map(|d| d["plays"].as_u64()).sum();
    let newcomers: u64 = days
        .iter()
        .filter_map(|d| d["new_listeners"].as_u64())
        .sum();
    assert_eq!((plays, newcomers), (6, 3), "{got}");
    let genre = |name: &str| {
        got["skip_rate_by_genre"]
            .as_array()
            .and_then(|g| g.iter().find(|g| g["genre"] == name))
            .map(|g| {
                (
                    g["plays"].as_u64(),
                    g["skips"].as_u64(),
                    g["skip_rate"].as_f64(),
                )
            })
            .unwrap_or_else(|| panic!("no {name} in {got}"))
    };
    assert_eq!(genre("rock"), (Some(4), Some(1), Some(0.25)));
    assert_eq!(genre("jazz"), (Some(2), Some(1), Some(0.5)));

    // The etl's own lag gauges, read from its /metrics (measured every few
    // seconds): its group is there, and catches up on the playback topic.
    let playback = run.playback_topic();
    let group = format!("etl-{}", run.id);
    let deadline = std::time::Instant::now() + encore_tests::PATIENCE;
    loop {
        let live = admin.api.get("/v1/admin/live").await.expect(200);
        assert_eq!(
            live["unreachable"].as_array().map(Vec::len),
            Some(0),
            "{live}"
        );
        assert!(
            live["events_per_second"].as_f64().is_some_and(|r| r >= 0.0),
            "{live}"
        );
        let lag = live["groups"].as_array().and_then(|groups| {
            groups
                .iter()
                .find(|g| g["group"] == group.as_str() && g["topic"] == playback.as_str())
                .and_then(|g| g["lag"].as_i64())
        });
        if lag == Some(0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{group} on {playback} never showed lag 0: {live}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }

    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
