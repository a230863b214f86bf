//! `binhdan serve`: the web server, with `--demo` its demo data, until SIGTERM or Ctrl-C.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use binhdan_app::demo::{self, DemoOptions};
use binhdan_core::unit::UnitCode;
use binhdan_web::{AppState, Clock, SystemClock};

use super::open_store;
use crate::config::Config;

/// The size of the demo that `serve --demo` builds: quick to make, enough to look alive.
const SERVE_DEMO_PEOPLE: u64 = 200_000;

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
pub(super) async fn demo_learners(
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

pub(super) async fn serve(config: &Config, with_demo: bool) -> anyhow::Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = open_store(config, clock.now()).await?;
    let web = config.web();
    web.exam.check().map_err(|e| anyhow::anyhow!("exam: {e}"))?;
    web.offline
        .check()
        .map_err(|e| anyhow::anyhow!("offline: {e}"))?;
    web.official
        .check()
        .map_err(|e| anyhow::anyhow!("official: {e}"))?;
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
