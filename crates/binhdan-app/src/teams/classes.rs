//! Classes at the village cultural house: opening one, marking attendance, and registering a
//! learner from their card's QR code.

use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::{CardQr, Cccd};
use binhdan_core::time::Date;
use binhdan_core::unit::Unit;
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{
    AdultCutoff, AttendVia, AttendanceOutcome, NewAttendance, NewClass, Store, StoreError,
    TeamWrite,
};
use binhdan_vault::Vault;

use super::visits::{op_taken, resident};
use super::{Actor, MAX_PLACE, TeamError, check_op, invalid, require_member};
use crate::events::{Identity, parse_local_time};

/// A class as the member's form gives it.
#[derive(Clone, Debug, Default)]
pub struct ClassInput<'a> {
    pub op: &'a str,
    pub module: &'a str,
    pub place: &'a str,
    /// `2026-12-01T19:30` (a `datetime-local` field) or `01/12/2026 19:30`.
    pub starts: &'a str,
}

/// Opens a class of the village's team (counted once per `op`).
///
/// # Errors
/// Not a member, an unknown module, or a refused field.
pub async fn open_class(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
    input: &ClassInput<'_>,
    now: Timestamp,
) -> Result<TeamWrite, TeamError> {
    require_member(store, actor, village).await?;
    let op = check_op(input.op)?;
    let place = binhdan_core::text::clean(input.place);
    if place.is_empty() || place.chars().count() > MAX_PLACE {
        return Err(TeamError::Invalid(
            Msg::new("team-class-place-invalid").arg("max", MAX_PLACE),
        ));
    }
    let starts_at =
        parse_local_time(input.starts).ok_or_else(|| invalid("team-class-time-invalid"))?;
    let module = input.module.trim();
    let class = NewClass {
        op: op.to_owned(),
        village: village.code.clone(),
        module_id: module.to_owned(),
        place,
        starts_at,
        opened_by: actor.id,
    };
    match store
        .open_class(
            &class,
            AuditEntry::new(actor.audit_name(), "team.class"),
            now,
        )
        .await
    {
        Err(StoreError::NotFound(binhdan_store::Entity::Module)) => Err(TeamError::Invalid(
            Msg::new("team-class-module-unknown")
                .arg("module", module.chars().take(60).collect::<String>()),
        )),
        r => r.map_err(op_taken),
    }
}

/// Who a member marks present: the text of a card's QR code, a typed CCCD or phone number,
/// or a person picked from the village list (the first given wins, in that order).
#[derive(Clone, Debug, Default)]
pub struct AttendInput<'a> {
    pub op: &'a str,
    pub card: &'a str,
    pub identity: &'a str,
    pub person_id: Option<i64>,
}

/// Marks someone present at a class of the member's village.
///
/// # Errors
/// Not the member's class, a card or number refused, someone not on the village's roster.
#[allow(clippy::too_many_arguments)]
pub async fn mark_present(
    store: &dyn Store,
    vault: &Vault,
    actor: Actor<'_>,
    class_id: i64,
    input: &AttendInput<'_>,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<(AttendanceOutcome, String), TeamError> {
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    let village = store
        .unit(&class.village_code)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    require_member(store, actor, &village).await?;
    let op = check_op(input.op)?;
    let by_number = |cccd: &Cccd| vault.lookup_hash(cccd);
    let not_on_roster =
        || TeamError::Invalid(Msg::new("team-attend-not-on-roster").arg("village", &village.name));
    let (person_id, via) = if !input.card.trim().is_empty() {
        let card = CardQr::parse(input.card).map_err(|e| TeamError::Invalid(e.msg()))?;
        let person = store
            .person_by_cccd_hash(&by_number(&card.number))
            .await?
            .ok_or_else(not_on_roster)?;
        (person.summary.id, AttendVia::Card)
    } else if !input.identity.trim().is_empty() {
        match Identity::parse(input.identity).map_err(TeamError::Invalid)? {
            Identity::Cccd(cccd) => {
                let person = store
                    .person_by_cccd_hash(&by_number(&cccd))
                    .await?
                    .ok_or_else(not_on_roster)?;
                (person.summary.id, AttendVia::Number)
            }
            Identity::Phone(phone) => {
                let found: Vec<i64> = store
                    .people_with_phone(phone.as_str(), 20)
                    .await?
                    .into_iter()
                    .filter(|(_, _, path)| *path == village.path)
                    .map(|(id, _, _)| id)
                    .collect();
                match found.as_slice() {
                    [id] => (*id, AttendVia::Phone),
                    [] => return Err(not_on_roster()),
                    _ => return Err(invalid("checkin-phone-shared")),
                }
            }
            Identity::Name(_) => return Err(invalid("team-attend-pick-from-list")),
        }
    } else if let Some(id) = input.person_id {
        (id, AttendVia::List)
    } else {
        return Err(invalid("team-attend-empty"));
    };
    let person = resident(store, &village, person_id).await?;
    let outcome = store
        .mark_attendance(
            &NewAttendance {
                op: op.to_owned(),
                class_id,
                person_id,
                via,
                marked_by: actor.id,
            },
            cutoff,
            now,
        )
        .await
        .map_err(op_taken)?;
    Ok((outcome, person.summary.name))
}

/// Registers the holder of a scanned card as a resident of the class's village, from what
/// the card says (name, number, birth date, sex), unless they are on the registry already:
/// the second tap after a card that is not on the roster. Returns the person's id.
///
/// # Errors
/// Not the member's class, a card refused, or someone registered elsewhere (outside the
/// member's reach).
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn register_from_card(
    store: &dyn Store,
    vault: &Vault,
    actor: Actor<'_>,
    class_id: i64,
    card: &str,
    reach: &binhdan_store::Reach,
    evaluation_date: Date,
    now: Timestamp,
) -> Result<i64, TeamError> {
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    let village = store
        .unit(&class.village_code)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    require_member(store, actor, &village).await?;
    let card = CardQr::parse(card).map_err(|e| TeamError::Invalid(e.msg()))?;
    if let Some(person) = store
        .person_by_cccd_hash(&vault.lookup_hash(&card.number))
        .await?
    {
        return Ok(person.summary.id);
    }
    let entry = crate::people::PersonEntry {
        name: card.name.as_str().to_owned(),
        cccd: card.number.expose().to_owned(),
        birth: card.birth_date.to_string(),
        sex: match card.sex {
            binhdan_core::cccd::Sex::Male => "Nam".to_owned(),
            binhdan_core::cccd::Sex::Female => "Nữ".to_owned(),
        },
        phone: String::new(),
    };
    match crate::people::register_person(
        store,
        vault,
        &entry,
        village.code.clone(),
        reach,
        evaluation_date,
        actor.audit_name(),
        now,
    )
    .await
    {
        Ok((id, _)) => Ok(id),
        Err(crate::ImportFailure::Rows(rows)) => {
            Err(TeamError::Invalid(rows.into_iter().next().map_or_else(
                || Msg::new("team-attend-not-on-roster").arg("village", &village.name),
                |r| r.msg,
            )))
        }
        Err(crate::ImportFailure::Store(e)) => Err(TeamError::Store(e)),
    }
}
