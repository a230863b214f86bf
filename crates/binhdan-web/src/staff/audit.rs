//! The audit log, in words (actions named, staff by name, time of day), newest first, filtered
//! by person, action and date, and limited to the reader's scope.
//!
//! Audit records carry no unit of their own: a record is within a reader's units when the
//! person it is about lives there, its subject names a unit or organisation there, or its actor
//! or subject is a staff account whose every grant lies there (`AuditQuery::within`). A grant
//! over everything reads the whole log. Failed staff sign-ins are records of their own
//! (`staff.sign_in_failed`, the reason in words; see `sign_in::audit_failure` for how many a
//! flood can add). Subjects read in words: a unit's or organisation's name, a staff member's
//! name, and a person's name where the reader may see people there, the code kept small
//! beside it; showing people's names is itself audited (`audit.view`).

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;
use crate::session::percent_encode;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Records on a page.
const AUDIT_PAGE: u32 = 100;
/// The longest filter value read (a username, an action code, a date).
const MAX_FILTER: usize = 64;
const MILLIS_PER_DAY: i64 = 86_400_000;
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// The actions with words, in the order the filter offers them.
const ACTIONS: [(&str, &str); 28] = [
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
    (
        super::sign_in::SIGN_IN_FAILED,
        "audit-action-staff-sign-in-failed",
    ),
    (AUDIT_VIEW, "audit-action-audit-view"),
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

/// The action of a look at the log that showed people's names.
const AUDIT_VIEW: &str = "audit.view";

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// The action in words (the code itself when it has none).
    pub action: String,
    /// The action's code (`person.view`), shown small beside the words; empty when the
    /// words are the code.
    pub action_code: String,
    /// The person's number, and their name where the reader may see people where they live
    /// (else empty).
    pub person: Option<(i64, String)>,
    /// The subject in words ("Xã Cẩm Sơn"), empty when there are none.
    pub subject_words: String,
    /// The subject as stored (a code), shown small beside the words.
    pub subject: String,
}

/// What a record's subject names.
#[derive(Debug, PartialEq, Eq)]
enum SubjectRef {
    /// `unit:16591`, `unit:16591001:visit:7` or a bare code (`16591`).
    Unit(UnitCode),
    /// `staff:12`.
    Staff(i64),
    /// `organisation:3`.
    Organisation(i64),
    /// Anything else (a file, a certificate, a class): shown as stored.
    Other,
}

fn subject_ref(subject: &str) -> SubjectRef {
    if let Some(rest) = subject.strip_prefix("unit:") {
        let code = rest.split(':').next().unwrap_or_default();
        return UnitCode::parse(code).map_or(SubjectRef::Other, SubjectRef::Unit);
    }
    if let Some(id) = subject.strip_prefix("staff:") {
        return id.parse().map_or(SubjectRef::Other, SubjectRef::Staff);
    }
    if let Some(id) = subject.strip_prefix("organisation:") {
        return id
            .parse()
            .map_or(SubjectRef::Other, SubjectRef::Organisation);
    }
    if !subject.is_empty() && subject.bytes().all(|b| b.is_ascii_digit()) {
        return UnitCode::parse(subject).map_or(SubjectRef::Other, SubjectRef::Unit);
    }
    SubjectRef::Other
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
    let (actor, account, person) = if person_text.is_empty() {
        (None, None, None)
    } else if let Ok(id) = person_text.parse::<i64>() {
        (None, None, Some(id))
    } else if person_text.starts_with("staff:") {
        (None, Some(person_text.clone()), None)
    } else {
        // A username: what they did and what was done to their account (failed sign-ins
        // included); anything else (`cli`, `citizen`) is matched as the actor itself.
        match state.store.staff_by_username(&person_text).await? {
            Some(a) => (None, Some(format!("staff:{}", a.id)), None),
            None => (Some(person_text.clone()), None, None),
        }
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
            account,
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
    let rows = in_words(&state, lang, &s, records).await?;
    let people_named = rows
        .iter()
        .filter(|r| r.person.as_ref().is_some_and(|(_, name)| !name.is_empty()))
        .count();
    if people_named > 0 {
        state
            .store
            .append_audit(
                AuditEntry::new(s.actor(), AUDIT_VIEW)
                    .detail(&Detail::new().num("people", i64::try_from(people_named).unwrap_or(0))),
                state.clock.now(),
            )
            .await?;
    }
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

/// The records as the page shows them: staff, people, units and organisations by name (each
/// looked up once a page), a person's name only where the reader may see people there.
async fn in_words(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    records: Vec<binhdan_core::audit::AuditRecord>,
) -> Result<Vec<AuditRowView>, Problem> {
    let mut staff: HashMap<i64, String> = HashMap::new();
    let mut organisations: HashMap<i64, String> = HashMap::new();
    let mut people: HashMap<i64, String> = HashMap::new();
    let mut codes: Vec<UnitCode> = Vec::new();
    for r in &records {
        let ids = [
            r.actor.strip_prefix("staff:").and_then(|i| i.parse().ok()),
            match subject_ref(&r.subject) {
                SubjectRef::Staff(id) => Some(id),
                _ => None,
            },
        ];
        for id in ids.into_iter().flatten() {
            if let Entry::Vacant(slot) = staff.entry(id) {
                let name = state
                    .store
                    .staff(id)
                    .await?
                    .map(|a| format!("{} ({})", a.display_name, a.username))
                    .unwrap_or_default();
                slot.insert(name);
            }
        }
        match subject_ref(&r.subject) {
            SubjectRef::Unit(code) if !codes.contains(&code) => codes.push(code),
            SubjectRef::Organisation(id) => {
                if let Entry::Vacant(slot) = organisations.entry(id) {
                    let name = state
                        .store
                        .organisation(id)
                        .await?
                        .map(|o| o.name)
                        .unwrap_or_default();
                    slot.insert(name);
                }
            }
            _ => {}
        }
        if let Some(id) = r.person_id
            && let Entry::Vacant(slot) = people.entry(id)
        {
            let name = state
                .store
                .person(id)
                .await?
                .filter(|p| s.may(Permission::ViewPeople, &Target::Unit(&p.summary.unit_path)))
                .map(|p| p.summary.name)
                .unwrap_or_default();
            slot.insert(name);
        }
    }
    let units: HashMap<UnitCode, String> = state
        .store
        .units_by_codes(&codes)
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let named = |name: Option<&String>| name.cloned().unwrap_or_default();
    Ok(records
        .into_iter()
        .map(|r| {
            let actor = match r.actor.strip_prefix("staff:").and_then(|i| i.parse().ok()) {
                Some(id) => Some(named(staff.get(&id))).filter(|n| !n.is_empty()),
                None if r.actor == super::sign_in::ANONYMOUS => {
                    Some(lang.text("audit-actor-anonymous"))
                }
                None => None,
            }
            .unwrap_or_else(|| r.actor.clone());
            let subject_words = match subject_ref(&r.subject) {
                SubjectRef::Unit(code) => named(units.get(&code)),
                SubjectRef::Staff(id) => named(staff.get(&id)),
                SubjectRef::Organisation(id) => named(organisations.get(&id)),
                SubjectRef::Other => String::new(),
            };
            AuditRowView {
                seq: r.seq,
                at: binhdan_app::events::format_local_time(binhdan_core::Timestamp(r.at)),
                actor,
                action: action_words(lang, &r.action, &r.detail),
                action_code: if ACTIONS.iter().any(|(code, _)| *code == r.action) {
                    r.action.clone()
                } else {
                    String::new()
                },
                person: r.person_id.map(|id| (id, named(people.get(&id)))),
                subject_words,
                subject: r.subject,
            }
        })
        .collect())
}

/// An audit record's action in words ("Xem hồ sơ một người"); an action without words is
/// shown as its code. A failed sign-in says why.
fn action_words(lang: Lang, action: &str, detail: &str) -> String {
    let Some((_, key)) = ACTIONS.iter().find(|(code, _)| *code == action) else {
        return action.to_owned();
    };
    let why = (action == super::sign_in::SIGN_IN_FAILED)
        .then(|| serde_json::from_str::<serde_json::Value>(detail).ok())
        .flatten()
        .and_then(|d| {
            let reason = d.get("reason")?.as_str()?.to_owned();
            super::sign_in::Failure::ALL
                .into_iter()
                .find(|f| f.code() == reason)
        });
    match why {
        Some(f) => format!("{}: {}", lang.text(key), lang.text(f.msg_key())),
        None => lang.text(key),
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
    fn subjects_name_what_they_are_about() {
        let unit = |c: &str| SubjectRef::Unit(UnitCode::parse(c).unwrap());
        assert_eq!(subject_ref("unit:16591"), unit("16591"));
        assert_eq!(subject_ref("unit:16591001:visit:7"), unit("16591001"));
        assert_eq!(subject_ref("38"), unit("38"));
        assert_eq!(subject_ref("16591"), unit("16591"));
        assert_eq!(subject_ref("staff:12"), SubjectRef::Staff(12));
        assert_eq!(subject_ref("organisation:3"), SubjectRef::Organisation(3));
        for other in [
            "",
            "165910",
            "danh-sach.csv",
            "exam:4:assisted",
            "staff:x",
            "unit:",
        ] {
            assert_eq!(subject_ref(other), SubjectRef::Other, "{other}");
        }
    }

    #[test]
    fn every_action_is_named_once() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in &ACTIONS {
            assert!(seen.insert(code), "{code}");
        }
    }
}
