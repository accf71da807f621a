//! `normshift run`: run a scenario's strategies and write `timeseries.csv`,
//! `runs.csv`, `scenario.toml` and `manifest.json` into the output folder,
//! built in a staging folder and renamed into place when complete
//! (`folder.rs`).

use super::files::{write_atomic, write_json};
use super::input::{self, Adjust, Output};
use super::progress::Progress;
use super::{Interrupted, ScenarioArgs, bad, stop};
use normshift::outcomes::sum;
use normshift::output;
use normshift::run::{Job, RunResult};
use std::time::{Instant, SystemTime};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub adjust: Adjust,
    /// Run only these strategies (comma-separated or repeated). Default: all.
    #[arg(long, value_delimiter = ',')]
    pub strategy: Vec<String>,
    /// Run one replicate whose own seed is this (the `seed` column of a
    /// sweep's or a run's runs.csv), 0 to 18446744073709551615: with that
    /// row's `--set` values and `--strategy`, it gives that row again.
    #[arg(long, value_name = "SEED", conflicts_with_all = ["seed", "reps"])]
    pub run_seed: Option<u64>,
    #[command(flatten)]
    pub output: Output,
}

/// Set the global thread pool's size.
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<usize> {
    if let Some(t) = super::limits::threads(threads)? {
        rayon::ThreadPoolBuilder::new().num_threads(t).build_global().ok();
    }
    Ok(rayon::current_num_threads())
}

/// Indices of the strategies named on the command line (all if none).
pub fn pick_strategies(s: &normshift::scenario::Scenario, names: &[String]) -> anyhow::Result<Vec<usize>> {
    if names.is_empty() {
        return Ok((0..s.strategies.len()).collect());
    }
    let all: Vec<&str> = s.strategies.iter().map(|x| x.name.as_str()).collect();
    let mut picked = Vec::new();
    for n in names {
        let n = n.trim();
        let k = all
            .iter()
            .position(|x| *x == n)
            .ok_or_else(|| bad(format!("--strategy: no strategy named `{n}`; this scenario has: {}", all.join(", "))))?;
        if !picked.contains(&k) {
            picked.push(k);
        }
    }
    Ok(picked)
}

pub fn run(mut args: RunArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    if let Some(seed) = args.run_seed {
        // Replicate 0 of this master seed has exactly the seed asked for.
        args.adjust.seed = Some(normshift::rng::master_seed_for(seed));
        args.adjust.reps = Some(1);
    }
    super::limits::reps(args.adjust.reps, "")?;
    super::limits::threads(args.output.threads)?;
    let input = input::load(&args.scenario, &args.adjust)?;
    let strategies = pick_strategies(&input.scenario, &args.strategy)?;
    let s = &input.scenario;
    let out = args.output.folder(&s.name);
    let staging = args.output.prepare(&out, "run", s)?;
    let threads = set_threads(args.output.threads)?;
    check_memory(s, input.loaded.as_ref(), threads.min(s.replicates as usize))?;

    let mut job = Job::all(s);
    job.strategies = strategies;
    job.reach = vec![1.0; job.strategies.len()];
    job.loaded = input.loaded.as_ref();
    job.stop = Some(stop::flag());
    let progress = Progress::new(job.len(), "run");
    let t0 = Instant::now();
    let results = job.try_run(&|_| progress.tick());
    progress.finish();
    let results = results.map_err(|_| stopped(&out))?;
    let wall = t0.elapsed().as_secs_f64();

    let dir = &staging.dir;
    let written = (|| -> anyhow::Result<()> {
        write_tables(dir, &results)?;
        let saved = super::saved::saved_toml(&input.text, s)?;
        write_atomic(&dir.join("scenario.toml"), |w| w.write_all(saved.as_bytes()))?;
        let more = match args.run_seed {
            Some(r) => serde_json::json!({ "run_seed": r }),
            None => serde_json::json!({}),
        };
        let manifest = Manifest { command: "run", origin: &input.origin, scenario: s, threads, started, wall, more };
        write_manifest(dir, &manifest, &results)?;
        if !args.output.no_plots {
            super::plot::draw_folder(dir, &out)?;
        }
        Ok(())
    })();
    written.map_err(|e| staging.named(e))?;
    staging.commit()?;
    print_summary(s, &results, &out, wall);
    Ok(())
}

/// The error of a `run` or `compare` stopped by Ctrl-C or SIGTERM.
pub fn stopped(out: &std::path::Path) -> anyhow::Error {
    anyhow::Error::new(Interrupted(format!("stopped; nothing was written to {} (it is as it was)", out.display())))
}

/// Write `timeseries.csv` and `runs.csv`.
pub fn write_tables(out: &std::path::Path, results: &[RunResult]) -> anyhow::Result<()> {
    write_atomic(&out.join("timeseries.csv"), |w| {
        writeln!(w, "{}", output::timeseries_header())?;
        for r in results {
            output::write_timeseries(w, r)?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("runs.csv"), |w| {
        writeln!(w, "{}", output::runs_header())?;
        for r in results {
            output::write_run(w, r)?;
        }
        Ok(())
    })?;
    if let Some(t) = results.iter().find_map(|r| r.trace.as_ref()) {
        write_atomic(&out.join("village_agents.csv"), |w| output::write_village_agents(w, t))?;
        write_atomic(&out.join("village_ties.csv"), |w| output::write_village_ties(w, t))?;
        write_atomic(&out.join("village_states.csv"), |w| output::write_village_states(w, results))?;
    }
    Ok(())
}

/// Refuse, before anything is allocated, a scenario whose replicates
/// running at once (`at_once`: one per thread, at most the replicates there
/// are) would not fit in the memory this machine has available
/// (`MemAvailable` in /proc/meminfo; not checked where that file is
/// missing).
pub fn check_memory(
    s: &normshift::scenario::Scenario,
    loaded: Option<&(normshift::population::Agents, normshift::network::Csr)>,
    at_once: usize,
) -> anyhow::Result<()> {
    let Some(available) = meminfo_bytes("/proc/meminfo", "MemAvailable:") else { return Ok(()) };
    let f = normshift::model::init::footprint(s, loaded);
    let at_once = at_once.max(1) as u64;
    let need = f.bytes.saturating_mul(at_once) + loaded.map_or(0, |(_, g)| g.bytes() as u64);
    if need > available {
        let gb = |b: u64| b as f64 / 1e9;
        let fix = if at_once > 1 {
            "use --threads 1 to run one replicate at a time, or fewer agents or ties"
        } else {
            "use fewer agents or ties"
        };
        return Err(bad(format!(
            "{}: needs about {:.1} GB of memory ({:.0} agents, about {:.0} ties, {:.1} GB per replicate, {at_once} at once) \
             but {:.1} GB is available; {fix}",
            s.name,
            gb(need),
            f.agents,
            f.ties,
            gb(f.bytes),
            gb(available)
        )));
    }
    Ok(())
}

/// [`check_memory`] for the largest of the `points` scenarios of a design
/// (a sweep or a sensitivity analysis), with `at_once` replicates of it held
/// at once. `scenario(i)` builds point `i`; the first point it refuses is
/// the error.
pub fn check_memory_largest(
    points: usize,
    scenario: impl Fn(usize) -> anyhow::Result<normshift::scenario::Scenario> + Sync,
    loaded: Option<&(normshift::population::Agents, normshift::network::Csr)>,
    at_once: usize,
) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let bytes: Vec<anyhow::Result<u64>> =
        (0..points).into_par_iter().map(|i| scenario(i).map(|s| normshift::model::init::footprint(&s, loaded).bytes)).collect();
    let mut largest: Option<(u64, usize)> = None;
    for (i, b) in bytes.into_iter().enumerate() {
        let b = b?;
        if largest.is_none_or(|(most, _)| b > most) {
            largest = Some((b, i));
        }
    }
    match largest {
        Some((_, i)) => check_memory(&scenario(i)?, loaded, at_once),
        None => Ok(()),
    }
}

/// A `kB` line of a /proc file (`MemAvailable:` of /proc/meminfo, `VmHWM:`
/// of /proc/self/status), in bytes.
fn meminfo_bytes(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let kb: u64 = text.lines().find_map(|l| l.strip_prefix(key))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// What a `run` or `compare` manifest records besides the runs.
pub struct Manifest<'a> {
    pub command: &'a str,
    pub origin: &'a str,
    pub scenario: &'a normshift::scenario::Scenario,
    pub threads: usize,
    pub started: SystemTime,
    pub wall: f64,
    /// The command's own fields (an object), e.g. compare's budget.
    pub more: serde_json::Value,
}

/// Write `manifest.json` (status `complete`: it is written last, into the
/// staging folder).
pub fn write_manifest(out: &std::path::Path, m: &Manifest<'_>, results: &[RunResult]) -> anyhow::Result<()> {
    let mut seen = std::collections::BTreeMap::new();
    for r in results {
        seen.entry(r.id.replicate).or_insert(r.build_seconds);
    }
    let build: f64 = seen.values().sum();
    let simulate: f64 = results.iter().map(|r| r.simulate_seconds).sum();
    let agent_steps: f64 = results.iter().map(|r| r.agent_steps).sum();
    let resolved = input::resolved_toml(m.scenario).unwrap_or_default();
    let mut strategies: Vec<&str> = Vec::new();
    for r in results {
        if !strategies.contains(&r.id.strategy.as_str()) {
            strategies.push(&r.id.strategy);
        }
    }
    let mut manifest = serde_json::json!({
        "normshift_version": env!("CARGO_PKG_VERSION"),
        "command": m.command,
        "command_line": std::env::args().collect::<Vec<_>>(),
        "scenario": m.origin,
        "scenario_name": m.scenario.name,
        "design_hash": normshift::sweep::digest(&format!("{resolved}\n--strategies {}\n{}", strategies.join(","), m.more)),
        "status": "complete",
        "seed": m.scenario.seed,
        "threads": m.threads,
        "runs": results.len(),
        "peak_memory_bytes": meminfo_bytes("/proc/self/status", "VmHWM:"),
        "start_time": humantime::format_rfc3339_seconds(m.started).to_string(),
        "end_time": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "timing": {
            "wall_seconds": m.wall,
            "build_seconds": build,
            "simulate_seconds": simulate,
            "agent_steps_per_second": if simulate > 0.0 { agent_steps / simulate } else { 0.0 },
        },
    });
    if let (Some(obj), serde_json::Value::Object(more)) = (manifest.as_object_mut(), m.more.clone()) {
        obj.extend(more);
    }
    write_json(&out.join("manifest.json"), &manifest)
}

fn print_summary(s: &normshift::scenario::Scenario, results: &[RunResult], out: &std::path::Path, wall: f64) {
    let agents = results.first().map_or(0, |r| r.agents);
    println!("{}: {} runs of {} months, about {} adults each, in {:.1} s", s.name, results.len(), s.steps, agents, wall);
    println!("{:<24} {:>10} {:>10} {:>11} {:>10} {:>10}", "strategy", "end %", "final %", "sanctions", "violence", "cost");
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.id.strategy.as_str()) {
            names.push(&r.id.strategy);
        }
    }
    for name in names {
        let rs: Vec<&RunResult> = results.iter().filter(|r| r.id.strategy == name).collect();
        let mean = |k: usize| rs.iter().map(|r| r.summary[k]).sum::<f64>() / rs.len() as f64;
        println!(
            "{:<24} {:>10.1} {:>10.1} {:>11.0} {:>10.0} {:>10.0}",
            name,
            100.0 * mean(sum::PARTICIPATION_END),
            100.0 * mean(sum::PARTICIPATION_FINAL),
            mean(sum::SANCTIONS_TOTAL),
            mean(sum::VIOLENCE_TOTAL),
            mean(sum::COST_TOTAL)
        );
    }
    println!("(means over replicates; end = month {} when the programme ends)", s.programme_end());
    println!("results in {}", out.display());
}
