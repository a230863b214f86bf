//! The `OpenID` Connect client for citizen sign-in with VNeID: the authorization code flow with
//! PKCE (`S256`), `state` and `nonce`, on top of the `openidconnect` crate.
//!
//! ```text
//! OidcClient::discover(config)        once at start: discovery document + the provider's keys
//! client.begin() -> (url, pending)     per sign-in: send the browser to `url`, keep `pending`
//!                                      server-side (session) until the callback
//! client.finish(&pending, code, state, now) -> Identity
//!                                      on the callback: state checked, code exchanged with the
//!                                      PKCE verifier (client_secret_basic), ID token verified
//!                                      (signature from the JWKS, iss, aud, exp at `now`,
//!                                      nonce), claims mapped (CCCD from the configured claim)
//! ```
//!
//! The per-attempt secrets and the claims-to-identity mapping are `binhdan_auth::oidc`'s; this
//! crate adds the HTTP exchanges and the ID token's checks. The HTTP client follows no
//! redirects (an SSRF guard the `openidconnect` documentation asks for) and gives up after
//! [`HTTP_TIMEOUT`]. No error text holds the code, a token, the verifier, the nonce or the
//! CCCD; each error names a message key (`oidc-*` in `auth.ftl`) through [`Localized`].

#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use binhdan_auth::oidc::{AuthRequest, ClaimMapping, Identity, IdentityError, same_token};
use binhdan_core::{Localized, Msg, Secret, Timestamp};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthType, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError,
    Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, reqwest,
};
use rand::CryptoRng;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// How long one request to the provider (discovery, keys, token) may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// How to reach the provider and who we are to it.
#[derive(Clone, Debug, Deserialize)]
pub struct OidcConfig {
    /// The issuer URL, exactly as the provider's discovery document states it.
    pub issuer: String,
    pub client_id: String,
    /// Sent with HTTP Basic authentication (`client_secret_basic`) to the token endpoint.
    pub client_secret: Secret<String>,
    /// Our callback URL, as registered with the provider.
    pub redirect_url: String,
    /// The ID-token claim holding the CCCD number (set by VNeID's integration agreement).
    #[serde(default = "default_cccd_claim")]
    pub cccd_claim: String,
    /// The scopes to ask for; `openid` is always sent.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_cccd_claim() -> String {
    "cccd".to_owned()
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "cccd"].map(str::to_owned).to_vec()
}

impl OidcConfig {
    /// A configuration with the default CCCD claim (`cccd`) and scopes (`openid profile cccd`).
    #[must_use]
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret<String>,
        redirect_url: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret,
            redirect_url: redirect_url.into(),
            cccd_claim: default_cccd_claim(),
            scopes: default_scopes(),
        }
    }
}

/// The ID token's claims beyond the standard ones (the CCCD claim, whatever its name), read
/// from the verified token. `Debug` names the claims, never their values.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

impl fmt::Debug for ExtraClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.claims.keys()).finish()
    }
}

type TokenFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<TokenFields, CoreTokenType>;
type ProviderClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A discovered provider. Cheap to clone (shared), `Send + Sync`.
///
/// The provider's signing keys are fetched once, by [`OidcClient::discover`]: after the
/// provider rotates its keys, discover again (e.g. on a timer, or when
/// [`OidcError::IdToken`] starts appearing for every sign-in).
#[derive(Clone)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    client: ProviderClient,
    http: reqwest::Client,
    scopes: Vec<Scope>,
    mapping: ClaimMapping,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.client.client_id().as_str())
            .finish_non_exhaustive()
    }
}

/// What a sign-in attempt keeps server-side between [`OidcClient::begin`] and
/// [`OidcClient::finish`]: `state`, `nonce` and the PKCE verifier. Serializable so the web layer
/// can store it in the session; keep it there only (it is a secret) and only for minutes.
/// `Debug` shows none of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    #[serde(serialize_with = "expose")]
    state: Secret<String>,
    #[serde(serialize_with = "expose")]
    nonce: Secret<String>,
    #[serde(serialize_with = "expose")]
    pkce_verifier: Secret<String>,
}

fn expose<S: Serializer>(secret: &Secret<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

impl PendingLogin {
    /// The `state` sent in the authorization URL (to find the attempt again, if the web layer
    /// keys attempts by it).
    #[must_use]
    pub fn state(&self) -> &str {
        self.state.expose()
    }
}

/// Why a sign-in failed. No variant holds the code, a token, the PKCE verifier, the nonce or
/// the CCCD; [`Localized::msg`] gives what to show the person.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The configuration cannot work (a URL that does not parse, no token endpoint).
    #[error("the OIDC configuration is invalid: {0}")]
    Config(String),
    /// The HTTP client could not be built.
    #[error("the HTTP client for OIDC could not be built: {0}")]
    HttpClient(String),
    /// Discovery failed: the provider is unreachable, or its document or keys are unusable.
    #[error("the identity provider's discovery at {issuer} failed: {reason}")]
    Discovery { issuer: String, reason: String },
    /// The `state` on the callback is not this attempt's: a forged or crossed callback. The
    /// code was not exchanged.
    #[error("the callback's state does not match this sign-in attempt")]
    StateMismatch,
    /// The token endpoint could not be reached or answered nonsense.
    #[error("the token endpoint failed: {0}")]
    TokenEndpoint(String),
    /// The provider refused the code (`invalid_grant`: expired, already used, or the PKCE
    /// verifier does not match it).
    #[error("the identity provider refused the authorization code: {error}")]
    CodeRefused { error: String },
    /// The token response has no ID token (the `openid` scope was not granted).
    #[error("the token response has no ID token")]
    NoIdToken,
    /// The ID token fails verification (signature, issuer, audience, expiry…).
    #[error("the ID token was refused: {0}")]
    IdToken(ClaimsVerificationError),
    /// The ID token's `nonce` is not this attempt's (a replayed or crossed token).
    #[error("the ID token's nonce does not match this sign-in attempt")]
    NonceMismatch,
    /// The verified ID token carries no CCCD claim.
    #[error("the ID token has no {claim} claim (no CCCD)")]
    NoCccd { claim: String },
    /// The claims do not make an identity (a missing `sub`, an invalid CCCD…).
    #[error(transparent)]
    Identity(IdentityError),
}

impl Localized for OidcError {
    fn msg(&self) -> Msg {
        match self {
            Self::Config(_) | Self::HttpClient(_) => Msg::new("oidc-misconfigured"),
            Self::Discovery { .. } | Self::TokenEndpoint(_) => Msg::new("oidc-unavailable"),
            // Both mean "this callback is not the attempt we started": start again.
            Self::StateMismatch | Self::NonceMismatch => Msg::new("oidc-nonce-mismatch"),
            Self::CodeRefused { .. } => Msg::new("oidc-code-refused"),
            Self::NoIdToken | Self::IdToken(_) => Msg::new("oidc-token-invalid"),
            Self::NoCccd { .. } => Msg::new("oidc-no-cccd"),
            Self::Identity(e) => e.msg(),
        }
    }
}

/// An error and its sources on one line, for errors that hold no secret (URLs, I/O, parse
/// positions).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn token_error(
    e: RequestTokenError<
        openidconnect::HttpClientError<reqwest::Error>,
        StandardErrorResponse<CoreErrorResponseType>,
    >,
) -> OidcError {
    match e {
        // Only the error code: a provider's description might echo what it was sent.
        RequestTokenError::ServerResponse(r) => OidcError::CodeRefused {
            error: r.error().to_string(),
        },
        RequestTokenError::Request(e) => OidcError::TokenEndpoint(chain(&e)),
        // The body holds the tokens, and serde's message may quote a value: the path only.
        RequestTokenError::Parse(e, _body) => OidcError::TokenEndpoint(format!(
            "the token response could not be read (at `{}`)",
            e.path()
        )),
        RequestTokenError::Other(s) => OidcError::TokenEndpoint(s),
    }
}

impl OidcClient {
    /// Fetches the provider's discovery document and signing keys (JWKS).
    pub async fn discover(config: OidcConfig) -> Result<Self, OidcError> {
        let issuer_url = IssuerUrl::new(config.issuer.clone())
            .map_err(|e| OidcError::Config(format!("issuer `{}`: {e}", config.issuer)))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone()).map_err(|e| {
            OidcError::Config(format!("redirect URL `{}`: {e}", config.redirect_url))
        })?;
        let http = reqwest::Client::builder()
            // Following redirects would let a document point the client anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| OidcError::HttpClient(chain(&e)))?;
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .map_err(|e| OidcError::Discovery {
                issuer: config.issuer.clone(),
                reason: chain(&e),
            })?;
        if metadata.token_endpoint().is_none() {
            return Err(OidcError::Config(format!(
                "the provider at {} publishes no token endpoint",
                config.issuer
            )));
        }
        let client = ProviderClient::from_provider_metadata(
            metadata,
            ClientId::new(config.client_id),
            Some(ClientSecret::new(config.client_secret.expose().clone())),
        )
        .set_auth_type(AuthType::BasicAuth)
        .set_redirect_uri(redirect);
        let scopes = config
            .scopes
            .into_iter()
            // `openid` is always sent by the client; sending it twice is harmless but untidy.
            .filter(|s| s != "openid" && !s.trim().is_empty())
            .map(Scope::new)
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                issuer: config.issuer,
                client,
                http,
                scopes,
                mapping: ClaimMapping {
                    cccd: config.cccd_claim,
                    ..ClaimMapping::default()
                },
            }),
        })
    }

    /// The issuer this client was discovered from.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Starts a sign-in with fresh secrets from the thread's CSPRNG: the URL to send the browser
    /// to, and what to keep server-side until the callback.
    #[must_use]
    pub fn begin(&self) -> (String, PendingLogin) {
        self.begin_with(&mut rand::rng())
    }

    /// [`OidcClient::begin`] with the randomness passed in.
    pub fn begin_with<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> (String, PendingLogin) {
        let request = AuthRequest::generate(rng);
        let verifier = PkceCodeVerifier::new(request.pkce.verifier().expose().clone());
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let (state, nonce) = (
            request.state.expose().clone(),
            request.nonce.expose().clone(),
        );
        let (url, _, _) = self
            .inner
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scopes(self.inner.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: request.state,
            nonce: request.nonce,
            pkce_verifier: request.pkce.verifier().clone(),
        };
        (url.to_string(), pending)
    }

    /// Completes a sign-in on the callback: checks `returned_state` (before anything is sent),
    /// exchanges `code` with the PKCE verifier (`client_secret_basic`), verifies the ID token
    /// (signature with the provider's keys, issuer, audience, expiry at `now`, nonce) and maps
    /// its claims to an identity.
    ///
    /// `now` is the server's clock (`Clock::now`), so tests control expiry.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        code: &str,
        returned_state: &str,
        now: Timestamp,
    ) -> Result<Identity, OidcError> {
        if !same_token(&pending.state, returned_state) {
            return Err(OidcError::StateMismatch);
        }
        let inner = &*self.inner;
        let response = inner
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(
                pending.pkce_verifier.expose().clone(),
            ))
            .request_async(&inner.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or(OidcError::NoIdToken)?;
        let now = chrono::DateTime::from_timestamp_millis(now.millis())
            .ok_or_else(|| OidcError::Config("the clock is out of range".to_owned()))?;
        let verifier = inner.client.id_token_verifier().set_time_fn(move || now);
        let claims = id_token
            .claims(&verifier, &Nonce::new(pending.nonce.expose().clone()))
            .map_err(|e| match e {
                ClaimsVerificationError::InvalidNonce(_) => OidcError::NonceMismatch,
                e => OidcError::IdToken(e),
            })?;
        // The verified claims, standard and extra, as one JSON object for the mapping.
        let Ok(Value::Object(map)) = serde_json::to_value(claims) else {
            return Err(OidcError::IdToken(ClaimsVerificationError::Other(
                "the ID token's claims do not form an object".to_owned(),
            )));
        };
        inner
            .mapping
            .identity(&map, &pending.nonce)
            .map_err(|e| match e {
                IdentityError::MissingClaim { claim } if claim == inner.mapping.cccd => {
                    OidcError::NoCccd { claim }
                }
                IdentityError::NonceMismatch => OidcError::NonceMismatch,
                e => OidcError::Identity(e),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn client_is_shareable() {
        assert_send_sync::<OidcClient>();
    }

    #[test]
    fn pending_login_round_trips_and_hides_its_secrets() {
        let pending = PendingLogin {
            state: Secret::new("st-ate".to_owned()),
            nonce: Secret::new("no-nce".to_owned()),
            pkce_verifier: Secret::new("veri-fier".to_owned()),
        };
        assert_eq!(pending.state(), "st-ate");
        let json = serde_json::to_string(&pending).unwrap();
        assert_eq!(
            json,
            r#"{"state":"st-ate","nonce":"no-nce","pkce_verifier":"veri-fier"}"#
        );
        assert_eq!(
            serde_json::from_str::<PendingLogin>(&json).unwrap(),
            pending
        );
        let shown = format!("{pending:?}");
        for secret in ["st-ate", "no-nce", "veri-fier"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn extra_claims_debug_shows_names_only() {
        let mut m = Map::new();
        m.insert("cccd".to_owned(), Value::String("038090012345".to_owned()));
        let shown = format!("{:?}", ExtraClaims { claims: m });
        assert_eq!(shown, r#"{"cccd"}"#);
    }

    #[test]
    fn config_defaults() {
        let c: OidcConfig = serde_json::from_str(
            r#"{"issuer":"https://vneid.example","client_id":"c","client_secret":"s","redirect_url":"https://x/cb"}"#,
        )
        .unwrap();
        assert_eq!(c.cccd_claim, "cccd");
        assert_eq!(c.scopes, ["openid", "profile", "cccd"]);
        assert!(!format!("{c:?}").contains("\"s\""));
        assert_eq!(
            OidcConfig::new("i", "c", Secret::new("s".to_owned()), "r").scopes,
            c.scopes
        );
    }

    #[test]
    fn every_error_has_a_message() {
        let errors = [
            OidcError::Config(String::new()),
            OidcError::HttpClient(String::new()),
            OidcError::Discovery {
                issuer: String::new(),
                reason: String::new(),
            },
            OidcError::StateMismatch,
            OidcError::TokenEndpoint(String::new()),
            OidcError::CodeRefused {
                error: "invalid_grant".to_owned(),
            },
            OidcError::NoIdToken,
            OidcError::IdToken(ClaimsVerificationError::Expired(String::new())),
            OidcError::NonceMismatch,
            OidcError::NoCccd {
                claim: "cccd".to_owned(),
            },
            OidcError::Identity(IdentityError::BirthdateMismatch),
        ];
        for e in errors {
            assert!(e.msg().key.starts_with("oidc-"), "{e}");
        }
    }
}
