//! Security headers on every response, and remembering the reader's language. The same
//! layer then runs the page context, the problem localisation and the request's metrics inside
//! it ([`crate::pages::context`], [`crate::problem::localize`], [`crate::observe::track`]): one
//! layer instead of four nested ones, each of which boxed the request's future and cloned the
//! rest of the stack (about a sixth of the server's time under the launch scenario, perf).

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// No inline script or style anywhere; nothing from other origins; not framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let chosen = crate::lang::ReqLang::chosen(request.uri().query());
    // Staff pages list people, and a signed-in reader's pages are theirs: no cache (a shared
    // computer's browser, a proxy) keeps them.
    let path = request.uri().path();
    let private = path.starts_with("/quan-ly")
        || path.starts_with("/toi")
        || path.starts_with("/api/v1/")
        || crate::prefs::cookie_value(request.headers(), &state.auth.cookie.cookie_name())
            .is_some();
    let prefs: Vec<(&str, String)> =
        crate::prefs::Prefs::chosen_cookies(request.uri().query()).collect();
    let mut response = crate::pages::context(state.clone(), request, next).await;
    if let Some(lang) = chosen {
        let secure = if state.config.behind_tls() {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
            crate::lang::COOKIE,
            lang.tag()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    for (name, value) in prefs {
        let secure = if state.config.behind_tls() {
            "; Secure"
        } else {
            ""
        };
        let cookie =
            format!("{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    // Pages and messages depend on the reader's language.
    response.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("accept-language, cookie"),
    );
    let h = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    if private {
        set(header::CACHE_CONTROL, "no-store, private");
    }
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "geolocation=(), microphone=(), camera=(self)",
    );
    if state.config.behind_tls() {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}
