//! A server killed (SIGKILL: no chance to flush or finish a group commit) under a load of
//! check-ins loses no check-in it acknowledged and counts none twice. Eight bridge points'
//! hosts send check-ins as fast as the server answers, each its own request; the server is
//! killed mid-stream and started again on the same database; every host then sends its whole
//! list again, as a host's page does with what it has not seen confirmed:
//!
//! - every check-in acknowledged before the kill answers `already` (it was on disk);
//! - the rest are counted now (`new`), or `already` if the kill only lost their reply;
//! - at the end each point's count equals its distinct participants and the rows stored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a synchronous test: no runtime thread to block"
)]

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::unit::UnitCode;
use binhdan_core::{Secret, Timestamp};
use binhdan_store::{EventKind, NewEvent, NewPoint, NewStaff, SessionOwner};
use support::{Server, binhdan, free_port, now, signed_in, store, wait_ready};

const POINTS: usize = 8;
const PER_POINT: usize = 400;
/// [`PER_POINT`] as the store counts.
const PER_POINT_U32: u32 = 400;

const FAMILY: [&str; 12] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Hữu", "Thu", "Quang"];
const GIVEN: [&str; 12] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Yến",
];

/// A guest's name (checked in by name: not on the registry), unique for `n` < 1,152.
fn guest(n: usize) -> String {
    format!(
        "{} {} {}",
        FAMILY[n % 12],
        MIDDLE[(n / 12) % 8],
        GIVEN[(n / 96) % 12]
    )
}

struct Point {
    id: i64,
    cookie: String,
    csrf: String,
}

/// The map, an event now, and its points with their hosts signed in.
async fn prepare(db: &Path) -> (i64, Vec<Point>) {
    let store = store(db).await;
    let now = now();
    binhdan_app::bootstrap::load_map(store.as_ref(), now)
        .await
        .unwrap();
    let province = UnitCode::parse("38").unwrap();
    let communes = store.children(Some(&province)).await.unwrap();
    let event = store
        .create_event(
            &NewEvent {
                title: "Lễ phát động".to_owned(),
                kind: EventKind::Ceremony,
                unit: province,
                starts_at: Timestamp(now.0 - 3_600_000),
                ends_at: Timestamp(now.0 + 5 * 3_600_000),
                broadcast_url: None,
            },
            "test",
            now,
        )
        .await
        .unwrap();
    let mut hosts = Vec::new();
    let mut new_points = Vec::new();
    for (p, commune) in communes.iter().take(POINTS).enumerate() {
        let host = store
            .create_staff(
                &NewStaff {
                    username: format!("diem.{p}"),
                    display_name: format!("Điểm {p}"),
                    password_hash: Secret::new("$argon2id$unused".to_owned()),
                    totp_secret: None,
                    grants: vec![Grant::new(
                        Role::VillageFacilitator,
                        Scope::Unit {
                            path: commune.path.clone(),
                        },
                    )],
                },
                binhdan_core::audit::AuditEntry::new("test", "staff.create"),
                now,
            )
            .await
            .unwrap();
        hosts.push(host);
        new_points.push(NewPoint {
            name: format!("Điểm cầu {p}"),
            unit: commune.code.clone(),
            host_id: host,
            expected: PER_POINT_U32,
            token: format!("kill-{p}"),
        });
    }
    let ids = store.add_points(event, &new_points).await.unwrap();
    let mut points = Vec::new();
    for (id, host) in ids.into_iter().zip(hosts) {
        let (cookie, csrf) = signed_in(store.as_ref(), SessionOwner::Staff(host), now).await;
        points.push(Point { id, cookie, csrf });
    }
    store.close().await;
    (event, points)
}

/// One check-in sent as a host's page sends it; the status of its result (`new`, `already`,
/// …), or `None` if the server did not answer.
fn check_in(addr: &str, event: i64, point: &Point, n: usize) -> Option<String> {
    let body = format!(
        r#"{{"csrf":"{}","items":[{{"id":"op-{n}","identity":"{}"}}]}}"#,
        point.csrf,
        guest(n)
    );
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "POST /api/v1/events/{event}/points/{}/check-ins HTTP/1.1\r\nHost: {addr}\r\n\
         Cookie: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        point.id,
        point.cookie,
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status: u16 = out.get(9..12)?.parse().ok()?;
    assert!(
        status == 200 || status == 503,
        "check-in {n} at point {}: {status} {out}",
        point.id
    );
    if status != 200 {
        return None;
    }
    let at = out.find(r#""status":""#)? + r#""status":""#.len();
    Some(out[at..].split('"').next()?.to_owned())
}

#[test]
fn a_killed_server_loses_no_acknowledged_check_in_and_counts_none_twice() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.sqlite");
    assert!(
        binhdan(work.path(), &db, &["migrate"])
            .status()
            .unwrap()
            .success()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (event, points) = runtime.block_on(prepare(&db));
    let points = Arc::new(points);

    let addr = format!("127.0.0.1:{}", free_port());
    let serve = || {
        binhdan(work.path(), &db, &["serve"])
            .env("BINHDAN_LISTEN", &addr)
            .spawn()
            .unwrap()
    };
    let mut server = Server(serve());
    wait_ready(&addr);

    // The hosts send until the server stops answering; the server is killed once a good part
    // of the check-ins are in.
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hosts: Vec<_> = (0..POINTS)
        .map(|p| {
            let (addr, points, stop, done) =
                (addr.clone(), points.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for n in 0..PER_POINT {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match check_in(&addr, event, &points[p], n).as_deref() {
                        Some("new") => {
                            acknowledged.push(n);
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(other) => panic!("point {p}, check-in {n}: {other} on first send"),
                        None => break, // killed
                    }
                }
                acknowledged
            })
        })
        .collect();
    // Killed once a third of the check-ins are acknowledged (by progress, not by time: a
    // quiet machine acknowledged them all within a fixed wait).
    for _ in 0..6_000 {
        if done.load(Ordering::Relaxed) >= POINTS * PER_POINT / 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let acknowledged: Vec<Vec<usize>> = hosts.into_iter().map(|h| h.join().unwrap()).collect();
    let before: usize = acknowledged.iter().map(Vec::len).sum();
    assert!(
        before > 0 && before < POINTS * PER_POINT,
        "the kill came mid-stream: {before} acknowledged"
    );

    // Started again on the same file; every host sends its whole list again.
    let mut server = Server(serve());
    wait_ready(&addr);
    for (p, acked) in acknowledged.iter().enumerate() {
        for n in 0..PER_POINT {
            let status = (0..50)
                .find_map(|_| {
                    check_in(&addr, event, &points[p], n).or_else(|| {
                        std::thread::sleep(Duration::from_millis(100));
                        None
                    })
                })
                .expect("the restarted server answers");
            if acked.binary_search(&n).is_ok() {
                assert_eq!(
                    status, "already",
                    "point {p}: acknowledged check-in {n} was lost"
                );
            } else {
                assert!(
                    status == "new" || status == "already",
                    "point {p}, check-in {n}: {status}"
                );
            }
        }
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();

    // Each point: its participants once each, and its count equal to them.
    runtime.block_on(async {
        let store = store(&db).await;
        for point in points.iter() {
            let record = store.point(point.id).await.unwrap().unwrap();
            let rows = store
                .point_check_ins(point.id, 10 * PER_POINT_U32)
                .await
                .unwrap();
            assert_eq!(rows.len(), PER_POINT, "point {}: rows stored", point.id);
            assert_eq!(
                record.checked_in, PER_POINT as u64,
                "point {}: its count",
                point.id
            );
        }
        store.close().await;
    });
    eprintln!("kill: {before} check-ins acknowledged before the kill, none lost or doubled");
}
