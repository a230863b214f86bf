//! The dashboard's "what people can do" section (issue 21, item 5): per simulated task of the
//! indicator's group, the share who could do it at the placement test and at the exam, from
//! the task counters (`binhdan_app::abilities`), on a unit's page and on an organisation's.
//! Hidden when no task was given there.

use binhdan_app::abilities::TaskAbility;
use binhdan_core::Msg;
use binhdan_i18n::Lang;

use super::{percent, points};
use crate::pages::format_count;

/// One task's line: `Tự chuyển tiền và kiểm tra tên người nhận: 34% → 71%`.
pub struct CanDoView {
    pub title: String,
    /// The share at the placement test, or "not given".
    pub before: String,
    /// The share at the exam, or "not given".
    pub after: String,
    /// `+37,0 điểm %`, when both shares are known.
    pub change: String,
    /// Who could, of who tried, at each.
    pub counts: String,
}

#[must_use]
pub fn views(lang: Lang, tasks: &[TaskAbility]) -> Vec<CanDoView> {
    let share = |s: binhdan_app::abilities::Share| {
        s.permille()
            .map_or_else(|| lang.text("can-do-not-given"), |p| percent(lang, p))
    };
    tasks
        .iter()
        .map(|t| CanDoView {
            title: t.title.clone(),
            before: share(t.placement),
            after: share(t.exam),
            change: match (t.placement.permille(), t.exam.permille()) {
                (Some(before), Some(after)) => {
                    lang.tr(&Msg::new("can-do-change").arg("points", points(lang, after, before)))
                }
                _ => String::new(),
            },
            counts: lang.tr(&Msg::new("can-do-counts")
                .arg("before_could", format_count(lang, t.placement.could))
                .arg("before_tried", format_count(lang, t.placement.tried))
                .arg("after_could", format_count(lang, t.exam.could))
                .arg("after_tried", format_count(lang, t.exam.tried))),
        })
        .collect()
}
