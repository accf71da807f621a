//! What `normshift calibrate` needs around the ABC-SMC algorithm: the
//! scenario's `[uncertain]` priors as an [`abc::Prior`], the journal of
//! attempts (one CSV line per attempt taken, in order) and its replay into
//! a resumable state, the posterior's per-parameter summary, and the
//! posterior predictive check (targets' observed values against the band
//! of values simulated from the posterior).
//!
//! Pure functions of their inputs: never reads or writes files, prints or
//! exits; the journal's lines are text the caller stores.

use super::abc::{
    Abc, AbcError, Attempt, Collector, GenerationStats, Next, Outcome, Particle, Population, Progress, Resume, weighted_quantile,
};
use crate::rng::{StepKey, purpose_of};
use crate::uncertainty::prior::{Dist, Prior as KeyPrior};

/// Why the scenario's priors cannot be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("no [uncertain] priors to fit")]
    NoPriors,
    #[error(
        "`uncertain.{key}`: a {dist} prior lists values and has no density; calibration fits priors with a density (uniform, triangular, normal, lognormal, beta): give `{key}` one, or fix it with --set {key}=VALUE"
    )]
    Listed { key: String, dist: &'static str },
    #[error("`uncertain.{key}`: the prior has no width ({lo} to {hi}); widen it, or fix the key with --set {key}={lo}")]
    Zero { key: String, lo: f64, hi: f64 },
}

/// The scenario's priors as the prior of an ABC-SMC fit: independent
/// marginals, sampled by their quantile functions, with the product of
/// their densities.
pub struct ScenarioPrior<'a> {
    priors: &'a [KeyPrior],
    support: Vec<(f64, f64)>,
}

impl<'a> ScenarioPrior<'a> {
    /// Check that every prior has a density and a positive width.
    pub fn new(priors: &'a [KeyPrior]) -> Result<Self, FitError> {
        if priors.is_empty() {
            return Err(FitError::NoPriors);
        }
        let mut support = Vec::with_capacity(priors.len());
        for p in priors {
            let dist = match p.dist {
                Dist::Discrete { .. } => Some("discrete"),
                Dist::Samples { .. } => Some("samples"),
                Dist::Posterior { .. } => Some("posterior-file"),
                _ => None,
            };
            if let Some(dist) = dist {
                return Err(FitError::Listed { key: p.key.clone(), dist });
            }
            let (lo, hi) = p.dist.support();
            if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
                return Err(FitError::Zero { key: p.key.clone(), lo, hi });
            }
            support.push((lo, hi));
        }
        Ok(ScenarioPrior { priors, support })
    }

    /// The priors fitted, in parameter order.
    pub fn priors(&self) -> &[KeyPrior] {
        self.priors
    }
}

impl super::abc::Prior for ScenarioPrior<'_> {
    fn dim(&self) -> usize {
        self.priors.len()
    }
    fn sample(&self, u: &[f64]) -> Vec<f64> {
        self.priors.iter().zip(u).map(|(p, &u)| p.dist.quantile(u)).collect()
    }
    fn density(&self, x: &[f64]) -> f64 {
        if !self.contains(x) {
            return 0.0;
        }
        self.priors.iter().zip(x).map(|(p, &x)| p.dist.density(x).unwrap_or(0.0)).product()
    }
    fn contains(&self, x: &[f64]) -> bool {
        x.len() == self.support.len() && self.support.iter().zip(x).all(|(&(lo, hi), &v)| v >= lo && v <= hi)
    }
}

/// The journal's header: generation, attempt, outcome, distance, the
/// parameters (by key) and the statistics (`stat_1` ...).
pub fn journal_header(keys: &[String], statistics: usize) -> String {
    let mut h: Vec<String> = ["generation", "attempt", "outcome", "distance"].iter().map(|s| s.to_string()).collect();
    h.extend(keys.iter().cloned());
    h.extend((1..=statistics).map(|k| format!("stat_{k}")));
    h.join(",")
}

/// One journal line for an attempt of `generation`. Numbers are written in
/// their shortest form that reads back exactly, so a resumed run equals an
/// uninterrupted one bit for bit.
pub fn journal_row(generation: u32, a: &Attempt, dim: usize, statistics: usize) -> String {
    let mut cells = vec![generation.to_string(), a.index.to_string()];
    let blank = |n: usize| vec![String::new(); n];
    match &a.outcome {
        Outcome::OutsidePrior => {
            cells.push("outside".into());
            cells.push(String::new());
            cells.extend(blank(dim + statistics));
        }
        Outcome::Rejected { distance } => {
            cells.push("rejected".into());
            cells.push(distance.to_string());
            cells.extend(blank(dim + statistics));
        }
        Outcome::Accepted(p) => {
            cells.push("accepted".into());
            cells.push(p.distance.to_string());
            cells.extend(p.theta.iter().map(f64::to_string));
            cells.extend(p.stats.iter().map(f64::to_string));
        }
    }
    cells.join(",")
}

/// Read a journal line back: (generation, attempt); None if it is not a
/// line of a journal with `dim` parameters and `statistics` statistics.
pub fn parse_journal_row(line: &str, dim: usize, statistics: usize) -> Option<(u32, Attempt)> {
    let cells: Vec<&str> = line.split(',').collect();
    if cells.len() != 4 + dim + statistics {
        return None;
    }
    let generation: u32 = cells[0].parse().ok()?;
    let index: u64 = cells[1].parse().ok()?;
    let nums = |s: &[&str]| s.iter().map(|c| c.parse::<f64>().ok()).collect::<Option<Vec<f64>>>();
    let outcome = match cells[2] {
        "outside" => Outcome::OutsidePrior,
        "rejected" => Outcome::Rejected { distance: cells[3].parse().ok()? },
        "accepted" => Outcome::Accepted(Particle {
            attempt: index,
            distance: cells[3].parse().ok()?,
            theta: nums(&cells[4..4 + dim])?,
            stats: nums(&cells[4 + dim..])?,
        }),
        _ => return None,
    };
    Some((generation, Attempt { index, outcome }))
}

/// Where a journal leaves a run.
#[derive(Debug)]
pub enum Replayed {
    /// Nothing journaled.
    Fresh,
    /// Inside generation 0: its collector.
    First(Collector),
    /// After complete populations, with the next generation's collector if
    /// it had begun.
    Later(Resume),
}

/// Rebuild a run's state from its journal's attempts (in journal order):
/// each generation's attempts are pushed into its collector in turn, and a
/// full collector gives the population the next generation is planned
/// from, exactly as the uninterrupted run made it. An attempt of another
/// generation than the one being collected is an error.
pub fn replay<P, S>(abc: &Abc<'_, P, S>, attempts: Vec<(u32, Attempt)>) -> Result<Replayed, AbcError>
where
    P: super::abc::Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    let mut history: Vec<GenerationStats> = Vec::new();
    let mut pop: Option<Population> = None;
    let mut open: Option<(super::abc::Plan, Collector)> = None;
    for (g, a) in attempts {
        if open.is_none() {
            let plan = abc.plan(pop.as_ref());
            if plan.generation != g {
                return Err(AbcError::Resume { got: g, expected: plan.generation });
            }
            let used: u64 = history.iter().map(|h| h.simulations).sum();
            let c = abc.collector(&plan, used);
            open = Some((plan, c));
        }
        let Some((plan, c)) = open.as_mut() else { continue };
        if g != plan.generation {
            return Err(AbcError::Resume { got: g, expected: plan.generation });
        }
        if c.push(a)? == Progress::Full
            && let Some((plan, c)) = open.take()
        {
            let p = abc.population(&plan, c)?;
            history.push(p.stats());
            pop = Some(p);
        }
    }
    Ok(match (pop, open) {
        (None, None) => Replayed::Fresh,
        (None, Some((_, c))) => Replayed::First(c),
        (Some(population), partial) => Replayed::Later(Resume { history, population, partial: partial.map(|(_, c)| c) }),
    })
}

/// Where the run a journal records stands: [`replay`], then [`Abc::next`]
/// (over, with its fit, or waiting for attempts of a generation).
pub fn standing<P, S>(abc: &Abc<'_, P, S>, attempts: Vec<(u32, Attempt)>) -> Result<Next, AbcError>
where
    P: super::abc::Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    match replay(abc, attempts)? {
        Replayed::Fresh => abc.next(None, None),
        Replayed::First(c) => abc.next(None, Some(c)),
        Replayed::Later(r) => abc.next(Some(r), None),
    }
}

/// The round of attempt indices that holds attempt `next` of a generation,
/// when a generation is evaluated round by round (shards of a job array,
/// then a merge). Rounds tile the generation's indices from 0 in blocks of
/// one size, so the round of an index never depends on how far a merge
/// got: a merge stopped half-way through a round continues that round.
/// The size is `size` if given; else generation 0's is `particles` (it
/// accepts every attempt) and a later one's is twice the
/// attempts the previous generation needed, at least `particles`
/// (acceptance falls from one generation to the next, usually to between
/// a half and four fifths of the last: one round or two per generation,
/// and at most one round's simulations evaluated in vain). Rounds change
/// only where the work is done, never the result.
pub fn round(history: &[GenerationStats], next: u64, particles: usize, size: Option<u64>) -> std::ops::Range<u64> {
    const LAST: u64 = 1 << 32;
    let size = size
        .unwrap_or_else(|| match history.last() {
            None => particles as u64,
            Some(g) => g.attempts.saturating_mul(2).max(particles as u64),
        })
        .max(1);
    let start = (next / size) * size;
    start..start.saturating_add(size).min(LAST)
}

/// One parameter's posterior.
#[derive(Clone, Debug, PartialEq)]
pub struct Marginal {
    pub key: String,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub q50: f64,
    pub q95: f64,
}

/// Each parameter's weighted posterior summary.
pub fn marginals(pop: &Population, keys: &[String]) -> Vec<Marginal> {
    let cov = pop.covariance();
    let d = keys.len();
    keys.iter()
        .enumerate()
        .map(|(k, key)| Marginal {
            key: key.clone(),
            mean: pop.mean(k),
            sd: cov.get(k * d + k).copied().unwrap_or(f64::NAN).max(0.0).sqrt(),
            q05: pop.quantile(k, 0.05),
            q50: pop.quantile(k, 0.5),
            q95: pop.quantile(k, 0.95),
        })
        .collect()
}

/// `n` particles drawn from the population by weight (systematic
/// resampling at the midpoints (i + 1/2)/n: deterministic), as indices.
pub fn resample(pop: &Population, n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    let mut acc = 0.0;
    let mut j = 0;
    let last = pop.weights.len().saturating_sub(1);
    for i in 0..n {
        let u = (i as f64 + 0.5) / n as f64;
        while j < last && acc + pop.weights[j] <= u {
            acc += pop.weights[j];
            j += 1;
        }
        out.push(j);
    }
    out
}

/// The seed of posterior predictive simulation `i`.
pub fn ppc_seed(seed: u64, i: usize) -> u64 {
    StepKey::new(seed, 0, purpose_of("calibrate-ppc")).bits(i as u32, 0)
}

/// One target's posterior predictive check.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub observed: f64,
    pub sd: f64,
    /// Simulations with a value (NaN values left out).
    pub n: usize,
    pub mean: f64,
    pub q05: f64,
    pub q50: f64,
    pub q95: f64,
    /// (mean - observed) / sqrt(sd² + simulated variance).
    pub z: f64,
}

impl Check {
    /// The observed value lies in the 5th-95th percentile band simulated
    /// from the posterior.
    pub fn inside(&self) -> bool {
        self.observed >= self.q05 && self.observed <= self.q95
    }

    /// The fit misses the target: the evidence's own 90% interval
    /// (observed ± 1.645 sd) and the simulated band do not overlap. An
    /// observed value just outside the band, well within its own
    /// uncertainty (a proportion observed at 0 against a band from 0.00002),
    /// is not a miss.
    pub fn misses(&self) -> bool {
        if !(self.q05.is_finite() && self.q95.is_finite()) {
            // No simulation gave it a value: nothing reproduces it.
            return true;
        }
        let (lo, hi) = (self.observed - 1.645 * self.sd, self.observed + 1.645 * self.sd);
        hi < self.q05 || lo > self.q95
    }
}

/// The posterior predictive check of each target from simulated
/// statistics (`sims[i][k]`: simulation i, target k).
pub fn checks(observed: &[f64], sds: &[f64], sims: &[Vec<f64>]) -> Vec<Check> {
    observed
        .iter()
        .zip(sds)
        .enumerate()
        .map(|(k, (&o, &sd))| {
            let v: Vec<f64> = sims.iter().filter_map(|s| s.get(k).copied()).filter(|x| x.is_finite()).collect();
            let n = v.len();
            let w = vec![1.0; n];
            let mean = if n == 0 { f64::NAN } else { v.iter().sum::<f64>() / n as f64 };
            let var = if n < 2 { 0.0 } else { v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64 };
            Check {
                observed: o,
                sd,
                n,
                mean,
                q05: weighted_quantile(&v, &w, 0.05),
                q50: weighted_quantile(&v, &w, 0.5),
                q95: weighted_quantile(&v, &w, 0.95),
                z: (mean - o) / (sd * sd + var).sqrt(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_missed_only_beyond_its_own_uncertainty() {
        let c = |observed: f64, sd: f64| Check { observed, sd, n: 100, mean: 0.002, q05: 2.3e-5, q50: 0.002, q95: 0.0046, z: 0.0 };
        // Observed 0 (sd 0.02), just below the band: outside it, not missed.
        assert!(!c(0.0, 0.02).inside() && !c(0.0, 0.02).misses());
        assert!(c(0.001, 0.02).inside() && !c(0.001, 0.02).misses());
        // Far above, even counting its sd: missed.
        assert!(c(0.2, 0.05).misses());
        assert!(!c(0.01, 0.005).misses());
        assert!(Check { q05: f64::NAN, q95: f64::NAN, ..c(0.0, 0.1) }.misses());
    }
    use crate::calibrate::abc::{Bandwidth, Prior, Settings};

    fn uniform(key: &str, lo: f64, hi: f64) -> KeyPrior {
        KeyPrior {
            key: key.into(),
            canonical: key.into(),
            dist: Dist::Uniform { lo, hi },
            source: "test".into(),
            integer: false,
            point: None,
            fit: None,
        }
    }

    #[test]
    fn journal_rows_read_back_exactly() {
        let a = Attempt {
            index: 7,
            outcome: Outcome::Accepted(Particle { attempt: 7, theta: vec![0.1 + 0.2, 1e-17], stats: vec![f64::NAN, 3.0], distance: 0.3 }),
        };
        let line = journal_row(2, &a, 2, 2);
        let (g, b) = parse_journal_row(&line, 2, 2).unwrap();
        assert_eq!(g, 2);
        let (Outcome::Accepted(p), Outcome::Accepted(q)) = (&a.outcome, &b.outcome) else { panic!("{line}") };
        assert_eq!(p.theta, q.theta);
        assert!(q.stats[0].is_nan() && q.stats[1] == 3.0);
        for o in [Outcome::OutsidePrior, Outcome::Rejected { distance: f64::INFINITY }] {
            let a = Attempt { index: 3, outcome: o };
            assert_eq!(parse_journal_row(&journal_row(0, &a, 2, 2), 2, 2), Some((0, a)));
        }
        assert_eq!(parse_journal_row("0,1,accepted,0.5,1", 2, 2), None);
        assert_eq!(parse_journal_row(&journal_header(&["a".into(), "b".into()], 2), 2, 2), None);
    }

    #[test]
    fn listed_and_zero_width_priors_are_refused() {
        let mut p = uniform("x", 0.0, 1.0);
        assert!(ScenarioPrior::new(std::slice::from_ref(&p)).is_ok());
        p.dist = Dist::Discrete { values: vec![1.0, 2.0], weights: vec![0.5, 0.5] };
        assert!(matches!(ScenarioPrior::new(std::slice::from_ref(&p)), Err(FitError::Listed { .. })));
        let z = uniform("x", 0.5, 0.5);
        assert!(matches!(ScenarioPrior::new(std::slice::from_ref(&z)), Err(FitError::Zero { .. })));
        assert!(matches!(ScenarioPrior::new(&[]), Err(FitError::NoPriors)));
    }

    /// A journal cut anywhere replays to the state that finishes the run
    /// exactly as the uninterrupted one.
    #[test]
    fn a_journal_cut_anywhere_resumes_to_the_same_fit() {
        let priors = [uniform("a", -3.0, 3.0)];
        let prior = ScenarioPrior::new(&priors).unwrap();
        let sim = |t: &[f64], seed: u64| vec![t[0] + 0.3 * (StepKey::new(seed, 0, 1).uniform64(0, 0) - 0.5)];
        // With each kernel (OLCM's reads the journaled distances too).
        for bandwidth in [Bandwidth::Twice, Bandwidth::Olcm] {
            let settings = Settings { particles: 40, max_generations: 4, batch: 8, seed: 5, bandwidth, ..Settings::default() };
            journal_cut_anywhere(&Abc::new(&prior, sim, vec![1.0], vec![0.2], settings).unwrap());
        }
    }

    fn journal_cut_anywhere<P: Prior, S: Fn(&[f64], u64) -> Vec<f64> + Sync>(abc: &Abc<'_, P, S>) {
        struct Log(Vec<(u32, Attempt)>);
        impl super::super::abc::Observer for Log {
            fn batch(&mut self, plan: &super::super::abc::Plan, _: &Collector, taken: &[Attempt]) {
                self.0.extend(taken.iter().map(|a| (plan.generation, a.clone())));
            }
        }
        let mut log = Log(Vec::new());
        let whole = abc.run(None, &mut log).unwrap();
        let n = log.0.len();
        for cut in [0, 1, 39, 40, 41, n / 2, n - 1, n] {
            let fit = match replay(abc, log.0[..cut].to_vec()).unwrap() {
                Replayed::Fresh => abc.run(None, &mut ()).unwrap(),
                Replayed::First(c) => abc.run_from(None, Some(c), &mut ()).unwrap(),
                Replayed::Later(r) => abc.run(Some(r), &mut ()).unwrap(),
            };
            assert_eq!(fit, whole, "cut at {cut} of {n}");
        }
    }

    #[test]
    fn rounds_tile_a_generation() {
        let g = |attempts: u64| GenerationStats {
            generation: 0,
            epsilon: 1.0,
            particles: 10,
            simulations: attempts,
            attempts,
            acceptance_rate: 0.1,
            ess: 5.0,
        };
        assert_eq!(round(&[], 0, 10, None), 0..10);
        assert_eq!(round(&[], 9, 10, None), 0..10);
        assert_eq!(round(&[g(10)], 0, 10, None), 0..20);
        assert_eq!(round(&[g(10), g(40)], 161, 10, None), 160..240);
        assert_eq!(round(&[g(10), g(3)], 25, 10, None), 20..30);
        assert_eq!(round(&[g(10)], 7, 10, Some(4)), 4..8);
        assert_eq!(round(&[], (1 << 32) - 1, 10, Some(3 << 30)), (3 << 30)..(1 << 32));
    }

    /// A run evaluated round by round, each round's attempts pushed in
    /// index order (as a merge of shards does), is the whole run.
    #[test]
    fn rounds_pushed_in_order_equal_the_whole_run() {
        let priors = [uniform("a", -3.0, 3.0)];
        let prior = ScenarioPrior::new(&priors).unwrap();
        let sim = |t: &[f64], seed: u64| vec![t[0] + 0.3 * (StepKey::new(seed, 0, 1).uniform64(0, 0) - 0.5)];
        // With each kernel (OLCM's reads the journaled distances too).
        for bandwidth in [Bandwidth::Twice, Bandwidth::Olcm] {
            let settings = Settings { particles: 40, max_generations: 4, batch: 8, seed: 5, bandwidth, ..Settings::default() };
            rounds_in_order(&Abc::new(&prior, sim, vec![1.0], vec![0.2], settings).unwrap());
        }
    }

    fn rounds_in_order<P: Prior, S: Fn(&[f64], u64) -> Vec<f64> + Sync>(abc: &Abc<'_, P, S>) {
        let whole = abc.run(None, &mut ()).unwrap();
        for size in [None, Some(7), Some(1000)] {
            let mut journal: Vec<(u32, Attempt)> = Vec::new();
            let fit = loop {
                match standing(abc, journal.clone()).unwrap() {
                    Next::Done(fit) => break fit,
                    Next::Open { history, plan, mut collector, .. } => {
                        let r = round(&history, collector.next(), 40, size);
                        // Two shards of the round, evaluated apart.
                        let mid = (r.start + r.end) / 2;
                        let mut got = abc.attempts(&plan, mid..r.end).unwrap();
                        got.splice(0..0, abc.attempts(&plan, r.start..mid).unwrap());
                        let from = collector.next();
                        for a in got.into_iter().filter(|a| a.index >= from) {
                            journal.push((plan.generation, a.clone()));
                            if collector.push(a).unwrap() != Progress::Open {
                                break;
                            }
                        }
                    }
                }
            };
            assert_eq!(fit, whole, "rounds of {size:?}");
        }
    }

    #[test]
    fn resampling_follows_the_weights() {
        let particle = |i: u64| Particle { attempt: i, theta: vec![i as f64], stats: vec![], distance: 0.0 };
        let pop = Population {
            generation: 1,
            epsilon: 1.0,
            particles: (0..3).map(particle).collect(),
            weights: vec![0.5, 0.0, 0.5],
            simulations: 3,
            attempts: 3,
        };
        let r = resample(&pop, 10);
        assert_eq!(r.iter().filter(|&&i| i == 0).count(), 5);
        assert_eq!(r.iter().filter(|&&i| i == 2).count(), 5);
        let c = checks(&[1.0], &[0.1], &[vec![1.0], vec![2.0], vec![f64::NAN]]);
        assert_eq!(c[0].n, 2);
        assert_eq!(c[0].mean, 1.5);
    }
}
