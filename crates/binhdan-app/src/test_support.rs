//! Set-ups shared by this crate's tests on a real store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use binhdan_core::Timestamp;
use binhdan_store::Store;

use crate::certificates::Issuer;

/// The official map and the shipped curriculum, loaded.
pub(crate) async fn map_and_curriculum(store: &dyn Store, now: Timestamp) {
    crate::bootstrap::load_map(store, now).await.unwrap();
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    crate::content::load(store, &content, now).await.unwrap();
}

/// A fresh vault and Thanh Hóa's issuer over it.
pub(crate) fn vault_and_issuer() -> (Arc<binhdan_vault::Vault>, Issuer) {
    let vault = Arc::new(
        binhdan_vault::Vault::new(&binhdan_vault::VaultConfig::generate(&mut rand::rng())).unwrap(),
    );
    let issuer = Issuer::new(
        "https://binhdan.thanhhoa.gov.vn",
        "Ủy ban nhân dân tỉnh Thanh Hóa",
        vault.clone(),
    );
    (vault, issuer)
}
