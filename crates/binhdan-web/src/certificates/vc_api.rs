//! The W3C VC API: `POST /credentials/verify` and `POST /presentations/verify` (anyone) and
//! `POST /credentials/issue` (staff who may issue), JSON in and JSON problems out, whatever
//! the client accepts.

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

/// The token in a VC API verify request (see [`credential_token`]), or the message key of
/// what is wrong.
fn token_of(body: &serde_json::Value) -> Result<String, &'static str> {
    let vc = body
        .get("verifiableCredential")
        .ok_or("certificate-api-no-credential")?;
    credential_token(vc).ok_or("certificate-api-bad-envelope")
}

/// The token of a credential as the VC API carries it: a `vc+jwt` string, or an enveloped
/// credential (`data:application/vc+jwt,<token>`) that is well formed: its `@context` starts
/// with the VC 2.0 context, its `type` is `EnvelopedVerifiableCredential`.
fn credential_token(vc: &serde_json::Value) -> Option<String> {
    if let Some(s) = vc.as_str() {
        return Some(s.to_owned());
    }
    enveloped(
        vc,
        "EnvelopedVerifiableCredential",
        "data:application/vc+jwt,",
    )
}

/// The token an envelope of the given `type` carries in its `id` (`<prefix><token>`), if the
/// envelope is well formed (`@context` starting with the VC 2.0 context).
fn enveloped(value: &serde_json::Value, kind: &str, prefix: &str) -> Option<String> {
    let context_ok = value
        .get("@context")
        .and_then(serde_json::Value::as_array)
        .and_then(|c| c.first())
        .and_then(serde_json::Value::as_str)
        == Some(binhdan_credential::presentation::CONTEXT_V2);
    let type_ok = match value.get("type") {
        Some(serde_json::Value::String(t)) => t == kind,
        Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    };
    if !context_ok || !type_ok {
        return None;
    }
    value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .and_then(|id| id.strip_prefix(prefix))
        .map(str::to_owned)
}

/// One credential verified (signature, key, issuer, dates, revocation): the VC API's result,
/// `verified` with the checks passed or the reason it failed, and the credential's id when
/// its signature could be read.
async fn verify_credential(
    state: &AppState,
    lang: Lang,
    token: &str,
) -> Result<(serde_json::Value, Option<String>), Problem> {
    let issuer = issuer(state)?;
    let verified = issuer
        .verify(state.store.as_ref(), token, state.clock.now())
        .await?;
    let code = verified.code();
    let id = verified.credential.as_ref().map(|c| c.id.clone());
    let result = if code == "valid" {
        serde_json::json!({ "verified": true, "checks": ["proof", "credentialStatus", "validity"], "warnings": [], "errors": [] })
    } else {
        serde_json::json!({
            "verified": false,
            "checks": [],
            "warnings": [],
            "errors": [{ "code": code, "message": lang.text(status_key(code)) }],
        })
    };
    Ok((result, id))
}

fn is_verified(result: &serde_json::Value) -> bool {
    result.get("verified") == Some(&serde_json::Value::Bool(true))
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
    let (result, _) = verify_credential(&state, lang, &token).await?;
    // The VC API answers 200 only for a credential that verifies; one that does not is
    // invalid input (400), with the reason.
    let status = if is_verified(&result) {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(json(status, &result))
}

/// The largest presentation `/presentations/verify` reads, whatever the server's body limit.
pub const MAX_PRESENTATION_BYTES: usize = 256 * 1024;
/// The most credentials one presentation may carry.
pub const MAX_PRESENTED_CREDENTIALS: usize = 20;

/// W3C VC API: verifies a presentation and every credential in it, as `/credentials/verify`
/// does each. The presentation is a `vp+jwt` signed by its holder (a `did:jwk`; bare, or as
/// an `EnvelopedVerifiablePresentation`), bound to `options.challenge` (its `nonce`) and
/// `options.domain` (its `aud`) when given; or a presentation without a proof, whose
/// credentials alone are verified. 200 when all verify, else 400 with the reasons: the
/// presentation's in `errors`, each credential's in `credentialResults`.
#[utoipa::path(post, path = "/presentations/verify", tag = "credentials",
    request_body(content = String, content_type = "application/json", description = r#"{"verifiablePresentation": "<vp+jwt>"}, {"verifiablePresentation": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiablePresentation", "id": "data:application/vp+jwt,<token>"}} or {"presentation": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation", "verifiableCredential": ["<vc+jwt>", …]}}, with "options": {"challenge": …, "domain": …}"#),
    responses((status = 200, description = "Verified: the presentation and every credential in it"), (status = 400, description = "Not verified (the reasons in errors and credentialResults), not JSON, no presentation, or a malformed one"), (status = 413, description = "Larger than the verifier reads, or too many credentials"), (status = 415, description = "Not application/json")))]
pub async fn vp_verify(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    use binhdan_credential::presentation::{self, Binding, PresentationFailure};
    let problem = |status: StatusCode, key: &'static str| api_problem(lang, status, key);
    // Too large: a problem like the server's own body limit gives (the same 413, the same form).
    if body.len() > MAX_PRESENTATION_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::new("error-too-large"),
        ));
    }
    let value = match read_json(&headers, &body) {
        Ok(v) => v,
        Err((status, key)) => return Ok(problem(status, key)),
    };
    let option = |name: &str| {
        value
            .get("options")
            .and_then(|o| o.get(name))
            .and_then(serde_json::Value::as_str)
    };
    let binding = Binding {
        challenge: option("challenge"),
        domain: option("domain"),
    };
    let Some(given) = value
        .get("verifiablePresentation")
        .or_else(|| value.get("presentation"))
    else {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "certificate-api-no-presentation",
        ));
    };
    let token = given.as_str().map(str::to_owned).or_else(|| {
        enveloped(
            given,
            "EnvelopedVerifiablePresentation",
            "data:application/vp+jwt,",
        )
    });
    // The presentation's own verification: the holder's signature and binding, or nothing
    // to check for one without a proof (which then cannot be bound to a challenge).
    let (vp, holder, failure) = if let Some(token) = token {
        match presentation::verify_presentation_jwt(&token, &binding) {
            Ok((vp, holder)) => (vp, Some(holder), None),
            Err(f) => (serde_json::Value::Null, None, Some(f)),
        }
    } else {
        if presentation::check_shape(given).is_err() {
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "certificate-api-bad-presentation",
            ));
        }
        if given.get("proof").is_some() {
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "certificate-api-proof-unsupported",
            ));
        }
        let failure = if binding.challenge.is_some() {
            Some(PresentationFailure::ChallengeMismatch)
        } else if binding.domain.is_some() {
            Some(PresentationFailure::DomainMismatch)
        } else {
            None
        };
        (given.clone(), None, failure)
    };
    let presented: Vec<&serde_json::Value> = match vp.get("verifiableCredential") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    if failure.is_none() && holder.is_none() && presented.is_empty() {
        return Ok(problem(
            StatusCode::BAD_REQUEST,
            "certificate-api-no-credential",
        ));
    }
    if presented.len() > MAX_PRESENTED_CREDENTIALS {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::new("certificate-api-too-many-credentials"),
        ));
    }
    let mut credential_results = Vec::with_capacity(presented.len());
    for item in presented {
        let (mut result, id) = match credential_token(item) {
            Some(token) => verify_credential(&state, lang, &token).await?,
            None => (
                serde_json::json!({
                    "verified": false,
                    "checks": [],
                    "warnings": [],
                    "errors": [{ "code": "malformed", "message": lang.text("certificate-api-bad-envelope") }],
                }),
                None,
            ),
        };
        if let (Some(id), Some(fields)) = (id, result.as_object_mut()) {
            fields.insert("credentialId".to_owned(), serde_json::Value::String(id));
        }
        credential_results.push(result);
    }
    let errors: Vec<serde_json::Value> = failure
        .iter()
        .map(
            |f| serde_json::json!({ "code": f.code(), "message": lang.text(presentation_key(*f)) }),
        )
        .collect();
    let verified = failure.is_none() && credential_results.iter().all(is_verified);
    let checks: &[&str] = if holder.is_some() { &["proof"] } else { &[] };
    let overall: &[&str] = if verified { checks } else { &[] };
    let body = serde_json::json!({
        "verified": verified,
        "presentationResult": {
            "verified": failure.is_none(),
            "holder": holder,
            "checks": checks,
            "errors": errors,
        },
        "credentialResults": credential_results,
        "checks": overall,
        "warnings": [],
        "errors": errors,
    });
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(json(status, &body))
}

/// The message key of why a presentation did not verify.
fn presentation_key(
    failure: binhdan_credential::presentation::PresentationFailure,
) -> &'static str {
    use binhdan_credential::presentation::PresentationFailure as F;
    match failure {
        F::Token(binhdan_credential::Failure::KeyUnknown) => "presentation-status-holder-key",
        F::Token(binhdan_credential::Failure::SignatureInvalid) => {
            "presentation-status-signature-invalid"
        }
        F::Token(binhdan_credential::Failure::TypInvalid) => "presentation-status-typ-invalid",
        F::Token(binhdan_credential::Failure::AlgUnsupported) => {
            "certificate-status-alg-unsupported"
        }
        F::Token(_) | F::NotAPresentation => "presentation-status-malformed",
        F::HolderMismatch => "presentation-status-holder-mismatch",
        F::ChallengeMismatch => "presentation-status-challenge-mismatch",
        F::DomainMismatch => "presentation-status-domain-mismatch",
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
