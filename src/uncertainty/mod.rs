//! Comparing strategies under parameter uncertainty (MODEL.md section 10):
//! priors declared in a scenario's `[uncertain]` table (`prior.rs`), the
//! draws over them (`prior::unit_draws`), and the analysis of a comparison
//! repeated over those draws: the chance each strategy is best, regret,
//! harm, the acceptability curve (`analysis.rs`), and which assumptions
//! change the answer (`prim.rs`, `analysis::first_order`).
//!
//! Pure functions: never reads files, prints or picks paths; the CLI runs
//! the draws and writes the tables.

pub mod analysis;
pub mod prim;
pub mod prior;
