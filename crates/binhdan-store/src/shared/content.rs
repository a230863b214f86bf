// The curriculum, written once for both backends (see the crate docs).

/// Marks active rows of `table` whose id is not in `keep` as retired; returns how many.
async fn retire_missing(
    tx: &mut sqlx::Transaction<'_, Db>,
    table: &'static str,
    keep: &std::collections::HashSet<&str>,
    now: Timestamp,
) -> Result<u64> {
    // `table` is one of our own table names, never input.
    let active: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM {table} WHERE retired_at IS NULL")))
        .fetch_all(&mut **tx)
        .await?;
    let mut retired = 0;
    for id in active.iter().filter(|id| !keep.contains(id.as_str())) {
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET retired_at = $1 WHERE id = $2")))
            .bind(now.millis())
            .bind(id.clone())
            .execute(&mut **tx)
            .await?;
        retired += 1;
    }
    Ok(retired)
}

#[async_trait]
impl ContentStore for Backend {
    async fn load_content(&self, pack: &binhdan_content::Pack, now: Timestamp) -> Result<ContentLoadReport> {
        use std::collections::{HashMap, HashSet};

        let mut report = ContentLoadReport::default();
        let mut tx = self.write.begin().await?;
        let old_lessons: HashMap<String, String> =
            sqlx::query_as::<_, (String, String)>("SELECT id, markdown FROM lesson").fetch_all(&mut *tx).await?.into_iter().collect();
        let old_items: HashMap<String, String> =
            sqlx::query_as::<_, (String, String)>("SELECT id, body FROM item").fetch_all(&mut *tx).await?.into_iter().collect();

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
                    let Some(lesson) = pack.lesson(lesson_id) else { continue };
                    match old_lessons.get(&lesson.id) {
                        None => report.lessons_added += 1,
                        Some(old) if *old != lesson.markdown => report.lessons_changed += 1,
                        Some(_) => {}
                    }
                    sqlx::query(
                        "INSERT INTO lesson (id, module_id, position, title, competence, step, minutes, markdown, html, revision) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) \
                         ON CONFLICT (id) DO UPDATE SET module_id = excluded.module_id, position = excluded.position, \
                         title = excluded.title, competence = excluded.competence, step = excluded.step, minutes = excluded.minutes, \
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
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("DELETE FROM module_quiz WHERE module_id = $1").bind(module.id.clone()).execute(&mut *tx).await?;
                for (qpos, item_id) in module.quiz.iter().enumerate() {
                    sqlx::query("INSERT INTO module_quiz (module_id, position, item_id) VALUES ($1, $2, $3)")
                        .bind(module.id.clone())
                        .bind(i64::try_from(qpos).unwrap_or(i64::MAX))
                        .bind(item_id.clone())
                        .execute(&mut *tx)
                        .await?;
                }
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

        let course_ids: HashSet<&str> = pack.courses.iter().map(|c| c.id.as_str()).collect();
        let module_ids: HashSet<&str> = pack.courses.iter().flat_map(|c| c.modules.iter().map(|m| m.id.as_str())).collect();
        let lesson_ids: HashSet<&str> = pack.lessons.iter().map(|l| l.id.as_str()).collect();
        let item_ids: HashSet<&str> = pack.items.iter().map(|i| i.id.as_str()).collect();
        retire_missing(&mut tx, "course", &course_ids, now).await?;
        retire_missing(&mut tx, "course_module", &module_ids, now).await?;
        report.lessons_retired = retire_missing(&mut tx, "lesson", &lesson_ids, now).await?;
        report.items_retired = retire_missing(&mut tx, "item", &item_ids, now).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn courses(&self) -> Result<Vec<CourseSummary>> {
        let rows: Vec<(String, i64, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT c.id, c.version, c.grp, c.title, c.summary, \
               (SELECT COUNT(*) FROM course_module m WHERE m.course_id = c.id AND m.retired_at IS NULL), \
               (SELECT COUNT(*) FROM lesson l JOIN course_module m ON m.id = l.module_id \
                 WHERE m.course_id = c.id AND l.retired_at IS NULL) \
             FROM course c WHERE c.retired_at IS NULL ORDER BY c.position",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, version, group, title, summary, modules, lessons)| CourseSummary {
                id,
                version: u32::try_from(version).unwrap_or(0),
                group,
                title,
                summary,
                modules: u64::try_from(modules).unwrap_or(0),
                lessons: u64::try_from(lessons).unwrap_or(0),
            })
            .collect())
    }

    async fn content_asset(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT bytes FROM content_asset WHERE path = $1").bind(path.to_owned()).fetch_optional(&self.read).await?)
    }
}
