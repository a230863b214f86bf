//! Learning pages: the courses, a course's outline, the lesson reader, and the lessons' images.
//! Open to everyone, no account needed: reading is free; progress and quizzes come with
//! sign-in. Plain HTML; the "Nghe" (listen) button is the only script and only enhances.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhdan_core::Msg;
use binhdan_core::kpi::Group;
use binhdan_i18n::Lang;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::session::Caller;

pub struct CourseCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub audience: String,
    pub size: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "courses.html")]
struct CoursesPage {
    l: Layout,
    courses: Vec<CourseCard>,
}

fn audience(lang: Lang, group: &str) -> String {
    Group::parse(group)
        .map(|g| lang.tr(&g.label()))
        .unwrap_or_default()
}

/// The courses, one per target group.
#[utoipa::path(get, path = "/hoc", tag = "pages", responses((status = 200, description = "The courses (HTML)", content_type = "text/html")))]
pub async fn courses(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<Response, Problem> {
    let mut courses = state.store.courses().await?;
    // The citizens' course first: most people who come to learn are citizens.
    courses.sort_by_key(|c| Group::parse(&c.group) != Some(Group::Adult));
    let page = CoursesPage {
        l: Layout::new(lang, lang.text("learn-title")),
        courses: courses
            .into_iter()
            .map(|c| CourseCard {
                audience: audience(lang, &c.group),
                size: lang.tr(&Msg::new("learn-course-size")
                    .arg("modules", c.modules)
                    .arg("lessons", c.lessons)),
                id: c.id,
                title: c.title,
                summary: c.summary,
            })
            .collect(),
    };
    Ok(page.into_response())
}

pub struct LessonLink {
    pub id: String,
    pub title: String,
    pub minutes: String,
    /// Done by the signed-in learner.
    pub done: bool,
}

pub struct ModuleView {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub lessons: Vec<LessonLink>,
    pub quiz_passed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "course.html")]
struct CoursePage {
    l: Layout,
    title: String,
    summary: String,
    audience: String,
    modules: Vec<ModuleView>,
    signed_in: bool,
    /// Whose offline queue the page sends.
    off: crate::offline::Learner,
}

fn minutes(lang: Lang, m: u32) -> String {
    lang.tr(&Msg::new("learn-minutes").arg("minutes", m))
}

fn lesson_not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("learn-not-found"))
}

/// A course's modules and lessons.
#[utoipa::path(get, path = "/hoc/{course}", tag = "pages",
    params(("course" = String, Path, description = "Course id, e.g. `cong-dan`")),
    responses((status = 200, description = "The course's outline (HTML)", content_type = "text/html"), (status = 404, description = "No such course")))]
pub async fn course(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let Some(outline) = state.store.course_outline(&id).await? else {
        return Err(lesson_not_found());
    };
    let progress = match &caller {
        Caller::Citizen(c) => Some(state.store.course_progress(c.person_id, &id).await?),
        _ => None,
    };
    let done = |lesson: &str| {
        progress
            .as_ref()
            .is_some_and(|p| p.lessons_done.iter().any(|l| l == lesson))
    };
    let passed = |module: &str| {
        progress
            .as_ref()
            .is_some_and(|p| p.quizzes_passed.iter().any(|m| m == module))
    };
    let page = CoursePage {
        off: crate::offline::Learner::of(&caller),
        signed_in: progress.is_some(),
        l: Layout::new(lang, outline.course.title.clone()),
        audience: audience(lang, &outline.course.group),
        title: outline.course.title,
        summary: outline.course.summary,
        modules: outline
            .modules
            .into_iter()
            .map(|m| ModuleView {
                quiz_passed: passed(&m.id),
                id: m.id,
                title: m.title,
                summary: m.summary,
                lessons: m
                    .lessons
                    .into_iter()
                    .map(|l| LessonLink {
                        minutes: minutes(lang, l.minutes),
                        done: done(&l.id),
                        id: l.id,
                        title: l.title,
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "lesson.html")]
struct LessonView {
    l: Layout,
    title: String,
    course_id: String,
    course_title: String,
    module_title: String,
    meta: String,
    html: String,
    previous: Option<LessonLink>,
    next: Option<LessonLink>,
    lesson_id: String,
    /// The signed-in learner's CSRF token and whether they finished the lesson.
    learner: Option<(String, bool)>,
    /// Whose offline queue the page sends.
    off: crate::offline::Learner,
    /// The simulated tasks this lesson prepares for.
    tasks: Vec<crate::tasks::TaskCard>,
}

/// The lesson reader.
#[utoipa::path(get, path = "/bai/{lesson}", tag = "pages",
    params(("lesson" = String, Path, description = "Lesson id")),
    responses((status = 200, description = "The lesson (HTML)", content_type = "text/html"), (status = 404, description = "No such lesson")))]
pub async fn lesson(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let Some(p) = state.store.lesson_page(&id).await? else {
        return Err(lesson_not_found());
    };
    let learner = match &caller {
        Caller::Citizen(c) => {
            let progress = state
                .store
                .course_progress(c.person_id, &p.course_id)
                .await?;
            Some((
                c.token.csrf_token().expose().clone(),
                progress.lessons_done.contains(&p.id),
            ))
        }
        _ => None,
    };
    let link = |r: binhdan_store::LessonRef| LessonLink {
        minutes: minutes(lang, r.minutes),
        done: false,
        id: r.id,
        title: r.title,
    };
    let view = LessonView {
        l: Layout::new(lang, p.title.clone()).with_script(crate::assets::js_url()),
        meta: lang.tr(&Msg::new("learn-lesson-meta")
            .arg("minutes", p.minutes)
            .arg("step", crate::words::step(lang, &p.step))),
        title: p.title,
        course_id: p.course_id,
        course_title: p.course_title,
        module_title: p.module_title,
        html: p.html,
        previous: p.previous.map(link),
        next: p.next.map(link),
        tasks: crate::tasks::for_lesson(&state, lang, &id).await?,
        lesson_id: id,
        learner,
        off: crate::offline::Learner::of(&caller),
    };
    Ok(view.into_response())
}

/// An image of the curriculum (SVG), sandboxed.
#[utoipa::path(get, path = "/noi-dung/tep/{*path}", tag = "pages",
    params(("path" = String, Path, description = "The image's path in the content pack")),
    responses((status = 200, description = "The image", content_type = "image/svg+xml"), (status = 404, description = "No such image")))]
pub async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, Problem> {
    let Some(bytes) = state.store.content_asset(&path).await? else {
        return Err(lesson_not_found());
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    // An SVG opened on its own runs nothing and loads nothing.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(r)
}
