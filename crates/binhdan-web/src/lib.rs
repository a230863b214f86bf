//! The HTTP face of Bình Dân: server-rendered HTML pages for people, the JSON API under
//! `/api/v1` for programs (described by the OpenAPI document at `/api/v1/openapi.json`), and
//! the operations endpoints (`/healthz`, `/readyz`, `/metrics`).
//!
//! This is the only crate that knows HTTP and HTML. Handlers parse input into domain types,
//! call the store or a use case of `binhdan-app`, and turn the result into a view model or a
//! JSON body. Errors become a [`problem::Problem`], rendered once, in the reader's language, by
//! the `problem::localize` middleware.

use std::sync::Arc;

use binhdan_core::Timestamp;
use binhdan_store::Store;

mod account;
pub mod api;
mod assets;
pub mod auth;
mod certificates;
mod citizen;
pub mod client;
pub mod config;
mod dashboard;
mod events;
mod exam;
mod lang;
mod learn;
mod middleware;
pub mod observe;
mod offline;
mod pages;
mod pickers;
pub mod prefs;
pub mod problem;
mod public_cache;
pub mod quiz;
mod registry;
mod respond;
mod routes;
pub mod server;
pub mod session;
mod staff;
mod staff_admin;
mod targets;
mod tasks;
mod teams;
mod words;

pub use config::WebConfig;
pub use lang::ReqLang;
pub use routes::{openapi, router};

/// The clock the server reads. Tests use a fixed one.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place the server reads the wall clock (see clippy.toml).
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Timestamp(ms)
    }
}

/// What every handler can reach: one `Arc`, so that each middleware layer and extractor that
/// takes the state (several per request) costs one counter increment, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of the [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub config: Arc<WebConfig>,
    pub clock: Arc<dyn Clock>,
    pub metrics: observe::Metrics,
    pub auth: Arc<session::AuthState>,
    /// Module quizzes as loaded, kept a short while (every answer needs its item).
    pub quizzes: Arc<quiz::QuizCache>,
    /// The placement tests and certification exams: banks and exposure.
    pub exams: Arc<binhdan_app::exam::Exams>,
    /// Issues and verifies certificates (with the vault, see `with_auth`).
    pub issuer: Option<Arc<binhdan_app::certificates::Issuer>>,
    /// Live events: the check-in writer and the live screens' feeds.
    pub events: Arc<events::EventsState>,
    /// Units' public figures, read a few seconds ago (home and unit pages).
    pub figures: Arc<binhdan_app::public::PublicFigures>,
    /// Public pages as rendered for anonymous readers a few seconds ago.
    pub public: Arc<public_cache::PublicPages>,
    /// Units' search keys, read a few seconds ago (the search page, the API, registration).
    pub unit_search: Arc<binhdan_app::unit_search::UnitSearch>,
}

impl AppState {
    #[must_use]
    pub fn new(store: Arc<dyn Store>, config: WebConfig, clock: Arc<dyn Clock>) -> Self {
        let auth = session::AuthState::new(config.behind_tls());
        let exams = binhdan_app::exam::Exams::new(config.exam.clone());
        Self(Arc::new(Shared {
            store,
            config: Arc::new(config),
            clock,
            metrics: observe::Metrics::global(),
            auth: Arc::new(auth),
            quizzes: Arc::new(quiz::QuizCache::default()),
            exams: Arc::new(exams),
            issuer: None,
            events: Arc::new(events::EventsState::default()),
            figures: Arc::new(binhdan_app::public::PublicFigures::default()),
            public: Arc::new(public_cache::PublicPages::default()),
            unit_search: Arc::new(binhdan_app::unit_search::UnitSearch::default()),
        }))
    }

    /// With the vault that seals and opens CCCD numbers, the VNeID client if configured, and
    /// the campaign's evaluation date.
    #[must_use]
    pub fn with_auth(
        self,
        vault: binhdan_vault::Vault,
        oidc: Option<binhdan_oidc::OidcClient>,
        evaluation_date: binhdan_core::people::Date,
    ) -> Self {
        let mut shared = Arc::unwrap_or_clone(self.0);
        let mut auth = session::AuthState::new(shared.config.behind_tls());
        let vault = Arc::new(vault);
        let base_url = shared
            .config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", shared.config.listen));
        let province = binhdan_core::reference::admin_units()
            .ok()
            .and_then(|units| {
                units
                    .into_iter()
                    .find(|u| u.code.as_str() == shared.config.province)
            })
            .map_or_else(
                || shared.config.province.clone(),
                |u| format!("{} {}", u.division_type.as_str(), u.name),
            );
        shared.issuer = Some(Arc::new(binhdan_app::certificates::Issuer::new(
            &base_url,
            &format!("Ủy ban nhân dân {province}"),
            vault.clone(),
        )));
        auth.vault = Some(vault);
        auth.oidc = oidc;
        auth.evaluation_date = evaluation_date;
        shared.auth = Arc::new(auth);
        Self(Arc::new(shared))
    }
}
