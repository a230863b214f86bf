//! A synthetic but plausible province for demos, tests and benchmarks: villages with
//! Vietnamese names under the real communes, and population figures per village and group
//! that add up to the requested size (Thanh Hóa: about 3.7 million people).
//!
//! Deterministic for a given RNG seed.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::kpi::Group;
use crate::reference::AdminUnit;
use crate::text;
use crate::unit::{DivisionType, UnitCode, UnitError, UnitLevel};

/// Thanh Hóa's population, the default size of a demo province.
pub const THANH_HOA_PEOPLE: u64 = 3_700_000;

/// Shares of a province's population in each group, in per mille: adults 18+, students from
/// primary school up, public servants, enterprise and cooperative workers. (Groups overlap:
/// public servants and most workers are adults too.)
pub const GROUP_SHARES_PER_MILLE: [(Group, u64); 4] = [
    (Group::Adult, 720),
    (Group::Student, 190),
    (Group::PublicServant, 25),
    (Group::Worker, 85),
];

const PLACE_WORDS: [&str; 48] = [
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Thượng",
    "Hạ",
    "Yên",
    "Phú",
    "Xuân",
    "Hòa",
    "An",
    "Thịnh",
    "Lộc",
    "Phúc",
    "Thành",
    "Quang",
    "Minh",
    "Tân",
    "Vĩnh",
    "Cẩm",
    "Hưng",
    "Long",
    "Thái",
    "Sơn",
    "Thủy",
    "Đồng",
    "Lâm",
    "Kim",
    "Ngọc",
    "Mỹ",
    "Hợp",
    "Bình",
    "Khánh",
    "Đức",
    "Tiến",
    "Quý",
    "Lương",
    "Cao",
    "Văn",
    "Hồng",
    "Thắng",
    "Lợi",
    "Nghĩa",
    "Trường",
    "Định",
    "Thanh",
    "Hải",
];

const MOUNTAIN_WORDS: [&str; 24] = [
    "Lè",
    "Hạ",
    "Pù Nhi",
    "Na Mèo",
    "Sa Ná",
    "Chiềng",
    "Khằm",
    "Pọng",
    "Tà Cóm",
    "Xía Nọi",
    "Mường",
    "Poọng",
    "Bào",
    "Ché",
    "Lát",
    "Hin",
    "Phé",
    "Cang",
    "Nàng",
    "Muống",
    "Kha",
    "Son",
    "Bá",
    "Lụng",
];

/// A village of the demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoVillage {
    pub code: UnitCode,
    pub commune: UnitCode,
    pub name: String,
    pub division_type: DivisionType,
}

/// An official population figure of the demo: the denominator of a KPI for one village.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationFigure {
    pub unit: UnitCode,
    pub group: Group,
    pub count: u64,
}

/// What `binhdan demo` writes.
#[derive(Clone, Debug, Default)]
pub struct DemoPlan {
    pub villages: Vec<DemoVillage>,
    pub population: Vec<PopulationFigure>,
}

/// Plans a province of about `people` inhabitants over the given communes. Villages per
/// commune vary around 27 (Thanh Hóa: about 4,500 over 166); wards get residential groups,
/// about a quarter of rural communes are upland with bản.
pub fn plan(
    communes: &[&AdminUnit],
    people: u64,
    rng: &mut impl Rng,
) -> Result<DemoPlan, UnitError> {
    let mut out = DemoPlan::default();
    let communes: Vec<_> = communes
        .iter()
        .filter(|c| c.level == UnitLevel::Commune)
        .collect();
    // Weights: wards are denser than rural communes.
    let weights: Vec<u64> = communes
        .iter()
        .map(|c| match c.division_type {
            DivisionType::Phuong => rng.random_range(150..300),
            _ => rng.random_range(60..160),
        })
        .collect();
    let per_commune = apportion(people, &weights);
    let mut village_people = Vec::new();
    for (commune, commune_people) in communes.iter().zip(per_commune) {
        let upland = commune.division_type == DivisionType::Xa && rng.random_bool(0.25);
        let n_villages: u32 = rng.random_range(12..=42);
        let mut names = HashSet::new();
        let mut village_weights = Vec::new();
        for n in 1..=n_villages {
            let code = commune.code.village(n)?;
            let (division_type, name) =
                village_name(commune.division_type, upland, n, &mut names, rng);
            out.villages.push(DemoVillage {
                code,
                commune: commune.code.clone(),
                name,
                division_type,
            });
            village_weights.push(rng.random_range(50..150u64));
        }
        village_people.extend(apportion(commune_people, &village_weights));
    }
    // Each group's province total, spread over the villages in proportion to their people, so
    // the totals are exact at any size.
    for (group, per_mille) in GROUP_SHARES_PER_MILLE {
        let counts = apportion(people * per_mille / 1000, &village_people);
        for (v, count) in out.villages.iter().zip(counts) {
            out.population.push(PopulationFigure {
                unit: v.code.clone(),
                group,
                count,
            });
        }
    }
    Ok(out)
}

/// Splits `total` into parts proportional to `weights` that add up to exactly `total`
/// (largest remainder method). All-zero weights give all-zero parts.
#[must_use]
pub fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let total = u128::from(total);
    let mut parts: Vec<(u64, u128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = total * u128::from(*w);
            (
                u64::try_from(exact / sum).unwrap_or(u64::MAX),
                exact % sum,
                i,
            )
        })
        .collect();
    let given: u128 = parts.iter().map(|p| u128::from(p.0)).sum();
    let mut left = total.saturating_sub(given);
    let mut by_remainder: Vec<usize> = (0..parts.len()).collect();
    by_remainder.sort_by(|a, b| parts[*b].1.cmp(&parts[*a].1).then(a.cmp(b)));
    for i in by_remainder {
        if left == 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| p.0).collect()
}

fn village_name(
    commune_type: DivisionType,
    upland: bool,
    n: u32,
    taken: &mut HashSet<String>,
    rng: &mut impl Rng,
) -> (DivisionType, String) {
    if commune_type == DivisionType::Phuong {
        return (DivisionType::ToDanPho, format!("Tổ dân phố {n}"));
    }
    let kind = if upland {
        DivisionType::Ban
    } else {
        DivisionType::Thon
    };
    let prefix = if upland { "Bản" } else { "Thôn" };
    for _ in 0..20 {
        let name = if upland {
            format!(
                "{prefix} {}",
                MOUNTAIN_WORDS.choose(rng).copied().unwrap_or("Mới")
            )
        } else {
            let a = PLACE_WORDS.choose(rng).copied().unwrap_or("Tân");
            let b = PLACE_WORDS.choose(rng).copied().unwrap_or("Lập");
            if a == b {
                format!("{prefix} {a}")
            } else {
                format!("{prefix} {a} {b}")
            }
        };
        if taken.insert(text::identity_key(&name)) {
            return (kind, name);
        }
    }
    // Names ran out: number it, as many communes do.
    let name = format!("{prefix} {n}");
    taken.insert(text::identity_key(&name));
    (kind, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::admin_units;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn thanh_hoa_at_full_size_is_plausible() {
        let units = admin_units().unwrap();
        let communes: Vec<_> = units
            .iter()
            .filter(|u| u.parent_code.as_ref().is_some_and(|p| p.as_str() == "38"))
            .collect();
        let plan = plan(&communes, THANH_HOA_PEOPLE, &mut StdRng::seed_from_u64(7)).unwrap();
        assert!(
            (3_000..6_000).contains(&plan.villages.len()),
            "{}",
            plan.villages.len()
        );
        let adults: u64 = plan
            .population
            .iter()
            .filter(|p| p.group == Group::Adult)
            .map(|p| p.count)
            .sum();
        assert_eq!(adults, THANH_HOA_PEOPLE * 720 / 1000);
        // Names are unique within a commune, and codes are unique.
        let mut seen = HashSet::new();
        for v in &plan.villages {
            assert!(
                seen.insert((v.commune.clone(), text::identity_key(&v.name))),
                "{}",
                v.name
            );
            assert!(v.code.as_str().starts_with(v.commune.as_str()));
        }
    }

    #[test]
    fn apportion_is_exact_and_proportional() {
        assert_eq!(apportion(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(apportion(7, &[0, 0]), [0, 0]);
        assert_eq!(apportion(100, &[1, 3]), [25, 75]);
        let parts = apportion(1_000_003, &[7, 13, 29, 51]);
        assert_eq!(parts.iter().sum::<u64>(), 1_000_003);
    }

    #[test]
    fn the_same_seed_gives_the_same_province() {
        let units = admin_units().unwrap();
        let communes: Vec<_> = units
            .iter()
            .filter(|u| u.parent_code.as_ref().is_some_and(|p| p.as_str() == "01"))
            .collect();
        let a = plan(&communes, 50_000, &mut StdRng::seed_from_u64(1)).unwrap();
        let b = plan(&communes, 50_000, &mut StdRng::seed_from_u64(1)).unwrap();
        assert_eq!(a.villages, b.villages);
        assert_eq!(a.population, b.population);
    }
}
