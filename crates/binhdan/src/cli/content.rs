//! `binhdan content …`: checking and loading the curriculum, and printing what is wrong with it.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use anyhow::Context;
use binhdan_i18n::Lang;
use binhdan_web::{Clock, SystemClock};

use super::ContentWhat;
use crate::config::Config;

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

pub(super) async fn content(
    what: ContentWhat,
    config: &Config,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
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
