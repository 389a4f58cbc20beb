//! What an endpoint works with: the state every request shares, the
//! request itself once authenticated, and what an endpoint answers.

use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::HeaderMap;
use axum::response::Response;
use encore_common::client::TrustedProxies;
use encore_core::credentials::seal::Sealer;
use encore_core::throttle;
use sqlx::PgPool;
use uuid::Uuid;

use crate::host::Host;
use crate::params::{Failure, Params};
use crate::response::Element;

/// What every request may use.
#[derive(Clone)]
pub struct Subsonic {
    pub db: PgPool,
    /// Play statistics: the listener's own, charts, co-listening.
    pub warehouse: clickhouse::Client,
    /// What Redis holds of the warehouse for per-listener reads.
    pub online: encore_online::Store,
    /// Opens app passwords for Subsonic's token login.
    pub sealer: Sealer,
    /// The failed-login limits, as the native login has them.
    pub login: throttle::Limits,
    /// Whose `X-Forwarded-For` is believed when counting failed logins.
    pub proxies: TrustedProxies,
    /// `ENCORE_PUBLIC_URL`, which share links are built on when set.
    pub public_url: Option<String>,
    pub host: Arc<dyn Host>,
    /// Credentials accepted lately, so that a search can start before
    /// they are checked again.
    pub recent: crate::recent::Recent,
}

impl FromRef<Subsonic> for TrustedProxies {
    fn from_ref(state: &Subsonic) -> Self {
        state.proxies.clone()
    }
}

/// The authenticated caller of a Subsonic request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) id: Uuid,
    pub(crate) username: String,
    pub(crate) admin: bool,
}

impl Caller {
    pub(crate) fn is_admin(&self) -> bool {
        self.admin
    }
}

/// One request, authenticated.
pub(crate) struct Ctx {
    pub(crate) state: Subsonic,
    pub(crate) params: Params,
    pub(crate) caller: Caller,
    pub(crate) headers: HeaderMap,
    /// The body when it is not a form (whose fields are in `params`): the
    /// JSON of `getTranscodeDecision`.
    pub(crate) body: axum::body::Bytes,
    /// What a search started before authentication found.
    pub(crate) head_start: Option<crate::early::EarlyIds>,
}

/// What an endpoint answers.
pub(crate) enum Reply {
    /// `status="ok"` and nothing else.
    Empty,
    /// `status="ok"` with this payload.
    Payload(Element),
    /// `status="ok"` with this element's children straight in the envelope.
    List(Element),
    /// Not an envelope: audio, images.
    Raw(Response),
}

pub(crate) type Outcome = Result<Reply, Failure>;
