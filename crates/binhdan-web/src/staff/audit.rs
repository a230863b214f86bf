//! The audit log.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;

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

/// The audit log, oldest first, for roles that may read it across the platform or province.
#[utoipa::path(get, path = "/quan-ly/nhat-ky", tag = "pages",
    params(("sau" = Option<i64>, Query, description = "Records after this sequence number")),
    responses((status = 200, description = "Audit records (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not read the audit log")))]
pub async fn audit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Problem> {
    // The log spans every unit: only a grant over a whole province or the platform reads it.
    let wide = s.grants.iter().any(|g| {
        g.role.holds(Permission::ViewAudit)
            && match &g.scope {
                Scope::Everywhere => true,
                Scope::Unit { path } => path.trim_end_matches('/').split('/').count() == 1,
                Scope::Organisation { .. } => false,
            }
    });
    if !wide {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    let records = state.store.audit_records(q.sau.max(0), 100).await?;
    let next = (records.len() == 100)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    Ok(AuditPage {
        l: Layout::new(lang, lang.text("audit-title")).with_prefs(prefs),
        rows: records
            .into_iter()
            .map(|r| AuditRowView {
                seq: r.seq,
                at: binhdan_core::people::Date::from_timestamp_vietnam(binhdan_core::Timestamp(
                    r.at,
                ))
                .map(|d| d.to_string())
                .unwrap_or_default(),
                actor: r.actor,
                action: r.action,
                person: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
                subject: r.subject,
            })
            .collect(),
        next,
    }
    .into_response())
}
