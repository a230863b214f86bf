//! Time as the domain sees it: an instant in milliseconds since the Unix epoch, always passed
//! in by the caller (see the `Clock` of the web crate), never read from a hidden clock.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    #[must_use]
    pub const fn millis(self) -> i64 {
        self.0
    }
}
