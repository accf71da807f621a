//! normshift's integration tests, in one test binary (the ripgrep habit):
//! one module per area, sharing `common`. One binary links the crate once,
//! where eleven binaries each linked it again.
//!
//! Run them all with `cargo test --release`; one area with
//! `cargo test --release --test it cli::`.
mod behaviour;
mod browser;
mod calibrate;
mod cli;
mod common;
mod compare;
mod explain;
mod fuzz;
mod harm;
mod inputs;
mod money;
mod network_file;
mod plots;
mod reference;
mod robustness;
mod safety;
mod sensitivity;
mod serve;
mod streams;
mod sweep;
mod uncertainty;
mod v2;
