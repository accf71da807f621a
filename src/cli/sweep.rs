//! `normshift sweep` and `normshift merge`: run a design of parameter
//! values, streaming one row per run to `runs.csv` as runs finish (flushed,
//! so a crash loses only the runs in flight), resumable after Ctrl-C or a
//! kill, shardable across a cluster's job array, and mergeable. The
//! journal, resume, shards, stop and merge checks are the shared runner's
//! (`runner.rs`); this file defines the sweep's units, rows and report.

use super::files::{ensure_dir, write_atomic, write_json};
use super::folder::Staging;
use super::input::{self, Adjust};
use super::run::{check_memory_largest, pick_strategies, set_threads};
use super::{ScenarioArgs, bad, journal, limits, runner, stop};
use normshift::outcomes::{SUMMARY_COLUMNS, Summary};
use normshift::output::{csv_line, num};
use normshift::plot::sweep::SweepPoint;
use normshift::run::Job;
use normshift::scenario::parse_scenario;
use normshift::sweep::{DesignKind, Plan, Spec, Vary, aggregate, design, digest, parse_vary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub adjust: Adjust,
    /// A key to vary and its values: KEY=lo:hi:n (grid), KEY=lo:hi (samplers) or KEY=[a,b,c] (repeatable).
    #[arg(long = "vary", value_name = "KEY=SPEC", required = true)]
    pub vary: Vec<String>,
    /// Design: grid (every combination), lhs (Latin hypercube) or sobol (quasi-random).
    #[arg(long, default_value = "grid", value_parser = ["grid", "lhs", "sobol"])]
    pub design: String,
    /// Points of an lhs or sobol design.
    #[arg(long, default_value_t = 64)]
    pub samples: u32,
    /// Strategies to run at each point (comma-separated). Default: all.
    #[arg(long, value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// Output folder. Default: results/<scenario name>-sweep/ (a shard-I-of-N folder inside it for a shard).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads. Default: all cores. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Finish an interrupted sweep in its folder.
    #[arg(long)]
    pub resume: bool,
    /// Start over in --out, deleting whatever it holds (another job's results, an unfinished sweep).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Do not draw the figures (figures/); the tables are the same.
    #[arg(long)]
    pub no_plots: bool,
    #[command(flatten)]
    pub sharding: journal::Sharding,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard folders of one sweep, sensitivity analysis or comparison over priors (`compare --draws ... --shard I/N`).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged results (never one of the shard folders).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out whole if it holds something else.
    #[arg(long)]
    pub force: bool,
}

/// Whether the key's current value in the resolved scenario is an integer.
fn integer_key(resolved: &toml::Value, key: &str) -> bool {
    let mut node = resolved;
    for part in key.split('.') {
        node = match node {
            toml::Value::Table(t) => match t.get(part) {
                Some(v) => v,
                None => return false,
            },
            toml::Value::Array(a) => match part.parse::<usize>() {
                Ok(i) => match a.get(i) {
                    Some(v) => v,
                    None => return false,
                },
                Err(_) => match a.iter().find(|v| v.get("name").or_else(|| v.get("kind")).and_then(toml::Value::as_str) == Some(part)) {
                    Some(v) => v,
                    None => return false,
                },
            },
            _ => return false,
        };
    }
    node.is_integer()
}

/// The overrides of one design point.
fn point_sets(base: &[String], vary: &[Vary], values: &[String]) -> Vec<String> {
    let mut sets = base.to_vec();
    sets.extend(vary.iter().zip(values).map(|(v, x)| format!("{}={x}", v.key)));
    sets
}

/// Everything that defines a sweep's runs, as text (its digest identifies it).
fn identity(resolved: &str, vary: &[String], kind: DesignKind, samples: u32, reps: u32, strategies: &[String], seed: u64) -> String {
    format!(
        "{resolved}\n--vary {}\n--design {}\n--samples {samples}\n--reps {reps}\n--strategies {}\n--seed {seed}\n",
        vary.join(" --vary "),
        kind.as_str(),
        strategies.join(",")
    )
}

fn header(vary_keys: &[String]) -> String {
    let mut h: Vec<String> = ["run_id", "point", "strategy", "replicate", "seed"].iter().map(|s| s.to_string()).collect();
    h.extend(vary_keys.iter().cloned());
    h.extend(SUMMARY_COLUMNS.iter().map(|s| s.to_string()));
    h.extend(["agents".to_string(), "ties".to_string()]);
    h.join(",")
}

/// The number of points `vary` makes under `kind`, without building them.
fn count_points(vary: &[Vary], kind: DesignKind, samples: u32) -> u128 {
    match kind {
        DesignKind::Grid => vary
            .iter()
            .map(|v| match &v.spec {
                Spec::Steps { n, .. } => u128::from(*n),
                Spec::List(items) => items.len() as u128,
                Spec::Range { .. } => 1,
            })
            .fold(1u128, |a, b| a.saturating_mul(b)),
        DesignKind::Lhs | DesignKind::Sobol => u128::from(samples),
    }
}

/// A sweep as units for the runner: unit u is one replicate at one point,
/// all its strategies run on one world; one `runs.csv` row per run.
struct SweepWork<'a> {
    input: &'a input::Input,
    vary: &'a [Vary],
    points: &'a [Vec<String>],
    plan: Plan,
    picked: &'a [usize],
    names: &'a [String],
}

impl runner::Work for SweepWork<'_> {
    type Done = Vec<normshift::run::RunResult>;

    fn units(&self) -> usize {
        self.plan.units()
    }

    fn row_ids(&self, u: usize) -> Vec<u64> {
        let unit = self.plan.unit(u);
        (0..self.plan.strategies).map(|k| self.plan.run_id(unit, k)).collect()
    }

    fn run(&self, u: usize) -> anyhow::Result<Option<Self::Done>> {
        let unit = self.plan.unit(u);
        let sets = point_sets(&self.input.sets, self.vary, &self.points[unit.point]);
        let sc = parse_scenario(&self.input.text, &self.input.origin, &sets).map_err(|e| bad(e.to_string()))?;
        let mut job = Job::all(&sc);
        job.strategies = self.picked.to_vec();
        job.reach = vec![1.0; self.picked.len()];
        job.replicates = unit.replicate..unit.replicate + 1;
        job.loaded = self.input.loaded.as_ref();
        job.trace = false;
        job.stop = Some(stop::flag());
        Ok(job.try_run_replicate(unit.replicate).ok())
    }

    fn rows(&self, u: usize, results: &Self::Done) -> Vec<(u64, String)> {
        let unit = self.plan.unit(u);
        results
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let id = self.plan.run_id(unit, k);
                let ids = [
                    id.to_string(),
                    unit.point.to_string(),
                    self.names[k].clone(),
                    unit.replicate.to_string(),
                    self.plan.seed(unit).to_string(),
                ];
                let tail = [r.agents.to_string(), r.ties.to_string()];
                let cells =
                    ids.into_iter().chain(self.points[unit.point].iter().cloned()).chain(r.summary.iter().map(|x| num(*x))).chain(tail);
                // One journal line: csv quoting, without the record's `\n`
                // (the runner ends each line).
                let line = csv_line(cells).trim_end_matches('\n').to_string();
                (id, line)
            })
            .collect()
    }

    fn runs_per_unit(&self) -> usize {
        self.plan.strategies
    }
}

pub fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    limits::reps(args.adjust.reps, "")?;
    let threads = limits::threads(args.threads)?;
    let input = input::load(&args.scenario, &args.adjust)?;
    let s = &input.scenario;
    let picked = pick_strategies(s, &args.strategies)?;
    let names: Vec<String> = picked.iter().map(|&k| s.strategies[k].name.clone()).collect();
    let kind = match args.design.as_str() {
        "lhs" => DesignKind::Lhs,
        "sobol" => DesignKind::Sobol,
        _ => DesignKind::Grid,
    };
    let resolved_text = input::resolved_toml(s)?;
    let resolved: toml::Value = toml::from_str(&resolved_text)?;
    let mut vary = Vec::new();
    for raw in &args.vary {
        let mut v = parse_vary(raw).map_err(|e| bad(e.to_string()))?;
        v.integer = integer_key(&resolved, &v.key);
        vary.push(v);
    }
    // Bounded before anything is built: the design's points and runs.
    let npoints = count_points(&vary, kind, args.samples);
    limits::points(npoints.min(u128::from(u64::MAX)) as u64, &format!("the {} design", kind.as_str()))?;
    limits::runs(npoints * picked.len() as u128 * u128::from(s.replicates), "the sweep")?;
    // Every value the design can take must be one the scenario accepts.
    for v in &vary {
        let probes: Vec<String> = match &v.spec {
            Spec::List(items) => items.clone(),
            Spec::Steps { lo, hi, .. } | Spec::Range { lo, hi } => {
                [lo, hi].iter().map(|x| if v.integer { format!("{}", x.round() as i64) } else { format!("{x:?}") }).collect()
            }
        };
        for x in probes {
            let mut sets = input.sets.clone();
            sets.push(format!("{}={x}", v.key));
            parse_scenario(&input.text, &input.origin, &sets).map_err(|e| bad(format!("--vary {}: value {x}: {e}", v.key)))?;
        }
    }
    let points = design(&vary, kind, args.samples, s.seed).map_err(|e| bad(e.to_string()))?;
    let plan = Plan { points: points.len(), strategies: picked.len(), replicates: s.replicates, seed: s.seed };
    let shard = args.sharding.resolve()?;
    let units = runner::shard_range(plan.units(), shard);
    let ident = identity(&resolved_text, &args.vary, kind, args.samples, s.replicates, &names, s.seed);
    let keys: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
    let out = args.out.clone().unwrap_or_else(|| runner::shard_folder(&PathBuf::from("results").join(format!("{}-sweep", s.name)), shard));
    let work = SweepWork { input: &input, vary: &vary, points: &points, plan: plan.clone(), picked: &picked, names: &names };
    let job = runner::Runner {
        command: "sweep",
        dir: out.clone(),
        journal: "runs.csv",
        header: header(&keys),
        hash: digest(&ident),
        shard,
        scenario_name: s.name.clone(),
        what: "sweep",
    };
    let done = job.claim(&work, args.resume, args.force)?;
    let threads = set_threads(threads)?;
    // Each thread holds one replicate of some point: the largest must fit that many times.
    check_memory_largest(
        points.len(),
        |p| parse_scenario(&input.text, &input.origin, &point_sets(&input.sets, &vary, &points[p])).map_err(|e| bad(e.to_string())),
        input.loaded.as_ref(),
        threads,
    )?;
    let manifest = |status: &str, wall: f64| {
        let more = serde_json::json!({
            "design": kind.as_str(),
            "vary": args.vary,
            "samples": args.samples,
            "points": plan.points,
            "replicates": plan.replicates,
            "strategies": names,
            "seed": s.seed,
            "shard": runner::shard_label(shard),
            "runs_total": plan.runs(),
            "runs_in_shard": (units.len() * plan.strategies) as u64,
            "threads": threads,
            "wall_seconds": wall,
        });
        journal::manifest("sweep", &input.origin, &s.name, &job.hash, status, started, more)
    };
    std::fs::create_dir_all(&out).map_err(|e| bad(format!("cannot create the output folder {}: {e}", out.display())))?;
    job.manifest(&manifest("running", 0.0))?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(resolved_text.as_bytes()))?;
    write_atomic(&out.join("design.csv"), |w| {
        writeln!(w, "point,{}", keys.join(","))?;
        for (p, values) in points.iter().enumerate() {
            w.write_all(csv_line(std::iter::once(&p.to_string()).chain(values)).as_bytes())?;
        }
        Ok(())
    })?;
    let todo = units.clone().filter(|&u| runner::Work::row_ids(&work, u).iter().any(|id| !done.contains(id))).count();
    let (rows, wall) = job.execute(&work, &done, "sweep", &manifest)?;
    let rows = parse_rows(&out.join("runs.csv"), keys.len(), &rows)?;
    let finished = write_outputs(&out, &job.header, &keys, &rows, !args.no_plots);
    if let Err(e) = finished {
        job.manifest(&manifest("failed", wall)).ok();
        return Err(e);
    }
    job.manifest(&manifest("complete", wall))?;
    println!(
        "{}: {} points x {} strategies x {} replicates{}: {} runs in {:.1} s ({:.1} runs/s)",
        s.name,
        plan.points,
        plan.strategies,
        plan.replicates,
        shard.map_or(String::new(), |(i, n)| format!(", shard {i}/{n}")),
        todo * plan.strategies,
        wall,
        (todo * plan.strategies) as f64 / wall.max(1e-9)
    );
    println!("results in {}", out.display());
    Ok(())
}

/// A parsed row of a sweep's `runs.csv`.
struct Row {
    point: usize,
    strategy: String,
    replicate: u32,
    values: Vec<String>,
    summary: Summary,
    line: String,
}

/// Parse a sweep's journal rows (`path` names the file in messages).
fn parse_rows(path: &Path, nvary: usize, lines: &[(u64, String)]) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for (n, (id, line)) in lines.iter().enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let want = 5 + nvary + SUMMARY_COLUMNS.len() + 2;
        if cells.len() != want {
            return Err(bad(format!("{}: row {}: {} columns, expected {want}", path.display(), n + 1, cells.len())));
        }
        let parse = |s: &str| if s.is_empty() { Ok(f64::NAN) } else { s.parse::<f64>() };
        let mut summary = [f64::NAN; SUMMARY_COLUMNS.len()];
        for (c, x) in summary.iter_mut().enumerate() {
            *x = parse(cells[5 + nvary + c])
                .map_err(|_| bad(format!("{}: run {id}: `{}` is not a number", path.display(), cells[5 + nvary + c])))?;
        }
        rows.push(Row {
            point: cells[1].parse().map_err(|_| bad(format!("{}: run {id}: bad point `{}`", path.display(), cells[1])))?,
            strategy: cells[2].to_string(),
            replicate: cells[3].parse().map_err(|_| bad(format!("{}: run {id}: bad replicate `{}`", path.display(), cells[3])))?,
            values: cells[5..5 + nvary].iter().map(|s| s.to_string()).collect(),
            summary,
            line: line.clone(),
        });
    }
    Ok(rows)
}

/// `runs.csv`, `points.csv` and, when `plots`, the figures.
fn write_outputs(out: &Path, header: &str, keys: &[String], rows: &[Row], plots: bool) -> anyhow::Result<()> {
    write_atomic(&out.join("runs.csv"), |w| {
        writeln!(w, "{header}")?;
        for r in rows {
            writeln!(w, "{}", r.line)?;
        }
        Ok(())
    })?;
    let mut groups: BTreeMap<(usize, String), (Vec<String>, Vec<Summary>)> = BTreeMap::new();
    for r in rows {
        groups.entry((r.point, r.strategy.clone())).or_insert_with(|| (r.values.clone(), Vec::new())).1.push(r.summary);
    }
    let (gains, winners) = paired_gains(rows);
    write_atomic(&out.join("points.csv"), |w| {
        let mut h: Vec<String> = vec!["point".into(), "strategy".into()];
        h.extend(keys.iter().cloned());
        h.push("runs".into());
        for c in SUMMARY_COLUMNS {
            h.extend([format!("{c}_mean"), format!("{c}_p05"), format!("{c}_p95")]);
        }
        h.extend(GAIN_COLUMNS.iter().map(|c| c.to_string()));
        writeln!(w, "{}", h.join(","))?;
        for ((p, st), (values, sums)) in &groups {
            let mut cells = vec![p.to_string(), st.clone()];
            cells.extend(values.iter().cloned());
            cells.push(sums.len().to_string());
            for a in aggregate(sums) {
                cells.extend([num(a.mean), num(a.p05), num(a.p95)]);
            }
            let g = gains.get(&(*p, st.clone()));
            cells.extend(g.map_or([String::new(), String::new(), String::new()], |g| [num(g.0), num(g.1), num(g.2)]));
            cells.push(winners.get(p).cloned().unwrap_or_default());
            w.write_all(csv_line(cells).as_bytes())?;
        }
        Ok(())
    })?;
    // Figures of participation at the programme's end over the design
    // (numeric varied values only).
    let points: Option<Vec<SweepPoint>> = groups
        .iter()
        .map(|((_, st), (values, sums))| {
            let x: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
            let a = &aggregate(sums)[normshift::outcomes::sum::PARTICIPATION_END];
            Some(SweepPoint { strategy: st.clone(), x: x?, mean: a.mean, p05: a.p05, p95: a.p95 })
        })
        .collect();
    if let Some(points) = points.filter(|_| plots) {
        let figures = normshift::plot::sweep::sweep(keys, "participation_end", &points, &normshift::plot::Options::default())?;
        if !figures.is_empty() {
            ensure_dir(&out.join("figures"))?;
        }
        for f in figures {
            write_atomic(&out.join("figures").join(format!("{}.svg", f.id)), |w| w.write_all(f.svg.as_bytes()))?;
            write_atomic(&out.join("figures").join(format!("{}.png", f.id)), |w| w.write_all(&f.png))?;
        }
    }
    Ok(())
}

/// Columns `points.csv` ends with: the paired gain over baseline in
/// participation at the programme's end (mean and 5th/95th percentiles over
/// the point's replicates) and the point's winner.
pub const GAIN_COLUMNS: [&str; 4] = ["gain_mean", "gain_p05", "gain_p95", "winner"];

/// Per (point, strategy), the paired gain over baseline in participation at
/// the programme's end (each replicate against baseline's run on the same
/// replicate): mean, 5th and 95th percentile; none for a strategy without
/// a baseline run to pair with. Per point, the winner: the strategy with
/// the highest mean participation at the programme's end (baseline
/// included; the first in the sweep's order on ties).
#[allow(clippy::type_complexity)]
fn paired_gains(rows: &[Row]) -> (BTreeMap<(usize, String), (f64, f64, f64)>, BTreeMap<usize, String>) {
    use normshift::outcomes::sum::PARTICIPATION_END;
    let base: BTreeMap<(usize, u32), f64> = rows
        .iter()
        .filter(|r| r.strategy == super::compare::BASELINE)
        .map(|r| ((r.point, r.replicate), r.summary[PARTICIPATION_END]))
        .collect();
    let mut diffs: BTreeMap<(usize, String), Vec<f64>> = BTreeMap::new();
    let mut means: BTreeMap<usize, Vec<(String, f64, usize)>> = BTreeMap::new();
    for r in rows {
        let y = r.summary[PARTICIPATION_END];
        if let Some(b) = base.get(&(r.point, r.replicate))
            && !(y.is_nan() || b.is_nan())
        {
            diffs.entry((r.point, r.strategy.clone())).or_default().push(y - b);
        }
        let list = means.entry(r.point).or_default();
        match list.iter_mut().find(|(s, _, _)| *s == r.strategy) {
            Some(e) => {
                e.1 += y;
                e.2 += 1;
            }
            None => list.push((r.strategy.clone(), y, 1)),
        }
    }
    let gains = diffs
        .into_iter()
        .map(|(k, mut d)| {
            d.sort_by(f64::total_cmp);
            let mean = d.iter().sum::<f64>() / d.len() as f64;
            (k, (mean, normshift::compare::percentile(&d, 0.05), normshift::compare::percentile(&d, 0.95)))
        })
        .collect();
    let winners = means
        .into_iter()
        .filter_map(|(p, list)| {
            let mut best: Option<(&str, f64)> = None;
            for (s, total, n) in &list {
                let m = total / *n as f64;
                if !m.is_nan() && best.is_none_or(|(_, b)| m > b) {
                    best = Some((s.as_str(), m));
                }
            }
            best.map(|(s, _)| (p, s.to_string()))
        })
        .collect();
    (gains, winners)
}

pub fn merge(args: MergeArgs) -> anyhow::Result<()> {
    let first = args.dirs.first().and_then(|d| journal::read_manifest(d));
    if first.as_ref().is_some_and(|m| super::folder::command_of(m) == "sensitivity") {
        return super::sensitivity::merge(&args.dirs, &args.out, args.force);
    }
    if first.as_ref().is_some_and(|m| super::folder::command_of(m) == "compare") {
        return super::uncertain::merge(&args.dirs, &args.out, args.force);
    }
    let merged =
        runner::merge_rows(&args.dirs, &runner::MergeOf { command: "sweep", what: "sweep", rows: "runs", journal: "runs.csv" }, |m| {
            m["runs_total"].as_u64()
        })?;
    let scenario_name = merged.manifest["scenario_name"].as_str().unwrap_or_default().to_string();
    runner::merge_target(&args.dirs, &args.out, "sweep", &scenario_name, args.force)?;
    let header = merged.header.clone();
    let nv = header.split(',').count().saturating_sub(5 + SUMMARY_COLUMNS.len() + 2);
    let keys: Vec<String> = header.split(',').skip(5).take(nv).map(String::from).collect();
    let rows = parse_rows(&args.dirs[0].join("runs.csv"), keys.len(), &merged.rows)?;
    let staging = Staging::new(&args.out)?;
    write_outputs(&staging.dir, &header, &keys, &rows, true)?;
    for f in ["scenario.toml", "design.csv"] {
        let src = args.dirs[0].join(f);
        if src.exists() {
            let bytes = std::fs::read(&src).map_err(|e| bad(format!("{}: {e}", src.display())))?;
            write_atomic(&staging.dir.join(f), |w| w.write_all(&bytes))?;
        }
    }
    let mut m = merged.manifest;
    m["shard"] = serde_json::json!("all");
    m["merged_from"] = serde_json::json!(args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>());
    m["runs_in_shard"] = m["runs_total"].clone();
    write_json(&staging.dir.join("manifest.json"), &m)?;
    staging.commit()?;
    println!("merged {} shards: {} runs into {}", args.dirs.len(), rows.len(), args.out.display());
    Ok(())
}
