//! `task steps`: learners practising simulated tasks through the real pages, as a phone with
//! JavaScript off does: start an attempt (`POST /thuc-hanh/{task}`), then take a step on each
//! screen — the first action it offers: a choice, a button, or a form with its fields filled
//! in — and start the next task when the attempt ends (done or failed). Each connection is its
//! own signed-in learner. The figures are the steps per second and the steps' latency; the
//! starts are timed apart.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::answers::{AnswerFigures, LearnerRun, collect, hidden, micros, text};

pub const NAME: &str = "task steps";

/// Every connection practises as fast as it can until the deadline.
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

/// Percent-encodes a form value (the sealed attempt is base64url, but say so once).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The values of `attr="…"` in `html`, in order.
fn values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!("{attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

/// The form of the first action the screen offers, as a request body: its hidden fields, the
/// first choice or button's `a`, each text field filled in. `None` when the screen has no
/// action (the attempt is over).
fn first_action(html: &str) -> Option<String> {
    let screen = &html[html.find("class=\"sim-screen\"")?..];
    let form = &screen[screen.find("<form")?..];
    let form = &form[..form.find("</form>")?];
    let mut pairs: Vec<(String, String)> = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap_or(input.len())];
        let name = values(tag, "name").first().copied().unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if tag.contains("type=\"hidden\"") {
            let value = values(tag, "value").first().copied().unwrap_or_default();
            pairs.push((name.to_owned(), value.to_owned()));
        } else {
            pairs.push((name.to_owned(), "1".to_owned()));
        }
    }
    if let Some(button) = form
        .split("<button")
        .skip(1)
        .find(|b| b.contains("name=\"a\""))
    {
        let tag = &button[..button.find('>').unwrap_or(button.len())];
        pairs.push(("a".to_owned(), values(tag, "value").first()?.to_string()));
    }
    if !pairs.iter().any(|(k, _)| k == "a") || !pairs.iter().any(|(k, _)| k == "attempt") {
        return None;
    }
    Some(
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(&v.replace("&amp;", "&"))))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

/// One request on the connection: its status, body and time in µs.
async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    cookie: &str,
    path: &str,
    form: Option<String>,
) -> Option<(bool, String, u64)> {
    let builder = if form.is_some() {
        Request::post(path).header("content-type", "application/x-www-form-urlencoded")
    } else {
        Request::get(path)
    };
    let request = builder
        .header("host", "127.0.0.1")
        .header("cookie", cookie)
        .header("accept-encoding", "gzip")
        .body(Full::new(Bytes::from(form.unwrap_or_default())))
        .ok()?;
    let start = Instant::now();
    let response = sender.send_request(request).await.ok()?;
    let ok = response.status().is_success();
    let body = text(response).await?;
    Some((ok, body, micros(start)))
}

async fn learner(addr: SocketAddr, cookie: &str, offset: usize, deadline: Instant) -> LearnerRun {
    let mut run = LearnerRun::new();
    let Ok(stream) = TcpStream::connect(addr).await else {
        run.question_errors += 1;
        return run;
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
    else {
        run.question_errors += 1;
        return run;
    };
    tokio::spawn(conn);
    // The tasks on offer and this learner's CSRF token (from a task's start form).
    let Some((true, list, _)) = send(&mut sender, cookie, "/thuc-hanh", None).await else {
        run.question_errors += 1;
        return run;
    };
    let tasks: Vec<String> = values(&list, "href")
        .into_iter()
        .filter_map(|h| h.strip_prefix("/thuc-hanh/"))
        .filter(|t| !t.is_empty() && !t.contains('/'))
        .map(str::to_owned)
        .collect();
    if tasks.is_empty() {
        run.question_errors += 1;
        return run;
    }
    let first = format!("/thuc-hanh/{}", tasks[offset % tasks.len()]);
    let Some((true, intro, _)) = send(&mut sender, cookie, &first, None).await else {
        run.question_errors += 1;
        return run;
    };
    let Some(csrf) = hidden(&intro, "csrf").map(str::to_owned) else {
        run.question_errors += 1;
        return run;
    };
    let mut next = offset;
    while Instant::now() < deadline {
        let path = format!("/thuc-hanh/{}", tasks[next % tasks.len()]);
        next += 1;
        let Some((ok, mut page, took)) = send(
            &mut sender,
            cookie,
            &path,
            Some(format!("csrf={}", encode(&csrf))),
        )
        .await
        else {
            run.question_errors += 1;
            break;
        };
        let _ = run.questions.record(took);
        if !ok {
            run.question_errors += 1;
            continue;
        }
        // Step until the attempt ends (at most 40 steps: a task is shorter).
        for _ in 0..40 {
            let Some(form) = first_action(&page) else {
                break;
            };
            let Some((ok, body, took)) = send(&mut sender, cookie, &path, Some(form)).await else {
                run.answer_errors += 1;
                return run;
            };
            let _ = run.answers.record(took);
            if !ok {
                run.answer_errors += 1;
                break;
            }
            page = body;
            if Instant::now() >= deadline {
                break;
            }
        }
    }
    run
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_first_action_of_a_screen_is_its_form_with_the_first_choice() {
        let html = r#"<div class="sim-screen"><h2>x</h2>
<form class="sim-choices" action="/thuc-hanh/t" method="post">
<input type="hidden" name="csrf" value="c1"><input type="hidden" name="attempt" value="a+b/c"><input type="hidden" name="step" value="2">
<fieldset><button type="submit" name="a" value="0">A</button><button type="submit" name="a" value="1">B</button></fieldset></form></div>"#;
        assert_eq!(
            first_action(html).unwrap(),
            "csrf=c1&attempt=a%2Bb%2Fc&step=2&a=0"
        );
        let form = r#"<div class="sim-screen"><form class="stack sim-form" action="/x" method="post">
<input type="hidden" name="csrf" value="c"><input type="hidden" name="attempt" value="s"><input type="hidden" name="a" value="3">
<label for="f0-3">Số</label><input id="f0-3" name="f0" type="text"><button type="submit">Gửi</button></form></div>"#;
        assert_eq!(first_action(form).unwrap(), "csrf=c&attempt=s&a=3&f0=1");
        assert_eq!(first_action("<p>Hoàn thành!</p>"), None);
    }
}
