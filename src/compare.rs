//! Comparing strategies: per strategy and metric, the mean and 5th/95th
//! percentiles across replicates, the paired difference from baseline with
//! a 90% bootstrap interval, the share of replicates in which the strategy
//! beat baseline, and the do-no-harm flag. Pure functions of run results.

use crate::outcomes::sum;
use crate::rng::{StepKey, purpose_of};
use crate::run::RunResult;

/// A metric compared across strategies.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Name in `comparison.csv`.
    pub name: &'static str,
    /// Column of the run summary.
    pub column: usize,
    /// Scale for display (100 for shares shown as percentages).
    pub scale: f64,
    /// True for harms, where lower is better.
    pub harm: bool,
}

/// The compared metrics, in output order. `cost_per_point` is added
/// separately: it is a ratio of paired means.
pub const METRICS: [Metric; 11] = [
    Metric { name: "participation_end", column: sum::PARTICIPATION_END, scale: 100.0, harm: false },
    Metric { name: "participation_final", column: sum::PARTICIPATION_FINAL, scale: 100.0, harm: false },
    Metric { name: "held", column: sum::HELD, scale: 100.0, harm: false },
    Metric { name: "tipped", column: sum::TIPPED, scale: 100.0, harm: false },
    Metric { name: "tipping_month", column: sum::TIPPING_MONTH, scale: 1.0, harm: true },
    Metric { name: "sanctions_total", column: sum::SANCTIONS_TOTAL, scale: 1.0, harm: true },
    Metric { name: "violence_total", column: sum::VIOLENCE_TOTAL, scale: 1.0, harm: true },
    Metric { name: "women_sanctioned_mean", column: sum::WOMEN_SANCTIONED_MEAN, scale: 100.0, harm: true },
    Metric { name: "participation_gap_end", column: sum::PARTICIPATION_GAP_END, scale: 100.0, harm: true },
    Metric { name: "participation_gap_final", column: sum::PARTICIPATION_GAP_FINAL, scale: 100.0, harm: true },
    Metric { name: "cost_total", column: sum::COST_TOTAL, scale: 1.0, harm: true },
];

/// One row of `comparison.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub strategy: String,
    pub metric: &'static str,
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
    /// Mean paired difference from baseline (NaN for baseline itself).
    pub diff_mean: f64,
    pub diff_lo: f64,
    pub diff_hi: f64,
    /// Share of replicates in which the strategy beat baseline.
    pub p_better: f64,
    /// Worse than baseline with 90% confidence on a harm (sanctions or violence).
    pub harm: bool,
}

/// Column names of `comparison.csv`.
pub const COLUMNS: [&str; 11] =
    ["strategy", "metric", "mean", "p05", "p95", "diff_mean", "diff_lo", "diff_hi", "p_better", "harm", "replicates"];

/// Percentile (linear interpolation) of sorted values.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| !x.is_nan());
    v.sort_by(f64::total_cmp);
    v
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// Bootstrap resamples for intervals.
pub const BOOTSTRAP: u32 = 2000;

/// 90% percentile-bootstrap interval of `stat` over paired samples, with a
/// fixed stream so the same inputs give the same interval.
pub fn bootstrap(pairs: &[(f64, f64)], stat: impl Fn(&[(f64, f64)]) -> f64, label: &str) -> (f64, f64) {
    let n = pairs.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let key = StepKey::new(0, 0, purpose_of(label));
    let mut stats = Vec::with_capacity(BOOTSTRAP as usize);
    let mut sample = Vec::with_capacity(n);
    for b in 0..BOOTSTRAP {
        sample.clear();
        for k in 0..n {
            sample.push(pairs[(key.uniform64(b, k as u32) * n as f64) as usize % n]);
        }
        stats.push(stat(&sample));
    }
    let s = sorted(stats);
    (percentile(&s, 0.05), percentile(&s, 0.95))
}

/// Summary values of `strategy` by replicate.
fn by_replicate(results: &[RunResult], strategy: &str, column: usize) -> Vec<(u32, f64)> {
    results.iter().filter(|r| r.id.strategy == strategy).map(|r| (r.id.replicate, r.summary[column])).collect()
}

/// Pairs (baseline, strategy) for replicates both ran; NaN pairs dropped.
fn paired(base: &[(u32, f64)], other: &[(u32, f64)]) -> Vec<(f64, f64)> {
    other
        .iter()
        .filter_map(|&(r, y)| base.iter().find(|b| b.0 == r).map(|b| (b.1, y)))
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .collect()
}

/// Compare every strategy in `results` with `baseline`.
pub fn compare(results: &[RunResult], strategies: &[String], baseline: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for s in strategies {
        for m in METRICS {
            let mine = by_replicate(results, s, m.column);
            let values = sorted(mine.iter().map(|x| x.1).collect());
            let base = by_replicate(results, baseline, m.column);
            let pairs = if s == baseline { Vec::new() } else { paired(&base, &mine) };
            let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
            let (lo, hi) = bootstrap(&pairs, |p| mean(&p.iter().map(|(a, b)| b - a).collect::<Vec<_>>()), &format!("{s}/{}", m.name));
            let better = diffs.iter().filter(|d| if m.harm { **d < 0.0 } else { **d > 0.0 }).count();
            let is_harm = matches!(m.name, "sanctions_total" | "violence_total" | "women_sanctioned_mean");
            rows.push(Row {
                strategy: s.clone(),
                metric: m.name,
                mean: mean(&values),
                p05: percentile(&values, 0.05),
                p95: percentile(&values, 0.95),
                diff_mean: if pairs.is_empty() { f64::NAN } else { mean(&diffs) },
                diff_lo: lo,
                diff_hi: hi,
                p_better: if pairs.is_empty() { f64::NAN } else { better as f64 / pairs.len() as f64 },
                harm: is_harm && lo > 0.0,
            });
        }
        rows.push(cost_per_point(results, s, baseline));
    }
    rows
}

/// Cost per percentage point of end-of-programme participation gained over
/// baseline: mean cost over mean gain (in points), with a bootstrap
/// interval. NaN where the gain is not positive.
fn cost_per_point(results: &[RunResult], s: &str, baseline: &str) -> Row {
    let gain = paired(&by_replicate(results, baseline, sum::PARTICIPATION_END), &by_replicate(results, s, sum::PARTICIPATION_END));
    let cost = by_replicate(results, s, sum::COST_TOTAL);
    // Pairs of (gain in points, cost), per replicate.
    let pairs: Vec<(f64, f64)> = gain.iter().zip(&cost).map(|((a, b), (_, c))| (100.0 * (b - a), *c)).collect();
    let ratio = |p: &[(f64, f64)]| {
        let g = mean(&p.iter().map(|x| x.0).collect::<Vec<_>>());
        let c = mean(&p.iter().map(|x| x.1).collect::<Vec<_>>());
        if g > 0.0 { c / g } else { f64::NAN }
    };
    let value = if s == baseline { f64::NAN } else { ratio(&pairs) };
    let (lo, hi) = if s == baseline { (f64::NAN, f64::NAN) } else { bootstrap(&pairs, ratio, &format!("{s}/cost_per_point")) };
    Row {
        strategy: s.to_string(),
        metric: "cost_per_point",
        mean: value,
        p05: lo,
        p95: hi,
        diff_mean: f64::NAN,
        diff_lo: f64::NAN,
        diff_hi: f64::NAN,
        p_better: f64::NAN,
        harm: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let v = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(percentile(&v, 0.0), 0.0);
        assert_eq!(percentile(&v, 0.5), 20.0);
        assert_eq!(percentile(&v, 0.95), 38.0);
    }

    #[test]
    fn bootstrap_interval_covers_the_mean_and_is_deterministic() {
        let pairs: Vec<(f64, f64)> = (0..20).map(|i| (0.0, 1.0 + (i % 5) as f64 * 0.1)).collect();
        let stat = |p: &[(f64, f64)]| mean(&p.iter().map(|(a, b)| b - a).collect::<Vec<_>>());
        let (lo, hi) = bootstrap(&pairs, stat, "t");
        assert!(lo < 1.2 && hi > 1.2 && lo > 1.0 && hi < 1.4, "{lo} {hi}");
        assert_eq!((lo, hi), bootstrap(&pairs, stat, "t"));
    }
}
