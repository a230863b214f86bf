//! Reads and validates Bình Dân's content packs (see `content/README.md`, the contract).
//!
//! [`load_dir`] reads a whole `content/` tree (courses, modules, lessons, the item bank and the
//! SVG images), validates everything and collects *all* errors, each naming the file and the
//! line. Underneath, pure per-file parsers ([`parse_course`], [`parse_module`],
//! [`parse_lesson`], [`parse_items`]) take text and return values or errors with lines.
//!
//! User-facing text never lives here: every error is a [`Msg`] whose key is translated in
//! `binhdan-i18n/locales/{vi,en}/content.ftl` (all keys: [`MESSAGE_KEYS`]).

mod load;
mod markdown;
mod parse;
pub mod quiz;
mod svg;
pub mod task;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;

use binhdan_core::{Localized, Msg};

pub use load::load_dir;
pub use markdown::{MarkdownImage, RenderedImage, check_markdown, render_markdown};
pub use parse::{
    CourseDoc, ItemDoc, LessonDoc, Located, ModuleDoc, parse_course, parse_items, parse_lesson,
    parse_module,
};
pub use svg::{SvgProblem, check_svg, svg_size};
pub use task::{Task, parse_task};

/// Largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024;
/// Modules per course.
pub const MODULES_PER_COURSE: std::ops::RangeInclusive<usize> = 5..=8;
/// Quiz items per module.
pub const QUIZ_ITEMS_PER_MODULE: std::ops::RangeInclusive<usize> = 4..=10;
/// Reading time of a lesson, in minutes.
pub const LESSON_MINUTES: std::ops::RangeInclusive<i64> = 1..=15;

/// Every message key this crate can produce (each has a text in both `content.ftl` files).
pub const MESSAGE_KEYS: &[&str] = &[
    "content-io",
    "content-not-utf8",
    "content-file-missing",
    "content-toml-syntax",
    "content-field-missing",
    "content-field-unknown",
    "content-field-type",
    "content-front-matter-missing",
    "content-front-matter-unclosed",
    "content-id-invalid",
    "content-id-prefix",
    "content-id-duplicate",
    "content-version-invalid",
    "content-group-unknown",
    "content-competence-unknown",
    "content-step-unknown",
    "content-minutes-range",
    "content-text-empty",
    "content-list-duplicate",
    "content-modules-count",
    "content-module-missing",
    "content-module-orphan",
    "content-lessons-empty",
    "content-lesson-missing",
    "content-lesson-orphan",
    "content-quiz-count",
    "content-quiz-item-unknown",
    "content-exam-item-unknown",
    "content-exam-item-in-quiz",
    "content-items-empty",
    "content-item-kind-unknown",
    "content-item-options-count",
    "content-item-options-forbidden",
    "content-item-option-kind",
    "content-item-option-empty",
    "content-item-option-duplicate",
    "content-item-answer-missing",
    "content-item-answer-forbidden",
    "content-item-answer-type",
    "content-item-answer-count",
    "content-item-answer-range",
    "content-item-answer-duplicate",
    "content-image-missing",
    "content-image-not-svg",
    "content-image-outside",
    "content-image-too-large",
    "content-image-alt-missing",
    "content-image-unsafe",
    "content-image-size-unknown",
    "content-link-not-https",
    "content-markdown-raw-html",
    "content-markdown-heading",
    "content-reference-broken",
    "content-task-text-missing",
    "content-task-groups-empty",
    "content-task-credit-range",
    "content-task-param-invalid",
    "content-task-param-name-invalid",
    "content-task-param-kind-unknown",
    "content-task-param-unknown",
    "content-task-param-unused",
    "content-task-screens-count",
    "content-task-screen-duplicate",
    "content-task-screen-unknown",
    "content-task-screen-unreachable",
    "content-task-screen-trap",
    "content-task-goal-unreachable",
    "content-task-goal-actions",
    "content-task-actions-count",
    "content-task-action-kind-unknown",
    "content-task-action-outcome",
    "content-task-action-to-missing",
    "content-task-critical-to",
    "content-task-back-to",
    "content-task-fields-count",
    "content-task-fields-forbidden",
    "content-task-match-unknown",
    "content-task-expect-missing",
    "content-task-mismatch-missing",
    "content-task-lesson-unknown",
];

/// One problem found in the content: the file (relative to the content root), the line
/// (1-based; 0 when the problem is about the file as a whole) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {}", .file.display(), .line, .msg.key)]
pub struct ContentError {
    pub file: PathBuf,
    pub line: usize,
    pub msg: Msg,
}

impl Localized for ContentError {
    fn msg(&self) -> Msg {
        self.msg.clone()
    }
}

/// A problem found by a pure parser: the line in the text given to it (1-based; 0 if none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub msg: Msg,
}

impl LineError {
    #[must_use]
    pub fn new(line: usize, msg: Msg) -> Self {
        Self { line, msg }
    }
}

/// The target group of a course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Adult,
    PublicServant,
    Student,
    Worker,
}

impl Group {
    pub const ALL: [Self; 4] = [
        Self::Adult,
        Self::PublicServant,
        Self::Student,
        Self::Worker,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::PublicServant => "public_servant",
            Self::Student => "student",
            Self::Worker => "worker",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A proficiency step of the framework: basic (CB), intermediate (TC), advanced (NC),
/// specialised (CS), two steps each.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Step {
    Cb1,
    Cb2,
    Tc1,
    Tc2,
    Nc1,
    Nc2,
    Cs1,
    Cs2,
}

impl Step {
    pub const ALL: [Self; 8] = [
        Self::Cb1,
        Self::Cb2,
        Self::Tc1,
        Self::Tc2,
        Self::Nc1,
        Self::Nc2,
        Self::Cs1,
        Self::Cs2,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cb1 => "CB1",
            Self::Cb2 => "CB2",
            Self::Tc1 => "TC1",
            Self::Tc2 => "TC2",
            Self::Nc1 => "NC1",
            Self::Nc2 => "NC2",
            Self::Cs1 => "CS1",
            Self::Cs2 => "CS2",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated content pack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pack {
    /// In the order of their directories' names.
    pub courses: Vec<Course>,
    /// Every lesson, in course, module and lesson order.
    pub lessons: Vec<Lesson>,
    /// The item bank, in file and then bank order.
    pub items: Vec<Item>,
    /// Every SVG of `courses/*/images/` and `items/images/`, by path.
    pub assets: Vec<Asset>,
    /// The simulated real-service tasks (`tasks/*.toml`), in file order.
    pub tasks: Vec<Task>,
}

impl Pack {
    #[must_use]
    pub fn course(&self, id: &str) -> Option<&Course> {
        self.courses.iter().find(|c| c.id == id)
    }

    #[must_use]
    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }

    #[must_use]
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    #[must_use]
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// The tasks that `lesson` prepares for.
    pub fn tasks_of_lesson<'a>(&'a self, lesson: &'a str) -> impl Iterator<Item = &'a Task> {
        self.tasks
            .iter()
            .filter(move |t| t.lessons.iter().any(|l| l == lesson))
    }

    /// The asset at `path` (relative to the content root, `/`-separated).
    #[must_use]
    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.path == path)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Course {
    pub id: String,
    pub version: u32,
    pub group: Group,
    pub title: String,
    pub summary: String,
    /// In order.
    pub modules: Vec<Module>,
    /// Item ids of the certification exam's own bank: items no quiz shows, so learners never
    /// practise them with the answer given (the exam also draws on the quiz items while this
    /// bank is smaller than a sitting).
    pub exam: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Lesson ids, in order (the lessons are in [`Pack::lessons`]).
    pub lessons: Vec<String>,
    /// Item ids of the module's quiz (the items are in [`Pack::items`]).
    pub quiz: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub id: String,
    pub module_id: String,
    pub title: String,
    /// The title in English, when the pack gives one (the text itself is Vietnamese only): the
    /// English pages that link to the lesson show it.
    pub title_en: Option<String>,
    /// A component competence code (`1.1` … `6.3`).
    pub competence: String,
    pub step: Step,
    pub minutes: u8,
    /// The Markdown source (NFC, `\n` line ends), without the front matter.
    pub markdown: String,
    /// The rendered, safe HTML (no raw HTML from the source; images point at the asset URLs).
    pub html: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Single,
    Multiple,
    TrueFalse,
    Ordering,
    Image,
}

impl ItemKind {
    pub const ALL: [Self; 5] = [
        Self::Single,
        Self::Multiple,
        Self::TrueFalse,
        Self::Ordering,
        Self::Image,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::TrueFalse => "true_false",
            Self::Ordering => "ordering",
            Self::Image => "image",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One option of an item.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemOption {
    Text(String),
    /// `path` is relative to the content root (`items/images/x.svg`).
    Image {
        path: String,
        alt: String,
    },
}

/// The correct answer, in the form that fits the item's kind.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// `single` and `image`: the index of the correct option.
    One(usize),
    /// `multiple`: the indices of all correct options, ascending.
    Many(Vec<usize>),
    /// `true_false`.
    Bool(bool),
    /// `ordering`: the options as written are the correct order.
    InOrder,
}

/// A quiz question of the bank.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub competence: String,
    pub step: Step,
    pub stem: String,
    pub options: Vec<ItemOption>,
    pub answer: Answer,
    pub explanation: String,
}

/// An image file of the pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// Relative to the content root, `/`-separated (`courses/cong-dan/images/nut-nguon.svg`).
    pub path: String,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn items_round_trip_through_json_with_stable_names() {
        let item = Item {
            id: "cd-001".into(),
            kind: ItemKind::TrueFalse,
            competence: "4.2".into(),
            step: Step::Cb2,
            stem: "OTP có thể đọc cho người gọi điện tự xưng là công an.".into(),
            options: vec![
                ItemOption::Text("a".into()),
                ItemOption::Image {
                    path: "items/images/x.svg".into(),
                    alt: "x".into(),
                },
            ],
            answer: Answer::Bool(false),
            explanation: "Không bao giờ.".into(),
        };
        let json = serde_json::to_string(&item).unwrap();
        assert!(
            json.contains("\"kind\":\"true_false\"") && json.contains("\"step\":\"CB2\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Item>(&json).unwrap(), item);
    }
}
