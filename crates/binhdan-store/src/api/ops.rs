//! Health and maintenance: readiness checks, migrations and shutdown.

use async_trait::async_trait;
use binhdan_core::Timestamp;

use crate::{Dialect, Result};

/// Health and maintenance.
#[async_trait]
pub trait OpsStore: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// A round trip to the database, for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// A small write committed to disk, for `/readyz`: fails while the writer cannot write
    /// (a full disk, a read-only file, a database that refuses writes).
    async fn probe_write(&self, now: Timestamp) -> Result<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Closes the pools, waiting for connections in use.
    async fn close(&self);
}
