//! The curriculum, written once for both backends (see the crate docs).

use super::{Backend, Db};
use crate::prelude::*;

/// Marks active rows of `table` whose id is not in `keep` as retired; returns how many.
async fn retire_missing(
    tx: &mut sqlx::Transaction<'_, Db>,
    table: &'static str,
    keep: &std::collections::HashSet<&str>,
    now: Timestamp,
) -> Result<u64> {
    // `table` is one of our own table names, never input.
    let active: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} WHERE retired_at IS NULL"
    )))
    .fetch_all(&mut **tx)
    .await?;
    let mut retired = 0;
    for id in active.iter().filter(|id| !keep.contains(id.as_str())) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET retired_at = $1 WHERE id = $2"
        )))
        .bind(now.millis())
        .bind(id.clone())
        .execute(&mut **tx)
        .await?;
        retired += 1;
    }
    Ok(retired)
}

/// Active courses with their module and lesson counts; `$1` picks one course or, when NULL, all.
const COURSE_SUMMARY_SQL: &str = "SELECT c.id, c.version, c.grp, c.title, c.summary, \
       (SELECT COUNT(*) FROM course_module m WHERE m.course_id = c.id AND m.retired_at IS NULL) AS modules, \
       (SELECT COUNT(*) FROM lesson l JOIN course_module m ON m.id = l.module_id \
         WHERE m.course_id = c.id AND l.retired_at IS NULL AND m.retired_at IS NULL) AS lessons \
     FROM course c WHERE c.retired_at IS NULL AND ($1 IS NULL OR c.id = $1) ORDER BY c.position";

#[async_trait]
impl ContentStore for Backend {
    async fn load_content(
        &self,
        pack: &binhdan_content::Pack,
        now: Timestamp,
    ) -> Result<ContentLoadReport> {
        use std::collections::{HashMap, HashSet};

        let mut report = ContentLoadReport::default();
        let mut tx = self.write.begin().await?;
        let old_lessons: HashMap<String, String> =
            sqlx::query_as::<_, (String, String)>("SELECT id, markdown FROM lesson")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let old_items: HashMap<String, String> =
            sqlx::query_as::<_, (String, String)>("SELECT id, body FROM item")
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();

        for (position, course) in pack.courses.iter().enumerate() {
            sqlx::query(
                "INSERT INTO course (id, version, grp, title, summary, position, loaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, grp = excluded.grp, title = excluded.title, \
                 summary = excluded.summary, position = excluded.position, loaded_at = excluded.loaded_at, retired_at = NULL",
            )
            .bind(course.id.clone())
            .bind(i64::from(course.version))
            .bind(course.group.as_str())
            .bind(course.title.clone())
            .bind(course.summary.clone())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            report.courses += 1;
            for (mpos, module) in course.modules.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO course_module (id, course_id, position, title, summary) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET course_id = excluded.course_id, position = excluded.position, \
                     title = excluded.title, summary = excluded.summary, retired_at = NULL",
                )
                .bind(module.id.clone())
                .bind(course.id.clone())
                .bind(i64::try_from(mpos).unwrap_or(i64::MAX))
                .bind(module.title.clone())
                .bind(module.summary.clone())
                .execute(&mut *tx)
                .await?;
            }
        }

        for item in &pack.items {
            let body = serde_json::to_string(item).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            match old_items.get(&item.id) {
                None => report.items_added += 1,
                Some(old) if *old != body => report.items_changed += 1,
                Some(_) => {}
            }
            sqlx::query(
                "INSERT INTO item (id, kind, competence, step, body, revision) VALUES ($1, $2, $3, $4, $5, 1) \
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, competence = excluded.competence, step = excluded.step, \
                 revision = CASE WHEN item.body <> excluded.body THEN item.revision + 1 ELSE item.revision END, \
                 body = excluded.body, retired_at = NULL",
            )
            .bind(item.id.clone())
            .bind(item.kind.as_str())
            .bind(item.competence.clone())
            .bind(item.step.as_str())
            .bind(body)
            .execute(&mut *tx)
            .await?;
        }

        for course in &pack.courses {
            for module in &course.modules {
                for (lpos, lesson_id) in module.lessons.iter().enumerate() {
                    let Some(lesson) = pack.lesson(lesson_id) else {
                        continue;
                    };
                    match old_lessons.get(&lesson.id) {
                        None => report.lessons_added += 1,
                        Some(old) if *old != lesson.markdown => report.lessons_changed += 1,
                        Some(_) => {}
                    }
                    sqlx::query(
                        "INSERT INTO lesson (id, module_id, position, title, competence, step, minutes, markdown, html, revision, title_en) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) \
                         ON CONFLICT (id) DO UPDATE SET module_id = excluded.module_id, position = excluded.position, \
                         title = excluded.title, title_en = excluded.title_en, competence = excluded.competence, step = excluded.step, minutes = excluded.minutes, \
                         revision = CASE WHEN lesson.markdown <> excluded.markdown THEN lesson.revision + 1 ELSE lesson.revision END, \
                         markdown = excluded.markdown, html = excluded.html, retired_at = NULL",
                    )
                    .bind(lesson.id.clone())
                    .bind(module.id.clone())
                    .bind(i64::try_from(lpos).unwrap_or(i64::MAX))
                    .bind(lesson.title.clone())
                    .bind(lesson.competence.clone())
                    .bind(lesson.step.as_str())
                    .bind(i64::from(lesson.minutes))
                    .bind(lesson.markdown.clone())
                    .bind(lesson.html.clone())
                    .bind(lesson.title_en.clone())
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM module_quiz WHERE module_id = $1")
                    .bind(module.id.clone())
                    .execute(&mut *tx)
                    .await?;
                for (qpos, item_id) in module.quiz.iter().enumerate() {
                    sqlx::query("INSERT INTO module_quiz (module_id, position, item_id) VALUES ($1, $2, $3)")
                        .bind(module.id.clone())
                        .bind(i64::try_from(qpos).unwrap_or(i64::MAX))
                        .bind(item_id.clone())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query("DELETE FROM course_exam WHERE course_id = $1")
                .bind(course.id.clone())
                .execute(&mut *tx)
                .await?;
            for (epos, item_id) in course.exam.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO course_exam (course_id, position, item_id) VALUES ($1, $2, $3)",
                )
                .bind(course.id.clone())
                .bind(i64::try_from(epos).unwrap_or(i64::MAX))
                .bind(item_id.clone())
                .execute(&mut *tx)
                .await?;
            }
        }

        for asset in &pack.assets {
            sqlx::query(
                "INSERT INTO content_asset (path, bytes, width, height) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (path) DO UPDATE SET bytes = excluded.bytes, width = excluded.width, height = excluded.height",
            )
            .bind(asset.path.clone())
            .bind(asset.bytes.clone())
            .bind(i64::from(asset.width))
            .bind(i64::from(asset.height))
            .execute(&mut *tx)
            .await?;
            report.assets += 1;
        }

        for task in &pack.tasks {
            let body = serde_json::to_string(task).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            sqlx::query(
                "INSERT INTO sim_task (id, version, competence, body, revision, loaded_at) VALUES ($1, $2, $3, $4, 1, $5) \
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, competence = excluded.competence, \
                 revision = CASE WHEN sim_task.body <> excluded.body THEN sim_task.revision + 1 ELSE sim_task.revision END, \
                 body = excluded.body, loaded_at = excluded.loaded_at, retired_at = NULL",
            )
            .bind(task.id.clone())
            .bind(i64::from(task.version))
            .bind(task.competence.clone())
            .bind(body)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sim_task_lesson WHERE task_id = $1")
                .bind(task.id.clone())
                .execute(&mut *tx)
                .await?;
            for lesson in &task.lessons {
                sqlx::query("INSERT INTO sim_task_lesson (task_id, lesson_id) VALUES ($1, $2)")
                    .bind(task.id.clone())
                    .bind(lesson.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            report.tasks += 1;
        }

        let course_ids: HashSet<&str> = pack.courses.iter().map(|c| c.id.as_str()).collect();
        let module_ids: HashSet<&str> = pack
            .courses
            .iter()
            .flat_map(|c| c.modules.iter().map(|m| m.id.as_str()))
            .collect();
        let lesson_ids: HashSet<&str> = pack.lessons.iter().map(|l| l.id.as_str()).collect();
        let item_ids: HashSet<&str> = pack.items.iter().map(|i| i.id.as_str()).collect();
        retire_missing(&mut tx, "course", &course_ids, now).await?;
        retire_missing(&mut tx, "course_module", &module_ids, now).await?;
        report.lessons_retired = retire_missing(&mut tx, "lesson", &lesson_ids, now).await?;
        report.items_retired = retire_missing(&mut tx, "item", &item_ids, now).await?;
        let task_ids: HashSet<&str> = pack.tasks.iter().map(|t| t.id.as_str()).collect();
        report.tasks_retired = retire_missing(&mut tx, "sim_task", &task_ids, now).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn courses(&self) -> Result<Vec<CourseSummary>> {
        let rows: Vec<crate::rows::CourseRow> = sqlx::query_as(COURSE_SUMMARY_SQL)
            .bind(None::<String>)
            .fetch_all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .map(crate::rows::CourseRow::into_summary)
            .collect::<Result<_>>()?)
    }

    async fn course_outline(&self, id: &str) -> Result<Option<CourseOutline>> {
        let Some(row) = sqlx::query_as::<_, crate::rows::CourseRow>(COURSE_SUMMARY_SQL)
            .bind(Some(id.to_owned()))
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        let rows: Vec<(
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
        )> = sqlx::query_as(
            "SELECT m.id, m.title, m.summary, l.id, l.title, l.minutes FROM course_module m \
             LEFT JOIN lesson l ON l.module_id = m.id AND l.retired_at IS NULL \
             WHERE m.course_id = $1 AND m.retired_at IS NULL ORDER BY m.position, l.position",
        )
        .bind(id.to_owned())
        .fetch_all(&self.read)
        .await?;
        let mut modules: Vec<ModuleOutline> = Vec::new();
        for (mid, mtitle, msummary, lid, ltitle, minutes) in rows {
            if modules.last().is_none_or(|m| m.id != mid) {
                modules.push(ModuleOutline {
                    id: mid,
                    title: mtitle,
                    summary: msummary,
                    lessons: Vec::new(),
                });
            }
            if let (Some(id), Some(title), Some(minutes), Some(module)) =
                (lid, ltitle, minutes, modules.last_mut())
            {
                module.lessons.push(LessonRef {
                    id,
                    title,
                    minutes: crate::rows::number("lesson", "minutes", minutes)?,
                });
            }
        }
        Ok(Some(CourseOutline {
            course: row.into_summary()?,
            modules,
        }))
    }

    async fn lesson_page(&self, id: &str) -> Result<Option<LessonPage>> {
        let row: Option<(String, String, Option<String>, i64, String, String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT l.id, l.title, l.title_en, l.minutes, l.competence, l.step, l.html, c.id, c.title, m.title, m.id FROM lesson l \
             JOIN course_module m ON m.id = l.module_id JOIN course c ON c.id = m.course_id \
             WHERE l.id = $1 AND l.retired_at IS NULL",
        )
        .bind(id.to_owned())
        .fetch_optional(&self.read)
        .await?;
        let Some((
            id,
            title,
            title_en,
            minutes,
            competence,
            step,
            html,
            course_id,
            course_title,
            module_title,
            module_id,
        )) = row
        else {
            return Ok(None);
        };
        // The course's lessons in reading order, to find the neighbours (a course has ~30).
        let order: Vec<(String, String, i64, String)> = sqlx::query_as(
            "SELECT l.id, l.title, l.minutes, l.module_id FROM lesson l JOIN course_module m ON m.id = l.module_id \
             WHERE m.course_id = $1 AND l.retired_at IS NULL AND m.retired_at IS NULL ORDER BY m.position, l.position",
        )
        .bind(course_id.clone())
        .fetch_all(&self.read)
        .await?;
        let to_ref =
            |(id, title, minutes, _): &(String, String, i64, String)| -> Result<LessonRef> {
                Ok(LessonRef {
                    id: id.clone(),
                    title: title.clone(),
                    minutes: crate::rows::number("lesson", "minutes", *minutes)?,
                })
            };
        let at = order.iter().position(|(l, _, _, _)| *l == id);
        let last_in_module = at
            .and_then(|i| order.get(i + 1))
            .is_none_or(|n| n.3 != module_id);
        let previous = at
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| order.get(i))
            .map(to_ref)
            .transpose()?;
        let next = at.and_then(|i| order.get(i + 1)).map(to_ref).transpose()?;
        Ok(Some(LessonPage {
            id,
            title,
            title_en,
            minutes: crate::rows::number("lesson", "minutes", minutes)?,
            competence,
            step,
            html,
            course_id,
            course_title,
            module_title,
            module_id,
            last_in_module,
            previous,
            next,
        }))
    }

    async fn content_asset(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT bytes FROM content_asset WHERE path = $1")
                .bind(path.to_owned())
                .fetch_optional(&self.read)
                .await?,
        )
    }

    async fn sim_tasks(&self) -> Result<Vec<binhdan_content::Task>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM sim_task WHERE retired_at IS NULL ORDER BY id")
                .fetch_all(&self.read)
                .await?;
        bodies.iter().map(|b| decode_task(b)).collect()
    }

    async fn sim_tasks_for_lesson(&self, lesson: &str) -> Result<Vec<binhdan_content::Task>> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT t.body FROM sim_task_lesson l JOIN sim_task t ON t.id = l.task_id \
             WHERE l.lesson_id = $1 AND t.retired_at IS NULL ORDER BY t.id",
        )
        .bind(lesson.to_owned())
        .fetch_all(&self.read)
        .await?;
        bodies.iter().map(|b| decode_task(b)).collect()
    }

    async fn sim_task(&self, id: &str) -> Result<Option<binhdan_content::Task>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM sim_task WHERE id = $1 AND retired_at IS NULL")
                .bind(id.to_owned())
                .fetch_optional(&self.read)
                .await?;
        body.as_deref().map(decode_task).transpose()
    }
}

/// A task's stored JSON (written by `load_content` from a validated pack).
fn decode_task(body: &str) -> Result<binhdan_content::Task> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::corrupt("sim_task", format_args!("body: {e}")))
}
