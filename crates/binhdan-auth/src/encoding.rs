//! Small encodings the crate needs and that are not worth a dependency: RFC 4648 base32 (TOTP
//! secrets), percent-encoding (the `otpauth://` URI). Hex is the `hex` crate's.

use std::fmt::Write as _;

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without `=` padding (what authenticator apps expect).
pub(crate) fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32_ALPHABET[((buffer >> bits) & 31) as usize],
            ));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

/// Decodes base32, case-insensitively, ignoring spaces, dashes and trailing `=` (people copy
/// secrets by hand in groups). `None` on any other character or on an impossible length.
pub(crate) fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    let mut symbols = 0usize;
    for c in s.trim_end_matches('=').chars() {
        if c == ' ' || c == '-' {
            continue;
        }
        let v = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u32::from(u) - u32::from('A'),
            d @ '2'..='7' => u32::from(d) - u32::from('2') + 26,
            _ => return None,
        };
        symbols += 1;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
        buffer &= (1 << bits) - 1;
    }
    // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
    if matches!(symbols % 8, 1 | 3 | 6) {
        return None;
    }
    Some(out)
}

/// Percent-encodes everything but the RFC 3986 unreserved characters (UTF-8 bytes, so `Bình Dân`
/// becomes `B%C3%ACnh%20D%C3%A2n`).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(
            base32_decode("mzxw 6ytb-oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZXW1"), None);
        assert_eq!(base32_decode("M"), None);
    }

    #[test]
    fn percent_encoding_of_vietnamese() {
        assert_eq!(percent_encode("Bình Dân"), "B%C3%ACnh%20D%C3%A2n");
        assert_eq!(percent_encode("a-b_c.d~e:f@g"), "a-b_c.d~e%3Af%40g");
    }

    proptest::proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            proptest::prop_assert_eq!(base32_decode(&base32_encode(&bytes)), Some(bytes));
        }
    }
}
