//! The targets file of a calibration: observed statistics (a level or a
//! paired effect size, with its uncertainty and source), read strictly
//! from TOML and checked against the scenario, and the same statistics
//! computed from simulated run results.
//!
//! ```toml
//! [[targets]]
//! name = "women attending a village meeting in a year, no programme"
//! metric = "participation"   # a runs.csv column, or a timeseries.csv column with month or window
//! strategy = "baseline"
//! month = 59                 # or window = [48, 59]; omitted: a runs.csv column
//! vs = "baseline"            # optional: the paired difference from another strategy
//! value = 0.21
//! sd = 0.04                  # or interval = [lo, hi], a 95% interval
//! source = "publication, table, page"
//! ```
//!
//! Every error names the file, line and column, the key, the bad value and
//! what is allowed. Never reads files or prints: the caller passes the text.

use crate::network::Csr;
use crate::outcomes::{MONTH_COLUMNS, SUMMARY_COLUMNS};
use crate::population::Agents;
use crate::run::{Job, RunResult};
use crate::scenario::Scenario;
use crate::scenario::error::Located;
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// The normal quantile of 0.975: an `interval` is read as a 95% interval,
/// so its half-width is this many standard deviations.
const Z_975: f64 = 1.959_963_984_540_054;

/// A problem with a targets file, located where possible.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct TargetsError {
    /// The file name or another origin.
    pub origin: String,
    /// 1-based line and column, where known.
    pub at: Option<(usize, usize)>,
    /// The key at fault (`targets.2.metric`), where known.
    pub key: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for TargetsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some((l, c)) = self.at {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        write!(f, "{}", crate::keys::did_you_mean(&self.message))
    }
}

/// What a target measures in one run.
#[derive(Clone, Debug, PartialEq)]
pub enum Statistic {
    /// A `runs.csv` column (index into `SUMMARY_COLUMNS`).
    Summary(usize),
    /// A `timeseries.csv` column (index into `MONTH_COLUMNS`), averaged
    /// over months `from..=to` (one month when equal).
    Months { column: usize, from: u32, to: u32 },
}

/// One observed statistic.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    /// The column name, as in the file.
    pub metric: String,
    pub statistic: Statistic,
    pub strategy: String,
    /// The strategy the paired difference is taken from, if any.
    pub vs: Option<String>,
    pub value: f64,
    /// Standard deviation (given, or from a 95% interval).
    pub sd: f64,
    pub source: String,
}

/// A checked targets file.
#[derive(Clone, Debug, PartialEq)]
pub struct Targets {
    pub targets: Vec<Target>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    targets: Spanned<Vec<Spanned<RawTarget>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    metric: Spanned<String>,
    strategy: Spanned<String>,
    month: Option<Spanned<i64>>,
    window: Option<Spanned<Vec<i64>>>,
    vs: Option<Spanned<String>>,
    value: Spanned<f64>,
    sd: Option<Spanned<f64>>,
    interval: Option<Spanned<Vec<f64>>>,
    source: Spanned<String>,
}

/// Read and check a targets file against `scenario` (its strategies and
/// its number of months). `origin` names the text in messages.
pub fn parse_targets(text: &str, origin: &str, scenario: &Scenario) -> Result<Targets, TargetsError> {
    let err = |at: Option<usize>, key: Option<String>, message: String| TargetsError {
        origin: origin.into(),
        at: at.map(|o| text.line_col(o)),
        key,
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        let message = if message.contains("missing field `targets`") {
            "no `[[targets]]`; a targets file lists at least one `[[targets]]` table with name, metric, strategy, value, sd or interval, and source"
                .to_string()
        } else {
            message
        };
        err(e.span().map(|s| s.start), None, message)
    })?;
    if raw.targets.get_ref().is_empty() {
        return Err(err(Some(raw.targets.span().start), Some("targets".into()), "the list of targets is empty; give at least one".into()));
    }
    let strategies: Vec<&str> = scenario.strategies.iter().map(|s| s.name.as_str()).collect();
    let last = scenario.steps.saturating_sub(1);
    let mut out: Vec<Target> = Vec::new();
    for (i, t) in raw.targets.into_inner().into_iter().enumerate() {
        let table = t.span().start;
        let t = t.into_inner();
        let key = |k: &str| Some(format!("targets.{i}.{k}"));
        let name = t.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(err(Some(t.name.span().start), key("name"), "the name is empty; say in words what the target measures".into()));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(err(Some(t.name.span().start), key("name"), format!("\"{name}\" names another target too; names must be unique")));
        }
        if t.source.get_ref().trim().is_empty() {
            return Err(err(Some(t.source.span().start), key("source"), "the source is empty; give the publication, table or page".into()));
        }
        for (k, s) in [("strategy", Some(&t.strategy)), ("vs", t.vs.as_ref())] {
            if let Some(s) = s
                && !strategies.contains(&s.get_ref().as_str())
            {
                return Err(err(
                    Some(s.span().start),
                    key(k),
                    format!("unknown strategy \"{}\"; the scenario's strategies are: {}", s.get_ref(), strategies.join(", ")),
                ));
            }
        }
        if let Some(vs) = &t.vs
            && vs.get_ref() == t.strategy.get_ref()
        {
            return Err(err(
                Some(vs.span().start),
                key("vs"),
                format!("\"{}\" is the target's own strategy; `vs` names the other strategy of a paired difference", vs.get_ref()),
            ));
        }
        let metric = t.metric.get_ref().as_str();
        let at_metric = Some(t.metric.span().start);
        let statistic = if let Some(c) = SUMMARY_COLUMNS.iter().position(|&c| c == metric) {
            if let Some(m) = t.month.as_ref().map(|m| m.span()).or(t.window.as_ref().map(|w| w.span())) {
                return Err(err(
                    Some(m.start),
                    key(if t.month.is_some() { "month" } else { "window" }),
                    format!(
                        "`{metric}` is a runs.csv column (one value per run); `month` and `window` apply only to timeseries.csv columns"
                    ),
                ));
            }
            Statistic::Summary(c)
        } else if let Some(c) = MONTH_COLUMNS.iter().position(|&c| c == metric) {
            let month = |v: i64, at: usize, k: &str| -> Result<u32, TargetsError> {
                if v < 0 || v > i64::from(last) {
                    Err(err(
                        Some(at),
                        key(k),
                        format!("month {v} is outside the scenario's months 0 to {last} (steps = {}; months count from 0)", scenario.steps),
                    ))
                } else {
                    Ok(v as u32)
                }
            };
            match (&t.month, &t.window) {
                (Some(_), Some(w)) => {
                    return Err(err(Some(w.span().start), key("window"), "give `month` or `window`, not both".into()));
                }
                (Some(m), None) => {
                    let m = month(*m.get_ref(), m.span().start, "month")?;
                    Statistic::Months { column: c, from: m, to: m }
                }
                (None, Some(w)) => {
                    let at = w.span().start;
                    let [a, b] = w.get_ref()[..] else {
                        return Err(err(
                            Some(at),
                            key("window"),
                            format!("a window is two months [first, last], got {} values", w.get_ref().len()),
                        ));
                    };
                    let (from, to) = (month(a, at, "window")?, month(b, at, "window")?);
                    if from > to {
                        return Err(err(Some(at), key("window"), format!("the window [{a}, {b}] ends before it starts")));
                    }
                    Statistic::Months { column: c, from, to }
                }
                (None, None) => {
                    return Err(err(
                        at_metric,
                        key("metric"),
                        format!(
                            "`{metric}` is a timeseries.csv column (one value per month); say which with `month = M` or `window = [FIRST, LAST]` (months 0 to {last})"
                        ),
                    ));
                }
            }
        } else {
            return Err(err(
                at_metric,
                key("metric"),
                format!(
                    "unknown metric \"{metric}\"; runs.csv columns: {}; timeseries.csv columns (with month or window): {}",
                    SUMMARY_COLUMNS.join(", "),
                    MONTH_COLUMNS.join(", ")
                ),
            ));
        };
        let value = *t.value.get_ref();
        if !value.is_finite() {
            return Err(err(Some(t.value.span().start), key("value"), format!("the value must be a finite number, got {value}")));
        }
        let sd = match (&t.sd, &t.interval) {
            (Some(_), Some(iv)) => {
                return Err(err(Some(iv.span().start), key("interval"), "give `sd` or `interval`, not both".into()));
            }
            (None, None) => {
                return Err(err(
                    Some(table),
                    Some(format!("targets.{i}")),
                    "no uncertainty; give `sd = S` (a standard deviation) or `interval = [LO, HI]` (a 95% interval)".into(),
                ));
            }
            (Some(sd), None) => {
                let v = *sd.get_ref();
                if !(v > 0.0 && v.is_finite()) {
                    return Err(err(Some(sd.span().start), key("sd"), format!("the sd must be a positive finite number, got {v}")));
                }
                v
            }
            (None, Some(iv)) => {
                let at = Some(iv.span().start);
                let [lo, hi] = iv.get_ref()[..] else {
                    return Err(err(
                        at,
                        key("interval"),
                        format!("an interval is two numbers [lo, hi], got {} values", iv.get_ref().len()),
                    ));
                };
                if !(lo.is_finite() && hi.is_finite() && hi > lo) {
                    return Err(err(
                        at,
                        key("interval"),
                        format!("the interval [{lo}, {hi}] must have finite ends with lo < hi (a positive width)"),
                    ));
                }
                if !(lo..=hi).contains(&value) {
                    return Err(err(at, key("interval"), format!("the value {value} lies outside its interval [{lo}, {hi}]")));
                }
                (hi - lo) / (2.0 * Z_975)
            }
        };
        out.push(Target {
            name,
            metric: metric.to_string(),
            statistic,
            strategy: t.strategy.into_inner(),
            vs: t.vs.map(Spanned::into_inner),
            value,
            sd,
            source: t.source.into_inner().trim().to_string(),
        });
    }
    Ok(Targets { targets: out })
}

/// Why a statistic cannot be computed from the results given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatisticError {
    #[error("target \"{target}\": no run of strategy \"{strategy}\" in the results")]
    NoRuns { target: String, strategy: String },
    #[error("target \"{target}\": replicate {replicate} of \"{strategy}\" has no paired run of \"{vs}\"")]
    Unpaired { target: String, strategy: String, vs: String, replicate: u32 },
    #[error("target \"{target}\": month {month} is past the {months} months simulated")]
    Month { target: String, month: u32, months: usize },
    #[error("the scenario has no strategy \"{strategy}\", which the targets need")]
    NoStrategy { strategy: String },
}

impl Targets {
    /// Observed values, in file order.
    pub fn observed(&self) -> Vec<f64> {
        self.targets.iter().map(|t| t.value).collect()
    }

    /// Uncertainties (standard deviations), in file order.
    pub fn sds(&self) -> Vec<f64> {
        self.targets.iter().map(|t| t.sd).collect()
    }

    /// Names of the strategies the targets need (each once, in the order of
    /// first use), so a simulation runs only those.
    pub fn strategies(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.targets {
            for s in std::iter::once(&t.strategy).chain(t.vs.as_ref()) {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        out
    }

    /// Each target's simulated statistic: the metric of its strategy's
    /// runs (minus that of the `vs` strategy's run of the same replicate,
    /// for a paired difference), averaged over replicates. A metric with
    /// no value in a run (NaN, e.g. `tipping_month` when it never tipped)
    /// makes the statistic NaN.
    pub fn statistics(&self, results: &[RunResult]) -> Result<Vec<f64>, StatisticError> {
        self.targets.iter().map(|t| statistic(t, results)).collect()
    }

    /// One simulation of a calibration: run `scenario` (its seed, its
    /// replicates, only the strategies the targets need, no trace) and
    /// return the targets' statistics. `loaded` is a network read from
    /// files, if the scenario uses one.
    pub fn simulate(&self, scenario: &Scenario, loaded: Option<&(Agents, Csr)>) -> Result<Vec<f64>, StatisticError> {
        let strategies = self
            .strategies()
            .into_iter()
            .map(|n| scenario.strategies.iter().position(|s| s.name == n).ok_or(StatisticError::NoStrategy { strategy: n }))
            .collect::<Result<Vec<usize>, _>>()?;
        let job = Job {
            scenario,
            reach: vec![1.0; strategies.len()],
            strategies,
            replicates: 0..scenario.replicates,
            loaded,
            trace: false,
            stop: None,
        };
        self.statistics(&job.run(&|_| {}))
    }
}

fn value_of(t: &Target, r: &RunResult) -> Result<f64, StatisticError> {
    match t.statistic {
        Statistic::Summary(c) => Ok(r.summary[c]),
        Statistic::Months { column, from, to } => {
            if to as usize >= r.months.len() {
                return Err(StatisticError::Month { target: t.name.clone(), month: to, months: r.months.len() });
            }
            let m = &r.months[from as usize..=to as usize];
            Ok(m.iter().map(|m| m[column]).sum::<f64>() / m.len() as f64)
        }
    }
}

fn statistic(t: &Target, results: &[RunResult]) -> Result<f64, StatisticError> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for r in results.iter().filter(|r| r.id.strategy == t.strategy) {
        let mut v = value_of(t, r)?;
        if let Some(vs) = &t.vs {
            let other = results.iter().find(|o| o.id.strategy == *vs && o.id.replicate == r.id.replicate).ok_or_else(|| {
                StatisticError::Unpaired { target: t.name.clone(), strategy: t.strategy.clone(), vs: vs.clone(), replicate: r.id.replicate }
            })?;
            v -= value_of(t, other)?;
        }
        sum += v;
        n += 1;
    }
    if n == 0 {
        return Err(StatisticError::NoRuns { target: t.name.clone(), strategy: t.strategy.clone() });
    }
    Ok(sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcomes::{col, sum};
    use crate::run::RunId;
    use crate::scenario::{builtin, parse_scenario};

    fn scenario() -> Scenario {
        parse_scenario(builtin("default").unwrap(), "default", &["steps=60".into()]).unwrap()
    }

    const GOOD: &str = r#"
[[targets]]
name = "attendance at month 59"
metric = "participation"
strategy = "baseline"
month = 59
value = 0.21
sd = 0.04
source = "a survey, table 2, p. 5"

[[targets]]
name = "sanctions"
metric = "sanctions_total"
strategy = "baseline"
value = 10
interval = [6.08, 13.92]
source = "assumption"
"#;

    #[test]
    fn a_good_file_reads() {
        let t = parse_targets(GOOD, "t.toml", &scenario()).unwrap();
        assert_eq!(t.targets.len(), 2);
        assert_eq!(t.targets[0].statistic, Statistic::Months { column: col::PARTICIPATION, from: 59, to: 59 });
        assert_eq!(t.targets[1].statistic, Statistic::Summary(sum::SANCTIONS_TOTAL));
        assert!((t.targets[1].sd - 2.0).abs() < 1e-3, "{}", t.targets[1].sd);
        assert_eq!(t.observed(), vec![0.21, 10.0]);
        assert_eq!(t.strategies(), vec!["baseline".to_string()]);
    }

    /// The error for `GOOD` with `from` replaced by `to`.
    fn error(from: &str, to: &str) -> TargetsError {
        let text = GOOD.replacen(from, to, 1);
        assert_ne!(text, GOOD, "{from} not found");
        parse_targets(&text, "t.toml", &scenario()).unwrap_err()
    }

    #[test]
    fn errors_are_located() {
        let e = error("metric = \"participation\"", "metric = \"attendance\"");
        assert_eq!(e.at, Some((4, 10)), "{e}");
        assert_eq!(e.key.as_deref(), Some("targets.0.metric"));
        assert!(e.message.contains("unknown metric \"attendance\"") && e.message.contains("sanctions_total"), "{e}");

        let e = error("strategy = \"baseline\"\nmonth", "strategy = \"nobody\"\nmonth");
        assert_eq!((e.at, e.key.as_deref()), (Some((5, 12)), Some("targets.0.strategy")), "{e}");
        assert!(e.message.contains("baseline"), "{e}");

        let e = error("month = 59", "month = 60");
        assert_eq!((e.at, e.key.as_deref()), (Some((6, 9)), Some("targets.0.month")), "{e}");
        assert!(e.message.contains("0 to 59"), "{e}");

        let e = error("sd = 0.04", "sd = 0");
        assert_eq!((e.at, e.key.as_deref()), (Some((8, 6)), Some("targets.0.sd")), "{e}");
        let e = error("sd = 0.04", "sd = -1");
        assert_eq!(e.key.as_deref(), Some("targets.0.sd"), "{e}");

        let e = error("interval = [6.08, 13.92]", "interval = [13.92, 6.08]");
        assert_eq!((e.at, e.key.as_deref()), (Some((16, 12)), Some("targets.1.interval")), "{e}");

        let e = error("sd = 0.04\n", "");
        assert_eq!((e.at, e.key.as_deref()), (Some((2, 1)), Some("targets.0")), "{e}");

        let e = error("month = 59", "month = 59\ncolour = 1");
        assert_eq!(e.at.map(|a| a.0), Some(7), "{e}");
        assert!(e.message.contains("colour"), "{e}");

        let e = error("metric = \"sanctions_total\"", "metric = \"sanctions_total\"\nmonth = 3");
        assert_eq!(e.key.as_deref(), Some("targets.1.month"), "{e}");

        let e = error("month = 59", "window = [50]");
        assert_eq!(e.key.as_deref(), Some("targets.0.window"), "{e}");

        let e = error("month = 59", "");
        assert_eq!(e.key.as_deref(), Some("targets.0.metric"), "{e}");

        let e = error("name = \"sanctions\"", "name = \"attendance at month 59\"");
        assert_eq!(e.key.as_deref(), Some("targets.1.name"), "{e}");

        let e = parse_targets("", "t.toml", &scenario()).unwrap_err();
        assert!(e.message.contains("[[targets]]"), "{e}");
    }

    fn result(strategy: &str, replicate: u32, level: f64) -> RunResult {
        let mut months = vec![[0.0; MONTH_COLUMNS.len()]; 4];
        for (t, m) in months.iter_mut().enumerate() {
            m[col::PARTICIPATION] = level + t as f64;
        }
        let mut summary = [f64::NAN; SUMMARY_COLUMNS.len()];
        summary[sum::SANCTIONS_TOTAL] = 10.0 * level;
        RunResult {
            id: RunId { run_id: 0, strategy: strategy.into(), replicate, seed: 0 },
            months,
            summary,
            agents: 0,
            ties: 0,
            build_seconds: 0.0,
            simulate_seconds: 0.0,
            agent_steps: 0.0,
            trace: None,
        }
    }

    fn target(statistic: Statistic, vs: Option<&str>) -> Target {
        Target {
            name: "t".into(),
            metric: String::new(),
            statistic,
            strategy: "a".into(),
            vs: vs.map(String::from),
            value: 0.0,
            sd: 1.0,
            source: "s".into(),
        }
    }

    #[test]
    fn statistics_average_replicates_and_pair_differences() {
        let results = [result("a", 0, 1.0), result("a", 1, 2.0), result("b", 1, 0.5), result("b", 0, 0.0)];
        let window = Statistic::Months { column: col::PARTICIPATION, from: 1, to: 3 };
        let ts = Targets {
            targets: vec![
                target(Statistic::Summary(sum::SANCTIONS_TOTAL), None),
                target(window.clone(), None),
                target(Statistic::Summary(sum::SANCTIONS_TOTAL), Some("b")),
                target(Statistic::Summary(sum::TIPPING_MONTH), None),
            ],
        };
        let s = ts.statistics(&results).unwrap();
        assert_eq!(s[0], 15.0);
        // Months 1..=3 add 2 on average to the level; levels 1 and 2.
        assert_eq!(s[1], 3.5);
        // Paired by replicate: (10 - 0) and (20 - 5).
        assert_eq!(s[2], 12.5);
        assert!(s[3].is_nan());
        let missing = Targets { targets: vec![target(Statistic::Summary(0), Some("c"))] };
        assert!(matches!(missing.statistics(&results), Err(StatisticError::Unpaired { .. })));
        let late = Targets { targets: vec![target(Statistic::Months { column: 0, from: 2, to: 4 }, None)] };
        assert!(matches!(late.statistics(&results), Err(StatisticError::Month { .. })));
    }
}
