//! Delivery against a real HTTP receiver on loopback that fails on purpose: retried with
//! back-off under one idempotency key, dead after the last try, retried by the operator, and
//! nothing lost across a worker that dies holding a claim.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use binhdan_core::Timestamp;
use binhdan_store::testing::TestDb;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{Deliverer, DeliveryConfig, Round};
use crate::certificates::tests::{CUTOFF, NOW, passed};

/// What the receiver saw: (idempotency key, body) per request.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An HTTP/1.1 receiver on loopback answering each request with the next status of `plan`
/// (the last one repeats).
async fn receiver(plan: Vec<u16>) -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/vneid/certificates",
        listener.local_addr().unwrap()
    );
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Headers, then the body by its length.
            let (head, body_start) = loop {
                let read = socket.read(&mut chunk).await.unwrap_or(0);
                if read == 0 {
                    break (String::new(), 0);
                }
                buf.extend_from_slice(&chunk[..read]);
                if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break (String::from_utf8_lossy(&buf[..at]).into_owned(), at + 4);
                }
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            while buf.len() < body_start + length {
                let read = socket.read(&mut chunk).await.unwrap_or(0);
                if read == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..read]);
            }
            let body = String::from_utf8_lossy(&buf[body_start..]).into_owned();
            log.lock().unwrap().push((header("idempotency-key"), body));
            let status = plan.get(n).or(plan.last()).copied().unwrap_or(200);
            n += 1;
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

fn config(url: &str, max_attempts: u32) -> DeliveryConfig {
    DeliveryConfig {
        url: Some(url.to_owned()),
        max_attempts,
        base_delay_secs: 10,
        max_delay_secs: 60,
        ..DeliveryConfig::default()
    }
}

fn at(secs: i64) -> Timestamp {
    Timestamp(NOW.0 + secs * 1000)
}

#[test]
fn back_off_doubles_up_to_its_ceiling_and_the_settings_are_checked() {
    let c = config("https://vneid.example/x", 5);
    let secs: Vec<u64> = (1..=5).map(|a| c.backoff(a).as_secs()).collect();
    assert_eq!(secs, [10, 20, 40, 60, 60]);
    assert!(c.check().is_ok());
    assert!(
        config("http://vneid.example/x", 5).check().is_err(),
        "plain http off loopback"
    );
    assert!(config("https://x", 0).check().is_err());
    assert!(
        config("http://localhost.evil.example/x", 5)
            .check()
            .is_err(),
        "a look-alike host"
    );
    assert!(config("http://127.0.0.1:9/x", 5).check().is_ok());
}

#[tokio::test]
async fn every_message_reaches_a_flaky_receiver_once_acknowledged() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let (vault, issuer) = crate::test_support::vault_and_issuer();
    let pass = passed(store, &vault, "038158001111", Some(-4_000)).await;
    let cert = issuer.issue(store, &pass, CUTOFF, NOW).await.unwrap();

    // Fails twice (503, 500), then takes it.
    let (url, seen) = receiver(vec![503, 500, 200]).await;
    let worker = Deliverer::new(config(&url, 5)).unwrap();
    assert_eq!(
        worker.round(store, at(0)).await.unwrap(),
        Round {
            delivered: 0,
            failed: 1
        }
    );
    // Not due again before its back-off (10 s ± 20%).
    assert_eq!(worker.round(store, at(5)).await.unwrap(), Round::default());
    assert_eq!(
        worker.round(store, at(13)).await.unwrap(),
        Round {
            delivered: 0,
            failed: 1
        }
    );
    // A restarted worker (a new one, same store) goes on where the last stopped.
    let restarted = Deliverer::new(config(&url, 5)).unwrap();
    assert_eq!(
        restarted.round(store, at(40)).await.unwrap(),
        Round {
            delivered: 1,
            failed: 0
        }
    );
    assert_eq!(
        restarted.round(store, at(100)).await.unwrap(),
        Round::default()
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    let key = format!("issued:{}", cert.id);
    assert!(
        seen.iter().all(|(k, _)| *k == key),
        "one idempotency key: {seen:?}"
    );
    let body: serde_json::Value = serde_json::from_str(&seen[2].1).unwrap();
    assert_eq!(body["credential"], cert.jwt.as_str());
    assert!(!seen[2].1.contains("038158001111"), "no CCCD on the wire");
    let messages = store.outbox_messages(None).await.unwrap();
    assert_eq!(
        (messages[0].state.as_str(), messages[0].attempts),
        ("delivered", 3)
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_message_goes_dead_after_its_last_try_and_the_operator_retries_it() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let (vault, issuer) = crate::test_support::vault_and_issuer();
    let pass = passed(store, &vault, "038158002222", Some(-4_000)).await;
    issuer.issue(store, &pass, CUTOFF, NOW).await.unwrap();

    // Always failing: dead after two tries, then left alone.
    let (url, _) = receiver(vec![500]).await;
    let worker = Deliverer::new(config(&url, 2)).unwrap();
    assert_eq!(worker.round(store, at(0)).await.unwrap().failed, 1);
    assert_eq!(worker.round(store, at(60)).await.unwrap().failed, 1);
    assert_eq!(store.outbox_messages(Some("dead")).await.unwrap().len(), 1);
    assert_eq!(
        worker.round(store, at(3600)).await.unwrap(),
        Round::default()
    );
    // A receiver that is down (nothing listening) counts as a failure too, never a panic.
    let closed = Deliverer::new(config("http://127.0.0.1:9/", 5)).unwrap();
    assert_eq!(store.outbox_retry_dead(at(3600)).await.unwrap(), 1);
    assert_eq!(closed.round(store, at(3600)).await.unwrap().failed, 1);

    // A worker that claimed it and died: nobody sends it until the claim lapses, then it goes.
    let (ok_url, seen) = receiver(vec![200]).await;
    let healthy = Deliverer::new(config(&ok_url, 5)).unwrap();
    let claimed = store.outbox_claim(at(7200), at(7300), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        healthy.round(store, at(7250)).await.unwrap(),
        Round::default()
    );
    assert_eq!(healthy.round(store, at(7301)).await.unwrap().delivered, 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
    db.cleanup().await;
}
