//! The CLI's commands about people: `import people`, `org create`, `admin create`,
//! `audit verify`.

#![allow(clippy::print_stdout)]

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use binhdan_app::ImportFailure;
use binhdan_app::people::{PeopleImportOptions, RejectPolicy, Roster};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::audit::{AuditEntry, ChainBreak, GENESIS, verify_chain};
use binhdan_core::unit::UnitCode;
use binhdan_core::{Localized as _, Msg, Secret, Timestamp};
use binhdan_i18n::Lang;
use binhdan_store::{Entity, NewOrganisation, OrgKind, Store, StoreError};
use clap::{Args, ValueEnum};

use crate::config::Config;

/// Whose roster a file is.
#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct RosterArg {
    /// The village or commune (GSO code) whose residents the file lists.
    #[arg(long)]
    pub unit: Option<String>,
    /// The organisation whose members the file lists, as KIND:CODE (school:…, agency:…,
    /// enterprise:…, cooperative:…).
    #[arg(long)]
    pub org: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImportPeopleArgs {
    pub file: PathBuf,
    #[command(flatten)]
    pub roster: RosterArg,
    /// Import the good rows and write the bad ones, with their errors, to this CSV file.
    #[arg(long, value_name = "REJECTS.csv")]
    pub keep_good: Option<PathBuf>,
    /// Check the file and report, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Accept dates of birth that are only a year (old records).
    #[arg(long)]
    pub allow_year_only: bool,
}

fn parse_kind(s: &str) -> Option<OrgKind> {
    OrgKind::parse(s)
}

/// The organisation named `KIND:CODE` (`school:38001234`), or a message saying what is wrong.
async fn find_org(
    store: &dyn Store,
    spec: &str,
    lang: Lang,
) -> anyhow::Result<binhdan_store::Organisation> {
    let (kind, code) = spec
        .split_once(':')
        .and_then(|(k, c)| Some((parse_kind(k)?, c)))
        .ok_or_else(|| {
            anyhow::anyhow!(
                lang.tr(&Msg::new("cli-org-spec-invalid").arg("value", spec.to_owned()))
            )
        })?;
    store
        .organisation_by_code(kind, code)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!(lang.tr(&Msg::new("cli-org-unknown").arg("value", spec.to_owned())))
        })
}

pub async fn import_people(
    args: ImportPeopleArgs,
    store: Arc<dyn Store>,
    config: &Config,
    lang: Lang,
    now: Timestamp,
) -> anyhow::Result<ExitCode> {
    let vault = config.vault()?;
    // The roster's own unit or organisation bounds whom it may change: a commune's roster
    // never takes over someone registered in another commune, even from the command line.
    let (roster, reach) = if let Some(unit) = &args.roster.unit {
        let code = UnitCode::parse(unit).map_err(|e| anyhow::anyhow!(lang.tr(&e.msg())))?;
        let path = store.unit(&code).await?.map(|u| u.path).unwrap_or_default();
        (Roster::Unit(code), binhdan_store::Reach::unit(path))
    } else {
        let spec = args.roster.org.clone().unwrap_or_default();
        let org = find_org(store.as_ref(), &spec, lang).await?;
        let reach = binhdan_store::Reach {
            organisations: vec![org.id],
            ..binhdan_store::Reach::default()
        };
        (Roster::Organisation(org), reach)
    };
    let options = PeopleImportOptions {
        roster,
        rejects: args
            .keep_good
            .clone()
            .map_or(RejectPolicy::AllOrNothing, RejectPolicy::KeepGood),
        dry_run: args.dry_run,
        evaluation_date: config.evaluation_date()?,
        allow_year_only: args.allow_year_only,
        actor: "cli".to_owned(),
        reach,
        cancel: binhdan_tabular::Cancel::default(),
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} · {per_sec} · {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(lang.tr(&Msg::new("cli-import-rows")));
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let progress = {
        let bar = bar.clone();
        move |n: u64| bar.set_position(n)
    };
    let render: binhdan_app::people::Render = Arc::new(move |m: &Msg| lang.tr(m));
    let result = binhdan_app::people::import_people(
        store.as_ref(),
        &vault,
        &args.file,
        &options,
        render,
        &progress,
        now,
    )
    .await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            if !report.unused_columns.is_empty() {
                eprintln!(
                    "{}",
                    lang.tr(&Msg::new("import-unused-columns")
                        .arg("columns", report.unused_columns.join(", ")))
                );
            }
            let key = if report.dry_run {
                "cli-people-checked"
            } else {
                "cli-people-imported"
            };
            println!(
                "{}",
                lang.tr(&Msg::new(key)
                    .arg("rows", report.rows)
                    .arg("added", report.written.added)
                    .arg("updated", report.written.updated)
                    .arg("unchanged", report.written.unchanged)
                    .arg("rejected", report.rejected))
            );
            if let Some(p) = &args.keep_good
                && report.rejected > 0
            {
                println!(
                    "{}",
                    lang.tr(&Msg::new("cli-people-rejects").arg("file", p.display().to_string()))
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportFailure::Rows(rows)) => Ok(crate::cli::print_row_errors(&args.file, &rows, lang)),
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}

#[derive(Args, Debug)]
pub struct OrgCreateArgs {
    #[arg(long, value_parser = ["school", "agency", "enterprise", "cooperative"])]
    pub kind: String,
    /// The official code: school code, budget-unit code or tax code.
    #[arg(long)]
    pub code: String,
    #[arg(long)]
    pub name: String,
    /// The commune it sits in (GSO code).
    #[arg(long)]
    pub commune: String,
    /// For schools: the grades taught, e.g. 6-9.
    #[arg(long)]
    pub grades: Option<String>,
}

pub async fn org_create(
    args: OrgCreateArgs,
    store: &dyn Store,
    lang: Lang,
    now: Timestamp,
) -> anyhow::Result<ExitCode> {
    let kind = parse_kind(&args.kind).unwrap_or(OrgKind::Agency);
    let commune = UnitCode::parse(&args.commune).map_err(|e| anyhow::anyhow!(lang.tr(&e.msg())))?;
    let grades = match &args.grades {
        None => None,
        Some(g) => Some(
            g.split_once('-')
                .and_then(|(a, b)| {
                    Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?))
                })
                .filter(|(a, b)| (1..=12).contains(a) && a <= b && *b <= 12)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        lang.tr(&Msg::new("cli-grades-invalid").arg("value", g.clone()))
                    )
                })?,
        ),
    };
    let org = NewOrganisation {
        kind,
        code: args.code.trim().to_owned(),
        name: args.name.clone(),
        commune: commune.clone(),
        grades,
    };
    match store
        .create_organisation(&org, AuditEntry::new("cli", "organisation.create"), now)
        .await
    {
        Ok(o) => {
            println!(
                "{}",
                lang.tr(&Msg::new("cli-org-created")
                    .arg("id", o.id)
                    .arg("name", o.name))
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Conflict(_)) => {
            eprintln!(
                "{}",
                lang.tr(&Msg::new("cli-org-exists")
                    .arg("value", format!("{}:{}", args.kind, args.code)))
            );
            Ok(ExitCode::from(2))
        }
        Err(StoreError::NotFound(Entity::Unit | Entity::Commune)) => {
            eprintln!(
                "{}",
                lang.tr(&Msg::new("unit-not-commune").arg("code", commune.as_str().to_owned()))
            );
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    ProvinceAdmin,
    CommuneAdmin,
    VillageFacilitator,
    OrgAdmin,
    ContentAuthor,
    Auditor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::ProvinceAdmin => Self::ProvinceAdmin,
            RoleArg::CommuneAdmin => Self::CommuneAdmin,
            RoleArg::VillageFacilitator => Self::VillageFacilitator,
            RoleArg::OrgAdmin => Self::OrgAdmin,
            RoleArg::ContentAuthor => Self::ContentAuthor,
            RoleArg::Auditor => Self::Auditor,
        }
    }
}

#[derive(Args, Debug)]
pub struct AdminCreateArgs {
    /// Sign-in name.
    #[arg(long)]
    pub username: String,
    /// Name shown to others.
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum, default_value = "province-admin")]
    pub role: RoleArg,
    /// The unit the role covers (GSO code); default: the configured province.
    #[arg(long, conflicts_with_all = ["org", "everywhere"])]
    pub unit: Option<String>,
    /// The organisation the role covers, as KIND:CODE.
    #[arg(long)]
    pub org: Option<String>,
    /// The whole platform (province admins, content authors, auditors only).
    #[arg(long)]
    pub everywhere: bool,
    /// Read the password from this file instead of standard input.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Also require a 6-digit code from an authenticator app at sign-in; prints the
    /// `otpauth://` address to add to the app, once.
    #[arg(long)]
    pub totp: bool,
}

fn read_password(file: Option<&Path>, lang: Lang) -> anyhow::Result<Secret<String>> {
    let line = if let Some(f) = file {
        std::fs::read_to_string(f).with_context(|| f.display().to_string())?
    } else {
        eprintln!("{}", lang.tr(&Msg::new("cli-password-prompt")));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    Ok(Secret::new(line.trim_end_matches(['\r', '\n']).to_owned()))
}

pub async fn admin_create(
    args: AdminCreateArgs,
    store: &dyn Store,
    config: &Config,
    lang: Lang,
    now: Timestamp,
) -> anyhow::Result<ExitCode> {
    let role = Role::from(args.role);
    let scope = if args.everywhere {
        Scope::Everywhere
    } else if let Some(spec) = &args.org {
        Scope::Organisation {
            id: find_org(store, spec, lang).await?.id,
        }
    } else {
        let code = args.unit.clone().unwrap_or_else(|| config.province.clone());
        let code = UnitCode::parse(&code).map_err(|e| anyhow::anyhow!(lang.tr(&e.msg())))?;
        let unit = store.unit(&code).await?.ok_or_else(|| {
            anyhow::anyhow!(
                lang.tr(&binhdan_core::unit::UnitError::UnknownUnit {
                    code: code.as_str().to_owned()
                }
                .msg())
            )
        })?;
        Scope::Unit { path: unit.path }
    };
    let grant = Grant::new(role, scope);
    if !grant.is_well_formed() {
        eprintln!("{}", lang.tr(&Msg::new("cli-grant-ill-formed")));
        return Ok(ExitCode::from(2));
    }
    let password = read_password(args.password_file.as_deref(), lang)?;
    let request = binhdan_app::staff::StaffRequest {
        username: args.username.clone(),
        display_name: args.name.clone(),
        password,
        grant,
        totp: args.totp,
        actor: "cli".to_owned(),
    };
    // A TOTP secret is stored sealed by the vault, like the CCCDs.
    let vault = if args.totp {
        Some(config.vault()?)
    } else {
        None
    };
    match binhdan_app::staff::create_staff(store, vault.as_ref(), request, now).await {
        Ok((id, totp)) => {
            if let Some(t) = &totp {
                println!("{}", lang.tr(&Msg::new("cli-admin-totp")));
                println!("{}", t.otpauth_uri(&args.username).expose());
            }
            println!(
                "{}",
                lang.tr(&Msg::new("cli-admin-created")
                    .arg("id", id)
                    .arg("username", args.username))
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(binhdan_app::staff::StaffCreateError::Store(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("{}", lang.tr(&e.msg()));
            Ok(ExitCode::from(2))
        }
    }
}

/// Checks the whole audit chain, page by page, and that it ends at the recorded head.
pub async fn audit_verify(store: &dyn Store, lang: Lang) -> anyhow::Result<ExitCode> {
    const PAGE: u32 = 10_000;
    let mut at = (0, GENESIS.to_owned());
    let result = loop {
        let page = store.audit_records(at.0, PAGE).await?;
        if page.is_empty() {
            let head = store.audit_head().await?;
            break if head == at {
                Ok(at.0)
            } else {
                Err(ChainBreak::Truncated {
                    head_seq: head.0,
                    last_seq: at.0,
                })
            };
        }
        match verify_chain(at.clone(), &page) {
            Ok(next) => at = next,
            Err(b) => break Err(b),
        }
    };
    match result {
        Ok(n) => {
            println!("{}", lang.tr(&Msg::new("cli-audit-ok").arg("count", n)));
            Ok(ExitCode::SUCCESS)
        }
        Err(b) => {
            let msg = match b {
                ChainBreak::Altered { seq } => Msg::new("cli-audit-altered").arg("seq", seq),
                ChainBreak::Broken { seq, expected_seq } => Msg::new("cli-audit-broken")
                    .arg("seq", seq)
                    .arg("expected", expected_seq),
                ChainBreak::Truncated { head_seq, last_seq } => Msg::new("cli-audit-truncated")
                    .arg("head", head_seq)
                    .arg("last", last_seq),
            };
            eprintln!("{}", lang.tr(&msg));
            Ok(ExitCode::from(3))
        }
    }
}
