//! Village teams over HTTP: the commune admin appoints a member; a member records a visit
//! (a resent form counts once), opens a class and marks people present by the QR code of
//! their identity card; a member is refused outside their village; bad card strings get a
//! clear refusal and change nothing.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::cccd::Sex;
use binhdan_store::SessionOwner;

use crate::helpers::TestApp;
use crate::people::{code, commune_admin, encode, fixture, form, get_as, session, staff};

pub(crate) const VILLAGE: &str = "16591001";
/// The fixture's person as their card's QR code says it.
pub(crate) const CARD: &str =
    "038090012345||Nguyễn Văn A|01011990|Nam|Thôn Một, xã Hà Trung, Thanh Hóa|01072021";

pub(crate) fn facilitator(path: &str) -> Grant {
    Grant::new(Role::VillageFacilitator, Scope::Unit { path: path.into() })
}

pub(crate) struct Team {
    pub(crate) app: TestApp,
    pub(crate) person: i64,
    /// The commune admin's cookie and CSRF token.
    pub(crate) admin: (String, String),
    /// The village facilitator's.
    pub(crate) member: (String, String),
}

pub(crate) async fn signed_in(app: &TestApp, id: i64) -> (String, String) {
    let (cookie, token) = session(app, SessionOwner::Staff(id)).await;
    (cookie, token.csrf_token().expose().clone())
}

/// The curriculum, the fixture's village and person, a commune admin and a facilitator of the
/// village (not yet a member of its team).
pub(crate) async fn team() -> Team {
    let app = crate::learn::with_curriculum().await;
    let (person, _) = fixture(&app).await;
    let admin = staff(&app, "xa-16591", commune_admin("38/16591/")).await;
    let member = staff(&app, "thon-mot", facilitator("38/16591/16591001/")).await;
    let admin = signed_in(&app, admin).await;
    let member = signed_in(&app, member).await;
    Team {
        app,
        person,
        admin,
        member,
    }
}

pub(crate) async fn appoint(
    t: &Team,
    who: &(String, String),
    username: &str,
) -> crate::helpers::TestResponse {
    form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/thanh-vien"),
        Some(&who.0),
        &format!("csrf={}&username={username}", who.1),
    )
    .await
}

pub(crate) fn visit_body(csrf: &str, op: &str, person: i64) -> String {
    format!(
        "csrf={csrf}&op={op}&person={person}&date=2025-11-24&muc-vneid-install=1&muc-first-lesson=1&next={}&household={}",
        encode("Học bài 2 cùng con gái"),
        encode("Hộ ông A")
    )
}

#[tokio::test]
async fn a_commune_admin_appoints_and_a_resent_visit_counts_once() {
    let t = team().await;
    let visit_uri = format!("/quan-ly/to-cong-nghe/{VILLAGE}/tham");
    // Not a member yet: refused, and told why.
    let r = form(
        &t.app,
        &visit_uri,
        Some(&t.member.0),
        &visit_body(&t.member.1, "visit-op-000001", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("không phải thành viên tổ"),
        "{}",
        r.text()
    );
    // The member cannot appoint themself; the commune admin appoints them.
    assert_eq!(
        appoint(&t, &t.member, "thon-mot").await.status,
        StatusCode::FORBIDDEN
    );
    let r = appoint(&t, &t.admin, "xa-16591").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("không phải cán bộ phụ trách"),
        "{}",
        r.text()
    );
    let r = appoint(&t, &t.admin, "khong-co").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = appoint(&t, &t.admin, "thon-mot").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // A visit, and the same form resent: one visit, one answer.
    let body = visit_body(&t.member.1, "visit-op-000002", t.person);
    let first = form(&t.app, &visit_uri, Some(&t.member.0), &body).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text());
    let again = form(&t.app, &visit_uri, Some(&t.member.0), &body).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(first.header("location"), again.header("location"));
    let figures = t.app.db.store.team_figures(&code(VILLAGE)).await.unwrap();
    assert_eq!((figures.visits, figures.reached), (1, 1));
    assert_eq!(
        t.app
            .db
            .store
            .team_figures(&code("16591"))
            .await
            .unwrap()
            .visits,
        1,
        "the commune sees its villages' visits"
    );
    // The member's home links to their team's workspace.
    let home = get_as(&t.app, "/quan-ly", &t.member.0).await;
    assert!(
        home.text().contains("/quan-ly/to-cong-nghe/16591001"),
        "{}",
        home.text()
    );
    // The workspace: the person under their household, the visit, the member's figures.
    let page = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}"),
        &t.member.0,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("Hộ ông A") && html.contains("Nguyễn Văn A"),
        "{html}"
    );
    assert!(html.contains("Cài ứng dụng VNeID"));
    assert!(!html.contains("038090012345"), "the CCCD is masked");
    assert!(html.len() < 30_000);
    // A village class teaches residents: the citizens' course comes first in the form.
    let first = &html[html.find("<select id=\"module\"").unwrap()..];
    let first = &first[first.find("<option").unwrap()..first.find("</option>").unwrap()];
    assert!(first.contains("Kỹ năng số cho mọi người dân"), "{first}");
    // The commune sees it too; the person's page is audited.
    let page = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/nguoi/{}", t.person),
        &t.admin.0,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Học bài 2 cùng con gái"));
    // The commune's teams side by side, linked from its admin's home and the workspace.
    let home = get_as(&t.app, "/quan-ly", &t.admin.0).await;
    assert!(
        home.text().contains("/quan-ly/cac-to-cong-nghe/16591\""),
        "{}",
        home.text()
    );
    let teams = get_as(&t.app, "/quan-ly/cac-to-cong-nghe/16591", &t.admin.0).await;
    assert_eq!(teams.status, StatusCode::OK);
    assert!(teams.text().contains("Thôn Một"));
    assert!(teams.text().contains("<td class=\"num\">1</td>"));
    let audit = t.app.db.store.audit_of_person(t.person, 10).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "team.visit"));
    assert!(audit.iter().any(|r| r.action == "person.view"));
    // A bad field changes nothing and says what is wrong.
    let r = form(
        &t.app,
        &visit_uri,
        Some(&t.member.0),
        &format!(
            "csrf={}&op=visit-op-000003&person={}&date=2099-01-01&next=x",
            t.member.1, t.person
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("tương lai"));
    assert_eq!(
        t.app
            .db
            .store
            .team_figures(&code(VILLAGE))
            .await
            .unwrap()
            .visits,
        1
    );
}

#[tokio::test]
async fn a_member_is_refused_outside_their_village() {
    let t = team().await;
    // A facilitator of the village next door, a member of its own team.
    let other = staff(&t.app, "thon-hai", facilitator("38/16594/16594001/")).await;
    let province = staff(
        &t.app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let province = signed_in(&t.app, province).await;
    let r = form(
        &t.app,
        "/quan-ly/to-cong-nghe/16594001/thanh-vien",
        Some(&province.0),
        &format!("csrf={}&username=thon-hai", province.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The commune admin of 16591 cannot appoint in 16594.
    let r = form(
        &t.app,
        "/quan-ly/to-cong-nghe/16594001/thanh-vien",
        Some(&t.admin.0),
        &format!("csrf={}&username=thon-hai", t.admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let other = signed_in(&t.app, other).await;
    // Not their village's workspace, nor its team.
    let r = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}"),
        &other.0,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/tham"),
        Some(&other.0),
        &visit_body(&other.1, "visit-op-100001", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // In their own village, a person who lives elsewhere.
    let r = form(
        &t.app,
        "/quan-ly/to-cong-nghe/16594001/tham",
        Some(&other.0),
        &visit_body(&other.1, "visit-op-100002", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("không sống ở Thôn Hai"), "{}", r.text());
    // In English.
    let r = t
        .app
        .send(
            axum::http::Request::post("/quan-ly/to-cong-nghe/16594001/tham")
                .header(axum::http::header::COOKIE, &other.0)
                .header(axum::http::header::ACCEPT_LANGUAGE, "en")
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(axum::body::Body::from(visit_body(
                    &other.1,
                    "visit-op-100003",
                    t.person,
                )))
                .unwrap(),
        )
        .await;
    assert!(
        r.text().contains("does not live in Thôn Hai"),
        "{}",
        r.text()
    );
    assert_eq!(
        t.app
            .db
            .store
            .team_figures(&code("16594001"))
            .await
            .unwrap()
            .visits,
        0
    );
    assert_eq!(
        t.app
            .db
            .store
            .team_figures(&code(VILLAGE))
            .await
            .unwrap()
            .visits,
        0
    );
}

#[tokio::test]
async fn a_class_takes_attendance_by_card_qr_once() {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let open = format!(
        "csrf={}&op=class-op-000001&module=cong-dan.dien-thoai&place={}&starts=2025-11-24T19:30",
        t.member.1,
        encode("Nhà văn hóa thôn Một")
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &open,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let class_uri = r.header("location").to_owned();
    // The same form resent opens nothing more.
    let again = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &open,
    )
    .await;
    assert_eq!(again.header("location"), class_uri);
    assert_eq!(
        t.app
            .db
            .store
            .team_figures(&code(VILLAGE))
            .await
            .unwrap()
            .classes,
        1
    );

    let mark = format!("{class_uri}/diem-danh");
    // Bad card strings: a clear refusal each, nothing marked.
    let bad = [
        (
            "https://example.com/qr",
            "không phải mã QR của thẻ căn cước",
        ),
        (
            "038090012345||Nguyễn Văn A|01011991|Nam|Thôn Một|01072021",
            "không khớp với số định danh",
        ),
        (
            "038090012345||Nguyễn Văn A|01011990|Nữ|Thôn Một|01072021",
            "Giới tính trên mã QR không khớp",
        ),
        (
            "03809001234||Nguyễn Văn A|01011990|Nam|Thôn Một|01072021",
            "12 chữ số",
        ),
        (
            "038090012345||Nguyễn Văn A|31021990|Nam|Thôn Một|01072021",
            "Ngày sinh trên mã QR",
        ),
    ];
    for (i, (card, says)) in bad.iter().enumerate() {
        let r = form(
            &t.app,
            &mark,
            Some(&t.member.0),
            &format!(
                "csrf={}&op=mark-op-bad-{i:04}&card={}",
                t.member.1,
                encode(card)
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{card}");
        let text = r.text();
        assert!(text.contains(says), "{card}: {text}");
        assert!(
            text.contains(&format!("action=\"{mark}\"")) && text.contains("role=\"alert\""),
            "the refusal stays on the class page, the form ready: {text}"
        );
        assert!(
            !text.contains("038090012345"),
            "the number is never shown back"
        );
    }
    // The card of the fixture's person; then the same marking resent.
    let body = format!(
        "csrf={}&op=mark-op-000001&card={}",
        t.member.1,
        encode(CARD)
    );
    let r = form(&t.app, &mark, Some(&t.member.0), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.header("location").ends_with("co-mat=moi"));
    let r = form(&t.app, &mark, Some(&t.member.0), &body).await;
    assert!(
        r.header("location").ends_with("co-mat=moi"),
        "a resend is answered as the first"
    );
    // Typed by number: already present.
    let r = form(
        &t.app,
        &mark,
        Some(&t.member.0),
        &format!(
            "csrf={}&op=mark-op-000002&identity=038090012345",
            t.member.1
        ),
    )
    .await;
    assert!(r.header("location").ends_with("co-mat=roi"));
    let class_id: i64 = class_uri.rsplit('/').next().unwrap().parse().unwrap();
    let class = t.app.db.store.team_class(class_id).await.unwrap().unwrap();
    assert_eq!(class.present, 1);
    let page = get_as(&t.app, &class_uri, &t.member.0).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Nguyễn Văn A") && page.text().contains("quét thẻ"));
    let figures = t.app.db.store.team_figures(&code(VILLAGE)).await.unwrap();
    assert_eq!(figures.reached, 1);
    let rebuilt = t
        .app
        .db
        .store
        .rebuild_counters(
            binhdan_store::AdultCutoff(i64::MAX),
            false,
            crate::helpers::NOW,
        )
        .await
        .unwrap();
    assert!(
        rebuilt
            .differences
            .iter()
            .all(|d| d.group != binhdan_store::TEAM_GROUP),
        "{:?}",
        rebuilt.differences
    );
}

#[tokio::test]
async fn the_province_sets_the_visit_checklist() {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let province = staff(
        &t.app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let province = signed_in(&t.app, province).await;
    // The commune may not; a line without "=" is named.
    let items = encode("zalo = Gửi ảnh căn cước qua Zalo\ndvc = Nộp hồ sơ dịch vụ công");
    let r = form(
        &t.app,
        "/quan-ly/danh-muc-tham/38",
        Some(&t.admin.0),
        &format!("csrf={}&items={items}", t.admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = form(
        &t.app,
        "/quan-ly/danh-muc-tham/38",
        Some(&province.0),
        &format!(
            "csrf={}&items={}",
            province.1,
            encode("zalo = Zalo\nsai dong")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Dòng 2"), "{}", r.text());
    let r = form(
        &t.app,
        "/quan-ly/danh-muc-tham/38",
        Some(&province.0),
        &format!("csrf={}&items={items}", province.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = get_as(&t.app, "/quan-ly/danh-muc-tham/38", &province.0).await;
    assert!(page.text().contains("Gửi ảnh căn cước qua Zalo"));
    // The village's visit form offers the province's items; the built-in ones are refused.
    let page = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/nguoi/{}", t.person),
        &t.member.0,
    )
    .await;
    assert!(page.text().contains("name=\"muc-zalo\""), "{}", page.text());
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/tham"),
        Some(&t.member.0),
        &visit_body(&t.member.1, "visit-op-200001", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("không có trong danh mục"), "{}", r.text());
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/tham"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=visit-op-200002&person={}&date=24/11/2025&muc-zalo=1",
            t.member.1, t.person
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
}

/// `count` residents of the village who have not started, imported at once: CCCD hashes
/// filled with `fill` and numbered in their first two bytes, named `{name} 000` on.
async fn residents(t: &Team, count: u16, fill: u8, name: &str, birth_year: i32, sex: Sex) {
    let store = t.app.db.store.as_ref();
    let mut import = store
        .begin_people_import(binhdan_store::AdultCutoff(i64::MAX), crate::helpers::NOW)
        .await
        .unwrap();
    let people: Vec<binhdan_store::PersonRecord> = (0..count)
        .map(|n| {
            let mut hash = [fill; 32];
            hash[..2].copy_from_slice(&n.to_be_bytes());
            binhdan_store::PersonRecord {
                cccd_hash: hash,
                cccd_sealed: vec![1],
                cccd_masked: "038*******00".into(),
                name: format!("{name} {n:03}"),
                birth_year,
                birth_day: None,
                sex,
                unit: code(VILLAGE),
                phone: None,
                membership: None,
            }
        })
        .collect();
    import.write(&people).await.unwrap();
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "test",
            "person.import",
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_large_village_is_shown_a_hundred_residents_a_page() {
    let t = team().await;
    residents(&t, 150, 7, "Người Thứ", 1950, Sex::Female).await;
    let first = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}"),
        &t.admin.0,
    )
    .await;
    let html = first.text();
    assert!(html.contains("?trang=2"), "{html}");
    assert!(html.contains("Trang 1/2"));
    let second = get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}?trang=2"),
        &t.admin.0,
    )
    .await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.text().contains("Trang 2/2") && second.text().contains("?trang=1"));
    // 151 residents: 100 on the first page, 51 on the second (plus the 20 to visit next).
    let rows = |h: &str| {
        h.split("<section aria-labelledby=\"residents\">")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .matches("<li>")
            .count()
    };
    assert_eq!((rows(&html), rows(&second.text())), (100, 51));
}

/// Issue 19: a village larger than any in-memory cap (2,000 residents were loaded, then
/// paged in the app, so the 2,001st never showed). Paging is the database's now: the last of
/// 2,151 by name (the fixture's) is on page 22; a name search without diacritics finds one
/// among them and its paging links keep the search; the class's village list offers 300 and
/// says how to find the rest.
#[tokio::test]
async fn every_resident_of_a_very_large_village_can_be_found() {
    let t = team().await;
    residents(&t, 2_150, 5, "Người Thứ", 1950, Sex::Female).await;
    let workspace = format!("/quan-ly/to-cong-nghe/{VILLAGE}");
    let last = get_as(&t.app, &format!("{workspace}?trang=22"), &t.admin.0).await;
    assert_eq!(last.status, StatusCode::OK);
    let html = last.text();
    assert!(html.contains("Trang 22/22"), "{html}");
    // The last by name (the fixture's Nguyễn Văn A) is there, with 50 others.
    assert!(html.contains(">Nguyễn Văn A</a>"), "{html}");
    let rows = html
        .split("<section aria-labelledby=\"residents\">")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap()
        .matches("<li>")
        .count();
    assert_eq!(rows, 51);
    // A page past the last shows the last.
    let past = get_as(&t.app, &format!("{workspace}?trang=99"), &t.admin.0).await;
    assert!(past.text().contains("Trang 22/22"));
    // A search without diacritics or case: one found, named, with a way back to everyone.
    let found = get_as(
        &t.app,
        &format!("{workspace}?tim=NGUOI%20THU%202149"),
        &t.admin.0,
    )
    .await;
    let html = found.text();
    assert!(html.contains("Tìm thấy 1 người có tên chứa"), "{html}");
    assert!(html.contains(">Người Thứ 2149</a>") && !html.contains(">Người Thứ 2148</a>"));
    assert!(
        html.contains("value=\"NGUOI THU 2149\""),
        "the box keeps the search"
    );
    // A search over several pages keeps itself in the paging links.
    let many = get_as(&t.app, &format!("{workspace}?tim=thu%201"), &t.admin.0).await;
    let html = many.text();
    assert!(
        html.contains("Trang 1/11"),
        "1,100 names hold “thu 1”: {html}"
    );
    assert!(
        html.contains("?trang=2&amp;tham=1&#38;tim=thu%201#residents"),
        "{html}"
    );
    let none = get_as(&t.app, &format!("{workspace}?tim=zzz"), &t.admin.0).await;
    assert!(
        none.text()
            .contains("Không có ai trong thôn có tên như vậy.")
    );
    // The class's village list: 300 of 2,151, and a search that narrows it.
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let r = form(
        &t.app,
        &format!("{workspace}/lop"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=class-op-400001&module=cong-dan.dien-thoai&place=Nh%C3%A0+v%C4%83n+h%C3%B3a&starts=2025-11-24T19:30",
            t.member.1
        ),
    )
    .await;
    let class_uri = r.header("location").to_owned();
    let options =
        |h: &str| h.matches("<option value=\"").count() - h.matches("<option value=\"\"").count();
    let class = get_as(&t.app, &class_uri, &t.member.0).await.text();
    assert_eq!(options(&class), 300, "{class}");
    assert!(
        class.contains("Danh sách chỉ có 300 trong 2151 người của thôn"),
        "{class}"
    );
    let narrowed = get_as(&t.app, &format!("{class_uri}?tim=thu%202149"), &t.member.0)
        .await
        .text();
    assert_eq!(options(&narrowed), 1, "{narrowed}");
    assert!(narrowed.contains(">Người Thứ 2149</option>"));
    // In English.
    let en =
        crate::people::get_en_as(&t.app, &format!("{workspace}?tim=thu%202149"), &t.admin.0).await;
    assert!(
        en.text().contains("1 found whose name contains"),
        "{}",
        en.text()
    );
}

#[tokio::test]
async fn someone_not_on_the_roster_is_registered_from_their_card() {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let open = format!(
        "csrf={}&op=class-op-300001&module=cong-dan.dien-thoai&place=Nh%C3%A0+v%C4%83n+h%C3%B3a&starts=2025-11-24T19:30",
        t.member.1
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &open,
    )
    .await;
    let mark = format!("{}/diem-danh", r.header("location"));
    let card = "038185012377|123456789|Hà Thị Lan|12031985|Nữ|Thôn Một, xã Hà Trung|15062021";
    // Not on the roster: said so, nothing changed.
    let r = form(
        &t.app,
        &mark,
        Some(&t.member.0),
        &format!(
            "csrf={}&op=mark-op-300001&card={}",
            t.member.1,
            encode(card)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("chưa có trong danh sách người dân của Thôn Một"),
        "{}",
        r.text()
    );
    // The second tap: registered in the village from the card, and present.
    let r = form(
        &t.app,
        &mark,
        Some(&t.member.0),
        &format!(
            "csrf={}&op=mark-op-300002&card={}&register=1",
            t.member.1,
            encode(card)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.header("location").ends_with("co-mat=moi"));
    let residents = t
        .app
        .db
        .store
        .residents(
            &code(VILLAGE),
            &binhdan_store::ResidentsQuery {
                name: Some("ha thi lan".into()),
                limit: 10,
                offset: 0,
            },
        )
        .await
        .unwrap()
        .residents;
    let lan = residents
        .iter()
        .find(|p| p.name == "Hà Thị Lan")
        .expect("registered");
    assert_eq!(
        (lan.birth_year, lan.cccd_masked.as_str()),
        (1985, "038*******77")
    );
    assert!(lan.reached);
    // A resend registers no one twice and counts once.
    let r = form(
        &t.app,
        &mark,
        Some(&t.member.0),
        &format!(
            "csrf={}&op=mark-op-300002&card={}&register=1",
            t.member.1,
            encode(card)
        ),
    )
    .await;
    assert!(r.header("location").ends_with("co-mat=moi"));
    let class_id: i64 = mark.split('/').nth(3).unwrap().parse().unwrap();
    assert_eq!(
        t.app
            .db
            .store
            .team_class(class_id)
            .await
            .unwrap()
            .unwrap()
            .present,
        1
    );
}

/// The attribute `name="…"`'s value in `html`, from its first occurrence.
fn attribute<'a>(html: &'a str, name: &str) -> &'a str {
    let from = html.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
    let len = html[from..].find('"').expect("closing quote");
    &html[from..from + len]
}

#[tokio::test]
async fn the_class_page_offers_the_card_scanner_to_members_only() {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let open = format!(
        "csrf={}&op=class-op-400001&module=cong-dan.dien-thoai&place=Nh%C3%A0+v%C4%83n+h%C3%B3a&starts=2025-11-24T19:30",
        t.member.1
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &open,
    )
    .await;
    let class_uri = r.header("location").to_owned();
    // The member: the scanner's script, the decoder it loads, the buttons (hidden until the
    // script shows them) and, for a browser without JavaScript, why scanning is not there.
    let html = get_as(&t.app, &class_uri, &t.member.0).await.text();
    let script = attribute(&html, "src");
    assert!(script.starts_with("/static/quet-the."), "{script}");
    let decoder = attribute(&html, "data-decoder");
    assert!(decoder.starts_with("/static/jsqr."), "{decoder}");
    assert!(html.contains("Quét mã QR trên CCCD") && html.contains("Chụp ảnh mã QR"));
    assert!(html.contains(r#"accept="image/*" capture="environment""#));
    assert!(html.contains(r#"id="scan-actions" class="scan-actions" hidden"#));
    assert!(html.contains("cần bật JavaScript"));
    assert!(html.contains("không phải mã QR của thẻ căn cước"));
    for (url, needle) in [(script, "getUserMedia"), (decoder, "jsQR")] {
        let r = t.app.get(url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.header("content-type").starts_with("text/javascript"));
        assert!(r.text().contains(needle), "{url}");
    }
    // In English too.
    let en = get_as(&t.app, &format!("{class_uri}?lang=en"), &t.member.0)
        .await
        .text();
    assert!(en.contains("Scan the QR code on the ID card") && en.contains("needs JavaScript"));
    // A refused marking keeps the scanner on the page it shows.
    let r = form(
        &t.app,
        &format!("{class_uri}/diem-danh"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=mark-op-400001&card=https%3A%2F%2Fexample.com",
            t.member.1
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("/static/quet-the.") && r.text().contains("id=\"scan\""));
    // The commune admin sees the class but takes no attendance: no scanner.
    let page = get_as(&t.app, &class_uri, &t.admin.0).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("quet-the.") && !page.text().contains("id=\"scan\""));
}

/// The names under "Who to visit next", in order.
fn next_names(page: &str) -> Vec<String> {
    let start = page.find("id=\"next\"").unwrap();
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    section
        .split("<li><a href=\"")
        .skip(1)
        .map(|li| {
            let name = &li[li.find('>').unwrap() + 1..];
            name[..name.find('<').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_visit_recorded_today_moves_the_person_down_the_list_to_visit() {
    let t = team().await;
    let store = t.app.db.store.as_ref();
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    // A second resident who has not started either.
    let mut import = store
        .begin_people_import(binhdan_store::AdultCutoff(i64::MAX), crate::helpers::NOW)
        .await
        .unwrap();
    import
        .write(&[binhdan_store::PersonRecord {
            cccd_hash: [7; 32],
            cccd_sealed: vec![7],
            cccd_masked: "038*******07".into(),
            name: "Trần Thị Bình".into(),
            birth_year: 1960,
            birth_day: None,
            sex: binhdan_core::cccd::Sex::Female,
            unit: code(VILLAGE),
            phone: None,
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(binhdan_core::audit::AuditEntry::new("cli", "person.import"))
        .await
        .unwrap();
    let workspace = format!("/quan-ly/to-cong-nghe/{VILLAGE}");
    let page = get_as(&t.app, &workspace, &t.member.0).await.text();
    assert_eq!(
        next_names(&page),
        ["Nguyễn Văn A", "Trần Thị Bình"],
        "by name"
    );
    assert!(page.contains("trong 7 ngày qua"), "the rule is stated");
    // Nguyễn Văn A visited today: Trần Thị Bình first.
    let r = form(
        &t.app,
        &format!("{workspace}/tham"),
        Some(&t.member.0),
        &visit_body(&t.member.1, "visit-op-next-01", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = get_as(&t.app, &workspace, &t.member.0).await.text();
    assert_eq!(next_names(&page), ["Trần Thị Bình", "Nguyễn Văn A"]);
    assert!(page.contains("đã thăm ngày 24/11/2025"), "{page}");
}

/// The workspace with page `n` of whom to visit next (none: the first), as the commune admin.
async fn visit_next_page(t: &Team, n: &str) -> String {
    let mut uri = format!("/quan-ly/to-cong-nghe/{VILLAGE}");
    if !n.is_empty() {
        uri.push_str("?tham=");
        uri.push_str(n);
    }
    let r = get_as(&t.app, &uri, &t.admin.0).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}");
    r.text()
}

/// Issue 19: whom to visit next, 20 a page, with links that need no JavaScript. A village of
/// 46 residents who have not started: pages of 20, 20 and 6, together everyone once, in the
/// order of the rule (by name here); a page past the end says so; a page that is no number is
/// the first.
#[tokio::test]
async fn whom_to_visit_next_is_paged_twenty_at_a_time() {
    let t = team().await;
    residents(&t, 45, 9, "Lê Văn", 1960, Sex::Male).await;
    let workspace = format!("/quan-ly/to-cong-nghe/{VILLAGE}");
    let page = |n: &'static str| visit_next_page(&t, n);
    let more = |n: u32| {
        format!("?tham={n}&amp;trang=1#next\" rel=\"next\" class=\"button secondary\">Xem thêm</a>")
    };
    let back = |n: u32| format!("?tham={n}&amp;trang=1#next\" rel=\"prev\"");

    let first = page("").await;
    let one = next_names(&first);
    assert_eq!(one.len(), 20, "{first}");
    assert_eq!(one[..2], ["Lê Văn 000", "Lê Văn 001"]);
    assert!(first.contains("<ol start=\"1\">"), "{first}");
    assert!(first.contains(&more(2)), "{first}");
    assert!(
        !first.contains("rel=\"prev\" class=\"button"),
        "no way back from the first"
    );

    let second = page("2").await;
    let two = next_names(&second);
    assert_eq!(two.len(), 20);
    assert_eq!(
        two[0], "Lê Văn 020",
        "the 21st (the fixture's Nguyễn Văn A is the 46th)"
    );
    assert!(second.contains("<ol start=\"21\">"), "{second}");
    assert!(
        second.contains(&more(3)) && second.contains(&back(1)),
        "{second}"
    );

    let third = page("3").await;
    let three = next_names(&third);
    assert_eq!(three.len(), 6, "{three:?}");
    assert_eq!(three.last().map(String::as_str), Some("Nguyễn Văn A"));
    assert!(
        !third.contains("Xem thêm") && third.contains(&back(2)),
        "{third}"
    );

    // Everyone once, in order.
    let all: Vec<String> = [one, two, three].concat();
    let mut want: Vec<String> = (0..45).map(|n| format!("Lê Văn {n:03}")).collect();
    want.push("Nguyễn Văn A".into());
    assert_eq!(all, want);

    let past = page("9").await;
    assert!(next_names(&past).is_empty());
    assert!(
        past.contains("Không còn ai nữa trong danh sách cần thăm."),
        "{past}"
    );
    for odd in ["0", "abc", "-1", "99999999999999999999"] {
        assert_eq!(next_names(&page(odd).await)[0], "Lê Văn 000", "tham={odd}");
    }
    // In English too.
    let en = t
        .app
        .send(
            axum::http::Request::get(&workspace)
                .header("cookie", &t.admin.0)
                .header("accept-language", "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(en.contains(">See more</a>"), "{en}");
}
