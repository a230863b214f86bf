//! The audit log, in words (actions named, staff by name, time of day), newest first, filtered
//! by person, action and date, and limited to the reader's scope.
//!
//! Audit records carry no unit of their own: a record is within a reader's units when the
//! person it is about lives there, its subject names a unit or organisation there, or its actor
//! or subject is a staff account whose every grant lies there (`AuditQuery::within`). A grant
//! over everything reads the whole log. Failed sign-ins are not audited (they are throttled
//! and logged without the username), so the log cannot list them.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;
use crate::session::percent_encode;
use std::collections::HashMap;

/// Records on a page.
const AUDIT_PAGE: u32 = 100;
/// The longest filter value read (a username, an action code, a date).
const MAX_FILTER: usize = 64;
const MILLIS_PER_DAY: i64 = 86_400_000;
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// The actions with words, in the order the filter offers them.
const ACTIONS: [(&str, &str); 26] = [
    ("person.view", "audit-action-person-view"),
    ("person.view_identity", "audit-action-person-view-identity"),
    ("person.list", "audit-action-person-list"),
    ("person.import", "audit-action-person-import"),
    ("person.register", "audit-action-person-register"),
    ("population.import", "audit-action-population-import"),
    ("certificate.issue", "audit-action-certificate-issue"),
    ("certificate.revoke", "audit-action-certificate-revoke"),
    ("organisation.create", "audit-action-organisation-create"),
    ("report.export", "audit-action-report-export"),
    (
        "report.export.refused",
        "audit-action-report-export-refused",
    ),
    ("staff.create", "audit-action-staff-create"),
    ("staff.disable", "audit-action-staff-disable"),
    ("staff.enable", "audit-action-staff-enable"),
    (
        "staff.password_change",
        "audit-action-staff-password-change",
    ),
    ("staff.totp_enrol", "audit-action-staff-totp-enrol"),
    ("staff.totp_remove", "audit-action-staff-totp-remove"),
    ("target.set", "audit-action-target-set"),
    ("team.appoint", "audit-action-team-appoint"),
    ("team.checklist", "audit-action-team-checklist"),
    ("team.class", "audit-action-team-class"),
    ("team.class.join", "audit-action-team-class-join"),
    ("team.visit", "audit-action-team-visit"),
    ("team.attend", "audit-action-team-attend"),
    ("team.exam.assist", "audit-action-team-exam-assist"),
    ("team.exam.review", "audit-action-team-exam-review"),
];

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub person: Option<i64>,
    pub subject: String,
}

/// An action the filter offers: code, words, whether chosen.
pub struct ActionOption {
    pub code: &'static str,
    pub words: String,
    pub chosen: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    l: Layout,
    rows: Vec<AuditRowView>,
    /// The link to the next (older) page, with the filters.
    next: Option<String>,
    person: String,
    actions: Vec<ActionOption>,
    from: String,
    to: String,
    /// Whether the reader sees only their units' records.
    scoped: bool,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    /// A staff username, or a person's number.
    #[serde(rename = "nguoi", default)]
    person: String,
    /// An action code (`person.view`).
    #[serde(rename = "hanh-dong", default)]
    action: String,
    /// First day, Vietnam time (`2026-12-01` or `01/12/2026`).
    #[serde(rename = "tu", default)]
    from: String,
    /// Last day, included.
    #[serde(rename = "den", default)]
    to: String,
    /// Cursor: records before this sequence number.
    #[serde(rename = "truoc", default)]
    before: Option<i64>,
}

/// Which records a caller reads.
enum AuditScope {
    /// The whole log (a grant over everything).
    Everything,
    /// The records within these units (materialised paths).
    Units(Vec<String>),
}

/// Which records a caller reads, if any.
fn audit_scope(s: &StaffCaller) -> Option<AuditScope> {
    let mut paths = Vec::new();
    for g in s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::ViewAudit))
    {
        match &g.scope {
            Scope::Everywhere => return Some(AuditScope::Everything),
            Scope::Unit { path } => paths.push(path.clone()),
            Scope::Organisation { .. } => {}
        }
    }
    (!paths.is_empty()).then_some(AuditScope::Units(paths))
}

/// Whether the caller reads the audit log (of their units, or all of it); the staff home
/// offers the link on the same rule.
pub(crate) fn reads_audit_log(s: &StaffCaller) -> bool {
    audit_scope(s).is_some()
}

/// A day typed as `YYYY-MM-DD` (a date field) or `DD/MM/YYYY`, as the instant it starts in
/// Vietnam; `Ok(None)` when empty.
fn day_start(input: &str) -> Result<Option<i64>, Problem> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = t.split(['-', '/']).collect();
    let ymd = match parts.as_slice() {
        [y, m, d] if t.contains('-') => Some((*y, *m, *d)),
        [d, m, y] if t.contains('/') => Some((*y, *m, *d)),
        _ => None,
    };
    ymd.and_then(|(y, m, d)| {
        binhdan_core::people::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    })
    .map(|d| Some(d.days_since_epoch() * MILLIS_PER_DAY - VIETNAM_OFFSET_MS))
    .ok_or_else(|| {
        Problem::bad_request(
            Msg::new("audit-bad-date").arg("value", t.chars().take(MAX_FILTER).collect::<String>()),
        )
    })
}

/// The audit log, newest first, within the reader's scope, filtered by person (a staff
/// username or a person's number), action and days (Vietnam time).
#[utoipa::path(get, path = "/quan-ly/nhat-ky", tag = "pages",
    params(
        ("nguoi" = Option<String>, Query, description = "A staff username (records by them) or a person's number (records about them)"),
        ("hanh-dong" = Option<String>, Query, description = "An action code, e.g. person.view"),
        ("tu" = Option<String>, Query, description = "First day, Vietnam time (YYYY-MM-DD or DD/MM/YYYY)"),
        ("den" = Option<String>, Query, description = "Last day, included, Vietnam time (YYYY-MM-DD or DD/MM/YYYY)"),
        ("truoc" = Option<i64>, Query, description = "Records before this sequence number (the next page)")),
    responses((status = 200, description = "Audit records (HTML)", content_type = "text/html"), (status = 400, description = "A date that is not one"), (status = 403, description = "The caller may not read the audit log")))]
pub async fn audit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Problem> {
    let Some(scope) = audit_scope(&s) else {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    };
    let person_text: String = q.person.trim().chars().take(MAX_FILTER).collect();
    // A long number is a CCCD typed by mistake: refused, never echoed back.
    if person_text.len() >= 9 && person_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::bad_request(Msg::new("audit-person-cccd")));
    }
    let action: String = q.action.trim().chars().take(MAX_FILTER).collect();
    let from = day_start(&q.from)?;
    let until = day_start(&q.to)?.map(|t| t + MILLIS_PER_DAY);
    let (actor, person) = if person_text.is_empty() {
        (None, None)
    } else if let Ok(id) = person_text.parse::<i64>() {
        (None, Some(id))
    } else if person_text.starts_with("staff:") {
        (Some(person_text.clone()), None)
    } else {
        // A username; anything else (`cli`, `citizen`) is matched as the actor itself.
        let actor = state
            .store
            .staff_by_username(&person_text)
            .await?
            .map_or_else(|| person_text.clone(), |a| format!("staff:{}", a.id));
        (Some(actor), None)
    };
    let within = match scope {
        AuditScope::Everything => None,
        AuditScope::Units(paths) => Some(paths),
    };
    let scoped = within.is_some();
    let records = state
        .store
        .audit_search(&binhdan_store::AuditQuery {
            within,
            actor,
            person,
            action: (!action.is_empty()).then(|| action.clone()),
            from,
            until,
            before_seq: q.before.filter(|b| *b > 0),
            limit: AUDIT_PAGE,
        })
        .await?;
    let next = (records.len() == AUDIT_PAGE as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten()
        .map(|seq| {
            format!(
                "/quan-ly/nhat-ky?nguoi={}&hanh-dong={}&tu={}&den={}&truoc={seq}",
                percent_encode(&person_text),
                percent_encode(&action),
                percent_encode(q.from.trim()),
                percent_encode(q.to.trim()),
            )
        });
    // Staff by name: each account on the page is looked up once.
    let mut names: HashMap<String, String> = HashMap::new();
    for r in &records {
        if names.contains_key(&r.actor) {
            continue;
        }
        let name = match r.actor.strip_prefix("staff:").map(str::parse::<i64>) {
            Some(Ok(id)) => state.store.staff(id).await?.map_or_else(
                || r.actor.clone(),
                |a| format!("{} ({})", a.display_name, a.username),
            ),
            _ => r.actor.clone(),
        };
        names.insert(r.actor.clone(), name);
    }
    let rows = records
        .into_iter()
        .map(|r| AuditRowView {
            seq: r.seq,
            at: binhdan_app::events::format_local_time(binhdan_core::Timestamp(r.at)),
            actor: names.get(&r.actor).cloned().unwrap_or_default(),
            action: action_words(lang, &r.action),
            person: r.person_id,
            subject: r.subject,
        })
        .collect();
    let actions = ACTIONS
        .iter()
        .map(|(code, key)| ActionOption {
            code,
            words: lang.text(key),
            chosen: *code == action,
        })
        .collect();
    Ok(AuditPage {
        l: Layout::new(lang, lang.text("audit-title")).wide(),
        rows,
        next,
        person: person_text,
        actions,
        from: q.from.trim().chars().take(MAX_FILTER).collect(),
        to: q.to.trim().chars().take(MAX_FILTER).collect(),
        scoped,
    }
    .into_response())
}

/// An audit record's action in words ("Xem hồ sơ một người"), with its code for searching;
/// an action without words is shown as its code.
fn action_words(lang: Lang, action: &str) -> String {
    match ACTIONS.iter().find(|(code, _)| *code == action) {
        Some((_, key)) => format!("{} ({action})", lang.text(key)),
        None => action.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_in_vietnam() {
        // 1 December 2026 00:00 in Vietnam is 30 November 17:00 UTC.
        let t = day_start("2026-12-01").unwrap().unwrap();
        assert_eq!(day_start("01/12/2026").unwrap(), Some(t));
        assert_eq!(
            binhdan_core::time::format_vietnam_time(binhdan_core::Timestamp(t)),
            "00:00 01/12/2026"
        );
        assert_eq!(day_start(" ").unwrap(), None);
        assert!(day_start("2026-13-01").is_err());
        assert!(day_start("hôm qua").is_err());
    }

    #[test]
    fn every_action_is_named_once() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in &ACTIONS {
            assert!(seen.insert(code), "{code}");
        }
    }
}
