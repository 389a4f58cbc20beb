//! The catalogue topics after time has passed: corrected to compaction at
//! start, their old segments cleaned, one topic emptied as retention empties
//! a log, and still a complete source for rebuilding the index and
//! ClickHouse's dimensions.

use std::collections::HashMap;
use std::time::Duration;

use encore_common::fixtures::FixtureRecord;
use encore_common::topics::{CATALOG_PLAYLISTS, CATALOG_TOPICS, CATALOG_TRACKS};
use encore_indexer::client::SearchClient;
use encore_indexer::indices::Names;
use encore_schemas::{CatalogChange, ChangeOp, EntityType, Playlist, Track};
use encore_tests::{chinook, eventually_within, read_topic, wait_for_live_count, TestRun};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use uuid::Uuid;

fn admin(run: &TestRun) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", &run.kafka.brokers)
        .create()
        .expect("an admin client")
}

async fn settings(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
) -> HashMap<String, String> {
    let described = admin
        .describe_configs(&[ResourceSpecifier::Topic(topic)], &AdminOptions::new())
        .await
        .expect("describing the topic");
    let resource = described
        .into_iter()
        .next()
        .expect("one resource")
        .expect("its settings");
    resource
        .entries
        .into_iter()
        .filter_map(|e| Some((e.name, e.value?)))
        .collect()
}

fn change(entity_type: EntityType, id: Uuid, version: i64, op: ChangeOp) -> CatalogChange {
    CatalogChange {
        change_id: Uuid::new_v4(),
        entity_type,
        entity_id: id,
        version,
        op,
        occurred_at: encore_common::now_millis(),
        artist: None,
        album: None,
        track: None,
        playlist: None,
    }
}

fn take(id: Uuid, artist: Uuid, version: i64) -> CatalogChange {
    let mut upsert = change(EntityType::Track, id, version, ChangeOp::Upsert);
    upsert.track = Some(Track {
        id,
        artist_id: artist,
        album_id: None,
        title: format!("Take {version}"),
        duration_ms: 1_000,
        genre: None,
        release_year: None,
        track_number: None,
        audio_key: None,
    });
    upsert
}

/// A delete as the outbox relay sends it: the change, then a tombstone.
fn deletes(changes: &[CatalogChange]) -> Vec<FixtureRecord> {
    let mut records = Vec::new();
    for record in chinook::records(changes) {
        let mut tombstone = record.clone();
        tombstone.payload = None;
        records.extend([record, tombstone]);
    }
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_after_compaction_and_retention_gives_the_exact_catalogue() {
    let run = TestRun::new("retention");
    let admin = admin(&run);
    let names: Vec<String> = CATALOG_TOPICS
        .iter()
        .map(|t| run.topics().name(t))
        .collect();

    // The run's catalogue topics as an older Encore created them (deleted
    // after a week), with small segments and an eager cleaner so that what
    // takes a week happens in seconds.
    let old: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| {
            NewTopic::new(
                name,
                run.kafka.partitions,
                TopicReplication::Fixed(run.kafka.replication),
            )
            .set("cleanup.policy", "delete")
            .set("segment.ms", "500")
            .set("min.cleanable.dirty.ratio", "0.01")
        })
        .collect();
    for created in admin
        .create_topics(&old, &AdminOptions::new())
        .await
        .expect("creating the topics")
    {
        created.expect("a topic");
    }
    // A service starting corrects them and keeps the other overrides.
    assert_eq!(run.create_catalog_topics().await, names);
    for name in &names {
        let now = settings(&admin, name).await;
        assert_eq!(now["cleanup.policy"], "compact", "{name}");
        assert_eq!(now["delete.retention.ms"], "604800000", "{name}");
        assert_eq!(now["segment.ms"], "500", "{name}: other overrides kept");
    }

    // Three takes of 200 tracks, a segment apart; 10 deleted; a fourth take
    // of 10 more, which also rolls the segments holding the deletes.
    let artist = Uuid::new_v4();
    let ids: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
    let mut produced = 0;
    for version in 1..=3 {
        let takes: Vec<CatalogChange> = ids.iter().map(|id| take(*id, artist, version)).collect();
        run.produce(&chinook::records(&takes)).await;
        produced += takes.len();
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    let gone: Vec<CatalogChange> = ids[190..]
        .iter()
        .map(|id| change(EntityType::Track, *id, 4, ChangeOp::Delete))
        .collect();
    let gone = deletes(&gone);
    produced += gone.len();
    run.produce(&gone).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let fourth: Vec<CatalogChange> = ids[..10].iter().map(|id| take(*id, artist, 4)).collect();
    produced += fourth.len();
    run.produce(&chinook::records(&fourth)).await;

    // Playlists made and deleted, then every record of their topic deleted,
    // as retention deletes an old log: partitions empty, offsets advanced.
    let playlists: Vec<CatalogChange> = (0..10)
        .map(|_| {
            let id = Uuid::new_v4();
            let mut upsert = change(EntityType::Playlist, id, 1, ChangeOp::Upsert);
            upsert.playlist = Some(Playlist {
                id,
                owner_id: Uuid::new_v4(),
                name: "Gone".into(),
                description: None,
                public: true,
                track_ids: vec![],
            });
            upsert
        })
        .collect();
    let mut made = chinook::records(&playlists);
    let removed: Vec<CatalogChange> = playlists
        .iter()
        .map(|p| change(EntityType::Playlist, p.entity_id, 2, ChangeOp::Delete))
        .collect();
    made.extend(deletes(&removed));
    run.produce(&made).await;
    let playlist_topic = run.topics().name(CATALOG_PLAYLISTS);
    let highs =
        encore_tests::high_watermarks(&run.kafka, &playlist_topic, run.kafka.partitions).await;
    let mut up_to = TopicPartitionList::new();
    for (partition, high) in highs.iter().enumerate() {
        up_to
            .add_partition_offset(&playlist_topic, partition as i32, Offset::Offset(*high))
            .expect("an offset");
    }
    admin
        .delete_records(&up_to, &AdminOptions::new())
        .await
        .expect("deleting the playlists' records");
    assert!(highs.iter().any(|h| *h > 0), "offsets advanced");

    // The cleaner has run: fewer records than were written remain.
    let tracks_topic = run.topics().name(CATALOG_TRACKS);
    let left = eventually_within(
        Duration::from_secs(120),
        "the cleaner to compact",
        || async {
            let left = read_topic(&run.kafka, &tracks_topic, produced, Duration::from_secs(2))
                .await
                .len();
            if left < produced {
                Ok(left)
            } else {
                Err(format!("{left} of {produced} records still there"))
            }
        },
    )
    .await;
    println!("catalog.tracks: {left} of {produced} records left after compaction");

    // The index, rebuilt from what the topics hold.
    let search = Names::new(&run.search_prefix());
    let client = SearchClient::new(&run.indexer_config().search_url).expect("a search client");
    let indexer = encore_indexer::service::indexer(&run.indexer_config()).expect("an indexer");
    encore_indexer::rebuild::rebuild(&indexer)
        .await
        .expect("a rebuild that does not wait for deleted records");
    assert_eq!(
        wait_for_live_count(&client, &search.alias(EntityType::Track), 190).await,
        190
    );
    assert_eq!(
        wait_for_live_count(&client, &search.alias(EntityType::Playlist), 0).await,
        0
    );

    // ClickHouse's dimensions, replayed by a fresh etl group.
    encore_etl::warehouse::migrate(&run.clickhouse_url, &run.database)
        .await
        .expect("migrations");
    let etl = run.start_etl(run.etl_config()).await;
    let live = "SELECT count() FROM dim_tracks FINAL WHERE deleted = 0";
    assert_eq!(run.wait_for_scalar(live, 190).await, 190);
    assert_eq!(
        run.scalar(
            "SELECT toUInt64(countIf(title = 'Take 4')) FROM dim_tracks FINAL WHERE deleted = 0"
        )
        .await,
        10
    );
    assert_eq!(
        run.scalar(
            "SELECT toUInt64(countIf(title = 'Take 3')) FROM dim_tracks FINAL WHERE deleted = 0"
        )
        .await,
        180
    );
    etl.stop().await;
    run.cleanup().await;
}
