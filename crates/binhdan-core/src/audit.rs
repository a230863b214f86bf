//! The audit log's hash chain: every record of who saw, exported or changed personal data
//! carries the SHA-256 of its own content and of the previous record's hash, so editing,
//! deleting or reordering a stored record breaks the chain from that record on.
//!
//! The hashed bytes are a fixed encoding: each field length-prefixed (so no choice of field
//! values can make two different records encode alike), numbers as decimal text.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// 1, 2, 3… without gaps.
    pub seq: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// Who: `staff:12`, `citizen:34`, `operator`, `cli`.
    pub actor: String,
    /// What: `person.view`, `person.import`, `staff.create`…
    pub action: String,
    /// Which person, when one.
    pub person_id: Option<i64>,
    /// What else it concerns: a unit, an organisation, a file name.
    pub subject: String,
    /// Details as JSON; never a CCCD, token or secret.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A record to append: the store gives it its `seq`, `prev_hash` and `hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub person_id: Option<i64>,
    pub subject: String,
    pub detail: String,
}

impl AuditEntry {
    #[must_use]
    pub fn new(actor: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            person_id: None,
            subject: String::new(),
            detail: "{}".to_owned(),
        }
    }

    #[must_use]
    pub fn person(mut self, id: i64) -> Self {
        self.person_id = Some(id);
        self
    }

    #[must_use]
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: &Detail) -> Self {
        self.detail = detail.to_json();
        self
    }

    /// The stored record that follows `prev_seq`/`prev_hash`.
    #[must_use]
    pub fn seal(&self, prev_seq: i64, prev_hash: &str, at: i64) -> AuditRecord {
        let mut record = AuditRecord {
            seq: prev_seq + 1,
            at,
            actor: self.actor.clone(),
            action: self.action.clone(),
            person_id: self.person_id,
            subject: self.subject.clone(),
            detail: self.detail.clone(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        record
    }
}

/// Details as a flat JSON object of strings and numbers, built without a JSON dependency.
pub use detail::Detail;

mod detail {
    use std::fmt::Write as _;

    /// A flat JSON object.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Detail(Vec<(String, Value)>);

    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Value {
        Text(String),
        Number(i64),
    }

    impl Detail {
        #[must_use]
        pub fn new() -> Self {
            Self::default()
        }

        #[must_use]
        pub fn str(mut self, key: &str, value: impl Into<String>) -> Self {
            self.0.push((key.to_owned(), Value::Text(value.into())));
            self
        }

        #[must_use]
        pub fn num(mut self, key: &str, value: i64) -> Self {
            self.0.push((key.to_owned(), Value::Number(value)));
            self
        }

        #[must_use]
        pub fn to_json(&self) -> String {
            let mut s = String::from("{");
            for (i, (k, v)) in self.0.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                quote(&mut s, k);
                s.push(':');
                match v {
                    Value::Text(t) => quote(&mut s, t),
                    Value::Number(n) => {
                        let _ = write!(s, "{n}");
                    }
                }
            }
            s.push('}');
            s
        }
    }

    fn quote(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

impl AuditRecord {
    /// The hash this record should carry.
    #[must_use]
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        field(b"binhdan/audit/v1");
        field(self.seq.to_string().as_bytes());
        field(self.at.to_string().as_bytes());
        field(self.actor.as_bytes());
        field(self.action.as_bytes());
        field(
            self.person_id
                .map(|p| p.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(self.subject.as_bytes());
        field(self.detail.as_bytes());
        field(self.prev_hash.as_bytes());
        hex::encode(h.finalize())
    }
}

/// Where a chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainBreak {
    /// A record's content does not match its hash (edited).
    Altered { seq: i64 },
    /// A record does not follow the one before it (deleted, inserted or reordered).
    Broken { seq: i64, expected_seq: i64 },
    /// The chain's last record is not the head the store recorded (records cut off the end).
    Truncated { head_seq: i64, last_seq: i64 },
}

/// Checks records in order, continuing from `prev` (`(0, GENESIS)` for the start). Returns the
/// last `(seq, hash)` so a long log can be checked in pages.
pub fn verify_chain<'a>(
    prev: (i64, String),
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<(i64, String), ChainBreak> {
    let (mut seq, mut hash) = prev;
    for r in records {
        if r.seq != seq + 1 || r.prev_hash != hash {
            return Err(ChainBreak::Broken {
                seq: r.seq,
                expected_seq: seq + 1,
            });
        }
        if r.compute_hash() != r.hash {
            return Err(ChainBreak::Altered { seq: r.seq });
        }
        seq = r.seq;
        hash.clone_from(&r.hash);
    }
    Ok((seq, hash))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::new();
        let mut prev = (0, GENESIS.to_owned());
        for i in 0..n {
            let r = AuditEntry::new("staff:1", "person.view")
                .person(i)
                .subject("38")
                .detail(&Detail::new().str("why", "kiểm tra \"x\""))
                .seal(prev.0, &prev.1, 1_000 + i);
            prev = (r.seq, r.hash.clone());
            out.push(r);
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies_and_pages_continue() {
        let c = chain(10);
        let (seq, hash) = verify_chain((0, GENESIS.to_owned()), &c[..4]).unwrap();
        assert_eq!(verify_chain((seq, hash), &c[4..]).unwrap().0, 10);
    }

    #[test]
    fn an_edit_a_deletion_and_a_swap_are_found() {
        let mut edited = chain(5);
        edited[2].subject = "39".to_owned();
        assert_eq!(
            verify_chain((0, GENESIS.to_owned()), &edited),
            Err(ChainBreak::Altered { seq: 3 })
        );
        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(
            verify_chain((0, GENESIS.to_owned()), &deleted),
            Err(ChainBreak::Broken {
                seq: 3,
                expected_seq: 2
            })
        );
        // Rewriting a record *and* its hash still breaks the next link.
        let mut rehashed = chain(5);
        rehashed[1].actor = "staff:2".to_owned();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(
            verify_chain((0, GENESIS.to_owned()), &rehashed),
            Err(ChainBreak::Broken {
                seq: 3,
                expected_seq: 3
            })
        );
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let a = AuditEntry::new("ab", "c").seal(0, GENESIS, 1);
        let b = AuditEntry::new("a", "bc").seal(0, GENESIS, 1);
        assert_ne!(a.hash, b.hash);
        assert_eq!(
            Detail::new().str("a", "x\"\n").num("n", 3).to_json(),
            "{\"a\":\"x\\\"\\u000a\",\"n\":3}"
        );
    }
}
