//! A live event's bridge points: the fields of a point, adding and changing them by hand
//! or from a file, and reading that file.

use std::collections::{HashMap, HashSet};

use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_core::import::{Columns, Field, RowError};
use binhdan_core::text::{clean, search_key};
use binhdan_core::unit::{Unit, UnitCode};
use binhdan_core::{Localized, Msg};
use binhdan_store::{EventRecord, NewPoint, PointRecord, Store, StoreError};

use super::{MAX_HEADCOUNT, MAX_POINT_NAME};

/// A new point's fields as typed or read from a file.
#[derive(Clone, Debug, Default)]
pub struct PointDraft {
    pub name: String,
    pub unit: String,
    pub host: String,
    pub expected: String,
}

/// The fields of a file of points.
pub const POINT_FIELDS: [Field; 4] = [
    Field {
        name: "name",
        aliases: &["ten diem cau", "ten diem", "diem cau", "ten", "name"],
        required: true,
    },
    Field {
        name: "unit",
        aliases: &[
            "ma don vi",
            "ma xa",
            "ma thon",
            "ma dvhc",
            "unit code",
            "unit",
        ],
        required: true,
    },
    Field {
        name: "host",
        aliases: &[
            "tai khoan chu tri",
            "chu tri",
            "tai khoan",
            "host",
            "host account",
        ],
        required: true,
    },
    Field {
        name: "expected",
        aliases: &["so nguoi du kien", "du kien", "so nguoi", "expected"],
        required: true,
    },
];

/// Checks points against the event and adds them, all or none (see [`check_points`]).
///
/// # Errors
/// The refused rows, or the store failed.
pub async fn add_points(
    store: &dyn Store,
    event: &EventRecord,
    drafts: &PointDrafts,
    token: &mut (dyn FnMut() -> String + Send),
) -> Result<usize, PointsError> {
    let points = check_points(store, event, drafts, None, token).await?;
    match store.add_points(event.id, &points).await {
        Ok(ids) => Ok(ids.len()),
        // Someone added a point of the same name meanwhile.
        Err(StoreError::Conflict(_)) => Err(PointsError::Rows(vec![drafts.columns.error(
            &POINT_FIELDS,
            0,
            0,
            Msg::new("point-name-taken").arg("name", ""),
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Changes a point's name, unit, host and expected headcount (its QR code and figures stay),
/// with the checks of adding one.
///
/// # Errors
/// The refused fields, or the store failed.
pub async fn change_point(
    store: &dyn Store,
    event: &EventRecord,
    point: &PointRecord,
    draft: PointDraft,
) -> Result<(), PointsError> {
    let drafts = PointDrafts::one(draft);
    let mut keep = || point.token.clone();
    let mut checked = check_points(store, event, &drafts, Some(point), &mut keep).await?;
    let Some(changed) = checked.pop() else {
        return Ok(());
    };
    match store.update_point(point.id, &changed).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(PointsError::Rows(vec![drafts.columns.error(
            &POINT_FIELDS,
            0,
            0,
            Msg::new("point-name-taken").arg("name", &changed.name),
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Checks points against the event: the unit in its subtree, a host who may check people in
/// there, a name not taken (by another point than `except`) nor given twice. The errors name
/// the row (the form's row is 0) and the field.
async fn check_points(
    store: &dyn Store,
    event: &EventRecord,
    drafts: &PointDrafts,
    except: Option<&PointRecord>,
    token: &mut (dyn FnMut() -> String + Send),
) -> Result<Vec<NewPoint>, PointsError> {
    let PointDrafts {
        rows: drafts,
        columns,
    } = drafts;
    let err = |row: usize, field: usize, msg: Msg| columns.error(&POINT_FIELDS, row, field, msg);
    let mut errors: Vec<RowError> = Vec::new();
    let existing: HashSet<String> = store
        .points(event.id)
        .await?
        .into_iter()
        .filter(|p| except.is_none_or(|e| e.id != p.id))
        .map(|p| search_key(&p.name))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut good: Vec<(usize, String, UnitCode, String, u32)> = Vec::new();
    for (row, d) in drafts {
        let row = *row;
        let name = clean(&d.name);
        let mut ok = true;
        if name.is_empty() || name.chars().count() > MAX_POINT_NAME {
            errors.push(err(
                row,
                0,
                Msg::new("point-name-invalid").arg("max", MAX_POINT_NAME),
            ));
            ok = false;
        } else if existing.contains(&search_key(&name)) {
            errors.push(err(row, 0, Msg::new("point-name-taken").arg("name", &name)));
            ok = false;
        } else if let Some(first) = seen.insert(search_key(&name), row) {
            errors.push(err(
                row,
                0,
                Msg::new("point-name-repeated")
                    .arg("name", &name)
                    .arg("first_row", first),
            ));
            ok = false;
        }
        let unit = match UnitCode::parse(d.unit.trim()) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(err(row, 1, e.msg()));
                ok = false;
                None
            }
        };
        let expected = match d.expected.trim().parse::<u32>() {
            Ok(n) if n <= MAX_HEADCOUNT => n,
            _ => {
                errors.push(err(
                    row,
                    3,
                    Msg::new("point-expected-invalid")
                        .arg("value", d.expected.chars().take(20).collect::<String>())
                        .arg("max", MAX_HEADCOUNT),
                ));
                ok = false;
                0
            }
        };
        if let (true, Some(unit)) = (ok, unit) {
            good.push((row, name, unit, d.host.trim().to_owned(), expected));
        } else if d.host.trim().is_empty() {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-unknown").arg("username", ""),
            ));
        }
    }
    let codes: Vec<UnitCode> = good
        .iter()
        .map(|g| g.2.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let units: HashMap<UnitCode, Unit> = store
        .units_by_codes(&codes)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut hosts: HashMap<String, Option<(i64, Vec<Grant>)>> = HashMap::new();
    let mut points = Vec::with_capacity(good.len());
    for (row, name, code, host, expected) in good {
        let Some(unit) = units.get(&code) else {
            errors.push(err(
                row,
                1,
                Msg::new("point-unit-unknown").arg("code", code.to_string()),
            ));
            continue;
        };
        if !(binhdan_auth::access::Scope::Unit {
            path: event.unit_path.clone(),
        })
        .covers(&Target::Unit(&unit.path))
        {
            errors.push(err(
                row,
                1,
                Msg::new("point-unit-outside")
                    .arg("code", code.to_string())
                    .arg("event_unit", &event.unit_name),
            ));
            continue;
        }
        if !hosts.contains_key(&host) {
            let account = store
                .staff_by_username(&host)
                .await?
                .filter(|a| !a.disabled)
                .map(|a| (a.id, a.grants));
            hosts.insert(host.clone(), account);
        }
        let Some(Some((host_id, grants))) = hosts.get(&host) else {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-unknown").arg("username", &host),
            ));
            continue;
        };
        if !allows(grants, Permission::CheckIn, &Target::Unit(&unit.path)) {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-cannot-check-in")
                    .arg("username", &host)
                    .arg("unit", &unit.name),
            ));
            continue;
        }
        points.push(NewPoint {
            name,
            unit: code,
            host_id: *host_id,
            expected,
            token: token(),
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(PointsError::Rows(errors));
    }
    Ok(points)
}

/// Points to add, with the columns of the file they came from (their headers name the fields
/// in refusals).
#[derive(Clone, Debug)]
pub struct PointDrafts {
    pub rows: Vec<(usize, PointDraft)>,
    pub columns: Columns,
}

impl PointDrafts {
    /// One point from the form (row 0), its fields named by the official headers.
    ///
    /// # Panics
    /// Never: the headers are the fields' own.
    #[must_use]
    pub fn one(draft: PointDraft) -> Self {
        let headers = [
            "Tên điểm cầu",
            "Mã đơn vị",
            "Tài khoản chủ trì",
            "Số người dự kiến",
        ]
        .map(String::from);
        #[allow(clippy::expect_used, reason = "the headers are aliases of the fields")]
        let columns = Columns::resolve(&POINT_FIELDS, &headers).expect("the fields' own headers");
        Self {
            rows: vec![(0, draft)],
            columns,
        }
    }
}

/// Why points were not added.
#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    #[error("refused: {} rows", .0.len())]
    Rows(Vec<RowError>),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Reads a file of points (CSV or XLSX): its rows with their numbers, or the errors of its
/// header.
///
/// # Errors
/// The file is unreadable or lacks a column.
pub fn read_points(path: &std::path::Path) -> Result<PointDrafts, Vec<RowError>> {
    let file_error = |e: &binhdan_tabular::TabularError| vec![e.to_row_error()];
    let mut table = binhdan_tabular::open(path).map_err(|e| file_error(&e))?;
    let mut rows = table.rows().map_err(|e| file_error(&e))?;
    let (_, columns) = rows.find_columns(&POINT_FIELDS)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.to_row_error());
                continue;
            }
        };
        if row.is_blank() {
            continue;
        }
        let number = row.number;
        let texts = row.into_texts();
        let cell = |i: usize| columns.cell(&texts, i).unwrap_or("").to_owned();
        out.push((
            number,
            PointDraft {
                name: cell(0),
                unit: cell(1),
                host: cell(2),
                expected: cell(3),
            },
        ));
    }
    if errors.is_empty() {
        Ok(PointDrafts { rows: out, columns })
    } else {
        Err(errors)
    }
}
