//! Staff accounts managed through the pages: the ladder of who may appoint whom, where; the
//! password policy; disabling an account signs it out everywhere.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_store::SessionOwner;

use crate::helpers::TestApp;
use crate::people::{PASSWORD, encode, fixture, form, get_as, session, staff};

fn create_body(csrf: &str, username: &str, password: &str, role: &str, unit: &str) -> String {
    format!(
        "csrf={csrf}&username={}&name={}&password={}&role={role}&scope=16591&other_unit={unit}",
        encode(username),
        encode("Lò Thị Mai"),
        encode(password)
    )
}

#[tokio::test]
async fn a_commune_admin_appoints_facilitators_in_the_commune_only() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let commune = staff(
        &app,
        "xa.mot",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    staff(
        &app,
        "xa.hai",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16594/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(commune)).await;
    let csrf = token.csrf_token().expose().clone();

    let page = get_as(&app, "/quan-ly/can-bo", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("xa.mot"), "{}", page.text());
    assert!(
        !page.text().contains("xa.hai"),
        "the sibling commune's admin is not listed"
    );
    // The roles on offer are those a commune admin may appoint.
    assert!(page.text().contains("value=\"village_facilitator\""));
    assert!(!page.text().contains("value=\"province_admin\""));

    // A lookalike of another account's name (a zero-width space, a Cyrillic letter, an
    // accented one): refused, nothing created.
    for lookalike in ["xa.mot\u{200b}", "xа.mot", "xã.mot"] {
        let r = form(
            &app,
            "/quan-ly/can-bo",
            Some(&cookie),
            &create_body(
                &csrf,
                lookalike,
                PASSWORD,
                "village_facilitator",
                "16591001",
            ),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{lookalike:?}: {}",
            r.text()
        );
        assert!(r.text().contains("không dấu"), "{}", r.text());
        assert!(
            app.db
                .store
                .staff_by_username(lookalike)
                .await
                .unwrap()
                .is_none()
        );
    }

    // Beyond the ladder or outside the commune: refused, nothing created.
    for (role, unit) in [
        ("province_admin", "16591"),
        ("commune_admin", "16591"),
        ("village_facilitator", "16594001"),
    ] {
        let r = form(
            &app,
            "/quan-ly/can-bo",
            Some(&cookie),
            &create_body(&csrf, "thu.mai", PASSWORD, role, unit),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} at {unit}");
        assert!(r.text().contains("Bạn không được giao vai trò này"));
    }
    assert!(
        app.db
            .store
            .staff_by_username("thu.mai")
            .await
            .unwrap()
            .is_none()
    );
    // A weak password is refused with the policy's reason, and never echoed back.
    let r = form(
        &app,
        "/quan-ly/can-bo",
        Some(&cookie),
        &create_body(
            &csrf,
            "thu.mai",
            "123456",
            "village_facilitator",
            "16591001",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("ít nhất 10 ký tự"), "{}", r.text());
    assert!(!r.text().contains("value=\"123456\""));
    // A forged token changes nothing.
    let r = form(
        &app,
        "/quan-ly/can-bo",
        Some(&cookie),
        &create_body(
            "forged",
            "thu.mai",
            PASSWORD,
            "village_facilitator",
            "16591001",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A facilitator of a village of the commune: created, listed, audited, and able to sign in.
    let r = form(
        &app,
        "/quan-ly/can-bo",
        Some(&cookie),
        &create_body(
            &csrf,
            "Thu.Mai",
            PASSWORD,
            "village_facilitator",
            "16591001",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("thu.mai"));
    let created = app
        .db
        .store
        .staff_by_username("thu.mai")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        created.grants,
        [Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/16591001/".into()
            }
        )]
    );
    let again = form(
        &app,
        "/quan-ly/can-bo",
        Some(&cookie),
        &create_body(
            &csrf,
            "thu.mai",
            PASSWORD,
            "village_facilitator",
            "16591001",
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("đã có người dùng"));
    let audit = app.db.store.audit_records(0, 100).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "staff.create"
        && r.actor == format!("staff:{commune}")
        && r.subject == format!("staff:{}", created.id)));
    assert!(audit.iter().all(|r| !r.detail.contains(PASSWORD)));
    let signed_in = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=thu.mai&password={}", encode(PASSWORD)),
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_everywhere_and_cannot_sign_in() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let commune = staff(
        &app,
        "xa.mot",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let facilitator = staff(
        &app,
        "to.cong.nghe",
        Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/16591001/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(commune)).await;
    let csrf = token.csrf_token().expose().clone();
    let (their_cookie, _) = session(&app, SessionOwner::Staff(facilitator)).await;
    assert_eq!(
        get_as(&app, "/quan-ly", &their_cookie).await.status,
        StatusCode::OK
    );

    // Not oneself, not one's superior.
    for id in [commune, province] {
        let r = form(
            &app,
            &format!("/quan-ly/can-bo/{id}/khoa"),
            Some(&cookie),
            &format!("csrf={csrf}&disabled=1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = form(
        &app,
        "/quan-ly/can-bo/999999/khoa",
        Some(&cookie),
        &format!("csrf={csrf}&disabled=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = form(
        &app,
        &format!("/quan-ly/can-bo/{facilitator}/khoa"),
        Some(&cookie),
        &format!("csrf={csrf}&disabled=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã khóa tài khoản to.cong.nghe"));
    let gone = get_as(&app, "/quan-ly", &their_cookie).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "signed out at once");
    let refused = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=to.cong.nghe&password={}", encode(PASSWORD)),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    let r = form(
        &app,
        &format!("/quan-ly/can-bo/{facilitator}/khoa"),
        Some(&cookie),
        &format!("csrf={csrf}&disabled=0"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let back = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=to.cong.nghe&password={}", encode(PASSWORD)),
    )
    .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let actions: Vec<String> = app
        .db
        .store
        .audit_records(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.subject == format!("staff:{facilitator}"))
        .map(|r| r.action)
        .collect();
    // The refused sign-in of the disabled account is audited too (issue 18).
    assert_eq!(
        actions,
        [
            "staff.create",
            "staff.disable",
            "staff.sign_in_failed",
            "staff.enable"
        ]
    );
}

fn person_body(csrf: &str, unit: &str, name: &str, cccd: &str, birth: &str) -> String {
    format!(
        "csrf={csrf}&unit={unit}&name={}&cccd={cccd}&birth={}&sex=&phone=",
        encode(name),
        encode(birth)
    )
}

#[tokio::test]
async fn a_facilitator_registers_people_of_their_village_only() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let facilitator = staff(
        &app,
        "to.cong.nghe",
        Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/16591001/".into(),
            },
        ),
    )
    .await;
    let sibling = staff(
        &app,
        "xa.hai",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16594/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(facilitator)).await;
    let csrf = token.csrf_token().expose().clone();
    let home = get_as(&app, "/quan-ly", &cookie).await;
    assert!(home.text().contains("/quan-ly/nguoi/moi"));
    let page = get_as(&app, "/quan-ly/nguoi/moi", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("value=\"16591001\""));
    assert!(!page.text().contains("value=\"16594001\""));

    // Every bad field at once; the typed CCCD is not echoed back.
    let r = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&cookie),
        &person_body(&csrf, "16591001", "", "038090012", "31/02/1990"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Chưa nhập họ và tên"), "{}", r.text());
    assert!(r.text().contains("Số CCCD"), "{}", r.text());
    assert!(r.text().contains("không có thật"), "{}", r.text());
    assert!(!r.text().contains("038090012"));

    // Registered: the page shows the name, never the number; the record is in the village.
    let r = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&cookie),
        &person_body(
            &csrf,
            "16591001",
            "Lò Thị Mai",
            "038190012398",
            "05/01/1990",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã đăng ký Lò Thị Mai"), "{}", r.text());
    assert!(!r.text().contains("038190012398"));
    let found = app
        .db
        .store
        .people_under("38/16591/16591001/", "lo thi mai", None, 5)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].cccd_masked, "038*******98");
    let again = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&cookie),
        &person_body(
            &csrf,
            "16591001",
            "Lò Thị Mai",
            "038190012398",
            "05/01/1990",
        ),
    )
    .await;
    assert!(again.text().contains("không thay đổi"), "{}", again.text());
    let audit = app.db.store.audit_records(0, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "person.register" && r.actor == format!("staff:{facilitator}"))
    );
    assert!(audit.iter().all(|r| !r.detail.contains("038190012398")));

    // Another commune's village: refused.
    let r = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&cookie),
        &person_body(
            &csrf,
            "16594001",
            "Hà Văn Nam",
            "038090012399",
            "05/01/1990",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Someone registered in the sibling commune is not moved by typing their number.
    let (their_cookie, their_token) = session(&app, SessionOwner::Staff(sibling)).await;
    let r = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&their_cookie),
        &person_body(
            &their_token.csrf_token().expose().clone(),
            "16594001",
            "Hà Văn Nam",
            "038090012399",
            "05/01/1990",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = form(
        &app,
        "/quan-ly/nguoi/moi",
        Some(&cookie),
        &person_body(
            &csrf,
            "16591001",
            "Hà Văn Nam",
            "038090012399",
            "05/01/1990",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("ngoài phạm vi của bạn"));
    assert_eq!(
        app.db
            .store
            .people_under("38/16594/", "ha van nam", None, 5)
            .await
            .unwrap()
            .len(),
        1,
        "still in the sibling commune"
    );
}

#[tokio::test]
async fn staff_change_their_password_and_enrol_two_step_sign_in() {
    use binhdan_core::Timestamp;

    use crate::helpers::NOW;

    let app = TestApp::new().await;
    fixture(&app).await;
    let me = staff(
        &app,
        "xa.mot",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let (elsewhere, _) = session(&app, SessionOwner::Staff(me)).await;
    let change = async |body: String| form(&app, "/quan-ly/tai-khoan", Some(&cookie), &body).await;

    let page = get_as(&app, "/quan-ly/tai-khoan", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page.text().contains("<svg"), "a QR code to scan");

    let new = "một câu mật khẩu mới";
    let body = |current: &str, new: &str, repeat: &str| {
        format!(
            "csrf={csrf}&action=password&current={}&new_password={}&repeat={}",
            encode(current),
            encode(new),
            encode(repeat)
        )
    };
    let r = change(body("sai rồi mật khẩu", new, new)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("Mật khẩu hiện tại không đúng"));
    let r = change(body(PASSWORD, new, "khác hẳn mật khẩu kia")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = change(body(PASSWORD, "1111111111", "1111111111")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = change(body(PASSWORD, new, new)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã đổi mật khẩu"));
    assert_eq!(
        get_as(&app, "/quan-ly", &elsewhere).await.status,
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        get_as(&app, "/quan-ly", &cookie).await.status,
        StatusCode::OK,
        "this one goes on"
    );
    let sign_in = async |password: &str, totp: &str| {
        form(
            &app,
            "/dang-nhap",
            None,
            &format!("username=xa.mot&password={}&totp={totp}", encode(password)),
        )
        .await
        .status
    };
    assert_eq!(sign_in(PASSWORD, "").await, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(new, "").await, StatusCode::SEE_OTHER);

    // Two-step sign-in: the secret the page offers, confirmed with the app's code.
    let page = get_as(&app, "/quan-ly/tai-khoan", &cookie).await;
    let text = page.text();
    let start = text.find("id=\"totp-secret\">").unwrap() + "id=\"totp-secret\">".len();
    let secret = &text[start..start + text[start..].find('<').unwrap()];
    let totp = binhdan_auth::totp::TotpSecret::from_base32(secret).unwrap();
    let enrol = |code: &str| {
        format!(
            "csrf={csrf}&action=totp_on&secret={secret}&code={code}&current={}",
            encode(new)
        )
    };
    let r = change(enrol("000000")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = change(enrol(&totp.code_at(NOW))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Stored sealed by the vault, like a CCCD: a copy of the database gives no second factor.
    let stored = app
        .db
        .store
        .staff(me)
        .await
        .unwrap()
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(stored.expose().starts_with("sealed:"), "sealed");
    assert!(
        !stored.expose().contains(secret),
        "the secret is not in clear"
    );
    assert_eq!(sign_in(new, "").await, StatusCode::UNAUTHORIZED);
    // The enrolment's own code is spent; the next step's code signs in.
    assert_eq!(
        sign_in(new, &totp.code_at(NOW)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(new, &totp.code_at(Timestamp(NOW.0 + 30_000))).await,
        StatusCode::SEE_OTHER
    );
    let r = change(format!(
        "csrf={csrf}&action=totp_off&current={}",
        encode(new)
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        app.db
            .store
            .staff(me)
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    let actions: Vec<String> = app
        .db
        .store
        .audit_records(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| {
            r.subject == format!("staff:{me}")
                && r.action != "staff.create"
                && r.action != "staff.sign_in_failed"
        })
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "staff.password_change",
            "staff.totp_enrol",
            "staff.totp_remove"
        ]
    );
}
