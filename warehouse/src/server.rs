//! Reaching the ClickHouse server named by `ENCORE_CLICKHOUSE_URL`, whose
//! user and password, when it has them, are in the URL
//! (`http://encore:secret@clickhouse:8123`). The HTTP client would not send
//! them from there, so they are taken out of the URL and sent as ClickHouse's
//! credential headers instead.

use clickhouse::Client;

use crate::Layout;

/// A client of the server at `url`, with the URL's credentials if any.
pub fn server(url: &str) -> Client {
    let (url, credentials) = split(url);
    let client = Client::default().with_url(url);
    match credentials {
        Some((user, Some(password))) => client.with_user(user).with_password(password),
        Some((user, None)) => client.with_user(user),
        None => client,
    }
}

/// `url` fit for a log line: its password replaced with `***`.
pub fn redacted(url: &str) -> String {
    match split(url) {
        (bare, Some((user, Some(_)))) => bare.replacen("://", &format!("://{user}:***@"), 1),
        (bare, Some((user, None))) => bare.replacen("://", &format!("://{user}@"), 1),
        (bare, None) => bare,
    }
}

type Credentials = Option<(String, Option<String>)>;

/// The URL without its user information, and that user and password
/// (percent-decoded).
fn split(url: &str) -> (String, Credentials) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some((userinfo, host)) = rest[..authority_end].rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let bare = format!("{scheme}://{host}{}", &rest[authority_end..]);
    let (user, password) = match userinfo.split_once(':') {
        Some((user, password)) => (user, Some(decode(password))),
        None => (userinfo, None),
    };
    (bare, Some((decode(user), password)))
}

/// Percent-decoding; an escape that is not one is kept as it is.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A client for `database`. Validation is off: ClickHouse 18.16 cannot
/// describe tables in the format the crate's validation asks for.
///
/// `max_query_size` is raised from ClickHouse's 256 KiB because the ETL's
/// recomputations name the cells a batch touched in the query itself (18.16
/// has no query parameters); a batch of 5,000 events names about 400 KiB.
///
/// On a cluster it also sends the layout's settings ([`Layout::settings`]).
pub fn client(url: &str, database: &str) -> Client {
    let client = server(url)
        .with_database(database)
        .with_validation(false)
        .with_setting("max_query_size", "67108864");
    Layout::from_env()
        .settings()
        .iter()
        .fold(client, |client, (name, value)| {
            client.with_setting(*name, *value)
        })
}

/// ClickHouse as a `/ready` dependency; `required` says whether its absence
/// takes the service out of rotation (the etl's, not the gateway's).
pub async fn dependency(client: &Client, required: bool) -> encore_common::telemetry::Dependency {
    let state = client
        .query("SELECT 1")
        .fetch_one::<u8>()
        .await
        .map(|_| ())
        .map_err(|e| format!("ClickHouse does not answer: {e}"));
    encore_common::telemetry::Dependency {
        name: "clickhouse",
        required,
        state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url_and_stay_out_of_logs() {
        let (bare, credentials) = split("http://encore:s%40cret:x@clickhouse:8123/?a=b");
        assert_eq!(bare, "http://clickhouse:8123/?a=b");
        assert_eq!(
            credentials,
            Some(("encore".into(), Some("s@cret:x".into())))
        );
        assert_eq!(
            split("http://reader@127.0.0.1:8123"),
            (
                "http://127.0.0.1:8123".into(),
                Some(("reader".into(), None))
            )
        );
        assert_eq!(
            split("http://127.0.0.1:8123"),
            ("http://127.0.0.1:8123".into(), None)
        );
        assert_eq!(
            split("http://h:8123/path@x"),
            ("http://h:8123/path@x".into(), None),
            "an @ past the host is no user"
        );
        assert_eq!(
            redacted("http://encore:secret@clickhouse:8123"),
            "http://encore:***@clickhouse:8123"
        );
        assert_eq!(redacted("http://127.0.0.1:8123"), "http://127.0.0.1:8123");
        assert_eq!(decode("a%2"), "a%2");
    }
}
