//! The exam's item bank and blueprint: content domains, length bounds, the
//! standard-error target and the pass rule, with validation against a bank.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::poly::{ItemModel, ItemResponse};
use crate::{IrtError, ItemParams};

/// An item's position in its [`ItemBank`]. Sessions store these, so the
/// server must keep the bank's order stable while sessions are open (it maps
/// them to its own item keys).
pub type ItemId = usize;

/// One item of the exam bank: its content classification and its IRT parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankItem {
    /// Content domain code of the national framework ("1".."6").
    pub domain: String,
    /// Competence code within the domain, e.g. "4.2".
    pub competence: String,
    /// Proficiency step, e.g. "CB2".
    pub step: String,
    /// Calibrated 2PL parameters.
    pub params: ItemParams,
    /// Whether the parameters come from a calibration. Uncalibrated items are
    /// never selected (they may be seeded separately as pretest items).
    pub calibrated: bool,
}

impl BankItem {
    /// Whether the item may be given in an exam: calibrated, with finite
    /// parameters and `a > 0`.
    #[must_use]
    pub fn usable(&self) -> bool {
        self.calibrated
            && self.params.a.is_finite()
            && self.params.a > 0.0
            && self.params.b.is_finite()
    }
}

/// The exam's item bank: the items, with their parameters gathered in one
/// slice (for [`crate::eap`]) and their domain codes interned.
///
/// A bank built by [`ItemBank::mixed`] may also hold partial-credit (GPCM)
/// items: adaptive selection then ranks them by their GPCM information, and
/// scores recorded with [`crate::cat::record_score`] update the EAP through
/// [`crate::eap_scored`].
#[derive(Debug, Clone, PartialEq)]
pub struct ItemBank {
    items: Vec<BankItem>,
    params: Vec<ItemParams>,
    /// Per item, its model (dichotomous with `params` for [`ItemBank::new`]).
    models: Vec<ItemModel>,
    /// Whether any item is polytomous.
    polytomous: bool,
    /// Distinct domain codes, in order of first appearance.
    domains: Vec<String>,
    /// Per item, its index into `domains`.
    item_domain: Vec<usize>,
}

impl ItemBank {
    /// Builds a bank; item `i` gets the [`ItemId`] `i`.
    #[must_use]
    pub fn new(items: Vec<BankItem>) -> Self {
        let params: Vec<ItemParams> = items.iter().map(|item| item.params).collect();
        let models = params.iter().copied().map(ItemModel::Dichotomous).collect();
        let mut domains: Vec<String> = Vec::new();
        let item_domain = items
            .iter()
            .map(|item| {
                if let Some(k) = domains.iter().position(|d| *d == item.domain) {
                    k
                } else {
                    domains.push(item.domain.clone());
                    domains.len() - 1
                }
            })
            .collect();
        Self {
            items,
            params,
            models,
            polytomous: false,
            domains,
            item_domain,
        }
    }

    /// Builds a bank mixing dichotomous and partial-credit items: `models[i]`
    /// is item `i`'s model, and its [`BankItem::params`] are replaced by
    /// [`ItemModel::dichotomous_summary`] (the item itself when
    /// dichotomous), which the parts that only know dichotomous items
    /// (fixed forms, studies) use. Rejects a length mismatch and invalid models.
    pub fn mixed(mut items: Vec<BankItem>, models: Vec<ItemModel>) -> Result<Self, ExamError> {
        if items.len() != models.len() {
            return Err(ExamError::Config(
                "a mixed bank needs exactly one model per item",
            ));
        }
        if let Some(item) = models.iter().position(|m| !m.is_valid()) {
            return Err(IrtError::InvalidParams { item }.into());
        }
        for (item, model) in items.iter_mut().zip(&models) {
            item.params = model.dichotomous_summary();
        }
        let mut bank = Self::new(items);
        bank.polytomous = models.iter().any(|m| matches!(m, ItemModel::Gpcm(_)));
        bank.models = models;
        Ok(bank)
    }

    /// The items' models, indexed by [`ItemId`].
    #[must_use]
    pub fn models(&self) -> &[ItemModel] {
        &self.models
    }

    /// Whether any item is scored with partial credit.
    #[must_use]
    pub fn has_polytomous(&self) -> bool {
        self.polytomous
    }

    /// Fisher information of item `id` at `theta` under its model (2PL
    /// `a² P (1 − P)` or GPCM `a² Var(score)`); 0 for an unknown id.
    #[must_use]
    pub fn information(&self, id: ItemId, theta: f64) -> f64 {
        self.models
            .get(id)
            .map_or(0.0, |m| m.item_information(theta))
    }

    /// The items, indexed by [`ItemId`].
    #[must_use]
    pub fn items(&self) -> &[BankItem] {
        &self.items
    }

    /// The items' parameters, indexed by [`ItemId`].
    #[must_use]
    pub fn params(&self) -> &[ItemParams] {
        &self.params
    }

    /// Number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the bank has no item.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The item with this id, if any.
    #[must_use]
    pub fn get(&self, id: ItemId) -> Option<&BankItem> {
        self.items.get(id)
    }

    /// For every item, the index of its domain in `blueprint.domains`, or
    /// `None` when the blueprint does not list the item's domain.
    pub(crate) fn slots(&self, blueprint: &Blueprint) -> Vec<Option<usize>> {
        let map = self.slot_map(blueprint);
        self.item_domain
            .iter()
            .map(|&k| map.get(k).copied().flatten())
            .collect()
    }

    /// For every interned domain code, its index in `blueprint.domains`.
    pub(crate) fn slot_map(&self, blueprint: &Blueprint) -> Vec<Option<usize>> {
        self.domains
            .iter()
            .map(|code| blueprint.domains.iter().position(|d| d.domain == *code))
            .collect()
    }

    /// Per item, the index of its domain code in the interned codes.
    pub(crate) fn item_domains(&self) -> &[usize] {
        &self.item_domain
    }

    /// The blueprint slot of one item (see [`Self::slots`]).
    pub(crate) fn slot(&self, blueprint: &Blueprint, id: ItemId) -> Option<usize> {
        let item = self.items.get(id)?;
        blueprint
            .domains
            .iter()
            .position(|d| d.domain == item.domain)
    }

    /// Usable items per blueprint domain.
    #[must_use]
    pub fn usable_per_domain(&self, blueprint: &Blueprint) -> Vec<usize> {
        let mut counts = vec![0; blueprint.domains.len()];
        for (item, slot) in self.items.iter().zip(self.slots(blueprint)) {
            if let Some(slot) = slot
                && item.usable()
                && let Some(c) = counts.get_mut(slot)
            {
                *c += 1;
            }
        }
        counts
    }
}

/// How many items of one content domain a test must (and may) contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainQuota {
    /// Domain code ("1".."6"), matched exactly against [`BankItem::domain`].
    pub domain: String,
    /// Fewest items of this domain in a complete test.
    pub min: usize,
    /// Most items of this domain in a test.
    pub max: usize,
}

/// The pass rule on the ability scale.
///
/// A test passes when `θ̂ − z · SE ≥ cut` (θ̂ the final EAP, SE its posterior
/// SD). With `z = 0` this is simply `θ̂ ≥ cut`: the decision with the fewest
/// misclassifications overall, errors split between false passes and false
/// fails. With `z > 0` (e.g. 1.645, a one-sided 95% bound) a pass must be
/// "beyond reasonable doubt": fewer false passes (including lucky guessers
/// and leak users near the cut) at the price of more false fails of people
/// just above the cut. The default is `z = 0`; the SE stopping target
/// already bounds the uncertainty of every decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PassRule {
    /// Cut score on the θ scale.
    pub cut: f64,
    /// Multiplier of the SE subtracted from θ̂ before comparing with the cut (≥ 0).
    pub z: f64,
}

impl PassRule {
    /// Pass when the EAP alone clears the cut (`z = 0`).
    #[must_use]
    pub const fn eap(cut: f64) -> Self {
        Self { cut, z: 0.0 }
    }

    /// Pass when the lower bound `θ̂ − z · SE` clears the cut.
    #[must_use]
    pub const fn lower_bound(cut: f64, z: f64) -> Self {
        Self { cut, z }
    }

    /// Whether an estimate passes.
    #[must_use]
    pub fn passes(&self, theta: f64, se: f64) -> bool {
        theta - self.z * se >= self.cut
    }
}

/// What a complete exam must contain and when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blueprint {
    /// Per content domain, the item counts. Their minimums also set the
    /// adaptive test's content targets: domain `d` should make up the share
    /// `min_d / Σ min` of the items given so far (equal shares if every minimum is 0).
    pub domains: Vec<DomainQuota>,
    /// Fewest items in a complete test.
    pub min_items: usize,
    /// Most items in a test: an adaptive test stops here whatever its SE.
    pub max_items: usize,
    /// An adaptive test stops once its SE is at most this (and the minimums are met).
    pub se_target: f64,
    /// How the final estimate becomes pass/fail.
    pub pass_rule: PassRule,
}

/// Why a blueprint, a session step or a form could not be made.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExamError {
    /// The blueprint lists no domain.
    #[error("the blueprint lists no content domain")]
    NoDomains,
    /// A domain code is empty or listed twice.
    #[error("domain code {0:?} is empty or listed twice")]
    BadDomainCode(String),
    /// A domain's minimum exceeds its maximum.
    #[error("domain {domain}: minimum {min} exceeds maximum {max}")]
    DomainBounds {
        /// Domain code.
        domain: String,
        /// Its minimum.
        min: usize,
        /// Its maximum.
        max: usize,
    },
    /// Length bounds that no test can meet (0, min > max, or incompatible
    /// with the domains' minimums and maximums).
    #[error("test length bounds cannot be met: {0}")]
    LengthBounds(&'static str),
    /// SE target not finite and positive.
    #[error("the SE target must be finite and > 0, got {0}")]
    SeTarget(f64),
    /// Cut score or z not finite, or z negative.
    #[error("the pass rule needs a finite cut and a finite z >= 0")]
    PassRule,
    /// Too few usable (calibrated) items in a domain.
    #[error("domain {domain}: {available} calibrated items, at least {needed} needed")]
    NotEnoughItems {
        /// Domain code.
        domain: String,
        /// Items needed.
        needed: usize,
        /// Usable items in the bank.
        available: usize,
    },
    /// Too few usable items over all domains to reach the maximum length.
    #[error("{available} usable items across the domains, at least {needed} needed")]
    BankTooSmall {
        /// Items needed.
        needed: usize,
        /// Items available within the domains' maximums.
        available: usize,
    },
    /// An item id outside the bank.
    #[error("item {item} is not in the bank ({items} items)")]
    UnknownItem {
        /// The id.
        item: ItemId,
        /// Bank size.
        items: usize,
    },
    /// The item is uncalibrated, has invalid parameters, or its domain is not in the blueprint.
    #[error("item {0} cannot be given in this exam")]
    UnusableItem(ItemId),
    /// The item was already given in this session.
    #[error("item {0} was already given in this session")]
    Repeated(ItemId),
    /// The session state does not fit the blueprint (wrong number of domain counters).
    #[error("the session state does not match the blueprint")]
    StateMismatch,
    /// Invalid form or exposure settings (named in the message).
    #[error("invalid setting: {0}")]
    Config(&'static str),
    /// Ability estimation failed.
    #[error(transparent)]
    Irt(#[from] IrtError),
}

impl Blueprint {
    /// Target share of each domain: `min_d / Σ min`, or equal shares when all minimums are 0.
    #[must_use]
    pub fn shares(&self) -> Vec<f64> {
        let total: usize = self.domains.iter().map(|d| d.min).sum();
        let n = self.domains.len().max(1) as f64;
        self.domains
            .iter()
            .map(|d| {
                if total == 0 {
                    1.0 / n
                } else {
                    d.min as f64 / total as f64
                }
            })
            .collect()
    }

    /// Checks the blueprint on its own: domains, bounds, SE target, pass rule.
    pub fn check(&self) -> Result<(), ExamError> {
        if self.domains.is_empty() {
            return Err(ExamError::NoDomains);
        }
        for (k, d) in self.domains.iter().enumerate() {
            if d.domain.is_empty() || self.domains[..k].iter().any(|e| e.domain == d.domain) {
                return Err(ExamError::BadDomainCode(d.domain.clone()));
            }
            if d.min > d.max {
                return Err(ExamError::DomainBounds {
                    domain: d.domain.clone(),
                    min: d.min,
                    max: d.max,
                });
            }
        }
        if self.min_items == 0 {
            return Err(ExamError::LengthBounds("min_items is 0"));
        }
        if self.min_items > self.max_items {
            return Err(ExamError::LengthBounds("min_items exceeds max_items"));
        }
        let sum_min: usize = self.domains.iter().map(|d| d.min).sum();
        if sum_min > self.max_items {
            return Err(ExamError::LengthBounds(
                "the domain minimums add up to more than max_items",
            ));
        }
        let sum_max = self
            .domains
            .iter()
            .fold(0usize, |acc, d| acc.saturating_add(d.max));
        if sum_max < self.min_items {
            return Err(ExamError::LengthBounds(
                "the domain maximums add up to less than min_items",
            ));
        }
        if !(self.se_target.is_finite() && self.se_target > 0.0) {
            return Err(ExamError::SeTarget(self.se_target));
        }
        let rule = self.pass_rule;
        if !(rule.cut.is_finite() && rule.z.is_finite() && rule.z >= 0.0) {
            return Err(ExamError::PassRule);
        }
        Ok(())
    }

    /// Checks the blueprint and that `bank` can serve it: every domain has at
    /// least its minimum of usable (calibrated) items, and the usable items
    /// within the domains' maximums reach `max_items`. This is the floor for
    /// a correct test; exposure control needs several times more items per
    /// domain than a test takes (the bench uses ~50 per domain for 5–8 given).
    pub fn validate(&self, bank: &ItemBank) -> Result<(), ExamError> {
        self.check()?;
        let usable = bank.usable_per_domain(self);
        let mut capacity = 0usize;
        for (d, &available) in self.domains.iter().zip(&usable) {
            if available < d.min {
                return Err(ExamError::NotEnoughItems {
                    domain: d.domain.clone(),
                    needed: d.min,
                    available,
                });
            }
            capacity += available.min(d.max);
        }
        if capacity < self.max_items {
            return Err(ExamError::BankTooSmall {
                needed: self.max_items,
                available: capacity,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(domain: &str, calibrated: bool) -> BankItem {
        BankItem {
            domain: domain.to_owned(),
            competence: format!("{domain}.1"),
            step: "CB1".to_owned(),
            params: ItemParams::new(1.0, 0.0),
            calibrated,
        }
    }

    fn blueprint() -> Blueprint {
        Blueprint {
            domains: ["1", "2"]
                .iter()
                .map(|d| DomainQuota {
                    domain: (*d).to_owned(),
                    min: 2,
                    max: 4,
                })
                .collect(),
            min_items: 4,
            max_items: 6,
            se_target: 0.4,
            pass_rule: PassRule::eap(0.0),
        }
    }

    #[test]
    fn validate_counts_only_usable_items_per_domain() {
        let bp = blueprint();
        let mut items: Vec<BankItem> = (0..4).map(|_| item("1", true)).collect();
        items.push(item("2", true));
        items.push(item("2", false));
        items.push(item("9", true));
        let bank = ItemBank::new(items.clone());
        assert_eq!(bank.usable_per_domain(&bp), vec![4, 1]);
        assert_eq!(
            bp.validate(&bank),
            Err(ExamError::NotEnoughItems {
                domain: "2".to_owned(),
                needed: 2,
                available: 1
            })
        );
        items.push(item("2", true));
        let bank = ItemBank::new(items.clone());
        // 4 + 2 usable = 6 = max_items: enough.
        assert_eq!(bp.validate(&bank), Ok(()));
        let mut bigger = bp.clone();
        bigger.max_items = 7;
        assert_eq!(
            bigger.validate(&bank),
            Err(ExamError::BankTooSmall {
                needed: 7,
                available: 6
            })
        );
    }

    #[test]
    fn check_rejects_bad_blueprints() {
        let mut bp = blueprint();
        bp.domains[1].domain = "1".to_owned();
        assert_eq!(bp.check(), Err(ExamError::BadDomainCode("1".to_owned())));
        let mut bp = blueprint();
        bp.domains[0].min = 5;
        assert!(matches!(bp.check(), Err(ExamError::DomainBounds { .. })));
        let mut bp = blueprint();
        bp.max_items = 3;
        assert!(matches!(bp.check(), Err(ExamError::LengthBounds(_))));
        let mut bp = blueprint();
        bp.min_items = 9;
        bp.max_items = 10;
        assert!(matches!(bp.check(), Err(ExamError::LengthBounds(_))));
        let mut bp = blueprint();
        bp.se_target = 0.0;
        assert_eq!(bp.check(), Err(ExamError::SeTarget(0.0)));
        let mut bp = blueprint();
        bp.pass_rule.z = -1.0;
        assert_eq!(bp.check(), Err(ExamError::PassRule));
        assert_eq!(
            Blueprint {
                domains: vec![],
                ..blueprint()
            }
            .check(),
            Err(ExamError::NoDomains)
        );
        assert_eq!(blueprint().check(), Ok(()));
    }

    #[test]
    fn pass_rule_eap_and_lower_bound() {
        let plain = PassRule::eap(0.5);
        assert!(plain.passes(0.5, 0.3));
        assert!(!plain.passes(0.49, 0.3));
        let strict = PassRule::lower_bound(0.5, 1.645);
        assert!(!strict.passes(0.9, 0.3)); // 0.9 - 0.4935 < 0.5
        assert!(strict.passes(1.0, 0.3)); // 1.0 - 0.4935 >= 0.5
    }

    #[test]
    fn shares_follow_minimums() {
        let mut bp = blueprint();
        bp.domains[0].min = 3;
        bp.domains[1].min = 1;
        assert_eq!(bp.shares(), vec![0.75, 0.25]);
        bp.domains[0].min = 0;
        bp.domains[1].min = 0;
        assert_eq!(bp.shares(), vec![0.5, 0.5]);
    }
}
