//! OpenSearch: the node holding most of the run's primary shards killed
//! while catalogue changes flow and searches are served.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use encore_indexer::client::SearchClient;
use encore_indexer::indices::Names;
use encore_schemas::EntityType;
use encore_tests::api::Api;
use encore_tests::{wait_for_live_count, TestRun};
use serde_json::{json, Value};

use crate::nodes;

/// The node (2 or 3: the services talk to node 1) that holds the most
/// primaries of the run's indices, as its process name.
async fn busiest_node(run: &TestRun) -> String {
    let url = format!(
        "{}/_cat/shards/{}*?format=json&h=prirep,node",
        run.search_url,
        run.search_prefix()
    );
    let shards: Vec<Value> = reqwest::get(&url)
        .await
        .expect("the shards")
        .json()
        .await
        .expect("JSON");
    let mut best = ("encore-cluster-2".to_string(), 0);
    for node in ["encore-cluster-2", "encore-cluster-3"] {
        let primaries = shards
            .iter()
            .filter(|s| s["prirep"] == "p" && s["node"] == node)
            .count();
        if primaries > best.1 {
            best = (node.to_string(), primaries);
        }
    }
    best.0.replace("encore-cluster-", "opensearch-")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_search_node_while_changes_flow_keeps_searches_answered_and_the_index_exact() {
    let run = TestRun::new("cluster-search-kill");
    nodes::require_cluster();
    let indexer = run.start_indexer(run.indexer_config()).await;
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "cl-search", "admin")
        .await;
    let client = SearchClient::new(&run.search_url).expect("a search client");
    let artists = Names::new(&run.search_prefix()).alias(EntityType::Artist);
    for n in 0..20 {
        admin
            .api
            .post(
                "/v1/artists",
                json!({"name": format!("Cluster Artist {n}")}),
            )
            .await
            .expect(201);
    }
    wait_for_live_count(&client, &artists, 20).await;

    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicUsize::new(20));
    let writer = {
        let (api, stop, created) = (admin.api.clone(), stop.clone(), created.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = created.load(Ordering::Relaxed);
                let answer = api
                    .post(
                        "/v1/artists",
                        json!({"name": format!("Cluster Artist {n}")}),
                    )
                    .await;
                assert_eq!(answer.status, 201, "{}", answer.body);
                created.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let counting = Arc::new(AtomicBool::new(false));
    let (searches, answered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let searcher = {
        let (api, stop, counting) = (admin.api.clone(), stop.clone(), counting.clone());
        let (searches, answered) = (searches.clone(), answered.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = api.get("/v1/search?q=cluster%20artist&type=artist").await;
                if counting.load(Ordering::Relaxed) {
                    searches.fetch_add(1, Ordering::Relaxed);
                    if answer.status == 200 {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(3)).await;
    let node = busiest_node(&run).await;
    println!("killing {node} (-9), the holder of most of the run's primaries");
    counting.store(true, Ordering::Relaxed);
    nodes::kill(&node);
    tokio::time::sleep(Duration::from_secs(15)).await;
    nodes::stack_up();
    counting.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    writer.await.expect("the writer");
    searcher.await.expect("the searcher");

    let (searches, answered) = (
        searches.load(Ordering::Relaxed),
        answered.load(Ordering::Relaxed),
    );
    let share = answered as f64 / searches.max(1) as f64;
    println!(
        "search node kill -9: {answered} of {searches} searches answered 200 ({:.2}%) from the kill until the node was back",
        share * 100.0
    );
    assert!(searches > 0, "searches were made during the kill");
    assert!(share >= 0.99, "{answered} of {searches} searches answered");
    let total = created.load(Ordering::Relaxed) as u64;
    assert_eq!(
        wait_for_live_count(&client, &artists, total).await,
        total,
        "the index holds exactly the catalogue"
    );

    gateway.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
