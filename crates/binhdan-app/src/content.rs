//! The curriculum: checking a content directory and loading it into the store, all or nothing.

use std::path::Path;

use binhdan_content::{ContentError, Pack};
use binhdan_core::Timestamp;
use binhdan_store::{ContentLoadReport, Store, StoreError};

/// Where lesson images are served; rendered into the lessons' HTML at load time.
pub const ASSET_PREFIX: &str = "/noi-dung/tep";

#[derive(Debug, thiserror::Error)]
pub enum ContentLoadError {
    /// The pack is invalid; every error names its file and line. Nothing was loaded.
    #[error("{} content errors", .0.len())]
    Invalid(Vec<ContentError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads and checks a content directory (`binhdan content check`).
pub fn check(dir: &Path) -> Result<Pack, Vec<ContentError>> {
    binhdan_content::load_dir(dir, ASSET_PREFIX)
}

/// Checks a content directory and loads it in one transaction (`binhdan content load`).
pub async fn load(
    store: &dyn Store,
    dir: &Path,
    now: Timestamp,
) -> Result<ContentLoadReport, ContentLoadError> {
    let pack = check(dir).map_err(ContentLoadError::Invalid)?;
    let report = store.load_content(&pack, now).await?;
    tracing::info!(
        content.courses = report.courses,
        content.lessons_added = report.lessons_added,
        content.lessons_changed = report.lessons_changed,
        content.items_added = report.items_added,
        "loaded the curriculum"
    );
    Ok(report)
}
