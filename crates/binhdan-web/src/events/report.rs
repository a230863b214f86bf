//! The event's report: participants by point, by commune and by group (XLSX or CSV).

#[allow(
    clippy::wildcard_imports,
    reason = "the feature's shared imports and helpers"
)]
use super::*;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// `xlsx` (default) or `csv`.
    #[serde(rename = "dinh-dang")]
    #[param(rename = "dinh-dang")]
    format: Option<String>,
}

/// The event's report: participants by point, by commune and by group, as XLSX or CSV.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/bao-cao", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ReportParams),
    responses((status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event or format")))]
pub async fn report(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    Query(params): Query<ReportParams>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    let format = binhdan_app::reports::ReportFormat::parse_table(params.format.as_deref())
        .map_err(|msg| Problem::new(StatusCode::NOT_FOUND, msg))?;
    let points = state.store.points(event.id).await?;
    let live = binhdan_app::events::summarise(&points, state.store.event_groups(event.id).await?);
    let mut sheets =
        binhdan_app::events::report_sheets(lang, &event, &points, &live, state.clock.now());
    let csv = format.is_csv();
    if csv {
        // One table per file: the points (the communes and groups are sums of it).
        sheets.truncate(1);
    }
    crate::respond::spreadsheet(
        sheets,
        csv,
        &format!("su-kien-{}.{}", event.id, format.extension()),
    )
    .await
}
