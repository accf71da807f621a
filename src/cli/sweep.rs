//! `normshift sweep` and `normshift merge`: run a design of parameter
//! values, streaming one row per run to `runs.csv` as runs finish (flushed,
//! so a crash loses only the runs in flight), resumable after Ctrl-C or a
//! kill, shardable across a cluster's job array, and mergeable.

use super::files::{ensure_dir, write_atomic, write_json};
use super::input::{self, Adjust};
use super::journal;
use super::progress::Progress;
use super::run::{check_memory_largest, pick_strategies, set_threads};
use super::{Interrupted, ScenarioArgs, bad};
use normshift::outcomes::{SUMMARY_COLUMNS, Summary};
use normshift::output::{csv_line, num};
use normshift::plot::sweep::SweepPoint;
use normshift::run::Job;
use normshift::scenario::parse_scenario;
use normshift::sweep::{DesignKind, Plan, Unit, Vary, aggregate, design, digest, parse_vary};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Instant, SystemTime};

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
    #[command(flatten)]
    pub sharding: journal::Sharding,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Shard folders of one sweep, or of one sensitivity analysis.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged results.
    #[arg(long)]
    pub out: PathBuf,
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

/// Run ids already in `runs.csv`; a partial last line (from a kill) is cut off.
fn completed(path: &Path) -> anyhow::Result<BTreeSet<u64>> {
    Ok(journal::complete_lines(path)?.iter().filter_map(|l| l.split(',').next()?.parse().ok()).collect())
}

pub fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    if args.adjust.reps == Some(0) {
        return Err(bad("--reps 0: give 1 or more replicates"));
    }
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
    // Every value the design can take must be one the scenario accepts.
    for v in &vary {
        let probes: Vec<String> = match &v.spec {
            normshift::sweep::Spec::List(items) => items.clone(),
            normshift::sweep::Spec::Steps { lo, hi, .. } | normshift::sweep::Spec::Range { lo, hi } => {
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
    let units = match shard {
        Some((i, n)) => plan.shard(i, n),
        None => 0..plan.units(),
    };
    let ident = identity(&resolved_text, &args.vary, kind, args.samples, s.replicates, &names, s.seed);
    let hash = digest(&ident);
    let out = args.out.clone().unwrap_or_else(|| {
        let base = PathBuf::from("results").join(format!("{}-sweep", s.name));
        match shard {
            Some((i, n)) => base.join(format!("shard-{i:04}-of-{n:04}")),
            None => base,
        }
    });
    let runs_path = out.join("runs.csv");
    let keys: Vec<String> = vary.iter().map(|v| v.key.clone()).collect();
    let mut done = BTreeSet::new();
    if runs_path.exists() {
        if !args.resume {
            return Err(bad(format!(
                "{} already holds a sweep's results; add --resume to finish it, or choose another --out",
                out.display()
            )));
        }
        let manifest =
            journal::read_manifest(&out).ok_or_else(|| bad(format!("--resume: {} has no readable manifest.json", out.display())))?;
        if manifest["design_hash"].as_str() != Some(hash.as_str()) {
            return Err(bad(format!(
                "--resume: {} holds another sweep (a different scenario, design, replicates, strategies or seed); run it with its own settings or choose another --out",
                out.display()
            )));
        }
        let their_shard = manifest["shard"].as_str().unwrap_or("all").to_string();
        let my_shard = shard.map_or("all".to_string(), |(i, n)| format!("{i}/{n}"));
        if their_shard != my_shard {
            return Err(bad(format!("--resume: {} holds shard {their_shard}, not {my_shard}", out.display())));
        }
        done = completed(&runs_path)?;
    } else if journal::holds_other(&out, &hash) {
        // Stopped before its first row: only the same sweep may start over here.
        return Err(bad(format!("{} holds another sweep's manifest; choose another --out", out.display())));
    }
    let threads = set_threads(args.threads)?;
    // Each thread holds one replicate of some point: the largest must fit that many times.
    check_memory_largest(
        points.len(),
        |p| parse_scenario(&input.text, &input.origin, &point_sets(&input.sets, &vary, &points[p])).map_err(|e| bad(e.to_string())),
        input.loaded.as_ref(),
        threads,
    )?;
    ensure_dir(&out)?;
    let manifest = |status: &str, wall: f64| {
        let more = serde_json::json!({
            "design": kind.as_str(),
            "vary": args.vary,
            "samples": args.samples,
            "points": plan.points,
            "replicates": plan.replicates,
            "strategies": names,
            "seed": s.seed,
            "shard": shard.map_or("all".to_string(), |(i, n)| format!("{i}/{n}")),
            "runs_total": plan.runs(),
            "runs_in_shard": (units.len() * plan.strategies) as u64,
            "threads": threads,
            "wall_seconds": wall,
        });
        journal::manifest(&input.origin, &hash, status, started, more)
    };
    let write_manifest = |m: serde_json::Value| write_json(&out.join("manifest.json"), &m);
    write_manifest(manifest("running", 0.0))?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(resolved_text.as_bytes()))?;
    write_atomic(&out.join("design.csv"), |w| {
        writeln!(w, "point,{}", keys.join(","))?;
        for (p, values) in points.iter().enumerate() {
            w.write_all(csv_line(std::iter::once(&p.to_string()).chain(values)).as_bytes())?;
        }
        Ok(())
    })?;

    let todo: Vec<usize> = units.clone().filter(|&u| (0..plan.strategies).any(|k| !done.contains(&plan.run_id(plan.unit(u), k)))).collect();
    let mut file = journal::open(&runs_path, &header(&keys))?;
    journal::watch_signals();
    let progress = Progress::new(todo.len() * plan.strategies, "sweep");
    let t0 = Instant::now();
    let (tx, rx) = mpsc::channel::<(Unit, Vec<normshift::run::RunResult>)>();
    let worker_error = std::thread::scope(|scope| -> anyhow::Result<()> {
        let handle = scope.spawn(|| {
            use rayon::prelude::*;
            todo.par_iter().try_for_each_with(tx, |tx, &u| -> anyhow::Result<()> {
                if journal::stopped() {
                    return Ok(());
                }
                let unit = plan.unit(u);
                let sets = point_sets(&input.sets, &vary, &points[unit.point]);
                let sc = parse_scenario(&input.text, &input.origin, &sets).map_err(|e| bad(e.to_string()))?;
                let mut job = Job::all(&sc);
                job.strategies = picked.clone();
                job.reach = vec![1.0; picked.len()];
                job.replicates = unit.replicate..unit.replicate + 1;
                job.loaded = input.loaded.as_ref();
                job.trace = false;
                let results = job.run_replicate(unit.replicate);
                tx.send((unit, results)).ok();
                Ok(())
            })
        });
        for (unit, results) in rx {
            for (k, r) in results.iter().enumerate() {
                let id = plan.run_id(unit, k);
                if done.contains(&id) {
                    continue;
                }
                let ids =
                    [id.to_string(), unit.point.to_string(), names[k].clone(), unit.replicate.to_string(), plan.seed(unit).to_string()];
                let tail = [r.agents.to_string(), r.ties.to_string()];
                let line = csv_line(
                    ids.iter().cloned().chain(points[unit.point].iter().cloned()).chain(r.summary.iter().map(|x| num(*x))).chain(tail),
                );
                file.write_all(line.as_bytes())?;
                progress.tick();
            }
            file.flush()?;
        }
        handle.join().map_err(|_| anyhow::anyhow!("a sweep worker panicked"))?
    });
    progress.finish();
    worker_error?;
    drop(file);
    let wall = t0.elapsed().as_secs_f64();
    let now_done = completed(&runs_path)?;
    let expected: usize = units.len() * plan.strategies;
    let in_shard = units
        .clone()
        .flat_map(|u| (0..plan.strategies).map(move |k| (u, k)))
        .filter(|&(u, k)| now_done.contains(&plan.run_id(plan.unit(u), k)))
        .count();
    if in_shard < expected {
        write_manifest(manifest("interrupted", wall))?;
        return Err(anyhow::Error::new(Interrupted(format!(
            "stopped after {in_shard} of {expected} runs; {} keeps them: run the same command with --resume to finish",
            out.display()
        ))));
    }
    finish(&out, &keys, &names)?;
    write_manifest(manifest("complete", wall))?;
    println!(
        "{}: {} points x {} strategies x {} replicates{}: {} runs in {:.1} s ({:.1} runs/s)",
        s.name,
        plan.points,
        plan.strategies,
        plan.replicates,
        shard.map_or(String::new(), |(i, n)| format!(", shard {i}/{n}")),
        todo.len() * plan.strategies,
        wall,
        (todo.len() * plan.strategies) as f64 / wall.max(1e-9)
    );
    println!("results in {}", out.display());
    Ok(())
}

/// A parsed row of a sweep's `runs.csv`.
struct Row {
    id: u64,
    point: usize,
    strategy: String,
    values: Vec<String>,
    summary: Summary,
    line: String,
}

fn read_rows(path: &Path, nvary: usize) -> anyhow::Result<(String, Vec<Row>)> {
    let file = std::fs::File::open(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next().transpose()?.ok_or_else(|| bad(format!("{}: empty", path.display())))?;
    let mut rows = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line?;
        let cells: Vec<&str> = line.split(',').collect();
        let want = 5 + nvary + SUMMARY_COLUMNS.len() + 2;
        if cells.len() != want {
            return Err(bad(format!("{}:{}: {} columns, expected {want}", path.display(), n + 2, cells.len())));
        }
        let parse = |s: &str| if s.is_empty() { Ok(f64::NAN) } else { s.parse::<f64>() };
        let mut summary = [f64::NAN; SUMMARY_COLUMNS.len()];
        for (c, x) in summary.iter_mut().enumerate() {
            *x = parse(cells[5 + nvary + c])
                .map_err(|_| bad(format!("{}:{}: `{}` is not a number", path.display(), n + 2, cells[5 + nvary + c])))?;
        }
        rows.push(Row {
            id: cells[0].parse().map_err(|_| bad(format!("{}:{}: bad run_id `{}`", path.display(), n + 2, cells[0])))?,
            point: cells[1].parse().map_err(|_| bad(format!("{}:{}: bad point `{}`", path.display(), n + 2, cells[1])))?,
            strategy: cells[2].to_string(),
            values: cells[5..5 + nvary].iter().map(|s| s.to_string()).collect(),
            summary,
            line,
        });
    }
    Ok((header, rows))
}

/// Rewrite `runs.csv` in run-id order and write `points.csv`.
fn finish(out: &Path, keys: &[String], _names: &[String]) -> anyhow::Result<()> {
    let (header, mut rows) = read_rows(&out.join("runs.csv"), keys.len())?;
    rows.sort_by_key(|r| r.id);
    rows.dedup_by_key(|r| r.id);
    write_outputs(out, &header, keys, &rows)
}

fn write_outputs(out: &Path, header: &str, keys: &[String], rows: &[Row]) -> anyhow::Result<()> {
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
    write_atomic(&out.join("points.csv"), |w| {
        let mut h: Vec<String> = vec!["point".into(), "strategy".into()];
        h.extend(keys.iter().cloned());
        h.push("runs".into());
        for c in SUMMARY_COLUMNS {
            h.extend([format!("{c}_mean"), format!("{c}_p05"), format!("{c}_p95")]);
        }
        writeln!(w, "{}", h.join(","))?;
        for ((p, st), (values, sums)) in &groups {
            let mut cells = vec![p.to_string(), st.clone()];
            cells.extend(values.iter().cloned());
            cells.push(sums.len().to_string());
            for a in aggregate(sums) {
                cells.extend([num(a.mean), num(a.p05), num(a.p95)]);
            }
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
    if let Some(points) = points {
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

pub fn merge(args: MergeArgs) -> anyhow::Result<()> {
    if args.dirs.first().and_then(|d| journal::read_manifest(d)).is_some_and(|m| super::sensitivity::is_analysis(&m)) {
        return super::sensitivity::merge(&args.dirs, &args.out);
    }
    let mut hash: Option<String> = None;
    let mut total = 0u64;
    let mut keys: Vec<String> = Vec::new();
    let mut header = String::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut first_manifest = serde_json::Value::Null;
    for dir in &args.dirs {
        let m: serde_json::Value = std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| bad(format!("{}: no readable manifest.json; is it a sweep folder?", dir.display())))?;
        let h = m["design_hash"].as_str().unwrap_or_default().to_string();
        match &hash {
            None => {
                hash = Some(h);
                total = m["runs_total"].as_u64().unwrap_or(0);
                first_manifest = m.clone();
            }
            Some(h0) if *h0 != h => {
                return Err(bad(format!(
                    "{}: from another sweep than {} (a different scenario, design, replicates, strategies or seed); merge only shards of one sweep",
                    dir.display(),
                    args.dirs[0].display()
                )));
            }
            _ => {}
        }
        if m["status"].as_str() != Some("complete") {
            return Err(bad(format!(
                "{}: the shard is not complete (status {}); finish it with --resume first",
                dir.display(),
                m["status"]
            )));
        }
        let (h, file_keys) = {
            let text =
                std::fs::read_to_string(dir.join("runs.csv")).map_err(|e| bad(format!("{}: {e}", dir.join("runs.csv").display())))?;
            let h = text.lines().next().unwrap_or_default().to_string();
            let nv = h.split(',').count().saturating_sub(5 + SUMMARY_COLUMNS.len() + 2);
            let k: Vec<String> = h.split(',').skip(5).take(nv).map(String::from).collect();
            (h, k)
        };
        if keys.is_empty() {
            keys = file_keys;
            header = h;
        }
        let (_, mut r) = read_rows(&dir.join("runs.csv"), keys.len())?;
        rows.append(&mut r);
    }
    rows.sort_by_key(|r| r.id);
    for w in rows.windows(2) {
        if w[0].id == w[1].id {
            return Err(bad(format!("run {} appears in more than one shard; merge each shard once", w[0].id)));
        }
    }
    if rows.len() as u64 != total {
        let have: BTreeSet<u64> = rows.iter().map(|r| r.id).collect();
        let missing: Vec<String> = (0..total).filter(|i| !have.contains(i)).take(5).map(|i| i.to_string()).collect();
        return Err(bad(format!(
            "the shards hold {} of the sweep's {total} runs (missing run ids {}{}); give every shard folder",
            rows.len(),
            missing.join(", "),
            if (total as usize).saturating_sub(rows.len()) > 5 { ", ..." } else { "" }
        )));
    }
    ensure_dir(&args.out)?;
    write_outputs(&args.out, &header, &keys, &rows)?;
    for f in ["scenario.toml", "design.csv"] {
        let src = args.dirs[0].join(f);
        if src.exists() {
            let bytes = std::fs::read(&src)?;
            write_atomic(&args.out.join(f), |w| w.write_all(&bytes))?;
        }
    }
    let mut m = first_manifest;
    m["shard"] = serde_json::json!("all");
    m["merged_from"] = serde_json::json!(args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>());
    m["runs_in_shard"] = serde_json::json!(total);
    write_json(&args.out.join("manifest.json"), &m)?;
    println!("merged {} shards: {} runs into {}", args.dirs.len(), rows.len(), args.out.display());
    Ok(())
}
