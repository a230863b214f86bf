//! Sign-in throttling per address as well as per account: one address cannot spray passwords
//! over many accounts, and a stranger's failures do not lock the owner out of a browser they
//! signed in from before.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::{TestApp, TestResponse};
use crate::people::{PASSWORD, commune_admin, encode, fixture, staff};

async fn sign_in(
    app: &TestApp,
    from: &str,
    cookie: Option<&str>,
    username: &str,
    password: &str,
) -> TestResponse {
    let mut r = Request::builder()
        .method(Method::POST)
        .uri("/dang-nhap")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    let mut r = r
        .body(Body::from(format!(
            "username={username}&password={}",
            encode(password)
        )))
        .unwrap();
    r.extensions_mut()
        .insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    app.send(r).await
}

#[tokio::test]
async fn one_address_cannot_spray_passwords_over_many_accounts() {
    let app = TestApp::new().await;
    let sprayer = "203.0.113.7:40000";
    for i in 0..30 {
        let r = sign_in(&app, sprayer, None, &format!("can.bo{i}"), "doan-bua-2026").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // The 31st account from the same address waits, and is told for how long.
    let r = sign_in(&app, sprayer, None, "can.bo31", "doan-bua-2026").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(
        r.text().contains("Đăng nhập sai quá nhiều lần"),
        "{}",
        r.text()
    );
    // Another port of the same address is the same address; an IPv6 network is one /64.
    let r = sign_in(&app, "203.0.113.7:40001", None, "can.bo32", "x-y-z-2026").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Someone at another address is not slowed.
    let r = sign_in(&app, "198.51.100.9:5000", None, "can.bo33", "x-y-z-2026").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_of_their_own_browser() {
    let app = TestApp::new().await;
    fixture(&app).await;
    staff(&app, "xa.mot", commune_admin("38/16591/")).await;
    let office = "192.0.2.10:1000";
    // The owner signs in once: their browser is marked.
    let ok = sign_in(&app, office, None, "xa.mot", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let mark = ok
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("binhdan_thiet_bi="))
        .expect("the browser's mark")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // A stranger elsewhere guesses until the account is locked for strangers.
    for _ in 0..6 {
        sign_in(&app, "203.0.113.50:1", None, "xa.mot", "doan-bua-2026").await;
    }
    let r = sign_in(&app, "203.0.113.50:1", None, "xa.mot", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // A new browser, even the owner's, waits too ...
    let r = sign_in(&app, office, None, "xa.mot", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // ... but the browser they signed in from before is let in.
    let r = sign_in(&app, office, Some(&mark), "xa.mot", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A forged mark counts for nothing.
    let forged = "binhdan_thiet_bi=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for _ in 0..6 {
        sign_in(&app, "203.0.113.51:1", None, "xa.mot", "doan-bua-2026").await;
    }
    let r = sign_in(&app, office, Some(forged), "xa.mot", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

/// A password change ends the account's other sessions at once, not a few seconds later.
#[tokio::test]
async fn a_password_change_ends_the_other_sessions_at_once() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let id = staff(&app, "xa.mot", commune_admin("38/16591/")).await;
    let (mine, token) = crate::people::session(&app, binhdan_store::SessionOwner::Staff(id)).await;
    let (stolen, _) = crate::people::session(&app, binhdan_store::SessionOwner::Staff(id)).await;
    // Both are in use (and so remembered by the server).
    for c in [&mine, &stolen] {
        assert_eq!(
            crate::people::get_as(&app, "/quan-ly", c).await.status,
            StatusCode::OK
        );
    }
    let new = "một mật khẩu mới đủ dài 2027";
    let r = crate::people::form(
        &app,
        "/quan-ly/tai-khoan",
        Some(&mine),
        &format!(
            "csrf={}&action=password&current={}&new_password={}&repeat={}",
            token.csrf_token().expose(),
            encode(PASSWORD),
            encode(new),
            encode(new)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // At once: the other session is gone, this one goes on.
    let r = crate::people::get_as(&app, "/quan-ly", &stolen).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        crate::people::get_as(&app, "/quan-ly", &mine).await.status,
        StatusCode::OK
    );
}
