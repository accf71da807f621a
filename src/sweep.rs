//! Parameter sweeps: a design (grid, Latin hypercube or Sobol points over
//! the varied keys), the runs it implies (point x strategy x replicate, with
//! ids and seeds that depend only on the design), the split of those runs
//! into shards, and the aggregation of finished runs per point. Pure
//! functions; the CLI runs, writes and resumes.

use crate::compare::percentile;
use crate::outcomes::{SUMMARY_COLUMNS, Summary};
use crate::rng::{StepKey, purpose_of, replicate_seed};

/// How a varied key's values are given.
#[derive(Clone, Debug, PartialEq)]
pub enum Spec {
    /// `lo:hi:n`: n evenly spaced values (grids; samplers use the range).
    Steps { lo: f64, hi: f64, n: u32 },
    /// `lo:hi`: a range, for the samplers.
    Range { lo: f64, hi: f64 },
    /// `[a,b,c]`: listed values, as TOML literals.
    List(Vec<String>),
}

/// One varied key.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// Dotted scenario key, as for `--set`.
    pub key: String,
    pub spec: Spec,
    /// Round sampled values to whole numbers (integer keys).
    pub integer: bool,
}

/// A problem with a `--vary` or the design.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DesignError(pub String);

/// Designs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignKind {
    Grid,
    Lhs,
    Sobol,
}

impl DesignKind {
    /// Name as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Lhs => "lhs",
            Self::Sobol => "sobol",
        }
    }
}

/// Parse `KEY=SPEC`.
pub fn parse_vary(raw: &str) -> Result<Vary, DesignError> {
    let err = |m: String| DesignError(format!("--vary {raw}: {m}"));
    let (key, spec) = raw.split_once('=').ok_or_else(|| err("expected KEY=SPEC, e.g. backlash.rate=0.02:0.2:10".into()))?;
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(err("the key is empty".into()));
    }
    let spec = spec.trim();
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| err(format!("`{s}` is not a number")));
    let spec = if let Some(inner) = spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let items: Vec<String> = inner.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if items.is_empty() {
            return Err(err("the list is empty; give values like [0.1,0.2]".into()));
        }
        Spec::List(items)
    } else {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            [lo, hi] => {
                let (lo, hi) = (num(lo)?, num(hi)?);
                if lo > hi {
                    return Err(err(format!("lo {lo} is above hi {hi}")));
                }
                Spec::Range { lo, hi }
            }
            [lo, hi, n] => {
                let (lo, hi) = (num(lo)?, num(hi)?);
                if lo > hi {
                    return Err(err(format!("lo {lo} is above hi {hi}")));
                }
                let n: u32 = n.trim().parse().map_err(|_| err(format!("n `{n}` is not a whole number")))?;
                if n < 1 {
                    return Err(err("n must be 1 or more".into()));
                }
                Spec::Steps { lo, hi, n }
            }
            _ => return Err(err("SPEC is lo:hi:n (grid), lo:hi (a range for lhs or sobol) or [a,b,c] (listed values)".into())),
        }
    };
    Ok(Vary { key, spec, integer: false })
}

fn format_value(x: f64, integer: bool) -> String {
    if integer {
        format!("{}", x.round() as i64)
    } else {
        // Shortest representation that round-trips.
        let s = format!("{x}");
        if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") { s } else { format!("{s}.0") }
    }
}

fn grid_values(v: &Vary) -> Result<Vec<String>, DesignError> {
    match &v.spec {
        Spec::Steps { lo, hi, n } => {
            let values: Vec<String> = (0..*n)
                .map(|i| {
                    let x = if *n == 1 { *lo } else { lo + (hi - lo) * f64::from(i) / f64::from(n - 1) };
                    // To 12 significant digits: 0.07, not 0.06999999999999999
                    // (a step's rounding error), in the tables and in the
                    // --set that runs a point again.
                    let x = format!("{x:.11e}").parse::<f64>().unwrap_or(x);
                    format_value(x, v.integer)
                })
                .collect();
            let distinct: std::collections::BTreeSet<&String> = values.iter().collect();
            if v.integer && distinct.len() < values.len() {
                let shown: Vec<&str> = values.iter().take(12).map(String::as_str).collect();
                return Err(DesignError(format!(
                    "--vary {}: the key takes whole numbers, and {n} steps from {lo} to {hi} repeat values ({}{}); give at most {} {}",
                    v.key,
                    shown.join(", "),
                    if values.len() > shown.len() { ", ..." } else { "" },
                    distinct.len(),
                    if distinct.len() == 1 { "step" } else { "steps" }
                )));
            }
            Ok(values)
        }
        Spec::List(items) => Ok(items.clone()),
        Spec::Range { .. } => Err(DesignError(format!("--vary {}: a grid needs lo:hi:n or [a,b,c], not lo:hi", v.key))),
    }
}

/// A value at quantile `u` in [0, 1) of a varied key's range or list.
fn at(v: &Vary, u: f64) -> String {
    match &v.spec {
        Spec::Steps { lo, hi, .. } | Spec::Range { lo, hi } => format_value(lo + (hi - lo) * u, v.integer),
        Spec::List(items) => items[((u * items.len() as f64) as usize).min(items.len() - 1)].clone(),
    }
}

/// The design points: one `Vec` of values (TOML literals, parallel to
/// `vary`) per point. `samples` is used by the samplers.
pub fn design(vary: &[Vary], kind: DesignKind, samples: u32, seed: u64) -> Result<Vec<Vec<String>>, DesignError> {
    if vary.is_empty() {
        return Err(DesignError("give at least one --vary KEY=SPEC".into()));
    }
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.key == v.key) {
            return Err(DesignError(format!("--vary {}: the key is varied twice; give each key once", v.key)));
        }
    }
    match kind {
        DesignKind::Grid => {
            let axes: Vec<Vec<String>> = vary.iter().map(grid_values).collect::<Result<_, _>>()?;
            let total: u64 = axes.iter().map(|a| a.len() as u64).product();
            if total > 10_000_000 {
                return Err(DesignError(format!("the grid has {total} points; at most 10,000,000")));
            }
            let mut points = vec![Vec::new()];
            for axis in &axes {
                let mut next = Vec::with_capacity(points.len() * axis.len());
                for p in &points {
                    for x in axis {
                        let mut q = p.clone();
                        q.push(x.clone());
                        next.push(q);
                    }
                }
                points = next;
            }
            Ok(points)
        }
        DesignKind::Lhs => {
            if samples == 0 {
                return Err(DesignError("--samples must be 1 or more for lhs".into()));
            }
            // Each key's range cut into `samples` strata, one point in each,
            // strata shuffled independently per key.
            let mut cols: Vec<Vec<String>> = Vec::new();
            for (d, v) in vary.iter().enumerate() {
                let key = StepKey::new(seed, d as u32, purpose_of("lhs"));
                let mut order: Vec<(u64, u32)> = (0..samples).map(|i| (key.bits(i, 0), i)).collect();
                order.sort_unstable();
                cols.push(
                    order
                        .iter()
                        .enumerate()
                        .map(|(i, &(_, stratum))| at(v, (f64::from(stratum) + key.uniform64(i as u32, 1)) / f64::from(samples)))
                        .collect(),
                );
            }
            Ok((0..samples as usize).map(|i| cols.iter().map(|c| c[i].clone()).collect()).collect())
        }
        DesignKind::Sobol => {
            if samples == 0 {
                return Err(DesignError("--samples must be 1 or more for sobol".into()));
            }
            if vary.len() > 256 {
                return Err(DesignError("a Sobol design takes at most 256 varied keys".into()));
            }
            let scramble = (seed ^ (seed >> 32)) as u32;
            Ok((0..samples)
                .map(|i| vary.iter().enumerate().map(|(d, v)| at(v, f64::from(sobol_burley::sample(i, d as u32, scramble)))).collect())
                .collect())
        }
    }
}

/// The runs of a design: point-major, then strategy, then replicate.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub points: usize,
    /// Number of strategies run at each point.
    pub strategies: usize,
    pub replicates: u32,
    /// The scenario's master seed.
    pub seed: u64,
}

/// One unit of work: all strategies of one replicate at one point (they
/// share a world, so they run together).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unit {
    pub point: usize,
    pub replicate: u32,
}

impl Plan {
    /// Number of units.
    pub fn units(&self) -> usize {
        self.points * self.replicates as usize
    }

    /// Number of runs.
    pub fn runs(&self) -> u64 {
        self.units() as u64 * self.strategies as u64
    }

    /// Unit number `u`.
    pub fn unit(&self, u: usize) -> Unit {
        Unit { point: u / self.replicates as usize, replicate: (u % self.replicates as usize) as u32 }
    }

    /// Run id of strategy `k` in `unit`: depends only on the design.
    pub fn run_id(&self, unit: Unit, k: usize) -> u64 {
        ((unit.point as u64 * self.strategies as u64) + k as u64) * u64::from(self.replicates) + u64::from(unit.replicate)
    }

    /// Seed of a replicate: the same at every point (common random numbers
    /// across the design, as across strategies).
    pub fn seed(&self, unit: Unit) -> u64 {
        replicate_seed(self.seed, unit.replicate)
    }

    /// Units of shard `index` of `count`: a contiguous chunk.
    pub fn shard(&self, index: u32, count: u32) -> std::ops::Range<usize> {
        let n = self.units();
        let (i, c) = (index as usize, count.max(1) as usize);
        (i * n / c)..((i + 1) * n / c)
    }
}

/// Parse `I/N`.
pub fn parse_shard(raw: &str) -> Result<(u32, u32), DesignError> {
    let err = || DesignError(format!("--shard {raw}: expected I/N with 0 <= I < N, e.g. 0/4 (or `auto`)"));
    let (i, n) = raw.split_once('/').ok_or_else(err)?;
    let (i, n): (u32, u32) = (i.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
    if n == 0 || i >= n {
        return Err(err());
    }
    Ok((i, n))
}

/// Summary statistics of one outcome at one point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointStat {
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
}

/// Aggregate the summaries of one point and strategy: mean and 90%
/// interval (5th and 95th percentiles) per summary column; NaNs skipped.
pub fn aggregate(summaries: &[Summary]) -> Vec<PointStat> {
    (0..SUMMARY_COLUMNS.len())
        .map(|c| {
            let mut v: Vec<f64> = summaries.iter().map(|s| s[c]).filter(|x| !x.is_nan()).collect();
            v.sort_by(f64::total_cmp);
            let mean = if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
            PointStat { mean, p05: percentile(&v, 0.05), p95: percentile(&v, 0.95) }
        })
        .collect()
}

/// A stable 64-bit digest of text, for checking that shards and resumed
/// folders share one design.
pub fn digest(text: &str) -> String {
    let a = purpose_of(text);
    let b = purpose_of(&format!("{}{text}", text.len()));
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(raw: &str) -> Vary {
        parse_vary(raw).unwrap()
    }

    #[test]
    fn specs_parse_and_refuse() {
        assert_eq!(v("a.b=0:1:3").spec, Spec::Steps { lo: 0.0, hi: 1.0, n: 3 });
        assert_eq!(v("a=0.1:0.2").spec, Spec::Range { lo: 0.1, hi: 0.2 });
        assert_eq!(v("a=[1, 2,3]").spec, Spec::List(vec!["1".into(), "2".into(), "3".into()]));
        for bad in ["a", "a=1:0", "a=0:1:0", "a=x:1", "a=[]", "a=1:2:3:4", "=1:2"] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grid_is_the_cartesian_product() {
        let p = design(&[v("a=0:1:3"), v("b=[x,y]")], DesignKind::Grid, 0, 1).unwrap();
        assert_eq!(p.len(), 6);
        assert_eq!(p[0], vec!["0.0", "x"]);
        assert_eq!(p[5], vec!["1.0", "y"]);
        assert!(design(&[v("a=0:1")], DesignKind::Grid, 0, 1).is_err());
        // Steps without their rounding error.
        let p = design(&[v("a=0.02:0.2:3")], DesignKind::Grid, 0, 1).unwrap();
        assert_eq!(p.iter().map(|q| q[0].as_str()).collect::<Vec<_>>(), ["0.02", "0.11", "0.2"]);
        let p = design(&[v("a=0.0:0.7:11")], DesignKind::Grid, 0, 1).unwrap();
        assert_eq!(p[1][0], "0.07");
        // A key varied twice, or whole numbers that repeat, are refused.
        let e = design(&[v("a=0:1:3"), v("a=0:1:2")], DesignKind::Grid, 0, 1).unwrap_err();
        assert!(e.0.contains("varied twice"), "{}", e.0);
        let whole = Vary { integer: true, ..v("n=1:2:5") };
        let e = design(&[whole], DesignKind::Grid, 0, 1).unwrap_err();
        assert!(e.0.contains("repeat values (1, 1, 2, 2, 2); give at most 2 steps"), "{}", e.0);
        assert!(design(&[Vary { integer: true, ..v("n=1:3:3") }], DesignKind::Grid, 0, 1).is_ok());
    }

    #[test]
    fn lhs_has_one_point_per_stratum() {
        let n = 50;
        let p = design(&[v("a=0:1"), v("b=10:20")], DesignKind::Lhs, n, 3).unwrap();
        for d in 0..2 {
            let (lo, hi) = if d == 0 { (0.0, 1.0) } else { (10.0, 20.0) };
            let mut strata: Vec<usize> =
                p.iter().map(|q| (((q[d].parse::<f64>().unwrap() - lo) / (hi - lo)) * n as f64) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n as usize).collect::<Vec<_>>());
        }
        assert_eq!(p, design(&[v("a=0:1"), v("b=10:20")], DesignKind::Lhs, n, 3).unwrap());
    }

    #[test]
    fn sobol_points_fill_the_box() {
        let p = design(&[v("a=0:1"), v("b=0:1")], DesignKind::Sobol, 256, 9).unwrap();
        let mut quadrants = [0; 4];
        for q in &p {
            let (a, b): (f64, f64) = (q[0].parse().unwrap(), q[1].parse().unwrap());
            quadrants[usize::from(a >= 0.5) * 2 + usize::from(b >= 0.5)] += 1;
        }
        assert_eq!(quadrants, [64; 4]);
    }

    #[test]
    fn shards_partition_the_units() {
        let plan = Plan { points: 7, strategies: 2, replicates: 3, seed: 1 };
        let mut seen = vec![0; plan.units()];
        for i in 0..4 {
            for u in plan.shard(i, 4) {
                seen[u] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
        let ids: std::collections::BTreeSet<u64> =
            (0..plan.units()).flat_map(|u| (0..2).map(move |k| (u, k))).map(|(u, k)| plan.run_id(plan.unit(u), k)).collect();
        assert_eq!(ids.len() as u64, plan.runs());
        assert_eq!(*ids.iter().max().unwrap(), plan.runs() - 1);
        assert_eq!(parse_shard("1/4").unwrap(), (1, 4));
        assert!(parse_shard("4/4").is_err() && parse_shard("x").is_err() && parse_shard("0/0").is_err());
    }
}
