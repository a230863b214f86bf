//! The progress report's exports: XLSX and CSV (the reports' tables) and the administrative
//! document (PDF, Decree 30/2020/NĐ-CP), each audited, refused ones too.

#[allow(clippy::wildcard_imports, reason = "the dashboards' shared imports")]
use super::*;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// `xlsx` (default), `csv`, or `pdf` (the administrative document).
    #[serde(rename = "dinh-dang")]
    #[param(rename = "dinh-dang")]
    format: Option<String>,
}

fn vietnam_day(state: &AppState) -> binhdan_core::people::Date {
    binhdan_core::people::Date::from_timestamp_vietnam(state.clock.now())
        .unwrap_or(binhdan_core::people::Date::EPOCH)
}

/// The progress report of a unit and everything below it, one sheet per level, as XLSX or CSV
/// (UTF-8 with BOM). Staff who see the unit's dashboard; every export, and every refused one,
/// is in the audit log.
#[utoipa::path(get, path = "/quan-ly/bao-cao/{code}", tag = "pages",
    params(("code" = String, Path, description = "Unit code"), ReportParams),
    responses((status = 200, description = "The report (XLSX or CSV)"), (status = 403, description = "Outside the caller's scope (audited)"), (status = 404, description = "No such unit or format")))]
pub async fn report(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, Problem> {
    use binhdan_core::audit::{AuditEntry, Detail};
    let lineage = crate::targets::lineage_of(&state, &code).await?;
    let Some(unit) = lineage.last() else {
        return Err(Problem::internal(&"empty lineage"));
    };
    let format = binhdan_app::reports::ReportFormat::parse(params.format.as_deref())
        .map_err(|msg| Problem::new(StatusCode::NOT_FOUND, msg))?;
    let detail = Detail::new().str("format", format.extension());
    if let Err(refused) = s.require(Permission::ViewDashboard, &Target::Unit(&unit.path)) {
        state
            .store
            .append_audit(
                AuditEntry::new(s.actor(), "report.export.refused")
                    .subject(unit.code.to_string())
                    .detail(&detail),
                state.clock.now(),
            )
            .await?;
        return Err(refused);
    }
    let day = vietnam_day(&state);
    if format == binhdan_app::reports::ReportFormat::Pdf {
        let lines =
            binhdan_app::reports::progress_lines(state.store.as_ref(), &lineage, state.clock.now())
                .await?;
        // The village teams' figures: counters and members only.
        let teams = binhdan_app::teams::report_lines(state.store.as_ref(), &lineage).await?;
        let tasks =
            binhdan_app::abilities::report_lines(state.store.as_ref(), &lineage, Lang::Vi).await?;
        let mut document = administrative_report(&state, &lineage, &lines, day);
        document.tables = further_tables(unit, &tasks, &teams);
        let bytes = tokio::task::spawn_blocking(move || binhdan_pdf::render_report(&document))
            .await
            .map_err(|e| Problem::internal(&e))?
            .map_err(|e| Problem::internal(&e))?;
        state
            .store
            .append_audit(
                AuditEntry::new(s.actor(), "report.export")
                    .subject(unit.code.to_string())
                    .detail(&detail),
                state.clock.now(),
            )
            .await?;
        return Ok(crate::respond::attachment(
            bytes,
            "application/pdf",
            &format!(
                "bao-cao-tien-do-{}-{:04}-{:02}-{:02}.pdf",
                unit.code,
                day.year(),
                day.month(),
                day.day()
            ),
        ));
    }
    let csv = format.is_csv();
    let tables =
        binhdan_app::reports::tables(state.store.as_ref(), &lineage, lang, csv, state.clock.now())
            .await?;
    let file = format!(
        "bao-cao-tien-do-{}-{:04}-{:02}-{:02}.{}",
        unit.code,
        day.year(),
        day.month(),
        day.day(),
        format.extension()
    );
    let download = spreadsheet(tables.sheets, csv, &file).await?;
    state
        .store
        .append_audit(
            AuditEntry::new(s.actor(), "report.export")
                .subject(unit.code.to_string())
                .detail(&detail.num("units", i64::try_from(tables.units).unwrap_or(0))),
            state.clock.now(),
        )
        .await?;
    Ok(download)
}

/// The progress report of the unit as an administrative document (Decree 30/2020/NĐ-CP):
/// always in Vietnamese, issued by the configured body (or the unit's steering committee).
fn administrative_report(
    state: &AppState,
    lineage: &[binhdan_core::unit::Unit],
    lines: &[Vec<binhdan_app::reports::UnitLine>],
    day: binhdan_core::people::Date,
) -> binhdan_pdf::ProgressReport {
    let vi = Lang::Vi;
    let unit_name = lineage.last().map(|u| u.name.clone()).unwrap_or_default();
    let province = lineage.first().map(|u| u.name.clone()).unwrap_or_default();
    let official = &state.config.official;
    // The province's report is issued by the configured body and signed by its signer; a
    // commune's (or a village's) by the commune's steering committee, signed there by hand.
    let province_report = lineage.len() == 1;
    let body = binhdan_core::text::clean(&official.body);
    let (parent_body, issuer) = match (province_report, body.split_once(" — ")) {
        (false, _) => (
            format!(
                "UBND {}",
                lineage
                    .get(1)
                    .map_or_else(|| unit_name.clone(), |c| c.name.clone())
                    .to_uppercase()
            ),
            "BAN CHỈ ĐẠO PHONG TRÀO BÌNH DÂN HỌC VỤ SỐ".to_owned(),
        ),
        (true, Some((parent, issuer))) => (parent.to_uppercase(), issuer.to_uppercase()),
        (true, None) if !body.is_empty() => (String::new(), body.to_uppercase()),
        (true, None) => (
            String::new(),
            format!(
                "BAN CHỈ ĐẠO BÌNH DÂN HỌC VỤ SỐ {}",
                unit_name.to_uppercase()
            ),
        ),
    };
    let rows = lines
        .first()
        .and_then(|level| level.first())
        .map(|me| {
            me.kpis
                .iter()
                .map(|k| {
                    let kpi = Kpi::parse(k.kpi);
                    let deadline = {
                        let d = &k.deadline;
                        format!(
                            "{}/{}/{}",
                            d.get(8..10).unwrap_or_default(),
                            d.get(5..7).unwrap_or_default(),
                            d.get(0..4).unwrap_or_default()
                        )
                    };
                    binhdan_pdf::ReportRow {
                        kpi: k.kpi.to_owned(),
                        description: kpi.map(|k| vi.tr(&k.description())).unwrap_or_default(),
                        reached: format!(
                            "{} / {}{}",
                            format_count(vi, k.reached),
                            format_count(vi, k.denominator),
                            if k.denominator_source == "roster" {
                                "*"
                            } else {
                                ""
                            }
                        ),
                        share: if k.denominator == 0 {
                            "–".to_owned()
                        } else {
                            percent(
                                vi,
                                binhdan_app::dashboard::permille(k.reached, k.denominator),
                            )
                        },
                        target: format!("{}% · {deadline}", k.target_percent),
                        gap: format_count(vi, k.gap),
                        standing: binhdan_app::reports::standing_text(vi, k.standing),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let communes = lines.get(1).map_or(0, Vec::len);
    binhdan_pdf::ProgressReport {
        parent_body,
        issuer,
        number: format!("Số: ……/{}", official.report_symbol.trim()),
        place: province
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ")
            .to_owned(),
        day: binhdan_pdf::Day {
            year: u16::try_from(day.year()).unwrap_or_default(),
            month: u8::try_from(day.month()).unwrap_or_default(),
            day: u8::try_from(day.day()).unwrap_or_default(),
        },
        subject: format!("Tiến độ phong trào “Bình dân học vụ số” — {unit_name}"),
        lead: format!(
            "Thực hiện kế hoạch của phong trào, Ban Chỉ đạo báo cáo tiến độ thực hiện các chỉ tiêu năm 2026 của {unit_name} đến ngày {day} ({communes} đơn vị cấp dưới), theo số liệu của nền tảng Bình Dân, như sau:"
        ),
        rows,
        legend: vec![
            vi.text("report-legend-denominator"),
            vi.text("report-legend-gap"),
            vi.text("report-legend-standing"),
            "Dấu * : mẫu số theo danh sách đã nhập, khi chưa có số liệu dân số chính thức."
                .to_owned(),
        ],
        recipients: if lineage.len() > 1 {
            vec![
                "Ban Chỉ đạo tỉnh (để báo cáo)".to_owned(),
                "Thường trực Đảng ủy, HĐND, UBND xã".to_owned(),
                "Lưu: VT".to_owned(),
            ]
        } else {
            vec![
                "Ban Chỉ đạo Trung ương phong trào “Bình dân học vụ số” (để báo cáo)".to_owned(),
                "Bộ Khoa học và Công nghệ".to_owned(),
                "Thường trực Tỉnh ủy, HĐND, UBND tỉnh".to_owned(),
                "Lưu: VT".to_owned(),
            ]
        },
        signer_role: official
            .signer_title
            .iter()
            .map(|l| binhdan_core::text::clean(l))
            .collect(),
        signer_name: if province_report {
            binhdan_core::text::clean(&official.signer)
        } else {
            String::new()
        },
        tables: Vec::new(),
    }
}

/// The document's tables after the indicators': what people can do in the unit (its own
/// line of the task figures), and for a commune or a village its teams' figures.
fn further_tables(
    unit: &binhdan_core::unit::Unit,
    tasks: &[binhdan_app::abilities::UnitTasks],
    teams: &[binhdan_app::teams::TeamLine],
) -> Vec<binhdan_pdf::ReportTable> {
    let vi = Lang::Vi;
    let mut tables = Vec::new();
    let mine = tasks
        .first()
        .filter(|t| t.code == unit.code.as_str())
        .map_or(&[][..], |t| t.tasks.as_slice());
    if !mine.is_empty() {
        let share = |s: binhdan_app::abilities::Share| {
            if s.tried == 0 {
                return vi.text("can-do-not-given");
            }
            let n = format_count(vi, s.tried);
            s.reported_permille().map_or_else(
                || format!("– (n = {n})"),
                |p| format!("{} (n = {n})", percent(vi, p)),
            )
        };
        let rows = mine
            .iter()
            .map(|t| {
                // The group beside the title where the same task was given to two groups.
                let title = if mine.iter().filter(|o| o.task_id == t.task_id).count() > 1 {
                    format!("{} ({})", t.title, vi.tr(&t.group.label()))
                } else {
                    t.title.clone()
                };
                let change = match (t.placement.reported_permille(), t.exam.reported_permille()) {
                    (Some(before), Some(after)) => points(vi, after, before),
                    _ => String::new(),
                };
                vec![title, share(t.placement), share(t.exam), change]
            })
            .collect();
        tables.push(binhdan_pdf::ReportTable {
            heading: vi.text("report-pdf-tasks"),
            columns: vec![
                (vi.text("report-task"), 200.0),
                (vi.text("report-pdf-tasks-placement"), 100.0),
                (vi.text("report-pdf-tasks-exam"), 100.0),
                (vi.text("report-task-change"), 83.0),
            ],
            rows,
            notes: vec![vi.text("report-pdf-tasks-note")],
        });
    }
    if unit.level != binhdan_core::unit::UnitLevel::Province && !teams.is_empty() {
        let count = |n: i64| format_count(vi, u64::try_from(n).unwrap_or(0));
        // The villages, then the unit's teams together.
        let rows = teams
            .iter()
            .skip(1)
            .chain(teams.first())
            .map(|l| {
                vec![
                    l.name.clone(),
                    count(l.members),
                    format!("{} / {}", count(l.reached), count(l.roster)),
                    count(l.visits),
                    count(l.classes),
                    count(l.certified),
                    l.assisted_permille().map_or_else(
                        || count(l.assisted),
                        |p| format!("{} ({})", count(l.assisted), percent(vi, p)),
                    ),
                ]
            })
            .collect();
        tables.push(binhdan_pdf::ReportTable {
            heading: vi.text("report-pdf-teams"),
            columns: vec![
                (vi.text("team-commune-village"), 130.0),
                (vi.text("report-team-members"), 55.0),
                (vi.text("report-pdf-teams-reached"), 80.0),
                (vi.text("report-team-visits"), 50.0),
                (vi.text("report-team-classes"), 50.0),
                (vi.text("report-team-certified"), 58.0),
                (vi.text("report-team-assisted"), 60.0),
            ],
            rows,
            notes: vec![vi.text("report-pdf-teams-note")],
        });
    }
    tables
}
