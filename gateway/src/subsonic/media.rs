//! stream and download: a song's stored audio, with `Range`, through the
//! native stream's code. Streaming is not listening: only scrobbles and
//! playback reports count as plays.
//!
//! `format` and `maxBitRate` are preferences the protocol lets a server
//! without transcoding ignore; Encore sends the original file.

use super::{Ctx, Outcome, Reply};

pub(super) async fn stream(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let response = crate::audio::send(&ctx.state, id, &ctx.headers).await?;
    Ok(Reply::Raw(response))
}
