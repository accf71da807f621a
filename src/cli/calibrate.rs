//! `normshift calibrate SCENARIO --targets FILE`: fit the scenario's
//! `[uncertain]` priors to the observed statistics of a targets file by
//! ABC-SMC (`normshift::calibrate`), and write the posterior so that
//! `normshift compare DIR/scenario.toml` draws from it.
//!
//! A long job like `sweep`: the folder is claimed by the shared runner's
//! rules (`runner::Runner::claim`: `--resume` finishes this calibration's
//! own journal, `--force` starts over, another job's folder is refused),
//! `manifest.json` keeps the status (`running`, `complete`, `interrupted`,
//! `failed`), and every attempt taken is appended to `attempts.csv` and
//! flushed as its batch finishes, so a kill loses only the batch in flight
//! and `--resume` replays the journal into exactly the state the
//! uninterrupted run had (the outputs are byte-identical). Results do not
//! depend on `--threads`.
//!
//! Shardable round by round (a Slurm job array per round, then a merge):
//! `--shard I/N` evaluates its chunk of the round of attempt indices the
//! journal says is needed next (`fit::round`) into `rounds/`, without
//! touching the journal; `--merge` pushes the round's attempts into the
//! journal in index order, as the whole run takes them, then finishes the
//! calibration or marks the manifest `waiting` for the next round. The
//! outputs equal the whole run's byte for byte. `--hold-out NAME` leaves a
//! target out of the fit and reports its prediction against its evidence.
//!
//! Writes, besides the journal: `posterior.csv`, `generations.csv`,
//! `parameters.csv`, `ppc.csv`, `scenario.toml` (the posterior attached as
//! its `[uncertain]` samples), `figures/posterior.*`, `figures/ppc.*`,
//! `report.html`, `manifest.json`. Every file is written atomically.

use super::files::{ensure_dir, write_atomic};
use super::folder::{self, Holder};
use super::input::{self, Adjust, Input};
use super::run::{check_memory, set_threads};
use super::{Interrupted, ScenarioArgs, bad, journal, limits, runner, stop};
use normshift::calibrate::abc::{
    Abc, AbcError, Attempt, Bandwidth, Collector, Next, Observer, Outcome, Plan, Population, Progress, Settings, Stop,
};
use normshift::calibrate::fit::{
    Check, Marginal, Replayed, ScenarioPrior, checks, journal_header, journal_row, marginals, parse_journal_row, ppc_seed, replay,
    resample, round, standing,
};
use normshift::calibrate::plot::{Pairs, Predictive, pairs, predictive};
use normshift::calibrate::targets::{Targets, parse_targets};
use normshift::output::{csv_line, num};
use normshift::plot::report::{base64, esc};
use normshift::scenario::parse_scenario;
use normshift::sweep::digest;
use normshift::uncertainty::prior::{Prior, parse_posterior, parse_with_priors_reading};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

/// The journal's file name.
const JOURNAL: &str = "attempts.csv";

#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub adjust: Adjust,
    /// The targets file (TOML, `[[targets]]`; see docs/calibration.md).
    /// Default for a built-in scenario: its built-in targets
    /// (`scenarios/<name>-targets.toml`, e.g. the default's evidence).
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// Particles per generation (accepted parameter sets).
    #[arg(long, default_value_t = 500)]
    pub particles: usize,
    /// Most generations, the first (drawn from the priors) included.
    #[arg(long, default_value_t = 8)]
    pub generations: u32,
    /// Most simulations in all. Default: no limit.
    #[arg(long)]
    pub budget: Option<u64>,
    /// Stop once a generation is accepted at this tolerance (the distance is in target sds).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
    /// Stop when a generation would accept fewer than this share of its simulations.
    #[arg(long, default_value_t = 0.02)]
    pub min_acceptance: f64,
    /// Each tolerance is this weighted quantile of the last generation's distances.
    #[arg(long, default_value_t = 0.5)]
    pub quantile: f64,
    /// Simulations from the posterior for the predictive check.
    #[arg(long, default_value_t = 100)]
    pub ppc: usize,
    /// The perturbation kernel's covariance: `twice` the last generation's
    /// weighted covariance (Beaumont et al. 2009); that covariance times
    /// Silverman's factor squared (`silverman`, as pyABC: fewer
    /// simulations, but posteriors further from exact ones in our tests);
    /// or `olcm`, a covariance for each particle from the particles within
    /// the new tolerance (Filippi et al. 2013): fewer simulations where the
    /// posterior is correlated, little gain otherwise (docs/calibration.md
    /// section 3).
    #[arg(long, value_enum, default_value_t = KernelArg::Twice)]
    pub kernel: KernelArg,
    /// Output folder. Default: results/<scenario name>-calibrate/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads. Default: all cores. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Finish an interrupted calibration in its folder.
    #[arg(long)]
    pub resume: bool,
    /// Start over in --out, deleting whatever it holds.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Do not draw the figures or write report.html.
    #[arg(long)]
    pub no_plots: bool,
    /// Fit without the target of this name (repeatable): it is only
    /// predicted from the posterior, and the prediction is reported against
    /// its evidence (ppc.csv, report.html).
    #[arg(long = "hold-out", value_name = "NAME")]
    pub hold_out: Vec<String>,
    // --shard I/N: evaluate shard I of N of the round of attempts the
    // calibration needs next, in --out's rounds/; then --merge takes the
    // round in (docs/cluster.md).
    #[command(flatten)]
    pub sharding: journal::Sharding,
    /// Take the round the shards evaluated into the calibration in --out:
    /// finish it, or say which round is needed next (manifest status `waiting`).
    #[arg(long, conflicts_with = "resume")]
    pub merge: bool,
    /// Attempt indices per round of a sharded calibration (give the same to
    /// the shards and the merge). Default: the particles in generation 1,
    /// then twice the attempts the previous generation needed.
    #[arg(long, value_name = "N")]
    pub round: Option<u64>,
}

/// With --resume, refuse a calibration in `out` made with other flags,
/// naming them (`flags`: each flag, its key in the manifest and its value
/// now); the generic
/// refusal of [`runner::Runner::claim`] covers the scenario and targets.
fn resumable(out: &Path, hash: &str, flags: &[(&str, &str, serde_json::Value)]) -> anyhow::Result<()> {
    let Some(m) = journal::read_manifest(out) else { return Ok(()) };
    if folder::command_of(&m) != "calibrate" || m["design_hash"].as_str() == Some(hash) {
        return Ok(());
    }
    let differ: Vec<String> = flags
        .iter()
        .filter_map(|(flag, key, now)| {
            // A calibration begun before --kernel existed used `twice`.
            let then = match &m[*key] {
                serde_json::Value::Null if *key == "kernel" => serde_json::json!("twice"),
                v => v.clone(),
            };
            (then != *now).then(|| format!("{flag} {} there, {} now", show(&then), show(now)))
        })
        .collect();
    if differ.is_empty() {
        return Ok(());
    }
    Err(bad(format!(
        "--resume: {} holds a calibration made with other settings ({}); resume it with its own, choose another --out, or add --force to start over",
        out.display(),
        differ.join("; ")
    )))
}

/// A manifest value as a flag's value.
fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "none".to_string(),
        v => v.to_string(),
    }
}

/// Simulations the journal at `path` holds for generation `g` (numbered
/// from 0, as the journal numbers them); 0 if it cannot be read.
fn journaled_simulations(path: &Path, g: u32, dim: usize, statistics: usize) -> u64 {
    runner::complete_lines(path).map_or(0, |lines| {
        lines
            .iter()
            .filter_map(|l| parse_journal_row(l, dim, statistics))
            .filter(|(generation, a)| *generation == g && !matches!(a.outcome, Outcome::OutsidePrior))
            .count() as u64
    })
}

/// `--kernel`'s values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelArg {
    Twice,
    Silverman,
    Olcm,
}

impl KernelArg {
    fn bandwidth(self) -> Bandwidth {
        match self {
            KernelArg::Silverman => Bandwidth::Silverman,
            KernelArg::Twice => Bandwidth::Twice,
            KernelArg::Olcm => Bandwidth::Olcm,
        }
    }

    fn name(self) -> &'static str {
        match self {
            KernelArg::Silverman => "silverman",
            KernelArg::Twice => "twice",
            KernelArg::Olcm => "olcm",
        }
    }
}

/// Most particles and predictive simulations.
const MAX_PARTICLES: usize = 1_000_000;

/// The journal's rows, for the runner's resume check.
struct Rows {
    dim: usize,
    stats: usize,
}

impl runner::Work for Rows {
    type Done = ();
    fn units(&self) -> usize {
        0
    }
    fn row_ids(&self, _: usize) -> Vec<u64> {
        Vec::new()
    }
    fn run(&self, _: usize) -> anyhow::Result<Option<()>> {
        Ok(None)
    }
    fn rows(&self, _: usize, _: &()) -> Vec<(u64, String)> {
        Vec::new()
    }
    fn valid_row(&self, line: &str) -> bool {
        parse_journal_row(line, self.dim, self.stats).is_some()
    }
}

/// Run the scenario at parameter values `theta` with `seed`: the targets'
/// statistics, or why not.
fn simulate_at(input: &Input, targets: &Targets, priors: &[Prior], theta: &[f64], seed: u64) -> Result<Vec<f64>, String> {
    let mut sets = input.sets.clone();
    sets.extend(priors.iter().zip(theta).map(|(p, &x)| p.set(x)));
    let mut s = parse_scenario(&input.text, &input.origin, &sets).map_err(|e| {
        let at: Vec<String> = priors.iter().zip(theta).map(|(p, &x)| p.set(x)).collect();
        format!("the parameters {} make an invalid scenario: {e}", at.join(", "))
    })?;
    s.seed = seed;
    targets.simulate(&s, input.loaded.as_ref()).map_err(|e| e.to_string())
}

/// Journals each batch, reports progress, and asks the run to stop on
/// Ctrl-C, SIGTERM, a failed write or a failed simulation.
struct Journal<'a> {
    /// Simulations run by this invocation (attempts outside the prior
    /// run none).
    simulated: u64,
    file: std::fs::File,
    path: PathBuf,
    dim: usize,
    stats: usize,
    particles: usize,
    generations: u32,
    failed: Option<anyhow::Error>,
    sim_error: &'a Mutex<Option<String>>,
    generation_start: Instant,
    generation: Option<u32>,
    last_line: Instant,
}

impl Observer for Journal<'_> {
    fn batch(&mut self, plan: &Plan, c: &Collector, taken: &[Attempt]) {
        if self.failed.is_some() {
            return;
        }
        self.simulated += taken.iter().filter(|a| !matches!(a.outcome, Outcome::OutsidePrior)).count() as u64;
        let mut text = String::new();
        for a in taken {
            text.push_str(&journal_row(plan.generation, a, self.dim, self.stats));
            text.push('\n');
        }
        if let Err(e) = self.file.write_all(text.as_bytes()).and_then(|()| self.file.flush()) {
            self.failed = Some(anyhow::anyhow!("cannot write {}: {e}", self.path.display()));
            return;
        }
        if self.generation != Some(plan.generation) {
            self.generation = Some(plan.generation);
            self.generation_start = Instant::now();
        }
        if self.last_line.elapsed().as_secs_f64() >= 3.0 {
            self.last_line = Instant::now();
            let accepted = c.accepted().len();
            let elapsed = self.generation_start.elapsed().as_secs_f64();
            let left = if accepted > 0 {
                format!(
                    "about {} left in this generation",
                    seconds(elapsed * (self.particles - accepted.min(self.particles)) as f64 / accepted as f64)
                )
            } else {
                "time left unknown until a particle is accepted".to_string()
            };
            eprintln!(
                "calibrate: generation {} of at most {}, tolerance {}, {accepted}/{} particles accepted of {} simulations; {left}",
                plan.generation + 1,
                self.generations,
                tol(plan.epsilon),
                self.particles,
                c.simulations()
            );
        }
    }

    fn generation(&mut self, p: &Population) {
        eprintln!(
            "calibrate: generation {} done: tolerance {}, acceptance {:.1}%, effective sample size {:.0}, {} simulations in {}",
            p.generation + 1,
            tol(p.epsilon),
            100.0 * p.acceptance_rate(),
            p.ess(),
            p.simulations,
            seconds(self.generation_start.elapsed().as_secs_f64())
        );
        self.generation = None;
        self.generation_start = Instant::now();
    }

    fn stopped(&self) -> bool {
        self.failed.is_some() || stop::stopped() || self.sim_error.lock().map(|g| g.is_some()).unwrap_or(true)
    }
}

fn tol(e: f64) -> String {
    if e.is_finite() { format!("{e:.3}") } else { "none (the priors)".into() }
}

fn seconds(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

fn stop_words(s: Stop) -> &'static str {
    match s {
        Stop::TargetTolerance => "the target tolerance was reached",
        Stop::MaxGenerations => "the most generations (--generations) were made",
        Stop::MinAcceptanceRate => "the next generation's acceptance rate fell below --min-acceptance (its particles were dropped)",
        Stop::Budget => "the budget of simulations (--budget) was spent",
        Stop::BudgetLeft => {
            "what was left of the budget (--budget) was less than the next generation was expected to need, so it was not started"
        }
        Stop::Stalled => "the tolerance stopped falling",
        Stop::Attempts => "a generation ran out of attempts",
    }
}

fn stop_name(s: Stop) -> &'static str {
    match s {
        Stop::TargetTolerance => "target_tolerance",
        Stop::MaxGenerations => "max_generations",
        Stop::MinAcceptanceRate => "min_acceptance",
        Stop::Budget => "budget",
        Stop::BudgetLeft => "budget_left",
        Stop::Stalled => "stalled",
        Stop::Attempts => "attempts",
    }
}

pub fn calibrate(args: CalibrateArgs) -> anyhow::Result<()> {
    let started = SystemTime::now();
    limits::reps(args.adjust.reps, "")?;
    let threads = limits::threads(args.threads)?;
    if !(2..=MAX_PARTICLES).contains(&args.particles) {
        return Err(bad(format!("--particles {}: give 2 to {MAX_PARTICLES} (a few hundred or more for stable intervals)", args.particles)));
    }
    if args.ppc > MAX_PARTICLES {
        return Err(bad(format!("--ppc {}: at most {MAX_PARTICLES}", args.ppc)));
    }
    let shard = args.sharding.resolve()?;
    let rounds = shard.is_some() || args.merge;
    if shard.is_some() && args.merge {
        return Err(bad(
            "--shard and --merge: a shard evaluates its part of a round, --merge takes the round in; run them as separate commands",
        ));
    }
    if rounds && args.force {
        return Err(bad(format!(
            "--force with {}: the folder of a sharded calibration is shared by its shards and merges; delete it yourself to start over",
            if args.merge { "--merge" } else { "--shard" }
        )));
    }
    match args.round {
        Some(_) if !rounds => return Err(bad("--round: only with --shard or --merge (a calibration evaluated round by round)")),
        Some(0) => return Err(bad("--round 0: give 1 or more attempt indices per round")),
        _ => {}
    }
    let mut input = input::load(&args.scenario, &args.adjust)?;
    // A scenario that ships a fitted posterior (keys with the prior they
    // were fitted from, `prior = { ... }`) is fitted again from those
    // priors, on those keys alone: the other priors stay at their point
    // values, as in the fit that made the posterior (the default's other
    // priors are `compare`'s, not the fit's).
    let refit: Vec<String> = input.priors.list.iter().filter(|p| p.fit.is_some()).map(|p| p.key.clone()).collect();
    // Said once the inputs are known to be good (after the targets).
    let mut note = None;
    if !refit.is_empty() {
        let (fitted, held): (Vec<_>, Vec<_>) = std::mem::take(&mut input.priors.list).into_iter().partition(|p| p.fit.is_some());
        if !held.is_empty() {
            note = Some(format!(
                "calibrate: {} ships a posterior of {}; fitting those {} again from the priors it records; {} other priors stay at their point values",
                input.origin,
                refit.join(", "),
                refit.len(),
                held.len()
            ));
        }
        input.priors.list = fitted;
        for p in &mut input.priors.list {
            if let Some(f) = p.fit.take() {
                p.dist = f;
                // What the prior rests on, not the words of the fit it
                // replaces ("...; prior: <its source>").
                if let Some((_, prior)) = p.source.split_once("; prior: ") {
                    p.source = prior.to_string();
                }
            }
        }
    }
    let (tpath, ttext) = match &args.targets {
        Some(path) => (path.display().to_string(), input::read_text(path, "the targets file")?),
        None => builtin_targets(&input)?,
    };
    let s = &input.scenario;
    if input.priors.is_empty() {
        let why = if input.priors.fixed.is_empty() {
            "the scenario declares no [uncertain] priors to fit; add an [uncertain] table with a prior for each parameter to fit (docs/uncertainty.md, docs/calibration.md)".to_string()
        } else {
            format!("no [uncertain] priors left to fit: --set fixed every one ({})", input.priors.fixed.join(", "))
        };
        return Err(bad(format!("{}: {why}", input.origin)));
    }
    let priors = &input.priors.list;
    let prior = ScenarioPrior::new(priors).map_err(|e| bad(format!("{}: {e}", input.origin)))?;
    let keys: Vec<String> = priors.iter().map(|p| p.key.clone()).collect();
    // Every target, and those fitted (all but the held-out ones).
    let all = parse_targets(&ttext, &tpath, s).map_err(|e| bad(e.to_string()))?;
    for name in &args.hold_out {
        if !all.targets.iter().any(|t| &t.name == name) {
            let names: Vec<String> = all.targets.iter().map(|t| format!("\"{}\"", t.name)).collect();
            return Err(bad(format!("--hold-out \"{name}\": {tpath} has no target of that name; its targets are {}", names.join(", "))));
        }
    }
    let held: Vec<bool> = all.targets.iter().map(|t| args.hold_out.contains(&t.name)).collect();
    if held.iter().all(|&h| h) {
        return Err(bad(format!("--hold-out: every target of {tpath} is held out; leave at least one to fit")));
    }
    let targets = Targets { targets: all.targets.iter().zip(&held).filter(|(_, h)| !**h).map(|(t, _)| t.clone()).collect() };
    if let Some(note) = note {
        eprintln!("{note}");
    }
    let k = targets.targets.len();
    let settings = Settings {
        particles: args.particles,
        quantile: args.quantile,
        min_epsilon: args.tolerance,
        min_acceptance: args.min_acceptance,
        max_generations: args.generations,
        budget: args.budget.unwrap_or(u64::MAX),
        batch: 1,
        seed: s.seed,
        observation_noise: true,
        bandwidth: args.kernel.bandwidth(),
    };
    let sim_error: Mutex<Option<String>> = Mutex::new(None);
    let simulate = |theta: &[f64], seed: u64| -> Vec<f64> {
        match simulate_at(&input, &targets, priors, theta, seed) {
            Ok(v) => v,
            Err(e) => {
                if let Ok(mut g) = sim_error.lock() {
                    g.get_or_insert(e);
                }
                vec![f64::NAN; k]
            }
        }
    };
    // Settings checked before the folder is touched (batch set below).
    Abc::new(&prior, &simulate, targets.observed(), targets.sds(), settings.clone()).map_err(|e| bad(abc_flag(&e)))?;

    let resolved = input::resolved_toml(s)?;
    let mut ident = format!(
        "{resolved}\n{:?}\n{ttext}\nparticles {} generations {} budget {:?} tolerance {} min_acceptance {} quantile {} ppc {}",
        priors, args.particles, args.generations, args.budget, args.tolerance, args.min_acceptance, args.quantile, args.ppc
    );
    // The default kernel adds nothing, so that a calibration begun before
    // --kernel existed (with that kernel) still resumes.
    if args.kernel != KernelArg::Twice {
        ident.push_str(&format!("\nkernel {}", args.kernel.name()));
    }
    if !args.hold_out.is_empty() {
        ident.push_str(&format!("\nheld out {:?}", held));
    }
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(format!("{}-calibrate", s.name)));
    let job = runner::Runner {
        command: "calibrate",
        dir: out.clone(),
        journal: JOURNAL,
        header: journal_header(&keys, k),
        hash: digest(&ident),
        shard: None,
        scenario_name: s.name.clone(),
        what: "calibration",
    };
    if rounds {
        rounds_folder(&out, &job.hash)?;
    } else {
        let rows_check = Rows { dim: keys.len(), stats: k };
        if args.resume {
            resumable(
                &out,
                &job.hash,
                &[
                    ("--kernel", "kernel", serde_json::json!(args.kernel.name())),
                    ("--particles", "particles", serde_json::json!(args.particles)),
                    ("--generations", "max_generations", serde_json::json!(args.generations)),
                    ("--budget", "budget", serde_json::json!(args.budget)),
                    ("--tolerance", "tolerance", serde_json::json!(args.tolerance)),
                    ("--min-acceptance", "min_acceptance", serde_json::json!(args.min_acceptance)),
                    ("--quantile", "quantile", serde_json::json!(args.quantile)),
                    ("--ppc", "ppc_simulations", serde_json::json!(args.ppc)),
                    ("--hold-out", "held_out", serde_json::json!(args.hold_out)),
                ],
            )?;
        }
        job.claim(&rows_check, args.resume, args.force)?;
    }
    let threads = set_threads(threads)?;
    check_memory(s, input.loaded.as_ref(), threads)?;
    // Attempts evaluated at once: enough to keep every thread busy; the
    // results never depend on it.
    let settings = Settings { batch: (4 * threads).max(8), ..settings };
    let abc = Abc::new(&prior, &simulate, targets.observed(), targets.sds(), settings.clone()).map_err(|e| bad(abc_flag(&e)))?;
    let layout =
        Layout { out: &out, hash: &job.hash, header: &job.header, dim: keys.len(), stats: k, particles: args.particles, round: args.round };
    if let Some(shard) = shard {
        return run_shard(&abc, &layout, shard, settings.batch, &sim_error);
    }

    let manifest = |status: &str, wall: f64, more: serde_json::Value| {
        let mut m = serde_json::json!({
            "targets": tpath,
            "parameters": keys,
            "held_out": args.hold_out,
            "particles": args.particles,
            "max_generations": args.generations,
            "budget": args.budget,
            "kernel": args.kernel.name(),
            "tolerance": args.tolerance,
            "min_acceptance": args.min_acceptance,
            "quantile": args.quantile,
            "ppc_simulations": args.ppc,
            "seed": s.seed,
            "replicates_per_simulation": s.replicates,
            "observation_noise": true,
            "threads": threads,
            "wall_seconds": wall,
        });
        if let (Some(m), serde_json::Value::Object(more)) = (m.as_object_mut(), more) {
            m.extend(more);
        }
        journal::manifest("calibrate", &input.origin, &s.name, &job.hash, status, started, m)
    };
    ensure_dir(&out)?;
    job.manifest(&manifest("running", 0.0, serde_json::json!({})))?;
    let jpath = out.join(JOURNAL);

    let t0 = Instant::now();
    // Simulations this invocation ran, whether or not a generation they
    // belong to was finished (the budget can cut the last one short), and
    // whether it started afresh (then they are all the run's).
    let (mut ran_here, mut fresh) = (0u64, false);
    let fit = if args.merge {
        let merged = merge_rounds(&abc, &layout, &sim_error);
        let wall = t0.elapsed().as_secs_f64();
        match merged {
            Ok(Merged::Done(fit)) => fit,
            Ok(Merged::Waiting { generation, round, have }) => {
                let next = serde_json::json!({
                    "rounds": true,
                    "next_round": {
                        "generation": generation + 1,
                        "first_attempt": round.start,
                        "last_attempt": round.end - 1,
                        "evaluated": have,
                    },
                });
                job.manifest(&manifest("waiting", wall, next))?;
                println!(
                    "{}: waiting for generation {}'s round of attempts {} to {} ({have} of {} evaluated); run its shards (--shard I/N), then --merge again",
                    out.display(),
                    generation + 1,
                    round.start,
                    round.end - 1,
                    round.end - round.start
                );
                return Ok(());
            }
            Err(e) => {
                job.manifest(&manifest("failed", wall, serde_json::json!({}))).ok();
                return Err(e);
            }
        }
    } else {
        // Replay what an earlier run journaled.
        let mut journaled = Vec::new();
        if jpath.exists() {
            for (n, line) in runner::complete_lines(&jpath)?.iter().enumerate() {
                let row = parse_journal_row(line, keys.len(), k)
                    .ok_or_else(|| bad(format!("{}:{}: not a row this calibration wrote: {line}", jpath.display(), n + 2)))?;
                journaled.push(row);
            }
        }
        let resumed_attempts = journaled.len();
        let replayed = replay(&abc, journaled)
            .map_err(|e| bad(format!("{}: the journal does not replay ({e}); start over with --force", jpath.display())))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&jpath)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", jpath.display()))?;
        let mut obs = Journal {
            simulated: 0,
            file,
            path: jpath.clone(),
            dim: keys.len(),
            stats: k,
            particles: args.particles,
            generations: args.generations,
            failed: None,
            sim_error: &sim_error,
            generation_start: Instant::now(),
            generation: None,
            last_line: Instant::now(),
        };
        if obs.file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
            writeln!(obs.file, "{}", job.header)
                .and_then(|()| obs.file.flush())
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", jpath.display()))?;
        }
        if resumed_attempts > 0 {
            eprintln!("calibrate: resuming after {resumed_attempts} journaled attempts");
        }
        let result = match replayed {
            Replayed::Fresh => abc.run(None, &mut obs),
            Replayed::First(c) => abc.run_from(None, Some(c), &mut obs),
            Replayed::Later(r) => abc.run(Some(r), &mut obs),
        };
        let wall = t0.elapsed().as_secs_f64();
        (ran_here, fresh) = (obs.simulated, resumed_attempts == 0);
        let sim_failed = sim_error.lock().ok().and_then(|g| g.clone());
        match result {
            Ok(fit) => fit,
            Err(e) => {
                if let Some(m) = sim_failed {
                    job.manifest(&manifest("failed", wall, serde_json::json!({}))).ok();
                    return Err(anyhow::anyhow!("a simulation failed: {m}"));
                }
                if let Some(f) = obs.failed.take() {
                    job.manifest(&manifest("failed", wall, serde_json::json!({}))).ok();
                    return Err(f);
                }
                if e == AbcError::Interrupted {
                    job.manifest(&manifest("interrupted", wall, serde_json::json!({})))?;
                    return Err(anyhow::Error::new(Interrupted(format!(
                        "stopped; {} keeps every attempt taken: run the same command with --resume to finish",
                        out.display()
                    ))));
                }
                job.manifest(&manifest("failed", wall, serde_json::json!({}))).ok();
                return Err(anyhow::anyhow!("calibration failed: {e}"));
            }
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let pop = &fit.population;
    let simulations: u64 = fit.history.iter().map(|g| g.simulations).sum();

    // Posterior predictive check: simulations at particles drawn by weight,
    // with seeds of their own, of every target (held-out ones included).
    let n_ppc = args.ppc;
    let picks = resample(pop, n_ppc);
    let t1 = Instant::now();
    let ppc_sims: Vec<Vec<f64>> = picks
        .par_iter()
        .enumerate()
        .map(|(i, &j)| simulate_at(&input, &all, priors, &pop.particles[j].theta, ppc_seed(s.seed, i)))
        .collect::<Result<_, String>>()
        .map_err(|e| anyhow::anyhow!("a predictive simulation failed: {e}"))?;
    let ppc_wall = t1.elapsed().as_secs_f64();
    if stop::stopped() {
        job.manifest(&manifest("interrupted", wall, serde_json::json!({})))?;
        let again = if args.merge { "run the same command (--merge) again" } else { "run the same command with --resume" };
        return Err(anyhow::Error::new(Interrupted(format!(
            "stopped during the predictive check; {again} to finish ({} keeps the fit)",
            out.display()
        ))));
    }
    let checks = checks(&all.observed(), &all.sds(), &ppc_sims);
    let margins = marginals(pop, &keys);

    // Simulations of a generation the run did not finish (cut short by the
    // budget): those of this invocation, or, after --resume, every one the
    // journal holds for it.
    let attempted = if fresh {
        ran_here.max(simulations)
    } else if args.merge {
        simulations
    } else {
        simulations + journaled_simulations(&jpath, fit.history.len() as u32, keys.len(), k)
    };
    let more = serde_json::json!({
        "stop": stop_name(fit.stop),
        "generations": fit.history.len(),
        "simulations": simulations,
        "simulations_cut_short": attempted - simulations,
        "final_tolerance": if pop.epsilon.is_finite() { serde_json::json!(pop.epsilon) } else { serde_json::Value::Null },
        "effective_sample_size": pop.ess(),
        "ppc_wall_seconds": ppc_wall,
        "rounds": args.merge,
    });
    let fitted = Fitted { all: &all, held: &held, tpath: &tpath, cut_short: attempted - simulations, kernel: args.kernel };
    let written = write_outputs(&out, &input, &fitted, priors, &keys, &fit, &margins, &checks, &ppc_sims, !args.no_plots);
    if let Err(e) = written {
        job.manifest(&manifest("failed", wall, more)).ok();
        return Err(e);
    }
    job.manifest(&manifest("complete", wall, more))?;
    print_summary(&input, &fitted, priors, &fit, &margins, &checks, (simulations, ran_here), wall, threads);
    println!("results in {}", out.display());
    Ok(())
}

/// The targets of a calibration: all of the file's, which of them were
/// held out of the fit (predicted only), and the file's name.
struct Fitted<'a> {
    all: &'a Targets,
    held: &'a [bool],
    tpath: &'a str,
    /// Simulations of a generation the budget cut short: run, but not
    /// part of the fit (0 on a resumed run, which does not count them).
    cut_short: u64,
    /// The perturbation kernel, named in the posterior's source when it is
    /// not the default.
    kernel: KernelArg,
}

// ---------------------------------------------------------------------------
// A calibration evaluated round by round: shards of a job array, then a merge.
//
// A generation's attempt indices are cut into rounds (`fit::round`). A
// shard (`--shard I/N`) reads the folder's journal (never writing it),
// finds the round the run needs next, and evaluates the I-th of N chunks of
// its indices into `rounds/<round>/shard-I-of-N.csv` (appended and flushed
// batch by batch, so a killed shard resumes where it was). A merge
// (`--merge`) pushes the round's attempts into the journal in index order,
// exactly as the whole run takes them, until the generation is full; then
// it either finishes the calibration (the same outputs as the whole run) or
// says which round is needed next (manifest status `waiting`).

/// Where the rounds of a calibration live, and the shape of its rows.
struct Layout<'a> {
    out: &'a Path,
    hash: &'a str,
    header: &'a str,
    dim: usize,
    stats: usize,
    particles: usize,
    round: Option<u64>,
}

impl Layout<'_> {
    fn round_dir(&self, generation: u32, r: &std::ops::Range<u64>) -> PathBuf {
        self.out.join("rounds").join(format!("gen-{:03}-attempts-{}-{}", generation + 1, r.start, r.end - 1))
    }
}

/// A sharded calibration's folder: missing, empty, this calibration's, or
/// (before the first merge) holding only the shards' `rounds/`.
fn rounds_folder(out: &Path, hash: &str) -> anyhow::Result<()> {
    folder::check_writable(out)?;
    match folder::inspect(out)? {
        Holder::Missing | Holder::Empty => Ok(()),
        Holder::Results(m) if folder::command_of(&m) == "calibrate" && m["design_hash"].as_str() == Some(hash) => Ok(()),
        Holder::Results(m) => Err(bad(format!(
            "{} holds {} (another scenario, targets or settings); give each calibration its own --out",
            out.display(),
            if folder::command_of(&m) == "calibrate" {
                "another calibration".to_string()
            } else {
                format!("the results of `normshift {}`", folder::command_of(&m))
            }
        ))),
        Holder::Foreign => {
            let entries = std::fs::read_dir(out).map_err(|e| bad(format!("{}: {e}", out.display())))?;
            let only_rounds = entries.filter_map(Result::ok).all(|e| e.file_name() == "rounds");
            if only_rounds {
                Ok(())
            } else {
                Err(bad(format!("{} holds files that are not a calibration's; choose another --out", out.display())))
            }
        }
    }
}

/// The complete lines of a file (header left out), read only: a partial
/// last line (a writer killed mid-line) is ignored.
fn complete_lines_read_only(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    Ok(text.split_inclusive('\n').filter(|l| l.ends_with('\n')).skip(1).map(|l| l.trim_end_matches('\n').to_string()).collect())
}

/// The journal's attempts, parsed; `read_only` leaves a partial last line
/// in place (shards), otherwise it is cut off (the journal's writer).
fn read_journal(l: &Layout<'_>, read_only: bool) -> anyhow::Result<Vec<(u32, Attempt)>> {
    let path = l.out.join(JOURNAL);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let lines = if read_only { complete_lines_read_only(&path)? } else { runner::complete_lines(&path)? };
    lines
        .iter()
        .enumerate()
        .map(|(n, line)| {
            parse_journal_row(line, l.dim, l.stats)
                .ok_or_else(|| bad(format!("{}:{}: not a row this calibration wrote: {line}", path.display(), n + 2)))
        })
        .collect()
}

/// Where the journal leaves the run, in the command's words.
fn standing_of<P, S>(abc: &Abc<'_, P, S>, l: &Layout<'_>, journaled: Vec<(u32, Attempt)>) -> anyhow::Result<Next>
where
    P: normshift::calibrate::abc::Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    standing(abc, journaled)
        .map_err(|e| bad(format!("{}: the journal does not replay ({e}); start over in a new folder", l.out.join(JOURNAL).display())))
}

/// `--shard I/N`: evaluate this shard's chunk of the round the run needs next.
fn run_shard<P, S>(
    abc: &Abc<'_, P, S>,
    l: &Layout<'_>,
    shard: (u32, u32),
    batch: usize,
    sim_error: &Mutex<Option<String>>,
) -> anyhow::Result<()>
where
    P: normshift::calibrate::abc::Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    let (i, n) = shard;
    let (history, plan, collector) = match standing_of(abc, l, read_journal(l, true)?)? {
        Next::Done(_) => {
            println!(
                "{}: the calibration needs no more attempts; shard {i}/{n} has nothing to do (run --merge to finish it)",
                l.out.display()
            );
            return Ok(());
        }
        Next::Open { history, plan, collector, .. } => (history, plan, collector),
    };
    let r = round(&history, collector.next(), l.particles, l.round);
    let part = runner::shard_range((r.end - r.start) as usize, Some(shard));
    let mine = (r.start + part.start as u64)..(r.start + part.end as u64);
    let dir = l.round_dir(plan.generation, &r);
    std::fs::create_dir_all(&dir).map_err(|e| bad(format!("cannot create {}: {e}", dir.display())))?;
    let about = dir.join("round.json");
    let stamp = serde_json::json!({
        "design_hash": l.hash,
        "generation": plan.generation + 1,
        "first_attempt": r.start,
        "last_attempt": r.end - 1,
    });
    match std::fs::read_to_string(&about).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok()) {
        Some(m) if m["design_hash"] != stamp["design_hash"] => {
            return Err(bad(format!("{}: a round of another calibration; give each calibration its own --out", dir.display())));
        }
        Some(_) => {}
        None => super::files::write_json(&about, &stamp)?,
    }
    let path = dir.join(format!("shard-{i:04}-of-{n:04}.csv"));
    let mut done = std::collections::BTreeSet::new();
    if path.exists() {
        for (ln, line) in runner::complete_lines(&path)?.iter().enumerate() {
            match parse_journal_row(line, l.dim, l.stats) {
                Some((g, a)) if g == plan.generation && mine.contains(&a.index) => {
                    done.insert(a.index);
                }
                _ => return Err(bad(format!("{}:{}: not an attempt of shard {i}/{n} of this round: {line}", path.display(), ln + 2))),
            }
        }
    }
    let name = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(name)?;
    if file.metadata().map_err(name)?.len() == 0 {
        writeln!(file, "{}", l.header).and_then(|()| file.flush()).map_err(name)?;
    }
    let todo: Vec<u64> = mine.clone().filter(|x| !done.contains(x)).collect();
    let t0 = Instant::now();
    let mut last_line = Instant::now();
    for (b, chunk) in todo.chunks(batch).enumerate() {
        if stop::stopped() {
            return Err(anyhow::Error::new(Interrupted(format!(
                "shard {i}/{n} stopped; {} keeps its finished attempts: run the same command to finish it",
                path.display()
            ))));
        }
        let attempts: Vec<Attempt> = chunk
            .par_iter()
            .map(|&x| abc.attempt(&plan, x))
            .collect::<Result<_, AbcError>>()
            .map_err(|e| anyhow::anyhow!("calibration failed: {e}"))?;
        if let Some(m) = sim_error.lock().ok().and_then(|g| g.clone()) {
            return Err(anyhow::anyhow!("a simulation failed: {m}"));
        }
        let mut text = String::new();
        for a in &attempts {
            text.push_str(&journal_row(plan.generation, a, l.dim, l.stats));
            text.push('\n');
        }
        file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(name)?;
        if last_line.elapsed().as_secs_f64() >= 3.0 {
            last_line = Instant::now();
            let finished = (b * batch + chunk.len()).min(todo.len());
            let elapsed = t0.elapsed().as_secs_f64();
            eprintln!(
                "calibrate: shard {i}/{n}, generation {}: {finished}/{} attempts; about {} left",
                plan.generation + 1,
                todo.len(),
                seconds(elapsed * (todo.len() - finished) as f64 / finished.max(1) as f64)
            );
        }
    }
    println!(
        "{}: shard {i}/{n} of generation {}'s round of attempts {} to {}: attempts {} to {} done ({} now) in {}; when every shard is done, run the same command with --merge",
        l.out.display(),
        plan.generation + 1,
        r.start,
        r.end - 1,
        mine.start,
        mine.end.saturating_sub(1).max(mine.start),
        todo.len(),
        seconds(t0.elapsed().as_secs_f64())
    );
    Ok(())
}

/// What a merge left.
enum Merged {
    /// The run is over: its fit.
    Done(normshift::calibrate::abc::Fit),
    /// It needs this round (0-based generation), of which `have` attempts
    /// are evaluated.
    Waiting { generation: u32, round: std::ops::Range<u64>, have: usize },
}

/// The attempts of round `r` of `generation` from its shard files, in index
/// order, if every index is there; and how many are.
fn read_round(l: &Layout<'_>, generation: u32, r: &std::ops::Range<u64>) -> anyhow::Result<(Option<Vec<Attempt>>, usize)> {
    let dir = l.round_dir(generation, r);
    if !dir.exists() {
        return Ok((None, 0));
    }
    let about = dir.join("round.json");
    if let Some(m) = std::fs::read_to_string(&about).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        && m["design_hash"].as_str() != Some(l.hash)
    {
        return Err(bad(format!("{}: a round of another calibration; give each calibration its own --out", dir.display())));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| bad(format!("{}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|f| f.to_str()).is_some_and(|f| f.starts_with("shard-") && f.ends_with(".csv")))
        .collect();
    files.sort();
    let mut got: std::collections::BTreeMap<u64, (String, Attempt)> = std::collections::BTreeMap::new();
    for path in &files {
        for (n, line) in complete_lines_read_only(path)?.into_iter().enumerate() {
            let (g, a) = parse_journal_row(&line, l.dim, l.stats)
                .filter(|(g, a)| *g == generation && r.contains(&a.index))
                .ok_or_else(|| bad(format!("{}:{}: not an attempt of this round: {line}", path.display(), n + 2)))?;
            debug_assert_eq!(g, generation);
            match got.get(&a.index) {
                Some((prev, _)) if *prev != line => {
                    return Err(bad(format!(
                        "{}:{}: attempt {} differs from the same attempt in another shard file of the round; shards of one calibration must run the same command",
                        path.display(),
                        n + 2,
                        a.index
                    )));
                }
                Some(_) => {}
                None => {
                    got.insert(a.index, (line, a));
                }
            }
        }
    }
    let have = got.len();
    if have as u64 == r.end - r.start { Ok((Some(got.into_values().map(|(_, a)| a).collect()), have)) } else { Ok((None, have)) }
}

/// `--merge`: push each evaluated round's attempts into the journal in index
/// order, as the whole run takes them, until the run is over or needs a
/// round that is not evaluated yet.
fn merge_rounds<P, S>(abc: &Abc<'_, P, S>, l: &Layout<'_>, sim_error: &Mutex<Option<String>>) -> anyhow::Result<Merged>
where
    P: normshift::calibrate::abc::Prior + ?Sized,
    S: Fn(&[f64], u64) -> Vec<f64> + Sync,
{
    let path = l.out.join(JOURNAL);
    let mut journaled = read_journal(l, false)?;
    let name = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(name)?;
    if file.metadata().map_err(name)?.len() == 0 {
        writeln!(file, "{}", l.header).and_then(|()| file.flush()).map_err(name)?;
    }
    loop {
        let (history, plan, mut collector) = match standing_of(abc, l, journaled.clone())? {
            Next::Done(fit) => return Ok(Merged::Done(fit)),
            Next::Open { history, plan, collector, .. } => (history, plan, collector),
        };
        let r = round(&history, collector.next(), l.particles, l.round);
        let (attempts, have) = read_round(l, plan.generation, &r)?;
        let Some(attempts) = attempts else {
            return Ok(Merged::Waiting { generation: plan.generation, round: r, have });
        };
        let mut text = String::new();
        let skip = (collector.next() - r.start) as usize;
        for a in attempts.into_iter().skip(skip) {
            text.push_str(&journal_row(plan.generation, &a, l.dim, l.stats));
            text.push('\n');
            journaled.push((plan.generation, a.clone()));
            if collector.push(a).map_err(|e| anyhow::anyhow!("calibration failed: {e}"))? != Progress::Open {
                break;
            }
        }
        file.write_all(text.as_bytes()).and_then(|()| file.flush()).map_err(name)?;
        if let Some(m) = sim_error.lock().ok().and_then(|g| g.clone()) {
            return Err(anyhow::anyhow!("a simulation failed: {m}"));
        }
        if stop::stopped() {
            return Err(anyhow::Error::new(Interrupted(format!(
                "stopped; {} keeps every attempt taken: run the same command (--merge) again to finish",
                l.out.display()
            ))));
        }
    }
}

/// An ABC settings error in the words of the command's flags.
fn abc_flag(e: &AbcError) -> String {
    match e {
        AbcError::Quantile(q) => format!("--quantile {q}: give a number strictly between 0 and 1"),
        AbcError::MinAcceptance(a) => format!("--min-acceptance {a}: give a share in [0, 1)"),
        AbcError::MinEpsilon(t) => format!("--tolerance {t}: give a finite number, 0 or more"),
        AbcError::MaxGenerations => "--generations 0: give 1 or more".into(),
        AbcError::Budget { budget, particles } => {
            format!("--budget {budget}: the first generation alone needs {particles} simulations (--particles); give at least that")
        }
        other => other.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn write_outputs(
    out: &Path,
    input: &Input,
    fitted: &Fitted<'_>,
    priors: &[Prior],
    keys: &[String],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    ppc_sims: &[Vec<f64>],
    plots: bool,
) -> anyhow::Result<()> {
    let (targets, tpath) = (fitted.all, fitted.tpath);
    let pop = &fit.population;
    // posterior.csv: the file compare reads back (full precision).
    let mut posterior = String::new();
    posterior
        .push_str(&csv_line(["particle".to_string()].into_iter().chain(keys.iter().cloned()).chain(["weight".into(), "distance".into()])));
    for (i, (p, w)) in pop.particles.iter().zip(&pop.weights).enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(p.theta.iter().map(f64::to_string));
        row.push(w.to_string());
        row.push(p.distance.to_string());
        posterior.push_str(&row.join(","));
        posterior.push('\n');
    }
    write_atomic(&out.join("posterior.csv"), |w| w.write_all(posterior.as_bytes()))?;
    write_atomic(&out.join("generations.csv"), |w| {
        writeln!(w, "generation,tolerance,particles,simulations,attempts,acceptance_rate,ess")?;
        // Counted from 1 (the priors), as in the report and progress lines.
        for g in &fit.history {
            writeln!(
                w,
                "{},{},{},{},{},{},{}",
                g.generation + 1,
                num(g.epsilon),
                g.particles,
                g.simulations,
                g.attempts,
                num(g.acceptance_rate),
                num(g.ess)
            )?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("parameters.csv"), |w| {
        writeln!(w, "key,prior_lo,prior_hi,point,mean,sd,q05,q50,q95,source")?;
        for (p, m) in priors.iter().zip(margins) {
            let (lo, hi) = p.dist.support();
            w.write_all(
                csv_line([
                    p.key.clone(),
                    num(lo),
                    num(hi),
                    p.point.map_or(String::new(), num),
                    num(m.mean),
                    num(m.sd),
                    num(m.q05),
                    num(m.q50),
                    num(m.q95),
                    p.source.clone(),
                ])
                .as_bytes(),
            )?;
        }
        Ok(())
    })?;
    write_atomic(&out.join("ppc.csv"), |w| {
        writeln!(w, "target,metric,strategy,vs,observed,sd,simulations,sim_mean,sim_q05,sim_q50,sim_q95,z,inside_90,held_out")?;
        for ((t, c), held) in targets.targets.iter().zip(checks).zip(fitted.held) {
            let inside = c.observed >= c.q05 && c.observed <= c.q95;
            w.write_all(
                csv_line([
                    t.name.clone(),
                    t.metric.clone(),
                    t.strategy.clone(),
                    t.vs.clone().unwrap_or_default(),
                    num(c.observed),
                    num(c.sd),
                    c.n.to_string(),
                    num(c.mean),
                    num(c.q05),
                    num(c.q50),
                    num(c.q95),
                    num(c.z),
                    inside.to_string(),
                    held.to_string(),
                ])
                .as_bytes(),
            )?;
        }
        Ok(())
    })?;
    // Every predictive simulation's statistics, for a closer look.
    write_atomic(&out.join("ppc_draws.csv"), |w| {
        writeln!(w, "simulation,{}", (1..=targets.targets.len()).map(|k| format!("stat_{k}")).collect::<Vec<_>>().join(","))?;
        for (i, row) in ppc_sims.iter().enumerate() {
            writeln!(w, "{i},{}", row.iter().map(f64::to_string).collect::<Vec<_>>().join(","))?;
        }
        Ok(())
    })?;

    // scenario.toml: the user's file at the posterior medians, with the
    // posterior attached as the [uncertain] samples of posterior.csv. A
    // fit's shorter run and fewer replicates (`--steps`, `--reps`, or the
    // same with --set) are how the fit was run, not the scenario: the
    // saved one keeps the file's months (its after-programme months too)
    // and replicates, for `compare`.
    // (A longer run than the file's is kept: the targets may need it.)
    let file_steps = input.text.parse::<toml::Table>().ok().and_then(|t| t.get("steps").and_then(toml::Value::as_integer));
    let shorter = file_steps.is_some_and(|f| i64::from(input.scenario.steps) < f);
    let run_only = |x: &String| input::sets_key(x, "replicates") || (shorter && input::sets_key(x, "steps"));
    let mut sets: Vec<String> = input.sets.iter().filter(|x| !run_only(x)).cloned().collect();
    sets.extend(priors.iter().zip(margins).map(|(p, m)| p.set(m.q50)));
    let point = parse_scenario(&input.text, &input.origin, &sets).map_err(|e| anyhow::anyhow!("the posterior medians: {e}"))?;
    let mut text = super::saved::saved_toml(&input.text, &point)?;
    let held_names: Vec<&str> = targets.targets.iter().zip(fitted.held).filter(|(_, h)| **h).map(|(t, _)| t.name.as_str()).collect();
    let source = format!(
        "normshift calibrate: posterior of {} given {}{} ({} particles, generation {}, tolerance {}{})",
        input.origin,
        tpath,
        if held_names.is_empty() { String::new() } else { format!(" without {}", held_names.join("; ")) },
        pop.particles.len(),
        pop.generation + 1,
        tol(pop.epsilon),
        if fitted.kernel == KernelArg::Twice { String::new() } else { format!(", kernel {}", fitted.kernel.name()) }
    );
    text.push_str(
        "\n# The posterior of `normshift calibrate` (report.html): each key is drawn\n# jointly with the others from the weighted rows of posterior.csv. The\n# point values above are the posterior medians.\n[uncertain]\n",
    );
    for p in priors {
        // The prior it was fitted from goes with it, so that the saved
        // scenario can be fitted again (`prior = { ... }`).
        let from = fitted_from(&input.priors.table, &p.key).map(|t| format!(", prior = {}", toml::Value::Table(t))).unwrap_or_default();
        // So does the prior's own source (a refit of a shipped posterior
        // keeps what its prior rests on, not the earlier fit's words).
        let prior_source = p.source.split_once("; prior: ").map_or(p.source.as_str(), |(_, rest)| rest);
        text.push_str(&format!(
            "{} = {{ dist = \"samples\", file = \"posterior.csv\", source = {}{from} }}\n",
            p.key,
            toml::Value::String(format!("{source}; prior: {prior_source}"))
        ));
    }
    // The scenario's other priors (those of a shipped posterior's
    // scenario that this fit held at their point values) stay for
    // `compare`, as written.
    let fitted_keys: Vec<&str> = priors.iter().map(|p| p.key.as_str()).collect();
    let mut kept = 0;
    for (key, entry) in prior_entries(&input.priors.table, "") {
        // (One that names another posterior file would not read back here.)
        if !fitted_keys.contains(&key.as_str()) && !input.priors.fixed.contains(&key) && !entry.contains_key("file") {
            text.push_str(&format!("{key} = {}\n", toml::Value::Table(entry)));
            kept += 1;
        }
    }
    // It must read back as compare will read it, with this posterior.
    let read = |name: &str| -> Result<(String, String), String> {
        if name == "posterior.csv" {
            Ok((out.join(name).display().to_string(), posterior.clone()))
        } else {
            Err(format!("{name}: not written"))
        }
    };
    let back = parse_with_priors_reading(&text, "scenario.toml", &[], &read)
        .map_err(|e| anyhow::anyhow!("the saved scenario.toml does not read back: {e}"))?;
    if back.priors.list.len() != priors.len() + kept {
        return Err(anyhow::anyhow!(
            "the saved scenario.toml reads back with {} priors, not {}",
            back.priors.list.len(),
            priors.len() + kept
        ));
    }
    parse_posterior(&posterior, "posterior.csv").map_err(|e| anyhow::anyhow!("posterior.csv does not read back: {e}"))?;
    write_atomic(&out.join("scenario.toml"), |w| w.write_all(text.as_bytes()))?;

    if plots {
        let o = normshift::plot::Options::default();
        let ranges: Vec<(f64, f64)> = priors.iter().map(|p| p.dist.support()).collect();
        let pairs_fig = pairs(
            Pairs {
                keys: keys.to_vec(),
                ranges,
                theta: pop.particles.iter().map(|p| p.theta.clone()).collect(),
                weights: pop.weights.clone(),
                mark: None,
            },
            &o,
        )?;
        let names: Vec<String> = targets
            .targets
            .iter()
            .zip(fitted.held)
            .map(|(t, &h)| if h { format!("{} (held out)", t.name) } else { t.name.clone() })
            .collect();
        let ppc_fig = predictive(Predictive { names, checks: checks.to_vec() }, &o)?;
        let figures: Vec<normshift::plot::Figure> = [pairs_fig, ppc_fig].into_iter().flatten().collect();
        ensure_dir(&out.join("figures"))?;
        for f in &figures {
            write_atomic(&out.join(format!("figures/{}.svg", f.id)), |w| w.write_all(f.svg.as_bytes()))?;
            write_atomic(&out.join(format!("figures/{}.png", f.id)), |w| w.write_all(&f.png))?;
        }
        let html = report(input, fitted, priors, fit, margins, checks, &figures);
        write_atomic(&out.join("report.html"), |w| w.write_all(html.as_bytes()))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn report(
    input: &Input,
    fitted: &Fitted<'_>,
    priors: &[Prior],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    figures: &[normshift::plot::Figure],
) -> String {
    let (targets, tpath, held) = (fitted.all, fitted.tpath, fitted.held);
    let n_held = held.iter().filter(|&&x| x).count();
    let pop = &fit.population;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Calibration of ");
    h.push_str(&esc(&input.scenario.name));
    h.push_str("</title><style>body{font-family:'Liberation Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}.warn{color:#a33}</style></head><body>\n");
    h.push_str(&format!(
        "<h1>Calibration of {}</h1>\n<p>Scenario <code>{}</code> fitted to {} targets of <code>{}</code>{} by approximate Bayesian computation (ABC-SMC). {} generations, {} simulations{}; stopped because {}. The last generation was accepted at a distance of {} target sds; effective sample size {:.0} of {} particles.</p>\n",
        esc(&input.scenario.name),
        esc(&input.origin),
        targets.targets.len() - n_held,
        esc(tpath),
        if n_held > 0 { format!(" ({n_held} more held out of the fit and only predicted: below)") } else { String::new() },
        fit.history.len(),
        fit.history.iter().map(|g| g.simulations).sum::<u64>(),
        if fitted.cut_short > 0 {
            format!(" (and {} in generation {}, cut short by the budget and not part of the fit)", fitted.cut_short, fit.history.len() + 1)
        } else {
            String::new()
        },
        stop_words(fit.stop),
        esc(&tol(pop.epsilon)),
        pop.ess(),
        pop.particles.len()
    ));
    let mut warnings = Vec::new();
    if fitted.kernel == KernelArg::Silverman {
        warnings.push(
            "Fitted with --kernel silverman: in normshift's tests with exact answers its posteriors came out further from them than the default kernel's (docs/calibration.md section 3); refit with the default kernel before handing this posterior on."
                .to_string(),
        );
    }
    if pop.ess() < 0.1 * pop.particles.len() as f64 {
        warnings.push(format!(
            "The effective sample size ({:.0}) is below a tenth of the particles: a few particles carry the posterior.",
            pop.ess()
        ));
    }
    let outside = checks.iter().zip(held).filter(|(c, h)| !**h && c.misses()).count();
    if outside > 0 {
        warnings.push(format!("{outside} target(s) lie outside the band the posterior predicts by more than their own uncertainty: the model cannot reproduce them all at once with these priors."));
    }
    let missed = checks.iter().zip(held).filter(|(c, h)| **h && c.misses()).count();
    if missed > 0 {
        warnings.push(format!(
            "{missed} held-out target(s) lie outside the band the posterior predicts by more than their own uncertainty: the fitted model does not predict them."
        ));
    }
    for (p, m) in priors.iter().zip(margins) {
        // Against the prior's own 90% range (a normal prior's support is
        // the key's whole range, which no posterior would span).
        let (lo, hi) = (p.dist.quantile(0.05), p.dist.quantile(0.95));
        if m.q95 - m.q05 > 0.8 * (hi - lo) {
            warnings.push(format!("`{}`: the posterior's 90% interval spans most of the prior; the targets say little about it.", p.key));
        }
    }
    if !warnings.is_empty() {
        h.push_str("<h2>Read with care</h2><ul class=\"warn\">");
        for w in &warnings {
            h.push_str(&format!("<li>{}</li>", esc(w)));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<h2>Parameters</h2>\n<table><tr><th>key</th><th>prior 90% range</th><th>scenario value</th><th>posterior median</th><th>90% interval</th><th>source of the prior</th></tr>\n");
    for (p, m) in priors.iter().zip(margins) {
        let (lo, hi) = (p.dist.quantile(0.05), p.dist.quantile(0.95));
        h.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{} to {}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>\n",
            esc(&p.key),
            short(lo),
            short(hi),
            p.point.map_or(String::new(), short),
            short(m.q50),
            short(m.q05),
            short(m.q95),
            esc(&p.source)
        ));
    }
    h.push_str("</table>\n<h2>Targets: the posterior predictive check</h2>\n<table><tr><th>target</th><th>in the fit</th><th>observed</th><th>sd</th><th>simulated median</th><th>5th-95th percentile</th><th>observed inside</th><th>missed (beyond its own 90% interval)</th><th>source</th></tr>\n");
    for ((t, c), &hd) in targets.targets.iter().zip(checks).zip(held) {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&t.name),
            if hd { "held out" } else { "fitted" },
            short(c.observed),
            short(c.sd),
            short(c.q50),
            short(c.q05),
            short(c.q95),
            if c.inside() { "yes" } else { "no" },
            if c.misses() { "yes" } else { "no" },
            esc(&t.source)
        ));
    }
    if n_held > 0 {
        h.push_str("</table>\n<h2>Held-out targets: predicted, not fitted</h2>\n<p>These targets were left out of the fit (<code>--hold-out</code>); the posterior predicts them. A model that predicts what it was not fitted to is more credible than one that only reproduces its targets.</p>\n<ul>\n");
        for ((t, c), _) in targets.targets.iter().zip(checks).zip(held).filter(|(_, h)| **h) {
            h.push_str(&format!("<li>{}</li>\n", esc(&held_out_sentence(&t.name, c))));
        }
        h.push_str("</ul>\n<table>");
    }
    h.push_str("</table>\n<h2>Generations</h2>\n<table><tr><th>generation</th><th>tolerance</th><th>simulations</th><th>acceptance rate</th><th>effective sample size</th></tr>\n");
    for g in &fit.history {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.0}</td></tr>\n",
            g.generation + 1,
            esc(&tol(g.epsilon)),
            g.simulations,
            100.0 * g.acceptance_rate,
            g.ess
        ));
    }
    h.push_str("</table>\n");
    for f in figures {
        h.push_str(&format!(
            "<h2>{}</h2>\n<p>{}</p>\n<img alt=\"{}\" src=\"data:image/png;base64,{}\">\n",
            esc(&f.title),
            esc(&f.caption),
            esc(&f.title),
            base64(&f.png)
        ));
    }
    h.push_str("<p>How to read this page, and when not to trust a fit: docs/calibration.md.</p>\n</body></html>\n");
    h
}

/// `text` cut to at most `width` characters at a word's end, with `…`.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let head: String = text.chars().take(width - 1).collect();
    let cut = head.rfind(' ').filter(|&k| k > width / 2).map_or(head.as_str(), |k| &head[..k]);
    format!("{}…", cut.trim_end())
}

#[allow(clippy::too_many_arguments)]
fn print_summary(
    input: &Input,
    fitted: &Fitted<'_>,
    priors: &[Prior],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    (simulations, ran_here): (u64, u64),
    wall: f64,
    threads: usize,
) {
    let pop = &fit.population;
    // Simulations of a generation the budget cut short count in the time
    // but not in the fit: say so, or the rate would read too low.
    let cut = if fitted.cut_short > 0 {
        format!(" (and {} in generation {}, cut short)", fitted.cut_short, fit.history.len() + 1)
    } else {
        String::new()
    };
    let ran = if ran_here > 0 { ran_here } else { simulations };
    println!(
        "{}: {} generations, {} simulations{cut}; {} run in {} ({:.2} simulations/s on {threads} threads); stopped: {}",
        input.scenario.name,
        fit.history.len(),
        simulations,
        ran,
        seconds(wall),
        ran as f64 / wall.max(1e-9),
        stop_words(fit.stop)
    );
    println!("last tolerance {}, effective sample size {:.0} of {} particles", tol(pop.epsilon), pop.ess(), pop.particles.len());
    // The prior's own 90% range beside the posterior's, so the narrowing
    // reads directly (a normal prior's support is the key's whole range).
    println!("{:<40} {:>20} {:>10} {:>20}", "parameter", "prior 90% range", "median", "90% interval");
    for (p, m) in priors.iter().zip(margins) {
        println!(
            "{:<40} {:>20} {:>10} {:>20}",
            p.key,
            format!("[{}, {}]", short(p.dist.quantile(0.05)), short(p.dist.quantile(0.95))),
            short(m.q50),
            format!("[{}, {}]", short(m.q05), short(m.q95))
        );
    }
    // z compares the observed value with the simulated mean (counting both
    // uncertainties); the median is shown too, as a skewed band's centre.
    println!("{:<40} {:>9} {:>9} {:>9} {:>20} {:>6}", "target", "observed", "sim mean", "median", "5th-95th percentile", "z");
    for ((t, c), &h) in fitted.all.targets.iter().zip(checks).zip(fitted.held) {
        let name = clip(&if h { format!("(held out) {}", t.name) } else { t.name.clone() }, 40);
        let mark = if c.misses() { " !" } else { "" };
        println!(
            "{:<40} {:>9} {:>9} {:>9} {:>20} {:>6}{mark}",
            name,
            short(c.observed),
            short(c.mean),
            short(c.q50),
            format!("[{}, {}]", short(c.q05), short(c.q95)),
            format!("{:.2}", c.z)
        );
    }
    if checks.iter().any(Check::misses) {
        println!(
            "!: missed: the evidence's own 90% interval (observed ± 1.645 sd) lies wholly outside the 5th-95th percentile band the posterior predicts (names are cut at 40 characters; ppc.csv has them whole)"
        );
    }
    if fitted.held.iter().any(|&h| h) {
        println!("Held out of the fit, predicted from the posterior:");
        for ((t, c), _) in fitted.all.targets.iter().zip(checks).zip(fitted.held).filter(|(_, h)| **h) {
            println!("  {}", held_out_sentence(&t.name, c));
        }
    }
}

/// A held-out target's prediction against its evidence, in words.
fn held_out_sentence(name: &str, c: &Check) -> String {
    format!(
        "\"{name}\": the evidence is {} (sd {}; 95% interval {} to {}); the posterior predicts {} (median; mean {}), 90% band {} to {}: the evidence lies {} the band; counting the evidence's own uncertainty, z = {:.2}: {}.",
        short(c.observed),
        short(c.sd),
        short(c.observed - 1.96 * c.sd),
        short(c.observed + 1.96 * c.sd),
        short(c.q50),
        short(c.mean),
        short(c.q05),
        short(c.q95),
        if c.inside() { "inside" } else { "outside" },
        c.z,
        if c.z.abs() <= 1.96 {
            "the prediction agrees with the evidence (|z| at most 1.96)"
        } else {
            "the prediction misses the evidence (|z| above 1.96)"
        }
    )
}

fn short(x: f64) -> String {
    normshift::calibrate::plot::sig(x)
}

/// The built-in targets of a built-in scenario (`scenarios/<name>-targets.toml`):
/// (name for messages, text), or why `--targets` is needed.
fn builtin_targets(input: &Input) -> anyhow::Result<(String, String)> {
    let none = || {
        bad(format!(
            "{}: give the targets with --targets FILE (docs/calibration.md); only a built-in scenario with built-in targets (the default) has them by itself",
            input.origin
        ))
    };
    let name = input.builtin.as_deref().ok_or_else(none)?;
    let path = format!("{name}-targets.toml");
    let text = normshift::scenario::builtin_file(&path).ok_or_else(none)?;
    Ok((format!("(built in) scenarios/{path}"), text.to_string()))
}

/// Every prior of an `[uncertain]` table: (dotted key as written, entry).
pub fn prior_entries(t: &toml::Table, prefix: &str) -> Vec<(String, toml::Table)> {
    let mut out = Vec::new();
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        if let toml::Value::Table(sub) = v {
            if sub.contains_key("dist") {
                out.push((key, sub.clone()));
            } else {
                out.extend(prior_entries(sub, &key));
            }
        }
    }
    out
}

/// The prior a key was fitted from, as written in the scenario's
/// `[uncertain]` table (`priors`): its own `prior = { ... }` when it was
/// already a posterior, else the entry itself; without its `source`.
fn fitted_from(priors: &toml::Table, key: &str) -> Option<toml::Table> {
    let mut t = priors;
    let parts: Vec<&str> = key.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        t = t.get(*part)?.as_table()?;
    }
    let entry = t.get(*parts.last()?)?.as_table()?;
    let mut from = match entry.get("prior") {
        Some(toml::Value::Table(p)) => p.clone(),
        _ => entry.clone(),
    };
    from.remove("source");
    Some(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_at_a_word() {
        assert_eq!(clip("short", 40), "short");
        assert_eq!(clip("a participation mandate leaves men's attitude unchanged", 40), "a participation mandate leaves men's…");
        assert!(clip("x".repeat(60).as_str(), 40).chars().count() == 40);
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(12.0), "12 s");
        assert_eq!(seconds(600.0), "10 min");
        assert_eq!(seconds(7200.0), "2.0 h");
    }
}
