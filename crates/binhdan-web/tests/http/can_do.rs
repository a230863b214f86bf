//! What people can do (issue 21, item 5), end to end: people in two communes sit the placement
//! test and the exam through the pages, each given a simulated task they solve or fail; the
//! unit dashboards show each task's share at placement → at the exam with its counts (in both
//! languages, only where a task was given), and the XLSX, CSV and JSON reports carry the same
//! figures; an organisation's admin sees its members' figures on its page. Refusals are
//! unchanged.

use std::fmt::Write as _;

use axum::http::StatusCode;
use binhdan_app::exam::Session;
use binhdan_content::task::{Outcome, solution, way_to_critical};
use binhdan_store::SessionOwner;

use crate::helpers::{NOW, TestApp, sheet_rows};
use crate::people::{
    adults, code, commune_admin, encode, fixture, form, get_as, get_en_as, members, session, staff,
};

const TASK: &str = "chuyen-tien-kiem-tra-ten";

/// Exams giving one task, placement tests too, from a pack whose only task is [`TASK`].
async fn app() -> TestApp {
    let app = TestApp::with(|c| {
        c.exam.minutes = 30;
        c.exam.tasks = 1;
        c.exam.placement_tasks = 1;
    })
    .await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let mut pack = binhdan_app::content::check(&dir).unwrap();
    pack.tasks.retain(|t| t.id == TASK);
    assert_eq!(pack.tasks.len(), 1);
    app.db.store.load_content(&pack, NOW).await.unwrap();
    app
}

/// Sits an adults' placement test (`dau-vao`) or exam (`chung-chi`) through the pages, every
/// question answered right, the task solved or failed by its critical error.
async fn sit(app: &TestApp, person: i64, kind: &str, solve: bool) {
    sit_in(app, person, "adult", kind, solve).await;
}

/// [`sit`], in `group`'s sittings.
async fn sit_in(app: &TestApp, person: i64, group: &str, kind: &str, solve: bool) {
    let store = app.db.store.as_ref();
    let (cookie, token) = session(app, SessionOwner::Citizen(person)).await;
    let csrf = token.csrf_token().expose().clone();
    let sitting = crate::exam::start_in(app, &cookie, &csrf, group, kind).await;
    let url = format!("/hoc/thi/lan/{sitting}");
    let mut page = get_as(app, &url, &cookie).await.text();
    let mut tasks = 0;
    for _ in 0..80 {
        let attempt = store.exam_attempt(sitting).await.unwrap().unwrap();
        if attempt.finished_at.is_some() {
            break;
        }
        let s: Session = serde_json::from_str(&attempt.state).unwrap();
        let Some((at, given, current)) = s.current_task() else {
            let body = crate::exam::reply(app, sitting, &page, true, &csrf).await;
            let r = form(app, &url, Some(&cookie), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
            continue;
        };
        tasks += 1;
        let task = store.sim_task(&given.item).await.unwrap().unwrap();
        let seed = current.attempt.seed;
        let steps = if solve {
            solution(&task, seed).unwrap()
        } else {
            task.screens
                .iter()
                .enumerate()
                .flat_map(|(s, screen)| {
                    screen
                        .actions
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| matches!(a.outcome, Outcome::Critical(_)))
                        .map(move |(a, _)| (s, a))
                })
                .find_map(|(s, a)| way_to_critical(&task, seed, s, a))
                .unwrap()
        };
        for (k, input) in steps.iter().enumerate() {
            let mut body = format!(
                "csrf={csrf}&position={at}&item={}&step={k}&a={}",
                given.item, input.position
            );
            for (i, t) in input.typed.iter().enumerate() {
                write!(body, "&f{i}={}", encode(t)).unwrap();
            }
            let r = form(app, &url, Some(&cookie), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
        }
    }
    let ended = store.exam_attempt(sitting).await.unwrap().unwrap();
    assert!(ended.finished_at.is_some(), "{page}");
    assert_eq!(tasks, 1, "one task given");
}

/// The text of an XLSX sheet's cells, `|`-joined.
fn sheet_text(bytes: &[u8], sheet: &str) -> String {
    sheet_rows(bytes, sheet)
        .iter()
        .map(|r| r.join("|"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_dashboards_and_reports_show_what_people_could_do_before_and_after() {
    let app = app().await;
    fixture(&app).await;
    let province = staff(
        &app,
        "tinh",
        binhdan_auth::access::Grant::new(
            binhdan_auth::access::Role::ProvinceAdmin,
            binhdan_auth::access::Scope::Everywhere,
        ),
    )
    .await;
    let (cookie, _) = session(&app, SessionOwner::Staff(province)).await;
    // Before any task: no section, no sheet.
    let before = get_as(&app, "/quan-ly/tien-do/38", &cookie).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(
        !before.text().contains("Làm được việc gì"),
        "{}",
        before.text()
    );

    let ids = adults(
        &app,
        &[
            ("038090012346", "16591001"),
            ("038090012347", "16591001"),
            ("038090012348", "16594001"),
        ],
        NOW,
    )
    .await;
    // 16591: one fails the task at placement and then does it at the exam, the other does it
    // both times; 16594: its adult fails it both times. 16591: 50% → 100%; 16594: 0% → 0%;
    // the province: 33,3% → 66,7%.
    for (person, placement, exam) in [
        (ids[0], false, true),
        (ids[1], true, true),
        (ids[2], false, false),
    ] {
        sit(&app, person, "dau-vao", placement).await;
        sit(&app, person, "chung-chi", exam).await;
    }
    let title = app.db.store.sim_task(TASK).await.unwrap().unwrap().title;

    let page = get_as(&app, "/quan-ly/tien-do/38", &cookie).await.text();
    assert!(page.contains("Làm được việc gì"), "{page}");
    let line = format!(
        "{}: <strong>33,3% <span aria-hidden=\"true\">→</span>",
        title.vi
    );
    assert!(page.contains(&line), "{page}");
    // The change between the shares as shown (66,7 − 33,3).
    assert!(page.contains("66,7%</strong> (+33,4 điểm %)"), "{page}");
    assert!(
        page.contains("1/3 người ở đầu vào · 2/3 người ở bài thi"),
        "{page}"
    );
    let commune = get_as(&app, "/quan-ly/tien-do/16591", &cookie).await.text();
    assert!(
        commune.contains("50,0% <span aria-hidden=\"true\">→</span><span class=\"visually-hidden\">đến</span> 100,0%</strong> (+50,0 điểm %)"),
        "{commune}"
    );
    assert!(commune.contains("1/2 người ở đầu vào · 2/2 người ở bài thi"));
    let village = get_as(&app, "/quan-ly/tien-do/16594001", &cookie)
        .await
        .text();
    assert!(
        village.contains("0,0% <span aria-hidden=\"true\">→</span>"),
        "{village}"
    );
    assert!(village.contains("0/1 người ở đầu vào · 0/1 người ở bài thi"));
    // The tasks are the adults': the pupils' indicator shows none.
    let k2 = get_as(&app, "/quan-ly/tien-do/38?chi-tieu=K2", &cookie)
        .await
        .text();
    assert!(!k2.contains("Làm được việc gì"), "{k2}");
    // In English.
    let en = get_en_as(&app, "/quan-ly/tien-do/38", &cookie).await.text();
    assert!(en.contains("What people can do"), "{en}");
    // (The English title has an apostrophe, escaped in the page.)
    assert!(
        en.contains(": <strong>33.3% <span aria-hidden=\"true\">→</span>"),
        "{en}"
    );
    assert!(en.contains("(+33.4 points)"), "{en}");

    // The workbook: a sheet with the province, its communes and its village, each task's
    // counts and shares.
    let xlsx = get_as(&app, "/quan-ly/bao-cao/38?dinh-dang=xlsx", &cookie).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let text = sheet_text(&xlsx.body, "Làm được việc gì");
    let row = |unit: &str| {
        text.lines()
            .find(|l| l.contains(&format!("|{unit}|")))
            .unwrap_or_else(|| panic!("{unit} in {text}"))
            .to_owned()
    };
    let province_row = row("38");
    assert!(
        province_row.contains(&format!("|{}|{TASK}|3|1|", title.vi))
            && province_row.contains("|3|2|"),
        "{province_row}"
    );
    let commune_row = row("16591");
    assert!(
        commune_row.contains("|2|1|") && commune_row.contains("|2|2|"),
        "{commune_row}"
    );
    assert!(row("16594").contains("|1|0|"));
    assert!(row("16591001").contains("|2|1|"));
    // The legend stays the last sheet.
    assert!(!sheet_text(&xlsx.body, "Chú giải").is_empty());

    // CSV: the KPI table, then the task table; every cell through the formula neutraliser.
    let csv = get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=csv", &cookie).await;
    assert_eq!(csv.status, StatusCode::OK);
    let body = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let tasks_at = body.find("TỶ LỆ NGƯỜI LÀM ĐƯỢC").expect("the task table");
    assert!(
        body[..tasks_at].contains("K3"),
        "the KPI table first: {body}"
    );
    let tasks_csv = &body[tasks_at..];
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(tasks_csv.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let commune_csv = rows
        .iter()
        .find(|r| r.get(1).is_some_and(|c| c == "16591"))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        &commune_csv[5..],
        &[TASK, "2", "1", "50,0%", "2", "2", "100,0%", "50,0"],
        "{commune_csv:?}"
    );
    let village_csv = rows
        .iter()
        .find(|r| r.get(1).is_some_and(|c| c == "16591001"))
        .unwrap();
    assert_eq!(village_csv[0], "Thôn, bản, tổ dân phố");

    // The administrative document: the commune's task table, read back; the task by its
    // title, each share with its n, withheld when measured on fewer than 5 people.
    let pdf = get_as(&app, "/quan-ly/bao-cao/16591?dinh-dang=pdf", &cookie).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = crate::helpers::pdf_text(&pdf.body);
    for want in [
        "Làm được việc gì: tỷ lệ người tự làm được mỗi việc mô phỏng",
        "Ở bài kiểm tra đầu vào",
        "Ở bài thi cấp chứng chỉ",
        title.vi.as_str(),
        "– (n = 2) – (n = 2)",
        "tỷ lệ đo trên dưới 5 người không nêu",
        "K1",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    assert!(!text.contains("50,0%"), "{text}");

    // The JSON for the national aggregation.
    let api = app.get_as_operator("/api/v1/units/38/progress").await;
    assert_eq!(api.status, StatusCode::OK);
    let json = api.json();
    let first = &json["tasks"][0];
    assert_eq!(first["code"], "38", "{json}");
    let task = &first["tasks"][0];
    assert_eq!(
        (
            task["task_id"].as_str(),
            task["group"].as_str(),
            task["placement"]["tried"].as_u64(),
            task["placement"]["could"].as_u64(),
            task["exam"]["tried"].as_u64(),
            task["exam"]["could"].as_u64(),
        ),
        (
            Some(TASK),
            Some("adult"),
            Some(3),
            Some(1),
            Some(3),
            Some(2)
        ),
        "{json}"
    );

    // Refusals unchanged: a commune's admin sees their commune, not its sibling nor the
    // province, on the dashboard as in the report.
    let admin = staff(&app, "xa", commune_admin("38/16591/")).await;
    let (theirs, _) = session(&app, SessionOwner::Staff(admin)).await;
    assert_eq!(
        get_as(&app, "/quan-ly/tien-do/16591", &theirs).await.status,
        StatusCode::OK
    );
    for url in [
        "/quan-ly/tien-do/16594",
        "/quan-ly/tien-do/38",
        "/quan-ly/bao-cao/16594?dinh-dang=csv",
    ] {
        let r = get_as(&app, url, &theirs).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{url}");
        assert!(!r.text().contains("Làm được việc gì"));
    }
}

/// An organisation's page (migration 0026): two workers of an enterprise sit the workers'
/// placement test and exam, each given the task; its admin sees the share who could do it,
/// 50% → 100%, from the enterprise's own task counters.
#[tokio::test]
async fn an_organisation_admin_sees_what_its_members_could_do() {
    let app = app().await;
    fixture(&app).await;
    let firm = app
        .db
        .store
        .create_organisation(
            &binhdan_store::NewOrganisation {
                kind: binhdan_store::OrgKind::Enterprise,
                code: "0101234567".into(),
                name: "Công ty Một".into(),
                commune: code("16591"),
                grades: None,
            },
            binhdan_core::audit::AuditEntry::new("test", "organisation.create"),
            NOW,
        )
        .await
        .unwrap();
    let admin = staff(
        &app,
        "cong-ty",
        binhdan_auth::access::Grant::new(
            binhdan_auth::access::Role::OrgAdmin,
            binhdan_auth::access::Scope::Organisation { id: firm.id },
        ),
    )
    .await;
    let (cookie, _) = session(&app, SessionOwner::Staff(admin)).await;
    let url = format!("/quan-ly/to-chuc/{}/tien-do", firm.id);
    let before = get_as(&app, &url, &cookie).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.text().contains("Làm được việc gì"));

    let worker = binhdan_store::MembershipRecord {
        organisation_id: firm.id,
        group: binhdan_core::kpi::Group::Worker,
        grade: None,
        class: None,
        position: None,
    };
    let ids = members(
        &app,
        &[("038090012346", "16591001"), ("038090012347", "16594001")],
        Some(&worker),
        NOW,
    )
    .await;
    // One fails the task at placement and does it at the exam, the other does it both times.
    for (person, placement) in [(ids[0], false), (ids[1], true)] {
        sit_in(&app, person, "worker", "dau-vao", placement).await;
        sit_in(&app, person, "worker", "chung-chi", true).await;
    }
    let title = app.db.store.sim_task(TASK).await.unwrap().unwrap().title;
    let page = get_as(&app, &url, &cookie).await.text();
    let line = format!(
        "{}: <strong>50,0% <span aria-hidden=\"true\">→</span><span class=\"visually-hidden\">đến</span> 100,0%</strong> (+50,0 điểm %)",
        title.vi
    );
    for want in [
        "Làm được việc gì",
        line.as_str(),
        "1/2 người ở đầu vào · 2/2 người ở bài thi",
    ] {
        assert!(page.contains(want), "{want:?} in {page}");
    }
}
