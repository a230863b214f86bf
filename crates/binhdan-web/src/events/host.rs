//! The host's page at a bridge point: check-ins by CCCD, phone or name (one form, or the
//! page's queue through the JSON API), the headcount of people without ID.

#[allow(
    clippy::wildcard_imports,
    reason = "the feature's shared imports and helpers"
)]
use super::*;

/// The host's page again after one of its forms, with what the form did and the point's
/// figures as they are now.
pub(super) async fn host_page_after(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    headers: &axum::http::HeaderMap,
    event: EventRecord,
    point: PointRecord,
    (status, said): (StatusCode, Said),
) -> Result<Response, Problem> {
    let point = state.store.point(point.id).await?.unwrap_or(point);
    let mut r = host_page(state, lang, s, event, point, said)
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
pub(super) struct HostPage {
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
    /// The point's unit and host in the change form, chosen as when adding a point.
    unit_picker: Option<crate::pickers::Picker>,
    host_picker: Option<crate::pickers::Picker>,
    /// The most a point may expect (the change form's `max`).
    max_expected: u32,
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
        self.qr_svg = crate::respond::qr_svg(&self.qr_url);
        self
    }
}

pub(super) fn via_label(lang: Lang, via: CheckInVia) -> String {
    lang.text(match via {
        CheckInVia::Qr => "checkin-via-qr",
        CheckInVia::Cccd => "checkin-via-cccd",
        CheckInVia::Phone => "checkin-via-phone",
        CheckInVia::Name => "checkin-via-name",
    })
}

pub(super) fn point_figures(lang: Lang, point: &PointRecord) -> String {
    figures_text(lang, point.checked_in, point.headcount, point.expected)
}

/// "N checked in, M counted by head, of E expected" in the reader's language.
fn figures_text(lang: Lang, checked_in: u64, headcount: u64, expected: u32) -> String {
    lang.tr(&Msg::new("point-figures")
        .arg("checked_in", format_count(lang, checked_in))
        .arg("headcount", format_count(lang, headcount))
        .arg("expected", format_count(lang, u64::from(expected))))
}

pub(super) async fn host_page(
    state: &AppState,
    lang: Lang,
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

    let may_manage = s.may(Permission::ManageEvents, &Target::Unit(&event.unit_path));
    let (unit_picker, host_picker) = if may_manage {
        let store = state.store.as_ref();
        let units = match store.unit(&event.unit_code).await? {
            Some(root) => Some(
                crate::pickers::unit_picker(store, lang, &root)
                    .await?
                    .with(point.unit_code.as_str()),
            ),
            None => None,
        };
        let hosts = crate::pickers::staff_picker(store, lang, &event.unit_path)
            .await?
            .with(&point.host_username);
        (units, Some(hosts))
    } else {
        (None, None)
    };
    Ok(HostPage {
        may_manage,
        unit_picker,
        host_picker,
        max_expected: binhdan_app::events::MAX_HEADCOUNT,
        user: s.id,
        l: Layout::new(lang, point.name.clone()).with_script(crate::assets::host_js_url()),
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
    Ok(host_page(&state, lang, &s, event, point, Said::default())
        .await?
        .with_qr(&state, &headers)
        .into_response())
}

pub(super) fn require_host(
    s: &StaffCaller,
    event: &EventRecord,
    point: &PointRecord,
) -> Result<(), Problem> {
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
pub(super) async fn check_in_batch(
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
    // Someone named or called by a phone number the registry does not know is checked in as
    // a guest: the host is told, so a misspelt name of a resident can be corrected.
    let guests: Vec<bool> = good
        .iter()
        .map(|c| c.person_id.is_none() && c.cccd_hash.is_none())
        .collect();
    let done = state
        .events
        .desk(state)
        .submit(good, crate::respond::cutoff(state), now)
        .await?;
    let names = point_names(state, event, &done.outcomes).await?;
    for ((index, guest), (outcome, label)) in taken.into_iter().zip(guests).zip(done.outcomes) {
        let item = &items[index];
        let (status, message) = match outcome {
            CheckInOutcome::New => (
                "new",
                lang.tr(&Msg::new(if guest {
                    "checkin-done-guest"
                } else {
                    "checkin-done"
                })
                .arg("name", &label)),
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
pub(super) async fn point_names(
    state: &AppState,
    event: &EventRecord,
    outcomes: &[(CheckInOutcome, String)],
) -> Result<HashMap<i64, String>, Problem> {
    let mut names = HashMap::new();
    for (o, _) in outcomes {
        if let CheckInOutcome::Already { point_id, .. } = o
            && !names.contains_key(point_id)
        {
            let found = point_checked(state, event.id, *point_id).await?;
            names.insert(*point_id, found.1.name.clone());
        }
    }
    Ok(names)
}

/// Sets the headcount unless it is older than the one in: `set`, `older` or a refusal.
pub(super) async fn headcount(
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
    let found = point_checked(&state, id, point).await?;
    let (event, point) = (&found.0, &found.1);
    require_host(&s, event, point)?;
    if batch.items.len() > MAX_BATCH {
        return Err(Problem::bad_request(
            Msg::new("checkin-batch-too-large").arg("max", MAX_BATCH),
        ));
    }
    let (results, moved) = check_in_batch(&state, lang, &s, event, point, &batch.items).await?;
    let (hc, hc_message) = match batch.headcount {
        None => (None, None),
        Some(h) => match headcount(&state, event, point, h).await? {
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
    let (checked_in, headcount_total, expected) = match moved.iter().find(|m| m.0 == point.id) {
        Some(&(_, checked_in, headcount)) if batch.headcount.is_none() => {
            (checked_in, headcount, point.expected)
        }
        _ => match state.store.point(point.id).await? {
            Some(p) => (p.checked_in, p.headcount, p.expected),
            None => (point.checked_in, point.headcount, point.expected),
        },
    };
    Ok(crate::respond::no_store(
        Json(CheckInReply {
            results,
            headcount: hc,
            headcount_message: hc_message,
            checked_in,
            headcount_total,
            figures: figures_text(lang, checked_in, headcount_total, expected),
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
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    crate::problem::Form(form): crate::problem::Form<CheckInForm>,
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
    host_page_after(&state, lang, &s, &headers, event, point, (status, said)).await
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
    headers: axum::http::HeaderMap,
    Staff(s): Staff,
    Path((id, point)): Path<(i64, i64)>,
    crate::problem::Form(form): crate::problem::Form<HeadcountForm>,
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
    host_page_after(&state, lang, &s, &headers, event, point, (status, said)).await
}
