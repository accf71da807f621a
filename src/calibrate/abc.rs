//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC,
//! the population Monte Carlo of Beaumont et al. 2009 and Toni et al.
//! 2009), generic over a [`Prior`] and a simulator closure that maps
//! parameter values and a seed to summary statistics.
//!
//! One generation, given the previous population (or the prior, for
//! generation 0):
//!
//! 1. The tolerance is the weighted `quantile` of the previous population's
//!    distances (never below the target tolerance `min_epsilon`).
//! 2. Attempt `i` draws from its own stream, keyed by (seed, generation,
//!    `i`): an ancestor chosen by weight, moved by a multivariate normal
//!    kernel whose covariance is twice the previous population's weighted
//!    covariance (Beaumont et al. 2009), or that covariance times
//!    Silverman's factor squared (pyABC's default), or a covariance of its
//!    own for each ancestor, the optimal local covariance of Filippi et
//!    al. 2013 ([`Bandwidth`]). A
//!    proposal outside the prior's support is dropped without a simulation.
//! 3. The simulator runs with a seed from the same stream; the distance is
//!    the Euclidean norm of the differences from the observed statistics,
//!    each divided by its uncertainty. With `observation_noise`, each
//!    simulated statistic first gets a normal error of that uncertainty
//!    (Wilkinson 2013), so as the tolerance shrinks the population tends
//!    to the posterior under that measurement error.
//! 4. Attempts are accepted in index order until `particles` are accepted:
//!    a generation is the first `particles` accepted attempts, a pure
//!    function of the previous population and the seed. Attempts are
//!    evaluated in parallel in batches, but neither the thread count nor
//!    the batch size changes the result, and a range of attempt indices
//!    can be evaluated anywhere (a shard) and merged in index order.
//! 5. Importance weights: prior density over the kernel mixture density
//!    of the previous population; the effective sample size is
//!    1 / sum(w²).
//!
//! The run stops at the target tolerance, at `max_generations`, when a
//! generation cannot reach `particles` acceptances within
//! `particles / min_acceptance` simulations (its population is then
//! dropped), when the budget of simulations is spent or what is left of
//! it is less than the next generation is expected to need (so that a
//! generation the budget would most likely cut short is not started), or
//! when the tolerance no longer falls.
//!
//! Never does I/O, prints, or draws randomness other than through
//! `crate::rng`.

use crate::rng::{StepKey, Stream, purpose_of};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use std::ops::Range;

/// A prior over the parameters being fitted.
pub trait Prior: Sync {
    /// Number of parameters.
    fn dim(&self) -> usize;
    /// A draw from the prior made from `dim()` independent uniforms in
    /// [0, 1) (for example each marginal's quantile function).
    fn sample(&self, u: &[f64]) -> Vec<f64>;
    /// The prior density at `x`, up to a constant factor; 0 outside the
    /// support.
    fn density(&self, x: &[f64]) -> f64;
    /// Whether `x` lies in the support (each parameter within its range).
    fn contains(&self, x: &[f64]) -> bool;
}

/// Settings of an ABC-SMC run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Particles per generation (accepted attempts).
    pub particles: usize,
    /// The next tolerance is this weighted quantile of the last
    /// population's distances (0.5: the weighted median).
    pub quantile: f64,
    /// Target tolerance: stop after the generation that reaches it.
    pub min_epsilon: f64,
    /// Minimum acceptance rate: a generation that needs more than
    /// `particles / min_acceptance` simulations is abandoned and the run
    /// stops. 0: no limit.
    pub min_acceptance: f64,
    /// Most generations, generation 0 (the prior) included.
    pub max_generations: u32,
    /// Most simulations in all.
    pub budget: u64,
    /// Attempts evaluated at once. Changes speed only, never results.
    pub batch: usize,
    /// Seed of every stream of the run.
    pub seed: u64,
    /// Add a normal error with each target's uncertainty to its simulated
    /// statistic before the distance is taken.
    pub observation_noise: bool,
    /// How wide the perturbation kernel is.
    pub bandwidth: Bandwidth,
}

/// The perturbation kernel's covariance as a multiple of the last
/// population's weighted covariance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Bandwidth {
    /// Twice the covariance (Beaumont et al. 2009). The default: in the
    /// tests with exact posteriors (tests/it/calibrate.rs) its posteriors
    /// have the exact spread within Monte Carlo error.
    #[default]
    Twice,
    /// Silverman's rule of thumb for a normal kernel density estimate,
    /// squared: `(4 / (n (d + 2)))^(2 / (d + 4))` for effective sample size
    /// `n` and `d` parameters (0.14 for 800 and 3), times the covariance
    /// with numpy's bias correction `n / (n - 1)`: the default of pyABC's
    /// `MultivariateNormalTransition`. Proposals stay nearer the particles,
    /// so fewer simulations reach a tolerance (11% fewer over three
    /// generations of the default, 18% fewer in the normal-mean test), but
    /// the effective sample size is lower and the posteriors of the tests
    /// with exact answers came out further from them (docs/calibration.md
    /// section 3).
    Silverman,
    /// A covariance for each particle, the optimal local covariance matrix
    /// (OLCM) of Filippi et al. 2013: the weighted mean of
    /// `(θ_k − θ_i)(θ_k − θ_i)ᵀ` over the previous particles `θ_k` within the
    /// new tolerance (weights renormalised among them), for the proposal
    /// moved from particle `θ_i`. Wide for particles far from where the
    /// next generation will be accepted, narrow near it, and shaped like
    /// the accepted region, so more proposals are accepted (docs/calibration.md
    /// section 3).
    Olcm,
}

impl Bandwidth {
    /// The factor on the weighted covariance (which divides by 1) for
    /// effective sample size `ess` and `dim` parameters; 1 for
    /// [`Bandwidth::Olcm`], which does not scale one covariance.
    pub fn factor(self, ess: f64, dim: usize) -> f64 {
        match self {
            Bandwidth::Twice => 2.0,
            // Not a multiple of one covariance (each particle has its own).
            Bandwidth::Olcm => 1.0,
            Bandwidth::Silverman => {
                let d = dim as f64;
                let silverman = (4.0 / (ess.max(1.0) * (d + 2.0))).powf(2.0 / (d + 4.0));
                // pyABC's covariance is numpy's weighted one with its bias
                // correction, 1 / (1 - sum w²) = ESS / (ESS - 1).
                if ess > 1.0 { silverman * ess / (ess - 1.0) } else { silverman }
            }
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            particles: 1000,
            quantile: 0.5,
            min_epsilon: 0.0,
            min_acceptance: 0.01,
            max_generations: 20,
            budget: u64::MAX,
            batch: 256,
            seed: 1,
            observation_noise: false,
            bandwidth: Bandwidth::default(),
        }
    }
}

/// Why settings, inputs or a simulation are unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AbcError {
    #[error("`particles` must be at least 2, got {0}")]
    Particles(usize),
    #[error("`quantile` must lie strictly between 0 and 1, got {0}")]
    Quantile(f64),
    #[error("`min_acceptance` must lie in [0, 1), got {0}")]
    MinAcceptance(f64),
    #[error("`min_epsilon` must be finite and at least 0, got {0}")]
    MinEpsilon(f64),
    #[error("`max_generations` must be at least 1")]
    MaxGenerations,
    #[error("`budget` ({budget}) must allow at least one simulation per particle ({particles})")]
    Budget { budget: u64, particles: usize },
    #[error("`batch` must be at least 1")]
    Batch,
    #[error("the prior has no parameters to fit")]
    NoParameters,
    #[error("{observed} observed statistics but {scale} uncertainties; give one uncertainty per statistic")]
    Lengths { observed: usize, scale: usize },
    #[error("no observed statistics to fit")]
    NoStatistics,
    #[error("statistic {index}: the observed value must be finite, got {value}")]
    Observed { index: usize, value: f64 },
    #[error("statistic {index}: the uncertainty must be positive and finite, got {value}")]
    Scale { index: usize, value: f64 },
    #[error("the prior's sample has {got} values, expected {expected}")]
    PriorSample { got: usize, expected: usize },
    #[error("the simulator returned {got} statistics (generation {generation}, attempt {attempt}), expected {expected}")]
    Statistics { generation: u32, attempt: u64, got: usize, expected: usize },
    #[error(
        "generation {generation}: no accepted particle has a positive, finite importance weight (is the prior density 0 inside its support?)"
    )]
    Weights { generation: u32 },
    #[error("attempt {got} given out of order: the next attempt is {expected}")]
    Order { got: u64, expected: u64 },
    #[error("a resumed generation {got} does not follow population {expected}")]
    Resume { got: u32, expected: u32 },
    #[error("stopped before the run finished")]
    Interrupted,
}

/// An accepted parameter vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    /// Index of the attempt within its generation.
    pub attempt: u64,
    /// Parameter values.
    pub theta: Vec<f64>,
    /// Simulated statistics (with observation noise, when added).
    pub stats: Vec<f64>,
    /// Scaled distance from the observed statistics (infinite where a
    /// statistic is not a number).
    pub distance: f64,
}

/// What one attempt gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The proposal fell outside the prior's support: no simulation.
    OutsidePrior,
    /// Simulated and farther than the tolerance.
    Rejected { distance: f64 },
    /// Simulated and within the tolerance.
    Accepted(Particle),
}

/// One attempt of a generation.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub index: u64,
    pub outcome: Outcome,
}

/// One generation's population: accepted particles in attempt order and
/// their normalised importance weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    pub generation: u32,
    /// Tolerance the particles were accepted at (infinite for generation 0).
    pub epsilon: f64,
    pub particles: Vec<Particle>,
    /// Normalised importance weights (sum 1), parallel to `particles`.
    pub weights: Vec<f64>,
    /// Simulations run up to the last accepted attempt.
    pub simulations: u64,
    /// Attempts up to the last accepted one (proposals outside the prior
    /// included).
    pub attempts: u64,
}

impl Population {
    /// Effective sample size, 1 / sum(w²).
    pub fn ess(&self) -> f64 {
        1.0 / self.weights.iter().map(|w| w * w).sum::<f64>()
    }

    /// Accepted particles per simulation.
    pub fn acceptance_rate(&self) -> f64 {
        self.particles.len() as f64 / self.simulations.max(1) as f64
    }

    /// Weighted mean of parameter `k`.
    pub fn mean(&self, k: usize) -> f64 {
        self.particles.iter().zip(&self.weights).map(|(p, w)| w * p.theta[k]).sum()
    }

    /// Weighted covariance of the parameters (row-major, dim × dim).
    pub fn covariance(&self) -> Vec<f64> {
        let d = self.particles.first().map_or(0, |p| p.theta.len());
        let m: Vec<f64> = (0..d).map(|k| self.mean(k)).collect();
        let mut c = vec![0.0; d * d];
        for (p, w) in self.particles.iter().zip(&self.weights) {
            for a in 0..d {
                for b in 0..d {
                    c[a * d + b] += w * (p.theta[a] - m[a]) * (p.theta[b] - m[b]);
                }
            }
        }
        c
    }

    /// Weighted quantile `q` of parameter `k`.
    pub fn quantile(&self, k: usize, q: f64) -> f64 {
        let v: Vec<f64> = self.particles.iter().map(|p| p.theta[k]).collect();
        weighted_quantile(&v, &self.weights, q)
    }

    /// A summary row for the diagnostics table.
    pub fn stats(&self) -> GenerationStats {
        GenerationStats {
            generation: self.generation,
            epsilon: self.epsilon,
            particles: self.particles.len(),
            simulations: self.simulations,
            attempts: self.attempts,
            acceptance_rate: self.acceptance_rate(),
            ess: self.ess(),
        }
    }
}

/// One generation's diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationStats {
    pub generation: u32,
    pub epsilon: f64,
    pub particles: usize,
    pub simulations: u64,
    pub attempts: u64,
    pub acceptance_rate: f64,
    pub ess: f64,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The last population was accepted at the target tolerance.
    TargetTolerance,
    /// `max_generations` populations were made.
    MaxGenerations,
    /// A generation needed more simulations than `particles / min_acceptance`.
    MinAcceptanceRate,
    /// The budget of simulations was spent.
    Budget,
    /// What was left of the budget was less than the next generation was
    /// expected to need ([`expected_simulations`]), so it would most
    /// likely have been cut short (and dropped): the run stopped before
    /// starting it.
    BudgetLeft,
    /// The tolerance did not fall from one generation to the next.
    Stalled,
    /// A generation ran out of attempt indices (2³² per generation).
    Attempts,
}

/// The result of a run: every generation's diagnostics, the last complete
/// population, and why the run stopped.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    pub history: Vec<GenerationStats>,
    pub population: Population,
    pub stop: Stop,
}

/// The sampling plan of one generation: its tolerance and the proposal
/// (the prior, or the kernel around the previous population).
#[derive(Clone, Debug)]
pub struct Plan {
    pub generation: u32,
    pub epsilon: f64,
    kernel: Option<Kernel>,
}

/// The perturbation kernel: a mixture of multivariate normals centred on
/// the previous particles, with their weights and covariances `L Lᵀ`: one
/// shared (the population's weighted covariance times
/// [`Bandwidth::factor`]), or one per centre ([`Bandwidth::Olcm`]).
#[derive(Clone, Debug)]
struct Kernel {
    dim: usize,
    centres: Vec<Vec<f64>>,
    /// Log of each centre's weight; for per-centre covariances, less the
    /// log of its factor's determinant (the normal density's own factor).
    log_weights: Vec<f64>,
    cumulative: Vec<f64>,
    /// Lower Cholesky factors, row-major, `dim × dim` each: one shared by
    /// every centre, or one per centre.
    chols: Vec<f64>,
}

impl Kernel {
    /// The kernel around `pop` for a generation at tolerance `epsilon`
    /// (which only [`Bandwidth::Olcm`] reads).
    fn new(pop: &Population, bandwidth: Bandwidth, epsilon: f64) -> Kernel {
        let dim = pop.particles.first().map_or(0, |p| p.theta.len());
        let mut cumulative = Vec::with_capacity(pop.weights.len());
        let mut total = 0.0;
        for w in &pop.weights {
            total += w;
            cumulative.push(total);
        }
        let mut log_weights: Vec<f64> = pop.weights.iter().map(|w| w.ln()).collect();
        let chols = if bandwidth == Bandwidth::Olcm {
            let (mean, cov) = olcm_moments(pop, epsilon);
            let floors = variance_floors(&pop.particles, dim);
            let mut chols = Vec::with_capacity(pop.particles.len() * dim * dim);
            for (p, lw) in pop.particles.iter().zip(&mut log_weights) {
                // Σ_i = Σ_k w̃_k (θ_k − θ_i)(θ_k − θ_i)ᵀ over the particles
                // within the tolerance = their covariance + (m − θ_i)(m − θ_i)ᵀ.
                let mut c = cov.clone();
                for a in 0..dim {
                    for b in 0..dim {
                        c[a * dim + b] += (mean[a] - p.theta[a]) * (mean[b] - p.theta[b]);
                    }
                }
                let l = cholesky_ridged(&c, dim, &floors);
                *lw -= (0..dim).map(|a| l[a * dim + a].ln()).sum::<f64>();
                chols.extend(l);
            }
            chols
        } else {
            let mut cov = pop.covariance();
            let factor = bandwidth.factor(pop.ess(), dim);
            for c in &mut cov {
                *c *= factor;
            }
            cholesky_ridged(&cov, dim, &variance_floors(&pop.particles, dim))
        };
        Kernel { dim, centres: pop.particles.iter().map(|p| p.theta.clone()).collect(), log_weights, cumulative, chols }
    }

    /// The Cholesky factor of centre `j`'s covariance.
    fn chol(&self, j: usize) -> &[f64] {
        let n = self.dim * self.dim;
        if self.chols.len() == n { &self.chols } else { &self.chols[j * n..(j + 1) * n] }
    }

    /// The ancestor picked by a uniform `u` in [0, 1).
    fn ancestor(&self, u: f64) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let i = self.cumulative.partition_point(|&c| c <= u * total);
        i.min(self.centres.len() - 1)
    }

    /// Centre `j` moved by `L z`.
    fn perturb(&self, j: usize, z: &[f64]) -> Vec<f64> {
        let d = self.dim;
        let l = self.chol(j);
        (0..d).map(|a| self.centres[j][a] + (0..=a).map(|b| l[a * d + b] * z[b]).sum::<f64>()).collect()
    }

    /// Log of the mixture density at `x`, up to the constant shared by
    /// every `x`.
    fn log_density(&self, x: &[f64]) -> f64 {
        let d = self.dim;
        let mut y = vec![0.0; d];
        let terms: Vec<f64> = self
            .centres
            .iter()
            .zip(&self.log_weights)
            .enumerate()
            .map(|(j, (c, lw))| {
                let l = self.chol(j);
                // Solve L y = x - c; the quadratic form is |y|².
                let mut q = 0.0;
                for a in 0..d {
                    let s: f64 = (0..a).map(|b| l[a * d + b] * y[b]).sum();
                    y[a] = (x[a] - c[a] - s) / l[a * d + a];
                    q += y[a] * y[a];
                }
                lw - 0.5 * q
            })
            .collect();
        log_sum_exp(&terms)
    }
}

/// The weighted mean and covariance (weights renormalised) of the
/// particles of `pop` within `epsilon`: those the next generation would
/// accept again (Filippi et al. 2013). All of them if fewer than one more
/// than the parameters are: the covariance of so few is singular, and
/// each centre's kernel would collapse onto a line through them.
fn olcm_moments(pop: &Population, epsilon: f64) -> (Vec<f64>, Vec<f64>) {
    let d = pop.particles.first().map_or(0, |p| p.theta.len());
    let within = |p: &Particle| p.distance <= epsilon;
    let any = pop.particles.iter().zip(&pop.weights).filter(|(p, w)| within(p) && **w > 0.0).count() > d;
    let chosen: Vec<(&Particle, f64)> =
        pop.particles.iter().zip(&pop.weights).filter(|(p, _)| !any || within(p)).map(|(p, w)| (p, *w)).collect();
    let total: f64 = chosen.iter().map(|(_, w)| w).sum();
    let mut mean = vec![0.0; d];
    for (p, w) in &chosen {
        for (m, t) in mean.iter_mut().zip(&p.theta) {
            *m += w / total * t;
        }
    }
    let mut cov = vec![0.0; d * d];
    for (p, w) in &chosen {
        for a in 0..d {
            for b in 0..d {
                cov[a * d + b] += w / total * (p.theta[a] - mean[a]) * (p.theta[b] - mean[b]);
            }
        }
    }
    (mean, cov)
}

/// The smallest variance of each parameter in a kernel: 1e-12 times the
/// square of its largest magnitude among `particles` (at least 1).
fn variance_floors(particles: &[Particle], d: usize) -> Vec<f64> {
    (0..d)
        .map(|a| {
            let scale = particles.iter().map(|p| p.theta[a].abs()).fold(0.0, f64::max).max(1.0);
            1e-12 * scale * scale
        })
        .collect()
}

/// Cholesky factor of `cov`; a parameter with no spread (every particle
/// equal) gets its floor of variance ([`variance_floors`]) so that the
/// factor exists.
fn cholesky_ridged(cov: &[f64], d: usize, floors: &[f64]) -> Vec<f64> {
    let mut c = cov.to_vec();
    for a in 0..d {
        if c[a * d + a] < floors[a] {
            c[a * d + a] = floors[a];
        }
    }
    let mut ridge = 0.0;
    loop {
        if let Some(l) = cholesky(&c, d, ridge) {
            return l;
        }
        // Not positive definite (rounding, or collinear particles): add a
        // ridge proportional to the diagonal until it is.
        ridge = if ridge == 0.0 { 1e-10 } else { ridge * 10.0 };
    }
}

fn cholesky(c: &[f64], d: usize, ridge: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for a in 0..d {
        for b in 0..=a {
            let mut s = c[a * d + b];
            if a == b {
                s += ridge * c[a * d + a];
            }
            for k in 0..b {
                s -= l[a * d + k] * l[b * d + k];
            }
            if a == b {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[a * d + a] = s.sqrt();
            } else {
                l[a * d + b] = s / l[b * d + b];
            }
        }
    }
    Some(l)
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// The `q` quantile of `values` weighted by `weights`: the smallest value
/// whose cumulative weight reaches `q` of the total (ties by position).
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = weights.iter().sum();
    let mut cum = 0.0;
    for &i in &idx {
        cum += weights[i];
        if cum >= q * total {
            return values[i];
        }
    }
    idx.last().map_or(f64::NAN, |&i| values[i])
}

/// Gathers one generation's attempts in index order until enough are
/// accepted or its simulations run out. Its state (`next`, `simulations`,
/// `accepted`) is all a journal needs to resume the generation.
#[derive(Clone, Debug, PartialEq)]
pub struct Collector {
    generation: u32,
    particles: usize,
    /// Simulations allowed in this generation, and what stops it there.
    cap: u64,
    cap_reason: Stop,
    next: u64,
    simulations: u64,
    accepted: Vec<Particle>,
}

/// Where a generation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More attempts are needed.
    Open,
    /// `particles` attempts were accepted.
    Full,
    /// The generation cannot be completed, for this reason.
    Exhausted(Stop),
}

/// Attempt indices per generation (a stream's counter is 32 bits).
const MAX_ATTEMPTS: u64 = 1 << 32;

impl Collector {
    /// The generation gathered.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Index of the next attempt to push.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// Simulations among the attempts pushed.
    pub fn simulations(&self) -> u64 {
        self.simulations
    }

    /// Accepted particles so far, in attempt order.
    pub fn accepted(&self) -> &[Particle] {
        &self.accepted
    }

    /// Where the generation stands.
    pub fn progress(&self) -> Progress {
        if self.accepted.len() >= self.particles {
            Progress::Full
        } else if self.simulations >= self.cap {
            Progress::Exhausted(self.cap_reason)
        } else if self.next >= MAX_ATTEMPTS {
            Progress::Exhausted(Stop::Attempts)
        } else {
            Progress::Open
        }
    }

    /// Continue a journaled generation: attempts before `next` gave
    /// `simulations` simulations and the `accepted` particles.
    pub fn restore(&mut self, next: u64, simulations: u64, accepted: Vec<Particle>) {
        self.next = next;
        self.simulations = simulations;
        self.accepted = accepted;
    }

    /// Take the next attempt (which must have index `next()`), unless the
    /// generation is already full or exhausted.
    pub fn push(&mut self, attempt: Attempt) -> Result<Progress, AbcError> {
        if self.progress() != Progress::Open {
            return Ok(self.progress());
        }
        if attempt.index != self.next {
            return Err(AbcError::Order { got: attempt.index, expected: self.next });
        }
        self.next += 1;
        match attempt.outcome {
            Outcome::OutsidePrior => {}
            Outcome::Rejected { .. } => self.simulations += 1,
            Outcome::Accepted(p) => {
                self.simulations += 1;
                self.accepted.push(p);
            }
        }
        Ok(self.progress())
    }
}

/// Something told of progress: each batch of attempts taken (for a
/// journal or a progress bar) and each finished population.
pub trait Observer {
    /// After a batch: the attempts taken (in index order) and the
    /// collector's state after them.
    fn batch(&mut self, _plan: &Plan, _collector: &Collector, _taken: &[Attempt]) {}
    /// After a generation's population is complete.
    fn generation(&mut self, _population: &Population) {}
    /// Checked before each batch: true stops the run with
    /// [`AbcError::Interrupted`] (every batch taken has been told).
    fn stopped(&self) -> bool {
        false
    }
}

impl Observer for () {}

/// Where to resume a run: the diagnostics of the generations done, the
/// last complete population, and optionally the next generation's
/// collector as journaled.
#[derive(Clone, Debug)]
pub struct Resume {
    pub history: Vec<GenerationStats>,
    pub population: Population,
    pub partial: Option<Collector>,
}

/// An ABC-SMC fit of `prior` to `observed` statistics through `simulate`.
pub struct Abc<'a, P: Prior + ?Sized, S> {
    prior: &'a P,
    simulate: S,
    observed: Vec<f64>,
    scale: Vec<f64>,
    settings: Settings,
    purpose: u64,
}

impl<'a, P, S> Abc<'a, P, S>
where
    P: Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    /// Check the settings and inputs. `scale[i]` is the uncertainty of
    /// `observed[i]` (a standard deviation).
    pub fn new(prior: &'a P, simulate: S, observed: Vec<f64>, scale: Vec<f64>, settings: Settings) -> Result<Self, AbcError> {
        let s = &settings;
        if s.particles < 2 {
            return Err(AbcError::Particles(s.particles));
        }
        if !(s.quantile > 0.0 && s.quantile < 1.0) {
            return Err(AbcError::Quantile(s.quantile));
        }
        if !(0.0..1.0).contains(&s.min_acceptance) {
            return Err(AbcError::MinAcceptance(s.min_acceptance));
        }
        if !(s.min_epsilon >= 0.0 && s.min_epsilon.is_finite()) {
            return Err(AbcError::MinEpsilon(s.min_epsilon));
        }
        if s.max_generations == 0 {
            return Err(AbcError::MaxGenerations);
        }
        if s.budget < s.particles as u64 {
            return Err(AbcError::Budget { budget: s.budget, particles: s.particles });
        }
        if s.batch == 0 {
            return Err(AbcError::Batch);
        }
        if prior.dim() == 0 {
            return Err(AbcError::NoParameters);
        }
        if observed.len() != scale.len() {
            return Err(AbcError::Lengths { observed: observed.len(), scale: scale.len() });
        }
        if observed.is_empty() {
            return Err(AbcError::NoStatistics);
        }
        if let Some((index, &value)) = observed.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(AbcError::Observed { index, value });
        }
        if let Some((index, &value)) = scale.iter().enumerate().find(|(_, v)| !(**v > 0.0 && v.is_finite())) {
            return Err(AbcError::Scale { index, value });
        }
        Ok(Abc { prior, simulate, observed, scale, settings, purpose: purpose_of("abc_smc") })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Scaled distance of simulated statistics from the observed ones;
    /// infinite if any is not a number.
    pub fn distance(&self, stats: &[f64]) -> f64 {
        let d2: f64 = stats.iter().zip(&self.observed).zip(&self.scale).map(|((s, o), u)| ((s - o) / u).powi(2)).sum();
        if d2.is_nan() { f64::INFINITY } else { d2.sqrt() }
    }

    /// The plan of the generation after `previous` (generation 0 from the
    /// prior when `None`).
    pub fn plan(&self, previous: Option<&Population>) -> Plan {
        match previous {
            None => Plan { generation: 0, epsilon: f64::INFINITY, kernel: None },
            Some(pop) => {
                let d: Vec<f64> = pop.particles.iter().map(|p| p.distance).collect();
                let mut eps = weighted_quantile(&d, &pop.weights, self.settings.quantile);
                if eps.is_infinite() {
                    // Most particles failed to give statistics: shrink to
                    // the farthest finite distance instead.
                    eps = d.iter().copied().filter(|x| x.is_finite()).fold(f64::NEG_INFINITY, f64::max);
                    if eps == f64::NEG_INFINITY {
                        eps = f64::INFINITY;
                    }
                }
                Plan {
                    generation: pop.generation + 1,
                    epsilon: eps.max(self.settings.min_epsilon),
                    kernel: Some(Kernel::new(pop, self.settings.bandwidth, eps.max(self.settings.min_epsilon))),
                }
            }
        }
    }

    /// A fresh collector for `plan`'s generation, after `used` simulations
    /// in earlier generations.
    pub fn collector(&self, plan: &Plan, used: u64) -> Collector {
        let left = self.settings.budget.saturating_sub(used);
        let by_rate = if self.settings.min_acceptance > 0.0 && plan.kernel.is_some() {
            (self.settings.particles as f64 / self.settings.min_acceptance).ceil() as u64
        } else {
            u64::MAX
        };
        let (cap, cap_reason) = if left <= by_rate { (left, Stop::Budget) } else { (by_rate, Stop::MinAcceptanceRate) };
        Collector {
            generation: plan.generation,
            particles: self.settings.particles,
            cap,
            cap_reason,
            next: 0,
            simulations: 0,
            accepted: Vec::new(),
        }
    }

    /// Attempt `index` of `plan`'s generation: a pure function of the
    /// plan, the seed and the index.
    pub fn attempt(&self, plan: &Plan, index: u64) -> Result<Attempt, AbcError> {
        let d = self.prior.dim();
        let key = StepKey::new(self.settings.seed, plan.generation, self.purpose);
        let mut rng = key.stream(index as u32);
        let theta = match &plan.kernel {
            None => {
                let u: Vec<f64> = (0..d).map(|_| unit(&mut rng)).collect();
                let theta = self.prior.sample(&u);
                if theta.len() != d {
                    return Err(AbcError::PriorSample { got: theta.len(), expected: d });
                }
                theta
            }
            Some(k) => {
                let j = k.ancestor(unit(&mut rng));
                let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(&mut rng)).collect();
                k.perturb(j, &z)
            }
        };
        if !self.prior.contains(&theta) {
            return Ok(Attempt { index, outcome: Outcome::OutsidePrior });
        }
        let noise: Vec<f64> =
            if self.settings.observation_noise { self.scale.iter().map(|_| StandardNormal.sample(&mut rng)).collect() } else { Vec::new() };
        let seed = rng.next_u64();
        let mut stats = (self.simulate)(&theta, seed);
        if stats.len() != self.observed.len() {
            return Err(AbcError::Statistics {
                generation: plan.generation,
                attempt: index,
                got: stats.len(),
                expected: self.observed.len(),
            });
        }
        for ((s, z), u) in stats.iter_mut().zip(&noise).zip(&self.scale) {
            *s += z * u;
        }
        let distance = self.distance(&stats);
        let outcome = if distance <= plan.epsilon {
            Outcome::Accepted(Particle { attempt: index, theta, stats, distance })
        } else {
            Outcome::Rejected { distance }
        };
        Ok(Attempt { index, outcome })
    }

    /// Attempts `range` of `plan`'s generation, evaluated in parallel and
    /// returned in index order (a shard is such a range). The first error
    /// in index order is returned.
    pub fn attempts(&self, plan: &Plan, range: Range<u64>) -> Result<Vec<Attempt>, AbcError> {
        let out: Vec<Result<Attempt, AbcError>> = range.into_par_iter().map(|i| self.attempt(plan, i)).collect();
        out.into_iter().collect()
    }

    /// Run `plan`'s generation from `collector` (fresh or restored) until
    /// it is full (its population is returned) or exhausted (the reason).
    pub fn generation(
        &self,
        plan: &Plan,
        mut collector: Collector,
        observer: &mut dyn Observer,
    ) -> Result<Result<Population, Stop>, AbcError> {
        if collector.generation != plan.generation {
            return Err(AbcError::Resume { got: collector.generation, expected: plan.generation });
        }
        let batch = self.settings.batch as u64;
        loop {
            match collector.progress() {
                Progress::Full => return self.population(plan, collector).map(Ok),
                Progress::Exhausted(stop) => return Ok(Err(stop)),
                Progress::Open => {}
            }
            if observer.stopped() {
                return Err(AbcError::Interrupted);
            }
            let start = collector.next;
            let attempts = self.attempts(plan, start..(start + batch).min(MAX_ATTEMPTS))?;
            let mut taken = 0;
            for a in &attempts {
                taken += 1;
                if collector.push(a.clone())? != Progress::Open {
                    break;
                }
            }
            observer.batch(plan, &collector, &attempts[..taken]);
        }
    }

    /// The population of a full collector: importance weights (Beaumont et
    /// al. 2009) normalised to sum 1.
    pub fn population(&self, plan: &Plan, collector: Collector) -> Result<Population, AbcError> {
        let particles = collector.accepted;
        let attempts = collector.next;
        let simulations = collector.simulations;
        let weights = match &plan.kernel {
            None => vec![1.0 / particles.len() as f64; particles.len()],
            Some(k) => {
                let log_w: Vec<f64> = particles.par_iter().map(|p| self.prior.density(&p.theta).ln() - k.log_density(&p.theta)).collect();
                let m = log_w.iter().copied().filter(|x| !x.is_nan()).fold(f64::NEG_INFINITY, f64::max);
                if !m.is_finite() {
                    return Err(AbcError::Weights { generation: plan.generation });
                }
                let w: Vec<f64> = log_w.iter().map(|x| if x.is_nan() { 0.0 } else { (x - m).exp() }).collect();
                let total: f64 = w.iter().sum();
                w.into_iter().map(|x| x / total).collect()
            }
        };
        Ok(Population { generation: plan.generation, epsilon: plan.epsilon, particles, weights, simulations, attempts })
    }

    /// Run generations until a stop rule holds, from the prior or from a
    /// journaled point. `observer` hears each batch and each population.
    pub fn run(&self, resume: Option<Resume>, observer: &mut dyn Observer) -> Result<Fit, AbcError> {
        self.run_from(resume, None, observer)
    }

    /// [`Abc::run`], where a run stopped inside generation 0 (no complete
    /// population yet) resumes from `first`, generation 0's journaled
    /// collector (ignored when `resume` is given).
    pub fn run_from(&self, resume: Option<Resume>, first: Option<Collector>, observer: &mut dyn Observer) -> Result<Fit, AbcError> {
        let mut state = self.next(resume, first)?;
        loop {
            let (mut history, population, plan, collector) = match state {
                Next::Done(fit) => return Ok(fit),
                Next::Open { history, population, plan, collector } => (history, population, plan, collector),
            };
            match self.generation(&plan, collector, observer)? {
                Ok(next) => {
                    observer.generation(&next);
                    history.push(next.stats());
                    state = self.after(history, next, None)?;
                }
                Err(stop) => {
                    return match population {
                        Some(population) => Ok(Fit { history, population, stop }),
                        // Generation 0 exhausted: only a budget below the
                        // particle count, refused in `new`.
                        None => Err(AbcError::Budget { budget: self.settings.budget, particles: self.settings.particles }),
                    };
                }
            }
        }
    }

    /// Where a run stands, from a journaled point taken as [`Abc::run_from`]
    /// takes it: over (with its fit), or waiting for attempts of a
    /// generation from its collector's next index on. [`Abc::run_from`]
    /// and a run evaluated round by round elsewhere (shards, then a merge
    /// that pushes their attempts in index order) both step through it, so
    /// they make the same generations and stop for the same reason.
    pub fn next(&self, resume: Option<Resume>, first: Option<Collector>) -> Result<Next, AbcError> {
        match resume {
            Some(r) => self.after(r.history, r.population, r.partial),
            None => {
                let plan = self.plan(None);
                let collector = match first {
                    Some(c) if c.generation == 0 => c,
                    Some(c) => return Err(AbcError::Resume { got: c.generation, expected: 0 }),
                    None => self.collector(&plan, 0),
                };
                if let Progress::Exhausted(_) = collector.progress() {
                    return Err(AbcError::Budget { budget: self.settings.budget, particles: self.settings.particles });
                }
                Ok(Next::Open { history: Vec::new(), population: None, plan, collector })
            }
        }
    }

    /// After the complete population `pop` (and the generations of
    /// `history`): the stop rules, else the next generation's plan and its
    /// collector (`partial` if it had begun).
    fn after(&self, history: Vec<GenerationStats>, pop: Population, partial: Option<Collector>) -> Result<Next, AbcError> {
        let used: u64 = history.iter().map(|g| g.simulations).sum();
        let stop = if pop.epsilon <= self.settings.min_epsilon {
            Some(Stop::TargetTolerance)
        } else if history.len() >= self.settings.max_generations as usize {
            Some(Stop::MaxGenerations)
        } else if used >= self.settings.budget {
            Some(Stop::Budget)
        } else {
            None
        };
        if let Some(stop) = stop {
            return Ok(Next::Done(Fit { history, population: pop, stop }));
        }
        let plan = self.plan(Some(&pop));
        if plan.epsilon >= pop.epsilon {
            return Ok(Next::Done(Fit { history, population: pop, stop: Stop::Stalled }));
        }
        let collector = match partial {
            Some(c) if c.generation == plan.generation && c.next > 0 => c,
            Some(c) if c.generation != plan.generation => return Err(AbcError::Resume { got: c.generation, expected: plan.generation }),
            // Not begun: a budget too small for what the generation is
            // expected to need would most likely cut it short and drop it;
            // stop here instead of spending the rest for nothing.
            _ => {
                let c = self.collector(&plan, used);
                let falling = plan.epsilon > self.settings.min_epsilon;
                if c.cap_reason == Stop::Budget
                    && self.settings.budget != u64::MAX
                    && c.cap < expected_simulations(&history, self.settings.particles, falling)
                {
                    return Ok(Next::Done(Fit { history, population: pop, stop: Stop::BudgetLeft }));
                }
                c
            }
        };
        if let Progress::Exhausted(stop) = collector.progress() {
            return Ok(Next::Done(Fit { history, population: pop, stop }));
        }
        Ok(Next::Open { history, population: Some(pop), plan, collector })
    }
}

/// The simulations the generation after `history` is expected to need for
/// `particles` acceptances. While the tolerance keeps falling (`falling`:
/// the next one is a quantile of the last distances, not the target
/// tolerance), acceptance falls from one generation to the next by about
/// the same factor, so the next rate is extrapolated geometrically from
/// the last two, (last / previous) × last, never upward. The fall from
/// the first generation (the priors, all accepted at no tolerance) is
/// steeper than later ones, so after the second generation, as when the
/// tolerance stops at the target, the last rate is used alone; after the
/// first, the particles. A rate that is not a positive number tells
/// nothing: the particles.
pub fn expected_simulations(history: &[GenerationStats], particles: usize, falling: bool) -> u64 {
    let usable = |g: &GenerationStats| g.acceptance_rate.is_finite() && g.acceptance_rate > 0.0;
    let rate = match history {
        [.., prev, last] if falling && usable(prev) && usable(last) && prev.epsilon.is_finite() => {
            last.acceptance_rate * (last.acceptance_rate / prev.acceptance_rate).min(1.0)
        }
        [.., last] if usable(last) => last.acceptance_rate.min(1.0),
        _ => 1.0,
    };
    (particles as f64 / rate).ceil().min(u64::MAX as f64) as u64
}

/// Where a run stands between attempts ([`Abc::next`]).
#[derive(Debug)]
pub enum Next {
    /// The run is over.
    Done(Fit),
    /// Attempts of `plan`'s generation are needed, from `collector.next()`
    /// on; `history` and `population` are the generations done so far.
    Open { history: Vec<GenerationStats>, population: Option<Population>, plan: Plan, collector: Collector },
}

/// A uniform in [0, 1) with 53 bits from the stream.
fn unit(rng: &mut Stream) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let c = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let l = cholesky(&c, 3, 0.0).unwrap();
        for a in 0..3 {
            for b in 0..3 {
                let v: f64 = (0..3).map(|k| l[a * 3 + k] * l[b * 3 + k]).sum();
                assert!((v - c[a * 3 + b]).abs() < 1e-12, "{a},{b}: {v}");
            }
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2, 0.0).is_none());
    }

    #[test]
    fn weighted_quantile_follows_the_weights() {
        let v = [3.0, 1.0, 2.0, 4.0];
        assert_eq!(weighted_quantile(&v, &[0.25; 4], 0.5), 2.0);
        assert_eq!(weighted_quantile(&v, &[0.7, 0.1, 0.1, 0.1], 0.5), 3.0);
        assert_eq!(weighted_quantile(&v, &[0.25; 4], 1.0), 4.0);
        assert_eq!(weighted_quantile(&v, &[0.25; 4], 0.01), 1.0);
    }

    #[test]
    fn log_sum_exp_is_stable() {
        assert!((log_sum_exp(&[-1000.0, -1000.0]) - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY]), f64::NEG_INFINITY);
    }

    fn particle(i: u64) -> Particle {
        Particle { attempt: i, theta: vec![i as f64], stats: vec![0.0], distance: 0.0 }
    }

    #[test]
    fn collector_takes_attempts_in_order_until_full_or_capped() {
        let mut c = Collector {
            generation: 1,
            particles: 2,
            cap: 3,
            cap_reason: Stop::MinAcceptanceRate,
            next: 0,
            simulations: 0,
            accepted: Vec::new(),
        };
        assert_eq!(c.push(Attempt { index: 1, outcome: Outcome::OutsidePrior }), Err(AbcError::Order { got: 1, expected: 0 }));
        assert_eq!(c.push(Attempt { index: 0, outcome: Outcome::OutsidePrior }), Ok(Progress::Open));
        assert_eq!(c.simulations(), 0);
        assert_eq!(c.push(Attempt { index: 1, outcome: Outcome::Accepted(particle(1)) }), Ok(Progress::Open));
        assert_eq!(c.push(Attempt { index: 2, outcome: Outcome::Rejected { distance: 9.0 } }), Ok(Progress::Open));
        assert_eq!(
            c.push(Attempt { index: 3, outcome: Outcome::Rejected { distance: 9.0 } }),
            Ok(Progress::Exhausted(Stop::MinAcceptanceRate))
        );
        let mut full = c.clone();
        full.restore(3, 2, vec![particle(1)]);
        assert_eq!(full.push(Attempt { index: 3, outcome: Outcome::Accepted(particle(3)) }), Ok(Progress::Full));
        assert_eq!(full.accepted().len(), 2);
        assert_eq!(full.push(Attempt { index: 4, outcome: Outcome::Accepted(particle(4)) }), Ok(Progress::Full));
        assert_eq!(full.accepted().len(), 2);
    }

    #[test]
    fn the_next_generation_is_expected_to_accept_at_the_falling_rate() {
        let g = |epsilon: f64, acceptance_rate: f64| GenerationStats {
            generation: 0,
            epsilon,
            particles: 1000,
            simulations: (1000.0 / acceptance_rate) as u64,
            attempts: 0,
            acceptance_rate,
            ess: 1000.0,
        };
        let prior = g(f64::INFINITY, 1.0);
        assert_eq!(expected_simulations(&[], 1000, true), 1000);
        assert_eq!(expected_simulations(std::slice::from_ref(&prior), 1000, true), 1000);
        // After the priors, the last rate alone (the first fall is steeper):
        // 44.7% expects 2,238 (the fit of docs/calibration.md section 8
        // took 3,931 at 25.4% next).
        assert_eq!(expected_simulations(&[prior.clone(), g(2.7, 0.447)], 1000, true), 2238);
        // Then the fall is extrapolated: 44.7% then 25.4% predicts 14.4%,
        // as that fit's fourth generation was accepting.
        assert_eq!(expected_simulations(&[prior.clone(), g(2.7, 0.447), g(2.0, 0.254)], 1000, true), 6929);
        // Not when the next tolerance is the target one.
        assert_eq!(expected_simulations(&[prior, g(2.7, 0.447), g(2.0, 0.25)], 1000, false), 4000);
        // A rising rate is not extrapolated upward.
        assert_eq!(expected_simulations(&[g(3.0, 0.2), g(2.0, 0.4)], 1000, true), 2500);
        // A rate that is not a positive number tells nothing.
        assert_eq!(expected_simulations(&[g(3.0, 0.5), g(2.0, 0.0)], 1000, true), 1000);
        assert_eq!(expected_simulations(&[g(3.0, f64::NAN), g(2.0, 0.5)], 1000, true), 2000);
    }

    #[test]
    fn kernel_density_peaks_at_its_centres() {
        let pop = Population {
            generation: 0,
            epsilon: f64::INFINITY,
            particles: vec![particle(0), particle(2)],
            weights: vec![0.5, 0.5],
            simulations: 2,
            attempts: 2,
        };
        let k = Kernel::new(&pop, Bandwidth::Twice, f64::INFINITY);
        // Weighted variance 1, kernel variance 2.
        assert!((k.chol(0)[0] - 2f64.sqrt()).abs() < 1e-12);
        // Silverman's: (4 / (2 * 3))^(2/5) for two equal weights (ESS 2), one
        // parameter, on the bias-corrected variance 1 * 2 / (2 - 1).
        let narrow = Kernel::new(&pop, Bandwidth::Silverman, f64::INFINITY);
        assert!((narrow.chol(0)[0] - (2.0 * (4.0f64 / 6.0).powf(0.4)).sqrt()).abs() < 1e-12, "{}", narrow.chol(0)[0]);
        assert!((Bandwidth::Silverman.factor(800.0, 3) - 0.1393).abs() < 1e-3);
        assert!(k.log_density(&[0.0]) > k.log_density(&[-1.0]));
        assert!((k.log_density(&[0.0]) - k.log_density(&[2.0])).abs() < 1e-12);
        assert_eq!(k.ancestor(0.0), 0);
        assert_eq!(k.ancestor(0.49), 0);
        assert_eq!(k.ancestor(0.5), 1);
        assert_eq!(k.ancestor(0.999), 1);
    }

    #[test]
    fn olcm_gives_each_particle_the_spread_of_the_accepted_around_it() {
        let at = |i: u64, x: f64, distance: f64| Particle { attempt: i, theta: vec![x], stats: vec![x], distance };
        let pop = Population {
            generation: 1,
            epsilon: 3.0,
            particles: vec![at(0, 0.0, 0.5), at(1, 1.0, 0.5), at(2, 3.0, 2.0)],
            weights: vec![0.25, 0.25, 0.5],
            simulations: 3,
            attempts: 3,
        };
        // Within tolerance 1: the first two, each with weight 1/2.
        let k = Kernel::new(&pop, Bandwidth::Olcm, 1.0);
        let var = |j: usize| k.chol(j)[0] * k.chol(j)[0];
        // (0 - 0)² / 2 + (1 - 0)² / 2; (0 - 1)² / 2 + 0; 3² / 2 + 2² / 2.
        for (j, want) in [(0, 0.5), (1, 0.5), (2, 6.5)] {
            assert!((var(j) - want).abs() < 1e-12, "centre {j}: {}", var(j));
        }
        // Each normal keeps its own normalising factor: the mixture density
        // at a centre is the weighted sum of the three normals there.
        let normal = |x: f64, m: f64, v: f64| (-(x - m) * (x - m) / (2.0 * v)).exp() / v.sqrt();
        let want = 0.25 * normal(3.0, 0.0, 0.5) + 0.25 * normal(3.0, 1.0, 0.5) + 0.5 * normal(3.0, 3.0, 6.5);
        assert!((k.log_density(&[3.0]) - want.ln()).abs() < 1e-12);
        // A tolerance that takes in everyone: the spread of all three.
        let wide = Kernel::new(&pop, Bandwidth::Olcm, f64::INFINITY);
        let mean = 0.25 * 0.0 + 0.25 * 1.0 + 0.5 * 3.0;
        let cov = pop.covariance()[0];
        assert!((wide.chol(0)[0].powi(2) - (cov + mean * mean)).abs() < 1e-12);
        // Moves use the ancestor's own factor.
        assert!((k.perturb(2, &[1.0])[0] - (3.0 + 6.5f64.sqrt())).abs() < 1e-12);
        // Two parameters, one particle within: its spread alone would be
        // singular, so every particle counts, as with an infinite tolerance.
        let at2 = |i: u64, x: f64, y: f64, distance: f64| Particle { attempt: i, theta: vec![x, y], stats: vec![x], distance };
        let pop = Population {
            particles: vec![at2(0, 0.0, 0.0, 0.5), at2(1, 1.0, 0.0, 2.0), at2(2, 0.0, 1.0, 2.0)],
            weights: vec![0.5, 0.25, 0.25],
            ..pop
        };
        let (narrow, wide) = (Kernel::new(&pop, Bandwidth::Olcm, 1.0), Kernel::new(&pop, Bandwidth::Olcm, f64::INFINITY));
        assert_eq!(narrow.chols, wide.chols);
        assert!(narrow.chol(0)[0] > 0.1 && narrow.chol(0)[3] > 0.1, "{:?}", narrow.chol(0));
    }
}
