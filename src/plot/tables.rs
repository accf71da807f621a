//! The output tables a figure is drawn from, parsed from CSV readers the
//! caller opened (`timeseries.csv`, `runs.csv`, `comparison.csv` and the
//! `village_*.csv` trace), plus the scenario facts the figures need.
//!
//! Every error names the file, the line and the column, and says what was
//! expected. Never opens files or chooses paths: the caller passes readers
//! and the file names to use in messages.

use crate::compare::{Findings, MIN_REPLICATES, Verdict};
use crate::run::STATE_NAMES;
use crate::scenario::{InterventionKind, Scenario};
use std::io::Read;

/// A problem in one of the tables of a results folder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}: {message}", line.map_or(String::new(), |l| format!(", line {l}")))]
pub struct TableError {
    /// File name as the caller gave it.
    pub file: String,
    /// Line in the file (1 is the header), if the problem has one.
    pub line: Option<u64>,
    pub message: String,
}

/// Columns of `timeseries.csv` the figures read (monthly outcomes).
pub const TIMESERIES_COLUMNS: [&str; 12] = [
    "participation",
    "participation_elite",
    "participation_non_elite",
    "participation_disabled",
    "participation_marginalised",
    "participation_youth",
    "attitude_women",
    "attitude_men",
    "empirical",
    "normative",
    "sanctions",
    "violence",
];

/// Columns of `runs.csv` the figures read (run summaries).
pub const RUNS_COLUMNS: [&str; 6] =
    ["participation_end", "participation_final", "sanctions_total", "violence_total", "cost_total", "agents"];

/// Columns of `comparison.csv` the figures read, in [`ComparisonRow`] order.
pub const COMPARISON_COLUMNS: [&str; 11] =
    ["strategy", "metric", "mean", "p05", "p95", "diff_mean", "diff_lo", "diff_hi", "p_better", "verdict", "replicates"];

/// Months beyond which a `step` is taken to be a mistake rather than a run.
const MAX_MONTHS: u64 = 100_000;

/// Monthly outcomes: for each column, strategy and month, the values across
/// replicates (in file order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeseries {
    /// Strategies in order of first appearance.
    pub strategies: Vec<String>,
    /// Months recorded (largest `step` + 1).
    pub months: usize,
    /// `cells[column][strategy][month]`: values across replicates.
    cells: Vec<Vec<Vec<Vec<f64>>>>,
}

impl Timeseries {
    /// Values of `column` (one of [`TIMESERIES_COLUMNS`]) for strategy
    /// number `s` at `month`, across replicates; empty if none.
    pub fn values(&self, column: &str, s: usize, month: usize) -> &[f64] {
        TIMESERIES_COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|c| self.cells.get(c))
            .and_then(|c| c.get(s))
            .and_then(|c| c.get(month))
            .map_or(&[], |v| v.as_slice())
    }

    /// Index of a strategy by name.
    pub fn strategy(&self, name: &str) -> Option<usize> {
        self.strategies.iter().position(|s| s == name)
    }
}

/// One row of `runs.csv` (the columns the figures read).
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub strategy: String,
    pub replicate: u32,
    /// Values in [`RUNS_COLUMNS`] order; NaN for an empty cell.
    pub values: [f64; RUNS_COLUMNS.len()],
}

/// Run summaries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Runs {
    /// Strategies in order of first appearance.
    pub strategies: Vec<String>,
    pub rows: Vec<RunRow>,
}

impl Runs {
    /// Values of `column` (one of [`RUNS_COLUMNS`]) for `strategy`, NaN dropped.
    pub fn values(&self, strategy: &str, column: &str) -> Vec<f64> {
        let Some(c) = RUNS_COLUMNS.iter().position(|x| *x == column) else { return Vec::new() };
        self.rows.iter().filter(|r| r.strategy == strategy).map(|r| r.values[c]).filter(|x| !x.is_nan()).collect()
    }

    /// Replicates per strategy (the largest count over strategies).
    pub fn replicates(&self) -> usize {
        self.strategies.iter().map(|s| self.rows.iter().filter(|r| &r.strategy == s).count()).max().unwrap_or(0)
    }
}

/// One row of `comparison.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonRow {
    pub strategy: String,
    pub metric: String,
    pub mean: f64,
    pub p05: f64,
    pub p95: f64,
    pub diff_mean: f64,
    pub diff_lo: f64,
    pub diff_hi: f64,
    pub p_better: f64,
    /// The verdict on harm or exposure (see [`crate::compare::Verdict`]).
    pub verdict: Verdict,
    pub replicates: u32,
}

/// The strategy comparison with baseline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Strategies in order of first appearance.
    pub strategies: Vec<String>,
    pub rows: Vec<ComparisonRow>,
}

impl Comparison {
    /// The row for a strategy and metric.
    pub fn get(&self, strategy: &str, metric: &str) -> Option<&ComparisonRow> {
        self.rows.iter().find(|r| r.strategy == strategy && r.metric == metric)
    }

    /// A strategy's verdicts on harm and exposure, gathered from its rows
    /// by [`Findings::of`], as the terminal table gathers them.
    pub fn findings(&self, strategy: &str) -> Findings {
        Findings::of(self.rows.iter().filter(|r| r.strategy == strategy).map(|r| r.verdict))
    }

    /// Fewest replicates of any strategy (0 for an empty table).
    pub fn replicates(&self) -> u32 {
        self.rows.iter().map(|r| r.replicates).min().unwrap_or(0)
    }

    /// Too few replicates for intervals and verdicts.
    pub fn too_few(&self) -> bool {
        (self.replicates() as usize) < MIN_REPLICATES
    }
}

/// One person of the traced village.
#[derive(Clone, Debug, PartialEq)]
pub struct VillageAgent {
    pub role: Role,
    pub woman: bool,
    pub head: bool,
    pub elite: bool,
    pub disabled: bool,
    pub marginalised: bool,
    pub youth: bool,
}

/// Role of a traced agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Member,
    Gatekeeper,
    ReligiousLeader,
}

impl Role {
    /// Gatekeepers and religious leaders.
    pub fn is_leader(self) -> bool {
        self != Role::Member
    }
}

/// Layer of a traced tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Household,
    Peer,
    Leader,
    Bridge,
}

/// A traced agent's state in a month, in [`STATE_NAMES`] order.
pub type State = u8;

/// One village followed month by month (`village_agents.csv`,
/// `village_ties.csv`, `village_states.csv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Village {
    /// People, indexed by agent number.
    pub agents: Vec<VillageAgent>,
    /// Ties (source, target, layer).
    pub ties: Vec<(u32, u32, Layer)>,
    /// Strategies in order of first appearance.
    pub strategies: Vec<String>,
    /// `states[strategy][month][agent]`, a [`State`].
    pub states: Vec<Vec<Vec<State>>>,
}

impl Village {
    /// Index of a strategy by name.
    pub fn strategy(&self, name: &str) -> Option<usize> {
        self.strategies.iter().position(|s| s == name)
    }
}

/// What the figures and the report need from the scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    /// Villages (None for a flat population).
    pub villages: Option<u32>,
    pub months: u32,
    pub replicates: u32,
    /// Month the programme ends (`context.programme_end`, else the latest
    /// `end` of any intervention that is not a funding cut).
    pub programme_end: u32,
    pub strategies: Vec<StrategyInfo>,
}

/// A strategy as the scenario describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StrategyInfo {
    pub name: String,
    pub description: String,
    pub interventions: Vec<InterventionInfo>,
}

/// An intervention's kind and window.
#[derive(Clone, Debug, PartialEq)]
pub struct InterventionInfo {
    /// Kind as spelled in TOML (`male_champions`).
    pub kind: String,
    /// Its `name`, if it has one.
    pub name: Option<String>,
    pub start: u32,
    /// Last month active (inclusive).
    pub end: u32,
    /// True for `funding_cut`.
    pub cut: bool,
    /// Project funding: months funded in each cycle and months of gap.
    pub cycles: Option<(u32, u32)>,
}

impl ScenarioInfo {
    /// The facts of a validated scenario.
    pub fn from_scenario(s: &Scenario) -> Self {
        let last = s.steps.saturating_sub(1);
        ScenarioInfo {
            name: s.name.clone(),
            description: s.description.clone(),
            villages: if s.population.size.is_some() { None } else { Some(s.population.villages) },
            months: s.steps,
            replicates: s.replicates,
            programme_end: s.programme_end(),
            strategies: s
                .strategies
                .iter()
                .map(|st| StrategyInfo {
                    name: st.name.clone(),
                    description: st.description.clone(),
                    interventions: st
                        .interventions
                        .iter()
                        .map(|i| InterventionInfo {
                            kind: i.kind().as_str().to_string(),
                            name: i.name.clone(),
                            start: i.start,
                            end: i.end.unwrap_or(last).min(last),
                            cut: i.kind() == InterventionKind::FundingCut,
                            cycles: i.params.cycles(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// A strategy by name.
    pub fn strategy(&self, name: &str) -> Option<&StrategyInfo> {
        self.strategies.iter().find(|s| s.name == name)
    }
}

/// Everything a results folder holds that the figures are drawn from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    pub scenario: ScenarioInfo,
    pub timeseries: Timeseries,
    pub runs: Runs,
    /// `comparison.csv`, written by `compare` only.
    pub comparison: Option<Comparison>,
    /// The traced village, when the run traced one.
    pub village: Option<Village>,
}

impl Results {
    /// Strategies in the order of the tables, baseline first if present.
    pub fn strategies(&self) -> Vec<String> {
        let mut v = self.timeseries.strategies.clone();
        if let Some(k) = v.iter().position(|s| s == crate::plot::BASELINE) {
            let b = v.remove(k);
            v.insert(0, b);
        }
        v
    }

    /// Check that the tables describe the same runs; returns warnings for
    /// parts that will be left out (a stale `comparison.csv`, a village
    /// trace of other strategies) and drops those parts.
    pub fn reconcile(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        let mut ts = self.timeseries.strategies.clone();
        ts.sort();
        let mut rs = self.runs.strategies.clone();
        rs.sort();
        if ts != rs {
            warnings.push(format!(
                "runs.csv has strategies {} but timeseries.csv has {}; figures use timeseries.csv and the report's table runs.csv",
                self.runs.strategies.join(", "),
                self.timeseries.strategies.join(", ")
            ));
        }
        if let Some(c) = &self.comparison {
            let mut cs = c.strategies.clone();
            cs.sort();
            let reps = self.runs.replicates();
            let stale_reps = c.rows.iter().any(|r| r.replicates as usize != reps);
            if cs != rs || stale_reps {
                warnings.push(
                    "comparison.csv does not match runs.csv (other strategies or replicates; written by an earlier command?); the comparison figures are left out"
                        .to_string(),
                );
                self.comparison = None;
            }
        }
        if let Some(v) = &self.village
            && v.strategies.iter().any(|s| self.timeseries.strategy(s).is_none())
        {
            warnings.push("village_states.csv has strategies that timeseries.csv has not; the village pictures are left out".to_string());
            self.village = None;
        }
        warnings
    }
}

// ---------------------------------------------------------------------------
// Reading.

struct Reader<R: Read> {
    file: String,
    rdr: csv::Reader<R>,
    headers: csv::StringRecord,
}

impl<R: Read> Reader<R> {
    fn new(input: R, file: &str) -> Result<Self, TableError> {
        let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
        let headers = rdr.headers().map_err(|e| TableError { file: file.into(), line: Some(1), message: e.to_string() })?.clone();
        if headers.is_empty() || (headers.len() == 1 && headers.get(0) == Some("")) {
            return Err(TableError { file: file.into(), line: None, message: "the file is empty (no header line)".into() });
        }
        Ok(Reader { file: file.into(), rdr, headers })
    }

    fn err(&self, line: Option<u64>, message: impl Into<String>) -> TableError {
        TableError { file: self.file.clone(), line, message: message.into() }
    }

    /// Index of each wanted column, or an error naming the first missing.
    fn columns(&self, wanted: &[&str]) -> Result<Vec<usize>, TableError> {
        wanted
            .iter()
            .map(|w| {
                self.headers.iter().position(|h| h == *w).ok_or_else(|| {
                    self.err(Some(1), format!("missing column `{w}`; is this a table written by this version of normshift?"))
                })
            })
            .collect()
    }

    /// Every record, with its line number.
    fn records(&mut self, mut each: impl FnMut(&csv::StringRecord, u64) -> Result<(), TableError>) -> Result<usize, TableError> {
        let mut rec = csv::StringRecord::new();
        let mut n = 0;
        loop {
            match self.rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    each(&rec, line)?;
                    n += 1;
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                            format!("{len} cells where the header has {expected_len}")
                        }
                        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text".to_string(),
                        _ => e.to_string(),
                    };
                    return Err(self.err(line, message));
                }
            }
        }
        if n == 0 {
            return Err(self.err(None, "no rows after the header"));
        }
        Ok(n)
    }
}

/// A cell as a number; empty is NaN.
fn number(file: &str, rec: &csv::StringRecord, c: usize, name: &str, line: u64) -> Result<f64, TableError> {
    let s = rec.get(c).unwrap_or("");
    if s.is_empty() {
        return Ok(f64::NAN);
    }
    s.parse::<f64>().ok().filter(|x| !x.is_infinite()).ok_or_else(|| TableError {
        file: file.into(),
        line: Some(line),
        message: format!("column `{name}`: `{s}` is not a number"),
    })
}

/// A cell as a whole number within `0..=max`.
fn whole(file: &str, rec: &csv::StringRecord, c: usize, name: &str, line: u64, max: u64) -> Result<u64, TableError> {
    let s = rec.get(c).unwrap_or("");
    s.parse::<u64>().ok().filter(|x| *x <= max).ok_or_else(|| TableError {
        file: file.into(),
        line: Some(line),
        message: format!("column `{name}`: `{s}` is not a whole number from 0 to {max}"),
    })
}

/// A non-empty text cell.
fn text<'a>(file: &str, rec: &'a csv::StringRecord, c: usize, name: &str, line: u64) -> Result<&'a str, TableError> {
    let s = rec.get(c).unwrap_or("");
    if s.is_empty() {
        return Err(TableError { file: file.into(), line: Some(line), message: format!("column `{name}` is empty") });
    }
    Ok(s)
}

fn index_of(list: &mut Vec<String>, name: &str) -> usize {
    match list.iter().position(|s| s == name) {
        Some(k) => k,
        None => {
            list.push(name.to_string());
            list.len() - 1
        }
    }
}

/// Read `timeseries.csv`.
pub fn read_timeseries(input: impl Read, file: &str) -> Result<Timeseries, TableError> {
    let mut r = Reader::new(input, file)?;
    let ids = r.columns(&["strategy", "step"])?;
    let cols = r.columns(&TIMESERIES_COLUMNS)?;
    let mut ts = Timeseries { cells: vec![Vec::new(); cols.len()], ..Default::default() };
    let f = r.file.clone();
    r.records(|rec, line| {
        let s = index_of(&mut ts.strategies, text(&f, rec, ids[0], "strategy", line)?);
        let step = whole(&f, rec, ids[1], "step", line, MAX_MONTHS)? as usize;
        ts.months = ts.months.max(step + 1);
        for (k, &c) in cols.iter().enumerate() {
            let x = number(&f, rec, c, TIMESERIES_COLUMNS[k], line)?;
            let by_s = &mut ts.cells[k];
            if by_s.len() <= s {
                by_s.resize(s + 1, Vec::new());
            }
            if by_s[s].len() <= step {
                by_s[s].resize(step + 1, Vec::new());
            }
            by_s[s][step].push(x);
        }
        Ok(())
    })?;
    Ok(ts)
}

/// Read `runs.csv`.
pub fn read_runs(input: impl Read, file: &str) -> Result<Runs, TableError> {
    let mut r = Reader::new(input, file)?;
    let ids = r.columns(&["strategy", "replicate"])?;
    let cols = r.columns(&RUNS_COLUMNS)?;
    let mut runs = Runs::default();
    let f = r.file.clone();
    r.records(|rec, line| {
        let strategy = text(&f, rec, ids[0], "strategy", line)?.to_string();
        index_of(&mut runs.strategies, &strategy);
        let replicate = whole(&f, rec, ids[1], "replicate", line, u32::MAX as u64)? as u32;
        let mut values = [f64::NAN; RUNS_COLUMNS.len()];
        for (k, &c) in cols.iter().enumerate() {
            values[k] = number(&f, rec, c, RUNS_COLUMNS[k], line)?;
        }
        runs.rows.push(RunRow { strategy, replicate, values });
        Ok(())
    })?;
    Ok(runs)
}

/// Read `comparison.csv`.
pub fn read_comparison(input: impl Read, file: &str) -> Result<Comparison, TableError> {
    let mut r = Reader::new(input, file)?;
    let c = r.columns(&COMPARISON_COLUMNS)?;
    let mut cmp = Comparison::default();
    let f = r.file.clone();
    r.records(|rec, line| {
        let n = |k: usize| number(&f, rec, c[k], COMPARISON_COLUMNS[k], line);
        let strategy = text(&f, rec, c[0], "strategy", line)?.to_string();
        index_of(&mut cmp.strategies, &strategy);
        let cell = rec.get(c[9]).unwrap_or("");
        let Some(verdict) = Verdict::parse(cell) else {
            let allowed: Vec<String> = Verdict::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
            return Err(TableError {
                file: f.clone(),
                line: Some(line),
                message: format!("column `verdict`: `{cell}` is not a verdict; allowed: {} (empty: none)", allowed.join(", ")),
            });
        };
        cmp.rows.push(ComparisonRow {
            strategy,
            metric: text(&f, rec, c[1], "metric", line)?.to_string(),
            mean: n(2)?,
            p05: n(3)?,
            p95: n(4)?,
            diff_mean: n(5)?,
            diff_lo: n(6)?,
            diff_hi: n(7)?,
            p_better: n(8)?,
            verdict,
            replicates: whole(&f, rec, c[10], "replicates", line, u32::MAX as u64)? as u32,
        });
        Ok(())
    })?;
    Ok(cmp)
}

/// Read `explain.csv` (`compare --explain`; columns of
/// [`crate::explain::COLUMNS`]).
pub fn read_explain(input: impl Read, file: &str) -> Result<Vec<crate::explain::Row>, TableError> {
    use crate::explain::{COLUMNS, METRICS, Part, Row};
    let mut r = Reader::new(input, file)?;
    let c = r.columns(&COLUMNS)?;
    let mut rows = Vec::new();
    let f = r.file.clone();
    r.records(|rec, line| {
        let n = |k: usize| number(&f, rec, c[k], COLUMNS[k], line);
        let bad = |k: usize, cell: &str, allowed: String| TableError {
            file: f.clone(),
            line: Some(line),
            message: format!("column `{}`: `{cell}` is not allowed; allowed: {allowed}", COLUMNS[k]),
        };
        let metric = text(&f, rec, c[1], "metric", line)?;
        let Some(&(metric, _)) = METRICS.iter().find(|m| m.0 == metric) else {
            return Err(bad(1, metric, METRICS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")));
        };
        let part = text(&f, rec, c[2], "channel", line)?;
        let Some(part) = Part::parse(part) else {
            return Err(bad(2, part, "total, leftover or a channel's name".into()));
        };
        rows.push(Row {
            strategy: text(&f, rec, c[0], "strategy", line)?.to_string(),
            metric,
            part,
            mean: n(3)?,
            lo: n(4)?,
            hi: n(5)?,
            gain_off: n(6)?,
            replicates: whole(&f, rec, c[7], "replicates", line, u32::MAX as u64)? as usize,
        });
        Ok(())
    })?;
    Ok(rows)
}

/// Read the village trace: `village_agents.csv`, `village_ties.csv` and
/// `village_states.csv` (names for messages in `files`, in that order).
pub fn read_village(agents: impl Read, ties: impl Read, states: impl Read, files: [&str; 3]) -> Result<Village, TableError> {
    let mut v = Village::default();

    let mut r = Reader::new(agents, files[0])?;
    let c = r.columns(&["agent", "role", "gender", "head", "elite", "disabled", "marginalised", "youth"])?;
    let f = r.file.clone();
    r.records(|rec, line| {
        let id = whole(&f, rec, c[0], "agent", line, u32::MAX as u64)? as usize;
        if id != v.agents.len() {
            return Err(TableError {
                file: f.clone(),
                line: Some(line),
                message: format!(
                    "column `agent`: expected agent {} (agents are numbered 0, 1, 2, ... in order), found {id}",
                    v.agents.len()
                ),
            });
        }
        let role = match rec.get(c[1]).unwrap_or("") {
            "member" => Role::Member,
            "gatekeeper" => Role::Gatekeeper,
            "religious_leader" => Role::ReligiousLeader,
            other => {
                return Err(TableError {
                    file: f.clone(),
                    line: Some(line),
                    message: format!("column `role`: `{other}` is not member, gatekeeper or religious_leader"),
                });
            }
        };
        let woman = match rec.get(c[2]).unwrap_or("") {
            "woman" => true,
            "man" => false,
            other => {
                return Err(TableError {
                    file: f.clone(),
                    line: Some(line),
                    message: format!("column `gender`: `{other}` is not woman or man"),
                });
            }
        };
        let flag = |k: usize, name: &str| whole(&f, rec, c[k], name, line, 1).map(|x| x == 1);
        v.agents.push(VillageAgent {
            role,
            woman,
            head: flag(3, "head")?,
            elite: flag(4, "elite")?,
            disabled: flag(5, "disabled")?,
            marginalised: flag(6, "marginalised")?,
            youth: flag(7, "youth")?,
        });
        Ok(())
    })?;
    let n = v.agents.len() as u64;

    let mut r = Reader::new(ties, files[1])?;
    let c = r.columns(&["source", "target", "layer"])?;
    let f = r.file.clone();
    let read = r.records(|rec, line| {
        let a = whole(&f, rec, c[0], "source", line, n.saturating_sub(1))? as u32;
        let b = whole(&f, rec, c[1], "target", line, n.saturating_sub(1))? as u32;
        let layer = match rec.get(c[2]).unwrap_or("") {
            "household" => Layer::Household,
            "peer" => Layer::Peer,
            "leader" | "member" => Layer::Leader,
            "bridge" => Layer::Bridge,
            other => {
                return Err(TableError {
                    file: f.clone(),
                    line: Some(line),
                    message: format!("column `layer`: `{other}` is not household, peer, leader, member or bridge"),
                });
            }
        };
        v.ties.push((a, b, layer));
        Ok(())
    });
    // A village can have no ties at all; only a file with no header is wrong.
    match read {
        Ok(_) => {}
        Err(e) if e.message == "no rows after the header" => {}
        Err(e) => return Err(e),
    }

    let mut r = Reader::new(states, files[2])?;
    let c = r.columns(&["strategy", "step", "agent", "state"])?;
    let f = r.file.clone();
    r.records(|rec, line| {
        let s = index_of(&mut v.strategies, text(&f, rec, c[0], "strategy", line)?);
        let step = whole(&f, rec, c[1], "step", line, MAX_MONTHS)? as usize;
        let agent = whole(&f, rec, c[2], "agent", line, n.saturating_sub(1))? as usize;
        let name = rec.get(c[3]).unwrap_or("");
        let state = STATE_NAMES.iter().position(|x| *x == name).ok_or_else(|| TableError {
            file: f.clone(),
            line: Some(line),
            message: format!("column `state`: `{name}` is not one of {}", STATE_NAMES.join(", ")),
        })? as State;
        if v.states.len() <= s {
            v.states.resize(s + 1, Vec::new());
        }
        let months = &mut v.states[s];
        if months.len() <= step {
            months.resize(step + 1, vec![UNKNOWN; n as usize]);
        }
        months[step][agent] = state;
        Ok(())
    })?;
    Ok(v)
}

/// State of an agent the trace has no row for.
pub const UNKNOWN: State = u8::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_columns_are_real_output_columns() {
        for c in TIMESERIES_COLUMNS {
            assert!(crate::outcomes::MONTH_COLUMNS.contains(&c), "{c}");
        }
        for c in RUNS_COLUMNS.iter().filter(|c| **c != "agents") {
            assert!(crate::outcomes::SUMMARY_COLUMNS.contains(c), "{c}");
        }
        for c in COMPARISON_COLUMNS {
            assert!(crate::compare::COLUMNS.contains(&c), "{c}");
        }
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let csv = "strategy,step,participation\nbaseline,0,0.1\n";
        let e = read_timeseries(csv.as_bytes(), "timeseries.csv").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.to_string().contains("missing column `participation_elite`"), "{e}");

        let mut head = String::from("strategy,step");
        for c in TIMESERIES_COLUMNS {
            head.push(',');
            head.push_str(c);
        }
        let row = |x: &str| format!("baseline,0{}\n", format!(",{x}").repeat(TIMESERIES_COLUMNS.len()));
        let ok = format!("{head}\n{}", row("0.5"));
        let ts = read_timeseries(ok.as_bytes(), "t.csv").unwrap();
        assert_eq!(ts.values("participation", 0, 0), &[0.5]);
        let bad = format!("{head}\n{}{}", row("0.5"), row("abc"));
        let e = read_timeseries(bad.as_bytes(), "t.csv").unwrap_err();
        assert_eq!(e.to_string(), "t.csv, line 3: column `participation`: `abc` is not a number");
        let short = format!("{head}\nbaseline,0,1\n");
        let e = read_timeseries(short.as_bytes(), "t.csv").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("cells where the header has"), "{e}");
        let e = read_timeseries(head.as_bytes(), "t.csv").unwrap_err();
        assert!(e.to_string().contains("no rows"), "{e}");
        let e = read_timeseries("".as_bytes(), "t.csv").unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn village_states_must_name_known_states_and_agents() {
        let agents = "agent,role,gender,head,elite,disabled,marginalised,youth\n0,member,woman,1,0,0,0,0\n1,gatekeeper,man,0,0,0,0,0\n";
        let ties = "source,target,layer\n0,1,leader\n";
        let states = "strategy,step,agent,state\nbaseline,0,0,woman_acting\nbaseline,0,1,man\n";
        let v = read_village(agents.as_bytes(), ties.as_bytes(), states.as_bytes(), ["a", "t", "s"]).unwrap();
        assert_eq!(v.states[0][0], vec![1, 3]);
        let bad = "strategy,step,agent,state\nbaseline,0,5,woman\n";
        let e = read_village(agents.as_bytes(), ties.as_bytes(), bad.as_bytes(), ["a", "t", "s"]).unwrap_err();
        assert!(e.to_string().starts_with("s, line 2: column `agent`"), "{e}");
        let bad = "strategy,step,agent,state\nbaseline,0,1,asleep\n";
        let e = read_village(agents.as_bytes(), ties.as_bytes(), bad.as_bytes(), ["a", "t", "s"]).unwrap_err();
        assert!(e.to_string().contains("`asleep` is not one of"), "{e}");
    }
}
