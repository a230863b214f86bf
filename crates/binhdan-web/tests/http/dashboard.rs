//! The staff dashboard: learners who really complete the adults' course on different days;
//! the province ranks its communes with the change since last week and the standing against
//! the target; a commune shows its 30 days as a chart; scope and bad input are refused.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_store::{AdultCutoff, PersonRecord, SessionOwner};

use crate::helpers::{NOW, sheet_rows};

use crate::people::{adults, code, fixture, get_as, get_en_as, session, staff};

const DAY: i64 = 86_400_000;

#[tokio::test]
async fn the_province_ranks_its_communes_by_what_learners_really_completed() {
    let app = crate::learn::with_curriculum().await;
    let (_, school) = fixture(&app).await;
    let ids = adults(
        &app,
        &[
            ("038090012346", "16591001"),
            ("038090012347", "16591001"),
            ("038090012348", "16594001"),
        ],
        Timestamp(NOW.0 - 20 * DAY),
    )
    .await;
    // 16591: one completes ten days ago, one yesterday (the fixture's third never starts).
    // 16594: its only adult completes two days ago.
    let store = app.db.store.as_ref();
    for (person, days_ago) in [(ids[0], 10), (ids[1], 1), (ids[2], 2)] {
        let done = binhdan_app::demo::complete_course(
            store,
            person,
            "cong-dan",
            AdultCutoff(i64::MAX),
            Timestamp(NOW.0 - days_ago * DAY),
        )
        .await
        .unwrap();
        assert!(done, "the course is completed");
    }

    // A pupil of the commune's school (not an adult: born 2012, the cutoff 2008-12-31)
    // completes the pupils' course: the school ranks on K2.
    let pupil = {
        let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
        let cccd = Cccd::parse("038212012349").unwrap();
        let record = PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: "Học Sinh".into(),
            birth_year: 2012,
            birth_day: None,
            sex: cccd.sex(),
            unit: code("16591001"),
            phone: None,
            membership: Some(binhdan_store::MembershipRecord {
                organisation_id: school,
                group: binhdan_core::kpi::Group::Student,
                grade: Some(8),
                class: None,
                position: None,
            }),
        };
        let mut import = store
            .begin_people_import(AdultCutoff(14_244), NOW)
            .await
            .unwrap();
        import.write(std::slice::from_ref(&record)).await.unwrap();
        import
            .commit(AuditEntry::new("test", "person.import"))
            .await
            .unwrap();
        store
            .person_by_cccd_hash(&record.cccd_hash)
            .await
            .unwrap()
            .unwrap()
            .summary
            .id
    };
    assert!(
        binhdan_app::demo::complete_course(store, pupil, "hoc-sinh", AdultCutoff(14_244), NOW)
            .await
            .unwrap()
    );

    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Everywhere),
    )
    .await;
    let (cookie, _) = session(&app, SessionOwner::Staff(province)).await;
    let page = get_as(&app, "/quan-ly/tien-do/38?chi-tieu=K3", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    // The province: 3 of 4 adults on the roster.
    assert!(
        html.contains("<strong>3</strong> / 4") && html.contains("75,0%"),
        "{html}"
    );
    // The ranking: 16594 (1 of 1) before 16591 (2 of 3); a week ago 16591 led (1 of 3) and
    // 16594 had nobody (not ranked then, so no arrow).
    let row = |code: &str| {
        let at = html
            .find(&format!("/quan-ly/tien-do/{code}?chi-tieu=K3"))
            .unwrap();
        let start = html[..at].rfind("<tr>").unwrap();
        let end = at + html[at..].find("</tr>").unwrap();
        html[start..end].to_owned()
    };
    let (a, b) = (row("16591"), row("16594"));
    assert!(
        html.find(&b).unwrap() < html.find(&a).unwrap(),
        "16594 ranks first"
    );
    assert!(
        b.contains("<td class=\"num\">1</td>") && !b.contains("▲") && b.contains("100,0%"),
        "{b}"
    );
    assert!(b.contains("+100,0") && b.contains("Đã đạt chỉ tiêu"), "{b}");
    assert!(
        a.contains(">2 <") && a.contains("▼ 1") && a.contains("66,7%"),
        "{a}"
    );
    assert!(a.contains("+33,4") && a.contains("Đúng tiến độ"), "{a}");

    // What it takes: 16591 needs its one remaining adult by the deadline (at most one a
    // week), and the list can be filtered, re-ordered and paged (166 communes, 40 a page).
    assert!(html.contains("Cần mỗi tuần"), "{html}");
    let reached = get_as(
        &app,
        "/quan-ly/tien-do/38?chi-tieu=K3&tinh-trang=da-dat",
        &cookie,
    )
    .await
    .text();
    assert!(reached.contains("/quan-ly/tien-do/16594?chi-tieu=K3\">"));
    assert!(
        !reached.contains("/quan-ly/tien-do/16591?chi-tieu=K3\">"),
        "{reached}"
    );
    let on_track = get_as(
        &app,
        "/quan-ly/tien-do/38?chi-tieu=K3&tinh-trang=dung-tien-do",
        &cookie,
    )
    .await
    .text();
    assert!(on_track.contains("/quan-ly/tien-do/16591?chi-tieu=K3\">"));
    assert!(!on_track.contains("/quan-ly/tien-do/16594?chi-tieu=K3\">"));
    assert!(html.contains("Đơn vị 1–40 trong 166"), "paged");
    let second = get_as(
        &app,
        "/quan-ly/tien-do/38?chi-tieu=K3&xep=cham-nhat&trang=2",
        &cookie,
    )
    .await
    .text();
    assert!(second.contains("Đơn vị 41–80 trong 166"), "{second}");
    assert!(second.contains("aria-current=\"true\">Chậm nhất trước</a>"));
    assert!(
        !second.contains("/quan-ly/tien-do/16594?chi-tieu=K3\">"),
        "the reached commune is not among the furthest behind"
    );

    // The commune: its 30 days as a chart, its villages ranked.
    let commune = get_as(&app, "/quan-ly/tien-do/16591?chi-tieu=K3", &cookie)
        .await
        .text();
    assert!(commune.contains("<polyline"), "{commune}");
    // The public page of the commune tells no count under 5, nor the share it would give away;
    // the staff dashboard above shows them.
    let public = app.get("/don-vi/16591").await.text();
    assert!(public.contains("dưới 5"), "{public}");
    assert!(!public.contains("66,7%"), "{public}");
    // The village teams' work beside the commune's figures, and the way to it.
    assert!(commune.contains("Tổ công nghệ số cộng đồng"), "{commune}");
    assert!(commune.contains("href=\"/quan-ly/cac-to-cong-nghe/16591\""));
    assert!(
        !html.contains("Tổ công nghệ số cộng đồng"),
        "not on the province's page"
    );
    assert!(
        commune.contains("Số người đạt tăng từ 0 (0,0%)") && commune.contains("lên 2 (66,7%)"),
        "{commune}"
    );
    assert!(commune.contains("/quan-ly/tien-do/16591001?chi-tieu=K3"));
    // K2 (pupils): the school's ranking, 1 of its 1 pupil.
    let k2 = get_as(&app, "/quan-ly/tien-do/16591?chi-tieu=K2", &cookie)
        .await
        .text();
    let at = k2.find("Trường Một").expect("the school is ranked");
    let school_row = &k2[at..at + k2[at..].find("</tr>").unwrap()];
    assert!(
        school_row.contains("1 / 1")
            && school_row.contains("100,0%")
            && school_row.contains("+100,0"),
        "{school_row}"
    );
    assert!(k2.contains("Xếp hạng thi đua các trường học"));
    // The school's own page, for its admin: its one pupil has completed the course.
    let school_admin = staff(
        &app,
        "truong",
        Grant::new(Role::OrgAdmin, Scope::Organisation { id: school }),
    )
    .await;
    let (truong, _) = session(&app, SessionOwner::Staff(school_admin)).await;
    let own = get_as(&app, &format!("/quan-ly/to-chuc/{school}/tien-do"), &truong).await;
    assert_eq!(own.status, StatusCode::OK);
    let own = own.text();
    assert!(
        own.contains("<strong>1</strong> / 1") && own.contains("100,0%") && own.contains("K2"),
        "{own}"
    );
    assert!(
        get_as(&app, "/quan-ly", &truong)
            .await
            .text()
            .contains(&format!("/quan-ly/to-chuc/{school}/tien-do"))
    );
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/16591", &truong).await.status,
        StatusCode::FORBIDDEN,
        "an organisation's admin sees their organisation, not the commune"
    );
    assert_eq!(
        get_as(&app, "/quan-ly/to-chuc/999/tien-do", &cookie)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // K4 (certified): nobody yet.
    let k4 = get_as(&app, "/quan-ly/tien-do/38?chi-tieu=K4", &cookie)
        .await
        .text();
    assert!(k4.contains("<strong>0</strong> / 4"), "{k4}");
    // In English on request: the same figures.
    let en = get_en_as(&app, "/quan-ly/tien-do/38?chi-tieu=K3", &cookie)
        .await
        .text();
    assert!(
        en.contains("75.0%") && en.contains("Target reached"),
        "{en}"
    );

    // The report: XLSX with a sheet per level, read back; CSV with its BOM; both audited.
    let xlsx = get_as(&app, "/quan-ly/bao-cao/38?dinh-dang=xlsx", &cookie).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.header("content-disposition")
            .contains("bao-cao-tien-do-38-2025-11-24.xlsx")
    );
    let bytes = xlsx.body.to_vec();
    for (sheet, want) in [
        ("Tỉnh", "|38|Thanh Hóa|"),
        ("Xã, phường", "16594"),
        ("Thôn, bản, tổ dân phố", "16591001"),
    ] {
        let text: String = sheet_rows(&bytes, sheet).concat().join("|");
        assert!(
            text.contains(want) && text.contains("K3 đã đạt"),
            "{sheet}: {text}"
        );
        if sheet == "Tỉnh" {
            assert!(text.contains("|3|4|"), "K3 reached 3 of 4: {text}");
        }
    }
    let csv = get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=csv", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    assert!(text.contains("\"66,7%\""), "{text}");
    // The administrative document: a PDF (read back by pdf.js in the browser tests).
    let pdf = get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=pdf", &cookie).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert!(
        pdf.header("content-disposition")
            .contains("bao-cao-tien-do-16591-2025-11-24.pdf")
    );
    assert_eq!(
        get_as(&app, "/quan-ly/bao-cao/38?dinh-dang=docx", &cookie)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The national aggregation's JSON, with the operator's token.
    let api = app.get_as_operator("/api/v1/units/38/progress").await;
    assert_eq!(api.status, StatusCode::OK);
    let json = api.json();
    let k3 = &json["levels"][0][0]["kpis"][2];
    assert_eq!(
        (
            k3["kpi"].as_str(),
            k3["reached"].as_u64(),
            k3["denominator"].as_u64()
        ),
        (Some("K3"), Some(3), Some(4)),
        "{json}"
    );
    assert_eq!(k3["denominator_source"], "roster");

    // Bad input and scope.
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/38?chi-tieu=K9", &cookie)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/16599", &cookie).await.status,
        StatusCode::NOT_FOUND
    );
    let commune_admin = staff(
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
    let (xa, _) = session(&app, SessionOwner::Staff(commune_admin)).await;
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/16591", &xa).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/38", &xa).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/16594", &xa).await.status,
        StatusCode::FORBIDDEN
    );
    // An export outside their scope is refused and audited; their own is audited too.
    assert_eq!(
        get_as(&app, "/quan-ly/bao-cao/38", &xa).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=csv", &xa)
            .await
            .status,
        StatusCode::OK
    );
    let audit = app.db.store.audit_records(0, 1000).await.unwrap();
    let by = |action: &str, actor: i64| {
        audit
            .iter()
            .filter(|r| r.action == action && r.actor == format!("staff:{actor}"))
            .map(|r| r.subject.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(by("report.export.refused", commune_admin), ["38"]);
    assert_eq!(by("report.export", commune_admin), ["16591"]);
    // XLSX of the province, CSV and PDF of the commune: each export audited once.
    assert_eq!(by("report.export", province), ["38", "16591", "16591"]);
}
