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
    assert!(
        log.contains("Xem số CCCD đầy đủ <small class=\"code\">(person.view_identity)</small>"),
        "the action in words, its code small beside: {log}"
    );

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
    // By a staff username: what they did, and what was done to their account.
    let log = get("/quan-ly/nhat-ky?nguoi=xa.khac".into()).await;
    assert_eq!(
        actions(&log),
        ["person.view_identity", "person.list", "staff.create"],
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

/// Sign-in failures of each kind, as the log reads them: the account named when it exists
/// (never what was typed, the password or the code), one record per refused wait however
/// many attempts are refused, and each readable by those whose scope covers the account.
#[tokio::test]
async fn failed_sign_ins_are_in_the_log_of_those_who_may_read_them() {
    use crate::people::{PASSWORD, encode, form};
    let w = world().await;
    // A village facilitator of 16591 with two-step sign-in, and the sibling's admin disabled.
    let secret = binhdan_auth::totp::TotpSecret::generate(&mut rand::rng());
    let hash = binhdan_auth::password::hash_password(
        &binhdan_core::Secret::new(PASSWORD.into()),
        &mut rand::rng(),
    )
    .unwrap();
    let store = w.app.db.store.as_ref();
    store
        .create_staff(
            &binhdan_store::NewStaff {
                username: "thon.mot".into(),
                display_name: "Trưởng thôn Một".into(),
                password_hash: binhdan_core::Secret::new(hash),
                totp_secret: Some(secret.to_base32()),
                grants: vec![Grant::new(
                    Role::VillageFacilitator,
                    Scope::Unit {
                        path: "38/16591/16591001/".into(),
                    },
                )],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap();
    let khac = store.staff_by_username("xa.khac").await.unwrap().unwrap();
    store
        .set_staff_disabled(khac.id, true, AuditEntry::new("test", "staff.disable"), NOW)
        .await
        .unwrap();
    let password = encode(PASSWORD);
    let sign_in = |body: String| {
        let app = &w.app;
        async move { form(app, "/dang-nhap", None, &body).await.status }
    };
    // A wrong code, a disabled account, a CCCD typed as a username.
    let wrong_code = sign_in(format!("username=thon.mot&password={password}&totp=000000")).await;
    assert_eq!(wrong_code, StatusCode::UNAUTHORIZED);
    let disabled = sign_in(format!("username=xa.khac&password={password}")).await;
    assert_eq!(disabled, StatusCode::UNAUTHORIZED);
    let unknown = sign_in("username=038090012345&password=mat-khau-go-nham".into()).await;
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);
    // A flood of wrong passwords for the commune admin of 16591: five are checked, then the
    // account waits, and the hundred attempts refused while it waits leave one record.
    let mut statuses = Vec::new();
    for _ in 0..105 {
        statuses.push(sign_in("username=xa.cacson&password=doan-bua-2026".into()).await);
    }
    assert!(statuses[..5].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert!(
        statuses[5..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );

    let failed = "/quan-ly/nhat-ky?hanh-dong=staff.sign_in_failed";
    let log = get_as(&w.app, failed, &w.province).await.text();
    let words: Vec<&str> = log
        .split("<tr><td>")
        .skip(1)
        .map(|row| row.split("</td><td>").nth(3).unwrap())
        .collect();
    assert_eq!(
        words,
        [
            "Đăng nhập không thành công: bị chặn tạm thời vì sai quá nhiều lần <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mật khẩu <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mật khẩu <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mật khẩu <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mật khẩu <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mật khẩu <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: không có tài khoản với tên đăng nhập đã gõ <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: tài khoản đang bị khóa <small class=\"code\">(staff.sign_in_failed)</small>",
            "Đăng nhập không thành công: sai mã xác thực hai bước <small class=\"code\">(staff.sign_in_failed)</small>",
        ],
        "{log}"
    );
    assert!(log.contains("Người chưa đăng nhập"), "{log}");
    assert!(
        log.contains("Trưởng thôn Một (thon.mot)") && log.contains("Cán bộ xa.khac (xa.khac)"),
        "the accounts by name: {log}"
    );
    for secret in [
        "038090012345",
        "mat-khau-go-nham",
        "doan-bua-2026",
        "000000",
    ] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    let stored = store.audit_records(0, 1000).await.unwrap();
    for r in stored.iter().filter(|r| r.action == "staff.sign_in_failed") {
        for secret in [
            "038090012345",
            "mat-khau-go-nham",
            "doan-bua-2026",
            PASSWORD,
        ] {
            assert!(
                !r.detail.contains(secret) && !r.subject.contains(secret),
                "{r:?}"
            );
        }
    }
    // The commune admin of 16591 reads the failures of the accounts within it (their own
    // and the facilitator's), not the sibling's nor the unknown one's.
    let ours = get_as(&w.app, failed, &w.ours).await.text();
    assert_eq!(ours.matches("(staff.sign_in_failed)").count(), 7, "{ours}");
    assert!(
        !ours.contains("xa.khac") && !ours.contains("không có tài khoản"),
        "{ours}"
    );
    // Asking for an account lists what was done to it as well as what it did.
    let mine = get_as(&w.app, "/quan-ly/nhat-ky?nguoi=thon.mot", &w.ours)
        .await
        .text();
    assert_eq!(
        actions(&mine),
        ["staff.sign_in_failed", "staff.create"],
        "{mine}"
    );
}

/// Subjects and people read in words, the codes kept small beside them.
#[tokio::test]
async fn subjects_and_people_read_in_words() {
    let w = world().await;
    let log = get_as(&w.app, "/quan-ly/nhat-ky", &w.ours).await.text();
    let commune = w
        .app
        .db
        .store
        .unit(&crate::people::code("16591"))
        .await
        .unwrap()
        .unwrap()
        .name;
    assert!(
        log.contains(&format!(
            "<td>{commune} <small class=\"code\">unit:16591</small></td>"
        )) && log.contains(&format!(
            "<td>{commune} <small class=\"code\">16591</small></td>"
        )),
        "the unit by name: {log}"
    );
    assert!(
        log.contains(&format!(
            ">Nguyễn Văn A</a> <small class=\"code\">{}</small>",
            w.here
        )),
        "the person by name: {log}"
    );
    assert!(
        log.contains("Cán bộ xa.cacson (xa.cacson) <small class=\"code\">staff:"),
        "the account by name: {log}"
    );
    // Showing residents' names is itself audited.
    let log = get_as(&w.app, "/quan-ly/nhat-ky?hanh-dong=audit.view", &w.ours)
        .await
        .text();
    assert_eq!(actions(&log), ["audit.view"], "{log}");
}
