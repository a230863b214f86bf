//! The audit log.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;
use std::collections::HashMap;

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub person: String,
    pub subject: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    l: Layout,
    rows: Vec<AuditRowView>,
    next: Option<i64>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    sau: i64,
}

/// Whether the caller reads the audit log: it spans every unit, so only a grant over a whole
/// province or the platform reads it (the staff home offers the link on the same rule).
pub(crate) fn reads_audit_log(s: &StaffCaller) -> bool {
    s.grants.iter().any(|g| {
        g.role.holds(Permission::ViewAudit)
            && match &g.scope {
                Scope::Everywhere => true,
                Scope::Unit { path } => path.trim_end_matches('/').split('/').count() == 1,
                Scope::Organisation { .. } => false,
            }
    })
}

/// The audit log, oldest first, for roles that may read it across the platform or province.
#[utoipa::path(get, path = "/quan-ly/nhat-ky", tag = "pages",
    params(("sau" = Option<i64>, Query, description = "Records after this sequence number")),
    responses((status = 200, description = "Audit records (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not read the audit log")))]
pub async fn audit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Problem> {
    if !reads_audit_log(&s) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    let records = state.store.audit_records(q.sau.max(0), 100).await?;
    let next = (records.len() == 100)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
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
    let mut rows = Vec::with_capacity(records.len());
    for r in records {
        rows.push(AuditRowView {
            seq: r.seq,
            at: binhdan_app::events::format_local_time(binhdan_core::Timestamp(r.at)),
            actor: names.get(&r.actor).cloned().unwrap_or_default(),
            action: action_words(lang, &r.action),
            person: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
            subject: r.subject,
        });
    }
    Ok(AuditPage {
        l: Layout::new(lang, lang.text("audit-title")).wide(),
        rows,
        next,
    }
    .into_response())
}

/// An audit record's action in words ("Xem hồ sơ một người"), with its code for searching;
/// an action without words is shown as its code.
fn action_words(lang: Lang, action: &str) -> String {
    let key = match action {
        "person.view" => "audit-action-person-view",
        "person.view_identity" => "audit-action-person-view-identity",
        "team.attend" => "audit-action-team-attend",
        "staff.password_change" => "audit-action-staff-password-change",
        "staff.totp_remove" => "audit-action-staff-totp-remove",
        "person.list" => "audit-action-person-list",
        "person.import" => "audit-action-person-import",
        "person.register" => "audit-action-person-register",
        "population.import" => "audit-action-population-import",
        "certificate.issue" => "audit-action-certificate-issue",
        "certificate.revoke" => "audit-action-certificate-revoke",
        "organisation.create" => "audit-action-organisation-create",
        "report.export" => "audit-action-report-export",
        "report.export.refused" => "audit-action-report-export-refused",
        "staff.create" => "audit-action-staff-create",
        "staff.disable" => "audit-action-staff-disable",
        "staff.totp_enrol" => "audit-action-staff-totp-enrol",
        "target.set" => "audit-action-target-set",
        "team.appoint" => "audit-action-team-appoint",
        "team.checklist" => "audit-action-team-checklist",
        "team.class" => "audit-action-team-class",
        "team.visit" => "audit-action-team-visit",
        _ => return action.to_owned(),
    };
    format!("{} ({action})", lang.text(key))
}
