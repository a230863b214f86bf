//! The `people-import` scenario: `binhdan import people` of a province's roster (by default a
//! million rows) into a fresh SQLite store, beside a baseline measured in the same process —
//! reading and checking the same file with no vault and no store. Then the same file again, to
//! show what a re-import (every row unchanged) costs. Peak resident memory is read from
//! `/proc/self/status` per phase, and sampled during the import, to show it stays flat; CPU
//! time (all threads) is shown beside wall time, as this machine may be busy with other work.
//!
//! With `--parts`, the store's share is measured too: the same rows, read and sealed as the
//! import does, written straight through [`PeopleImport`](binhdan_store::PeopleImport) in a
//! second fresh store, timing only `write` and `commit` (then, with every row unchanged, `write`
//! alone, rolled back).

use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use binhdan_app::demo::{self, DemoOptions};
use binhdan_app::people::{PeopleImportOptions, PeopleImportReport, RejectPolicy, Roster};
use binhdan_core::audit::AuditEntry;
use binhdan_core::people::{
    BirthDate, CccdRepeats, Date, PERSON_FIELDS, PersonRules, parse_person_row,
};
use binhdan_core::unit::UnitCode;
use binhdan_core::{Msg, Secret, Timestamp};
use binhdan_store::{PersonRecord, Store, StoreConfig};
use binhdan_vault::{Vault, VaultConfig};
use binhdan_web::{Clock, SystemClock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const NAME: &str = "people-import";

/// The province of the demo (Thanh Hóa) and the day ages are computed on.
const PROVINCE: &str = "38";
const EVALUATION: (i32, u32, u32) = (2026, 12, 31);
/// Inhabitants of the demo province: only its villages matter here.
const DEMO_PEOPLE: u64 = 100_000;

/// One measured phase.
struct Phase {
    name: &'static str,
    rows: u64,
    elapsed: Duration,
    /// CPU time of the whole process (all threads) during the phase, when readable: on a
    /// machine shared with other work, wall time alone misleads.
    cpu: Option<f64>,
    /// Peak resident memory during the phase, in MiB (`None` if /proc is not readable).
    peak_mib: Option<f64>,
}

pub fn run(rt: &tokio::runtime::Runtime, rows: u64, parts: bool) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let province = UnitCode::from_stored(PROVINCE.to_owned());
    let now = SystemClock.now();
    let store = rt.block_on(demo_store(&dir.path().join("people.db"), &province, now))?;
    let (villages, communes) = rt.block_on(village_codes(store.as_ref(), &province))?;
    anyhow::ensure!(!villages.is_empty(), "the demo province has no villages");

    let csv = dir.path().join("nguoi-dan.csv");
    let started = Instant::now();
    let bytes = write_roster(&csv, rows, &villages, 2026)?;
    println!(
        "# {NAME} [sqlite]: {rows} rows, {:.1} MiB of CSV written in {:.1} s, into {} villages of \
         {communes} communes (province {PROVINCE}); batches of {}",
        bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64(),
        villages.len(),
        binhdan_app::people::BATCH
    );

    let evaluation_date = Date::new(EVALUATION.0, EVALUATION.1, EVALUATION.2)
        .context("the evaluation date is a real day")?;
    let rules = PersonRules {
        evaluation_date,
        allow_year_only: false,
    };
    let vault = Vault::new(&VaultConfig::generate(&mut rand::rng()))
        .map_err(|e| anyhow::anyhow!("vault: {e}"))?;

    let mut phases = Vec::new();
    phases.push(measure("read + parse only (baseline)", || {
        parse_only(&csv, &rules)
    })?);
    phases.push(measure("read + parse + seal (no store)", || {
        parse_and_seal(&csv, &rules, &vault)
    })?);

    let options = PeopleImportOptions {
        roster: Roster::Unit(province.clone()),
        rejects: RejectPolicy::AllOrNothing,
        dry_run: false,
        evaluation_date,
        allow_year_only: false,
        actor: "bench".to_owned(),
        // As an official of the province would import it: within the province.
        reach: binhdan_store::Reach::unit(format!("{province}/")),
        cancel: binhdan_tabular::Cancel::default(),
    };
    let samples: Arc<Mutex<Vec<(u64, f64)>>> = Arc::default();
    let mut reports = Vec::new();
    for name in ["import (every row new)", "re-import (every row unchanged)"] {
        samples
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .clear();
        let mut report = None;
        phases.push(measure(name, || {
            let r = import(
                rt,
                store.as_ref(),
                &vault,
                &csv,
                &options,
                rows,
                &samples,
                now,
            )?;
            let n = r.rows;
            report = Some(r);
            Ok(n)
        })?);
        if let Some(r) = report {
            reports.push((name, r));
        }
        let samples = samples.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        if !samples.is_empty() {
            let shown: Vec<String> = samples
                .iter()
                .map(|(n, mib)| format!("{}k {mib:.0}", n / 1000))
                .collect();
            println!("#   {name}: RSS MiB after rows: {}", shown.join(", "));
        }
    }

    if parts {
        // In a store of their own, as fresh as the import's was.
        let parts_store = rt.block_on(demo_store(&dir.path().join("parts.db"), &province, now))?;
        for (name, commit) in [
            ("  store writes alone (rows new)", true),
            ("  store writes alone (rows unchanged)", false),
        ] {
            let mut spent = (Duration::ZERO, None);
            let mut phase = measure(name, || {
                let (n, wall, cpu) =
                    store_only(rt, parts_store.as_ref(), &vault, &csv, &rules, commit, now)?;
                spent = (wall, cpu);
                Ok(n)
            })?;
            // Only the time spent in the store counts (not reading and sealing the rows).
            (phase.elapsed, phase.cpu) = spent;
            phases.push(phase);
        }
        rt.block_on(parts_store.close());
    }

    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>10} {:>13} {:>8}",
        "phase", "rows", "wall s", "CPU s", "rows/s", "peak RSS MiB", "ratio"
    );
    let baseline = phases[0].elapsed.as_secs_f64().max(1e-9);
    for p in &phases {
        let secs = p.elapsed.as_secs_f64().max(1e-9);
        println!(
            "{:<36} {:>9} {:>9.2} {:>9} {:>10.0} {:>13} {:>7.1}×",
            p.name,
            p.rows,
            secs,
            p.cpu.map_or_else(|| "?".to_owned(), |c| format!("{c:.2}")),
            p.rows as f64 / secs,
            p.peak_mib
                .map_or_else(|| "?".to_owned(), |m| format!("{m:.0}")),
            secs / baseline
        );
    }
    for (name, r) in &reports {
        println!(
            "#   {name}: added {}, updated {}, unchanged {}, rejected {}",
            r.written.added, r.written.updated, r.written.unchanged, r.rejected
        );
    }
    let db_mib = ["people.db", "people.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.path().join(f)).ok())
        .map(|m| m.len() as f64 / 1_048_576.0)
        .sum::<f64>();
    println!("#   database on disk (with its WAL): {db_mib:.0} MiB");
    rt.block_on(store.close());
    Ok(())
}

/// A fresh SQLite store at `path` with the map and the demo province's villages.
async fn demo_store(
    path: &Path,
    province: &UnitCode,
    now: Timestamp,
) -> anyhow::Result<Arc<dyn Store>> {
    let config = StoreConfig {
        url: Secret::new(format!("sqlite://{}", path.display())),
        ..StoreConfig::default()
    };
    let store = binhdan_store::connect(&config).await?;
    binhdan_app::bootstrap::load_map(store.as_ref(), now).await?;
    let options = DemoOptions {
        province: province.clone(),
        people: DEMO_PEOPLE,
        seed: 2026,
    };
    demo::build(store.as_ref(), &options, now)
        .await
        .map_err(|e| anyhow::anyhow!("building the demo province: {e}"))?;
    Ok(store)
}

/// Runs one phase, with the peak resident memory reset before it (Linux: `clear_refs` 5).
fn measure(name: &'static str, f: impl FnOnce() -> anyhow::Result<u64>) -> anyhow::Result<Phase> {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let cpu = cpu_seconds();
    let started = Instant::now();
    let rows = f().with_context(|| name)?;
    let elapsed = started.elapsed();
    Ok(Phase {
        name,
        rows,
        elapsed,
        cpu: cpu.zip(cpu_seconds()).map(|(a, b)| b - a),
        peak_mib: if reset { status_mib("VmHWM:") } else { None },
    })
}

/// A figure of `/proc/self/status` (kB) in MiB: `VmHWM:` (peak) or `VmRSS:` (now).
fn status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: f64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// User and system CPU time of this process so far, all threads (`/proc/self/stat`, in
/// clock ticks of 1/100 s, the `USER_HZ` of Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is the 3rd field, utime the
    // 14th and stime the 15th.
    let mut fields = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// The village codes of the province, and how many communes hold them.
async fn village_codes(
    store: &dyn Store,
    province: &UnitCode,
) -> anyhow::Result<(Vec<String>, usize)> {
    let mut villages = Vec::new();
    let communes = store.children(Some(province)).await?;
    for c in &communes {
        villages.extend(
            store
                .children(Some(&c.code))
                .await?
                .into_iter()
                .map(|v| v.code.as_str().to_owned()),
        );
    }
    Ok((villages, communes.len()))
}

fn columns_and_rows(
    table: &mut binhdan_tabular::Table,
) -> anyhow::Result<(binhdan_tabular::Rows<'_>, binhdan_core::import::Columns)> {
    let mut rows = table.rows()?;
    let (_, columns) = rows
        .find_columns(&PERSON_FIELDS)
        .map_err(|e| anyhow::anyhow!("header: {e:?}"))?;
    Ok((rows, columns))
}

/// The baseline: what reading and checking every row costs, with no vault and no store.
fn parse_only(path: &Path, rules: &PersonRules) -> anyhow::Result<u64> {
    let mut table = binhdan_tabular::open(path)?;
    let (rows, columns) = columns_and_rows(&mut table)?;
    let mut n = 0;
    for row in rows {
        let row = row?;
        if row.is_blank() {
            continue;
        }
        n += 1;
        let number = row.number;
        let cells = row.into_texts();
        parse_person_row(&columns, number, &cells, rules)
            .map_err(|e| anyhow::anyhow!("row {number}: {e:?}"))?;
    }
    Ok(n)
}

/// The baseline plus what the import does before the store: repeated numbers, sealing and
/// hashing the CCCD, the name's search key.
fn parse_and_seal(path: &Path, rules: &PersonRules, vault: &Vault) -> anyhow::Result<u64> {
    let mut table = binhdan_tabular::open(path)?;
    let (rows, columns) = columns_and_rows(&mut table)?;
    let mut repeats = CccdRepeats::new();
    let mut rng = rand::rng();
    let mut n = 0;
    let mut sink = 0u64;
    for row in rows {
        let row = row?;
        if row.is_blank() {
            continue;
        }
        n += 1;
        let number = row.number;
        let cells = row.into_texts();
        let person = parse_person_row(&columns, number, &cells, rules)
            .map_err(|e| anyhow::anyhow!("row {number}: {e:?}"))?;
        if let Some(e) = repeats.check(&person, &columns) {
            anyhow::bail!("row {number}: {e:?}");
        }
        let sealed = vault
            .encrypt(&person.cccd, &mut rng)
            .map_err(|e| anyhow::anyhow!("row {number}: {e}"))?;
        let hash = vault.lookup_hash(&person.cccd);
        let key = binhdan_core::text::search_key(person.name.as_str());
        // Keep the work from being optimised away.
        sink = sink
            .wrapping_add(sealed.as_bytes().len() as u64)
            .wrapping_add(u64::from(hash[0]))
            .wrapping_add(key.len() as u64);
    }
    std::hint::black_box(sink);
    Ok(n)
}

/// The store's share of an import (`--parts`): the rows are read, checked and sealed as the
/// import does, and written with [`PeopleImport`]; returns the rows, and the wall and CPU
/// time spent in `write` and `commit` only. With `commit` false the transaction is rolled
/// back instead, leaving the store as it was.
fn store_only(
    rt: &tokio::runtime::Runtime,
    store: &dyn Store,
    vault: &Vault,
    path: &Path,
    rules: &PersonRules,
    commit: bool,
    now: Timestamp,
) -> anyhow::Result<(u64, Duration, Option<f64>)> {
    let mut table = binhdan_tabular::open(path)?;
    let (rows, columns) = columns_and_rows(&mut table)?;
    let mut rng = rand::rng();
    let mut import = rt.block_on(store.begin_people_import(
        binhdan_app::people::adult_cutoff(rules.evaluation_date),
        now,
    ))?;
    let mut batch = Vec::with_capacity(binhdan_app::people::BATCH);
    let mut wall = Duration::ZERO;
    let mut cpu = Some(0.0);
    // Times one call into the store.
    let mut timed = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<()> {
        let (started, before) = (Instant::now(), cpu_seconds());
        f()?;
        wall += started.elapsed();
        cpu = cpu
            .zip(before.zip(cpu_seconds()))
            .map(|(c, (a, b))| c + b - a);
        Ok(())
    };
    let mut n = 0;
    for row in rows {
        let row = row?;
        if row.is_blank() {
            continue;
        }
        n += 1;
        let number = row.number;
        let cells = row.into_texts();
        let p = parse_person_row(&columns, number, &cells, rules)
            .map_err(|e| anyhow::anyhow!("row {number}: {e:?}"))?;
        let sealed = vault
            .encrypt(&p.cccd, &mut rng)
            .map_err(|e| anyhow::anyhow!("row {number}: {e}"))?;
        let (birth_year, birth_day) = match p.birth {
            BirthDate::Full(d) => (d.year(), Some(d.days_since_epoch())),
            BirthDate::YearOnly(y) => (y, None),
        };
        batch.push(PersonRecord {
            cccd_hash: vault.lookup_hash(&p.cccd),
            cccd_sealed: sealed.into_bytes(),
            cccd_masked: p.cccd.masked(),
            name: p.name.as_str().to_owned(),
            birth_year,
            birth_day,
            sex: p.sex,
            unit: p.unit.context("every generated row names its village")?,
            phone: p.phone.map(|p| p.as_str().to_owned()),
            membership: None,
        });
        if batch.len() >= binhdan_app::people::BATCH {
            timed(&mut || {
                rt.block_on(import.write(&batch))?;
                Ok(())
            })?;
            batch.clear();
        }
    }
    timed(&mut || {
        rt.block_on(import.write(&batch))?;
        Ok(())
    })?;
    if commit {
        let mut import = Some(import);
        timed(&mut || {
            if let Some(i) = import.take() {
                rt.block_on(i.commit(AuditEntry::new("bench", "person.import")))?;
            }
            Ok(())
        })?;
    } else {
        rt.block_on(import.rollback())?;
    }
    Ok((n, wall, cpu))
}

#[allow(clippy::too_many_arguments)] // the scenario's whole context, passed once
fn import(
    rt: &tokio::runtime::Runtime,
    store: &dyn Store,
    vault: &Vault,
    path: &Path,
    options: &PeopleImportOptions,
    rows: u64,
    samples: &Arc<Mutex<Vec<(u64, f64)>>>,
    now: Timestamp,
) -> anyhow::Result<PeopleImportReport> {
    let render: binhdan_app::people::Render = Arc::new(|m: &Msg| format!("{m:?}"));
    // Resident memory at every tenth of the file.
    let step = (rows / 10).max(1);
    let progress = {
        let samples = samples.clone();
        move |n: u64| {
            if n > 0
                && (n % step < binhdan_app::people::BATCH as u64 || n == rows)
                && let (Some(mib), Ok(mut s)) = (status_mib("VmRSS:"), samples.lock())
                && s.last()
                    .is_none_or(|(last, _)| n / step != last / step || n == rows)
            {
                s.push((n, mib));
            }
        }
    };
    let result = rt.block_on(binhdan_app::people::import_people(
        store, vault, path, options, render, &progress, now,
    ));
    match result {
        Ok(report) => Ok(report),
        Err(binhdan_app::ImportFailure::Rows(errors)) => {
            let first: Vec<String> = errors.iter().take(5).map(|e| format!("{e:?}")).collect();
            anyhow::bail!("{} rows refused: {}", errors.len(), first.join("; "))
        }
        Err(binhdan_app::ImportFailure::Store(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// A synthetic roster, as a commune's officials would export it

const SURNAMES: [&str; 16] = [
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Trịnh",
];
const MIDDLE_MALE: [&str; 8] = ["Văn", "Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân"];
const MIDDLE_FEMALE: [&str; 8] = [
    "Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Phương",
];
const GIVEN_MALE: [&str; 24] = [
    "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Mạnh",
    "Nam", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Thành", "Trung", "Tuấn", "Việt", "Vinh",
    "Lượng",
];
const GIVEN_FEMALE: [&str; 24] = [
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hòa", "Hương", "Huyền", "Lan",
    "Linh", "Loan", "Mai", "My", "Ngân", "Nga", "Nhung", "Oanh", "Quỳnh", "Thảo", "Thủy", "Yến",
];
/// Provinces of birth registration: most people of Thanh Hóa were born there.
const BIRTH_PROVINCES: [&str; 6] = ["038", "040", "037", "036", "001", "079"];
const MOBILE_PREFIXES: [&str; 10] = ["09", "03", "08", "07", "05", "09", "03", "08", "09", "03"];

/// Writes `rows` people, streamed, and returns the file's size. CCCDs are unique and agree
/// with the date of birth and the sex; about 40% of rows have a phone number, written as
/// people write them.
fn write_roster(path: &Path, rows: u64, villages: &[String], seed: u64) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    // Excel's BOM, as exported files have.
    out.write_all("\u{feff}".as_bytes())?;
    writeln!(
        out,
        "STT,Họ và tên,Số CCCD,Ngày sinh,Giới tính,Mã thôn,Số điện thoại"
    )?;
    // Serial numbers per (province of birth, century and sex digit, two-digit year), spread
    // over the six last digits by a bijection of 0..10^6 (multiplying by a number prime to 10).
    let mut serials = vec![0u32; BIRTH_PROVINCES.len() * 4 * 100];
    for i in 1..=rows {
        let female = rng.random_bool(0.51);
        let province = if rng.random_bool(0.85) {
            0
        } else {
            rng.random_range(1..BIRTH_PROVINCES.len())
        };
        let (year, serial) = loop {
            let year: u32 = rng.random_range(1940..=2020);
            let digit = u32::from(year >= 2000) * 2 + u32::from(female);
            let slot = (province * 4 + digit as usize) * 100 + (year % 100) as usize;
            if serials[slot] < 1_000_000 {
                serials[slot] += 1;
                break (year, serials[slot] - 1);
            }
        };
        let digit = u32::from(year >= 2000) * 2 + u32::from(female);
        let last6 = (u64::from(serial) * 737_373 + 123_457) % 1_000_000;
        let (middle, given) = if female {
            (&MIDDLE_FEMALE, &GIVEN_FEMALE)
        } else {
            (&MIDDLE_MALE, &GIVEN_MALE)
        };
        write!(
            out,
            "{i},{} {}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            middle[rng.random_range(0..middle.len())]
        )?;
        if rng.random_bool(0.1) {
            write!(out, " {}", middle[rng.random_range(0..middle.len())])?;
        }
        write!(
            out,
            " {},{}{digit}{:02}{last6:06},{:02}/{:02}/{year},{},{},",
            given[rng.random_range(0..given.len())],
            BIRTH_PROVINCES[province],
            year % 100,
            rng.random_range(1..=28u32),
            rng.random_range(1..=12u32),
            if female { "Nữ" } else { "Nam" },
            villages[rng.random_range(0..villages.len())],
        )?;
        if rng.random_bool(0.4) {
            let prefix = MOBILE_PREFIXES[rng.random_range(0..MOBILE_PREFIXES.len())];
            let n: u32 = rng.random_range(0..100_000_000);
            match rng.random_range(0..10) {
                0 => write!(
                    out,
                    "+84 {} {:03} {:05}",
                    &prefix[1..],
                    n / 100_000,
                    n % 100_000
                )?,
                1 => write!(
                    out,
                    "{prefix}{:02}.{:03}.{:03}",
                    n / 1_000_000,
                    n / 1000 % 1000,
                    n % 1000
                )?,
                _ => write!(out, "{prefix}{n:08}")?,
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}
