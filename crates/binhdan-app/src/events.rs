//! Live events with bridge points (điểm cầu): creating them and their points, checking people
//! in, the live figures and the report after.
//!
//! A check-in names its participant once per event: a person on the registry by their id
//! (found by CCCD, phone or name, or signed in with VNeID when they scan the point's QR code);
//! someone not on the registry by the keyed look-up hash of their CCCD or phone, or by their
//! name at the point. Retried and repeated check-ins therefore count once. Check-ins are taken
//! within the event's window; a host whose connection dropped sends what they took later,
//! with the time it was taken, up to [`LATE_SYNC_MS`] after the end.
//!
//! Check-ins from every host go through one [`CheckInDesk`], which writes whatever has queued
//! up in one transaction (group commit), so 52,000 people checking in at 1,018 points become a
//! few hundred transactions rather than 52,000.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_core::cccd::Cccd;
use binhdan_core::import::{Columns, Field, RowError};
use binhdan_core::people::{Date, Phone};
use binhdan_core::text::{clean, search_key};
use binhdan_core::unit::{Unit, UnitCode};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_i18n::Lang;
use binhdan_store::{
    AdultCutoff, CheckInOutcome, CheckInVia, CheckInsDone, EventKind, EventRecord, NewCheckIn,
    NewEvent, NewPoint, PointRecord, Store, StoreError,
};
use binhdan_tabular::write::{Out, Sheet};
use binhdan_vault::Vault;
use serde::Serialize;

/// Check-ins taken offline within the window are still accepted this long after its end.
pub const LATE_SYNC_MS: i64 = 6 * 3_600_000;
/// An event lasts at most this long.
const MAX_EVENT_MS: i64 = 7 * 86_400_000;
/// A point's expected headcount, and a reported headcount, at most.
pub const MAX_HEADCOUNT: u32 = 100_000;
const MAX_TITLE: usize = 200;
const MAX_POINT_NAME: usize = 120;
/// Vietnam is UTC+7 all year.
const VIETNAM_OFFSET_MS: i64 = binhdan_core::time::VIETNAM_OFFSET_MS;

/// A refusal: what was wrong, in words for the person who sent it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("refused: {}", .0.key)]
    Invalid(Msg),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

fn refuse(key: &'static str) -> EventError {
    EventError::Invalid(Msg::new(key))
}

/// Reads `2026-11-27T08:00` (what a `datetime-local` field sends) or `27/11/2026 08:00`, as
/// the time in Vietnam.
#[must_use]
pub fn parse_local_time(input: &str) -> Option<Timestamp> {
    let s = input.trim();
    let (date, time) = s.split_once(['T', ' '])?;
    let date = if date.contains('-') {
        let mut it = date.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?
    } else {
        let mut it = date.split('/');
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?
    };
    let mut hm = time.trim().split(':');
    let h: i64 = hm.next()?.parse().ok()?;
    let m: i64 = hm.next()?.parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(Timestamp(
        date.days_since_epoch() * 86_400_000 + h * 3_600_000 + m * 60_000 - VIETNAM_OFFSET_MS,
    ))
}

/// `08:05 27/11/2026`, the time in Vietnam.
#[must_use]
pub fn format_local_time(t: Timestamp) -> String {
    binhdan_core::time::format_vietnam_time(t)
}

/// `2026-11-27T08:05`, for a `datetime-local` field.
#[must_use]
pub fn format_local_input(t: Timestamp) -> String {
    let local = t.millis() + VIETNAM_OFFSET_MS;
    let minute = local.rem_euclid(86_400_000) / 60_000;
    Date::from_days_since_epoch(local.div_euclid(86_400_000)).map_or_else(String::new, |d| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            minute / 60,
            minute % 60
        )
    })
}

/// An event as typed into the form.
#[derive(Clone, Debug, Default)]
pub struct EventDraft<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub starts: &'a str,
    pub ends: &'a str,
    pub broadcast_url: &'a str,
}

/// Checks a draft and creates the event at `unit`.
///
/// # Errors
/// A refused field (the message names it), or the store failed.
pub async fn create_event(
    store: &dyn Store,
    unit: &Unit,
    draft: &EventDraft<'_>,
    by: &str,
    now: Timestamp,
) -> Result<i64, EventError> {
    let event = check_event(unit, draft, now)?;
    Ok(store.create_event(&event, by, now).await?)
}

/// Changes an event's title, kind, window and link (its unit stays); the same checks as
/// creating it.
///
/// # Errors
/// A refused field, or the store failed.
pub async fn change_event(
    store: &dyn Store,
    event: &EventRecord,
    draft: &EventDraft<'_>,
    now: Timestamp,
) -> Result<(), EventError> {
    let unit = store
        .unit(&event.unit_code)
        .await?
        .ok_or(StoreError::Unknown("unit"))?;
    let changed = check_event(&unit, draft, now)?;
    Ok(store.update_event(event.id, &changed).await?)
}

/// A draft checked: the event to store.
fn check_event(
    unit: &Unit,
    draft: &EventDraft<'_>,
    now: Timestamp,
) -> Result<NewEvent, EventError> {
    let title = clean(draft.title);
    if title.is_empty() {
        return Err(refuse("event-title-empty"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(EventError::Invalid(
            Msg::new("event-title-too-long").arg("max", MAX_TITLE),
        ));
    }
    let kind = EventKind::parse(draft.kind).ok_or_else(|| refuse("event-kind-unknown"))?;
    let time = |field: &str, value: &str| {
        parse_local_time(value).ok_or_else(|| {
            EventError::Invalid(
                Msg::new("event-time-invalid")
                    .arg("field", field)
                    .arg("value", value.chars().take(30).collect::<String>()),
            )
        })
    };
    let starts_at = time("starts", draft.starts)?;
    let ends_at = time("ends", draft.ends)?;
    if ends_at <= starts_at {
        return Err(refuse("event-ends-before-start"));
    }
    if ends_at.millis() - starts_at.millis() > MAX_EVENT_MS {
        return Err(refuse("event-too-long"));
    }
    if ends_at < now {
        return Err(refuse("event-in-the-past"));
    }
    let link = draft.broadcast_url.trim();
    let broadcast_url = if link.is_empty() {
        None
    } else if (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= 500
        && !link.contains(char::is_whitespace)
        && link
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty())
    {
        Some(link.to_owned())
    } else {
        return Err(refuse("event-link-invalid"));
    };
    Ok(NewEvent {
        title,
        kind,
        unit: unit.code.clone(),
        starts_at,
        ends_at,
        broadcast_url,
    })
}

/// A new point's fields as typed or read from a file.
#[derive(Clone, Debug, Default)]
pub struct PointDraft {
    pub name: String,
    pub unit: String,
    pub host: String,
    pub expected: String,
}

/// The fields of a file of points.
pub const POINT_FIELDS: [Field; 4] = [
    Field {
        name: "name",
        aliases: &["ten diem cau", "ten diem", "diem cau", "ten", "name"],
        required: true,
    },
    Field {
        name: "unit",
        aliases: &[
            "ma don vi",
            "ma xa",
            "ma thon",
            "ma dvhc",
            "unit code",
            "unit",
        ],
        required: true,
    },
    Field {
        name: "host",
        aliases: &[
            "tai khoan chu tri",
            "chu tri",
            "tai khoan",
            "host",
            "host account",
        ],
        required: true,
    },
    Field {
        name: "expected",
        aliases: &["so nguoi du kien", "du kien", "so nguoi", "expected"],
        required: true,
    },
];

/// Checks points against the event and adds them, all or none (see [`check_points`]).
///
/// # Errors
/// The refused rows, or the store failed.
pub async fn add_points(
    store: &dyn Store,
    event: &EventRecord,
    drafts: &PointDrafts,
    token: &mut (dyn FnMut() -> String + Send),
) -> Result<usize, PointsError> {
    let points = check_points(store, event, drafts, None, token).await?;
    match store.add_points(event.id, &points).await {
        Ok(ids) => Ok(ids.len()),
        // Someone added a point of the same name meanwhile.
        Err(StoreError::Conflict(_)) => Err(PointsError::Rows(vec![drafts.columns.error(
            &POINT_FIELDS,
            0,
            0,
            Msg::new("point-name-taken").arg("name", ""),
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Changes a point's name, unit, host and expected headcount (its QR code and figures stay),
/// with the checks of adding one.
///
/// # Errors
/// The refused fields, or the store failed.
pub async fn change_point(
    store: &dyn Store,
    event: &EventRecord,
    point: &PointRecord,
    draft: PointDraft,
) -> Result<(), PointsError> {
    let drafts = PointDrafts::one(draft);
    let mut keep = || point.token.clone();
    let mut checked = check_points(store, event, &drafts, Some(point), &mut keep).await?;
    let Some(changed) = checked.pop() else {
        return Ok(());
    };
    match store.update_point(point.id, &changed).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(PointsError::Rows(vec![drafts.columns.error(
            &POINT_FIELDS,
            0,
            0,
            Msg::new("point-name-taken").arg("name", &changed.name),
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Checks points against the event: the unit in its subtree, a host who may check people in
/// there, a name not taken (by another point than `except`) nor given twice. The errors name
/// the row (the form's row is 0) and the field.
async fn check_points(
    store: &dyn Store,
    event: &EventRecord,
    drafts: &PointDrafts,
    except: Option<&PointRecord>,
    token: &mut (dyn FnMut() -> String + Send),
) -> Result<Vec<NewPoint>, PointsError> {
    let PointDrafts {
        rows: drafts,
        columns,
    } = drafts;
    let err = |row: usize, field: usize, msg: Msg| columns.error(&POINT_FIELDS, row, field, msg);
    let mut errors: Vec<RowError> = Vec::new();
    let existing: HashSet<String> = store
        .points(event.id)
        .await?
        .into_iter()
        .filter(|p| except.is_none_or(|e| e.id != p.id))
        .map(|p| search_key(&p.name))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut good: Vec<(usize, String, UnitCode, String, u32)> = Vec::new();
    for (row, d) in drafts {
        let row = *row;
        let name = clean(&d.name);
        let mut ok = true;
        if name.is_empty() || name.chars().count() > MAX_POINT_NAME {
            errors.push(err(
                row,
                0,
                Msg::new("point-name-invalid").arg("max", MAX_POINT_NAME),
            ));
            ok = false;
        } else if existing.contains(&search_key(&name)) {
            errors.push(err(row, 0, Msg::new("point-name-taken").arg("name", &name)));
            ok = false;
        } else if let Some(first) = seen.insert(search_key(&name), row) {
            errors.push(err(
                row,
                0,
                Msg::new("point-name-repeated")
                    .arg("name", &name)
                    .arg("first_row", first),
            ));
            ok = false;
        }
        let unit = match UnitCode::parse(d.unit.trim()) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(err(row, 1, e.msg()));
                ok = false;
                None
            }
        };
        let expected = match d.expected.trim().parse::<u32>() {
            Ok(n) if n <= MAX_HEADCOUNT => n,
            _ => {
                errors.push(err(
                    row,
                    3,
                    Msg::new("point-expected-invalid")
                        .arg("value", d.expected.chars().take(20).collect::<String>())
                        .arg("max", MAX_HEADCOUNT),
                ));
                ok = false;
                0
            }
        };
        if let (true, Some(unit)) = (ok, unit) {
            good.push((row, name, unit, d.host.trim().to_owned(), expected));
        } else if d.host.trim().is_empty() {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-unknown").arg("username", ""),
            ));
        }
    }
    let codes: Vec<UnitCode> = good
        .iter()
        .map(|g| g.2.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let units: HashMap<UnitCode, Unit> = store
        .units_by_codes(&codes)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut hosts: HashMap<String, Option<(i64, Vec<Grant>)>> = HashMap::new();
    let mut points = Vec::with_capacity(good.len());
    for (row, name, code, host, expected) in good {
        let Some(unit) = units.get(&code) else {
            errors.push(err(
                row,
                1,
                Msg::new("point-unit-unknown").arg("code", code.to_string()),
            ));
            continue;
        };
        if !(binhdan_auth::access::Scope::Unit {
            path: event.unit_path.clone(),
        })
        .covers(&Target::Unit(&unit.path))
        {
            errors.push(err(
                row,
                1,
                Msg::new("point-unit-outside")
                    .arg("code", code.to_string())
                    .arg("event_unit", &event.unit_name),
            ));
            continue;
        }
        if !hosts.contains_key(&host) {
            let account = store
                .staff_by_username(&host)
                .await?
                .filter(|a| !a.disabled)
                .map(|a| (a.id, a.grants));
            hosts.insert(host.clone(), account);
        }
        let Some(Some((host_id, grants))) = hosts.get(&host) else {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-unknown").arg("username", &host),
            ));
            continue;
        };
        if !allows(grants, Permission::CheckIn, &Target::Unit(&unit.path)) {
            errors.push(err(
                row,
                2,
                Msg::new("point-host-cannot-check-in")
                    .arg("username", &host)
                    .arg("unit", &unit.name),
            ));
            continue;
        }
        points.push(NewPoint {
            name,
            unit: code,
            host_id: *host_id,
            expected,
            token: token(),
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(PointsError::Rows(errors));
    }
    Ok(points)
}

/// Points to add, with the columns of the file they came from (their headers name the fields
/// in refusals).
#[derive(Clone, Debug)]
pub struct PointDrafts {
    pub rows: Vec<(usize, PointDraft)>,
    pub columns: Columns,
}

impl PointDrafts {
    /// One point from the form (row 0), its fields named by the official headers.
    ///
    /// # Panics
    /// Never: the headers are the fields' own.
    #[must_use]
    pub fn one(draft: PointDraft) -> Self {
        let headers = [
            "Tên điểm cầu",
            "Mã đơn vị",
            "Tài khoản chủ trì",
            "Số người dự kiến",
        ]
        .map(String::from);
        #[allow(clippy::expect_used, reason = "the headers are aliases of the fields")]
        let columns = Columns::resolve(&POINT_FIELDS, &headers).expect("the fields' own headers");
        Self {
            rows: vec![(0, draft)],
            columns,
        }
    }
}

/// Why points were not added.
#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    #[error("refused: {} rows", .0.len())]
    Rows(Vec<RowError>),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Reads a file of points (CSV or XLSX): its rows with their numbers, or the errors of its
/// header.
///
/// # Errors
/// The file is unreadable or lacks a column.
pub fn read_points(path: &std::path::Path) -> Result<PointDrafts, Vec<RowError>> {
    let file_error = |e: &binhdan_tabular::TabularError| vec![e.to_row_error()];
    let mut table = binhdan_tabular::open(path).map_err(|e| file_error(&e))?;
    let mut rows = table.rows().map_err(|e| file_error(&e))?;
    let (_, columns) = rows.find_columns(&POINT_FIELDS)?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.to_row_error());
                continue;
            }
        };
        if row.is_blank() {
            continue;
        }
        let number = row.number;
        let texts = row.into_texts();
        let cell = |i: usize| columns.cell(&texts, i).unwrap_or("").to_owned();
        out.push((
            number,
            PointDraft {
                name: cell(0),
                unit: cell(1),
                host: cell(2),
                expected: cell(3),
            },
        ));
    }
    if errors.is_empty() {
        Ok(PointDrafts { rows: out, columns })
    } else {
        Err(errors)
    }
}

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
            let found: Vec<_> = store
                .people_under(&point.unit_path, name, None, 20)
                .await?
                .into_iter()
                .filter(|p| search_key(&p.name) == key)
                .collect();
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

struct Job {
    items: Vec<NewCheckIn>,
    cutoff: AdultCutoff,
    now: Timestamp,
    done: tokio::sync::oneshot::Sender<Result<CheckInsDone, StoreError>>,
}

/// At most this many check-ins per transaction.
const DESK_BATCH: usize = 1_000;

/// The one writer of check-ins: each transaction takes whatever has queued up (group commit),
/// and each request gets its own outcomes. A failed transaction is retried request by
/// request, so one bad request cannot fail the others.
#[derive(Clone)]
pub struct CheckInDesk {
    queue: tokio::sync::mpsc::Sender<Job>,
}

impl CheckInDesk {
    /// Starts the writer on the current Tokio runtime.
    #[must_use]
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Job>(4_096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                let mut n = jobs[0].items.len();
                while n < DESK_BATCH {
                    match rx.try_recv() {
                        Ok(j) => {
                            n += j.items.len();
                            jobs.push(j);
                        }
                        Err(_) => break,
                    }
                }
                let (cutoff, now) = (
                    jobs[0].cutoff,
                    jobs.iter().map(|j| j.now).max().unwrap_or(jobs[0].now),
                );
                let all: Vec<NewCheckIn> =
                    jobs.iter().flat_map(|j| j.items.iter().cloned()).collect();
                match store.record_check_ins(&all, cutoff, now).await {
                    Ok(done) => {
                        let mut it = done.outcomes.into_iter();
                        for j in jobs {
                            let outcomes: Vec<(CheckInOutcome, String)> =
                                it.by_ref().take(j.items.len()).collect();
                            let _ = j.done.send(Ok(CheckInsDone {
                                outcomes,
                                points: done.points.clone(),
                            }));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, jobs = jobs.len(), "a batch of check-ins failed; retrying one request at a time");
                        for j in jobs {
                            let one = store.record_check_ins(&j.items, j.cutoff, j.now).await;
                            let _ = j.done.send(one);
                        }
                    }
                }
            }
        });
        Self { queue }
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
        let (done, rx) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Unknown("check-in writer");
        self.queue
            .send(Job {
                items,
                cutoff,
                now,
                done,
            })
            .await
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// One commune's (or the province's) figures on the live screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommuneLive {
    pub code: String,
    pub name: String,
    pub points: u64,
    pub connected: u64,
    pub participants: u64,
    pub expected: u64,
}

/// The live screen's figures, as the page first renders them and as each Server-Sent Event
/// carries them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Live {
    pub points: u64,
    pub connected: u64,
    pub participants: u64,
    pub expected: u64,
    /// Checked in one by one (the rest are headcounts).
    pub checked_in: u64,
    pub communes: Vec<CommuneLive>,
    /// (group, participants): `adult`, `student`, `public_servant`, `worker`, `other` (on the
    /// registry, in no group), `guest` (not on the registry), `headcount` (no ID).
    pub groups: Vec<(String, u64)>,
}

/// The live figures of an event: O(points) rows, never people.
///
/// # Errors
/// The store failed.
pub async fn live(store: &dyn Store, event: i64) -> Result<Live, StoreError> {
    let points = store.points(event).await?;
    Ok(summarise(&points, store.event_groups(event).await?))
}

/// The live figures from an event's points (as `EventStore::points` gives them) and its
/// participants per group (`EventStore::event_groups`), for callers that hold the points.
#[must_use]
pub fn summarise(points: &[PointRecord], groups: Vec<(String, u64)>) -> Live {
    let mut communes: BTreeMap<String, CommuneLive> = BTreeMap::new();
    let mut live = Live {
        points: points.len() as u64,
        connected: 0,
        participants: 0,
        expected: 0,
        checked_in: 0,
        communes: Vec::new(),
        groups: Vec::new(),
    };
    let mut headcount = 0;
    for p in points {
        let (code, name) = p.commune.as_ref().map_or_else(
            || (p.unit_code.to_string(), p.unit_name.clone()),
            |(c, n)| (c.to_string(), n.clone()),
        );
        let c = communes.entry(code.clone()).or_insert_with(|| CommuneLive {
            code,
            name,
            points: 0,
            connected: 0,
            participants: 0,
            expected: 0,
        });
        let connected = u64::from(p.connected_at.is_some());
        c.points += 1;
        c.connected += connected;
        c.participants += p.participants();
        c.expected += u64::from(p.expected);
        live.connected += connected;
        live.participants += p.participants();
        live.expected += u64::from(p.expected);
        live.checked_in += p.checked_in;
        headcount += p.headcount;
    }
    live.communes = communes.into_values().collect();
    live.groups = groups;
    if headcount > 0 {
        live.groups.push(("headcount".to_owned(), headcount));
    }
    live
}

/// The label of a live screen's group.
#[must_use]
pub fn group_label(lang: Lang, group: &str) -> String {
    lang.text(match group {
        "adult" => "group-adult",
        "student" => "group-student",
        "public_servant" => "group-public-servant",
        "worker" => "group-worker",
        "guest" => "event-group-guest",
        "headcount" => "event-group-headcount",
        _ => "event-group-other",
    })
}

fn share(n: u64, of: u64) -> Out {
    if of == 0 {
        Out::Empty
    } else {
        #[allow(clippy::cast_precision_loss, reason = "headcounts are far below 2^52")]
        Out::Share(n as f64 / of as f64)
    }
}

/// The report after the event: one sheet by point, one by commune.
#[must_use]
pub fn report_sheets(
    lang: Lang,
    event: &EventRecord,
    points: &[PointRecord],
    live: &Live,
    now: Timestamp,
) -> Vec<Sheet> {
    let title = vec![
        lang.tr(&Msg::new("event-report-title").arg("title", &event.title)),
        lang.tr(&Msg::new("event-report-window")
            .arg("starts", format_local_time(event.starts_at))
            .arg("ends", format_local_time(event.ends_at))
            .arg("unit", &event.unit_name)),
        lang.tr(&Msg::new("event-report-made").arg("at", format_local_time(now))),
    ];
    let h = |k: &'static str| lang.text(k);
    let by_point = Sheet {
        name: h("event-report-sheet-points"),
        title: title.clone(),
        headers: vec![
            h("event-col-point"),
            h("event-col-unit-code"),
            h("event-col-unit"),
            h("event-col-commune"),
            h("event-col-host"),
            h("event-col-expected"),
            h("event-col-checked-in"),
            h("event-col-headcount"),
            h("event-col-participants"),
            h("event-col-share"),
            h("event-col-connected"),
        ],
        rows: points
            .iter()
            .map(|p| {
                vec![
                    Out::Text(p.name.clone()),
                    Out::Text(p.unit_code.to_string()),
                    Out::Text(p.unit_name.clone()),
                    Out::Text(p.commune.as_ref().map_or_else(String::new, |c| c.1.clone())),
                    Out::Text(p.host_username.clone()),
                    Out::Count(u64::from(p.expected)),
                    Out::Count(p.checked_in),
                    Out::Count(p.headcount),
                    Out::Count(p.participants()),
                    share(p.participants(), u64::from(p.expected)),
                    Out::Text(p.connected_at.map_or_else(String::new, format_local_time)),
                ]
            })
            .collect(),
    };
    let mut rows: Vec<Vec<Out>> = live
        .communes
        .iter()
        .map(|c| {
            vec![
                Out::Text(c.code.clone()),
                Out::Text(c.name.clone()),
                Out::Count(c.points),
                Out::Count(c.connected),
                Out::Count(c.expected),
                Out::Count(c.participants),
                share(c.participants, c.expected),
            ]
        })
        .collect();
    rows.push(vec![
        Out::Text(String::new()),
        Out::Text(h("event-total")),
        Out::Count(live.points),
        Out::Count(live.connected),
        Out::Count(live.expected),
        Out::Count(live.participants),
        share(live.participants, live.expected),
    ]);
    let by_commune = Sheet {
        name: h("event-report-sheet-communes"),
        title: title.clone(),
        headers: vec![
            h("event-col-unit-code"),
            h("event-col-commune"),
            h("event-col-points"),
            h("event-col-connected-points"),
            h("event-col-expected"),
            h("event-col-participants"),
            h("event-col-share"),
        ],
        rows,
    };
    let by_group = Sheet {
        name: h("event-report-sheet-groups"),
        title,
        headers: vec![h("event-col-group"), h("event-col-participants")],
        rows: live
            .groups
            .iter()
            .map(|(g, n)| vec![Out::Text(group_label(lang, g)), Out::Count(*n)])
            .collect(),
    };
    vec![by_point, by_commune, by_group]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn times_are_read_and_written_in_vietnam() {
        let t = parse_local_time("2026-11-27T08:05").unwrap();
        assert_eq!(parse_local_time("27/11/2026 08:05"), Some(t));
        // 08:05 in Vietnam is 01:05 UTC.
        assert_eq!(t.millis() % 86_400_000, 65 * 60_000);
        assert_eq!(format_local_time(t), "08:05 27/11/2026");
        assert_eq!(format_local_input(t), "2026-11-27T08:05");
        for bad in [
            "",
            "2026-11-27",
            "2026-13-01T08:00",
            "2026-11-27T24:00",
            "hôm nay 8 giờ",
        ] {
            assert_eq!(parse_local_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn identities_are_told_apart_and_malformed_numbers_are_not_repeated() {
        assert!(matches!(
            Identity::parse(" 038 090 123 456 "),
            Ok(Identity::Cccd(_))
        ));
        assert!(
            matches!(Identity::parse("0912.345.678"), Ok(Identity::Phone(p)) if p.as_str() == "0912345678")
        );
        assert!(matches!(
            Identity::parse("+84 912 345 678"),
            Ok(Identity::Phone(_))
        ));
        assert_eq!(
            Identity::parse("  Nguyễn   Văn An ").unwrap(),
            Identity::Name("Nguyễn Văn An".to_owned())
        );
        // NFD in, NFC stored.
        assert_eq!(
            Identity::parse("Nguye\u{302}\u{303}n").unwrap(),
            Identity::Name("Nguyễn".to_owned())
        );
        let e = Identity::parse("03809012345").unwrap_err();
        assert_eq!(e.key, "checkin-identity-malformed");
        assert!(!format!("{e:?}").contains("03809012345"));
        assert_eq!(
            Identity::parse("999090123456").unwrap_err().key,
            "cccd-province-unknown"
        );
        assert_eq!(
            Identity::parse("An 12").unwrap_err().key,
            "checkin-identity-mixed"
        );
        assert_eq!(
            Identity::parse("  ").unwrap_err().key,
            "checkin-identity-empty"
        );
        assert_eq!(
            Identity::parse("A").unwrap_err().key,
            "checkin-name-invalid"
        );
    }

    fn event() -> EventRecord {
        EventRecord {
            id: 1,
            title: "Lễ ra quân".to_owned(),
            kind: EventKind::Ceremony,
            unit_code: UnitCode::parse("38").unwrap(),
            unit_path: "38/".to_owned(),
            unit_name: "Tỉnh Thanh Hóa".to_owned(),
            starts_at: Timestamp(1_000_000_000),
            ends_at: Timestamp(1_000_000_000 + 3_600_000),
            broadcast_url: None,
            created_by: "staff:1".to_owned(),
            created_at: Timestamp(0),
            points: 0,
        }
    }

    #[test]
    fn check_ins_count_within_the_window_and_late_sync_keeps_the_time_taken() {
        let e = event();
        let start = e.starts_at.millis();
        assert_eq!(
            check_window(&e, None, Timestamp(start - 1))
                .unwrap_err()
                .key,
            "checkin-not-open"
        );
        assert_eq!(
            check_window(&e, None, Timestamp(start + 10)),
            Ok(Timestamp(start + 10))
        );
        // Taken offline during the event, sent two hours after its end.
        let late = Timestamp(e.ends_at.millis() + 2 * 3_600_000);
        assert_eq!(
            check_window(&e, Some(Timestamp(start + 60)), late),
            Ok(Timestamp(start + 60))
        );
        // Taken after the end, or sent too late.
        assert_eq!(
            check_window(&e, None, late).unwrap_err().key,
            "checkin-closed"
        );
        let too_late = Timestamp(e.ends_at.millis() + LATE_SYNC_MS + 1);
        assert_eq!(
            check_window(&e, Some(Timestamp(start + 60)), too_late)
                .unwrap_err()
                .key,
            "checkin-closed"
        );
        // A device clock ahead of ours counts at our time; behind the start, refused.
        assert_eq!(
            check_window(
                &e,
                Some(Timestamp(start + 999_999_999)),
                Timestamp(start + 5)
            ),
            Ok(Timestamp(start + 5))
        );
        assert_eq!(
            check_window(&e, Some(Timestamp(start - 5)), Timestamp(start + 5))
                .unwrap_err()
                .key,
            "checkin-not-open"
        );
    }
}
