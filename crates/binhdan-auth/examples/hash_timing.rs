//! Measures the Argon2id hash and verify times with the production parameters:
//! `cargo run --release -p binhdan-auth --example hash_timing`.
#![allow(clippy::print_stdout)]
#![allow(
    clippy::disallowed_methods,
    reason = "times the hash with the monotonic clock"
)]

use std::time::Instant;

use binhdan_auth::password::{M_COST_KIB, P_COST, T_COST, hash_password, verify_password};
use binhdan_core::Secret;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn main() {
    let mut rng = StdRng::from_os_rng();
    let password = Secret::new("Lúa vàng trĩu bông 2025".to_owned());
    let runs = 20u32;
    let start = Instant::now();
    let mut phc = String::new();
    for _ in 0..runs {
        phc = hash_password(&password, &mut rng).unwrap_or_default();
    }
    let hash = start.elapsed() / runs;
    let start = Instant::now();
    for _ in 0..runs {
        assert!(verify_password(&password, &phc));
    }
    let verify = start.elapsed() / runs;
    println!(
        "argon2id m={M_COST_KIB} KiB t={T_COST} p={P_COST}: hash {hash:?}, verify {verify:?} (mean of {runs})"
    );
}
