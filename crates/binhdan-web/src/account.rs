//! A staff member's own account: change the password (the appointer chose the first one), and
//! turn two-step sign-in (TOTP) on or off. Every change needs the current password, is
//! audited, and signs the account out everywhere else.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhdan_auth::password::PasswordPolicy;
use binhdan_auth::totp::TotpSecret;
use binhdan_core::audit::AuditEntry;
use binhdan_core::{Localized as _, Msg, Secret};
use binhdan_i18n::Lang;
use binhdan_store::CredentialChange;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::respond::qr_svg;
use crate::session::{Staff, StaffCaller};

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    csrf: String,
    username: String,
    totp_on: bool,
    /// A fresh secret to enrol (when TOTP is off): base32 for typing, and a QR code (SVG).
    new_secret: String,
    new_qr: String,
    result: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    /// `password`, `totp_on` or `totp_off`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat: String,
    /// The secret offered at enrolment (base32), echoed by the form.
    #[serde(default)]
    secret: String,
    /// The code the authenticator app shows, to prove it was enrolled.
    #[serde(default)]
    code: String,
}
async fn page(state: &AppState, lang: Lang, s: &StaffCaller) -> Result<AccountPage, Problem> {
    let account = state
        .store
        .staff(s.id)
        .await?
        .ok_or_else(|| Problem::internal(&"signed-in account missing"))?;
    let totp_on = account.totp_secret.is_some();
    let (new_secret, new_qr) = if totp_on {
        (String::new(), String::new())
    } else {
        let t = TotpSecret::generate(&mut rand::rng());
        (
            t.to_base32().expose().clone(),
            qr_svg(t.otpauth_uri(&account.username).expose()),
        )
    };
    Ok(AccountPage {
        l: Layout::new(lang, lang.text("account-title")),
        csrf: s.csrf().expose().clone(),
        username: account.username,
        totp_on,
        new_secret,
        new_qr,
        result: None,
        error: None,
    })
}

fn render(p: AccountPage, status: StatusCode) -> Response {
    let mut r = p.into_response();
    *r.status_mut() = status;
    // The page may carry a TOTP secret.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// My account: password and two-step sign-in.
#[utoipa::path(get, path = "/quan-ly/tai-khoan", tag = "pages", responses((status = 200, description = "Account settings (HTML)", content_type = "text/html")))]
pub async fn show(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    Ok(render(page(&state, lang, &s).await?, StatusCode::OK))
}

/// Changes my password, or turns two-step sign-in on or off.
#[utoipa::path(post, path = "/quan-ly/tai-khoan", tag = "pages",
    request_body(content = AccountForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Changed (HTML)"), (status = 401, description = "Wrong current password"), (status = 403, description = "Wrong CSRF token"), (status = 422, description = "A refused new password or code")))]
pub async fn change(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    crate::problem::Form(form): crate::problem::Form<AccountForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let now = state.clock.now();
    let refuse = async |status: StatusCode, msg: Msg| {
        let mut p = page(&state, lang, &s).await?;
        p.error = Some(lang.tr(&msg));
        Ok::<Response, Problem>(render(p, status))
    };
    let account = state
        .store
        .staff(s.id)
        .await?
        .ok_or_else(|| Problem::internal(&"signed-in account missing"))?;
    let current = Secret::new(form.current.clone());
    let phc = account.password_hash.expose().clone();
    let current_ok = tokio::task::spawn_blocking(move || {
        binhdan_auth::password::verify_password(&current, &phc)
    })
    .await
    .map_err(|e| Problem::internal(&e))?;
    if !current_ok {
        tracing::warn!(
            staff = s.id,
            "refused an account change: wrong current password"
        );
        return refuse(StatusCode::UNAUTHORIZED, Msg::new("account-current-wrong")).await;
    }
    let (change, action, done) = match form.action.as_str() {
        "password" => {
            if form.new_password != form.repeat {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Msg::new("account-repeat-differs"),
                )
                .await;
            }
            let new = Secret::new(form.new_password.clone());
            if let Err(e) = PasswordPolicy::default().check(&new, &account.username) {
                return refuse(StatusCode::UNPROCESSABLE_ENTITY, e.msg()).await;
            }
            let hash = tokio::task::spawn_blocking(move || {
                binhdan_auth::password::hash_password(&new, &mut rand::rng())
            })
            .await
            .map_err(|e| Problem::internal(&e))?
            .map_err(|e| Problem::internal(&e))?;
            (
                CredentialChange::Password(Secret::new(hash)),
                "staff.password_change",
                "account-password-changed",
            )
        }
        "totp_on" => {
            let ok = TotpSecret::from_base32(form.secret.trim())
                .ok()
                .and_then(|t| t.verify(&form.code, now, None).ok());
            match ok {
                Some(step) => {
                    // The code just used cannot sign in afterwards.
                    state.store.claim_totp_step(s.id, step).await?;
                    // Stored sealed by the vault, like the CCCDs.
                    let stored = match state.auth.vault.as_deref() {
                        Some(v) => binhdan_app::staff::seal_totp(v, form.secret.trim())
                            .map_err(|e| Problem::internal(&e))?,
                        None => form.secret.trim().to_owned(),
                    };
                    (
                        CredentialChange::Totp(Some(Secret::new(stored))),
                        "staff.totp_enrol",
                        "account-totp-enrolled",
                    )
                }
                None => {
                    return refuse(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Msg::new("login-totp-wrong"),
                    )
                    .await;
                }
            }
        }
        "totp_off" => (
            CredentialChange::Totp(None),
            "staff.totp_remove",
            "account-totp-removed",
        ),
        _ => {
            return Err(Problem::bad_request(
                Msg::new("import-upload-malformed").arg("detail", "action"),
            ));
        }
    };
    state
        .store
        .set_staff_credentials(
            s.id,
            &change,
            &s.token.storage_key(),
            AuditEntry::new(s.actor(), action),
            now,
        )
        .await?;
    // The account's other sessions were ended in the store; none may live on in this server's
    // cache either.
    state.auth.sessions.forget_staff(s.id);
    tracing::info!(staff = s.id, action, "changed own credentials");
    let mut p = page(&state, lang, &s).await?;
    p.result = Some(lang.text(done));
    Ok(render(p, StatusCode::OK))
}
