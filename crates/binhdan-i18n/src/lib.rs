//! User-facing text in Vietnamese (the default) and English.
//!
//! Every sentence a person reads lives in `locales/{vi,en}/*.ftl` (Fluent), one file per area
//! of the product. Code names messages by key ([`binhdan_core::Msg`]); this crate renders them.
//! A tidy test checks that every key the code uses exists in both languages.

use std::borrow::Cow;
use std::collections::HashMap;

use binhdan_core::Msg;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        // Bidi isolation marks around arguments would end up inside CSV cells and JSON.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

const VI: LanguageIdentifier = langid!("vi");
const EN: LanguageIdentifier = langid!("en");

/// The languages the product speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Picks the language from an `Accept-Language` header: English only when the reader
    /// prefers it to Vietnamese; Vietnamese otherwise.
    #[must_use]
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::Vi;
        };
        let mut best: Option<(Self, f32)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("vi") => Self::Vi,
                Some("en") => Self::En,
                _ => continue,
            };
            if best.is_none_or(|(_, bq)| q > bq) {
                best = Some((lang, q));
            }
        }
        best.map_or(Self::Vi, |(l, _)| l)
    }

    /// The BCP 47 tag, for `<html lang>` and `Content-Language`.
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Parses `vi` or `en` (a `?lang=` parameter, a stored preference).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        static VI_ID: LanguageIdentifier = VI;
        static EN_ID: LanguageIdentifier = EN;
        match self {
            Self::Vi => &VI_ID,
            Self::En => &EN_ID,
        }
    }

    /// Renders a message. A key missing from the files renders as the key itself (the tidy
    /// test keeps that from shipping).
    #[must_use]
    pub fn tr(self, msg: &Msg) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = msg
            .args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.as_str())))
            .collect();
        LOCALES
            .try_lookup_complete(self.id(), msg.key, (!args.is_empty()).then_some(&args))
            .unwrap_or_else(|| msg.key.to_owned())
    }

    /// Renders a message without arguments.
    #[must_use]
    pub fn text(self, key: &'static str) -> String {
        self.tr(&Msg::new(key))
    }
}

#[cfg(test)]
mod tests;
