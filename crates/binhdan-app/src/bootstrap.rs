//! First start: the official map of provinces and communes goes into an empty store.

use binhdan_core::Timestamp;
use binhdan_core::reference::{self, ReferenceError};
use binhdan_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Loads the official provinces and communes if they are not there yet; returns how many
/// units were added (0 on every start after the first).
pub async fn load_map(store: &dyn Store, now: Timestamp) -> Result<u64, BootstrapError> {
    let units = reference::admin_units()?;
    let added = store.load_admin_units(&units, now).await?;
    if added > 0 {
        tracing::info!(
            units.added = added,
            "loaded the official map of provinces and communes"
        );
    }
    Ok(added)
}
