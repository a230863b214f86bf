//! Per-attempt parameters: drawn from the attempt's seed, written into texts as `{name}`.
//!
//! The generator is a `SplitMix64` of our own, not `rand`'s `StdRng`, whose algorithm may change
//! between versions: an attempt is its seed, and must draw the same values for as long as the
//! task's version stands.

use std::collections::BTreeMap;

use super::{Param, ParamKind, Text, TextLang};

/// `SplitMix64`: small, fast, and the same on every platform and version.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    fn index(&mut self, n: usize) -> usize {
        usize::try_from(self.below(n as u64)).unwrap_or(0)
    }

    /// Shuffles in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
    "Trịnh", "Mai", "Lương",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Xuân", "Hồng", "Kim",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
    "Tuấn", "Yến",
];

/// The values of one attempt's parameters: as shown in each language, and the raw value a
/// learner types back (the digits of an amount, a name as written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drawn {
    shown: BTreeMap<String, Text>,
    raw: BTreeMap<String, String>,
}

impl Drawn {
    /// Draws every parameter from the seed, in order (a `name_like` after the name it copies).
    #[must_use]
    pub fn draw(params: &[Param], seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut drawn = Self::default();
        let mut names: Vec<(usize, usize, usize)> = Vec::new();
        let mut by_param: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
        let derived =
            |p: &&Param| matches!(p.kind, ParamKind::NameLike { .. } | ParamKind::Sum { .. });
        let ordered = params
            .iter()
            .filter(|p| !derived(p))
            .chain(params.iter().filter(derived));
        let mut money = std::collections::BTreeSet::new();
        for p in ordered {
            let (shown, raw) = match &p.kind {
                ParamKind::Money { min, max, step } => {
                    let step = (*step).max(1);
                    let steps = max.saturating_sub(*min) / step;
                    let v = min + rng.below(steps + 1) * step;
                    money.insert(p.name.as_str());
                    (
                        Text {
                            vi: format!("{} đ", group_digits(v, '.')),
                            en: format!("{} VND", group_digits(v, ',')),
                        },
                        v.to_string(),
                    )
                }
                ParamKind::Number { min, max } => {
                    let v = min + rng.below(max.saturating_sub(*min) + 1);
                    (same(v.to_string()), v.to_string())
                }
                ParamKind::Digits { len } => {
                    let mut s = String::with_capacity(usize::from(*len));
                    for i in 0..*len {
                        let d = if i == 0 {
                            1 + rng.below(9)
                        } else {
                            rng.below(10)
                        };
                        s.push(char::from(b'0' + u8::try_from(d).unwrap_or(0)));
                    }
                    (same(s.clone()), s)
                }
                ParamKind::Name => {
                    let mut pick = (
                        rng.index(FAMILY.len()),
                        rng.index(MIDDLE.len()),
                        rng.index(GIVEN.len()),
                    );
                    // Different from every name drawn before: another given name.
                    while names.iter().any(|n| n.0 == pick.0 && n.2 == pick.2) {
                        pick.2 = (pick.2 + 1) % GIVEN.len();
                    }
                    names.push(pick);
                    by_param.insert(&p.name, pick);
                    name_value(pick)
                }
                ParamKind::NameLike { of } => {
                    let base = by_param.get(of.as_str()).copied().unwrap_or((0, 0, 0));
                    let mut pick = (base.0, rng.index(MIDDLE.len()), base.2);
                    while names.contains(&pick) {
                        pick.1 = (pick.1 + 1) % MIDDLE.len();
                    }
                    names.push(pick);
                    by_param.insert(&p.name, pick);
                    name_value(pick)
                }
                ParamKind::Sum { terms } => {
                    let v: u64 = terms
                        .iter()
                        .filter_map(|t| drawn.raw(t)?.parse::<u64>().ok())
                        .sum();
                    let shown = if terms.iter().any(|t| money.contains(t.as_str())) {
                        Text {
                            vi: format!("{} đ", group_digits(v, '.')),
                            en: format!("{} VND", group_digits(v, ',')),
                        }
                    } else {
                        same(v.to_string())
                    };
                    (shown, v.to_string())
                }
                ParamKind::Pick { from } => {
                    let t = from.get(rng.index(from.len())).cloned().unwrap_or_default();
                    let raw = t.vi.clone();
                    (t, raw)
                }
            };
            drawn.shown.insert(p.name.clone(), shown);
            drawn.raw.insert(p.name.clone(), raw);
        }
        drawn
    }

    /// A parameter as shown in `lang`.
    #[must_use]
    pub fn shown(&self, name: &str, lang: TextLang) -> Option<&str> {
        self.shown.get(name).map(|t| t.get(lang))
    }

    /// A parameter's raw value (what is typed back).
    #[must_use]
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.raw.get(name).map(String::as_str)
    }
}

fn same(s: String) -> Text {
    Text {
        vi: s.clone(),
        en: s,
    }
}

fn name_value((f, m, g): (usize, usize, usize)) -> (Text, String) {
    let name = format!(
        "{} {} {}",
        FAMILY.get(f).copied().unwrap_or_default(),
        MIDDLE.get(m).copied().unwrap_or_default(),
        GIVEN.get(g).copied().unwrap_or_default()
    );
    (same(name.clone()), name)
}

/// `1250000` → `1.250.000` (with `.`) or `1,250,000` (with `,`).
fn group_digits(v: u64, sep: char) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The names written `{name}` in a text (a `{` not followed by a name and `}` is plain text).
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if is_param_name(name) {
                out.push(name);
                rest = &rest[close + 1..];
            }
        }
    }
    out
}

/// Lowercase ASCII letters, digits and `_`, starting with a letter.
pub(crate) fn is_param_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Writes the drawn values into a text: as shown in `lang`, or raw when `lang` is `None`.
#[must_use]
pub fn fill(text: &str, drawn: &Drawn, lang: Option<TextLang>) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            let v = match lang {
                Some(l) => drawn.shown(name, l),
                None => drawn.raw(name),
            }?;
            Some((v, close))
        });
        if let Some((v, close)) = value {
            out.push_str(v);
            rest = &after[close + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn p(name: &str, kind: ParamKind) -> Param {
        Param {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn values_depend_on_the_seed_only_and_names_never_repeat() {
        let params = vec![
            p("look", ParamKind::NameLike { of: "a".into() }),
            p("a", ParamKind::Name),
            p("b", ParamKind::Name),
            p("c", ParamKind::Name),
            p(
                "amount",
                ParamKind::Money {
                    min: 100_000,
                    max: 2_000_000,
                    step: 50_000,
                },
            ),
            p("acc", ParamKind::Digits { len: 10 }),
        ];
        let mut seen = std::collections::HashSet::new();
        for seed in 0..300 {
            let d = Drawn::draw(&params, seed);
            assert_eq!(d, Drawn::draw(&params, seed));
            let names: Vec<&str> = ["a", "b", "c", "look"]
                .iter()
                .map(|n| d.raw(n).unwrap())
                .collect();
            let distinct: std::collections::HashSet<_> = names.iter().collect();
            assert_eq!(distinct.len(), 4, "{names:?}");
            let (a, look) = (names[0], names[3]);
            assert_eq!(a.split(' ').next(), look.split(' ').next());
            assert_eq!(a.split(' ').next_back(), look.split(' ').next_back());
            let amount: u64 = d.raw("amount").unwrap().parse().unwrap();
            assert!((100_000..=2_000_000).contains(&amount) && amount.is_multiple_of(50_000));
            let acc = d.raw("acc").unwrap();
            assert!(acc.len() == 10 && !acc.starts_with('0'));
            seen.insert(acc.to_owned());
        }
        assert!(seen.len() > 290);
    }

    #[test]
    fn amounts_read_in_each_language_and_fill_leaves_other_braces() {
        let params = vec![p(
            "x",
            ParamKind::Money {
                min: 1_250_000,
                max: 1_250_000,
                step: 1,
            },
        )];
        let d = Drawn::draw(&params, 1);
        assert_eq!(d.shown("x", TextLang::Vi), Some("1.250.000 đ"));
        assert_eq!(d.shown("x", TextLang::En), Some("1,250,000 VND"));
        assert_eq!(
            fill("Trả {x} {y} {", &d, Some(TextLang::Vi)),
            "Trả 1.250.000 đ {y} {"
        );
        assert_eq!(fill("{x}", &d, None), "1250000");
        assert_eq!(placeholders("a {x} {Y} {y_2} {"), vec!["x", "y_2"]);
    }
}
