//! Throughput of one step, on one core unless a name says otherwise.
//!
//! Community model (the default scenario's villages at 10k, 100k and 1M
//! agents, about 18 ties per agent):
//!
//! - `community_step`: one call of `normshift::model::step::step` with
//!   `parallel = false`, alternating two state buffers so that every
//!   iteration is a real step from the previous one.
//! - `community_step_parallel`: the same at 1M agents with `parallel =
//!   true` on rayon's global pool (all cores; `RAYON_NUM_THREADS=N` to
//!   choose). Results are identical to the one-thread step.
//! - `bare_neighbour_sum`: over the same network, a hand-written loop
//!   that, for every agent, sums its neighbours' public `expr` times the tie
//!   weight. It reads every tie once and does nothing else, so it is the
//!   floor for a step that perceives every tie.
//!
//! Threshold rule (Erdős–Rényi, 1,000,000 agents, mean degree 10, relative
//! threshold 1 and no adopters, so nothing cascades):
//!
//! - `threshold_step`: `normshift::model::rule::threshold::threshold_step`, the
//!   full pass: every agent reads every neighbour every step.
//! - `threshold_step_counted`: `threshold_step_counted`, as `normshift run`
//!   uses it: the same result, reading only the ties of agents that
//!   changed (here none), so it costs a pass over the agents.
//! - `threshold_bare`: `bare_neighbour_sum` on this network, and
//!   `threshold_bare_count`: a hand-written count of acting neighbours
//!   against each agent's threshold (the least a full pass can do).
//!
//! All count agents (`ItemsCount`, shown as item/s = agent-steps per second)
//! and ties (`CyclesCount`, shown as Hz = ties per second). Worlds are built
//! once per size, outside the timed loop, and shared by the benchmarks. The
//! setup prints ties per agent (in total and by layer) and the stances.
//!
//! Run with `cargo bench --bench step` (one group: `cargo bench --bench
//! step -- threshold`). `NORMSHIFT_BENCH_BURN_IN=K` steps each community
//! world K months before timing (default 0: the initial state).
//!
//! On a shared machine the two benchmarks of a ratio run at different
//! times, under different loads. `NORMSHIFT_BENCH_RATIO=R` also measures
//! each ratio interleaved while the world is set up: R rounds of three
//! steps then three bare passes, the fastest of each, printed as
//! `[ratio ...]` lines (one thread).

use divan::Bencher;
use divan::counter::{CyclesCount, ItemsCount};
use normshift::model::Levers;
use normshift::model::init::{build_world, initial_state};
use normshift::model::rule::threshold::{Counts, threshold_step as full_threshold_step, threshold_step_counted};
use normshift::model::step::{Villages, step};
use normshift::model::{Params, State, World, public, stance};
use normshift::population::attr;
use normshift::rng::replicate_seed;
use normshift::scenario::{builtin, parse_scenario};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

fn main() {
    divan::main();
}

/// Agent counts benchmarked.
const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// Households per village (the default); 2.5 adults per household.
const HOUSEHOLDS_PER_VILLAGE: usize = 200;

/// Everything a run builds before its first step (as `src/run.rs` does).
struct Fixture {
    world: World,
    params: Params,
    seed: u64,
    /// State after the optional burn-in.
    start: State,
    /// Villages matching `start`.
    villages: Villages,
    /// Step counter after the burn-in.
    t0: u32,
}

/// The fixture for about `n` agents, built on first use and cached.
fn fixture(n: usize) -> Arc<Fixture> {
    static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Fixture>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap();
    map.entry(n).or_insert_with(|| Arc::new(build(n))).clone()
}

fn build(n: usize) -> Fixture {
    let villages = ((n as f64 / (HOUSEHOLDS_PER_VILLAGE as f64 * 2.5)).round() as usize).max(1);
    let overrides = [format!("population.villages={villages}"), format!("population.households_per_village={HOUSEHOLDS_PER_VILLAGE}")];
    let s = parse_scenario("name = \"bench\"", "bench", &overrides).expect("bench scenario");
    let seed = replicate_seed(s.seed, 0);
    let t = Instant::now();
    let world = build_world(&s, seed, None);
    let build_s = t.elapsed().as_secs_f64();
    let params = Params::new(&s);
    let mut cur = initial_state(&s, &world, &params, seed);
    let levers = Levers::new(world.len(), world.village_women.len());
    let mut villages_agg = Villages::new(&world, &cur);
    let burn_in: u32 = std::env::var("NORMSHIFT_BENCH_BURN_IN").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut next = cur.clone();
    for t in 0..burn_in {
        step(&world, &params, &levers, &mut villages_agg, &cur, &mut next, seed, t + 2, true);
        std::mem::swap(&mut cur, &mut next);
    }
    let agents = world.len();
    let ties = world.net.ties();
    let women = (0..agents).filter(|&i| world.agents.has(i, attr::WOMAN)).count();
    let acting = (0..agents).filter(|&i| world.agents.has(i, attr::WOMAN) && cur.core[i].stance == stance::ACTS).count();
    let opposing = cur.core.iter().filter(|c| c.stance == stance::OPPOSES).count();
    let supporting = (0..agents).filter(|&i| !world.agents.has(i, attr::WOMAN) && cur.core[i].stance == stance::ACTS).count();
    let mut by_layer = [0usize; 5];
    for &l in &world.net.layers {
        by_layer[l as usize] += 1;
    }
    let per_agent = by_layer.map(|c| format!("{:.2}", c as f64 / agents as f64));
    eprintln!(
        "[setup n={n}] villages={villages} agents={agents} ties={ties} ties/agent={:.2} world build {build_s:.2}s, \
         burn-in {burn_in}: women acting {:.1}%, agents opposing {:.1}%, men supporting {supporting}, csr {:.1} MB\n\
         [setup n={n}] ties/agent by layer (household, peer, leader, member, bridge): {}",
        ties as f64 / agents as f64,
        100.0 * acting as f64 / women.max(1) as f64,
        100.0 * opposing as f64 / agents as f64,
        world.net.bytes() as f64 / 1e6,
        per_agent.join(", "),
    );
    let f = Fixture { world, params, seed, start: cur, villages: villages_agg, t0: burn_in + 2 };
    if let Some(rounds) = ratio_rounds() {
        let levers = Levers::new(f.world.len(), f.world.village_women.len());
        let (mut v, mut cur, mut t) = (f.villages.clone(), f.start.clone(), f.t0);
        let mut next = cur.clone();
        let (step_s, bare_s) = interleaved(rounds, &f.world, &f.start, || {
            step(&f.world, &f.params, &levers, &mut v, &cur, &mut next, f.seed, t, false);
            std::mem::swap(&mut cur, &mut next);
            t += 1;
        });
        report_ratio(&format!("community n={n} burn-in {burn_in}"), &f.world, rounds, step_s, bare_s);
    }
    f
}

/// Rounds of the interleaved ratio measurement, if asked for.
fn ratio_rounds() -> Option<u32> {
    std::env::var("NORMSHIFT_BENCH_RATIO").ok().and_then(|v| v.parse().ok()).filter(|&r| r > 0)
}

/// `rounds` rounds of three calls of `step` then three bare passes over
/// `world`'s network; the fastest step and the fastest bare pass, seconds.
fn interleaved(rounds: u32, world: &World, state: &State, mut step: impl FnMut()) -> (f64, f64) {
    let (mut best_step, mut best_bare) = (f64::MAX, f64::MAX);
    let mut out = vec![0f32; world.len()];
    for _ in 0..rounds {
        for _ in 0..3 {
            let t = Instant::now();
            step();
            best_step = best_step.min(t.elapsed().as_secs_f64());
        }
        for _ in 0..3 {
            let t = Instant::now();
            bare_pass(world, divan::black_box(&state.public), &mut out);
            best_bare = best_bare.min(t.elapsed().as_secs_f64());
            divan::black_box(&mut out);
        }
    }
    (best_step, best_bare)
}

fn report_ratio(what: &str, world: &World, rounds: u32, step_s: f64, bare_s: f64) {
    let ties = world.net.ties() as f64;
    eprintln!(
        "[ratio {what}] step {:.3} ms ({:.0} M ties/s), bare {:.3} ms ({:.0} M ties/s): step/bare ties per second = {:.3} \
         (fastest of {rounds} interleaved rounds)",
        step_s * 1e3,
        ties / step_s / 1e6,
        bare_s * 1e3,
        ties / bare_s / 1e6,
        bare_s / step_s
    );
}

/// The bare loop: every agent sums `expr * weight` over its ties.
fn bare_pass(world: &World, public: &[normshift::model::Public], out: &mut [f32]) {
    let net = &world.net;
    for (o, w) in out.iter_mut().zip(net.offsets.windows(2)) {
        let row = w[0] as usize..w[1] as usize;
        let mut s = 0f32;
        for (&j, &wt) in net.targets[row.clone()].iter().zip(&net.weights[row]) {
            s += public[j as usize].expr * wt;
        }
        *o = s;
    }
}

/// One month of the community model on one thread.
#[divan::bench(args = SIZES, sample_count = 50, max_time = 20)]
fn community_step(bencher: Bencher, n: usize) {
    bench_steps(bencher, n, false);
}

/// Time successive community steps from the fixture of `n` agents,
/// `parallel` or on one thread.
fn bench_steps(bencher: Bencher, n: usize, parallel: bool) {
    let f = fixture(n);
    let world = &f.world;
    let levers = Levers::new(world.len(), world.village_women.len());
    let mut villages = f.villages.clone();
    let mut cur = f.start.clone();
    let mut next = cur.clone();
    let mut t = f.t0;
    bencher.counter(ItemsCount::new(world.len())).counter(CyclesCount::new(world.net.ties())).bench_local(|| {
        step(world, &f.params, &levers, &mut villages, &cur, &mut next, f.seed, t, parallel);
        std::mem::swap(&mut cur, &mut next);
        t += 1;
    });
    divan::black_box(&cur);
}

/// Every agent sums `expr * weight` over its ties: one pass over the network.
#[divan::bench(args = SIZES, sample_count = 50, max_time = 20)]
fn bare_neighbour_sum(bencher: Bencher, n: usize) {
    let f = fixture(n);
    let net = &f.world.net;
    let public = &f.start.public;
    let mut out = vec![0f32; f.world.len()];
    bencher.counter(ItemsCount::new(f.world.len())).counter(CyclesCount::new(net.ties())).bench_local(|| {
        bare_pass(&f.world, divan::black_box(public.as_slice()), &mut out);
        divan::black_box(&mut out);
    });
}

/// One month of the community model split across rayon's global pool.
#[divan::bench(args = [1_000_000], sample_count = 30, max_time = 20)]
fn community_step_parallel(bencher: Bencher, n: usize) {
    bench_steps(bencher, n, true);
}

/// Agents of the threshold benchmarks.
const THRESHOLD_AGENTS: usize = 1_000_000;

/// The Erdős–Rényi world of the threshold benchmarks and its start state.
struct Threshold {
    world: World,
    start: State,
}

fn threshold_fixture() -> &'static Threshold {
    static CELL: OnceLock<Threshold> = OnceLock::new();
    CELL.get_or_init(|| {
        let overrides = [
            format!("population.size={THRESHOLD_AGENTS}"),
            "network.mean_degree=10".to_string(),
            "rule.threshold=1".to_string(),
            "initial.adopters=0".to_string(),
        ];
        let text = builtin("reference/watts-2002").expect("built-in watts-2002");
        let s = parse_scenario(text, "watts-2002", &overrides).expect("threshold bench scenario");
        let seed = replicate_seed(s.seed, 0);
        let t = Instant::now();
        let world = build_world(&s, seed, None);
        let build_s = t.elapsed().as_secs_f64();
        let params = Params::new(&s);
        let start = initial_state(&s, &world, &params, seed);
        eprintln!(
            "[setup threshold] agents={} ties={} ties/agent={:.2} world build {build_s:.2}s, csr {:.1} MB",
            world.len(),
            world.net.ties(),
            world.net.ties() as f64 / world.len() as f64,
            world.net.bytes() as f64 / 1e6
        );
        if let Some(rounds) = ratio_rounds() {
            let mut cur = start.clone();
            let mut next = cur.clone();
            let (step_s, bare_s) = interleaved(rounds, &world, &start, || {
                full_threshold_step(&world, true, true, &cur, &mut next, false);
                std::mem::swap(&mut cur, &mut next);
            });
            report_ratio("threshold_step (full pass)", &world, rounds, step_s, bare_s);
        }
        Threshold { world, start }
    })
}

/// The full threshold pass: every agent reads every neighbour.
#[divan::bench(sample_count = 30, max_time = 20)]
fn threshold_step(bencher: Bencher) {
    let f = threshold_fixture();
    let mut cur = f.start.clone();
    let mut next = cur.clone();
    bencher.counter(ItemsCount::new(f.world.len())).counter(CyclesCount::new(f.world.net.ties())).bench_local(|| {
        full_threshold_step(&f.world, true, true, &cur, &mut next, false);
        std::mem::swap(&mut cur, &mut next);
    });
    divan::black_box(&cur);
}

/// The threshold step as `normshift run` takes it (counts kept between
/// steps; their first build is done before timing).
#[divan::bench(name = "threshold_step_counted", sample_count = 30, max_time = 20)]
fn threshold_counted(bencher: Bencher) {
    let f = threshold_fixture();
    let mut cur = f.start.clone();
    let mut next = cur.clone();
    let mut counts = Counts::default();
    threshold_step_counted(&f.world, true, true, &cur, &mut next, &mut counts, false);
    bencher.counter(ItemsCount::new(f.world.len())).counter(CyclesCount::new(f.world.net.ties())).bench_local(|| {
        threshold_step_counted(&f.world, true, true, &cur, &mut next, &mut counts, false);
        std::mem::swap(&mut cur, &mut next);
    });
    divan::black_box(&cur);
}

/// `bare_neighbour_sum` on the Erdős–Rényi network.
#[divan::bench(sample_count = 30, max_time = 20)]
fn threshold_bare(bencher: Bencher) {
    let f = threshold_fixture();
    let net = &f.world.net;
    let mut out = vec![0f32; f.world.len()];
    bencher.counter(ItemsCount::new(f.world.len())).counter(CyclesCount::new(net.ties())).bench_local(|| {
        bare_pass(&f.world, divan::black_box(f.start.public.as_slice()), &mut out);
        divan::black_box(&mut out);
    });
}

/// A hand-written threshold pass: count acting neighbours, compare the
/// share with the agent's threshold, write the decision.
#[divan::bench(sample_count = 30, max_time = 20)]
fn threshold_bare_count(bencher: Bencher) {
    let f = threshold_fixture();
    let net = &f.world.net;
    let theta = &f.world.theta;
    let mut out = vec![false; f.world.len()];
    bencher.counter(ItemsCount::new(f.world.len())).counter(CyclesCount::new(net.ties())).bench_local(|| {
        let public = divan::black_box(f.start.public.as_slice());
        for ((o, w), &th) in out.iter_mut().zip(net.offsets.windows(2)).zip(theta) {
            let row = &net.targets[w[0] as usize..w[1] as usize];
            let mut count = 0u32;
            for &j in row {
                count += u32::from(public[j as usize].flags & public::ACTS != 0);
            }
            *o = !row.is_empty() && count as f32 / row.len() as f32 >= th;
        }
        divan::black_box(&mut out);
    });
}
