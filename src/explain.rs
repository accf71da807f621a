//! What drives a gain (`compare --explain`): each strategy's gain over
//! baseline split into the channels it acts through ([`Channel`]), by
//! running the strategy again with one channel switched off at a time on
//! the same replicates (same world, same burn-in, same draws: common random
//! numbers) and pairing the runs replicate by replicate.
//!
//! For a strategy, a metric and a replicate r:
//!
//! - `gain_r` = strategy − baseline, every channel on (as `compare`);
//! - `gain_off_r(c)` = strategy with channel `c` off − baseline;
//! - `contribution_r(c)` = `gain_r − gain_off_r(c)`;
//! - `leftover_r` = `gain_r − Σ_c contribution_r(c)`.
//!
//! So the contributions and the leftover add up to the gain in every
//! replicate. The leftover is what no single channel accounts for: what
//! the strategy does through no channel (a seat holder attending, a
//! champion's own public support), plus the interactions between
//! channels: negative where channels need each other (switching either off
//! loses the same points, counted twice), positive where one can stand in
//! for another (switching either off loses little). Each row's mean comes
//! with the 90% percentile-bootstrap interval `compare` uses
//! ([`crate::compare::bootstrap`]); the total's interval is `compare`'s
//! own. Baseline uses no channel, so its runs are the same with any
//! channel off and are not rerun.
//!
//! Pure functions of run results and the scenario; never prints, reads
//! files or runs anything itself (the caller runs [`plan`]'s variants with
//! [`crate::run::Job::try_run_with`]).

use crate::compare::{MIN_REPLICATES, bootstrap};
use crate::interventions::channels_of;
use crate::model::levers::{Channel, Channels};
use crate::outcomes::sum;
use crate::run::RunResult;
use crate::scenario::Scenario;

/// The metrics explained: name (as in `comparison.csv`) and summary column.
pub const METRICS: [(&str, usize); 2] = [("participation_end", sum::PARTICIPATION_END), ("participation_final", sum::PARTICIPATION_FINAL)];

/// One extra run per replicate: strategy `strategy` (a position in the
/// compared strategies) with `channel` switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    pub strategy: usize,
    pub channel: Channel,
}

/// The variants to run: for each compared strategy but `baseline`, one per
/// channel its interventions act through (in [`Channel::ALL`] order).
/// `strategies` are indices into `scenario.strategies`.
pub fn plan(scenario: &Scenario, strategies: &[usize], baseline: &str) -> Vec<Variant> {
    let mut out = Vec::new();
    for (k, &si) in strategies.iter().enumerate() {
        let st = &scenario.strategies[si];
        if st.name == baseline {
            continue;
        }
        out.extend(channels_of(&st.interventions).into_iter().map(|channel| Variant { strategy: k, channel }));
    }
    out
}

/// The channels of each variant's runs, given the scenario's own.
pub fn channels(variants: &[Variant], own: Channels) -> Vec<Channels> {
    variants.iter().map(|v| own.without(v.channel)).collect()
}

/// What a row of `explain.csv` is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The whole gain over baseline (every channel on).
    Total,
    /// What switching this channel off loses.
    Channel(Channel),
    /// The gain less every channel's contribution.
    Leftover,
}

impl Part {
    /// The `channel` cell.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Total => "total",
            Part::Channel(c) => c.as_str(),
            Part::Leftover => "leftover",
        }
    }

    /// The part a cell names.
    pub fn parse(cell: &str) -> Option<Part> {
        match cell {
            "total" => Some(Part::Total),
            "leftover" => Some(Part::Leftover),
            c => Channel::parse(c).map(Part::Channel),
        }
    }
}

/// One strategy's gain on one metric, split replicate by replicate.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub strategy: String,
    pub metric: &'static str,
    /// Replicates, in order (those where every run involved has a value).
    pub replicates: Vec<u32>,
    /// Baseline's value per replicate.
    pub baseline: Vec<f64>,
    /// The gain per replicate (every channel on).
    pub gain: Vec<f64>,
    /// Per channel: the gain with it off, per replicate.
    pub gain_off: Vec<(Channel, Vec<f64>)>,
    /// Per channel: its contribution, per replicate.
    pub contributions: Vec<(Channel, Vec<f64>)>,
    /// The gain less the contributions, per replicate.
    pub leftover: Vec<f64>,
}

/// Split every compared strategy's gain. `results` are the runs of the job
/// that ran `names` (the compared strategies, in order) followed by
/// `variants`, over `replicates` replicates: run id `k * replicates + i`
/// is entry k (a strategy, or variant `k - names.len()`) on its i-th
/// replicate, as [`crate::run::Job`] numbers them.
pub fn decompose(results: &[RunResult], names: &[String], variants: &[Variant], replicates: usize, baseline: &str) -> Vec<Split> {
    let run = |k: usize, i: usize| results.iter().find(|r| r.id.run_id == (k * replicates + i) as u64);
    let value = |k: usize, i: usize, column: usize| run(k, i).map(|r| r.summary[column]).filter(|x| !x.is_nan());
    let Some(b) = names.iter().position(|n| n == baseline) else { return Vec::new() };
    let mut out = Vec::new();
    for (k, name) in names.iter().enumerate() {
        if k == b {
            continue;
        }
        let mine: Vec<(usize, Channel)> =
            variants.iter().enumerate().filter(|(_, v)| v.strategy == k).map(|(j, v)| (names.len() + j, v.channel)).collect();
        for (metric, column) in METRICS {
            let mut split = Split {
                strategy: name.clone(),
                metric,
                replicates: Vec::new(),
                baseline: Vec::new(),
                gain: Vec::new(),
                gain_off: mine.iter().map(|&(_, c)| (c, Vec::new())).collect(),
                contributions: mine.iter().map(|&(_, c)| (c, Vec::new())).collect(),
                leftover: Vec::new(),
            };
            for i in 0..replicates {
                let (Some(base), Some(on)) = (value(b, i, column), value(k, i, column)) else { continue };
                let Some(off) = mine.iter().map(|&(e, _)| value(e, i, column)).collect::<Option<Vec<f64>>>() else { continue };
                let gain = on - base;
                let mut explained = 0.0;
                for (j, off) in off.iter().enumerate() {
                    let gain_off = off - base;
                    let c = gain - gain_off;
                    explained += c;
                    split.gain_off[j].1.push(gain_off);
                    split.contributions[j].1.push(c);
                }
                split.replicates.push(run(k, i).map_or(i as u32, |r| r.id.replicate));
                split.baseline.push(base);
                split.gain.push(gain);
                split.leftover.push(gain - explained);
            }
            out.push(split);
        }
    }
    out
}

/// One row of `explain.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub strategy: String,
    pub metric: &'static str,
    pub part: Part,
    /// Mean over replicates: the gain (total), the channel's contribution,
    /// or the leftover; a share (0.05 is 5 points).
    pub mean: f64,
    /// 90% interval of the mean (NaN below [`MIN_REPLICATES`]).
    pub lo: f64,
    pub hi: f64,
    /// Mean gain with the channel off (channel rows only, else NaN).
    pub gain_off: f64,
    /// Replicates paired.
    pub replicates: usize,
}

/// Column names of `explain.csv`, in [`Row::record`] order.
pub const COLUMNS: [&str; 8] = ["strategy", "metric", "channel", "mean", "lo", "hi", "gain_off", "replicates"];

impl Row {
    /// The row's cells in [`COLUMNS`] order (NaN as an empty cell).
    pub fn record(&self) -> [String; COLUMNS.len()] {
        use crate::output::num;
        [
            self.strategy.clone(),
            self.metric.to_string(),
            self.part.as_str().to_string(),
            num(self.mean),
            num(self.lo),
            num(self.hi),
            num(self.gain_off),
            self.replicates.to_string(),
        ]
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

/// Mean of `b − a` over `pairs` and its 90% interval (from
/// [`MIN_REPLICATES`] pairs), by `compare`'s bootstrap under `label`.
fn paired(pairs: &[(f64, f64)], label: &str) -> (f64, f64, f64) {
    let diff = |p: &[(f64, f64)]| mean(&p.iter().map(|(a, b)| b - a).collect::<Vec<_>>());
    let (lo, hi) = if pairs.len() >= MIN_REPLICATES { bootstrap(pairs, diff, label) } else { (f64::NAN, f64::NAN) };
    (diff(pairs), lo, hi)
}

/// The rows of `explain.csv` from the splits: per strategy and metric, the
/// total (its interval drawn as `compare` draws it, so it matches
/// `comparison.csv`), each channel, then the leftover.
pub fn rows(splits: &[Split]) -> Vec<Row> {
    let mut out = Vec::new();
    for s in splits {
        let n = s.gain.len();
        let row = |part: Part, (mean, lo, hi): (f64, f64, f64), gain_off: f64| Row {
            strategy: s.strategy.clone(),
            metric: s.metric,
            part,
            mean,
            lo,
            hi,
            gain_off,
            replicates: n,
        };
        let on: Vec<f64> = s.baseline.iter().zip(&s.gain).map(|(b, g)| b + g).collect();
        // compare's own pairs and label, so the total's interval is its.
        let total: Vec<(f64, f64)> = s.baseline.iter().copied().zip(on).collect();
        let mut t = paired(&total, &format!("{}/{}", s.strategy, s.metric));
        t.0 = mean(&s.gain);
        out.push(row(Part::Total, t, f64::NAN));
        for ((c, contrib), (_, off)) in s.contributions.iter().zip(&s.gain_off) {
            let pairs: Vec<(f64, f64)> = contrib.iter().map(|x| (0.0, *x)).collect();
            let stats = paired(&pairs, &format!("{}/{}/explain/{}", s.strategy, s.metric, c.as_str()));
            out.push(row(Part::Channel(*c), (mean(contrib), stats.1, stats.2), mean(off)));
        }
        let pairs: Vec<(f64, f64)> = s.leftover.iter().map(|x| (0.0, *x)).collect();
        let stats = paired(&pairs, &format!("{}/{}/explain/leftover", s.strategy, s.metric));
        out.push(row(Part::Leftover, (mean(&s.leftover), stats.1, stats.2), f64::NAN));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunId;

    fn run(run_id: u64, replicate: u32, end: f64) -> RunResult {
        let mut summary = [f64::NAN; crate::outcomes::SUMMARY_COLUMNS.len()];
        summary[sum::PARTICIPATION_END] = end;
        summary[sum::PARTICIPATION_FINAL] = end / 2.0;
        RunResult {
            id: RunId { run_id, strategy: String::new(), replicate, seed: 0 },
            months: Vec::new(),
            summary,
            agents: 0,
            ties: 0,
            build_seconds: 0.0,
            simulate_seconds: 0.0,
            agent_steps: 0.0,
            trace: None,
        }
    }

    #[test]
    fn contributions_and_leftover_add_up_to_the_gain_in_every_replicate() {
        // baseline, s (two channels), then s without each channel; 6 replicates.
        let reps = 6;
        let names = vec!["baseline".to_string(), "s".to_string()];
        let variants = [Variant { strategy: 1, channel: Channel::Shield }, Variant { strategy: 1, channel: Channel::ChampionSupport }];
        let level = |k: usize, i: usize| match k {
            0 => 0.10 + 0.01 * i as f64,
            1 => 0.30 + 0.013 * i as f64,
            2 => 0.20 + 0.011 * i as f64,
            _ => 0.25 + 0.007 * (i % 3) as f64,
        };
        let results: Vec<RunResult> =
            (0..4).flat_map(|k| (0..reps).map(move |i| run((k * reps + i) as u64, i as u32, level(k, i)))).collect();
        let splits = decompose(&results, &names, &variants, reps, "baseline");
        assert_eq!(splits.len(), 2);
        for s in &splits {
            assert_eq!(s.replicates, (0..reps as u32).collect::<Vec<_>>());
            for i in 0..reps {
                let parts: f64 = s.contributions.iter().map(|(_, c)| c[i]).sum::<f64>() + s.leftover[i];
                assert!((parts - s.gain[i]).abs() < 1e-12, "{} {i}: {parts} vs {}", s.metric, s.gain[i]);
            }
        }
        let end = &splits[0];
        assert!((end.contributions[0].1[2] - (level(1, 2) - level(2, 2))).abs() < 1e-12);
        let rows = rows(&splits);
        assert_eq!(rows.len(), 2 * 4);
        let total = &rows[0];
        assert_eq!(total.part, Part::Total);
        assert!(total.lo <= total.mean && total.mean <= total.hi, "{total:?}");
        let sum: f64 = rows[1..4].iter().map(|r| r.mean).sum();
        assert!((sum - total.mean).abs() < 1e-12);
        for r in &rows {
            assert_eq!(Part::parse(r.part.as_str()), Some(r.part));
            assert_eq!(r.record().len(), COLUMNS.len());
        }
    }

    #[test]
    fn below_five_replicates_there_are_means_but_no_intervals() {
        let names = vec!["baseline".to_string(), "s".to_string()];
        let variants = [Variant { strategy: 1, channel: Channel::Exposure }];
        let results: Vec<RunResult> =
            (0..3).flat_map(|k| (0..4).map(move |i| run((k * 4 + i) as u64, i as u32, 0.1 * k as f64 + 0.01 * i as f64))).collect();
        for r in rows(&decompose(&results, &names, &variants, 4, "baseline")) {
            assert!(r.mean.is_finite() && r.lo.is_nan() && r.hi.is_nan(), "{r:?}");
            assert_eq!(r.replicates, 4);
        }
    }
}
