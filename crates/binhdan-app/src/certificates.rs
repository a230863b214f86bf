//! Certificates: the province issues one to every learner who passes the certification exam,
//! as an Open Badges 3.0 `AchievementCredential` secured as VC-JOSE (Ed25519), with a
//! revocation entry in a W3C Bitstring Status List and a short signed QR payload.
//!
//! * **Keys** live in the store, each seed sealed by the vault (context `issuer-key`): every
//!   server of a deployment signs with the same key, and a stolen database alone signs nothing.
//!   The newest unretired key signs; `rotate_key` adds a new one and retires the others, which
//!   stay published (JWKS, `did:web`) so the certificates they signed keep verifying.
//! * **Issuing** is once per pass: the store takes the certificate, its outbox message for
//!   VNeID and the `certified` counter in one transaction, and a retried request finds the
//!   first certificate.
//! * **The holder** is named with their full name and date of birth; the CCCD enters only as a
//!   SHA-256 hash with a secret salt (the salt goes to VNeID through the outbox, never into the
//!   credential: published beside the name and birth date it would make the hash reversible). A person known only by their birth year gets no certificate until
//!   their date of birth is recorded (the issue says which).

use std::sync::Arc;

use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_credential::credential::{
    AchievementSpec, Competence, Holder, Level, Profile, StatusListEntry,
};
use binhdan_credential::{AchievementCredential, CertificateSpec, IssuerKey, KeyRing, PublicKey};
use binhdan_store::{
    AdultCutoff, CertificateRecord, CertificateSlot, ExamPass, SignedCertificate, Store,
    StoreError, StoredIssuerKey,
};
use binhdan_vault::Vault;

use crate::cache::TtlCache;

/// The vault context of sealed signing keys.
const KEY_CONTEXT: &str = "issuer-key";
/// How long the published keys are trusted before they are read again.
const RING_TTL: std::time::Duration = std::time::Duration::from_mins(1);

/// Why a certificate could not be issued or a key made.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the holder's record is missing or unreadable: {0}")]
    Holder(&'static str),
    #[error("the person's date of birth is not known (only the year): no certificate yet")]
    NoBirthDate,
    #[error("the signing key cannot be used: {0}")]
    Key(String),
    #[error("the certificate cannot be built: {0}")]
    Build(String),
}

/// The `did:web` DID of a server's public URL: `https://binhdan.thanhhoa.gov.vn` →
/// `did:web:binhdan.thanhhoa.gov.vn` (a port is written `%3A`, a path with `:`).
#[must_use]
pub fn did_of(base_url: &str) -> String {
    let rest = base_url
        .trim_end_matches('/')
        .split_once("://")
        .map_or(base_url, |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", host.replace(':', "%3A"));
    for part in path.split('/').filter(|p| !p.is_empty()) {
        did.push(':');
        did.push_str(part);
    }
    did
}

/// The issuing side of a server: its DID and URLs, the vault that opens the keys.
#[derive(Clone)]
pub struct Issuer {
    pub did: String,
    pub base_url: String,
    /// The issuing authority's name, e.g. `Ủy ban nhân dân tỉnh Thanh Hóa`.
    pub name: String,
    vault: Arc<Vault>,
    /// The published keys, kept [`RING_TTL`] on the server's clock (a key unknown to it
    /// reloads it at once).
    ring: Arc<TtlCache<(), KeyRing>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    #[must_use]
    pub fn new(base_url: &str, name: &str, vault: Arc<Vault>) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        Self {
            did: did_of(&base_url),
            name: name.to_owned(),
            base_url,
            vault,
            ring: Arc::new(TtlCache::new(RING_TTL, 1)),
        }
    }

    /// The URL of status list `list`.
    #[must_use]
    pub fn status_list_url(&self, list: i64) -> String {
        format!("{}/chung-chi/trang-thai/{list}", self.base_url)
    }

    /// The public page of a certificate (`urn:uuid:` stripped).
    #[must_use]
    pub fn certificate_url(&self, id: &str) -> String {
        format!(
            "{}/chung-chi/{}",
            self.base_url,
            id.trim_start_matches("urn:uuid:")
        )
    }

    /// The prefix of the QR payload: scanned, it opens the online check.
    #[must_use]
    pub fn qr_prefix(&self) -> String {
        format!("{}/xac-minh/qr/", self.base_url)
    }

    #[must_use]
    pub fn profile(&self) -> Profile {
        Profile::new(&self.did, &self.name, Some(&self.base_url))
    }

    fn kid(&self, fragment: &str) -> String {
        format!("{}#{fragment}", self.did)
    }

    /// Makes a signing key if none is in force. Returns its id (fragment).
    pub async fn ensure_key(&self, store: &dyn Store, now: Timestamp) -> Result<String, CertError> {
        let keys = store.issuer_keys().await?;
        if let Some(k) = keys.iter().find(|k| k.retired_at.is_none()) {
            return Ok(k.id.clone());
        }
        self.add_key(store, false, now).await
    }

    /// Adds a new signing key and retires the others (they stay published).
    pub async fn rotate_key(&self, store: &dyn Store, now: Timestamp) -> Result<String, CertError> {
        self.add_key(store, true, now).await
    }

    async fn add_key(
        &self,
        store: &dyn Store,
        retire_others: bool,
        now: Timestamp,
    ) -> Result<String, CertError> {
        let mut seed: [u8; 32] = rand::random();
        let fragment = format!("k{}-{}", now.millis() / 1000, hex_of(&seed[..2]));
        let key = IssuerKey::from_seed(&self.kid(&fragment), &seed)
            .map_err(|e| CertError::Key(e.to_string()))?;
        let sealed = self
            .vault
            .seal_secret(&seed, KEY_CONTEXT, &mut rand::rng())
            .map_err(|e| CertError::Key(e.to_string()))?;
        seed.fill(0);
        store
            .add_issuer_key(
                &StoredIssuerKey {
                    id: fragment.clone(),
                    public_key: key.public().to_bytes().to_vec(),
                    seed_sealed: sealed.into_bytes(),
                    created_at: now,
                    retired_at: None,
                },
                retire_others,
                now,
            )
            .await?;
        Ok(fragment)
    }

    /// The published keys, from the minute-long cache (unless `fresh`) or the store.
    async fn cached_ring(
        &self,
        store: &dyn Store,
        fresh: bool,
        now: Timestamp,
    ) -> Result<KeyRing, CertError> {
        if !fresh && let Some(ring) = self.ring.get(&(), now) {
            return Ok(ring);
        }
        let ring = self.key_ring(store).await?;
        self.ring.insert((), ring.clone(), now);
        Ok(ring)
    }

    /// Every published key: the current one and the retired ones.
    pub async fn key_ring(&self, store: &dyn Store) -> Result<KeyRing, CertError> {
        let mut ring = KeyRing::new();
        for k in store.issuer_keys().await? {
            let bytes: [u8; 32] = k
                .public_key
                .as_slice()
                .try_into()
                .map_err(|_| CertError::Key(format!("key {} is not 32 bytes", k.id)))?;
            let mut public = PublicKey::from_bytes(&self.kid(&k.id), &bytes)
                .map_err(|e| CertError::Key(e.to_string()))?;
            if k.retired_at.is_some() {
                public = public.retired();
            }
            ring.insert(public)
                .map_err(|e| CertError::Key(e.to_string()))?;
        }
        Ok(ring)
    }

    /// The key that signs now.
    async fn signing_key(&self, store: &dyn Store) -> Result<IssuerKey, CertError> {
        let keys = store.issuer_keys().await?;
        let k = keys
            .iter()
            .find(|k| k.retired_at.is_none())
            .ok_or(StoreError::NoIssuerKey)?;
        let seed = self
            .vault
            .open_secret(&k.seed_sealed, KEY_CONTEXT)
            .map_err(|e| CertError::Key(e.to_string()))?;
        let seed: [u8; 32] = seed
            .expose()
            .as_slice()
            .try_into()
            .map_err(|_| CertError::Key("the sealed seed is not 32 bytes".into()))?;
        IssuerKey::from_seed(&self.kid(&k.id), &seed).map_err(|e| CertError::Key(e.to_string()))
    }

    /// The certificate of a pass: issued now, or the one issued before.
    pub async fn issue(
        &self,
        store: &dyn Store,
        pass: &ExamPass,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CertificateRecord, CertError> {
        self.ensure_key(store, now).await?;
        let person = store
            .person(pass.person_id)
            .await?
            .ok_or(CertError::Holder("no such person"))?;
        let birth_day = person.summary.birth_day.ok_or(CertError::NoBirthDate)?;
        let birth = binhdan_core::people::Date::from_days_since_epoch(birth_day)
            .and_then(|d| {
                binhdan_credential::Date::new(
                    u16::try_from(d.year()).ok()?,
                    u8::try_from(d.month()).ok()?,
                    u8::try_from(d.day()).ok()?,
                )
            })
            .ok_or(CertError::Holder("date of birth out of range"))?;
        let cccd = self
            .vault
            .decrypt(&person.cccd_sealed)
            .map_err(|_| CertError::Holder("the CCCD cannot be opened"))?;
        let salt = binhdan_vault::generate_salt(&mut rand::rng());
        let identity_hash = binhdan_vault::identity_hash(&cccd, &salt);
        let key = self.signing_key(store).await?;
        let fragment = key
            .id()
            .rsplit_once('#')
            .map_or(key.id(), |(_, f)| f)
            .to_owned();
        let mut uuid: [u8; 16] = rand::random();
        uuid[6] = (uuid[6] & 0x0f) | 0x40;
        uuid[8] = (uuid[8] & 0x3f) | 0x80;
        let id = format!("urn:uuid:{}", uuid_text(&uuid));
        // The salt stays with the issuer (and VNeID, through the outbox): a CCCD has few
        // unknown digits once the name and date of birth are known, so a published salt
        // would let anyone holding the token recover it.
        let holder = Holder {
            identity_hash: identity_hash.clone(),
            salt: String::new(),
            full_name: person.summary.name.clone(),
            birth_date: birth,
        };
        let achievement = achievement(&self.base_url, pass.group, pass.theta)?;
        let tasks = tasks_demonstrated(store, pass, &achievement.competences).await?;
        let issuer = self.profile();
        let valid_from = binhdan_credential::Timestamp::from_unix(now.millis().div_euclid(1000));
        let sign = |slot: CertificateSlot| -> Result<SignedCertificate, String> {
            let (list, index) = slot.status();
            let spec = CertificateSpec {
                id: id.clone(),
                issuer: issuer.clone(),
                valid_from,
                valid_until: None,
                holder: holder.clone(),
                achievement: achievement.clone(),
                status: Some(StatusListEntry::revocation(
                    &self.status_list_url(list),
                    index,
                )),
            };
            let credential = AchievementCredential::build(&spec)
                .map_err(|e| e.to_string())?
                .with_tasks(
                    &tasks,
                    &achievement.framework_name,
                    &achievement.framework_url,
                );
            let jwt = binhdan_credential::sign_credential(&credential, &key)
                .map_err(|e| e.to_string())?;
            let delivery = serde_json::json!({
                "type": "certificate.issued",
                "id": id,
                "identityHash": identity_hash,
                "salt": salt,
                "credential": jwt,
            });
            Ok(SignedCertificate {
                id: id.clone(),
                key_id: fragment.clone(),
                jwt,
                delivery: delivery.to_string(),
            })
        };
        Ok(store.issue_certificate(pass, &sign, cutoff, now).await?)
    }

    /// Issues the certificates of passes that have none (a crash between the pass and the
    /// certificate, or a date of birth recorded since). Returns how many were issued; a pass
    /// still without a date of birth is skipped.
    pub async fn issue_pending(
        &self,
        store: &dyn Store,
        person: Option<i64>,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<u64, CertError> {
        let mut issued = 0;
        for pass in store.passes_without_certificate(person, 1000).await? {
            match self.issue(store, &pass, cutoff, now).await {
                Ok(_) => issued += 1,
                Err(CertError::NoBirthDate) => {}
                Err(e @ CertError::Store(_)) => return Err(e),
                // One holder's unreadable record must not hold back the others (or hide the
                // certificates already issued): said in the log, retried next time.
                Err(e) => tracing::warn!(pass = pass.id, error = %e, "certificate not issued"),
            }
        }
        Ok(issued)
    }

    /// Status list `list` as a signed `BitstringStatusListCredential`, valid for a day.
    pub async fn status_list_jwt(
        &self,
        store: &dyn Store,
        list: i64,
        now: Timestamp,
    ) -> Result<String, CertError> {
        let credential = self.status_list(store, list, now).await?;
        let key = self.signing_key(store).await?;
        binhdan_credential::jws::sign_payload(&credential, &key)
            .map_err(|e| CertError::Build(e.to_string()))
    }

    async fn status_list(
        &self,
        store: &dyn Store,
        list: i64,
        now: Timestamp,
    ) -> Result<binhdan_credential::StatusListCredential, CertError> {
        let mut bits = binhdan_credential::StatusList::new(
            usize::try_from(CertificateSlot::LIST_SIZE).unwrap_or(usize::MAX),
        )
        .map_err(|e| CertError::Build(e.to_string()))?;
        for index in store.revoked_indices(list).await? {
            bits.set(index, true)
                .map_err(|e| CertError::Build(e.to_string()))?;
        }
        let from = binhdan_credential::Timestamp::from_unix(now.millis().div_euclid(1000));
        let until =
            binhdan_credential::Timestamp::from_unix(now.millis().div_euclid(1000) + 86_400);
        binhdan_credential::StatusListCredential::revocation(
            &self.status_list_url(list),
            self.profile(),
            &bits,
            from,
            Some(until),
        )
        .map_err(|e| CertError::Build(e.to_string()))
    }

    /// Verifies a certificate token: signature, key, issuer, dates, then its revocation
    /// status: from its row when this store issued it, else from the status list.
    pub async fn verify(
        &self,
        store: &dyn Store,
        token: &str,
        now: Timestamp,
    ) -> Result<Verified, CertError> {
        let at = binhdan_credential::Timestamp::from_unix(now.millis().div_euclid(1000));
        let mut ring = self.cached_ring(store, false, now).await?;
        let mut checked = binhdan_credential::verify_jwt(token.trim(), &ring, at);
        if checked.code() == binhdan_credential::Failure::KeyUnknown.code() {
            // A key made since (by another server, or a rotation): read the keys again.
            ring = self.cached_ring(store, true, now).await?;
            checked = binhdan_credential::verify_jwt(token.trim(), &ring, at);
        }
        let credential = match checked.into_result() {
            Ok(c) => c,
            Err(failure) => {
                return Ok(Verified {
                    failure: Some(failure),
                    credential: None,
                });
            }
        };
        // A certificate of this store: its row says whether it is revoked, at once.
        if let Some(record) = store.certificate(&credential.id).await? {
            let failure = record
                .revoked_at
                .map(|_| binhdan_credential::Failure::Revoked);
            return Ok(Verified {
                failure,
                credential: Some(credential),
            });
        }
        let list = credential
            .credential_status
            .as_ref()
            .and_then(|s| {
                s.status_list_credential
                    .strip_prefix(&format!("{}/chung-chi/trang-thai/", self.base_url))
            })
            .and_then(|n| n.parse::<i64>().ok());
        let failure = match list {
            Some(list) => {
                let status = self.status_list(store, list, now).await?;
                binhdan_credential::check_revocation(&credential, &status).err()
            }
            None if credential.credential_status.is_some() => {
                Some(binhdan_credential::Failure::StatusUnavailable)
            }
            None => None,
        };
        Ok(Verified {
            failure,
            credential: Some(credential),
        })
    }
}

impl Issuer {
    /// The URL to print as the certificate's QR code: the online check, carrying a short
    /// payload signed with the current key that an offline verifier can check.
    pub async fn qr_link(
        &self,
        store: &dyn Store,
        record: &CertificateRecord,
    ) -> Result<String, CertError> {
        let ring = self.key_ring(store).await?;
        // The credential as stored, read without judging dates or status.
        let far =
            binhdan_credential::Timestamp::from_unix(record.issued_at.millis().div_euclid(1000));
        let credential = binhdan_credential::verify_jwt(&record.jwt, &ring, far)
            .into_result()
            .map_err(|f| CertError::Build(f.code().to_owned()))?;
        let key = self.signing_key(store).await?;
        let fragment = key
            .id()
            .rsplit_once('#')
            .map_or(key.id(), |(_, f)| f)
            .to_owned();
        let claims = binhdan_credential::qr::QrClaims::from_credential(&credential, &fragment)
            .map_err(|e| CertError::Build(e.to_string()))?;
        binhdan_credential::qr::sign_qr(&claims, &key, &self.qr_prefix())
            .map_err(|e| CertError::Build(e.to_string()))
    }

    /// Checks a scanned QR payload: its signature, then the certificate it names as stored
    /// (`None`: signed by us but not in this store).
    pub async fn check_qr(
        &self,
        store: &dyn Store,
        payload: &str,
    ) -> Result<Result<Option<CertificateRecord>, binhdan_credential::Failure>, CertError> {
        let ring = self.key_ring(store).await?;
        let claims = match binhdan_credential::qr::verify_qr(payload, &ring, &self.did) {
            Ok(c) => c,
            Err(f) => return Ok(Err(f)),
        };
        Ok(Ok(store.certificate(&claims.credential_urn()).await?))
    }
}

/// What verifying a token found.
#[derive(Debug)]
pub struct Verified {
    /// `None`: valid and not revoked.
    pub failure: Option<binhdan_credential::Failure>,
    /// The credential, when its signature checked out (also when revoked or expired).
    pub credential: Option<AchievementCredential>,
}

impl Verified {
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.failure
            .map_or("valid", binhdan_credential::Failure::code)
    }
}

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

fn uuid_text(b: &[u8; 16]) -> String {
    let h = hex_of(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The simulated tasks the holder could do in the sitting that passed
/// ([`binhdan_store::TaskResult::could_do`]), for the credential.
async fn tasks_demonstrated(
    store: &dyn Store,
    pass: &ExamPass,
    competences: &[Competence],
) -> Result<Vec<binhdan_credential::credential::TaskDemonstrated>, CertError> {
    let mut tasks = Vec::new();
    for r in store.sitting_task_results(pass.attempt_id).await? {
        if !r.could_do() {
            continue;
        }
        let Some(task) = store.sim_task(&r.task_id).await? else {
            continue;
        };
        let competence = competences
            .iter()
            .find(|c| c.code == task.competence)
            .cloned()
            .unwrap_or_else(|| Competence {
                code: task.competence.clone(),
                name: task.competence.clone(),
            });
        tasks.push(binhdan_credential::credential::TaskDemonstrated {
            id: task.id.clone(),
            title: task.title.vi.clone(),
            competence,
            score: r.score,
            credit: r.credit,
            required: r.credit.div_ceil(2).max(1),
        });
    }
    Ok(tasks)
}

/// The achievement of a group's certificate, with the level reached (from the ability).
fn achievement(base_url: &str, group: Group, theta: f64) -> Result<AchievementSpec, CertError> {
    let framework =
        binhdan_core::reference::competences().map_err(|e| CertError::Build(e.reason))?;
    let competences = framework
        .into_iter()
        .filter(|c| !c.name.is_empty())
        .map(|c| Competence {
            code: c.code,
            name: c.name,
        })
        .collect();
    let levels: Vec<Level> = [
        ("CB1", "Cơ bản 1"),
        ("CB2", "Cơ bản 2"),
        ("TC1", "Trung cấp 1"),
        ("TC2", "Trung cấp 2"),
    ]
    .iter()
    .map(|(code, name)| Level {
        code: (*code).to_owned(),
        name: (*name).to_owned(),
    })
    .collect();
    // The scale's steps as the provisional difficulties set them (CB1 at −1.5, 0.5 a step).
    let achieved = if theta >= 0.0 {
        "TC2"
    } else if theta >= -0.5 {
        "TC1"
    } else if theta >= -1.0 {
        "CB2"
    } else {
        "CB1"
    };
    let (code, audience) = match group {
        Group::Adult => ("PCS-ND", "người dân"),
        Group::PublicServant => ("PCS-CB", "cán bộ, công chức, viên chức"),
        Group::Student => ("PCS-HS", "học sinh"),
        Group::Worker => ("PCS-LD", "người lao động"),
    };
    Ok(AchievementSpec {
        id: format!("{base_url}/thanh-tich/{}", code.to_ascii_lowercase()),
        code: code.to_owned(),
        name: "Chứng nhận phổ cập tri thức về chuyển đổi số, kỹ năng số".to_owned(),
        description: format!(
            "Chứng nhận {audience} đã có tri thức, kỹ năng số cơ bản trong phong trào “Bình dân học vụ số”."
        ),
        criteria: "Đạt bài thi cấp chứng chỉ trên nền tảng Bình Dân: bài thi thích ứng, chấm theo năng lực trên thang đã hiệu chỉnh.".to_owned(),
        framework_name: "Khung năng lực số (Thông tư 02/2025/TT-BGDĐT)".to_owned(),
        framework_url: format!("{base_url}/khung-nang-luc-so"),
        competences,
        levels,
        achieved_level: achieved.to_owned(),
    })
}

#[cfg(test)]
#[path = "certificates_tests.rs"]
pub(crate) mod tests;
