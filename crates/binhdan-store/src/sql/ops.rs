//! Health and maintenance, written once for both backends (see the crate docs). Each backend
//! module defines `migrator()`.

use super::{Backend, DIALECT, migrator};
use crate::prelude::*;

#[async_trait]
impl OpsStore for Backend {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn probe_write(&self, now: Timestamp) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("INSERT INTO write_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at")
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn migrate(&self) -> Result<()> {
        migrator().run(&self.write).await?;
        Ok(())
    }

    async fn close(&self) {
        // On PostgreSQL both handles are the same pool; closing twice is harmless.
        self.read.close().await;
        self.write.close().await;
    }
}
