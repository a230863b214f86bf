//! Reading and checking one task file (`content/tasks/*.toml`); every error names its line.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use binhdan_core::Msg;
use binhdan_core::text::clean;
use serde::Deserialize;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

use super::params::{is_param_name, placeholders};
use super::{
    ACTIONS_PER_SCREEN, Action, ActionKind, CREDIT, FIELDS_PER_FORM, Field, Match, Outcome, Param,
    ParamKind, Row, SCREENS_PER_TASK, Screen, Task, Text,
};
use crate::parse::{
    Errors, Located, Src, check_slug_id, check_version, competence, from_toml, located_list, step,
};
use crate::{Group, LineError, Step};

/// A parsed task with the lines the loader needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDoc {
    pub task: Task,
    pub id_line: usize,
    /// The lesson ids it names (checked against the pack by [`crate::load_dir`]).
    pub lessons: Vec<Located<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    id: Spanned<String>,
    version: Spanned<i64>,
    competence: Spanned<String>,
    step: Spanned<String>,
    groups: Spanned<Vec<Spanned<String>>>,
    credit: Option<Spanned<i64>>,
    app: Spanned<RawText>,
    title: Spanned<RawText>,
    goal: Spanned<RawText>,
    #[serde(default)]
    lessons: Vec<Spanned<String>>,
    start: Spanned<String>,
    done: Spanned<String>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<RawParam>>,
    #[serde(default)]
    screen: Vec<RawScreen>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    vi: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    kind: String,
    min: Option<i64>,
    max: Option<i64>,
    step: Option<i64>,
    len: Option<i64>,
    of: Option<String>,
    from: Option<Vec<RawText>>,
    terms: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScreen {
    id: Spanned<String>,
    title: Spanned<RawText>,
    text: Option<Spanned<RawText>>,
    #[serde(default)]
    rows: Vec<Spanned<RawRow>>,
    hint: Option<Spanned<RawText>>,
    #[serde(default)]
    shuffle: bool,
    #[serde(default)]
    action: Vec<Spanned<RawAction>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    label: RawText,
    value: RawValue,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    Same(String),
    Both(RawText),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    kind: String,
    label: RawText,
    to: Option<Spanned<String>>,
    wrong: Option<RawText>,
    critical: Option<RawText>,
    #[serde(default)]
    fields: Vec<RawField>,
    mismatch: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    label: RawText,
    expect: Option<String>,
    #[serde(rename = "match")]
    matching: Option<String>,
    #[serde(default)]
    secret: bool,
}

/// Checks texts and remembers where each was written, for the parameter check.
struct Texts<'e> {
    errors: &'e mut Errors,
    /// `(line, text)` of every text and expected value.
    written: Vec<(usize, String)>,
}

impl Texts<'_> {
    /// A bilingual text; `body` keeps paragraphs (blank lines), otherwise spaces are folded.
    fn text(&mut self, raw: &RawText, field: &str, line: usize, body: bool) -> Text {
        let mut one = |value: Option<&String>, lang: &str| {
            let t = value.map_or_else(String::new, |v| if body { body_text(v) } else { clean(v) });
            if t.is_empty() {
                self.errors.push(
                    line,
                    Msg::new("content-task-text-missing")
                        .arg("field", field)
                        .arg("lang", lang),
                );
            }
            t
        };
        let text = Text {
            vi: one(raw.vi.as_ref(), "vi"),
            en: one(raw.en.as_ref(), "en"),
        };
        self.written.push((line, text.vi.clone()));
        self.written.push((line, text.en.clone()));
        text
    }
}

/// NFC, each line trimmed, at most one blank line between paragraphs.
fn body_text(s: &str) -> String {
    let s: String = s.nfc().collect();
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    for line in s.lines().map(clean) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        out.push_str(&line);
    }
    out
}

/// Parses and checks a task file: its shape, texts in both languages, parameters, and its
/// screens as a graph (unknown, unreachable and trap screens; a goal no clean path reaches).
/// Lesson ids are checked by [`crate::load_dir`].
pub fn parse_task(text: &str) -> Result<TaskDoc, Vec<LineError>> {
    match task_lenient(text) {
        (Some(doc), errors) if errors.is_empty() => Ok(doc),
        (_, errors) => Err(errors),
    }
}

fn int_param(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

pub(crate) fn task_lenient(text: &str) -> (Option<TaskDoc>, Vec<LineError>) {
    let src = Src {
        text,
        first_line: 1,
    };
    let raw: RawTask = match from_toml(src) {
        Ok(r) => r,
        Err(e) => return (None, vec![e]),
    };
    let mut errors = Errors::default();
    check_slug_id(&raw.id, src, &mut errors);
    let version = check_version(&raw.version, src, &mut errors);
    let competence = competence(&raw.competence, src, &mut errors);
    let step: Step = step(&raw.step, src, &mut errors);
    let groups_line = src.line(&raw.groups.span());
    let mut groups = Vec::new();
    for g in located_list(raw.groups.get_ref(), src, &mut errors) {
        match Group::parse(&g.value) {
            Some(group) => groups.push(group),
            None => errors.push(
                g.line,
                Msg::new("content-group-unknown").arg("group", &g.value),
            ),
        }
    }
    if raw.groups.get_ref().is_empty() {
        errors.push(groups_line, Msg::new("content-task-groups-empty"));
    }
    let credit = match &raw.credit {
        None => 2,
        Some(c) => u8::try_from(*c.get_ref())
            .ok()
            .filter(|c| CREDIT.contains(&i64::from(*c)))
            .unwrap_or_else(|| {
                errors.push(
                    src.line(&c.span()),
                    Msg::new("content-task-credit-range")
                        .arg("credit", c.get_ref())
                        .arg("min", CREDIT.start())
                        .arg("max", CREDIT.end()),
                );
                2
            }),
    };
    let lessons = located_list(&raw.lessons, src, &mut errors);

    let mut texts = Texts {
        errors: &mut errors,
        written: Vec::new(),
    };
    let app = texts.text(raw.app.get_ref(), "app", src.line(&raw.app.span()), false);
    let title = texts.text(
        raw.title.get_ref(),
        "title",
        src.line(&raw.title.span()),
        false,
    );
    let goal = texts.text(raw.goal.get_ref(), "goal", src.line(&raw.goal.span()), true);

    // Parameters.
    let mut params = Vec::new();
    let mut param_lines = Vec::new();
    for (name, p) in &raw.params {
        let line = src.line(&p.span());
        let p = p.get_ref();
        let invalid = |errors: &mut Errors| {
            errors.push(
                line,
                Msg::new("content-task-param-invalid").arg("name", name),
            );
        };
        if !is_param_name(name) {
            texts.errors.push(
                line,
                Msg::new("content-task-param-name-invalid").arg("name", name),
            );
        }
        let kind = match p.kind.as_str() {
            "money" => {
                let (min, max, step) = (int_param(p.min), int_param(p.max), int_param(p.step));
                match (min, max, step) {
                    (Some(min), Some(max), Some(step))
                        if min <= max && step >= 1 && max <= 1_000_000_000_000 =>
                    {
                        Some(ParamKind::Money { min, max, step })
                    }
                    _ => {
                        invalid(texts.errors);
                        None
                    }
                }
            }
            "number" => match (int_param(p.min), int_param(p.max)) {
                (Some(min), Some(max)) if min <= max && max <= 1_000_000_000 => {
                    Some(ParamKind::Number { min, max })
                }
                _ => {
                    invalid(texts.errors);
                    None
                }
            },
            "digits" => match p.len.and_then(|l| u8::try_from(l).ok()) {
                Some(len) if (3..=20).contains(&len) => Some(ParamKind::Digits { len }),
                _ => {
                    invalid(texts.errors);
                    None
                }
            },
            "name" => Some(ParamKind::Name),
            "name_like" => {
                let base = p.of.as_deref().and_then(|of| raw.params.get(of));
                if base.is_some_and(|b| b.get_ref().kind == "name") {
                    Some(ParamKind::NameLike {
                        of: p.of.clone().unwrap_or_default(),
                    })
                } else {
                    invalid(texts.errors);
                    None
                }
            }
            "sum" => {
                let terms = p.terms.clone().unwrap_or_default();
                let ok = !terms.is_empty()
                    && terms.iter().all(|t| {
                        raw.params.get(t).is_some_and(|b| {
                            matches!(b.get_ref().kind.as_str(), "number" | "money")
                        })
                    });
                if ok {
                    Some(ParamKind::Sum { terms })
                } else {
                    invalid(texts.errors);
                    None
                }
            }
            "pick" => {
                let from: Vec<Text> = p
                    .from
                    .iter()
                    .flatten()
                    .map(|t| texts.text(t, name, line, false))
                    .collect();
                if from.is_empty() {
                    invalid(texts.errors);
                    None
                } else {
                    Some(ParamKind::Pick { from })
                }
            }
            other => {
                texts.errors.push(
                    line,
                    Msg::new("content-task-param-kind-unknown").arg("kind", other),
                );
                None
            }
        };
        let has_extra = match p.kind.as_str() {
            _ if p.kind != "sum" && p.terms.is_some() => true,
            "money" => p.len.is_some() || p.of.is_some() || p.from.is_some(),
            "number" => p.step.is_some() || p.len.is_some() || p.of.is_some() || p.from.is_some(),
            "digits" => p.min.is_some() || p.max.is_some() || p.step.is_some() || p.of.is_some(),
            "name" => p.min.is_some() || p.max.is_some() || p.len.is_some() || p.of.is_some(),
            _ => false,
        };
        if has_extra {
            invalid(texts.errors);
        }
        if let Some(kind) = kind {
            params.push(Param {
                name: name.clone(),
                kind,
            });
            param_lines.push((name.clone(), line));
        }
    }

    // Screens: ids first, so actions can point forward.
    let count = raw.screen.len();
    if !SCREENS_PER_TASK.contains(&count) {
        texts.errors.push(
            1,
            Msg::new("content-task-screens-count")
                .arg("count", count)
                .arg("min", SCREENS_PER_TASK.start())
                .arg("max", SCREENS_PER_TASK.end()),
        );
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut screen_lines = Vec::with_capacity(count);
    for (i, s) in raw.screen.iter().enumerate() {
        let line = src.line(&s.id.span());
        screen_lines.push(line);
        check_slug_id(&s.id, src, texts.errors);
        if index.insert(s.id.get_ref(), i).is_some() {
            texts.errors.push(
                line,
                Msg::new("content-task-screen-duplicate").arg("id", s.id.get_ref()),
            );
        }
    }
    let resolve = |errors: &mut Errors, id: &str, line: usize| -> Option<usize> {
        let found = index.get(id).copied();
        if found.is_none() {
            errors.push(line, Msg::new("content-task-screen-unknown").arg("id", id));
        }
        found
    };
    let start_line = src.line(&raw.start.span());
    let done_line = src.line(&raw.done.span());
    let start = resolve(texts.errors, raw.start.get_ref(), start_line);
    let done = resolve(texts.errors, raw.done.get_ref(), done_line);

    let mut screens = Vec::with_capacity(count);
    for (i, s) in raw.screen.iter().enumerate() {
        let line = screen_lines.get(i).copied().unwrap_or(1);
        let title = texts.text(
            s.title.get_ref(),
            "screen.title",
            src.line(&s.title.span()),
            false,
        );
        let body = s.text.as_ref().map_or_else(Text::default, |t| {
            texts.text(t.get_ref(), "screen.text", src.line(&t.span()), true)
        });
        let hint = s
            .hint
            .as_ref()
            .map(|h| texts.text(h.get_ref(), "screen.hint", src.line(&h.span()), true));
        let rows = s
            .rows
            .iter()
            .map(|r| {
                let rl = src.line(&r.span());
                let label = texts.text(&r.get_ref().label, "row.label", rl, false);
                let value = match &r.get_ref().value {
                    RawValue::Same(v) => {
                        let v = clean(v);
                        texts.written.push((rl, v.clone()));
                        Text {
                            vi: v.clone(),
                            en: v,
                        }
                    }
                    RawValue::Both(t) => texts.text(t, "row.value", rl, false),
                };
                Row { label, value }
            })
            .collect();
        let is_goal = Some(i) == done;
        let n = s.action.len();
        if is_goal && n > 0 {
            texts.errors.push(
                line,
                Msg::new("content-task-goal-actions").arg("id", s.id.get_ref()),
            );
        } else if !is_goal && !ACTIONS_PER_SCREEN.contains(&n) {
            texts.errors.push(
                line,
                Msg::new("content-task-actions-count")
                    .arg("id", s.id.get_ref())
                    .arg("count", n)
                    .arg("min", ACTIONS_PER_SCREEN.start())
                    .arg("max", ACTIONS_PER_SCREEN.end()),
            );
        }
        let mut actions = Vec::with_capacity(n);
        for a in &s.action {
            let al = src.line(&a.span());
            let a = a.get_ref();
            let kind = ActionKind::parse(&a.kind).unwrap_or_else(|| {
                texts.errors.push(
                    al,
                    Msg::new("content-task-action-kind-unknown").arg("kind", &a.kind),
                );
                ActionKind::Tap
            });
            let label = texts.text(&a.label, "action.label", al, false);
            let to =
                a.to.as_ref()
                    .and_then(|t| resolve(texts.errors, t.get_ref(), src.line(&t.span())));
            let outcome = match (&a.wrong, &a.critical) {
                (Some(_), Some(_)) => {
                    texts
                        .errors
                        .push(al, Msg::new("content-task-action-outcome"));
                    Outcome::Step
                }
                (Some(w), None) => Outcome::Wrong(texts.text(w, "wrong", al, true)),
                (None, Some(c)) => Outcome::Critical(texts.text(c, "critical", al, true)),
                (None, None) => Outcome::Step,
            };
            match (&outcome, kind, &a.to) {
                (Outcome::Critical(_), _, Some(_)) => {
                    texts.errors.push(al, Msg::new("content-task-critical-to"));
                }
                (_, ActionKind::Back, Some(_)) => {
                    texts.errors.push(al, Msg::new("content-task-back-to"));
                }
                (Outcome::Step, ActionKind::Tap | ActionKind::Choose | ActionKind::Type, None) => {
                    texts
                        .errors
                        .push(al, Msg::new("content-task-action-to-missing"));
                }
                _ => {}
            }
            let mut fields = Vec::new();
            if kind == ActionKind::Type {
                if !FIELDS_PER_FORM.contains(&a.fields.len()) {
                    texts.errors.push(
                        al,
                        Msg::new("content-task-fields-count")
                            .arg("count", a.fields.len())
                            .arg("min", FIELDS_PER_FORM.start())
                            .arg("max", FIELDS_PER_FORM.end()),
                    );
                }
                for f in &a.fields {
                    let flabel = texts.text(&f.label, "field.label", al, false);
                    let matching = match f.matching.as_deref() {
                        None if f.expect.is_some() => Match::Words,
                        None => Match::Any,
                        Some(m) => Match::parse(m).unwrap_or_else(|| {
                            texts
                                .errors
                                .push(al, Msg::new("content-task-match-unknown").arg("match", m));
                            Match::Any
                        }),
                    };
                    let expect = f.expect.as_deref().map(clean);
                    match (&expect, matching) {
                        (None, Match::Words | Match::Digits) => {
                            texts
                                .errors
                                .push(al, Msg::new("content-task-expect-missing"));
                        }
                        (Some(e), _) => texts.written.push((al, e.clone())),
                        (None, Match::Any) => {}
                    }
                    fields.push(Field {
                        label: flabel,
                        expect,
                        matching,
                        secret: f.secret,
                    });
                }
                let checked = fields.iter().any(|f| f.matching != Match::Any);
                if checked && a.mismatch.is_none() {
                    texts
                        .errors
                        .push(al, Msg::new("content-task-mismatch-missing"));
                }
            } else if !a.fields.is_empty() || a.mismatch.is_some() {
                texts.errors.push(
                    al,
                    Msg::new("content-task-fields-forbidden").arg("kind", kind.as_str()),
                );
            }
            let mismatch = a
                .mismatch
                .as_ref()
                .filter(|_| kind == ActionKind::Type)
                .map(|m| texts.text(m, "mismatch", al, true));
            actions.push(Action {
                kind,
                label,
                to,
                outcome,
                fields,
                mismatch,
            });
        }
        screens.push(Screen {
            id: s.id.get_ref().clone(),
            title,
            text: body,
            rows,
            hint,
            shuffle: s.shuffle,
            actions,
        });
    }

    // Parameters used but not defined, defined but not used.
    let defined: HashSet<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let mut used = HashSet::new();
    let mut reported = HashSet::new();
    for (line, t) in &texts.written {
        for name in placeholders(t) {
            used.insert(name.to_owned());
            if !defined.contains(name) && reported.insert((*line, name.to_owned())) {
                texts.errors.push(
                    *line,
                    Msg::new("content-task-param-unknown").arg("name", name),
                );
            }
        }
    }
    for p in &params {
        match &p.kind {
            ParamKind::NameLike { of } => {
                used.insert(of.clone());
            }
            ParamKind::Sum { terms } => used.extend(terms.iter().cloned()),
            _ => {}
        }
    }
    for (name, line) in &param_lines {
        if !used.contains(name) {
            texts.errors.push(
                *line,
                Msg::new("content-task-param-unused").arg("name", name),
            );
        }
    }

    // The graph.
    if let (Some(start), Some(done)) = (start, done) {
        check_graph(
            &screens,
            start,
            done,
            &screen_lines,
            done_line,
            texts.errors,
        );
    }

    let task = Task {
        id: raw.id.get_ref().clone(),
        version,
        competence,
        step,
        groups,
        credit,
        app,
        title,
        goal,
        lessons: lessons.iter().map(|l| l.value.clone()).collect(),
        params,
        screens,
        start: start.unwrap_or(0),
        done: done.unwrap_or(0),
    };
    let doc = TaskDoc {
        task,
        id_line: src.line(&raw.id.span()),
        lessons,
    };
    (Some(doc), errors.0)
}

/// Screens reachable from `start`, following actions that `follow` accepts (never `back`,
/// which only returns to a screen already seen, nor a critical error, which ends the attempt).
fn reachable(screens: &[Screen], start: usize, follow: impl Fn(&Action) -> bool) -> Vec<bool> {
    let mut seen = vec![false; screens.len()];
    let mut queue = VecDeque::from([start]);
    if let Some(s) = seen.get_mut(start) {
        *s = true;
    }
    while let Some(s) = queue.pop_front() {
        for a in screens.get(s).map_or(&[][..], |s| s.actions.as_slice()) {
            if let Some(to) = a.to
                && follow(a)
                && a.kind != ActionKind::Back
                && !matches!(a.outcome, Outcome::Critical(_))
                && !seen[to]
            {
                seen[to] = true;
                queue.push_back(to);
            }
        }
    }
    seen
}

fn check_graph(
    screens: &[Screen],
    start: usize,
    done: usize,
    screen_lines: &[usize],
    done_line: usize,
    errors: &mut Errors,
) {
    let line = |i: usize| screen_lines.get(i).copied().unwrap_or(1);
    let any = reachable(screens, start, |_| true);
    for (i, s) in screens.iter().enumerate() {
        if !any[i] {
            errors.push(
                line(i),
                Msg::new("content-task-screen-unreachable").arg("id", &s.id),
            );
        } else if i != done
            && !s.actions.is_empty()
            && s.actions
                .iter()
                .all(|a| matches!(a.outcome, Outcome::Critical(_)))
        {
            errors.push(
                line(i),
                Msg::new("content-task-screen-trap").arg("id", &s.id),
            );
        }
    }
    let clean_path = reachable(screens, start, |a| a.outcome == Outcome::Step);
    if !clean_path.get(done).copied().unwrap_or(false) {
        let id = screens.get(done).map_or("", |s| s.id.as_str());
        errors.push(
            done_line,
            Msg::new("content-task-goal-unreachable").arg("id", id),
        );
    }
}
