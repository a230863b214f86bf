//! Checking people in: who the host typed in, resolving them on the registry, the event's
//! window, and the [`CheckInDesk`] that writes check-ins in one transaction per batch.

use std::sync::Arc;

use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_core::cccd::Cccd;
use binhdan_core::people::Phone;
use binhdan_core::text::{clean, search_key};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::group_commit::{Batcher, GroupCommit, Limits};
use binhdan_store::{
    AdultCutoff, CheckInVia, CheckInsDone, EventRecord, NewCheckIn, PointRecord, Store, StoreError,
};
use binhdan_vault::Vault;

use super::{LATE_SYNC_MS, format_local_time};

/// Who the host typed in: a CCCD, a phone number, or a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    Cccd(Cccd),
    Phone(Phone),
    Name(String),
}

impl Identity {
    /// Twelve digits are a CCCD; other numbers a phone number; words a name. A malformed
    /// number is refused without repeating it.
    ///
    /// # Errors
    /// Neither a valid number nor a name.
    pub fn parse(input: &str) -> Result<Self, Msg> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Msg::new("checkin-identity-empty"));
        }
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let letters = s.chars().filter(|c| c.is_alphabetic()).count();
        if letters == 0 {
            let compact: String = s
                .chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-'))
                .collect();
            if compact.len() == 12 && compact.chars().all(|c| c.is_ascii_digit()) {
                return Cccd::parse(&compact).map(Self::Cccd).map_err(|e| e.msg());
            }
            return Phone::parse(s)
                .map(Self::Phone)
                .map_err(|_| Msg::new("checkin-identity-malformed").arg("digits", digits));
        }
        if digits > 0 {
            return Err(Msg::new("checkin-identity-mixed"));
        }
        let name = clean(s);
        if name.chars().count() < 2 || name.chars().count() > 80 {
            return Err(Msg::new("checkin-name-invalid"));
        }
        Ok(Self::Name(name))
    }
}

/// `090****678`.
fn masked_phone(p: &Phone) -> String {
    let s = p.as_str();
    format!("{}****{}", &s[..3], &s[s.len() - 3..])
}

/// Finds who the host means at their point and makes the check-in (a CCCD is matched to the
/// registry when the check-in is written); a refusal says why (several people of that name,
/// or sharing that phone). The host sees the name of someone found by number only where they
/// may see people (`reveal`: unit paths, `""` everywhere); elsewhere the masked number.
///
/// # Errors
/// A message for the host, or the store failed.
pub async fn resolve(
    store: &dyn Store,
    vault: &Vault,
    point: &PointRecord,
    identity: &Identity,
    by: &str,
    reveal: &[String],
    at: Timestamp,
) -> Result<Result<NewCheckIn, Msg>, StoreError> {
    let make =
        |participant: String, person_id: Option<i64>, via: CheckInVia, label: String| NewCheckIn {
            event_id: point.event_id,
            point_id: point.id,
            participant,
            person_id,
            cccd_hash: None,
            reveal_within: reveal.to_vec(),
            via,
            label,
            by: by.to_owned(),
            at,
        };
    Ok(Ok(match identity {
        // The store finds who has the number, with the rest of the batch.
        Identity::Cccd(cccd) => {
            let hash = vault.lookup_hash(cccd);
            NewCheckIn {
                cccd_hash: Some(hash),
                ..make(
                    format!("c:{}", hex::encode(hash)),
                    None,
                    CheckInVia::Cccd,
                    cccd.masked(),
                )
            }
        }
        Identity::Phone(phone) => {
            let people = store.people_with_phone(phone.as_str(), 2).await?;
            match people.as_slice() {
                [(id, name, path)] => make(
                    format!("p:{id}"),
                    Some(*id),
                    CheckInVia::Phone,
                    if reveal
                        .iter()
                        .any(|within| path.starts_with(within.as_str()))
                    {
                        name.clone()
                    } else {
                        masked_phone(phone)
                    },
                ),
                [] => make(
                    format!("t:{}", hex::encode(vault.phone_lookup_hash(phone.as_str()))),
                    None,
                    CheckInVia::Phone,
                    masked_phone(phone),
                ),
                _ => return Ok(Err(Msg::new("checkin-phone-shared"))),
            }
        }
        Identity::Name(name) => {
            let key = search_key(name);
            // The whole name: however many others' names contain it.
            let found = store.people_named(&point.unit_path, name, 20).await?;
            match found.as_slice() {
                [p] => make(
                    format!("p:{}", p.id),
                    Some(p.id),
                    CheckInVia::Name,
                    p.name.clone(),
                ),
                [] => make(
                    format!("n:{}:{key}", point.id),
                    None,
                    CheckInVia::Name,
                    name.clone(),
                ),
                _ => {
                    return Ok(Err(Msg::new("checkin-name-ambiguous")
                        .arg("name", name)
                        .arg("count", found.len())));
                }
            }
        }
    }))
}

/// When a check-in taken at `taken` (by the host's device; `None`: now) is accepted: the time
/// it counts at, or why not.
///
/// # Errors
/// Before the window, after it, or sent too late.
pub fn check_window(
    event: &EventRecord,
    taken: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp, Msg> {
    let at = taken.map_or(now, |t| t.min(now));
    let opens = || format_local_time(event.starts_at);
    let closed = || format_local_time(event.ends_at);
    if now < event.starts_at || at < event.starts_at {
        return Err(Msg::new("checkin-not-open").arg("opens", opens()));
    }
    if at > event.ends_at || now.millis() > event.ends_at.millis() + LATE_SYNC_MS {
        return Err(Msg::new("checkin-closed").arg("closed", closed()));
    }
    Ok(at)
}

/// Whether the caller may check people in at the point: its host, or whoever manages events
/// where the event is organised. (A facilitator who hosts one point cannot act on another.)
#[must_use]
pub fn may_check_in(
    grants: &[Grant],
    staff_id: i64,
    event: &EventRecord,
    point: &PointRecord,
) -> bool {
    point.host_id == staff_id
        || allows(
            grants,
            Permission::ManageEvents,
            &Target::Unit(&event.unit_path),
        )
}

/// A host's check-ins, as one request queues them at the desk.
struct Request {
    items: Vec<NewCheckIn>,
    cutoff: AdultCutoff,
    now: Timestamp,
}

/// What the desk writes: the check-ins of every request waiting, in one transaction.
struct CheckIns {
    store: Arc<dyn Store>,
}

impl Batcher for CheckIns {
    type Item = Request;
    type Done = CheckInsDone;

    fn weight(&self, request: &Request) -> usize {
        request.items.len()
    }

    async fn commit(&self, requests: &[Request]) -> Result<Vec<CheckInsDone>, StoreError> {
        let Some(first) = requests.first() else {
            return Ok(Vec::new());
        };
        let now = requests.iter().map(|r| r.now).max().unwrap_or(first.now);
        let all: Vec<NewCheckIn> = requests
            .iter()
            .flat_map(|r| r.items.iter().cloned())
            .collect();
        let done = self.store.record_check_ins(&all, first.cutoff, now).await?;
        let mut outcomes = done.outcomes.into_iter();
        Ok(requests
            .iter()
            .map(|r| CheckInsDone {
                outcomes: outcomes.by_ref().take(r.items.len()).collect(),
                points: done.points.clone(),
            })
            .collect())
    }
}

/// At most this many check-ins per transaction (a request's are never split).
const DESK_BATCH: usize = 1_000;

/// The one writer of check-ins: each transaction takes whatever requests have queued up
/// (group commit, [`binhdan_store::group_commit`]), and each request gets its own outcomes. A
/// failed transaction is retried request by request, so one bad request cannot fail the
/// others.
#[derive(Clone)]
pub struct CheckInDesk {
    writer: GroupCommit<Request, CheckInsDone>,
}

impl CheckInDesk {
    /// Starts the writer on the current Tokio runtime.
    #[must_use]
    pub fn start(store: Arc<dyn Store>) -> Self {
        let limits = Limits {
            batch: DESK_BATCH,
            queue: 4_096,
        };
        Self {
            writer: GroupCommit::start("check-in writer", limits, CheckIns { store }),
        }
    }

    /// Records check-ins (in one transaction with whatever else is waiting).
    ///
    /// # Errors
    /// The store failed, or the writer is gone.
    pub async fn submit(
        &self,
        items: Vec<NewCheckIn>,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CheckInsDone, StoreError> {
        if items.is_empty() {
            return Ok(CheckInsDone {
                outcomes: Vec::new(),
                points: Vec::new(),
            });
        }
        self.writer.submit(Request { items, cutoff, now }).await
    }
}
