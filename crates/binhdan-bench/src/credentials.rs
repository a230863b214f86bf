//! `--only credentials`: verifications per second per core and issuances per second.
//!
//! * The baseline, in the same process: one bare Ed25519 signature check of a message the
//!   size of a certificate's signing input (the cryptographic floor of any verifier).
//! * `verify_jwt`: the whole pure check of a real certificate (base64, JSON, header, key,
//!   signature, issuer, dates), on one thread: the per-core figure.
//! * `Issuer::verify`: the same plus the revocation lookup in the store (SQLite), on one task.
//! * Issuing: certificates for passes, each in its own transaction (certificate, outbox
//!   message, counters), one after the other on SQLite.

use std::sync::Arc;
use std::time::Instant;

use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;
use binhdan_store::{AdultCutoff, ExamKind, ExamResult, PersonRecord, Store, StoreConfig};
use binhdan_web::{Clock, SystemClock};

pub const NAME: &str = "credentials";

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);

/// Calls `f` for `seconds` on this thread; returns calls per second.
fn rate(seconds: f64, mut f: impl FnMut()) -> (u64, f64) {
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        for _ in 0..64 {
            f();
        }
        n += 64;
    }
    (n, n as f64 / started.elapsed().as_secs_f64())
}

pub fn run(rt: &tokio::runtime::Runtime, seconds: u64, passes: u32) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = StoreConfig {
        url: binhdan_core::Secret::new(format!("sqlite://{}", dir.path().join("c.db").display())),
        ..StoreConfig::default()
    };
    let store = rt.block_on(binhdan_store::connect(&config))?;
    let vault = Arc::new(binhdan_vault::Vault::new(
        &binhdan_vault::VaultConfig::generate(&mut rand::rng()),
    )?);
    let issuer = binhdan_app::certificates::Issuer::new(
        "https://binhdan.thanhhoa.gov.vn",
        "Ủy ban nhân dân tỉnh Thanh Hóa",
        vault.clone(),
    );
    let now = SystemClock.now();
    let ids = rt.block_on(passes_for(store.as_ref(), &vault, passes, now))?;

    println!(
        "# {NAME}: {passes} certificates issued on SQLite, then {seconds} s per verification figure, one thread each"
    );
    let started = Instant::now();
    let mut records = Vec::with_capacity(ids.len());
    for pass in &ids {
        records.push(rt.block_on(issuer.issue(store.as_ref(), pass, CUTOFF, now))?);
    }
    let issuing = started.elapsed().as_secs_f64();
    let token = records
        .first()
        .map(|r| r.jwt.clone())
        .ok_or_else(|| anyhow::anyhow!("no certificate"))?;

    // The baseline: a bare Ed25519 check of a message as long as the token's signing input.
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let message = token
        .rsplit_once('.')
        .map_or(token.as_bytes(), |(m, _)| m.as_bytes())
        .to_vec();
    let signature = ed25519_dalek::Signer::sign(&signing, &message);
    let public = signing.verifying_key();
    let secs = seconds as f64;
    let (_, base) = rate(secs, || {
        assert!(public.verify_strict(&message, &signature).is_ok());
    });
    let ring = rt.block_on(issuer.key_ring(store.as_ref()))?;
    let at = binhdan_credential::Timestamp::from_unix(now.millis() / 1000);
    let (_, pure) = rate(secs, || {
        assert!(binhdan_credential::verify_jwt(&token, &ring, at).is_valid());
    });
    let (_, full) = rate(secs, || {
        let v = rt
            .block_on(issuer.verify(store.as_ref(), &token, now))
            .map(|v| v.code());
        assert!(matches!(v, Ok("valid")));
    });
    println!("{:<44} {:>10} {:>8}", "figure", "per s", "ratio");
    println!(
        "{:<44} {:>10.0} {:>7.1}%",
        "Ed25519 verify alone (baseline, 1 core)", base, 100.0
    );
    println!(
        "{:<44} {:>10.0} {:>7.1}%",
        "certificate verify_jwt (1 core)",
        pure,
        100.0 * pure / base
    );
    println!(
        "{:<44} {:>10.0} {:>7.1}%",
        "Issuer::verify with revocation (1 task)",
        full,
        100.0 * full / base
    );
    println!(
        "{:<44} {:>10.0}",
        "issuances, SQLite, one after the other",
        f64::from(passes) / issuing
    );
    // The printable certificate: an A4 PDF with its QR code (what the learner downloads).
    let record = records
        .first()
        .ok_or_else(|| anyhow::anyhow!("no certificate"))?;
    let qr = rt.block_on(issuer.qr_link(store.as_ref(), record))?;
    let sheet = binhdan_pdf::Sheet {
        issuer: "Ủy ban nhân dân tỉnh Thanh Hóa".to_owned(),
        place: "Thanh Hóa".to_owned(),
        name: "Nguyễn Thị Hường".to_owned(),
        birth: "05/03/1958".to_owned(),
        achievement: "Kỹ năng số cho người dân".to_owned(),
        level: "Cơ bản 2".to_owned(),
        tasks: Vec::new(),
        issued: binhdan_pdf::Day {
            year: 2026,
            month: 11,
            day: 27,
        },
        serial: record.id.clone(),
        verify_url: issuer.certificate_url(&record.id),
        qr,
    };
    let mut pdf_bytes = 0;
    let (_, pdfs) = rate(secs.min(3.0), || {
        pdf_bytes = binhdan_pdf::render(&sheet, binhdan_pdf::Format::A4).map_or(0, |b| b.len());
        assert!(pdf_bytes > 0);
    });
    println!(
        "{:<44} {:>10.0} {:>7.1}%",
        "A4 PDF certificates rendered (1 core)",
        pdfs,
        100.0 * pdfs / base
    );
    println!(
        "  token {} bytes; PDF {} bytes; {} certificates stored",
        token.len(),
        pdf_bytes,
        records.len()
    );
    rt.block_on(store.close());
    Ok(())
}

/// `n` people who passed the adult exam (set-up, not timed).
async fn passes_for(
    store: &dyn Store,
    vault: &binhdan_vault::Vault,
    n: u32,
    now: Timestamp,
) -> anyhow::Result<Vec<binhdan_store::ExamPass>> {
    binhdan_app::bootstrap::load_map(store, now).await?;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(store, &content, now)
        .await
        .map_err(|e| anyhow::anyhow!("loading the curriculum: {e}"))?;
    let mut records = Vec::new();
    for i in 0..n {
        let cccd = Cccd::parse(&format!("038160{:06}", i + 1))?;
        records.push(PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng())?.into_bytes(),
            cccd_masked: cccd.masked(),
            name: format!("Người Thứ {i}"),
            birth_year: 1960,
            birth_day: Some(-3_650),
            sex: cccd.sex(),
            unit: UnitCode::parse("16591")?,
            phone: None,
            membership: None,
        });
    }
    let mut import = store.begin_people_import(CUTOFF, now).await?;
    import.write(&records).await?;
    import
        .commit(AuditEntry::new("bench", "person.import"))
        .await?;
    let exams = binhdan_app::exam::Exams::new(binhdan_app::exam::ExamConfig::default());
    let mut passes = Vec::new();
    for r in &records {
        let person = store
            .person_by_cccd_hash(&r.cccd_hash)
            .await?
            .ok_or_else(|| anyhow::anyhow!("person not stored"))?
            .summary
            .id;
        let binhdan_app::exam::Start::Sitting(a) = exams
            .start(store, person, Group::Adult, ExamKind::Certification, now)
            .await?
        else {
            anyhow::bail!("no sitting");
        };
        store
            .finish_exam(
                a.id,
                person,
                &ExamResult {
                    theta: 0.5,
                    se: 0.3,
                    passed: true,
                    timed_out: false,
                },
                CUTOFF,
                now,
            )
            .await?;
        passes.push(
            store
                .exam_pass(person, Group::Adult)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no pass"))?,
        );
    }
    Ok(passes)
}
