//! Live events with bridge points: the organisers' pages (events, points, the report), the
//! host's page (check-ins that survive a flaky connection), the participant's QR page and the
//! control room's live screen (Server-Sent Events).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::problem::{Multipart, Path};
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
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
use crate::problem::Problem;
use crate::session::{Citizen, Staff, StaffCaller};

mod host;
mod live;
mod organise;
mod qr;
mod report;

pub use host::*;
pub use live::*;
pub use organise::*;
pub use qr::*;
pub use report::*;

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
    points: binhdan_app::cache::TtlCache<i64, Arc<(EventRecord, PointRecord)>>,
    /// Events read in the last few seconds for the same checks: a thousand points of one
    /// event refresh with one read of it, not a thousand.
    events: binhdan_app::cache::TtlCache<i64, EventRecord>,
    feeds: Mutex<HashMap<i64, tokio::sync::watch::Sender<Bytes>>>,
}

impl Default for EventsState {
    fn default() -> Self {
        Self {
            closing: tokio::sync::watch::Sender::new(false),
            desk: OnceLock::new(),
            points: binhdan_app::cache::TtlCache::new(POINT_TTL, 100_000),
            events: binhdan_app::cache::TtlCache::new(POINT_TTL, 10_000),
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
    let point = point_in(state, &event, point).await?;
    Ok((event, point))
}

/// One of the event's points, or 404 (another event's point too).
async fn point_in(
    state: &AppState,
    event: &EventRecord,
    point: i64,
) -> Result<PointRecord, Problem> {
    state
        .store
        .point(point)
        .await?
        .filter(|p| p.event_id == event.id)
        .ok_or_else(|| Problem::not_found(Msg::new("point-not-found")))
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
) -> Result<Arc<(EventRecord, PointRecord)>, Problem> {
    let now = state.clock.now();
    if let Some(found) = state.events.points.get(&point, now)
        && found.0.id == id
    {
        return Ok(found);
    }
    let event = if let Some(event) = state.events.events.get(&id, now) {
        event
    } else {
        let event = event_of(state, id).await?;
        state.events.events.insert(id, event.clone(), now);
        event
    };
    let point = point_in(state, &event, point).await?;
    let found = Arc::new((event, point));
    state.events.points.insert(found.1.id, found.clone(), now);
    Ok(found)
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

/// What a page says after a request: a refusal (with its rows) or a notice.
#[derive(Default)]
struct Said {
    error: Option<String>,
    errors: Vec<String>,
    notice: Option<String>,
}
