//! Running a scenario: replicates in parallel, each replicate's world built
//! once and shared by every strategy (common random numbers), then the
//! months stepped with the programme acting before each. Returns results;
//! never writes files or prints.

use crate::interventions::Programme;
use crate::model::init::{build_world, initial_state};
use crate::model::levers::Channels;
use crate::model::levers::meeting_held;
use crate::model::rule::{Carry, Rule, advance};
use crate::model::step::Villages;
use crate::model::{Levers, Params, State, World, champion, stance};
use crate::network::Csr;
use crate::outcomes::{Month, Recorder, Summary, summarise};
use crate::population::Agents;
use crate::rng::replicate_seed;
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Agents above which a single step is split across threads.
pub const PARALLEL_STEP_MIN: usize = 50_000;

/// Which run: strategy, replicate and seed.
#[derive(Clone, Debug, PartialEq)]
pub struct RunId {
    /// Sequential id within the job: strategy-major, replicate-minor.
    pub run_id: u64,
    pub strategy: String,
    pub replicate: u32,
    pub seed: u64,
}

/// The outcomes of one run.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub id: RunId,
    pub months: Vec<Month>,
    pub summary: Summary,
    pub agents: usize,
    pub ties: usize,
    /// Seconds spent building the world (shared by the replicate's strategies).
    pub build_seconds: f64,
    /// Seconds spent stepping: this strategy's months plus its share of the
    /// replicate's burn-in (which all its strategies share).
    pub simulate_seconds: f64,
    /// Agent-steps those seconds paid for: agents times (months plus the
    /// same share of the burn-in).
    pub agent_steps: f64,
    /// Month-by-month states of one village, for pictures (first replicate only).
    pub trace: Option<Trace>,
}

/// One village followed month by month: who is there, how they are tied,
/// and each one's state each month. Only for the job's first replicate, so
/// every strategy is traced on the same people and ties.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Village index.
    pub village: u32,
    /// Agents of the village (global indices).
    pub agents: Vec<u32>,
    /// Role of each (0 member, 1 gatekeeper, 2 religious leader).
    pub roles: Vec<u8>,
    /// Attribute bits of each (see `population::attr`).
    pub attrs: Vec<u8>,
    /// Ties within the village, once per pair (local indices, layer).
    pub ties: Vec<(u32, u32, u8)>,
    /// State of each agent each month: see [`STATE_NAMES`].
    pub states: Vec<Vec<u8>>,
}

/// Names of the traced states, indexed by state code.
pub const STATE_NAMES: [&str; 7] = ["woman", "woman_acting", "woman_sanctioned", "man", "man_supporting", "man_opposing", "champion"];

/// Villages larger than this are not traced (a picture could not show them).
pub const TRACE_MAX_AGENTS: usize = 2000;

fn trace_for(world: &World, village: u32) -> Option<Trace> {
    let agents: Vec<u32> = (0..world.len() as u32).filter(|&i| world.agents.village[i as usize] == village).collect();
    if agents.is_empty() || agents.len() > TRACE_MAX_AGENTS {
        return None;
    }
    let local = |g: u32| agents.binary_search(&g).ok();
    let mut ties = Vec::new();
    for (a, &g) in agents.iter().enumerate() {
        for e in world.net.row(g as usize) {
            let layer = world.net.layers[e];
            if layer == crate::network::layer::MEMBER {
                continue;
            }
            if let Some(b) = local(world.net.targets[e])
                && (b > a || layer == crate::network::layer::LEADER)
            {
                ties.push((a as u32, b as u32, layer));
            }
        }
    }
    Some(Trace {
        village,
        roles: agents.iter().map(|&g| world.agents.role[g as usize] as u8).collect(),
        attrs: agents.iter().map(|&g| world.agents.attrs[g as usize]).collect(),
        agents,
        ties,
        states: Vec::new(),
    })
}

fn trace_states(world: &World, state: &State, agents: &[u32]) -> Vec<u8> {
    agents
        .iter()
        .map(|&g| {
            let (c, h) = (&state.core[g as usize], &state.hits[g as usize]);
            if world.agents.is_woman(g as usize) {
                match (c.stance == stance::ACTS, h.sanctions > 0) {
                    (true, true) => 2,
                    (true, false) => 1,
                    _ => 0,
                }
            } else if h.champion == champion::ACTIVE {
                6
            } else {
                match c.stance {
                    stance::ACTS => 4,
                    stance::OPPOSES => 5,
                    _ => 3,
                }
            }
        })
        .collect()
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Job<'a> {
    pub scenario: &'a Scenario,
    /// Indices into `scenario.strategies`.
    pub strategies: Vec<usize>,
    /// Replicates to run (0-based).
    pub replicates: std::ops::Range<u32>,
    /// A network read from files, used for every replicate; otherwise a
    /// community is generated per replicate.
    pub loaded: Option<&'a (Agents, Csr)>,
    /// Per strategy (parallel to `strategies`): multiplier of every
    /// target's reach (1 keeps the scenario's own).
    pub reach: Vec<f64>,
    /// Trace one village of the first replicate (for pictures).
    pub trace: bool,
    /// A stop flag (set by the caller, e.g. on Ctrl-C), read once per
    /// month by [`Job::try_run`] and [`Job::try_run_replicate`], which then
    /// give up and return [`Stopped`]. [`Job::run`] and
    /// [`Job::run_replicate`] ignore it.
    pub stop: Option<&'a AtomicBool>,
}

/// A job given up because its stop flag was set; its unfinished runs are
/// dropped (no partial run is ever returned).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stopped before the runs were finished")]
pub struct Stopped;

impl<'a> Job<'a> {
    /// Every strategy of `scenario`, all its replicates.
    pub fn all(scenario: &'a Scenario) -> Job<'a> {
        Job {
            scenario,
            strategies: (0..scenario.strategies.len()).collect(),
            replicates: 0..scenario.replicates,
            loaded: None,
            reach: vec![1.0; scenario.strategies.len()],
            trace: true,
            stop: None,
        }
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.strategies.len() * self.replicates.len()
    }

    /// True when there is nothing to run.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn id(&self, k: usize, replicate: u32) -> RunId {
        let reps = self.replicates.len() as u64;
        RunId {
            run_id: k as u64 * reps + u64::from(replicate - self.replicates.start),
            strategy: self.scenario.strategies[self.strategies[k]].name.clone(),
            replicate,
            seed: replicate_seed(self.scenario.seed, replicate),
        }
    }

    /// Run everything, replicates in parallel, calling `progress` after
    /// each run. Results come back ordered by run id.
    pub fn run(&self, progress: &(dyn Fn(&RunResult) + Sync)) -> Vec<RunResult> {
        self.run_until(None, None, progress).unwrap_or_default()
    }

    /// [`Job::run`], giving up with [`Stopped`] once the job's stop flag is
    /// set (checked once per month of every run in progress).
    pub fn try_run(&self, progress: &(dyn Fn(&RunResult) + Sync)) -> Result<Vec<RunResult>, Stopped> {
        self.run_until(self.stop, None, progress)
    }

    /// [`Job::try_run`] with the channels on for each strategy's runs
    /// (parallel to `strategies`; the scenario's own channels otherwise).
    /// The burn-in keeps the scenario's channels, so each replicate's
    /// strategies still start from one burnt-in state: a strategy listed
    /// twice with a channel off the second time is that strategy with the
    /// channel switched off for its programme months, on the same world
    /// and draws (what `compare --explain` runs). Only runs whose channels
    /// are the scenario's are traced.
    ///
    /// # Panics
    /// If `channels` is not as long as `strategies`.
    pub fn try_run_with(&self, channels: &[Channels], progress: &(dyn Fn(&RunResult) + Sync)) -> Result<Vec<RunResult>, Stopped> {
        assert_eq!(channels.len(), self.strategies.len(), "one set of channels per strategy");
        self.run_until(self.stop, Some(channels), progress)
    }

    fn run_until(
        &self,
        stop: Option<&AtomicBool>,
        channels: Option<&[Channels]>,
        progress: &(dyn Fn(&RunResult) + Sync),
    ) -> Result<Vec<RunResult>, Stopped> {
        let mut out: Vec<RunResult> = self
            .replicates
            .clone()
            .into_par_iter()
            .map(|r| {
                let results = self.replicate_until(r, stop, channels)?;
                for res in &results {
                    progress(res);
                }
                Ok(results)
            })
            .collect::<Result<Vec<Vec<RunResult>>, Stopped>>()?
            .into_iter()
            .flatten()
            .collect();
        out.sort_by_key(|r| r.id.run_id);
        Ok(out)
    }

    /// Every strategy of one replicate, on one world.
    pub fn run_replicate(&self, replicate: u32) -> Vec<RunResult> {
        self.replicate_until(replicate, None, None).unwrap_or_default()
    }

    /// [`Job::run_replicate`], giving up with [`Stopped`] once the job's
    /// stop flag is set (checked once per month).
    pub fn try_run_replicate(&self, replicate: u32) -> Result<Vec<RunResult>, Stopped> {
        self.replicate_until(replicate, self.stop, None)
    }

    fn replicate_until(&self, replicate: u32, stop: Option<&AtomicBool>, channels: Option<&[Channels]>) -> Result<Vec<RunResult>, Stopped> {
        let halted = || stop.is_some_and(|f| f.load(Ordering::Relaxed));
        let seed = replicate_seed(self.scenario.seed, replicate);
        let t0 = Instant::now();
        let world = build_world(self.scenario, seed, self.loaded);
        let build_seconds = t0.elapsed().as_secs_f64();
        let params = Params::new(self.scenario);
        let start = burn_in(self.scenario, &world, &params, seed, &halted).ok_or(Stopped)?;
        let recorder = Recorder::new(&world);
        (0..self.strategies.len())
            .map(|k| {
                let t1 = Instant::now();
                let ch = channels.map_or(self.scenario.channels, |c| c[k]);
                let traced = self.trace && replicate == self.replicates.start && ch == self.scenario.channels;
                let mut trace = if traced { trace_for(&world, 0) } else { None };
                let months = simulate(
                    self.scenario,
                    self.strategies[k],
                    self.reach[k],
                    ch,
                    &world,
                    &params,
                    &recorder,
                    &start,
                    seed,
                    trace.as_mut(),
                    &halted,
                )
                .ok_or(Stopped)?;
                Ok(RunResult {
                    id: self.id(k, replicate),
                    summary: summarise(&months, self.scenario.programme_end(), self.scenario.context.tipping_level),
                    months,
                    agents: world.len(),
                    ties: world.net.ties(),
                    build_seconds,
                    simulate_seconds: t1.elapsed().as_secs_f64() + start.1 / self.strategies.len() as f64,
                    agent_steps: world.len() as f64
                        * (f64::from(self.scenario.steps) + f64::from(self.scenario.burn_in()) / self.strategies.len() as f64),
                    trace,
                })
            })
            .collect()
    }
}

/// The state after burn-in (identical for every strategy of a replicate),
/// with the seconds it took; None if `halted` said stop (read once per month).
fn burn_in(s: &Scenario, world: &World, params: &Params, seed: u64, halted: &dyn Fn() -> bool) -> Option<(State, f64)> {
    let t0 = Instant::now();
    let mut cur = initial_state(s, world, params, seed);
    let mut levers = Levers::new(world.len(), world.village_women.len());
    levers.channels = s.channels;
    let mut villages = Villages::new(world, &cur);
    let mut carry = Carry::default();
    let rule = Rule::of(s);
    let mut next = cur.clone();
    let parallel = world.len() >= PARALLEL_STEP_MIN;
    for t in 0..s.burn_in() {
        if halted() {
            return None;
        }
        levers.meeting = meeting_held(params.meetings_per_year, t);
        advance(rule, world, params, &levers, &mut villages, &mut carry, &cur, &mut next, seed, t + 2, parallel);
        std::mem::swap(&mut cur, &mut next);
    }
    Some((cur, t0.elapsed().as_secs_f64()))
}

/// The months of one strategy from the burnt-in state; None if `halted`
/// said stop (read once per month).
#[allow(clippy::too_many_arguments)]
fn simulate(
    s: &Scenario,
    strategy: usize,
    reach: f64,
    channels: Channels,
    world: &World,
    params: &Params,
    recorder: &Recorder,
    start: &(State, f64),
    seed: u64,
    mut trace: Option<&mut Trace>,
    halted: &dyn Fn() -> bool,
) -> Option<Vec<Month>> {
    let mut cur = start.0.clone();
    let mut next = cur.clone();
    let mut levers = Levers::new(world.len(), world.village_women.len());
    levers.channels = channels;
    let mut programme = Programme::new(&s.strategies[strategy].interventions, s.context.political_will, world, seed, reach)
        .with_internalisation(s.attitudes.internalisation);
    let mut villages = Villages::new(world, &cur);
    let mut carry = Carry::default();
    let rule = Rule::of(s);
    let parallel = world.len() >= PARALLEL_STEP_MIN;
    let base = s.burn_in() + 2;
    let mut months = Vec::with_capacity(s.steps as usize);
    for m in 0..s.steps {
        if halted() {
            return None;
        }
        programme.apply(world, &mut cur, &mut levers, &villages, seed, m);
        levers.context(&s.context, m);
        // The council's calendar runs on from burn-in.
        levers.meeting = meeting_held(params.meetings_per_year, s.burn_in() + m);
        advance(rule, world, params, &levers, &mut villages, &mut carry, &cur, &mut next, seed, base + m, parallel);
        std::mem::swap(&mut cur, &mut next);
        months.push(recorder.month(&cur, &levers, programme.cost));
        if let Some(t) = trace.as_deref_mut() {
            t.states.push(trace_states(world, &cur, &t.agents));
        }
    }
    Some(months)
}
