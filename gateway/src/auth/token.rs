//! Access tokens: JWTs signed with HMAC-SHA256. The algorithm is pinned (a
//! token naming any other, `none` included, is refused) and issuer, audience
//! and expiry are required and checked.
//!
//! Stream tickets are JWTs too, for one track only, with an audience of their
//! own so neither kind can pass for the other. An `<audio>` element cannot
//! send an Authorization header, and an access token in a URL would land in
//! browser history; a ticket there can only ever play that one track.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthConfig;

const ALGORITHM: Algorithm = Algorithm::HS256;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// What a stream ticket says: who may stream which track, until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TicketClaims {
    sub: Uuid,
    /// The one track the ticket opens.
    trk: Uuid,
    iss: String,
    aud: String,
    exp: i64,
}

/// How long a stream ticket lasts: long enough to pause a track for hours and
/// seek in it again, short enough that a copied URL soon stops working.
pub const TICKET_TTL: Duration = Duration::from_secs(6 * 3600);

/// Keys and validation rules, built once at start.
/// What starting a session needs: the keys that sign its tokens, and the
/// account settings (refresh lifetime, the login throttle's limits, the
/// device cookie's key).
#[derive(Clone)]
pub struct Issuer {
    pub keys: std::sync::Arc<TokenKeys>,
    pub config: std::sync::Arc<AuthConfig>,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ticket_validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
    #[error("signing the token failed: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

impl TokenKeys {
    pub fn new(config: &AuthConfig) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let mut ticket_validation = validation.clone();
        ticket_validation.set_audience(&[ticket_audience(&config.audience)]);
        TokenKeys {
            ticket_validation,
            encoding: EncodingKey::from_secret(config.jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(config.jwt_secret.as_bytes()),
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: config.access_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// A fresh access token for `user`, valid for the configured lifetime.
    pub fn issue(&self, user: Uuid, now: i64) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(TokenError::Signing)
    }

    /// A stream ticket for `track`, and when it expires (Unix seconds).
    pub fn issue_ticket(
        &self,
        user: Uuid,
        track: Uuid,
        now: i64,
    ) -> Result<(String, i64), TokenError> {
        let exp = now + TICKET_TTL.as_secs() as i64;
        let claims = TicketClaims {
            sub: user,
            trk: track,
            iss: self.issuer.clone(),
            aud: ticket_audience(&self.audience),
            exp,
        };
        jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map(|t| (t, exp))
            .map_err(TokenError::Signing)
    }

    /// The user a ticket was issued to, if it is valid and for `track`.
    pub fn verify_ticket(&self, ticket: &str, track: Uuid) -> Result<Uuid, TokenError> {
        let claims =
            jsonwebtoken::decode::<TicketClaims>(ticket, &self.decoding, &self.ticket_validation)
                .map(|data| data.claims)
                .map_err(|e| match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                })?;
        if claims.trk != track {
            return Err(TokenError::Invalid);
        }
        Ok(claims.sub)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

fn ticket_audience(audience: &str) -> String {
    format!("{audience}:stream")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn config(secret: &str) -> AuthConfig {
        AuthConfig {
            jwt_secret: secret.into(),
            issuer: "encore".into(),
            audience: "clients".into(),
            access_ttl: Duration::from_secs(60),
            refresh_ttl: Duration::from_secs(3600),
            app_password_key: encore_core::credentials::seal::DEV_KEY_HEX.into(),
            login: crate::auth::throttle::Limits {
                max_failures: 10,
                max_failures_per_address: 100,
                window: Duration::from_secs(300),
                first_delay: Duration::from_secs(1),
                max_delay: Duration::from_secs(60),
                known_for: Duration::from_secs(86_400),
            },
        }
    }

    fn now() -> i64 {
        encore_common::now_millis() / 1000
    }

    #[test]
    fn issued_tokens_verify() {
        let keys = TokenKeys::new(&config("s3cret"));
        let user = Uuid::new_v4();
        let token = keys.issue(user, now()).unwrap();
        assert_eq!(keys.verify(&token).unwrap().sub, user);
    }

    #[test]
    fn expired_forged_and_foreign_tokens_are_refused() {
        let keys = TokenKeys::new(&config("s3cret"));
        let user = Uuid::new_v4();
        let old = keys.issue(user, now() - 3_600).unwrap();
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));

        let forged = TokenKeys::new(&config("other")).issue(user, now()).unwrap();
        assert!(matches!(keys.verify(&forged), Err(TokenError::Invalid)));

        let mut other_audience = config("s3cret");
        other_audience.audience = "someone-else".into();
        let foreign = TokenKeys::new(&other_audience).issue(user, now()).unwrap();
        assert!(matches!(keys.verify(&foreign), Err(TokenError::Invalid)));
    }

    #[test]
    fn a_ticket_opens_one_track_and_is_no_access_token() {
        let keys = TokenKeys::new(&config("s3cret"));
        let (user, track) = (Uuid::new_v4(), Uuid::new_v4());
        let (ticket, exp) = keys.issue_ticket(user, track, now()).unwrap();
        assert!(exp > now() + 3600);
        assert_eq!(keys.verify_ticket(&ticket, track).unwrap(), user);
        assert!(matches!(
            keys.verify_ticket(&ticket, Uuid::new_v4()),
            Err(TokenError::Invalid)
        ));
        assert!(matches!(keys.verify(&ticket), Err(TokenError::Invalid)));
        let access = keys.issue(user, now()).unwrap();
        assert!(matches!(
            keys.verify_ticket(&access, track),
            Err(TokenError::Invalid)
        ));
        let (old, _) = keys.issue_ticket(user, track, now() - 7 * 3600).unwrap();
        assert!(matches!(
            keys.verify_ticket(&old, track),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = TokenKeys::new(&config("s3cret"));
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{}","iss":"encore","aud":"clients","iat":{},"exp":{}}}"#,
            Uuid::new_v4(),
            now(),
            now() + 600
        ));
        for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
            assert!(
                matches!(keys.verify(&token), Err(TokenError::Invalid)),
                "{token}"
            );
        }
    }
}
