//! Sign-in throttling: a pure, storage-agnostic state machine.
//!
//! One [`Throttle`] is kept per account and one per client address (the store decides where;
//! the state is small and serialisable). Before checking a password the caller asks both
//! ([`Throttle::check`], combined with [`Decision::and`]); when either says
//! [`Decision::RetryAfter`], the password is **not** checked and nothing is recorded. After
//! checking, the caller records the outcome.
//!
//! The rule: the first `free_failures` failures cost nothing; from then on each failure makes
//! the next attempt wait `base_delay`, doubling with every further failure, up to `max_delay`
//! (the lock-out). The count is forgotten after `forget_after` without failures once the
//! current wait is over, and on a successful sign-in to the account.
//!
//! With [`ThrottlePolicy::ACCOUNT`] (5 free failures, 30 s doubling to 15 min, forgotten after
//! 15 quiet minutes) a password guesser gets about ten tries in the first quarter hour, then
//! one per quarter hour (about a hundred a day), while a person who mistypes a few times is
//! never slowed. A person who is locked out can still reset their password or ask the commune
//! admin.
//!
//! For addresses, call [`Throttle::record_success`] **never**: an attacker would otherwise
//! clear the counter of their address by signing into an account of their own between guesses.
//! The address policy is more lenient ([`ThrottlePolicy::ADDRESS`]) because a commune office or
//! a mobile carrier's NAT puts many honest people behind one address.

use std::time::Duration;

use binhdan_core::{Localized, Msg, Timestamp};
use serde::{Deserialize, Serialize};

/// The parameters of a throttle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// The first wait, doubled with every further failure.
    pub base_delay: Duration,
    /// The longest wait (the lock-out).
    pub max_delay: Duration,
    /// Quiet time after the current wait after which the failures are forgotten.
    pub forget_after: Duration,
}

impl ThrottlePolicy {
    /// Per account.
    pub const ACCOUNT: Self = Self {
        free_failures: 5,
        base_delay: Duration::from_secs(30),
        max_delay: Duration::from_mins(15),
        forget_after: Duration::from_mins(15),
    };
    /// Per client address (shared by many people behind NAT).
    pub const ADDRESS: Self = Self {
        free_failures: 30,
        base_delay: Duration::from_secs(10),
        max_delay: Duration::from_mins(15),
        forget_after: Duration::from_mins(15),
    };

    /// Per client address, for starting a VNeID sign-in (each start stores a pending sign-in):
    /// 30 in a burst, then one per 10 s and slower.
    pub const SIGN_IN_STARTS: Self = Self {
        free_failures: 30,
        base_delay: Duration::from_secs(10),
        max_delay: Duration::from_mins(5),
        forget_after: Duration::from_mins(1),
    };

    /// The wait imposed after the `failures`-th failure, in milliseconds.
    fn delay_millis(&self, failures: u32) -> i64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = failures - self.free_failures;
        let max = millis(self.max_delay);
        let base = millis(self.base_delay);
        if doublings >= 62 {
            return max;
        }
        base.saturating_mul(1i64 << doublings).min(max)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whether an attempt may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Allowed,
    /// Wait this many seconds (rounded up, at least 1) before trying again. For the
    /// `Retry-After` header and the message.
    RetryAfter(u64),
}

impl Decision {
    /// Both must allow; otherwise the longer wait.
    #[must_use]
    pub fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::Allowed, Self::Allowed) => Self::Allowed,
            (Self::RetryAfter(a), Self::RetryAfter(b)) => Self::RetryAfter(a.max(b)),
            (Self::RetryAfter(a), Self::Allowed) | (Self::Allowed, Self::RetryAfter(a)) => {
                Self::RetryAfter(a)
            }
        }
    }

    /// The message for a refused attempt (`None` when allowed).
    #[must_use]
    pub fn msg(self) -> Option<Msg> {
        match self {
            Self::Allowed => None,
            Self::RetryAfter(seconds) => Some(TooManyAttempts { seconds }.msg()),
        }
    }
}

/// The error a sign-in handler returns on [`Decision::RetryAfter`]. It does not say whether the
/// account exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many failed sign-ins; retry in {seconds} s")]
pub struct TooManyAttempts {
    pub seconds: u64,
}

impl Localized for TooManyAttempts {
    fn msg(&self) -> Msg {
        // Minutes, rounded up, read better than seconds past a minute.
        let minutes = self.seconds.div_ceil(60);
        if self.seconds < 60 {
            Msg::new("login-throttled-seconds").arg("seconds", self.seconds)
        } else {
            Msg::new("login-throttled-minutes").arg("minutes", minutes)
        }
    }
}

/// The throttle state of one account or one address: what the store keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// Failures in the current streak.
    pub failures: u32,
    /// When the last of them happened.
    pub last_failure: Option<Timestamp>,
    /// Whether an attempt refused since the last failure was noted (see
    /// [`Throttle::note_refusal`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refusal_noted: bool,
}

impl Throttle {
    /// Whether an attempt may be made at `now`.
    #[must_use]
    pub fn check(&self, policy: &ThrottlePolicy, now: Timestamp) -> Decision {
        let Some(last) = self.last_failure else {
            return Decision::Allowed;
        };
        let until = last
            .millis()
            .saturating_add(policy.delay_millis(self.failures));
        let wait = until.saturating_sub(now.millis());
        if wait <= 0 {
            Decision::Allowed
        } else {
            Decision::RetryAfter(u64::try_from(wait).unwrap_or(u64::MAX).div_ceil(1000))
        }
    }

    /// Records a failed attempt (wrong password, wrong TOTP code) made at `now`.
    pub fn record_failure(&mut self, policy: &ThrottlePolicy, now: Timestamp) {
        if self.is_forgotten(policy, now) {
            *self = Self::default();
        }
        self.failures = self.failures.saturating_add(1);
        self.refusal_noted = false;
        // A clock that steps back never shortens a wait.
        self.last_failure = Some(self.last_failure.map_or(now, |last| last.max(now)));
    }

    /// Notes an attempt that [`Throttle::check`] refused: `true` for the first refusal since
    /// the last failure, `false` for the others. Refused attempts cost no password check, so
    /// a caller that keeps a record of them (the audit log) keeps one per wait, not one per
    /// attempt: a flood of refused attempts adds nothing.
    pub fn note_refusal(&mut self) -> bool {
        !std::mem::replace(&mut self.refusal_noted, true)
    }

    /// Records a successful sign-in: the account's streak ends. (Never for addresses.)
    pub fn record_success(&mut self) {
        *self = Self::default();
    }

    /// Whether the state is back to nothing at `now`, so the store may delete it.
    #[must_use]
    pub fn is_forgotten(&self, policy: &ThrottlePolicy, now: Timestamp) -> bool {
        let Some(last) = self.last_failure else {
            return true;
        };
        let forget_at = last
            .millis()
            .saturating_add(policy.delay_millis(self.failures))
            .saturating_add(millis(policy.forget_after));
        now.millis() >= forget_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A simulated clock, in seconds.
    struct Clock(i64);
    impl Clock {
        fn now(&self) -> Timestamp {
            Timestamp(self.0 * 1000)
        }
        fn advance(&mut self, seconds: i64) {
            self.0 += seconds;
        }
    }

    const P: ThrottlePolicy = ThrottlePolicy::ACCOUNT;

    #[test]
    fn five_free_failures_then_doubling_waits_up_to_the_lock_out() {
        let mut clock = Clock(1_700_000_000);
        let mut t = Throttle::default();
        for _ in 0..4 {
            assert_eq!(t.check(&P, clock.now()), Decision::Allowed);
            t.record_failure(&P, clock.now());
            clock.advance(1);
        }
        t.record_failure(&P, clock.now()); // the fifth
        assert_eq!(t.check(&P, clock.now()), Decision::RetryAfter(30));
        let mut expected = 30;
        for _ in 0..8 {
            clock.advance(i64::try_from(expected).unwrap() - 1);
            assert_eq!(t.check(&P, clock.now()), Decision::RetryAfter(1));
            clock.advance(1);
            assert_eq!(t.check(&P, clock.now()), Decision::Allowed);
            t.record_failure(&P, clock.now());
            expected = (expected * 2).min(900);
            assert_eq!(t.check(&P, clock.now()), Decision::RetryAfter(expected));
        }
        assert_eq!(expected, 900, "capped at the 15-minute lock-out");
    }

    #[test]
    fn success_resets_the_account() {
        let mut clock = Clock(0);
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.record_failure(&P, clock.now());
        }
        clock.advance(30);
        assert_eq!(t.check(&P, clock.now()), Decision::Allowed);
        t.record_success();
        assert_eq!(t, Throttle::default());
        for _ in 0..4 {
            t.record_failure(&P, clock.now());
        }
        assert_eq!(t.check(&P, clock.now()), Decision::Allowed);
    }

    #[test]
    fn failures_spread_over_time_are_forgotten() {
        let mut clock = Clock(0);
        let mut t = Throttle::default();
        // One typo every 16 minutes, all day: never slowed down.
        for _ in 0..90 {
            assert_eq!(t.check(&P, clock.now()), Decision::Allowed);
            t.record_failure(&P, clock.now());
            assert_eq!(t.failures, 1);
            clock.advance(16 * 60);
        }
        // Locked out: forgotten only after the wait and 15 quiet minutes more.
        let mut t = Throttle::default();
        for _ in 0..12 {
            t.record_failure(&P, clock.now());
        }
        assert_eq!(t.check(&P, clock.now()), Decision::RetryAfter(900));
        clock.advance(900 + 899);
        assert!(!t.is_forgotten(&P, clock.now()));
        clock.advance(1);
        assert!(t.is_forgotten(&P, clock.now()));
        t.record_failure(&P, clock.now());
        assert_eq!(t.failures, 1);
    }

    #[test]
    fn a_persistent_guesser_gets_about_a_hundred_tries_a_day() {
        let mut clock = Clock(0);
        let mut t = Throttle::default();
        let mut tries = 0;
        for _ in 0..86_400 {
            if t.check(&P, clock.now()) == Decision::Allowed {
                tries += 1;
                t.record_failure(&P, clock.now());
            }
            clock.advance(1);
        }
        assert!((100..=110).contains(&tries), "{tries}");
    }

    #[test]
    fn clock_going_backwards_does_not_shorten_a_wait() {
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.record_failure(&P, Timestamp(100_000));
        }
        t.record_failure(&P, Timestamp(50_000));
        assert_eq!(t.last_failure, Some(Timestamp(100_000)));
        assert_eq!(t.check(&P, Timestamp(100_000)), Decision::RetryAfter(60));
        assert_eq!(t.check(&P, Timestamp(0)), Decision::RetryAfter(160));
    }

    #[test]
    fn account_and_address_combined() {
        let now = Timestamp(0);
        let mut account = Throttle::default();
        let mut address = Throttle::default();
        let ap = ThrottlePolicy::ADDRESS;
        // One address guessing across many accounts: the address throttle stops it.
        for _ in 0..30 {
            address.record_failure(&ap, now);
        }
        assert_eq!(account.check(&P, now), Decision::Allowed);
        let d = account.check(&P, now).and(address.check(&ap, now));
        assert_eq!(d, Decision::RetryAfter(10));
        for _ in 0..5 {
            account.record_failure(&P, now);
        }
        assert_eq!(
            account.check(&P, now).and(address.check(&ap, now)),
            Decision::RetryAfter(30)
        );
        assert_eq!(Decision::Allowed.msg(), None);
        assert_eq!(
            Decision::RetryAfter(30).msg(),
            Some(Msg::new("login-throttled-seconds").arg("seconds", 30))
        );
        assert_eq!(
            Decision::RetryAfter(61).msg(),
            Some(Msg::new("login-throttled-minutes").arg("minutes", 2))
        );
    }

    #[test]
    fn state_serialises() {
        let mut t = Throttle::default();
        t.record_failure(&P, Timestamp(1234));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"failures":1,"last_failure":1234}"#);
        assert_eq!(serde_json::from_str::<Throttle>(&json).unwrap(), t);
    }

    #[test]
    fn one_refusal_is_noted_per_wait() {
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.record_failure(&P, Timestamp(0));
        }
        assert!(matches!(
            t.check(&P, Timestamp(1000)),
            Decision::RetryAfter(_)
        ));
        assert!(t.note_refusal(), "the first refusal of the wait");
        for _ in 0..1000 {
            assert!(!t.note_refusal(), "not the others");
        }
        // The next failure (once the wait is over) starts a new wait with a new first refusal.
        t.record_failure(&P, Timestamp(31_000));
        assert!(t.note_refusal());
        assert_eq!(
            serde_json::to_string(&Throttle::default()).unwrap(),
            r#"{"failures":0,"last_failure":null}"#
        );
    }

    #[test]
    fn huge_counts_saturate() {
        let t = Throttle {
            failures: u32::MAX,
            last_failure: Some(Timestamp(0)),
            refusal_noted: false,
        };
        assert_eq!(t.check(&P, Timestamp(0)), Decision::RetryAfter(900));
        let mut t = t;
        t.record_failure(&P, Timestamp(1));
        assert_eq!(t.failures, u32::MAX);
    }
}
