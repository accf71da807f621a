//! Comparing strategies: per strategy and metric, the mean and 5th/95th
//! percentiles across replicates, the paired difference from baseline with
//! a 90% bootstrap interval, the share of replicates in which the strategy
//! beat baseline, and the verdicts on harm and exposure. Pure functions of
//! run results.
//!
//! The two verdicts are defined here once, and the terminal table,
//! `comparison.csv`, `report.html` and every figure read them from here
//! (the figures and the report through `comparison.csv`'s `verdict`
//! column):
//!
//! - **Harm** to participating women ([`Verdict::Harm`]): each one's risk
//!   of being sanctioned rose. The risk is `women_sanctioned_mean` (the
//!   share of women taking part who were sanctioned in a month, averaged
//!   over the run); harm when its paired difference's 90% interval lies
//!   above 0.
//! - **Exposure** ([`Verdict::Exposure`]): more sanctions in all
//!   (`sanctions_total`, 90% interval above 0), which follows when more
//!   women take part even if each one's risk falls.
//!
//! Intervals, percentiles and verdicts need at least [`MIN_REPLICATES`]
//! replicates; with fewer, those cells are empty (NaN) and the verdict is
//! [`Verdict::TooFewReplicates`]. Never prints or reads files.

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
    /// True where lower is better (harms, costs, delays).
    pub lower_better: bool,
    /// The verdict this metric carries, if any.
    pub concern: Option<Concern>,
}

/// What a verdict is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concern {
    /// Harm to participating women: each one's risk of being sanctioned.
    Harm,
    /// Exposure: sanctions in all.
    Exposure,
}

/// The metric whose rise is harm to participating women.
pub const HARM_METRIC: &str = "women_sanctioned_mean";
/// The metric whose rise is exposure.
pub const EXPOSURE_METRIC: &str = "sanctions_total";

/// Fewest replicates for intervals, percentiles and verdicts.
pub const MIN_REPLICATES: usize = 5;

/// What harm means (for the terminal, the report and the documentation):
/// "Harm: ..." completes it.
pub const HARM_MEANS: &str = "each participating woman's risk of being sanctioned \
     (the share of women taking part sanctioned in a month) rose above baseline, with 90% confidence";
/// What exposure means: "Exposure: ..." completes it.
pub const EXPOSURE_MEANS: &str = "more sanctions in all than baseline, with 90% confidence, \
     as more women take part; each one's risk may still fall";

/// The warning given instead of intervals and verdicts when a comparison
/// has fewer than [`MIN_REPLICATES`] replicates.
pub fn too_few_warning(replicates: usize) -> String {
    format!(
        "{replicates} replicate{} too few for intervals or verdicts on harm: need at least {MIN_REPLICATES} \
         (20 or more for stable intervals); means only",
        if replicates == 1 { " is" } else { "s are" }
    )
}

/// The same warning in a few words, for a figure's subtitle.
pub fn too_few_short(replicates: usize) -> String {
    format!(
        "{replicates} replicate{}: too few for intervals or verdicts (need at least {MIN_REPLICATES})",
        if replicates == 1 { "" } else { "s" }
    )
}

/// The compared metrics, in output order. `cost_per_point` is added
/// separately: it is a ratio of paired means.
pub const METRICS: [Metric; 11] = {
    const fn m(name: &'static str, column: usize, scale: f64, lower_better: bool, concern: Option<Concern>) -> Metric {
        Metric { name, column, scale, lower_better, concern }
    }
    [
        m("participation_end", sum::PARTICIPATION_END, 100.0, false, None),
        m("participation_final", sum::PARTICIPATION_FINAL, 100.0, false, None),
        m("held", sum::HELD, 100.0, false, None),
        m("tipped", sum::TIPPED, 100.0, false, None),
        m("tipping_month", sum::TIPPING_MONTH, 1.0, true, None),
        m(EXPOSURE_METRIC, sum::SANCTIONS_TOTAL, 1.0, true, Some(Concern::Exposure)),
        m("violence_total", sum::VIOLENCE_TOTAL, 1.0, true, None),
        m(HARM_METRIC, sum::WOMEN_SANCTIONED_MEAN, 100.0, true, Some(Concern::Harm)),
        m("participation_gap_end", sum::PARTICIPATION_GAP_END, 100.0, true, None),
        m("participation_gap_final", sum::PARTICIPATION_GAP_FINAL, 100.0, true, None),
        m("cost_total", sum::COST_TOTAL, 1.0, true, None),
    ]
};

/// A row's verdict, as written in `comparison.csv`'s `verdict` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// This metric carries no verdict, or the row is baseline's (empty cell).
    NotApplicable,
    /// Fewer than [`MIN_REPLICATES`] replicates: no verdict.
    TooFewReplicates,
    /// [`HARM_METRIC`]'s paired difference's 90% interval lies above 0.
    Harm,
    /// It does not.
    NoHarm,
    /// [`EXPOSURE_METRIC`]'s paired difference's 90% interval lies above 0.
    Exposure,
    /// It does not.
    NoExposure,
}

impl Verdict {
    /// Every verdict, for parsing and documentation.
    pub const ALL: [Verdict; 6] =
        [Verdict::NotApplicable, Verdict::TooFewReplicates, Verdict::Harm, Verdict::NoHarm, Verdict::Exposure, Verdict::NoExposure];

    /// The cell in `comparison.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "",
            Verdict::TooFewReplicates => "too_few_replicates",
            Verdict::Harm => "harm",
            Verdict::NoHarm => "no_harm",
            Verdict::Exposure => "exposure",
            Verdict::NoExposure => "no_exposure",
        }
    }

    /// The verdict a cell names.
    pub fn parse(cell: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == cell)
    }

    /// The verdict on `concern` from a paired difference's interval, with
    /// `replicates` pairs.
    pub fn judge(concern: Concern, diff_lo: f64, replicates: usize) -> Verdict {
        let above = diff_lo > 0.0;
        match concern {
            _ if replicates < MIN_REPLICATES => Verdict::TooFewReplicates,
            Concern::Harm if above => Verdict::Harm,
            Concern::Harm => Verdict::NoHarm,
            Concern::Exposure if above => Verdict::Exposure,
            Concern::Exposure => Verdict::NoExposure,
        }
    }
}

/// A strategy's verdicts, gathered from its rows' [`Verdict`]s: the one
/// reading the terminal, the report and the figures share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Each participating woman's risk of being sanctioned rose.
    pub harm: bool,
    /// More sanctions in all.
    pub exposure: bool,
    /// Too few replicates for a verdict (then `harm` and `exposure` are false).
    pub too_few: bool,
    /// The rows carried a verdict at all (false for baseline).
    pub judged: bool,
}

impl Findings {
    /// Gather a strategy's verdicts.
    pub fn of(verdicts: impl IntoIterator<Item = Verdict>) -> Findings {
        let mut f = Findings::default();
        for v in verdicts {
            f.judged |= v != Verdict::NotApplicable;
            f.too_few |= v == Verdict::TooFewReplicates;
            f.harm |= v == Verdict::Harm;
            f.exposure |= v == Verdict::Exposure;
        }
        f
    }

    /// A few words for a table cell: "harm and exposure", "exposure only",
    /// "neither", "no verdict (too few replicates)", or "" for baseline.
    pub fn words(&self) -> &'static str {
        match (self.judged, self.too_few, self.harm, self.exposure) {
            (false, ..) => "",
            (_, true, ..) => "no verdict (too few replicates)",
            (_, _, true, true) => "harm and exposure",
            (_, _, true, false) => "harm",
            (_, _, false, true) => "exposure only",
            (_, _, false, false) => "neither",
        }
    }
}

/// One row of `comparison.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub strategy: String,
    pub metric: &'static str,
    pub mean: f64,
    /// 5th and 95th percentiles across replicates (NaN below [`MIN_REPLICATES`]).
    pub p05: f64,
    pub p95: f64,
    /// Mean paired difference from baseline (NaN for baseline itself).
    pub diff_mean: f64,
    /// 90% interval of the mean paired difference (NaN for baseline and
    /// below [`MIN_REPLICATES`]).
    pub diff_lo: f64,
    pub diff_hi: f64,
    /// Share of replicates in which the strategy beat baseline.
    pub p_better: f64,
    /// The verdict on harm or exposure, where the metric carries one.
    pub verdict: Verdict,
    /// Replicates of this strategy.
    pub replicates: usize,
}

/// Column names of `comparison.csv`, in [`Row::record`] order.
pub const COLUMNS: [&str; 11] =
    ["strategy", "metric", "mean", "p05", "p95", "diff_mean", "diff_lo", "diff_hi", "p_better", "verdict", "replicates"];

impl Row {
    /// The row's cells in [`COLUMNS`] order (numbers as [`crate::output::num`]
    /// writes them: NaN as an empty cell).
    pub fn record(&self) -> [String; COLUMNS.len()] {
        use crate::output::num;
        [
            self.strategy.clone(),
            self.metric.to_string(),
            num(self.mean),
            num(self.p05),
            num(self.p95),
            num(self.diff_mean),
            num(self.diff_lo),
            num(self.diff_hi),
            num(self.p_better),
            self.verdict.as_str().to_string(),
            self.replicates.to_string(),
        ]
    }
}

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
        let replicates = results.iter().filter(|r| r.id.strategy == *s).count();
        let enough = replicates >= MIN_REPLICATES;
        for m in METRICS {
            let mine = by_replicate(results, s, m.column);
            let values = sorted(mine.iter().map(|x| x.1).collect());
            let base = by_replicate(results, baseline, m.column);
            let pairs = if s == baseline { Vec::new() } else { paired(&base, &mine) };
            let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
            let (lo, hi) = if enough && pairs.len() >= MIN_REPLICATES {
                bootstrap(&pairs, |p| mean(&p.iter().map(|(a, b)| b - a).collect::<Vec<_>>()), &format!("{s}/{}", m.name))
            } else {
                (f64::NAN, f64::NAN)
            };
            let better = diffs.iter().filter(|d| if m.lower_better { **d < 0.0 } else { **d > 0.0 }).count();
            let verdict = match m.concern {
                Some(c) if s != baseline => Verdict::judge(c, lo, replicates.min(pairs.len())),
                _ => Verdict::NotApplicable,
            };
            let spread = |q: f64| if values.len() >= MIN_REPLICATES { percentile(&values, q) } else { f64::NAN };
            rows.push(Row {
                strategy: s.clone(),
                metric: m.name,
                mean: mean(&values),
                p05: spread(0.05),
                p95: spread(0.95),
                diff_mean: if pairs.is_empty() { f64::NAN } else { mean(&diffs) },
                diff_lo: lo,
                diff_hi: hi,
                p_better: if pairs.is_empty() { f64::NAN } else { better as f64 / pairs.len() as f64 },
                verdict,
                replicates,
            });
        }
        rows.push(cost_per_point(results, s, baseline, replicates));
    }
    rows
}

/// Cost per percentage point of end-of-programme participation gained over
/// baseline: mean cost over mean gain (in points), with a bootstrap
/// interval (from [`MIN_REPLICATES`] replicates) in `p05` and `p95`. NaN
/// where the gain is not positive.
fn cost_per_point(results: &[RunResult], s: &str, baseline: &str, replicates: usize) -> Row {
    let base = by_replicate(results, baseline, sum::PARTICIPATION_END);
    let end = by_replicate(results, s, sum::PARTICIPATION_END);
    let cost = by_replicate(results, s, sum::COST_TOTAL);
    // Pairs of (gain in points, cost), per replicate: each replicate's cost
    // with its own gain over baseline on the same replicate (`end` and
    // `cost` list this strategy's runs in one order), replicates baseline
    // lacks or with a NaN left out together.
    let pairs: Vec<(f64, f64)> = end
        .iter()
        .zip(&cost)
        .filter_map(|(&(r, y), &(_, c))| base.iter().find(|b| b.0 == r).map(|b| (100.0 * (y - b.1), c)))
        .filter(|(g, c)| !g.is_nan() && !c.is_nan())
        .collect();
    let ratio = |p: &[(f64, f64)]| {
        let g = mean(&p.iter().map(|x| x.0).collect::<Vec<_>>());
        let c = mean(&p.iter().map(|x| x.1).collect::<Vec<_>>());
        if g > 0.0 { c / g } else { f64::NAN }
    };
    let value = if s == baseline { f64::NAN } else { ratio(&pairs) };
    let (lo, hi) = if s == baseline || pairs.len() < MIN_REPLICATES {
        (f64::NAN, f64::NAN)
    } else {
        bootstrap(&pairs, ratio, &format!("{s}/cost_per_point"))
    };
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
        verdict: Verdict::NotApplicable,
        replicates,
    }
}

/// Each strategy's [`Findings`], from its rows, in the order of `strategies`.
pub fn findings(rows: &[Row], strategies: &[String]) -> Vec<(String, Findings)> {
    strategies.iter().map(|s| (s.clone(), Findings::of(rows.iter().filter(|r| r.strategy == *s).map(|r| r.verdict)))).collect()
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

    /// Results of `strategies` (name, risk change, sanctions change) over
    /// `reps` replicates, around a baseline whose values vary by replicate.
    fn results(reps: u32, strategies: &[(&str, f64, f64)]) -> Vec<RunResult> {
        let mut out = Vec::new();
        for (k, (name, risk, sanctions)) in std::iter::once(&("baseline", 0.0, 0.0)).chain(strategies).enumerate() {
            for r in 0..reps {
                let mut summary = [f64::NAN; crate::outcomes::SUMMARY_COLUMNS.len()];
                let noise = f64::from(r % 3) * 0.01;
                summary[sum::WOMEN_SANCTIONED_MEAN] = 0.10 + noise + risk;
                summary[sum::SANCTIONS_TOTAL] = 100.0 + 10.0 * noise + sanctions;
                summary[sum::PARTICIPATION_END] = 0.1 + noise + 0.01 * k as f64;
                summary[sum::COST_TOTAL] = 1000.0 * k as f64;
                out.push(RunResult {
                    id: crate::run::RunId { run_id: u64::from(r), strategy: name.to_string(), replicate: r, seed: u64::from(r) },
                    months: Vec::new(),
                    summary,
                    agents: 0,
                    ties: 0,
                    build_seconds: 0.0,
                    simulate_seconds: 0.0,
                    agent_steps: 0.0,
                    trace: None,
                });
            }
        }
        out
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cost_per_point_pairs_each_replicates_cost_with_its_own_gain() {
        // Costs 1000, 2000, ... by replicate; gains 1, 2, ... points. With
        // baseline's replicate 0 missing, the pairs left are replicates 1..=5:
        // mean cost 3000 over mean gain 3 points is 1000 a point (zipping
        // the costs from replicate 0 would give 2000 / 3).
        let mut res = results(6, &[("paid", 0.0, 0.0)]);
        for r in res.iter_mut().filter(|r| r.id.strategy == "paid") {
            let base = 0.1 + f64::from(r.id.replicate % 3) * 0.01;
            r.summary[sum::PARTICIPATION_END] = base + 0.01 * f64::from(r.id.replicate);
            r.summary[sum::COST_TOTAL] = 1000.0 * f64::from(r.id.replicate);
        }
        res.retain(|r| !(r.id.strategy == "baseline" && r.id.replicate == 0));
        let rows = compare(&res, &names(&["baseline", "paid"]), "baseline");
        let cpp = rows.iter().find(|r| r.strategy == "paid" && r.metric == "cost_per_point").unwrap();
        assert!((cpp.mean - 1000.0).abs() < 1e-6, "{}", cpp.mean);
    }

    #[test]
    fn harm_is_the_per_woman_risk_and_exposure_the_total() {
        // "riskier" raises each woman's risk and the total; "safer" lowers
        // each woman's risk but, with more women taking part, raises the total.
        let res = results(8, &[("riskier", 0.02, 30.0), ("safer", -0.02, 30.0), ("same", 0.0, 0.0)]);
        let rows = compare(&res, &names(&["baseline", "riskier", "safer", "same"]), "baseline");
        let verdict = |s: &str, m: &str| rows.iter().find(|r| r.strategy == s && r.metric == m).unwrap().verdict;
        assert_eq!(verdict("riskier", HARM_METRIC), Verdict::Harm);
        assert_eq!(verdict("riskier", EXPOSURE_METRIC), Verdict::Exposure);
        assert_eq!(verdict("safer", HARM_METRIC), Verdict::NoHarm);
        assert_eq!(verdict("safer", EXPOSURE_METRIC), Verdict::Exposure);
        assert_eq!(verdict("same", HARM_METRIC), Verdict::NoHarm);
        assert_eq!(verdict("same", EXPOSURE_METRIC), Verdict::NoExposure);
        assert_eq!(verdict("baseline", HARM_METRIC), Verdict::NotApplicable);
        // Violence and every other metric carry no verdict.
        assert!(
            rows.iter().filter(|r| r.metric != HARM_METRIC && r.metric != EXPOSURE_METRIC).all(|r| r.verdict == Verdict::NotApplicable)
        );
        let f = findings(&rows, &names(&["baseline", "riskier", "safer", "same"]));
        let want = [
            ("baseline", Findings::default(), ""),
            ("riskier", Findings { harm: true, exposure: true, too_few: false, judged: true }, "harm and exposure"),
            ("safer", Findings { harm: false, exposure: true, too_few: false, judged: true }, "exposure only"),
            ("same", Findings { harm: false, exposure: false, too_few: false, judged: true }, "neither"),
        ];
        for ((name, got), (wname, wf, words)) in f.iter().zip(want) {
            assert_eq!((name.as_str(), *got, got.words()), (wname, wf, words));
        }
    }

    #[test]
    fn below_five_replicates_there_is_no_interval_and_no_verdict() {
        for reps in 1..MIN_REPLICATES as u32 {
            let res = results(reps, &[("riskier", 0.02, 30.0)]);
            let rows = compare(&res, &names(&["baseline", "riskier"]), "baseline");
            for r in rows.iter().filter(|r| r.strategy == "riskier") {
                assert!(r.diff_lo.is_nan() && r.diff_hi.is_nan() && r.p05.is_nan() && r.p95.is_nan(), "{reps}: {r:?}");
                assert_eq!(r.replicates, reps as usize);
                if [HARM_METRIC, EXPOSURE_METRIC, "participation_end"].contains(&r.metric) {
                    assert!(r.diff_mean.is_finite(), "{reps}: the mean difference is still given: {r:?}");
                }
                let want =
                    if r.metric == HARM_METRIC || r.metric == EXPOSURE_METRIC { Verdict::TooFewReplicates } else { Verdict::NotApplicable };
                assert_eq!(r.verdict, want, "{reps}: {}", r.metric);
            }
            let f = Findings::of(rows.iter().filter(|r| r.strategy == "riskier").map(|r| r.verdict));
            assert!(f.too_few && !f.harm && !f.exposure, "{reps}: {f:?}");
            assert!(too_few_warning(reps as usize).contains("at least 5"));
        }
        // At five, intervals and verdicts appear.
        let res = results(5, &[("riskier", 0.02, 30.0)]);
        let rows = compare(&res, &names(&["baseline", "riskier"]), "baseline");
        let risk = rows.iter().find(|r| r.strategy == "riskier" && r.metric == HARM_METRIC).unwrap();
        assert!(risk.diff_lo > 0.0 && risk.verdict == Verdict::Harm, "{risk:?}");
    }

    #[test]
    fn verdict_cells_round_trip_and_records_match_the_columns() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("true"), None);
        let rows = compare(&results(2, &[("s", 0.0, 0.0)]), &names(&["baseline", "s"]), "baseline");
        let r = rows.iter().find(|r| r.strategy == "s" && r.metric == HARM_METRIC).unwrap().record();
        assert_eq!(r.len(), COLUMNS.len());
        assert_eq!((r[6].as_str(), r[7].as_str(), r[9].as_str(), r[10].as_str()), ("", "", "too_few_replicates", "2"));
    }
}
