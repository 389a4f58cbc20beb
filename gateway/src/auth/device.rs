//! Device cookies, after OWASP's "Slow Down Online Guessing Attacks with
//! Device Cookies": a successful native login leaves the client a cookie
//! that names the account and is signed by the server. A later login of that
//! account presenting it comes from a known device, which the throttle
//! ([`super::throttle`]) judges by that device's own failures only, so that
//! guesses from anywhere else never lock the owner out.
//!
//! The cookie is `encore_device_<account id>=<issued>.<nonce>.<mac>`, one per
//! account, so that accounts sharing a browser keep theirs. `mac` is
//! HMAC-SHA256 over the account, the issue time and the nonce, keyed with
//! `ENCORE_JWT_SECRET`; the message starts with a label no JWT signing input
//! can start with, so neither signature stands for the other. The cookie
//! proves nothing but that this client once signed in: it opens no session.
//! It is `HttpOnly` (no script can lift it), `Secure`, `SameSite=Strict` and
//! scoped to `/v1/auth`, and it expires after `ENCORE_LOGIN_KNOWN_DAYS`,
//! checked against its signed issue time as well as by the browser.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::http::{HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::ApiError;

const PREFIX: &str = "encore_device_";
/// Only the login reads it.
const PATH: &str = "/v1/auth";
/// What the MAC is over begins with this, never with a JWT's `eyJ`.
const LABEL: &[u8] = b"encore-device-cookie\0";

fn name(user: Uuid) -> String {
    format!("{PREFIX}{}", user.simple())
}

fn mac(key: &[u8], user: Uuid, issued: i64, nonce: &str) -> Option<Hmac<Sha256>> {
    // HMAC takes a key of any length; the error case cannot happen.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(LABEL);
    mac.update(user.as_bytes());
    mac.update(format!(".{issued}.{nonce}").as_bytes());
    Some(mac)
}

/// The value of a new device cookie for `user`, issued at `now` (seconds).
fn value(key: &[u8], user: Uuid, now: i64) -> Option<String> {
    let mut nonce = [0u8; 16];
    OsRng.fill_bytes(&mut nonce);
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let tag = mac(key, user, now, &nonce)?.finalize().into_bytes();
    Some(format!("{now}.{nonce}.{}", URL_SAFE_NO_PAD.encode(tag)))
}

/// The nonce of `value` if it is a genuine cookie of `user`, not older than `ttl`.
fn check(key: &[u8], user: Uuid, value: &str, ttl: Duration, now: i64) -> Option<String> {
    let mut parts = value.split('.');
    let (issued, nonce, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let issued: i64 = issued.parse().ok()?;
    let age = u64::try_from(now.checked_sub(issued)?).ok()?;
    if age >= ttl.as_secs() {
        return None;
    }
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    // verify_slice compares in constant time.
    mac(key, user, issued, nonce)?.verify_slice(&tag).ok()?;
    Some(nonce.to_string())
}

fn now() -> i64 {
    encore_common::now_millis() / 1000
}

/// The nonce of the valid device cookie of `user` the request carries, if any.
pub fn presented(headers: &HeaderMap, key: &[u8], user: Uuid, ttl: Duration) -> Option<String> {
    let value = super::web::cookie_value(headers, &name(user))?;
    check(key, user, &value, ttl, now())
}

/// The `Set-Cookie` header of a fresh device cookie for `user`: a new one
/// after every successful login, as the protocol asks.
pub fn issue(key: &[u8], user: Uuid, ttl: Duration) -> Result<HeaderValue, ApiError> {
    let value = value(key, user, now())
        .ok_or_else(|| ApiError::internal("the device cookie could not be signed"))?;
    let max_age = cookie::time::Duration::seconds(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX));
    let cookie = Cookie::build((name(user), value))
        .path(PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .build();
    HeaderValue::from_str(&cookie.encoded().to_string()).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn only_a_genuine_fresh_cookie_of_the_same_account_counts() {
        let (key, ada, bob) = (b"server key".as_slice(), Uuid::new_v4(), Uuid::new_v4());
        let good = value(key, ada, 1_000).expect("a cookie");
        let nonce = check(key, ada, &good, DAY, 1_000 + 60).expect("valid");
        assert!(good.contains(&nonce));
        assert_ne!(
            value(key, ada, 1_000),
            Some(good.clone()),
            "a new nonce each time"
        );
        assert_eq!(
            check(key, bob, &good, DAY, 1_060),
            None,
            "another account's"
        );
        assert_eq!(check(b"other key", ada, &good, DAY, 1_060), None, "forged");
        assert_eq!(check(key, ada, &good, DAY, 1_000 + 86_400), None, "expired");
        assert_eq!(check(key, ada, &good, DAY, 999), None, "from the future");
        let (issued, rest) = good.split_once('.').expect("parts");
        let older = format!("{}.{rest}", issued.parse::<i64>().expect("a time") - 1);
        assert_eq!(
            check(key, ada, &older, DAY, 1_060),
            None,
            "the time is signed"
        );
        for bad in ["", "1.2", "1.2.3.4", "x.y.z", &format!("{good}.x")] {
            assert_eq!(check(key, ada, bad, DAY, 1_060), None, "{bad}");
        }
    }

    #[test]
    fn the_cookie_is_out_of_scripts_reach_and_read_back_by_its_name() {
        let (key, ada) = (b"server key".as_slice(), Uuid::new_v4());
        let header = issue(key, ada, DAY).expect("a cookie");
        let text = header.to_str().expect("text");
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=Strict",
            "Path=/v1/auth",
            "Max-Age=86400",
        ] {
            assert!(text.contains(attribute), "{text}");
        }
        assert!(
            text.starts_with(&format!("encore_device_{}=", ada.simple())),
            "{text}"
        );
        let pair = text.split(';').next().expect("name=value");
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("a=1; {pair}")).expect("a header"),
        );
        assert!(presented(&headers, key, ada, DAY).is_some());
        assert!(presented(&headers, key, Uuid::new_v4(), DAY).is_none());
    }
}
