//! Registering one person typed into the form by a facilitator or a commune officer.

use binhdan_core::audit::AuditEntry;
use binhdan_core::import::Columns;
use binhdan_core::people::{Date, PERSON_FIELDS, PersonRules, parse_person_row, pf};
use binhdan_core::unit::UnitCode;
use binhdan_core::{Msg, Timestamp};
use binhdan_store::{PeopleWriteCounts, Reach, Store, StoreError};
use binhdan_vault::Vault;

use super::adult_cutoff;
use super::writer::person_record;
use crate::villages::ImportFailure;

/// One person as a facilitator or a commune officer types them into the registration form.
#[derive(Clone, Debug, Default)]
pub struct PersonEntry {
    pub name: String,
    pub cccd: String,
    /// `dd/mm/yyyy` (or anything a roster's date column accepts).
    pub birth: String,
    /// Empty: taken from the CCCD.
    pub sex: String,
    pub phone: String,
}

/// Registers (or updates, by CCCD) one person living in `unit`, with the same checks as a
/// roster row; errors name the form's fields (row 1). A person already registered outside
/// the caller's `reach` is refused rather than changed or moved (checked inside the write's
/// transaction). Returns the person's id and whether the record was new, changed or
/// unchanged.
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn register_person(
    store: &dyn Store,
    vault: &Vault,
    entry: &PersonEntry,
    unit: UnitCode,
    reach: &Reach,
    evaluation_date: Date,
    actor: String,
    now: Timestamp,
) -> Result<(i64, PeopleWriteCounts), ImportFailure> {
    let fields = [pf::NAME, pf::CCCD, pf::BIRTH, pf::SEX, pf::PHONE];
    let headers: Vec<String> = fields
        .iter()
        .map(|f| PERSON_FIELDS[*f].aliases[0].to_owned())
        .collect();
    let columns = Columns::resolve(&PERSON_FIELDS, &headers).map_err(ImportFailure::Rows)?;
    let cells = vec![
        entry.name.clone(),
        entry.cccd.clone(),
        entry.birth.clone(),
        entry.sex.clone(),
        entry.phone.clone(),
    ];
    let rules = PersonRules {
        evaluation_date,
        allow_year_only: false,
    };
    let row = parse_person_row(&columns, 1, &cells, &rules).map_err(ImportFailure::Rows)?;
    let record = person_record(vault, row, unit.clone(), None)?;
    let hash = record.cccd_hash;
    let mut import = store
        .begin_people_import(adult_cutoff(evaluation_date), now)
        .await
        .map_err(ImportFailure::Store)?;
    let outcome = match import
        .write_within(std::slice::from_ref(&record), reach)
        .await
    {
        Ok(o) => o,
        Err(e) => {
            let _ = import.rollback().await;
            return Err(ImportFailure::Store(e));
        }
    };
    if !outcome.outside.is_empty() {
        import.rollback().await.map_err(ImportFailure::Store)?;
        return Err(ImportFailure::Rows(vec![columns.error(
            &PERSON_FIELDS,
            1,
            pf::CCCD,
            Msg::new("person-registered-elsewhere"),
        )]));
    }
    let counts = outcome.counts;
    import
        .commit(AuditEntry::new(actor, "person.register").subject(format!("unit:{unit}")))
        .await
        .map_err(ImportFailure::Store)?;
    let person = store
        .person_by_cccd_hash(&hash)
        .await
        .map_err(ImportFailure::Store)?
        .ok_or(ImportFailure::Store(StoreError::NotFound(
            binhdan_store::Entity::Person,
        )))?;
    Ok((person.summary.id, counts))
}
