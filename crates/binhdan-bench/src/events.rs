//! `events`: a launch ceremony at Thanh Hóa's scale — 1,018 bridge points checking in 52,000
//! participants as fast as they can over loopback HTTP, each check-in its own request (what
//! the host's page sends when the network is up), some sent twice on purpose as a host whose
//! reply was lost would; while 1,000 live screens watch the Server-Sent Events feed.
//!
//! Checked at the end: every check-in acknowledged, the points' counts equal to the distinct
//! participants (0 lost, 0 counted twice) and to the rows stored. Beside it, in the same run:
//! the same requests answered by a bare hyper "hello" server (the ceiling of this machine and
//! client), and the same check-ins written one transaction each straight to the store (what
//! the group commit saves). Then the time for a new check-in to reach all 1,000 screens.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::cccd::Cccd;
use binhdan_core::unit::UnitCode;
use binhdan_core::{Secret, Timestamp};
use binhdan_store::{
    AdultCutoff, CheckInVia, EventKind, NewCheckIn, NewEvent, NewPoint, NewStaff, OpsStore,
    PersonRecord, SessionOwner, SessionRecord, Store, StoreConfig,
};
use binhdan_web::{AppState, Clock, SystemClock, WebConfig};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::histogram;

pub const NAME: &str = "events";

const POINTS: usize = 1_018;
const PARTICIPANTS: usize = 52_000;
const WATCHERS: usize = 1_000;
/// Every this many check-ins, one is sent twice (its reply "lost").
const RETRY_EVERY: usize = 30;
/// Every this many participants, one is a guest checked in by name (not on the registry).
const GUEST_EVERY: usize = 10;

const FAMILY: [&str; 12] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Hữu", "Thu", "Quang"];
const GIVEN: [&str; 12] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Yến",
];

/// A guest's name, unique for `n` < 1,152 (what one point sees).
fn guest_name(n: usize) -> String {
    format!(
        "{} {} {}",
        FAMILY[n % FAMILY.len()],
        MIDDLE[(n / FAMILY.len()) % MIDDLE.len()],
        GIVEN[(n / (FAMILY.len() * MIDDLE.len())) % GIVEN.len()]
    )
}

/// Participant `i`'s CCCD: province 038, born in the 1960s–1990s.
fn cccd(i: usize) -> String {
    format!("0380{:02}{:06}", 60 + i % 40, i)
}

struct World {
    store: Arc<dyn Store>,
    event: i64,
    points: Vec<(i64, String, String)>, // (id, cookie, csrf)
    watcher: (String, String),
    /// Per point, the identities it checks in.
    work: Vec<Vec<String>>,
    communes: Vec<UnitCode>,
    hosts: Vec<i64>,
}

async fn prepare(config: &StoreConfig, vault: &binhdan_vault::Vault) -> anyhow::Result<World> {
    let store = binhdan_store::connect(config).await?;
    let now = SystemClock.now();
    binhdan_app::bootstrap::load_map(store.as_ref(), now).await?;
    let province = UnitCode::parse("38").map_err(|e| anyhow::anyhow!("{e}"))?;
    let communes: Vec<binhdan_core::unit::Unit> = store.children(Some(&province)).await?;
    anyhow::ensure!(!communes.is_empty(), "no communes");

    // The registry: every participant but the guests, in their point's commune.
    let mut work: Vec<Vec<String>> = vec![Vec::new(); POINTS];
    let mut records = Vec::new();
    for i in 0..PARTICIPANTS {
        let point = i % POINTS;
        if i % GUEST_EVERY == GUEST_EVERY - 1 {
            work[point].push(guest_name(i / POINTS));
            continue;
        }
        let number = cccd(i);
        let c = Cccd::parse(&number).map_err(|e| anyhow::anyhow!("{number}: {e}"))?;
        records.push(PersonRecord {
            cccd_hash: vault.lookup_hash(&c),
            cccd_sealed: vault.encrypt(&c, &mut rand::rng())?.into_bytes(),
            cccd_masked: c.masked(),
            name: format!("{} {}", guest_name(i), i % 7),
            birth_year: c.birth_year(),
            birth_day: None,
            sex: c.sex(),
            unit: communes[point % communes.len()].code.clone(),
            phone: None,
            membership: None,
        });
        work[point].push(number);
    }
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX / 2), now)
        .await?;
    for chunk in records.chunks(5_000) {
        import.write(chunk).await?;
    }
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "bench",
            "person.import",
        ))
        .await?;

    let event = store
        .create_event(
            &NewEvent {
                title: "Lễ phát động Bình dân học vụ số".to_owned(),
                kind: EventKind::Ceremony,
                unit: province.clone(),
                starts_at: Timestamp(now.millis() - 3_600_000),
                ends_at: Timestamp(now.millis() + 5 * 3_600_000),
                broadcast_url: None,
            },
            "bench",
            now,
        )
        .await?;
    let session = |owner| {
        let store = store.clone();
        async move {
            let token = binhdan_auth::session::SessionToken::generate(&mut rand::rng());
            store
                .create_session(&SessionRecord {
                    key: token.storage_key(),
                    owner,
                    created_at: now,
                    last_seen_at: now,
                    expires_at: Timestamp(now.0 + 3_600_000),
                })
                .await?;
            Ok::<_, anyhow::Error>((
                format!("binhdan={}", token.expose()),
                token.csrf_token().expose().clone(),
            ))
        }
    };
    let staff = |name: String, grant: Grant| {
        let store = store.clone();
        async move {
            store
                .create_staff(
                    &NewStaff {
                        username: name,
                        display_name: "Bench".to_owned(),
                        password_hash: Secret::new("$argon2id$unused".to_owned()),
                        totp_secret: None,
                        grants: vec![grant],
                    },
                    binhdan_core::audit::AuditEntry::new("bench", "staff.create"),
                    now,
                )
                .await
        }
    };
    let mut hosts = Vec::with_capacity(POINTS);
    let mut new_points = Vec::with_capacity(POINTS);
    for p in 0..POINTS {
        let commune = &communes[p % communes.len()];
        let id = staff(
            format!("diem.{p}"),
            Grant::new(
                Role::VillageFacilitator,
                Scope::Unit {
                    path: commune.path.clone(),
                },
            ),
        )
        .await?;
        hosts.push(id);
        new_points.push(NewPoint {
            name: format!("Điểm cầu {p}"),
            unit: commune.code.clone(),
            host_id: id,
            expected: 55,
            token: format!("bench-{p}"),
        });
    }
    let ids = store.add_points(event, &new_points).await?;
    let mut points = Vec::with_capacity(POINTS);
    for (p, id) in ids.into_iter().enumerate() {
        let (cookie, csrf) = session(SessionOwner::Staff(hosts[p])).await?;
        points.push((id, cookie, csrf));
    }
    let admin = staff(
        "tinh.bench".to_owned(),
        Grant::new(
            Role::ProvinceAdmin,
            Scope::Unit {
                path: "38/".to_owned(),
            },
        ),
    )
    .await?;
    let watcher = session(SessionOwner::Staff(admin)).await?;
    Ok(World {
        store,
        event,
        points,
        watcher,
        work,
        communes: communes.into_iter().map(|c| c.code).collect(),
        hosts,
    })
}

/// One point's host: each check-in its own request, every `RETRY_EVERY`-th sent again.
struct PointRun {
    latencies: Histogram<u64>,
    acknowledged: u64,
    repeats_already: u64,
    refused: u64,
    errors: u64,
}

async fn host(
    addr: SocketAddr,
    event: i64,
    point: (i64, String, String),
    items: Vec<String>,
    offset: usize,
) -> PointRun {
    let mut run = PointRun {
        latencies: histogram(),
        acknowledged: 0,
        repeats_already: 0,
        refused: 0,
        errors: 0,
    };
    let (id, cookie, csrf) = point;
    let uri = format!("/api/v1/events/{event}/points/{id}/check-ins");
    let mut sender = None;
    for (n, identity) in items.iter().enumerate() {
        let body = serde_json::json!({ "csrf": csrf, "items": [{ "id": format!("{n}"), "identity": identity }] }).to_string();
        let sends = if (offset + n).is_multiple_of(RETRY_EVERY) {
            2
        } else {
            1
        };
        for attempt in 0..sends {
            // A failed request is sent again (as the page's queue does) until answered.
            loop {
                if sender.is_none() {
                    sender = connect(addr).await;
                }
                let Some(s) = sender.as_mut() else {
                    run.errors += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let Ok(request) = Request::post(uri.as_str())
                    .header("host", "127.0.0.1")
                    .header("cookie", cookie.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body.clone())))
                else {
                    run.errors += 1;
                    break;
                };
                let start = Instant::now();
                let Ok(response) = s.send_request(request).await else {
                    run.errors += 1;
                    sender = None;
                    continue;
                };
                let ok = response.status().is_success();
                let Ok(bytes) = response
                    .into_body()
                    .collect()
                    .await
                    .map(http_body_util::Collected::to_bytes)
                else {
                    run.errors += 1;
                    sender = None;
                    continue;
                };
                let _ = run.latencies.record(
                    u64::try_from(start.elapsed().as_micros())
                        .unwrap_or(u64::MAX)
                        .max(1),
                );
                if !ok {
                    run.errors += 1;
                    continue;
                }
                let reply: Option<Reply> = serde_json::from_slice(&bytes).ok();
                match reply
                    .as_ref()
                    .and_then(|r| r.results.first())
                    .map(|r| r.status.as_str())
                {
                    Some("new") if attempt == 0 => run.acknowledged += 1,
                    Some("already") if attempt == 1 => run.repeats_already += 1,
                    // A first send answered "already" would be a participant counted elsewhere.
                    Some("already" | "new") => run.errors += 1,
                    _ => run.refused += 1,
                }
                break;
            }
        }
    }
    run
}

/// What a host reads of the reply: each check-in's status (the rest is skipped unread).
#[derive(serde::Deserialize)]
struct Reply {
    results: Vec<ReplyItem>,
}

#[derive(serde::Deserialize)]
struct ReplyItem {
    status: String,
}

async fn connect(addr: SocketAddr) -> Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

/// A live screen: the participants figure of each event it receives, with when.
async fn watch(
    addr: SocketAddr,
    event: i64,
    cookie: String,
    seen: Arc<AtomicU64>,
    events: Arc<AtomicU64>,
    connected: Arc<AtomicU64>,
) {
    let Some(mut sender) = connect(addr).await else {
        return;
    };
    let Ok(request) = Request::get(format!("/quan-ly/su-kien/{event}/truc-tiep/luong"))
        .header("host", "127.0.0.1")
        .header("cookie", cookie)
        .body(Full::new(Bytes::new()))
    else {
        return;
    };
    let Ok(response) = sender.send_request(request).await else {
        return;
    };
    if !response.status().is_success() {
        return;
    }
    connected.fetch_add(1, Ordering::Relaxed);
    let mut body = response.into_body();
    // Bytes, searched as bytes: a frame carries every commune (some 17 kB), and collecting it
    // char by char cost the load generator more than the server spent sending it.
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            if let Some(n) = participants(&buffer[..end]) {
                events.fetch_add(1, Ordering::Relaxed);
                seen.fetch_max(n, Ordering::Relaxed);
            }
            buffer.drain(..end + 2);
        }
    }
}

/// The `participants` figure of one Server-Sent Event's data.
fn participants(message: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"participants\":";
    let at = message.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let digits: &[u8] = &message[at..];
    let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&digits[..len]).ok()?.parse().ok()
}

/// The ceiling: the same number of requests from the same number of connections, each answered
/// "hello" by hyper.
async fn hello_wall(addr: SocketAddr, per_point: usize) -> f64 {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..POINTS {
        tasks.push(tokio::spawn(async move {
            let Some(mut s) = connect(addr).await else {
                return;
            };
            for _ in 0..per_point {
                let Ok(r) = Request::post("/")
                    .header("host", "127.0.0.1")
                    .body(Full::new(Bytes::from_static(b"{}")))
                else {
                    return;
                };
                let Ok(response) = s.send_request(r).await else {
                    return;
                };
                let _ = response.into_body().collect().await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    start.elapsed().as_secs_f64()
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// The scenario on SQLite, and on PostgreSQL when a URL is given.
pub fn run(
    server_rt: &tokio::runtime::Runtime,
    client_rt: &tokio::runtime::Runtime,
    postgres: Option<&str>,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut backends = vec![(
        "SQLite",
        StoreConfig {
            url: Secret::new(format!(
                "sqlite://{}",
                dir.path().join("events.db").display()
            )),
            ..StoreConfig::default()
        },
    )];
    if let Some(url) = postgres {
        backends.push((
            "PostgreSQL",
            StoreConfig {
                url: Secret::new(url.to_owned()),
                schema: Some("binhdan_bench_events".to_owned()),
                max_connections: 16,
                ..StoreConfig::default()
            },
        ));
    }
    for (name, config) in backends {
        if let Some(pg) = server_rt.block_on(crate::postgres_cleanup(&config)) {
            server_rt.block_on(pg.close());
        }
        one(server_rt, client_rt, name, &config)?;
        if let Some(pg) = server_rt.block_on(crate::postgres_cleanup(&config)) {
            server_rt.block_on(pg.close());
        }
    }
    Ok(())
}

fn one(
    server_rt: &tokio::runtime::Runtime,
    client_rt: &tokio::runtime::Runtime,
    backend: &str,
    config: &StoreConfig,
) -> anyhow::Result<()> {
    let vault_config = binhdan_vault::VaultConfig::generate(&mut rand::rng());
    let vault = binhdan_vault::Vault::new(&vault_config)?;
    let setup = Instant::now();
    let world = server_rt.block_on(prepare(config, &vault))?;
    println!(
        "# events: {POINTS} points, {PARTICIPANTS} participants ({} by CCCD on the registry, {} guests by name), {WATCHERS} live screens; {backend}; set up in {:.1} s",
        PARTICIPANTS - PARTICIPANTS / GUEST_EVERY,
        PARTICIPANTS / GUEST_EVERY,
        setup.elapsed().as_secs_f64()
    );
    let addr = server_rt.block_on(async {
        let state = AppState::new(
            world.store.clone(),
            WebConfig::default(),
            Arc::new(SystemClock),
        )
        .with_auth(
            binhdan_vault::Vault::new(&vault_config)?,
            None,
            binhdan_core::people::DEFAULT_EVALUATION_DATE,
        );
        crate::serve(state).await
    })?;

    // The live screens connect first and watch throughout.
    let received = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(AtomicU64::new(0));
    let screens: Vec<Arc<AtomicU64>> = (0..WATCHERS).map(|_| Arc::new(AtomicU64::new(0))).collect();
    client_rt.block_on(async {
        for s in &screens {
            tokio::spawn(watch(
                addr,
                world.event,
                world.watcher.0.clone(),
                s.clone(),
                received.clone(),
                connected.clone(),
            ));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while connected.load(Ordering::Relaxed) < WATCHERS as u64 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });

    // The load.
    let cpu_before = crate::process_cpu_seconds();
    let start = Instant::now();
    let runs: Vec<PointRun> = client_rt.block_on(async {
        let mut tasks = Vec::with_capacity(POINTS);
        for (p, items) in world.work.iter().enumerate() {
            tasks.push(tokio::spawn(host(
                addr,
                world.event,
                world.points[p].clone(),
                items.clone(),
                p,
            )));
        }
        let mut runs = Vec::with_capacity(POINTS);
        for t in tasks {
            if let Ok(r) = t.await {
                runs.push(r);
            }
        }
        runs
    });
    let wall = start.elapsed().as_secs_f64();
    let cpu = crate::process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let mut latencies = histogram();
    let (mut acknowledged, mut repeats, mut refused, mut errors) = (0, 0, 0, 0);
    for r in &runs {
        let _ = latencies.add(&r.latencies);
        acknowledged += r.acknowledged;
        repeats += r.repeats_already;
        refused += r.refused;
        errors += r.errors;
    }
    let requests = latencies.len();
    println!(
        "check-ins over HTTP, one per request   wall {wall:.2} s   {:.0} check-ins/s   {:.0} requests/s   p50 {:.1} ms   p99 {:.1} ms   goal < 5 s: {}",
        PARTICIPANTS as f64 / wall,
        requests as f64 / wall,
        ms(&latencies, 0.5),
        ms(&latencies, 0.99),
        if wall < 5.0 { "met" } else { "NOT MET" }
    );
    println!(
        "  acknowledged new {acknowledged} of {PARTICIPANTS}; sent twice on purpose {repeats} (all answered \"already\"); refused {refused}; failed requests (retried) {errors}"
    );

    // The counts.
    let (points, live) = server_rt.block_on(async {
        Ok::<_, anyhow::Error>((
            world.store.points(world.event).await?,
            binhdan_app::events::live(world.store.as_ref(), world.event).await?,
        ))
    })?;
    let counted: u64 = points.iter().map(|p| p.checked_in).sum();
    let stored = server_rt.block_on(async {
        let mut n = 0;
        for p in &points {
            n += world.store.point_check_ins(p.id, 1_000).await?.len() as u64;
        }
        Ok::<u64, anyhow::Error>(n)
    })?;
    let lost = PARTICIPANTS as u64 - counted.min(PARTICIPANTS as u64);
    let double = counted.saturating_sub(PARTICIPANTS as u64);
    println!(
        "  final counts: points' sum {counted}, rows stored {stored}, live total {} → {lost} lost, {double} counted twice{}",
        live.participants,
        if lost == 0 && double == 0 && stored == counted && acknowledged == PARTICIPANTS as u64 {
            ""
        } else {
            "  MISMATCH"
        }
    );
    println!("  by group: {:?}", live.groups);

    // The ceiling: hyper's hello, the same requests from the same connections.
    let hello = server_rt.block_on(crate::start_hello())?;
    let per_point = usize::try_from(requests).unwrap_or(usize::MAX) / POINTS;
    let hello_cpu_before = crate::process_cpu_seconds();
    let hello_wall = client_rt.block_on(hello_wall(hello, per_point.max(1)));
    let hello_cpu = crate::process_cpu_seconds()
        .zip(hello_cpu_before)
        .map(|(after, before)| after - before);
    println!(
        "  beside hyper \"hello\" answering {} requests the same way: {hello_wall:.2} s → our wall is {:.1}× the ceiling",
        per_point * POINTS,
        wall / hello_wall.max(1e-9)
    );
    // CPU time (server, store threads and load generator together) per 1,000 requests.
    if let (Some(ours), Some(theirs)) = (cpu, hello_cpu) {
        let per_k = |seconds: f64, n: usize| seconds * 1_000.0 / n.max(1) as f64;
        let ours_k = per_k(ours, usize::try_from(requests).unwrap_or(usize::MAX));
        let theirs_k = per_k(theirs, per_point * POINTS);
        println!(
            "  CPU (this process, all threads) per 1,000 requests: ours {ours_k:.3} s, hello {theirs_k:.3} s → {:.1}×",
            ours_k / theirs_k.max(1e-9)
        );
    }

    // The group commit's worth: the same check-ins (a second event) one transaction each,
    // straight to the store, from as many tasks.
    let second = server_rt.block_on(async {
        let now = SystemClock.now();
        let e = world
            .store
            .create_event(
                &NewEvent {
                    title: "Lớp học trực tuyến".to_owned(),
                    kind: EventKind::Class,
                    unit: world.communes[0].clone(),
                    starts_at: Timestamp(now.millis() - 3_600_000),
                    ends_at: Timestamp(now.millis() + 3_600_000),
                    broadcast_url: None,
                },
                "bench",
                now,
            )
            .await?;
        let pts: Vec<NewPoint> = (0..POINTS)
            .map(|p| NewPoint {
                name: format!("Điểm {p}"),
                unit: world.communes[0].clone(),
                host_id: world.hosts[p],
                expected: 55,
                token: format!("bench2-{p}"),
            })
            .collect();
        Ok::<_, anyhow::Error>((e, world.store.add_points(e, &pts).await?))
    })?;
    let direct = server_rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for (p, items) in world.work.iter().enumerate() {
            let store = world.store.clone();
            let (event, point) = (second.0, second.1[p]);
            let items = items.clone();
            tasks.push(tokio::spawn(async move {
                for (n, identity) in items.iter().enumerate() {
                    let item = NewCheckIn {
                        event_id: event,
                        point_id: point,
                        participant: format!("x:{p}:{n}:{identity}"),
                        person_id: None,
                        cccd_hash: None,
                        reveal_within: Vec::new(),
                        via: CheckInVia::Name,
                        label: identity.clone(),
                        by: "bench".to_owned(),
                        at: SystemClock.now(),
                    };
                    let _ = store
                        .record_check_ins(&[item], AdultCutoff(i64::MAX / 2), SystemClock.now())
                        .await;
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        start.elapsed().as_secs_f64()
    });
    println!(
        "  beside one transaction per check-in straight to the store (no HTTP, no look-ups): {direct:.2} s → the whole HTTP path with group commit takes {:.2}× that",
        wall / direct.max(1e-9)
    );

    // Fan-out: one more check-in, and how long until every screen shows it.
    let before = received.load(Ordering::Relaxed);
    let target = live.participants + 1;
    let t0 = Instant::now();
    let (id, cookie, csrf) = world.points[0].clone();
    client_rt.block_on(async {
        let _ = host(
            addr,
            world.event,
            (id, cookie, csrf),
            vec!["Người Đến Muộn".to_owned()],
            1,
        )
        .await;
    });
    let mut reached: Histogram<u64> = histogram();
    client_rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut done = vec![false; WATCHERS];
        while Instant::now() < deadline && done.iter().any(|d| !d) {
            for (i, s) in screens.iter().enumerate() {
                if !done[i] && s.load(Ordering::Relaxed) >= target {
                    done[i] = true;
                    let _ = reached.record(
                        u64::try_from(t0.elapsed().as_micros())
                            .unwrap_or(u64::MAX)
                            .max(1),
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    println!(
        "live screens: {} connected; {} updates received during the load ({:.1} per screen); a check-in after the load reached {}/{WATCHERS} screens, p50 {:.0} ms, max {:.0} ms (figures read once per second per event and server, whatever the number of screens)",
        connected.load(Ordering::Relaxed),
        before,
        before as f64 / WATCHERS as f64,
        reached.len(),
        ms(&reached, 0.5),
        ms(&reached, 1.0)
    );
    Ok(())
}
