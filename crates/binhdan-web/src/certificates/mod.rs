//! Certificates on the web (see `binhdan_app::certificates`): the learner's certificates with
//! their QR code and download; the public check of a certificate (its page, a pasted token, a
//! scanned QR code); the W3C VC API's `POST /credentials/verify`; the published keys (JWKS,
//! `did:web`) and the signed revocation status lists; revocation by province staff.

use std::sync::Arc;

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::certificates::{CertError, Issuer};
use binhdan_auth::access::{Permission, Target};
use binhdan_core::audit::AuditEntry;
use binhdan_core::{Msg, Timestamp};
use binhdan_credential::AchievementCredential;
use binhdan_i18n::Lang;
use binhdan_store::CertificateRecord;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::respond::qr_svg;
use crate::respond::{attachment, cutoff, no_store};
use crate::session::{Citizen, Staff};

mod vc_api;
pub use vc_api::*;

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("certificate-not-found"))
}

impl From<CertError> for Problem {
    fn from(e: CertError) -> Self {
        match e {
            CertError::Store(e) => e.into(),
            other => Self::internal(&other),
        }
    }
}

fn issuer(state: &AppState) -> Result<&Arc<Issuer>, Problem> {
    state.issuer.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Msg::new("certificate-unavailable"),
        )
    })
}

/// The message key of a verification result code.
fn status_key(code: &str) -> &'static str {
    match code {
        "valid" => "certificate-status-valid",
        "revoked" => "certificate-status-revoked",
        "alg-unsupported" => "certificate-status-alg-unsupported",
        "typ-invalid" => "certificate-status-typ-invalid",
        "key-unknown" => "certificate-status-key-unknown",
        "signature-invalid" => "certificate-status-signature-invalid",
        "issuer-mismatch" => "certificate-status-issuer-mismatch",
        "not-yet-valid" => "certificate-status-not-yet-valid",
        "expired" => "certificate-status-expired",
        "status-unavailable" => "certificate-status-status-unavailable",
        _ => "certificate-status-malformed",
    }
}

fn urn(id: &str) -> String {
    format!("urn:uuid:{}", id.trim_start_matches("urn:uuid:"))
}

/// The certificate number in what a verifier typed or pasted: the number printed on the PDF
/// (`Số hiệu: 0b5e…`, any case, spaces or line breaks anywhere, with or without its dashes or
/// `urn:uuid:`) or the address of its public page. `None` when it is none of these (a token).
fn certificate_number(input: &str) -> Option<String> {
    let mut s = input.trim();
    if let Some(i) = s.find("/chung-chi/") {
        s = &s[i + "/chung-chi/".len()..];
        s = s.split(['/', '?', '#']).next().unwrap_or_default();
    }
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let compact = compact
        .trim_start_matches("sốhiệu:")
        .trim_start_matches("số:")
        .trim_start_matches("urn:uuid:");
    let hex: String = compact.chars().filter(|c| *c != '-').collect();
    let dashes_ok = compact.len() == 32
        || (compact.len() == 36
            && compact
                .char_indices()
                .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-')));
    (hex.len() == 32 && dashes_ok && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| {
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    })
}

fn day(t: Timestamp) -> String {
    binhdan_core::people::Date::from_timestamp_vietnam(t)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A certificate as the pages show it.
pub struct CertificateView {
    pub id: String,
    pub name: String,
    pub birth: String,
    pub title: String,
    pub level: String,
    /// The simulated tasks the holder did in the exam, as the credential lists them.
    pub tasks: Vec<String>,
    pub issued: String,
    pub issuer: String,
    /// `valid`, `revoked`, or a failure code.
    pub status: &'static str,
    pub status_text: String,
    pub revoked_reason: Option<String>,
    pub qr: String,
    pub link: String,
}

fn view_of(
    lang: Lang,
    record: &CertificateRecord,
    credential: Option<&AchievementCredential>,
    status: &'static str,
    qr: String,
    link: String,
) -> CertificateView {
    let s = credential.map(|c| &c.credential_subject);
    CertificateView {
        id: record.id.trim_start_matches("urn:uuid:").to_owned(),
        name: s.map(|s| s.name.clone()).unwrap_or_default(),
        birth: s
            .and_then(|s| binhdan_credential::Date::parse(&s.date_of_birth))
            .map(|d| format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()))
            .unwrap_or_default(),
        title: s.map(|s| s.achievement.name.clone()).unwrap_or_default(),
        level: credential
            .and_then(AchievementCredential::achieved_level)
            .map(|code| crate::words::step(lang, code))
            .unwrap_or_default(),
        tasks: credential
            .map(|c| {
                c.tasks()
                    .into_iter()
                    .map(|(name, _)| name.to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        issued: day(record.issued_at),
        issuer: credential
            .map(|c| c.issuer.name.clone())
            .unwrap_or_default(),
        status,
        status_text: lang.text(status_key(status)),
        revoked_reason: record.revoked_reason.clone(),
        qr,
        link,
    }
}

async fn describe(
    state: &AppState,
    lang: Lang,
    record: &CertificateRecord,
    with_qr: bool,
) -> Result<CertificateView, Problem> {
    let issuer = issuer(state)?;
    let store = state.store.as_ref();
    let verified = issuer.verify(store, &record.jwt, state.clock.now()).await?;
    let link = issuer.certificate_url(&record.id);
    let qr = if with_qr {
        qr_svg(&issuer.qr_link(store, record).await?)
    } else {
        String::new()
    };
    Ok(view_of(
        lang,
        record,
        verified.credential.as_ref(),
        verified.code(),
        qr,
        link,
    ))
}

/// A person's certificates as their own page lists them (no QR codes; the certificates page
/// has those).
pub(crate) async fn summaries_of(
    state: &AppState,
    lang: Lang,
    person: i64,
) -> Result<Vec<CertificateView>, Problem> {
    let mut out = Vec::new();
    for record in state.store.certificates_of(person).await? {
        out.push(describe(state, lang, &record, false).await?);
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "my_certificates.html")]
struct MyCertificates {
    l: Layout,
    notice: Option<String>,
    certificates: Vec<CertificateView>,
}

/// The learner's certificates, each with its QR code, its public page and the download of the
/// signed credential. A pass whose certificate is missing is issued here.
#[utoipa::path(get, path = "/hoc/chung-chi", tag = "pages", responses((status = 200, description = "My certificates (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn my_certificates(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
) -> Result<Response, Problem> {
    let issuer = issuer(&state)?;
    let store = state.store.as_ref();
    let now = state.clock.now();
    issuer
        .issue_pending(store, Some(c.person_id), cutoff(&state), now)
        .await?;
    let waiting = store
        .passes_without_certificate(Some(c.person_id), 10)
        .await?;
    let mut certificates = Vec::new();
    for record in store.certificates_of(c.person_id).await? {
        certificates.push(describe(&state, lang, &record, true).await?);
    }
    let page = MyCertificates {
        l: Layout::new(lang, lang.text("certificate-mine")),
        notice: (!waiting.is_empty()).then(|| lang.text("certificate-needs-birth-date")),
        certificates,
    };
    Ok(no_store(page.into_response()))
}

/// The learner's signed credential (VC-JOSE), to keep or hand to another verifier.
#[utoipa::path(get, path = "/hoc/chung-chi/{id}/tai-ve", tag = "pages",
    params(("id" = String, Path, description = "Certificate UUID")),
    responses((status = 200, description = "The credential, application/vc+jwt"), (status = 404, description = "Not this learner's certificate")))]
pub async fn download(
    State(state): State<AppState>,
    Citizen(c): Citizen,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let record = holders_certificate(&state, c.person_id, &id).await?;
    Ok(attachment(
        record.jwt,
        "application/vc+jwt",
        &format!("chung-chi-{}.jwt", id.trim_start_matches("urn:uuid:")),
    ))
}

/// The caller's own certificate, or 404.
async fn holders_certificate(
    state: &AppState,
    person: i64,
    id: &str,
) -> Result<CertificateRecord, Problem> {
    state
        .store
        .certificate(&urn(id))
        .await?
        .filter(|r| r.person_id == person)
        .ok_or_else(not_found)
}

/// The place named in the date line: the province's name without "Ủy ban nhân dân" and its
/// division ("Tỉnh", "Thành phố").
fn place_of(issuer: &str) -> &str {
    let s = issuer.strip_prefix("Ủy ban nhân dân ").unwrap_or(issuer);
    ["Tỉnh ", "Thành phố ", "tỉnh ", "thành phố "]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s)
}

/// The printable certificate, A4 (`a4`) or phone-sized (`dien-thoai`), with the QR code that
/// verifies it. Only a valid certificate is printed.
#[utoipa::path(get, path = "/hoc/chung-chi/{id}/pdf/{kho}", tag = "pages",
    params(("id" = String, Path, description = "Certificate UUID"), ("kho" = String, Path, description = "`a4` or `dien-thoai`")),
    responses((status = 200, description = "The certificate, application/pdf"), (status = 404, description = "Not this learner's certificate, or no such size"), (status = 409, description = "The certificate is revoked")))]
pub async fn pdf(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path((id, kho)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let format = match kho.as_str() {
        "a4" => binhdan_pdf::Format::A4,
        "dien-thoai" => binhdan_pdf::Format::Phone,
        _ => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                Msg::new("certificate-pdf-size"),
            ));
        }
    };
    let record = holders_certificate(&state, c.person_id, &id).await?;
    let view = describe(&state, lang, &record, false).await?;
    if view.status != "valid" {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            Msg::new("certificate-pdf-not-valid"),
        ));
    }
    let signer = issuer(&state)?;
    let qr = signer.qr_link(state.store.as_ref(), &record).await?;
    let issued = binhdan_core::people::Date::from_timestamp_vietnam(record.issued_at)
        .ok_or_else(|| Problem::internal(&"issue date out of range"))?;
    let sheet = binhdan_pdf::Sheet {
        place: place_of(&view.issuer).to_owned(),
        issuer: view.issuer,
        name: view.name,
        birth: view.birth,
        achievement: view.title,
        level: view.level,
        tasks: view.tasks,
        issued: binhdan_pdf::Day {
            year: u16::try_from(issued.year()).unwrap_or_default(),
            month: u8::try_from(issued.month()).unwrap_or_default(),
            day: u8::try_from(issued.day()).unwrap_or_default(),
        },
        serial: view.id,
        verify_url: view.link,
        qr,
    };
    let bytes = tokio::task::spawn_blocking(move || binhdan_pdf::render(&sheet, format))
        .await
        .map_err(|e| Problem::internal(&e))?
        .map_err(|e| Problem::internal(&e))?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!("chung-chi-{}-{kho}.pdf", id.trim_start_matches("urn:uuid:")),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate.html")]
struct CertificatePage {
    l: Layout,
    certificate: Option<CertificateView>,
    /// Why nothing could be shown (a failure code's text).
    failure: Option<String>,
    token: String,
}

fn certificate_page(
    lang: Lang,
    certificate: Option<CertificateView>,
    failure: Option<String>,
) -> CertificatePage {
    CertificatePage {
        l: Layout::new(lang, lang.text("certificate-check")),
        certificate,
        failure,
        token: String::new(),
    }
}

/// A certificate's public page (where its QR code leads): who, what, when, and whether it is
/// valid or revoked now.
#[utoipa::path(get, path = "/chung-chi/{id}", tag = "pages",
    params(("id" = String, Path, description = "Certificate UUID")),
    responses((status = 200, description = "The certificate and its status (HTML)", content_type = "text/html"), (status = 404, description = "No such certificate")))]
pub async fn public_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let record = state
        .store
        .certificate(&urn(&id))
        .await?
        .ok_or_else(not_found)?;
    let view = describe(&state, lang, &record, false).await?;
    Ok(no_store(
        certificate_page(lang, Some(view), None).into_response(),
    ))
}

/// A scanned QR code: its signature, then the certificate's status now.
#[utoipa::path(get, path = "/xac-minh/qr/{payload}", tag = "pages",
    params(("payload" = String, Path, description = "The QR code's signed payload")),
    responses((status = 200, description = "The certificate and its status (HTML)"), (status = 422, description = "Not a payload signed by this issuer")))]
pub async fn check_qr(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(payload): Path<String>,
) -> Result<Response, Problem> {
    let issuer = issuer(&state)?;
    match issuer.check_qr(state.store.as_ref(), &payload).await? {
        Ok(Some(record)) => {
            let view = describe(&state, lang, &record, false).await?;
            Ok(no_store(
                certificate_page(lang, Some(view), None).into_response(),
            ))
        }
        Ok(None) => Err(not_found()),
        Err(failure) => {
            let text = lang.text(status_key(failure.code()));
            let mut r = certificate_page(lang, None, Some(text)).into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(no_store(r))
        }
    }
}

/// The verification form: paste a certificate's token.
#[utoipa::path(get, path = "/xac-minh", tag = "pages", responses((status = 200, description = "The form (HTML)", content_type = "text/html")))]
pub async fn verify_form(ReqLang(lang): ReqLang) -> Response {
    certificate_page(lang, None, None).into_response()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct VerifyForm {
    #[serde(default)]
    token: String,
}

/// Verifies a pasted token and says what it found, in words.
#[utoipa::path(post, path = "/xac-minh", tag = "pages",
    request_body(content = VerifyForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Valid (HTML)"), (status = 422, description = "Not valid: says why (HTML)")))]
pub async fn verify_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    crate::problem::Form(form): crate::problem::Form<VerifyForm>,
) -> Result<Response, Problem> {
    if let Some(number) = certificate_number(&form.token) {
        let typed: String = form.token.chars().take(200).collect();
        let (view, failure) = match state.store.certificate(&urn(&number)).await? {
            Some(record) => (Some(describe(&state, lang, &record, false).await?), None),
            None => (
                None,
                Some(lang.tr(&Msg::new("certificate-number-unknown").arg("number", &number))),
            ),
        };
        let valid = view.as_ref().is_some_and(|v| v.status == "valid");
        let mut page = certificate_page(lang, view, failure);
        page.token = typed;
        let mut r = page.into_response();
        if !valid {
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        }
        return Ok(no_store(r));
    }
    let issuer = issuer(&state)?;
    let verified = issuer
        .verify(state.store.as_ref(), &form.token, state.clock.now())
        .await?;
    let code = verified.code();
    let record = match &verified.credential {
        Some(c) => state.store.certificate(&c.id).await?,
        None => None,
    };
    let view = record.as_ref().map(|r| {
        view_of(
            lang,
            r,
            verified.credential.as_ref(),
            code,
            String::new(),
            issuer.certificate_url(&r.id),
        )
    });
    let failure = (code != "valid").then(|| lang.text(status_key(code)));
    let mut page = certificate_page(lang, view, failure);
    page.token = form.token.chars().take(200).collect();
    let mut r = page.into_response();
    if code != "valid" {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(no_store(r))
}

/// The issuer's public keys (JWKS), retired ones included: they still verify what they signed.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "credentials", responses((status = 200, description = "JWKS")))]
pub async fn jwks(State(state): State<AppState>) -> Result<Response, Problem> {
    let issuer = issuer(&state)?;
    issuer
        .ensure_key(state.store.as_ref(), state.clock.now())
        .await?;
    let ring = issuer.key_ring(state.store.as_ref()).await?;
    Ok(json(StatusCode::OK, &ring.jwks()))
}

/// The issuer's `did:web` document.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "credentials", responses((status = 200, description = "DID document")))]
pub async fn did_document(State(state): State<AppState>) -> Result<Response, Problem> {
    let issuer = issuer(&state)?;
    issuer
        .ensure_key(state.store.as_ref(), state.clock.now())
        .await?;
    let ring = issuer.key_ring(state.store.as_ref()).await?;
    let doc = ring
        .did_document(&issuer.did)
        .map_err(|e| Problem::internal(&e))?;
    Ok(json(StatusCode::OK, &doc))
}

/// A revocation status list, as a signed `BitstringStatusListCredential` (VC-JOSE).
#[utoipa::path(get, path = "/chung-chi/trang-thai/{list}", tag = "credentials",
    params(("list" = i64, Path, description = "List number, from 1")),
    responses((status = 200, description = "application/vc+jwt"), (status = 404, description = "No such list")))]
pub async fn status_list(
    State(state): State<AppState>,
    Path(list): Path<i64>,
) -> Result<Response, Problem> {
    let issuer = issuer(&state)?;
    let lists = state.store.status_lists().await?;
    if list < 1 || list > lists.max(1) {
        return Err(not_found());
    }
    issuer
        .ensure_key(state.store.as_ref(), state.clock.now())
        .await?;
    let token = issuer
        .status_list_jwt(state.store.as_ref(), list, state.clock.now())
        .await?;
    let mut r = token.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vc+jwt"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=300"),
    );
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Revokes a certificate, with its reason (audited, and delivered to VNeID). Province staff
/// holding the right, over the holder's unit.
#[utoipa::path(post, path = "/quan-ly/chung-chi/{id}/thu-hoi", tag = "pages",
    params(("id" = String, Path, description = "Certificate UUID")),
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Revoked: back to the holder's record"), (status = 403, description = "Not allowed, or wrong CSRF token"), (status = 404, description = "No such certificate"), (status = 422, description = "No reason given")))]
pub async fn revoke(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(id): Path<String>,
    crate::problem::Form(form): crate::problem::Form<RevokeForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    s.require_somewhere(Permission::RevokeCertificate)?;
    let record = binhdan_app::revocation::revoke(
        state.store.as_ref(),
        binhdan_app::revocation::Revoker::Staff {
            id: s.id,
            grants: &s.grants,
        },
        &urn(&id),
        &form.reason,
        cutoff(&state),
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/quan-ly/nguoi/{}", record.person_id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::certificate_number;

    #[test]
    fn a_certificate_number_is_read_as_people_copy_it() {
        let id = "0b5e7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b";
        for typed in [
            id,
            "0B5E7C1A-2F3D-4E5F-8A9B-0C1D2E3F4A5B",
            "Số hiệu: 0b5e7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b",
            " 0b5e7c1a 2f3d4e5f8a9b0c1d2e3f4a5b ",
            "urn:uuid:0b5e7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b",
            "https://hoc.thanhhoa.gov.vn/chung-chi/0b5e7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b?x=1",
            "0b5e7c1a-2f3d-4e5f-8a9b-\n0c1d2e3f4a5b",
        ] {
            assert_eq!(certificate_number(typed).as_deref(), Some(id), "{typed}");
        }
        for not_a_number in [
            "eyJhbGciOiJFZERTQSJ9.e30.sig",
            "0b5e7c1a",
            "",
            "0b5e7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5g",
            "0b5e7c1a2-f3d-4e5f-8a9b-0c1d2e3f4a5b",
        ] {
            assert_eq!(certificate_number(not_a_number), None, "{not_a_number}");
        }
    }
}
