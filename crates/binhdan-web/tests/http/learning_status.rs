//! Where each resident stands in their learning, on the staff people list and person page
//! (issue 18, item 4): the words, the lessons done, and the list filtered by status for a
//! commune's visits.

use axum::http::StatusCode;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_store::{AdultCutoff, PersonRecord, SessionOwner};

use crate::helpers::{NOW, TestApp};
use crate::people::{code, commune_admin, fixture, get_as, session, staff};

const DAY: i64 = 86_400_000;

/// A resident of Thôn Một (commune 16591) or, with `village` "16594001", of Thôn Hai.
pub async fn resident(app: &TestApp, name: &str, cccd: &str, village: &str) -> i64 {
    let store = app.db.store.as_ref();
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let cccd = Cccd::parse(cccd).unwrap();
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
            birth_year: 1970,
            // A full date of birth: a certificate needs one.
            birth_day: Some(0),
            sex: cccd.sex(),
            unit: code(village),
            phone: None,
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

/// The names in the people table's rows.
fn names(html: &str) -> Vec<String> {
    html.split("<tr><td class=\"name\"><a href=\"/quan-ly/nguoi/")
        .skip(1)
        .map(|row| {
            let start = row.find('>').unwrap() + 1;
            row[start..start + row[start..].find('<').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_people_list_says_where_each_resident_stands_and_filters_by_it() {
    let app = crate::exam::app().await;
    let (not_started, _) = fixture(&app).await;
    let store = app.db.store.as_ref();
    let cutoff = AdultCutoff(i64::MAX);
    let lessons: Vec<String> = store
        .course_outline("cong-dan")
        .await
        .unwrap()
        .unwrap()
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id.clone()))
        .collect();
    assert!(lessons.len() > 2);

    // Learning: two lessons today. Stuck: one lesson 20 days ago. Skilled: the whole course.
    let learning = resident(&app, "Trần Thị Học", "038190000101", "16591001").await;
    for l in &lessons[..2] {
        store
            .complete_lesson(learning, l, cutoff, NOW)
            .await
            .unwrap();
    }
    let stuck = resident(&app, "Lê Văn Dừng", "038090000102", "16591001").await;
    store
        .complete_lesson(stuck, &lessons[0], cutoff, Timestamp(NOW.0 - 20 * DAY))
        .await
        .unwrap();
    let skilled = resident(&app, "Phạm Thị Giỏi", "038190000103", "16591001").await;
    assert!(
        binhdan_app::demo::complete_course(store, skilled, "cong-dan", cutoff, NOW)
            .await
            .unwrap()
    );
    // Certified: passes the exam through the pages.
    let certified = resident(&app, "Hoàng Văn Chứng", "038090000104", "16591001").await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(certified)).await;
    let csrf = token.csrf_token().expose().clone();
    let exam = crate::exam::start(&app, &cookie, &csrf, "chung-chi").await;
    crate::exam::sit(&app, &cookie, &csrf, exam, true).await;
    assert_eq!(store.certificates_of(certified).await.unwrap().len(), 1);
    // Someone of the sibling commune is never on this commune's lists.
    resident(&app, "Ngô Văn Khác", "038090000105", "16594001").await;

    let admin = staff(&app, "xa.cacson", commune_admin("38/16591/")).await;
    let (cookie, _) = session(&app, SessionOwner::Staff(admin)).await;

    // The staff home leads to whom to visit.
    let home = get_as(&app, "/quan-ly", &cookie).await.text();
    assert!(
        home.contains("href=\"/quan-ly/nguoi?don-vi=16591&amp;tinh-trang=dung-lau\">Dừng lâu</a>"),
        "{home}"
    );
    let all = get_as(&app, "/quan-ly/nguoi?don-vi=16591", &cookie).await;
    assert_eq!(all.status, StatusCode::OK);
    let all = all.text();
    assert_eq!(names(&all).len(), 5, "{all}");
    for words in [
        "Chưa bắt đầu",
        "Đang học",
        "Dừng lâu",
        "Đã đạt kỹ năng",
        "Đã có chứng chỉ",
    ] {
        assert!(
            all.contains(&format!("<strong>{words}</strong>")),
            "{words}"
        );
    }
    let total = lessons.len();
    assert!(all.contains(&format!("2/{total} bài")), "{all}");
    assert!(all.contains(&format!("{total}/{total} bài")), "{all}");
    assert!(all.contains("học lần cuối"), "{all}");

    for (slug, name) in [
        ("chua-bat-dau", "Nguyễn Văn A"),
        ("dang-hoc", "Trần Thị Học"),
        ("dung-lau", "Lê Văn Dừng"),
        ("dat-ky-nang", "Phạm Thị Giỏi"),
        ("co-chung-chi", "Hoàng Văn Chứng"),
    ] {
        let page = get_as(
            &app,
            &format!("/quan-ly/nguoi?don-vi=16591&tinh-trang={slug}"),
            &cookie,
        )
        .await
        .text();
        assert_eq!(names(&page), [name], "{slug}: {page}");
        assert!(
            page.contains(&format!("<option value=\"{slug}\" selected>")),
            "the filter keeps its choice: {page}"
        );
    }
    // A name search and a status combine; an unknown status is refused in words.
    let page = get_as(
        &app,
        "/quan-ly/nguoi?don-vi=16591&q=tran&tinh-trang=dung-lau",
        &cookie,
    )
    .await
    .text();
    assert!(names(&page).is_empty(), "{page}");
    assert!(page.contains("Không có ai ở tình trạng này."), "{page}");
    let bad = get_as(&app, "/quan-ly/nguoi?don-vi=16591&tinh-trang=xyz", &cookie).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("Không có tình trạng học"),
        "{}",
        bad.text()
    );

    // Fourteen days without a lesson is still learning; a minute more is stopped: the list
    // filters by the same rule as the words.
    let boundary = resident(&app, "Đỗ Văn Vừa", "038090000106", "16591001").await;
    store
        .complete_lesson(boundary, &lessons[0], cutoff, Timestamp(NOW.0 - 14 * DAY))
        .await
        .unwrap();
    let page = get_as(
        &app,
        "/quan-ly/nguoi?don-vi=16591&tinh-trang=dang-hoc",
        &cookie,
    )
    .await
    .text();
    assert_eq!(names(&page), ["Đỗ Văn Vừa", "Trần Thị Học"], "{page}");
    store
        .complete_lesson(
            boundary,
            &lessons[1],
            cutoff,
            Timestamp(NOW.0 - 14 * DAY - 60_000),
        )
        .await
        .unwrap();
    let page = get_as(
        &app,
        "/quan-ly/nguoi?don-vi=16591&tinh-trang=dung-lau",
        &cookie,
    )
    .await
    .text();
    assert_eq!(
        names(&page),
        ["Lê Văn Dừng"],
        "the last lesson counts: {page}"
    );
    let over = resident(&app, "Vũ Thị Quá", "038190000107", "16591001").await;
    store
        .complete_lesson(
            over,
            &lessons[0],
            cutoff,
            Timestamp(NOW.0 - 14 * DAY - 60_000),
        )
        .await
        .unwrap();
    let page = get_as(
        &app,
        "/quan-ly/nguoi?don-vi=16591&tinh-trang=dung-lau",
        &cookie,
    )
    .await
    .text();
    assert_eq!(names(&page), ["Lê Văn Dừng", "Vũ Thị Quá"], "{page}");

    // The person page says the same.
    let page = get_as(&app, &format!("/quan-ly/nguoi/{stuck}"), &cookie)
        .await
        .text();
    assert!(page.contains("<strong>Dừng lâu</strong>"), "{page}");
    assert!(page.contains(&format!("1/{total} bài")), "{page}");
    assert!(page.contains("14 ngày nay không học thêm"), "{page}");
    let page = get_as(&app, &format!("/quan-ly/nguoi/{not_started}"), &cookie)
        .await
        .text();
    assert!(page.contains("<strong>Chưa bắt đầu</strong>"), "{page}");
    assert!(
        !page.contains(&format!("/{total} bài")),
        "no lessons for one who has not started"
    );
    let page = get_as(&app, &format!("/quan-ly/nguoi/{certified}"), &cookie)
        .await
        .text();
    assert!(page.contains("<strong>Đã có chứng chỉ</strong>"), "{page}");
}
