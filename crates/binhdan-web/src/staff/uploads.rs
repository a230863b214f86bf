//! Uploads: rosters of people and official population figures, and the `multipart` form
//! they come in.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub(super) struct ImportPage {
    l: Layout,
    csrf: String,
    units: Vec<(String, String)>,
    result: Option<String>,
    errors: Vec<String>,
    /// The file of rejected rows, as a `data:` link to download, and its name.
    rejects: Option<(String, String)>,
    /// What to do next after refused rows.
    next_step: Option<String>,
}

pub(super) async fn import_units(
    state: &AppState,
    s: &StaffCaller,
) -> Result<Vec<(String, String)>, Problem> {
    let mut out = Vec::new();
    for g in s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::ImportPeople))
    {
        if let Scope::Unit { path } = &g.scope {
            let code = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            if let Ok(c) = UnitCode::parse(code)
                && let Some(u) = state.store.unit(&c).await?
            {
                if u.level == UnitLevel::Province {
                    for c in state.store.children(Some(&u.code)).await? {
                        out.push((c.code.to_string(), c.name));
                    }
                } else {
                    out.push((u.code.to_string(), u.name));
                }
                // The organisations inside: a school's students, an agency's staff…
                for o in state.store.organisations_under(path, 500).await? {
                    out.push((format!("org:{}", o.id), o.name));
                }
            }
        } else if let Scope::Organisation { id } = &g.scope
            && let Some(o) = state.store.organisation(*id).await?
        {
            out.push((format!("org:{}", o.id), o.name));
        }
    }
    Ok(out)
}

/// The roster upload form.
#[utoipa::path(get, path = "/quan-ly/nhap-danh-sach", tag = "pages", responses((status = 200, description = "Upload form (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not import")))]
pub async fn import_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    if !s
        .grants
        .iter()
        .any(|g| g.role.holds(Permission::ImportPeople))
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(ImportPage {
        l: Layout::new(lang, lang.text("import-title")),
        csrf: s.csrf().expose().clone(),
        units: import_units(&state, &s).await?,
        result: None,
        errors: Vec::new(),
        rejects: None,
        next_step: None,
    }
    .into_response())
}

/// Receives a roster file (CSV or XLSX) for a unit, checks every row, and imports it all or
/// nothing; with "keep the good rows", answers with the file of rejected rows.
#[utoipa::path(post, path = "/quan-ly/nhap-danh-sach", tag = "pages",
    request_body(content_type = "multipart/form-data", description = "`csrf`, `unit` (a unit code or `org:<id>`), `file`, and the checkboxes `keep_good` and `dry_run`"),
    responses((status = 200, description = "The result (HTML), or the rejected rows (CSV)"), (status = 403, description = "Outside the caller's scope or a wrong CSRF token"), (status = 422, description = "Rows refused")))]
pub async fn import_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    let upload = Upload::read(&mut multipart).await?;
    s.check_csrf(upload.field("csrf"))?;
    let unit = upload.field("unit").to_owned();
    let keep_good = upload.has("keep_good");
    let dry_run = upload.has("dry_run");
    let dir = &upload.dir;
    // A unit's residents (`16591`) or an organisation's members (`org:12`).
    let (roster, code) = if let Some(id) = unit.trim().strip_prefix("org:") {
        let org = match id.parse::<i64>() {
            Ok(id) => state.store.organisation(id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, Msg::new("import-org-unknown")))?;
        s.require(
            Permission::ImportPeople,
            &Target::Organisation {
                id: org.id,
                unit_path: &org.unit_path,
            },
        )?;
        let code = org.code.clone();
        (binhdan_app::people::Roster::Organisation(org), code)
    } else {
        let code = UnitCode::parse(unit.trim()).map_err(Problem::bad_request)?;
        let scope = state.store.unit(&code).await?.ok_or_else(|| {
            Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
                code: code.to_string(),
            })
        })?;
        s.require(Permission::ImportPeople, &Target::Unit(&scope.path))?;
        (
            binhdan_app::people::Roster::Unit(code.clone()),
            code.to_string(),
        )
    };
    let file = upload.file()?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault"))?;
    let rejects = dir.path.join("rejects.csv");
    // Whom the upload may change: the caller's reach, and the organisation whose roster it is
    // (checked above), so that a commune officer can enrol a school's pupils from elsewhere.
    let mut reach = s.reach(Permission::ImportPeople);
    if let binhdan_app::people::Roster::Organisation(org) = &roster {
        reach.organisations.push(org.id);
    }
    let options = binhdan_app::people::PeopleImportOptions {
        roster,
        rejects: if keep_good {
            binhdan_app::people::RejectPolicy::KeepGood(rejects.clone())
        } else {
            binhdan_app::people::RejectPolicy::AllOrNothing
        },
        dry_run,
        evaluation_date: state.auth.evaluation_date,
        allow_year_only: false,
        actor: s.actor(),
        reach,
        cancel: binhdan_tabular::Cancel::default(),
    };
    // Dropped with this request's future (the client went, the timeout struck): the reading
    // of the file stops.
    let _stop_when_dropped = options.cancel.on_drop();
    let render: binhdan_app::people::Render = std::sync::Arc::new(move |m: &Msg| lang.tr(m));
    let result = binhdan_app::people::import_people(
        state.store.as_ref(),
        &vault,
        &file,
        &options,
        render,
        &|_| {},
        state.clock.now(),
    )
    .await;
    let page = |status: StatusCode,
                result: Option<String>,
                errors: Vec<String>,
                units,
                rejects: Option<(String, String)>| {
        let next_step = (!errors.is_empty()).then(|| {
            lang.text(if rejects.is_some() {
                "import-kept-good"
            } else {
                "import-fix-and-resend"
            })
        });
        let mut r = ImportPage {
            l: Layout::new(lang, lang.text("import-title")),
            csrf: s.csrf().expose().clone(),
            units,
            result,
            errors,
            rejects,
            next_step,
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    let units = import_units(&state, &s).await?;
    match result {
        Ok(report) => {
            // With the good rows kept, the page says what was imported and lists the bad
            // rows, and offers their file (with the errors beside each row) to download.
            let rejects = if keep_good && report.rejected > 0 {
                use base64::Engine as _;
                let body = std::fs::read(&rejects).map_err(|e| Problem::internal(&e))?;
                let name = format!(
                    "dong-bi-tu-choi-{}.csv",
                    code.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                );
                let href = format!(
                    "data:text/csv;charset=utf-8;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(body)
                );
                Some((href, name))
            } else {
                None
            };
            let key = if report.dry_run {
                "cli-people-checked"
            } else {
                "cli-people-imported"
            };
            let text = lang.tr(&Msg::new(key)
                .arg("rows", report.rows)
                .arg("added", report.written.added)
                .arg("updated", report.written.updated)
                .arg("unchanged", report.written.unchanged)
                .arg("rejected", report.rejected));
            let text = if report.unused_columns.is_empty() {
                text
            } else {
                format!(
                    "{text} {}",
                    lang.tr(&Msg::new("import-unused-columns")
                        .arg("columns", report.unused_columns.join(", ")))
                )
            };
            let errors = if rejects.is_some() {
                row_errors(lang, &report.errors)
            } else {
                Vec::new()
            };
            Ok(page(StatusCode::OK, Some(text), errors, units, rejects))
        }
        Err(binhdan_app::ImportFailure::Rows(rows)) => {
            let errors = row_errors(lang, &rows);
            let text = lang.tr(&Msg::new("import-failed").arg("count", rows.len()));
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(text),
                errors,
                units,
                None,
            ))
        }
        Err(binhdan_app::ImportFailure::Store(e)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "population.html")]
pub(super) struct PopulationPage {
    l: Layout,
    csrf: String,
    result: Option<String>,
    errors: Vec<String>,
}

pub(super) fn may_set_population(s: &StaffCaller) -> Result<(), Problem> {
    if s.grants.iter().any(|g| g.role.holds(Permission::EditUnits)) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ))
    }
}

/// The upload form for the official population figures (the targets' denominators).
#[utoipa::path(get, path = "/quan-ly/nhap-dan-so", tag = "pages", responses((status = 200, description = "Upload form (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not set figures")))]
pub async fn population_form(ReqLang(lang): ReqLang, Staff(s): Staff) -> Result<Response, Problem> {
    may_set_population(&s)?;
    Ok(PopulationPage {
        l: Layout::new(lang, lang.text("population-title")),
        csrf: s.csrf().expose().clone(),
        result: None,
        errors: Vec::new(),
    }
    .into_response())
}

/// Receives a file of official population figures per unit and group (CSV or XLSX) and stores
/// it all or nothing. Every row's unit must lie in the caller's scope.
#[utoipa::path(post, path = "/quan-ly/nhap-dan-so", tag = "pages",
    request_body(content_type = "multipart/form-data", description = "`csrf`, `file`, and the checkbox `dry_run`"),
    responses((status = 200, description = "The result (HTML)"), (status = 403, description = "The caller may not set figures, a row's unit is outside their scope, or a wrong CSRF token"), (status = 422, description = "Rows refused")))]
pub async fn population_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    may_set_population(&s)?;
    let upload = Upload::read(&mut multipart).await?;
    s.check_csrf(upload.field("csrf"))?;
    let file = upload.file()?;
    let dry_run = upload.has("dry_run");
    let may_edit = |path: &str| s.may(Permission::EditUnits, &Target::Unit(path));
    let scope = binhdan_app::population::PopulationScope {
        actor: s.actor(),
        may_edit: &may_edit,
    };
    let result = binhdan_app::population::import_population(
        state.store.as_ref(),
        &file,
        binhdan_app::villages::ImportOptions { dry_run },
        &scope,
        state.clock.now(),
    )
    .await;
    let (status, result, errors) = match result {
        Ok(report) => {
            let key = if dry_run {
                "population-checked"
            } else {
                "population-done"
            };
            let text = lang.tr(&Msg::new(key)
                .arg("figures", report.figures)
                .arg("people", format_count(lang, report.people)));
            (StatusCode::OK, text, Vec::new())
        }
        Err(binhdan_app::ImportFailure::Rows(rows)) => (
            // A row outside the caller's units makes the whole request a refusal of scope.
            if rows
                .iter()
                .any(|r| r.msg.key == "population-unit-out-of-scope")
            {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            lang.tr(&Msg::new("import-failed").arg("count", rows.len())),
            row_errors(lang, &rows),
        ),
        Err(binhdan_app::ImportFailure::Store(e)) => return Err(e.into()),
    };
    let mut r = PopulationPage {
        l: Layout::new(lang, lang.text("population-title")),
        csrf: s.csrf().expose().clone(),
        result: Some(result),
        errors,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// A form posted as `multipart/form-data`: its text fields, and its file saved (with only the
/// extension of its name kept, which tells CSV from XLSX) in a private temporary directory
/// removed when the upload is dropped.
pub(crate) struct Upload {
    fields: Vec<(String, String)>,
    file: Option<std::path::PathBuf>,
    dir: TempDir,
}

impl Upload {
    /// Reads every part of the body; one that cannot be read is a problem in the reader's
    /// language (cut off, malformed, over the import limit).
    pub(crate) async fn read(multipart: &mut Multipart) -> Result<Self, Problem> {
        let limit = multipart.limit();
        let bad =
            |e: &axum::extract::multipart::MultipartError| crate::problem::upload_problem(e, limit);
        let dir = tempfile_dir()?;
        let mut fields = Vec::new();
        let mut file = None;
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let ext = field
                    .file_name()
                    .and_then(|n| n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
                    .filter(|e| matches!(e.as_str(), "csv" | "xlsx" | "txt"))
                    .unwrap_or_else(|| "csv".to_owned());
                let bytes = field.bytes().await.map_err(|e| bad(&e))?;
                let path = dir.path.join(format!("upload.{ext}"));
                std::fs::write(&path, &bytes).map_err(|e| Problem::io(&e))?;
                file = Some(path);
            } else {
                let text = field.text().await.map_err(|e| bad(&e))?;
                fields.push((name, text));
            }
        }
        Ok(Self { fields, file, dir })
    }

    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| n == name)
    }

    pub(crate) fn file(&self) -> Result<std::path::PathBuf, Problem> {
        self.file.clone().ok_or_else(|| {
            Problem::bad_request(Msg::new("upload-missing-field").arg("field", "file"))
        })
    }
}

/// A temporary directory removed when dropped.
pub(super) struct TempDir {
    path: std::path::PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub(super) fn tempfile_dir() -> Result<TempDir, Problem> {
    let mut bytes = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let name = hex::encode(bytes);
    let path = std::env::temp_dir().join(format!("binhdan-upload-{name}"));
    std::fs::create_dir(&path).map_err(|e| Problem::internal(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700));
    }
    Ok(TempDir { path })
}
