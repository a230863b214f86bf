//! Tidy checks on the translation files.

use std::path::{Path, PathBuf};

use super::*;

#[test]
fn accept_language_picks_english_only_when_preferred() {
    assert_eq!(Lang::from_accept_language(None), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
    assert_eq!(
        Lang::from_accept_language(Some("vi-VN,vi;q=0.9,en;q=0.8")),
        Lang::Vi
    );
    assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5")), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some(";;,q=")), Lang::Vi);
}

#[test]
fn messages_render_with_arguments_in_both_languages() {
    let m = Msg::new("unit-unknown").arg("code", "99");
    assert!(Lang::Vi.tr(&m).contains("99"));
    assert!(Lang::En.tr(&m).contains("99"));
    assert_ne!(Lang::Vi.tr(&m), Lang::En.tr(&m));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() && !p.ends_with("target") {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
            out.push(p);
        }
    }
}

/// The keys each `.ftl` file of a language defines, as `file:key`.
fn defined_keys(lang: &str) -> std::collections::BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang);
    let mut keys = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let src = std::fs::read_to_string(e.path()).unwrap();
        for line in src.lines() {
            if let Some((k, _)) = line.split_once(" =")
                && !k.starts_with([' ', '#', '.'])
                && !k.is_empty()
            {
                keys.insert(format!("{}:{k}", e.file_name().to_string_lossy()));
            }
        }
    }
    keys
}

fn bare(keys: &std::collections::BTreeSet<String>) -> std::collections::BTreeSet<&str> {
    keys.iter()
        .filter_map(|k| k.split_once(':').map(|(_, k)| k))
        .collect()
}

/// Every key the code names — `Msg::new("…")` in Rust, `.text("…")` in Rust and templates — exists
/// in Vietnamese and in English.
#[test]
fn every_key_used_in_code_exists_in_both_languages() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates, &mut files);
    let (vi, en) = (defined_keys("vi"), defined_keys("en"));
    let defined = [(Lang::Vi, bare(&vi)), (Lang::En, bare(&en))];
    let mut missing = Vec::new();
    let mut seen = 0;
    for f in &files {
        let Ok(src) = std::fs::read_to_string(f) else {
            continue;
        };
        for pat in ["Msg::new(\"", ".text(\""] {
            for (i, _) in src.match_indices(pat) {
                let rest = &src[i + pat.len()..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                if key.is_empty()
                    || !key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    continue;
                }
                seen += 1;
                for (lang, keys) in &defined {
                    if !keys.contains(key) {
                        missing.push(format!("{}: {key} ({})", f.display(), lang.tag()));
                    }
                }
            }
        }
    }
    assert!(
        seen > 10,
        "the scan found too few keys; is the pattern still right?"
    );
    assert!(
        missing.is_empty(),
        "keys missing from the .ftl files:\n{}",
        missing.join("\n")
    );
}

/// Both languages define the same keys, in the same files.
#[test]
fn both_languages_define_the_same_keys() {
    let (vi, en) = (defined_keys("vi"), defined_keys("en"));
    let only_vi: Vec<_> = vi.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&vi).collect();
    assert!(
        only_vi.is_empty() && only_en.is_empty(),
        "only in vi: {only_vi:?}\nonly in en: {only_en:?}"
    );
}
