//! Classes of a village's team: opening one, its page, and marking attendance.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{self, AttendInput, ClassInput};
use binhdan_core::Msg;
use binhdan_i18n::Lang;
use binhdan_store::AttendanceOutcome;
use serde::Deserialize;

use super::{actor, module_options, new_op, visible_village};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::{Staff, StaffCaller};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClassForm {
    #[serde(default)]
    csrf: String,
    /// The device-made id.
    #[serde(default)]
    op: String,
    /// A module id of the curriculum.
    #[serde(default)]
    module: String,
    #[serde(default)]
    place: String,
    /// `2026-12-01T19:30`.
    #[serde(default)]
    starts: String,
}

/// Opens a class of the village's team (a resent form counts once).
#[utoipa::path(post, path = "/quan-ly/to-cong-nghe/{code}/lop", tag = "pages",
    params(("code" = String, Path, description = "Village code")),
    request_body(content = ClassForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Opened (or opened before under the same op): to the class"), (status = 403, description = "Not a member of the village's team, or a wrong CSRF token"), (status = 404, description = "No such village"), (status = 409, description = "The op is another action's"), (status = 422, description = "A refused field")))]
pub async fn open_class(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<ClassForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let village = teams::village(state.store.as_ref(), &code).await?;
    let done = teams::open_class(
        state.store.as_ref(),
        actor(&s),
        &village,
        &ClassInput {
            op: &form.op,
            module: &form.module,
            place: &form.place,
            starts: &form.starts,
        },
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/quan-ly/lop-hoc/{}", done.id)).into_response())
}

pub struct AttendeeRow {
    pub name: String,
    pub via: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "team_class.html")]
struct ClassPage {
    l: Layout,
    id: i64,
    code: String,
    village: String,
    notice: Option<String>,
    /// Why the last marking was refused (shown on the form, which stays ready).
    error: Option<String>,
    place: String,
    starts: String,
    present: i64,
    attendees: Vec<AttendeeRow>,
    member: bool,
    residents: Vec<(i64, String)>,
    /// The name the village list was narrowed to, and, when the list holds only part of the
    /// village, a line saying so.
    search: String,
    pick_more: Option<String>,
    csrf: String,
    op: String,
    /// The photo form's own device-made id (a photo and a typed marking are two actions).
    photo_op: String,
    /// A card read from a photo and refused (someone not yet on the roster): kept in the card
    /// field, so that registering them from it is one more tap, not another photo.
    card: String,
    /// A photo was refused: a link to its form, further down, to send another.
    photo_again: bool,
    /// The QR decoder's URL, which the scanner loads when first used.
    decoder: String,
    /// The member's offline queue: attendance taken without a network waits on the phone.
    off: crate::offline::Learner,
}

/// What the class page says after a marking.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Marked {
    /// `moi`: marked now; `roi`: was already present.
    #[serde(rename = "co-mat")]
    #[param(rename = "co-mat")]
    marked: Option<String>,
    /// Narrows the village list to residents whose name holds this text.
    #[serde(rename = "tim")]
    #[param(rename = "tim")]
    search: Option<String>,
}

/// Residents offered in the class's village list at once; a larger village is searched by
/// name first.
const PICK_LIMIT: u32 = 300;

/// A class of a village's team and who is present; for a member, the attendance form (card
/// QR text, a typed number or phone, or the village list).
#[utoipa::path(get, path = "/quan-ly/lop-hoc/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Class id"), Marked),
    responses((status = 200, description = "The class (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such class")))]
pub async fn class(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    axum::extract::Query(marked): axum::extract::Query<Marked>,
) -> Result<Response, Problem> {
    let notice = match marked.marked.as_deref() {
        Some("moi") => Some(lang.text("team-attend-marked")),
        Some("roi") => Some(lang.text("team-attend-already")),
        _ => None,
    };
    let search = marked.search.as_deref().map_or("", str::trim);
    let page = class_page(&state, lang, &s, id, notice, None, search).await?;
    Ok(crate::respond::no_store(page.into_response()))
}

/// The class page: who is present and, for a member, the attendance form.
async fn class_page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
    search: &str,
) -> Result<ClassPage, Problem> {
    let store = state.store.as_ref();
    let class = store
        .team_class(id)
        .await?
        .ok_or_else(|| Problem::not_found(Msg::new("team-class-unknown")))?;
    let village = visible_village(state, s, class.village_code.as_str()).await?;
    let member = teams::is_member(store, actor(s), &village).await?;
    let module = module_options(state)
        .await?
        .into_iter()
        .find(|m| m.id == class.module_id)
        .map_or_else(|| class.module_id.clone(), |m| m.title);
    let found = if member {
        let query = binhdan_store::ResidentsQuery {
            name: (!search.is_empty()).then(|| search.to_owned()),
            limit: PICK_LIMIT,
            offset: 0,
        };
        store.residents(&village.code, &query).await?
    } else {
        binhdan_store::ResidentsPage::default()
    };
    // More residents than the list holds: say so, and that a name search finds the others.
    let pick_more = (found.total > u64::from(PICK_LIMIT)).then(|| {
        lang.tr(&Msg::new("team-attend-pick-more")
            .arg("shown", PICK_LIMIT)
            .arg("total", found.total))
    });
    let residents = found
        .residents
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut l = Layout::new(
        lang,
        lang.tr(&Msg::new("team-class-title").arg("module", &module)),
    );
    if member {
        // The card scanner enhances the attendance form, which only a member sees.
        l = l.with_script(crate::assets::scan_js_url());
    }
    let page = ClassPage {
        l,
        id,
        code: village.code.to_string(),
        village: village.name.clone(),
        notice,
        error,
        place: class.place.clone(),
        starts: binhdan_app::events::format_local_time(class.starts_at),
        present: class.present,
        attendees: store
            .attendees(id)
            .await?
            .into_iter()
            .map(|a| AttendeeRow {
                name: a.name,
                via: lang.text(match a.via {
                    binhdan_store::AttendVia::Card => "team-via-card",
                    binhdan_store::AttendVia::Number => "team-via-number",
                    binhdan_store::AttendVia::Phone => "team-via-phone",
                    binhdan_store::AttendVia::List => "team-via-list",
                }),
                at: binhdan_app::events::format_local_time(a.marked_at),
            })
            .collect(),
        member,
        residents,
        search: search.to_owned(),
        pick_more,
        csrf: s.csrf().expose().clone(),
        op: new_op(),
        photo_op: new_op(),
        card: String::new(),
        photo_again: false,
        decoder: crate::assets::jsqr_js_url(),
        off: crate::offline::Learner::member(s),
    };
    Ok(page)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendForm {
    #[serde(default)]
    csrf: String,
    /// The device-made id.
    #[serde(default)]
    op: String,
    /// The text of the citizen identity card's QR code.
    #[serde(default)]
    card: String,
    /// A CCCD or phone number, typed.
    #[serde(default)]
    identity: String,
    /// A person picked from the village list.
    #[serde(default)]
    person: String,
    /// `1`: register the card's holder in the village first, if they are not on the roster.
    #[serde(default)]
    register: String,
}

/// Marks a learner present at the class (participation counted once per person).
#[utoipa::path(post, path = "/quan-ly/lop-hoc/{id}/diem-danh", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = AttendForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Marked (or already present): back to the class"), (status = 403, description = "Not a member of the class's village team, a person outside the village, or a wrong CSRF token"), (status = 404, description = "No such class or person"), (status = 409, description = "The op is another action's"), (status = 422, description = "A card QR, number or phone refused (the message says why)")))]
pub async fn attend(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<AttendForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    // A refusal (a card that is not one, a number of the wrong shape, someone not on the
    // roster) keeps the member on the class page, the form ready, the reason above it.
    let marked = mark(&state, &s, id, &vault, &form).await;
    answer(&state, lang, &s, id, marked, None).await
}

/// After a marking: back to the class saying so, or a refusal on the class page, the form
/// ready, the reason above it. `photo`: the marking came from a photo, and the card read from
/// it to keep in the card field (empty when there is none to keep).
async fn answer(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    id: i64,
    marked: Result<&'static str, Problem>,
    photo: Option<String>,
) -> Result<Response, Problem> {
    match marked {
        Ok(marked) => {
            Ok(Redirect::to(&format!("/quan-ly/lop-hoc/{id}?co-mat={marked}")).into_response())
        }
        Err(refused)
            if refused.status.is_client_error() && refused.status != StatusCode::FORBIDDEN =>
        {
            let message = refused.body(lang).error.message;
            let mut page = class_page(state, lang, s, id, None, Some(message), "").await?;
            if let Some(card) = photo {
                page.photo_again = card.is_empty();
                page.card = card;
            }
            let mut r = crate::respond::no_store(page.into_response());
            *r.status_mut() = refused.status;
            Ok(r)
        }
        Err(other) => Err(other),
    }
}

/// The body a class's photo route takes: the photo and the form's few fields.
pub const PHOTO_BODY_LIMIT: usize = PHOTO_LIMITS.max_bytes + 64 * 1024;

/// Photos searched at once by this server.
static PHOTO_READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// What a photo of a card may be (8 MiB, 40 MP), and how it is searched.
const PHOTO_LIMITS: binhdan_qr::Limits = binhdan_qr::Limits::DEFAULT;

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the OpenAPI document's description of the multipart body
pub struct PhotoForm {
    csrf: String,
    /// The device-made id.
    op: String,
    /// A photo (JPEG or PNG) of the QR code on the citizen identity card.
    #[schema(value_type = String, format = Binary)]
    photo: Vec<u8>,
}

/// Marks a learner present from a photo of their card's QR code, read on the server (for a
/// phone whose browser does not decode it): the code's text then goes where a scanned card's
/// does.
#[utoipa::path(post, path = "/quan-ly/lop-hoc/{id}/diem-danh-anh", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = PhotoForm, content_type = "multipart/form-data"),
    responses((status = 303, description = "Marked (or already present): back to the class"), (status = 400, description = "A body that is not a readable multipart form"), (status = 403, description = "Not a member of the class's village team, a person outside the village, or a wrong CSRF token"), (status = 404, description = "No such class or person"), (status = 409, description = "The op is another action's"), (status = 413, description = "A photo over 8 MiB"), (status = 415, description = "Not multipart/form-data"), (status = 422, description = "No photo, not an image, too many pixels, no QR code read, or a code that is not a card (the message says why)")))]
pub async fn attend_photo(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    multipart: crate::problem::Multipart,
) -> Result<Response, Problem> {
    let mut multipart = multipart.with_limit(PHOTO_LIMITS.max_bytes);
    let (mut csrf, mut op, mut photo) = (String::new(), String::new(), Vec::new());
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        let bad = |e: &axum::extract::multipart::MultipartError| {
            crate::problem::upload_problem(e, PHOTO_LIMITS.max_bytes)
        };
        match name.as_str() {
            "photo" => {
                // Read a chunk at a time: a photo over the limit is refused as soon as it is.
                while let Some(chunk) = field.chunk().await.map_err(|e| bad(&e))? {
                    if photo.len() + chunk.len() > PHOTO_LIMITS.max_bytes {
                        return Err(photo_too_large());
                    }
                    photo.extend_from_slice(&chunk);
                }
            }
            "csrf" => csrf = field.text().await.map_err(|e| bad(&e))?,
            "op" => op = field.text().await.map_err(|e| bad(&e))?,
            _ => {}
        }
    }
    s.check_csrf(&csrf)?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    // Only a member of the class's team has a photo searched (the work is the costly part).
    let class = state
        .store
        .team_class(id)
        .await?
        .ok_or_else(|| Problem::not_found(Msg::new("team-class-unknown")))?;
    let village = teams::village(state.store.as_ref(), class.village_code.as_str()).await?;
    if !teams::is_member(state.store.as_ref(), actor(&s), &village).await? {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("team-not-member").arg("village", &village.name),
        ));
    }
    // At most a few photos searched at once (each is a second or two of one core and up to
    // a few hundred MB): others wait their turn, within the request's timeout.
    let _turn = PHOTO_READERS
        .acquire()
        .await
        .map_err(|e| Problem::internal(&e))?;
    let read =
        tokio::task::spawn_blocking(move || binhdan_qr::decode_card_photo(&photo, PHOTO_LIMITS))
            .await
            .map_err(|e| Problem::internal(&e))?;
    // The code's text is never logged: it holds the card's number.
    let card = match read {
        Ok(text) => text,
        Err(e) => {
            let refused = photo_refusal(&e);
            return answer(&state, lang, &s, id, Err(refused), Some(String::new())).await;
        }
    };
    let form = AttendForm {
        csrf,
        op,
        card,
        identity: String::new(),
        person: String::new(),
        register: String::new(),
    };
    let marked = mark(&state, &s, id, &vault, &form).await;
    // A card refused only because its holder is not on the roster yet: kept in the form for
    // "register from the card". Anything that is not a card is never shown back.
    let keep = if binhdan_core::cccd::CardQr::parse(&form.card).is_ok() {
        form.card
    } else {
        String::new()
    };
    answer(&state, lang, &s, id, marked, Some(keep)).await
}

fn photo_too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Msg::new("team-photo-too-large")
            .arg("limit", crate::problem::byte_size(PHOTO_LIMITS.max_bytes)),
    )
}

/// Why a photo gave no text, in the member's words.
fn photo_refusal(e: &binhdan_qr::QrError) -> Problem {
    use binhdan_qr::QrError;
    let unprocessable = |msg| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, msg);
    match e {
        QrError::Empty => unprocessable(Msg::new("team-photo-missing")),
        QrError::TooLarge { .. } => photo_too_large(),
        QrError::NotAnImage => unprocessable(Msg::new("team-photo-not-image")),
        QrError::TooManyPixels { width, height } => unprocessable(
            Msg::new("team-photo-too-many-pixels")
                .arg("width", *width)
                .arg("height", *height)
                .arg("max", PHOTO_LIMITS.max_pixels / 1_000_000),
        ),
        QrError::NotFound => unprocessable(Msg::new("team-photo-no-code")),
    }
}

/// Registers the card's holder first if asked, then marks the person present: `moi` (now)
/// or `roi` (already).
async fn mark(
    state: &AppState,
    s: &StaffCaller,
    id: i64,
    vault: &std::sync::Arc<binhdan_vault::Vault>,
    form: &AttendForm,
) -> Result<&'static str, Problem> {
    let person = form.person.trim();
    let person_id = if person.is_empty() {
        None
    } else {
        Some(
            person
                .parse::<i64>()
                .map_err(|_| Problem::not_found(Msg::new("people-not-found")))?,
        )
    };
    if form.register == "1" && !form.card.trim().is_empty() {
        teams::register_from_card(
            state.store.as_ref(),
            vault,
            actor(s),
            id,
            &form.card,
            &s.reach(binhdan_auth::access::Permission::EditPeople),
            state.auth.evaluation_date,
            state.clock.now(),
        )
        .await?;
    }
    let (outcome, _) = teams::mark_present(
        state.store.as_ref(),
        vault,
        actor(s),
        id,
        &AttendInput {
            op: &form.op,
            card: &form.card,
            identity: &form.identity,
            person_id,
        },
        crate::respond::cutoff(state),
        state.clock.now(),
    )
    .await?;
    Ok(match outcome {
        // A form resent (its reply lost) reads as the first did.
        AttendanceOutcome::New | AttendanceOutcome::Resent => "moi",
        AttendanceOutcome::Already { .. } => "roi",
    })
}
