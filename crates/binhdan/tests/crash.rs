//! A crash in the middle of `binhdan import people` leaves nothing half-imported: the binary is
//! killed (SIGKILL, no chance to clean up) once it has read half the file, so that many batches
//! have been written into its transaction; the store then opens with no person, no audit
//! record and no roster counter, and the same import run again completes.
//!
//! The file is kept small enough for a debug build (a debug `binhdan` imports about 5,000 rows
//! a second): its uncommitted rows then stay in SQLite's page cache (32 MB) rather than spill
//! into the WAL, which a file of several hundred thousand rows would show as well.
//!
//! Killing *during the commit* is not tested: nothing the binary does from outside tells when
//! the commit begins (the last batch, the counters, the audit record and `COMMIT` follow each
//! other within milliseconds), so such a test would not be deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "deadlines for a real server, on the monotonic clock"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use binhdan_core::Secret;
use binhdan_core::kpi::Group;
use binhdan_core::reference;
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_store::{Store, StoreConfig};

/// Rows of the file: 30 batches of the import's 2,000.
const ROWS: u32 = 60_000;
/// Years of birth cycle over 1940..=2020; people born in 2008 or before are adults on the
/// evaluation date (2026-12-31).
const FIRST_YEAR: u32 = 1940;
const YEARS: u32 = 81;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("db.sqlite")
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.db().display())
    }

    fn csv(&self) -> PathBuf {
        self.dir.path().join("big.csv")
    }

    fn wal_len(&self) -> u64 {
        std::fs::metadata(self.dir.path().join("db.sqlite-wal")).map_or(0, |m| m.len())
    }

    fn binhdan(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_binhdan"));
        c.args(["--lang", "en"])
            .args(args)
            .current_dir(self.dir.path())
            .env("BINHDAN_DATABASE_URL", self.url())
            .env("BINHDAN_KEYS_FILE", self.dir.path().join("keys.toml"))
            .env_remove("BINHDAN_CONFIG")
            .env_remove("BINHDAN_VAULT")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.binhdan(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "binhdan {args:?}: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    async fn store(&self) -> std::sync::Arc<dyn Store> {
        let config = StoreConfig {
            url: Secret::new(self.url()),
            ..StoreConfig::default()
        };
        binhdan_store::connect(&config).await.unwrap()
    }
}

/// How far process `pid` has read `file` (its offset in the file), if it has the file open.
fn read_offset(pid: u32, file: &Path) -> Option<u64> {
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        if std::fs::read_link(fd.path()).ok().as_deref() == Some(file) {
            let info =
                std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.file_name().display()))
                    .ok()?;
            return info
                .lines()
                .find_map(|l| l.strip_prefix("pos:"))
                .and_then(|p| p.trim().parse().ok());
        }
    }
    None
}

/// The communes of Thanh Hóa (38) in the embedded map.
fn thanh_hoa_communes() -> Vec<UnitCode> {
    let province = UnitCode::parse("38").unwrap();
    let communes: Vec<UnitCode> = reference::admin_units()
        .unwrap()
        .into_iter()
        .filter(|u| u.level == UnitLevel::Commune && u.parent_code.as_ref() == Some(&province))
        .map(|u| u.code)
        .collect();
    assert_eq!(communes.len(), 166, "Thanh Hóa's communes since July 2025");
    assert!(communes.iter().any(|c| c.as_str() == "16591"));
    communes
}

/// Writes `rows` valid people, streamed, each in one of the communes. Every CCCD is distinct
/// and agrees with the year of birth and the sex: row `i` is born in year `i mod 81`, its sex
/// is the next digit of `i` in base 2, and the last six digits are what is left of `i`.
fn write_roster(path: &Path, rows: u32, communes: &[UnitCode]) -> u32 {
    const SURNAMES: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Bùi", "Đỗ"];
    const GIVEN: [&str; 8] = [
        "Hòa", "Hương", "Dũng", "Thủy", "Lượng", "Yến", "Đức", "Ngọc",
    ];
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "Họ và tên,Số CCCD,Ngày sinh,Giới tính,Mã xã").unwrap();
    let mut adults = 0;
    for i in 0..rows {
        let year = FIRST_YEAR + i % YEARS;
        let female = (i / YEARS) % 2 == 1;
        let serial = i / (YEARS * 2);
        let digit = u32::from(year >= 2000) * 2 + u32::from(female);
        let (middle, sex) = if female {
            ("Thị", "Nữ")
        } else {
            ("Văn", "Nam")
        };
        writeln!(
            out,
            "{} {middle} {},038{digit}{:02}{serial:06},{:02}/{:02}/{year},{sex},{}",
            SURNAMES[(i % 8) as usize],
            GIVEN[(i / 8 % 8) as usize],
            year % 100,
            1 + i % 28,
            1 + i % 12,
            communes[i as usize % communes.len()].as_str(),
        )
        .unwrap();
        if year <= 2008 {
            adults += 1;
        }
    }
    out.flush().unwrap();
    adults
}

async fn province_roster(store: &dyn Store) -> Vec<(Group, u64)> {
    let province = store
        .unit(&UnitCode::parse("38").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .roster_under(&province.path, province.level, &province.code)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_leaves_nothing_and_the_same_import_then_completes() {
    let env = Env::new();
    let communes = thanh_hoa_communes();
    let adults = write_roster(&env.csv(), ROWS, &communes);
    // As /proc shows the files a process has open.
    let csv = env.csv().canonicalize().unwrap();
    let size = std::fs::metadata(&csv).unwrap().len();
    env.run(&["migrate"]);

    // Import, and kill it once it has read half the file: 15 batches written, uncommitted.
    let started = Instant::now();
    let mut child = env
        .binhdan(&["import", "people", "big.csv", "--unit", "38"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the import ended by itself ({status}) after {:?}, before it could be killed",
                started.elapsed()
            );
        }
        if read_offset(child.id(), &csv).is_some_and(|at| at >= size / 2) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_mins(1),
            "the import did not read half the file in a minute"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Still running: this kill is the crash (SIGKILL on Unix).
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import ended by itself"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed, not finished: {status}");
    println!(
        "killed after {:?}, with {} bytes in the WAL",
        started.elapsed(),
        env.wal_len()
    );

    // Nothing of it is visible.
    let store = env.store().await;
    assert!(
        store
            .people_under("38/", "", None, 10)
            .await
            .unwrap()
            .is_empty(),
        "no person of the killed import"
    );
    assert_eq!(store.audit_head().await.unwrap().0, 0, "no audit record");
    assert!(store.audit_records(0, 10).await.unwrap().is_empty());
    assert!(
        province_roster(store.as_ref()).await.is_empty(),
        "no counter"
    );
    let commune = store.unit(&communes[0]).await.unwrap().unwrap();
    assert!(
        store
            .roster_under(&commune.path, commune.level, &commune.code)
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await;

    // The same import again: it completes, with every row new.
    let started = Instant::now();
    let stdout = env.run(&["import", "people", "big.csv", "--unit", "38"]);
    assert!(
        stdout.contains(&format!(
            "Imported {ROWS} rows: {ROWS} new people, 0 updated"
        )),
        "{stdout}"
    );
    println!("the import again took {:?}", started.elapsed());
    let store = env.store().await;
    assert_eq!(
        province_roster(store.as_ref()).await,
        vec![(Group::Adult, u64::from(adults))]
    );
    let records = store.audit_records(0, 10).await.unwrap();
    assert_eq!(records.len(), 1, "one import, one audit record");
    assert_eq!(records[0].action, "person.import");
    assert!(
        records[0].detail.contains(&format!("\"added\":{ROWS}")),
        "{}",
        records[0].detail
    );
    let commune = store.unit(&communes[0]).await.unwrap().unwrap();
    assert_eq!(
        store
            .people_under(&commune.path, "", None, 10)
            .await
            .unwrap()
            .len(),
        10
    );
    store.close().await;
}
