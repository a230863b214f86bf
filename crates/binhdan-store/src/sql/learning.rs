//! Lessons done, quiz attempts and responses, and the counters they move, written once for both
//! backends (see the crate docs).
//!
//! Metrics moved, per (unit, group) — the person's village and its commune, as the roster is —
//! and per (organisation, group) for the organisations that give the person that group:
//! * `lessons` — lessons completed, under the course's group (activity);
//! * `quizzes_passed` — modules whose quiz a person passed for the first time, under the
//!   course's group (activity);
//! * `learning` — people who completed a first lesson, under each of their groups;
//! * `skilled` — people who completed their group's course (every lesson, every module quiz),
//!   under that group (K1, K2, K3, K5).
//!
//! `learning` and `skilled` move once per person and group: `learner_mark` remembers.

use super::counters::{apply_org_deltas, apply_unit_deltas};
use super::people::is_adult_born;
use super::{Backend, Db};
use crate::prelude::*;

#[derive(sqlx::FromRow)]
struct LearnerRow {
    unit_code: String,
    birth_year: i64,
    birth_day: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: i64,
    person_id: i64,
    module_id: String,
    plan: String,
    started_at: i64,
    finished_at: Option<i64>,
    answered: i64,
    correct: i64,
    passed: Option<bool>,
}

/// A person's groups (adult by the cutoff, the rest by membership) and the organisations that
/// give them.
pub(super) struct LearnerFacts {
    pub(super) unit_code: String,
    pub(super) groups: Vec<Group>,
    pub(super) organisations: Vec<(i64, Group)>,
}

impl LearnerFacts {
    /// Someone living in `unit_code`: an adult if born before the cutoff, no membership yet.
    pub(super) fn born(
        unit_code: String,
        birth_year: i64,
        birth_day: Option<i64>,
        cutoff: AdultCutoff,
    ) -> Self {
        Self {
            unit_code,
            groups: if is_adult_born(birth_year, birth_day, cutoff) {
                vec![Group::Adult]
            } else {
                Vec::new()
            },
            organisations: Vec::new(),
        }
    }

    /// A membership: the organisation, and its group among the person's groups (once).
    pub(super) fn join(&mut self, organisation: i64, group: Group) {
        self.organisations.push((organisation, group));
        if !self.groups.contains(&group) {
            self.groups.push(group);
        }
    }
}

pub(super) async fn learner_facts(
    conn: &mut <Db as sqlx::Database>::Connection,
    person: i64,
    cutoff: AdultCutoff,
) -> Result<Option<LearnerFacts>> {
    let Some(row): Option<LearnerRow> =
        sqlx::query_as("SELECT unit_code, birth_year, birth_day FROM person WHERE id = $1")
            .bind(person)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(None);
    };
    let orgs: Vec<(i64, String)> = sqlx::query_as(
        "SELECT organisation_id, grp FROM membership WHERE person_id = $1 ORDER BY organisation_id",
    )
    .bind(person)
    .fetch_all(&mut *conn)
    .await?;
    let organisations: Vec<(i64, Group)> = orgs
        .into_iter()
        .map(|(id, g)| Ok((id, crate::rows::group("membership", &g)?)))
        .collect::<Result<_>>()?;
    let mut groups: Vec<Group> = organisations.iter().map(|(_, g)| *g).collect();
    if is_adult_born(row.birth_year, row.birth_day, cutoff) {
        groups.push(Group::Adult);
    }
    groups.sort_unstable();
    groups.dedup();
    Ok(Some(LearnerFacts {
        unit_code: row.unit_code,
        groups,
        organisations,
    }))
}

/// Deltas for the counters of a learner's unit and organisations.
#[derive(Default)]
pub(super) struct LearningDeltas {
    units: std::collections::BTreeMap<(String, &'static str, &'static str), i64>,
    orgs: std::collections::BTreeMap<(i64, &'static str, &'static str), i64>,
}

impl LearningDeltas {
    pub(super) fn add(&mut self, facts: &LearnerFacts, group: Group, metric: &'static str) {
        self.add_n(facts, group, metric, 1);
    }

    pub(super) fn add_n(
        &mut self,
        facts: &LearnerFacts,
        group: Group,
        metric: &'static str,
        n: i64,
    ) {
        *self
            .units
            .entry((facts.unit_code.clone(), group.as_str(), metric))
            .or_default() += n;
        for (org, g) in &facts.organisations {
            if *g == group {
                *self.orgs.entry((*org, group.as_str(), metric)).or_default() += n;
            }
        }
    }

    pub(super) async fn apply(
        self,
        tx: &mut sqlx::Transaction<'_, Db>,
        now: Timestamp,
    ) -> Result<()> {
        apply_unit_deltas(tx, &self.units, now).await?;
        apply_org_deltas(tx, &self.orgs, now).await
    }
}

/// Marks a person as having reached `metric` in `group`; true the first time.
async fn mark_learner(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    group: Group,
    metric: &str,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO learner_mark (person_id, grp, metric, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person_id, grp, metric) DO NOTHING",
    )
    .bind(person)
    .bind(group.as_str())
    .bind(metric)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// If the person has now done every active lesson and passed every module quiz of the course,
/// and the course is for one of their groups, marks them `skilled` in it (once).
async fn check_course_completed(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    course_id: &str,
    facts: &LearnerFacts,
    deltas: &mut LearningDeltas,
    now: Timestamp,
) -> Result<bool> {
    let lessons_left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lesson l JOIN course_module m ON m.id = l.module_id \
         WHERE m.course_id = $1 AND l.retired_at IS NULL AND m.retired_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM lesson_progress p WHERE p.person_id = $2 AND p.lesson_id = l.id)",
    )
    .bind(course_id)
    .bind(person)
    .fetch_one(&mut **tx)
    .await?;
    if lessons_left > 0 {
        return Ok(false);
    }
    let quizzes_left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM course_module m WHERE m.course_id = $1 AND m.retired_at IS NULL \
         AND EXISTS (SELECT 1 FROM module_quiz q WHERE q.module_id = m.id) \
         AND NOT EXISTS (SELECT 1 FROM quiz_attempt a WHERE a.person_id = $2 AND a.module_id = m.id AND a.passed = $3)",
    )
    .bind(course_id)
    .bind(person)
    .bind(true)
    .fetch_one(&mut **tx)
    .await?;
    if quizzes_left > 0 {
        return Ok(false);
    }
    let grp: Option<String> = sqlx::query_scalar("SELECT grp FROM course WHERE id = $1")
        .bind(course_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(group) = grp.as_deref().and_then(Group::parse) else {
        return Ok(true);
    };
    if facts.groups.contains(&group) && mark_learner(tx, person, group, "skilled", now).await? {
        deltas.add(facts, group, "skilled");
    }
    Ok(true)
}

async fn course_of_module(
    conn: &mut <Db as sqlx::Database>::Connection,
    module_id: &str,
) -> Result<Option<(String, Option<Group>)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT c.id, c.grp FROM course_module m JOIN course c ON c.id = m.course_id WHERE m.id = $1",
    )
    .bind(module_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, g)| (id, Group::parse(&g))))
}

impl AttemptRow {
    fn into_attempt(self) -> Result<Attempt> {
        let plan: Vec<PlannedItem> = serde_json::from_str(&self.plan)
            .map_err(|e| StoreError::corrupt("quiz_attempt", format_args!("plan: {e}")))?;
        Ok(Attempt {
            id: self.id,
            person_id: self.person_id,
            module_id: self.module_id,
            plan,
            started_at: Timestamp(self.started_at),
            finished_at: self.finished_at.map(Timestamp),
            answered: crate::rows::number("quiz_attempt", "answered", self.answered)?,
            correct: crate::rows::number("quiz_attempt", "correct", self.correct)?,
            passed: self.passed,
        })
    }
}

macro_rules! select_attempt {
    ($rest:literal) => {
        concat!("SELECT id, person_id, module_id, plan, started_at, finished_at, answered, correct, passed FROM quiz_attempt ", $rest)
    };
}

/// One answer to insert: the columns of `quiz_response`, and whose attempt it must be.
pub(super) struct AnswerRow {
    pub(super) attempt_id: i64,
    person: i64,
    pub(super) item_id: String,
    revision: i64,
    position: i64,
    reply: String,
    correct: bool,
    at: i64,
    elapsed_ms: i64,
}

/// Inserts answers in one statement, each only if it answers the current question of its
/// person's open attempt, once; returns those that went in. Answers of one attempt must not
/// share a batch (the trigger moves the attempt on row by row).
pub(super) async fn insert_answers<'e>(
    on: impl sqlx::Executor<'e, Database = Db>,
    rows: &[&AnswerRow],
) -> Result<std::collections::HashSet<(i64, String)>> {
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "INSERT INTO quiz_response (attempt_id, item_id, item_revision, position, reply, correct, answered_at, elapsed_ms) \
         SELECT a.id, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8 FROM (VALUES ",
    );
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(");
        let mut sep = q.separated(", ");
        sep.push_bind(r.attempt_id);
        sep.push_bind(r.item_id.clone());
        sep.push_bind(r.revision);
        sep.push_bind(r.position);
        sep.push_bind(r.reply.clone());
        sep.push_bind(r.correct);
        sep.push_bind(r.at);
        sep.push_bind(r.elapsed_ms);
        sep.push_bind(r.person);
        q.push(")");
    }
    // `WHERE true` keeps SQLite's parser from reading ON CONFLICT as a join constraint.
    q.push(
        ") AS v JOIN quiz_attempt a ON a.id = v.column1 AND a.person_id = v.column9 \
         AND a.answered = v.column4 AND a.finished_at IS NULL WHERE 1 = 1 \
         ON CONFLICT (attempt_id, item_id) DO NOTHING RETURNING attempt_id, item_id",
    );
    let done: Vec<(i64, String)> = q.build_query_as().fetch_all(on).await?;
    Ok(done.into_iter().collect())
}

/// The row `record_answer` inserts for an answer.
pub(super) fn answer_row(
    attempt_id: i64,
    person: i64,
    answer: &NewAnswer,
    now: Timestamp,
) -> Result<AnswerRow> {
    let reply = serde_json::to_string(&answer.reply)
        .map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
    Ok(AnswerRow {
        attempt_id,
        person,
        item_id: answer.item_id.clone(),
        revision: i64::from(answer.revision),
        position: i64::from(answer.position),
        reply,
        correct: answer.correct,
        at: now.millis(),
        elapsed_ms: answer.elapsed_ms.max(0),
    })
}

/// Why an answer did not go in: given before (`Duplicate`), or not the current question of
/// the person's open attempt.
pub(super) async fn answer_missed<'e>(
    on: impl sqlx::Executor<'e, Database = Db>,
    attempt_id: i64,
    item_id: &str,
    person: i64,
) -> Result<AnswerOutcome> {
    let earlier: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM quiz_response r JOIN quiz_attempt a ON a.id = r.attempt_id \
         WHERE r.attempt_id = $1 AND r.item_id = $2 AND a.person_id = $3",
    )
    .bind(attempt_id)
    .bind(item_id.to_owned())
    .bind(person)
    .fetch_one(on)
    .await?;
    Ok(if earlier > 0 {
        AnswerOutcome::Duplicate
    } else {
        AnswerOutcome::NotInAttempt
    })
}

/// SQLite's group-commit writer of answers (`Answers` in `sqlite.rs`): each answer, and
/// whether it went in.
pub(super) type AnswerWriter = crate::group_commit::GroupCommit<AnswerRow, bool>;

/// Finishes an attempt (see `finish_attempt`) in the caller's transaction: the first pass of a
/// module and a completed course move the counters there.
pub(super) async fn finish_attempt_in(
    tx: &mut sqlx::Transaction<'_, Db>,
    attempt_id: i64,
    person: i64,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<Option<Finished>> {
    let ended: Option<(i64, bool, String)> = sqlx::query_as(
        "UPDATE quiz_attempt SET finished_at = $1, passed = (correct * 100 >= $2 * items) \
         WHERE id = $3 AND person_id = $4 AND finished_at IS NULL AND answered >= items \
         RETURNING correct, passed, module_id",
    )
    .bind(now.millis())
    .bind(i64::from(binhdan_content::quiz::PASS_PERCENT))
    .bind(attempt_id)
    .bind(person)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((correct, passed, module_id)) = ended else {
        // Finished before (or not finishable): how it ended, if it did.
        let before: Option<(i64, Option<bool>)> = sqlx::query_as(
            "SELECT correct, passed FROM quiz_attempt WHERE id = $1 AND person_id = $2 AND finished_at IS NOT NULL",
        )
        .bind(attempt_id)
        .bind(person)
        .fetch_optional(&mut **tx)
        .await?;
        return before
            .map(|(correct, passed)| {
                Ok(Finished {
                    passed: passed.unwrap_or(false),
                    correct: crate::rows::number("quiz_attempt", "correct", correct)?,
                })
            })
            .transpose();
    };
    if passed {
        let earlier_pass: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM quiz_attempt WHERE person_id = $1 AND module_id = $2 AND passed = $3 AND id <> $4",
        )
        .bind(person)
        .bind(module_id.clone())
        .bind(true)
        .bind(attempt_id)
        .fetch_one(&mut **tx)
        .await?;
        if earlier_pass == 0 {
            let facts = learner_facts(tx, person, cutoff).await?;
            let course = course_of_module(tx, &module_id).await?;
            if let (Some(facts), Some((course_id, group))) = (facts, course) {
                let mut deltas = LearningDeltas::default();
                if let Some(group) = group {
                    deltas.add(&facts, group, "quizzes_passed");
                }
                check_course_completed(tx, person, &course_id, &facts, &mut deltas, now).await?;
                deltas.apply(tx, now).await?;
            }
        }
    }
    Ok(Some(Finished {
        passed,
        correct: crate::rows::number("quiz_attempt", "correct", correct)?,
    }))
}

#[async_trait]
impl LearningStore for Backend {
    async fn complete_lesson(
        &self,
        person: i64,
        lesson_id: &str,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<LessonDone> {
        let mut tx = self.write.begin().await?;
        let lesson: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT l.revision, m.course_id, c.grp FROM lesson l JOIN course_module m ON m.id = l.module_id \
             JOIN course c ON c.id = m.course_id WHERE l.id = $1 AND l.retired_at IS NULL",
        )
        .bind(lesson_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((revision, course_id, grp)) = lesson else {
            return Err(StoreError::NotFound(Entity::Lesson));
        };
        let Some(facts) = learner_facts(&mut tx, person, cutoff).await? else {
            return Err(StoreError::NotFound(Entity::Person));
        };
        let inserted = sqlx::query(
            "INSERT INTO lesson_progress (person_id, lesson_id, revision, completed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id, lesson_id) DO NOTHING",
        )
        .bind(person)
        .bind(lesson_id)
        .bind(revision)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(LessonDone {
                newly: false,
                course_completed: false,
            });
        }
        let mut deltas = LearningDeltas::default();
        if let Some(group) = Group::parse(&grp) {
            deltas.add(&facts, group, "lessons");
        }
        for group in &facts.groups {
            if mark_learner(&mut tx, person, *group, "learning", now).await? {
                deltas.add(&facts, *group, "learning");
            }
        }
        let course_completed =
            check_course_completed(&mut tx, person, &course_id, &facts, &mut deltas, now).await?;
        deltas.apply(&mut tx, now).await?;
        tx.commit().await?;
        Ok(LessonDone {
            newly: true,
            course_completed,
        })
    }

    async fn course_progress(&self, person: i64, course_id: &str) -> Result<CourseProgress> {
        let lessons_done: Vec<String> = sqlx::query_scalar(
            "SELECT l.id FROM lesson_progress p JOIN lesson l ON l.id = p.lesson_id \
             JOIN course_module m ON m.id = l.module_id \
             WHERE p.person_id = $1 AND m.course_id = $2 AND l.retired_at IS NULL ORDER BY m.position, l.position",
        )
        .bind(person)
        .bind(course_id)
        .fetch_all(&self.read)
        .await?;
        let quizzes_passed: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT a.module_id FROM quiz_attempt a JOIN course_module m ON m.id = a.module_id \
             WHERE a.person_id = $1 AND m.course_id = $2 AND a.passed = $3 ORDER BY a.module_id",
        )
        .bind(person)
        .bind(course_id)
        .bind(true)
        .fetch_all(&self.read)
        .await?;
        let marked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM learner_mark k JOIN course c ON c.grp = k.grp \
             WHERE k.person_id = $1 AND c.id = $2 AND k.metric = 'skilled'",
        )
        .bind(person)
        .bind(course_id)
        .fetch_one(&self.read)
        .await?;
        Ok(CourseProgress {
            lessons_done,
            quizzes_passed,
            completed: marked > 0,
        })
    }

    async fn module_quiz(&self, module_id: &str) -> Result<Option<ModuleQuiz>> {
        let head: Option<(String, String, String)> = sqlx::query_as(
            "SELECT m.title, c.id, c.title FROM course_module m JOIN course c ON c.id = m.course_id \
             WHERE m.id = $1 AND m.retired_at IS NULL",
        )
        .bind(module_id)
        .fetch_optional(&self.read)
        .await?;
        let Some((module_title, course_id, course_title)) = head else {
            return Ok(None);
        };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT i.body, i.revision FROM module_quiz q JOIN item i ON i.id = q.item_id \
             WHERE q.module_id = $1 AND i.retired_at IS NULL ORDER BY q.position",
        )
        .bind(module_id)
        .fetch_all(&self.read)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for (body, revision) in rows {
            let item: binhdan_content::Item = serde_json::from_str(&body)
                .map_err(|e| StoreError::corrupt("item", format_args!("body: {e}")))?;
            items.push((item, crate::rows::number("item", "revision", revision)?));
        }
        Ok(Some(ModuleQuiz {
            module_id: module_id.to_owned(),
            module_title,
            course_id,
            course_title,
            items,
        }))
    }

    async fn open_attempt(&self, person: i64, module_id: &str) -> Result<Option<Attempt>> {
        let row: Option<AttemptRow> = sqlx::query_as(select_attempt!(
            "WHERE person_id = $1 AND module_id = $2 AND finished_at IS NULL ORDER BY id DESC LIMIT 1"
        ))
        .bind(person)
        .bind(module_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(AttemptRow::into_attempt).transpose()
    }

    async fn create_attempt(
        &self,
        person: i64,
        module_id: &str,
        plan: &[PlannedItem],
        now: Timestamp,
    ) -> Result<Attempt> {
        let json = serde_json::to_string(plan)
            .map_err(|e| StoreError::Database(sqlx::Error::Encode(Box::new(e))))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO quiz_attempt (person_id, module_id, plan, items, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(person)
        .bind(module_id)
        .bind(json)
        .bind(i64::try_from(plan.len()).unwrap_or(i64::MAX))
        .bind(now.millis())
        .fetch_one(&self.write)
        .await?;
        Ok(Attempt {
            id,
            person_id: person,
            module_id: module_id.to_owned(),
            plan: plan.to_vec(),
            started_at: now,
            finished_at: None,
            answered: 0,
            correct: 0,
            passed: None,
        })
    }

    async fn attempt(&self, id: i64) -> Result<Option<Attempt>> {
        let row: Option<AttemptRow> = sqlx::query_as(select_attempt!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(AttemptRow::into_attempt).transpose()
    }

    async fn attempt_answers(&self, id: i64) -> Result<Vec<AnswerRecord>> {
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT item_id, reply, correct FROM quiz_response WHERE attempt_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(item_id, reply, correct)| {
                let reply = serde_json::from_str(&reply).map_err(|e| {
                    StoreError::corrupt("quiz_response", format_args!("reply: {e}"))
                })?;
                Ok(AnswerRecord {
                    item_id,
                    reply,
                    correct,
                })
            })
            .collect()
    }

    async fn record_answer(
        &self,
        attempt_id: i64,
        person: i64,
        answer: &NewAnswer,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<AnswerOutcome> {
        // The hot path is one statement: the response goes in only if it answers the current
        // question of the person's open attempt, once; a trigger moves the attempt on.
        let row = answer_row(attempt_id, person, answer, now)?;
        let went_in = match self.answer_writer() {
            Some(writer) => writer.submit(row).await?,
            None => !insert_answers(&self.write, &[&row]).await?.is_empty(),
        };
        let inserted = went_in.then_some(());
        if inserted.is_none() {
            return answer_missed(&self.write, attempt_id, &answer.item_id, person).await;
        }
        let answered = answer.position.saturating_add(1);
        let finished = if answer.last {
            self.finish_attempt(attempt_id, person, cutoff, now).await?
        } else {
            None
        };
        Ok(AnswerOutcome::Recorded { answered, finished })
    }

    async fn finish_attempt(
        &self,
        attempt_id: i64,
        person: i64,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<Finished>> {
        let mut tx = self.write.begin().await?;
        let finished = finish_attempt_in(&mut tx, attempt_id, person, cutoff, now).await?;
        tx.commit().await?;
        Ok(finished)
    }

    async fn learning_under(&self, root: &UnitCode) -> Result<Vec<(Group, String, i64)>> {
        let Some((summed, path, upper)) = self.counter_range(root).await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT grp, metric, CAST(SUM(value) AS BIGINT) FROM unit_counter \
             WHERE level = $1 AND path >= $2 AND path < $3 AND metric <> 'roster' \
             GROUP BY grp, metric ORDER BY grp, metric",
        )
        .bind(summed)
        .bind(path)
        .bind(upper)
        .fetch_all(&self.read)
        .await?;
        crate::rows::kpi_counters("unit_counter", rows)
    }

    async fn answers_recorded(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_response")
            .fetch_one(&self.read)
            .await?;
        crate::rows::number("quiz_response", "count", n)
    }

    async fn unit_counters(&self, unit: &UnitCode) -> Result<Vec<(Group, String, i64)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT grp, metric, value FROM unit_counter WHERE unit_code = $1 ORDER BY grp, metric",
        )
        .bind(unit.as_str())
        .fetch_all(&self.read)
        .await?;
        crate::rows::kpi_counters("unit_counter", rows)
    }
}
