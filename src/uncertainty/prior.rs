//! Priors in scenario files: the `[uncertain]` table, keyed by the dotted
//! path of any numeric scenario key (the paths `--set` accepts), each a
//! distribution with a required `source`:
//!
//! ```toml
//! [uncertain]
//! backlash.rate = { dist = "uniform", lo = 0.02, hi = 0.1, source = "assumption" }
//! leaders.openness = { dist = "beta", mean = 0.3, sd = 0.1, source = "..." }
//! ```
//!
//! Here the table is separated from the rest of the file (`strip`, which
//! blanks it so every other position in the file stays where it was),
//! parsed, and checked: a prior's key must be a numeric key of the scenario,
//! its support must lie inside the key's valid range (checked by setting the
//! key to the support's ends through the `--set` mechanism and validating,
//! so the range rules live only in `scenario::validate`), and its parameters
//! must make a distribution. Problems are `ScenarioError`s with file, line
//! and column. `quantile` maps a point of the unit interval to a value, so
//! Sobol' or Latin hypercube points become draws (`unit_draws`).
//!
//! A prior may also be the samples of a posterior file written by
//! `normshift calibrate` (`dist = "samples", file = "posterior.csv"`, the
//! column named by the key or by `column`): its rows are weighted (a
//! `weight` column) and drawn jointly, so every prior that names the same
//! file takes its value from the same row (`Priors::values`). The caller
//! reads the file (`parse_with_priors_reading`); errors in it carry the
//! file, line and column.
//!
//! Never reads files, prints or exits.

use crate::rng::{StepKey, purpose_of};
use crate::scenario::load::Prepared;
use crate::scenario::overrides::{Override, apply_override};
use crate::scenario::{Located, Scenario, ScenarioError, parse_scenario};
use statrs::distribution::{Beta, Continuous, ContinuousCDF, LogNormal, Normal};
use std::borrow::Cow;
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

/// Name of the table that holds the priors.
pub const TABLE: &str = "uncertain";

/// The distributions a prior can take, with its parameters. Normal,
/// log-normal and beta are truncated to `[lo, hi]` (for normal and
/// log-normal, by default, the key's valid range).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Uniform {
        lo: f64,
        hi: f64,
    },
    Triangular {
        lo: f64,
        mode: f64,
        hi: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        lo: f64,
        hi: f64,
    },
    /// `mean` and `sd` on the natural scale.
    LogNormal {
        mean: f64,
        sd: f64,
        lo: f64,
        hi: f64,
    },
    /// By mean and sd, on `[lo, hi]` (default `[0, 1]`).
    Beta {
        mean: f64,
        sd: f64,
        lo: f64,
        hi: f64,
    },
    /// A set of values with weights (sorted by value, weights normalised).
    Discrete {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    /// Equally likely values (sorted), for example posterior samples.
    Samples {
        values: Vec<f64>,
    },
    /// One column of a posterior file: `values` in row order with the
    /// rows' cumulative normalised weights. Priors naming the same `file`
    /// are drawn jointly (the same row).
    Posterior {
        file: String,
        column: String,
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// The distribution names, as written in `dist = "..."`.
pub const DIST_NAMES: [&str; 7] = ["uniform", "triangular", "normal", "lognormal", "beta", "discrete", "samples"];

impl Dist {
    /// Value at quantile `u` in [0, 1].
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        match self {
            Dist::Uniform { lo, hi } => lo + (hi - lo) * u,
            Dist::Triangular { lo, mode, hi } => {
                let w = hi - lo;
                if w <= 0.0 {
                    return *lo;
                }
                let c = (mode - lo) / w;
                if u < c { lo + (u * w * (mode - lo)).sqrt() } else { hi - ((1.0 - u) * w * (hi - mode)).sqrt() }
            }
            Dist::Normal { mean, sd, lo, hi } => match Normal::new(*mean, *sd) {
                Ok(n) if *sd > 0.0 => truncated(&n, *lo, *hi, u),
                _ => mean.clamp(*lo, *hi),
            },
            Dist::LogNormal { mean, sd, lo, hi } => match lognormal(*mean, *sd) {
                Some(n) => truncated(&n, lo.max(0.0), *hi, u),
                None => mean.clamp(*lo, *hi),
            },
            Dist::Beta { mean, sd, lo, hi } => match beta(*mean, *sd, *lo, *hi) {
                Some(b) => lo + (hi - lo) * b.inverse_cdf(u).clamp(0.0, 1.0),
                None => *mean,
            },
            Dist::Discrete { values, weights } => {
                let mut acc = 0.0;
                for (v, w) in values.iter().zip(weights) {
                    acc += w;
                    if u < acc {
                        return *v;
                    }
                }
                values.last().copied().unwrap_or(f64::NAN)
            }
            Dist::Samples { values } => {
                let n = values.len();
                values.get(((u * n as f64) as usize).min(n.saturating_sub(1))).copied().unwrap_or(f64::NAN)
            }
            Dist::Posterior { values, cumulative, .. } => {
                let i = cumulative.partition_point(|&c| c <= u);
                values.get(i.min(values.len().saturating_sub(1))).copied().unwrap_or(f64::NAN)
            }
        }
    }

    /// The support `[lo, hi]` (for listed values, the smallest and largest).
    pub fn support(&self) -> (f64, f64) {
        match self {
            Dist::Uniform { lo, hi } | Dist::Triangular { lo, hi, .. } | Dist::Normal { lo, hi, .. } | Dist::Beta { lo, hi, .. } => {
                (*lo, *hi)
            }
            Dist::LogNormal { lo, hi, .. } => (lo.max(0.0), *hi),
            Dist::Discrete { values, .. } | Dist::Samples { values } | Dist::Posterior { values, .. } => {
                let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
        }
    }

    /// The density at `x` up to a constant factor (the truncation's mass is
    /// left out), 0 outside the support; `None` for distributions over
    /// listed values, which have no density.
    pub fn density(&self, x: f64) -> Option<f64> {
        let (lo, hi) = self.support();
        if !(x >= lo && x <= hi) {
            return Some(0.0);
        }
        Some(match self {
            Dist::Uniform { .. } => 1.0,
            Dist::Triangular { lo, mode, hi } => {
                if hi <= lo {
                    1.0
                } else if x < *mode {
                    2.0 * (x - lo) / ((hi - lo) * (mode - lo))
                } else if x > *mode {
                    2.0 * (hi - x) / ((hi - lo) * (hi - mode))
                } else {
                    2.0 / (hi - lo)
                }
            }
            Dist::Normal { mean, sd, .. } => {
                if *sd > 0.0 {
                    (-0.5 * ((x - mean) / sd).powi(2)).exp()
                } else {
                    1.0
                }
            }
            Dist::LogNormal { mean, sd, .. } => match lognormal(*mean, *sd) {
                Some(n) => n.pdf(x),
                None => 1.0,
            },
            Dist::Beta { mean, sd, lo, hi } => match beta(*mean, *sd, *lo, *hi) {
                Some(b) => b.pdf(((x - lo) / (hi - lo)).clamp(0.0, 1.0)),
                None => 1.0,
            },
            Dist::Discrete { .. } | Dist::Samples { .. } | Dist::Posterior { .. } => return None,
        })
    }

    /// The values that must be inside the key's valid range: the support's
    /// ends, or every listed value.
    fn checked_values(&self) -> Vec<f64> {
        match self {
            Dist::Uniform { lo, hi } | Dist::Triangular { lo, hi, .. } | Dist::Beta { lo, hi, .. } => vec![*lo, *hi],
            Dist::Normal { lo, hi, .. } | Dist::LogNormal { lo, hi, .. } => [*lo, *hi].into_iter().filter(|x| x.is_finite()).collect(),
            Dist::Discrete { values, .. } => values.clone(),
            Dist::Samples { values } => match (values.first(), values.last()) {
                (Some(a), Some(b)) => vec![*a, *b],
                _ => Vec::new(),
            },
            Dist::Posterior { .. } => {
                let (lo, hi) = self.support();
                vec![lo, hi]
            }
        }
    }

    /// The mean of the distribution before truncation (for messages and
    /// for the valid-range search).
    fn centre(&self) -> f64 {
        match self {
            Dist::Uniform { lo, hi } => 0.5 * (lo + hi),
            Dist::Triangular { lo, mode, hi } => (lo + mode + hi) / 3.0,
            Dist::Normal { mean, .. } | Dist::LogNormal { mean, .. } | Dist::Beta { mean, .. } => *mean,
            Dist::Discrete { values, weights } => values.iter().zip(weights).map(|(v, w)| v * w).sum(),
            Dist::Samples { values } => values.iter().sum::<f64>() / values.len().max(1) as f64,
            Dist::Posterior { values, cumulative, .. } => {
                let mut prev = 0.0;
                let mut m = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    m += v * (c - prev);
                    prev = *c;
                }
                m
            }
        }
    }
}

fn truncated(d: &impl ContinuousCDF<f64, f64>, lo: f64, hi: f64, u: f64) -> f64 {
    let (a, b) = (d.cdf(lo), d.cdf(hi));
    d.inverse_cdf((a + u * (b - a)).clamp(0.0, 1.0)).clamp(lo, hi)
}

/// Log-normal with this mean and sd on the natural scale.
fn lognormal(mean: f64, sd: f64) -> Option<LogNormal> {
    if !(mean > 0.0 && sd > 0.0) {
        return None;
    }
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    LogNormal::new(mean.ln() - 0.5 * s2, s2.sqrt()).ok()
}

/// Beta on [lo, hi] with this mean and sd (method of moments).
fn beta(mean: f64, sd: f64, lo: f64, hi: f64) -> Option<Beta> {
    let w = hi - lo;
    if !(w > 0.0 && sd > 0.0) {
        return None;
    }
    let (m, s) = ((mean - lo) / w, sd / w);
    let k = m * (1.0 - m) / (s * s) - 1.0;
    Beta::new(m * k, (1.0 - m) * k).ok()
}

/// One declared prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    /// The dotted key as written under `[uncertain]` (or in `--set`).
    pub key: String,
    /// The key with names resolved to indices (as `--set` resolves them).
    pub canonical: String,
    pub dist: Dist,
    /// Where the prior comes from: a publication, or "assumption".
    pub source: String,
    /// The key takes whole numbers: draws are rounded.
    pub integer: bool,
    /// The scenario's own (point) value of the key, if it has one.
    pub point: Option<f64>,
    /// The prior a calibration starts from, when `dist` is a fitted
    /// posterior: the `prior = { ... }` of a `samples` prior. `compare`
    /// draws `dist`; `calibrate` fits from this one, so a scenario that
    /// ships its posterior can still be fitted again from its priors.
    pub fit: Option<Dist>,
}

impl Prior {
    /// The key as written, but a strategy given by its index
    /// (`strategies.2.x`) given by its name (`strategies.quota_only.x`)
    /// from `strategies`, the scenario's strategy names in order: tables
    /// and sentences read better, and every parameter of a strategy then
    /// names its owner the same way.
    pub fn named_key(&self, strategies: &[String]) -> String {
        let mut parts: Vec<&str> = self.key.split('.').collect();
        if parts.len() > 2
            && parts[0] == "strategies"
            && let Some(name) = parts[1].parse::<usize>().ok().and_then(|i| strategies.get(i))
        {
            parts[1] = name;
        }
        parts.join(".")
    }

    /// The value at quantile `u`, rounded for whole-number keys.
    pub fn value(&self, u: f64) -> f64 {
        let x = self.dist.quantile(u);
        if self.integer { x.round() } else { x }
    }

    /// The value as a `--set` literal that reads back exactly.
    pub fn literal(&self, x: f64) -> String {
        literal(x, self.integer)
    }

    /// `KEY=VALUE` for `--set`.
    pub fn set(&self, x: f64) -> String {
        format!("{}={}", self.key, self.literal(x))
    }
}

fn literal(x: f64, integer: bool) -> String {
    if integer { format!("{}", x.round() as i64) } else { format!("{x:?}") }
}

/// The priors of a scenario after `--set`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Priors {
    pub list: Vec<Prior>,
    /// Keys that had a prior but were fixed by `--set KEY=VALUE`.
    pub fixed: Vec<String>,
    /// The `[uncertain]` table after `--set`, for writing back out.
    pub table: Table,
}

impl Priors {
    /// True when no prior remains.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The values of one draw from a point `unit` of the unit hypercube
    /// (one coordinate per prior): each prior at its own coordinate, except
    /// that priors naming one posterior file all take the coordinate of the
    /// first of them, so they are drawn from the same row.
    pub fn values(&self, unit: &[f64]) -> Vec<f64> {
        self.list
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let j = match &p.dist {
                    Dist::Posterior { file, .. } => {
                        self.list.iter().position(|q| matches!(&q.dist, Dist::Posterior { file: f, .. } if f == file)).unwrap_or(k)
                    }
                    _ => k,
                };
                p.value(unit.get(j).copied().unwrap_or(0.5))
            })
            .collect()
    }
}

/// A posterior file: named columns of numbers, one row per particle, and
/// the rows' weights (normalised; equal when there is no `weight` column).
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorFile {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
}

impl PosteriorFile {
    /// Column `name`'s values in row order.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let c = self.columns.iter().position(|x| x == name)?;
        Some(self.rows.iter().map(|r| r[c]).collect())
    }

    /// The rows' cumulative weights (the last is 1).
    pub fn cumulative(&self) -> Vec<f64> {
        let mut acc = 0.0;
        let mut out: Vec<f64> = self
            .weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        if let Some(last) = out.last_mut() {
            *last = 1.0;
        }
        out
    }
}

/// Name of the weight column of a posterior file.
pub const WEIGHT_COLUMN: &str = "weight";

/// Read a posterior file (CSV: a header of column names, then one row of
/// numbers per particle; a `weight` column, 0 or more and not all 0,
/// weighs the rows). Columns other than the ones a prior names are kept
/// but not used. `origin` names the file in messages (line and column).
pub fn parse_posterior(text: &str, origin: &str) -> Result<PosteriorFile, ScenarioError> {
    let err = |at: Option<(usize, usize)>, key: Option<String>, message: String| ScenarioError { origin: origin.into(), at, key, message };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((h, header)) = lines.next() else {
        return Err(err(None, None, "the posterior file is empty; it needs a header of column names and one row per particle".into()));
    };
    let mut columns: Vec<String> = Vec::new();
    let mut col = 1;
    for cell in header.split(',') {
        let name = cell.trim().trim_matches('"').to_string();
        if name.is_empty() {
            return Err(err(Some((h + 1, col)), None, "an empty column name in the header".into()));
        }
        if columns.contains(&name) {
            return Err(err(Some((h + 1, col)), Some(name.clone()), format!("the column `{name}` appears twice in the header")));
        }
        columns.push(name);
        col += cell.chars().count() + 1;
    }
    let weight_col = columns.iter().position(|c| c == WEIGHT_COLUMN);
    let mut rows = Vec::new();
    let mut weights = Vec::new();
    for (n, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != columns.len() {
            return Err(err(
                Some((n + 1, 1)),
                None,
                format!("{} cells but the header names {} columns; give one number per column", cells.len(), columns.len()),
            ));
        }
        let mut row = Vec::with_capacity(cells.len());
        let mut col = 1;
        for (c, cell) in cells.iter().enumerate() {
            let x: f64 =
                cell.trim().parse().ok().filter(|x: &f64| x.is_finite()).ok_or_else(|| {
                    err(Some((n + 1, col)), Some(columns[c].clone()), format!("`{}` is not a finite number", cell.trim()))
                })?;
            if Some(c) == weight_col && x < 0.0 {
                return Err(err(
                    Some((n + 1, col)),
                    Some(columns[c].clone()),
                    format!("the weight {x} is negative; weights are 0 or more"),
                ));
            }
            row.push(x);
            col += cell.chars().count() + 1;
        }
        weights.push(weight_col.map_or(1.0, |c| row[c]));
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(err(Some((h + 1, 1)), None, "the posterior file has a header but no rows; give one row per particle".into()));
    }
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(err(None, Some(WEIGHT_COLUMN.into()), "every weight is 0; at least one row needs a positive weight".into()));
    }
    let weights = weights.into_iter().map(|w| w / total).collect();
    Ok(PosteriorFile { columns, rows, weights })
}

/// Reads a file a prior names (relative to the scenario's folder): its
/// name for messages and its text, or why it cannot be read.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<(String, String), String>;

/// The reader for a scenario that was not read from a file.
fn no_files(_: &str) -> Result<(String, String), String> {
    Err("a posterior file is read from the scenario file's folder, and this scenario was not read from a file; list the values with `values = [...]`".into())
}

/// A scenario read with its priors.
#[derive(Clone, Debug)]
pub struct WithPriors {
    pub scenario: Scenario,
    pub priors: Priors,
    /// The `--set` overrides that apply to the scenario itself (those on
    /// `uncertain.` removed), for re-reading it with more overrides.
    pub sets: Vec<String>,
}

/// Is this `--set KEY=VALUE` about the priors?
fn is_prior_set(raw: &str) -> bool {
    let key = raw.split_once('=').map_or(raw, |(k, _)| k).trim();
    key == TABLE || key.starts_with(&format!("{TABLE}."))
}

/// The first part of a table header's key (`[uncertain.x]` gives
/// `uncertain`), if the line is a header.
fn header_first(line: &str) -> Option<String> {
    let t = line.trim_start();
    let inner = t.strip_prefix("[[").or_else(|| t.strip_prefix('['))?;
    let end = inner.find(']')?;
    let first = inner[..end].split('.').next()?.trim();
    Some(first.trim_matches(|c| c == '"' || c == '\'').to_string())
}

/// The text with the `[uncertain]` section (and its sub-tables) blanked
/// out byte for byte, so that the rest parses strictly and every other
/// line and column stays where it was. Returns the text unchanged when it
/// has no such section, or when blanking would change anything else (then
/// the strict reader reports `uncertain` as an unknown key, located).
pub fn strip(text: &str) -> Cow<'_, str> {
    if !text.lines().any(|l| header_first(l).as_deref() == Some(TABLE)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if let Some(first) = header_first(line) {
            inside = first == TABLE;
        }
        if inside {
            for c in line.chars() {
                if c == '\n' || c == '\r' {
                    out.push(c);
                } else {
                    out.extend(std::iter::repeat_n(' ', c.len_utf8()));
                }
            }
        } else {
            out.push_str(line);
        }
    }
    let (Ok(mut whole), Ok(rest)) = (toml::from_str::<Table>(text), toml::from_str::<Table>(&out)) else {
        return Cow::Borrowed(text);
    };
    whole.remove(TABLE);
    if whole == rest { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// Read a scenario and its priors: `--set` overrides whose key starts with
/// `uncertain.` change the priors, the others the scenario; a `--set` on a
/// key that has a prior fixes it (the prior is dropped and listed in
/// `Priors::fixed`).
pub fn parse_with_priors(text: &str, origin: &str, overrides: &[String]) -> Result<WithPriors, ScenarioError> {
    parse_with_priors_reading(text, origin, overrides, &no_files)
}

/// [`parse_with_priors`], reading the posterior files that priors name
/// through `read` (the library never opens files itself).
pub fn parse_with_priors_reading(text: &str, origin: &str, overrides: &[String], read: ReadFile<'_>) -> Result<WithPriors, ScenarioError> {
    let (prior_sets, sets): (Vec<String>, Vec<String>) = overrides.iter().cloned().partition(|s| is_prior_set(s));
    let scenario = parse_scenario(text, origin, &sets)?;
    // A seed beyond i64 as a string of digits, which TOML tables can hold.
    let text: &str = &crate::scenario::load::widen_big_integers(text, origin)?;
    // The text parses (the strict reader accepted it after blanking the
    // priors; a syntax error inside them is reported here).
    let mut whole: Table = toml::from_str(text).map_err(|e| ScenarioError {
        origin: origin.into(),
        at: e.span().map(|s| text.line_col(s.start)),
        key: None,
        message: e.message().trim().to_string(),
    })?;
    let mut root = Table::new();
    if let Some(u) = whole.remove(TABLE) {
        root.insert(TABLE.into(), u);
    }
    let mut applied = Vec::new();
    for raw in &prior_sets {
        let mut o = Override::parse(raw)?;
        apply_override(&mut root, &mut o)?;
        applied.push(o);
    }
    let table = match root.remove(TABLE) {
        None => Table::new(),
        Some(Value::Table(t)) => t,
        Some(other) => {
            return Err(ScenarioError {
                origin: origin.into(),
                at: None,
                key: Some(TABLE.into()),
                message: format!("`{TABLE}` must be a table of priors, not a {}", other.type_str()),
            });
        }
    };
    let resolved = Value::try_from(&scenario).map_err(|e| ScenarioError {
        origin: origin.into(),
        at: None,
        key: None,
        message: format!("cannot write the scenario back out: {e}"),
    })?;
    let doc = DeTable::parse(text).ok();
    let mut found = Vec::new();
    collect(&table, &mut Vec::new(), &mut found);
    let ctx = Ctx { text, origin, sets: &sets, resolved: &resolved, doc: doc.as_ref().map(|d| d.get_ref()), applied: &applied, read };
    let mut list: Vec<Prior> = Vec::new();
    let mut fixed = Vec::new();
    for (parts, node) in found {
        let prior = ctx.prior(&parts, node)?;
        if let Some(other) = list.iter().find(|p| p.canonical == prior.canonical) {
            return Err(ctx.err(&parts, None, format!("declares a prior for the same key as `{TABLE}.{}`; keep one", other.key)));
        }
        if fixed_by_set(&ctx, &prior) {
            fixed.push(prior.key.clone());
            continue;
        }
        list.push(prior);
    }
    Ok(WithPriors { scenario, priors: Priors { list, fixed, table }, sets })
}

/// Whether a scenario `--set` gives the prior's key a value.
fn fixed_by_set(ctx: &Ctx<'_>, p: &Prior) -> bool {
    ctx.sets.iter().any(|raw| {
        Override::parse(raw).ok().is_some_and(|mut o| {
            let mut t = ctx.resolved.as_table().cloned().unwrap_or_default();
            apply_override(&mut t, &mut o).is_ok() && o.canonical == p.canonical
        })
    })
}

/// A node of the `[uncertain]` tree: a prior (a table with `dist`), or a
/// branch of the dotted path.
enum Node<'a> {
    Prior(&'a Table),
    Bad(&'a Value),
}

fn collect<'a>(t: &'a Table, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Node<'a>)>) {
    for (k, v) in t {
        path.push(k.clone());
        match v {
            Value::Table(c) if c.contains_key("dist") || c.contains_key("source") => out.push((path.clone(), Node::Prior(c))),
            Value::Table(c) if !c.is_empty() => collect(c, path, out),
            other => out.push((path.clone(), Node::Bad(other))),
        }
        path.pop();
    }
}

struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
    sets: &'a [String],
    resolved: &'a Value,
    doc: Option<&'a DeTable<'a>>,
    applied: &'a [Override],
    read: ReadFile<'a>,
}

impl Ctx<'_> {
    /// An error about the prior at `parts` (and its `field`), located in
    /// the file or attributed to the `--set` that made it.
    fn err(&self, parts: &[String], field: Option<&str>, message: String) -> ScenarioError {
        let mut key = format!("{TABLE}.{}", parts.join("."));
        if let Some(f) = field {
            key = format!("{key}.{f}");
        }
        if let Some(o) = self.applied.iter().rev().find(|o| key.starts_with(&o.canonical) || o.canonical.starts_with(&key)) {
            return ScenarioError { origin: format!("--set {}", o.raw), at: None, key: Some(key), message };
        }
        let mut path: Vec<String> = std::iter::once(TABLE.to_string()).chain(parts.iter().cloned()).collect();
        if let Some(f) = field {
            path.push(f.to_string());
        }
        let at = self.doc.and_then(|d| span_of(d, &path)).map(|off| self.text.line_col(off));
        ScenarioError { origin: self.origin.into(), at, key: Some(key), message }
    }

    fn prior(&self, parts: &[String], node: Node<'_>) -> Result<Prior, ScenarioError> {
        let key = parts.join(".");
        let t = match node {
            Node::Prior(t) => t,
            Node::Bad(v) => {
                return Err(self.err(
                    parts,
                    None,
                    format!(
                        "a prior is a table with `dist` ({}) and `source`, for example {{ dist = \"uniform\", lo = 0.1, hi = 0.3, source = \"assumption\" }}; found a {}",
                        DIST_NAMES.join(", "),
                        v.type_str()
                    ),
                ));
            }
        };
        let (canonical, point, integer) = self.key_info(parts)?;
        let dist = self.dist(parts, t)?;
        let source = match t.get("source") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) | None => {
                return Err(self.err(
                    parts,
                    t.get("source").map(|_| "source"),
                    "every prior needs `source = \"...\"`: the publication (with table or page) or \"assumption\"".into(),
                ));
            }
            Some(v) => return Err(self.err(parts, Some("source"), format!("`source` is text, not a {}", v.type_str()))),
        };
        let fit = match t.get("prior") {
            None => None,
            Some(Value::Table(sub)) => {
                let d = self.dist(parts, sub)?;
                if matches!(d, Dist::Samples { .. } | Dist::Posterior { .. } | Dist::Discrete { .. }) {
                    return Err(self.err(
                        parts,
                        Some("prior"),
                        "`prior` is the prior a calibration starts from: uniform, triangular, normal, lognormal or beta".into(),
                    ));
                }
                let mut p =
                    Prior { key: key.clone(), canonical: canonical.clone(), dist: d, source: source.clone(), integer, point, fit: None };
                self.check_range(parts, &mut p)?;
                Some(p.dist)
            }
            Some(v) => {
                return Err(self.err(
                    parts,
                    Some("prior"),
                    format!("`prior` is a table such as {{ dist = \"uniform\", lo = 0.1, hi = 0.3 }}, not a {}", v.type_str()),
                ));
            }
        };
        let mut prior = Prior { key, canonical, dist, source, integer, point, fit };
        self.check_range(parts, &mut prior)?;
        Ok(prior)
    }

    /// The key's canonical path, its point value and whether it is whole.
    fn key_info(&self, parts: &[String]) -> Result<(String, Option<f64>, bool), ScenarioError> {
        let key = parts.join(".");
        let mut t = self.resolved.as_table().cloned().unwrap_or_default();
        let mut o = Override { raw: format!("{key}=0"), key: key.clone(), canonical: key.clone(), value: Value::Integer(0) };
        apply_override(&mut t, &mut o).map_err(|e| self.err(parts, None, format!("not a key of the scenario: {}", e.message)))?;
        let node = get(self.resolved, &o.canonical.split('.').collect::<Vec<_>>());
        match node {
            Some(Value::Integer(i)) => Ok((o.canonical, Some(*i as f64), true)),
            Some(Value::Float(x)) => Ok((o.canonical, Some(*x), false)),
            Some(other) => {
                Err(self.err(parts, None, format!("`{key}` is a {}, not a number; priors are for numeric keys", other.type_str())))
            }
            None => {
                // Not in the resolved scenario (an optional key, or none):
                // the strict reader says which.
                let mut sets = self.sets.to_vec();
                sets.push(format!("{key}=0.5"));
                match parse_scenario(self.text, self.origin, &sets) {
                    // (An intervention's or a network's own fields say
                    // "is not used by `kind`" rather than "unknown field".)
                    Err(e)
                        if e.message.contains("unknown field")
                            || e.message.contains("invalid type")
                            || e.message.contains("is not used by") =>
                    {
                        Err(self.err(parts, None, format!("not a numeric key of the scenario: {}", e.message)))
                    }
                    _ => Ok((o.canonical, None, false)),
                }
            }
        }
    }

    fn num(&self, parts: &[String], t: &Table, field: &str) -> Result<Option<f64>, ScenarioError> {
        match t.get(field) {
            None => Ok(None),
            Some(Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(Value::Float(x)) if x.is_finite() => Ok(Some(*x)),
            Some(v) => Err(self.err(parts, Some(field), format!("`{field}` must be a finite number, not {v}"))),
        }
    }

    fn need(&self, parts: &[String], t: &Table, field: &str, dist: &str) -> Result<f64, ScenarioError> {
        self.num(parts, t, field)?.ok_or_else(|| self.err(parts, None, format!("a {dist} prior needs `{field}`")))
    }

    fn list(&self, parts: &[String], t: &Table, field: &str) -> Result<Option<Vec<f64>>, ScenarioError> {
        let Some(v) = t.get(field) else { return Ok(None) };
        let Value::Array(a) = v else {
            return Err(self.err(parts, Some(field), format!("`{field}` must be a list of numbers such as [0.1, 0.2]")));
        };
        let mut out = Vec::with_capacity(a.len());
        for x in a {
            match x {
                Value::Integer(i) => out.push(*i as f64),
                Value::Float(f) if f.is_finite() => out.push(*f),
                other => return Err(self.err(parts, Some(field), format!("`{field}` must list finite numbers; found {other}"))),
            }
        }
        if out.is_empty() {
            return Err(self.err(parts, Some(field), format!("`{field}` is empty; list at least one value")));
        }
        Ok(Some(out))
    }

    fn dist(&self, parts: &[String], t: &Table) -> Result<Dist, ScenarioError> {
        let name = match t.get("dist") {
            Some(Value::String(s)) => s.as_str(),
            Some(v) => return Err(self.err(parts, Some("dist"), format!("`dist` is a name ({}), not {v}", DIST_NAMES.join(", ")))),
            None => return Err(self.err(parts, None, format!("the prior needs `dist`: one of {}", DIST_NAMES.join(", ")))),
        };
        let allowed: &[&str] = match name {
            "uniform" => &["lo", "hi"],
            "triangular" => &["lo", "mode", "hi"],
            "normal" | "lognormal" | "beta" => &["mean", "sd", "lo", "hi"],
            "discrete" => &["values", "weights"],
            "samples" => &["values", "file", "column", "prior"],
            other => {
                return Err(self.err(parts, Some("dist"), format!("unknown distribution `{other}`; use one of {}", DIST_NAMES.join(", "))));
            }
        };
        for k in t.keys() {
            if k != "dist" && k != "source" && !allowed.contains(&k.as_str()) {
                return Err(self.err(
                    parts,
                    Some(k),
                    format!("a {name} prior takes {}, `dist` and `source`; not `{k}`", allowed.join(", ")),
                ));
            }
        }
        let bad = |field: Option<&str>, m: String| Err(self.err(parts, field, m));
        match name {
            "uniform" => {
                let (lo, hi) = (self.need(parts, t, "lo", name)?, self.need(parts, t, "hi", name)?);
                if lo > hi {
                    return bad(Some("hi"), format!("`hi` {hi} is below `lo` {lo}"));
                }
                Ok(Dist::Uniform { lo, hi })
            }
            "triangular" => {
                let (lo, mode, hi) =
                    (self.need(parts, t, "lo", name)?, self.need(parts, t, "mode", name)?, self.need(parts, t, "hi", name)?);
                if !(lo <= mode && mode <= hi) {
                    return bad(Some("mode"), format!("needs lo <= mode <= hi; got lo {lo}, mode {mode}, hi {hi}"));
                }
                Ok(Dist::Triangular { lo, mode, hi })
            }
            "normal" | "lognormal" | "beta" => {
                let (mean, sd) = (self.need(parts, t, "mean", name)?, self.need(parts, t, "sd", name)?);
                if sd < 0.0 {
                    return bad(Some("sd"), format!("`sd` {sd} is negative; give 0 or more"));
                }
                let default = if name == "beta" { (0.0, 1.0) } else { (f64::NEG_INFINITY, f64::INFINITY) };
                let lo = self.num(parts, t, "lo")?.unwrap_or(default.0);
                let hi = self.num(parts, t, "hi")?.unwrap_or(default.1);
                if lo > hi {
                    return bad(Some("hi"), format!("`hi` {hi} is below `lo` {lo}"));
                }
                match name {
                    "normal" => Ok(Dist::Normal { mean, sd, lo, hi }),
                    "lognormal" => {
                        if mean <= 0.0 {
                            return bad(Some("mean"), format!("a lognormal prior needs a positive `mean`, not {mean}"));
                        }
                        Ok(Dist::LogNormal { mean, sd, lo, hi })
                    }
                    _ => {
                        if !(lo < mean && mean < hi) {
                            return bad(Some("mean"), format!("a beta prior on [{lo}, {hi}] needs `mean` strictly inside it, not {mean}"));
                        }
                        let (m, s) = ((mean - lo) / (hi - lo), sd / (hi - lo));
                        if s * s >= m * (1.0 - m) {
                            let max = (m * (1.0 - m)).sqrt() * (hi - lo);
                            return bad(
                                Some("sd"),
                                format!("no beta distribution on [{lo}, {hi}] has mean {mean} and sd {sd}; the sd must be below {max:.4}"),
                            );
                        }
                        Ok(Dist::Beta { mean, sd, lo, hi })
                    }
                }
            }
            "discrete" => {
                let values = self
                    .list(parts, t, "values")?
                    .ok_or_else(|| self.err(parts, None, "a discrete prior needs `values = [...]`".into()))?;
                let weights = self.list(parts, t, "weights")?.unwrap_or_else(|| vec![1.0; values.len()]);
                if weights.len() != values.len() {
                    return bad(
                        Some("weights"),
                        format!("{} weights for {} values; give one weight per value", weights.len(), values.len()),
                    );
                }
                if weights.iter().any(|w| *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
                    return bad(Some("weights"), "weights must be 0 or more, and not all 0".into());
                }
                let total: f64 = weights.iter().sum();
                let mut pairs: Vec<(f64, f64)> = values.into_iter().zip(weights.into_iter().map(|w| w / total)).collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                Ok(Dist::Discrete { values: pairs.iter().map(|p| p.0).collect(), weights: pairs.iter().map(|p| p.1).collect() })
            }
            _ => {
                if let Some(f) = t.get("file") {
                    if t.contains_key("values") {
                        return bad(Some("values"), "give `values = [...]` or `file = \"...\"`, not both".into());
                    }
                    let Value::String(file) = f else {
                        return bad(Some("file"), format!("`file` is the path of a posterior file (text), not {f}"));
                    };
                    let column = match t.get("column") {
                        None => parts.join("."),
                        Some(Value::String(c)) => c.clone(),
                        Some(v) => return bad(Some("column"), format!("`column` is a column name (text), not {v}")),
                    };
                    let (shown, body) = (self.read)(file).map_err(|m| self.err(parts, Some("file"), m))?;
                    let post = parse_posterior(&body, &shown)?;
                    let Some(values) = post.column(&column) else {
                        return bad(
                            Some(if t.contains_key("column") { "column" } else { "file" }),
                            format!(
                                "{shown} has no column `{column}`; its columns are {}; name one with `column = \"...\"`",
                                post.columns.join(", ")
                            ),
                        );
                    };
                    return Ok(Dist::Posterior { file: file.clone(), column, values, cumulative: post.cumulative() });
                }
                if t.contains_key("column") {
                    return bad(Some("column"), "`column` names a column of a posterior `file`; give `file = \"...\"` too".into());
                }
                let mut values =
                    self.list(parts, t, "values")?.ok_or_else(|| self.err(parts, None, "a samples prior needs `values = [...]`".into()))?;
                values.sort_by(f64::total_cmp);
                Ok(Dist::Samples { values })
            }
        }
    }

    /// Is the scenario valid with the key set to `x`?
    fn accepts(&self, key: &str, x: f64, integer: bool) -> Result<(), ScenarioError> {
        let mut sets = self.sets.to_vec();
        sets.push(format!("{key}={}", literal(x, integer)));
        parse_scenario(self.text, self.origin, &sets).map(|_| ())
    }

    /// Check the prior's support against the key's valid range; for normal
    /// and log-normal priors without bounds, find that range and truncate.
    fn check_range(&self, parts: &[String], p: &mut Prior) -> Result<(), ScenarioError> {
        for x in p.dist.checked_values() {
            let x = if p.integer { x.round() } else { x };
            self.accepts(&p.key, x, p.integer).map_err(|e| {
                self.err(parts, None, format!("the prior reaches {}, which the key does not allow: {}", literal(x, p.integer), e.message))
            })?;
        }
        let centre = p.dist.centre();
        match &mut p.dist {
            Dist::Normal { lo, hi, .. } | Dist::LogNormal { lo, hi, .. } => {
                let start = if lo.is_finite() || hi.is_finite() { centre.clamp(*lo, *hi) } else { centre };
                // The text read once for the search's many values (what
                // `accepts` would say, without parsing the text each time).
                let prepared = Prepared::new(self.text, self.origin, self.sets);
                let ok = |x: f64| match &prepared {
                    Some(pr) => pr.accepts(&format!("{}={}", p.key, literal(x, p.integer))),
                    None => self.accepts(&p.key, x, p.integer).is_ok(),
                };
                if !lo.is_finite() || !hi.is_finite() {
                    if !ok(start) {
                        return Err(self.err(
                            parts,
                            Some("mean"),
                            format!("the key does not allow the prior's centre {start}; give `lo` and `hi` inside the key's valid range"),
                        ));
                    }
                    if !lo.is_finite() {
                        *lo = edge(&ok, start, -1.0);
                    }
                    if !hi.is_finite() {
                        *hi = edge(&ok, start, 1.0);
                    }
                }
            }
            _ => {}
        }
        let mass = match &p.dist {
            Dist::Normal { mean, sd, lo, hi } if *sd > 0.0 => Normal::new(*mean, *sd).map(|n| n.cdf(*hi) - n.cdf(*lo)).unwrap_or(0.0),
            Dist::LogNormal { mean, sd, lo, hi } if *sd > 0.0 => {
                lognormal(*mean, *sd).map(|n| n.cdf(*hi) - n.cdf(lo.max(0.0))).unwrap_or(0.0)
            }
            _ => 1.0,
        };
        if mass < 1e-9 {
            return Err(self.err(
                parts,
                None,
                "the prior puts almost no probability inside the key's valid range; check `mean` and `sd`".into(),
            ));
        }
        Ok(())
    }
}

/// The last value the key accepts going from `start` in `direction`
/// (infinite if it accepts everything up to 1e15 away): doubling steps,
/// then bisection.
fn edge(ok: &dyn Fn(f64) -> bool, start: f64, direction: f64) -> f64 {
    let mut step = start.abs().max(1e-3);
    let mut good = start;
    let mut bad = None;
    while step < 1e15 {
        let x = start + direction * step;
        if ok(x) {
            good = x;
            step *= 4.0;
        } else {
            bad = Some(x);
            break;
        }
    }
    let Some(mut bad) = bad else { return direction * f64::INFINITY };
    for _ in 0..60 {
        let mid = 0.5 * (good + bad);
        if mid == good || mid == bad {
            break;
        }
        if ok(mid) { good = mid } else { bad = mid }
    }
    good
}

/// The value at a canonical path (indices for arrays).
fn get<'v>(v: &'v Value, parts: &[&str]) -> Option<&'v Value> {
    let (first, rest) = parts.split_first()?;
    let child = match v {
        Value::Table(t) => t.get(*first)?,
        Value::Array(a) => a.get(first.parse::<usize>().ok()?)?,
        _ => return None,
    };
    if rest.is_empty() { Some(child) } else { get(child, rest) }
}

/// Byte offset of the value at `path` (dotted keys nest), or of the deepest
/// part that exists.
fn span_of(table: &DeTable<'_>, path: &[String]) -> Option<usize> {
    fn walk(v: &DeValue<'_>, path: &[String]) -> Option<usize> {
        let (first, rest) = path.split_first()?;
        let DeValue::Table(t) = v else { return None };
        let child = t.get(first.as_str())?;
        Some(walk(child.get_ref(), rest).unwrap_or(child.span().start))
    }
    let (first, rest) = path.split_first()?;
    let v = table.get(first.as_str())?;
    Some(walk(v.get_ref(), rest).unwrap_or(v.span().start))
}

/// Sampling designs for the draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// Owen-scrambled Sobol' points.
    Sobol,
    /// Latin hypercube: one point per stratum of every dimension.
    Lhs,
}

/// `n` points of the unit hypercube of `dims` dimensions, seeded; each
/// point a row. Sobol' points take at most 256 dimensions.
pub fn unit_draws(n: usize, dims: usize, design: Design, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    match design {
        Design::Sobol => {
            if dims > sobol_burley::NUM_DIMENSIONS as usize {
                return Err(format!("Sobol' draws take at most {} priors; use the Latin hypercube", sobol_burley::NUM_DIMENSIONS));
            }
            if n > u32::MAX as usize {
                return Err("too many draws".into());
            }
            let scramble = (StepKey::new(seed, 0, purpose_of("uncertain-sobol")).bits(0, 0) >> 32) as u32;
            Ok((0..n as u32).map(|i| (0..dims).map(|d| f64::from(sobol_burley::sample(i, d as u32, scramble))).collect()).collect())
        }
        Design::Lhs => {
            let mut rows = vec![vec![0.0; dims]; n];
            for d in 0..dims {
                let key = StepKey::new(seed, d as u32, purpose_of("uncertain-lhs"));
                let mut order: Vec<(u64, u32)> = (0..n as u32).map(|i| (key.bits(i, 0), i)).collect();
                order.sort_unstable();
                for (i, (row, &(_, stratum))) in rows.iter_mut().zip(&order).enumerate() {
                    row[d] = (f64::from(stratum) + key.uniform64(i as u32, 1)) / n as f64;
                }
            }
            Ok(rows)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name = \"t\"\nreplicates = 2\n\n[backlash]\nrate = 0.05\n";

    fn read(extra: &str, sets: &[&str]) -> Result<WithPriors, ScenarioError> {
        let text = format!("{BASE}\n[uncertain]\n{extra}\n");
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_with_priors(&text, "t.toml", &sets)
    }

    #[test]
    fn a_misspelled_intervention_field_is_a_bad_key_not_a_bad_range() {
        let text = "name = \"t\"\n[[strategies]]\nname = \"baseline\"\n[[strategies]]\nname = \"w\"\n[[strategies.interventions]]\nkind = \"dialogue\"\neffect = 0.01\n\n[uncertain]\nstrategies.w.interventions.0.efect = { dist = \"uniform\", lo = 0.0, hi = 0.1, source = \"x\" }\n";
        let Err(e) = parse_with_priors(text, "t.toml", &[]) else { panic!("a misspelled field must be refused") };
        assert!(e.message.contains("not a numeric key of the scenario") && e.message.contains("is not used by"), "{}", e.message);
        assert!(!e.message.contains("reaches"), "{}", e.message);
        // Spelled right, it reads.
        assert!(parse_with_priors(&text.replace("efect", "effect"), "t.toml", &[]).is_ok());
    }

    #[test]
    fn a_strategy_given_by_index_is_named() {
        let p = |key: &str| Prior {
            key: key.into(),
            canonical: key.into(),
            dist: Dist::Uniform { lo: 0.0, hi: 1.0 },
            source: "test".into(),
            integer: false,
            point: None,
            fit: None,
        };
        let names = ["baseline".to_string(), "quota_only".to_string()];
        assert_eq!(p("strategies.1.interventions.0.effect").named_key(&names), "strategies.quota_only.interventions.0.effect");
        assert_eq!(p("strategies.quota_only.cost").named_key(&names), "strategies.quota_only.cost");
        // Out of range, or not a strategy: as written.
        assert_eq!(p("strategies.7.cost").named_key(&names), "strategies.7.cost");
        assert_eq!(p("council.1.x").named_key(&names), "council.1.x");
    }

    #[test]
    fn strip_keeps_every_other_position() {
        let text = "name = \"t\"\n[uncertain]\nbacklash.rate = { dist = \"uniform\", lo = 0.0, hi = 0.1, source = \"é\" }\n[backlash]\nrate = 0.05\n";
        let s = strip(text);
        assert_eq!(s.len(), text.len());
        assert_eq!(s.lines().count(), text.lines().count());
        assert!(!s.contains("uncertain"));
        assert!(s.contains("[backlash]\nrate = 0.05"));
        assert!(matches!(strip(BASE), Cow::Borrowed(_)));
    }

    #[test]
    fn a_uniform_prior_is_read_with_its_point_value() {
        let w = read("backlash.rate = { dist = \"uniform\", lo = 0.02, hi = 0.1, source = \"assumption\" }", &[]).unwrap();
        assert_eq!(w.priors.list.len(), 1);
        let p = &w.priors.list[0];
        assert_eq!(p.key, "backlash.rate");
        assert_eq!(p.point, Some(0.05));
        assert!(!p.integer);
        assert_eq!(p.dist, Dist::Uniform { lo: 0.02, hi: 0.1 });
        assert!((p.value(0.5) - 0.06).abs() < 1e-12);
        assert_eq!(w.scenario.backlash.rate, 0.05);
    }

    #[test]
    fn quoted_and_sub_table_keys_are_the_same_path() {
        let a = read("\"backlash.rate\" = { dist = \"uniform\", lo = 0.02, hi = 0.1, source = \"x\" }", &[]).unwrap();
        let b = read("[uncertain.backlash.rate]\ndist = \"uniform\"\nlo = 0.02\nhi = 0.1\nsource = \"x\"", &[]).unwrap();
        assert_eq!(a.priors.list, b.priors.list);
    }

    #[test]
    fn bad_priors_are_refused_with_a_location() {
        let cases = [
            ("backlash.rat = { dist = \"uniform\", lo = 0.0, hi = 0.1, source = \"x\" }", "key of the scenario", 8),
            ("backlash.rate = { dist = \"uniform\", lo = -0.5, hi = 0.1, source = \"x\" }", "reaches -0.5", 8),
            ("backlash.rate = { dist = \"gamma\", mean = 0.1, source = \"x\" }", "unknown distribution", 8),
            ("backlash.rate = { dist = \"uniform\", lo = 0.2, hi = 0.1, source = \"x\" }", "below `lo`", 8),
            ("backlash.rate = { dist = \"uniform\", lo = 0.0, hi = 0.1 }", "needs `source", 8),
            ("backlash.rate = { dist = \"beta\", mean = 0.5, sd = 0.6, source = \"x\" }", "no beta distribution", 8),
            ("backlash.rate = { dist = \"uniform\", lo = 0.0, hi = 0.1, sd = 1, source = \"x\" }", "not `sd`", 8),
            ("backlash.rate = 0.1", "a prior is a table", 8),
            ("backlash.rate = { dist = \"samples\", file = \"post.csv\", source = \"x\" }", "not read from a file", 8),
            ("name = { dist = \"uniform\", lo = 0, hi = 1, source = \"x\" }", "not a number", 8),
        ];
        for (line, want, row) in cases {
            let e = read(line, &[]).unwrap_err();
            assert!(e.message.contains(want), "{line}: {e}");
            assert_eq!(e.at.map(|a| a.0), Some(row), "{line}: {e}");
            assert_eq!(e.origin, "t.toml");
            assert!(e.key.as_deref().is_some_and(|k| k.starts_with("uncertain.")), "{e}");
        }
    }

    #[test]
    fn normal_priors_are_truncated_to_the_valid_range() {
        let w = read("backlash.rate = { dist = \"normal\", mean = 0.05, sd = 1.0, source = \"x\" }", &[]).unwrap();
        let Dist::Normal { lo, hi, .. } = w.priors.list[0].dist else { panic!() };
        assert!(lo.abs() < 1e-9, "{lo}");
        assert!(hi >= 1.0 - 1e-9 || hi.is_infinite(), "{hi}");
        for i in 0..=100 {
            let x = w.priors.list[0].value(f64::from(i) / 100.0);
            assert!(x >= lo && x <= hi);
        }
    }

    #[test]
    fn set_fixes_or_replaces_a_prior() {
        let line = "backlash.rate = { dist = \"uniform\", lo = 0.02, hi = 0.1, source = \"x\" }";
        let w = read(line, &["backlash.rate=0.07"]).unwrap();
        assert!(w.priors.is_empty());
        assert_eq!(w.priors.fixed, vec!["backlash.rate".to_string()]);
        assert_eq!(w.scenario.backlash.rate, 0.07);
        let w = read(line, &["uncertain.backlash.rate.hi=0.2"]).unwrap();
        assert_eq!(w.priors.list[0].dist, Dist::Uniform { lo: 0.02, hi: 0.2 });
        assert!(w.sets.is_empty());
        let e = read(line, &["uncertain.backlash.rate.hi=-1"]).unwrap_err();
        assert_eq!(e.origin, "--set uncertain.backlash.rate.hi=-1", "{e}");
    }

    #[test]
    fn quantiles_are_monotone_and_inside_the_support() {
        let dists = [
            Dist::Triangular { lo: 0.0, mode: 0.2, hi: 1.0 },
            Dist::LogNormal { mean: 1.0, sd: 0.5, lo: 0.0, hi: 2.0 },
            Dist::Beta { mean: 0.3, sd: 0.1, lo: 0.0, hi: 1.0 },
            Dist::Discrete { values: vec![1.0, 2.0, 5.0], weights: vec![0.2, 0.3, 0.5] },
            Dist::Samples { values: vec![0.1, 0.4, 0.9] },
        ];
        for d in dists {
            let xs: Vec<f64> = (0..=200).map(|i| d.quantile(f64::from(i) / 200.0)).collect();
            assert!(xs.windows(2).all(|w| w[0] <= w[1] + 1e-12), "{d:?}");
        }
        let d = Dist::Discrete { values: vec![1.0, 2.0, 5.0], weights: vec![0.2, 0.3, 0.5] };
        assert_eq!((d.quantile(0.1), d.quantile(0.3), d.quantile(0.9)), (1.0, 2.0, 5.0));
        let b = Dist::Beta { mean: 0.3, sd: 0.1, lo: 0.0, hi: 1.0 };
        let mean: f64 = (0..10_000).map(|i| b.quantile((f64::from(i) + 0.5) / 10_000.0)).sum::<f64>() / 10_000.0;
        assert!((mean - 0.3).abs() < 1e-3, "{mean}");
    }

    const POSTERIOR: &str =
        "particle,backlash.rate,backlash.ally_rate,weight,distance\n0,0.03,0.01,1,0.5\n1,0.06,0.02,3,0.2\n2,0.09,0.04,0,0.1\n";

    fn read_posterior(extra: &str, file: &str) -> Result<WithPriors, ScenarioError> {
        let text = format!("{BASE}\n[uncertain]\n{extra}\n");
        let file = file.to_string();
        let read = move |name: &str| -> Result<(String, String), String> {
            if name == "post.csv" { Ok((format!("dir/{name}"), file.clone())) } else { Err(format!("dir/{name}: no such file")) }
        };
        parse_with_priors_reading(&text, "t.toml", &[], &read)
    }

    #[test]
    fn posterior_file_priors_draw_whole_weighted_rows() {
        let two = "backlash.rate = { dist = \"samples\", file = \"post.csv\", source = \"calibration\" }\n\
                   backlash.ally_rate = { dist = \"samples\", file = \"post.csv\", source = \"calibration\" }";
        let w = read_posterior(two, POSTERIOR).unwrap();
        assert_eq!(w.priors.list.len(), 2);
        // Weights 1, 3, 0: row 0 below u = 0.25, row 1 above, row 2 never.
        let mut seen = Vec::new();
        for i in 0..100 {
            let u = (f64::from(i) + 0.5) / 100.0;
            // The second coordinate is ignored: both keys come from one row.
            let v = w.priors.values(&[u, 1.0 - u]);
            // Priors are listed by key: ally_rate, then rate.
            let row = if u < 0.25 { [0.01, 0.03] } else { [0.02, 0.06] };
            assert_eq!(v, row.to_vec(), "u = {u}");
            seen.push(v);
        }
        assert!(seen.iter().all(|v| v[1] != 0.09));
        // The density is not defined for listed values.
        let rate = w.priors.list.iter().find(|p| p.key == "backlash.rate").unwrap();
        assert_eq!(rate.dist.density(0.06), None);
        assert_eq!(rate.dist.support(), (0.03, 0.09));
    }

    #[test]
    fn posterior_file_errors_are_located() {
        let line = "backlash.rate = { dist = \"samples\", file = \"post.csv\", source = \"x\" }";
        // A bad cell: the posterior file's line and column.
        let e = read_posterior(line, &POSTERIOR.replace("0.06", "abc")).unwrap_err();
        assert_eq!((e.origin.as_str(), e.at), ("dir/post.csv", Some((3, 3))), "{e}");
        assert!(e.message.contains("`abc` is not a finite number"), "{e}");
        let e = read_posterior(line, &POSTERIOR.replace(",3,", ",-3,")).unwrap_err();
        assert!(e.message.contains("negative"), "{e}");
        let e = read_posterior(line, "backlash.rate,weight\n0.1,0\n").unwrap_err();
        assert!(e.message.contains("every weight is 0"), "{e}");
        let e = read_posterior(line, "backlash.rate,weight\n0.1\n").unwrap_err();
        assert_eq!(e.at, Some((2, 1)), "{e}");
        // A missing file or column: the scenario's line, at `file`.
        let e = read_posterior(&line.replace("post.csv", "gone.csv"), POSTERIOR).unwrap_err();
        assert_eq!(
            (e.origin.as_str(), e.at.map(|a| a.0), e.key.as_deref()),
            ("t.toml", Some(8), Some("uncertain.backlash.rate.file")),
            "{e}"
        );
        let e = read_posterior(line, "backlash.ally_rate\n0.1\n").unwrap_err();
        assert!(e.message.contains("no column `backlash.rate`") && e.message.contains("backlash.ally_rate"), "{e}");
        // A sample outside the key's range is refused like any prior.
        let e = read_posterior(line, "backlash.rate\n0.1\n-0.5\n").unwrap_err();
        assert!(e.message.contains("reaches -0.5"), "{e}");
        // `column` names another column.
        let w = read_posterior(&line.replace("source", "column = \"backlash.ally_rate\", source"), POSTERIOR).unwrap();
        assert_eq!(w.priors.list[0].dist.support(), (0.01, 0.04));
    }

    #[test]
    fn densities_follow_the_distributions() {
        let u = Dist::Uniform { lo: 0.0, hi: 2.0 };
        assert_eq!((u.density(1.0), u.density(3.0)), (Some(1.0), Some(0.0)));
        let t = Dist::Triangular { lo: 0.0, mode: 1.0, hi: 2.0 };
        assert!((t.density(1.0).unwrap() - 1.0).abs() < 1e-12 && (t.density(0.5).unwrap() - 0.5).abs() < 1e-12);
        let n = Dist::Normal { mean: 0.0, sd: 1.0, lo: -1.0, hi: 1.0 };
        assert!(n.density(0.0).unwrap() > n.density(0.9).unwrap() && n.density(1.5) == Some(0.0));
        let b = Dist::Beta { mean: 0.3, sd: 0.1, lo: 0.0, hi: 1.0 };
        assert!(b.density(0.3).unwrap() > b.density(0.8).unwrap());
    }

    #[test]
    fn draws_fill_the_cube_and_repeat() {
        for design in [Design::Sobol, Design::Lhs] {
            let a = unit_draws(64, 3, design, 7).unwrap();
            assert_eq!(a, unit_draws(64, 3, design, 7).unwrap());
            for d in 0..3 {
                let mut strata: Vec<usize> = a.iter().map(|r| (r[d] * 8.0) as usize).collect();
                strata.sort_unstable();
                strata.dedup();
                assert_eq!(strata.len(), 8, "{design:?}");
            }
        }
    }
}
