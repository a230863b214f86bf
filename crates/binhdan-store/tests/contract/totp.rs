//! A TOTP secret stored in clear (before secrets were sealed) is replaced by its sealed form
//! only while it is still the value read: a change meanwhile is never overwritten.

use binhdan_core::Secret;
use binhdan_core::audit::AuditEntry;
use binhdan_store::NewStaff;
use binhdan_store::testing::TestDb;

use super::NOW;

#[tokio::test]
async fn a_clear_totp_secret_is_resealed_only_while_unchanged() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        let id = store
            .create_staff(
                &NewStaff {
                    username: "cu.totp".into(),
                    display_name: "Cũ".into(),
                    password_hash: Secret::new("$argon2id$unused".into()),
                    totp_secret: Some(Secret::new("JBSWY3DPEHPK3PXP".into())),
                    grants: Vec::new(),
                },
                AuditEntry::new("test", "staff.create"),
                NOW,
            )
            .await
            .unwrap();
        let stored = || async {
            store
                .staff(id)
                .await
                .unwrap()
                .unwrap()
                .totp_secret
                .map(|s| s.expose().clone())
        };
        // Another value than the one read: nothing changes.
        assert!(
            !store
                .reseal_totp(id, "OTHERVALUE234567", "sealed:00")
                .await
                .unwrap(),
            "{}",
            db.name
        );
        assert_eq!(
            stored().await.as_deref(),
            Some("JBSWY3DPEHPK3PXP"),
            "{}",
            db.name
        );
        assert!(
            store
                .reseal_totp(id, "JBSWY3DPEHPK3PXP", "sealed:abcd")
                .await
                .unwrap(),
            "{}",
            db.name
        );
        assert_eq!(
            stored().await.as_deref(),
            Some("sealed:abcd"),
            "{}",
            db.name
        );
        // Once sealed, a second reseal of the clear value finds nothing to replace.
        assert!(
            !store
                .reseal_totp(id, "JBSWY3DPEHPK3PXP", "sealed:ef01")
                .await
                .unwrap()
        );
        db.cleanup().await;
    }
}
