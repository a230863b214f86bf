//! The web crate's one integration-test binary: the router called in-process on a fresh
//! database per test (see `TestApp`).

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod assisted;
mod audit_log;
mod can_do;
mod certificates;
mod dashboard;
mod events;
mod exam;
mod exam_tasks;
mod front;
mod fuzz;
mod helpers;
mod learn;
mod learning_status;
mod offline;
mod ops;
mod pages;
mod people;
mod presentations;
mod refusals;
mod report_teams;
mod rosters;
mod staff_admin;
mod targets;
mod tasks;
mod team_offline;
mod teams;
mod teams_photo;
mod throttle;
mod units;
mod vneid;
