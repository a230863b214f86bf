//! Running a task: an [`Attempt`] is drawn from a seed, stepped by the learner's [`Input`]
//! (the action's *shown* position and what was typed), rendered as a [`ScreenView`] and scored.
//!
//! What a learner types is compared and forgotten: an attempt keeps only whether it matched.
//! Positions are those shown in this attempt (shuffled screens differ per attempt), so a list
//! of "press the second button" answers passes nothing.

use std::collections::VecDeque;

use binhdan_core::text::search_key;
use serde::{Deserialize, Serialize};

use super::params::{Drawn, Rng, fill};
use super::{ActionKind, Match, Outcome, Task, TextLang};

/// An attempt ends as failed after this many steps (a learner wandering in circles).
pub const MAX_STEPS: u32 = 60;
/// The longest text accepted in a field.
pub const MAX_TYPED_CHARS: usize = 120;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    /// The goal was reached.
    Done,
    /// A critical error, or too many steps.
    Failed,
}

/// What the last step was, for feedback in practice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Last {
    /// A wrong action (its feedback is the action's).
    Wrong { screen: usize, action: usize },
    /// A form whose fields did not hold what was asked.
    Mismatch { screen: usize, action: usize },
    /// A critical error.
    Critical { screen: usize, action: usize },
    /// Too many steps.
    TooLong,
}

/// One learner's go at a task. Small and serialisable: the web may keep it sealed in the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub task: String,
    pub version: u32,
    pub seed: u64,
    pub screen: usize,
    /// Screens to go back to.
    pub history: Vec<usize>,
    /// Steps taken; a submitted step must name it (a resubmitted page is refused).
    pub step: u32,
    pub wrong: u32,
    pub status: Status,
    pub last: Option<Last>,
}

/// A learner's step: the action's position on the screen as shown, and the fields' texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    pub position: usize,
    pub typed: Vec<String>,
}

/// Why a step is refused (the attempt is left unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("the attempt is over")]
    Finished,
    #[error("the step is not the attempt's current one")]
    OutOfOrder,
    #[error("no such action on this screen")]
    UnknownAction,
    #[error("the form's fields do not fit the action")]
    BadFields,
    #[error("the attempt is of another task or version")]
    OtherTask,
}

impl StepError {
    /// The message key (`task-step-finished`, …).
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::Finished => "task-step-finished",
            Self::OutOfOrder => "task-step-out-of-order",
            Self::UnknownAction => "task-step-unknown",
            Self::BadFields => "task-step-bad-fields",
            Self::OtherTask => "task-step-other-task",
        }
    }
}

/// Partial credit: `points` of `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub points: u8,
    pub max: u8,
}

/// A field of a form, as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldView {
    pub label: String,
    pub secret: bool,
}

/// An action, as shown: `position` is what the form sends back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionView {
    pub position: usize,
    pub kind: ActionKind,
    pub label: String,
    pub fields: Vec<FieldView>,
}

/// The current screen in one language, parameters filled in. Feedback and hint are for
/// practice; an assessment shows neither.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenView {
    pub app: String,
    pub task_title: String,
    pub goal: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub rows: Vec<(String, String)>,
    pub actions: Vec<ActionView>,
    pub status: Status,
    /// Why the last step was wrong or failed.
    pub feedback: Option<String>,
    /// The screen's hint, after a wrong step on it.
    pub hint: Option<String>,
    pub step: u32,
}

impl Attempt {
    /// A new attempt at `task`, its parameters and orders drawn from `seed`.
    #[must_use]
    pub fn start(task: &Task, seed: u64) -> Self {
        Self {
            task: task.id.clone(),
            version: task.version,
            seed,
            screen: task.start,
            history: Vec::new(),
            step: 0,
            wrong: 0,
            status: Status::Open,
            last: None,
        }
    }

    /// The attempt's parameters.
    #[must_use]
    pub fn drawn(&self, task: &Task) -> Drawn {
        Drawn::draw(&task.params, self.seed)
    }

    /// The order the actions of `screen` are shown in: `order[k]` is the action at position `k`.
    #[must_use]
    pub fn order(&self, task: &Task, screen: usize) -> Vec<usize> {
        let n = task.screens.get(screen).map_or(0, |s| s.actions.len());
        let mut order: Vec<usize> = (0..n).collect();
        if task.screens.get(screen).is_some_and(|s| s.shuffle) {
            let salt = (screen as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03);
            let mut rng = Rng::new(self.seed ^ salt);
            rng.shuffle(&mut order);
        }
        order
    }

    /// Takes one step. `step` is the step the page was shown at; anything refused leaves the
    /// attempt as it was.
    pub fn apply(&mut self, task: &Task, step: u32, input: &Input) -> Result<(), StepError> {
        if self.task != task.id || self.version != task.version {
            return Err(StepError::OtherTask);
        }
        if self.status != Status::Open {
            return Err(StepError::Finished);
        }
        if step != self.step {
            return Err(StepError::OutOfOrder);
        }
        let screen = task
            .screens
            .get(self.screen)
            .ok_or(StepError::UnknownAction)?;
        let index = *self
            .order(task, self.screen)
            .get(input.position)
            .ok_or(StepError::UnknownAction)?;
        let action = screen.actions.get(index).ok_or(StepError::UnknownAction)?;
        let matched = if action.kind == ActionKind::Type {
            if input.typed.len() != action.fields.len()
                || input
                    .typed
                    .iter()
                    .any(|t| t.chars().count() > MAX_TYPED_CHARS)
            {
                return Err(StepError::BadFields);
            }
            let drawn = self.drawn(task);
            action
                .fields
                .iter()
                .zip(&input.typed)
                .all(|(f, typed)| matches(f.matching, f.expect.as_deref(), typed, &drawn))
        } else {
            if !input.typed.is_empty() {
                return Err(StepError::BadFields);
            }
            true
        };

        self.step += 1;
        self.last = None;
        let at = self.screen;
        if matched {
            match &action.outcome {
                Outcome::Critical(_) => {
                    self.status = Status::Failed;
                    self.last = Some(Last::Critical {
                        screen: at,
                        action: index,
                    });
                    return Ok(());
                }
                Outcome::Wrong(_) => {
                    self.wrong += 1;
                    self.last = Some(Last::Wrong {
                        screen: at,
                        action: index,
                    });
                }
                Outcome::Step => {}
            }
            if action.kind == ActionKind::Back {
                if let Some(previous) = self.history.pop() {
                    self.screen = previous;
                }
            } else if let Some(to) = action.to
                && to != at
            {
                self.history.push(at);
                self.screen = to;
            }
        } else {
            self.wrong += 1;
            self.last = Some(Last::Mismatch {
                screen: at,
                action: index,
            });
        }
        if self.screen == task.done {
            self.status = Status::Done;
        } else if self.step >= MAX_STEPS {
            self.status = Status::Failed;
            self.last = Some(Last::TooLong);
        }
        Ok(())
    }

    /// The score: 0 unless the goal was reached; then full credit less one per wrong step, at
    /// least 1.
    #[must_use]
    pub fn score(&self, task: &Task) -> Score {
        let max = task.credit.max(1);
        let points = if self.status == Status::Done {
            let lost = u8::try_from(self.wrong).unwrap_or(u8::MAX).min(max - 1);
            max - lost
        } else {
            0
        };
        Score { points, max }
    }

    /// The current screen in `lang`.
    #[must_use]
    pub fn view(&self, task: &Task, lang: TextLang) -> ScreenView {
        let drawn = self.drawn(task);
        let t = |text: &super::Text| fill(text.get(lang), &drawn, Some(lang));
        let screen = task.screens.get(self.screen);
        let (feedback, hint) = match self.last {
            Some(
                Last::Wrong { screen, action }
                | Last::Mismatch { screen, action }
                | Last::Critical { screen, action },
            ) => {
                let s = task.screens.get(screen);
                let a = s.and_then(|s| s.actions.get(action));
                let feedback = a.and_then(|a| match (&a.outcome, self.last) {
                    (_, Some(Last::Mismatch { .. })) => a.mismatch.as_ref().map(&t),
                    (Outcome::Wrong(f) | Outcome::Critical(f), _) => Some(t(f)),
                    (Outcome::Step, _) => None,
                });
                let hint = s
                    .filter(|_| !matches!(self.last, Some(Last::Critical { .. })))
                    .and_then(|s| s.hint.as_ref())
                    .map(&t);
                (feedback, hint)
            }
            Some(Last::TooLong) | None => (None, None),
        };
        let actions = if self.status == Status::Open {
            self.order(task, self.screen)
                .into_iter()
                .enumerate()
                .filter_map(|(position, i)| {
                    let a = screen?.actions.get(i)?;
                    Some(ActionView {
                        position,
                        kind: a.kind,
                        label: t(&a.label),
                        fields: a
                            .fields
                            .iter()
                            .map(|f| FieldView {
                                label: t(&f.label),
                                secret: f.secret,
                            })
                            .collect(),
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        ScreenView {
            app: t(&task.app),
            task_title: t(&task.title),
            goal: t(&task.goal),
            title: screen.map(|s| t(&s.title)).unwrap_or_default(),
            paragraphs: screen
                .map(|s| {
                    t(&s.text)
                        .split("\n\n")
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            rows: screen
                .map(|s| s.rows.iter().map(|r| (t(&r.label), t(&r.value))).collect())
                .unwrap_or_default(),
            actions,
            status: self.status,
            feedback,
            hint,
            step: self.step,
        }
    }
}

/// Whether `typed` is what the field asks for.
fn matches(how: Match, expect: Option<&str>, typed: &str, drawn: &Drawn) -> bool {
    if typed.trim().is_empty() {
        return false;
    }
    let Some(expect) = expect else {
        return true;
    };
    let expect = fill(expect, drawn, None);
    match how {
        Match::Any => true,
        Match::Words => search_key(typed) == search_key(&expect),
        Match::Digits => {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let e = digits(&expect);
            !e.is_empty() && digits(typed) == e
        }
    }
}

/// What to type into a form's fields to pass it.
fn right_typing(task: &Task, screen: usize, action: usize, drawn: &Drawn) -> Vec<String> {
    task.screens
        .get(screen)
        .and_then(|s| s.actions.get(action))
        .map(|a| {
            a.fields
                .iter()
                .map(|f| {
                    f.expect
                        .as_deref()
                        .map_or_else(|| "x".to_owned(), |e| fill(e, drawn, None))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The shortest way (no critical error, no `back`; no wrong step either when `clean`) from
/// the attempt's screen to `target`, as inputs; `None` if there is none.
fn way_to(task: &Task, attempt: &Attempt, target: usize, clean: bool) -> Option<Vec<Input>> {
    let drawn = attempt.drawn(task);
    let n = task.screens.len();
    let mut came: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::from([attempt.screen]);
    *seen.get_mut(attempt.screen)? = true;
    while let Some(s) = queue.pop_front() {
        if s == target {
            break;
        }
        for (i, a) in task.screens.get(s)?.actions.iter().enumerate() {
            let Some(to) = a.to else { continue };
            let allowed = match a.outcome {
                Outcome::Step => true,
                Outcome::Wrong(_) => !clean,
                Outcome::Critical(_) => false,
            };
            if !allowed || a.kind == ActionKind::Back || seen[to] {
                continue;
            }
            seen[to] = true;
            came[to] = Some((s, i));
            queue.push_back(to);
        }
    }
    if !seen.get(target).copied().unwrap_or(false) {
        return None;
    }
    let mut steps = Vec::new();
    let mut at = target;
    while let Some((from, action)) = came.get(at).copied().flatten() {
        steps.push((from, action));
        at = from;
    }
    steps.reverse();
    steps
        .into_iter()
        .map(|(screen, action)| {
            let position = attempt
                .order(task, screen)
                .iter()
                .position(|&i| i == action)?;
            Some(Input {
                position,
                typed: right_typing(task, screen, action, &drawn),
            })
        })
        .collect()
}

/// A clean solution of a fresh attempt drawn from `seed` (for tests, simulated learners and
/// the checker).
#[must_use]
pub fn solution(task: &Task, seed: u64) -> Option<Vec<Input>> {
    way_to(task, &Attempt::start(task, seed), task.done, true)
}

/// The inputs that lead a fresh attempt from `seed` to the critical action `action` of
/// `screen` (through wrong steps if need be) and take it.
#[must_use]
pub fn way_to_critical(task: &Task, seed: u64, screen: usize, action: usize) -> Option<Vec<Input>> {
    let attempt = Attempt::start(task, seed);
    let mut inputs = way_to(task, &attempt, screen, false)?;
    let position = attempt
        .order(task, screen)
        .iter()
        .position(|&i| i == action)?;
    inputs.push(Input {
        position,
        typed: right_typing(task, screen, action, &attempt.drawn(task)),
    });
    Some(inputs)
}
