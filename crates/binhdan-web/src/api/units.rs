//! Units: search, one unit with its lineage, children, descendants; creating and importing
//! villages.

use crate::problem::Path;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhdan_app::{ImportFailure, ImportOptions};
use binhdan_core::kpi::Group;
use binhdan_core::unit::{DivisionType, UnitCode, UnitError, UnitLevel, UnitName};
use binhdan_core::{Localized, Msg};
use binhdan_store::{NewVillage, StoreError, UnitQuery, WriteMode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::UnitDto;
use crate::AppState;
use crate::auth::Operator;
use crate::problem::{Json, Problem, ProblemBody, Query};

fn parse_code(code: &str) -> Result<UnitCode, Problem> {
    UnitCode::parse(code).map_err(Problem::not_found)
}

fn parse_level(level: Option<&str>) -> Result<Option<UnitLevel>, Problem> {
    level
        .map(|l| {
            UnitLevel::parse(l).ok_or_else(|| {
                Problem::bad_request(
                    Msg::new("error-level-unknown")
                        .arg("value", l.chars().take(20).collect::<String>()),
                )
            })
        })
        .transpose()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Name or part of a name; case, diacritics and Unicode normal form do not matter.
    pub q: String,
    /// Only units of this level: `province`, `commune` or `village`.
    pub level: Option<String>,
    /// Only units under this unit (its code).
    pub within: Option<String>,
    /// At most this many results (1–200, default 20).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub units: Vec<UnitDto>,
}

/// Finds units by name: exact matches first, then names that start with the text, then the rest.
#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(SearchParams),
    responses((status = 200, body = UnitList), (status = 400, body = ProblemBody), (status = 404, description = "No unit has the code `within` names", body = ProblemBody)))]
pub async fn search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<UnitList>, Problem> {
    crate::problem::check_search(&p.q)?;
    let within = p.within.as_deref().map(parse_code).transpose()?;
    let query = UnitQuery {
        text: p.q,
        level: parse_level(p.level.as_deref())?,
        within,
        limit: p.limit.unwrap_or(20).clamp(1, 200),
    };
    let units = state
        .unit_search
        .search(state.store.as_ref(), &query, state.clock.now())
        .await?;
    Ok(Json(UnitList {
        units: units.into_iter().map(UnitDto::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Population {
    /// `public_servant`, `student`, `adult` or `worker`.
    pub group: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDetail {
    pub unit: UnitDto,
    /// The ancestors, from the province down (the unit itself excluded).
    pub lineage: Vec<UnitDto>,
    /// Communes in the subtree.
    pub communes: u64,
    /// Villages in the subtree.
    pub villages: u64,
    /// Official population figures summed over the subtree.
    pub population: Vec<Population>,
}

/// One unit, where it sits, how many units and people it holds.
#[utoipa::path(get, path = "/api/v1/units/{code}", tag = "units",
    params(("code" = String, Path, description = "Unit code")),
    responses((status = 200, body = UnitDetail), (status = 404, body = ProblemBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<UnitDetail>, Problem> {
    let code = parse_code(&code)?;
    let mut lineage = state.store.lineage(&code).await?;
    let Some(unit) = lineage.pop() else {
        return Err(Problem::not_found(UnitError::UnknownUnit {
            code: code.to_string(),
        }));
    };
    let counts = state.store.subtree_counts(&code).await?;
    let population = state.store.population_under(&code).await?;
    Ok(Json(UnitDetail {
        unit: unit.into(),
        lineage: lineage.into_iter().map(UnitDto::from).collect(),
        communes: counts.communes,
        villages: counts.villages,
        population: population
            .into_iter()
            .map(|(g, n): (Group, u64)| Population {
                group: g.as_str().to_owned(),
                count: n,
            })
            .collect(),
    }))
}

async fn ensure_exists(state: &AppState, code: &UnitCode) -> Result<(), Problem> {
    match state.store.unit(code).await? {
        Some(_) => Ok(()),
        None => Err(Problem::not_found(UnitError::UnknownUnit {
            code: code.to_string(),
        })),
    }
}

/// The unit's direct children (communes of a province, villages of a commune).
#[utoipa::path(get, path = "/api/v1/units/{code}/children", tag = "units",
    params(("code" = String, Path, description = "Unit code")),
    responses((status = 200, body = UnitList), (status = 404, body = ProblemBody)))]
pub async fn children(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<UnitList>, Problem> {
    let code = parse_code(&code)?;
    ensure_exists(&state, &code).await?;
    let units = state.store.children(Some(&code)).await?;
    Ok(Json(UnitList {
        units: units.into_iter().map(UnitDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DescendantsParams {
    /// Only units of this level.
    pub level: Option<String>,
    /// Continue after this unit (the `next` of the previous page).
    pub after: Option<String>,
    /// Page size (1–1000, default 200).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPage {
    pub units: Vec<UnitDto>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

/// Everything under a unit, in tree order, a page at a time (one indexed range scan).
#[utoipa::path(get, path = "/api/v1/units/{code}/descendants", tag = "units",
    params(("code" = String, Path, description = "Unit code"), DescendantsParams),
    responses((status = 200, body = UnitPage), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn descendants(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(p): Query<DescendantsParams>,
) -> Result<Json<UnitPage>, Problem> {
    let code = parse_code(&code)?;
    ensure_exists(&state, &code).await?;
    let level = parse_level(p.level.as_deref())?;
    let after = p
        .after
        .as_deref()
        .map(|a| UnitCode::parse(a).map_err(Problem::bad_request))
        .transpose()?;
    let limit = p.limit.unwrap_or(200).clamp(1, 1000);
    let units = state
        .store
        .descendants(&code, level, after.as_ref(), limit)
        .await?;
    let next = (units.len() == limit as usize)
        .then(|| units.last().map(|u| u.code.to_string()))
        .flatten();
    Ok(Json(UnitPage {
        units: units.into_iter().map(UnitDto::from).collect(),
        next,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVillageBody {
    /// The village's name, e.g. `Thôn Yên Thái`.
    pub name: String,
    /// `thôn`, `bản`, `làng`, `xóm`, `ấp`, `buôn`, `khu phố`, `khóm` or `tổ dân phố`; guessed
    /// from the name when absent.
    pub division_type: Option<String>,
}

/// Creates a village under a commune. Operator only.
#[utoipa::path(post, path = "/api/v1/units/{code}/villages", tag = "units",
    params(("code" = String, Path, description = "The commune's code")),
    request_body = NewVillageBody,
    security(("operator" = [])),
    responses((status = 201, body = UnitDto), (status = 401, body = ProblemBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_village(
    State(state): State<AppState>,
    _operator: Operator,
    Path(code): Path<String>,
    Json(body): Json<NewVillageBody>,
) -> Result<Response, Problem> {
    let commune = parse_code(&code)?;
    let unprocessable = |e: UnitError| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.msg());
    let name = UnitName::parse(&body.name).map_err(unprocessable)?;
    let division_type = match body.division_type.as_deref() {
        Some(t) => DivisionType::parse(t)
            .filter(|d| d.level() == UnitLevel::Village)
            .ok_or_else(|| {
                unprocessable(UnitError::UnknownDivisionType {
                    value: t.chars().take(40).collect(),
                })
            })?,
        None => DivisionType::from_village_name(name.as_str()).unwrap_or(DivisionType::Thon),
    };
    let new = NewVillage {
        commune,
        name,
        division_type,
    };
    let created = state
        .store
        .create_villages(&[new], WriteMode::Commit, state.clock.now())
        .await;
    // Found by this server's searches at once (by the others' within `UNITS_TTL`).
    state.unit_search.forget();
    match created {
        Ok(mut created) => match created.pop() {
            Some(unit) => Ok((StatusCode::CREATED, Json(UnitDto::from(unit))).into_response()),
            None => Err(Problem::internal(&"no village returned")),
        },
        Err(StoreError::Rejected(refusals)) => {
            let Some(r) = refusals.into_iter().next() else {
                return Err(Problem::internal(&"empty refusal"));
            };
            let status = match r.error {
                UnitError::UnknownUnit { .. } => StatusCode::NOT_FOUND,
                UnitError::DuplicateVillage { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Err(Problem::new(status, r.error.msg()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportParams {
    /// Check the file and report, writing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Villages created (in a dry run: that would be created).
    pub created: usize,
    pub dry_run: bool,
    pub units: Vec<UnitDto>,
}

/// Imports villages from a CSV file (columns: commune code, name, optional type), all or
/// nothing: if any row is wrong, every error is returned with its row and column and nothing
/// is written. Operator only.
#[utoipa::path(post, path = "/api/v1/villages/import", tag = "units", params(ImportParams),
    request_body(content = String, content_type = "text/csv",
        description = "UTF-8 CSV, with or without BOM, comma or semicolon separated. Headers in Vietnamese or English: `Mã xã`/`commune_code`, `Tên thôn`/`name`, `Loại`/`division_type`."),
    security(("operator" = [])),
    responses((status = 201, body = ImportResult), (status = 200, body = ImportResult, description = "Dry run"),
        (status = 401, body = ProblemBody), (status = 403, body = ProblemBody), (status = 413, body = ProblemBody),
        (status = 415, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn import(
    State(state): State<AppState>,
    _operator: Operator,
    Query(p): Query<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    // Browsers on Windows label .csv files as an Excel type.
    if !matches!(
        essence.as_str(),
        "text/csv" | "application/csv" | "text/plain" | "application/vnd.ms-excel"
    ) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Msg::new("error-csv-type"),
        ));
    }
    let options = ImportOptions { dry_run: p.dry_run };
    let imported = binhdan_app::import_villages(
        state.store.as_ref(),
        body.as_ref(),
        options,
        state.clock.now(),
    )
    .await;
    if !p.dry_run {
        state.unit_search.forget();
    }
    match imported {
        Ok(report) => {
            let status = if p.dry_run {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let units = report.created.into_iter().map(UnitDto::from).collect();
            Ok((
                status,
                Json(ImportResult {
                    created: report.count,
                    dry_run: p.dry_run,
                    units,
                }),
            )
                .into_response())
        }
        Err(ImportFailure::Rows(rows)) => Err(Problem::rows(
            Msg::new("import-failed").arg("count", rows.len()),
            rows,
        )),
        Err(ImportFailure::Store(e)) => Err(e.into()),
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressReport {
    /// The unit the report is of.
    pub unit: String,
    /// The day in Vietnam the figures are of, `YYYY-MM-DD`.
    pub day: String,
    /// The unit, then the units below it, then (for a province) every village: per unit, the
    /// five KPIs with what was reached, the denominator and its source, the target in force,
    /// what is still needed and the standing at the current pace.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub levels: Vec<Vec<binhdan_app::reports::UnitLine>>,
    /// What people could do of the simulated tasks: the unit, then each unit below it where a
    /// task was given, each with its tasks (group, id, title in Vietnamese) and, at the
    /// placement test and at the certification exam, how many were given it (`tried`) and
    /// how many could do it (`could`), each person once. Empty when no task was given.
    #[schema(value_type = Vec<Object>)]
    pub tasks: Vec<binhdan_app::abilities::UnitTasks>,
    /// The village teams' figures: the unit, then each unit directly below it (a commune's
    /// villages, a province's communes, each its villages' teams together), with the team
    /// members, adults on the roster, people reached, visits, classes, adults certified and
    /// of them certified in a sitting a member supervised (`assisted`). Empty when no team
    /// ever worked in the unit.
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<binhdan_app::teams::TeamLine>,
}

/// The progress of a unit and everything below it, for the national aggregation: the same
/// figures as the dashboards and the XLSX report. Operator only.
#[utoipa::path(get, path = "/api/v1/units/{code}/progress", tag = "units",
    params(("code" = String, Path, description = "Unit code")),
    security(("operator" = [])),
    responses((status = 200, body = ProgressReport), (status = 401, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn progress(
    State(state): State<AppState>,
    _operator: Operator,
    Path(code): Path<String>,
) -> Result<Json<ProgressReport>, Problem> {
    let code = parse_code(&code)?;
    let lineage = state.store.lineage(&code).await?;
    if lineage.is_empty() {
        return Err(Problem::not_found(UnitError::UnknownUnit {
            code: code.to_string(),
        }));
    }
    let now = state.clock.now();
    let levels = binhdan_app::reports::progress_lines(state.store.as_ref(), &lineage, now).await?;
    let tasks = binhdan_app::abilities::report_lines(
        state.store.as_ref(),
        &lineage,
        binhdan_i18n::Lang::Vi,
    )
    .await?;
    let teams = binhdan_app::teams::report_lines(state.store.as_ref(), &lineage).await?;
    let day = binhdan_core::people::Date::from_timestamp_vietnam(now)
        .unwrap_or(binhdan_core::people::Date::EPOCH);
    Ok(Json(ProgressReport {
        unit: code.to_string(),
        day: format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day()),
        levels,
        tasks,
        teams,
    }))
}
