//! Rosters keep to the uploader's scope: nobody registered outside it is changed, moved or
//! exposed; the commune column is read by name or code; the rejects file takes real, ragged
//! rows.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_store::{AdultCutoff, PersonRecord, SessionOwner};

use crate::helpers::{NOW, TestApp, TestResponse};
use crate::people::{code, commune_admin, fixture, multipart, rejects_file, session, staff};

/// Uploads `csv` as a roster for `unit` (`16591`, `org:3`) with the extra checkbox fields.
async fn upload(
    app: &TestApp,
    who: i64,
    unit: &str,
    csv: &str,
    extra: &[&str],
    lang: &str,
) -> TestResponse {
    let (cookie, token) = session(app, SessionOwner::Staff(who)).await;
    let csrf = token.csrf_token().expose().clone();
    let mut fields = vec![("csrf", csrf.as_str()), ("unit", unit)];
    for e in extra {
        fields.push((e, "1"));
    }
    let (content_type, body) = multipart(&fields, "ds.csv", csv);
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri("/quan-ly/nhap-danh-sach")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// Registers someone directly in the store, with a full date of birth.
async fn register(app: &TestApp, cccd: &str, name: &str, day: i64, unit: &str) -> i64 {
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let cccd = Cccd::parse(cccd).unwrap();
    let store = app.db.store.as_ref();
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX), NOW)
        .await
        .unwrap();
    import
        .write(&[PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: name.into(),
            birth_year: 1990,
            birth_day: Some(day),
            sex: cccd.sex(),
            unit: code(unit),
            phone: Some("0912345678".into()),
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    store
        .person_by_cccd_hash(&vault.lookup_hash(&cccd))
        .await
        .unwrap()
        .unwrap()
        .summary
        .id
}

/// 17/05/1990 as days since 1970-01-01.
const MAY_17_1990: i64 = 7_441;

#[tokio::test]
async fn a_commune_cannot_take_over_another_communes_people() {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let before = app.db.store.person(person).await.unwrap().unwrap();
    let sibling = staff(&app, "xa2", commune_admin("38/16594/")).await;
    // The CCCD of someone registered in 16591, renamed, with a new phone, into 16594.
    let csv = "Họ và tên,Số CCCD,Ngày sinh,Số điện thoại\n\
               Kẻ Mạo Danh,038090012345,17/05/1990,0987654321\n\
               Trần Thị Mới,038190012399,17/05/1990,\n";
    let r = upload(&app, sibling, "16594", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("Dòng 2") && r.text().contains("ngoài phạm vi"),
        "{}",
        r.text()
    );
    // All or nothing: the good row is not written either.
    assert!(
        app.db
            .store
            .people_under("38/", "tran thi moi", None, 5)
            .await
            .unwrap()
            .is_empty()
    );
    // Keeping the good rows: the new person is written, the other refused in the rejects file.
    let r = upload(&app, sibling, "16594", csv, &["keep_good"], "vi").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("ngoài phạm vi"), "{}", r.text());
    assert!(rejects_file(&r).contains("ngoài phạm vi"));
    assert_eq!(
        app.db
            .store
            .people_under("38/16594/", "tran thi moi", None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
    // The person of 16591 is exactly as they were: name, phone, home.
    let after = app.db.store.person(person).await.unwrap().unwrap();
    assert_eq!(after, before);
    // And the sibling commune's admin still may not see them.
    let (cookie, _) = session(&app, SessionOwner::Staff(sibling)).await;
    let r = crate::people::get_as(&app, &format!("/quan-ly/nguoi/{person}"), &cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // In English too.
    let r = upload(&app, sibling, "16594", csv, &[], "en").await;
    assert!(r.text().contains("outside your scope"), "{}", r.text());
}

#[tokio::test]
async fn a_province_admin_moves_people_between_its_communes() {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let csv = "Họ và tên,Số CCCD,Ngày sinh\nNguyễn Văn A,038090012345,17/05/1990\n";
    let r = upload(&app, province, "16594", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = app.db.store.person(person).await.unwrap().unwrap();
    assert_eq!(after.summary.unit_code, "16594");
}

#[tokio::test]
async fn a_school_adds_members_only_and_never_moves_anyone() {
    let app = TestApp::new().await;
    let (_, school) = fixture(&app).await;
    // Someone living in the sibling commune 16594, outside the school's commune.
    let pupil = register(&app, "038090012350", "Lê Thị Học", MAY_17_1990, "16594").await;
    let before = app.db.store.person(pupil).await.unwrap().unwrap();
    let admin = staff(
        &app,
        "truong",
        Grant::new(Role::OrgAdmin, Scope::Organisation { id: school }),
    )
    .await;
    let unit = format!("org:{school}");
    // Another name for the same CCCD: refused, nothing changed, no membership.
    let csv =
        "Họ và tên,Số CCCD,Ngày sinh,Số điện thoại\nTên Khác,038090012350,17/05/1990,0987654321\n";
    let r = upload(&app, admin, &unit, csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("họ tên hoặc ngày sinh khác"),
        "{}",
        r.text()
    );
    assert_eq!(app.db.store.person(pupil).await.unwrap().unwrap(), before);
    assert!(
        app.db
            .store
            .organisation_roster(school)
            .await
            .unwrap()
            .is_empty()
    );
    // The registered name and date of birth (written another way): they join the school,
    // and nothing of theirs changes — not the phone, not the home in 16594.
    let csv = "Họ và tên,Số CCCD,Ngày sinh,Số điện thoại,Lớp\nLÊ THỊ HỌC,038090012350,17/5/1990,0987654321,8A\n";
    let r = upload(&app, admin, &unit, csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = app.db.store.person(pupil).await.unwrap().unwrap();
    assert_eq!(after.summary, before.summary);
    assert_eq!(after.phone, before.phone);
    assert_eq!(after.memberships.len(), 1);
    // A new pupil said to live in another commune: the school may not place them there.
    let csv = "Họ và tên,Số CCCD,Ngày sinh,Xã/Phường\nPhạm Văn Mới,038090012351,17/05/1990,Phường Tân Dân\n";
    let r = upload(&app, admin, &unit, csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("16594"), "{}", r.text());
    assert!(
        app.db
            .store
            .people_under("38/", "pham van moi", None, 5)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_commune_column_is_read_by_name_or_code() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    // Names with and without diacritics, prefix or case; a code; and a column nobody reads.
    let csv = "STT,Họ và tên,Số CCCD,Ngày sinh,Xã/Phường,Ghi chú\n\
               1,Người Một,038190012301,17/05/1990,Xã Các Sơn,\n\
               2,Người Hai,038190012302,17/05/1990,cac son,\n\
               3,Người Ba,038190012303,17/05/1990,PHƯỜNG TÂN DÂN,x\n\
               4,Người Bốn,038190012304,17/05/1990,16594,\n\
               5,Người Năm,038190012305,17/05/1990,xa dong tien,\n";
    let r = upload(&app, province, "38", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.text().contains("Ghi chú") && !r.text().contains("STT"),
        "{}",
        r.text()
    );
    let home = |name: &'static str| {
        let store = app.db.store.clone();
        async move {
            store.people_under("38/", name, None, 5).await.unwrap()[0]
                .unit_code
                .clone()
        }
    };
    assert_eq!(home("nguoi mot").await, "16591");
    assert_eq!(home("nguoi hai").await, "16591");
    assert_eq!(home("nguoi ba").await, "16594");
    assert_eq!(home("nguoi bon").await, "16594");
    assert_eq!(home("nguoi nam").await, "15724");
    // A commune that does not exist, an ambiguous one, one outside the caller's scope.
    let csv = "Họ và tên,Số CCCD,Ngày sinh,Xã/Phường\n\
               Người Sáu,038190012306,17/05/1990,Xã Không Có\n\
               Người Bảy,038190012307,17/05/1990,dong tien\n";
    let r = upload(&app, province, "38", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("Dòng 2 [Xã/Phường]"), "{}", r.text());
    assert!(
        r.text().contains("Dòng 3 [Xã/Phường]") && r.text().contains("15853"),
        "{}",
        r.text()
    );
    let commune = staff(&app, "xa", commune_admin("38/16591/")).await;
    let csv =
        "Họ và tên,Số CCCD,Ngày sinh,Xã/Phường\nNgười Tám,038190012308,17/05/1990,Phường Tân Dân\n";
    let r = upload(&app, commune, "16591", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("16594"), "{}", r.text());
    // A province's roster without any commune column: one message for the file.
    let csv = "Họ và tên,Số CCCD,Ngày sinh\n\
               Người Chín,038190012309,17/05/1990\n\
               Người Mười,038190012310,17/05/1990\n";
    let r = upload(&app, province, "38", csv, &[], "vi").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("Xã/Phường"), "{}", r.text());
    assert!(!r.text().contains("Dòng 2"), "{}", r.text());
}

#[tokio::test]
async fn keeping_the_good_rows_takes_ragged_rows() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let commune = staff(&app, "xa", commune_admin("38/16591/")).await;
    // Bad rows whose last cells are left out, as spreadsheets export them, and one longer.
    let csv = "Họ và tên,Số CCCD,Ngày sinh,Số điện thoại,Ghi chú\n\
               Người Tốt,038190012311,17/05/1990,,\n\
               ,038190012312,17/05/1990\n\
               Người Xấu,0381,17/05/1990\n\
               Người Dài,12,17/05/1990,,,thừa\n";
    let r = upload(&app, commune, "16591", csv, &["keep_good"], "vi").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let text = rejects_file(&r);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3, "{text}");
    // Each padded to the header (two columns of errors and row, then five).
    assert!(rows.iter().all(|r| r.len() >= 7), "{text}");
    assert_eq!(&rows[0][1], "3");
    assert_eq!(
        app.db
            .store
            .people_under("38/16591/", "nguoi tot", None, 5)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_people_pages_are_not_cached() {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let commune = staff(&app, "xa", commune_admin("38/16591/")).await;
    // 17 MiB, over the 16 MiB import limit.
    let big = format!(
        "Họ và tên,Số CCCD,Ngày sinh\n{}",
        "Nguyễn Văn A,038090012345,17/05/1990\n".repeat(17 * 1024 * 1024 / 38)
    );
    let r = upload(&app, commune, "16591", &big, &[], "vi").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("quá lớn"), "{}", r.text());
    let (cookie, _) = session(&app, SessionOwner::Staff(commune)).await;
    for uri in [
        "/quan-ly/nguoi?don-vi=16591".to_owned(),
        format!("/quan-ly/nguoi/{person}"),
        "/quan-ly".to_owned(),
    ] {
        let r = crate::people::get_as(&app, &uri, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(r.header("cache-control").contains("no-store"), "{uri}");
    }
}

#[tokio::test]
async fn very_long_searches_are_refused_not_failed() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let long = "a".repeat(60_000);
    let r = app.get_en(&format!("/api/v1/units?q={long}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "error-search-too-long");
    // The page cuts the text and still answers.
    let r = app.get(&format!("/tim-kiem?q={long}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let commune = staff(&app, "xa", commune_admin("38/16591/")).await;
    let (cookie, _) = session(&app, SessionOwner::Staff(commune)).await;
    let r = crate::people::get_as(
        &app,
        &format!("/quan-ly/nguoi?don-vi=16591&q={long}"),
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // The store cuts what it is given, whoever calls it.
    let found = app
        .db
        .store
        .people_under("38/", &long, None, 5)
        .await
        .unwrap();
    assert!(found.is_empty());
}
