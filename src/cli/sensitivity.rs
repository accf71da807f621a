//! `normshift sensitivity`: Sobol' first- and total-order indices of chosen
//! outcomes with respect to scenario values varied over ranges. Parses and
//! checks the arguments, runs every evaluation of the Saltelli design (each
//! a scenario with the sampled values set as `--set` overrides, one
//! strategy, a few replicates), appending each finished evaluation's row to
//! `samples.csv` (resumable after Ctrl-C or a kill with `--resume`), then
//! writes `samples.csv` in order, `sensitivity.csv`, the figure,
//! `scenario.toml` and `manifest.json`. The design and the
//! estimators are `normshift::sensitivity`; nothing here draws a random
//! number.

use super::files::{ensure_dir, write_atomic, write_json};
use super::folder::Staging;
use super::input::{self, Adjust, Input};
use super::run::{check_memory_largest, set_threads};
use super::{ScenarioArgs, bad, journal, limits, runner, stop};
use normshift::outcomes::SUMMARY_COLUMNS;
use normshift::output::{csv_line, num};
use normshift::run::Job;
use normshift::scenario::parse_scenario;
use normshift::sensitivity::{COLUMNS, CONFIDENCE, Design, Evaluation, Factor, Indices, MAX_SAMPLES, RESAMPLES, analyse};
use normshift::sweep::digest;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Outcomes analysed when no `--metric` is given.
pub const DEFAULT_METRICS: [&str; 2] = ["participation_end", "sanctions_total"];

#[derive(clap::Args, Debug)]
pub struct SensitivityArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Vary a scenario value uniformly over a range: a dotted key as for --set and LOW:HIGH, e.g. `--vary backlash.rate=0.02:0.2` (repeatable; at least one).
    #[arg(long, value_name = "KEY=LOW:HIGH", required = true)]
    pub vary: Vec<String>,
    /// Base samples N (Sobol' points, 1 to 65536; a power of two balances best). The model is evaluated N x (k + 2) times for k varied keys.
    #[arg(long)]
    pub samples: usize,
    /// Outcome to analyse: a column of runs.csv (repeatable or comma-separated). Default: participation_end and sanctions_total.
    #[arg(long = "metric", value_name = "NAME", value_delimiter = ',')]
    pub metric: Vec<String>,
    /// The strategy every evaluation runs. Default: the scenario's last strategy.
    #[arg(long)]
    pub strategy: Option<String>,
    /// Replicates per evaluation; the outcome is their mean.
    #[arg(long, default_value_t = 2)]
    pub reps: u32,
    /// Master seed (overrides the scenario's `seed`), 0 to 18446744073709551615.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder. Default: results/<scenario name>-sensitivity/ (a shard-I-of-N folder inside it for a shard).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads. Default: all cores. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Finish an interrupted analysis in its folder.
    #[arg(long)]
    pub resume: bool,
    /// Start over in --out, deleting whatever it holds (another job's results, an unfinished analysis).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    #[command(flatten)]
    pub sharding: journal::Sharding,
}

/// Keys the command sets itself.
const RESERVED: [(&str, &str); 2] = [("seed", "each base sample gets its own seed, derived from --seed"), ("replicates", "use --reps")];

/// Parse `KEY=LOW:HIGH` (no scenario yet).
fn parse_vary(raw: &str) -> anyhow::Result<Factor> {
    let shape = || bad(format!("--vary {raw}: expected KEY=LOW:HIGH, e.g. --vary backlash.rate=0.02:0.2"));
    let (key, range) = raw.split_once('=').ok_or_else(shape)?;
    let (lo, hi) = range.split_once(':').ok_or_else(shape)?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(|p| p.trim().is_empty()) {
        return Err(bad(format!("--vary {raw}: the key is empty or has an empty part; write a dotted key such as backlash.rate")));
    }
    if let Some((_, why)) = RESERVED.iter().find(|(k, _)| *k == key) {
        return Err(bad(format!("--vary {raw}: `{key}` cannot be varied here: {why}")));
    }
    let number = |s: &str, which: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(format!("--vary {raw}: the {which} bound `{}` is not a number", s.trim())))
    };
    let (lo, hi) = (number(lo, "low")?, number(hi, "high")?);
    if lo > hi {
        return Err(bad(format!("--vary {raw}: the low bound {lo} is above the high bound {hi}; write {key}={hi}:{lo}")));
    }
    Ok(Factor::new(key, lo, hi))
}

/// A factor's value as a `--set` value: whole numbers as TOML integers,
/// others as TOML floats that read back exactly.
fn literal(f: &Factor, x: f64) -> String {
    if f.whole { format!("{}", x as i64) } else { format!("{x:?}") }
}

/// The scenario of one design point: the base overrides, then the values.
fn scenario_sets(input: &Input, factors: &[Factor], values: &[String]) -> Vec<String> {
    let mut sets = input.sets.clone();
    sets.extend(factors.iter().zip(values).map(|(f, v)| format!("{}={v}", f.name)));
    sets
}

/// Check that the scenario accepts the key at both bounds, and find out
/// whether it takes whole numbers (it accepts `2` but refuses `2.0`).
fn check_factor(input: &Input, f: &mut Factor) -> anyhow::Result<()> {
    let try_value = |v: String| {
        let mut sets = input.sets.clone();
        sets.push(format!("{}={v}", f.name));
        parse_scenario(&input.text, &input.origin, &sets).map(|_| ())
    };
    let integral = f.lo.fract() == 0.0 && f.hi.fract() == 0.0 && f.lo.abs() < 1e15 && f.hi.abs() < 1e15;
    let plain = |x: f64| if integral { format!("{}", x as i64) } else { format!("{x:?}") };
    for x in [f.lo, f.hi] {
        try_value(plain(x)).map_err(|e| bad(format!("--vary {}={}:{}: the scenario refuses {}: {e}", f.name, f.lo, f.hi, plain(x))))?;
    }
    f.whole = integral && try_value(format!("{:?}", f.lo)).is_err();
    Ok(())
}

/// Indices into `SUMMARY_COLUMNS` of the chosen metrics.
fn pick_metrics(names: &[String]) -> anyhow::Result<Vec<usize>> {
    let names: Vec<String> = if names.is_empty() { DEFAULT_METRICS.iter().map(|s| s.to_string()).collect() } else { names.to_vec() };
    let mut picked = Vec::new();
    for n in &names {
        let n = n.trim();
        let c = SUMMARY_COLUMNS.iter().position(|x| *x == n).ok_or_else(|| {
            bad(format!("--metric {n}: no such outcome; choose from the columns of runs.csv: {}", SUMMARY_COLUMNS.join(", ")))
        })?;
        if !picked.contains(&c) {
            picked.push(c);
        }
    }
    Ok(picked)
}

/// Mean of the numbers among `xs` (NaN if none).
fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (n, s) = xs.filter(|x| !x.is_nan()).fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// One row of `samples.csv`: the evaluation, its values and its outcomes
/// (each written so that it reads back exactly; empty where there is none).
fn sample_line(e: &Evaluation, values: &[String], outputs: &[f64]) -> String {
    let o: Vec<String> = outputs.iter().map(|x| if x.is_nan() { String::new() } else { format!("{x}") }).collect();
    let ids = [e.index.to_string(), e.matrix.to_string(), e.row.to_string(), e.seed.to_string()];
    csv_line(ids.iter().chain(values).chain(&o))
}

/// The evaluation index and outcomes of a `samples.csv` row with `keys`
/// varied values and `metrics` outcomes; None if it is not such a row.
fn parse_sample(line: &str, keys: usize, metrics: usize) -> Option<(usize, Vec<f64>)> {
    let cells: Vec<&str> = line.split(',').collect();
    if cells.len() != 4 + keys + metrics {
        return None;
    }
    let outputs = cells[4 + keys..].iter().map(|c| if c.is_empty() { Some(f64::NAN) } else { c.parse().ok() }).collect::<Option<_>>()?;
    Some((cells[0].parse().ok()?, outputs))
}

/// A sensitivity analysis as units for the runner: unit i is evaluation i
/// (its replicates averaged); one `samples.csv` row each, id i.
struct Evaluations<'a> {
    input: &'a Input,
    design: &'a Design,
    values: &'a [Vec<String>],
    strategy: usize,
    reps: u32,
    metrics: &'a [usize],
}

impl runner::Work for Evaluations<'_> {
    type Done = Vec<f64>;

    fn units(&self) -> usize {
        self.design.len()
    }

    fn row_ids(&self, u: usize) -> Vec<u64> {
        vec![u as u64]
    }

    fn run(&self, i: usize) -> anyhow::Result<Option<Vec<f64>>> {
        let e = self.design.evaluation(i);
        let factors = self.design.factors();
        let mut sc = parse_scenario(&self.input.text, &self.input.origin, &scenario_sets(self.input, factors, &self.values[i]))
            .map_err(|err| bad(err.to_string()))?;
        sc.seed = e.seed;
        let mut job = Job::all(&sc);
        job.strategies = vec![self.strategy];
        job.reach = vec![1.0];
        job.replicates = 0..self.reps;
        job.loaded = self.input.loaded.as_ref();
        job.trace = false;
        job.stop = Some(stop::flag());
        let Ok(results) = job.try_run(&|_| {}) else { return Ok(None) };
        Ok(Some(self.metrics.iter().map(|&c| mean(results.iter().map(|r| r.summary[c]))).collect()))
    }

    fn rows(&self, i: usize, outputs: &Self::Done) -> Vec<(u64, String)> {
        let line = sample_line(&self.design.evaluation(i), &self.values[i], outputs);
        vec![(i as u64, line.trim_end().to_string())]
    }

    fn valid_row(&self, line: &str) -> bool {
        parse_sample(line, self.design.factors().len(), self.metrics.len()).is_some()
    }

    fn runs_per_unit(&self) -> usize {
        self.reps as usize
    }
}

pub fn sensitivity(args: SensitivityArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    if args.samples == 0 || args.samples > MAX_SAMPLES {
        return Err(bad(format!("--samples {}: give 1 to {MAX_SAMPLES} base samples (64 or 256 for a first look)", args.samples)));
    }
    limits::reps(Some(args.reps), " per evaluation")?;
    let threads = limits::threads(args.threads)?;
    let mut factors = args.vary.iter().map(|r| parse_vary(r)).collect::<anyhow::Result<Vec<_>>>()?;
    for (i, f) in factors.iter().enumerate() {
        if factors[..i].iter().any(|g| g.name == f.name) {
            return Err(bad(format!("--vary {}: the key is varied twice; give each key once", f.name)));
        }
    }
    // Bounded before the design is built: evaluations x replicates.
    let evaluations = args.samples as u128 * (factors.len() as u128 + 2);
    limits::runs(evaluations * u128::from(args.reps), "the sensitivity analysis")?;
    let metrics = pick_metrics(&args.metric)?;
    let input = input::load(&args.scenario, &Adjust { seed: args.seed, steps: None, reps: None })?;
    let s = &input.scenario;
    let all: Vec<&str> = s.strategies.iter().map(|x| x.name.as_str()).collect();
    let strategy = match &args.strategy {
        Some(name) => all
            .iter()
            .position(|x| *x == name.trim())
            .ok_or_else(|| bad(format!("--strategy {name}: no such strategy; this scenario has: {}", all.join(", "))))?,
        None => all.len().checked_sub(1).ok_or_else(|| bad(format!("{}: the scenario has no strategies", input.origin)))?,
    };
    for f in &mut factors {
        check_factor(&input, f)?;
    }
    let design = Design::new(factors, args.samples, s.seed).map_err(|e| bad(e.to_string()))?;
    let factors = design.factors();
    let values: Vec<Vec<String>> =
        design.evaluations().map(|e| factors.iter().zip(&e.values).map(|(f, &x)| literal(f, x)).collect()).collect();
    let reps = args.reps;
    let runs = design.len() * reps as usize;
    let shard = args.sharding.resolve()?;
    let shard_label = runner::shard_label(shard);
    let range = runner::shard_range(design.len(), shard);
    let out =
        args.out.clone().unwrap_or_else(|| runner::shard_folder(&PathBuf::from("results").join(format!("{}-sensitivity", s.name)), shard));
    let resolved = input::resolved_toml(s)?;
    let metric_names: Vec<&str> = metrics.iter().map(|&c| SUMMARY_COLUMNS[c]).collect();
    let keys: Vec<&str> = factors.iter().map(|f| f.name.as_str()).collect();
    let hash = digest(&format!(
        "{resolved}\n--vary {}\n--samples {}\n--reps {reps}\n--strategy {}\n--metric {}\n--seed {}\n",
        args.vary.join(" --vary "),
        args.samples,
        all[strategy],
        metric_names.join(","),
        s.seed
    ));
    let header = format!("index,matrix,row,seed,{},{}", keys.join(","), metric_names.join(","));
    let work = Evaluations { input: &input, design: &design, values: &values, strategy, reps, metrics: &metrics };
    let job = runner::Runner {
        command: "sensitivity",
        dir: out.clone(),
        journal: "samples.csv",
        header,
        hash,
        shard,
        scenario_name: s.name.clone(),
        what: "analysis",
    };
    // Evaluations already in samples.csv (from a stopped run, with --resume).
    let done = job.claim(&work, args.resume, args.force)?;
    let threads = set_threads(threads)?;

    // Every point must be a valid scenario before anything runs (ranges are
    // checked at their bounds above; this catches rules across keys), and
    // each thread holds one replicate of some point: the largest must fit
    // that many times.
    check_memory_largest(
        design.len(),
        |i| {
            parse_scenario(&input.text, &input.origin, &scenario_sets(&input, factors, &values[i])).map_err(|e| {
                let point: Vec<String> = factors.iter().zip(&values[i]).map(|(f, v)| format!("{}={v}", f.name)).collect();
                bad(format!("--vary: the scenario refuses the sampled point {}: {e}; narrow the ranges", point.join(" ")))
            })
        },
        input.loaded.as_ref(),
        threads,
    )?;

    if !args.samples.is_power_of_two() {
        eprintln!("note: --samples {} is not a power of two; Sobol' points balance best at 64, 128, 256...", args.samples);
    }
    let todo = range.clone().filter(|&i| !done.contains(&(i as u64))).count();
    eprintln!(
        "{}: {} evaluations ({} samples x {} matrices) x {} replicates = {} runs of `{}`{}",
        s.name,
        design.len(),
        design.samples(),
        design.per_row(),
        reps,
        runs,
        all[strategy],
        if done.is_empty() { String::new() } else { format!("; {} evaluations done before, {todo} to go", done.len()) }
    );
    let manifest = |status: &str, wall: f64| {
        let more = serde_json::json!({
            "seed": s.seed,
            "threads": threads,
            "strategy": all[strategy],
            "replicates": reps,
            "samples": design.samples(),
            "parameters": factors.iter().map(|f| serde_json::json!({"key": f.name, "low": f.lo, "high": f.hi, "whole": f.whole})).collect::<Vec<_>>(),
            "metrics": metric_names,
            "evaluations": design.len(),
            "shard": shard_label,
            "evaluations_in_shard": range.len(),
            "runs": runs,
            "method": {
                "design": "Saltelli: matrices A, B and AB(i) from an Owen-scrambled Sobol' sequence in 2k dimensions",
                "first_order": "Saltelli et al. 2010",
                "total_order": "Jansen 1999",
                "intervals": format!("{:.0}% percentile bootstrap over base samples, {RESAMPLES} resamples", 100.0 * CONFIDENCE),
            },
            "timing": { "wall_seconds": wall },
        });
        journal::manifest("sensitivity", &input.origin, &s.name, &job.hash, status, started, more)
    };
    std::fs::create_dir_all(&out).map_err(|e| bad(format!("cannot create the output folder {}: {e}", out.display())))?;
    job.manifest(&manifest("running", 0.0))?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(resolved.as_bytes()))?;
    let (rows, wall) = job.execute(&work, &done, "sensitivity", &manifest)?;
    if shard.is_some() {
        job.manifest(&manifest("complete", wall))?;
        println!(
            "{}: shard {shard_label}: {} of {} evaluations x {reps} replicates in {wall:.1} s; \
             join every shard and compute the indices with `normshift merge SHARD_DIR... --out DIR`",
            s.name,
            range.len(),
            design.len()
        );
        println!("results in {}", out.display());
        return Ok(());
    }
    let outputs = rows
        .iter()
        .map(|(_, line)| parse_sample(line, factors.len(), metrics.len()).map(|(_, o)| o))
        .collect::<Option<Vec<Vec<f64>>>>()
        .ok_or_else(|| anyhow::anyhow!("{}: a row does not read back", out.join("samples.csv").display()))?;
    let table = match report(&out, &design, &metrics, &outputs, runs) {
        Ok(t) => t,
        Err(e) => {
            job.manifest(&manifest("failed", wall)).ok();
            return Err(e);
        }
    };
    job.manifest(&manifest("complete", wall))?;

    println!(
        "{} (strategy {}): {} samples x {} matrices x {} replicates = {} runs in {:.1} s",
        s.name,
        all[strategy],
        design.samples(),
        design.per_row(),
        reps,
        runs,
        wall
    );
    print_indices(&design, &table);
    println!("results in {}", out.display());
    Ok(())
}

/// Analyse every metric over the design's `outputs` (one row of metric
/// values per evaluation), and write `sensitivity.csv` and the figure into
/// `out`. Returns the indices by metric.
fn report(out: &Path, design: &Design, metrics: &[usize], outputs: &[Vec<f64>], runs: usize) -> anyhow::Result<Vec<(usize, Vec<Indices>)>> {
    let factors = design.factors();
    let mut table: Vec<(usize, Vec<Indices>)> = Vec::new();
    for (m, &c) in metrics.iter().enumerate() {
        let y: Vec<f64> = outputs.iter().map(|o| o[m]).collect();
        table.push((c, analyse(design, &y, RESAMPLES).map_err(|e| anyhow::anyhow!("{e}"))?));
    }
    write_atomic(&out.join("sensitivity.csv"), |w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for (c, rows) in &table {
            for r in rows {
                let cells = [
                    SUMMARY_COLUMNS[*c].to_string(),
                    factors[r.factor].name.clone(),
                    num(r.s1),
                    num(r.s1_lo),
                    num(r.s1_hi),
                    num(r.st),
                    num(r.st_lo),
                    num(r.st_hi),
                    r.samples.to_string(),
                    runs.to_string(),
                ];
                w.write_all(csv_line(cells).as_bytes())?;
            }
        }
        Ok(())
    })?;
    // The bar chart of the indices, beside the table.
    let bars: Vec<normshift::plot::sensitivity::IndexBar> = table
        .iter()
        .flat_map(|(c, rows)| {
            rows.iter().map(|r| normshift::plot::sensitivity::IndexBar {
                metric: SUMMARY_COLUMNS[*c].to_string(),
                parameter: factors[r.factor].name.clone(),
                s1: r.s1,
                s1_lo: r.s1_lo,
                s1_hi: r.s1_hi,
                st: r.st,
                st_lo: r.st_lo,
                st_hi: r.st_hi,
            })
        })
        .collect();
    if let Some(fig) = normshift::plot::sensitivity::sensitivity(&bars, &normshift::plot::Options::default())? {
        ensure_dir(&out.join("figures"))?;
        write_atomic(&out.join("figures/sensitivity.svg"), |w| w.write_all(fig.svg.as_bytes()))?;
        write_atomic(&out.join("figures/sensitivity.png"), |w| w.write_all(&fig.png))?;
    }
    Ok(table)
}

/// Print the indices as a table.
fn print_indices(design: &Design, table: &[(usize, Vec<Indices>)]) {
    let factors = design.factors();
    println!(
        "S1: share of the outcome's variance due to the key alone; ST: including its interactions ({:.0}% intervals).",
        100.0 * CONFIDENCE
    );
    let width = factors.iter().map(|f| f.name.len()).max().unwrap_or(9).max(9);
    println!("{:<24} {:<width$} {:>22} {:>22}", "metric", "parameter", "S1 [95% int.]", "ST [95% int.]");
    let cell = |x: f64, lo: f64, hi: f64| if x.is_nan() { "-".to_string() } else { format!("{x:.2} [{lo:.2},{hi:.2}]") };
    for (c, rows) in table {
        for r in rows {
            println!(
                "{:<24} {:<width$} {:>22} {:>22}",
                SUMMARY_COLUMNS[*c],
                factors[r.factor].name,
                cell(r.s1, r.s1_lo, r.s1_hi),
                cell(r.st, r.st_lo, r.st_hi)
            );
        }
        if let Some(r) = rows.first() {
            if r.samples < design.samples() {
                println!(
                    "  ({}: {} of {} samples had a run without a value and were left out)",
                    SUMMARY_COLUMNS[*c],
                    design.samples() - r.samples,
                    design.samples()
                );
            } else if r.s1.is_nan() {
                println!("  ({}: the outcome did not vary, so it has no indices)", SUMMARY_COLUMNS[*c]);
            }
        }
    }
    // The true indices lie in [0, 1] with S1 <= ST; estimates from few
    // samples need not.
    let rough = table
        .iter()
        .flat_map(|(_, rows)| rows)
        .filter(|r| !r.s1.is_nan())
        .any(|r| r.s1 > 1.0 || r.st > 1.0 || r.s1 > r.st + 0.05 || r.s1_hi - r.s1_lo > 0.5 || r.st_hi - r.st_lo > 0.5);
    if rough {
        println!(
            "note: these estimates are rough at --samples {}: some exceed 1, have S1 above ST, or intervals wider than 0.5 \
             (the true indices lie between 0 and 1, with S1 at most ST); run again with more samples (--samples {}) before reading them",
            design.samples(),
            (4 * design.samples()).max(256)
        );
    }
}

/// `normshift merge` for the shards of one sensitivity analysis: every
/// evaluation exactly once, then the indices, as one unsharded run would
/// write them.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> anyhow::Result<()> {
    let merged = runner::merge_rows(
        dirs,
        &runner::MergeOf { command: "sensitivity", what: "analysis", rows: "evaluations", journal: "samples.csv" },
        |m| m["evaluations"].as_u64(),
    )?;
    let m = &merged.manifest;
    let scenario_name = m["scenario_name"].as_str().unwrap_or_default().to_string();
    runner::merge_target(dirs, out, "sensitivity", &scenario_name, force)?;
    let unreadable = || bad(format!("{}: manifest.json does not describe a sensitivity design", dirs[0].display()));
    let factors = m["parameters"]
        .as_array()
        .ok_or_else(unreadable)?
        .iter()
        .map(|p| {
            let mut f = Factor::new(p["key"].as_str()?, p["low"].as_f64()?, p["high"].as_f64()?);
            f.whole = p["whole"].as_bool()?;
            Some(f)
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(unreadable)?;
    let metrics = m["metrics"]
        .as_array()
        .ok_or_else(unreadable)?
        .iter()
        .map(|x| SUMMARY_COLUMNS.iter().position(|c| Some(*c) == x.as_str()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(unreadable)?;
    let (samples, seed, runs) = (m["samples"].as_u64(), m["seed"].as_u64(), m["runs"].as_u64());
    let (Some(samples), Some(seed), Some(runs)) = (samples, seed, runs) else { return Err(unreadable()) };
    let nfactors = factors.len();
    let design = Design::new(factors, samples as usize, seed).map_err(|e| bad(e.to_string()))?;
    if merged.rows.len() != design.len() {
        return Err(unreadable());
    }
    let mut outputs = Vec::with_capacity(merged.rows.len());
    for (i, line) in &merged.rows {
        let (_, o) = parse_sample(line, nfactors, metrics.len())
            .ok_or_else(|| bad(format!("evaluation {i}: not a row of a sensitivity analysis: {line}")))?;
        outputs.push(o);
    }
    let staging = Staging::new(out)?;
    runner::write_journal(&staging.dir.join("samples.csv"), &merged.header, &merged.rows)?;
    let src = dirs[0].join("scenario.toml");
    let scenario = std::fs::read(&src).map_err(|e| bad(format!("{}: {e}", src.display())))?;
    write_atomic(&staging.dir.join("scenario.toml"), |w| w.write_all(&scenario))?;
    let table = report(&staging.dir, &design, &metrics, &outputs, runs as usize)?;
    let mut merged_m = merged.manifest.clone();
    merged_m["shard"] = serde_json::json!("all");
    merged_m["evaluations_in_shard"] = serde_json::json!(design.len());
    merged_m["merged_from"] = serde_json::json!(dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>());
    write_json(&staging.dir.join("manifest.json"), &merged_m)?;
    staging.commit()?;
    println!("merged {} shards: {} evaluations into {}", dirs.len(), design.len(), out.display());
    print_indices(&design, &table);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_specs_are_parsed_and_checked() {
        let f = parse_vary("backlash.rate=0.02:0.2").unwrap();
        assert_eq!((f.name.as_str(), f.lo, f.hi, f.whole), ("backlash.rate", 0.02, 0.2, false));
        assert!(parse_vary(" a.b = -1 : 1 ").is_ok());
        for raw in ["backlash.rate", "backlash.rate=0.2", "=0:1", "a..b=0:1", "a=x:1", "a=0:inf", "a=0.3:0.1", "seed=1:2"] {
            assert!(parse_vary(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn literals_read_back_as_the_right_toml_type() {
        let mut f = Factor::new("k", 0.0, 10.0);
        assert_eq!(literal(&f, 2.0), "2.0");
        assert_eq!(literal(&f, 0.1 + 0.2), "0.30000000000000004");
        f.whole = true;
        assert_eq!(literal(&f, 3.0), "3");
    }

    #[test]
    fn metrics_default_and_unknown_ones_are_refused() {
        assert_eq!(pick_metrics(&[]).unwrap().len(), 2);
        assert!(pick_metrics(&["nope".into()]).is_err());
        assert_eq!(pick_metrics(&["held".into(), "held".into()]).unwrap().len(), 1);
    }
}
