//! The W3C VC API: `POST /credentials/verify` (anyone) and `POST /credentials/issue` (staff
//! who may issue), JSON in and JSON problems out, whatever the client accepts.

#[allow(clippy::wildcard_imports, reason = "the certificates' shared imports")]
use super::*;

pub(super) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut r = (status, value.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A refusal of the VC API, as a JSON problem in the reader's language.
fn api_problem(lang: Lang, status: StatusCode, key: &'static str) -> Response {
    json(
        status,
        &serde_json::json!({ "type": "about:blank", "status": status.as_u16(), "title": lang.text(key), "code": key }),
    )
}

/// The request's JSON body, or why not: 415 if it is not `application/json`, 400 if it does
/// not parse (a status and a message key, for `api_problem`).
fn read_json(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, (StatusCode, &'static str)> {
    if !is_json(headers) {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "certificate-api-not-json",
        ));
    }
    serde_json::from_slice(body).map_err(|_| (StatusCode::BAD_REQUEST, "certificate-api-bad-json"))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// The token in a VC API verify request: a string, or an enveloped credential
/// (`data:application/vc+jwt,<token>`) that is well formed: its `@context` starts with the
/// VC 2.0 context, its `type` is `EnvelopedVerifiableCredential`. The message key of what is
/// wrong otherwise.
fn token_of(body: &serde_json::Value) -> Result<String, &'static str> {
    let vc = body
        .get("verifiableCredential")
        .ok_or("certificate-api-no-credential")?;
    if let Some(s) = vc.as_str() {
        return Ok(s.to_owned());
    }
    let context_ok = vc
        .get("@context")
        .and_then(serde_json::Value::as_array)
        .and_then(|c| c.first())
        .and_then(serde_json::Value::as_str)
        == Some("https://www.w3.org/ns/credentials/v2");
    let type_ok = match vc.get("type") {
        Some(serde_json::Value::String(t)) => t == "EnvelopedVerifiableCredential",
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str() == Some("EnvelopedVerifiableCredential")),
        _ => false,
    };
    if !context_ok || !type_ok {
        return Err("certificate-api-bad-envelope");
    }
    vc.get("id")
        .and_then(serde_json::Value::as_str)
        .and_then(|id| id.strip_prefix("data:application/vc+jwt,"))
        .map(str::to_owned)
        .ok_or("certificate-api-bad-envelope")
}

/// W3C VC API: verifies a credential (a VC-JOSE token, bare or enveloped). `verified` with the
/// checks passed, or the specific reason it failed; a request that is not JSON of that shape
/// gets 400 or 415 with a problem, never a 500.
#[utoipa::path(post, path = "/credentials/verify", tag = "credentials",
    request_body(content = String, content_type = "application/json", description = r#"{"verifiableCredential": "<vc+jwt>"} or {"verifiableCredential": {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,<token>"}}"#),
    responses((status = 200, description = "Verified: the checks passed"), (status = 400, description = "Not verified (the reason in errors), not JSON, no verifiableCredential, or a malformed envelope"), (status = 415, description = "Not application/json")))]
pub async fn vc_verify(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let problem = |status: StatusCode, key: &'static str| api_problem(lang, status, key);
    let value = match read_json(&headers, &body) {
        Ok(v) => v,
        Err((status, key)) => return Ok(problem(status, key)),
    };
    let token = match token_of(&value) {
        Ok(t) => t,
        Err(key) => return Ok(problem(StatusCode::BAD_REQUEST, key)),
    };
    let issuer = issuer(&state)?;
    let verified = issuer
        .verify(state.store.as_ref(), &token, state.clock.now())
        .await?;
    let code = verified.code();
    // The VC API answers 200 only for a credential that verifies; one that does not is
    // invalid input (400), with the reason.
    if code == "valid" {
        Ok(json(
            StatusCode::OK,
            &serde_json::json!({ "verified": true, "checks": ["proof", "credentialStatus", "validity"], "warnings": [], "errors": [] }),
        ))
    } else {
        Ok(json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({
                "verified": false,
                "checks": [],
                "warnings": [],
                "errors": [{ "code": code, "message": lang.text(status_key(code)) }],
            }),
        ))
    }
}

/// W3C VC API: issues (or returns, if issued before) the certificate of a recorded exam pass,
/// for staff who may issue certificates over the holder's unit. This issuer signs nothing
/// else: the request names the pass, `{"options": {"passId": N}}`. Audited.
#[utoipa::path(post, path = "/credentials/issue", tag = "credentials",
    request_body(content = String, content_type = "application/json", description = r#"{"options": {"passId": 123}}"#),
    responses((status = 201, description = "The certificate, as an EnvelopedVerifiableCredential"), (status = 400, description = "Not JSON, no passId, or a credential to sign (refused)"), (status = 403, description = "Not allowed for this holder"), (status = 404, description = "No such pass"), (status = 415, description = "Not application/json"), (status = 422, description = "The holder's date of birth is not known")))]
pub async fn vc_issue(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    s.require_somewhere(Permission::IssueCertificate)?;
    let problem = |status: StatusCode, key: &'static str| api_problem(lang, status, key);
    let value = match read_json(&headers, &body) {
        Ok(v) => v,
        Err((status, key)) => return Ok(problem(status, key)),
    };
    // This issuer signs only the certificates of recorded passes, never a credential sent to
    // it: one is refused, not answered with another.
    if value.get("credential").is_some() {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "certificate-api-credential-refused",
        ));
    }
    let Some(pass_id) = value
        .pointer("/options/passId")
        .and_then(serde_json::Value::as_i64)
    else {
        return Ok(problem(StatusCode::BAD_REQUEST, "certificate-api-no-pass"));
    };
    let Some(pass) = state.store.exam_pass_by_id(pass_id).await? else {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            "certificate-api-unknown-pass",
        ));
    };
    let person = state
        .store
        .person(pass.person_id)
        .await?
        .ok_or_else(not_found)?;
    let via_org = person.memberships.iter().any(|m| {
        s.may(
            Permission::IssueCertificate,
            &Target::Organisation {
                id: m.organisation_id,
                unit_path: "",
            },
        )
    });
    if !via_org {
        s.require(
            Permission::IssueCertificate,
            &Target::Unit(&person.summary.unit_path),
        )?;
    }
    let issuer = issuer(&state)?;
    let now = state.clock.now();
    let record = match issuer
        .issue(state.store.as_ref(), &pass, cutoff(&state), now)
        .await
    {
        Ok(r) => r,
        Err(CertError::NoBirthDate) => {
            return Ok(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "certificate-needs-birth-date",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .append_audit(
            AuditEntry::new(s.actor(), "certificate.issue")
                .person(pass.person_id)
                .subject(record.id.clone()),
            now,
        )
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &serde_json::json!({
            "verifiableCredential": {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "EnvelopedVerifiableCredential",
                "id": format!("data:application/vc+jwt,{}", record.jwt),
            }
        }),
    ))
}
