//! Fuzzing the readers of untrusted input: every file or text a stranger, an official or a
//! scanner can hand the server (roster CSV and XLSX, content packs, a citizen identity card's
//! QR code and a photo of it, JSON bodies). A committed corpus (`corpus/<reader>/`) holds
//! valid and tricky inputs; proptest mutates them (bit flips, interesting bytes, insertions,
//! deletions, repetitions, splices of two seeds) and each reader must answer `Ok` or a clear
//! error: never a panic, never output out of proportion to the input.
//!
//! The number of cases per reader is [`cases`] (`BINHDAN_FUZZ_CASES`, 256 by default), so a
//! test run stays bounded in time; a failing case is shrunk and written to
//! `corpus/regressions/<reader>.txt`, which is committed and replayed first on every run.
//! A longer campaign: `BINHDAN_FUZZ_CASES=100000 cargo test -p binhdan-fuzz --release`.

use std::io::{Cursor, Read as _, Write as _};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// The corpus directory of this crate.
#[must_use]
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The seeds of one reader: `(file name, bytes)`, sorted by name. Panics (in a test) when the
/// folder is missing or empty: a fuzz target without seeds would test nothing.
#[must_use]
#[allow(clippy::expect_used, clippy::panic)] // test support: a missing corpus is a broken test
pub fn corpus(reader: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus_dir().join(reader);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&path).expect("corpus file"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{}: no seed", dir.display());
    seeds
}

/// Cases per reader and run: `BINHDAN_FUZZ_CASES`, else 256.
#[must_use]
pub fn cases() -> u32 {
    std::env::var("BINHDAN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The proptest configuration of one reader's target: [`cases`] cases, failures persisted
/// beside the corpus, shrinking bounded in time.
#[must_use]
pub fn config(reader: &'static str) -> Config {
    let file: &'static str = Box::leak(
        corpus_dir()
            .join("regressions")
            .join(format!("{reader}.txt"))
            .to_string_lossy()
            .into_owned()
            .into_boxed_str(),
    );
    Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        max_shrink_time: 30_000,
        ..Config::default()
    }
}

/// Bytes that mean something to one reader or another: separators, quotes, line ends, the
/// card's `|`, XML's markup, a NUL, a lone continuation byte, a UTF-8 BOM, a Vietnamese
/// letter (3 bytes in UTF-8), the start of a formula.
const INTERESTING: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"|",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"</",
    b"=",
    b"\0",
    b"\x80",
    b"\xFF",
    b"\xEF\xBB\xBF",
    "ạ".as_bytes(),
    "Đ".as_bytes(),
    b"0",
    b"9999999999",
    b"-1",
    b" ",
    b"\xC3",
];

/// One change to an input. Positions are fractions of the input's length (in 1/65536), so
/// an edit applies to a seed of any size.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Flips one bit.
    Flip { at: u16, bit: u8 },
    /// Inserts an interesting byte string.
    Insert { at: u16, which: u8 },
    /// Overwrites with an interesting byte string.
    Overwrite { at: u16, which: u8 },
    /// Inserts arbitrary bytes.
    Bytes { at: u16, bytes: Vec<u8> },
    /// Deletes up to `len` bytes.
    Delete { at: u16, len: u16 },
    /// Repeats a slice of up to `len` bytes `times` times.
    Repeat { at: u16, len: u8, times: u8 },
    /// Cuts the input short.
    Truncate { at: u16 },
}

/// A sequence of up to 8 edits.
pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<u16>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        (any::<u16>(), any::<u8>()).prop_map(|(at, which)| Edit::Insert { at, which }),
        (any::<u16>(), any::<u8>()).prop_map(|(at, which)| Edit::Overwrite { at, which }),
        (any::<u16>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Edit::Bytes { at, bytes }),
        (any::<u16>(), 1u16..64).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<u16>(), 1u8..32, 2u8..64).prop_map(|(at, len, times)| Edit::Repeat {
            at,
            len,
            times
        }),
        any::<u16>().prop_map(|at| Edit::Truncate { at }),
    ];
    proptest::collection::vec(edit, 0..8)
}

fn position(at: u16, len: usize) -> usize {
    // `at / 65536` of the way in, on a byte boundary in 0..=len.
    usize::try_from(u64::from(at) * (len as u64 + 1) / 65_536).unwrap_or(len)
}

/// `input` with `edits` applied in order.
#[must_use]
pub fn apply(input: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut out = input.to_vec();
    for edit in edits {
        let len = out.len();
        match edit {
            Edit::Flip { at, bit } => {
                if len > 0 {
                    let i = position(*at, len - 1);
                    out[i] ^= 1 << (bit % 8);
                }
            }
            Edit::Insert { at, which } => {
                let bytes = INTERESTING[usize::from(*which) % INTERESTING.len()];
                let i = position(*at, len);
                out.splice(i..i, bytes.iter().copied());
            }
            Edit::Overwrite { at, which } => {
                let bytes = INTERESTING[usize::from(*which) % INTERESTING.len()];
                let i = position(*at, len);
                let end = (i + bytes.len()).min(len);
                out.splice(i..end, bytes.iter().copied());
            }
            Edit::Bytes { at, bytes } => {
                let i = position(*at, len);
                out.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete { at, len: n } => {
                let i = position(*at, len);
                let end = (i + usize::from(*n)).min(len);
                out.drain(i..end);
            }
            Edit::Repeat { at, len: n, times } => {
                let i = position(*at, len);
                let end = (i + usize::from(*n)).min(len);
                let slice = out[i..end].to_vec();
                for _ in 1..*times {
                    out.splice(end..end, slice.iter().copied());
                }
            }
            Edit::Truncate { at } => out.truncate(position(*at, len)),
        }
    }
    out
}

/// A mutated input: a seed chosen by index, edited, and sometimes spliced with the tail of
/// another seed.
pub fn mutated(seeds: &[(String, Vec<u8>)]) -> impl Strategy<Value = (String, Vec<u8>)> {
    let n = seeds.len();
    let (names, seeds): (Vec<String>, Vec<Vec<u8>>) = seeds.iter().cloned().unzip();
    (0..n, 0..n, any::<Option<(u16, u16)>>(), edits()).prop_map(
        move |(first, second, splice, edits)| {
            let mut bytes = seeds[first].clone();
            if let Some((cut, from)) = splice {
                let other = &seeds[second];
                bytes.truncate(position(cut, bytes.len()));
                bytes.extend_from_slice(&other[position(from, other.len())..]);
            }
            (names[first].clone(), apply(&bytes, &edits))
        },
    )
}

/// An XLSX workbook (a zip) with one of its parts mutated by `edits` and zipped again, so
/// the mutation reaches the XML readers behind the zip's checksums. `part` picks the part by
/// index; a seed that is not a readable zip comes back edited as bytes.
#[must_use]
pub fn mutate_zip_part(zip_bytes: &[u8], part: usize, edits: &[Edit]) -> Vec<u8> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(zip_bytes)) else {
        return apply(zip_bytes, edits);
    };
    let target = part % archive.len().max(1);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let Ok(name) = file.name().map(std::borrow::Cow::into_owned) else {
            continue;
        };
        let mut content = Vec::new();
        if file.read_to_end(&mut content).is_err() {
            continue;
        }
        if i == target {
            content = apply(&content, edits);
        }
        if out.start_file(name, options).is_err() || out.write_all(&content).is_err() {
            return apply(zip_bytes, edits);
        }
    }
    out.finish()
        .map_or_else(|_| apply(zip_bytes, edits), Cursor::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_at_the_ends_and_within() {
        assert_eq!(apply(b"abc", &[Edit::Truncate { at: 0 }]), b"");
        assert_eq!(apply(b"abc", &[Edit::Truncate { at: u16::MAX }]), b"abc");
        assert_eq!(
            apply(
                b"abc",
                &[Edit::Bytes {
                    at: u16::MAX,
                    bytes: b"d".to_vec()
                }]
            ),
            b"abcd"
        );
        assert_eq!(apply(b"abc", &[Edit::Delete { at: 0, len: 2 }]), b"c");
        assert_eq!(
            apply(
                b"ab",
                &[Edit::Repeat {
                    at: 0,
                    len: 1,
                    times: 3
                }]
            ),
            b"aaab"
        );
        assert_eq!(apply(b"", &[Edit::Flip { at: 7, bit: 3 }]), b"");
        assert_eq!(apply(b"\0", &[Edit::Flip { at: 7, bit: 0 }]), b"\x01");
    }
}
