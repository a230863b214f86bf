//! The quiz engine's pure part: how an item is shown in one attempt (its options shuffled), how
//! a submitted form is read back into a reply, and grading. No I/O: the store keeps attempts
//! and responses, the web layer renders the forms.
//!
//! Positions and indices: an item's options are written in the pack in their *original*
//! order (index `i`); an attempt shows them in a shuffled order, `order[k]` being the original
//! index of the option shown at position `k`. Forms speak in shown positions; what is stored
//! and graded speaks in original indices, so responses stay comparable across attempts.

use rand::Rng;
use rand::seq::SliceRandom as _;

use crate::{Answer, Item, ItemKind};

/// The shown order of an item's options for one attempt (empty for true/false).
#[must_use]
pub fn present<R: Rng + ?Sized>(item: &Item, rng: &mut R) -> Vec<usize> {
    let mut order: Vec<usize> = (0..item.options.len()).collect();
    if item.kind == ItemKind::Ordering {
        // An ordering item must not be shown already in order (a learner would just submit).
        if order.len() > 1 {
            while order.iter().enumerate().all(|(k, &i)| k == i) {
                order.shuffle(rng);
            }
        }
    } else {
        order.shuffle(rng);
    }
    order
}

/// A learner's reply, in original option indices.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// `single`, `image`: the chosen option.
    One(usize),
    /// `multiple`: the chosen options, ascending.
    Many(Vec<usize>),
    /// `true_false`.
    Bool(bool),
    /// `ordering`: the options in the order the learner put them.
    Order(Vec<usize>),
}

/// Why a submitted form is not a reply to the item shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("no answer was chosen")]
    Missing,
    #[error("an answer that is not one of the options")]
    Unknown,
    #[error("the order gives two options the same place, or leaves one out")]
    NotAnOrder,
}

impl ReplyError {
    /// The message key (`quiz-reply-missing`, …).
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::Missing => "quiz-reply-missing",
            Self::Unknown => "quiz-reply-unknown",
            Self::NotAnOrder => "quiz-reply-not-an-order",
        }
    }
}

/// Reads a submitted form into a reply. `fields` are the form's pairs: `choice=K` (once, or
/// repeated for `multiple`), `choice=true|false`, or `rank_K=R` (1-based) for each shown
/// position `K` of an ordering item. `order` is the attempt's shown order.
pub fn read_reply(
    kind: ItemKind,
    order: &[usize],
    fields: &[(String, String)],
) -> Result<Reply, ReplyError> {
    let choices = || {
        fields
            .iter()
            .filter(|(k, _)| k == "choice")
            .map(|(_, v)| v.trim())
    };
    let shown = |v: &str| -> Result<usize, ReplyError> {
        let k: usize = v.parse().map_err(|_| ReplyError::Unknown)?;
        order.get(k).copied().ok_or(ReplyError::Unknown)
    };
    match kind {
        ItemKind::Single | ItemKind::Image => {
            let mut it = choices();
            let v = it.next().ok_or(ReplyError::Missing)?;
            if it.next().is_some() {
                return Err(ReplyError::Unknown);
            }
            Ok(Reply::One(shown(v)?))
        }
        ItemKind::Multiple => {
            let mut chosen = choices().map(shown).collect::<Result<Vec<_>, _>>()?;
            if chosen.is_empty() {
                return Err(ReplyError::Missing);
            }
            chosen.sort_unstable();
            let n = chosen.len();
            chosen.dedup();
            if chosen.len() != n {
                return Err(ReplyError::Unknown);
            }
            Ok(Reply::Many(chosen))
        }
        ItemKind::TrueFalse => match choices().next() {
            None => Err(ReplyError::Missing),
            Some("true") => Ok(Reply::Bool(true)),
            Some("false") => Ok(Reply::Bool(false)),
            Some(_) => Err(ReplyError::Unknown),
        },
        ItemKind::Ordering => {
            let n = order.len();
            let mut placed: Vec<Option<usize>> = vec![None; n];
            for (k, v) in fields {
                let Some(pos) = k.strip_prefix("rank_") else {
                    continue;
                };
                let pos: usize = pos.parse().map_err(|_| ReplyError::Unknown)?;
                let original = *order.get(pos).ok_or(ReplyError::Unknown)?;
                let rank: usize = v.trim().parse().map_err(|_| ReplyError::NotAnOrder)?;
                if rank == 0 || rank > n {
                    return Err(ReplyError::NotAnOrder);
                }
                match &mut placed[rank - 1] {
                    slot @ None => *slot = Some(original),
                    Some(_) => return Err(ReplyError::NotAnOrder),
                }
            }
            if placed.iter().all(Option::is_none) {
                return Err(ReplyError::Missing);
            }
            placed
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .map(Reply::Order)
                .ok_or(ReplyError::NotAnOrder)
        }
    }
}

/// Whether the reply is right.
#[must_use]
pub fn grade(item: &Item, reply: &Reply) -> bool {
    match (&item.answer, reply) {
        (Answer::One(a), Reply::One(r)) => a == r,
        (Answer::Many(a), Reply::Many(r)) => a == r,
        (Answer::Bool(a), Reply::Bool(r)) => a == r,
        (Answer::InOrder, Reply::Order(r)) => {
            r.len() == item.options.len() && r.iter().enumerate().all(|(k, &i)| k == i)
        }
        _ => false,
    }
}

/// The right reply to an item.
#[must_use]
pub fn right_reply(item: &Item) -> Reply {
    match &item.answer {
        Answer::One(i) => Reply::One(*i),
        Answer::Many(v) => Reply::Many(v.clone()),
        Answer::Bool(b) => Reply::Bool(*b),
        Answer::InOrder => Reply::Order((0..item.options.len()).collect()),
    }
}

/// A wrong reply to an item (for simulated learners and tests).
#[must_use]
pub fn wrong_reply(item: &Item) -> Reply {
    match &item.answer {
        Answer::One(i) => Reply::One(usize::from(*i == 0)),
        Answer::Many(v) => Reply::Many(
            (0..item.options.len())
                .filter(|k| !v.contains(k))
                .take(1)
                .collect(),
        ),
        Answer::Bool(b) => Reply::Bool(!b),
        Answer::InOrder => Reply::Order((0..item.options.len()).rev().collect()),
    }
}

/// The form fields a page sends for `reply` when the options were shown in `order`: the
/// inverse of [`read_reply`].
#[must_use]
pub fn form_fields(reply: &Reply, order: &[usize]) -> Vec<(String, String)> {
    let shown = |original: usize| {
        order
            .iter()
            .position(|&o| o == original)
            .unwrap_or(usize::MAX)
    };
    match reply {
        Reply::One(i) => vec![("choice".to_owned(), shown(*i).to_string())],
        Reply::Many(v) => v
            .iter()
            .map(|i| ("choice".to_owned(), shown(*i).to_string()))
            .collect(),
        Reply::Bool(b) => vec![("choice".to_owned(), b.to_string())],
        Reply::Order(v) => v
            .iter()
            .enumerate()
            .map(|(rank, original)| (format!("rank_{}", shown(*original)), (rank + 1).to_string()))
            .collect(),
    }
}

/// The share of a quiz to answer right to pass it, in percent.
pub const PASS_PERCENT: u32 = 80;

/// Whether `correct` of `total` passes.
#[must_use]
pub const fn passes(correct: u32, total: u32) -> bool {
    total > 0 && correct * 100 >= PASS_PERCENT * total
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use rand::SeedableRng as _;

    use super::*;
    use crate::{ItemOption, Step};

    fn item(kind: ItemKind, n: usize, answer: Answer) -> Item {
        Item {
            id: "x".into(),
            kind,
            competence: "1.1".into(),
            step: Step::Cb1,
            stem: "?".into(),
            options: (0..n).map(|i| ItemOption::Text(format!("o{i}"))).collect(),
            answer,
            explanation: String::new(),
        }
    }

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn form_fields_read_back_as_the_reply_and_right_and_wrong_replies_grade_so() {
        let items = [
            item(ItemKind::Single, 4, Answer::One(0)),
            item(ItemKind::Single, 4, Answer::One(3)),
            item(ItemKind::Multiple, 5, Answer::Many(vec![1, 4])),
            item(ItemKind::TrueFalse, 0, Answer::Bool(true)),
            item(ItemKind::Ordering, 4, Answer::InOrder),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for it in &items {
            let order = present(it, &mut rng);
            for (reply, right) in [(right_reply(it), true), (wrong_reply(it), false)] {
                let fields = form_fields(&reply, &order);
                let back = read_reply(it.kind, &order, &fields).unwrap();
                assert_eq!(back, reply, "{:?}", it.kind);
                assert_eq!(grade(it, &back), right, "{:?}", it.kind);
            }
        }
    }

    #[test]
    fn shown_positions_map_back_to_the_written_options() {
        let it = item(ItemKind::Single, 4, Answer::One(2));
        let order = vec![3, 2, 0, 1];
        let reply = read_reply(it.kind, &order, &f(&[("choice", "1")])).unwrap();
        assert_eq!(reply, Reply::One(2));
        assert!(grade(&it, &reply));
        let wrong = read_reply(it.kind, &order, &f(&[("choice", "2")])).unwrap();
        assert!(!grade(&it, &wrong));
        assert_eq!(
            read_reply(it.kind, &order, &f(&[("choice", "4")])),
            Err(ReplyError::Unknown),
            "a position that was not shown"
        );
        assert_eq!(
            read_reply(it.kind, &order, &f(&[])),
            Err(ReplyError::Missing)
        );
        assert_eq!(
            read_reply(it.kind, &order, &f(&[("choice", "0"), ("choice", "1")])),
            Err(ReplyError::Unknown),
            "two answers to a single-choice item"
        );
    }

    #[test]
    fn multiple_choice_needs_exactly_the_right_set() {
        let it = item(ItemKind::Multiple, 5, Answer::Many(vec![0, 3]));
        let order = vec![4, 3, 2, 1, 0];
        let right = read_reply(it.kind, &order, &f(&[("choice", "4"), ("choice", "1")])).unwrap();
        assert_eq!(right, Reply::Many(vec![0, 3]));
        assert!(grade(&it, &right));
        let partial = read_reply(it.kind, &order, &f(&[("choice", "4")])).unwrap();
        assert!(!grade(&it, &partial));
        let extra = read_reply(
            it.kind,
            &order,
            &f(&[("choice", "4"), ("choice", "1"), ("choice", "0")]),
        )
        .unwrap();
        assert!(!grade(&it, &extra));
        assert_eq!(
            read_reply(it.kind, &order, &f(&[("choice", "4"), ("choice", "4")])),
            Err(ReplyError::Unknown)
        );
    }

    #[test]
    fn true_false_and_ordering() {
        let tf = item(ItemKind::TrueFalse, 0, Answer::Bool(false));
        let r = read_reply(tf.kind, &[], &f(&[("choice", "false")])).unwrap();
        assert!(grade(&tf, &r));
        assert_eq!(
            read_reply(tf.kind, &[], &f(&[("choice", "maybe")])),
            Err(ReplyError::Unknown)
        );

        let ord = item(ItemKind::Ordering, 3, Answer::InOrder);
        let order = vec![2, 0, 1];
        // Shown: o2, o0, o1. Right: o0 first, o1 second, o2 third.
        let right = read_reply(
            ord.kind,
            &order,
            &f(&[("rank_0", "3"), ("rank_1", "1"), ("rank_2", "2")]),
        )
        .unwrap();
        assert_eq!(right, Reply::Order(vec![0, 1, 2]));
        assert!(grade(&ord, &right));
        let wrong = read_reply(
            ord.kind,
            &order,
            &f(&[("rank_0", "1"), ("rank_1", "2"), ("rank_2", "3")]),
        )
        .unwrap();
        assert!(!grade(&ord, &wrong));
        for bad in [
            f(&[("rank_0", "1"), ("rank_1", "1"), ("rank_2", "2")]),
            f(&[("rank_0", "1"), ("rank_1", "2")]),
            f(&[("rank_0", "0"), ("rank_1", "1"), ("rank_2", "2")]),
            f(&[("rank_0", "4"), ("rank_1", "1"), ("rank_2", "2")]),
        ] {
            assert_eq!(
                read_reply(ord.kind, &order, &bad),
                Err(ReplyError::NotAnOrder),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn options_are_shuffled_and_an_ordering_never_starts_solved() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let single = item(ItemKind::Single, 4, Answer::One(0));
        let orders: std::collections::HashSet<Vec<usize>> =
            (0..50).map(|_| present(&single, &mut rng)).collect();
        assert!(orders.len() > 10, "many different orders: {}", orders.len());
        for o in &orders {
            let mut s = o.clone();
            s.sort_unstable();
            assert_eq!(s, [0, 1, 2, 3]);
        }
        let ord = item(ItemKind::Ordering, 2, Answer::InOrder);
        for _ in 0..20 {
            assert_eq!(present(&ord, &mut rng), [1, 0]);
        }
    }

    #[test]
    fn eighty_percent_passes() {
        assert!(passes(4, 5));
        assert!(!passes(3, 5));
        assert!(passes(8, 10));
        assert!(!passes(0, 0));
    }
}
