use super::*;

fn cluster(statement: &str) -> Vec<String> {
    Layout::cluster("encore").statements(statement, "db")
}

fn squeezed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn one_server_runs_statements_as_written() {
    let sql = "CREATE TABLE IF NOT EXISTS plays (x UInt8) ENGINE = ReplacingMergeTree() ORDER BY x";
    assert_eq!(
        Layout::single().statements(sql, "db"),
        vec![sql.to_string()]
    );
    assert_eq!(Layout::single().altered("plays"), "plays");
    assert!(Layout::single().settings().is_empty());
}

#[test]
fn a_sharded_table_is_replicated_per_shard_behind_a_distributed_one() {
    let out = cluster(
        "CREATE TABLE IF NOT EXISTS plays\n(\n    event_id UUID,\n    user_id UUID\n)\n\
         ENGINE = ReplacingMergeTree()\nPARTITION BY toYYYYMM(occurred_at)\nORDER BY event_id",
    );
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(
        squeezed(&out[0]),
        "CREATE TABLE IF NOT EXISTS plays_local ON CLUSTER encore ( event_id UUID, user_id UUID ) \
         ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/plays_local', '{replica}') \
         PARTITION BY toYYYYMM(occurred_at) ORDER BY event_id"
    );
    assert_eq!(
        squeezed(&out[1]),
        "CREATE TABLE IF NOT EXISTS plays ON CLUSTER encore AS db.plays_local \
         ENGINE = Distributed(encore, db, plays_local, cityHash64(toString(user_id)))"
    );
}

#[test]
fn other_tables_are_replicated_to_every_server_under_their_own_name() {
    let out = cluster(
        "CREATE TABLE IF NOT EXISTS dim_tracks (id UUID, version UInt64) \
         ENGINE = ReplacingMergeTree(version) ORDER BY id",
    );
    assert_eq!(
        out,
        vec![
            "CREATE TABLE IF NOT EXISTS dim_tracks ON CLUSTER encore (id UUID, version UInt64) \
             ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/db/dim_tracks', '{replica}', version) \
             ORDER BY id"
                .to_string()
        ]
    );
}

#[test]
fn materialized_views_read_and_write_local_tables() {
    let out = cluster(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS plays_by_user\nENGINE = ReplacingMergeTree()\n\
         ORDER BY (user_id, event_id)\nAS SELECT user_id, event_id\nFROM plays",
    );
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(
        squeezed(&out[0]),
        "CREATE MATERIALIZED VIEW IF NOT EXISTS plays_by_user_local ON CLUSTER encore \
         ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/plays_by_user_local', '{replica}') \
         ORDER BY (user_id, event_id) AS SELECT user_id, event_id FROM db.plays_local"
    );
    assert!(out[1]
        .contains("Distributed(encore, db, plays_by_user_local, cityHash64(toString(user_id)))"));

    let out = cluster(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS track_hourly_feed TO track_hourly_state AS\n\
         SELECT toStartOfHour(occurred_at) AS hour, track_id\nFROM plays\nGROUP BY hour, track_id",
    );
    assert_eq!(
        out.iter().map(|s| squeezed(s)).collect::<Vec<_>>(),
        vec![
            "CREATE MATERIALIZED VIEW IF NOT EXISTS track_hourly_feed ON CLUSTER encore \
             TO db.track_hourly_state_local AS SELECT toStartOfHour(occurred_at) AS hour, track_id \
             FROM db.plays_local GROUP BY hour, track_id"
        ]
    );
}

#[test]
fn views_drops_and_alters_reach_every_server() {
    assert_eq!(
        global_joins(
            "SELECT a FROM t ALL INNER JOIN (SELECT id FROM d) AS d USING id\n\
             ANY LEFT JOIN x USING id JOIN y USING id GLOBAL ANY LEFT JOIN z USING id"
        ),
        "SELECT a FROM t GLOBAL ALL INNER JOIN (SELECT id FROM d) AS d USING id\n\
         GLOBAL ANY LEFT JOIN x USING id GLOBAL JOIN y USING id GLOBAL ANY LEFT JOIN z USING id"
    );
    assert!(cluster(
        "CREATE VIEW IF NOT EXISTS v AS SELECT a FROM plays_by_track FINAL \
         ALL INNER JOIN (SELECT id FROM dim_tracks FINAL) AS t USING id"
    )[0]
    .contains("GLOBAL ALL INNER JOIN (SELECT id FROM db.dim_tracks FINAL)"));
    assert_eq!(
        cluster("CREATE VIEW IF NOT EXISTS track_pairs AS SELECT a FROM session_pairs FINAL"),
        vec!["CREATE VIEW IF NOT EXISTS track_pairs ON CLUSTER encore AS SELECT a FROM db.session_pairs FINAL"]
    );
    assert_eq!(
        cluster("DROP TABLE IF EXISTS track_hourly"),
        vec!["DROP TABLE IF EXISTS track_hourly ON CLUSTER encore"]
    );
    assert_eq!(
        cluster("DROP TABLE IF EXISTS user_track_affinity"),
        vec![
            "DROP TABLE IF EXISTS user_track_affinity ON CLUSTER encore",
            "DROP TABLE IF EXISTS user_track_affinity_local ON CLUSTER encore",
        ]
    );
    assert_eq!(
        cluster("ALTER TABLE session_buckets_written DROP PARTITION 3"),
        vec!["ALTER TABLE session_buckets_written_local ON CLUSTER encore DROP PARTITION 3"]
    );
    assert_eq!(
        cluster("ALTER TABLE feature_generations DELETE WHERE generation = 1"),
        vec!["ALTER TABLE feature_generations DELETE WHERE generation = 1"]
    );
    // Data goes through the Distributed table, as every writer's does.
    assert_eq!(
        cluster("INSERT INTO track_hourly_state SELECT 1 FROM plays"),
        vec!["INSERT INTO db.track_hourly_state SELECT 1 FROM db.plays"]
    );
}

#[test]
fn only_whole_words_are_sources() {
    assert_eq!(
        local_sources("SELECT x FROM plays_by_track WHERE y IN (SELECT y FROM playsx)"),
        "SELECT x FROM plays_by_track_local WHERE y IN (SELECT y FROM playsx)"
    );
    assert_eq!(
        local_sources("SELECT 1 FROM dim_tracks"),
        "SELECT 1 FROM dim_tracks"
    );
}

#[test]
fn every_table_read_or_written_is_named_with_its_database() {
    assert_eq!(
        qualified(
            "SELECT toStartOfHour(t) AS hour FROM (SELECT x FROM plays FINAL) AS a \
             ALL INNER JOIN (SELECT id FROM dim_tracks FINAL) AS b USING id \
             ANY LEFT JOIN other.table USING id JOIN plays_by_user USING id",
            "db"
        ),
        "SELECT toStartOfHour(t) AS hour FROM (SELECT x FROM db.plays FINAL) AS a \
         ALL INNER JOIN (SELECT id FROM db.dim_tracks FINAL) AS b USING id \
         ANY LEFT JOIN other.table USING id JOIN db.plays_by_user USING id"
    );
}
