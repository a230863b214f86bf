//! Localisable messages.
//!
//! The domain never holds user-facing sentences: it names a message by its key in the
//! translation files (`locales/{vi,en}/*.ftl` of `binhdan-i18n`) and gives its arguments. The
//! edges (web pages, JSON errors, the command line) render the message in the reader's language.

use std::fmt;

/// A message key with its named arguments, rendered later in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    #[must_use]
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// Adds a named argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

/// An error or notice that can be shown to a person in their language.
pub trait Localized {
    fn msg(&self) -> Msg;
}

impl Localized for Msg {
    fn msg(&self) -> Msg {
        self.clone()
    }
}
