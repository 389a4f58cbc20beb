//! Links to Encore that people follow from elsewhere (a share in a chat),
//! built the same way by both of the gateway's APIs.

use axum::http::{header, HeaderMap, HeaderValue};

/// The web address links are built on: `configured` (`ENCORE_PUBLIC_URL`),
/// or else the address the request came to: `Host`, and `https` when the
/// proxy in front says so in `X-Forwarded-Proto`. A forged header only
/// changes the link shown to the one who forged it.
pub fn public_base(configured: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(base) = configured {
        return base.trim_end_matches('/').to_string();
    }
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let scheme = match text("x-forwarded-proto") {
        Some(proto) if proto.trim().eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    let host = text(header::HOST.as_str()).unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// Where the web app shows the share whose link carries `token`.
pub fn share_url(base: &str, token: &str) -> String {
    format!("{base}/s/{token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_address_wins_over_the_request() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8080"));
        assert_eq!(
            public_base(Some("https://music.example.com/"), &headers),
            "https://music.example.com"
        );
        assert_eq!(public_base(None, &headers), "http://10.0.0.5:8080");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(public_base(None, &headers), "https://10.0.0.5:8080");
        assert_eq!(public_base(None, &HeaderMap::new()), "http://localhost");
        assert_eq!(
            share_url("https://m.example", "abc"),
            "https://m.example/s/abc"
        );
    }
}
