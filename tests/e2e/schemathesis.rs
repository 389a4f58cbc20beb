//! schemathesis (PyPI) fuzzes every operation of the gateway's OpenAPI
//! description, with an admin's token, and finds no server error and no
//! response that breaks the described schema.

use std::path::PathBuf;

use encore_tests::api::Api;
use encore_tests::TestRun;

fn schemathesis_bin() -> PathBuf {
    match std::env::var("ENCORE_SCHEMATHESIS_BIN") {
        Ok(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            PathBuf::from(home).join(".cache/encore/venv/bin/schemathesis")
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_errors_and_no_schema_violations() {
    let run = TestRun::new("schemathesis");
    run.create_playback_topics().await;
    // The whole stack, so search and statistics have their indices and tables.
    let etl = run.start_etl(run.etl_config()).await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "root", "admin")
        .await;
    let bin = schemathesis_bin();
    let output = tokio::process::Command::new(&bin)
        .arg("run")
        .arg(gateway.url("/openapi.json"))
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args([
            "--header",
            &format!("Authorization: Bearer {}", admin.access_token),
        ])
        .args(["--max-examples", "25", "--seed", "7"])
        // Deleting the account the run authenticates with would end the run early.
        .args(["--exclude-operation-id", "delete_me"])
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "running {} (scripts/stack test installs it): {e}",
                bin.display()
            )
        });
    let report = String::from_utf8_lossy(&output.stdout);
    // The failures' details (operation, request, response, a curl to
    // reproduce) come before the summary; the warnings can push them out of
    // a short tail.
    let lines: Vec<&str> = report.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.contains("FAILURES"))
        .unwrap_or(lines.len().saturating_sub(60));
    let tail = lines[from..].to_vec();
    assert!(
        output.status.success(),
        "schemathesis failed:\n{}\n{}",
        tail.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("passed"),
        "no test cases ran:\n{}",
        tail.join("\n")
    );
    println!("{}", tail.join("\n"));
    gateway.stop().await;
    indexer.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
