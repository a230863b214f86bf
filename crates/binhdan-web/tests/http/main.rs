//! The web crate's one integration-test binary: the router called in-process on a fresh
//! database per test (see `TestApp`).

mod helpers;
mod ops;
mod pages;
mod units;
