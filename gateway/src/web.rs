//! The web app and the API reference, served from the gateway's own origin,
//! and the security headers every answer carries.
//!
//! The app (`web/`, built by `npm run build`) is static files: hashed assets
//! under `/assets/` are cached for good, and every other path that is not the
//! API's answers `index.html`, so the app's own router can open deep links.
//! `/docs` is the Scalar API reference, also built into `web/dist/docs/`, so
//! nothing loads from the internet at run time.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

/// The app's policy: its own scripts, styles, images, audio and API only; no
/// inline script, no plugins, no framing.
const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The API reference's: Scalar injects its styles at run time, so styles may
/// be inline there (scripts still may not).
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Paths that belong to the API or to operations: an unknown one is a JSON
/// 404, never the app's page.
fn is_api(path: &str) -> bool {
    path.starts_with("/v1/")
        || path.starts_with("/rest/")
        || matches!(
            path,
            "/v1" | "/rest" | "/openapi.json" | "/health" | "/ready" | "/metrics"
        )
}

/// Adds the security headers to every answer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/docs");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = if docs { DOCS_CSP } else { APP_CSP };
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // frame-ancestors covers current browsers; this covers the rest.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// What answers a path no route matched: the app's files, or a JSON 404.
pub async fn fallback(dir: PathBuf, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if is_api(&path) {
        return ApiError::not_found("route").into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::not_found("route").into_response();
    }
    let index = dir.join("index.html");
    if !index.is_file() {
        let missing = format!(
            "the web app in {} not found: build it with `npm ci && npm run build` in web/ (scripts/stack demo does)",
            dir.display()
        );
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", missing).into_response();
    }
    let docs = path == "/docs" || path == "/docs/";
    // The build writes a gzipped twin of each text file (web/scripts/postbuild.mjs).
    let served = if docs {
        ServeFile::new(dir.join("docs/index.html"))
            .precompressed_gzip()
            .oneshot(request)
            .await
    } else if immutable(&path) {
        // A missing asset is a stale page asking for an old build: a 404, not the app.
        ServeDir::new(&dir)
            .precompressed_gzip()
            .oneshot(request)
            .await
    } else {
        ServeDir::new(&dir)
            .precompressed_gzip()
            .fallback(ServeFile::new(&index).precompressed_gzip())
            .oneshot(request)
            .await
    };
    let mut response = match served {
        Ok(response) if response.status() == StatusCode::NOT_FOUND => {
            return ApiError::not_found("file").into_response();
        }
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    let cache = if immutable(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// Vite names built assets by their content hash, so they never change.
fn immutable(path: &str) -> bool {
    path.starts_with("/assets/")
}

/// The directory exists and holds a build: for start-up's log.
pub fn built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_never_fall_through_to_the_app() {
        for api in [
            "/v1/nope",
            "/rest/ping.view",
            "/openapi.json",
            "/metrics",
            "/rest",
        ] {
            assert!(is_api(api), "{api}");
        }
        for app in ["/", "/search", "/artists/1", "/docs", "/v1x", "/restaurant"] {
            assert!(!is_api(app), "{app}");
        }
    }

    #[test]
    fn the_app_policy_forbids_inline_scripts_and_framing() {
        for policy in [APP_CSP, DOCS_CSP] {
            let script = policy
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap();
            assert!(!script.contains("unsafe"), "{script}");
            assert!(policy.contains("frame-ancestors 'none'"));
        }
        assert!(!APP_CSP.contains("unsafe"));
    }
}
