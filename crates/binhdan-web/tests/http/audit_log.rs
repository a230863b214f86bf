//! The audit log as staff read it (issue 18, item 5): in words, newest first, filtered by
//! person, action and days, and limited to the reader's scope.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_store::SessionOwner;

use crate::helpers::{NOW, TestApp};
use crate::learning_status::resident;
use crate::people::{commune_admin, fixture, get_as, session, staff};

const DAY: i64 = 86_400_000;

/// The actions of the log's rows, in order.
fn actions(html: &str) -> Vec<String> {
    html.split("<tr><td>")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("</td><td>").collect();
            let action = cells[3];
            action[action.rfind('(').unwrap() + 1..action.rfind(')').unwrap()].to_owned()
        })
        .collect()
}

struct World {
    app: TestApp,
    /// Cookies of the commune admin of 16591, of its sibling 16594, and of a province admin.
    ours: String,
    theirs: String,
    province: String,
    /// A resident of 16591 and one of 16594.
    here: i64,
    there: i64,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let (here, _) = fixture(&app).await;
    let there = resident(&app, "Ngô Văn Khác", "038090000105", "16594001").await;
    let ours = staff(&app, "xa.cacson", commune_admin("38/16591/")).await;
    let theirs = staff(&app, "xa.khac", commune_admin("38/16594/")).await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Everywhere),
    )
    .await;
    let (ours, _) = session(&app, SessionOwner::Staff(ours)).await;
    let (theirs, _) = session(&app, SessionOwner::Staff(theirs)).await;
    let (province, _) = session(&app, SessionOwner::Staff(province)).await;
    // Each commune admin looks at their own people: a list and a person each.
    for (cookie, unit, person) in [(&ours, "16591", here), (&theirs, "16594", there)] {
        let list = get_as(&app, &format!("/quan-ly/nguoi?don-vi={unit}"), cookie).await;
        assert_eq!(list.status, StatusCode::OK);
        let page = get_as(&app, &format!("/quan-ly/nguoi/{person}"), cookie).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    // Targets set three days ago, one per commune, by the operator.
    for unit in ["16591", "16594"] {
        app.db
            .store
            .append_audit(
                AuditEntry::new("cli", "target.set").subject(unit),
                Timestamp(NOW.0 - 3 * DAY),
            )
            .await
            .unwrap();
    }
    World {
        app,
        ours,
        theirs,
        province,
        here,
        there,
    }
}

#[tokio::test]
async fn a_commune_admin_reads_only_their_communes_records() {
    let w = world().await;
    let home = get_as(&w.app, "/quan-ly", &w.ours).await.text();
    assert!(home.contains("href=\"/quan-ly/nhat-ky\""), "{home}");
    let log = get_as(&w.app, "/quan-ly/nhat-ky", &w.ours).await;
    assert_eq!(log.status, StatusCode::OK);
    let log = log.text();
    assert!(log.contains("Chỉ gồm các bản ghi"), "{log}");
    // Newest first (by sequence): the commune's target, their look at a person, their list,
    // their account's creation, the commune's school.
    assert_eq!(
        actions(&log),
        [
            "target.set",
            "person.view_identity",
            "person.list",
            "staff.create",
            "organisation.create"
        ],
        "{log}"
    );
    assert!(log.contains(&format!("href=\"/quan-ly/nguoi/{}\"", w.here)));
    assert!(!log.contains(&format!("href=\"/quan-ly/nguoi/{}\"", w.there)));
    assert!(
        !log.contains("16594"),
        "nothing of the sibling commune: {log}"
    );
    assert!(!log.contains("xa.khac"), "{log}");
    assert!(
        log.contains("Cán bộ xa.cacson (xa.cacson)"),
        "staff by name"
    );
    assert!(log.contains("Xem số CCCD đầy đủ (person.view_identity)"));

    // The sibling sees theirs, and asking for the other commune's person finds nothing.
    let log = get_as(&w.app, "/quan-ly/nhat-ky", &w.theirs).await.text();
    assert!(log.contains(&format!("href=\"/quan-ly/nguoi/{}\"", w.there)));
    assert!(!log.contains("xa.cacson"), "{log}");
    let log = get_as(
        &w.app,
        &format!("/quan-ly/nhat-ky?nguoi={}", w.here),
        &w.theirs,
    )
    .await
    .text();
    assert!(actions(&log).is_empty(), "{log}");
    assert!(log.contains("Không có bản ghi nào khớp."), "{log}");

    // A province-wide reader sees both communes.
    let log = get_as(&w.app, "/quan-ly/nhat-ky", &w.province).await.text();
    assert!(
        log.contains("xa.cacson") && log.contains("xa.khac"),
        "{log}"
    );
    assert!(!log.contains("Chỉ gồm các bản ghi"), "{log}");

    // A village facilitator does not read the log, and is not offered it.
    let facilitator = staff(
        &w.app,
        "thon",
        Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/16591001/".into(),
            },
        ),
    )
    .await;
    let (cookie, _) = session(&w.app, SessionOwner::Staff(facilitator)).await;
    assert_eq!(
        get_as(&w.app, "/quan-ly/nhat-ky", &cookie).await.status,
        StatusCode::FORBIDDEN
    );
    let home = get_as(&w.app, "/quan-ly", &cookie).await.text();
    assert!(!home.contains("href=\"/quan-ly/nhat-ky\""), "{home}");
}

#[tokio::test]
async fn the_log_filters_by_person_action_and_day() {
    let w = world().await;
    let get = |uri: String| {
        let app = &w.app;
        let cookie = w.province.clone();
        async move { get_as(app, &uri, &cookie).await.text() }
    };
    // By a staff username: what they did.
    let log = get("/quan-ly/nhat-ky?nguoi=xa.khac".into()).await;
    assert_eq!(
        actions(&log),
        ["person.view_identity", "person.list"],
        "{log}"
    );
    assert!(
        log.contains("value=\"xa.khac\""),
        "the filter keeps its value"
    );
    // By a person's number: what was done about them.
    let log = get(format!("/quan-ly/nhat-ky?nguoi={}", w.here)).await;
    assert_eq!(actions(&log), ["person.view_identity"], "{log}");
    // By action, from the select of actions in words.
    assert!(log.contains("<option value=\"target.set\">Đặt chỉ tiêu</option>"));
    let log = get("/quan-ly/nhat-ky?hanh-dong=person.list".into()).await;
    assert_eq!(actions(&log), ["person.list", "person.list"], "{log}");
    assert!(log.contains("<option value=\"person.list\" selected>"));
    // By days, Vietnam time, both ends included: three days ago holds only the targets.
    let day =
        binhdan_core::people::Date::from_timestamp_vietnam(Timestamp(NOW.0 - 3 * DAY)).unwrap();
    let iso = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    let log = get(format!("/quan-ly/nhat-ky?tu={iso}&den={iso}")).await;
    assert_eq!(actions(&log), ["target.set", "target.set"], "{log}");
    let log = get(format!("/quan-ly/nhat-ky?den={day}&hanh-dong=target.set")).await;
    assert_eq!(
        actions(&log),
        ["target.set", "target.set"],
        "day/month/year too"
    );
    let log = get(format!("/quan-ly/nhat-ky?den={iso}&hanh-dong=staff.create")).await;
    assert!(actions(&log).is_empty(), "accounts were made today: {log}");
    // A CCCD typed as the person is refused and not shown back.
    let cccd = get_as(&w.app, "/quan-ly/nhat-ky?nguoi=038090012345", &w.province).await;
    assert_eq!(cccd.status, StatusCode::BAD_REQUEST);
    assert!(
        cccd.text().contains("không nhập số CCCD"),
        "{}",
        cccd.text()
    );
    assert!(!cccd.text().contains("038090012345"));
    // A date that is not one is refused in words.
    let bad = get_as(&w.app, "/quan-ly/nhat-ky?tu=2026-02-30", &w.province).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("2026-02-30"), "{}", bad.text());
    let bad = w
        .app
        .send(
            axum::http::Request::get("/quan-ly/nhat-ky?den=hom-qua")
                .header(axum::http::header::COOKIE, &w.province)
                .header(axum::http::header::ACCEPT_LANGUAGE, "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("is not a date"), "{}", bad.text());
}
