//! The public figures' cache on a real store, with time moved by hand: new people and new
//! check-ins show once the figures are [`FIGURES_TTL`] old, not before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;
use binhdan_core::{Secret, Timestamp};
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, CheckInVia, EventKind, NewCheckIn, NewEvent, NewPoint, NewStaff, PersonRecord,
    Store,
};

use crate::public::{FIGURES_TTL, PublicFigures, UnitFigures};

const NOW: Timestamp = Timestamp(1_764_000_000_000);
const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);

fn later(ms: i64) -> Timestamp {
    Timestamp(NOW.millis() + ms)
}

fn ttl_ms() -> i64 {
    i64::try_from(FIGURES_TTL.as_millis()).unwrap()
}

fn commune() -> UnitCode {
    UnitCode::parse("16591").unwrap()
}

/// Five adults living in the commune; their ids.
async fn five_adults(store: &dyn Store, vault: &binhdan_vault::Vault) -> Vec<i64> {
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let mut hashes = Vec::new();
    for i in 0..5 {
        let cccd = Cccd::parse(&format!("03819{i}000123")).unwrap();
        hashes.push(vault.lookup_hash(&cccd));
        import
            .write(&[PersonRecord {
                cccd_hash: vault.lookup_hash(&cccd),
                cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
                cccd_masked: cccd.masked(),
                name: format!("Lê Thị Hoa {i}"),
                birth_year: 1970,
                birth_day: None,
                sex: cccd.sex(),
                unit: commune(),
                phone: None,
                membership: None,
            }])
            .await
            .unwrap();
    }
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for h in hashes {
        ids.push(
            store
                .person_by_cccd_hash(&h)
                .await
                .unwrap()
                .unwrap()
                .summary
                .id,
        );
    }
    ids
}

/// Checks the people in at a point of a new event in the commune.
async fn check_in(store: &dyn Store, people: &[i64]) {
    let host = store
        .create_staff(
            &NewStaff {
                username: "diem.cau".to_owned(),
                display_name: "Host".to_owned(),
                password_hash: Secret::new("$argon2id$unused".to_owned()),
                totp_secret: None,
                grants: vec![Grant::new(
                    Role::VillageFacilitator,
                    Scope::Unit {
                        path: "38/16591/".to_owned(),
                    },
                )],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap();
    let event = store
        .create_event(
            &NewEvent {
                title: "Lễ phát động".to_owned(),
                kind: EventKind::Ceremony,
                unit: commune(),
                starts_at: NOW,
                ends_at: later(3_600_000),
                broadcast_url: None,
            },
            "test",
            NOW,
        )
        .await
        .unwrap();
    let point = store
        .add_points(
            event,
            &[NewPoint {
                name: "Nhà văn hóa".to_owned(),
                unit: commune(),
                host_id: host,
                expected: 5,
                token: "t".to_owned(),
            }],
        )
        .await
        .unwrap()[0];
    let items: Vec<NewCheckIn> = people
        .iter()
        .map(|id| NewCheckIn {
            event_id: event,
            point_id: point,
            participant: format!("p:{id}"),
            person_id: Some(*id),
            cccd_hash: None,
            reveal_within: Vec::new(),
            via: CheckInVia::Name,
            label: String::new(),
            by: "test".to_owned(),
            at: later(1),
        })
        .collect();
    store
        .record_check_ins(&items, CUTOFF, later(1))
        .await
        .unwrap();
}

fn roster(f: &UnitFigures) -> u64 {
    f.roster
        .iter()
        .find(|(g, _)| *g == Group::Adult)
        .map_or(0, |r| r.1)
}

fn participated(f: &UnitFigures) -> i64 {
    f.learning
        .iter()
        .find(|(g, m, _)| *g == Group::Adult && m == "participated")
        .map_or(0, |l| l.2)
}

#[tokio::test]
async fn figures_refresh_after_the_ttl_and_not_before() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::bootstrap::load_map(store, NOW).await.unwrap();
    let vault =
        binhdan_vault::Vault::new(&binhdan_vault::VaultConfig::generate(&mut rand::rng())).unwrap();
    let figures = PublicFigures::default();
    let code = commune();

    let first = figures.of(store, &code, NOW).await.unwrap().unwrap();
    assert_eq!(first.unit().map(|u| u.code.clone()), Some(code.clone()));
    assert_eq!(roster(&first), 0);

    // New people: the same figures until the TTL has passed, the new ones from then on.
    let people = five_adults(store, &vault).await;
    let before = figures
        .of(store, &code, later(ttl_ms() - 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(roster(&before), 0, "still the figures read at NOW");
    let after = figures
        .of(store, &code, later(ttl_ms()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(roster(&after), 5);
    assert_eq!(participated(&after), 0);

    // A check-in of the five: shown once the figures read after it are due.
    let read_at = ttl_ms();
    check_in(store, &people).await;
    let before = figures
        .of(store, &code, later(read_at + ttl_ms() - 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(participated(&before), 0);
    let after = figures
        .of(store, &code, later(read_at + ttl_ms()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(participated(&after), 5);

    // An unknown unit is none, and not kept.
    let unknown = UnitCode::parse("99999").unwrap();
    assert!(figures.of(store, &unknown, NOW).await.unwrap().is_none());
}
