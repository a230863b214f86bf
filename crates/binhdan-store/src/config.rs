//! Store configuration.

use binhdan_core::Secret;
use serde::Deserialize;

/// Where and how to store. The URL is a secret: a PostgreSQL URL may hold a password.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://./data/binhdan.db` (default) or `postgres://user@host/db`.
    pub url: Secret<String>,
    /// Connections in the pool (readers on SQLite; all on PostgreSQL).
    pub max_connections: u32,
    /// Apply pending migrations when the server starts. With several servers on PostgreSQL,
    /// turn it off and run `binhdan migrate` once before a rollout (no advisory locks are
    /// used, so the SQL stays portable to distributed PostgreSQL-wire engines).
    pub migrate_on_start: bool,
    /// PostgreSQL only: the schema to use (tests give each run its own).
    pub schema: Option<String>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: Secret::new("sqlite://./data/binhdan.db".to_owned()),
            max_connections: 8,
            migrate_on_start: true,
            schema: None,
        }
    }
}
