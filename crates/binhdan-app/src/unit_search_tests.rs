//! The search from memory answers exactly what the store's SQL answers, on both backends: the
//! national map and villages with names chosen to tie, share prefixes and differ only by
//! diacritics; queries with and without diacritics, partial words, a level, a subtree, limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::unit::{DivisionType, UnitCode, UnitLevel, UnitName};
use binhdan_store::testing::TestDb;
use binhdan_store::{NewVillage, UnitQuery, WriteMode};

use super::{UNITS_TTL, UnitSearch};

const NOW: Timestamp = Timestamp(1_764_000_000_000);

const VILLAGES: [(&str, &str); 12] = [
    ("16591", "Thôn Các Sơn"),
    ("16591", "Thôn Cac Son 2"),
    ("16591", "Bản Sơn"),
    ("16591", "Làng Son"),
    ("16591", "Thôn 1"),
    ("16591", "Thôn 10"),
    ("16378", "Thôn Các Sơn"),
    ("16378", "Tổ dân phố Đông Sơn"),
    ("16378", "Xóm Đồng"),
    ("16378", "Thôn 1"),
    ("16378", "Thôn Hạ"),
    ("16378", "Các Sơn"),
];

const QUERIES: [&str; 24] = [
    "cac son",
    "Các Sơn",
    "CÁC SƠN",
    "các",
    "son",
    "sơn",
    "ac so",
    "on",
    "o",
    "thon",
    "thôn 1",
    "1",
    "0",
    "dong",
    "đồng",
    "Đông Sơn",
    "thanh hoa",
    "Thanh Hóa",
    "xa",
    "phuong",
    "ha",
    "  thôn   các  ",
    "zzz",
    "!!",
];

fn query(text: &str, level: Option<UnitLevel>, within: Option<&str>, limit: u32) -> UnitQuery {
    UnitQuery {
        text: text.to_owned(),
        level,
        within: within.map(|c| UnitCode::parse(c).unwrap()),
        limit,
    }
}

#[tokio::test]
async fn the_search_from_memory_answers_what_the_store_answers() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::bootstrap::load_map(store, NOW).await.unwrap();
        let villages: Vec<NewVillage> = VILLAGES
            .iter()
            .map(|(commune, name)| NewVillage {
                commune: UnitCode::parse(commune).unwrap(),
                name: UnitName::parse(name).unwrap(),
                division_type: DivisionType::Thon,
            })
            .collect();
        store
            .create_villages(&villages, WriteMode::Commit, NOW)
            .await
            .unwrap();
        let search = UnitSearch::default();
        let mut compared = 0;
        for text in QUERIES {
            for level in [
                None,
                Some(UnitLevel::Province),
                Some(UnitLevel::Commune),
                Some(UnitLevel::Village),
            ] {
                for within in [None, Some("38"), Some("16591"), Some("99999")] {
                    for limit in [0, 1, 3, 30, 200, 1000] {
                        let q = query(text, level, within, limit);
                        let sql = store.search_units(&q).await.unwrap();
                        let memory = search.search(store, &q, NOW).await.unwrap();
                        let codes = |v: &[binhdan_core::unit::Unit]| {
                            v.iter().map(|u| u.code.to_string()).collect::<Vec<_>>()
                        };
                        assert_eq!(codes(&memory), codes(&sql), "{}: {q:?}", db.name);
                        assert_eq!(memory, sql, "{}: {q:?}", db.name);
                        compared += usize::from(!sql.is_empty());
                    }
                }
            }
        }
        assert!(compared > 300, "{compared} queries found something");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_village_is_found_once_forgotten_or_after_the_ttl() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::bootstrap::load_map(store, NOW).await.unwrap();
    let search = UnitSearch::default();
    let q = query("ban moi", None, None, 10);
    assert!(search.search(store, &q, NOW).await.unwrap().is_empty());
    let village = |name: &str| NewVillage {
        commune: UnitCode::parse("16591").unwrap(),
        name: UnitName::parse(name).unwrap(),
        division_type: DivisionType::Ban,
    };
    store
        .create_villages(&[village("Bản Mới")], WriteMode::Commit, NOW)
        .await
        .unwrap();
    // Created elsewhere: found once the list is older than the TTL.
    assert!(search.search(store, &q, NOW).await.unwrap().is_empty());
    let later = Timestamp(NOW.millis() + i64::try_from(UNITS_TTL.as_millis()).unwrap());
    assert_eq!(search.search(store, &q, later).await.unwrap().len(), 1);
    // Created here: found at once.
    store
        .create_villages(&[village("Bản Mới Hai")], WriteMode::Commit, later)
        .await
        .unwrap();
    search.forget();
    assert_eq!(search.search(store, &q, later).await.unwrap().len(), 2);
    db.cleanup().await;
}

/// Query time per search, SQL against memory, on the national map with 20 villages under every
/// commune (about 70,000 units). A measurement, not a check:
/// `cargo test -p binhdan-app --release unit_search::tests::figures -- --ignored --nocapture`
/// (with `BINHDAN_TEST_POSTGRES_URL` for PostgreSQL too).
#[tokio::test]
#[ignore = "a measurement: prints figures"]
#[allow(clippy::disallowed_methods)] // `Instant` times a benchmark
async fn figures() {
    const WORDS: [&str; 12] = [
        "Đông",
        "Tây",
        "Thượng",
        "Hạ",
        "Tân",
        "Phú",
        "Hòa",
        "Sơn",
        "Mường",
        "Khe",
        "Nà",
        "Lũng",
    ];
    const SEARCHES: [&str; 8] = [
        "cac son", "thon", "son", "dong", "ac so", "xa tan", "ban mu", "phuong",
    ];
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::bootstrap::load_map(store, NOW).await.unwrap();
        let communes: Vec<String> = binhdan_core::reference::admin_units()
            .unwrap()
            .into_iter()
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.code.as_str().to_owned())
            .collect();
        let mut villages = Vec::new();
        for (n, commune) in communes.iter().enumerate() {
            for i in 0..20 {
                let name = format!(
                    "{} {} {} {i}",
                    ["Thôn", "Bản", "Làng", "Xóm"][(n + i) % 4],
                    WORDS[(n * 7 + i) % WORDS.len()],
                    WORDS[(n + i * 5) % WORDS.len()]
                );
                villages.push(NewVillage {
                    commune: UnitCode::parse(commune).unwrap(),
                    name: UnitName::parse(&name).unwrap(),
                    division_type: DivisionType::Thon,
                });
            }
        }
        for chunk in villages.chunks(5_000) {
            store
                .create_villages(chunk, WriteMode::Commit, NOW)
                .await
                .unwrap();
        }
        let search = UnitSearch::default();
        let t = std::time::Instant::now();
        search
            .search(store, &query("x", None, None, 30), NOW)
            .await
            .unwrap();
        println!(
            "{}: {} villages; the list read in {:.1} ms",
            db.name,
            villages.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
        for text in SEARCHES {
            let q = query(text, None, None, 30);
            let (mut sql, mut memory) = (Vec::new(), Vec::new());
            for _ in 0..20 {
                let t = std::time::Instant::now();
                let a = store.search_units(&q).await.unwrap();
                sql.push(t.elapsed().as_secs_f64() * 1000.0);
                let t = std::time::Instant::now();
                let b = search.search(store, &q, NOW).await.unwrap();
                memory.push(t.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(a, b);
            }
            sql.sort_by(f64::total_cmp);
            memory.sort_by(f64::total_cmp);
            println!(
                "{}: {text:>8}: SQL {:.2}–{:.2} ms (median {:.2}); memory {:.3}–{:.3} ms (median {:.3})",
                db.name, sql[0], sql[19], sql[10], memory[0], memory[19], memory[10]
            );
        }
        db.cleanup().await;
    }
}
