//! The staff home: who I am, what I may do, where.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;

pub struct GrantView {
    pub role: String,
    pub scope: String,
    pub unit_code: Option<String>,
    /// The organisation of an organisation grant (its dashboard).
    pub org_id: Option<i64>,
    /// Whether the grant lets its holder see the unit's people (and whom to visit).
    pub sees_people: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_home.html")]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per link the home page offers"
)]
pub(super) struct StaffHome {
    l: Layout,
    name: String,
    grants: Vec<GrantView>,
    may_import: bool,
    may_population: bool,
    may_staff: bool,
    may_register: bool,
    may_audit: bool,
    may_events: bool,
    /// The province's targets page, for those who set targets.
    targets_of: Option<String>,
    /// The province's dashboard, for those who see the whole province.
    dashboard_of: Option<String>,
    /// The village teams the caller is a member of: (village code, name).
    teams: Vec<(String, String)>,
}

pub(crate) async fn grant_views(
    state: &AppState,
    lang: Lang,
    grants: &[binhdan_auth::access::Grant],
) -> Result<Vec<GrantView>, Problem> {
    let mut out = Vec::new();
    for g in grants {
        let (scope, unit_code) = match &g.scope {
            Scope::Everywhere => (lang.text("scope-everywhere"), None),
            Scope::Unit { path } => {
                let code = path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let name = match UnitCode::parse(&code) {
                    Ok(c) => state
                        .store
                        .unit(&c)
                        .await?
                        .map(|u| u.name)
                        .unwrap_or_default(),
                    Err(_) => String::new(),
                };
                (name, Some(code))
            }
            Scope::Organisation { id } => (
                state
                    .store
                    .organisation(*id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
                None,
            ),
        };
        out.push(GrantView {
            role: lang.text(g.role.msg_key()),
            scope,
            unit_code,
            org_id: match &g.scope {
                Scope::Organisation { id } if g.role.holds(Permission::ViewDashboard) => Some(*id),
                _ => None,
            },
            sees_people: g.role.holds(Permission::ViewPeople),
        });
    }
    Ok(out)
}

/// The staff home: who I am, what I may do, where.
#[utoipa::path(get, path = "/quan-ly", tag = "pages", responses((status = 200, description = "Staff home (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    let grants = grant_views(&state, lang, &s.grants).await?;
    let may = |p: Permission| s.grants.iter().any(|g| g.role.holds(p));
    Ok(StaffHome {
        l: Layout::new(lang, lang.text("staff-title")),
        name: s.display_name.clone(),
        grants,
        may_import: may(Permission::ImportPeople),
        may_population: may(Permission::EditUnits),
        may_staff: may(Permission::ManageStaff),
        may_register: s
            .grants
            .iter()
            .any(|g| g.role.holds(Permission::EditPeople) && matches!(g.scope, Scope::Unit { .. })),
        may_audit: super::audit::reads_audit_log(&s),
        may_events: may(Permission::CheckIn),
        targets_of: may(Permission::SetTargets).then(|| state.config.province.clone()),
        dashboard_of: s
            .grants
            .iter()
            .any(|g| g.role.holds(Permission::ViewDashboard) && g.scope == Scope::Everywhere)
            .then(|| state.config.province.clone()),
        teams: state
            .store
            .teams_of(s.id)
            .await?
            .into_iter()
            .map(|(code, name)| (code.to_string(), name))
            .collect(),
    }
    .into_response())
}
