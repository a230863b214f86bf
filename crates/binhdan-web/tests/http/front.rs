//! The front door and the frame of every page: what a first-time visitor sees first, who the
//! header says is signed in, the reading preferences, the two sign-in pages, and links that
//! only lead where the reader may go.

use axum::http::StatusCode;
use binhdan_store::SessionOwner;

use crate::helpers::TestApp;
use crate::people::{commune_admin, fixture, get_as, session, staff};

fn position(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page:\n{html}"))
}

#[tokio::test]
async fn the_front_door_offers_learning_first_and_the_targets_below() {
    let app = TestApp::new().await;
    let html = app.get("/").await.text();
    // The first thing after the title: the way to the lessons; the targets come after.
    let start = position(
        &html,
        "<a class=\"button big\" href=\"/hoc\">Bắt đầu học</a>",
    );
    assert!(start < position(&html, "Mục tiêu năm 2026"));
    assert!(start < position(&html, "<span class=\"kpi\">K1</span>"));
    // This server has no VNeID configured: no button that would fail, and the staff page apart.
    assert!(!html.contains("href=\"/dang-nhap/vneid\""));
    assert!(html.contains("href=\"/dang-nhap/can-bo\""));
    // The 166 communes are one tap away, not 166 links on the first screen.
    assert!(position(&html, "<details class=\"units\">") < position(&html, "Xã Các Sơn"));
    // The header: learn, search, sign in; the reading preferences as visible links.
    assert!(html.contains("<a href=\"/dang-nhap\">Đăng nhập</a>"));
    assert!(html.contains("<a href=\"/?chu=lon\" rel=\"nofollow\">Chữ to</a>"));
    assert!(html.contains("<a href=\"/?tuong-phan=cao\" rel=\"nofollow\">Tương phản cao</a>"));
    assert!(!html.contains("class=\"signout\""));

    // Large text applies on the home page too, and the link now undoes it.
    let large = app.get("/?chu=lon").await;
    assert!(large.header("set-cookie").contains("chu=lon"));
    let large = large.text();
    assert!(large.contains("<body class=\"large\">"), "{large}");
    assert!(large.contains("<a href=\"/?chu=thuong\" rel=\"nofollow\">Chữ thường</a>"));
    let contrast = app.get("/tim-kiem?tuong-phan=cao").await.text();
    assert!(contrast.contains("<body class=\"contrast\">"));
    assert!(contrast.contains("href=\"/tim-kiem?tuong-phan=thuong\""));

    let en = app.get_en("/").await.text();
    assert!(en.contains(">Start learning</a>") && en.contains(">Large text</a>"));
}

#[tokio::test]
async fn citizens_and_staff_sign_in_on_separate_pages() {
    let app = TestApp::new().await;
    let citizens = app.get("/dang-nhap").await;
    assert_eq!(citizens.status, StatusCode::OK);
    let citizens = citizens.text();
    assert!(!citizens.contains("name=\"password\""), "{citizens}");
    assert!(citizens.contains("chưa bật đăng nhập bằng VNeID"));
    assert!(citizens.contains("href=\"/dang-nhap/can-bo\""));
    let form = app.get("/dang-nhap/can-bo").await.text();
    assert!(form.contains("name=\"password\"") && form.contains("name=\"totp\""));
    assert!(!form.contains("/dang-nhap/vneid"));
    // Staff pages send strangers to the staff page, citizens' pages to the citizens' page.
    let r = app.get("/quan-ly/nguoi").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.header("location")
            .starts_with("/dang-nhap/can-bo?tiep=/quan-ly/nguoi")
    );
    let r = app.get("/toi").await;
    assert!(r.header("location").starts_with("/dang-nhap?tiep="));
    // The citizens' page keeps where the visitor was going.
    let back = app.get("/dang-nhap?tiep=/hoc/cua-toi").await.text();
    assert!(
        back.contains("href=\"/dang-nhap/can-bo?tiep=/hoc/cua-toi\""),
        "{back}"
    );
    assert!(
        !app.get("/dang-nhap?tiep=https://evil.example/")
            .await
            .text()
            .contains("evil")
    );
}

#[tokio::test]
async fn the_header_says_who_is_signed_in() {
    let app = crate::learn::with_curriculum().await;
    let (person, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(person)).await;
    // Anonymous readers are answered from memory: what they were given must never reach a
    // signed-in reader.
    for uri in ["/", "/hoc"] {
        let anonymous = app.get(uri).await.text();
        assert!(anonymous.contains("<a href=\"/dang-nhap\">"), "{uri}");
    }
    let html = get_as(&app, "/", &cookie).await.text();
    assert!(html.contains("<a href=\"/toi\">Trang của tôi</a>"));
    assert!(html.contains("<a href=\"/hoc/cua-toi\">Khóa học của tôi</a>"));
    // The sign-out button names the learner, for the offline script on every page: it
    // removes their own queued work, not a team member's on the same phone.
    assert!(html.contains(&format!(
        "<form class=\"signout\" action=\"/dang-xuat\" method=\"post\" data-person=\"{person}\" data-unsent=\"Còn %n việc chưa gửi."
    )));
    assert!(html.contains("<script src=\"/static/ngoai-tuyen."));
    assert!(html.contains(&format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        token.csrf_token().expose()
    )));
    assert!(
        !html.contains("<a href=\"/dang-nhap\">"),
        "no sign-in link once signed in"
    );
    // Signed in, the front door continues where the learner is.
    assert!(html.contains("<a class=\"button big\" href=\"/toi\">Học tiếp</a>"));

    let id = staff(&app, "xa.cacson", commune_admin("38/16591/")).await;
    let (staff_cookie, _) = session(&app, SessionOwner::Staff(id)).await;
    let html = get_as(&app, "/hoc", &staff_cookie).await.text();
    assert!(html.contains("<a href=\"/quan-ly\">Quản lý</a>"));
    assert!(html.contains("<form class=\"signout\" action=\"/dang-xuat\" method=\"post\"><input"));
    assert!(!html.contains("href=\"/toi\""));
}

#[tokio::test]
async fn my_page_shows_the_next_lesson_progress_and_certificates() {
    let app = crate::learn::with_curriculum().await;
    let (person, _) = fixture(&app).await;
    let (cookie, _) = session(&app, SessionOwner::Citizen(person)).await;
    // The citizens' course comes first on the course list.
    let courses = app.get("/hoc").await.text();
    let first = position(&courses, "href=\"/hoc/");
    assert_eq!(&courses[first..first + 20], "href=\"/hoc/cong-dan\"");

    let me = get_as(&app, "/toi", &cookie).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.text();
    assert!(me.contains("Bài học tiếp theo"), "{me}");
    let next = position(&me, "<a class=\"button big\" href=\"/bai/");
    assert!(next < position(&me, "Tiến độ học"));
    assert!(me.contains("href=\"/hoc/cong-dan\""));
    assert!(me.contains("Bạn chưa có chứng chỉ"));
    assert!(me.contains("038*******45"), "the CCCD masked");
    assert!(!me.contains("038090012345"));

    // Reading the first lesson moves the next lesson on.
    let lesson = &me[next + "<a class=\"button big\" href=\"".len()..];
    let lesson = &lesson[..lesson.find('"').unwrap()];
    let page = get_as(&app, lesson, &cookie).await.text();
    assert!(page.contains("mức Cơ bản"), "the step in words: {page}");
    assert!(!page.contains("mức CB"), "{page}");
    let csrf = {
        let i = position(&page, "name=\"csrf\" value=\"") + "name=\"csrf\" value=\"".len();
        page[i..i + page[i..].find('"').unwrap()].to_owned()
    };
    let done = crate::people::form(
        &app,
        &format!("{lesson}/xong"),
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let after = get_as(&app, "/toi", &cookie).await.text();
    assert!(!after.contains(&format!("class=\"button big\" href=\"{lesson}\"")));
}

#[tokio::test]
async fn a_commune_admin_sees_only_links_they_may_open() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let id = staff(&app, "xa.cacson", commune_admin("38/16591/")).await;
    let (cookie, _) = session(&app, SessionOwner::Staff(id)).await;
    let home = get_as(&app, "/quan-ly", &cookie).await.text();
    // The audit log is offered and opens: it holds their commune's records only
    // (`audit_log.rs`).
    assert!(home.contains("/quan-ly/nhat-ky"), "{home}");
    assert_eq!(
        get_as(&app, "/quan-ly/nhat-ky", &cookie).await.status,
        StatusCode::OK
    );
    // The province is named in the breadcrumb, not linked (its dashboard would refuse).
    let dash = get_as(&app, "/quan-ly/tien-do/16591", &cookie).await.text();
    assert!(!dash.contains("href=\"/quan-ly/tien-do/38"), "{dash}");
    assert!(
        dash.contains("<li>Thanh Hóa</li>") || dash.contains("<li>Tỉnh Thanh Hóa</li>"),
        "{dash}"
    );
    let targets = get_as(&app, "/quan-ly/chi-tieu/16591", &cookie)
        .await
        .text();
    assert!(
        !targets.contains("href=\"/quan-ly/tien-do/38\""),
        "{targets}"
    );
    // The people list without a unit is the caller's commune.
    let people = get_as(&app, "/quan-ly/nguoi", &cookie).await;
    assert_eq!(people.status, StatusCode::OK);
    assert!(people.text().contains("Nguyễn Văn A"), "{}", people.text());
    assert!(
        people.text().contains("<td class=\"home\">Thôn Một</td>"),
        "homes by name, not code: {}",
        people.text()
    );

    // The province reads that look in the audit log, in words: who, what, when.
    let province = staff(
        &app,
        "tinh",
        binhdan_auth::access::Grant::new(
            binhdan_auth::access::Role::ProvinceAdmin,
            binhdan_auth::access::Scope::Everywhere,
        ),
    )
    .await;
    let (province_cookie, _) = session(&app, SessionOwner::Staff(province)).await;
    let log = get_as(&app, "/quan-ly/nhat-ky", &province_cookie)
        .await
        .text();
    let row = &log[position(
        &log,
        "Xem danh sách người dân <small class=\"code\">(person.list)</small>",
    )..];
    let row = &log[log[..log.len() - row.len()].rfind("<tr>").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Cán bộ xa.cacson (xa.cacson)"), "{row}");
    assert!(
        row.split("<td>").any(|cell| cell.len() > 16
            && cell.as_bytes()[2] == b':'
            && cell.as_bytes()[5] == b' '),
        "the time of day and the date: {row}"
    );
}

#[tokio::test]
async fn the_issuing_body_is_on_every_page_when_configured() {
    let plain = TestApp::new().await;
    assert!(!plain.get("/").await.text().contains("class=\"official\""));
    let app = TestApp::with(|c| {
        c.official = binhdan_web::config::Official {
            body: "UBND tỉnh Thanh Hóa — Ban Chỉ đạo phong trào Bình dân học vụ số".into(),
            address: "35 Đại lộ Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa".into(),
            hotline: "0237 3 852 xxx".replace("xxx", "123"),
            contact: String::new(),
            ..binhdan_web::config::Official::default()
        };
    })
    .await;
    for path in ["/", "/hoc", "/dang-nhap", "/khong-co-trang-nay"] {
        let html = app.get(path).await.text();
        assert!(
            html.contains("<div class=\"official\">UBND tỉnh Thanh Hóa — Ban Chỉ đạo phong trào Bình dân học vụ số</div>"),
            "{path}: {html}"
        );
        assert!(
            html.contains("<a href=\"tel:02373852123\">0237 3 852 123</a>"),
            "{path}"
        );
        assert!(html.contains("35 Đại lộ Lê Lợi"), "{path}");
    }
}

/// Issue 18 (item 7): the administrative report is issued as configured — the province's in
/// the body's name, under its symbol, signed by its signer (NFC, under the room for the
/// signature); a commune's by the commune's steering committee, its signer left to be written
/// by hand. A symbol that would not print after "Số: …/" is refused before the server starts.
#[tokio::test]
async fn the_report_is_issued_and_signed_as_configured() {
    use unicode_normalization::UnicodeNormalization as _;
    let app = TestApp::with(|c| {
        c.official = binhdan_web::config::Official {
            body: "UBND tỉnh Thanh Hóa — Ban Chỉ đạo phong trào Bình dân học vụ số".into(),
            report_symbol: "BC-BCĐBDHVS".into(),
            signer_title: vec!["KT. TRƯỞNG BAN".into(), "PHÓ TRƯỞNG BAN".into()],
            // Decomposed, as a configuration file may hold it.
            signer: "Lê Văn Hùng".nfd().collect(),
            ..binhdan_web::config::Official::default()
        };
    })
    .await;
    let province = crate::people::staff(
        &app,
        "tinh-38",
        binhdan_auth::access::Grant::new(
            binhdan_auth::access::Role::ProvinceAdmin,
            binhdan_auth::access::Scope::Unit { path: "38/".into() },
        ),
    )
    .await;
    let (cookie, _) =
        crate::people::session(&app, binhdan_store::SessionOwner::Staff(province)).await;
    let pdf = crate::people::get_as(&app, "/quan-ly/bao-cao/38?dinh-dang=pdf", &cookie).await;
    assert_eq!(pdf.status, axum::http::StatusCode::OK);
    let text = crate::helpers::pdf_text(&pdf.body);
    for want in [
        "UBND TỈNH THANH HÓA",
        "BAN CHỈ ĐẠO PHONG TRÀO BÌNH DÂN HỌC VỤ SỐ",
        "Số: ……/BC-BCĐBDHVS",
        "KT. TRƯỞNG BAN PHÓ TRƯỞNG BAN",
        "(Ký, ghi rõ họ tên và đóng dấu) Lê Văn Hùng",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let commune =
        crate::people::get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=pdf", &cookie).await;
    let text = crate::helpers::pdf_text(&commune.body);
    assert!(text.contains("UBND XÃ CÁC SƠN"), "{text}");
    assert!(!text.contains("UBND TỈNH THANH HÓA"), "{text}");
    assert!(text.contains("Số: ……/BC-BCĐBDHVS"));
    assert!(!text.contains("Lê Văn Hùng"), "the commune signs by hand");

    let bad = |f: fn(&mut binhdan_web::config::Official)| {
        let mut o = binhdan_web::config::Official::default();
        f(&mut o);
        o.check()
    };
    assert!(binhdan_web::config::Official::default().check().is_ok());
    assert!(
        bad(|o| o.report_symbol = "BC/BCĐ".into())
            .unwrap_err()
            .contains("report_symbol")
    );
    assert!(bad(|o| o.report_symbol = " ".into()).is_err());
    assert!(
        bad(|o| o.signer_title = Vec::new())
            .unwrap_err()
            .contains("signer_title")
    );
    assert!(
        bad(|o| o.signer = "Lê\nVăn".into())
            .unwrap_err()
            .contains("signer")
    );
}
