//! The village team's sync: a member's attendance and visits taken without a network, sent
//! by `static/ngoai-tuyen.js` when the network returns. Each item is admitted by the same
//! rules as a learner's (`binhdan_app::offline::admit`) and recorded by the team's own use
//! cases (`binhdan_app::offline::team::record`), with the form fields the page would have
//! posted; the page parses them here as the forms' handlers do.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use binhdan_app::offline::team::{Synced, TeamAction};
use binhdan_app::offline::{MAX_BATCH, Refusal};
use binhdan_app::teams::{Actor, AttendInput, VisitInput};
use binhdan_core::Msg;
use serde::Deserialize;

use super::{SyncReply, counted, refusal, refused};
use crate::AppState;
use crate::lang::ReqLang;
use crate::problem::{Json, Problem};
use crate::respond::{cutoff, no_store};
use crate::session::Staff;

/// A team member's work done offline, sent when the network returned.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TeamBatch {
    /// The CSRF token of the session sending it.
    #[serde(default)]
    pub csrf: String,
    /// The device's clock when sending (milliseconds), to measure each action's age.
    #[serde(default)]
    pub now: i64,
    #[serde(default)]
    pub items: Vec<QueuedTeamAction>,
}

/// One team action taken offline: the form it would have posted.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QueuedTeamAction {
    /// Made by the device; the action's `op` (a resend counts once).
    #[serde(default)]
    pub id: String,
    /// `visit` or `attend`.
    #[serde(default)]
    pub kind: String,
    /// The device's clock when it was taken (milliseconds).
    #[serde(default)]
    pub at: i64,
    /// The staff account signed in when it was taken.
    #[serde(default)]
    pub person: i64,
    /// The CSRF token of the session it was taken in.
    #[serde(default)]
    pub session: String,
    /// A visit's village code.
    #[serde(default)]
    pub village: String,
    /// An attendance's class.
    #[serde(default)]
    pub class: i64,
    /// The form's fields, as `[name, value]` pairs (`person`, `date`, `next`, `household`,
    /// `muc-<item>` for a visit; `card`, `identity`, `person` for attendance).
    #[serde(default)]
    pub fields: Vec<Vec<String>>,
}

impl QueuedTeamAction {
    /// What the device says of it, sent in a batch at `sent` (device clock).
    #[must_use]
    pub fn queued(&self, sent: i64) -> binhdan_app::offline::Queued<'_> {
        binhdan_app::offline::Queued {
            id: &self.id,
            person: self.person,
            session: &self.session,
            taken: self.at,
            sent,
        }
    }

    fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find_map(|f| match f.as_slice() {
                [k, v] if k == name => Some(v.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }

    /// The action as the team's use cases take it, or `None` when it cannot be read.
    fn action(&self) -> Option<TeamAction<'_>> {
        let person = self.field("person").trim();
        match self.kind.as_str() {
            "visit" => Some(TeamAction::Visit {
                village: &self.village,
                input: VisitInput {
                    op: "",
                    person_id: person.parse().ok()?,
                    date: self.field("date"),
                    done: self
                        .fields
                        .iter()
                        .filter_map(|f| f.first()?.strip_prefix("muc-").map(str::to_owned))
                        .collect(),
                    next_step: self.field("next"),
                    household: self.field("household"),
                },
            }),
            "attend" => Some(TeamAction::Attend {
                class_id: self.class,
                input: AttendInput {
                    op: "",
                    card: self.field("card"),
                    identity: self.field("identity"),
                    person_id: if person.is_empty() {
                        None
                    } else {
                        Some(person.parse().ok()?)
                    },
                },
            }),
            _ => None,
        }
    }
}

/// Receives a village team member's attendance and visits taken offline: each counts once
/// (its device-made id is the action's `op`), at the time it was taken, if the caller is the
/// member who took it, in the session it was taken in, and still acts for that village's
/// team on a resident of it. Each gets its own result; a refused one stays on the device.
#[utoipa::path(post, path = "/quan-ly/to-cong-nghe/dong-bo", tag = "pages",
    request_body = TeamBatch,
    responses((status = 200, description = "What became of each", body = SyncReply), (status = 400, description = "Too many at once"), (status = 401, description = "Not signed in as staff"), (status = 403, description = "Not a village facilitator, or a wrong CSRF token")))]
pub async fn team_sync(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Json(batch): Json<TeamBatch>,
) -> Result<Response, Problem> {
    s.check_csrf(&batch.csrf)?;
    // Only a village's facilitator can be a team member (each item is then checked against
    // its own village's team).
    if !s
        .grants
        .iter()
        .any(|g| g.role == binhdan_auth::access::Role::VillageFacilitator)
    {
        return Err(Problem::new(
            axum::http::StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    if batch.items.len() > MAX_BATCH {
        return Err(Problem::bad_request(
            Msg::new("offline-batch-too-large").arg("max", MAX_BATCH),
        ));
    }
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    let actor = Actor {
        id: s.id,
        grants: &s.grants,
    };
    let now = state.clock.now();
    let mut results = Vec::with_capacity(batch.items.len());
    for a in &batch.items {
        let admitted = binhdan_app::offline::admit(
            &a.queued(batch.now),
            s.id,
            |t| s.token.verify_csrf(t),
            now,
            &state.config.offline,
        );
        let taken = match admitted {
            Ok(t) => t,
            Err(r) => {
                results.push(refusal(lang, &a.id, r, &state.config.offline));
                continue;
            }
        };
        let Some(action) = a.action() else {
            results.push(refusal(
                lang,
                &a.id,
                Refusal::Malformed,
                &state.config.offline,
            ));
            continue;
        };
        let synced = binhdan_app::offline::team::record(
            state.store.as_ref(),
            &vault,
            actor,
            &a.id,
            action,
            cutoff(&state),
            taken,
        )
        .await?;
        results.push(match synced {
            Synced::Counted => counted(lang, &a.id, true, None),
            Synced::Duplicate => counted(lang, &a.id, false, None),
            Synced::Refused(msg) => refused(lang, &a.id, "team", &msg),
        });
    }
    Ok(no_store(axum::Json(SyncReply { results }).into_response()))
}
