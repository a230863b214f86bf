//! Delivery of the outbox to VNeID: a worker sends each message (a certificate issued or
//! revoked) to a configured HTTPS endpoint as JSON, with its `Idempotency-Key`, until the
//! endpoint answers 2xx. A failure is retried with exponential back-off (with jitter); after
//! `max_attempts` tries the message is dead until an operator retries it
//! (`binhdan outbox retry`). Messages live in the store, written in the same transaction as
//! their fact, so a restart or a crash loses none; a message sent but not yet marked (a crash
//! in between) is sent again with the same key, for the receiver to drop.

use std::time::Duration;

use binhdan_core::{Secret, Timestamp};
use binhdan_store::{OutboxMessage, Store, StoreError};
use serde::Deserialize;

/// Where and how to deliver (the `[delivery]` section of the configuration).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// The receiver's URL (`https://…`; `http://` only on loopback). No delivery without it.
    pub url: Option<String>,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<Secret<String>>,
    pub max_attempts: u32,
    /// The first retry's delay; each next one doubles, up to `max_delay_secs`.
    pub base_delay_secs: u64,
    pub max_delay_secs: u64,
    /// How often the worker looks for due messages.
    pub poll_secs: u64,
    pub timeout_secs: u64,
    pub batch: u32,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            url: None,
            token: None,
            max_attempts: 10,
            base_delay_secs: 30,
            max_delay_secs: 6 * 3600,
            poll_secs: 5,
            timeout_secs: 10,
            batch: 50,
        }
    }
}

impl DeliveryConfig {
    /// Whether the settings make sense; the first that does not, in words.
    pub fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.url {
            let parsed = reqwest::Url::parse(url).map_err(|e| format!("url {url}: {e}"))?;
            let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            if !(parsed.scheme() == "https" || parsed.scheme() == "http" && loopback) {
                return Err(format!(
                    "url must be https:// (or http:// on loopback): {url}"
                ));
            }
        }
        if self.max_attempts == 0 || self.base_delay_secs == 0 || self.poll_secs == 0 {
            return Err("max_attempts, base_delay_secs and poll_secs must be at least 1".into());
        }
        Ok(())
    }

    /// The delay before try `attempt + 1` after `attempt` failures (from 1), without jitter.
    #[must_use]
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(30);
        Duration::from_secs(
            self.base_delay_secs
                .saturating_mul(factor)
                .min(self.max_delay_secs.max(self.base_delay_secs)),
        )
    }
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: u32,
    pub failed: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no delivery URL is configured")]
    NoUrl,
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// Sends the outbox's due messages.
pub struct Deliverer {
    config: DeliveryConfig,
    client: reqwest::Client,
}

impl Deliverer {
    pub fn new(config: DeliveryConfig) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DeliveryError::Client(e.to_string()))?;
        Ok(Self { config, client })
    }

    #[must_use]
    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// One round: claims the due messages and sends each once.
    pub async fn round(&self, store: &dyn Store, now: Timestamp) -> Result<Round, DeliveryError> {
        let url = self.config.url.as_deref().ok_or(DeliveryError::NoUrl)?;
        // A claim outlives the whole batch's sends, each up to the timeout: no other worker
        // takes a message this one still holds; one that dies leaves them for later.
        let hold = (self.config.timeout_secs.max(1) + 5)
            .saturating_mul(u64::from(self.config.batch.max(1)))
            .saturating_add(30);
        let lease =
            Timestamp(now.millis() + 1000 * i64::try_from(hold).unwrap_or(i64::MAX / 2_000));
        let mut round = Round::default();
        for m in store.outbox_claim(now, lease, self.config.batch).await? {
            match self.send(url, &m).await {
                Ok(()) => {
                    store.outbox_delivered(m.id, now).await?;
                    round.delivered += 1;
                }
                Err(why) => {
                    let attempts = m.attempts + 1;
                    let delay = self.config.backoff(attempts);
                    // ±20% jitter, so a receiver coming back is not hit by every retry at once.
                    let jitter = rand::random_range(0.8..1.2);
                    #[allow(clippy::cast_possible_truncation, reason = "at most hours in ms")]
                    let wait = (delay.as_millis() as f64 * jitter) as i64;
                    store
                        .outbox_failed(
                            m.id,
                            &why,
                            Timestamp(now.millis() + wait),
                            self.config.max_attempts,
                        )
                        .await?;
                    tracing::warn!(message = m.id, topic = %m.topic, attempts, error = %why, "delivery failed");
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    async fn send(&self, url: &str, m: &OutboxMessage) -> Result<(), String> {
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("idempotency-key", &m.idempotency_key)
            .header("x-binhdan-topic", &m.topic)
            .body(m.payload.clone());
        if let Some(token) = &self.config.token {
            request = request.bearer_auth(token.expose());
        }
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err("timed out".to_owned()),
            Err(e) if e.is_connect() => Err("could not connect".to_owned()),
            Err(_) => Err("request failed".to_owned()),
        }
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
