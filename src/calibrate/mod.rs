//! Calibration to evidence (MODEL.md section 11): the targets file
//! (`targets`), the statistics it asks of run results, and approximate
//! Bayesian computation by sequential Monte Carlo (`abc`) that turns a prior
//! over uncertain parameters into a posterior. Pure functions of their
//! inputs: never reads files, prints or exits.

pub mod abc;
pub mod targets;
