//! Variance-based (Sobol') global sensitivity analysis: which varied scenario
//! values explain how much of the variance of an outcome.
//!
//! The design is Saltelli's: two base matrices A and B of `samples` rows in
//! the `k` varied factors, drawn from one Owen-scrambled Sobol' sequence in
//! 2k dimensions (A from the first k, B from the last k), and for each
//! factor i the matrix AB(i), which is A with column i taken from B. That is
//! `samples * (k + 2)` model evaluations, laid out row by row: for base row
//! j, first A_j, then AB(1)_j ... AB(k)_j, then B_j ([`Design::evaluation`]).
//! From the outputs, with V the variance of f(A) and f(B) together:
//!
//! - first order (Saltelli et al. 2010): S1_i = mean(f(B) (f(AB(i)) - f(A))) / V
//! - total order (Jansen 1999): ST_i = mean((f(A) - f(AB(i)))^2) / (2 V)
//!
//! with 95% percentile-bootstrap intervals over the base rows (a row is
//! resampled with all its k + 2 evaluations).
//!
//! Randomness: the Sobol' points come from the `sobol_burley` crate's Joe-Kuo
//! direction numbers and hash-based Owen scramble; the scramble of each
//! dimension, the seed of each base row and the bootstrap draws all come
//! from `crate::rng` streams keyed by the design's seed. The evaluations of
//! one base row share one seed ([`Evaluation::seed`]): a stochastic model
//! then meets the same random numbers in A_j, B_j and every AB(i)_j, so its
//! noise cancels in f(A) - f(AB(i)) instead of showing up as a total effect
//! of every factor, while different rows still average over the noise.
//!
//! Pure functions: no I/O, no printing, no argument parsing.

use crate::compare::percentile;
use crate::rng::{StepKey, purpose_of};
use rayon::prelude::*;
use sobol_burley::parts::{owen_scramble_rev, sobol_rev};
use std::fmt;

/// Largest number of base samples (the Sobol' sequence's length limit).
pub const MAX_SAMPLES: usize = 1 << 16;

/// Largest number of varied factors (the sequence has 256 dimensions, and
/// each factor takes two).
pub const MAX_FACTORS: usize = sobol_burley::NUM_DIMENSIONS as usize / 2;

/// Bootstrap resamples for the intervals.
pub const RESAMPLES: u32 = 1000;

/// Coverage of the bootstrap intervals.
pub const CONFIDENCE: f64 = 0.95;

/// Column names of `sensitivity.csv`, in output order.
pub const COLUMNS: [&str; 10] = ["metric", "parameter", "s1", "s1_lo", "s1_hi", "st", "st_lo", "st_hi", "samples", "runs"];

/// Why a design or an analysis cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SensitivityError {
    #[error("nothing is varied; give at least one factor")]
    NoFactors,
    #[error("{given} factors are varied; at most {max} can be")]
    TooManyFactors { given: usize, max: usize },
    #[error("{given} samples: give 1 to {max} (a power of two such as 64, 256 or 1024 balances best)")]
    Samples { given: usize, max: usize },
    #[error("`{name}`: the range {lo}:{hi} is not valid; give finite numbers with low <= high")]
    Range { name: String, lo: f64, hi: f64 },
    #[error("{given} model outputs for a design of {expected} evaluations")]
    Outputs { given: usize, expected: usize },
}

/// One varied input: its name, range and whether it takes whole numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    /// Sampled uniformly over the whole numbers lo..=hi instead of the
    /// interval [lo, hi].
    pub whole: bool,
}

impl Factor {
    /// A factor uniform on [lo, hi].
    pub fn new(name: impl Into<String>, lo: f64, hi: f64) -> Factor {
        Factor { name: name.into(), lo, hi, whole: false }
    }

    /// The factor's value at the point `u` in [0, 1).
    pub fn value(&self, u: f64) -> f64 {
        if self.whole { (self.lo + (u * (self.hi - self.lo + 1.0)).floor()).min(self.hi) } else { self.lo + (self.hi - self.lo) * u }
    }
}

/// Which matrix of the design an evaluation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    A,
    B,
    /// A with the column of factor `i` (0-based) taken from B.
    AB(usize),
}

impl fmt::Display for Matrix {
    /// `A`, `B`, or `AB1`... with the factor numbered from 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matrix::A => f.write_str("A"),
            Matrix::B => f.write_str("B"),
            Matrix::AB(i) => write!(f, "AB{}", i + 1),
        }
    }
}

/// One model evaluation of a design.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Position in the design, from 0.
    pub index: usize,
    /// Base row (the Sobol' point), from 0.
    pub row: usize,
    pub matrix: Matrix,
    /// Seed for a stochastic model, shared by the row's evaluations; below
    /// 2^63 so it can be passed to `--seed`.
    pub seed: u64,
    /// One value per factor, in factor order.
    pub values: Vec<f64>,
}

/// A Saltelli design: factors, base samples and the seed of every draw.
#[derive(Clone, Debug)]
pub struct Design {
    factors: Vec<Factor>,
    samples: usize,
    seed: u64,
    /// Owen scramble of each of the 2k Sobol' dimensions.
    scramble: Vec<u32>,
}

impl Design {
    /// A design of `samples` base rows for `factors`, seeded by `seed`.
    pub fn new(factors: Vec<Factor>, samples: usize, seed: u64) -> Result<Design, SensitivityError> {
        if factors.is_empty() {
            return Err(SensitivityError::NoFactors);
        }
        if factors.len() > MAX_FACTORS {
            return Err(SensitivityError::TooManyFactors { given: factors.len(), max: MAX_FACTORS });
        }
        if samples == 0 || samples > MAX_SAMPLES {
            return Err(SensitivityError::Samples { given: samples, max: MAX_SAMPLES });
        }
        for f in &factors {
            if !(f.lo.is_finite() && f.hi.is_finite() && f.lo <= f.hi) {
                return Err(SensitivityError::Range { name: f.name.clone(), lo: f.lo, hi: f.hi });
            }
        }
        let key = StepKey::new(seed, 0, purpose_of("sensitivity.design"));
        let scramble = (0..2 * factors.len() as u32).map(|d| key.bits(d, 0) as u32).collect();
        Ok(Design { factors, samples, seed, scramble })
    }

    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    /// Number of base rows (N).
    pub fn samples(&self) -> usize {
        self.samples
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Evaluations per base row: A, the k AB(i), B.
    pub fn per_row(&self) -> usize {
        self.factors.len() + 2
    }

    /// Number of model evaluations, N (k + 2).
    pub fn len(&self) -> usize {
        self.samples * self.per_row()
    }

    /// Never true: a design has at least one row and one factor.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Coordinate `dim` (0..2k) of Sobol' point `row`, in (0, 1).
    fn unit(&self, row: usize, dim: usize) -> f64 {
        let rev = sobol_rev((row as u32).reverse_bits(), dim as u32);
        let x = owen_scramble_rev(rev, self.scramble[dim]).reverse_bits();
        (f64::from(x) + 0.5) / 4_294_967_296.0
    }

    /// The seed shared by the evaluations of base row `row`.
    pub fn row_seed(&self, row: usize) -> u64 {
        StepKey::new(self.seed, 0, purpose_of("sensitivity.row")).bits(row as u32, 0) >> 1
    }

    /// Evaluation `index` (0..len()): which matrix, which row, its values.
    pub fn evaluation(&self, index: usize) -> Evaluation {
        let k = self.factors.len();
        let (row, slot) = (index / self.per_row(), index % self.per_row());
        let matrix = match slot {
            0 => Matrix::A,
            s if s == k + 1 => Matrix::B,
            s => Matrix::AB(s - 1),
        };
        let values = self
            .factors
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let from_b = matches!(matrix, Matrix::B) || matrix == Matrix::AB(i);
                f.value(self.unit(row, if from_b { k + i } else { i }))
            })
            .collect();
        Evaluation { index, row, matrix, seed: self.row_seed(row), values }
    }

    /// Every evaluation, in order.
    pub fn evaluations(&self) -> impl Iterator<Item = Evaluation> + '_ {
        (0..self.len()).map(|i| self.evaluation(i))
    }
}

/// Evaluate `f` at every point of `design`, in parallel; the result is in
/// evaluation order whatever the number of threads.
pub fn evaluate(design: &Design, f: impl Fn(&Evaluation) -> f64 + Sync) -> Vec<f64> {
    (0..design.len()).into_par_iter().map(|i| f(&design.evaluation(i))).collect()
}

/// The indices of one factor for one output.
#[derive(Clone, Debug, PartialEq)]
pub struct Indices {
    /// Factor number (0-based, as in the design).
    pub factor: usize,
    pub s1: f64,
    pub s1_lo: f64,
    pub s1_hi: f64,
    pub st: f64,
    pub st_lo: f64,
    pub st_hi: f64,
    /// Base rows used: those whose k + 2 outputs are all numbers.
    pub samples: usize,
}

/// The outputs of the complete base rows, centred, `k + 2` per row.
struct Rows {
    k: usize,
    y: Vec<f64>,
}

impl Rows {
    /// Point estimates of (S1, ST) of every factor over the rows `pick`.
    fn estimate(&self, pick: impl Iterator<Item = usize>) -> (Vec<f64>, Vec<f64>) {
        let k = self.k;
        let (mut n, mut sum, mut sum2) = (0usize, 0.0, 0.0);
        let mut first = vec![0.0; k];
        let mut total = vec![0.0; k];
        for j in pick {
            let r = &self.y[j * (k + 2)..(j + 1) * (k + 2)];
            let (a, b) = (r[0], r[k + 1]);
            n += 1;
            sum += a + b;
            sum2 += a * a + b * b;
            for i in 0..k {
                let ab = r[i + 1];
                first[i] += b * (ab - a);
                total[i] += (a - ab) * (a - ab);
            }
        }
        let m = 2.0 * n as f64;
        let var = sum2 / m - (sum / m) * (sum / m);
        let n = n as f64;
        (first.iter().map(|x| x / n / var).collect(), total.iter().map(|x| x / n / (2.0 * var)).collect())
    }
}

/// Sobol' first- and total-order indices of every factor, with bootstrap
/// intervals of `resamples` draws ([`RESAMPLES`] is a good default).
/// `outputs` holds one model output per evaluation, in design order. Base
/// rows with a NaN output are left out (see [`Indices::samples`]); with
/// fewer than two rows left, or an output that does not vary, the indices
/// are NaN.
pub fn analyse(design: &Design, outputs: &[f64], resamples: u32) -> Result<Vec<Indices>, SensitivityError> {
    if outputs.len() != design.len() {
        return Err(SensitivityError::Outputs { given: outputs.len(), expected: design.len() });
    }
    let k = design.factors.len();
    let complete: Vec<&[f64]> = outputs.chunks(k + 2).filter(|r| r.iter().all(|x| !x.is_nan())).collect();
    let n = complete.len();
    let nan = |i| Indices {
        factor: i,
        s1: f64::NAN,
        s1_lo: f64::NAN,
        s1_hi: f64::NAN,
        st: f64::NAN,
        st_lo: f64::NAN,
        st_hi: f64::NAN,
        samples: n,
    };
    let constant = complete.iter().flat_map(|r| r.iter()).all(|&x| x == complete.first().map_or(x, |r| r[0]));
    if n < 2 || constant {
        return Ok((0..k).map(nan).collect());
    }
    // Centre on the mean of f(A) and f(B), which leaves the indices
    // unchanged but makes the first-order estimator less noisy.
    let mean = complete.iter().map(|r| r[0] + r[k + 1]).sum::<f64>() / (2 * n) as f64;
    let rows = Rows { k, y: complete.iter().flat_map(|r| r.iter().map(|x| x - mean)).collect() };
    let (s1, st) = rows.estimate(0..n);
    let key = StepKey::new(design.seed, 0, purpose_of("sensitivity.bootstrap"));
    let mut boot_s1 = vec![Vec::with_capacity(resamples as usize); k];
    let mut boot_st = vec![Vec::with_capacity(resamples as usize); k];
    for b in 0..resamples {
        let pick = (0..n as u32).map(|t| ((key.uniform64(b, t) * n as f64) as usize).min(n - 1));
        let (f, t) = rows.estimate(pick);
        for i in 0..k {
            boot_s1[i].push(f[i]);
            boot_st[i].push(t[i]);
        }
    }
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let interval = |mut v: Vec<f64>| {
        v.retain(|x| x.is_finite());
        v.sort_by(f64::total_cmp);
        (percentile(&v, tail), percentile(&v, 1.0 - tail))
    };
    Ok((0..k)
        .map(|i| {
            if !(s1[i].is_finite() && st[i].is_finite()) {
                return nan(i);
            }
            let (s1_lo, s1_hi) = interval(std::mem::take(&mut boot_s1[i]));
            let (st_lo, st_hi) = interval(std::mem::take(&mut boot_st[i]));
            Indices { factor: i, s1: s1[i], s1_lo, s1_hi, st: st[i], st_lo, st_hi, samples: n }
        })
        .collect())
}

/// The Ishigami function, a standard test of sensitivity methods: inputs
/// uniform on [-pi, pi], `a` and `b` its constants (usually 7 and 0.1).
pub fn ishigami(x: &[f64], a: f64, b: f64) -> f64 {
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// Analytic (S1, ST) of the Ishigami function's three inputs.
pub fn ishigami_indices(a: f64, b: f64) -> [(f64, f64); 3] {
    let pi4 = std::f64::consts::PI.powi(4);
    let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * pi4 * pi4 * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    [(v1 / v, (v1 + v13) / v), (v2 / v, v2 / v), (0.0, v13 / v)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn three() -> Vec<Factor> {
        (1..=3).map(|i| Factor::new(format!("x{i}"), -PI, PI)).collect()
    }

    #[test]
    fn ab_matrices_take_one_column_from_b() {
        let d = Design::new(three(), 16, 9).unwrap();
        assert_eq!(d.len(), 16 * 5);
        for row in 0..16 {
            let e = |s: usize| d.evaluation(row * 5 + s);
            let (a, b) = (e(0), e(4));
            assert_eq!((a.matrix, b.matrix), (Matrix::A, Matrix::B));
            for i in 0..3 {
                let ab = e(i + 1);
                assert_eq!(ab.matrix, Matrix::AB(i));
                assert_eq!(ab.row, row);
                assert_eq!(ab.seed, a.seed);
                for c in 0..3 {
                    assert_eq!(ab.values[c], if c == i { b.values[c] } else { a.values[c] });
                }
                assert_ne!(a.values[i], b.values[i]);
            }
        }
        assert_eq!(Matrix::AB(1).to_string(), "AB2");
        assert_ne!(d.row_seed(0), d.row_seed(1));
        assert!(d.row_seed(3) < 1 << 63);
    }

    #[test]
    fn points_are_stratified_in_every_dimension() {
        // Any 2^m first points of a (scrambled) Sobol' sequence put exactly
        // one point in each interval [j/2^m, (j+1)/2^m) of every dimension.
        let d = Design::new(vec![Factor::new("u", 0.0, 1.0), Factor::new("v", 0.0, 1.0)], 64, 3).unwrap();
        for dim in 0..4 {
            let mut seen = [false; 64];
            for row in 0..64 {
                let u = d.unit(row, dim);
                assert!(u > 0.0 && u < 1.0);
                seen[(u * 64.0) as usize] = true;
            }
            assert!(seen.iter().all(|&s| s), "dimension {dim}");
        }
        // Another seed scrambles differently.
        let e = Design::new(d.factors().to_vec(), 64, 4).unwrap();
        assert_ne!(d.evaluation(0).values, e.evaluation(0).values);
    }

    #[test]
    fn whole_factors_take_every_whole_number_in_range() {
        let f = Factor { name: "n".into(), lo: 2.0, hi: 5.0, whole: true };
        let d = Design::new(vec![f], 64, 1).unwrap();
        let mut counts = [0; 4];
        for e in d.evaluations() {
            let v = e.values[0];
            assert_eq!(v.fract(), 0.0);
            counts[(v - 2.0) as usize] += 1;
        }
        // A, B and AB1 each hold 16 of every value, by stratification.
        assert_eq!(counts, [48; 4]);
    }

    #[test]
    fn bad_designs_are_refused() {
        assert_eq!(Design::new(vec![], 8, 0).unwrap_err(), SensitivityError::NoFactors);
        assert!(matches!(Design::new(three(), 0, 0), Err(SensitivityError::Samples { .. })));
        assert!(matches!(Design::new(three(), MAX_SAMPLES + 1, 0), Err(SensitivityError::Samples { .. })));
        assert!(matches!(Design::new(vec![Factor::new("x", 1.0, 0.0)], 8, 0), Err(SensitivityError::Range { .. })));
        let many = (0..MAX_FACTORS + 1).map(|i| Factor::new(format!("x{i}"), 0.0, 1.0)).collect();
        assert!(matches!(Design::new(many, 8, 0), Err(SensitivityError::TooManyFactors { .. })));
        let d = Design::new(three(), 4, 0).unwrap();
        assert!(matches!(analyse(&d, &[0.0; 3], 10), Err(SensitivityError::Outputs { given: 3, expected: 20 })));
    }

    #[test]
    fn additive_model_has_equal_first_and_total_indices() {
        // y = x1 + 2 x2 on [0, 1]^2 plus an inert x3: S1 = ST = 1/5, 4/5, 0.
        let fs = vec![Factor::new("x1", 0.0, 1.0), Factor::new("x2", 0.0, 1.0), Factor::new("x3", 0.0, 1.0)];
        let d = Design::new(fs, 1024, 11).unwrap();
        let y = evaluate(&d, |e| e.values[0] + 2.0 * e.values[1]);
        let r = analyse(&d, &y, 200).unwrap();
        for (ix, want) in r.iter().zip([0.2, 0.8, 0.0]) {
            assert!((ix.s1 - want).abs() < 0.02, "{ix:?}");
            assert!((ix.st - want).abs() < 0.02, "{ix:?}");
            assert!(ix.s1_lo <= ix.s1 && ix.s1 <= ix.s1_hi, "{ix:?}");
        }
        // An inert factor's total effect is exactly zero.
        assert_eq!((r[2].st, r[2].st_lo, r[2].st_hi), (0.0, 0.0, 0.0));
    }

    #[test]
    fn ishigami_indices_are_recovered() {
        let d = Design::new(three(), 1024, 2020).unwrap();
        let y = evaluate(&d, |e| ishigami(&e.values, 7.0, 0.1));
        let r = analyse(&d, &y, 500).unwrap();
        for (ix, (s1, st)) in r.iter().zip(ishigami_indices(7.0, 0.1)) {
            assert!((ix.s1 - s1).abs() < 0.05 && (ix.st - st).abs() < 0.05, "{ix:?} vs {s1} {st}");
        }
        assert_eq!(r, analyse(&d, &y, 500).unwrap());
    }

    #[test]
    fn analytic_ishigami_values_match_the_literature() {
        let want = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
        for ((s1, st), (w1, wt)) in ishigami_indices(7.0, 0.1).into_iter().zip(want) {
            assert!((s1 - w1).abs() < 1e-4 && (st - wt).abs() < 1e-4, "{s1} {st}");
        }
    }

    #[test]
    fn incomplete_rows_are_left_out_and_constant_outputs_give_nan() {
        let d = Design::new(vec![Factor::new("x", 0.0, 1.0), Factor::new("y", 0.0, 1.0)], 64, 5).unwrap();
        let mut y = evaluate(&d, |e| e.values[0] * e.values[1]);
        y[5] = f64::NAN; // row 1
        y[9] = f64::NAN; // row 2
        let r = analyse(&d, &y, 50).unwrap();
        assert!(r.iter().all(|x| x.samples == 62 && x.s1.is_finite()));
        let flat = analyse(&d, &vec![0.1; d.len()], 50).unwrap();
        assert!(flat.iter().all(|x| x.s1.is_nan() && x.st_hi.is_nan() && x.samples == 64));
    }
}
