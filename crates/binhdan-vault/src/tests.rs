#![allow(
    clippy::disallowed_methods,
    reason = "size tests print how long they took"
)]

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

const TH: &str = "038123456789";
const HN: &str = "001090123456";

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

fn cccd(s: &str) -> Cccd {
    Cccd::parse(s).unwrap()
}

fn config() -> VaultConfig {
    VaultConfig::generate(&mut rng())
}

fn vault() -> Vault {
    Vault::new(&config()).unwrap()
}

#[test]
fn round_trip() {
    let v = vault();
    let mut r = rng();
    let sealed = v.encrypt(&cccd(TH), &mut r).unwrap();
    assert_eq!(sealed.as_bytes().len(), 2 + 2 + 24 + 12 + 16);
    assert_eq!(sealed.as_bytes()[0], SEALED_VERSION);
    assert_eq!(sealed.key_id(), "k1");
    assert_eq!(v.decrypt(sealed.as_bytes()).unwrap(), cccd(TH));
    // Fresh nonces: sealing twice gives two values that open to the same number.
    let again = v.encrypt(&cccd(TH), &mut r).unwrap();
    assert_ne!(sealed, again);
    assert_eq!(v.decrypt(again.as_bytes()).unwrap(), cccd(TH));
    // The digits do not appear in the sealed bytes.
    assert!(!sealed.as_bytes().windows(12).any(|w| w == TH.as_bytes()));
}

#[test]
fn rotation_keeps_old_values_readable_and_reseal_moves_them() {
    let mut r = rng();
    let mut cfg = VaultConfig::generate(&mut r);
    let old_vault = Vault::new(&cfg).unwrap();
    let old = old_vault.encrypt(&cccd(HN), &mut r).unwrap();
    assert_eq!(cfg.rotate(&mut r), "k2");
    let v = Vault::new(&cfg).unwrap();
    assert_eq!(v.current_key_id(), "k2");
    assert_eq!(v.decrypt(old.as_bytes()).unwrap(), cccd(HN));
    assert!(v.needs_reseal(old.as_bytes()).unwrap());
    let new = v.reseal(old.as_bytes(), &mut r).unwrap();
    assert_eq!(new.key_id(), "k2");
    assert!(!v.needs_reseal(new.as_bytes()).unwrap());
    assert_eq!(v.decrypt(new.as_bytes()).unwrap(), cccd(HN));
    // The old vault does not know k2.
    assert_eq!(
        old_vault.decrypt(new.as_bytes()),
        Err(VaultError::UnknownKeyId { id: "k2".into() })
    );
    // Dropping k1 makes values sealed with it unreadable, with a clear error.
    cfg.keys.retain(|k| k.id != "k1");
    let without_k1 = Vault::new(&cfg).unwrap();
    assert_eq!(
        without_k1.decrypt(old.as_bytes()),
        Err(VaultError::UnknownKeyId { id: "k1".into() })
    );
    // Rotation does not change look-up hashes.
    assert_eq!(old_vault.lookup_hash(&cccd(HN)), v.lookup_hash(&cccd(HN)));
}

#[test]
fn tampering_is_detected() {
    let v = vault();
    let sealed = v.encrypt(&cccd(TH), &mut rng()).unwrap().into_bytes();
    for i in 0..sealed.len() {
        for bit in [0x01u8, 0x80] {
            let mut t = sealed.clone();
            t[i] ^= bit;
            assert!(v.decrypt(&t).is_err(), "byte {i} bit {bit:#x}");
        }
    }
    let body = 4;
    let mut t = sealed.clone();
    t[body + 24] ^= 1;
    assert_eq!(v.decrypt(&t), Err(VaultError::Tampered));
    let mut t = sealed.clone();
    *t.last_mut().unwrap() ^= 1;
    assert_eq!(v.decrypt(&t), Err(VaultError::Tampered));
    // Truncated or extended.
    assert_eq!(
        v.decrypt(&sealed[..sealed.len() - 1]),
        Err(VaultError::Malformed)
    );
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(v.decrypt(&longer), Err(VaultError::Malformed));
}

#[test]
fn the_key_id_is_bound_to_the_ciphertext() {
    // Two keys whose ids have the same length: relabelling a value fails authentication.
    let mut r = rng();
    let mut cfg = VaultConfig::generate(&mut r);
    cfg.rotate(&mut r);
    let v = Vault::new(&cfg).unwrap();
    let mut sealed = v.encrypt(&cccd(TH), &mut r).unwrap().into_bytes();
    assert_eq!(&sealed[2..4], b"k2");
    sealed[3] = b'1';
    assert_eq!(v.decrypt(&sealed), Err(VaultError::Tampered));
}

#[test]
fn a_different_key_under_the_same_id_fails() {
    let mut r = rng();
    let a = Vault::new(&VaultConfig::generate(&mut r)).unwrap();
    let b = Vault::new(&VaultConfig::generate(&mut r)).unwrap();
    let sealed = a.encrypt(&cccd(TH), &mut r).unwrap();
    assert_eq!(b.decrypt(sealed.as_bytes()), Err(VaultError::Tampered));
}

#[test]
fn garbage_is_refused() {
    let v = vault();
    assert_eq!(v.decrypt(&[]), Err(VaultError::Malformed));
    assert_eq!(v.decrypt(&[1]), Err(VaultError::Malformed));
    assert_eq!(
        v.decrypt(&[2, 2, b'k', b'1']),
        Err(VaultError::UnsupportedVersion { version: 2 })
    );
    assert_eq!(
        v.decrypt(b"038123456789"),
        Err(VaultError::UnsupportedVersion { version: b'0' })
    );
    let mut zero_id = vec![1, 0];
    zero_id.extend([0; 52]);
    assert_eq!(v.decrypt(&zero_id), Err(VaultError::Malformed));
    let mut bad_id = vec![1, 2, b'k', b'"'];
    bad_id.extend([0; 52]);
    assert_eq!(v.decrypt(&bad_id), Err(VaultError::Malformed));
    let mut unknown = vec![1, 2, b'k', b'9'];
    unknown.extend([0; 52]);
    assert_eq!(
        v.decrypt(&unknown),
        Err(VaultError::UnknownKeyId { id: "k9".into() })
    );
}

#[test]
fn lookup_hashes_are_stable_and_keyed() {
    let v = vault();
    let h = v.lookup_hash(&cccd(TH));
    assert_eq!(h, v.lookup_hash(&cccd(TH)));
    assert_eq!(
        h,
        Vault::new(&config())
            .unwrap()
            .lookup_hash(&Cccd::parse("38123456789").unwrap())
    );
    assert_ne!(h, v.lookup_hash(&cccd(HN)));
    let other = Vault::new(&VaultConfig::generate(&mut StdRng::seed_from_u64(8))).unwrap();
    assert_ne!(h, other.lookup_hash(&cccd(TH)));
    assert_ne!(v.lookup_key_check(), other.lookup_key_check());
    assert_eq!(v.lookup_key_check().len(), 16);
    // A known answer, so a change of construction is noticed (it would orphan stored hashes).
    let fixed = VaultConfig {
        keys: vec![KeyConfig {
            id: "k1".into(),
            key: Secret::new(format!("hex:{}", "11".repeat(32))),
        }],
        current: "k1".into(),
        hmac_key: Secret::new("22".repeat(32)),
    };
    let mut mac = HmacSha256::new_from_slice(&[0x22; 32]).unwrap();
    mac.update(b"binhdan/cccd/lookup/v1\x00");
    mac.update(b"038123456789");
    let expected: [u8; 32] = mac.finalize().into_bytes().into();
    assert_eq!(Vault::new(&fixed).unwrap().lookup_hash(&cccd(TH)), expected);
    assert_eq!(
        hex::encode(expected),
        hex::encode(Vault::new(&fixed).unwrap().lookup_hash(&cccd(TH))),
    );
}

#[test]
fn salted_hashes_follow_open_badges() {
    let c = cccd(TH);
    // sha256("038123456789" ‖ "abc")
    let expected = hex::encode(Sha256::digest(b"038123456789abc"));
    assert_eq!(identity_hash(&c, "abc"), format!("sha256${expected}"));
    assert_eq!(salted_hash(&c, b"abc"), salted_hash(&c, b"abc"));
    assert_ne!(salted_hash(&c, b"abc"), salted_hash(&c, b"abd"));
    let salt = generate_salt(&mut rng());
    assert_eq!(salt.len(), 32);
    assert!(!identity_hash(&c, &salt).contains(TH));
}

#[test]
fn configuration_is_checked() {
    let good = config();
    let with = |f: &dyn Fn(&mut VaultConfig)| {
        let mut c = good.clone();
        f(&mut c);
        Vault::new(&c).map(|_| ())
    };
    assert_eq!(with(&|c| c.keys.clear()), Err(VaultError::NoKeys));
    assert_eq!(
        with(&|c| c.current = "k7".into()),
        Err(VaultError::UnknownCurrentKey { id: "k7".into() })
    );
    assert_eq!(
        with(&|c| c.keys[0].id = "k 1".into()),
        Err(VaultError::InvalidKeyId { id: "k 1".into() })
    );
    assert_eq!(
        with(&|c| c.keys[0].id = String::new()),
        Err(VaultError::InvalidKeyId { id: String::new() })
    );
    assert_eq!(
        with(&|c| c.keys.push(c.keys[0].clone())),
        Err(VaultError::DuplicateKeyId { id: "k1".into() })
    );
    assert_eq!(
        with(&|c| c.keys.push(KeyConfig {
            id: "k2".into(),
            key: c.keys[0].key.clone()
        })),
        Err(VaultError::KeyReused { id: "k2".into() })
    );
    assert_eq!(
        with(&|c| c.keys[0].key = Secret::new("not a key!".into())),
        Err(VaultError::KeyEncoding { id: "k1".into() })
    );
    assert_eq!(
        with(&|c| c.keys[0].key = Secret::new("ab".repeat(16))),
        Err(VaultError::KeyLength {
            id: "k1".into(),
            bytes: 16
        })
    );
    assert_eq!(
        with(&|c| c.hmac_key = Secret::new("%%%".into())),
        Err(VaultError::HmacKeyEncoding)
    );
    assert_eq!(
        with(&|c| c.hmac_key = Secret::new("ab".repeat(31))),
        Err(VaultError::HmacKeyTooShort { bytes: 31 })
    );
    assert_eq!(
        with(&|c| c.hmac_key = c.keys[0].key.clone()),
        Err(VaultError::HmacKeyReused)
    );
    // Every accepted spelling of the same 32 bytes.
    let bytes = [0xfbu8; 32];
    for spelling in [
        hex::encode(bytes),
        hex::encode_upper(bytes),
        format!("hex:{}", hex::encode(bytes)),
        base64::engine::general_purpose::STANDARD.encode(bytes),
        format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
    ] {
        assert_eq!(
            decode_key(&spelling).as_deref().map(Vec::as_slice),
            Some(&bytes[..]),
            "{spelling}"
        );
        assert_eq!(
            with(&|c| c.keys[0].key = Secret::new(spelling.clone())),
            Ok(())
        );
    }
    // Longer look-up keys are fine.
    assert_eq!(with(&|c| c.hmac_key = Secret::new("cd".repeat(64))), Ok(()));
}

#[test]
fn errors_and_debug_never_show_keys() {
    let cfg = config();
    let key = cfg.keys[0].key.expose().clone();
    let hmac = cfg.hmac_key.expose().clone();
    let v = Vault::new(&cfg).unwrap();
    let shown = format!("{cfg:?} {v:?}");
    assert!(!shown.contains(&key) && !shown.contains(&hmac), "{shown}");
    assert!(shown.contains("k1"));
    let sealed = v.encrypt(&cccd(TH), &mut rng()).unwrap();
    assert!(!format!("{sealed:?}").contains(TH));
    let mut bad = cfg.clone();
    bad.keys[0].key = Secret::new(format!("{key}x"));
    let e = Vault::new(&bad).unwrap_err();
    assert!(!format!("{e} {e:?} {:?}", e.msg()).contains(&key));
}

#[test]
fn configuration_deserialises_and_generates() {
    let json = r#"{"keys":[{"id":"2026-01","key":"hex:0000000000000000000000000000000000000000000000000000000000000001"}],
        "current":"2026-01","hmac_key":"base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAI="}"#;
    let cfg: VaultConfig = serde_json::from_str(json).unwrap();
    let v = Vault::new(&cfg).unwrap();
    assert_eq!(v.current_key_id(), "2026-01");
    assert!(
        serde_json::from_str::<VaultConfig>(&json.replace("\"current\"", "\"curent\"")).is_err()
    );

    let mut r = rng();
    let g = VaultConfig::generate(&mut r);
    assert_eq!(g.keys.len(), 1);
    assert_eq!(g.keys[0].key.expose().len(), 44);
    assert_ne!(g.keys[0].key.expose(), g.hmac_key.expose());
    let toml = g.to_toml("vault");
    assert!(toml.expose().starts_with("[vault]\ncurrent = \"k1\"\n"));
    assert!(toml.expose().contains("[[vault.keys]]\nid = \"k1\"\n"));
    assert!(!format!("{toml:?}").contains(g.hmac_key.expose()));
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let v = vault();
        prop_assert!(v.decrypt(&bytes).is_err());
        let _ = sealed_key_id(&bytes);
        let _ = v.needs_reseal(&bytes);
    }

    #[test]
    fn well_shaped_forgeries_never_open(id in "k[12]", nonce in prop::array::uniform24(any::<u8>()), body in prop::collection::vec(any::<u8>(), 28)) {
        let v = vault();
        let mut bytes = vec![SEALED_VERSION, 2];
        bytes.extend(id.as_bytes());
        bytes.extend(nonce);
        bytes.extend(body);
        prop_assert!(v.decrypt(&bytes).is_err());
    }

    #[test]
    fn every_number_round_trips(province in 0..63usize, century in 0..4u8, year in 0..100u32, random in 0..1_000_000u32, seed in any::<u64>()) {
        let s = format!("{}{century}{year:02}{random:06}", binhdan_core::cccd::BirthProvince::all()[province].code);
        let n = cccd(&s);
        let v = vault();
        let sealed = v.encrypt(&n, &mut StdRng::seed_from_u64(seed)).unwrap();
        prop_assert_eq!(v.decrypt(sealed.as_bytes()).unwrap(), n.clone());
        prop_assert_eq!(v.lookup_hash(&n), v.lookup_hash(&cccd(&s)));
    }
}

/// The cost of what an import does per row: seal and hash. Run with
/// `cargo test --release -p binhdan-vault -- --ignored --nocapture cost`.
#[test]
#[ignore = "timing; run in release"]
fn cost_of_encrypt_and_hash() {
    let vault = vault();
    let mut rng = rng();
    let numbers: Vec<Cccd> = (0..1000u32)
        .map(|i| cccd(&format!("0380{:02}{:06}", i % 100, i * 997 % 1_000_000)))
        .collect();
    let rounds = 200_000;
    let start = std::time::Instant::now();
    let mut sink = 0u8;
    for i in 0..rounds {
        let number = &numbers[i % numbers.len()];
        let sealed = vault.encrypt(number, &mut rng).unwrap();
        let hash = vault.lookup_hash(number);
        sink ^= sealed.as_bytes()[30] ^ hash[0];
    }
    let per = start.elapsed() / u32::try_from(rounds).unwrap();
    let start = std::time::Instant::now();
    for i in 0..rounds {
        let parsed = Cccd::parse(&format!("38{:09}", 12_345_678 + i)).ok();
        sink ^= u8::from(parsed.is_some());
    }
    let parse = start.elapsed() / u32::try_from(rounds).unwrap();
    println!("encrypt + lookup_hash: {per:?} per CCCD; parse: {parse:?} per CCCD ({sink})");
}

#[test]
fn secrets_open_only_in_their_context_and_never_as_a_cccd() {
    let v = vault();
    let mut r = rng();
    let seed = [7u8; 32];
    let sealed = v.seal_secret(&seed, "issuer-key", &mut r).unwrap();
    assert_eq!(
        v.open_secret(sealed.as_bytes(), "issuer-key")
            .unwrap()
            .expose()
            .as_slice(),
        &seed
    );
    assert!(matches!(
        v.open_secret(sealed.as_bytes(), "totp"),
        Err(VaultError::Tampered)
    ));
    assert!(
        v.decrypt(sealed.as_bytes()).is_err(),
        "a secret is not a CCCD"
    );
    let cccd_sealed = v.encrypt(&cccd("038090012345"), &mut r).unwrap();
    assert!(
        v.open_secret(cccd_sealed.as_bytes(), "").is_err(),
        "a CCCD is not a secret"
    );
    let mut tampered = sealed.as_bytes().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(v.open_secret(&tampered, "issuer-key").is_err());
    assert!(matches!(
        v.open_secret(&[1, 2], "issuer-key"),
        Err(VaultError::Malformed)
    ));
}
