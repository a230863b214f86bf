//! One row of a roster of people: its columns, its checks cell by cell and across cells, and
//! the CCCDs that repeat within a file.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::{BirthDate, MAX_AGE, MAX_TEXT_CHARS, PersonError, PersonName, Phone, echo, is_adult};
use crate::cccd::{Cccd, Sex};
use crate::import::{Columns, Field, RowError};
use crate::msg::{Localized, Msg};
use crate::text;
use crate::time::Date;
use crate::unit::{UnitCode, UnitLevel};

/// Reads a sex cell: `Nam`/`Nữ` in any case with or without diacritics, `M`/`F`, `male`/`female`.
pub fn parse_sex(input: &str) -> Result<Sex, PersonError> {
    match input.trim() {
        "Nam" | "nam" | "NAM" => return Ok(Sex::Male),
        "Nữ" | "nữ" | "NỮ" => return Ok(Sex::Female),
        _ => {}
    }
    match text::search_key(input).as_str() {
        "nam" | "m" | "male" | "trai" => Ok(Sex::Male),
        "nu" | "f" | "female" | "gai" => Ok(Sex::Female),
        _ => Err(PersonError::SexUnknown { value: echo(input) }),
    }
}

fn parse_text(input: &str) -> Result<String, PersonError> {
    let s = text::clean(input);
    if s.chars().count() > MAX_TEXT_CHARS {
        Err(PersonError::TextTooLong {
            max: MAX_TEXT_CHARS,
        })
    } else {
        Ok(s)
    }
}

/// A school grade from `Khối` (`6`, `Khối 6`) or the grade part of a class (`6A1`, `Lớp 10A`).
fn parse_grade(input: &str) -> Result<u8, PersonError> {
    let key = text::search_key(input);
    let key = key
        .strip_prefix("lop")
        .or_else(|| key.strip_prefix("khoi"))
        .unwrap_or(&key)
        .trim_start();
    let digits: String = key.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse::<u8>()
        .ok()
        .filter(|g| (1..=12).contains(g))
        .ok_or_else(|| PersonError::GradeInvalid { value: echo(input) })
}

/// Field numbers in [`PERSON_FIELDS`].
pub mod pf {
    pub const NAME: usize = 0;
    pub const CCCD: usize = 1;
    pub const BIRTH: usize = 2;
    pub const SEX: usize = 3;
    pub const VILLAGE_CODE: usize = 4;
    pub const COMMUNE_CODE: usize = 5;
    pub const UNIT_CODE: usize = 6;
    pub const VILLAGE: usize = 7;
    pub const PHONE: usize = 8;
    pub const GRADE: usize = 9;
    pub const CLASS: usize = 10;
    pub const POSITION: usize = 11;
    pub const COMMUNE: usize = 12;
}

/// The columns of a roster of people. Name, CCCD and date of birth are required; the sex, when
/// absent, is taken from the CCCD.
pub const PERSON_FIELDS: [Field; 13] = [
    Field {
        name: "name",
        aliases: &["Họ và tên", "Họ tên", "ho_ten", "ho_va_ten", "full_name"],
        required: true,
    },
    Field {
        name: "cccd",
        aliases: &[
            "Số CCCD",
            "CCCD",
            "Số định danh cá nhân",
            "Số định danh",
            "Số căn cước",
            "Số căn cước công dân",
            "so_cccd",
            "id_number",
        ],
        required: true,
    },
    Field {
        name: "birth_date",
        aliases: &["Ngày sinh", "Ngày tháng năm sinh", "ngay_sinh", "dob"],
        required: true,
    },
    Field {
        name: "sex",
        aliases: &["Giới tính", "gioi_tinh", "gender"],
        required: false,
    },
    Field {
        name: "village_code",
        aliases: &["Mã thôn", "ma_thon", "Mã thôn, bản", "Mã tổ dân phố"],
        required: false,
    },
    Field {
        name: "commune_code",
        aliases: &["Mã xã", "ma_xa", "Mã phường", "Mã xã, phường"],
        required: false,
    },
    Field {
        name: "unit_code",
        aliases: &["Mã đơn vị", "ma_don_vi"],
        required: false,
    },
    Field {
        name: "village",
        aliases: &[
            "Thôn",
            "Thôn, bản",
            "Thôn/bản",
            "Tổ dân phố",
            "Thôn, tổ dân phố",
            "thon",
        ],
        required: false,
    },
    Field {
        name: "phone",
        aliases: &[
            "Số điện thoại",
            "Điện thoại",
            "SĐT",
            "so_dien_thoai",
            "mobile",
        ],
        required: false,
    },
    Field {
        name: "grade",
        aliases: &["Khối", "khoi", "Khối lớp"],
        required: false,
    },
    Field {
        name: "class",
        aliases: &["Lớp", "lop"],
        required: false,
    },
    Field {
        name: "position",
        aliases: &["Chức vụ", "chuc_vu", "Chức danh", "job_title"],
        required: false,
    },
    // The commune by name (`Xã Hoằng Hóa`, `hoang hoa`, `PHƯỜNG HẠC THÀNH`) or by code.
    Field {
        name: "commune",
        aliases: &[
            "Xã/Phường",
            "Xã, phường",
            "Xã, phường, đặc khu",
            "Xã/Phường/Đặc khu",
            "Xã",
            "Phường",
            "Tên xã",
            "Tên xã, phường",
            "Đơn vị hành chính cấp xã",
            "xa_phuong",
            "commune_name",
        ],
        required: false,
    },
];

/// What the checks of a person row depend on besides the row.
#[derive(Clone, Copy, Debug)]
pub struct PersonRules {
    /// The day ages are computed on and after which no one can be born.
    pub evaluation_date: Date,
    /// Accept a date of birth that is only a year (old records).
    pub allow_year_only: bool,
}

/// A person row that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    /// The spreadsheet row number.
    pub row: usize,
    pub name: PersonName,
    pub cccd: Cccd,
    pub birth: BirthDate,
    /// From the sex column, or from the CCCD when there is none.
    pub sex: Sex,
    /// The most precise unit code given: the village's, else the commune's, else `unit_code`.
    pub unit: Option<UnitCode>,
    /// A village named rather than coded, as written (the store resolves it in the commune).
    pub village_name: Option<String>,
    /// A commune named rather than coded, as written (resolved in the province).
    pub commune_name: Option<String>,
    pub phone: Option<Phone>,
    /// 1–12, from `Khối` or the grade part of `Lớp`.
    pub grade: Option<u8>,
    /// The class as written (`6A1`).
    pub class: Option<String>,
    pub position: Option<String>,
}

impl PersonRow {
    /// Is the person 18 or older on `on`?
    #[must_use]
    pub fn is_adult(&self, on: &Date) -> bool {
        is_adult(&self.birth, on)
    }
}

/// Checks one person row; `row_no` is the spreadsheet row number. Every bad cell is reported;
/// the CCCD is then checked against the date of birth and the sex (errors on the CCCD column,
/// with the number masked), and the date of birth against the evaluation date.
pub fn parse_person_row(
    columns: &Columns,
    row_no: usize,
    cells: &[String],
    rules: &PersonRules,
) -> Result<PersonRow, Vec<RowError>> {
    let fields = &PERSON_FIELDS;
    let mut errors = Vec::new();
    let mut fail = |field: usize, msg: Msg| errors.push(columns.error(fields, row_no, field, msg));
    let cell = |field: usize| columns.cell(cells, field);

    let name = match PersonName::parse(cell(pf::NAME).unwrap_or_default()) {
        Ok(n) => Some(n),
        Err(e) => {
            fail(pf::NAME, e.msg());
            None
        }
    };
    let cccd = match Cccd::parse(cell(pf::CCCD).unwrap_or_default()) {
        Ok(c) => Some(c),
        Err(e) => {
            fail(pf::CCCD, e.msg());
            None
        }
    };
    let birth =
        match BirthDate::parse_cell(cell(pf::BIRTH).unwrap_or_default(), rules.allow_year_only) {
            Ok(b) => {
                let on = &rules.evaluation_date;
                if b.is_after(on) {
                    fail(
                        pf::BIRTH,
                        PersonError::BirthDateInFuture {
                            date: b.to_string(),
                            on: on.to_string(),
                        }
                        .msg(),
                    );
                    None
                } else if b.age_on(on) > MAX_AGE {
                    fail(
                        pf::BIRTH,
                        PersonError::TooOld {
                            age: b.age_on(on),
                            max: MAX_AGE,
                        }
                        .msg(),
                    );
                    None
                } else {
                    Some(b)
                }
            }
            Err(e) => {
                fail(pf::BIRTH, e.msg());
                None
            }
        };
    let sex = match cell(pf::SEX).map(parse_sex) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            fail(pf::SEX, e.msg());
            None
        }
    };

    let mut code = |field: usize, level: Option<UnitLevel>| {
        let c = cell(field)?;
        let parsed = match level {
            Some(level) => UnitCode::parse_cell(c, level),
            None => UnitCode::parse(c),
        };
        match parsed {
            Ok(code) => Some(code),
            Err(e) => {
                fail(field, e.msg());
                None
            }
        }
    };
    let village_code = code(pf::VILLAGE_CODE, Some(UnitLevel::Village));
    let commune_code = code(pf::COMMUNE_CODE, Some(UnitLevel::Commune));
    let unit_code = code(pf::UNIT_CODE, None);
    // The commune column holds a name, or a code (digits, as Excel may have mangled them).
    let (commune_code, commune_name) = match cell(pf::COMMUNE) {
        Some(c)
            if c.chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '\'') =>
        {
            match UnitCode::parse_cell(c, UnitLevel::Commune) {
                Ok(named) => match &commune_code {
                    Some(coded) if coded != &named => {
                        fail(
                            pf::COMMUNE,
                            PersonError::CommuneMismatch {
                                named: named.as_str().to_owned(),
                                coded: coded.as_str().to_owned(),
                            }
                            .msg(),
                        );
                        (commune_code, None)
                    }
                    _ => (Some(named), None),
                },
                Err(e) => {
                    fail(pf::COMMUNE, e.msg());
                    (commune_code, None)
                }
            }
        }
        Some(c) => match parse_text(c) {
            Ok(t) => (commune_code, Some(t)),
            Err(e) => {
                fail(pf::COMMUNE, e.msg());
                (commune_code, None)
            }
        },
        None => (commune_code, None),
    };
    if let (Some(v), Some(c)) = (&village_code, &commune_code)
        && !v.as_str().starts_with(c.as_str())
    {
        fail(
            pf::VILLAGE_CODE,
            PersonError::UnitMismatch {
                village: v.as_str().to_owned(),
                commune: c.as_str().to_owned(),
            }
            .msg(),
        );
    }
    let mut optional_text = |field: usize| match cell(field).map(parse_text) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            fail(field, e.msg());
            None
        }
    };
    let village_name = optional_text(pf::VILLAGE);

    let class = optional_text(pf::CLASS);
    let position = optional_text(pf::POSITION);
    let phone = match cell(pf::PHONE).map(Phone::parse) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            fail(pf::PHONE, e.msg());
            None
        }
    };
    let grade = match (cell(pf::GRADE), &class) {
        (Some(g), _) => match parse_grade(g) {
            Ok(g) => Some(g),
            Err(e) => {
                fail(pf::GRADE, e.msg());
                None
            }
        },
        (None, Some(c)) => parse_grade(c).ok(),
        (None, None) => None,
    };

    // Across cells: the CCCD's year and sex digits.
    if let Some(c) = &cccd {
        if let Some(b) = &birth
            && let Err(e) = c.check_birth_year(b.year())
        {
            fail(pf::CCCD, e.msg());
        }
        if let Some(s) = sex
            && let Err(e) = c.check_sex(s)
        {
            fail(pf::CCCD, e.msg());
        }
    }

    match (name, cccd, birth) {
        (Some(name), Some(cccd), Some(birth)) if errors.is_empty() => {
            let sex = sex.unwrap_or_else(|| cccd.sex());
            Ok(PersonRow {
                row: row_no,
                name,
                cccd,
                birth,
                sex,
                unit: village_code.or(commune_code).or(unit_code),
                village_name,
                commune_name,
                phone,
                grade,
                class,
                position,
            })
        }
        _ => Err(errors),
    }
}

/// Finds CCCDs that repeat within a file as rows stream by, remembering each number's first
/// row (about 40 bytes a person).
#[derive(Debug, Default)]
pub struct CccdRepeats {
    /// The 12 digits as a number (below 10^12), to its first row.
    seen: HashMap<u64, usize, BuildHasherDefault<MixHasher>>,
}

/// A fast hasher for keys that are already well spread numbers (a CCCD's digits), not for
/// input an attacker chooses to collide: each key is one number from one official's file.
#[derive(Debug, Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        // The finaliser of SplitMix64.
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

fn cccd_number(c: &Cccd) -> u64 {
    c.expose()
        .bytes()
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'))
}

impl CccdRepeats {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `rows` numbers up front (a file's row count, when known, spares rehashing).
    #[must_use]
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            seen: HashMap::with_capacity_and_hasher(rows, BuildHasherDefault::default()),
        }
    }

    /// `None` for a number seen first here; otherwise the error for this row, naming the row
    /// it repeats (on the CCCD column, with the number masked).
    pub fn check(&mut self, row: &PersonRow, columns: &Columns) -> Option<RowError> {
        match self.seen.entry(cccd_number(&row.cccd)) {
            std::collections::hash_map::Entry::Occupied(first) => Some(RowError {
                row: row.row,
                column: columns.header(pf::CCCD, &PERSON_FIELDS),
                msg: PersonError::CccdRepeated {
                    cccd: row.cccd.masked(),
                    first_row: *first.get(),
                }
                .msg(),
            }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row.row);
                None
            }
        }
    }
}

/// Every row whose CCCD repeats an earlier row's, reported against the row it repeats.
#[must_use]
pub fn duplicate_cccds(rows: &[PersonRow], columns: &Columns) -> Vec<RowError> {
    let mut repeats = CccdRepeats::new();
    rows.iter()
        .filter_map(|r| repeats.check(r, columns))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::test_util::{d, strings};

    fn rules() -> PersonRules {
        PersonRules {
            evaluation_date: d(2026, 6, 1),
            allow_year_only: false,
        }
    }

    #[test]
    fn sexes() {
        for s in ["Nam", "nam", "NAM", "M", "m", "male", "Male"] {
            assert_eq!(parse_sex(s), Ok(Sex::Male), "{s}");
        }
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Nữ").collect();
        for s in ["Nữ", "nữ", "NỮ", "nu", "F", "female", nfd.as_str()] {
            assert_eq!(parse_sex(s), Ok(Sex::Female), "{s}");
        }
        assert!(parse_sex("khác").is_err());
    }

    // 038 Thanh Hóa, 1 = female born 1900s, 90 = 1990.
    const WOMAN_1990: &str = "038190123456";

    fn cols(h: &[&str]) -> Columns {
        Columns::resolve(&PERSON_FIELDS, &strings(h)).unwrap()
    }

    #[test]
    fn a_good_row_with_vietnamese_headers() {
        let c = cols(&[
            "STT",
            "Họ và tên",
            "Số CCCD",
            "Ngày sinh",
            "Giới tính",
            "Mã xã",
            "Mã thôn",
            "Số điện thoại",
        ]);
        let r = parse_person_row(
            &c,
            5,
            &strings(&[
                "1",
                "TRẦN THỊ HOA",
                "38190123456",
                "5/1/1990",
                "Nữ",
                "16591",
                "16591001",
                "912 345 678",
            ]),
            &rules(),
        )
        .unwrap();
        assert_eq!(r.row, 5);
        assert_eq!(r.name.as_str(), "Trần Thị Hoa");
        assert_eq!(r.cccd.expose(), WOMAN_1990);
        assert_eq!(r.birth, BirthDate::Full(d(1990, 1, 5)));
        assert_eq!(r.sex, Sex::Female);
        assert_eq!(r.unit.as_ref().map(UnitCode::as_str), Some("16591001"));
        assert_eq!(r.phone.as_ref().map(Phone::as_str), Some("0912345678"));
        assert!(r.is_adult(&d(2026, 6, 1)));
    }

    #[test]
    fn english_headers_students_and_sex_from_the_cccd() {
        let c = cols(&["name", "cccd", "dob", "class", "unit_code"]);
        let r = parse_person_row(
            &c,
            2,
            &strings(&["Lò Văn Páo", "001214000123", "2014-09-02", "6A1", "01"]),
            &rules(),
        )
        .unwrap();
        assert_eq!(
            (r.sex, r.grade, r.class.as_deref()),
            (Sex::Male, Some(6), Some("6A1"))
        );
        assert_eq!(r.unit.unwrap().as_str(), "01");
        assert!(!is_adult(&r.birth, &d(2026, 6, 1)));
        let c = cols(&[
            "Họ tên",
            "Số định danh cá nhân",
            "Ngày sinh",
            "Khối",
            "Chức vụ",
        ]);
        let r = parse_person_row(
            &c,
            2,
            &strings(&[
                "Y",
                "001214000123",
                "02/09/2014",
                "Khối 12",
                " Lớp  trưởng ",
            ]),
            &rules(),
        )
        .unwrap();
        assert_eq!(
            (r.grade, r.position.as_deref()),
            (Some(12), Some("Lớp trưởng"))
        );
    }

    #[test]
    fn every_bad_cell_is_reported_and_the_cccd_is_masked() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh", "Giới tính", "SĐT", "Khối"]);
        let errs = parse_person_row(
            &c,
            9,
            &strings(&[
                "Nguyễn 2",
                "038190123456",
                "31/02/1990",
                "khác",
                "123",
                "13",
            ]),
            &rules(),
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.msg.key))
            .collect();
        assert_eq!(
            got,
            [
                (9, "Họ và tên", "person-name-invalid-character"),
                (9, "Ngày sinh", "person-birth-date-not-real"),
                (9, "Giới tính", "person-sex-unknown"),
                (9, "SĐT", "person-phone-invalid"),
                (9, "Khối", "person-grade-invalid"),
            ]
        );
        let ok_name = "Trần Thị Hoa";
        let errs = parse_person_row(
            &c,
            3,
            &strings(&[ok_name, WOMAN_1990, "05/01/1991", "Nam"]),
            &rules(),
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.column.as_str(), e.msg.key))
            .collect();
        assert_eq!(
            got,
            [
                ("CCCD", "cccd-birth-year-mismatch"),
                ("CCCD", "cccd-sex-mismatch")
            ]
        );
        for e in &errs {
            let text = format!("{e:?}");
            assert!(
                !text.contains(WOMAN_1990) && text.contains("038*******56"),
                "{text}"
            );
        }
        let errs = parse_person_row(&c, 3, &strings(&["", "", ""]), &rules()).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| e.msg.key).collect();
        assert_eq!(
            got,
            ["person-name-empty", "cccd-empty", "person-birth-date-empty"]
        );
    }

    #[test]
    fn dates_are_checked_against_the_evaluation_date() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh"]);
        let key = |cccd: &str, dob: &str, r: &PersonRules| {
            parse_person_row(&c, 2, &strings(&["An", cccd, dob]), r)
                .map(|_| ())
                .map_err(|e| e.iter().map(|e| e.msg.key).collect::<Vec<_>>())
        };
        assert_eq!(
            key("001226000001", "02/06/2026", &rules()),
            Err(vec!["person-birth-date-future"])
        );
        assert_eq!(key("001226000001", "01/06/2026", &rules()), Ok(()));
        assert_eq!(
            key("001005000001", "01/01/1905", &rules()),
            Err(vec!["person-too-old"])
        );
        assert_eq!(key("001006000001", "02/06/1906", &rules()), Ok(()));
        let year_only = PersonRules {
            allow_year_only: true,
            ..rules()
        };
        assert_eq!(key("001060000001", "1960", &year_only), Ok(()));
        assert_eq!(
            key("001060000001", "1960", &rules()),
            Err(vec!["person-birth-date-year-only"])
        );
    }

    #[test]
    fn village_code_must_lie_in_the_commune() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh", "Mã xã", "Mã thôn", "Thôn"]);
        let errs = parse_person_row(
            &c,
            4,
            &strings(&[
                "An",
                "001090000001",
                "1/1/1990",
                "16591",
                "16636001",
                "Yên Thái",
            ]),
            &rules(),
        )
        .unwrap_err();
        assert_eq!(errs[0].msg.key, "person-unit-mismatch");
        let r = parse_person_row(
            &c,
            4,
            &strings(&["An", "001090000001", "1/1/1990", "16591", "", "Yên  Thái"]),
            &rules(),
        )
        .unwrap();
        assert_eq!(r.unit.unwrap().as_str(), "16591");
        assert_eq!(r.village_name.as_deref(), Some("Yên Thái"));
    }

    #[test]
    fn repeated_cccds_point_to_the_first_row() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh"]);
        let rows: Vec<_> = [
            ("An", "001090000001"),
            ("Bình", "001090000002"),
            ("An B", "1090000001"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (n, cccd))| {
            parse_person_row(&c, i + 2, &strings(&[n, cccd, "1/1/1990"]), &rules()).unwrap()
        })
        .collect();
        let errs = duplicate_cccds(&rows, &c);
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].row, errs[0].column.as_str()), (4, "CCCD"));
        assert_eq!(errs[0].msg.key, "person-cccd-repeated");
        assert!(errs[0].msg.args.contains(&("first_row", "2".to_owned())));
        assert!(
            errs[0]
                .msg
                .args
                .contains(&("cccd", "001*******01".to_owned()))
        );
    }
}
