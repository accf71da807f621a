//! Calibration to evidence (MODEL.md section 11): the targets file
//! (`targets`), the statistics it asks of run results, and approximate
//! Bayesian computation by sequential Monte Carlo (`abc`) that turns a prior
//! over uncertain parameters into a posterior; around it (`fit`) the
//! scenario's priors as the fit's prior, the journal of attempts and its
//! replay, the posterior's summary and predictive check, and the figures
//! (`plot`). Pure functions of their inputs: never reads files, prints or
//! exits.

pub mod abc;
pub mod fit;
pub mod plot;
pub mod targets;
