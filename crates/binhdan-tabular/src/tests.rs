#![allow(
    clippy::disallowed_methods,
    reason = "size tests print how long they took"
)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use binhdan_core::Localized;
use binhdan_core::cccd::Sex;
use binhdan_core::people::{
    BirthDate, CccdRepeats, PERSON_FIELDS, PersonRules, Phone, parse_person_row,
};
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Formula, Workbook};

use super::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    let mut f = File::create(&p).unwrap();
    f.write_all(bytes).unwrap();
    p
}

fn rows_of(table: &mut Table) -> Vec<Result<Row, TabularError>> {
    table.rows().unwrap().collect()
}

fn numbers_and_texts(rows: &[Result<Row, TabularError>]) -> Vec<(usize, Vec<String>)> {
    rows.iter()
        .map(|r| {
            let r = r.as_ref().unwrap();
            (r.number, r.texts())
        })
        .collect()
}

fn rules() -> PersonRules {
    PersonRules {
        evaluation_date: Date::new(2026, 6, 1).unwrap(),
        allow_year_only: false,
    }
}

#[test]
fn csv_with_bom_semicolons_title_and_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "\u{feff}DANH SÁCH NGƯỜI DÂN THÔN YÊN THÁI, XÃ A;;;\r\n\
               ;;;\r\n\
               STT;Họ và tên;Số CCCD;Ngày sinh\r\n\
               1;Trần Thị Hoa;038190123456;05/01/1990\r\n\
               \r\n\
               2;\"Lò Văn\nPáo\";001090000001;1/1/1990\r\n\
               3;Y;001090000002;1990-01-02\r\n\
               ;;;\r\n\r\n";
    let path = write(dir.path(), "thon.csv", csv.as_bytes());
    let mut table = open(&path).unwrap();
    assert_eq!(table.format(), Format::Csv);
    assert_eq!(table.delimiter(), Some(b';'));
    let mut rows = table.rows().unwrap();
    let (header, columns) = rows.find_columns(&PERSON_FIELDS).unwrap();
    assert_eq!(header.number, 3);
    assert_eq!(header.texts()[1], "Họ và tên");
    let rest: Vec<_> = rows.collect();
    // Row numbers as a spreadsheet shows them: the blank line counts, the line break inside
    // the quoted name does not.
    assert_eq!(
        numbers_and_texts(&rest)
            .iter()
            .map(|(n, t)| (*n, t[1].clone()))
            .collect::<Vec<_>>(),
        [
            (4, "Trần Thị Hoa".to_owned()),
            (6, "Lò Văn\nPáo".to_owned()),
            (7, "Y".to_owned())
        ]
    );
    let people: Vec<_> = rest
        .iter()
        .map(|r| {
            let r = r.as_ref().unwrap();
            parse_person_row(&columns, r.number, &r.texts(), &rules()).unwrap()
        })
        .collect();
    assert_eq!(people[1].name.as_str(), "Lò Văn Páo");
    assert_eq!(people[0].sex, Sex::Female);
}

#[test]
fn row_numbers_survive_every_line_ending() {
    for text in [
        "h1,h2\n\nb,\"x\ny\"\n\n\nc,3",
        "h1,h2\r\n\r\nb,\"x\r\ny\"\r\n\r\n\r\nc,3\r\n",
        "h1,h2\r\rb,\"x\ry\"\r\r\rc,3\r",
        "h1,h2\n \nb,\"x\ny\"\n,\n\t\nc,3\n\n\n",
    ] {
        let mut t = Table::from_reader(Cursor::new(text.as_bytes().to_vec())).unwrap();
        let got: Vec<_> = numbers_and_texts(&rows_of(&mut t))
            .into_iter()
            .map(|(n, t)| (n, t[0].clone()))
            .collect();
        assert_eq!(
            got,
            [(1, "h1".into()), (3, "b".into()), (6, "c".into())],
            "{text:?}"
        );
    }
}

#[test]
fn delimiters_are_sniffed() {
    for (text, want) in [
        ("a,b,c\n1,2,3\n", b','),
        ("a;b;c\n1;2;3\n", b';'),
        ("a\tb\tc\n1\t2\t3\n", b'\t'),
        ("DANH SÁCH, XÃ A\nHọ tên;CCCD;Ngày sinh;Giới tính\n", b';'),
        ("\"x;y\",b\n", b','),
        ("one column\n", b','),
    ] {
        let t = Table::from_reader(Cursor::new(text.as_bytes().to_vec())).unwrap();
        assert_eq!(t.delimiter(), Some(want), "{text:?}");
    }
}

#[test]
fn non_utf8_rows_are_named_and_reading_goes_on() {
    // "Hòa" in Windows-1258 (ò = 0xF2), as Excel's plain "CSV" saves it.
    let mut bytes = b"name,cccd\nAn,1\nH".to_vec();
    bytes.extend_from_slice(&[0xF2]);
    bytes.extend_from_slice(b"a,2\nBinh,3\n");
    let mut t = Table::csv_from_reader(Cursor::new(bytes)).unwrap();
    let rows = rows_of(&mut t);
    assert_eq!(rows.len(), 4);
    let e = rows[2].as_ref().unwrap_err();
    assert!(matches!(e, TabularError::NotUtf8 { row: 3 }));
    assert_eq!(e.msg().key, "import-not-utf8");
    assert_eq!(e.to_row_error().row, 3);
    assert_eq!(rows[3].as_ref().unwrap().number, 4);
}

#[test]
fn other_formats_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("u16.txt", b"\xFF\xFEa\x00,\x00", "tabular-utf16"),
        (
            "old.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0",
            "tabular-legacy-excel",
        ),
        (
            "web.xls",
            b"\r\n<html><table><tr><td>1</td></tr></table></html>",
            "tabular-html",
        ),
        ("bin.csv", b"abc\0def", "tabular-binary"),
        ("sheet.ods", b"PK\x03\x04rest", "tabular-open-document"),
    ];
    for (name, bytes, key) in cases {
        let e = open(write(dir.path(), name, bytes)).unwrap_err();
        assert_eq!(e.msg().key, key, "{name}");
    }
    let e = open(write(dir.path(), "broken.xlsx", b"PK\x03\x04not a zip")).unwrap_err();
    assert_eq!(e.msg().key, "tabular-xlsx-unreadable");
    let e = open(dir.path().join("absent.csv")).unwrap_err();
    assert_eq!(e.msg().key, "tabular-io");
    let mut empty = Table::from_reader(Cursor::new(Vec::new())).unwrap();
    let e = empty.rows().unwrap().find_header(5, |_| true).unwrap_err();
    assert_eq!(e.msg().key, "import-empty-file");
}

#[test]
fn numbers_render_as_typed() {
    for (n, s) in [
        (38_123_456_789.0, "38123456789"),
        (912_345_678.0, "912345678"),
        (1e20, "100000000000000000000"),
        (0.5, "0.5"),
        (1.5e-7, "0.00000015"),
        (-0.0, "0"),
        (-12.0, "-12"),
        (1234.25, "1234.25"),
    ] {
        assert_eq!(cell_text(&Cell::Number(n)), s, "{n}");
    }
    assert_eq!(cell_text(&Cell::Number(f64::NAN)), "");
    assert_eq!(
        cell_text(&Cell::Date(Date::new(1990, 1, 5).unwrap())),
        "05/01/1990"
    );
    assert_eq!(cell_text(&Cell::Bool(true)), "TRUE");
}

/// A roster as an official makes it: a hidden sheet first, a merged title over the columns, a
/// blank row, the header on row 3, CCCDs stored as numbers, dates as Excel dates, a formula.
fn roster_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let hidden = wb.add_worksheet();
    hidden.set_name("Danh mục").unwrap();
    hidden.write_string(0, 0, "không phải danh sách").unwrap();
    hidden.set_hidden(true);
    let ws = wb.add_worksheet();
    ws.set_name("Thôn Yên Thái").unwrap();
    ws.set_active(true);
    let bold = XFormat::new().set_bold();
    ws.merge_range(0, 0, 0, 6, "DANH SÁCH NGƯỜI DÂN THÔN YÊN THÁI", &bold)
        .unwrap();
    for (c, h) in [
        "STT",
        "Họ và tên",
        "Số CCCD",
        "Ngày sinh",
        "Giới tính",
        "Số điện thoại",
        "Tuổi",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let date = XFormat::new().set_num_format("dd/mm/yyyy");
    // Row 4: the CCCD as a number (leading zero lost), the phone too.
    ws.write_number(3, 0, 1).unwrap();
    ws.write_string(3, 1, "TRẦN THỊ HOA").unwrap();
    ws.write_number(3, 2, 38_190_123_456.0).unwrap();
    ws.write_datetime_with_format(3, 3, ExcelDateTime::from_ymd(1990, 1, 5).unwrap(), &date)
        .unwrap();
    ws.write_string(3, 4, "Nữ").unwrap();
    ws.write_number(3, 5, 912_345_678.0).unwrap();
    ws.write_formula(3, 6, Formula::new("=2026-YEAR(D4)").set_result("36"))
        .unwrap();
    // Row 5: the CCCD as text, the date typed as text.
    ws.write_formula(4, 0, Formula::new("=A4+1").set_result("2"))
        .unwrap();
    ws.write_string(4, 1, "Lò Văn Páo").unwrap();
    ws.write_string(4, 2, "001214000123").unwrap();
    ws.write_string(4, 3, "02/09/2014").unwrap();
    ws.write_string(4, 4, "Nam").unwrap();
    ws.write_boolean(4, 7, false).unwrap();
    // Formatted but empty cells below the data, as Excel leaves them.
    ws.write_blank(7, 1, &bold).unwrap();
    ws.write_blank(8, 2, &bold).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn xlsx_roster_keeps_cell_types_and_finds_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("thon.xlsx");
    roster_xlsx(&path);
    let mut table = open(&path).unwrap();
    assert_eq!(table.format(), Format::Xlsx);
    assert_eq!(table.sheet_name(), Some("Thôn Yên Thái"));
    let mut rows = table.rows().unwrap();
    let (header, columns) = rows.find_columns(&PERSON_FIELDS).unwrap();
    assert_eq!(header.number, 3);
    let rest: Vec<Row> = rows.map(Result::unwrap).collect();
    assert_eq!(
        rest.iter().map(|r| r.number).collect::<Vec<_>>(),
        [4, 5],
        "blank and formatted-only rows are skipped"
    );
    let r4 = &rest[0].cells;
    assert_eq!(r4[2], Cell::Number(38_190_123_456.0));
    assert_eq!(r4[3], Cell::Date(Date::new(1990, 1, 5).unwrap()));
    assert_eq!(
        r4[6],
        Cell::Number(36.0),
        "a formula gives its computed value"
    );
    assert_eq!(
        rest[0].texts(),
        [
            "1",
            "TRẦN THỊ HOA",
            "38190123456",
            "05/01/1990",
            "Nữ",
            "912345678",
            "36"
        ]
    );
    assert_eq!(rest[1].cells[2], Cell::Text("001214000123".into()));
    assert_eq!(rest[1].cells[7], Cell::Bool(false));

    let mut repeats = CccdRepeats::new();
    let people: Vec<_> = rest
        .iter()
        .map(|r| {
            let p = parse_person_row(&columns, r.number, &r.texts(), &rules()).unwrap();
            assert!(repeats.check(&p, &columns).is_none());
            p
        })
        .collect();
    assert_eq!(people[0].name.as_str(), "Trần Thị Hoa");
    assert_eq!(people[0].cccd.expose(), "038190123456");
    assert_eq!(
        people[0].birth,
        BirthDate::Full(Date::new(1990, 1, 5).unwrap())
    );
    assert_eq!(
        people[0].phone.as_ref().map(Phone::as_str),
        Some("0912345678")
    );
    assert_eq!(people[1].sex, Sex::Male);

    // The same bytes as an upload, and a named sheet.
    let bytes = std::fs::read(&path).unwrap();
    let mut t = Table::from_reader(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(rows_of(&mut t).len(), 4);
    let opts = Options {
        sheet: Some("Danh mục".into()),
        ..Options::default()
    };
    let mut t = Table::from_reader_named(Cursor::new(bytes.clone()), Some("xlsx"), &opts).unwrap();
    let rows = rows_of(&mut t);
    assert_eq!(
        numbers_and_texts(&rows),
        [(1, vec!["không phải danh sách".to_owned()])]
    );
    let opts = Options {
        sheet: Some("Sheet9".into()),
        ..Options::default()
    };
    let e = Table::from_reader_named(Cursor::new(bytes), None, &opts).unwrap_err();
    assert_eq!(e.msg().key, "tabular-sheet-not-found");
}

#[test]
fn a_header_that_misses_a_column_is_reported_on_its_row() {
    let csv = "DANH SÁCH HỌC SINH\n\nHọ và tên,Ngày sinh,Lớp\nAn,1/1/2014,6A\n";
    let mut t = Table::from_reader(Cursor::new(csv.as_bytes().to_vec())).unwrap();
    let errs = t.rows().unwrap().find_columns(&PERSON_FIELDS).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].row, errs[0].msg.key), (3, "import-column-missing"));
}

/// Read and check a generated 1,000,000-row CSV of people from a file. Run with
/// `cargo test --release -p binhdan-tabular -- --ignored --nocapture throughput`.
#[test]
#[ignore = "a release-mode measurement"]
fn throughput() {
    const N: usize = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.csv");
    {
        let mut f = std::io::BufWriter::new(File::create(&path).unwrap());
        f.write_all(
            "\u{feff}STT;Họ và tên;Số CCCD;Ngày sinh;Giới tính;Mã thôn;Số điện thoại\r\n"
                .as_bytes(),
        )
        .unwrap();
        let family = [
            "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Đặng",
        ];
        let middle = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu"];
        let provinces = ["001", "038", "079", "024", "052"];
        let given = [
            "An", "Bình", "Hoà", "Hương", "Dũng", "Thảo", "Tuấn", "Yến", "Lộc",
        ];
        for i in 0..N {
            let year = 1940 + (i % 80);
            let female = i % 2 == 1;
            let century = u8::from(year >= 2000) * 2 + u8::from(female);
            writeln!(
                f,
                "{};{} {} {};{}{}{:02}{:06};{:02}/{:02}/{};{};{:08};09{:08}\r",
                i + 1,
                family[i % family.len()],
                middle[i % middle.len()],
                given[i % given.len()],
                provinces[i % provinces.len()],
                century,
                year % 100,
                i,
                1 + i % 28,
                1 + i % 12,
                year,
                if female { "Nữ" } else { "Nam" },
                16_591_001 + i % 50,
                i,
            )
            .unwrap();
        }
    }
    let size = std::fs::metadata(&path).unwrap().len();
    // Reading alone.
    let start = std::time::Instant::now();
    let mut table = open(&path).unwrap();
    let mut cells = 0usize;
    for row in table.rows().unwrap() {
        cells += row.unwrap().into_texts().len();
    }
    let read_secs = start.elapsed().as_secs_f64();
    eprintln!(
        "read {cells} cells of {} rows in {read_secs:.2} s: {:.0} rows/s",
        N + 1,
        N as f64 / read_secs
    );
    // Reading and checking, as an import does.
    let start = std::time::Instant::now();
    let mut table = open(&path).unwrap();
    let mut rows = table.rows().unwrap();
    let (_, columns) = rows.find_columns(&PERSON_FIELDS).unwrap();
    let rules = rules();
    let mut repeats = CccdRepeats::new();
    let (mut ok, mut bad, mut adults) = (0usize, 0usize, 0usize);
    for row in rows {
        let row = row.unwrap();
        let number = row.number;
        match parse_person_row(&columns, number, &row.into_texts(), &rules) {
            Ok(p) => {
                ok += 1;
                adults += usize::from(p.is_adult(&rules.evaluation_date));
                if repeats.check(&p, &columns).is_some() {
                    bad += 1;
                }
            }
            Err(e) => {
                if bad < 3 {
                    eprintln!("{e:?}");
                }
                bad += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "read+check {ok} rows ({bad} refused, {adults} adults), {:.0} MB, in {secs:.2} s: {:.0} rows/s",
        size as f64 / 1e6,
        N as f64 / secs
    );
    assert_eq!((ok, bad), (N, 0));
}

/// Read and check a generated 200,000-row XLSX roster (CCCDs as numbers, dates as Excel
/// dates). Run with `cargo test --release -p binhdan-tabular -- --ignored --nocapture`.
#[test]
#[ignore = "a release-mode measurement"]
fn xlsx_throughput() {
    const N: u32 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 4, "DANH SÁCH NGƯỜI DÂN", &XFormat::new())
        .unwrap();
    for (c, h) in [
        "Họ và tên",
        "Số CCCD",
        "Ngày sinh",
        "Giới tính",
        "Số điện thoại",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let date = XFormat::new().set_num_format("dd/mm/yyyy");
    let given = [
        "An", "Bình", "Hoà", "Hương", "Dũng", "Thảo", "Tuấn", "Yến", "Lộc",
    ];
    for i in 0..N {
        let r = i + 2;
        let year = 1940 + (i % 80);
        let female = i % 2 == 1;
        let century = u32::from(year >= 2000) * 2 + u32::from(female);
        ws.write_string(
            r,
            0,
            format!("Nguyễn Văn {} {i}", given[i as usize % 9])
                .replace(|c: char| c.is_ascii_digit(), ""),
        )
        .unwrap();
        let cccd = f64::from(38_000_000) * 1000.0
            + f64::from(century * 100 + year % 100) * 1_000_000.0
            + f64::from(i);
        ws.write_number(r, 1, cccd).unwrap();
        ws.write_datetime_with_format(
            r,
            2,
            ExcelDateTime::from_ymd(
                u16::try_from(year).unwrap(),
                1 + u8::try_from(i % 12).unwrap(),
                1 + u8::try_from(i % 28).unwrap(),
            )
            .unwrap(),
            &date,
        )
        .unwrap();
        ws.write_string(r, 3, if female { "Nữ" } else { "Nam" })
            .unwrap();
        ws.write_number(r, 4, 912_000_000.0 + f64::from(i)).unwrap();
    }
    wb.save(&path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let start = std::time::Instant::now();
    let mut table = open(&path).unwrap();
    let mut rows = table.rows().unwrap();
    let (_, columns) = rows.find_columns(&PERSON_FIELDS).unwrap();
    let rules = rules();
    let mut repeats = CccdRepeats::new();
    let mut ok = 0usize;
    for row in rows {
        let row = row.unwrap();
        let number = row.number;
        let p = parse_person_row(&columns, number, &row.into_texts(), &rules).unwrap();
        assert!(repeats.check(&p, &columns).is_none());
        ok += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "xlsx read+check {ok} rows, {:.1} MB, in {secs:.2} s: {:.0} rows/s",
        size as f64 / 1e6,
        f64::from(N) / secs
    );
    assert_eq!(ok, N as usize);
}

/// The messages of this crate and of `binhdan_core::people` parse as Fluent in both languages
/// and define the same keys (the i18n crate's tidy test checks that every key used exists).
#[test]
fn import_messages_parse_in_both_languages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../binhdan-i18n/locales");
    let keys = |lang: &str| {
        let src = std::fs::read_to_string(dir.join(lang).join("import.ftl")).unwrap();
        let resource = fluent_syntax::parser::parse(src.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{lang}: {errors:?}"));
        resource
            .body
            .iter()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    let vi = keys("vi");
    assert_eq!(vi, keys("en"));
    for key in [
        "tabular-utf16",
        "tabular-header-not-found",
        "person-birth-date-not-real",
        "person-cccd-repeated",
        "population-repeated",
    ] {
        assert!(vi.contains(key), "{key}");
    }
}
