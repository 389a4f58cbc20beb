//! Cookie sessions for the web app.
//!
//! A browser app must not hold its refresh token where page scripts can read
//! it, so a client that sends `X-Encore-Session: cookie` on register, login,
//! refresh or logout gets the refresh token as an `HttpOnly; Secure;
//! SameSite=Strict` cookie scoped to `/v1/auth`, and the JSON answer leaves
//! it out. Other clients keep the JSON form.
//!
//! A cookie is sent by the browser on its own, so the endpoints that read it
//! need CSRF protection: a double-submit token. Beside the refresh cookie the
//! gateway sets `encore_csrf`, readable by the app's scripts; a cookie-mode
//! refresh or logout must echo it in `X-CSRF-Token`. A page on another origin
//! can neither read that cookie nor set the header without a CORS preflight
//! the gateway never grants, and `SameSite=Strict` keeps the refresh cookie
//! off cross-site requests in the first place.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The header a web client sends to ask for a cookie session.
pub const SESSION_HEADER: &str = "x-encore-session";
/// The header that must repeat the `encore_csrf` cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const REFRESH_COOKIE: &str = "encore_refresh";
pub const CSRF_COOKIE: &str = "encore_csrf";
/// Only the auth endpoints ever see the refresh cookie.
const REFRESH_PATH: &str = "/v1/auth";

/// True when the client asked for the refresh token in a cookie.
pub fn wants_cookie(headers: &HeaderMap) -> bool {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("cookie"))
}

/// The value of cookie `name` in the request, if sent.
pub(super) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The refresh token of a cookie-mode request, once its CSRF token checks out.
pub fn refresh_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let token = cookie_value(headers, REFRESH_COOKIE)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("no session cookie; log in again"))?;
    check_csrf(headers)?;
    Ok(token)
}

/// The double-submit check: the header must equal the cookie. Both are
/// compared as digests so the comparison's timing says nothing about the token.
pub fn check_csrf(headers: &HeaderMap) -> Result<(), ApiError> {
    let cookie = cookie_value(headers, CSRF_COOKIE).unwrap_or_default();
    let header = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if cookie.is_empty() || Sha256::digest(cookie) != Sha256::digest(header) {
        return Err(ApiError::forbidden(
            "X-CSRF-Token must repeat the encore_csrf cookie",
        ));
    }
    Ok(())
}

/// The `Set-Cookie` headers of a new or rotated cookie session.
pub fn session_cookies(refresh_token: &str, ttl: Duration) -> Result<Vec<HeaderValue>, ApiError> {
    let mut csrf = [0u8; 32];
    OsRng.fill_bytes(&mut csrf);
    let max_age = cookie::time::Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    let refresh = Cookie::build((REFRESH_COOKIE, refresh_token.to_string()))
        .path(REFRESH_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age);
    let csrf = Cookie::build((CSRF_COOKIE, URL_SAFE_NO_PAD.encode(csrf)))
        .path("/")
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age);
    [refresh.build(), csrf.build()]
        .iter()
        .map(|c| header_value(c))
        .collect()
}

/// The `Set-Cookie` headers that end a cookie session in the browser.
pub fn cleared_cookies() -> Result<Vec<HeaderValue>, ApiError> {
    let expired = |name: &'static str, path: &'static str, http_only: bool| {
        Cookie::build((name, ""))
            .path(path)
            .http_only(http_only)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(cookie::time::Duration::ZERO)
            .build()
    };
    [
        expired(REFRESH_COOKIE, REFRESH_PATH, true),
        expired(CSRF_COOKIE, "/", false),
    ]
    .iter()
    .map(header_value)
    .collect()
}

fn header_value(cookie: &Cookie<'_>) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&cookie.encoded().to_string()).map_err(ApiError::internal)
}

/// Adds `cookies` to a response's headers.
pub fn set_cookies(headers: &mut HeaderMap, cookies: Vec<HeaderValue>) {
    for cookie in cookies {
        headers.append(SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cookie: &str, csrf: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        if let Some(csrf) = csrf {
            headers.insert(CSRF_HEADER, HeaderValue::from_str(csrf).unwrap());
        }
        headers
    }

    #[test]
    fn the_refresh_cookie_is_out_of_scripts_reach_and_the_csrf_cookie_is_not() {
        let cookies = session_cookies("tok", Duration::from_secs(60)).unwrap();
        let refresh = cookies[0].to_str().unwrap();
        let csrf = cookies[1].to_str().unwrap();
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/v1/auth",
            "Max-Age=60",
        ] {
            assert!(refresh.contains(attribute), "{refresh}");
        }
        assert!(refresh.starts_with("encore_refresh=tok;"), "{refresh}");
        assert!(
            !csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"),
            "{csrf}"
        );
    }

    #[test]
    fn a_refresh_needs_the_cookie_and_a_matching_csrf_header() {
        let ok = request("a=1; encore_refresh=tok; encore_csrf=abc", Some("abc"));
        assert_eq!(refresh_token(&ok).unwrap(), "tok");
        let forged = request("encore_refresh=tok; encore_csrf=abc", Some("abd"));
        assert_eq!(refresh_token(&forged).unwrap_err().status.as_u16(), 403);
        let missing = request("encore_refresh=tok; encore_csrf=abc", None);
        assert_eq!(refresh_token(&missing).unwrap_err().status.as_u16(), 403);
        let no_csrf_cookie = request("encore_refresh=tok", Some(""));
        assert_eq!(
            refresh_token(&no_csrf_cookie).unwrap_err().status.as_u16(),
            403
        );
        let no_session = request("encore_csrf=abc", Some("abc"));
        assert_eq!(refresh_token(&no_session).unwrap_err().status.as_u16(), 401);
    }

    #[test]
    fn the_session_header_is_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        assert!(!wants_cookie(&headers));
        headers.insert(SESSION_HEADER, HeaderValue::from_static("Cookie"));
        assert!(wants_cookie(&headers));
    }
}
