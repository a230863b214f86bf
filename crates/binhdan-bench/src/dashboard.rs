//! `--only dashboard`: the campaign's dashboards at province scale (default Thanh Hóa, 3.7
//! million people on SQLite). Every person is registered in a village (one import, as the
//! people import writes them); then:
//!
//! - the counter update cost per fact: a lesson completed (the fact, its `learner_mark`, the
//!   village's, commune's, daily and organisation counters in one transaction), timed at 10,000
//!   people and again at full scale — the ratio shows it does not grow with the population;
//! - dashboard and ranking reads, p50/p99: the province's communes' figures, the whole
//!   province dashboard (K3: summary, 166 communes ranked, 30-day trend), a commune's
//!   dashboard — beside the same numbers computed by a GROUP BY over the people, checked equal.

use std::sync::Arc;
use std::time::Instant;

use binhdan_app::demo::{self, DemoOptions};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::{Group, Kpi};
use binhdan_core::unit::UnitCode;
use binhdan_core::{Secret, Timestamp};
use binhdan_store::{AdultCutoff, PersonRecord, Store, StoreConfig};
use binhdan_web::Clock;
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const NAME: &str = "dashboard";

/// Facts timed at each scale.
const FACTS: usize = 2_000;

fn record(i: u64, village: &UnitCode, rng: &mut StdRng) -> PersonRecord {
    let mut hash = [0u8; 32];
    hash[..8].copy_from_slice(&i.to_le_bytes());
    hash[8] = 0xbd;
    PersonRecord {
        cccd_hash: hash,
        cccd_sealed: i.to_be_bytes().to_vec(),
        cccd_masked: "038*******00".to_owned(),
        name: format!("Người {i}"),
        birth_year: rng.random_range(1940..=2015),
        birth_day: None,
        sex: if i.is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        },
        unit: village.clone(),
        phone: None,
        membership: None,
    }
}

async fn register(
    store: &dyn Store,
    villages: &[UnitCode],
    from: u64,
    to: u64,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(from);
    let mut import = store.begin_people_import(cutoff, now).await?;
    let mut batch = Vec::with_capacity(binhdan_app::people::BATCH);
    for i in from..to {
        let v = &villages[rng.random_range(0..villages.len())];
        batch.push(record(i, v, &mut rng));
        if batch.len() == binhdan_app::people::BATCH {
            import.write(&batch).await?;
            batch.clear();
        }
    }
    import.write(&batch).await?;
    import
        .commit(AuditEntry::new("bench", "person.import"))
        .await?;
    Ok(())
}

/// `FACTS` first lessons completed by people never seen learning; microseconds per fact.
async fn lesson_facts(
    store: &dyn Store,
    lesson: &str,
    people: std::ops::Range<u64>,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> anyhow::Result<f64> {
    let mut ids = Vec::with_capacity(FACTS);
    let mut i = people.start;
    while ids.len() < FACTS && i < people.end {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&i.to_le_bytes());
        hash[8] = 0xbd;
        if let Some(p) = store.person_by_cccd_hash(&hash).await? {
            ids.push(p.summary.id);
        }
        i += 1;
    }
    let started = Instant::now();
    for id in &ids {
        store.complete_lesson(*id, lesson, cutoff, now).await?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / ids.len().max(1) as f64)
}

struct Latency {
    p50_ms: f64,
    p99_ms: f64,
    n: u64,
}

async fn time<F, Fut, T>(n: u32, mut f: F) -> anyhow::Result<(Latency, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut last = None;
    for _ in 0..n {
        let started = Instant::now();
        last = Some(f().await?);
        h.record(
            u64::try_from(started.elapsed().as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
        )?;
    }
    let last = last.ok_or_else(|| anyhow::anyhow!("no run"))?;
    Ok((
        Latency {
            p50_ms: h.value_at_quantile(0.5) as f64 / 1000.0,
            p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
            n: h.len(),
        },
        last,
    ))
}

pub fn run(rt: &tokio::runtime::Runtime, people: u64, reads: u32) -> anyhow::Result<()> {
    rt.block_on(run_async(people, reads))
}

async fn run_async(people: u64, reads: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dashboard.db");
    let config = StoreConfig {
        url: Secret::new(format!("sqlite://{}", path.display())),
        ..StoreConfig::default()
    };
    let store: Arc<dyn Store> = binhdan_store::connect(&config).await?;
    let now = binhdan_web::SystemClock.now();
    let province = UnitCode::parse("38").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    demo::build(
        store.as_ref(),
        &DemoOptions {
            province: province.clone(),
            people,
            seed: 2026,
        },
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo: {e}"))?;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(store.as_ref(), &content, now)
        .await
        .map_err(|e| anyhow::anyhow!("content: {e:?}"))?;
    let lesson = store
        .course_outline("cong-dan")
        .await?
        .and_then(|o| {
            o.modules
                .first()
                .and_then(|m| m.lessons.first().map(|l| l.id.clone()))
        })
        .ok_or_else(|| anyhow::anyhow!("no lesson"))?;
    let communes = store.children(Some(&province)).await?;
    let mut villages = Vec::new();
    for c in &communes {
        villages.extend(
            store
                .children(Some(&c.code))
                .await?
                .into_iter()
                .map(|v| v.code),
        );
    }
    let cutoff = binhdan_app::people::adult_cutoff(
        binhdan_core::people::Date::new(2026, 12, 31).ok_or_else(|| anyhow::anyhow!("date"))?,
    );
    println!(
        "# {NAME}: SQLite, {people} people in {} villages of {} communes; {FACTS} facts per scale, {reads} reads per figure",
        villages.len(),
        communes.len()
    );

    // The counter update cost per fact, small then full scale.
    let small = 10_000.min(people);
    register(store.as_ref(), &villages, 0, small, cutoff, now).await?;
    let at_small = lesson_facts(store.as_ref(), &lesson, 0..small, cutoff, now).await?;
    let started = Instant::now();
    let chunk = 500_000;
    let mut from = small;
    while from < people {
        let to = (from + chunk).min(people);
        register(store.as_ref(), &villages, from, to, cutoff, now).await?;
        from = to;
    }
    let import_secs = started.elapsed().as_secs_f64();
    let at_full = lesson_facts(store.as_ref(), &lesson, small..people, cutoff, now).await?;
    println!(
        "registered {} people in {:.1} s ({:.0}/s)",
        people - small,
        import_secs,
        (people - small) as f64 / import_secs.max(1e-9)
    );
    println!(
        "{:<58} {:>10} {:>8}",
        "counter update cost per fact (a lesson completed)", "µs/fact", "ratio"
    );
    println!(
        "{:<58} {:>10.0} {:>7.2}x",
        format!("  at {small} people"),
        at_small,
        1.0
    );
    println!(
        "{:<58} {:>10.0} {:>7.2}x",
        format!("  at {people} people"),
        at_full,
        at_full / at_small.max(1e-9)
    );

    // Reads.
    let day = binhdan_core::people::Date::from_timestamp_vietnam(now)
        .map_or(0, binhdan_core::people::Date::days_since_epoch);
    let lineage = store.lineage(&province).await?;
    let commune_lineage = store.lineage(&communes[0].code).await?;
    let (children, figures) = time(reads, || async {
        Ok(store
            .children_figures(&province, Group::Adult, "roster", day - 7)
            .await?)
    })
    .await?;
    let (province_dash, _) = time(reads, || async {
        binhdan_app::dashboard::dashboard(store.as_ref(), &lineage, Kpi::K3, now)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no dashboard"))
    })
    .await?;
    let (commune_dash, _) = time(reads, || async {
        binhdan_app::dashboard::dashboard(store.as_ref(), &commune_lineage, Kpi::K3, now)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no dashboard"))
    })
    .await?;
    // The same adults per commune, by a GROUP BY over the people.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
    let year_only = binhdan_core::people::Date::from_days_since_epoch(cutoff.0).map_or(0, |d| {
        if (d.month(), d.day()) == (12, 31) {
            d.year()
        } else {
            d.year() - 1
        }
    });
    let (scan, counted) = time(reads.min(5), || async {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT u.parent_code, COUNT(*) FROM person p JOIN unit u ON u.code = p.unit_code \
             WHERE (p.birth_day IS NOT NULL AND p.birth_day <= ?1) OR (p.birth_day IS NULL AND p.birth_year <= ?2) \
             GROUP BY u.parent_code",
        )
        .bind(cutoff.0)
        .bind(year_only)
        .fetch_all(&pool)
        .await?;
        Ok(rows)
    })
    .await?;
    pool.close().await;
    let equal = figures.iter().all(|f| {
        let by_scan = counted
            .iter()
            .find(|(c, _)| c == f.code.as_str())
            .map_or(0, |x| x.1);
        f.value == by_scan
    }) && counted.iter().map(|c| c.1).sum::<i64>()
        == figures.iter().map(|f| f.value).sum::<i64>();
    println!(
        "{:<58} {:>9} {:>9} {:>8}",
        "read", "p50 ms", "p99 ms", "vs scan"
    );
    for (name, l) in [
        ("166 communes' adults on the roster (counters)", &children),
        (
            "province dashboard, K3 (summary, ranking, trend)",
            &province_dash,
        ),
        ("commune dashboard, K3", &commune_dash),
        (
            "the same per commune by GROUP BY over people (baseline)",
            &scan,
        ),
    ] {
        println!(
            "{:<58} {:>9.2} {:>9.2} {:>7.4}x   (n = {})",
            name,
            l.p50_ms,
            l.p99_ms,
            l.p99_ms / scan.p99_ms.max(1e-9),
            l.n
        );
    }
    println!(
        "  counters and GROUP BY agree on every commune: {}",
        if equal { "yes" } else { "NO" }
    );
    store.close().await;
    drop(dir);
    if !equal {
        anyhow::bail!("the counters disagree with the GROUP BY");
    }
    Ok(())
}
