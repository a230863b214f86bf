//! The router: every route, its middleware, and the OpenAPI document built from the same list.

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{ops, units};
use crate::{
    AppState, account, certificates, citizen, dashboard, events, exam, learn, middleware, observe,
    offline, pages, public_cache, quiz, registry, staff, staff_admin, targets, tasks, teams,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Bình Dân API", description = "Bình dân học vụ số: units, people, learning, certificates, campaign progress."),
    modifiers(&SecuritySchemes),
    tags((name = "units", description = "Administrative units: provinces, communes, villages"),
         (name = "pages", description = "Server-rendered pages for people (HTML)"),
         (name = "ops", description = "Health, readiness, metrics, this document"))
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The operator token of the server's configuration"))
                    .build(),
            ),
        );
    }
}

/// Every route, documented.
fn documented(import_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(pages::home))
        .routes(routes!(pages::unit))
        .routes(routes!(pages::search))
        .routes(routes!(pages::asset))
        .routes(routes!(learn::courses))
        .routes(routes!(learn::course))
        .routes(routes!(learn::lesson))
        .routes(routes!(learn::asset))
        .routes(routes!(staff::login_citizen, staff::login_submit))
        .routes(routes!(staff::login_form))
        .routes(routes!(staff::logout))
        .routes(routes!(staff::home))
        .routes(routes!(staff::people))
        .routes(routes!(staff::person))
        .routes(routes!(staff::audit))
        .routes(routes!(citizen::vneid_begin))
        .routes(routes!(citizen::vneid_callback))
        .routes(routes!(citizen::register_form, citizen::register_submit))
        .routes(routes!(citizen::me))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(ops::openapi_json))
        .routes(routes!(units::search))
        .routes(routes!(units::get))
        .routes(routes!(units::children))
        .routes(routes!(units::descendants))
        .routes(routes!(units::create_village))
        .routes(routes!(staff_admin::list, staff_admin::create))
        .routes(routes!(quiz::lesson_done))
        .routes(routes!(quiz::quiz_page, quiz::answer))
        .routes(routes!(quiz::my_courses))
        .routes(routes!(offline::service_worker))
        .routes(routes!(offline::manifest))
        .routes(routes!(offline::page))
        .routes(routes!(offline::save_list))
        .routes(routes!(offline::quiz_page))
        .routes(routes!(offline::sync))
        .routes(routes!(offline::team_sync))
        .routes(routes!(exam::exam_home))
        .routes(routes!(exam::start))
        .routes(routes!(exam::sitting, exam::answer))
        .routes(routes!(tasks::list))
        .routes(routes!(tasks::intro, tasks::step))
        .routes(routes!(certificates::my_certificates))
        .routes(routes!(certificates::download))
        .routes(routes!(certificates::pdf))
        .routes(routes!(certificates::public_page))
        .routes(routes!(certificates::check_qr))
        .routes(routes!(
            certificates::verify_form,
            certificates::verify_page
        ))
        .routes(routes!(certificates::vc_verify))
        .routes(routes!(certificates::vp_verify))
        .routes(routes!(certificates::vc_issue))
        .routes(routes!(certificates::jwks))
        .routes(routes!(certificates::did_document))
        .routes(routes!(certificates::status_list))
        .routes(routes!(certificates::revoke))
        .routes(routes!(targets::show, targets::change))
        .routes(routes!(dashboard::show))
        .routes(routes!(dashboard::report))
        .routes(routes!(dashboard::organisation))
        .routes(routes!(units::progress))
        .routes(routes!(account::show, account::change))
        .routes(routes!(registry::form, registry::submit))
        .routes(routes!(staff_admin::disable))
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::show))
        .routes(routes!(events::change))
        .routes(routes!(events::change_point))
        .routes(routes!(events::add_point))
        .routes(routes!(events::host))
        .routes(routes!(events::check_in_form))
        .routes(routes!(events::headcount_form))
        .routes(routes!(events::api_check_in))
        .routes(routes!(events::qr_page, events::qr_check_in))
        .routes(routes!(events::live_page))
        .routes(routes!(events::live_feed))
        .routes(routes!(events::report))
        .routes(routes!(teams::workspace))
        .routes(routes!(teams::appoint))
        .routes(routes!(teams::person))
        .routes(routes!(teams::visit))
        .routes(routes!(teams::open_class))
        .routes(routes!(teams::class))
        .routes(routes!(teams::attend))
        .routes(routes!(teams::checklist, teams::set_checklist))
        .routes(routes!(teams::commune))
        .routes(routes!(teams::shared_device, teams::assisted_answer))
        .routes(routes!(teams::join_code))
        .routes(routes!(teams::join_form, teams::join))
        .routes(routes!(teams::class_learning, teams::class_answer))
        .routes(routes!(teams::exam_start_page, teams::exam_start))
        .routes(routes!(teams::exam_sitting, teams::exam_answer))
        .routes(routes!(teams::review_list))
        .routes(routes!(teams::review))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(units::import))
                .routes(routes!(events::import_points))
                .routes(routes!(staff::import_form, staff::import_submit))
                .routes(routes!(staff::population_form, staff::population_submit))
                .layer(DefaultBodyLimit::max(import_limit)),
        )
        .merge(
            // A photo of a card's QR code, and the form's few fields around it.
            OpenApiRouter::new()
                .routes(routes!(teams::attend_photo))
                .layer(DefaultBodyLimit::max(teams::PHOTO_BODY_LIMIT)),
        )
}

/// The OpenAPI document of every route.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = documented(0).split_for_parts().1;
    conform(&mut doc);
    doc
}

/// What the OpenAPI 3.1 standard asks that the route attributes do not say by themselves:
/// every operation id unique (the method and the path, not the handler's name, which repeats
/// across modules), every response described (by its status's reason phrase where the route
/// gives none), and a catch-all segment written `{path}` rather than axum's `{*path}`.
fn conform(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, mut item) in paths {
        let path = path.replace("{*", "{");
        let slug: String = path
            .trim_matches('/')
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        let slug = if slug.is_empty() {
            "root".to_owned()
        } else {
            slug
        };
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
            ("head", &mut item.head),
            ("options", &mut item.options),
        ];
        for (method, operation) in operations {
            let Some(op) = operation else { continue };
            op.operation_id = Some(format!("{method}_{slug}"));
            document_refusals(method, &path, op);
            for (status, response) in &mut op.responses.responses {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Response")
                        .clone_into(&mut r.description);
                }
            }
        }
        doc.paths.paths.insert(path, item);
    }
}

/// The refusals every route of a kind gives, documented once here rather than on each route:
/// a request whose path parameter, query or body does not have the documented form (400,
/// 413, 415, 422); no such thing (404) where the path names one; not signed in where the
/// route can forbid (a page redirects to the sign-in page, 303; a form post or an API call
/// answers 401). What a route documents itself is kept.
fn document_refusals(method: &str, path: &str, op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::ResponseBuilder;
    use utoipa::openapi::path::ParameterIn;
    let forbids = op.responses.responses.contains_key("403");
    let has_query = op.parameters.as_ref().is_some_and(|ps| {
        ps.iter().any(
            |p| matches!(p, utoipa::openapi::RefOr::T(p) if p.parameter_in == ParameterIn::Query),
        )
    });
    // The pages only a signed-in person opens (a class's pages, `/lop/…`, go by the class's
    // own token instead).
    let signed_in_page = SIGNED_IN_PAGES.iter().any(|p| path.starts_with(p))
        || (forbids && !path.starts_with("/lop/"));
    let responses = &mut op.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_owned()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .build()
                .into()
        });
    };
    if path.contains('{') {
        add("400", "A path parameter does not have the documented form");
        add("404", "No such resource");
    }
    if has_query {
        add("400", "A query parameter does not have the documented form");
    }
    // Every form post reads a body, documented or not (an upload's multipart stream): one
    // that does not parse, or is too large, is refused before the route sees it.
    if op.request_body.is_some() || method == "post" {
        add("400", "The body is malformed or misses a field");
        add("413", "The body is larger than the server accepts");
    }
    if op.request_body.is_some() {
        add("415", "The body is not of the documented media type");
        add(
            "422",
            "A field of the body does not have the documented form",
        );
    }
    if method == "get" && signed_in_page {
        add("303", "Not signed in: to the sign-in page");
    }
    // The supervised sittings are a village team member's: other staff are refused.
    if path.starts_with("/quan-ly/thi-ho") {
        add("403", "Not a member of a village's team");
    }
    if method != "get" && forbids {
        add("401", "Not signed in");
    }
}

/// Where every page needs a signed-in person: staff pages, and a citizen's own.
const SIGNED_IN_PAGES: [&str; 5] = [
    "/quan-ly",
    "/toi",
    "/hoc/chung-chi",
    "/hoc/thi",
    "/tai-khoan",
];

/// The whole application.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let (routes, _) = documented(config.import_limit_bytes).split_for_parts();
    // Around every route (after routing, so the route's pattern names its span and metrics),
    // outermost first. One layer of layers: each `Router::layer` boxes every route once more,
    // and a request clones and drops each box (about 7% of all CPU samples under the launch
    // scenario, perf).
    let around = tower::ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http().make_span_with(observe::request_span))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            public_cache::serve,
        ))
        .layer(CompressionLayer::new())
        // Security headers, then the page context, then problems in the reader's language,
        // then the request's count and time: one layer (see `middleware`).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(CsrfLayer::new())
        .layer(DefaultBodyLimit::max(config.body_limit_bytes));
    routes
        .fallback(pages::not_found)
        .layer(around)
        .with_state(state)
}
