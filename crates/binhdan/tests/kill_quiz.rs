//! A server killed (SIGKILL) while learners answer quizzes loses no answer it acknowledged
//! and records none twice. On SQLite the answers of many learners are written together by one
//! writer (a group commit): an answer is acknowledged only once its group is on disk. Sixteen
//! learners go through the citizens' course module by module, each answer its own request;
//! the server is killed mid-stream and started again on the same database:
//!
//! - every acknowledged answer is stored, in its place in its attempt;
//! - the last acknowledged answer, sent again, is refused as already answered;
//! - each attempt's answers are one per question, in order;
//! - `binhdan counters rebuild --check` finds the counters (quizzes passed, skilled) agree
//!   with the facts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a synchronous test: no runtime thread to block"
)]

mod support;

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use binhdan_content::ItemKind;
use binhdan_store::SessionOwner;
use support::{Server, binhdan, free_port, now, signed_in, store, wait_ready};

const LEARNERS: i64 = 16;

struct Learner {
    cookie: String,
    csrf: String,
}

/// What a learner's answer needs of a question: its kind and how many options it shows.
type Items = HashMap<String, (ItemKind, usize)>;

/// The curriculum loaded (before the demo, whose learners need it).
async fn load_content(db: &Path) {
    let store = store(db).await;
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(store.as_ref(), &content, now())
        .await
        .unwrap();
    store.close().await;
}

/// The citizens' course's modules with a quiz, their questions, and the demo's learners
/// signed in.
async fn prepare(db: &Path) -> (Vec<String>, Items, Vec<Learner>) {
    let store = store(db).await;
    let now = now();
    let outline = store.course_outline("cong-dan").await.unwrap().unwrap();
    let mut modules = Vec::new();
    let mut items = Items::new();
    for m in outline.modules {
        if let Some(quiz) = store.module_quiz(&m.id).await.unwrap()
            && !quiz.items.is_empty()
        {
            for (item, _) in quiz.items {
                items.insert(item.id.clone(), (item.kind, item.options.len()));
            }
            modules.push(m.id);
        }
    }
    let mut learners = Vec::new();
    for person in 1..=LEARNERS {
        assert!(
            store.person(person).await.unwrap().is_some(),
            "person {person}"
        );
        let (cookie, csrf) = signed_in(store.as_ref(), SessionOwner::Citizen(person), now).await;
        learners.push(Learner { cookie, csrf });
    }
    store.close().await;
    (modules, items, learners)
}

/// One request as a learner's browser sends it: the status and the page, or `None` if the
/// server did not answer.
fn send(
    addr: &str,
    learner: &Learner,
    method: &str,
    path: &str,
    body: &str,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        learner.cookie,
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status: u16 = out.get(9..12)?.parse().ok()?;
    let (_, page) = out.split_once("\r\n\r\n")?;
    Some((status, page.to_owned()))
}

/// A hidden field of the question's form.
fn hidden<'a>(page: &'a str, name: &str) -> Option<&'a str> {
    let at = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    page[at..].split('"').next()
}

/// An answer the form accepts (right or wrong does not matter here).
fn answer(learner: &Learner, attempt: &str, item: &str, items: &Items) -> String {
    let (kind, options) = items[item];
    let reply = match kind {
        ItemKind::Single | ItemKind::Image | ItemKind::Multiple => "choice=0".to_owned(),
        ItemKind::TrueFalse => "choice=true".to_owned(),
        ItemKind::Ordering => (0..options)
            .map(|k| format!("rank_{k}={}", k + 1))
            .collect::<Vec<_>>()
            .join("&"),
    };
    format!(
        "csrf={}&attempt={attempt}&item={item}&shown_at=0&{reply}",
        learner.csrf
    )
}

/// An acknowledged answer: the attempt, the question and the request that answered it.
struct Acked {
    attempt: i64,
    item: String,
    module: String,
    body: String,
}

#[test]
fn a_killed_server_loses_no_acknowledged_answer_and_records_none_twice() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.sqlite");
    let run = |args: &[&str]| {
        let status = binhdan(work.path(), &db, args).status().unwrap();
        assert!(status.success(), "binhdan {args:?}");
    };
    run(&["migrate"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(load_content(&db));
    let learners = LEARNERS.to_string();
    run(&["demo", "--people", "3000", "--learners", &learners]);
    let (modules, items, learners) = runtime.block_on(prepare(&db));
    let (modules, items, learners) = (Arc::new(modules), Arc::new(items), Arc::new(learners));

    let addr = format!("127.0.0.1:{}", free_port());
    let serve = || {
        binhdan(work.path(), &db, &["serve"])
            .env("BINHDAN_LISTEN", &addr)
            .spawn()
            .unwrap()
    };
    let mut server = Server(serve());
    wait_ready(&addr);

    // The server is killed once a third of all the answers are acknowledged: mid-stream,
    // however fast or slow the machine.
    let all: usize = items.len() * learners.len();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..learners.len())
        .map(|l| {
            let (addr, modules, items, learners, stop, count) = (
                addr.clone(),
                modules.clone(),
                items.clone(),
                learners.clone(),
                stop.clone(),
                count.clone(),
            );
            std::thread::spawn(move || {
                let me = &learners[l];
                let mut acked = Vec::new();
                'modules: for module in modules.iter() {
                    let path = format!("/hoc/kiem-tra/{module}");
                    let Some((200, mut page)) = send(&addr, me, "GET", &path, "") else {
                        break;
                    };
                    while let (Some(attempt), Some(item)) =
                        (hidden(&page, "attempt"), hidden(&page, "item"))
                    {
                        if stop.load(Ordering::Relaxed) {
                            break 'modules;
                        }
                        let body = answer(me, attempt, item, &items);
                        let Some((status, next)) = send(&addr, me, "POST", &path, &body) else {
                            break 'modules; // killed
                        };
                        match status {
                            200 => {
                                acked.push(Acked {
                                    attempt: attempt.parse().unwrap(),
                                    item: item.to_owned(),
                                    module: module.clone(),
                                    body,
                                });
                                count.fetch_add(1, Ordering::Relaxed);
                            }
                            503 => break 'modules, // shutting down under the kill
                            other => panic!("learner {l}, {module}: {other} on first send"),
                        }
                        page = next;
                    }
                }
                acked
            })
        })
        .collect();
    while count.load(Ordering::Relaxed) < all / 3 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<Vec<Acked>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let before: usize = acked.iter().map(Vec::len).sum();
    assert!(
        before >= all / 3 && before < all,
        "the kill came mid-stream: {before} of {all} acknowledged"
    );

    // Started again on the same file: every acknowledged answer is there, in its place.
    let mut server = Server(serve());
    wait_ready(&addr);
    runtime.block_on(async {
        let store = store(&db).await;
        for (l, answers) in acked.iter().enumerate() {
            let mut by_attempt: HashMap<i64, Vec<&Acked>> = HashMap::new();
            for a in answers {
                by_attempt.entry(a.attempt).or_default().push(a);
            }
            for (attempt, sent) in by_attempt {
                let stored = store.attempt_answers(attempt).await.unwrap();
                assert!(
                    stored.len() >= sent.len(),
                    "learner {l}, attempt {attempt}: {} acknowledged, {} stored",
                    sent.len(),
                    stored.len()
                );
                for (k, a) in sent.iter().enumerate() {
                    assert_eq!(stored[k].item_id, a.item, "learner {l}: answer {k} lost");
                }
                let plan = store.attempt(attempt).await.unwrap().unwrap().plan;
                let ids: Vec<&str> = stored.iter().map(|s| s.item_id.as_str()).collect();
                let planned: Vec<&str> = plan.iter().map(|p| p.item_id.as_str()).collect();
                assert_eq!(
                    ids,
                    planned[..ids.len()],
                    "learner {l}: one answer a question"
                );
            }
        }
        store.close().await;
    });
    // The last acknowledged answer sent again (its reply lost, say): already answered.
    for (l, answers) in acked.iter().enumerate() {
        if let Some(last) = answers.last() {
            let path = format!("/hoc/kiem-tra/{}", last.module);
            let (status, page) = (0..50)
                .find_map(|_| {
                    send(&addr, &learners[l], "POST", &path, &last.body).or_else(|| {
                        std::thread::sleep(Duration::from_millis(100));
                        None
                    })
                })
                .expect("the restarted server answers");
            assert_eq!(status, 409, "learner {l}: {page}");
        }
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();

    // The counters moved by the acknowledged answers agree with the facts.
    let out = binhdan(work.path(), &db, &["counters", "rebuild", "--check"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("tất cả khớp"), "{text}");
    eprintln!(
        "kill: {before} of at most {all} answers acknowledged before the kill, none lost or doubled"
    );
}
