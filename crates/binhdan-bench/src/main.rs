//! `binhdan-bench`: throughput and latency of the real server, on loopback, beside the ceiling
//! of this machine — a minimal hyper "hello" server measured in the same run with the same
//! client. Prints one row per scenario: requests/s, p50, p99, and the ratio to hello.
//!
//! Run it in release mode: `cargo run --release -p binhdan-bench`. `--postgres URL` adds the
//! same scenarios on PostgreSQL. Later capabilities add their scenarios here.
//!
//! `--only credentials` measures certificate verifications per second per core (beside a bare
//! Ed25519 check) and issuances per second (see `credentials.rs`).
//!
//! `--only events` checks in 52,000 participants at 1,018 bridge points over HTTP while 1,000
//! live screens watch, and checks that none is lost or counted twice (see `events.rs`).
//!
//! `--only people-import` times `binhdan import people` of a generated roster (`--rows`, a
//! million by default) on SQLite, beside reading and checking the same file alone (see
//! `people_import.rs`).
//!
//! `task steps` (run by default) practises simulated tasks through their pages, a step at a
//! time, each connection its own learner (see `task_steps.rs`).
//!
//! `--only class` seats a class of 40 at the village cultural house: all answer the same
//! module's quiz, each question at once (answers per second and p99 beside the ceiling).
//!
//! `--only task-leak` replays the steps that solved a simulated task in one attempt on other
//! attempts (their own seeds), the leaked-answer-list study for tasks (see `task_leak.rs`).
//!
//! `--only exam-leak` runs `exam-bench`'s leaked-answer-list attack on the adaptive exam with
//! the pack's tasks in the bank: honest learners and cheaters (a list of answers and of task
//! steps) at several θ, with 0 to 6 tasks a sitting (see `exam_leak.rs`).

#![allow(clippy::print_stdout)] // a benchmark prints its figures
#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark times itself with the monotonic clock"
)]

mod answers;
mod credentials;
mod dashboard;
mod events;
mod exam_leak;
mod people_import;
mod task_leak;
mod task_steps;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use binhdan_app::demo::{self, DemoOptions};
use binhdan_core::Secret;
use binhdan_store::{OpsStore, Store, StoreConfig};
use binhdan_web::{AppState, Clock, SystemClock, WebConfig};
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

#[derive(Parser, Clone)]
#[command(about = "Benchmarks of Bình Dân on loopback")]
struct Args {
    /// Seconds per scenario.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent connections (each sends its next request when the last one is answered).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Inhabitants of the demo province the server runs on.
    #[arg(long, default_value_t = binhdan_core::demo::THANH_HOA_PEOPLE)]
    people: u64,
    /// Also run on this PostgreSQL database (a schema of its own is created and dropped).
    #[arg(long, env = "BINHDAN_BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Only scenarios whose name contains this (or one of these, comma-separated).
    #[arg(long)]
    only: Option<String>,
    /// Rows of the roster the `people-import` scenario generates and imports.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// `people-import` also times the store's writes alone (each in a transaction rolled back).
    #[arg(long)]
    parts: bool,
    /// The content pack `task-leak` and `exam-leak` read (the repository's by default).
    #[arg(long)]
    content: Option<std::path::PathBuf>,
    /// The seed of `task-leak`'s pairs and of `exam-leak`'s simulation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Sittings per cell of `exam-leak`.
    #[arg(long, default_value_t = 1_000)]
    attempts: usize,
}

impl Args {
    /// The parts of `--only` (comma-separated: `--only home,lesson`).
    fn only_parts(&self) -> Option<impl Iterator<Item = &str>> {
        self.only
            .as_deref()
            .map(|o| o.split(',').map(str::trim).filter(|p| !p.is_empty()))
    }

    /// Whether a scenario run by default is wanted: no `--only`, or a part of it is in its name.
    fn wants(&self, name: &str) -> bool {
        self.only_parts()
            .is_none_or(|mut parts| parts.any(|p| name.contains(p)))
    }

    /// Whether a scenario run only on demand was asked for by a part of `--only`.
    fn asks_for(&self, name: &str) -> bool {
        self.only_parts()
            .is_some_and(|mut parts| parts.any(|p| name.contains(p)))
    }
}

/// Learners in the class scenario, and its rounds (all answer at once in each).
const CLASS_SIZE: usize = 40;
const CLASS_ROUNDS: usize = 60;

/// One request pattern: `paths[i % len]` for the i-th request of a connection.
struct Scenario {
    name: &'static str,
    paths: Vec<String>,
}

struct Figures {
    requests: u64,
    errors: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// mimalloc rather than glibc's malloc: under a crowd of check-ins, allocation took about a
/// quarter of the server's CPU (perf), in many small short-lived buffers across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The servers and the load generator each get their own runtime, as separate processes
    // would, sharing this machine's cores.
    // Named threads, so a profile (`perf report --comm server`) tells the two apart.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("server")
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()?;

    let wanted = |name: &str| args.wants(name);
    if scenarios().iter().any(|s| wanted(s.name))
        || wanted(answers::NAME)
        || args.asks_for(answers::CLASS_NAME)
        || wanted(task_steps::NAME)
    {
        http_scenarios(&args, &server_rt, &client_rt)?;
    }
    if wanted(people_import::NAME) {
        people_import::run(&server_rt, args.rows, args.parts)?;
    }
    if args.asks_for(dashboard::NAME) {
        dashboard::run(&server_rt, args.people, 200)?;
    }
    if args.asks_for(events::NAME) {
        events::run(&server_rt, &client_rt, args.postgres.as_deref())?;
    }
    if args.asks_for(credentials::NAME) {
        credentials::run(&server_rt, args.seconds, 500)?;
    }
    let content = args
        .content
        .clone()
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content"));
    if args.asks_for(task_leak::NAME) {
        task_leak::run(&content, 2_000, args.seed)?;
    }
    if args.asks_for(exam_leak::NAME) {
        exam_leak::run(&content, args.seed, args.attempts)?;
    }
    Ok(())
}

/// The HTTP scenarios, on each backend, beside the hello ceiling.
fn http_scenarios(
    args: &Args,
    server_rt: &tokio::runtime::Runtime,
    client_rt: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    println!(
        "# binhdan-bench: {} s per scenario, {} connections, {} cores",
        args.seconds,
        args.connections,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let hello = server_rt.block_on(start_hello())?;
    let ceiling = client_rt.block_on(drive(hello, &["/".to_owned()], args));
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>8} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "ratio"
    );
    print_row("hello (hyper, the ceiling)", &ceiling, &ceiling);

    let mut backends: Vec<(&str, StoreConfig)> = Vec::new();
    let dir = tempfile::tempdir()?;
    backends.push((
        "sqlite",
        StoreConfig {
            url: Secret::new(format!(
                "sqlite://{}",
                dir.path().join("bench.db").display()
            )),
            ..StoreConfig::default()
        },
    ));
    if let Some(url) = &args.postgres {
        backends.push((
            "postgres",
            StoreConfig {
                url: Secret::new(url.clone()),
                schema: Some("binhdan_bench".to_owned()),
                max_connections: 16,
                ..StoreConfig::default()
            },
        ));
    }
    for (name, config) in backends {
        let store = server_rt
            .block_on(prepare(&config, args.people))
            .with_context(|| format!("preparing {name}"))?;
        let addr = server_rt.block_on(start_binhdan(store.clone()))?;
        for scenario in scenarios() {
            if !args.wants(scenario.name) {
                continue;
            }
            let figures = client_rt.block_on(drive(addr, &scenario.paths, args));
            print_row(&format!("{} [{name}]", scenario.name), &figures, &ceiling);
        }
        if args.wants(answers::NAME) {
            let cookies = server_rt.block_on(answers::learners(
                store.as_ref(),
                0,
                args.connections,
                SystemClock.now(),
            ))?;
            let before = server_rt.block_on(store.answers_recorded())?;
            let f = client_rt.block_on(answers::drive(addr, &cookies, args.seconds));
            print_row(&format!("{} [{name}]", answers::NAME), &f.answers, &ceiling);
            // Every answer acknowledged is stored, once.
            let stored = server_rt.block_on(store.answers_recorded())? - before;
            let acknowledged = f.answers.requests - f.answers.errors;
            println!(
                "  answers acknowledged {acknowledged}, stored {stored}{}",
                if acknowledged == stored {
                    ""
                } else {
                    "  MISMATCH"
                }
            );
            print_row(
                &format!("  quiz openings and ordering taps [{name}]"),
                &f.questions,
                &ceiling,
            );
        }
        if args.wants(task_steps::NAME) {
            // Learners of their own, numbered after the others.
            let cookies = server_rt.block_on(answers::learners(
                store.as_ref(),
                20_000,
                args.connections,
                SystemClock.now(),
            ))?;
            // Practice attempts are sealed by the vault: a server of the same store with one.
            let with_vault = server_rt.block_on(async {
                let vault = binhdan_vault::Vault::new(&binhdan_vault::VaultConfig::generate(
                    &mut rand::rng(),
                ))?;
                let state =
                    AppState::new(store.clone(), WebConfig::default(), Arc::new(SystemClock))
                        .with_auth(vault, None, binhdan_core::people::DEFAULT_EVALUATION_DATE);
                serve(state).await
            })?;
            let f = client_rt.block_on(task_steps::drive(with_vault, &cookies, args.seconds));
            print_row(
                &format!("{} [{name}]", task_steps::NAME),
                &f.answers,
                &ceiling,
            );
            print_row(
                &format!("  task starts between [{name}]"),
                &f.questions,
                &ceiling,
            );
        }
        if args.asks_for(answers::CLASS_NAME) {
            // Learners of their own, numbered after the quiz answers' connections.
            let cookies = server_rt.block_on(answers::learners(
                store.as_ref(),
                10_000,
                CLASS_SIZE,
                SystemClock.now(),
            ))?;
            let before = server_rt.block_on(store.answers_recorded())?;
            let f = client_rt.block_on(answers::class(addr, &cookies, CLASS_ROUNDS));
            print_row(
                &format!("{} [{name}]", answers::CLASS_NAME),
                &f.answers,
                &ceiling,
            );
            let stored = server_rt.block_on(store.answers_recorded())? - before;
            let acknowledged = f.answers.requests - f.answers.errors;
            println!(
                "  {CLASS_SIZE} learners, {CLASS_ROUNDS} rounds: answers acknowledged {acknowledged}, stored {stored}{}",
                if acknowledged == stored {
                    ""
                } else {
                    "  MISMATCH"
                }
            );
        }
        if name == "postgres" {
            server_rt.block_on(async {
                if let Some(pg) = postgres_cleanup(&config).await {
                    pg.close().await;
                }
            });
        }
    }
    Ok(())
}

fn scenarios() -> Vec<Scenario> {
    let queries = [
        "thanh%20hoa",
        "cac%20son",
        "THON%20DONG",
        "phuong",
        "xa%20ha",
        "ban%20le",
        "to%20dan%20pho%203",
        "ngoc",
    ];
    vec![
        Scenario {
            name: "home page /",
            paths: vec!["/".to_owned()],
        },
        Scenario {
            name: "unit search (API)",
            paths: queries
                .iter()
                .map(|q| format!("/api/v1/units?q={q}&limit=20"))
                .collect(),
        },
        Scenario {
            name: "unit search (page)",
            paths: queries.iter().map(|q| format!("/tim-kiem?q={q}")).collect(),
        },
        Scenario {
            name: "commune page",
            paths: ["16591", "16636", "15271", "14797"]
                .iter()
                .map(|c| format!("/don-vi/{c}"))
                .collect(),
        },
        Scenario {
            name: "course list /hoc",
            paths: vec!["/hoc".to_owned()],
        },
        Scenario {
            name: "verification /xac-minh",
            paths: vec!["/xac-minh".to_owned()],
        },
        Scenario {
            name: "lesson page",
            paths: [
                "cong-dan.dien-thoai.bat-tat-va-sac",
                "cong-dan.vneid.vneid-la-gi",
            ]
            .iter()
            .map(|l| format!("/bai/{l}"))
            .collect(),
        },
    ]
}

fn print_row(name: &str, f: &Figures, ceiling: &Figures) {
    let ratio = if ceiling.per_second > 0.0 {
        f.per_second / ceiling.per_second
    } else {
        0.0
    };
    println!(
        "{name:<34} {:>10.0} {:>9.2} {:>9.2} {:>8} {:>6.1}%  ({} requests)",
        f.per_second,
        f.p50_ms,
        f.p99_ms,
        f.errors,
        ratio * 100.0,
        f.requests
    );
}

async fn prepare(config: &StoreConfig, people: u64) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(pg) = postgres_cleanup(config).await {
        pg.close().await;
    }
    let store = binhdan_store::connect(config).await?;
    let now = SystemClock.now();
    binhdan_app::bootstrap::load_map(store.as_ref(), now).await?;
    let options = DemoOptions {
        people,
        ..DemoOptions::default()
    };
    if !demo::has_villages(store.as_ref(), &options.province).await? {
        demo::build(store.as_ref(), &options, now).await?;
    }
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(store.as_ref(), &content, now)
        .await
        .map_err(|e| anyhow::anyhow!("loading the curriculum: {e}"))?;
    Ok(store)
}

/// Drops the bench schema left by an earlier run.
async fn postgres_cleanup(config: &StoreConfig) -> Option<binhdan_store::postgres::PgStore> {
    let schema = config.schema.clone()?;
    let plain = StoreConfig {
        schema: None,
        migrate_on_start: false,
        ..config.clone()
    };
    let pg = binhdan_store::postgres::PgStore::open(&plain).await.ok()?;
    pg.drop_schema(&schema).await.ok()?;
    Some(pg)
}

async fn start_binhdan(store: Arc<dyn Store>) -> anyhow::Result<SocketAddr> {
    let state = AppState::new(store, WebConfig::default(), Arc::new(SystemClock));
    serve(state).await
}

/// Serves the application as `binhdan serve` does: the server's own accept loop
/// (`binhdan_web::server::serve`, with the configuration's limits), not `axum::serve`, which
/// rebuilds the whole router for every new connection.
pub(crate) async fn serve(state: AppState) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let limits = state.config.serve_limits();
    tokio::spawn(binhdan_web::server::serve(
        listener,
        binhdan_web::router(state),
        limits,
        std::future::pending(),
    ));
    Ok(addr)
}

/// The ceiling: hyper answering "hello" with nothing else on the path.
async fn start_hello() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"hello",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// Keeps `connections` keep-alive connections busy for the configured time.
async fn drive(addr: SocketAddr, paths: &[String], args: &Args) -> Figures {
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let paths: Arc<Vec<String>> = Arc::new(paths.to_vec());
    let mut tasks = Vec::new();
    for c in 0..args.connections {
        let paths = paths.clone();
        tasks.push(tokio::spawn(async move {
            connection(addr, &paths, c, deadline).await
        }));
    }
    let mut hist = histogram();
    let mut errors = 0;
    let started = Instant::now();
    for t in tasks {
        if let Ok((h, e)) = t.await {
            let _ = hist.add(h);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    Figures {
        requests: hist.len(),
        errors,
        per_second: hist.len() as f64 / elapsed,
        p50_ms: hist.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: hist.value_at_quantile(0.99) as f64 / 1000.0,
    }
}

/// The CPU time this process has used so far (user and system, all threads), from
/// `/proc/self/stat` in clock ticks of 1/100 s (Linux's `USER_HZ`); `None` elsewhere. Beside
/// wall time it tells work done from time spent waiting for cores that other work took.
pub(crate) fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) start with the state, the
    // third field; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Latencies from 1 µs to 60 s at 3 significant digits.
#[allow(clippy::expect_used)] // constant, valid bounds: low ≥ 1, high ≥ 2·low, precision ≤ 5
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

async fn connection(
    addr: SocketAddr,
    paths: &[String],
    offset: usize,
    deadline: Instant,
) -> (Histogram<u64>, u64) {
    let mut hist = histogram();
    let mut errors = 0;
    let Ok(stream) = TcpStream::connect(addr).await else {
        return (hist, 1);
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        return (hist, 1);
    };
    tokio::spawn(conn);
    let mut i = offset;
    while Instant::now() < deadline {
        let path = &paths[i % paths.len()];
        i += 1;
        let Ok(request) = Request::get(path.as_str())
            .header("host", "127.0.0.1")
            .header("accept-encoding", "gzip")
            .body(Empty::<Bytes>::new())
        else {
            errors += 1;
            continue;
        };
        let start = Instant::now();
        if let Ok(response) = sender.send_request(request).await {
            let ok = response.status().is_success();
            if response.into_body().collect().await.is_err() || !ok {
                errors += 1;
            }
            let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            let _ = hist.record(micros.max(1));
        } else {
            errors += 1;
            break;
        }
    }
    (hist, errors)
}
