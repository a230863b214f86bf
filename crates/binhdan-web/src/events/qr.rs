//! What a participant sees after scanning a point's QR code: sign in with VNeID and say
//! "I am here".

#[allow(
    clippy::wildcard_imports,
    reason = "the feature's shared imports and helpers"
)]
use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "event_qr.html")]
pub(super) struct QrPage {
    l: Layout,
    event: EventRecord,
    point: PointRecord,
    window: String,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
}

pub(super) async fn point_by_token(
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
    Citizen(c): Citizen,
    Path(token): Path<String>,
) -> Result<Response, Problem> {
    let (event, point) = point_by_token(&state, &token).await?;
    Ok(QrPage {
        l: Layout::new(lang, event.title.clone()),
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
    Citizen(c): Citizen,
    Path(token): Path<String>,
    crate::problem::Form(form): crate::problem::Form<QrForm>,
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
                .submit(vec![item], crate::respond::cutoff(&state), now)
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
        l: Layout::new(lang, event.title.clone()),
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
