//! Simulated real-service tasks (`content/tasks/*.toml`): what people can *do*, not only what
//! they know. A task is a small state machine of screens of a clearly labelled simulation
//! ("Mô phỏng — không phải ứng dụng thật") of a real service — a banking app, VNeID, the public
//! service portal, an SMS inbox — with the actions possible on each screen (tap, choose, type
//! into fields, go back), a goal screen and scoring rules: wrong steps cost credit, critical
//! errors (opening a phishing link, giving away an OTP, paying the wrong name) end the attempt
//! as failed.
//!
//! [`parse_task`] reads and checks one file (every error with its line); [`engine`] runs
//! attempts: drawn from a seed (amounts, names, account numbers, the order of the options on a
//! screen), stepped by the learner's input, rendered in Vietnamese or English, scored with
//! partial credit `0..=credit` (so tasks can become polytomous items of the exam). No I/O.

pub mod engine;
mod params;
mod parse;

pub use engine::{
    ActionView, Attempt, FieldView, Input, Last, MAX_STEPS, MAX_TYPED_CHARS, Score, ScreenView,
    Status, StepError, solution, way_to_critical,
};
pub use params::{Drawn, fill};
pub(crate) use parse::task_lenient;
pub use parse::{TaskDoc, parse_task};

use serde::{Deserialize, Serialize};

use crate::{Group, Step};

/// The language a text is shown in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextLang {
    #[default]
    Vi,
    En,
}

/// A text in both languages (NFC).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    #[must_use]
    pub fn get(&self, lang: TextLang) -> &str {
        match lang {
            TextLang::Vi => &self.vi,
            TextLang::En => &self.en,
        }
    }
}

/// A task of the pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Stable, unique across the pack (lowercase ASCII, digits, dashes).
    pub id: String,
    /// Bumped whenever the task changes; an attempt names the version it was drawn from.
    pub version: u32,
    /// A component competence code (`1.1` … `6.3`).
    pub competence: String,
    pub step: Step,
    /// The target groups it serves (at least one).
    pub groups: Vec<Group>,
    /// Full credit: a clean run scores `credit`, each wrong step one less (at least 1 while the
    /// goal is reached); a failed attempt scores 0.
    pub credit: u8,
    /// The simulated service's name, shown in the frame with the simulation label.
    pub app: Text,
    pub title: Text,
    /// What the learner is asked to do (may use parameters).
    pub goal: Text,
    /// Lesson ids that prepare for it (checked against the pack).
    pub lessons: Vec<String>,
    /// Per-attempt parameters, in the order they are drawn.
    pub params: Vec<Param>,
    pub screens: Vec<Screen>,
    /// Index of the first screen.
    pub start: usize,
    /// Index of the goal screen: reaching it ends the attempt as done.
    pub done: usize,
}

impl Task {
    /// The screen with this id.
    #[must_use]
    pub fn screen_index(&self, id: &str) -> Option<usize> {
        self.screens.iter().position(|s| s.id == id)
    }

    /// Whether it has a critical error to avoid.
    #[must_use]
    pub fn has_critical(&self) -> bool {
        self.screens
            .iter()
            .flat_map(|s| &s.actions)
            .any(|a| matches!(a.outcome, Outcome::Critical(_)))
    }
}

/// A per-attempt parameter, written `{name}` in texts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// An amount of đồng, a multiple of `step` in `min..=max`; typed back as its digits.
    Money { min: u64, max: u64, step: u64 },
    /// A whole number in `min..=max`.
    Number { min: u64, max: u64 },
    /// `len` digits, the first not 0 (account numbers, codes).
    Digits { len: u8 },
    /// A Vietnamese full name, different from every other name of the attempt.
    Name,
    /// A name that looks like another one (same family and given name, another middle name).
    NameLike { of: String },
    /// One of the given texts.
    Pick { from: Vec<Text> },
    /// The sum of other `number` or `money` parameters (shown as money if any term is).
    Sum { terms: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    pub id: String,
    pub title: Text,
    /// Paragraphs separated by blank lines (may use parameters); empty when none.
    pub text: Text,
    /// Label–value lines, e.g. a confirmation's recipient and amount.
    pub rows: Vec<Row>,
    /// Shown in practice after a wrong step on this screen.
    pub hint: Option<Text>,
    /// Whether the actions are shown in an order drawn per attempt.
    pub shuffle: bool,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub label: Text,
    pub value: Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A button.
    Tap,
    /// One of the screen's choices (shown together as a list to pick from).
    Choose,
    /// A form: type into its fields, then press its button.
    Type,
    /// Back to the previous screen.
    Back,
}

impl ActionKind {
    pub const ALL: [Self; 4] = [Self::Tap, Self::Choose, Self::Type, Self::Back];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tap => "tap",
            Self::Choose => "choose",
            Self::Type => "type",
            Self::Back => "back",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What taking an action means for the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A step on the way (or a harmless detour).
    Step,
    /// A wrong step: counted, explained in practice.
    Wrong(Text),
    /// A critical error: ends the attempt as failed.
    Critical(Text),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub kind: ActionKind,
    pub label: Text,
    /// The next screen; `None` stays (or, for `back`, goes back).
    pub to: Option<usize>,
    pub outcome: Outcome,
    /// `type` only: the form's fields.
    pub fields: Vec<Field>,
    /// `type` only: the feedback when a field does not hold what was expected (a wrong step
    /// that stays on the screen).
    pub mismatch: Option<Text>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    /// The same words, ignoring case, tones and spacing.
    Words,
    /// The same digits, ignoring everything else (`1.250.000 đ` = `1250000`).
    Digits,
    /// Anything not blank.
    Any,
}

impl Match {
    pub const ALL: [Self; 3] = [Self::Words, Self::Digits, Self::Any];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Words => "words",
            Self::Digits => "digits",
            Self::Any => "any",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub label: Text,
    /// What must be typed (may use parameters); `None` with [`Match::Any`].
    pub expect: Option<String>,
    pub matching: Match,
    /// A password or code field: shown masked, with a warning never to type a real one.
    pub secret: bool,
}

/// Limits of the format.
pub const SCREENS_PER_TASK: std::ops::RangeInclusive<usize> = 2..=40;
pub const ACTIONS_PER_SCREEN: std::ops::RangeInclusive<usize> = 1..=10;
pub const FIELDS_PER_FORM: std::ops::RangeInclusive<usize> = 1..=4;
pub const CREDIT: std::ops::RangeInclusive<i64> = 1..=4;

#[cfg(test)]
mod tests;
