//! The live figures of an event, by commune and by group, and the report sheets after it.

use std::collections::BTreeMap;

use binhdan_core::{Msg, Timestamp};
use binhdan_i18n::Lang;
use binhdan_store::{EventRecord, PointRecord, Store, StoreError};
use binhdan_tabular::write::{Out, Sheet};
use serde::Serialize;

use super::format_local_time;

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
