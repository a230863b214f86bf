//! `binhdan outbox …`: the messages queued for VNeID and other services.

// A command line prints its results on standard output.
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

use binhdan_i18n::Lang;

use super::OutboxWhat;
use crate::config::Config;

pub(super) async fn outbox(
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
