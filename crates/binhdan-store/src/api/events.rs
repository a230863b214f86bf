//! Live events: their bridge points, check-ins and figures.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::unit::UnitCode;

use crate::{AdultCutoff, Result};

/// What kind of live event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A launch ceremony or rally.
    Ceremony,
    /// An online class followed at the points.
    Class,
}

impl EventKind {
    pub const ALL: [Self; 2] = [Self::Ceremony, Self::Class];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ceremony => "ceremony",
            Self::Class => "class",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A live event to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub title: String,
    pub kind: EventKind,
    /// The organising unit.
    pub unit: UnitCode,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub broadcast_url: Option<String>,
}

/// A live event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub id: i64,
    pub title: String,
    pub kind: EventKind,
    pub unit_code: UnitCode,
    pub unit_path: String,
    pub unit_name: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub broadcast_url: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    /// Its bridge points.
    pub points: u64,
}

/// A bridge point to add to an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPoint {
    pub name: String,
    pub unit: UnitCode,
    /// The host's staff account.
    pub host_id: i64,
    pub expected: u32,
    /// The secret of the point's QR code.
    pub token: String,
}

/// A bridge point and its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointRecord {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub unit_code: UnitCode,
    pub unit_path: String,
    pub unit_name: String,
    /// The commune it is in, with its name; `None` at the province.
    pub commune: Option<(UnitCode, String)>,
    pub host_id: i64,
    pub host_username: String,
    pub expected: u32,
    pub token: String,
    /// Participants checked in one by one.
    pub checked_in: u64,
    /// People without ID, as the host last counted them.
    pub headcount: u64,
    pub headcount_at: Option<Timestamp>,
    /// The host's page first reported in, or the first check-in.
    pub connected_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
}

impl PointRecord {
    /// Everyone at the point: those checked in and the headcount.
    #[must_use]
    pub fn participants(&self) -> u64 {
        self.checked_in + self.headcount
    }
}

/// How a participant was checked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckInVia {
    /// They scanned the point's QR code, signed in with VNeID.
    Qr,
    /// The host entered their CCCD.
    Cccd,
    /// The host entered their phone number.
    Phone,
    /// The host entered their name.
    Name,
}

impl CheckInVia {
    pub const ALL: [Self; 4] = [Self::Qr, Self::Cccd, Self::Phone, Self::Name];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Cccd => "cccd",
            Self::Phone => "phone",
            Self::Name => "name",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A check-in to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckIn {
    pub event_id: i64,
    pub point_id: i64,
    /// Who, once per event: `p:<person id>`, or for someone not on the registry a key from
    /// their number or name (never the number itself).
    pub participant: String,
    pub person_id: Option<i64>,
    /// For a CCCD typed by the host, its look-up hash: if someone on the registry has it, they
    /// become the participant (`p:<id>`, under their name); otherwise the check-in stays as
    /// given. (Looked up in the batch's transaction, one query for the whole batch.)
    pub cccd_hash: Option<[u8; 32]>,
    /// Where whoever checks them in may see people's names (unit paths, `38/16591/`; `""`
    /// everywhere): a number matched to someone elsewhere keeps its masked label, so a host
    /// cannot learn names by typing numbers.
    pub reveal_within: Vec<String>,
    pub via: CheckInVia,
    /// What the host sees: a name or a masked number.
    pub label: String,
    /// `staff:<id>` or `person:<id>`.
    pub by: String,
    pub at: Timestamp,
}

/// What became of a check-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckInOutcome {
    /// Counted now.
    New,
    /// Already counted at this event (retries and second scans land here): where and when.
    Already { point_id: i64, at: Timestamp },
}

/// What a batch of check-ins did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInsDone {
    /// Each check-in's outcome, in order, with the label the host sees (the person's name when
    /// their number is on the registry and they live where the host may see names).
    pub outcomes: Vec<(CheckInOutcome, String)>,
    /// The points whose figures moved, as they are now: (point, checked in, headcount).
    pub points: Vec<(i64, u64, u64)>,
}

/// A check-in as the host's list and the report show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInView {
    pub label: String,
    pub via: CheckInVia,
    pub registered: bool,
    pub at: Timestamp,
}

/// Live events, their bridge points and check-ins. A check-in moves the point's counters and,
/// for a person on the registry, their participation (`participated`, once per person and
/// group) in the same transaction.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Creates an event; `NotFound(Entity::Unit)` for an unknown organising unit.
    async fn create_event(&self, event: &NewEvent, by: &str, now: Timestamp) -> Result<i64>;
    async fn event(&self, id: i64) -> Result<Option<EventRecord>>;
    /// Events organised in the subtree at `path` or with a point hosted by `host`, newest
    /// first.
    async fn events_for(
        &self,
        path: Option<&str>,
        host: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>>;
    /// Adds points to an event, all or none: `StoreError::Conflict("point")` when a name is
    /// taken, `NotFound(Unit | Host)` for a reference to nothing.
    async fn add_points(&self, event: i64, points: &[NewPoint]) -> Result<Vec<i64>>;
    /// Changes an event's title, kind, window and link (not its unit).
    /// `StoreError::NotFound(Entity::Event)` when there is none.
    async fn update_event(&self, id: i64, event: &NewEvent) -> Result<()>;
    /// Changes a point's name, unit, host and expected headcount (not its token or figures):
    /// `Conflict("point")` when the name is another point's, `NotFound(Unit | Host | BridgePoint)`.
    async fn update_point(&self, id: i64, point: &NewPoint) -> Result<()>;
    /// An event's points, by name.
    async fn points(&self, event: i64) -> Result<Vec<PointRecord>>;
    async fn point(&self, id: i64) -> Result<Option<PointRecord>>;
    /// The points a staff account hosts, in every event.
    async fn points_hosted_by(&self, host: i64) -> Result<Vec<PointRecord>>;
    async fn point_by_token(&self, token: &str) -> Result<Option<PointRecord>>;
    /// Records check-ins in one transaction, each at most once per event and participant;
    /// returns what became of each, in order.
    async fn record_check_ins(
        &self,
        items: &[NewCheckIn],
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CheckInsDone>;
    /// Sets a point's headcount of people without ID, unless a newer count is already in;
    /// true when it was set.
    async fn set_headcount(
        &self,
        point: i64,
        headcount: u32,
        taken_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool>;
    /// The host's page reports in (the point is connected).
    async fn point_seen(&self, point: i64, now: Timestamp) -> Result<()>;
    /// Participants per group over an event's points (`guest` for people not on the registry).
    async fn event_groups(&self, event: i64) -> Result<Vec<(String, u64)>>;
    /// People with this phone number (normalised, `0912345678`): (id, name, unit path).
    async fn people_with_phone(
        &self,
        phone: &str,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>>;
    /// A point's check-ins, newest first.
    async fn point_check_ins(&self, point: i64, limit: u32) -> Result<Vec<CheckInView>>;
}
