//! Live events with bridge points: the organisers' pages (events, points, the report), the
//! host's page (check-ins that survive a flaky connection), the participant's QR page and the
//! control room's live screen (Server-Sent Events).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::events::{
    CheckInDesk, EventDraft, EventError, Identity, Live, PointDraft, PointDrafts, PointsError,
    format_local_input, format_local_time,
};
use binhdan_auth::access::{Permission, Scope, Target};
use binhdan_core::{Msg, Timestamp};
use binhdan_i18n::Lang;
use binhdan_store::{CheckInOutcome, CheckInVia, EventKind, EventRecord, NewCheckIn, PointRecord};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::{Layout, format_count};
use crate::prefs::Prefs;
use crate::problem::Problem;
use crate::session::{Citizen, Staff, StaffCaller};

/// How often a live screen's figures are read (once per event and server, whatever the
/// number of screens watching).
const LIVE_EVERY: Duration = Duration::from_secs(1);
/// A host's request carries at most this many check-ins.
const MAX_BATCH: usize = 500;

/// The check-in writer and the live feeds, one per server.
pub struct EventsState {
    /// Set when the server shuts down: the live streams end, so that it need not wait for them.
    closing: tokio::sync::watch::Sender<bool>,
    desk: OnceLock<CheckInDesk>,
    /// Points (with their event) read in the last few seconds, for the checks of the hosts'
    /// many requests; their figures are never taken from here.
    points: Mutex<HashMap<i64, (EventRecord, PointRecord, std::time::Instant)>>,
    feeds: Mutex<HashMap<i64, tokio::sync::watch::Sender<Bytes>>>,
}

impl Default for EventsState {
    fn default() -> Self {
        Self {
            closing: tokio::sync::watch::Sender::new(false),
            desk: OnceLock::new(),
            points: Mutex::default(),
            feeds: Mutex::default(),
        }
    }
}

impl EventsState {
    /// Ends every live stream (the server is shutting down).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    fn desk(&self, state: &AppState) -> &CheckInDesk {
        self.desk
            .get_or_init(|| CheckInDesk::start(state.store.clone()))
    }
}

fn event_not_found() -> Problem {
    Problem::not_found(Msg::new("event-not-found"))
}

async fn event_of(state: &AppState, id: i64) -> Result<EventRecord, Problem> {
    state.store.event(id).await?.ok_or_else(event_not_found)
}

/// The event and one of its points, or 404.
async fn point_of(
    state: &AppState,
    id: i64,
    point: i64,
) -> Result<(EventRecord, PointRecord), Problem> {
    let event = event_of(state, id).await?;
    let point = state
        .store
        .point(point)
        .await?
        .filter(|p| p.event_id == event.id)
        .ok_or_else(|| Problem::not_found(Msg::new("point-not-found")))?;
    Ok((event, point))
}

/// How long a point read for checking a host's request is trusted: a changed host or window
/// takes effect within this.
const POINT_TTL: Duration = Duration::from_secs(5);

/// The event and one of its points as read in the last few seconds (see [`POINT_TTL`]): for
/// checks only, not figures.
async fn point_checked(
    state: &AppState,
    id: i64,
    point: i64,
) -> Result<(EventRecord, PointRecord), Problem> {
    {
        let cache = state
            .events
            .points
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((e, p, at)) = cache.get(&point)
            && at.elapsed() < POINT_TTL
            && e.id == id
        {
            return Ok((e.clone(), p.clone()));
        }
    }
    let (event, p) = point_of(state, id, point).await?;
    let mut cache = state
        .events
        .points
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() > 100_000 {
        cache.clear();
    }
    cache.insert(point, (event.clone(), p.clone(), std::time::Instant::now()));
    Ok((event, p))
}

fn kind_label(lang: Lang, kind: EventKind) -> String {
    lang.text(match kind {
        EventKind::Ceremony => "event-kind-ceremony",
        EventKind::Class => "event-kind-class",
    })
}

fn window(event: &EventRecord) -> String {
    format!(
        "{} – {}",
        format_local_time(event.starts_at),
        format_local_time(event.ends_at)
    )
}

/// Where the caller manages events: the first unit (or everywhere) of a grant that does.
fn managed_path(s: &StaffCaller) -> Option<String> {
    s.grants
        .iter()
        .filter(|g| g.role.holds(Permission::ManageEvents))
        .find_map(|g| match &g.scope {
            Scope::Unit { path } => Some(path.clone()),
            Scope::Everywhere => Some(String::new()),
            Scope::Organisation { .. } => None,
        })
}

pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub unit: String,
    pub window: String,
    pub points: u64,
    /// The caller manages it (else they host a point of it).
    pub manages: bool,
    /// The caller's own points: (id, name).
    pub hosted: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
struct EventsPage {
    l: Layout,
    rows: Vec<EventRow>,
    may_create: bool,
    csrf: String,
    unit: String,
    form: EventFormView,
    error: Option<String>,
}

#[derive(Default)]
pub struct EventFormView {
    pub title: String,
    pub kind: String,
    pub starts: String,
    pub ends: String,
    pub link: String,
}

async fn events_page(
    state: &AppState,
    lang: Lang,
    prefs: Prefs,
    s: &StaffCaller,
    form: EventFormView,
    error: Option<String>,
) -> Result<EventsPage, Problem> {
    let path = managed_path(s);
    let events = state.store.events_for(path.as_deref(), s.id, 100).await?;
    // The caller's own points, read once for every event listed.
    let mine = state.store.points_hosted_by(s.id).await?;
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let manages = s.may(Permission::ManageEvents, &Target::Unit(&e.unit_path));
        let hosted = if manages {
            Vec::new()
        } else {
            mine.iter()
                .filter(|p| p.event_id == e.id)
                .map(|p| (p.id, p.name.clone()))
                .collect()
        };
        rows.push(EventRow {
            id: e.id,
            title: e.title.clone(),
            kind: kind_label(lang, e.kind),
            unit: e.unit_name.clone(),
            window: window(&e),
            points: e.points,
            manages,
            hosted,
        });
    }
    let unit = match path.as_deref() {
        Some("") => state.config.province.clone(),
        Some(p) => p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        None => String::new(),
    };
    Ok(EventsPage {
        l: Layout::new(lang, lang.text("event-list-title")).with_prefs(prefs),
        rows,
        may_create: path.is_some(),
        csrf: s.csrf().expose().clone(),
        unit,
        form,
        error,
    })
}

/// The events the caller organises or hosts a point of, and the form to create one.
#[utoipa::path(get, path = "/quan-ly/su-kien", tag = "pages",
    responses((status = 200, description = "Events (HTML)", content_type = "text/html"), (status = 403, description = "Not staff who manage events or check people in")))]
pub async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    s.require_somewhere(Permission::CheckIn)?;
    let now = state.clock.now();
    let form = EventFormView {
        kind: "ceremony".to_owned(),
        starts: format_local_input(now),
        ends: format_local_input(Timestamp(now.millis() + 2 * 3_600_000)),
        ..EventFormView::default()
    };
    Ok(events_page(&state, lang, prefs, &s, form, None)
        .await?
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    /// `ceremony` or `class`.
    #[serde(default)]
    kind: String,
    /// The organising unit's code (when creating: an event keeps its unit).
    #[serde(default)]
    unit: String,
    /// `2026-11-27T08:00`, in Vietnam.
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    /// The broadcast's link (https://…), optional.
    #[serde(default)]
    link: String,
}

/// Creates an event (staff who manage events over the organising unit).
#[utoipa::path(post, path = "/quan-ly/su-kien", tag = "pages",
    request_body(content = EventForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Created: to the event's page"), (status = 403, description = "Not allowed at that unit"), (status = 422, description = "A refused field (the page says which)")))]
pub async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    axum::Form(form): axum::Form<EventForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    s.require_somewhere(Permission::ManageEvents)?;
    let view = EventFormView {
        title: form.title.clone(),
        kind: form.kind.clone(),
        starts: form.starts.clone(),
        ends: form.ends.clone(),
        link: form.link.clone(),
    };
    let refused = |msg: Msg, view: EventFormView| {
        let (state, s) = (&state, &s);
        async move {
            let mut r = events_page(state, lang, prefs, s, view, Some(lang.tr(&msg)))
                .await?
                .into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok::<Response, Problem>(r)
        }
    };
    let unit = match binhdan_core::unit::UnitCode::parse(form.unit.trim()) {
        Ok(code) => state.store.unit(&code).await?,
        Err(_) => None,
    };
    let Some(unit) = unit else {
        return refused(
            Msg::new("event-unit-unknown")
                .arg("value", form.unit.chars().take(20).collect::<String>()),
            view,
        )
        .await;
    };
    s.require(Permission::ManageEvents, &Target::Unit(&unit.path))?;
    let draft = EventDraft {
        title: &form.title,
        kind: &form.kind,
        starts: &form.starts,
        ends: &form.ends,
        broadcast_url: &form.link,
    };
    match binhdan_app::events::create_event(
        state.store.as_ref(),
        &unit,
        &draft,
        &s.actor(),
        state.clock.now(),
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/quan-ly/su-kien/{id}")).into_response()),
        Err(EventError::Invalid(msg)) => refused(msg, view).await,
        Err(EventError::Store(e)) => Err(e.into()),
    }
}

/// What a page says after a request: a refusal (with its rows) or a notice.
#[derive(Default)]
struct Said {
    error: Option<String>,
    errors: Vec<String>,
    notice: Option<String>,
}

pub struct PointRow {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub host: String,
    pub expected: String,
    pub participants: String,
    pub connected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "event.html")]
struct EventPage {
    l: Layout,
    event: EventRecord,
    kind: String,
    window: String,
    points: Vec<PointRow>,
    totals: String,
    may_manage: bool,
    /// The form to change the event, filled with what it is.
    form: EventFormView,
    csrf: String,
    error: Option<String>,
    errors: Vec<String>,
    notice: Option<String>,
}

async fn event_page(
    state: &AppState,
    lang: Lang,
    prefs: Prefs,
    s: &StaffCaller,
    event: EventRecord,
    said: Said,
) -> Result<EventPage, Problem> {
    let Said {
        error,
        errors,
        notice,
    } = said;
    let points = state.store.points(event.id).await?;
    let live = binhdan_app::events::summarise(&points, state.store.event_groups(event.id).await?);
    Ok(EventPage {
        l: Layout::new(lang, event.title.clone()).with_prefs(prefs),
        form: EventFormView {
            title: event.title.clone(),
            kind: event.kind.as_str().to_owned(),
            starts: format_local_input(event.starts_at),
            ends: format_local_input(event.ends_at),
            link: event.broadcast_url.clone().unwrap_or_default(),
        },
        kind: kind_label(lang, event.kind),
        window: window(&event),
        points: points
            .into_iter()
            .map(|p| PointRow {
                id: p.id,
                unit: format!("{} ({})", p.unit_name, p.unit_code),
                host: p.host_username.clone(),
                expected: format_count(lang, u64::from(p.expected)),
                participants: format_count(lang, p.participants()),
                connected: p.connected_at.is_some(),
                name: p.name,
            })
            .collect(),
        totals: lang.tr(&Msg::new("event-totals")
            .arg("participants", format_count(lang, live.participants))
            .arg("expected", format_count(lang, live.expected))
            .arg("connected", live.connected)
            .arg("points", live.points)),
        may_manage: s.may(Permission::ManageEvents, &Target::Unit(&event.unit_path)),
        csrf: s.csrf().expose().clone(),
        event,
        error,
        errors,
        notice,
    })
}

/// Staff who manage events over the event's unit, or see its dashboard.
fn may_view(s: &StaffCaller, event: &EventRecord) -> Result<(), Problem> {
    if s.may(Permission::ViewDashboard, &Target::Unit(&event.unit_path)) {
        Ok(())
    } else {
        s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))
    }
}

/// An event: its window, link and points with their figures; for its organisers, the forms
/// to add points one by one or from a file.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "The event (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event")))]
pub async fn show(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    Ok(event_page(&state, lang, prefs, &s, event, Said::default())
        .await?
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PointForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// The unit (commune or village) code.
    #[serde(default)]
    unit: String,
    /// The host's staff username.
    #[serde(default)]
    host: String,
    #[serde(default)]
    expected: String,
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

async fn points_added(
    state: &AppState,
    lang: Lang,
    prefs: Prefs,
    s: &StaffCaller,
    event: EventRecord,
    drafts: PointDrafts,
) -> Result<Response, Problem> {
    let from_form = drafts.rows.first().is_some_and(|(row, _)| *row == 0);
    let result =
        binhdan_app::events::add_points(state.store.as_ref(), &event, &drafts, &mut new_token)
            .await;
    let (status, error, errors, notice) = match result {
        Ok(n) => (
            StatusCode::OK,
            None,
            Vec::new(),
            Some(lang.tr(&Msg::new("point-added").arg("count", n))),
        ),
        // The form's refusals are its fields' own, without a row.
        Err(PointsError::Rows(rows)) if from_form => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(
                rows.iter()
                    .map(|r| lang.tr(&r.msg))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Vec::new(),
            None,
        ),
        Err(PointsError::Rows(rows)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(lang.tr(&Msg::new("import-failed").arg("count", rows.len()))),
            crate::staff::row_errors(lang, &rows),
            None,
        ),
        Err(PointsError::Store(e)) => return Err(e.into()),
    };
    let mut r = event_page(
        state,
        lang,
        prefs,
        s,
        event,
        Said {
            error,
            errors,
            notice,
        },
    )
    .await?
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// Adds a bridge point (the event's organisers).
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/diem", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    request_body(content = PointForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Added: the event's page"), (status = 403, description = "Not an organiser"), (status = 404, description = "No such event"), (status = 422, description = "A refused field (the page says which)")))]
pub async fn add_point(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<PointForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let event = event_of(&state, id).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let draft = PointDraft {
        name: form.name,
        unit: form.unit,
        host: form.host,
        expected: form.expected,
    };
    points_added(&state, lang, prefs, &s, event, PointDrafts::one(draft)).await
}

/// Adds bridge points from a file (CSV or XLSX: point name, unit code, host account, expected
/// headcount), all or none; the refusal names each row and field.
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/diem/tep", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    request_body(content_type = "multipart/form-data", description = "`csrf` and `file`"),
    responses((status = 200, description = "Added: the event's page"), (status = 403, description = "Not an organiser"), (status = 404, description = "No such event"), (status = 422, description = "Refused rows (the page lists them)")))]
pub async fn import_points(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    let upload = crate::staff::Upload::read(&mut multipart).await?;
    s.check_csrf(upload.field("csrf"))?;
    let event = event_of(&state, id).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let file = upload.file()?;
    match tokio::task::spawn_blocking(move || binhdan_app::events::read_points(&file))
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        Ok(drafts) => points_added(&state, lang, prefs, &s, event, drafts).await,
        Err(rows) => {
            let error = Some(lang.tr(&Msg::new("import-failed").arg("count", rows.len())));
            let errors = crate::staff::row_errors(lang, &rows);
            let mut r = event_page(
                &state,
                lang,
                prefs,
                &s,
                event,
                Said {
                    error,
                    errors,
                    notice: None,
                },
            )
            .await?
            .into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

/// Changes an event's name, kind, window or link (its organisers).
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/sua", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    request_body(content = EventForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Changed: the event's page"), (status = 403, description = "Not an organiser"), (status = 404, description = "No such event"), (status = 422, description = "A refused field (the page says which)")))]
pub async fn change(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<EventForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let event = event_of(&state, id).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let draft = EventDraft {
        title: &form.title,
        kind: &form.kind,
        starts: &form.starts,
        ends: &form.ends,
        broadcast_url: &form.link,
    };
    let (status, said) = match binhdan_app::events::change_event(
        state.store.as_ref(),
        &event,
        &draft,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => (
            StatusCode::OK,
            Said {
                notice: Some(lang.text("event-changed")),
                ..Said::default()
            },
        ),
        Err(EventError::Invalid(msg)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Said {
                error: Some(lang.tr(&msg)),
                ..Said::default()
            },
        ),
        Err(EventError::Store(e)) => return Err(e.into()),
    };
    let event = event_of(&state, id).await?;
    let mut r = event_page(&state, lang, prefs, &s, event, said)
        .await?
        .into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// Changes a bridge point's name, unit, host or expected headcount (the event's organisers);
/// its QR code and figures stay.
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/diem/{point}/sua", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ("point" = i64, Path, description = "Point id")),
    request_body(content = PointForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Changed: the point's page"), (status = 403, description = "Not an organiser"), (status = 404, description = "No such event or point"), (status = 422, description = "A refused field (the page says which)")))]
pub async fn change_point(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<PointForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let (event, point) = point_of(&state, id, point).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let draft = PointDraft {
        name: form.name,
        unit: form.unit,
        host: form.host,
        expected: form.expected,
    };
    let (status, said) = match binhdan_app::events::change_point(
        state.store.as_ref(),
        &event,
        &point,
        draft,
    )
    .await
    {
        Ok(()) => (
            StatusCode::OK,
            Said {
                notice: Some(lang.text("point-changed")),
                ..Said::default()
            },
        ),
        Err(PointsError::Rows(rows)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Said {
                error: Some(
                    rows.iter()
                        .map(|r| lang.tr(&r.msg))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                ..Said::default()
            },
        ),
        Err(PointsError::Store(e)) => return Err(e.into()),
    };
    state
        .events
        .points
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&point.id);
    host_page_after(
        &state,
        (lang, prefs),
        &s,
        &headers,
        event,
        point,
        (status, said),
    )
    .await
}

/// The host's page again after one of its forms, with what the form did and the point's
/// figures as they are now.
async fn host_page_after(
    state: &AppState,
    (lang, prefs): (Lang, Prefs),
    s: &StaffCaller,
    headers: &axum::http::HeaderMap,
    event: EventRecord,
    point: PointRecord,
    (status, said): (StatusCode, Said),
) -> Result<Response, Problem> {
    let point = state.store.point(point.id).await?.unwrap_or(point);
    let mut r = host_page(state, lang, prefs, s, event, point, said)
        .await?
        .with_qr(state, headers)
        .into_response();
    *r.status_mut() = status;
    Ok(r)
}

pub struct CheckInRow {
    pub label: String,
    pub via: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_point.html")]
struct HostPage {
    l: Layout,
    event: EventRecord,
    point: PointRecord,
    window: String,
    qr_svg: String,
    qr_url: String,
    api: String,
    figures: String,
    headcount: u64,
    recent: Vec<CheckInRow>,
    /// The caller organises the event (and may change the point).
    may_manage: bool,
    /// The caller's account, so that each keeps their own queue on a shared device.
    user: i64,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
}

impl HostPage {
    /// The QR code participants scan: the point's page at the address people reach this
    /// server by (the configured public URL, else the request's host).
    fn with_qr(mut self, state: &AppState, headers: &axum::http::HeaderMap) -> Self {
        let origin = state.config.public_url.clone().unwrap_or_else(|| {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    h.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']')
                    })
                })
                .map_or_else(|| state.config.listen.clone(), str::to_owned);
            format!("http://{host}")
        });
        self.qr_url = format!(
            "{}/su-kien/diem/{}",
            origin.trim_end_matches('/'),
            self.point.token
        );
        self.qr_svg = crate::account::qr_svg(&self.qr_url);
        self
    }
}

fn via_label(lang: Lang, via: CheckInVia) -> String {
    lang.text(match via {
        CheckInVia::Qr => "checkin-via-qr",
        CheckInVia::Cccd => "checkin-via-cccd",
        CheckInVia::Phone => "checkin-via-phone",
        CheckInVia::Name => "checkin-via-name",
    })
}

fn point_figures(lang: Lang, point: &PointRecord) -> String {
    lang.tr(&Msg::new("point-figures")
        .arg("checked_in", format_count(lang, point.checked_in))
        .arg("headcount", format_count(lang, point.headcount))
        .arg("expected", format_count(lang, u64::from(point.expected))))
}

async fn host_page(
    state: &AppState,
    lang: Lang,
    prefs: Prefs,
    s: &StaffCaller,
    event: EventRecord,
    point: PointRecord,
    said: Said,
) -> Result<HostPage, Problem> {
    let Said { error, notice, .. } = said;
    let recent = state
        .store
        .point_check_ins(point.id, 20)
        .await?
        .into_iter()
        .map(|c| CheckInRow {
            label: c.label,
            via: via_label(lang, c.via),
            at: format_local_time(c.at),
        })
        .collect();

    Ok(HostPage {
        may_manage: s.may(Permission::ManageEvents, &Target::Unit(&event.unit_path)),
        user: s.id,
        l: Layout::new(lang, point.name.clone())
            .with_prefs(prefs)
            .with_script(crate::assets::host_js_url()),
        window: window(&event),
        qr_svg: String::new(),
        qr_url: String::new(),
        api: format!("/api/v1/events/{}/points/{}/check-ins", event.id, point.id),
        figures: point_figures(lang, &point),
        headcount: point.headcount,
        recent,
        csrf: s.csrf().expose().clone(),
        event,
        point,
        error,
        notice,
    })
}

/// The host's page at their point: the QR code to scan, the check-in and headcount forms and
/// the last check-ins. Its script queues check-ins in the browser while the network is down.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/diem/{point}", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ("point" = i64, Path, description = "Point id")),
    responses((status = 200, description = "The host's page (HTML)", content_type = "text/html"), (status = 403, description = "Not this point's host nor an organiser"), (status = 404, description = "No such event or point")))]
pub async fn host(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
) -> Result<Response, Problem> {
    let (event, mut point) = point_of(&state, id, point).await?;
    require_host(&s, &event, &point)?;
    // The host opening their page connects the point (the page's script reports in too).
    if point.connected_at.is_none() && point.host_id == s.id {
        let now = state.clock.now();
        state.store.point_seen(point.id, now).await?;
        point.connected_at = Some(now);
    }
    Ok(
        host_page(&state, lang, prefs, &s, event, point, Said::default())
            .await?
            .with_qr(&state, &headers)
            .into_response(),
    )
}

fn require_host(s: &StaffCaller, event: &EventRecord, point: &PointRecord) -> Result<(), Problem> {
    if binhdan_app::events::may_check_in(&s.grants, s.id, event, point) {
        Ok(())
    } else {
        tracing::info!(
            staff = s.id,
            point = point.id,
            "refused: not this point's host"
        );
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("point-not-yours"),
        ))
    }
}

/// One check-in as the host's page sends it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInItem {
    /// The device's id for it (echoed back), so a queue knows what went through.
    #[serde(default)]
    id: String,
    /// A CCCD, a phone number or a name.
    #[serde(default)]
    identity: String,
    /// When it was taken (ms since 1970), if it waited in a queue.
    at: Option<i64>,
}

/// A headcount as the host's page sends it.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
pub struct HeadcountItem {
    /// 0 to 100,000 (anything else is refused on its own, the check-ins still go in).
    value: i64,
    /// When it was counted (ms since 1970): the newest count wins.
    at: Option<i64>,
}

/// What the host's page sends: check-ins, a headcount, or nothing (it only reports in).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CheckInBatch {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    items: Vec<CheckInItem>,
    headcount: Option<HeadcountItem>,
}

/// What became of one check-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInResult {
    id: String,
    /// `new`, `already` or `refused`.
    status: &'static str,
    /// The person's name or the masked number, when accepted.
    label: Option<String>,
    /// For the host, in their language.
    message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckInReply {
    results: Vec<CheckInResult>,
    /// `set`, `older` (a newer count is in) or `refused`; absent without a headcount.
    headcount: Option<&'static str>,
    headcount_message: Option<String>,
    checked_in: u64,
    headcount_total: u64,
    /// The point's figures in words.
    figures: String,
}

/// Checks in a batch at a point: each item resolved and checked against the window, the good
/// ones written together. Returns the results in order.
async fn check_in_batch(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    event: &EventRecord,
    point: &PointRecord,
    items: &[CheckInItem],
) -> Result<(Vec<CheckInResult>, Vec<(i64, u64, u64)>), Problem> {
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    let now = state.clock.now();
    let mut results: Vec<Option<CheckInResult>> = Vec::with_capacity(items.len());
    let mut good: Vec<NewCheckIn> = Vec::new();
    // The items that went to the desk, by index.
    let mut taken: Vec<usize> = Vec::new();
    let by = s.actor();
    // Where the host may see people's names.
    let reveal: Vec<String> = s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::ViewPeople))
        .filter_map(|g| match &g.scope {
            Scope::Unit { path } => Some(path.clone()),
            Scope::Everywhere => Some(String::new()),
            Scope::Organisation { .. } => None,
        })
        .collect();
    for (index, item) in items.iter().enumerate() {
        let refused = |msg: Msg| CheckInResult {
            id: item.id.chars().take(64).collect(),
            status: "refused",
            label: None,
            message: lang.tr(&msg),
        };
        let at = match binhdan_app::events::check_window(event, item.at.map(Timestamp), now) {
            Ok(at) => at,
            Err(msg) => {
                results.push(Some(refused(msg)));
                continue;
            }
        };
        let identity = match Identity::parse(&item.identity) {
            Ok(i) => i,
            Err(msg) => {
                results.push(Some(refused(msg)));
                continue;
            }
        };
        match binhdan_app::events::resolve(
            state.store.as_ref(),
            &vault,
            point,
            &identity,
            &by,
            &reveal,
            at,
        )
        .await?
        {
            Ok(c) => {
                taken.push(index);
                good.push(c);
                results.push(None);
            }
            Err(msg) => results.push(Some(refused(msg))),
        }
    }
    let done = state
        .events
        .desk(state)
        .submit(good, crate::quiz::cutoff(state), now)
        .await?;
    let names = point_names(state, event, &done.outcomes).await?;
    for (index, (outcome, label)) in taken.into_iter().zip(done.outcomes) {
        let item = &items[index];
        let (status, message) = match outcome {
            CheckInOutcome::New => (
                "new",
                lang.tr(&Msg::new("checkin-done").arg("name", &label)),
            ),
            CheckInOutcome::Already { point_id, at } => (
                "already",
                lang.tr(&Msg::new("checkin-already")
                    .arg("name", &label)
                    .arg("point", names.get(&point_id).cloned().unwrap_or_default())
                    .arg("at", format_local_time(at))),
            ),
        };
        results[index] = Some(CheckInResult {
            id: item.id.chars().take(64).collect(),
            status,
            label: Some(label),
            message,
        });
    }
    Ok((results.into_iter().flatten().collect(), done.points))
}

/// The names of the points that already-counted check-ins point at.
async fn point_names(
    state: &AppState,
    event: &EventRecord,
    outcomes: &[(CheckInOutcome, String)],
) -> Result<HashMap<i64, String>, Problem> {
    let mut names = HashMap::new();
    for (o, _) in outcomes {
        if let CheckInOutcome::Already { point_id, .. } = o
            && !names.contains_key(point_id)
        {
            let (_, p) = point_checked(state, event.id, *point_id).await?;
            names.insert(*point_id, p.name);
        }
    }
    Ok(names)
}

/// Sets the headcount unless it is older than the one in: `set`, `older` or a refusal.
async fn headcount(
    state: &AppState,
    event: &EventRecord,
    point: &PointRecord,
    h: HeadcountItem,
) -> Result<Result<&'static str, Msg>, Problem> {
    let now = state.clock.now();
    let Some(value) = u32::try_from(h.value)
        .ok()
        .filter(|v| *v <= binhdan_app::events::MAX_HEADCOUNT)
    else {
        return Ok(Err(
            Msg::new("headcount-invalid").arg("max", binhdan_app::events::MAX_HEADCOUNT)
        ));
    };
    let at = match binhdan_app::events::check_window(event, h.at.map(Timestamp), now) {
        Ok(at) => at,
        Err(msg) => return Ok(Err(msg)),
    };
    Ok(Ok(
        if state.store.set_headcount(point.id, value, at, now).await? {
            "set"
        } else {
            "older"
        },
    ))
}

/// Check-ins and a headcount from a host's page (or its queue, when the network returns).
/// Each check-in counts once however often it is sent; each gets its own result.
#[utoipa::path(post, path = "/api/v1/events/{id}/points/{point}/check-ins", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ("point" = i64, Path, description = "Point id")),
    request_body = CheckInBatch,
    responses((status = 200, description = "What became of each", body = CheckInReply), (status = 400, description = "Too many at once"), (status = 401, description = "Not signed in"), (status = 403, description = "Not this point's host nor an organiser, or a wrong CSRF token"), (status = 404, description = "No such event or point")))]
pub async fn api_check_in(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    Json(batch): Json<CheckInBatch>,
) -> Result<Response, Problem> {
    s.check_csrf(&batch.csrf)?;
    let (event, point) = point_checked(&state, id, point).await?;
    require_host(&s, &event, &point)?;
    if batch.items.len() > MAX_BATCH {
        return Err(Problem::bad_request(
            Msg::new("checkin-batch-too-large").arg("max", MAX_BATCH),
        ));
    }
    let (results, moved) = check_in_batch(&state, lang, &s, &event, &point, &batch.items).await?;
    let (hc, hc_message) = match batch.headcount {
        None => (None, None),
        Some(h) => match headcount(&state, &event, &point, h).await? {
            Ok(status) => (
                Some(status),
                Some(
                    lang.tr(&Msg::new(if status == "set" {
                        "headcount-done"
                    } else {
                        "headcount-kept"
                    })
                    .arg("count", h.value)),
                ),
            ),
            Err(msg) => (Some("refused"), Some(lang.tr(&msg))),
        },
    };
    if batch.items.is_empty() && batch.headcount.is_none() {
        state.store.point_seen(point.id, state.clock.now()).await?;
    }
    // The point's figures: as the check-ins just left them, else read afresh.
    let point = match moved.iter().find(|m| m.0 == point.id) {
        Some(&(_, checked_in, headcount)) if batch.headcount.is_none() => PointRecord {
            checked_in,
            headcount,
            ..point
        },
        _ => state.store.point(point.id).await?.unwrap_or(point),
    };
    Ok(crate::quiz::no_store(
        Json(CheckInReply {
            results,
            headcount: hc,
            headcount_message: hc_message,
            checked_in: point.checked_in,
            headcount_total: point.headcount,
            figures: point_figures(lang, &point),
        })
        .into_response(),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CheckInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    identity: String,
}

/// One check-in from the host's form (without JavaScript): the page again, with the result.
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/diem/{point}/diem-danh", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ("point" = i64, Path, description = "Point id")),
    request_body(content = CheckInForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Checked in (or already): the host's page"), (status = 403, description = "Not this point's host nor an organiser"), (status = 404, description = "No such event or point"), (status = 422, description = "Refused: the page says why")))]
pub async fn check_in_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<CheckInForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let (event, point) = point_of(&state, id, point).await?;
    require_host(&s, &event, &point)?;
    let item = CheckInItem {
        id: String::new(),
        identity: form.identity,
        at: None,
    };
    let result = check_in_batch(&state, lang, &s, &event, &point, &[item])
        .await?
        .0
        .pop();
    let (status, error, notice) = match result {
        Some(r) if r.status == "refused" => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some(r.message), None)
        }
        Some(r) => (StatusCode::OK, None, Some(r.message)),
        None => (StatusCode::OK, None, None),
    };
    let said = Said {
        error,
        errors: Vec::new(),
        notice,
    };
    host_page_after(
        &state,
        (lang, prefs),
        &s,
        &headers,
        event,
        point,
        (status, said),
    )
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct HeadcountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    headcount: String,
}

/// The headcount of people without ID from the host's form (without JavaScript).
#[utoipa::path(post, path = "/quan-ly/su-kien/{id}/diem/{point}/so-nguoi", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ("point" = i64, Path, description = "Point id")),
    request_body(content = HeadcountForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Counted: the host's page"), (status = 403, description = "Not this point's host nor an organiser"), (status = 404, description = "No such event or point"), (status = 422, description = "Refused: the page says why")))]
pub async fn headcount_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    axum::Form(form): axum::Form<HeadcountForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let (event, point) = point_of(&state, id, point).await?;
    require_host(&s, &event, &point)?;
    let result = match form.headcount.trim().parse::<i64>() {
        Ok(value) => headcount(&state, &event, &point, HeadcountItem { value, at: None }).await?,
        Err(_) => Err(Msg::new("headcount-invalid").arg("max", binhdan_app::events::MAX_HEADCOUNT)),
    };
    let (status, error, notice) = match result {
        Ok(status) => (
            StatusCode::OK,
            None,
            Some(
                lang.tr(&Msg::new(if status == "set" {
                    "headcount-done"
                } else {
                    "headcount-kept"
                })
                .arg("count", form.headcount.trim())),
            ),
        ),
        Err(msg) => (StatusCode::UNPROCESSABLE_ENTITY, Some(lang.tr(&msg)), None),
    };
    let said = Said {
        error,
        errors: Vec::new(),
        notice,
    };
    host_page_after(
        &state,
        (lang, prefs),
        &s,
        &headers,
        event,
        point,
        (status, said),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "event_qr.html")]
struct QrPage {
    l: Layout,
    event: EventRecord,
    point: PointRecord,
    window: String,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
}

async fn point_by_token(
    state: &AppState,
    token: &str,
) -> Result<(EventRecord, PointRecord), Problem> {
    let point = state
        .store
        .point_by_token(token)
        .await?
        .ok_or_else(|| Problem::not_found(Msg::new("point-not-found")))?;
    let event = event_of(state, point.event_id).await?;
    Ok((event, point))
}

/// What a participant sees after scanning a point's QR code (signed in with VNeID): the event
/// and the button that checks them in.
#[utoipa::path(get, path = "/su-kien/diem/{token}", tag = "pages",
    params(("token" = String, Path, description = "The point's QR token")),
    responses((status = 200, description = "The point (HTML)", content_type = "text/html"), (status = 303, description = "Sign in first"), (status = 404, description = "No such point")))]
pub async fn qr_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Citizen(c): Citizen,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let (event, point) = point_by_token(&state, &token).await?;
    Ok(QrPage {
        l: Layout::new(lang, event.title.clone()).with_prefs(prefs),
        window: window(&event),
        csrf: c.token.csrf_token().expose().clone(),
        event,
        point,
        error: None,
        notice: None,
    }
    .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QrForm {
    #[serde(default)]
    csrf: String,
}

/// The participant checks themselves in at the point whose QR code they scanned.
#[utoipa::path(post, path = "/su-kien/diem/{token}", tag = "pages",
    params(("token" = String, Path, description = "The point's QR token")),
    request_body(content = QrForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Checked in (or already)"), (status = 401, description = "Not signed in"), (status = 404, description = "No such point"), (status = 422, description = "Outside the event's window")))]
pub async fn qr_check_in(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Citizen(c): Citizen,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<QrForm>,
) -> Result<Response, Problem> {
    c.check_csrf(&form.csrf)?;
    let (event, point) = point_by_token(&state, &token).await?;
    let now = state.clock.now();
    let (status, error, notice) = match binhdan_app::events::check_window(&event, None, now) {
        Err(msg) => (StatusCode::UNPROCESSABLE_ENTITY, Some(lang.tr(&msg)), None),
        Ok(at) => {
            let person = state
                .store
                .person(c.person_id)
                .await?
                .ok_or_else(|| Problem::internal(&"signed-in person missing"))?;
            let item = NewCheckIn {
                event_id: event.id,
                point_id: point.id,
                participant: format!("p:{}", c.person_id),
                person_id: Some(c.person_id),
                cccd_hash: None,
                reveal_within: Vec::new(),
                via: CheckInVia::Qr,
                label: person.summary.name.clone(),
                by: format!("person:{}", c.person_id),
                at,
            };
            let outcome = state
                .events
                .desk(&state)
                .submit(vec![item], crate::quiz::cutoff(&state), now)
                .await?
                .outcomes;
            let names = point_names(&state, &event, &outcome).await?;
            let msg = match outcome.first() {
                Some((CheckInOutcome::Already { point_id, at }, _)) => {
                    Msg::new("checkin-self-already")
                        .arg("point", names.get(point_id).cloned().unwrap_or_default())
                        .arg("at", format_local_time(*at))
                }
                _ => Msg::new("checkin-self-done").arg("point", &point.name),
            };
            (StatusCode::OK, None, Some(lang.tr(&msg)))
        }
    };
    let mut r = QrPage {
        l: Layout::new(lang, event.title.clone()).with_prefs(prefs),
        window: window(&event),
        csrf: c.token.csrf_token().expose().clone(),
        event,
        point,
        error,
        notice,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

pub struct GroupView {
    pub key: String,
    pub label: String,
    pub count: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_live.html")]
struct LivePage {
    l: Layout,
    event: EventRecord,
    window: String,
    live: Live,
    participants: String,
    expected: String,
    groups: Vec<GroupView>,
    /// Every group's label, for the script: `key=label` lines.
    group_labels: String,
    feed: String,
}

/// The control room's big screen: points connected, participants in total, by commune and by
/// group, following the server's events.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/truc-tiep", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "The live screen (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event")))]
pub async fn live_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    let live = binhdan_app::events::live(state.store.as_ref(), event.id).await?;
    let all = [
        "adult",
        "student",
        "public_servant",
        "worker",
        "other",
        "guest",
        "headcount",
    ];
    Ok(LivePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("event-live-title").arg("title", &event.title)),
        )
        .with_prefs(prefs)
        .with_script(crate::assets::live_js_url()),
        window: window(&event),
        participants: format_count(lang, live.participants),
        expected: format_count(lang, live.expected),
        groups: live
            .groups
            .iter()
            .map(|(g, n)| GroupView {
                key: g.clone(),
                label: binhdan_app::events::group_label(lang, g),
                count: format_count(lang, *n),
            })
            .collect(),
        group_labels: all
            .iter()
            .map(|g| format!("{g}={}", binhdan_app::events::group_label(lang, g)))
            .collect::<Vec<_>>()
            .join("\n"),
        feed: format!("/quan-ly/su-kien/{}/truc-tiep/luong", event.id),
        live,
        event,
    }
    .into_response())
}

/// One Server-Sent Event carrying the figures, framed once for every screen (`Bytes` clones
/// share the buffer).
fn live_frame(live: &Live) -> Bytes {
    let json = serde_json::to_string(live).unwrap_or_default();
    Bytes::from(format!("event: live\ndata: {json}\n\n"))
}

/// The live figures' feed for an event: one reader per event and server polls the figures
/// (O(points) rows) and every watcher gets each change, framed once.
fn feed(state: &AppState, event: i64) -> tokio::sync::watch::Receiver<Bytes> {
    let mut feeds = state
        .events
        .feeds
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(tx) = feeds.get(&event) {
        return tx.subscribe();
    }
    let (tx, rx) = tokio::sync::watch::channel(Bytes::new());
    feeds.insert(event, tx.clone());
    let store = state.store.clone();
    let events = state.events.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LIVE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut idle = 0;
        loop {
            tick.tick().await;
            if tx.receiver_count() == 0 {
                idle += 1;
                if idle >= 3 {
                    let mut feeds = events
                        .feeds
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // A watcher may have come since: only an unwatched feed goes.
                    if tx.receiver_count() == 0 {
                        feeds.remove(&event);
                        return;
                    }
                }
                continue;
            }
            idle = 0;
            match binhdan_app::events::live(store.as_ref(), event).await {
                Ok(live) => {
                    let frame = live_frame(&live);
                    tx.send_if_modified(|old| {
                        if *old == frame {
                            false
                        } else {
                            *old = frame;
                            true
                        }
                    });
                }
                Err(e) => tracing::warn!(error = %e, event, "reading the live figures failed"),
            }
        }
    });
    rx
}

/// A comment line every this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

fn event_stream(body: axum::body::Body) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/event-stream"),
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    // Reverse proxies (nginx) must pass each event on at once.
    h.insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    r
}

/// The live figures as Server-Sent Events (`event: live`, the figures as JSON), sent when
/// they change. Once the event is over (and its late check-ins too) the stream sends the final
/// figures and ends; it ends too when the server shuts down.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/truc-tiep/luong", tag = "pages",
    params(("id" = i64, Path, description = "Event id")),
    responses((status = 200, description = "The figures as they change", content_type = "text/event-stream"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event")))]
pub async fn live_feed(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    if state.clock.now().millis() > event.ends_at.millis() + binhdan_app::events::LATE_SYNC_MS {
        // Over, and no late check-in can come: the final figures, and the stream ends.
        let live = binhdan_app::events::live(state.store.as_ref(), event.id).await?;
        return Ok(event_stream(axum::body::Body::from(live_frame(&live))));
    }
    let rx = feed(&state, event.id);
    let closing = state.events.closing.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, closing, true),
        |(mut rx, mut closing, first)| async move {
            // What woke a waiting stream.
            enum Woke {
                Changed,
                Closed,
                Quiet,
            }
            if first {
                // The figures as they are now, if the feed has read them yet.
                let frame = rx.borrow_and_update().clone();
                if !frame.is_empty() {
                    return Some((Ok::<Bytes, Infallible>(frame), (rx, closing, false)));
                }
            }
            loop {
                let woke = tokio::select! {
                    changed = rx.changed() => if changed.is_ok() { Woke::Changed } else { Woke::Closed },
                    _ = closing.wait_for(|c| *c) => Woke::Closed,
                    () = tokio::time::sleep(KEEP_ALIVE) => Woke::Quiet,
                };
                match woke {
                    Woke::Changed => {
                        let frame = rx.borrow_and_update().clone();
                        if !frame.is_empty() {
                            return Some((Ok(frame), (rx, closing, false)));
                        }
                    }
                    Woke::Closed => return None,
                    Woke::Quiet => {
                        return Some((Ok(Bytes::from_static(b":\n\n")), (rx, closing, false)));
                    }
                }
            }
        },
    );
    Ok(event_stream(axum::body::Body::from_stream(stream)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// `xlsx` (default) or `csv`.
    #[serde(rename = "dinh-dang")]
    #[param(rename = "dinh-dang")]
    format: Option<String>,
}

/// The event's report: participants by point, by commune and by group, as XLSX or CSV.
#[utoipa::path(get, path = "/quan-ly/su-kien/{id}/bao-cao", tag = "pages",
    params(("id" = i64, Path, description = "Event id"), ReportParams),
    responses((status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such event or format")))]
pub async fn report(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    Query(params): Query<ReportParams>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    let format = params.format.as_deref().unwrap_or("xlsx");
    if !matches!(format, "xlsx" | "csv") {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            Msg::new("report-format-unknown")
                .arg("value", format.chars().take(20).collect::<String>()),
        ));
    }
    let points = state.store.points(event.id).await?;
    let live = binhdan_app::events::summarise(&points, state.store.event_groups(event.id).await?);
    let mut sheets =
        binhdan_app::events::report_sheets(lang, &event, &points, &live, state.clock.now());
    let csv = format == "csv";
    if csv {
        // One table per file: the points (the communes and groups are sums of it).
        sheets.truncate(1);
    }
    crate::dashboard::spreadsheet(sheets, csv, &format!("su-kien-{}.{format}", event.id)).await
}
