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
//! depend on `--threads`. Not shardable: a generation's attempts are
//! taken in index order until enough are accepted, so a shard cannot know
//! where its range ends (docs/calibration.md says how to split the work).
//!
//! Writes, besides the journal: `posterior.csv`, `generations.csv`,
//! `parameters.csv`, `ppc.csv`, `scenario.toml` (the posterior attached as
//! its `[uncertain]` samples), `figures/posterior.*`, `figures/ppc.*`,
//! `report.html`, `manifest.json`. Every file is written atomically.

use super::files::{ensure_dir, write_atomic};
use super::input::{self, Adjust, Input};
use super::run::{check_memory, set_threads};
use super::{Interrupted, ScenarioArgs, bad, journal, limits, runner, stop};
use normshift::calibrate::abc::{Abc, AbcError, Attempt, Collector, Observer, Plan, Population, Settings, Stop};
use normshift::calibrate::fit::{
    Check, Marginal, Replayed, ScenarioPrior, checks, journal_header, journal_row, marginals, parse_journal_row, ppc_seed, replay, resample,
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
    #[arg(long, value_name = "FILE")]
    pub targets: PathBuf,
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
    let input = input::load(&args.scenario, &args.adjust)?;
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
    let tpath = args.targets.display().to_string();
    let ttext = input::read_text(&args.targets, "the targets file")?;
    let targets = parse_targets(&ttext, &tpath, s).map_err(|e| bad(e.to_string()))?;
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
    let ident = format!(
        "{resolved}\n{:?}\n{ttext}\nparticles {} generations {} budget {:?} tolerance {} min_acceptance {} quantile {} ppc {}",
        priors, args.particles, args.generations, args.budget, args.tolerance, args.min_acceptance, args.quantile, args.ppc
    );
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
    let rows_check = Rows { dim: keys.len(), stats: k };
    job.claim(&rows_check, args.resume, args.force)?;
    let threads = set_threads(threads)?;
    check_memory(s, input.loaded.as_ref(), threads)?;
    // Attempts evaluated at once: enough to keep every thread busy; the
    // results never depend on it.
    let settings = Settings { batch: (4 * threads).max(8), ..settings };
    let abc = Abc::new(&prior, &simulate, targets.observed(), targets.sds(), settings.clone()).map_err(|e| bad(abc_flag(&e)))?;

    let manifest = |status: &str, wall: f64, more: serde_json::Value| {
        let mut m = serde_json::json!({
            "targets": tpath,
            "parameters": keys,
            "particles": args.particles,
            "max_generations": args.generations,
            "budget": args.budget,
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

    // Replay what an earlier run journaled.
    let jpath = out.join(JOURNAL);
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
    let t0 = Instant::now();
    let result = match replayed {
        Replayed::Fresh => abc.run(None, &mut obs),
        Replayed::First(c) => abc.run_from(None, Some(c), &mut obs),
        Replayed::Later(r) => abc.run(Some(r), &mut obs),
    };
    let wall = t0.elapsed().as_secs_f64();
    let sim_failed = sim_error.lock().ok().and_then(|g| g.clone());
    let fit = match result {
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
    };
    let pop = &fit.population;
    let simulations: u64 = fit.history.iter().map(|g| g.simulations).sum();

    // Posterior predictive check: simulations at particles drawn by weight,
    // with seeds of their own.
    let n_ppc = args.ppc;
    let picks = resample(pop, n_ppc);
    let t1 = Instant::now();
    let ppc_sims: Vec<Vec<f64>> = picks
        .par_iter()
        .enumerate()
        .map(|(i, &j)| simulate_at(&input, &targets, priors, &pop.particles[j].theta, ppc_seed(s.seed, i)))
        .collect::<Result<_, String>>()
        .map_err(|e| anyhow::anyhow!("a predictive simulation failed: {e}"))?;
    let ppc_wall = t1.elapsed().as_secs_f64();
    if stop::stopped() {
        job.manifest(&manifest("interrupted", wall, serde_json::json!({})))?;
        return Err(anyhow::Error::new(Interrupted(format!(
            "stopped during the predictive check; run the same command with --resume to finish ({} keeps the fit)",
            out.display()
        ))));
    }
    let checks = checks(&targets.observed(), &targets.sds(), &ppc_sims);
    let margins = marginals(pop, &keys);

    let more = serde_json::json!({
        "stop": stop_name(fit.stop),
        "generations": fit.history.len(),
        "simulations": simulations,
        "final_tolerance": if pop.epsilon.is_finite() { serde_json::json!(pop.epsilon) } else { serde_json::Value::Null },
        "effective_sample_size": pop.ess(),
        "ppc_wall_seconds": ppc_wall,
    });
    let written = write_outputs(&out, &input, &targets, &tpath, priors, &keys, &fit, &margins, &checks, &ppc_sims, !args.no_plots);
    if let Err(e) = written {
        job.manifest(&manifest("failed", wall, more)).ok();
        return Err(e);
    }
    job.manifest(&manifest("complete", wall, more))?;
    print_summary(&input, &targets, priors, &fit, &margins, &checks, simulations, wall, threads);
    println!("results in {}", out.display());
    Ok(())
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
    targets: &Targets,
    tpath: &str,
    priors: &[Prior],
    keys: &[String],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    ppc_sims: &[Vec<f64>],
    plots: bool,
) -> anyhow::Result<()> {
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
        writeln!(w, "target,metric,strategy,vs,observed,sd,simulations,sim_mean,sim_q05,sim_q50,sim_q95,z,inside_90")?;
        for (t, c) in targets.targets.iter().zip(checks) {
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
    // posterior attached as the [uncertain] samples of posterior.csv.
    let mut sets = input.sets.clone();
    sets.extend(priors.iter().zip(margins).map(|(p, m)| p.set(m.q50)));
    let point = parse_scenario(&input.text, &input.origin, &sets).map_err(|e| anyhow::anyhow!("the posterior medians: {e}"))?;
    let mut text = super::saved::saved_toml(&input.text, &point)?;
    let source = format!(
        "normshift calibrate: posterior of {} given {} ({} particles, generation {}, tolerance {})",
        input.origin,
        tpath,
        pop.particles.len(),
        pop.generation + 1,
        tol(pop.epsilon)
    );
    text.push_str(
        "\n# The posterior of `normshift calibrate` (report.html): each key is drawn\n# jointly with the others from the weighted rows of posterior.csv. The\n# point values above are the posterior medians.\n[uncertain]\n",
    );
    for p in priors {
        text.push_str(&format!(
            "{} = {{ dist = \"samples\", file = \"posterior.csv\", source = {} }}\n",
            p.key,
            toml::Value::String(source.clone())
        ));
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
    if back.priors.list.len() != priors.len() {
        return Err(anyhow::anyhow!("the saved scenario.toml reads back with {} priors, not {}", back.priors.list.len(), priors.len()));
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
        let names: Vec<String> = targets.targets.iter().map(|t| t.name.clone()).collect();
        let ppc_fig = predictive(Predictive { names, checks: checks.to_vec() }, &o)?;
        let figures: Vec<normshift::plot::Figure> = [pairs_fig, ppc_fig].into_iter().flatten().collect();
        ensure_dir(&out.join("figures"))?;
        for f in &figures {
            write_atomic(&out.join(format!("figures/{}.svg", f.id)), |w| w.write_all(f.svg.as_bytes()))?;
            write_atomic(&out.join(format!("figures/{}.png", f.id)), |w| w.write_all(&f.png))?;
        }
        let html = report(input, targets, tpath, priors, fit, margins, checks, &figures);
        write_atomic(&out.join("report.html"), |w| w.write_all(html.as_bytes()))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn report(
    input: &Input,
    targets: &Targets,
    tpath: &str,
    priors: &[Prior],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    figures: &[normshift::plot::Figure],
) -> String {
    let pop = &fit.population;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Calibration of ");
    h.push_str(&esc(&input.scenario.name));
    h.push_str("</title><style>body{font-family:'Liberation Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}.warn{color:#a33}</style></head><body>\n");
    h.push_str(&format!(
        "<h1>Calibration of {}</h1>\n<p>Scenario <code>{}</code> fitted to the {} targets of <code>{}</code> by approximate Bayesian computation (ABC-SMC). {} generations, {} simulations; stopped because {}. The last generation was accepted at a distance of {} target sds; effective sample size {:.0} of {} particles.</p>\n",
        esc(&input.scenario.name),
        esc(&input.origin),
        targets.targets.len(),
        esc(tpath),
        fit.history.len(),
        fit.history.iter().map(|g| g.simulations).sum::<u64>(),
        stop_words(fit.stop),
        esc(&tol(pop.epsilon)),
        pop.ess(),
        pop.particles.len()
    ));
    let mut warnings = Vec::new();
    if pop.ess() < 0.1 * pop.particles.len() as f64 {
        warnings.push(format!(
            "The effective sample size ({:.0}) is below a tenth of the particles: a few particles carry the posterior.",
            pop.ess()
        ));
    }
    let outside = checks.iter().filter(|c| c.observed < c.q05 || c.observed > c.q95).count();
    if outside > 0 {
        warnings.push(format!("{outside} target(s) lie outside the band the posterior predicts: the model cannot reproduce them all at once with these priors."));
    }
    for (p, m) in priors.iter().zip(margins) {
        let (lo, hi) = p.dist.support();
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
    h.push_str("<h2>Parameters</h2>\n<table><tr><th>key</th><th>prior range</th><th>scenario value</th><th>posterior median</th><th>90% interval</th><th>source of the prior</th></tr>\n");
    for (p, m) in priors.iter().zip(margins) {
        let (lo, hi) = p.dist.support();
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
    h.push_str("</table>\n<h2>Targets: the posterior predictive check</h2>\n<table><tr><th>target</th><th>observed</th><th>sd</th><th>simulated median</th><th>5th-95th percentile</th><th>source</th></tr>\n");
    for (t, c) in targets.targets.iter().zip(checks) {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>\n",
            esc(&t.name),
            short(c.observed),
            short(c.sd),
            short(c.q50),
            short(c.q05),
            short(c.q95),
            esc(&t.source)
        ));
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

#[allow(clippy::too_many_arguments)]
fn print_summary(
    input: &Input,
    targets: &Targets,
    priors: &[Prior],
    fit: &normshift::calibrate::abc::Fit,
    margins: &[Marginal],
    checks: &[Check],
    simulations: u64,
    wall: f64,
    threads: usize,
) {
    let pop = &fit.population;
    println!(
        "{}: {} generations, {} simulations in {} ({:.2} simulations/s on {threads} threads); stopped: {}",
        input.scenario.name,
        fit.history.len(),
        simulations,
        seconds(wall),
        simulations as f64 / wall.max(1e-9),
        stop_words(fit.stop)
    );
    println!("last tolerance {}, effective sample size {:.0} of {} particles", tol(pop.epsilon), pop.ess(), pop.particles.len());
    println!("{:<44} {:>10} {:>10} {:>22}", "parameter", "prior", "median", "90% interval");
    for (p, m) in priors.iter().zip(margins) {
        let (lo, hi) = p.dist.support();
        println!(
            "{:<44} {:>10} {:>10} {:>22}",
            p.key,
            format!("{}-{}", short(lo), short(hi)),
            short(m.q50),
            format!("[{}, {}]", short(m.q05), short(m.q95))
        );
    }
    println!("{:<44} {:>10} {:>10} {:>22}", "target", "observed", "simulated", "5th-95th percentile");
    for (t, c) in targets.targets.iter().zip(checks) {
        let name: String = t.name.chars().take(44).collect();
        let mark = if c.observed < c.q05 || c.observed > c.q95 { " !" } else { "" };
        println!(
            "{:<44} {:>10} {:>10} {:>22}{mark}",
            name,
            short(c.observed),
            short(c.q50),
            format!("[{}, {}]", short(c.q05), short(c.q95))
        );
    }
}

fn short(x: f64) -> String {
    normshift::calibrate::plot::sig(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(seconds(12.0), "12 s");
        assert_eq!(seconds(600.0), "10 min");
        assert_eq!(seconds(7200.0), "2.0 h");
    }
}
