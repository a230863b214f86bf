//! The campaign's target groups and its five key indicators (K1–K5), with the 2026 defaults.

use serde::{Deserialize, Serialize};

use crate::msg::Msg;

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
}
