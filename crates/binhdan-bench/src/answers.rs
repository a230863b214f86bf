//! `quiz answers`: learners answering module quizzes through the real pages, as a phone with
//! JavaScript off does — open the quiz (`GET /hoc/kiem-tra/{module}`, which starts an attempt),
//! then post each answer (graded, recorded with its counters; the answer page carries the
//! feedback and the next question's form), and on to the next module. Each connection is its
//! own signed-in learner. The figures are the graded answers per second and the latency of the
//! answer posts; the quiz openings are timed apart.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use binhdan_core::Timestamp;
use binhdan_core::cccd::Sex;
use binhdan_core::unit::UnitCode;
use binhdan_store::{AdultCutoff, PersonRecord, SessionOwner, SessionRecord, Store};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::{Figures, histogram};

pub const NAME: &str = "quiz answers";

/// The modules whose quizzes the learners take, in turn (adult course).
const MODULES: [&str; 3] = ["cong-dan.dien-thoai", "cong-dan.vneid", "cong-dan.lua-dao"];

/// Creates learners numbered `first..first + count`, each with a session; returns their
/// cookies.
pub async fn learners(
    store: &dyn Store,
    first: usize,
    count: usize,
    now: Timestamp,
) -> anyhow::Result<Vec<String>> {
    let commune = UnitCode::parse("16591").map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut records = Vec::with_capacity(count);
    for i in first..first + count {
        let mut hash = [0xbe_u8; 32];
        hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        records.push(PersonRecord {
            cccd_hash: hash,
            cccd_sealed: vec![0],
            cccd_masked: format!("038*******{:02}", i % 100),
            name: format!("Người học {i}"),
            birth_year: 1970,
            birth_day: None,
            sex: Sex::Female,
            unit: commune.clone(),
            phone: None,
            membership: None,
        });
    }
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX / 2), now)
        .await?;
    import.write(&records).await?;
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "bench",
            "person.import",
        ))
        .await?;
    let mut cookies = Vec::with_capacity(count);
    for r in &records {
        let person = store
            .person_by_cccd_hash(&r.cccd_hash)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a bench learner is missing"))?;
        let token = binhdan_auth::session::SessionToken::generate(&mut rand::rng());
        store
            .create_session(&SessionRecord {
                key: token.storage_key(),
                owner: SessionOwner::Citizen(person.summary.id),
                created_at: now,
                last_seen_at: now,
                expires_at: Timestamp(now.0 + 3_600_000),
            })
            .await?;
        cookies.push(format!("binhdan={}", token.expose()));
    }
    Ok(cookies)
}

/// The figures of one run: answers, and the question fetches beside them.
pub struct AnswerFigures {
    pub answers: Figures,
    pub questions: Figures,
}

/// Every connection answers as fast as it can until the deadline.
pub async fn drive(addr: SocketAddr, cookies: &[String], seconds: u64) -> AnswerFigures {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, cookie) in cookies.iter().enumerate() {
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            learner(addr, &cookie, i, deadline).await
        }));
    }
    collect(tasks, started).await
}

pub(crate) struct LearnerRun {
    pub(crate) answers: Histogram<u64>,
    pub(crate) questions: Histogram<u64>,
    pub(crate) answer_errors: u64,
    pub(crate) question_errors: u64,
}

/// The value of a hidden input of the question form.
pub(crate) fn hidden<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(&html[at..at + html[at..].find('"')?])
}

/// An answer the form accepts (right or wrong, it is graded all the same), and whether it is
/// the whole answer: an ordering question is answered a tap (a post) per step, the last of
/// which is the answer; the taps before it are timed apart, like the quiz openings.
fn answer_fields(html: &str) -> (String, bool) {
    if html.contains("value=\"true\"") {
        return ("choice=true".to_owned(), true);
    }
    if html.contains("name=\"pick\"") {
        let picks: Vec<&str> = html
            .split("name=\"pick\" value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|v| *v != "lai")
            .collect();
        let field = |name| hidden(html, name).unwrap_or_default();
        return (
            format!(
                "steps={}&picked={}&pick={}",
                field("steps"),
                field("picked").replace(',', "%2C"),
                picks.first().copied().unwrap_or("0")
            ),
            picks.len() <= 1,
        );
    }
    ("choice=0".to_owned(), true)
}

/// A learner's connection and where they are: the module and the question in hand.
struct Seat {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    module: usize,
    page: Option<String>,
}

impl Seat {
    async fn open(addr: SocketAddr, module: usize) -> Option<Self> {
        let stream = TcpStream::connect(addr).await.ok()?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .ok()?;
        tokio::spawn(conn);
        Some(Self {
            sender,
            module,
            page: None,
        })
    }

    /// One step: opens the quiz when no question is in hand (timed as a question fetch),
    /// moves to the next module when the quiz is over, else posts an answer (timed as an
    /// answer). `false` when the connection failed.
    async fn step(&mut self, cookie: &str, run: &mut LearnerRun) -> bool {
        let path = format!("/hoc/kiem-tra/{}", MODULES[self.module % MODULES.len()]);
        let Some(html) = self.page.take() else {
            let Ok(get) = Request::get(path.as_str())
                .header("host", "127.0.0.1")
                .header("cookie", cookie)
                .header("accept-encoding", "gzip")
                .body(Full::new(Bytes::new()))
            else {
                return false;
            };
            let start = Instant::now();
            let Ok(response) = self.sender.send_request(get).await else {
                run.question_errors += 1;
                return false;
            };
            let ok = response.status().is_success();
            let Some(body) = text(response).await else {
                run.question_errors += 1;
                return false;
            };
            let _ = run.questions.record(micros(start));
            if ok {
                self.page = Some(body);
            } else {
                run.question_errors += 1;
            }
            return true;
        };
        let (Some(csrf), Some(attempt), Some(item)) = (
            hidden(&html, "csrf"),
            hidden(&html, "attempt"),
            hidden(&html, "item"),
        ) else {
            // No question on the page: the attempt is over, the next module.
            self.module += 1;
            return true;
        };
        let (fields, whole) = answer_fields(&html);
        let form = format!("csrf={csrf}&attempt={attempt}&item={item}&shown_at=0&{fields}");
        let Ok(post) = Request::post(path.as_str())
            .header("host", "127.0.0.1")
            .header("cookie", cookie)
            .header("accept-encoding", "gzip")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(form)))
        else {
            return false;
        };
        let start = Instant::now();
        let Ok(response) = self.sender.send_request(post).await else {
            run.answer_errors += 1;
            return false;
        };
        let ok = response.status().is_success();
        let Some(body) = text(response).await else {
            run.answer_errors += 1;
            return false;
        };
        let took = micros(start);
        match (whole, ok) {
            (true, true) => {
                let _ = run.answers.record(took);
            }
            (true, false) => {
                let _ = run.answers.record(took);
                run.answer_errors += 1;
            }
            (false, ok) => {
                let _ = run.questions.record(took);
                run.question_errors += u64::from(!ok);
            }
        }
        if ok {
            self.page = Some(body);
        }
        true
    }
}

impl LearnerRun {
    pub(crate) fn new() -> Self {
        Self {
            answers: histogram(),
            questions: histogram(),
            answer_errors: 0,
            question_errors: 0,
        }
    }
}

async fn learner(addr: SocketAddr, cookie: &str, offset: usize, deadline: Instant) -> LearnerRun {
    let mut run = LearnerRun::new();
    let Some(mut seat) = Seat::open(addr, offset).await else {
        run.question_errors += 1;
        return run;
    };
    while Instant::now() < deadline {
        if !seat.step(cookie, &mut run).await {
            break;
        }
    }
    run
}

pub const CLASS_NAME: &str = "class of 40";

/// A class at the village cultural house: every learner takes the same module's quiz, and in
/// each of `rounds` rounds all of them answer at once (a barrier releases them together, as
/// the question on the big screen does). A learner whose quiz is over opens the next module's
/// in that round. The answers per second are over the rounds' whole time.
pub async fn class(addr: SocketAddr, cookies: &[String], rounds: usize) -> AnswerFigures {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(cookies.len()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for cookie in cookies {
        let cookie = cookie.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut run = LearnerRun::new();
            let mut seat = Seat::open(addr, 0).await;
            for _ in 0..rounds {
                // Everyone waits for everyone, even a learner whose connection failed, so
                // the class never deadlocks.
                barrier.wait().await;
                if let Some(s) = seat.as_mut()
                    && !s.step(&cookie, &mut run).await
                {
                    seat = None;
                }
            }
            run
        }));
    }
    collect(tasks, started).await
}

/// The learners' runs together, per second over the time since `started`.
pub(crate) async fn collect(
    tasks: Vec<tokio::task::JoinHandle<LearnerRun>>,
    started: Instant,
) -> AnswerFigures {
    let (mut answers, mut questions) = (histogram(), histogram());
    let (mut answer_errors, mut question_errors) = (0, 0);
    for t in tasks {
        if let Ok(r) = t.await {
            let _ = answers.add(&r.answers);
            let _ = questions.add(&r.questions);
            answer_errors += r.answer_errors;
            question_errors += r.question_errors;
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let figures = |h: &Histogram<u64>, errors| Figures {
        requests: h.len(),
        errors,
        per_second: h.len() as f64 / elapsed,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
    };
    AnswerFigures {
        answers: figures(&answers, answer_errors),
        questions: figures(&questions, question_errors),
    }
}

/// The body as text, gunzipped if it came compressed (as a phone asks for it).
pub(crate) async fn text(response: hyper::Response<hyper::body::Incoming>) -> Option<String> {
    let gzip = response
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes() == b"gzip");
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    if gzip {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .ok()?;
        Some(out)
    } else {
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

pub(crate) fn micros(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}
