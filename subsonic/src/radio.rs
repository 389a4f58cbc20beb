//! getInternetRadioStations and the admin's create, update and delete: the
//! native stations ([`encore_core::radio`]), addresses a player fetches
//! itself. Writing is for admins, as natively (50 otherwise).

use encore_core::radio::{self, Field, NewStation};

use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

pub(super) async fn list(ctx: &Ctx) -> Outcome {
    let stations = radio::list(&ctx.state.db).await?;
    let items = stations
        .into_iter()
        .map(|s| {
            Element::new("internetRadioStation")
                .attr("id", s.id)
                .attr("name", s.name)
                .attr("streamUrl", s.stream_url)
                .opt("homePageUrl", s.homepage_url)
        })
        .collect();
    Ok(Reply::Payload(
        Element::new("internetRadioStations").list("internetRadioStation", items),
    ))
}

/// `createInternetRadioStation`: `streamUrl`, `name`, `homepageUrl`.
pub(super) async fn create(ctx: &Ctx) -> Outcome {
    admin_only(ctx)?;
    radio::create(&ctx.state.db, &station(ctx)?).await?;
    Ok(Reply::Empty)
}

/// `updateInternetRadioStation`: `id` and the fields of a new one.
pub(super) async fn update(ctx: &Ctx) -> Outcome {
    admin_only(ctx)?;
    let id = ctx.params.id("id")?;
    match radio::update(&ctx.state.db, id, &station(ctx)?).await? {
        Some(_) => Ok(Reply::Empty),
        None => Err(Failure::not_found("internet radio station")),
    }
}

/// `deleteInternetRadioStation`: `id`; deleting an absent one changes nothing.
pub(super) async fn delete(ctx: &Ctx) -> Outcome {
    admin_only(ctx)?;
    radio::delete(&ctx.state.db, ctx.params.id("id")?).await?;
    Ok(Reply::Empty)
}

fn admin_only(ctx: &Ctx) -> Result<(), Failure> {
    if ctx.caller.is_admin() {
        Ok(())
    } else {
        Err(Failure::not_authorized(
            "only admins may change the internet radio stations",
        ))
    }
}

/// The station the parameters give, checked by the core's rule.
fn station(ctx: &Ctx) -> Result<NewStation<'_>, Failure> {
    let station = NewStation {
        name: ctx.params.required("name")?,
        stream_url: ctx.params.required("streamUrl")?,
        homepage_url: ctx.params.get("homepageUrl").filter(|h| !h.is_empty()),
    };
    if let Some((field, why)) = radio::problems(&station).into_iter().next() {
        let name = match field {
            Field::Name => "name",
            Field::StreamUrl => "streamUrl",
            Field::HomepageUrl => "homepageUrl",
        };
        return Err(Failure::invalid(name, &why));
    }
    Ok(station)
}
