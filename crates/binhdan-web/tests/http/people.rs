//! Staff sign-in, sessions and CSRF; the people pages and their scope; roster uploads. The
//! fixtures here (`fixture`, `staff`, `session`, …) are shared with the other files, the
//! route × role matrix (`access.rs`) first.

use std::fmt::Write as _;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_auth::session::SessionToken;
use binhdan_core::audit::{AuditEntry, GENESIS, verify_chain};
use binhdan_core::cccd::Cccd;
use binhdan_core::unit::{DivisionType, UnitCode, UnitName};
use binhdan_core::{Secret, Timestamp};
use binhdan_store::{
    AdultCutoff, MembershipRecord, NewOrganisation, NewStaff, NewVillage, OrgKind, PersonRecord,
    SessionOwner, SessionRecord, WriteMode,
};

use crate::helpers::{NOW, TestApp, TestResponse};

pub const PASSWORD: &str = "mật khẩu đủ dài 2026";

pub fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

/// The map, a village in commune 16591 and one in its sibling 16594, a person in the first,
/// and a school in 16591.
pub async fn fixture(app: &TestApp) -> (i64, i64) {
    let store = app.db.store.as_ref();
    store
        .create_villages(
            &[
                NewVillage {
                    commune: code("16591"),
                    name: UnitName::parse("Thôn Một").unwrap(),
                    division_type: DivisionType::Thon,
                },
                NewVillage {
                    commune: code("16594"),
                    name: UnitName::parse("Thôn Hai").unwrap(),
                    division_type: DivisionType::Thon,
                },
            ],
            WriteMode::Commit,
            NOW,
        )
        .await
        .unwrap();
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let cccd = Cccd::parse("038090012345").unwrap();
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX), NOW)
        .await
        .unwrap();
    import
        .write(&[PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: "Nguyễn Văn A".into(),
            birth_year: 1990,
            birth_day: None,
            sex: cccd.sex(),
            unit: code("16591001"),
            phone: None,
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    let person = store
        .person_by_cccd_hash(&vault.lookup_hash(&cccd))
        .await
        .unwrap()
        .unwrap();
    let org = store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::School,
                code: "T1".into(),
                name: "Trường Một".into(),
                commune: code("16591"),
                grades: None,
            },
            AuditEntry::new("test", "organisation.create"),
            NOW,
        )
        .await
        .unwrap();
    (person.summary.id, org.id)
}

/// Adults registered (CCCD, unit) by an import at `at`, returned by id in the order given.
pub async fn adults(app: &TestApp, people: &[(&str, &str)], at: Timestamp) -> Vec<i64> {
    members(app, people, None, at).await
}

/// [`adults`], each given `membership` when there is one.
pub async fn members(
    app: &TestApp,
    people: &[(&str, &str)],
    membership: Option<&MembershipRecord>,
    at: Timestamp,
) -> Vec<i64> {
    let store = app.db.store.as_ref();
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX), at)
        .await
        .unwrap();
    let mut records = Vec::new();
    for (cccd, unit) in people {
        let cccd = Cccd::parse(cccd).unwrap();
        records.push(PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: "Học Viên".into(),
            birth_year: 1970,
            birth_day: None,
            sex: cccd.sex(),
            unit: code(unit),
            phone: None,
            membership: membership.cloned(),
        });
    }
    import.write(&records).await.unwrap();
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for r in &records {
        ids.push(
            store
                .person_by_cccd_hash(&r.cccd_hash)
                .await
                .unwrap()
                .unwrap()
                .summary
                .id,
        );
    }
    ids
}

/// The file of rejected rows a roster upload's page offers to download (a `data:` link).
pub fn rejects_file(r: &TestResponse) -> String {
    use base64::Engine as _;
    let text = r.text();
    let href = text
        .split("href=\"data:text/csv;charset=utf-8;base64,")
        .nth(1)
        .unwrap_or_else(|| panic!("no file of rejected rows: {text}"))
        .split('"')
        .next()
        .unwrap();
    // Undo the page's HTML escaping of the link.
    let href = href
        .replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&#43;", "+")
        .replace("&#x2b;", "+")
        .replace("&#61;", "=")
        .replace("&#x3d;", "=");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(href)
        .unwrap();
    String::from_utf8(bytes).unwrap()
}

/// A commune admin's grant over the unit at `path` (`38/16591/`).
pub fn commune_admin(path: &str) -> Grant {
    Grant::new(Role::CommuneAdmin, Scope::Unit { path: path.into() })
}

pub async fn staff(app: &TestApp, username: &str, grant: Grant) -> i64 {
    let hash =
        binhdan_auth::password::hash_password(&Secret::new(PASSWORD.into()), &mut rand::rng())
            .unwrap();
    app.db
        .store
        .create_staff(
            &NewStaff {
                username: username.into(),
                display_name: format!("Cán bộ {username}"),
                password_hash: Secret::new(hash),
                totp_secret: None,
                grants: vec![grant],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap()
}

/// A session made directly in the store (sign-in itself is tested on its own): the cookie.
pub async fn session(app: &TestApp, owner: SessionOwner) -> (String, SessionToken) {
    let token = SessionToken::generate(&mut rand::rng());
    app.db
        .store
        .create_session(&SessionRecord {
            key: token.storage_key(),
            owner,
            created_at: NOW,
            last_seen_at: NOW,
            expires_at: Timestamp(NOW.0 + 600_000),
        })
        .await
        .unwrap();
    (format!("binhdan={}", token.expose()), token)
}

pub async fn form(app: &TestApp, uri: &str, cookie: Option<&str>, body: &str) -> TestResponse {
    let mut r = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    app.send(r.body(Body::from(body.to_owned())).unwrap()).await
}

pub async fn get_as(app: &TestApp, uri: &str, cookie: &str) -> TestResponse {
    app.send(
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A GET with the session cookie, asking for the page in English.
pub async fn get_en_as(app: &TestApp, uri: &str, cookie: &str) -> TestResponse {
    app.send(
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A `multipart/form-data` upload: its content type and body (text fields, then a CSV file).
pub fn multipart(fields: &[(&str, &str)], file_name: &str, csv: &str) -> (String, String) {
    let b = "XbinhdanBoundary";
    let mut body = String::new();
    for (name, value) in fields {
        write!(
            body,
            "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    write!(
        body,
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    )
    .unwrap();
    (format!("multipart/form-data; boundary={b}"), body)
}

/// A staff member's upload of a CSV file to a page.
fn upload_request(
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    file_name: &str,
    csv: &str,
) -> Request<Body> {
    let (content_type, body) = multipart(fields, file_name, csv);
    Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn staff_sign_in_with_sessions_csrf_and_throttling() {
    let app = TestApp::new().await;
    fixture(&app).await;
    staff(
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

    // A wrong password: a clear refusal, no cookie, the password nowhere in the answer.
    let wrong = form(
        &app,
        "/dang-nhap",
        None,
        "username=xa.mot&password=sai-mat-khau-roi",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text()
            .contains("Tên đăng nhập hoặc mật khẩu không đúng")
    );
    assert!(!wrong.text().contains("sai-mat-khau-roi"));
    assert!(wrong.header("set-cookie").is_empty());

    // The right one: a session cookie that scripts cannot read, sent only to this site.
    let ok = form(
        &app,
        "/dang-nhap",
        None,
        &format!(
            "username=XA.MOT&password={}&tiep=%2Fquan-ly%2Fnguoi%3Fdon-vi%3D16591",
            encode(PASSWORD)
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(ok.header("location"), "/quan-ly/nguoi?don-vi=16591");
    let set = ok.header("set-cookie").to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let home = get_as(&app, "/quan-ly", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Cán bộ xa.mot") && home.text().contains("Quản trị cấp xã"));
    // Somewhere else to go after sign-in is refused: back to our own pages only.
    let away = form(
        &app,
        "/dang-nhap",
        None,
        &format!(
            "username=xa.mot&password={}&tiep=https%3A%2F%2Fevil.example",
            encode(PASSWORD)
        ),
    )
    .await;
    assert_eq!(away.header("location"), "/quan-ly");

    // Signing out needs the form's CSRF token.
    let forged = form(&app, "/dang-xuat", Some(&cookie), "csrf=forged").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("Biểu mẫu đã hết hạn"));
    let html = home.text();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let out = form(&app, "/dang-xuat", Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    // The session is gone server-side: the old cookie no longer works.
    let after = get_as(&app, "/quan-ly", &cookie).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after
            .header("location")
            .starts_with("/dang-nhap/can-bo?tiep=")
    );

    // Repeated failures are throttled, even with the right password afterwards.
    for _ in 0..6 {
        form(
            &app,
            "/dang-nhap",
            None,
            "username=xa.mot&password=sai-mat-khau-roi",
        )
        .await;
    }
    let throttled = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=xa.mot&password={}", encode(PASSWORD)),
    )
    .await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.text()
    );
    assert!(throttled.text().contains("Đăng nhập sai quá nhiều lần"));
}

#[tokio::test]
async fn an_account_with_totp_needs_the_current_code() {
    let app = TestApp::new().await;
    let secret = binhdan_auth::totp::TotpSecret::generate(&mut rand::rng());
    let hash =
        binhdan_auth::password::hash_password(&Secret::new(PASSWORD.into()), &mut rand::rng())
            .unwrap();
    app.db
        .store
        .create_staff(
            &NewStaff {
                username: "hai.lop".into(),
                display_name: "Hai lớp".into(),
                password_hash: Secret::new(hash),
                totp_secret: Some(secret.to_base32()),
                grants: vec![Grant::new(
                    Role::Auditor,
                    Scope::Unit { path: "38/".into() },
                )],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap();
    let password = encode(PASSWORD);
    let without = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=hai.lop&password={password}"),
    )
    .await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    assert!(
        without.text().contains("Mã xác thực không đúng"),
        "{}",
        without.text()
    );
    let stale = secret.code_at(Timestamp(NOW.0 - 10 * 60_000));
    let old = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=hai.lop&password={password}&totp={stale}"),
    )
    .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let code = secret.code_at(NOW);
    let ok = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=hai.lop&password={password}&totp={code}"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(ok.header("set-cookie").starts_with("binhdan="));
    // The same code again, still inside its window, is a replay: refused.
    let replay = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=hai.lop&password={password}&totp={code}"),
    )
    .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.text());
    // So is the code of the step before, though the window would take it.
    let earlier = secret.code_at(Timestamp(NOW.0 - 30_000));
    let back = form(
        &app,
        "/dang-nhap",
        None,
        &format!("username=hai.lop&password={password}&totp={earlier}"),
    )
    .await;
    assert_eq!(back.status, StatusCode::UNAUTHORIZED);

    // The secret was stored in clear, as before secrets were sealed: the sign-in sealed it
    // (the stored value no longer holds it), and the next code still signs in.
    let stored = app
        .db
        .store
        .staff_by_username("hai.lop")
        .await
        .unwrap()
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(
        stored.expose().starts_with("sealed:"),
        "{}",
        stored.expose()
    );
    assert!(
        !stored
            .expose()
            .contains(secret.to_base32().expose().as_str())
    );
    let later = Timestamp(NOW.0 + 60_000);
    app.clock.set(later);
    let next = form(
        &app,
        "/dang-nhap",
        None,
        &format!(
            "username=hai.lop&password={password}&totp={}",
            secret.code_at(later)
        ),
    )
    .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.text());
}

#[tokio::test]
async fn an_expired_session_is_refused_and_removed() {
    let app = TestApp::new().await;
    let id = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let token = SessionToken::generate(&mut rand::rng());
    app.db
        .store
        .create_session(&SessionRecord {
            key: token.storage_key(),
            owner: SessionOwner::Staff(id),
            created_at: Timestamp(NOW.0 - 3_600_000),
            last_seen_at: Timestamp(NOW.0 - 3_600_000),
            expires_at: Timestamp(NOW.0 - 1_800_000),
        })
        .await
        .unwrap();
    let r = get_as(&app, "/quan-ly", &format!("binhdan={}", token.expose())).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.db
            .store
            .session(&token.storage_key())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn people_pages_keep_to_the_callers_scope_and_are_audited() {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let commune = staff(
        &app,
        "xa",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let sibling = staff(
        &app,
        "xa.ben",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16594/".into(),
            },
        ),
    )
    .await;
    let (c_commune, _) = session(&app, SessionOwner::Staff(commune)).await;
    let (c_province, _) = session(&app, SessionOwner::Staff(province)).await;
    let (c_sibling, _) = session(&app, SessionOwner::Staff(sibling)).await;

    let list = get_as(&app, "/quan-ly/nguoi?don-vi=16591&q=nguyen", &c_commune).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("Nguyễn Văn A") && list.text().contains("038*******45"));
    assert!(!list.text().contains("038090012345"));
    assert_eq!(
        get_as(&app, "/quan-ly/nguoi?don-vi=16591", &c_sibling)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The commune admin sees the full number; the province admin only the masked one.
    let full = get_as(&app, &format!("/quan-ly/nguoi/{person}"), &c_commune).await;
    assert!(full.text().contains("038090012345"), "{}", full.text());
    assert_eq!(full.header("cache-control"), "no-store");
    let masked = get_as(&app, &format!("/quan-ly/nguoi/{person}"), &c_province).await;
    assert!(masked.text().contains("038*******45") && !masked.text().contains("038090012345"));
    assert_eq!(
        get_as(&app, &format!("/quan-ly/nguoi/{person}"), &c_sibling)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Who looked, at whom: in the log, chained.
    let log = app.db.store.audit_of_person(person, 10).await.unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|r| (r.actor.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (format!("staff:{province}").as_str(), "person.view"),
            (format!("staff:{commune}").as_str(), "person.view_identity"),
        ]
    );
    let all = app.db.store.audit_records(0, 100).await.unwrap();
    verify_chain((0, GENESIS.to_owned()), &all).unwrap();
    assert!(all.iter().all(|r| !r.detail.contains("038090012345")));
}

#[tokio::test]
async fn a_roster_uploads_through_the_page_all_or_nothing() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let commune = staff(
        &app,
        "xa",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(commune)).await;
    let csrf = token.csrf_token().expose().clone();
    let upload = |unit: &str, csv: &str, extra: &str, csrf: &str| {
        let mut fields = vec![("csrf", csrf), ("unit", unit)];
        if !extra.is_empty() {
            fields.push((extra, "1"));
        }
        upload_request("/quan-ly/nhap-danh-sach", &cookie, &fields, "ds.csv", csv)
    };
    let bad =
        "Họ và tên,Số CCCD,Ngày sinh\nLê Văn B,038090012346,17/05/1990\n,038090012347,17/05/1990\n";
    let r = app.send(upload("16591", bad, "", &csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Dòng 3") && r.text().contains("Chưa nhập họ và tên"),
        "{}",
        r.text()
    );
    assert!(
        app.db
            .store
            .people_under("38/16591/", "le van b", None, 5)
            .await
            .unwrap()
            .is_empty()
    );
    // Keeping the good rows: the page says so, lists the bad rows and offers their file.
    let r = app.send(upload("16591", bad, "keep_good", &csrf)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Dòng 3") && r.text().contains("Chưa nhập họ và tên"));
    assert!(rejects_file(&r).contains("Chưa nhập họ và tên"));
    assert_eq!(
        app.db
            .store
            .people_under("38/16591/", "le van b", None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    // Outside the caller's commune, or with a forged token: refused, nothing written.
    let good = "Họ và tên,Số CCCD,Ngày sinh\nTrần Văn C,038090012348,17/05/1990\n";
    assert_eq!(
        app.send(upload("16594", good, "", &csrf)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.send(upload("16591", good, "", "forged")).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.db
            .store
            .people_under("38/", "tran van c", None, 5)
            .await
            .unwrap()
            .is_empty()
    );
    let r = app.send(upload("16591", good, "", &csrf)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("1 người mới"));
}

#[tokio::test]
async fn population_figures_upload_within_the_callers_units_only() {
    use binhdan_core::kpi::Group;

    let app = TestApp::new().await;
    fixture(&app).await;
    let commune = staff(
        &app,
        "xa",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(commune)).await;
    let csrf = token.csrf_token().expose().clone();
    let upload = |csv: &str| {
        upload_request(
            "/quan-ly/nhap-dan-so",
            &cookie,
            &[("csrf", &csrf)],
            "so-lieu.csv",
            csv,
        )
    };
    let home = get_as(&app, "/quan-ly", &cookie).await;
    assert!(home.text().contains("/quan-ly/nhap-dan-so"));
    // A row of the sibling commune: the whole file is refused, as out of scope.
    let r = app
        .send(upload(
            "Mã đơn vị,Nhóm,Số lượng\n16591,Người trưởng thành,1200\n16594,Học sinh,300\n",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(
        r.text().contains("Dòng 3")
            && r.text()
                .contains("không có quyền nhập số liệu cho đơn vị 16594"),
        "{}",
        r.text()
    );
    assert!(
        app.db
            .store
            .population_under(&code("16591"))
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );
    // A bad count: 422 with the row and column.
    let r = app
        .send(upload(
            "Mã đơn vị,Nhóm,Số lượng\n16591,Người trưởng thành,nhiều\n",
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Dòng 2 [Số lượng]"), "{}", r.text());
    // The commune's own figures are stored, and who set them is in the audit log.
    let r = app
        .send(upload(
            "Ma don vi,Nhom,So luong\n16591,Người trưởng thành,\"1.200\"\n16591001,Học sinh,300\n",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã nhập 2 số liệu"), "{}", r.text());
    assert_eq!(
        app.db.store.population_under(&code("16591")).await.unwrap(),
        [(Group::Adult, 1200), (Group::Student, 300)]
    );
    let audit = app.db.store.audit_records(0, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "population.import" && r.actor == format!("staff:{commune}")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn an_organisation_admin_uploads_their_members_and_nobody_elses() {
    let app = TestApp::new().await;
    let (_, school) = fixture(&app).await;
    let other = app
        .db
        .store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::Agency,
                code: "UB".into(),
                name: "Ủy ban".into(),
                commune: code("16591"),
                grades: None,
            },
            AuditEntry::new("test", "organisation.create"),
            NOW,
        )
        .await
        .unwrap();
    let admin = staff(
        &app,
        "truong",
        Grant::new(Role::OrgAdmin, Scope::Organisation { id: school }),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(admin)).await;
    let csrf = token.csrf_token().expose().clone();
    let upload = |target: String| {
        upload_request(
            "/quan-ly/nhap-danh-sach",
            &cookie,
            &[("csrf", &csrf), ("unit", &target)],
            "hs.csv",
            "Họ và tên,Số CCCD,Ngày sinh,Lớp\nĐinh Văn Học,038212000009,01/02/2012,8A\n",
        )
    };
    let form_page = get_as(&app, "/quan-ly/nhap-danh-sach", &cookie).await;
    assert!(
        form_page
            .text()
            .contains(&format!("value=\"org:{school}\"")),
        "{}",
        form_page.text()
    );
    assert!(
        !form_page
            .text()
            .contains(&format!("value=\"org:{}\"", other.id))
    );
    assert_eq!(
        app.send(upload(format!("org:{}", other.id))).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.send(upload(format!("org:{school}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.db.store.organisation_roster(school).await.unwrap(),
        vec![(binhdan_core::kpi::Group::Student, 1)]
    );
}

/// The people list on a phone (issue 18): each person a card — name, home, where they stand
/// in words, one link — by the stylesheet alone (no inline style: CSP), the table kept for
/// desktop widths, the CCCD left to the person's page; and a full page stays light.
#[tokio::test]
async fn the_people_list_is_a_card_per_person_on_a_phone() {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let id = staff(&app, "xa.the", commune_admin("38/16591/")).await;
    let (cookie, _) = session(&app, SessionOwner::Staff(id)).await;
    let r = get_as(&app, "/quan-ly/nguoi?don-vi=16591", &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("<div class=\"table-wrap cards\" tabindex=\"0\" role=\"region\" aria-label=\"Xã Các Sơn\"><table class=\"people\">"),
        "{html}"
    );
    let row = html
        .split("<tr><td class=\"name\">")
        .nth(1)
        .expect("a row per person");
    assert!(
        row.starts_with(&format!(
            "<a href=\"/quan-ly/nguoi/{person}\">Nguyễn Văn A</a></td>"
        )),
        "{row}"
    );
    for cell in [
        "<td class=\"status status-chua-bat-dau\"><strong>Chưa bắt đầu</strong>",
        "<td class=\"cccd\">038*******45</td>",
        "<td class=\"birth\">1990</td>",
        "<td class=\"home\">Thôn Một</td>",
    ] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
    assert!(!html.contains("style="), "no inline style");
    // The stylesheet turns rows into cards under 40em (640 px), the CCCD hidden there: the
    // rules every list of cards shares (the audit log's too), then the people's own.
    let start = html.find("/static/app.").unwrap();
    let css = app
        .get(&html[start..start + html[start..].find('"').unwrap()])
        .await
        .text();
    let phone = css
        .split("@media (max-width: 40em)")
        .find(|block| block.contains("table.people td.name"))
        .expect("a phone layout for the people list");
    for rule in [
        ".cards > table > thead { position: absolute",
        ".cards > table > tbody > tr { display: grid",
        "table.people td.name a::after { content: \"\"; position: absolute; inset: 0; }",
        "table.people td.cccd { display: none; }",
    ] {
        assert!(phone.contains(rule), "{rule}");
    }
}
