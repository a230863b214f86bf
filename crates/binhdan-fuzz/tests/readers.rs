//! One fuzz target per reader of untrusted files and texts (see the crate's documentation):
//! each reads every committed seed, then [`binhdan_fuzz::cases`] mutations of them, and must
//! answer without panicking and without output out of proportion to its input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;

use binhdan_core::cccd::CardQr;
use binhdan_core::people::{PERSON_FIELDS, PersonRules, parse_person_row};
use binhdan_core::time::Date;
use binhdan_fuzz::{config, corpus, edits, mutate_zip_part, mutated};
use binhdan_tabular::Table;
use proptest::prelude::*;

fn rules() -> PersonRules {
    PersonRules {
        evaluation_date: Date::new(2026, 12, 31).unwrap(),
        allow_year_only: false,
    }
}

/// Reads a table to its end the way the roster import does: the header by its fields, then
/// every row checked as a person. Returns the rows read.
fn read_table(bytes: Vec<u8>) -> usize {
    let len = bytes.len();
    let Ok(mut table) = Table::from_reader(Cursor::new(bytes)) else {
        return 0;
    };
    let Ok(mut rows) = table.rows() else {
        return 0;
    };
    let columns = match rows.find_columns(&PERSON_FIELDS) {
        Ok((_, columns)) => Some(columns),
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused header says why");
            None
        }
    };
    let mut read = 0;
    for row in rows {
        let Ok(row) = row else { continue };
        read += 1;
        let texts = row.texts();
        let text_len: usize = texts.iter().map(String::len).sum();
        // A cell's text comes from the file: it may grow by escapes undone, never by more than
        // a bounded factor (a shared string repeated is the XLSX case, bounded by the guard).
        assert!(
            text_len <= 64 * len + 64,
            "row {} grew to {text_len} bytes",
            row.number
        );
        if let Some(columns) = &columns
            && let Err(errors) = parse_person_row(columns, row.number, &texts, &rules())
        {
            assert!(!errors.is_empty());
            for e in &errors {
                assert_eq!(e.row, row.number, "an error names its own row");
            }
        }
    }
    read
}

#[test]
fn every_csv_seed_is_read() {
    for (name, bytes) in corpus("csv") {
        let len = bytes.len();
        let rows = read_table(bytes);
        assert!(rows <= len + 1, "{name}: {rows} rows from {len} bytes");
    }
}

#[test]
fn every_xlsx_seed_is_read() {
    let seeds = corpus("xlsx");
    let read: usize = seeds.into_iter().map(|(_, b)| read_table(b)).sum();
    assert!(read > 0, "the XLSX seeds hold rows");
}

proptest! {
    #![proptest_config(config("csv"))]
    #[test]
    fn csv_reader((_, bytes) in mutated(&corpus("csv"))) {
        let len = bytes.len();
        let rows = read_table(bytes);
        prop_assert!(rows <= len + 1, "{rows} rows from {len} bytes");
    }
}

proptest! {
    #![proptest_config(config("xlsx"))]
    #[test]
    fn xlsx_reader(seed in 0usize..16, part in 0usize..32, edits in edits(), raw in any::<bool>()) {
        let seeds = corpus("xlsx");
        let bytes = &seeds[seed % seeds.len()].1;
        // Most mutations reach the XML behind the zip; some break the zip itself.
        let input = if raw {
            binhdan_fuzz::apply(bytes, &edits)
        } else {
            mutate_zip_part(bytes, part, &edits)
        };
        read_table(input);
    }
}

proptest! {
    #![proptest_config(config("cccd"))]
    #[test]
    fn card_qr_reader((_, bytes) in mutated(&corpus("cccd"))) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(card) = CardQr::parse(&text) {
            // What was accepted reads the same again from its own fields.
            let again = format!(
                "{}|{}|{}|{}|{}|{}|{}",
                card.number.expose(),
                card.old_number.clone().unwrap_or_default(),
                card.name.as_str(),
                ddmmyyyy(card.birth_date),
                match card.sex { binhdan_core::cccd::Sex::Male => "Nam", binhdan_core::cccd::Sex::Female => "Nữ" },
                card.address,
                ddmmyyyy(card.issued_on),
            );
            let reread = CardQr::parse(&again);
            prop_assert_eq!(reread.as_ref().ok(), Some(&card), "{:?}", reread.as_ref().err());
        }
    }
}

/// Small limits for the photo target, so that a run of mutations stays quick: a mutated
/// header may claim any size, which these refuse before decoding.
const PHOTO_LIMITS: binhdan_qr::Limits = binhdan_qr::Limits {
    max_bytes: 64 * 1024,
    max_pixels: 1_000_000,
    max_side: 4096,
    max_alloc: 32 * 1024 * 1024,
    search_side: 400,
    full_search_pixels: 250_000,
};

#[test]
fn every_photo_seed_is_read() {
    for (name, bytes) in corpus("photo") {
        let text = binhdan_qr::decode_card_photo(&bytes, PHOTO_LIMITS)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(CardQr::parse(&text).is_ok(), "{name}");
    }
}

proptest! {
    #![proptest_config(config("photo"))]
    #[test]
    fn card_photo_reader((_, bytes) in mutated(&corpus("photo"))) {
        // Ok (a QR code's text, at most a version 40 code's bytes) or a refusal.
        if let Ok(text) = binhdan_qr::decode_card_photo(&bytes, PHOTO_LIMITS) {
            prop_assert!(text.len() <= 7089 * 4, "{} bytes", text.len());
        }
    }
}

fn ddmmyyyy(d: Date) -> String {
    d.to_string().replace('/', "")
}

/// Parses content by the kind its seed's name says, as `binhdan content check` would.
fn parse_content(kind: &str, text: &str) {
    let lines = text.lines().count() + 1;
    let check = |errors: Vec<binhdan_content::LineError>| {
        assert!(!errors.is_empty(), "{kind}: a refusal says why");
        for e in errors {
            assert!(
                e.line <= lines + 1,
                "{kind}: error on line {} of {lines}",
                e.line
            );
        }
    };
    match kind {
        "course" => {
            let _ = binhdan_content::parse_course(text).map_err(check);
        }
        "module" => {
            let _ = binhdan_content::parse_module(text, Some("m")).map_err(check);
        }
        "lesson" => match binhdan_content::parse_lesson(text, Some("m")) {
            Ok(doc) => {
                let html = doc.lesson.html.to_ascii_lowercase();
                assert!(
                    !html.contains("<script"),
                    "raw HTML reached the page: {html}"
                );
                assert!(
                    !html.contains(" on"),
                    "an event handler reached the page: {html}"
                );
            }
            Err(e) => check(e),
        },
        "items" => {
            let _ = binhdan_content::parse_items(text).map_err(check);
        }
        "task" => {
            let _ = binhdan_content::parse_task(text).map_err(check);
        }
        "svg" => {
            let _ = binhdan_content::check_svg(text.as_bytes());
        }
        other => panic!("a content seed of unknown kind {other}"),
    }
}

proptest! {
    #![proptest_config(config("content"))]
    #[test]
    fn content_readers((name, bytes) in mutated(&corpus("content"))) {
        let kind = name.split('.').next().unwrap_or_default().to_owned();
        parse_content(&kind, &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn every_content_seed_parses() {
    for (name, bytes) in corpus("content") {
        let kind = name.split('.').next().unwrap();
        parse_content(kind, std::str::from_utf8(&bytes).unwrap());
    }
}
