//! The campaign's target groups and its five key indicators (K1–K5), with the 2026 defaults.

use serde::{Deserialize, Serialize};

use crate::msg::Msg;
use crate::people::Date;

/// A target group of the campaign. A person can be in several (an adult public servant is in
/// both `PublicServant` and `Adult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Cán bộ, công chức, viên chức, người lao động khu vực công.
    PublicServant,
    /// Students from primary school up.
    Student,
    /// Everyone aged 18 or more on the evaluation date.
    Adult,
    /// Workers of enterprises, cooperatives and unions of cooperatives.
    Worker,
}

impl Group {
    pub const ALL: [Self; 4] = [
        Self::PublicServant,
        Self::Student,
        Self::Adult,
        Self::Worker,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PublicServant => "public_servant",
            Self::Student => "student",
            Self::Adult => "adult",
            Self::Worker => "worker",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    #[must_use]
    pub fn label(self) -> Msg {
        Msg::new(match self {
            Self::PublicServant => "group-public-servant",
            Self::Student => "group-student",
            Self::Adult => "group-adult",
            Self::Worker => "group-worker",
        })
    }
}

/// What a KPI counts among the members of its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Has basic digital knowledge and skills (finished the group's course and its test).
    Skilled,
    /// Holds the certificate of universal digital knowledge on VNeID.
    Certified,
}

impl Metric {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Skilled => "skilled",
            Self::Certified => "certified",
        }
    }
}

/// The five key indicators of the 2026 plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kpi {
    K1,
    K2,
    K3,
    K4,
    K5,
}

impl Kpi {
    pub const ALL: [Self; 5] = [Self::K1, Self::K2, Self::K3, Self::K4, Self::K5];

    /// The default deadline of every target (year, month, day).
    pub const DEADLINE: (i32, u32, u32) = (2026, 12, 31);

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::K1 => "K1",
            Self::K2 => "K2",
            Self::K3 => "K3",
            Self::K4 => "K4",
            Self::K5 => "K5",
        }
    }

    #[must_use]
    pub const fn group(self) -> Group {
        match self {
            Self::K1 => Group::PublicServant,
            Self::K2 => Group::Student,
            Self::K3 | Self::K4 => Group::Adult,
            Self::K5 => Group::Worker,
        }
    }

    #[must_use]
    pub const fn metric(self) -> Metric {
        match self {
            Self::K4 => Metric::Certified,
            _ => Metric::Skilled,
        }
    }

    /// The default target, in per cent of the group.
    #[must_use]
    pub const fn default_target_percent(self) -> u8 {
        match self {
            Self::K4 => 80,
            _ => 100,
        }
    }

    /// The indicator's one-line description, for pages and reports.
    #[must_use]
    pub fn description(self) -> Msg {
        Msg::new(match self {
            Self::K1 => "kpi-k1",
            Self::K2 => "kpi-k2",
            Self::K3 => "kpi-k3",
            Self::K4 => "kpi-k4",
            Self::K5 => "kpi-k5",
        })
    }
}

impl Kpi {
    /// `K1`…`K5` (any case).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The plan's target for the indicator: its default percentage by 31 December 2026.
    #[must_use]
    pub fn default_target(self) -> Target {
        let (y, m, d) = Self::DEADLINE;
        Target {
            percent: self.default_target_percent(),
            deadline: Date::new(y, m, d).unwrap_or(Date::EPOCH),
        }
    }
}

/// A KPI's target: a percentage of the group, reached by a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub percent: u8,
    pub deadline: Date,
}

impl Target {
    /// Checks a target as an official typed it: a whole percentage from 0 to 100 ("85" or
    /// "85%") and a deadline (`2026-12-31` as a date field sends it, or `31/12/2026`) that is
    /// not before `today`.
    ///
    /// # Errors
    /// The message naming the field and what was wrong with it.
    pub fn parse(percent: &str, deadline: &str, today: Date) -> Result<Self, Msg> {
        let p = percent.trim().trim_end_matches('%').trim();
        let percent = p
            .parse::<i64>()
            .ok()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n <= 100)
            .ok_or_else(|| Msg::new("target-percent-range").arg("value", echo(percent)))?;
        let deadline = parse_day(deadline)
            .ok_or_else(|| Msg::new("target-deadline-unreadable").arg("value", echo(deadline)))?;
        if deadline < today {
            return Err(Msg::new("target-deadline-past")
                .arg("deadline", deadline)
                .arg("today", today));
        }
        Ok(Self { percent, deadline })
    }

    /// How many of `denominator` people the target asks for (rounded up).
    #[must_use]
    pub fn goal(self, denominator: u64) -> u64 {
        (denominator.saturating_mul(u64::from(self.percent))).div_ceil(100)
    }
}

/// At most 40 characters of what was typed, to quote in a message.
fn echo(s: &str) -> String {
    s.trim().chars().take(40).collect()
}

/// `2026-12-31` or `31/12/2026`.
fn parse_day(s: &str) -> Option<Date> {
    let s = s.trim();
    let nums = |sep: char| -> Option<Vec<u32>> {
        let parts: Vec<u32> = s
            .split(sep)
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 3).then_some(parts)
    };
    if let Some(p) = nums('-') {
        return Date::new(i32::try_from(p[0]).ok()?, p[1], p[2]);
    }
    let p = nums('/')?;
    Date::new(i32::try_from(p[2]).ok()?, p[1], p[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_has_its_2026_defaults() {
        let targets: Vec<_> = Kpi::ALL
            .iter()
            .map(|k| (k.as_str(), k.default_target_percent()))
            .collect();
        assert_eq!(
            targets,
            [
                ("K1", 100),
                ("K2", 100),
                ("K3", 100),
                ("K4", 80),
                ("K5", 100)
            ]
        );
        assert_eq!(Kpi::K4.metric(), Metric::Certified);
        assert_eq!(Kpi::K4.group(), Group::Adult);
        for g in Group::ALL {
            assert_eq!(Group::parse(g.as_str()), Some(g));
        }
    }

    #[test]
    fn a_target_is_a_percentage_from_0_to_100_by_a_deadline_not_yet_past() {
        let today = Date::new(2026, 11, 27).unwrap();
        let t = Target::parse("85%", "2026-12-31", today).unwrap();
        assert_eq!(
            (t.percent, t.deadline.to_string()),
            (85, "31/12/2026".to_owned())
        );
        assert_eq!(
            Target::parse(" 0 ", "27/11/2026", today).unwrap().percent,
            0
        );
        assert_eq!(
            Target::parse("100", "2027-06-30", today).unwrap().percent,
            100
        );
        for bad in ["101", "-5", "85.5", "", "tám mươi"] {
            let e = Target::parse(bad, "2026-12-31", today).unwrap_err();
            assert_eq!(e.key, "target-percent-range", "{bad}");
        }
        for bad in ["2026-13-01", "31/02/2026", "mai", ""] {
            let e = Target::parse("80", bad, today).unwrap_err();
            assert_eq!(e.key, "target-deadline-unreadable", "{bad}");
        }
        let e = Target::parse("80", "2026-11-26", today).unwrap_err();
        assert_eq!(e.key, "target-deadline-past");
    }

    #[test]
    fn the_goal_rounds_up_and_defaults_follow_the_plan() {
        let t = Kpi::K4.default_target();
        assert_eq!(
            (t.percent, t.deadline.to_string()),
            (80, "31/12/2026".to_owned())
        );
        assert_eq!(t.goal(1001), 801);
        assert_eq!(Kpi::parse("k3"), Some(Kpi::K3));
        assert_eq!(Kpi::parse("K6"), None);
    }
}
