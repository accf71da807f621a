//! normshift: an agent-based simulator of social-norm change in community
//! networks, for comparing strategies that raise women's participation in
//! public decision-making without harm.
//!
//! The library takes a validated [`scenario::Scenario`] and returns results;
//! it never parses arguments, prints, exits or picks file paths (that is
//! `src/main.rs` and `src/cli/`). See ARCHITECTURE.md for the code map.

pub mod budget;
pub mod calibrate;
pub mod compare;
pub mod interventions;
pub mod keys;
pub mod model;
pub mod names;
pub mod network;
pub mod outcomes;
pub mod output;
pub mod plot;
pub mod population;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod sweep;
pub mod uncertainty;
