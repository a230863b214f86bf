//! Issuing, verifying, revoking and key rotation on a real store (SQLite, and PostgreSQL when
//! configured), with a real vault.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, ExamKind, ExamResult, PersonRecord, Store};

use super::{CertError, did_of};
use crate::exam::{ExamConfig, Exams, Start};

pub(crate) const NOW: Timestamp = Timestamp(1_764_000_000_000);
pub(crate) const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);

/// A person (with or without a full date of birth) who passed the adult exam; their pass.
pub(crate) async fn passed(
    store: &dyn Store,
    vault: &binhdan_vault::Vault,
    digits: &str,
    birth_day: Option<i64>,
) -> binhdan_store::ExamPass {
    let cccd = Cccd::parse(digits).unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    import
        .write(&[PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: "Lê Thị Hoa".into(),
            birth_year: 1958,
            birth_day,
            sex: cccd.sex(),
            unit: UnitCode::parse("16591").unwrap(),
            phone: None,
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    let person = store
        .person_by_cccd_hash(&vault.lookup_hash(&cccd))
        .await
        .unwrap()
        .unwrap()
        .summary
        .id;
    let exams = Exams::new(ExamConfig::default());
    let Start::Sitting(a) = exams
        .start(store, person, Group::Adult, ExamKind::Certification, NOW)
        .await
        .unwrap()
    else {
        panic!("no sitting")
    };
    store
        .finish_exam(
            a.id,
            person,
            &ExamResult {
                theta: 0.4,
                se: 0.3,
                passed: true,
                timed_out: false,
            },
            CUTOFF,
            NOW,
        )
        .await
        .unwrap();
    store
        .exam_pass(person, Group::Adult)
        .await
        .unwrap()
        .unwrap()
}

fn certified(counters: &[(Group, String, i64)]) -> i64 {
    counters
        .iter()
        .filter(|(g, m, _)| *g == Group::Adult && m == "certified")
        .map(|c| c.2)
        .sum()
}

#[test]
fn a_did_web_names_the_host_its_port_and_path() {
    assert_eq!(
        did_of("https://binhdan.thanhhoa.gov.vn"),
        "did:web:binhdan.thanhhoa.gov.vn"
    );
    assert_eq!(did_of("http://127.0.0.1:8080/"), "did:web:127.0.0.1%3A8080");
    assert_eq!(did_of("https://a.vn/tinh/38"), "did:web:a.vn:tinh:38");
}

#[tokio::test]
async fn a_pass_earns_one_certificate_that_verifies_until_revoked_and_survives_key_rotation() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::test_support::map_and_curriculum(store, NOW).await;
        let (vault, issuer) = crate::test_support::vault_and_issuer();
        let pass = passed(store, &vault, "038158001234", Some(-4_000)).await;

        let cert = issuer.issue(store, &pass, CUTOFF, NOW).await.unwrap();
        let again = issuer.issue(store, &pass, CUTOFF, NOW).await.unwrap();
        assert_eq!(
            cert, again,
            "{}: a retried issue made a second certificate",
            db.name
        );
        assert_eq!(
            store.certificates_of(pass.person_id).await.unwrap().len(),
            1
        );
        assert!(
            !cert.jwt.contains("038158001234"),
            "the CCCD is never in the credential"
        );
        let commune = UnitCode::parse("16591").unwrap();
        assert_eq!(certified(&store.learning_under(&commune).await.unwrap()), 1);
        let outbox = store.outbox_messages(None).await.unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].topic, "certificate.issued");
        assert!(!outbox[0].payload.contains("038158001234"));

        let verified = issuer.verify(store, &cert.jwt, NOW).await.unwrap();
        assert_eq!(verified.code(), "valid");
        let credential = verified.credential.unwrap();
        // The salt stays secret: without it the hash cannot be reversed from name and birth.
        assert!(credential.credential_subject.identifier[0].salt.is_none());
        let delivery: serde_json::Value = serde_json::from_str(&outbox[0].payload).unwrap();
        let salt = delivery["salt"].as_str().unwrap();
        assert_eq!(
            credential.credential_subject.identifier[0].identity_hash,
            binhdan_vault::identity_hash(&Cccd::parse("038158001234").unwrap(), salt),
            "VNeID, given the salt, matches the holder"
        );
        assert_eq!(credential.credential_subject.name, "Lê Thị Hoa");
        // Tampered: one character of the payload changed.
        let mut parts: Vec<String> = cert.jwt.split('.').map(str::to_owned).collect();
        let mid = parts[1].len() / 2;
        let flipped = if &parts[1][mid..=mid] == "A" {
            "B"
        } else {
            "A"
        };
        parts[1].replace_range(mid..=mid, flipped);
        let tampered = parts.join(".");
        let refused = issuer.verify(store, &tampered, NOW).await.unwrap();
        assert!(
            matches!(refused.code(), "signature-invalid" | "malformed"),
            "{}",
            refused.code()
        );
        assert_eq!(
            issuer
                .verify(store, "not a token", NOW)
                .await
                .unwrap()
                .code(),
            "malformed"
        );

        // Rotation: the old certificate still verifies; the next is signed with the new key.
        let old_key = cert.key_id.clone();
        let new_key = issuer.rotate_key(store, NOW).await.unwrap();
        assert_ne!(old_key, new_key);
        assert_eq!(
            issuer.verify(store, &cert.jwt, NOW).await.unwrap().code(),
            "valid"
        );
        let second = passed(store, &vault, "038158005678", Some(-3_000)).await;
        let cert2 = issuer.issue(store, &second, CUTOFF, NOW).await.unwrap();
        assert_eq!(cert2.key_id, new_key);
        assert_eq!(cert2.seq, cert.seq + 1);

        // Revocation: audited once, the status list says so, the counter goes back.
        let later = Timestamp(NOW.0 + 60_000);
        let revoked = crate::revocation::revoke(
            store,
            crate::revocation::Revoker::Operator,
            &cert.id,
            "Gian lận khi thi",
            CUTOFF,
            later,
        )
        .await
        .unwrap();
        assert_eq!(revoked.revoked_at, Some(later));
        let twice = crate::revocation::revoke(
            store,
            crate::revocation::Revoker::Operator,
            &cert.id,
            "lần hai",
            CUTOFF,
            later,
        )
        .await
        .unwrap();
        assert_eq!(twice.revoked_reason.as_deref(), Some("Gian lận khi thi"));
        assert_eq!(
            issuer.verify(store, &cert.jwt, later).await.unwrap().code(),
            "revoked"
        );
        assert_eq!(
            issuer
                .verify(store, &cert2.jwt, later)
                .await
                .unwrap()
                .code(),
            "valid"
        );
        assert_eq!(certified(&store.learning_under(&commune).await.unwrap()), 1);
        assert_eq!(
            store.revoked_indices(1).await.unwrap(),
            vec![u64::try_from(cert.seq - 1).unwrap()]
        );
        let audit = store.audit_records(0, 100).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|r| r.action == "certificate.revoke")
                .count(),
            1
        );
        // The signed status list verifies with the published keys and marks the bit.
        let list_jwt = issuer.status_list_jwt(store, 1, later).await.unwrap();
        let ring = issuer.key_ring(store).await.unwrap();
        let list = binhdan_credential::verify_status_list_jwt(
            &list_jwt,
            &ring,
            binhdan_credential::Timestamp::from_unix(later.0 / 1000),
        )
        .unwrap();
        // The credentials' own status entries, read back, point at the right bits.
        let at = binhdan_credential::Timestamp::from_unix(NOW.0 / 1000);
        let first = binhdan_credential::verify_jwt(&cert.jwt, &ring, at)
            .into_result()
            .unwrap();
        let other = binhdan_credential::verify_jwt(&cert2.jwt, &ring, at)
            .into_result()
            .unwrap();
        let index = first.credential_status.as_ref().unwrap().index().unwrap();
        assert!(binhdan_credential::status_of(&list, index).unwrap());
        assert_eq!(
            binhdan_credential::check_revocation(&first, &list),
            Err(binhdan_credential::Failure::Revoked)
        );
        assert_eq!(binhdan_credential::check_revocation(&other, &list), Ok(()));
        assert_eq!(store.outbox_messages(None).await.unwrap().len(), 3);

        // Known only by birth year: no certificate yet, and nothing half-written.
        let yearly = passed(store, &vault, "038158009999", None).await;
        assert!(matches!(
            issuer.issue(store, &yearly, CUTOFF, NOW).await,
            Err(CertError::NoBirthDate)
        ));
        assert_eq!(
            store
                .passes_without_certificate(None, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            issuer
                .issue_pending(store, None, CUTOFF, NOW)
                .await
                .unwrap(),
            0
        );
        db.cleanup().await;
    }
}

/// The published keys are kept a minute on the server's clock: a key made by another server
/// shows in the cached ring once the clock has moved past the minute, not before.
#[tokio::test]
async fn the_key_ring_is_read_again_once_the_clock_passes_its_minute() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    let (vault, issuer) = crate::test_support::vault_and_issuer();
    let first = issuer.ensure_key(store, NOW).await.unwrap();
    let ring = issuer.cached_ring(store, false, NOW).await.unwrap();
    assert!(ring.get(&issuer.kid(&first)).is_some());
    // Another server (same store, same vault) rotates the key.
    let other = super::Issuer::new(&issuer.base_url, &issuer.name, vault);
    let second = other.rotate_key(store, NOW).await.unwrap();
    let ttl = i64::try_from(super::RING_TTL.as_millis()).unwrap();
    let cached = issuer
        .cached_ring(store, false, Timestamp(NOW.0 + ttl - 1))
        .await
        .unwrap();
    assert!(cached.get(&issuer.kid(&second)).is_none(), "still cached");
    let reread = issuer
        .cached_ring(store, false, Timestamp(NOW.0 + ttl))
        .await
        .unwrap();
    assert!(reread.get(&issuer.kid(&second)).is_some(), "read again");
    db.cleanup().await;
}
