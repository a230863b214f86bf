//! Pure per-file parsers: text in, values or errors with line numbers out.
//!
//! Each parser reports every problem of its file it can see without other files. The
//! crate-internal `*_lenient` forms also return a best-effort value next to the errors, so that
//! [`crate::load_dir`] can go on checking cross-references and report everything at once.

use std::collections::HashSet;
use std::ops::Range;

use binhdan_core::Msg;
use binhdan_core::text::clean;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

use crate::markdown::{MarkdownImage, check_markdown, line_at};
use crate::{
    Answer, Course, Group, Item, ItemKind, ItemOption, LESSON_MINUTES, Lesson, LineError, Module,
    Step,
};

/// A value with the line it was written on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

/// A parsed `course.toml`: the course (without modules) and its module directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseDoc {
    pub course: Course,
    pub id_line: usize,
    pub module_dirs: Vec<Located<String>>,
    /// Line of the `modules` list.
    pub modules_line: usize,
    /// The exam's own item ids (checked against the bank by [`crate::load_dir`]).
    pub exam: Vec<Located<String>>,
}

/// A parsed `module.toml`: the module (without lessons) and its lesson files and quiz.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleDoc {
    pub module: Module,
    pub id_line: usize,
    pub lesson_files: Vec<Located<String>>,
    pub lessons_line: usize,
    pub quiz: Vec<Located<String>>,
    pub quiz_line: usize,
}

/// A parsed lesson file: the lesson (`module_id` empty, `html` not yet rendered) and the
/// images it references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonDoc {
    pub lesson: Lesson,
    pub id_line: usize,
    pub images: Vec<MarkdownImage>,
}

/// A parsed item with the lines of its id and of its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemDoc {
    pub item: Item,
    pub line: usize,
    pub options_line: usize,
}

/// Text and the file line of its first line, to turn byte spans into file lines.
#[derive(Clone, Copy)]
pub(crate) struct Src<'a> {
    pub(crate) text: &'a str,
    pub(crate) first_line: usize,
}

impl Src<'_> {
    pub(crate) fn line(self, span: &Range<usize>) -> usize {
        line_at(self.text, span.start, self.first_line)
    }
}

/// Errors of one file, with a helper to add them.
#[derive(Default)]
pub(crate) struct Errors(pub(crate) Vec<LineError>);

impl Errors {
    pub(crate) fn push(&mut self, line: usize, msg: Msg) {
        self.0.push(LineError::new(line, msg));
    }
}

fn to_result<T>(value: Option<T>, errors: Vec<LineError>) -> Result<T, Vec<LineError>> {
    match value {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(errors),
    }
}

/// Deserialises TOML, turning the first error into a located, translatable one.
pub(crate) fn from_toml<T: DeserializeOwned>(src: Src<'_>) -> Result<T, LineError> {
    toml::from_str(src.text).map_err(|e| {
        let line = e.span().map_or(src.first_line, |s| src.line(&s));
        let message = e.message();
        let quoted = |prefix: &str| {
            let rest = message.strip_prefix(prefix)?;
            rest.split('`').next().map(str::to_owned)
        };
        let msg = if let Some(field) = quoted("missing field `") {
            Msg::new("content-field-missing").arg("field", field)
        } else if let Some(field) = quoted("unknown field `") {
            Msg::new("content-field-unknown").arg("field", field)
        } else if message.starts_with("invalid type") || message.starts_with("data did not match") {
            Msg::new("content-field-type").arg("reason", first_line(message))
        } else {
            Msg::new("content-toml-syntax").arg("reason", first_line(message))
        };
        LineError::new(line, msg)
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("").trim()
}

/// Lowercase ASCII letters, digits and single inner dashes: `cong-dan`, `cd-001`.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks a plain id (course, item).
/// A document's version: a whole number from 1 (1 and an error at its line otherwise).
pub(crate) fn check_version(version: &Spanned<i64>, src: Src<'_>, errors: &mut Errors) -> u32 {
    u32::try_from(*version.get_ref())
        .ok()
        .filter(|v| *v >= 1)
        .unwrap_or_else(|| {
            errors.push(
                src.line(&version.span()),
                Msg::new("content-version-invalid").arg("version", version.get_ref()),
            );
            1
        })
}

pub(crate) fn check_slug_id(id: &Spanned<String>, src: Src<'_>, errors: &mut Errors) {
    if !is_slug(id.get_ref()) {
        errors.push(
            src.line(&id.span()),
            Msg::new("content-id-invalid").arg("id", id.get_ref()),
        );
    }
}

/// Checks a dotted id (`<parent>.<slug>`) against its parent's id, when known.
fn check_child_id(id: &Spanned<String>, parent: Option<&str>, src: Src<'_>, errors: &mut Errors) {
    let line = src.line(&id.span());
    let id = id.get_ref();
    let (head, tail) = id.rsplit_once('.').unwrap_or(("", id));
    let head_ok = !head.is_empty() && head.split('.').all(is_slug);
    if !head_ok || !is_slug(tail) {
        errors.push(line, Msg::new("content-id-invalid").arg("id", id));
    } else if let Some(parent) = parent
        && head != parent
    {
        errors.push(
            line,
            Msg::new("content-id-prefix")
                .arg("id", id)
                .arg("prefix", format!("{parent}.")),
        );
    }
}

fn field_text(
    field: &'static str,
    value: &Spanned<String>,
    src: Src<'_>,
    errors: &mut Errors,
) -> String {
    let t = clean(value.get_ref());
    if t.is_empty() {
        errors.push(
            src.line(&value.span()),
            Msg::new("content-text-empty").arg("field", field),
        );
    }
    t
}

pub(crate) fn step(value: &Spanned<String>, src: Src<'_>, errors: &mut Errors) -> Step {
    Step::parse(value.get_ref()).unwrap_or_else(|| {
        errors.push(
            src.line(&value.span()),
            Msg::new("content-step-unknown").arg("step", value.get_ref()),
        );
        Step::Cb1
    })
}

/// The 24 component competence codes, or the error that says the reference data is broken.
fn component_codes() -> Result<HashSet<String>, Msg> {
    binhdan_core::reference::competences()
        .map(|all| {
            all.into_iter()
                .filter(|c| c.code.contains('.'))
                .map(|c| c.code)
                .collect()
        })
        .map_err(|e| Msg::new("content-reference-broken").arg("reason", e))
}

pub(crate) fn competence(value: &Spanned<String>, src: Src<'_>, errors: &mut Errors) -> String {
    let line = src.line(&value.span());
    match component_codes() {
        Ok(codes) if codes.contains(value.get_ref()) => {}
        Ok(_) => errors.push(
            line,
            Msg::new("content-competence-unknown").arg("code", value.get_ref()),
        ),
        Err(msg) => errors.push(line, msg),
    }
    value.get_ref().clone()
}

/// A list of names, each with its line; duplicates are reported.
pub(crate) fn located_list(
    list: &[Spanned<String>],
    src: Src<'_>,
    errors: &mut Errors,
) -> Vec<Located<String>> {
    let mut seen = HashSet::new();
    list.iter()
        .map(|s| {
            let line = src.line(&s.span());
            if !seen.insert(s.get_ref().as_str()) {
                errors.push(
                    line,
                    Msg::new("content-list-duplicate").arg("name", s.get_ref()),
                );
            }
            Located {
                value: s.get_ref().clone(),
                line,
            }
        })
        .collect()
}

// ---------------------------------------------------------------- course.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourse {
    id: Spanned<String>,
    version: Spanned<i64>,
    group: Spanned<String>,
    title: Spanned<String>,
    summary: Spanned<String>,
    modules: Spanned<Vec<Spanned<String>>>,
    /// Item ids of the certification exam's own bank (never shown in a quiz).
    #[serde(default)]
    exam: Vec<Spanned<String>>,
}

/// Parses a `course.toml`. The module count (5 to 8) is checked here; the directories'
/// existence by [`crate::load_dir`].
pub fn parse_course(text: &str) -> Result<CourseDoc, Vec<LineError>> {
    let (doc, errors) = course_lenient(text);
    to_result(doc, errors)
}

pub(crate) fn course_lenient(text: &str) -> (Option<CourseDoc>, Vec<LineError>) {
    let src = Src {
        text,
        first_line: 1,
    };
    let raw: RawCourse = match from_toml(src) {
        Ok(r) => r,
        Err(e) => return (None, vec![e]),
    };
    let mut errors = Errors::default();
    check_slug_id(&raw.id, src, &mut errors);
    let version = check_version(&raw.version, src, &mut errors);
    let group = Group::parse(raw.group.get_ref()).unwrap_or_else(|| {
        errors.push(
            src.line(&raw.group.span()),
            Msg::new("content-group-unknown").arg("group", raw.group.get_ref()),
        );
        Group::Adult
    });
    let title = field_text("title", &raw.title, src, &mut errors);
    let summary = field_text("summary", &raw.summary, src, &mut errors);
    let modules_line = src.line(&raw.modules.span());
    let count = raw.modules.get_ref().len();
    if !crate::MODULES_PER_COURSE.contains(&count) {
        errors.push(
            modules_line,
            Msg::new("content-modules-count")
                .arg("count", count)
                .arg("min", crate::MODULES_PER_COURSE.start())
                .arg("max", crate::MODULES_PER_COURSE.end()),
        );
    }
    let module_dirs = located_list(raw.modules.get_ref(), src, &mut errors);
    let exam = located_list(&raw.exam, src, &mut errors);
    let course = Course {
        id: raw.id.get_ref().clone(),
        version,
        group,
        title,
        summary,
        modules: Vec::new(),
        exam: exam.iter().map(|e| e.value.clone()).collect(),
    };
    let doc = CourseDoc {
        course,
        id_line: src.line(&raw.id.span()),
        module_dirs,
        modules_line,
        exam,
    };
    (Some(doc), errors.0)
}

// ---------------------------------------------------------------- module.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    id: Spanned<String>,
    title: Spanned<String>,
    summary: Spanned<String>,
    lessons: Spanned<Vec<Spanned<String>>>,
    quiz: Spanned<Vec<Spanned<String>>>,
}

/// Parses a `module.toml`; `course_id`, when given, is the prefix its id must start with.
/// The quiz size (4 to 10) is checked here; lesson files and item ids by [`crate::load_dir`].
pub fn parse_module(text: &str, course_id: Option<&str>) -> Result<ModuleDoc, Vec<LineError>> {
    let (doc, errors) = module_lenient(text, course_id);
    to_result(doc, errors)
}

pub(crate) fn module_lenient(
    text: &str,
    course_id: Option<&str>,
) -> (Option<ModuleDoc>, Vec<LineError>) {
    let src = Src {
        text,
        first_line: 1,
    };
    let raw: RawModule = match from_toml(src) {
        Ok(r) => r,
        Err(e) => return (None, vec![e]),
    };
    let mut errors = Errors::default();
    check_child_id(&raw.id, course_id, src, &mut errors);
    let title = field_text("title", &raw.title, src, &mut errors);
    let summary = field_text("summary", &raw.summary, src, &mut errors);
    let lessons_line = src.line(&raw.lessons.span());
    if raw.lessons.get_ref().is_empty() {
        errors.push(lessons_line, Msg::new("content-lessons-empty"));
    }
    let lesson_files = located_list(raw.lessons.get_ref(), src, &mut errors);
    let quiz_line = src.line(&raw.quiz.span());
    let count = raw.quiz.get_ref().len();
    if !crate::QUIZ_ITEMS_PER_MODULE.contains(&count) {
        errors.push(
            quiz_line,
            Msg::new("content-quiz-count")
                .arg("count", count)
                .arg("min", crate::QUIZ_ITEMS_PER_MODULE.start())
                .arg("max", crate::QUIZ_ITEMS_PER_MODULE.end()),
        );
    }
    let quiz = located_list(raw.quiz.get_ref(), src, &mut errors);
    let module = Module {
        id: raw.id.get_ref().clone(),
        title,
        summary,
        lessons: Vec::new(),
        quiz: quiz.iter().map(|q| q.value.clone()).collect(),
    };
    let doc = ModuleDoc {
        module,
        id_line: src.line(&raw.id.span()),
        lesson_files,
        lessons_line,
        quiz,
        quiz_line,
    };
    (Some(doc), errors.0)
}

// ---------------------------------------------------------------- lessons

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: Spanned<String>,
    title: Spanned<String>,
    title_en: Option<Spanned<String>>,
    competence: Spanned<String>,
    step: Spanned<String>,
    minutes: Spanned<i64>,
}

/// Parses a lesson file (TOML front matter between `+++` lines, then Markdown); `module_id`,
/// when given, is the prefix its id must start with. Image files are checked by
/// [`crate::load_dir`].
pub fn parse_lesson(text: &str, module_id: Option<&str>) -> Result<LessonDoc, Vec<LineError>> {
    let (doc, errors) = lesson_lenient(text, module_id);
    to_result(doc, errors)
}

pub(crate) fn lesson_lenient(
    text: &str,
    module_id: Option<&str>,
) -> (Option<LessonDoc>, Vec<LineError>) {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("+++") {
        return (
            None,
            vec![LineError::new(1, Msg::new("content-front-matter-missing"))],
        );
    }
    let open_len = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = open_len;
    let mut close = None;
    for (i, l) in lines.enumerate() {
        if l.trim_end() == "+++" {
            close = Some((offset, offset + l.len(), i + 2));
            break;
        }
        offset += l.len();
    }
    let Some((front_end, body_start, close_line)) = close else {
        return (
            None,
            vec![LineError::new(1, Msg::new("content-front-matter-unclosed"))],
        );
    };
    let src = Src {
        text: &text[open_len..front_end],
        first_line: 2,
    };
    let raw: RawLesson = match from_toml(src) {
        Ok(r) => r,
        Err(e) => return (None, vec![e]),
    };
    let mut errors = Errors::default();
    check_child_id(&raw.id, module_id, src, &mut errors);
    let title = field_text("title", &raw.title, src, &mut errors);
    let title_en = raw
        .title_en
        .as_ref()
        .map(|t| field_text("title_en", t, src, &mut errors));
    let competence = competence(&raw.competence, src, &mut errors);
    let step = step(&raw.step, src, &mut errors);
    let minutes = u8::try_from(*raw.minutes.get_ref())
        .ok()
        .filter(|m| LESSON_MINUTES.contains(&i64::from(*m)))
        .unwrap_or_else(|| {
            errors.push(
                src.line(&raw.minutes.span()),
                Msg::new("content-minutes-range").arg("minutes", raw.minutes.get_ref()),
            );
            1
        });
    let markdown: String = text[body_start..].nfc().collect();
    let body_first_line = close_line + 1;
    if markdown.trim().is_empty() {
        errors.push(
            body_first_line,
            Msg::new("content-text-empty").arg("field", "markdown"),
        );
    }
    let (images, md_errors) = check_markdown(&markdown, body_first_line);
    errors.0.extend(md_errors);
    let lesson = Lesson {
        id: raw.id.get_ref().clone(),
        module_id: module_id.unwrap_or_default().to_owned(),
        title,
        title_en,
        competence,
        step,
        minutes,
        markdown,
        html: String::new(),
    };
    (
        Some(LessonDoc {
            lesson,
            id_line: src.line(&raw.id.span()),
            images,
        }),
        errors.0,
    )
}

// ---------------------------------------------------------------- item bank

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    kind: Spanned<String>,
    competence: Spanned<String>,
    step: Spanned<String>,
    stem: Spanned<String>,
    options: Option<Spanned<Vec<RawOption>>>,
    answer: Option<Spanned<RawAnswer>>,
    explanation: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawOption {
    Text(String),
    Image(RawImageOption),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImageOption {
    image: String,
    alt: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAnswer {
    Bool(bool),
    Indices(Vec<i64>),
}

/// Parses an item bank file (`items/*.toml`). Image options get paths relative to the content
/// root (`items/images/x.svg`); whether the files exist is checked by [`crate::load_dir`].
pub fn parse_items(text: &str) -> Result<Vec<ItemDoc>, Vec<LineError>> {
    let (docs, errors) = items_lenient(text);
    to_result(Some(docs), errors)
}

pub(crate) fn items_lenient(text: &str) -> (Vec<ItemDoc>, Vec<LineError>) {
    let src = Src {
        text,
        first_line: 1,
    };
    let raw: RawBank = match from_toml(src) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut errors = Errors::default();
    if raw.item.is_empty() {
        errors.push(1, Msg::new("content-items-empty"));
    }
    let docs = raw.item.iter().map(|r| item(r, src, &mut errors)).collect();
    (docs, errors.0)
}

/// `(min, max)` option counts of a kind; `None` when it takes no options.
fn option_range(kind: ItemKind) -> Option<(usize, usize)> {
    match kind {
        ItemKind::Single => Some((3, 5)),
        ItemKind::Multiple | ItemKind::Ordering => Some((3, 6)),
        ItemKind::Image => Some((2, 4)),
        ItemKind::TrueFalse => None,
    }
}

fn item(raw: &RawItem, src: Src<'_>, errors: &mut Errors) -> ItemDoc {
    let line = src.line(&raw.id.span());
    check_slug_id(&raw.id, src, errors);
    let kind_line = src.line(&raw.kind.span());
    let kind = ItemKind::parse(raw.kind.get_ref());
    if kind.is_none() {
        errors.push(
            kind_line,
            Msg::new("content-item-kind-unknown").arg("kind", raw.kind.get_ref()),
        );
    }
    let competence = competence(&raw.competence, src, errors);
    let step = step(&raw.step, src, errors);
    let question = field_text("stem", &raw.stem, src, errors);
    let explanation = field_text("explanation", &raw.explanation, src, errors);
    let options_line = raw
        .options
        .as_ref()
        .map_or(kind_line, |o| src.line(&o.span()));
    let options = kind.map_or_else(Vec::new, |k| item_options(k, raw, options_line, errors));
    let answer = kind.map_or(Answer::InOrder, |k| {
        item_answer(k, raw, options.len(), kind_line, src, errors)
    });
    let item = Item {
        id: raw.id.get_ref().clone(),
        kind: kind.unwrap_or(ItemKind::Single),
        competence,
        step,
        stem: question,
        options,
        answer,
        explanation,
    };
    ItemDoc {
        item,
        line,
        options_line,
    }
}

fn item_options(
    kind: ItemKind,
    raw: &RawItem,
    line: usize,
    errors: &mut Errors,
) -> Vec<ItemOption> {
    let given = raw
        .options
        .as_ref()
        .map_or(&[][..], |o| o.get_ref().as_slice());
    let Some((min, max)) = option_range(kind) else {
        if raw.options.is_some() {
            errors.push(
                line,
                Msg::new("content-item-options-forbidden").arg("kind", kind),
            );
        }
        return Vec::new();
    };
    if !(min..=max).contains(&given.len()) {
        errors.push(
            line,
            Msg::new("content-item-options-count")
                .arg("kind", kind)
                .arg("count", given.len())
                .arg("min", min)
                .arg("max", max),
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(given.len());
    for (i, option) in given.iter().enumerate() {
        let number = i + 1;
        let option = match (kind, option) {
            (ItemKind::Image, RawOption::Image(img)) => {
                let alt = clean(&img.alt);
                if alt.is_empty() {
                    errors.push(
                        line,
                        Msg::new("content-image-alt-missing").arg("path", &img.image),
                    );
                }
                let path = crate::load::resolve("items", &img.image)
                    .filter(|p| p.starts_with("items/images/"))
                    .unwrap_or_else(|| {
                        errors.push(
                            line,
                            Msg::new("content-image-outside").arg("path", &img.image),
                        );
                        img.image.clone()
                    });
                if !crate::markdown::has_svg_extension(&img.image) {
                    errors.push(
                        line,
                        Msg::new("content-image-not-svg").arg("path", &img.image),
                    );
                }
                ItemOption::Image { path, alt }
            }
            (ItemKind::Image, RawOption::Text(_)) | (_, RawOption::Image(_)) => {
                errors.push(
                    line,
                    Msg::new("content-item-option-kind")
                        .arg("kind", kind)
                        .arg("number", number),
                );
                continue;
            }
            (_, RawOption::Text(t)) => {
                let t = clean(t);
                if t.is_empty() {
                    errors.push(
                        line,
                        Msg::new("content-item-option-empty").arg("number", number),
                    );
                } else if !seen.insert(t.clone()) {
                    errors.push(
                        line,
                        Msg::new("content-item-option-duplicate").arg("option", &t),
                    );
                }
                ItemOption::Text(t)
            }
        };
        out.push(option);
    }
    out
}

fn item_answer(
    kind: ItemKind,
    raw: &RawItem,
    option_count: usize,
    kind_line: usize,
    src: Src<'_>,
    errors: &mut Errors,
) -> Answer {
    let line = raw
        .answer
        .as_ref()
        .map_or(kind_line, |a| src.line(&a.span()));
    let answer = raw.answer.as_ref().map(Spanned::get_ref);
    match (kind, answer) {
        (ItemKind::Ordering, None) => Answer::InOrder,
        (ItemKind::Ordering, Some(_)) => {
            errors.push(line, Msg::new("content-item-answer-forbidden"));
            Answer::InOrder
        }
        (_, None) => {
            errors.push(
                line,
                Msg::new("content-item-answer-missing").arg("kind", kind),
            );
            Answer::InOrder
        }
        (ItemKind::TrueFalse, Some(RawAnswer::Bool(b))) => Answer::Bool(*b),
        (
            ItemKind::Single | ItemKind::Multiple | ItemKind::Image,
            Some(RawAnswer::Indices(given)),
        ) => {
            let mut indices = Vec::with_capacity(given.len());
            for &i in given {
                match usize::try_from(i).ok().filter(|i| *i < option_count) {
                    Some(i) if indices.contains(&i) => {
                        errors.push(
                            line,
                            Msg::new("content-item-answer-duplicate").arg("index", i),
                        );
                    }
                    Some(i) => indices.push(i),
                    None => errors.push(
                        line,
                        Msg::new("content-item-answer-range")
                            .arg("index", i)
                            .arg("count", option_count),
                    ),
                }
            }
            indices.sort_unstable();
            let count_ok = if kind == ItemKind::Multiple {
                given.len() >= 2
            } else {
                given.len() == 1
            };
            if !count_ok {
                errors.push(
                    line,
                    Msg::new("content-item-answer-count")
                        .arg("kind", kind)
                        .arg("count", given.len()),
                );
            }
            match (kind, indices.as_slice()) {
                (ItemKind::Multiple, _) => Answer::Many(indices),
                (_, [one, ..]) => Answer::One(*one),
                (_, []) => Answer::One(0),
            }
        }
        (_, Some(_)) => {
            errors.push(line, Msg::new("content-item-answer-type").arg("kind", kind));
            Answer::InOrder
        }
    }
}
