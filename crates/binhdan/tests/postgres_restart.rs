//! A server on PostgreSQL outlives a restart of its database. The real server runs on a
//! private PostgreSQL cluster made for the test (`initdb`, then `pg_ctl` on a free port with
//! its socket in the test's folder: the shared test server is never touched); the cluster is
//! stopped under it and started again:
//!
//! - while the database is down, `/readyz` answers 503 promptly (its own 2 s bound, not a hang
//!   on the pool), `/healthz` still 200, and a write is refused with 503 and `Retry-After`
//!   within seconds, never acknowledged;
//! - once the database is back, `/readyz` says ready again without a restart of the server;
//! - writes made after the restart are acknowledged and, read back over a fresh connection
//!   once the server is stopped, stored.
//!
//! It runs whenever PostgreSQL's programs are found (`BINHDAN_TEST_PG_BINDIR`, else
//! `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`), whether or not
//! `BINHDAN_TEST_POSTGRES_URL` is set: it needs the programs, not a server, and stopping a
//! server that others use is not an option. Without them it says so and passes without
//! checking anything. `initdb` refuses to run as root: as root, the cluster is made and run as
//! the `postgres` user (`runuser`), in a folder given to that user.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a synchronous test of a real server: deadlines on the monotonic clock, no runtime thread to block"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use support::{Server, binhdan, free_port, http, wait_ready};

/// A PostgreSQL cluster of the test's own, stopped (immediately) when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// Run as the `postgres` user (the test runs as root).
    as_postgres: bool,
}

/// Where PostgreSQL's programs are, if anywhere.
fn pg_bindir() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(d) = std::env::var_os("BINHDAN_TEST_PG_BINDIR") {
        return Some(PathBuf::from(d)).filter(|d| has(d));
    }
    let from_config = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(d) = from_config.filter(|d| has(d)) {
        return Some(d);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, d)| has(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    /// Makes the cluster (not started), or says why it cannot here.
    fn init() -> Result<Self, String> {
        let bin = pg_bindir().ok_or("PostgreSQL's initdb and pg_ctl are not installed")?;
        let as_postgres = is_root();
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        if as_postgres {
            let given = Command::new("chown")
                .args(["postgres:", "--"])
                .arg(dir.path())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !given {
                return Err(
                    "running as root, and there is no `postgres` user to run initdb".into(),
                );
            }
        }
        let cluster = Self {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .arg("--no-sync")
            .output()
            .map_err(|e| format!("initdb did not run: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(cluster)
    }

    /// One of PostgreSQL's programs, as the user that owns the cluster.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.stdin(Stdio::null()).stdout(Stdio::null());
        c
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn pg_ctl(&self, args: &[&str]) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(args)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -F",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        let log = log.to_str().unwrap();
        assert!(
            self.pg_ctl(&["-l", log, "-w", "-t", "60", "-o", &options, "start"]),
            "the private PostgreSQL did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
    }

    /// Stops the server as an operator's restart does (`fast`: sessions are ended).
    fn stop(&self) {
        assert!(
            self.pg_ctl(&["-w", "-t", "60", "-m", "fast", "stop"]),
            "the private PostgreSQL did not stop"
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Still running if the test failed half-way.
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
    }
}

/// Creates village `name` in commune 16591 through the operator's API.
fn create(addr: &str, name: &str) -> Option<(u16, String, String)> {
    http(
        addr,
        "POST",
        "/api/v1/units/16591/villages",
        &format!("{{\"name\": \"{name}\"}}"),
    )
}

/// Sends a request and times it.
fn timed(addr: &str, path: &str) -> (Option<u16>, Duration) {
    let start = Instant::now();
    let status = http(addr, "GET", path, "").map(|r| r.0);
    (status, start.elapsed())
}

#[test]
fn readyz_follows_a_postgresql_restart_and_later_writes_are_stored() {
    let cluster = match Cluster::init() {
        Ok(c) => c,
        Err(why) => {
            eprintln!("postgres_restart: {why}: not checked");
            return;
        }
    };
    cluster.start();
    let url = cluster.url();
    let work = tempfile::tempdir().unwrap();
    // The SQLite path `binhdan` sets is replaced by the cluster's URL.
    let unused = work.path().join("unused.sqlite");
    let migrated = binhdan(work.path(), &unused, &["migrate"])
        .env("BINHDAN_DATABASE_URL", &url)
        .status()
        .unwrap();
    assert!(migrated.success(), "binhdan migrate failed on PostgreSQL");

    let addr = format!("127.0.0.1:{}", free_port());
    let mut server = Server(
        binhdan(work.path(), &unused, &["serve"])
            .env("BINHDAN_DATABASE_URL", &url)
            .env("BINHDAN_LISTEN", &addr)
            .spawn()
            .unwrap(),
    );
    wait_ready(&addr);
    assert_eq!(http(&addr, "GET", "/readyz", "").unwrap().0, 200);
    let (status, _, body) = create(&addr, "Thôn Trước Khi Dừng").unwrap();
    assert_eq!(status, 201, "{body}");

    // The database goes away under the server.
    cluster.stop();
    for _ in 0..3 {
        let (status, took) = timed(&addr, "/readyz");
        assert_eq!(status, Some(503), "/readyz with the database down");
        assert!(
            took < Duration::from_secs(5),
            "/readyz took {took:?} to say the database is down"
        );
        eprintln!("postgres_restart: /readyz 503 in {took:?} with the database down");
    }
    let (status, _) = timed(&addr, "/healthz");
    assert_eq!(
        status,
        Some(200),
        "the process is alive while its database is down"
    );
    let start = Instant::now();
    let (status, head, body) = create(&addr, "Thôn Lúc Dừng").expect("the server answers");
    let took = start.elapsed();
    assert!(
        !(200..300).contains(&status),
        "a write acknowledged with the database down: {status} {body}"
    );
    // Busy, not broken: 503 with `Retry-After` (the pool waits at most 5 s for a connection),
    // not the request timeout's 408.
    assert_eq!(status, 503, "a write with the database down: {body}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after:"),
        "503 without Retry-After: {head}"
    );
    assert!(
        took < Duration::from_secs(10),
        "a write took {took:?} to be refused"
    );
    eprintln!(
        "postgres_restart: a write with the database down: {status} after {took:?} ({})",
        head.lines().next().unwrap_or_default()
    );

    // Back: ready again, without a restart of the server.
    cluster.start();
    let back = Instant::now();
    let mut ready = false;
    while back.elapsed() < Duration::from_secs(30) {
        if http(&addr, "GET", "/readyz", "").is_some_and(|r| r.0 == 200) {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        ready,
        "/readyz is not 200 30 s after the database came back"
    );
    eprintln!(
        "postgres_restart: ready {:?} after the database came back",
        back.elapsed()
    );
    let after: Vec<String> = (1..=5)
        .map(|n| format!("Thôn Sau Khi Chạy Lại {n}"))
        .collect();
    for name in &after {
        let (status, _, body) = create(&addr, name).expect("the server answers");
        assert_eq!(status, 201, "a write after the restart: {body}");
    }

    // Stopped, the server's acknowledged writes are in the database.
    let _ = server.0.kill();
    let _ = server.0.wait();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let names: Vec<String> = rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT name FROM unit WHERE level = 'village'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
    });
    for name in after
        .iter()
        .map(String::as_str)
        .chain(["Thôn Trước Khi Dừng"])
    {
        assert!(
            names.iter().any(|n| n == name),
            "{name} was acknowledged but is not stored: {names:?}"
        );
    }
}
