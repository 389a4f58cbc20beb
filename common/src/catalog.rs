//! Reading catalog changes off their topics: every catalog consumer (the
//! indexer, the ETL's dimensions) refuses the same records for the same reasons.

use encore_schemas::{decode, CatalogChange};
use rdkafka::message::Message;

use crate::topics::catalog_topic;

/// The change a catalog record carries: `Ok(None)` for a tombstone (no
/// version, it follows a delete that said everything), `Err` with the reason
/// for a record that belongs on the dead-letter topic.
pub fn read_change<M: Message>(message: &M) -> Result<Option<CatalogChange>, String> {
    let Some(bytes) = message.payload() else {
        return Ok(None);
    };
    let change =
        decode::<CatalogChange>(bytes).map_err(|e| format!("undecodable CatalogChange: {e}"))?;
    if !change.is_consistent() {
        return Err(format!(
            "the body does not match entity_type {:?} and op {:?}",
            change.entity_type, change.op
        ));
    }
    if !message.topic().ends_with(catalog_topic(change.entity_type)) {
        return Err(format!(
            "a {:?} change on topic {}",
            change.entity_type,
            message.topic()
        ));
    }
    Ok(Some(change))
}
