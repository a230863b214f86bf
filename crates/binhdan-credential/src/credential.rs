//! The certificate as an Open Badges 3.0 `OpenBadgeCredential` (alias `AchievementCredential`)
//! in the W3C Verifiable Credentials Data Model 2.0.
//!
//! Mapping of the campaign's certificate onto OB 3.0 terms:
//!
//! | certificate | OB 3.0 / VC 2.0 |
//! | --- | --- |
//! | issuing body | `issuer`: `Profile` with a `did:web` `id` |
//! | learner's CCCD | `credentialSubject.identifier[0]`: `IdentityObject`, `identityType: "nationalIdentityNumber"`, `hashed: true`, `identityHash: "sha256$<hex>"`, `salt` (omitted when the issuer keeps it secret) |
//! | learner's name | `credentialSubject.name` — **extension field** (OB 3.0 has no name on `AchievementSubject`; the term is the one `Profile.name` uses) |
//! | learner's birth date | `credentialSubject.dateOfBirth` — **extension field**, `YYYY-MM-DD` (the term `Profile.dateOfBirth` uses) |
//! | the certificate | `credentialSubject.achievement`: `Achievement`, `achievementType: "Certificate"`, `humanCode` |
//! | competences of the national framework ("4.2") | `achievement.alignment[]`: `Alignment` with `targetCode`, `targetFramework`, `targetType: "ceasn:Competency"` |
//! | proficiency levels (e.g. "CB2") | `achievement.resultDescription[0]`: `ResultDescription`, `resultType: "RubricCriterionLevel"`, one `RubricCriterionLevel` per level |
//! | the level attained | `credentialSubject.result[0]`: `Result` whose `resultDescription` and `achievedLevel` point at those ids |
//! | simulated tasks demonstrated in the exam | per task, `achievement.resultDescription[]`: `ResultDescription` named after the task, `resultType: "RawScore"`, `valueMin` 0, `valueMax` its credit, `requiredValue` the least score that counts as done, aligned (`ceasn:Competency`) to the competence it shows; and `credentialSubject.result[]`: a `Result` pointing at it with the score as `value`, `status: "Completed"`, the same alignment ([`AchievementCredential::with_tasks`]) |
//! | revocation | `credentialStatus`: `BitstringStatusListEntry` |

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::time::Date;

/// `https://www.w3.org/ns/credentials/v2`
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 JSON-LD context.
pub const OB_V3_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The official JSON Schema of `AchievementCredential`.
pub const OB_V3_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// An issuer `Profile`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// A `did:web` DID.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Profile {
    #[must_use]
    pub fn new(did: &str, name: &str, url: Option<&str>) -> Self {
        Self {
            id: did.to_owned(),
            kind: vec!["Profile".to_owned()],
            name: name.to_owned(),
            url: url.map(str::to_owned),
        }
    }
}

/// `IdentityObject` (OB 3.0 §B.1.x): the learner's hashed national identity number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub identity_hash: String,
    pub identity_type: String,
    pub hashed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criteria {
    pub narrative: String,
}

/// `Alignment` of the achievement to one competence of the national framework.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alignment {
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub target_name: String,
    pub target_url: String,
    pub target_code: String,
    pub target_framework: String,
    pub target_type: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RubricCriterionLevel {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    pub level: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultDescription {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    pub result_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rubric_criterion_level: Vec<RubricCriterionLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_value: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Achievement {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub achievement_type: String,
    pub human_code: String,
    pub name: String,
    pub description: String,
    pub criteria: Criteria,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result_description: Vec<ResultDescription>,
    pub in_language: String,
}

/// `Result`: the level attained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievedResult {
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub result_description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub achieved_level: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alignment: Vec<Alignment>,
}

/// `AchievementSubject` with the two documented extension fields `name` and `dateOfBirth`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementSubject {
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub identifier: Vec<IdentityObject>,
    /// Extension: the learner's full name as on the CCCD.
    pub name: String,
    /// Extension: the learner's birth date, `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub achievement: Achievement,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<AchievedResult>,
}

/// `BitstringStatusListEntry` (W3C Bitstring Status List v1.0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusListEntry {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status_purpose: String,
    /// A base-10 integer as a string, as the spec requires.
    pub status_list_index: String,
    pub status_list_credential: String,
}

impl StatusListEntry {
    /// The revocation entry for bit `index` of the list credential at `list_url`.
    #[must_use]
    pub fn revocation(list_url: &str, index: u64) -> Self {
        Self {
            id: format!("{list_url}#{index}"),
            kind: "BitstringStatusListEntry".to_owned(),
            status_purpose: "revocation".to_owned(),
            status_list_index: index.to_string(),
            status_list_credential: list_url.to_owned(),
        }
    }

    /// The index as a number, if it is a canonical base-10 integer.
    #[must_use]
    pub fn index(&self) -> Option<u64> {
        let s = &self.status_list_index;
        let canonical = !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit())
            && (s == "0" || !s.starts_with('0'));
        canonical.then(|| s.parse().ok()).flatten()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialSchema {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// The certificate credential, serialized exactly as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AchievementCredential {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub name: String,
    pub issuer: Profile,
    pub valid_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub credential_subject: AchievementSubject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_status: Option<StatusListEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credential_schema: Vec<CredentialSchema>,
}

/// One competence of the national digital competence framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Competence {
    /// e.g. `"4.2"`.
    pub code: String,
    /// e.g. `"Bảo vệ dữ liệu cá nhân và quyền riêng tư"`.
    pub name: String,
}

/// A simulated real-service task the holder did in the exam.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDemonstrated {
    /// The task's id in the content pack (`chuyen-tien-kiem-tra-ten`).
    pub id: String,
    /// Its title, in Vietnamese.
    pub title: String,
    /// The competence it shows.
    pub competence: Competence,
    pub score: u8,
    pub credit: u8,
    /// The least score that counts as done.
    pub required: u8,
}

/// One proficiency level of the framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// e.g. `"CB2"`.
    pub code: String,
    /// e.g. `"Cơ bản 2"`.
    pub name: String,
}

/// The learner. The CCCD itself never enters the credential, only its salted hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// `sha256$<64 hex>` of the CCCD followed by the salt (OB 3.0 `IdentityHash`).
    pub identity_hash: String,
    pub salt: String,
    pub full_name: String,
    pub birth_date: Date,
}

/// The exam passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AchievementSpec {
    /// A URL identifying the achievement (the certificate type), e.g.
    /// `https://binhdan.gov.vn/achievements/pho-cap-so`.
    pub id: String,
    /// Short code printed on the certificate and carried in the QR payload.
    pub code: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    /// Name of the competence framework (`targetFramework`).
    pub framework_name: String,
    /// URL of the framework; each alignment's `targetUrl` is `<url>#<code>`.
    pub framework_url: String,
    pub competences: Vec<Competence>,
    /// All levels of the framework, lowest first.
    pub levels: Vec<Level>,
    /// Code of the level attained, one of `levels`.
    pub achieved_level: String,
}

/// Everything needed to build one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateSpec {
    /// `urn:uuid:<uuid>` of this credential.
    pub id: String,
    pub issuer: Profile,
    pub valid_from: Timestamp,
    pub valid_until: Option<Timestamp>,
    pub holder: Holder,
    pub achievement: AchievementSpec,
    pub status: Option<StatusListEntry>,
}

/// Why a certificate cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("credential id must be urn:uuid:<uuid>")]
    BadId,
    #[error("issuer id must be a did:web DID")]
    BadIssuer,
    #[error("identity hash must be sha256$ followed by 64 hex digits")]
    BadIdentityHash,
    #[error("achieved level {0:?} is not one of the levels")]
    UnknownLevel(String),
    #[error("validUntil must be after validFrom")]
    BadValidity,
    #[error("timestamp out of range")]
    TimeOutOfRange,
    #[error("empty field {0}")]
    Empty(&'static str),
}

/// Parses `urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` into its 16 bytes.
#[must_use]
pub fn parse_urn_uuid(id: &str) -> Option<[u8; 16]> {
    let u = id.strip_prefix("urn:uuid:")?;
    let b = u.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: String = u.chars().filter(|&c| c != '-').collect();
    let mut out = [0u8; 16];
    hex::decode_to_slice(hex, &mut out).ok()?;
    Some(out)
}

impl AchievementCredential {
    /// Builds the credential (nothing is signed yet).
    pub fn build(spec: &CertificateSpec) -> Result<Self, BuildError> {
        if parse_urn_uuid(&spec.id).is_none() {
            return Err(BuildError::BadId);
        }
        if crate::keys::did_of_kid(&format!("{}#k", spec.issuer.id)).is_err() {
            return Err(BuildError::BadIssuer);
        }
        let h = &spec.holder;
        let ok_hash = h
            .identity_hash
            .strip_prefix("sha256$")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !ok_hash {
            return Err(BuildError::BadIdentityHash);
        }
        let a = &spec.achievement;
        for (name, v) in [
            ("holder.full_name", &h.full_name),
            ("achievement.name", &a.name),
            ("achievement.code", &a.code),
        ] {
            if v.trim().is_empty() {
                return Err(BuildError::Empty(name));
            }
        }
        if !a.levels.iter().any(|l| l.code == a.achieved_level) {
            return Err(BuildError::UnknownLevel(a.achieved_level.clone()));
        }
        if spec.valid_until.is_some_and(|u| u <= spec.valid_from) {
            return Err(BuildError::BadValidity);
        }
        let valid_from = spec
            .valid_from
            .to_rfc3339()
            .ok_or(BuildError::TimeOutOfRange)?;
        let valid_until = match spec.valid_until {
            Some(u) => Some(u.to_rfc3339().ok_or(BuildError::TimeOutOfRange)?),
            None => None,
        };
        let rd_id = format!("{}#muc-do", a.id);
        let level_id = |code: &str| format!("{}#muc-do-{code}", a.id);
        let achievement = Achievement {
            id: a.id.clone(),
            kind: vec!["Achievement".to_owned()],
            achievement_type: "Certificate".to_owned(),
            human_code: a.code.clone(),
            name: a.name.clone(),
            description: a.description.clone(),
            criteria: Criteria {
                narrative: a.criteria.clone(),
            },
            alignment: a
                .competences
                .iter()
                .map(|c| Alignment {
                    kind: vec!["Alignment".to_owned()],
                    target_name: c.name.clone(),
                    target_url: format!("{}#{}", a.framework_url, c.code),
                    target_code: c.code.clone(),
                    target_framework: a.framework_name.clone(),
                    target_type: "ceasn:Competency".to_owned(),
                })
                .collect(),
            result_description: vec![ResultDescription {
                id: rd_id.clone(),
                kind: vec!["ResultDescription".to_owned()],
                name: format!("Mức độ thành thạo theo {}", a.framework_name),
                result_type: "RubricCriterionLevel".to_owned(),
                rubric_criterion_level: a
                    .levels
                    .iter()
                    .map(|l| RubricCriterionLevel {
                        id: level_id(&l.code),
                        kind: vec!["RubricCriterionLevel".to_owned()],
                        name: l.name.clone(),
                        level: l.code.clone(),
                    })
                    .collect(),
                alignment: Vec::new(),
                value_min: None,
                value_max: None,
                required_value: None,
            }],
            in_language: "vi".to_owned(),
        };
        Ok(Self {
            context: vec![VC_V2_CONTEXT.to_owned(), OB_V3_CONTEXT.to_owned()],
            id: spec.id.clone(),
            kind: vec![
                "VerifiableCredential".to_owned(),
                "OpenBadgeCredential".to_owned(),
            ],
            name: a.name.clone(),
            issuer: spec.issuer.clone(),
            valid_from,
            valid_until,
            credential_subject: AchievementSubject {
                kind: vec!["AchievementSubject".to_owned()],
                identifier: vec![IdentityObject {
                    kind: "IdentityObject".to_owned(),
                    identity_hash: h.identity_hash.clone(),
                    identity_type: "nationalIdentityNumber".to_owned(),
                    hashed: true,
                    // An empty salt is the issuer's secret: left out, so the hash cannot be
                    // brute-forced from the name and date of birth beside it.
                    salt: (!h.salt.is_empty()).then(|| h.salt.clone()),
                }],
                name: h.full_name.clone(),
                date_of_birth: h.birth_date.to_string(),
                achievement,
                result: vec![AchievedResult {
                    kind: vec!["Result".to_owned()],
                    result_description: rd_id,
                    achieved_level: level_id(&a.achieved_level),
                    status: "Completed".to_owned(),
                    value: None,
                    alignment: Vec::new(),
                }],
            },
            credential_status: spec.status.clone(),
            credential_schema: vec![CredentialSchema {
                id: OB_V3_SCHEMA.to_owned(),
                kind: "1EdTechJsonSchemaValidator2019".to_owned(),
            }],
        })
    }

    /// Adds the simulated tasks the holder did in the exam: per task, a `ResultDescription` on
    /// the achievement and a `Result` with the score, both aligned to the task's competence
    /// (`framework_name` and `framework_url` as in [`AchievementSpec`]). The level attained
    /// stays `result[0]`.
    #[must_use]
    pub fn with_tasks(
        mut self,
        tasks: &[TaskDemonstrated],
        framework_name: &str,
        framework_url: &str,
    ) -> Self {
        let achievement_id = self.credential_subject.achievement.id.clone();
        for t in tasks {
            let id = format!("{achievement_id}#viec-{}", t.id);
            let alignment = vec![Alignment {
                kind: vec!["Alignment".to_owned()],
                target_name: t.competence.name.clone(),
                target_url: format!("{framework_url}#{}", t.competence.code),
                target_code: t.competence.code.clone(),
                target_framework: framework_name.to_owned(),
                target_type: "ceasn:Competency".to_owned(),
            }];
            self.credential_subject
                .achievement
                .result_description
                .push(ResultDescription {
                    id: id.clone(),
                    kind: vec!["ResultDescription".to_owned()],
                    name: t.title.clone(),
                    result_type: "RawScore".to_owned(),
                    rubric_criterion_level: Vec::new(),
                    alignment: alignment.clone(),
                    value_min: Some("0".to_owned()),
                    value_max: Some(t.credit.to_string()),
                    required_value: Some(t.required.to_string()),
                });
            self.credential_subject.result.push(AchievedResult {
                kind: vec!["Result".to_owned()],
                result_description: id,
                achieved_level: String::new(),
                status: "Completed".to_owned(),
                value: Some(t.score.to_string()),
                alignment,
            });
        }
        self
    }

    /// The simulated tasks listed (see [`Self::with_tasks`]): each one's name and score.
    #[must_use]
    pub fn tasks(&self) -> Vec<(&str, &str)> {
        let s = &self.credential_subject;
        s.result
            .iter()
            .filter_map(|r| {
                let value = r.value.as_deref()?;
                let d = s
                    .achievement
                    .result_description
                    .iter()
                    .find(|d| d.id == r.result_description && d.result_type == "RawScore")?;
                Some((d.name.as_str(), value))
            })
            .collect()
    }

    /// The code of the level attained (the `level` of the `RubricCriterionLevel` that
    /// `result[0].achievedLevel` points at).
    #[must_use]
    pub fn achieved_level(&self) -> Option<&str> {
        let s = &self.credential_subject;
        let r = s.result.first()?;
        s.achievement
            .result_description
            .iter()
            .flat_map(|d| d.rubric_criterion_level.iter())
            .find(|l| l.id == r.achieved_level)
            .map(|l| l.level.as_str())
    }
}

/// `sha256$<hex>` of `cccd` followed by `salt`, the OB 3.0 `IdentityHash` form (for callers
/// and tests; the app computes it where the CCCD lives).
#[must_use]
pub fn identity_hash(cccd: &str, salt: &str) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(cccd.as_bytes());
    h.update(salt.as_bytes());
    format!("sha256${}", hex::encode(h.finalize()))
}
