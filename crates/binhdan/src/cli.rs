//! The command line: `serve`, `migrate`, `demo`, `import`, `config`.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use binhdan_app::demo::{self, DemoError, DemoOptions};
use binhdan_app::{ImportFailure, ImportOptions, bootstrap};
use binhdan_core::unit::UnitCode;
use binhdan_i18n::Lang;
use binhdan_web::{AppState, Clock, SystemClock};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

#[derive(Parser)]
#[command(
    name = "binhdan",
    version,
    about = "Bình Dân — nền tảng Bình dân học vụ số / the Bình dân học vụ số platform"
)]
struct Cli {
    /// Configuration file (TOML). Default: $`BINHDAN_CONFIG`, or ./binhdan.toml if it exists.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Language of messages on the terminal: vi or en.
    #[arg(long, global = true, default_value = "vi")]
    lang: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Fill an empty database with a small demo province first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and load the official map, then exit.
    Migrate,
    /// Build a synthetic province (villages and population) for demos and benchmarks.
    Demo {
        /// Province code (GSO), default Thanh Hóa.
        #[arg(long, default_value = "38")]
        province: String,
        /// Inhabitants of the synthetic province (Thanh Hóa: 3,700,000).
        #[arg(long, default_value_t = binhdan_core::demo::THANH_HOA_PEOPLE)]
        people: u64,
        /// Seed of the random generator (the same seed gives the same province).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Demo learners registered 35 days ago who learn over the last 30 days (needs the
        /// curriculum: loaded from ./content when none is), so dashboards show progress.
        #[arg(long, default_value_t = 1000)]
        learners: u64,
    },
    /// Import data from a file.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Check or load the curriculum (content packs).
    Content {
        #[command(subcommand)]
        what: ContentWhat,
    },
    /// Schools, agencies, enterprises and cooperatives.
    Org {
        #[command(subcommand)]
        what: OrgWhat,
    },
    /// Staff accounts.
    Admin {
        #[command(subcommand)]
        what: AdminWhat,
    },
    /// The audit log of personal data.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
    },
    /// Item response theory on the recorded answers.
    Irt {
        #[command(subcommand)]
        what: IrtWhat,
    },
    /// The outbox of deliveries to VNeID (certificates issued and revoked).
    Outbox {
        #[command(subcommand)]
        what: OutboxWhat,
    },
    /// Certificates.
    Certificate {
        #[command(subcommand)]
        what: CertificateWhat,
    },
    /// The campaign's counters (what dashboards read).
    Counters {
        #[command(subcommand)]
        what: CountersWhat,
    },
    /// The progress report of a unit and everything below it (one sheet per level), as XLSX
    /// or CSV (UTF-8 with BOM), headed in the chosen language.
    Report {
        /// The unit (province, commune or village code).
        #[arg(long)]
        unit: String,
        /// `xlsx` or `csv`.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the effective configuration (secrets hidden).
    Config,
}

#[derive(Subcommand)]
enum CountersWhat {
    /// Recompute every counter from the facts (people, lessons, quizzes, exams, certificates)
    /// and set those that differ to the rebuilt value; with --check, only report. Exits 1 when
    /// a difference was found.
    Rebuild {
        #[arg(long)]
        check: bool,
    },
}

#[derive(Subcommand)]
enum CertificateWhat {
    /// Revoke a certificate (its UUID, with or without `urn:uuid:`): the holder's counter goes
    /// back, the revocation is audited and delivered to VNeID, the status list says so.
    Revoke {
        id: String,
        /// Why (1 to 500 characters), kept with the certificate and sent to VNeID.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum OutboxWhat {
    /// List the messages (all, or those in one state: pending, delivered, dead).
    List {
        #[arg(long)]
        state: Option<String>,
    },
    /// Put every dead message back to be delivered now.
    Retry,
    /// Deliver the due messages once, now (the server's worker does this every few seconds).
    Deliver,
}

#[derive(Subcommand)]
enum IrtWhat {
    /// Estimate the item bank's parameters from every recorded answer and store them as a new
    /// version; with too little data, say so and keep the previous version.
    Calibrate {
        /// The model: 2pl (discrimination and difficulty) or rasch (difficulty only).
        #[arg(long, value_enum, default_value_t = IrtModel::TwoPl)]
        model: IrtModel,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum IrtModel {
    #[value(name = "2pl")]
    TwoPl,
    Rasch,
}

#[derive(Subcommand)]
enum OrgWhat {
    /// Create an organisation in a commune.
    Create(crate::people_cli::OrgCreateArgs),
}

#[derive(Subcommand)]
enum AdminWhat {
    /// Create a staff account with one role (the first province admin, for a start). The
    /// password is read from standard input or --password-file.
    Create(crate::people_cli::AdminCreateArgs),
}

#[derive(Subcommand)]
enum AuditWhat {
    /// Check the hash chain: an edited, deleted or reordered record is found.
    Verify,
}

#[derive(Subcommand)]
enum ContentWhat {
    /// Check a content directory; every error names its file and line.
    Check {
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    /// Check a content directory and load it, all or nothing.
    Load {
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportWhat {
    /// Official population figures (the KPIs' denominators) from CSV or XLSX: unit code, group,
    /// count. Re-importing replaces earlier figures for the same unit and group.
    Population {
        file: PathBuf,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// People (a village's or commune's residents, an organisation's members) from CSV or
    /// XLSX: name, CCCD, date of birth, and optionally sex, unit, phone, grade, class, position.
    /// Upserted by CCCD: importing the same file again changes nothing.
    People(crate::people_cli::ImportPeopleArgs),
    /// Villages (thôn, bản, tổ dân phố) from a CSV: commune code, name, optional type.
    Villages {
        file: PathBuf,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The size of the demo that `serve --demo` builds: quick to make, enough to look alive.
const SERVE_DEMO_PEOPLE: u64 = 200_000;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("binhdan: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("binhdan: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, &config, lang)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "binhdan failed");
            eprintln!("binhdan: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Pretty => builder.compact().init(),
    }
}

async fn run(command: Command, config: &Config, lang: Lang) -> anyhow::Result<ExitCode> {
    let clock = SystemClock;
    match command {
        Command::Report { unit, format, out } => {
            let format = match binhdan_app::reports::ReportFormat::parse(Some(&format)) {
                Ok(f) => f,
                Err(msg) => {
                    eprintln!("{}", lang.tr(&msg));
                    return Ok(ExitCode::from(2));
                }
            };
            let code = UnitCode::parse(&unit)
                .map_err(|e| anyhow::anyhow!(lang.tr(&binhdan_core::Localized::msg(&e))))?;
            let store = open_store(config, clock.now()).await?;
            let lineage = store.lineage(&code).await;
            let result = match lineage {
                Ok(l) if l.is_empty() => Ok(None),
                Ok(l) => binhdan_app::reports::progress_lines(store.as_ref(), &l, clock.now())
                    .await
                    .map(|lines| Some((l, lines))),
                Err(e) => Err(e),
            };
            store.close().await;
            let Some((lineage, lines)) = result? else {
                eprintln!(
                    "{}",
                    lang.tr(&binhdan_core::Msg::new("unit-unknown").arg("code", &unit))
                );
                return Ok(ExitCode::from(2));
            };
            let name = lineage.last().map(|u| u.name.clone()).unwrap_or_default();
            let day = binhdan_core::people::Date::from_timestamp_vietnam(clock.now())
                .map(|d| d.to_string())
                .unwrap_or_default();
            let bytes = if format.is_csv() {
                binhdan_tabular::write::to_csv(&[binhdan_app::reports::one_sheet(
                    lang, &lines, &name, &day,
                )])?
            } else {
                binhdan_tabular::write::to_xlsx(&binhdan_app::reports::sheets(
                    lang, &lines, &name, &day,
                ))?
            };
            std::fs::write(&out, bytes).with_context(|| format!("{}", out.display()))?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-report-written")
                    .arg("units", lines.iter().map(Vec::len).sum::<usize>())
                    .arg("file", out.display()))
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            println!("{config:#?}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let mut store_config = config.store();
            store_config.migrate_on_start = true;
            let store = binhdan_store::connect(&store_config)
                .await
                .context("opening the database")?;
            let added = bootstrap::load_map(store.as_ref(), clock.now()).await?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-migrated").arg("units", added))
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            province,
            people,
            seed,
            learners,
        } => {
            let store = binhdan_store::connect(&config.store())
                .await
                .context("opening the database")?;
            let province = UnitCode::parse(&province)
                .map_err(|e| anyhow::anyhow!(lang.tr(&binhdan_core::Localized::msg(&e))))?;
            let options = DemoOptions {
                province: province.clone(),
                people,
                seed,
            };
            let result = demo::build(store.as_ref(), &options, clock.now()).await;
            let learned = match &result {
                Ok(_) if learners > 0 => Some(
                    demo_learners(
                        store.as_ref(),
                        config,
                        &province,
                        learners,
                        seed,
                        clock.now(),
                    )
                    .await,
                ),
                _ => None,
            };
            store.close().await;
            let l = learned.transpose()?.unwrap_or_default();
            match result {
                Ok(s) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("cli-demo-built")
                            .arg("communes", s.communes)
                            .arg("villages", s.villages)
                            .arg("adults", s.adults))
                    );
                    if l.registered > 0 {
                        println!(
                            "{}",
                            lang.tr(&binhdan_core::Msg::new("cli-demo-learners")
                                .arg("registered", l.registered)
                                .arg("started", l.started)
                                .arg("completed", l.completed))
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(DemoError::Refused(msg)) => {
                    eprintln!("{}", lang.tr(&msg));
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Import {
            what: ImportWhat::Villages { file, dry_run },
        } => {
            let store = open_store(config, clock.now()).await?;
            let reader =
                std::fs::File::open(&file).with_context(|| format!("{}", file.display()))?;
            let result = binhdan_app::import_villages(
                store.as_ref(),
                reader,
                ImportOptions { dry_run },
                clock.now(),
            )
            .await;
            store.close().await;
            match result {
                Ok(report) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("import-done").arg("count", report.count))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportFailure::Rows(rows)) => Ok(print_row_errors(&file, &rows, lang)),
                Err(ImportFailure::Store(e)) => Err(e.into()),
            }
        }
        Command::Import {
            what: ImportWhat::Population { file, dry_run },
        } => {
            let store = open_store(config, clock.now()).await?;
            let result = binhdan_app::population::import_population(
                store.as_ref(),
                &file,
                ImportOptions { dry_run },
                &binhdan_app::population::PopulationScope::operator(),
                clock.now(),
            )
            .await;
            store.close().await;
            match result {
                Ok(report) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("cli-population-done")
                            .arg("figures", report.figures)
                            .arg("people", report.people))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ImportFailure::Rows(rows)) => Ok(print_row_errors(&file, &rows, lang)),
                Err(ImportFailure::Store(e)) => Err(e.into()),
            }
        }
        Command::Import {
            what: ImportWhat::People(args),
        } => {
            let store = open_store(config, clock.now()).await?;
            let result =
                crate::people_cli::import_people(args, store.clone(), config, lang, clock.now())
                    .await;
            store.close().await;
            result
        }
        Command::Org {
            what: OrgWhat::Create(args),
        } => {
            let store = open_store(config, clock.now()).await?;
            let result =
                crate::people_cli::org_create(args, store.as_ref(), lang, clock.now()).await;
            store.close().await;
            result
        }
        Command::Admin {
            what: AdminWhat::Create(args),
        } => {
            let store = open_store(config, clock.now()).await?;
            let result =
                crate::people_cli::admin_create(args, store.as_ref(), config, lang, clock.now())
                    .await;
            store.close().await;
            result
        }
        Command::Audit {
            what: AuditWhat::Verify,
        } => {
            let store = open_store(config, clock.now()).await?;
            let result = crate::people_cli::audit_verify(store.as_ref(), lang).await;
            store.close().await;
            result
        }
        Command::Counters {
            what: CountersWhat::Rebuild { check },
        } => {
            let store = open_store(config, clock.now()).await?;
            let cutoff = binhdan_app::people::adult_cutoff(config.evaluation_date()?);
            let report = store.rebuild_counters(cutoff, !check, clock.now()).await;
            store.close().await;
            let report = report?;
            for d in &report.differences {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    d.scope, d.group, d.metric, d.stored, d.rebuilt
                );
            }
            let key = match (report.differences.is_empty(), report.written) {
                (true, _) => "cli-counters-agree",
                (false, true) => "cli-counters-mended",
                (false, false) => "cli-counters-differ",
            };
            eprintln!(
                "{}",
                lang.tr(&binhdan_core::Msg::new(key)
                    .arg("compared", report.compared)
                    .arg("differences", report.differences.len()))
            );
            Ok(if report.differences.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Certificate {
            what: CertificateWhat::Revoke { id, reason },
        } => {
            let store = open_store(config, clock.now()).await?;
            let id = if id.starts_with("urn:uuid:") {
                id
            } else {
                format!("urn:uuid:{id}")
            };
            let cutoff = binhdan_app::people::adult_cutoff(config.evaluation_date()?);
            let result = binhdan_app::revocation::revoke(
                store.as_ref(),
                binhdan_app::revocation::Revoker::Operator,
                &id,
                &reason,
                cutoff,
                clock.now(),
            )
            .await;
            store.close().await;
            match result {
                Ok(record) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("cli-certificate-revoked")
                            .arg("id", record.id)
                            .arg("reason", record.revoked_reason.unwrap_or_default()))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(binhdan_app::revocation::RevokeError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("{}", lang.tr(&binhdan_core::Localized::msg(&e)));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Outbox { what } => {
            let store = open_store(config, clock.now()).await?;
            let code = outbox(store.as_ref(), config, what, lang, clock.now()).await;
            store.close().await;
            code
        }
        Command::Irt {
            what: IrtWhat::Calibrate { model },
        } => {
            let store = open_store(config, clock.now()).await?;
            let model = match model {
                IrtModel::TwoPl => binhdan_irt::Model::TwoPl,
                IrtModel::Rasch => binhdan_irt::Model::Rasch,
            };
            let result =
                binhdan_app::irt::calibrate_bank(store.as_ref(), model, None, clock.now()).await;
            store.close().await;
            match result {
                Ok(r) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("cli-irt-done")
                            .arg("version", r.version)
                            .arg("calibrated", r.calibrated)
                            .arg("items", r.items)
                            .arg("responses", r.responses)
                            .arg("persons", r.persons))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(binhdan_app::irt::CalibrateError::Store(e)) => Err(e.into()),
                Err(e) => {
                    eprintln!("{}", lang.tr(&binhdan_core::Localized::msg(&e)));
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Content { what } => content(what, config, lang).await,
        Command::Serve { demo: with_demo } => serve(config, with_demo).await,
    }
}

/// Opens the configured database (migrating it if the configuration says so) with the official
/// map loaded: what every command that touches units needs first.
async fn open_store(
    config: &Config,
    now: binhdan_core::Timestamp,
) -> anyhow::Result<Arc<dyn binhdan_store::Store>> {
    let store = binhdan_store::connect(&config.store())
        .await
        .context("opening the database")?;
    bootstrap::load_map(store.as_ref(), now).await?;
    Ok(store)
}

/// Prints every row error of a refused file as `file:row: [column] message`; exit code 2.
pub(crate) fn print_row_errors(
    file: &std::path::Path,
    rows: &[binhdan_core::import::RowError],
    lang: Lang,
) -> ExitCode {
    let name = file.display();
    for r in rows {
        let text = lang.tr(&r.msg);
        if r.column.is_empty() {
            eprintln!("{name}:{}: {text}", r.row);
        } else {
            eprintln!("{name}:{}: [{}] {text}", r.row, r.column);
        }
    }
    eprintln!(
        "{}",
        lang.tr(&binhdan_core::Msg::new("import-failed").arg("count", rows.len()))
    );
    ExitCode::from(2)
}

fn print_content_errors(
    dir: &std::path::Path,
    errors: &[binhdan_content::ContentError],
    lang: Lang,
) {
    for e in errors {
        let file = dir.join(&e.file);
        let text = lang.tr(&e.msg);
        if e.line > 0 {
            eprintln!("{}:{}: {text}", file.display(), e.line);
        } else {
            eprintln!("{}: {text}", file.display());
        }
    }
    eprintln!(
        "{}",
        lang.tr(&binhdan_core::Msg::new("cli-content-invalid").arg("count", errors.len()))
    );
}

async fn content(what: ContentWhat, config: &Config, lang: Lang) -> anyhow::Result<ExitCode> {
    match what {
        ContentWhat::Check { dir } => match binhdan_app::content::check(&dir) {
            Ok(pack) => {
                println!(
                    "{}",
                    lang.tr(&binhdan_core::Msg::new("cli-content-ok")
                        .arg("courses", pack.courses.len())
                        .arg("lessons", pack.lessons.len())
                        .arg("items", pack.items.len())
                        .arg("tasks", pack.tasks.len()))
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                print_content_errors(&dir, &errors, lang);
                Ok(ExitCode::from(2))
            }
        },
        ContentWhat::Load { dir } => {
            let store = binhdan_store::connect(&config.store())
                .await
                .context("opening the database")?;
            let result = binhdan_app::content::load(store.as_ref(), &dir, SystemClock.now()).await;
            store.close().await;
            match result {
                Ok(r) => {
                    println!(
                        "{}",
                        lang.tr(&binhdan_core::Msg::new("cli-content-loaded")
                            .arg("courses", r.courses)
                            .arg("added", r.lessons_added)
                            .arg("changed", r.lessons_changed)
                            .arg("retired", r.lessons_retired)
                            .arg("items_added", r.items_added)
                            .arg("items_changed", r.items_changed)
                            .arg("tasks", r.tasks))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(binhdan_app::content::ContentLoadError::Invalid(errors)) => {
                    print_content_errors(&dir, &errors, lang);
                    Ok(ExitCode::from(2))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Learners for `serve --demo`: enough for the dashboards' rankings and trends to move.
const SERVE_DEMO_LEARNERS: u64 = 240;

/// The shipped curriculum, when it is at hand (./content) and none is loaded.
async fn load_demo_content(
    store: &dyn binhdan_store::Store,
    now: binhdan_core::Timestamp,
) -> anyhow::Result<bool> {
    let content_dir = std::path::Path::new("content");
    if !store.courses().await?.is_empty() {
        return Ok(true);
    }
    if !content_dir.is_dir() {
        return Ok(false);
    }
    match binhdan_app::content::load(store, content_dir, now).await {
        Ok(_) => Ok(true),
        Err(binhdan_app::content::ContentLoadError::Invalid(errors)) => {
            tracing::warn!(
                content.errors = errors.len(),
                "the curriculum in ./content is invalid; see `binhdan content check`"
            );
            Ok(false)
        }
        Err(binhdan_app::content::ContentLoadError::Store(e)) => Err(e.into()),
    }
}

/// Demo learners, when the curriculum is there to learn from.
async fn demo_learners(
    store: &dyn binhdan_store::Store,
    config: &Config,
    province: &UnitCode,
    n: u64,
    seed: u64,
    now: binhdan_core::Timestamp,
) -> anyhow::Result<demo::LearnersSummary> {
    if !load_demo_content(store, now).await? {
        tracing::warn!("no curriculum in ./content: the demo has no learners");
        return Ok(demo::LearnersSummary::default());
    }
    let vault = config.vault()?;
    let cutoff = binhdan_app::people::adult_cutoff(config.evaluation_date()?);
    Ok(demo::learners(store, &vault, province, n, seed, cutoff, now).await?)
}

async fn serve(config: &Config, with_demo: bool) -> anyhow::Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = open_store(config, clock.now()).await?;
    let web = config.web();
    web.exam.check().map_err(|e| anyhow::anyhow!("exam: {e}"))?;
    if with_demo {
        let province = UnitCode::parse(&web.province).context("the configured province code")?;
        if demo::has_villages(store.as_ref(), &province).await? {
            tracing::info!("the province already has villages; no demo built");
        } else {
            let options = DemoOptions {
                province: province.clone(),
                people: SERVE_DEMO_PEOPLE,
                ..DemoOptions::default()
            };
            let s = demo::build(store.as_ref(), &options, clock.now()).await?;
            tracing::info!(
                demo.villages = s.villages,
                demo.adults = s.adults,
                "built the demo province"
            );
            let l = demo_learners(
                store.as_ref(),
                config,
                &province,
                SERVE_DEMO_LEARNERS,
                options.seed,
                clock.now(),
            )
            .await?;
            tracing::info!(
                demo.learners = l.registered,
                demo.completed = l.completed,
                "demo learners have learned over the last 30 days"
            );
        }
        load_demo_content(store.as_ref(), clock.now()).await?;
    }
    let listener = tokio::net::TcpListener::bind(&web.listen)
        .await
        .with_context(|| format!("listening on {}", web.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(
        store = store.dialect().as_str(),
        "Bình Dân is listening on http://{address}"
    );
    let oidc = match &config.oidc {
        None => None,
        Some(c) => match binhdan_oidc::OidcClient::discover(c.clone()).await {
            Ok(client) => Some(client),
            Err(e) => {
                // The rest of the platform works; the sign-in page says VNeID is unavailable.
                tracing::error!(error = %e, "VNeID (OpenID Connect) discovery failed: citizen sign-in is off");
                None
            }
        },
    };
    let state = AppState::new(store.clone(), web, clock.clone()).with_auth(
        config.vault()?,
        oidc,
        config.evaluation_date()?,
    );
    // Expired sessions and abandoned sign-ins (which hold a sealed CCCD) are removed every
    // ten minutes.
    let janitor = {
        let store = store.clone();
        let clock = clock.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_mins(10));
            loop {
                tick.tick().await;
                let now = clock.now();
                let pending_before = binhdan_core::Timestamp(now.millis() - 15 * 60 * 1000);
                match store.purge_sessions(now, pending_before).await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "purged expired sessions"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
                }
            }
        })
    };
    // Certificates and revocations go to VNeID from the outbox, when a receiver is configured.
    config
        .delivery
        .check()
        .map_err(|e| anyhow::anyhow!("delivery: {e}"))?;
    let courier = if config.delivery.url.is_some() {
        let worker = binhdan_app::delivery::Deliverer::new(config.delivery.clone())?;
        let store = store.clone();
        let clock = clock.clone();
        Some(tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(std::time::Duration::from_secs(worker.config().poll_secs));
            loop {
                tick.tick().await;
                if let Err(e) = worker.round(store.as_ref(), clock.now()).await {
                    tracing::warn!(error = %e, "outbox delivery round failed");
                }
            }
        }))
    } else {
        None
    };
    let events = state.events.clone();
    let limits = state.config.serve_limits();
    binhdan_web::server::serve(listener, binhdan_web::router(state), limits, async move {
        shutdown_signal().await;
        // Live screens' streams never end by themselves.
        events.close_streams();
    })
    .await;
    janitor.abort();
    if let Some(c) = courier {
        c.abort();
    }
    tracing::info!("shutting down: closing the database");
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn outbox(
    store: &dyn binhdan_store::Store,
    config: &Config,
    what: OutboxWhat,
    lang: Lang,
    now: binhdan_core::Timestamp,
) -> anyhow::Result<ExitCode> {
    match what {
        OutboxWhat::List { state } => {
            if let Some(s) = state.as_deref()
                && !["pending", "delivered", "dead"].contains(&s)
            {
                eprintln!(
                    "{}",
                    lang.tr(&binhdan_core::Msg::new("cli-outbox-state").arg("state", s))
                );
                return Ok(ExitCode::from(2));
            }
            for m in store.outbox_messages(state.as_deref()).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.state,
                    m.topic,
                    m.idempotency_key,
                    m.attempts,
                    m.last_error.unwrap_or_default()
                );
            }
        }
        OutboxWhat::Retry => {
            let n = store.outbox_retry_dead(now).await?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-outbox-retried").arg("count", n))
            );
        }
        OutboxWhat::Deliver => {
            config
                .delivery
                .check()
                .map_err(|e| anyhow::anyhow!("delivery: {e}"))?;
            let worker = binhdan_app::delivery::Deliverer::new(config.delivery.clone())?;
            let round = worker.round(store, now).await?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-outbox-round")
                    .arg("delivered", round.delivered)
                    .arg("failed", round.failed))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C: the server stops accepting, finishes requests in flight, and
/// closes the database.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("signal received, shutting down gracefully");
}
