//! The command line: `serve`, `migrate`, `demo`, `import`, `config`.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use binhdan_app::bootstrap;
use binhdan_i18n::Lang;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

mod content;
mod outbox;
mod run;
mod serve;

use run::run;

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
    /// Seal every staff TOTP secret still stored in clear (from before secrets were sealed),
    /// without waiting for each owner's next sign-in.
    ResealTotp,
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
    /// Villages (thôn, bản, tổ dân phố) from a CSV or XLSX file: commune code, name, optional type.
    Villages {
        file: PathBuf,
        /// Check the file and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

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
