//! The organisers' pages: events, their points (one by one or from a file), changing them.

#[allow(
    clippy::wildcard_imports,
    reason = "the feature's shared imports and helpers"
)]
use super::*;

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
pub(super) struct EventsPage {
    l: Layout,
    rows: Vec<EventRow>,
    may_create: bool,
    csrf: String,
    /// The organising unit, chosen by name among the caller's (when they may create).
    unit_picker: Option<crate::pickers::Picker>,
    form: EventFormView,
    error: Option<String>,
}

#[derive(Default)]
pub struct EventFormView {
    pub title: String,
    /// The organising unit as chosen or typed (a code, or a name).
    pub unit: String,
    pub kind: String,
    pub starts: String,
    pub ends: String,
    pub link: String,
}

pub(super) async fn events_page(
    state: &AppState,
    lang: Lang,
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
    let unit_picker = match binhdan_core::unit::UnitCode::parse(&unit) {
        Ok(code) => match state.store.unit(&code).await? {
            Some(root) => {
                let picker = crate::pickers::unit_picker(state.store.as_ref(), lang, &root).await?;
                // The caller's own unit first; as the text field shows a suggestion, by name.
                let own = if picker.select {
                    root.code.to_string()
                } else {
                    format!("{} ({})", root.name, root.code)
                };
                Some(picker.with(if form.unit.trim().is_empty() {
                    &own
                } else {
                    &form.unit
                }))
            }
            None => None,
        },
        Err(_) => None,
    };
    Ok(EventsPage {
        l: Layout::new(lang, lang.text("event-list-title")),
        rows,
        may_create: path.is_some() && unit_picker.is_some(),
        csrf: s.csrf().expose().clone(),
        unit_picker,
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
    Ok(events_page(&state, lang, &s, form, None)
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
    Staff(s): Staff,
    crate::problem::Form(form): crate::problem::Form<EventForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    s.require_somewhere(Permission::ManageEvents)?;
    let view = EventFormView {
        title: form.title.clone(),
        unit: form.unit.clone(),
        kind: form.kind.clone(),
        starts: form.starts.clone(),
        ends: form.ends.clone(),
        link: form.link.clone(),
    };
    let refused = |msg: Msg, view: EventFormView| {
        let (state, s) = (&state, &s);
        async move {
            let mut r = events_page(state, lang, s, view, Some(lang.tr(&msg)))
                .await?
                .into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok::<Response, Problem>(r)
        }
    };
    // A unit chosen by name is looked for among the caller's own.
    let typed = match managed_root(&state, &s) {
        Some(root) => {
            match crate::pickers::resolve_unit(state.store.as_ref(), &form.unit, &root).await? {
                crate::pickers::Resolved::Code(code) => code,
                crate::pickers::Resolved::AsTyped => form.unit.clone(),
                crate::pickers::Resolved::Ambiguous(msg) => return refused(msg, view).await,
            }
        }
        None => form.unit.clone(),
    };
    let unit = match binhdan_core::unit::UnitCode::parse(typed.trim()) {
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
pub(super) struct EventPage {
    l: Layout,
    event: EventRecord,
    kind: String,
    window: String,
    points: Vec<PointRow>,
    totals: String,
    may_manage: bool,
    /// The form to change the event, filled with what it is.
    form: EventFormView,
    /// The new point's unit and host, chosen by name (for the event's organisers).
    unit_picker: Option<crate::pickers::Picker>,
    host_picker: Option<crate::pickers::Picker>,
    csrf: String,
    error: Option<String>,
    errors: Vec<String>,
    notice: Option<String>,
}

pub(super) async fn event_page(
    state: &AppState,
    lang: Lang,
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
    let may_manage = s.may(Permission::ManageEvents, &Target::Unit(&event.unit_path));
    let (unit_picker, host_picker) = if may_manage {
        let root = state.store.unit(&event.unit_code).await?;
        let units = match root {
            Some(root) => {
                Some(crate::pickers::unit_picker(state.store.as_ref(), lang, &root).await?)
            }
            None => None,
        };
        let hosts =
            crate::pickers::staff_picker(state.store.as_ref(), lang, &event.unit_path).await?;
        (units, Some(hosts))
    } else {
        (None, None)
    };
    Ok(EventPage {
        unit_picker,
        host_picker,
        l: Layout::new(lang, event.title.clone()),
        form: EventFormView {
            title: event.title.clone(),
            unit: event.unit_code.to_string(),
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
        may_manage,
        csrf: s.csrf().expose().clone(),
        event,
        error,
        errors,
        notice,
    })
}

/// Staff who manage events over the event's unit, or see its dashboard.
pub(super) fn may_view(s: &StaffCaller, event: &EventRecord) -> Result<(), Problem> {
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
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let event = event_of(&state, id).await?;
    may_view(&s, &event)?;
    Ok(event_page(&state, lang, &s, event, Said::default())
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

/// The unit (under the event's) and host of a point form, each typed by code or chosen by
/// name: the codes to use, or the refusal of a name that fits several.
async fn by_name(
    state: &AppState,
    event: &EventRecord,
    form: &PointForm,
) -> Result<Result<(String, String), Msg>, Problem> {
    use crate::pickers::{Resolved, resolve_staff, resolve_unit};
    let store = state.store.as_ref();
    let unit = match resolve_unit(store, &form.unit, &event.unit_code).await? {
        Resolved::Code(code) => code,
        Resolved::AsTyped => form.unit.clone(),
        Resolved::Ambiguous(msg) => return Ok(Err(msg)),
    };
    let host = match resolve_staff(store, &form.host, &event.unit_path).await? {
        Resolved::Code(username) => username,
        Resolved::AsTyped => form.host.clone(),
        Resolved::Ambiguous(msg) => return Ok(Err(msg)),
    };
    Ok(Ok((unit, host)))
}

/// The unit under which the caller organises events (their first grant's; the province for a
/// grant over everything).
fn managed_root(state: &AppState, s: &StaffCaller) -> Option<binhdan_core::unit::UnitCode> {
    let path = managed_path(s)?;
    let code = if path.is_empty() {
        state.config.province.clone()
    } else {
        path.trim_end_matches('/').rsplit('/').next()?.to_owned()
    };
    binhdan_core::unit::UnitCode::parse(&code).ok()
}

pub(super) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

pub(super) async fn points_added(
    state: &AppState,
    lang: Lang,
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
            crate::respond::row_errors(lang, &rows),
            None,
        ),
        Err(PointsError::Store(e)) => return Err(e.into()),
    };
    let mut r = event_page(
        state,
        lang,
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
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<PointForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let event = event_of(&state, id).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let (unit, host) = match by_name(&state, &event, &form).await? {
        Ok(chosen) => chosen,
        Err(msg) => {
            let said = Said {
                error: Some(lang.tr(&msg)),
                ..Said::default()
            };
            let mut r = event_page(&state, lang, &s, event, said)
                .await?
                .into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let draft = PointDraft {
        name: form.name,
        unit,
        host,
        expected: form.expected,
    };
    points_added(&state, lang, &s, event, PointDrafts::one(draft)).await
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
        Ok(drafts) => points_added(&state, lang, &s, event, drafts).await,
        Err(rows) => {
            let error = Some(lang.tr(&Msg::new("import-failed").arg("count", rows.len())));
            let errors = crate::respond::row_errors(lang, &rows);
            let mut r = event_page(
                &state,
                lang,
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
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<EventForm>,
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
        Ok(()) => {
            // The hosts' checks see the new window at once (on this server).
            state.events.events.remove(&event.id);
            state
                .events
                .points
                .retain(|_, found| found.0.id != event.id);
            (
                StatusCode::OK,
                Said {
                    notice: Some(lang.text("event-changed")),
                    ..Said::default()
                },
            )
        }
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
    let mut r = event_page(&state, lang, &s, event, said)
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
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    crate::problem::Form(form): crate::problem::Form<PointForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let (event, point) = point_of(&state, id, point).await?;
    s.require(Permission::ManageEvents, &Target::Unit(&event.unit_path))?;
    let (unit, host) = match by_name(&state, &event, &form).await? {
        Ok(chosen) => chosen,
        Err(msg) => {
            let said = Said {
                error: Some(lang.tr(&msg)),
                ..Said::default()
            };
            return host_page_after(
                &state,
                lang,
                &s,
                &headers,
                event,
                point,
                (StatusCode::UNPROCESSABLE_ENTITY, said),
            )
            .await;
        }
    };
    let draft = PointDraft {
        name: form.name,
        unit,
        host,
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
    state.events.points.remove(&point.id);
    host_page_after(&state, lang, &s, &headers, event, point, (status, said)).await
}
