//! What a search asks, and a head start on it: the search sent to the
//! search server while the credentials that asked for it are checked.

use std::sync::Arc;

use uuid::Uuid;

use crate::host::{Host, HostError, Page};
use crate::params::{Failure, Params};

/// Per kind, the most one page returns.
const MAX_COUNT: i64 = 500;

/// What a search asks: the words (none lists everything) and a page of
/// each kind, artists, albums and songs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asked {
    pub(crate) query: String,
    pub(crate) pages: [Page; 3],
}

/// What `params` ask of `search2` or `search3`.
pub(crate) fn asked(params: &Params) -> Result<Asked, Failure> {
    let query = params.get("query").unwrap_or("").trim();
    let query = query.trim_matches('"').trim();
    if query.chars().count() > 200 {
        return Err(Failure::invalid("query", "must be at most 200 characters"));
    }
    let page = |count: &str, offset: &str| -> Result<Page, Failure> {
        Ok(Page {
            size: params.count(count, 20, MAX_COUNT)? as usize,
            offset: params.count(offset, 0, 100_000)? as usize,
        })
    };
    Ok(Asked {
        query: query.to_string(),
        pages: [
            page("artistCount", "artistOffset")?,
            page("albumCount", "albumOffset")?,
            page("songCount", "songOffset")?,
        ],
    })
}

pub(crate) type Ids = Result<[Vec<Uuid>; 3], HostError>;

/// A search sent to the search server before the credentials that asked
/// for it are checked, and answered alongside the check. Only credentials
/// accepted in the last minute get one ([`crate::recent`]), as whom they
/// were accepted, and the ids found are used only if the check names that
/// same caller. The engine then works while PostgreSQL checks, and a search
/// waits for the slower of the two rather than for both in turn. A refused
/// check answers at once, and the search is dropped unfinished.
pub(crate) struct HeadStart {
    user: Uuid,
    asked: Asked,
    host: Arc<dyn Host>,
}

/// What a [`HeadStart`] found, for the caller it was started for.
pub(crate) struct EarlyIds {
    user: Uuid,
    asked: Asked,
    ids: Ids,
}

impl HeadStart {
    /// A head start for `method`, if it is a search with words and its
    /// credentials were accepted lately, as `lately`'s.
    pub(crate) fn start(
        lately: Option<Uuid>,
        host: &Arc<dyn Host>,
        method: &str,
        params: &Params,
    ) -> Option<HeadStart> {
        if !matches!(method, "search2" | "search3") {
            return None;
        }
        let user = lately?;
        let asked = asked(params).ok().filter(|a| !a.query.is_empty())?;
        Some(HeadStart {
            user,
            asked,
            host: host.clone(),
        })
    }

    /// The search and `check` together: the caller and what was found, or
    /// the check's refusal as soon as it comes. The search is polled first,
    /// so that its request is on its way before the check's.
    pub(crate) async fn alongside<C>(
        self,
        check: impl std::future::Future<Output = Result<C, Failure>>,
    ) -> Result<(C, EarlyIds), Failure> {
        let HeadStart { user, asked, host } = self;
        let search = async {
            let ids = host.search(&asked.query, user, asked.pages).await;
            Ok::<_, Failure>(ids)
        };
        let (ids, caller) = tokio::try_join!(search, check)?;
        Ok((caller, EarlyIds { user, asked, ids }))
    }
}

impl EarlyIds {
    /// The ids found, if they answer `user` asking `asked`.
    pub(crate) fn answers(&self, user: Uuid, asked: &Asked) -> Option<&Ids> {
        (self.user == user && self.asked == *asked).then_some(&self.ids)
    }
}
