//! stream and download: a song's stored audio, with `Range`, through the
//! native stream's code. Streaming is not listening: only scrobbles and
//! playback reports count as plays.
//!
//! `stream` transcodes as `format` and `maxBitRate` ask
//! (`crate::audio::transcode`); `download` always sends the original.

use super::params::Failure;
use super::{Ctx, Outcome, Reply};
use crate::audio::Wanted;

pub(super) async fn stream(ctx: &Ctx, download: bool) -> Outcome {
    let id = ctx.params.id("id")?;
    let wanted = if download {
        Wanted::default()
    } else {
        let kbps = ctx
            .params
            .int("maxBitRate")?
            .map(|k| {
                u32::try_from(k).map_err(|_| Failure::invalid("maxBitRate", "must be 0 or more"))
            })
            .transpose()?;
        Wanted {
            format: ctx.params.get("format").map(String::from),
            kbps,
        }
    };
    let response = crate::audio::send(&ctx.state, id, &ctx.headers, &wanted).await?;
    Ok(Reply::Raw(response))
}
