//! Rows as they come out of SQL, and their conversion to domain values. Shared by both
//! backends (`FromRow` is generic over the database).

use binhdan_core::kpi::Group;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};

use crate::{Result, StoreError};

/// Decoding follows one policy: a stored value that no writer of ours writes (a unit code, a
/// group, a kind that does not parse) is [`StoreError::Corrupt`], naming the table and the
/// value; a row is never silently left out of a list or turned into "none". The team's
/// figures in the counters ([`crate::TEAM_GROUP`]) are no KPI group: the readers of the
/// groups' figures skip them by name ([`kpi_group`]), not by failing to parse them.
pub(crate) fn decoded<T>(
    table: &'static str,
    what: &str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    parse(value).ok_or_else(|| StoreError::corrupt(table, format_args!("{what} {value:?}")))
}

/// A stored count, size or version: one that does not fit (a negative count) is
/// [`StoreError::Corrupt`], never read as 0.
pub(crate) fn number<T: TryFrom<i64>>(table: &'static str, what: &str, value: i64) -> Result<T> {
    T::try_from(value).map_err(|_| StoreError::corrupt(table, format_args!("{what} {value}")))
}

/// A stored unit code.
pub(crate) fn unit_code(table: &'static str, code: &str) -> Result<UnitCode> {
    decoded(table, "unit code", code, |c| UnitCode::parse(c).ok())
}

/// A stored KPI group.
pub(crate) fn group(table: &'static str, grp: &str) -> Result<Group> {
    decoded(table, "group", grp, Group::parse)
}

/// A counter row's group: `None` for the team's figures, which count for no KPI group.
pub(crate) fn kpi_group(table: &'static str, grp: &str) -> Result<Option<Group>> {
    if grp == crate::TEAM_GROUP {
        Ok(None)
    } else {
        group(table, grp).map(Some)
    }
}

/// Counter rows `(grp, metric, value)` of the KPI groups (the team's left out, see
/// [`kpi_group`]).
pub(crate) fn kpi_counters(
    table: &'static str,
    rows: Vec<(String, String, i64)>,
) -> Result<Vec<(Group, String, i64)>> {
    let mut out = Vec::with_capacity(rows.len());
    for (g, metric, value) in rows {
        if let Some(g) = kpi_group(table, &g)? {
            out.push((g, metric, value));
        }
    }
    Ok(out)
}

/// A task's steps as a JSON array of numbers, each in the shortest form that reads back to
/// the same `f64` (`serde_json` reads floats to within a unit in the last place only).
pub(crate) fn encode_steps(steps: &[f64]) -> String {
    let numbers: Vec<String> = steps.iter().map(|b| format!("{b:?}")).collect();
    format!("[{}]", numbers.join(","))
}

/// [`encode_steps`] read back: `None` unless a non-empty array of finite numbers.
pub(crate) fn decode_steps(text: &str) -> Option<Vec<f64>> {
    let inner = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    inner
        .split(',')
        .map(|b| b.trim().parse::<f64>().ok().filter(|b| b.is_finite()))
        .collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub division_type: String,
    pub name: String,
    pub path: String,
}

impl UnitRow {
    pub fn into_unit(self) -> Result<Unit> {
        let code = UnitCode::from_stored(self.code);
        Ok(Unit {
            level: decoded("unit", "level", &self.level, UnitLevel::parse)?,
            code,
            name: self.name,
            division_type: self.division_type,
            parent_code: self.parent_code.map(UnitCode::from_stored),
            path: self.path,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CourseRow {
    pub id: String,
    pub version: i64,
    pub grp: String,
    pub title: String,
    pub summary: String,
    pub modules: i64,
    pub lessons: i64,
}

impl CourseRow {
    pub fn into_summary(self) -> Result<crate::CourseSummary> {
        Ok(crate::CourseSummary {
            id: self.id,
            version: number("course", "version", self.version)?,
            group: self.grp,
            title: self.title,
            summary: self.summary,
            modules: number("course", "modules", self.modules)?,
            lessons: number("course", "lessons", self.lessons)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{decode_steps, encode_steps};

    #[test]
    fn steps_read_back_exactly_and_odd_text_is_refused() {
        let steps = vec![-0.8125, 0.1 + 0.2, 1e-17, -3.0, 123_456.789];
        let text = encode_steps(&steps);
        assert_eq!(decode_steps(&text), Some(steps));
        assert_eq!(decode_steps(" [ 1.5 , -2 ] "), Some(vec![1.5, -2.0]));
        for odd in [
            "", "[]", "[1,]", "[NaN]", "[inf]", "1.5", "[1.5", "[\"1\"]", "null",
        ] {
            assert_eq!(decode_steps(odd), None, "{odd}");
        }
    }
}
