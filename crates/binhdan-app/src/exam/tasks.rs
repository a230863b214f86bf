//! Simulated tasks in a sitting: giving one, taking its steps, scoring it when it ends.

#[allow(clippy::wildcard_imports, reason = "the exam's shared imports")]
use super::*;

impl Exams {
    /// One step of the sitting's current task (`step`, `a` and the form's `f0`… in `fields`):
    /// taken by the engine, recorded once in order; when the task ends, scored and the
    /// sitting moves on. What was typed is compared and dropped here.
    #[allow(
        clippy::too_many_arguments,
        reason = "one step of a sitting, all of it needed"
    )]
    pub(super) async fn step_task(
        &self,
        store: &dyn Store,
        bank: &GroupBank,
        attempt: ExamAttempt,
        mut session: Session,
        position: usize,
        fields: &[(String, String)],
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Answered, ExamFailure> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let Some(step) = field("step").and_then(|s| s.parse::<u32>().ok()) else {
            return Ok(Answered::Stale(attempt));
        };
        let Some(action) = field("a").and_then(|s| s.parse::<usize>().ok()) else {
            return Ok(Answered::Invalid(ReplyError::Missing));
        };
        let typed: Vec<String> = (0..*binhdan_content::task::FIELDS_PER_FORM.end())
            .map_while(|i| field(&format!("f{i}")).map(str::to_owned))
            .collect();
        let Some(given) = session.given.last_mut() else {
            return Ok(Answered::Stale(attempt));
        };
        let (Some(current), Some(task)) = (given.task.as_mut(), bank.task(&given.item)) else {
            return Ok(Answered::Stale(attempt));
        };
        let before = current.attempt.step;
        match current.attempt.apply(
            task,
            step,
            &Input {
                position: action,
                typed,
            },
        ) {
            Ok(()) => {}
            Err(StepError::UnknownAction) => return Ok(Answered::Invalid(ReplyError::Unknown)),
            Err(StepError::BadFields) => return Ok(Answered::Invalid(ReplyError::Missing)),
            Err(StepError::Finished | StepError::OutOfOrder | StepError::OtherTask) => {
                return Ok(Answered::Stale(attempt));
            }
        }
        let outcome = (current.attempt.status != Status::Open).then(|| current.attempt.score(task));
        let steps = current.attempt.step;
        if let Some(points) = outcome {
            current.score = Some(points.points);
            given.correct = Some(points.points == points.max);
        }
        let (task_id, version) = (given.item.clone(), given.revision);
        let mut more = true;
        if outcome.is_some() {
            let ability = session.ability().map_err(binhdan_irt::ExamError::from)?;
            session.theta = ability.theta;
            session.se = ability.se;
            more = self.give_next(bank, attempt.kind, &mut session)?;
        }
        let state = session.to_json()?;
        let recorded = store
            .record_task_step(
                attempt.id,
                attempt.person_id,
                &TaskStep {
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    step: before,
                    state: &state,
                    ended: outcome.map(|s| TaskEnd {
                        task_id: &task_id,
                        version,
                        score: s.points,
                        credit: s.max,
                        steps,
                    }),
                },
                now,
            )
            .await?;
        self.after_recording(store, bank, &attempt, &session, recorded, more, cutoff, now)
            .await
    }

    /// What an answer or a task's step recorded as `recorded` leads to: refused as stale or
    /// late, the next question (`more`), or the sitting finished and scored.
    #[allow(
        clippy::too_many_arguments,
        reason = "the sitting's parts, each a different thing"
    )]
    pub(super) async fn after_recording(
        &self,
        store: &dyn Store,
        bank: &GroupBank,
        attempt: &ExamAttempt,
        session: &Session,
        recorded: ExamAnswerOutcome,
        more: bool,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Answered, ExamFailure> {
        let fresh = |a: Option<ExamAttempt>| a.unwrap_or_else(|| attempt.clone());
        match recorded {
            ExamAnswerOutcome::Recorded => {}
            ExamAnswerOutcome::Stale => {
                return Ok(Answered::Stale(fresh(
                    store.exam_attempt(attempt.id).await?,
                )));
            }
            ExamAnswerOutcome::TimeUp => {
                return Ok(Answered::TimeUp(
                    self.expire(store, attempt, cutoff, now).await?,
                ));
            }
            ExamAnswerOutcome::NotFound => return Ok(Answered::NotFound),
        }
        if more {
            return Ok(Answered::Next(fresh(store.exam_attempt(attempt.id).await?)));
        }
        let ended = self
            .finish_scored(store, bank, attempt, session, cutoff, now)
            .await?;
        Ok(Answered::Finished(ended))
    }
}

/// The tasks a person could do ([`TaskResult::could_do`]) in sittings of `kind`: each task
/// once, with its best result, in the order first done.
#[must_use]
pub fn tasks_done(results: &[TaskResult], kind: ExamKind) -> Vec<&TaskResult> {
    let mut best: Vec<&TaskResult> = Vec::new();
    for r in results.iter().filter(|r| r.kind == kind && r.could_do()) {
        match best.iter_mut().find(|b| b.task_id == r.task_id) {
            Some(b) if r.score > b.score => *b = r,
            Some(_) => {}
            None => best.push(r),
        }
    }
    best
}

/// Adds one of the bank's tasks to the session: not given in it yet, of the domain its tasks
/// have covered least, among the `randomesque` most informative at the current θ (ties in
/// random order); with a seed of its own. `false` when none is left.
pub(super) fn give_task(
    bank: &GroupBank,
    session: &mut Session,
    randomesque: usize,
    rng: &mut impl rand::Rng,
) -> bool {
    use rand::seq::SliceRandom;
    let tasks: Vec<&Given> = session.given.iter().filter(|g| g.task.is_some()).collect();
    let candidates: Vec<(usize, usize, f64)> = bank
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, (t, _))| !tasks.iter().any(|g| g.item == t.id))
        .map(|(i, (t, model))| {
            let domain = domain_of(&t.competence);
            let covered = tasks.iter().filter(|g| g.domain == domain).count();
            (i, covered, model.item_information(session.theta))
        })
        .collect();
    let Some(least) = candidates.iter().map(|c| c.1).min() else {
        return false;
    };
    let mut pool: Vec<(usize, f64)> = candidates
        .iter()
        .filter(|c| c.1 == least)
        .map(|c| (c.0, c.2))
        .collect();
    pool.shuffle(rng);
    pool.sort_by(|p, q| q.1.total_cmp(&p.1));
    pool.truncate(randomesque.max(1));
    let Some(&(pick, _)) = pool.get(rng.random_range(0..pool.len().max(1))) else {
        return false;
    };
    let Some((task, model)) = bank.tasks.get(pick) else {
        return false;
    };
    let calibrated = bank.tasks_fitted.get(pick).copied().unwrap_or(false);
    session.given.push(Given {
        item: task.id.clone(),
        revision: task.version,
        domain: domain_of(&task.competence),
        a: model.a,
        b: model.location(),
        calibrated,
        order: Vec::new(),
        correct: None,
        task: Some(GivenTask {
            steps: model.steps.clone(),
            attempt: Attempt::start(task, rng.random::<u64>()),
            score: None,
        }),
    });
    true
}
