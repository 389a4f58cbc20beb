//! Logs, metrics and the operational HTTP endpoints every service exposes.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// Starts structured logging. `RUST_LOG` filters (default `info`);
/// `ENCORE_LOG_FORMAT=json` switches to one JSON object per line.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second init (several services in one test process) keeps the first.
    let _ = if crate::config::string("ENCORE_LOG_FORMAT", "text") == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The process-wide Prometheus recorder, installed on first use so that
/// several services sharing a process (the end-to-end tests) share one.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is already installed, in which
            // case that one receives the metrics and this handle renders none.
            if metrics::set_global_recorder(recorder).is_ok() {
                crate::metrics::describe_all();
            }
            handle
        })
        .clone()
}

/// One dependency as `/ready` reports it.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub name: &'static str,
    /// A required dependency that fails makes the service not ready; an
    /// optional one is reported (the service runs degraded without it).
    pub required: bool,
    pub state: Result<(), String>,
}

/// The future a readiness check returns.
pub type ReadyFuture = Pin<Box<dyn Future<Output = Vec<Dependency>> + Send>>;
/// Checks a service's dependencies, for `/ready`.
pub type ReadyCheck = Arc<dyn Fn() -> ReadyFuture + Send + Sync>;

/// How long `/ready` waits for its checks before calling them failed.
const READY_TIMEOUT: Duration = Duration::from_secs(4);

/// `GET /health` (liveness: the process is serving), `GET /ready` (its
/// dependencies answer: 200, or 503 naming the one that does not) and
/// `GET /metrics` (Prometheus text format), to merge into a service's router.
pub fn ops_routes<S: Clone + Send + Sync + 'static>(ready: ReadyCheck) -> Router<S> {
    let handle = metrics_handle();
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(move || readiness(ready.clone())))
        .route(
            "/metrics",
            get(move || {
                let handle = handle.clone();
                async move { handle.render() }
            }),
        )
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn readiness(check: ReadyCheck) -> Response {
    let dependencies = match tokio::time::timeout(READY_TIMEOUT, check()).await {
        Ok(dependencies) => dependencies,
        Err(_) => vec![Dependency {
            name: "checks",
            required: true,
            state: Err(format!("no answer within {} s", READY_TIMEOUT.as_secs())),
        }],
    };
    let ready = dependencies.iter().all(|d| !d.required || d.state.is_ok());
    let checks: serde_json::Map<String, serde_json::Value> = dependencies
        .iter()
        .map(|d| {
            let state = match &d.state {
                Ok(()) => serde_json::json!({"ok": true, "required": d.required}),
                Err(e) => serde_json::json!({"ok": false, "required": d.required, "error": e}),
            };
            (d.name.to_string(), state)
        })
        .collect();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({"status": if ready { "ready" } else { "not ready" }, "dependencies": checks});
    (status, axum::Json(body)).into_response()
}

/// The brokers, checked from a blocking thread.
pub async fn kafka_dependency(config: crate::KafkaConfig) -> Dependency {
    let state = tokio::task::spawn_blocking(move || crate::lag::broker_reachable(&config))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    Dependency {
        name: "kafka",
        required: true,
        state,
    }
}

/// Middleware: a span per request carrying a request id, a counter and a
/// latency histogram per route. The id is the client's `x-request-id` when
/// it is a plausible one (so a trace can cross services), else a new UUID;
/// either way it is echoed in the response's `x-request-id`.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().to_string();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| plausible_request_id(id))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", %request_id, %method, %route, status = tracing::field::Empty);
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("status", status);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!(crate::metrics::HTTP_REQUESTS_TOTAL.name, &labels).increment(1);
    metrics::histogram!(crate::metrics::HTTP_REQUEST_SECONDS.name, &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Up to 64 letters, digits, `-`, `_` or `.`: nothing that could forge a log line.
fn plausible_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Resolves on SIGTERM or Ctrl-C, for graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}

#[cfg(test)]
mod tests {
    use super::plausible_request_id;

    #[test]
    fn request_ids_from_clients_are_short_plain_tokens() {
        assert!(plausible_request_id("3f1c2a9e-0d7b-4c1e-9a57-1e0d2f4b7c11"));
        assert!(plausible_request_id("web.42_x"));
        assert!(!plausible_request_id(""));
        assert!(!plausible_request_id("a b"));
        assert!(!plausible_request_id("x\n{\"level\":\"error\"}"));
        assert!(!plausible_request_id(&"a".repeat(65)));
    }
}
