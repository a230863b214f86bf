//! The village teams' figures in the progress reports (issue 19, item 1): after a member's
//! visit and class, a commune's XLSX, CSV, JSON and administrative document (PDF) carry its
//! village's members, people reached, visits and classes, in Vietnamese and English; a
//! province's list its communes (each its villages together), not every village; a scope where
//! no team ever worked has no team sheet.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};

use crate::helpers::{pdf_text, sheet_rows};
use crate::people::{code, encode, form, get_as, get_en_as, staff};
use crate::teams::{VILLAGE, appoint, signed_in, team, visit_body};

/// The lines of an XLSX sheet, cells `|`-joined.
fn sheet_lines(bytes: &[u8], sheet: &str) -> Vec<String> {
    sheet_rows(bytes, sheet)
        .iter()
        .map(|r| r.join("|"))
        .collect()
}

fn line_of<'l>(lines: &'l [String], unit: &str) -> Option<&'l String> {
    lines.iter().find(|l| l.contains(&format!("|{unit}|")))
}

#[tokio::test]
async fn a_commune_report_carries_its_village_teams_figures() {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/tham"),
        Some(&t.member.0),
        &visit_body(&t.member.1, "visit-op-report-01", t.person),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=class-op-report-01&module=cong-dan.dien-thoai&place={}&starts=2025-11-24T19:30",
            t.member.1,
            encode("Nhà văn hóa thôn Một")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let roster = t
        .app
        .db
        .store
        .team_figures(&code(VILLAGE))
        .await
        .unwrap()
        .roster;
    // Village, members, roster, reached, visits, classes, certified, assisted (no share: no
    // one certified yet).
    let village = format!("|{VILLAGE}|Thôn Một|1|{roster}|1|1|1|0|0|");

    // The commune's workbook: the team sheet, one row per village after the commune's.
    let xlsx = get_as(&t.app, "/quan-ly/bao-cao/16591?dinh-dang=xlsx", &t.admin.0).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let lines = sheet_lines(&xlsx.body, "Tổ công nghệ số");
    let row = line_of(&lines, VILLAGE).unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(format!("{row}|").contains(&village), "{row}");
    assert!(row.starts_with("Thôn, bản, tổ dân phố|"), "{row}");
    let commune = line_of(&lines, "16591").unwrap();
    assert!(commune.contains("|1|1|1|1|0|0"), "{commune}");
    let header = lines.iter().find(|l| l.contains("Lượt thăm")).unwrap();
    assert!(
        header.contains("Thành viên tổ|Người trưởng thành trong danh sách|Người đã tiếp cận"),
        "{header}"
    );
    // The legend stays the last sheet, after the team sheet.
    assert!(!sheet_lines(&xlsx.body, "Chú giải").is_empty());
    // In English.
    let en = get_en_as(&t.app, "/quan-ly/bao-cao/16591?dinh-dang=xlsx", &t.admin.0).await;
    let lines = sheet_lines(&en.body, "Village teams");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Team members|Adults on the roster|People reached|Visits")),
        "{lines:#?}"
    );
    assert!(format!("{}|", line_of(&lines, VILLAGE).unwrap()).contains(&village));

    // CSV: the team table after the KPI table.
    let csv = get_as(&t.app, "/quan-ly/bao-cao/16591?dinh-dang=csv", &t.admin.0).await;
    assert_eq!(csv.status, StatusCode::OK);
    let body = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let at = body
        .find("KẾT QUẢ CỦA CÁC TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG")
        .unwrap_or_else(|| panic!("{body}"));
    assert!(body[..at].contains("K3"), "the KPI table first");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(&body.as_bytes()[at..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let row = rows
        .iter()
        .find(|r| r.get(1).is_some_and(|c| c == VILLAGE))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        &row[3..],
        &["1", &roster.to_string(), "1", "1", "1", "0", "0", ""],
        "{row:?}"
    );

    // The JSON for the national aggregation.
    let json = t.app.get_as_operator("/api/v1/units/16591/progress").await;
    assert_eq!(json.status, StatusCode::OK);
    let json = json.json();
    let teams = json["teams"].as_array().unwrap();
    assert_eq!(teams[0]["code"], "16591", "{json}");
    let v = teams.iter().find(|l| l["code"] == VILLAGE).unwrap();
    assert_eq!(
        (
            v["level"].as_str(),
            v["members"].as_i64(),
            v["reached"].as_i64(),
            v["visits"].as_i64(),
            v["classes"].as_i64(),
        ),
        (Some("village"), Some(1), Some(1), Some(1), Some(1)),
        "{json}"
    );

    // The administrative document: the commune's teams table, read back.
    let pdf = get_as(&t.app, "/quan-ly/bao-cao/16591?dinh-dang=pdf", &t.admin.0).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = pdf_text(&pdf.body);
    for want in [
        "Kết quả của các tổ công nghệ số cộng đồng",
        "Thành viên tổ",
        "Lượt thăm",
        "Thôn Một",
        "Nơi nhận:",
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    // The village's row, then the commune's together: members, reached / roster, visits,
    // classes, certified, assisted.
    let text = text.replace(" / ", "/");
    for want in [
        format!("Thôn Một 1 1/{roster} 1 1 0 0"),
        format!("Xã Các Sơn 1 1/{roster} 1 1 0 0"),
    ] {
        assert!(text.contains(&want), "{want:?} in {text}");
    }
    // No task was given: no task table.
    assert!(!text.contains("Làm được việc gì"), "{text}");

    // The province: one row per commune, each its villages' teams together.
    let province = staff(
        &t.app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let province = signed_in(&t.app, province).await;
    let xlsx = get_as(&t.app, "/quan-ly/bao-cao/38?dinh-dang=xlsx", &province.0).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let lines = sheet_lines(&xlsx.body, "Tổ công nghệ số");
    let commune = line_of(&lines, "16591").unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(commune.starts_with("Xã, phường"), "{commune}");
    assert!(
        commune.contains(&format!("|1|{roster}|1|1|1|")),
        "{commune}"
    );
    assert!(line_of(&lines, "16594").is_some(), "every commune listed");
    assert!(
        line_of(&lines, VILLAGE).is_none(),
        "no village of a province"
    );
    let json = t
        .app
        .get_as_operator("/api/v1/units/38/progress")
        .await
        .json();
    let c = json["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "16591")
        .unwrap();
    assert_eq!(
        (c["level"].as_str(), c["visits"].as_i64()),
        (Some("commune"), Some(1))
    );
    // Where no team ever worked there is no team sheet.
    let xlsx = get_as(&t.app, "/quan-ly/bao-cao/16594?dinh-dang=xlsx", &province.0).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let other = std::panic::catch_unwind(|| sheet_rows(&xlsx.body, "Tổ công nghệ số"));
    assert!(other.is_err(), "no team sheet");
}
