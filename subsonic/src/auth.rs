//! Who a Subsonic request is from. Three ways, each checked against the
//! user's app passwords and API keys ([`encore_core::credentials`]), never against
//! the account password:
//!
//! - `apiKey` (OpenSubsonic), alone: sending `u` too is error 43;
//! - `u` + `p` (plain, or `enc:` and hex);
//! - `u` + `t` + `s`, where `t = md5(app password + s)`.
//!
//! Every failure counts against the account and client address together,
//! the address, and the account from unknown places
//! ([`crate::auth::throttle`]); a refused login is error 40 naming the wait,
//! with `Retry-After`. Subsonic apps send no cookies, so their known place is
//! an address the account signed in from recently: an app at home keeps
//! working whatever an attacker does elsewhere.

use encore_common::client::ClientAddr;
use encore_common::metrics::GATEWAY_LOGINS_THROTTLED_TOTAL as LOGINS_THROTTLED;
use encore_core::credentials::{self, Proof};
use encore_core::throttle::{self, Attempt};

use super::params::{Failure, Params};
use crate::context::{Caller, Subsonic};
use crate::recent::Fingerprint;

/// The credentials a request carries, before any are checked.
#[derive(Debug, PartialEq, Eq)]
enum Presented<'a> {
    ApiKey(&'a str),
    Password {
        user: &'a str,
        password: String,
    },
    Token {
        user: &'a str,
        token: &'a str,
        salt: &'a str,
    },
}

fn presented(params: &Params) -> Result<Presented<'_>, Failure> {
    if let Some(key) = params.get("apiKey") {
        if params.get("u").is_some() {
            return Err(Failure::new(
                43,
                "multiple conflicting authentication mechanisms provided: send apiKey or u, not both",
            ));
        }
        return Ok(Presented::ApiKey(key));
    }
    let user = params.required("u")?;
    if let Some(p) = params.get("p") {
        let password = match p.strip_prefix("enc:") {
            Some(hex_text) => hex::decode(hex_text)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| Failure::invalid("p", "after enc: must be hex-encoded UTF-8"))?,
            None => p.to_string(),
        };
        return Ok(Presented::Password { user, password });
    }
    match (params.get("t"), params.get("s")) {
        (Some(token), Some(salt)) => Ok(Presented::Token { user, token, salt }),
        (Some(_), None) => Err(Failure::missing("s")),
        _ => Err(Failure::missing("p, or t and s")),
    }
}

/// A digest of the credentials `params` present, if they are well formed.
pub(crate) fn fingerprint(params: &Params) -> Option<Fingerprint> {
    Some(match presented(params).ok()? {
        Presented::ApiKey(key) => Fingerprint::of(&["apiKey", key]),
        Presented::Password { user, password } => Fingerprint::of(&["p", user, &password]),
        Presented::Token { user, token, salt } => Fingerprint::of(&["t", user, token, salt]),
    })
}

/// Checks the request's credentials; the caller, or the protocol's error.
/// Credentials that pass are remembered as the caller's
/// ([`crate::recent::Recent`]) by `fingerprint`, their [`fingerprint`],
/// which the router has already taken to look them up.
pub(super) async fn authenticate(
    state: &Subsonic,
    params: &Params,
    fingerprint: Option<Fingerprint>,
    from: ClientAddr,
) -> Result<Caller, Failure> {
    let caller = check(state, params, from).await?;
    if let Some(fingerprint) = fingerprint {
        state.recent.accepted(fingerprint, caller.id);
    }
    Ok(caller)
}

/// The check itself, remembering nothing.
async fn check(state: &Subsonic, params: &Params, from: ClientAddr) -> Result<Caller, Failure> {
    let limits = state.login;
    let presented = presented(params)?;
    // An API key that matches was no guess (256 random bits): its app keeps
    // working whatever its address's count, and a success changes no count.
    // So the counts are read only for a key that does not match, and a
    // good key costs one query, which every request of such an app pays.
    if let Presented::ApiKey(key) = &presented {
        if let Some(matched) = credentials::by_api_key(&state.db, key).await? {
            return Ok(caller(matched));
        }
    }
    let (attempt, login) = match &presented {
        // An API key names no account until it matches; its guesses count
        // against the address only.
        Presented::ApiKey(_) => (Attempt::address_only(from.0), None),
        Presented::Password { user, .. } | Presented::Token { user, .. } => {
            let found = encore_core::accounts::named(&state.db, user).await?;
            (Attempt::new(found.ok_or(*user), from.0), found)
        }
    };
    // The standing and the credential are read at once: one round trip's
    // wait instead of two.
    let check = async {
        match (&presented, &login) {
            // It did not match a moment ago.
            (Presented::ApiKey(_), _) => Ok(None),
            (Presented::Password { password, .. }, Some(id)) => {
                let proof = Proof::Password(password);
                credentials::by_app_password(&state.db, &state.sealer, *id, proof).await
            }
            (Presented::Token { token, salt, .. }, Some(id)) => {
                let proof = Proof::Token { token, salt };
                credentials::by_app_password(&state.db, &state.sealer, *id, proof).await
            }
            (_, None) => Ok(None),
        }
    };
    let (standing, matched) = tokio::join!(throttle::standing(&state.db, &attempt), check);
    let (standing, matched) = (standing?, matched?);
    // A refused login is refused whatever its credential was, so that a
    // guess past the limit learns nothing.
    if let Some(secs) = throttle::judge(&limits, &standing) {
        metrics::counter!(LOGINS_THROTTLED.name, "path" => "subsonic").increment(1);
        return Err(Failure {
            retry_after: Some(secs),
            ..Failure::new(40, format!("too many failed logins; try again in {secs} s"))
        });
    }
    let Some(matched) = matched else {
        throttle::failed(&state.db, &limits, &attempt, &standing).await?;
        return Err(match presented {
            Presented::ApiKey(_) => Failure::new(44, "invalid API key"),
            _ => Failure::wrong_credentials(),
        });
    };
    throttle::succeeded(&state.db, &limits, &attempt, &standing).await?;
    Ok(caller(matched))
}

fn caller(login: credentials::AppLogin) -> Caller {
    Caller {
        id: login.user,
        username: login.username,
        admin: login.role == "admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(query: &str) -> Result<Presented<'static>, u16> {
        let params: &'static Params = Box::leak(Box::new(Params::parse(Some(query), None)));
        presented(params).map_err(|f| f.code)
    }

    #[test]
    fn each_mechanism_is_recognised_and_conflicts_are_43() {
        assert_eq!(of("apiKey=k"), Ok(Presented::ApiKey("k")));
        assert_eq!(of("apiKey=k&u=ada"), Err(43));
        assert_eq!(
            of("u=ada&p=enc:73656372657421"),
            Ok(Presented::Password {
                user: "ada",
                password: "secret!".into()
            })
        );
        assert_eq!(
            of("u=ada&t=abc&s=xyz"),
            Ok(Presented::Token {
                user: "ada",
                token: "abc",
                salt: "xyz"
            })
        );
        assert_eq!(of("p=x"), Err(10));
        assert_eq!(of("u=ada"), Err(10));
        assert_eq!(of("u=ada&t=abc"), Err(10));
        assert_eq!(of("u=ada&p=enc:zz"), Err(10));
    }
}
