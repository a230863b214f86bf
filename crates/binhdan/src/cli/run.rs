//! Runs a parsed command: each subcommand's body, or the call to the file that holds it.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use anyhow::Context;
use binhdan_app::demo::{self, DemoError, DemoOptions};
use binhdan_app::{ImportFailure, ImportOptions, bootstrap};
use binhdan_core::unit::UnitCode;
use binhdan_i18n::Lang;
use binhdan_web::{Clock, SystemClock};

use super::content::content;
use super::outbox::outbox;
use super::serve::{demo_learners, serve};
use super::{
    AdminWhat, AuditWhat, CertificateWhat, Command, CountersWhat, ImportWhat, IrtModel, IrtWhat,
    OrgWhat, open_store, print_row_errors,
};
use crate::config::Config;

pub(super) async fn run(command: Command, config: &Config, lang: Lang) -> anyhow::Result<ExitCode> {
    let clock = SystemClock;
    match command {
        Command::Report { unit, format, out } => {
            let format = match binhdan_app::reports::ReportFormat::parse_table(Some(&format)) {
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
                Ok(l) => binhdan_app::reports::tables(
                    store.as_ref(),
                    &l,
                    lang,
                    format.is_csv(),
                    clock.now(),
                )
                .await
                .map(Some),
                Err(e) => Err(e),
            };
            store.close().await;
            let Some(tables) = result? else {
                eprintln!(
                    "{}",
                    lang.tr(&binhdan_core::Msg::new("unit-unknown").arg("code", &unit))
                );
                return Ok(ExitCode::from(2));
            };
            let bytes = if format.is_csv() {
                binhdan_tabular::write::to_csv(&tables.sheets)?
            } else {
                binhdan_tabular::write::to_xlsx(&tables.sheets)?
            };
            std::fs::write(&out, bytes).with_context(|| format!("{}", out.display()))?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-report-written")
                    .arg("units", tables.units)
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
        Command::Admin {
            what: AdminWhat::ResealTotp,
        } => {
            let vault = config.vault()?;
            let store = open_store(config, clock.now()).await?;
            let result = binhdan_app::staff::reseal_all_legacy_totp(store.as_ref(), &vault).await;
            store.close().await;
            let count = result.map_err(|e| anyhow::anyhow!(e))?;
            println!(
                "{}",
                lang.tr(&binhdan_core::Msg::new("cli-totp-resealed").arg("count", count))
            );
            Ok(ExitCode::SUCCESS)
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
                            .arg("tasks_calibrated", r.tasks_calibrated)
                            .arg("tasks", r.tasks)
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
