//! The job queue of `normshift serve`: at most `running` comparisons run at
//! once on worker threads, at most `queued` wait, and any further request is
//! refused (the route answers 503). A job is cancelled when its page stops
//! polling for `abandon_after` or asks to (DELETE), between replicates.
//!
//! A job runs exactly what `normshift compare` runs: `run::Job` over the
//! scenario's replicates (each replicate by `Job::run_replicate`, the same
//! call `Job::run` makes, results sorted by run id), then
//! `compare::compare`, then the same tables, figures and report the CLI
//! writes, kept in memory. Never writes a file.

use super::Limits;
use super::scenario::Loaded;
use normshift::compare::{COLUMNS, Row, compare};
use normshift::output::{self, num};
use normshift::plot::uncertain::{Chance, acceptability, chances};
use normshift::plot::{self, Drawn, Options, Results, tables};
use normshift::run::{Job, RunResult};
use rayon::prelude::*;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where a job is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Queued,
    Running,
    Done,
    Failed(String),
    Cancelled(String),
}

impl Phase {
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Running => "running",
            Phase::Done => "done",
            Phase::Failed(_) => "failed",
            Phase::Cancelled(_) => "cancelled",
        }
    }
    fn finished(&self) -> bool {
        !matches!(self, Phase::Queued | Phase::Running)
    }
}

/// What a finished job produced.
pub struct Output {
    pub results: Vec<RunResult>,
    /// Strategies compared, baseline first.
    pub names: Vec<String>,
    pub rows: Vec<Row>,
    pub drawn: Drawn,
    /// The results folder `normshift compare` would write, file by file
    /// (relative name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// The traced village as the figures read it.
    pub village: Option<tables::Village>,
    /// Its layout (the figures'), worked out when the trainer's page first asks.
    pub layout: std::sync::OnceLock<plot::network::Layout>,
    /// Seconds running the replicates, and drawing the figures and report.
    pub wall_seconds: f64,
    pub draw_seconds: f64,
    /// The analysis over draws of the priors, when the job drew them.
    pub uncertainty: Option<Uncertain>,
}

/// What `normshift compare` reports over the draws of the priors.
pub struct Uncertain {
    pub draws: usize,
    pub reps: usize,
    /// The uncertain parameters' keys.
    pub keys: Vec<String>,
    /// Priors fixed by the page's edits.
    pub fixed: Vec<String>,
    /// Per strategy, baseline first (as `compare` orders them).
    pub stats: Vec<normshift::uncertainty::analysis::Stats>,
    /// "What changes the answer", as `compare` prints it.
    pub sentences: Vec<String>,
}

/// One job.
pub struct Entry {
    pub id: u64,
    pub loaded: Loaded,
    /// Indices into the scenario's strategies, baseline first.
    pub picked: Vec<usize>,
    /// Draws of the priors (None: at the point values).
    pub draws: Option<u32>,
    pub phase: Phase,
    pub total: usize,
    pub done: Arc<AtomicUsize>,
    pub cancel: Arc<AtomicBool>,
    pub last_seen: Instant,
    pub finished_at: Option<Instant>,
    pub output: Option<Arc<Output>>,
    /// Pages that asked for this job (the same comparison asked again is
    /// this job); a page's cancel stops it only when it was the last.
    pub holders: usize,
}

/// A job's state as a page sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Status {
    pub id: u64,
    pub state: &'static str,
    pub runs_done: usize,
    pub runs_total: usize,
    /// Jobs ahead of this one in the queue (0 when it is next or running).
    pub ahead: usize,
    pub message: Option<String>,
    pub scenario: String,
    pub strategies: Vec<String>,
    /// Draws of the priors, when the job draws them.
    pub draws: Option<u32>,
}

struct Inner {
    jobs: Vec<Entry>,
    waiting: VecDeque<u64>,
    next_id: u64,
    stop: bool,
}

/// Why a job was not accepted.
pub enum Refused {
    Busy(String),
}

/// The queue, shared by the routes and the workers.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<(Mutex<Inner>, Condvar)>,
    limits: Limits,
}

impl Queue {
    /// Start the worker threads and the watchdog.
    pub fn start(limits: Limits) -> Queue {
        let q = Queue {
            inner: Arc::new((Mutex::new(Inner { jobs: Vec::new(), waiting: VecDeque::new(), next_id: 1, stop: false }), Condvar::new())),
            limits,
        };
        for k in 0..q.limits.running {
            let w = q.clone();
            std::thread::Builder::new().name(format!("serve-job-{k}")).spawn(move || w.work()).ok();
        }
        let w = q.clone();
        std::thread::Builder::new().name("serve-watchdog".into()).spawn(move || w.watch()).ok();
        q
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A worker that panicked while holding the lock leaves plain data
        // behind; carry on with it rather than stop the server.
        self.inner.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stop the workers after their current job.
    pub fn shutdown(&self) {
        let mut g = self.lock();
        g.stop = true;
        for e in g.jobs.iter_mut() {
            e.cancel.store(true, Ordering::Relaxed);
        }
        drop(g);
        self.inner.1.notify_all();
    }

    /// Queue a job, or refuse it when the queue is full. The same
    /// comparison asked for again (the same scenario, edits, strategies and
    /// draws) while it waits, runs or is kept finished is that job, not a
    /// second one: its output would be byte-identical.
    pub fn submit(&self, loaded: Loaded, picked: Vec<usize>, draws: Option<u32>) -> Result<Status, Refused> {
        let mut g = self.lock();
        let same = |e: &Entry| {
            matches!(e.phase, Phase::Queued | Phase::Running | Phase::Done)
                && !e.cancel.load(Ordering::Relaxed)
                && e.picked == picked
                && e.draws == draws
                && e.loaded.scenario == loaded.scenario
                && e.loaded.priors == loaded.priors
                && e.loaded.text == loaded.text
                && e.loaded.sets == loaded.sets
                && e.loaded.origin == loaded.origin
                && e.loaded.builtin == loaded.builtin
        };
        if let Some(e) = g.jobs.iter_mut().find(|e| same(e)) {
            e.last_seen = Instant::now();
            // One more page holds it: a page's cancel only stops it when
            // no other page waits for it.
            e.holders += 1;
            if e.finished_at.is_some() {
                // Kept as if it had just finished: not the next evicted.
                e.finished_at = Some(Instant::now());
            }
            let id = e.id;
            return status_of(&g, id).ok_or_else(|| Refused::Busy("the job was dropped".into()));
        }
        let running = g.jobs.iter().filter(|e| e.phase == Phase::Running).count();
        let free_workers = self.limits.running.saturating_sub(running);
        if g.waiting.len() >= self.limits.queued + free_workers {
            return Err(Refused::Busy(format!(
                "the server is busy: {running} comparison(s) running and {} waiting, the most it takes \
                 (start it with --queued to allow more); try again when one finishes",
                g.waiting.len()
            )));
        }
        let id = g.next_id;
        g.next_id += 1;
        let total = picked.len() * loaded.scenario.replicates as usize * draws.unwrap_or(1) as usize;
        g.jobs.push(Entry {
            id,
            loaded,
            picked,
            draws,
            phase: Phase::Queued,
            total,
            done: Arc::new(AtomicUsize::new(0)),
            cancel: Arc::new(AtomicBool::new(false)),
            last_seen: Instant::now(),
            finished_at: None,
            output: None,
            holders: 1,
        });
        g.waiting.push_back(id);
        let status = status_of(&g, id);
        drop(g);
        self.inner.1.notify_one();
        status.ok_or_else(|| Refused::Busy("the job was dropped".into()))
    }

    /// A job's status; counts as the page still wanting it.
    pub fn poll(&self, id: u64) -> Option<Status> {
        let mut g = self.lock();
        if let Some(e) = g.jobs.iter_mut().find(|e| e.id == id) {
            e.last_seen = Instant::now();
        }
        status_of(&g, id)
    }

    /// Cancel a job (if still queued or running). None if there is no such job.
    pub fn cancel(&self, id: u64, why: &str) -> Option<Status> {
        let mut g = self.lock();
        let e = g.jobs.iter_mut().find(|e| e.id == id)?;
        if e.holders > 1 && !e.phase.finished() {
            // Another page still waits for it: this page lets go.
            e.holders -= 1;
            return status_of(&g, id).map(|mut st| {
                st.message = Some("this page let go of the job; another page still waits for it".into());
                st
            });
        }
        cancel_locked(&mut g, id, why);
        status_of(&g, id)
    }

    /// A finished job's output, with its scenario.
    pub fn output(&self, id: u64) -> Option<(Arc<Output>, Loaded)> {
        let mut g = self.lock();
        let e = g.jobs.iter_mut().find(|e| e.id == id)?;
        e.last_seen = Instant::now();
        Some((e.output.clone()?, e.loaded.clone()))
    }

    /// Counts for the health endpoint: (running, waiting, kept).
    pub fn counts(&self) -> (usize, usize, usize) {
        let g = self.lock();
        let running = g.jobs.iter().filter(|e| e.phase == Phase::Running).count();
        (running, g.waiting.len(), g.jobs.len())
    }

    fn work(&self) {
        loop {
            let (id, loaded, picked, draws, done, cancel) = {
                let mut g = self.lock();
                loop {
                    if g.stop {
                        return;
                    }
                    if let Some(id) = g.waiting.pop_front() {
                        if let Some(e) = g.jobs.iter_mut().find(|e| e.id == id && e.phase == Phase::Queued) {
                            e.phase = Phase::Running;
                            break (id, e.loaded.clone(), e.picked.clone(), e.draws, e.done.clone(), e.cancel.clone());
                        }
                        continue;
                    }
                    g = self.inner.1.wait(g).unwrap_or_else(|e| e.into_inner());
                }
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match draws {
                Some(d) => execute_draws(&loaded, &picked, d, &done, &cancel),
                None => execute(&loaded, &picked, &done, &cancel),
            }));
            let mut g = self.lock();
            if let Some(e) = g.jobs.iter_mut().find(|e| e.id == id) {
                if !e.phase.finished() {
                    e.finished_at = Some(Instant::now());
                }
                settle(&mut e.phase, &mut e.output, outcome);
            }
            evict(&mut g, self.limits.keep);
        }
    }

    /// Cancel jobs nobody has asked about for `abandon_after`.
    fn watch(&self) {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let mut g = self.lock();
            if g.stop {
                return;
            }
            let limit = self.limits.abandon_after;
            let stale: Vec<u64> = g.jobs.iter().filter(|e| !e.phase.finished() && e.last_seen.elapsed() > limit).map(|e| e.id).collect();
            for id in stale {
                cancel_locked(&mut g, id, &format!("cancelled: its page stopped asking for it for {} s", limit.as_secs()));
            }
            evict(&mut g, self.limits.keep);
        }
    }
}

/// A job's phase and output once its work has returned `outcome`. A job
/// cancelled while it was finishing (drawing its figures) stays cancelled,
/// as its page was told, and keeps no output.
fn settle<T>(phase: &mut Phase, output: &mut Option<Arc<T>>, outcome: std::thread::Result<Result<T, Stopped>>) {
    if phase.finished() {
        return;
    }
    match outcome {
        Ok(Ok(out)) => {
            *phase = Phase::Done;
            *output = Some(Arc::new(out));
        }
        Ok(Err(Stopped::Cancelled)) => *phase = Phase::Cancelled("cancelled".into()),
        Ok(Err(Stopped::Failed(m))) => *phase = Phase::Failed(m),
        Err(_) => *phase = Phase::Failed("the comparison failed unexpectedly (a bug: please report it)".into()),
    }
}

fn cancel_locked(g: &mut Inner, id: u64, why: &str) {
    if let Some(e) = g.jobs.iter_mut().find(|e| e.id == id)
        && !e.phase.finished()
    {
        e.cancel.store(true, Ordering::Relaxed);
        e.phase = Phase::Cancelled(why.to_string());
        e.finished_at = Some(Instant::now());
    }
    g.waiting.retain(|&w| w != id);
}

/// Keep at most `keep` finished jobs, dropping the oldest.
fn evict(g: &mut Inner, keep: usize) {
    let mut finished: Vec<(Instant, u64)> =
        g.jobs.iter().filter(|e| e.phase.finished()).filter_map(|e| e.finished_at.map(|t| (t, e.id))).collect();
    if finished.len() <= keep {
        return;
    }
    finished.sort();
    let drop: Vec<u64> = finished[..finished.len() - keep].iter().map(|x| x.1).collect();
    g.jobs.retain(|e| !drop.contains(&e.id));
}

fn status_of(g: &Inner, id: u64) -> Option<Status> {
    let e = g.jobs.iter().find(|e| e.id == id)?;
    let ahead = g.waiting.iter().position(|&w| w == id).unwrap_or(0);
    let message = match &e.phase {
        Phase::Failed(m) | Phase::Cancelled(m) => Some(m.clone()),
        _ => None,
    };
    Some(Status {
        id,
        state: e.phase.name(),
        runs_done: e.done.load(Ordering::Relaxed).min(e.total),
        runs_total: e.total,
        ahead,
        message,
        scenario: e.loaded.scenario.name.clone(),
        strategies: e.picked.iter().map(|&k| e.loaded.scenario.strategies[k].name.clone()).collect(),
        draws: e.draws,
    })
}

/// Why a job gave no output.
enum Stopped {
    Cancelled,
    /// A draw of the priors was not a valid scenario, or the like.
    Failed(String),
}

/// Run one comparison, as `normshift compare` does, into memory.
fn execute(l: &Loaded, picked: &[usize], done: &AtomicUsize, cancel: &AtomicBool) -> Result<Output, Stopped> {
    let s = &l.scenario;
    let t0 = Instant::now();
    let mut job = Job::all(s);
    job.strategies = picked.to_vec();
    job.reach = vec![1.0; picked.len()];
    // `Job::run`, replicate by replicate, so that a cancelled job stops
    // between replicates.
    let per_replicate: Vec<Option<Vec<RunResult>>> = job
        .replicates
        .clone()
        .into_par_iter()
        .map(|r| {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let res = job.run_replicate(r);
            done.fetch_add(res.len(), Ordering::Relaxed);
            Some(res)
        })
        .collect();
    if cancel.load(Ordering::Relaxed) || per_replicate.iter().any(Option::is_none) {
        return Err(Stopped::Cancelled);
    }
    let mut results: Vec<RunResult> = per_replicate.into_iter().flatten().flatten().collect();
    results.sort_by_key(|r| r.id.run_id);
    let wall = t0.elapsed().as_secs_f64();
    let names: Vec<String> = picked.iter().map(|&k| s.strategies[k].name.clone()).collect();
    let rows = compare(&results, &names, super::super::compare::BASELINE);
    let files = tables_of(l, &results, &rows);
    Ok(finish(s, results, names, rows, files, wall, None))
}

/// Draw the figures and the report, and gather the job's output.
fn finish(
    s: &normshift::scenario::Scenario,
    results: Vec<RunResult>,
    names: Vec<String>,
    rows: Vec<Row>,
    mut files: Vec<(String, Vec<u8>)>,
    wall: f64,
    uncertainty: Option<(Uncertain, Vec<plot::Figure>)>,
) -> Output {
    let t1 = Instant::now();
    let design = uncertainty.as_ref().map(|(u, _)| (u.draws, u.reps));
    let (drawn, village) = match draw(&files, s, design) {
        Ok((drawn, village, html)) => {
            files.push(("report.html".into(), html.into_bytes()));
            (drawn, village)
        }
        Err(e) => {
            files.push(("figures/ERROR.txt".into(), format!("the figures could not be drawn: {e}\n").into_bytes()));
            (Drawn::default(), None)
        }
    };
    let mut drawn = drawn;
    let uncertainty = uncertainty.map(|(u, figures)| {
        drawn.figures.extend(figures);
        u
    });
    for f in &drawn.figures {
        files.push((format!("figures/{}.png", f.id), f.png.clone()));
        files.push((format!("figures/{}.svg", f.id), f.svg.clone().into_bytes()));
    }
    for a in &drawn.animations {
        files.push((format!("figures/{}.gif", a.id), a.gif.clone()));
    }
    let draw_seconds = t1.elapsed().as_secs_f64();
    Output {
        results,
        names,
        rows,
        drawn,
        files,
        village,
        layout: std::sync::OnceLock::new(),
        wall_seconds: wall,
        draw_seconds,
        uncertainty,
    }
}

/// Compare over `draws` draws of the priors, as `normshift compare
/// --draws D --reps R` does (`cli/uncertain.rs`): the same draws (Sobol'
/// points from the scenario's seed), draw d's replicates numbered d*R ..
/// d*R+R-1, the same analysis and the same rows added to
/// `comparison.csv`; R is the scenario's `replicates`.
fn execute_draws(l: &Loaded, picked: &[usize], draws: u32, done: &AtomicUsize, cancel: &AtomicBool) -> Result<Output, Stopped> {
    use super::super::uncertain::{METRICS, discovery_csv, metric, with_moves_line};
    use normshift::outcomes::sum;
    use normshift::uncertainty::analysis::{Analysis, Outcomes, analyse};
    use normshift::uncertainty::prior::{Design, unit_draws};
    let s = &l.scenario;
    let t0 = Instant::now();
    let priors = &l.priors.list;
    let (d_n, r_n) = (draws as usize, s.replicates as usize);
    let failed = |m: String| Stopped::Failed(m);
    let unit = unit_draws(d_n, priors.len(), Design::Sobol, s.seed).map_err(|e| failed(format!("the draws could not be made: {e}")))?;
    let values: Vec<Vec<f64>> = unit.iter().map(|row| l.priors.values(row)).collect();
    let mut scenarios = Vec::with_capacity(d_n);
    for (d, row) in values.iter().enumerate() {
        let mut sets = l.sets.clone();
        sets.push(format!("replicates={r_n}"));
        sets.extend(priors.iter().zip(row).map(|(p, &x)| p.set(x)));
        let sc = normshift::scenario::parse_scenario(&l.text, &l.origin, &sets).map_err(|e| {
            let at: Vec<String> = priors.iter().zip(row).map(|(p, &x)| p.set(x)).collect();
            failed(format!("draw {d} ({}) is not a valid scenario: {e}", at.join(", ")))
        })?;
        scenarios.push(sc);
    }
    let jobs: Vec<Job> = scenarios
        .iter()
        .enumerate()
        .map(|(d, sc)| Job {
            scenario: sc,
            strategies: picked.to_vec(),
            replicates: (d * r_n) as u32..((d + 1) * r_n) as u32,
            loaded: None,
            reach: vec![1.0; picked.len()],
            trace: d == 0,
            stop: Some(cancel),
        })
        .collect();
    let units: Vec<(usize, u32)> = (0..d_n).flat_map(|d| (0..r_n).map(move |j| (d, (d * r_n + j) as u32))).collect();
    let total = units.len() * picked.len();
    let mut results: Vec<RunResult> = units
        .par_iter()
        .flat_map_iter(|&(d, r)| {
            if cancel.load(Ordering::Relaxed) {
                return Vec::new();
            }
            let rs = jobs[d].try_run_replicate(r).unwrap_or_default();
            done.fetch_add(rs.len(), Ordering::Relaxed);
            rs
        })
        .collect();
    if cancel.load(Ordering::Relaxed) || results.len() != total {
        return Err(Stopped::Cancelled);
    }
    let wall = t0.elapsed().as_secs_f64();
    let all_reps = (d_n * r_n) as u64;
    for res in &mut results {
        let k = picked.iter().position(|&i| s.strategies[i].name == res.id.strategy).unwrap_or(0);
        res.id.run_id = k as u64 * all_reps + u64::from(res.id.replicate);
    }
    results.sort_by_key(|r| r.id.run_id);
    let names: Vec<String> = picked.iter().map(|&k| s.strategies[k].name.clone()).collect();
    let mut o = Outcomes::new(names.clone(), d_n, r_n);
    let at = |k: usize, rep: usize| &results[k * d_n * r_n + rep].summary;
    for d in 0..d_n {
        for j in 0..r_n {
            let rep = d * r_n + j;
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
    let all_names: Vec<String> = s.strategies.iter().map(|t| t.name.clone()).collect();
    let keys: Vec<String> = priors.iter().map(|p| p.named_key(&all_names)).collect();
    let Analysis { stats, top, discoveries, wtp, curve } = analyse(&o, &values, &keys);
    let rows = compare(&results, &names, super::super::compare::BASELINE);

    // The files `compare` writes over draws, byte for byte.
    let mut files = tables_of(l, &results, &rows);
    let mut put = |name: &str, text: String| {
        if let Some(f) = files.iter_mut().find(|(n, _)| n == name) {
            f.1 = text.into_bytes();
        } else {
            files.push((name.to_string(), text.into_bytes()));
        }
    };
    let integer: Vec<bool> = priors.iter().map(|p| p.integer).collect();
    put("draws.csv", super::super::uncertain::draws_csv(&keys, &values, r_n, &integer));
    let mut comparison = format!("{}\n", COLUMNS.join(","));
    for r in &rows {
        comparison.push_str(&normshift::output::csv_line(r.record()));
    }
    for st in &stats {
        for m in METRICS {
            let (mean, lo, hi) = metric(st, m);
            comparison.push_str(&format!("{},{m},{},{},{},,,,,,{}\n", st.strategy, num(mean), num(lo), num(hi), d_n * r_n));
        }
    }
    put("comparison.csv", comparison);
    let top = top.map_or("", |t| names[t].as_str());
    let discovery = discovery_csv(top, &discoveries, &names, &keys);
    put("discovery.csv", discovery);
    let mut accept = "wtp,strategy,p_most_net_benefit\n".to_string();
    for (lv, row) in wtp.iter().zip(&curve) {
        for (n, p) in names.iter().zip(row) {
            accept.push_str(&format!("{},{n},{}\n", num(*lv), num(*p)));
        }
    }
    put("acceptability.csv", accept);
    // As `compare` saves it over draws: the resolved scenario and its
    // priors, with the posterior files they name copied beside it.
    let read = |f: &str| l.read_named(f).map_err(super::super::bad);
    let (table, copies) = super::super::uncertain::posterior_copies(&l.priors.table, &read)
        .map_err(|e| failed(format!("the scenario could not be saved: {e}")))?;
    let scenario_text =
        super::super::uncertain::saved_scenario(&l.text, s, &table).map_err(|e| failed(format!("the scenario could not be saved: {e}")))?;
    put("scenario.toml", scenario_text);
    for (name, bytes) in copies {
        put(&name, String::from_utf8_lossy(&bytes).into_owned());
    }

    let o = plot::Options::default();
    let chance_rows: Vec<Chance> = stats
        .iter()
        .map(|st| Chance {
            strategy: st.strategy.clone(),
            p_best: st.p_best,
            p_best_per_dollar: st.p_best_per_dollar,
            regret: 100.0 * st.regret_mean,
        })
        .collect();
    let figures: Vec<plot::Figure> =
        [chances(&chance_rows, &o), acceptability(&names, &wtp, &curve, &o)].into_iter().filter_map(|f| f.ok().flatten()).collect();
    let sentences = discoveries.iter().map(|d| with_moves_line(d, &keys)).collect();
    let u = Uncertain { draws: d_n, reps: r_n, keys, fixed: l.priors.fixed.clone(), stats, sentences };
    Ok(finish(s, results, names, rows, files, wall, Some((u, figures))))
}

/// The tables `normshift compare` writes, in memory, byte for byte.
fn tables_of(l: &Loaded, results: &[RunResult], rows: &[Row]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut put = |name: &str, fill: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        // Writing to memory cannot fail.
        if fill(&mut buf).is_ok() {
            files.push((name.to_string(), buf));
        }
    };
    put("timeseries.csv", &|w| {
        writeln!(w, "{}", output::timeseries_header())?;
        results.iter().try_for_each(|r| output::write_timeseries(&mut *w, r))
    });
    put("runs.csv", &|w| {
        writeln!(w, "{}", output::runs_header())?;
        results.iter().try_for_each(|r| output::write_run(&mut *w, r))
    });
    if let Some(t) = results.iter().find_map(|r| r.trace.as_ref()) {
        put("village_agents.csv", &|w| output::write_village_agents(w, t));
        put("village_ties.csv", &|w| output::write_village_ties(w, t));
        put("village_states.csv", &|w| output::write_village_states(w, results));
    }
    put("comparison.csv", &|w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for r in rows {
            w.write_all(normshift::output::csv_line(r.record()).as_bytes())?;
        }
        Ok(())
    });
    // As `normshift compare` saves it: the values run, on the user's own text.
    let toml = super::super::saved::saved_toml(&l.text, &l.scenario)
        .or_else(|_| super::super::input::resolved_toml(&l.scenario))
        .unwrap_or_default();
    put("scenario.toml", &|w| w.write_all(toml.as_bytes()));
    let manifest = serde_json::json!({
        "normshift_version": env!("CARGO_PKG_VERSION"),
        "made_by": "normshift serve",
        "scenario": l.origin,
        "seed": l.scenario.seed,
        "replicates": l.scenario.replicates,
        "runs": results.len(),
        "reproduce": "normshift compare scenario.toml",
    });
    put("manifest.json", &|w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        writeln!(w)
    });
    files
}

/// Figures, the traced village, and report.html.
type Drawn3 = (Drawn, Option<tables::Village>, String);

/// Draw the figures and the report from the in-memory tables, as `normshift
/// plot` draws them from the folder.
fn draw(files: &[(String, Vec<u8>)], s: &normshift::scenario::Scenario, design: Option<(usize, usize)>) -> Result<Drawn3, String> {
    let get = |n: &str| files.iter().find(|(k, _)| k == n).map(|(_, b)| b.as_slice());
    let need = |n: &str| get(n).ok_or_else(|| format!("{n} is missing"));
    let e = |e: tables::TableError| e.to_string();
    let timeseries = tables::read_timeseries(need("timeseries.csv")?, "timeseries.csv").map_err(e)?;
    let runs = tables::read_runs(need("runs.csv")?, "runs.csv").map_err(e)?;
    let comparison = Some(tables::read_comparison(need("comparison.csv")?, "comparison.csv").map_err(e)?);
    let village = match (get("village_agents.csv"), get("village_ties.csv"), get("village_states.csv")) {
        (Some(a), Some(t), Some(st)) => {
            Some(tables::read_village(a, t, st, ["village_agents.csv", "village_ties.csv", "village_states.csv"]).map_err(e)?)
        }
        _ => None,
    };
    let mut res = Results { scenario: plot::ScenarioInfo::from_scenario(s), timeseries, runs, comparison, village };
    res.reconcile();
    let drawn = plot::draw(&res, &Options::default()).map_err(|e| e.to_string())?;
    let meta = plot::report::Meta { version: env!("CARGO_PKG_VERSION").to_string(), draws: design };
    let html = plot::report::html(&res, &drawn, &meta);
    Ok((drawn, res.village, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_cancelled_while_finishing_stays_cancelled() {
        // Cancelled by its page while its figures were drawn: the work
        // returns its output, but the job stays cancelled and keeps none.
        let mut phase = Phase::Cancelled("cancelled by its page".into());
        let mut output: Option<Arc<u8>> = None;
        settle(&mut phase, &mut output, Ok(Ok(7)));
        assert_eq!(phase, Phase::Cancelled("cancelled by its page".into()));
        assert!(output.is_none());
        // Not cancelled: done, with its output; cancelled or failed work says so.
        let mut phase = Phase::Running;
        settle(&mut phase, &mut output, Ok(Ok(7)));
        assert_eq!((phase, output.as_deref()), (Phase::Done, Some(&7)));
        let mut phase = Phase::Running;
        settle::<u8>(&mut phase, &mut None, Ok(Err(Stopped::Cancelled)));
        assert_eq!(phase, Phase::Cancelled("cancelled".into()));
        let mut phase = Phase::Running;
        settle::<u8>(&mut phase, &mut None, Ok(Err(Stopped::Failed("no".into()))));
        assert_eq!(phase, Phase::Failed("no".into()));
    }
}
