//! `normshift compare` when the scenario declares priors (`[uncertain]`):
//! draw the uncertain parameters (Sobol' or Latin hypercube, seeded), run
//! every strategy of each draw on the same people and random numbers, and
//! report what holds across the draws: the gain's mean and 90% range,
//! the chance of beating baseline, of being best (also per dollar), regret,
//! the chance of harm, the share of spread due to the parameters, PRIM
//! boxes and first-order indices for the top strategy against each
//! runner-up (`discovery.csv`), and the acceptability curve
//! (`acceptability.csv`).
//!
//! A long job on the shared runner (`runner.rs`), like `sweep`: each
//! replicate of each draw is a unit whose rows (each run's summary at full
//! precision, and its months) are appended to `journal.csv` as it
//! finishes, so a job killed at any moment resumes with `--resume` to the
//! same bytes, and `--shard I/N` runs a chunk that `normshift merge` joins.
//! Everything else is made from the journal once it is complete.
//!
//! `normshift serve` runs the same analysis in memory (its `jobs.rs`),
//! through the `pub(super)` helpers here.
//!
//! Draw d's replicates are numbered d*R .. d*R+R-1, so the runs of a prior
//! of zero width are exactly those of `compare --no-uncertainty --reps D*R`.
//! A few more replicates run at the scenario's point values (`point.csv`),
//! to mark the point comparison on the figure of gains across draws.
//!
//! Also reads such a folder back for `normshift plot`: the figures and the
//! report's section on the priors ([`folder_report`]).

use super::compare::{BASELINE, CompareArgs};
use super::files::write_atomic;
use super::folder::{self, Staging};
use super::input::{self, Input};
use super::run::{check_memory, set_threads};
use super::{bad, journal, runner, stop};
use normshift::budget::{Rescale, rescale};
use normshift::compare::{COLUMNS, compare};
use normshift::outcomes::{SUMMARY_COLUMNS, Summary, sum};
use normshift::output::{self, csv_line, num};
use normshift::plot::uncertain::{Chance, GainRow, SectionRow, WinnerMap, acceptability, chances, gains, section, winner_map};
use normshift::plot::{Figure, Options};
use normshift::run::{Job, RunId, RunResult};
use normshift::scenario::{Scenario, parse_scenario};
use normshift::uncertainty::analysis::{Analysis, Discovery, Outcomes, Stats, analyse, decisive, winners};
use normshift::uncertainty::prior::{Design, TABLE, parse_with_priors_reading, unit_draws};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Draws when `--draws` is not given.
pub const DEFAULT_DRAWS: u32 = 128;
/// Replicates per draw when `--reps` is not given.
pub const DEFAULT_REPS: u32 = 2;
/// The journal of a comparison over priors.
pub const JOURNAL: &str = "journal.csv";
const JOURNAL_HEADER: &str = "row_id,row";

/// Options of `compare` about the priors.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct UncertainArgs {
    /// Draws of the priors (`[uncertain]`); each draw runs every strategy
    /// on --reps replicates (default 2). Default: 128.
    #[arg(long)]
    pub draws: Option<u32>,
    /// How the draws are spread: sobol (scrambled Sobol' points) or lhs (Latin hypercube).
    #[arg(long, default_value = "sobol", value_parser = ["sobol", "lhs"])]
    pub design: String,
    /// Ignore the priors: compare at the scenario's point values.
    #[arg(long, conflicts_with_all = ["draws"])]
    pub no_uncertainty: bool,
    /// Finish an interrupted comparison over priors in its folder.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub sharding: journal::Sharding,
}

/// Whether to compare over the priors; refuses `--draws`, `--resume` and
/// `--shard` without priors.
pub fn active(args: &UncertainArgs, input: &Input) -> anyhow::Result<bool> {
    let job_flag = if args.resume {
        Some("--resume")
    } else if args.sharding.shard.is_some() || args.sharding.shards.is_some() {
        Some("--shard")
    } else {
        None
    };
    if args.no_uncertainty {
        if let Some(f) = job_flag {
            return Err(bad(format!(
                "{f}: only a comparison over priors is a resumable, shardable job; leave out --no-uncertainty or {f}"
            )));
        }
        return Ok(false);
    }
    if input.priors.is_empty() {
        let why = if input.priors.fixed.is_empty() {
            "the scenario declares no priors; add an [uncertain] table (see docs/uncertainty.md)".to_string()
        } else {
            format!("every prior was fixed by --set ({})", input.priors.fixed.join(", "))
        };
        if let Some(d) = args.draws {
            return Err(bad(format!("--draws {d}: {why}")));
        }
        if let Some(f) = job_flag {
            return Err(bad(format!("{f}: only a comparison over priors is a resumable, shardable job, and {why}")));
        }
        return Ok(false);
    }
    Ok(true)
}

/// Metric names of the rows added to `comparison.csv`.
pub const METRICS: [&str; 8] =
    ["gain", "p_beats_baseline", "p_best", "p_best_per_dollar", "regret_mean", "regret_p90", "p_harm", "parameter_share"];

/// Columns of `discovery.csv`.
pub const DISCOVERY_COLUMNS: [&str; 11] =
    ["top", "runner_up", "kind", "parameter", "lo", "hi", "value", "coverage", "density", "mass", "p_runner_up_wins"];

/// The shape of a comparison over draws, and the ids of its journal rows:
/// first one row per run of the draws (`k * D*R + replicate`, as in
/// `runs.csv`), then one per month of each of those runs, then one per run
/// at the point values.
#[derive(Clone, Copy, Debug)]
struct Plan {
    draws: usize,
    reps: usize,
    point_reps: usize,
    strategies: usize,
    months: usize,
    /// Under `--budget`: after the point runs, one row per (draw, strategy)
    /// with the reach that spends the budget in that draw, then one per
    /// strategy at the point values (`budget.csv`).
    budget: bool,
}

impl Plan {
    fn replicates(&self) -> usize {
        self.draws * self.reps
    }
    fn runs(&self) -> u64 {
        (self.replicates() * self.strategies) as u64
    }
    fn units(&self) -> usize {
        self.replicates() + self.point_reps
    }
    fn run_id(&self, k: usize, rep: usize) -> u64 {
        (k * self.replicates() + rep) as u64
    }
    fn month_id(&self, run: u64, month: usize) -> u64 {
        self.runs() + run * self.months as u64 + month as u64
    }
    fn point_id(&self, k: usize, j: usize) -> u64 {
        self.runs() * (1 + self.months as u64) + (k * self.point_reps + j) as u64
    }
    /// First row id after the point runs: the budget rows, if any.
    fn budget_start(&self) -> u64 {
        self.point_id(0, 0) + (self.point_reps * self.strategies) as u64
    }
    /// The budget row of strategy `k` in draw `d` (`d == draws`: the point values).
    fn budget_id(&self, d: usize, k: usize) -> u64 {
        self.budget_start() + (d * self.strategies + k) as u64
    }
    fn rows_total(&self) -> u64 {
        self.budget_start() + if self.budget { ((self.draws + 1) * self.strategies) as u64 } else { 0 }
    }
    /// The draw whose budget rows unit `u` writes: the first replicate of
    /// each draw writes its draw's, the first point run the point values'.
    fn budget_draw_of(&self, u: usize) -> Option<usize> {
        if !self.budget {
            None
        } else if u < self.replicates() {
            u.is_multiple_of(self.reps).then_some(u / self.reps)
        } else {
            (u == self.replicates()).then_some(self.draws)
        }
    }
    fn row_ids(&self, u: usize) -> Vec<u64> {
        let mut ids = Vec::new();
        if u < self.replicates() {
            for k in 0..self.strategies {
                let id = self.run_id(k, u);
                ids.push(id);
                ids.extend((0..self.months).map(|m| self.month_id(id, m)));
            }
        } else {
            ids.extend((0..self.strategies).map(|k| self.point_id(k, u - self.replicates())));
        }
        if let Some(d) = self.budget_draw_of(u) {
            ids.extend((0..self.strategies).map(|k| self.budget_id(d, k)));
        }
        ids
    }
    fn from_manifest(m: &serde_json::Value) -> Option<Plan> {
        let u = &m["uncertainty"];
        let n = |k: &str| u[k].as_u64().map(|x| x as usize);
        Some(Plan {
            draws: n("draws")?,
            reps: n("replicates_per_draw")?,
            point_reps: n("point_replicates")?,
            strategies: m["strategies"].as_array()?.len(),
            months: n("months")?,
            budget: u["budget"].is_number(),
        })
    }
}

/// Replicates run at the point values: twice those of a draw.
fn point_reps(reps: usize) -> usize {
    2 * reps
}

/// A run's journal row: strategy, replicate, seed, the summary at full
/// precision (so the analysis of a resumed or merged job is the same to
/// the last bit), agents and ties.
fn run_row(id: u64, r: &RunResult) -> String {
    let mut cells = vec![id.to_string(), r.id.strategy.clone(), r.id.replicate.to_string(), r.id.seed.to_string()];
    cells.extend(r.summary.iter().map(|x| format!("{x:?}")));
    cells.extend([r.agents.to_string(), r.ties.to_string()]);
    cells.join(",")
}

/// A run back from its journal row (no months, no trace).
fn parse_run(line: &str) -> Option<RunResult> {
    let c: Vec<&str> = line.split(',').collect();
    if c.len() != 4 + SUMMARY_COLUMNS.len() + 2 {
        return None;
    }
    let mut summary: Summary = [f64::NAN; SUMMARY_COLUMNS.len()];
    for (x, cell) in summary.iter_mut().zip(&c[4..4 + SUMMARY_COLUMNS.len()]) {
        *x = cell.parse().ok()?;
    }
    let n = 4 + SUMMARY_COLUMNS.len();
    Some(RunResult {
        id: RunId { run_id: c[0].parse().ok()?, strategy: c[1].to_string(), replicate: c[2].parse().ok()?, seed: c[3].parse().ok()? },
        months: Vec::new(),
        summary,
        agents: c[n].parse().ok()?,
        ties: c[n + 1].parse().ok()?,
        build_seconds: 0.0,
        simulate_seconds: 0.0,
        agent_steps: 0.0,
        trace: None,
    })
}

/// The draws as units for the runner: unit u < D*R is replicate u (of draw
/// u / R), every strategy on one world; the last units are the replicates
/// at the point values.
struct DrawWork<'a> {
    plan: Plan,
    jobs: Vec<Job<'a>>,
    point: Job<'a>,
    names: &'a [String],
    /// Under `--budget`, each draw's rescaling (then the point values'),
    /// per strategy (None for baseline); empty for draws this run skips.
    rescaled: Vec<Vec<Option<Rescale>>>,
}

impl DrawWork<'_> {
    fn k_of(&self, r: &RunResult) -> usize {
        self.names.iter().position(|n| *n == r.id.strategy).unwrap_or(0)
    }
}

impl runner::Work for DrawWork<'_> {
    type Done = Vec<RunResult>;

    fn units(&self) -> usize {
        self.plan.units()
    }

    fn row_ids(&self, u: usize) -> Vec<u64> {
        self.plan.row_ids(u)
    }

    fn run(&self, u: usize) -> anyhow::Result<Option<Self::Done>> {
        let p = &self.plan;
        Ok(if u < p.replicates() {
            self.jobs[u / p.reps].try_run_replicate(u as u32).ok()
        } else {
            self.point.try_run_replicate((u - p.replicates()) as u32).ok()
        })
    }

    fn rows(&self, u: usize, results: &Self::Done) -> Vec<(u64, String)> {
        let p = &self.plan;
        let mut rows = Vec::new();
        for r in results {
            let k = self.k_of(r);
            if u < p.replicates() {
                let id = p.run_id(k, u);
                rows.push((id, run_row(id, r)));
                let mut r = r.clone();
                r.id.run_id = id;
                let mut text = Vec::new();
                if output::write_timeseries(&mut text, &r).is_ok() {
                    for (m, line) in String::from_utf8_lossy(&text).lines().enumerate() {
                        let mid = p.month_id(id, m);
                        rows.push((mid, format!("{mid},{line}")));
                    }
                }
            } else {
                let j = u - p.replicates();
                let id = p.point_id(k, j);
                let mut r = r.clone();
                r.id.run_id = (k * p.point_reps + j) as u64;
                rows.push((id, format!("{id},{}", run_row(r.id.run_id, &r).split_once(',').map_or("", |x| x.1))));
            }
        }
        if let Some(d) = p.budget_draw_of(u) {
            for (k, name) in self.names.iter().enumerate() {
                let id = p.budget_id(d, k);
                let r = self.rescaled.get(d).and_then(|row| row.get(k).cloned().flatten());
                let (reach, own, cost) = r.map_or((1.0, f64::NAN, f64::NAN), |r| (r.reach, r.own_cost, r.cost));
                let draw = if d == p.draws { "point".to_string() } else { d.to_string() };
                rows.push((id, format!("{id},{draw},{name},{reach:?},{own:?},{cost:?}")));
            }
        }
        rows
    }

    fn valid_row(&self, line: &str) -> bool {
        line.split(',').next().and_then(|c| c.parse::<u64>().ok()).is_some_and(|id| id < self.plan.rows_total())
    }

    fn runs_per_unit(&self) -> usize {
        self.plan.strategies
    }
}

/// What the outputs of a complete comparison over draws are made from.
struct Context<'a> {
    s: &'a Scenario,
    names: Vec<String>,
    keys: Vec<String>,
    values: Vec<Vec<f64>>,
    plan: Plan,
    fixed: Vec<String>,
    /// `--budget`, if given.
    budget: Option<f64>,
}

/// The saved `scenario.toml`: the user's file with every value as run
/// (their comments kept, `saved::saved_toml`), and the priors after it.
pub(super) fn saved_scenario(text: &str, scenario: &Scenario, priors: &toml::Table) -> anyhow::Result<String> {
    let mut extra = toml::Table::new();
    extra.insert(TABLE.into(), toml::Value::Table(priors.clone()));
    let saved = super::saved::saved_toml_with(text, scenario, &extra)?;
    let back = toml::from_str::<toml::Table>(&saved).ok().and_then(|mut t| t.remove(TABLE));
    if back == Some(toml::Value::Table(priors.clone())) {
        return Ok(saved);
    }
    // The overlay could not follow the layout: the plain resolved scenario.
    let mut plain = input::resolved_toml(scenario)?;
    plain.push('\n');
    plain.push_str(&toml::to_string(&extra)?);
    Ok(plain)
}

/// A file copied into a results folder: its name there, and its bytes.
pub(super) type FileCopy = (String, Vec<u8>);

/// Reads a file a scenario names: (its name for messages, its text).
pub(super) type Reader<'a> = &'a dyn Fn(&str) -> anyhow::Result<(String, String)>;

/// The priors table with each posterior file a prior names (`file = ...`,
/// read through `read`) replaced by a copy in the comparison's folder:
/// `posterior.csv`, then `posterior-2.csv` and on for other files (names
/// no output of `compare` uses). Returns the table and the copies (name,
/// bytes) to write beside the saved scenario.toml.
pub(super) fn posterior_copies(table: &toml::Table, read: Reader<'_>) -> anyhow::Result<(toml::Table, Vec<FileCopy>)> {
    fn walk(t: &mut toml::Table, read: Reader<'_>, seen: &mut Vec<(String, String, Vec<u8>)>) -> anyhow::Result<()> {
        if t.contains_key("dist") {
            if let Some(toml::Value::String(file)) = t.get("file").cloned() {
                let name = match seen.iter().find(|c| c.0 == file) {
                    Some(c) => c.1.clone(),
                    None => {
                        let bytes = read(&file)?.1.into_bytes();
                        let name = if seen.is_empty() { "posterior.csv".to_string() } else { format!("posterior-{}.csv", seen.len() + 1) };
                        seen.push((file, name.clone(), bytes));
                        name
                    }
                };
                t.insert("file".into(), toml::Value::String(name));
            }
            return Ok(());
        }
        for (_, v) in t.iter_mut() {
            if let toml::Value::Table(sub) = v {
                walk(sub, read, seen)?;
            }
        }
        Ok(())
    }
    let mut out = table.clone();
    let mut seen = Vec::new();
    walk(&mut out, read, &mut seen)?;
    Ok((out, seen.into_iter().map(|(_, name, bytes)| (name, bytes)).collect()))
}

pub fn compare_draws(args: &CompareArgs, input: &Input, picked: Vec<usize>, started: SystemTime) -> anyhow::Result<()> {
    let u = &args.uncertainty;
    if u.resume && args.output.force {
        return Err(bad("--resume and --force: choose one (--force deletes what --resume would finish)"));
    }
    let draws = u.draws.unwrap_or(DEFAULT_DRAWS);
    if !(1..=1_000_000).contains(&draws) {
        return Err(bad(format!("--draws {draws}: give 1 to 1,000,000 draws (100 or more for stable chances)")));
    }
    let reps = args.adjust.reps.unwrap_or(DEFAULT_REPS);
    if u64::from(draws) * u64::from(reps) * 3 > u64::from(u32::MAX) {
        return Err(bad(format!("--draws {draws} x --reps {reps}: too many runs")));
    }
    let shard = u.sharding.resolve()?;
    let (d_n, r_n) = (draws as usize, reps as usize);
    let design = if u.design == "lhs" { Design::Lhs } else { Design::Sobol };
    let priors = &input.priors.list;
    let s = &input.scenario;
    let unit = unit_draws(d_n, priors.len(), design, s.seed).map_err(|e| bad(format!("--design {}: {e}", u.design)))?;
    // Priors that name one posterior file are drawn jointly (one row).
    let values: Vec<Vec<f64>> = unit.iter().map(|row| input.priors.values(row)).collect();
    let scenarios: Vec<Scenario> = values
        .iter()
        .enumerate()
        .map(|(d, row)| {
            let mut sets = input.sets.clone();
            sets.extend(priors.iter().zip(row).map(|(p, &x)| p.set(x)));
            let at = || priors.iter().zip(row).map(|(p, &x)| p.set(x)).collect::<Vec<_>>().join(", ");
            let sc = parse_scenario(&input.text, &input.origin, &sets)
                .map_err(|e| bad(format!("draw {d} ({}) is not a valid scenario: {e}", at())))?;
            if sc.steps != s.steps {
                return Err(bad(format!(
                    "draw {d} ({}): a prior on `steps` is not supported; every draw runs the scenario's months",
                    at()
                )));
            }
            Ok(sc)
        })
        .collect::<anyhow::Result<_>>()?;
    let names: Vec<String> = picked.iter().map(|&k| s.strategies[k].name.clone()).collect();
    let plan = Plan {
        draws: d_n,
        reps: r_n,
        point_reps: point_reps(r_n),
        strategies: names.len(),
        months: s.steps as usize,
        budget: args.budget.is_some(),
    };
    let all_names: Vec<String> = s.strategies.iter().map(|t| t.name.clone()).collect();
    let keys: Vec<String> = priors.iter().map(|p| p.named_key(&all_names)).collect();
    // Posterior files the priors name are copied into the folder and the
    // saved scenario.toml names the copies: the folder is self-contained.
    let (table, copies) = posterior_copies(&input.priors.table, &|f: &str| input.read_named(f))?;
    let scenario_text = saved_scenario(&input.text, &input.scenario, &table)?;
    let mut ident = format!("{scenario_text}\n--draws {d_n}\n--reps {r_n}\n--design {}\n--strategies {}\n", u.design, names.join(","));
    for (name, bytes) in &copies {
        ident.push_str(&format!("{name} {}\n", normshift::sweep::digest(&String::from_utf8_lossy(bytes))));
    }
    if let Some(b) = args.budget {
        ident.push_str(&format!("--budget {b:?}\n"));
    }
    let out = args.output.out.clone().unwrap_or_else(|| runner::shard_folder(&PathBuf::from("results").join(&s.name), shard));

    let make_job = |sc, replicates| new_job(sc, &picked, input.loaded.as_ref(), replicates);
    let jobs: Vec<Job> = scenarios.iter().enumerate().map(|(d, sc)| make_job(sc, (d * r_n) as u32..((d + 1) * r_n) as u32)).collect();
    let mut work = DrawWork { plan, jobs, point: make_job(s, 0..plan.point_reps as u32), names: &names, rescaled: Vec::new() };
    let at = |d: usize| keys.iter().zip(&values[d]).map(|(k, x)| format!("{k}={x}")).collect::<Vec<_>>().join(", ");
    // A budget refused at the point values is refused before the folder is touched.
    let point_rescaled = match args.budget {
        Some(b) => rescale_one(&work, d_n, b, &at)?,
        None => Vec::new(),
    };
    let runner = runner::Runner {
        command: "compare",
        dir: out.clone(),
        journal: JOURNAL,
        header: JOURNAL_HEADER.to_string(),
        hash: normshift::sweep::digest(&ident),
        shard,
        scenario_name: s.name.clone(),
        what: "comparison",
    };
    // A finished `run` or `compare` of the scenario is replaced, as
    // `compare` always does; an unfinished comparison over priors is left
    // to the runner (kept for --resume, or refused).
    if !u.resume
        && let Some(m) = journal::read_manifest(&out)
        && ["run", "compare"].contains(&folder::command_of(&m).as_str())
        && m["status"].as_str().is_none_or(|st| st == "complete")
    {
        folder::claim(&out, "compare", &["run", "compare"], &s.name, args.output.force)?;
        folder::remove(&out)?;
    }
    let done = runner.claim(&work, u.resume, args.output.force)?;
    let threads = set_threads(args.output.threads)?;
    check_memory(s, input.loaded.as_ref(), threads.min(plan.units()))?;
    let units = runner::shard_range(plan.units(), shard);
    let manifest = |status: &str, wall: f64| {
        let mut more = serde_json::json!({
            "uncertainty": {
                "draws": d_n,
                "replicates_per_draw": r_n,
                "point_replicates": plan.point_reps,
                "months": plan.months,
                "design": u.design,
                "parameters": keys,
                "fixed_by_set": input.priors.fixed,
                "rows_total": plan.rows_total(),
            },
            "strategies": names,
            "seed": s.seed,
            "shard": runner::shard_label(shard),
            "runs_total": plan.units() * plan.strategies,
            "runs_in_shard": units.len() * plan.strategies,
            "threads": threads,
            "wall_seconds": wall,
        });
        if let Some(b) = args.budget {
            more["uncertainty"]["budget"] = serde_json::json!(b);
            more["uncertainty"]["budget_note"] = serde_json::json!(BUDGET_NOTE);
        }
        journal::manifest("compare", &input.origin, &s.name, &runner.hash, status, started, more)
    };
    std::fs::create_dir_all(&out).map_err(|e| bad(format!("cannot create the output folder {}: {e}", out.display())))?;
    runner.manifest(&manifest("running", 0.0))?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(scenario_text.as_bytes()))?;
    for (name, bytes) in &copies {
        write_atomic(&out.join(name), |w| w.write_all(bytes))?;
    }
    write_draws(&out, &keys, &values, r_n, priors.iter().map(|p| p.integer).collect())?;
    if let Some(budget) = args.budget {
        match rescale_draws(&work, &done, units.clone(), budget, &point_rescaled, &at) {
            Ok(r) => work.rescaled = r,
            Err(e) => {
                let status = if stop::stopped() { "interrupted" } else { "failed" };
                runner.manifest(&manifest(status, 0.0)).ok();
                return Err(e);
            }
        }
        for (k, slot) in work.rescaled.iter().enumerate() {
            let job = if k < d_n { &mut work.jobs[k] } else { &mut work.point };
            for (j, r) in slot.iter().enumerate() {
                if let Some(r) = r {
                    job.reach[j] = r.reach;
                }
            }
        }
    }
    let (rows, wall) = runner.execute(&work, &done, "compare", &manifest)?;
    let finished = (|| -> anyhow::Result<()> {
        if units.contains(&0) {
            write_village(&out, make_job(&scenarios[0], 0..r_n as u32))?;
        }
        if shard.is_none() {
            let ctx = Context {
                s,
                names: names.clone(),
                keys: keys.clone(),
                values: values.clone(),
                plan,
                fixed: input.priors.fixed.clone(),
                budget: args.budget,
            };
            finish(&out, &out, &ctx, &rows, args.output.no_plots, wall)?;
        }
        Ok(())
    })();
    if let Err(e) = finished {
        runner.manifest(&manifest("failed", wall)).ok();
        return Err(e);
    }
    runner.manifest(&manifest("complete", wall))?;
    if let Some((i, n)) = shard {
        println!(
            "{}: shard {i}/{n} of a comparison over {d_n} draws: {} of {} units in {wall:.1} s; join the shards with `normshift merge`",
            s.name,
            units.len(),
            plan.units()
        );
    }
    println!("results in {}", out.display());
    Ok(())
}

/// A job of `picked` strategies on `replicates` of `sc`, stopped by the stop flag.
fn new_job<'a>(
    sc: &'a Scenario,
    picked: &[usize],
    loaded: Option<&'a (normshift::population::Agents, normshift::network::Csr)>,
    replicates: std::ops::Range<u32>,
) -> Job<'a> {
    Job {
        scenario: sc,
        strategies: picked.to_vec(),
        replicates,
        loaded,
        reach: vec![1.0; picked.len()],
        trace: false,
        stop: Some(stop::flag()),
    }
}

/// What `--budget` means over priors (in the manifest and `docs/uncertainty.md`).
const BUDGET_NOTE: &str = "in each draw, each strategy's reach is rescaled so that its cost on replicate 0, at that draw's parameter values, equals the budget (costs that depend on uncertain parameters are rescaled draw by draw); the point runs are rescaled at the point values; budget.csv has every draw's reach and cost";

/// Under `--budget`, rescale each strategy but baseline (index 0) to
/// `budget` in every draw with a unit still to run in `units` (and at the
/// point values if a point run is), measuring cost on replicate 0 of the
/// draw's scenario, so that a prior of zero width rescales exactly as
/// `compare --budget` does and each draw differs from the others only by
/// its parameters. Draws run in parallel; the result does not depend on
/// the thread count. `at(d)` names draw d's values for an error.
fn rescale_draws(
    work: &DrawWork<'_>,
    done: &std::collections::BTreeSet<u64>,
    units: std::ops::Range<usize>,
    budget: f64,
    point: &[Option<Rescale>],
    at: &(dyn Fn(usize) -> String + Sync),
) -> anyhow::Result<Vec<Vec<Option<Rescale>>>> {
    use rayon::prelude::*;
    let p = &work.plan;
    let draw_of = |u: usize| if u < p.replicates() { u / p.reps } else { p.draws };
    let mut needed = vec![false; p.draws + 1];
    for u in units.filter(|&u| p.row_ids(u).iter().any(|id| !done.contains(id))) {
        needed[draw_of(u)] = true;
    }
    let count = needed.iter().filter(|x| **x).count();
    if count > 0 {
        eprintln!("--budget: rescaling each strategy's reach to {budget} in {count} draws");
    }
    let one = |d: usize| -> anyhow::Result<Vec<Option<Rescale>>> {
        if !needed[d] {
            Ok(Vec::new())
        } else if d == p.draws {
            Ok(point.to_vec())
        } else {
            rescale_one(work, d, budget, at)
        }
    };
    let all: Vec<anyhow::Result<Vec<Option<Rescale>>>> = (0..=p.draws).into_par_iter().map(one).collect();
    all.into_iter().collect()
}

/// Draw `d`'s rescaling to `budget` (`d == draws`: the point values'), on
/// replicate 0; None for baseline (strategy 0).
fn rescale_one(work: &DrawWork<'_>, d: usize, budget: f64, at: &(dyn Fn(usize) -> String + Sync)) -> anyhow::Result<Vec<Option<Rescale>>> {
    let p = &work.plan;
    let mut job = if d < p.draws { work.jobs[d].clone() } else { work.point.clone() };
    job.replicates = 0..1;
    (0..p.strategies)
        .map(|k| {
            if k == 0 {
                return Ok(None);
            }
            if stop::stopped() {
                return Err(anyhow::Error::new(super::Interrupted(
                    "stopped while rescaling reach to the budget; run the same command with --resume to finish".into(),
                )));
            }
            let where_ = if d < p.draws { format!("draw {d} ({})", at(d)) } else { "at the point values".into() };
            rescale(&job, k, budget).map(Some).map_err(|e| bad(format!("--budget {budget}: {where_}: {e}")))
        })
        .collect()
}

/// `draws.csv`: each draw's first replicate and values, written so that
/// they read back exactly (`--set KEY=VALUE` reruns a draw).
fn write_draws(out: &Path, keys: &[String], values: &[Vec<f64>], reps: usize, integer: Vec<bool>) -> anyhow::Result<()> {
    let text = draws_csv(keys, values, reps, &integer);
    write_atomic(&out.join("draws.csv"), |w| w.write_all(text.as_bytes()))
}

/// The text of `draws.csv` (also `normshift serve`'s, byte for byte).
pub(super) fn draws_csv(keys: &[String], values: &[Vec<f64>], reps: usize, integer: &[bool]) -> String {
    let mut text = format!("draw,first_replicate,{}\n", keys.join(","));
    for (d, row) in values.iter().enumerate() {
        let v: Vec<String> =
            row.iter().zip(integer).map(|(&x, &int)| if int { format!("{}", x.round() as i64) } else { format!("{x:?}") }).collect();
        text.push_str(&format!("{d},{},{}\n", d * reps, v.join(",")));
    }
    text
}

/// The traced village (`village_*.csv`) of draw 0's first replicate, run
/// again with the trace on (the same runs as in the journal).
fn write_village(out: &Path, mut job: Job<'_>) -> anyhow::Result<()> {
    job.trace = true;
    let results = job.try_run_replicate(job.replicates.start).map_err(|_| super::run::stopped(out))?;
    if let Some(t) = results.iter().find_map(|r| r.trace.as_ref()) {
        write_atomic(&out.join("village_agents.csv"), |w| output::write_village_agents(w, t))?;
        write_atomic(&out.join("village_ties.csv"), |w| output::write_village_ties(w, t))?;
        write_atomic(&out.join("village_states.csv"), |w| output::write_village_states(w, &results))?;
    }
    Ok(())
}

/// The runs of the draws and at the point values, from a complete job's
/// journal rows; `None` if a row does not read.
fn split_rows<'a>(plan: &Plan, rows: &'a [(u64, String)]) -> anyhow::Result<(Vec<RunResult>, Vec<&'a str>, Vec<RunResult>)> {
    let (mut runs, mut months, mut point) = (Vec::new(), Vec::new(), Vec::new());
    let first_point = plan.point_id(0, 0);
    for (id, line) in rows {
        let rest = line.split_once(',').map_or("", |x| x.1);
        if *id >= plan.budget_start() {
            // `--budget`'s reach rows: `budget.csv`, written by `finish`.
            continue;
        }
        if *id < plan.runs() {
            runs.push(parse_run(line).ok_or_else(|| bad(format!("{JOURNAL}: row {id} does not read: {line}")))?);
        } else if *id < first_point {
            months.push(rest);
        } else {
            let mut r = parse_run(line).ok_or_else(|| bad(format!("{JOURNAL}: row {id} does not read: {line}")))?;
            r.id.run_id = id - first_point;
            point.push(r);
        }
    }
    if runs.len() as u64 != plan.runs() || point.len() != plan.point_reps * plan.strategies {
        return Err(bad(format!("{JOURNAL}: the job's rows are incomplete; finish it with --resume")));
    }
    Ok((runs, months, point))
}

/// Per (draw, replicate, strategy) gain, cost and risk change, paired on the replicate.
fn outcomes(plan: &Plan, names: &[String], runs: &[RunResult]) -> Outcomes {
    let mut o = Outcomes::new(names.to_vec(), plan.draws, plan.reps);
    let at = |k: usize, rep: usize| &runs[k * plan.replicates() + rep].summary;
    for d in 0..plan.draws {
        for j in 0..plan.reps {
            let rep = d * plan.reps + j;
            let base = at(0, rep);
            for k in 0..names.len() {
                let x = at(k, rep);
                o.set(
                    d,
                    j,
                    k,
                    x[sum::PARTICIPATION_END] - base[sum::PARTICIPATION_END],
                    x[sum::COST_TOTAL],
                    x[sum::WOMEN_SANCTIONED_MEAN] - base[sum::WOMEN_SANCTIONED_MEAN],
                );
            }
        }
    }
    o
}

/// Mean paired gain of each strategy at the point values, from the point runs.
fn point_gains(plan: &Plan, point: &[RunResult]) -> Vec<f64> {
    let p = plan.point_reps;
    (0..plan.strategies)
        .map(|k| {
            let g: f64 = (0..p).map(|j| point[k * p + j].summary[sum::PARTICIPATION_END] - point[j].summary[sum::PARTICIPATION_END]).sum();
            if p == 0 { f64::NAN } else { g / p as f64 }
        })
        .collect()
}

/// Write every output of a complete job from its journal `rows` into
/// `out` (`shown` is its final name), then print the table.
fn finish(out: &Path, shown: &Path, ctx: &Context<'_>, rows: &[(u64, String)], no_plots: bool, wall: f64) -> anyhow::Result<()> {
    let (plan, names, keys) = (&ctx.plan, &ctx.names, &ctx.keys);
    let (runs, months, point) = split_rows(plan, rows)?;
    write_atomic(&out.join("runs.csv"), |w| {
        writeln!(w, "{}", output::runs_header())?;
        for r in &runs {
            output::write_run(w, r)?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("timeseries.csv"), |w| {
        writeln!(w, "{}", output::timeseries_header())?;
        for line in &months {
            writeln!(w, "{line}")?;
        }
        Ok(())
    })?;
    if plan.budget {
        write_atomic(&out.join("budget.csv"), |w| {
            writeln!(w, "draw,strategy,reach,own_cost,cost")?;
            for (id, line) in rows.iter().filter(|(id, _)| *id >= plan.budget_start()) {
                let c: Vec<&str> = line.split(',').collect();
                let [_, draw, strategy, cells @ ..] = c.as_slice() else {
                    return Err(std::io::Error::other(format!("{JOURNAL}: row {id} does not read: {line}")));
                };
                let x: Vec<String> = cells.iter().map(|v| v.parse::<f64>().map_or_else(|_| v.to_string(), num)).collect();
                writeln!(w, "{draw},{strategy},{}", x.join(","))?;
            }
            Ok(())
        })?;
    }
    write_atomic(&out.join("point.csv"), |w| {
        writeln!(w, "{}", output::runs_header())?;
        for r in &point {
            output::write_run(w, r)?;
        }
        Ok(())
    })?;
    let o = outcomes(plan, names, &runs);
    let a = analyse(&o, &ctx.values, keys);
    let rows = compare(&runs, names, BASELINE);
    write_atomic(&out.join("comparison.csv"), |w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for r in &rows {
            w.write_all(csv_line(r.record()).as_bytes())?;
        }
        for st in &a.stats {
            for m in METRICS {
                let (mean, lo, hi) = metric(st, m);
                writeln!(w, "{},{m},{},{},{},,,,,,{}", st.strategy, num(mean), num(lo), num(hi), plan.replicates())?;
            }
        }
        Ok(())
    })?;
    let top = a.top.map_or("", |t| names[t].as_str());
    let discovery = discovery_csv(top, &a.discoveries, names, keys);
    write_atomic(&out.join("discovery.csv"), |w| w.write_all(discovery.as_bytes()))?;
    write_atomic(&out.join("acceptability.csv"), |w| {
        writeln!(w, "wtp,strategy,p_most_net_benefit")?;
        for (l, row) in a.wtp.iter().zip(&a.curve) {
            for (n, p) in names.iter().zip(row) {
                writeln!(w, "{},{n},{}", num(*l), num(*p))?;
            }
        }
        Ok(())
    })?;
    if !no_plots {
        super::plot::draw_folder(out, shown)?;
    }
    print_table(ctx, &a, wall);
    Ok(())
}

/// A comparison over priors' figures, its section of the report, and its
/// (draws, replicates per draw).
pub type FolderReport = (Vec<Figure>, String, (usize, usize));

/// Figures and the report's section for a results folder of a comparison
/// over priors (None for any other folder): drawn from its journal,
/// `draws.csv` and manifest, with the same analysis as the tables; with
/// its (draws, replicates per draw) for the page's header.
pub fn folder_report(dir: &Path, opts: &Options) -> anyhow::Result<Option<FolderReport>> {
    let Some(m) = journal::read_manifest(dir) else { return Ok(None) };
    let Some(plan) = Plan::from_manifest(&m) else { return Ok(None) };
    if folder::command_of(&m) != "compare" || !dir.join(JOURNAL).exists() {
        return Ok(None);
    }
    let names: Vec<String> =
        m["strategies"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    let (keys, values) = read_draws(dir)?;
    let rows: Vec<(u64, String)> = runner::complete_lines(&dir.join(JOURNAL))?
        .into_iter()
        .filter_map(|l| {
            let id: u64 = l.split(',').next()?.parse().ok()?;
            (id < plan.runs() || id >= plan.point_id(0, 0)).then_some((id, l))
        })
        .collect();
    let (runs, _, point) = split_rows(&Plan { months: 0, ..plan }, &renumber(&plan, rows))?;
    let o = outcomes(&plan, &names, &runs);
    let a = analyse(&o, &values, &keys);
    let pg = point_gains(&plan, &point);
    let mut figures = Vec::new();
    let chance_rows: Vec<Chance> = a
        .stats
        .iter()
        .map(|st| Chance {
            strategy: st.strategy.clone(),
            p_best: st.p_best,
            p_best_per_dollar: st.p_best_per_dollar,
            regret: 100.0 * st.regret_mean,
        })
        .collect();
    let mut order: Vec<usize> = (1..names.len()).collect();
    order.sort_by(|&x, &y| a.stats[y].gain_mean.total_cmp(&a.stats[x].gain_mean).then(x.cmp(&y)));
    let gain_rows: Vec<GainRow> = order
        .iter()
        .map(|&k| GainRow {
            strategy: names[k].clone(),
            draws: o.draw_means(&o.gain, k).iter().map(|g| 100.0 * g).collect(),
            mean: 100.0 * a.stats[k].gain_mean,
            point: 100.0 * pg[k],
            point_replicates: plan.point_reps,
        })
        .collect();
    figures.extend(gains(&gain_rows, &names, opts)?);
    figures.extend(chances(&chance_rows, opts)?);
    if let Some((px, py)) = decisive(&o, &a, &values) {
        let win = winners(&o);
        let found = a.discoveries.first().and_then(|d| {
            let b = d.found.as_ref()?;
            let r = b.restricted();
            (r.contains(&px) || r.contains(&py)).then(|| ([b.lo[px], b.hi[px], b.lo[py], b.hi[py]], d.sentence.clone()))
        });
        // Against the closest runner-up's noise floor (no floor, no claim).
        let beyond = |p: usize| a.discoveries.first().is_none_or(|d| d.noise.is_nan() || d.indices[p] > d.noise);
        let map = WinnerMap {
            strategies: names.clone(),
            keys: [keys[px].clone(), keys[py].clone()],
            draws: values.iter().zip(&win).map(|(v, &w)| (v[px], v[py], w)).collect(),
            found,
            beyond_chance: [beyond(px), beyond(py)],
        };
        figures.extend(winner_map(&map, opts)?);
    }
    figures.extend(acceptability(&names, &a.wtp, &a.curve, opts)?);
    let mut shown: Vec<usize> = vec![0];
    shown.extend(order);
    let section_rows: Vec<SectionRow> = shown
        .iter()
        .map(|&k| {
            let st = &a.stats[k];
            SectionRow {
                strategy: st.strategy.clone(),
                gain: st.gain_mean,
                gain_p05: st.gain_p05,
                gain_p95: st.gain_p95,
                p_beats_baseline: st.p_beats_baseline,
                p_best: st.p_best,
                p_best_per_dollar: st.p_best_per_dollar,
                regret_mean: st.regret_mean,
                regret_p90: st.regret_p90,
                p_harm: st.p_harm,
                parameter_share: st.parameter_share,
            }
        })
        .collect();
    let sentences: Vec<String> = a.discoveries.iter().map(|d| with_moves_line(d, &keys)).collect();
    let html = section(&section_rows, &sentences, &figures, (plan.draws, plan.reps, keys.len()));
    Ok(Some((figures, html, (plan.draws, plan.reps))))
}

/// Journal rows of runs with the point rows' ids moved down to follow the
/// runs (for [`split_rows`] with the months left out).
fn renumber(plan: &Plan, rows: Vec<(u64, String)>) -> Vec<(u64, String)> {
    let shift = plan.point_id(0, 0) - plan.runs();
    rows.into_iter().map(|(id, l)| if id >= plan.runs() { (id - shift, l) } else { (id, l) }).collect()
}

/// `draws.csv` back: the parameters' keys and each draw's values.
fn read_draws(dir: &Path) -> anyhow::Result<(Vec<String>, Vec<Vec<f64>>)> {
    let path = dir.join("draws.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let mut lines = text.lines();
    let keys: Vec<String> = lines.next().unwrap_or_default().split(',').skip(2).map(String::from).collect();
    let mut values = Vec::new();
    for (n, line) in lines.enumerate() {
        let row: Option<Vec<f64>> = line.split(',').skip(2).map(|c| c.parse().ok()).collect();
        match row {
            Some(r) if r.len() == keys.len() => values.push(r),
            _ => return Err(bad(format!("{}:{}: not a row of draws: {line}", path.display(), n + 2))),
        }
    }
    Ok((keys, values))
}

/// `normshift merge` of the shards of one comparison over priors.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> anyhow::Result<()> {
    let of = runner::MergeOf { command: "compare", what: "comparison over priors", rows: "rows", journal: JOURNAL };
    let merged = runner::merge_rows(dirs, &of, |m| m["uncertainty"]["rows_total"].as_u64())?;
    let m = &merged.manifest;
    let scenario_name = m["scenario_name"].as_str().unwrap_or_default().to_string();
    runner::merge_target(dirs, out, "compare", &scenario_name, force)?;
    let plan = Plan::from_manifest(m).ok_or_else(|| bad(format!("{}: manifest.json does not describe the draws", dirs[0].display())))?;
    let path = dirs[0].join("scenario.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    // Posterior files the saved scenario names are its copies beside it.
    let files = |name: &str| -> Result<(String, String), String> {
        let p = dirs[0].join(name);
        std::fs::read_to_string(&p).map(|t| (p.display().to_string(), t)).map_err(|e| format!("{}: {e}", p.display()))
    };
    let read = parse_with_priors_reading(&text, &path.display().to_string(), &[], &files).map_err(|e| bad(e.to_string()))?;
    let (_, copies) = posterior_copies(&read.priors.table, &|f: &str| files(f).map_err(bad))?;
    let names: Vec<String> =
        m["strategies"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default();
    let (keys, values) = read_draws(&dirs[0])?;
    let fixed: Vec<String> = m["uncertainty"]["fixed_by_set"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let staging = Staging::new(out)?;
    let dir = staging.dir.clone();
    for f in ["scenario.toml", "draws.csv"] {
        let src = dirs[0].join(f);
        let bytes = std::fs::read(&src).map_err(|e| bad(format!("{}: {e}", src.display())))?;
        write_atomic(&dir.join(f), |w| w.write_all(&bytes))?;
    }
    for (name, bytes) in &copies {
        write_atomic(&dir.join(name), |w| w.write_all(bytes))?;
    }
    for f in ["village_agents.csv", "village_ties.csv", "village_states.csv"] {
        if let Some(src) = dirs.iter().map(|d| d.join(f)).find(|p| p.exists()) {
            let bytes = std::fs::read(&src).map_err(|e| bad(format!("{}: {e}", src.display())))?;
            write_atomic(&dir.join(f), |w| w.write_all(&bytes))?;
        }
    }
    runner::write_journal(&dir.join(JOURNAL), &merged.header, &merged.rows)?;
    let mut manifest = merged.manifest.clone();
    manifest["shard"] = serde_json::json!("all");
    manifest["merged_from"] = serde_json::json!(dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>());
    manifest["runs_in_shard"] = manifest["runs_total"].clone();
    super::files::write_json(&dir.join("manifest.json"), &manifest)?;
    let budget = m["uncertainty"]["budget"].as_f64();
    let ctx = Context { s: &read.scenario, names, keys, values, plan, fixed, budget };
    finish(&dir, out, &ctx, &merged.rows, false, 0.0)?;
    staging.commit()?;
    println!("merged {} shards: {} rows into {}", dirs.len(), merged.rows.len(), out.display());
    Ok(())
}

/// A box edge for `discovery.csv`: empty where the box is open.
fn bound(x: f64) -> String {
    if x.is_finite() { num(x) } else { String::new() }
}

/// The text of `discovery.csv` (docs/uncertainty.md): per runner-up, its
/// PRIM box (one row per restriction, `value` its quasi-p-value; one row
/// with no parameter when no range stands out), the first-order index of
/// the difference to each parameter, and the indices' noise floor.
pub(super) fn discovery_csv(top: &str, discoveries: &[Discovery], names: &[String], keys: &[String]) -> String {
    let mut out = format!("{}\n", DISCOVERY_COLUMNS.join(","));
    for disc in discoveries {
        let other = &names[disc.other];
        if let Some(b) = &disc.found {
            let tail = format!("{},{},{},{}\n", num(b.coverage), num(b.density), num(b.mass), num(disc.wins));
            let restricted = b.restricted();
            for &k in &restricted {
                out.push_str(&format!("{top},{other},box,{},{},{},{:.3e},", keys[k], bound(b.lo[k]), bound(b.hi[k]), b.qp[k]));
                out.push_str(&tail);
            }
            if restricted.is_empty() {
                out.push_str(&format!("{top},{other},box,,,,,"));
                out.push_str(&tail);
            }
        }
        for (k, v) in disc.indices.iter().enumerate() {
            out.push_str(&format!("{top},{other},first_order,{},,,{},,,,{}\n", keys[k], num(*v), num(disc.wins)));
        }
        out.push_str(&format!("{top},{other},first_order_noise,,,,{},,,,{}\n", num(disc.noise), num(disc.wins)));
    }
    out
}

/// The parameters that move a pair's difference beyond chance, in words:
/// "the difference moves most with: A 0.49, B 0.14 (chance reaches
/// 0.12)". None when the runner-up never wins or nothing was ranked.
pub(super) fn moves_line(disc: &Discovery, keys: &[String]) -> Option<String> {
    let mut ranked: Vec<(usize, f64)> = disc.indices.iter().copied().enumerate().filter(|&(k, v)| disc.live[k] && !v.is_nan()).collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    if ranked.is_empty() || disc.wins <= 0.0 {
        return None;
    }
    let above: Vec<String> = ranked
        .iter()
        .filter(|(_, v)| disc.noise.is_nan() || *v > disc.noise)
        .take(3)
        .map(|(k, v)| format!("{} {:.2}", keys[*k], v))
        .collect();
    Some(if above.is_empty() {
        format!("no parameter on its own moves the difference beyond chance (chance reaches {:.2})", disc.noise)
    } else {
        format!("the difference moves most with: {} (chance reaches {:.2})", above.join(", "), disc.noise)
    })
}

/// A discovery's sentence followed by its [`moves_line`], for the report
/// and the web page.
pub(super) fn with_moves_line(disc: &Discovery, keys: &[String]) -> String {
    match moves_line(disc, keys) {
        Some(line) => {
            let mut line = line;
            line[..1].make_ascii_uppercase();
            format!("{} {line}.", disc.sentence)
        }
        None => disc.sentence.clone(),
    }
}

/// (mean, 5th, 95th percentile) of one metric of the rows added to
/// `comparison.csv`; the percentiles only for `gain`.
pub(super) fn metric(st: &Stats, m: &str) -> (f64, f64, f64) {
    let nan = f64::NAN;
    match m {
        "gain" => (st.gain_mean, st.gain_p05, st.gain_p95),
        "p_beats_baseline" => (st.p_beats_baseline, nan, nan),
        "p_best" => (st.p_best, nan, nan),
        "p_best_per_dollar" => (st.p_best_per_dollar, nan, nan),
        "regret_mean" => (st.regret_mean, nan, nan),
        "regret_p90" => (st.regret_p90, nan, nan),
        "p_harm" => (st.p_harm, nan, nan),
        _ => (st.parameter_share, nan, nan),
    }
}

/// The table and the sentences, readable at 80 columns.
fn print_table(ctx: &Context<'_>, a: &Analysis, wall: f64) {
    let (s, stats, keys) = (ctx.s, &a.stats, &ctx.keys);
    let pct = |x: f64| if x.is_nan() { "-".to_string() } else { format!("{:.0}%", 100.0 * x) };
    println!(
        "{}: {} strategies x {} draws of {} uncertain parameters x {} replicates, {} months, in {:.1} s",
        s.name,
        stats.len(),
        ctx.plan.draws,
        keys.len(),
        ctx.plan.reps,
        s.steps,
        wall
    );
    if !ctx.fixed.is_empty() {
        println!("fixed by --set: {}", ctx.fixed.join(", "));
    }
    if let Some(b) = ctx.budget {
        println!("Equal budgets: in each draw, each strategy's reach was rescaled so that it");
        println!("  spends {b} at that draw's values (each draw's reach and cost: budget.csv).");
    }
    println!("gain: points over baseline at the programme's end (month {}), mean and", s.programme_end());
    println!("  90% range over draws and replicates; beats: share of draws above baseline;");
    println!("best: share of draws where it gains most (best$: most per dollar);");
    println!("regret: points lost against each draw's best (mean, 90th percentile);");
    println!("harm: share of draws where each participating woman's risk rises.");
    println!();
    println!(
        "{:<16} {:>19} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "strategy", "gain [90% range]", "beats", "best", "best$", "regret", "reg90", "harm"
    );
    let mut order: Vec<usize> = (0..stats.len()).collect();
    order.sort_by(|&x, &y| (x != 0).cmp(&(y != 0)).then(stats[y].gain_mean.total_cmp(&stats[x].gain_mean)).then(x.cmp(&y)));
    for k in order {
        let st = &stats[k];
        let gain = if k == 0 {
            "-".to_string()
        } else {
            format!("{:+.1} [{:+.1},{:+.1}]", 100.0 * st.gain_mean, 100.0 * st.gain_p05, 100.0 * st.gain_p95)
        };
        let name: String =
            if st.strategy.chars().count() > 16 { st.strategy.chars().take(15).chain(['~']).collect() } else { st.strategy.clone() };
        println!(
            "{:<16} {:>19} {:>6} {:>6} {:>6} {:>6.1} {:>6.1} {:>6}",
            name,
            gain,
            pct(st.p_beats_baseline),
            pct(st.p_best),
            pct(st.p_best_per_dollar),
            100.0 * st.regret_mean,
            100.0 * st.regret_p90,
            pct(st.p_harm)
        );
    }
    println!();
    let shares: Vec<String> = stats
        .iter()
        .skip(1)
        .filter(|st| !st.parameter_share.is_nan())
        .map(|st| format!("{} {}", st.strategy, pct(st.parameter_share)))
        .collect();
    if !shares.is_empty() {
        println!("Share of each gain's spread due to the parameters (the rest is replicate noise):");
        println!("{}", wrap(&shares.join(", "), 76, "  "));
    }
    if !a.discoveries.is_empty() {
        println!("What changes the answer:");
        for disc in &a.discoveries {
            println!("{}", wrap(&disc.sentence, 76, "  "));
            if let Some(line) = moves_line(disc, keys) {
                println!("{}", wrap(&line, 76, "    "));
            }
        }
    }
    // The acceptability curve at three willingness-to-pay levels.
    if let Some(last) = a.wtp.last() {
        let mut line = Vec::new();
        let names: Vec<&str> = stats.iter().map(|st| st.strategy.as_str()).collect();
        for i in [0, a.wtp.len() / 2, a.wtp.len() - 1] {
            let row = &a.curve[i];
            line.push(format!("{:.0} per point: {}", a.wtp[i], most_likely(row, &names, &pct)));
        }
        println!("Most likely the best value for money (acceptability.csv, up to {last:.0} per point):");
        println!("{}", wrap(&line.join("; "), 76, "  "));
    }
    println!("Every metric: comparison.csv; boxes and indices: discovery.csv; draws: draws.csv.");
}

/// The strategy most likely to give the most net benefit at one
/// willingness to pay, with its probability; and every other within
/// [`CLOSE`] of it, which the draws cannot tell apart from it
/// ("quota_only (50%) or male_champions (48%)").
fn most_likely(row: &[f64], names: &[&str], pct: &dyn Fn(f64) -> String) -> String {
    /// Probabilities closer than this are named together.
    const CLOSE: f64 = 0.05;
    let mut order: Vec<usize> = (0..row.len().min(names.len())).filter(|&k| !row[k].is_nan()).collect();
    order.sort_by(|&x, &y| row[y].total_cmp(&row[x]).then(x.cmp(&y)));
    let Some(&top) = order.first() else { return "-".into() };
    order
        .iter()
        .take_while(|&&k| row[top] - row[k] < CLOSE)
        .map(|&k| format!("{} ({})", names[k], pct(row[k])))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Wrap words at `width` columns, each line indented.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = vec![indent.to_string()];
    for word in text.split(' ') {
        let last = lines.last().map_or(0, String::len);
        if last + word.len() + 1 > width && last > indent.len() {
            lines.push(indent.to_string());
        }
        if let Some(l) = lines.last_mut() {
            if l.len() > indent.len() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_for_money_names_every_strategy_the_draws_cannot_tell_apart() {
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        let names = ["baseline", "a", "b", "c"];
        assert_eq!(most_likely(&[0.1, 0.375, 0.38, 0.145], &names, &pct), "b (38.0%) or a (37.5%)");
        assert_eq!(most_likely(&[0.0, 0.3, 0.7, 0.0], &names, &pct), "b (70.0%)");
        // Exact ties keep the strategies' order.
        assert_eq!(most_likely(&[0.5, 0.5, 0.0, 0.0], &names, &pct), "baseline (50.0%) or a (50.0%)");
        assert_eq!(most_likely(&[], &names, &pct), "-");
    }

    #[test]
    fn journal_row_ids_are_unique_and_cover_the_job() {
        for budget in [false, true] {
            let p = Plan { draws: 3, reps: 2, point_reps: 4, strategies: 3, months: 5, budget };
            let mut ids: Vec<u64> = (0..p.units()).flat_map(|u| p.row_ids(u)).collect();
            ids.sort_unstable();
            assert_eq!(ids, (0..p.rows_total()).collect::<Vec<_>>(), "budget {budget}");
        }
    }

    #[test]
    fn a_run_row_reads_back_to_the_last_bit() {
        let mut summary: Summary = [0.0; SUMMARY_COLUMNS.len()];
        summary[0] = 0.1 + 0.2;
        summary[1] = f64::NAN;
        summary[2] = 1.0 / 3.0;
        let r = RunResult {
            id: RunId { run_id: 7, strategy: "a".into(), replicate: 3, seed: 99 },
            months: Vec::new(),
            summary,
            agents: 10,
            ties: 20,
            build_seconds: 0.0,
            simulate_seconds: 0.0,
            agent_steps: 0.0,
            trace: None,
        };
        let back = parse_run(&run_row(7, &r)).unwrap();
        assert_eq!(back.summary[0].to_bits(), summary[0].to_bits());
        assert!(back.summary[1].is_nan());
        assert_eq!(back.summary[2], summary[2]);
        assert_eq!((back.id.run_id, back.id.replicate, back.id.seed, back.agents, back.ties), (7, 3, 99, 10, 20));
    }
}
