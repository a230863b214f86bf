// Health and maintenance, written once for both backends (see the crate docs). Each backend
// module defines `migrator()`.

#[async_trait]
impl OpsStore for Backend {
    fn dialect(&self) -> Dialect {
        DIALECT
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
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
