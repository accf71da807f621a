//! Throughput of one month of the community model, on one core.
//!
//! `community_step`: one call of `normshift::model::step::step` with
//! `parallel = false`, alternating two state buffers so that every iteration
//! is a real step from the previous one.
//!
//! `bare_neighbour_sum`: over the same network, a hand-written loop that,
//! for every agent, sums its neighbours' public `expr` times the tie weight.
//! It reads every tie once and does nothing else, so it is the floor for a
//! step that perceives every tie.
//!
//! Both count agents (`ItemsCount`, shown as item/s = agent-steps per second)
//! and ties (`CyclesCount`, shown as Hz = ties per second). Worlds are built
//! once per size, outside the timed loop, and shared by both benchmarks.
//! The setup prints ties per agent (in total and by layer) and the stances.
//!
//! Run with `cargo bench --bench step`. `NORMSHIFT_BENCH_BURN_IN=K` steps
//! each world K months before timing (default 0: the initial state).

use divan::Bencher;
use divan::counter::{CyclesCount, ItemsCount};
use normshift::interventions::Levers;
use normshift::model::init::{build_world, initial_state};
use normshift::model::step::{Villages, step};
use normshift::model::{Params, State, World, stance};
use normshift::population::attr;
use normshift::rng::replicate_seed;
use normshift::scenario::parse_scenario;
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
    Fixture { world, params, seed, start: cur, villages: villages_agg, t0: burn_in + 2 }
}

/// One month of the community model on one thread.
#[divan::bench(args = SIZES, sample_count = 50, max_time = 20)]
fn community_step(bencher: Bencher, n: usize) {
    let f = fixture(n);
    let world = &f.world;
    let levers = Levers::new(world.len(), world.village_women.len());
    let mut villages = f.villages.clone();
    let mut cur = f.start.clone();
    let mut next = cur.clone();
    let mut t = f.t0;
    bencher.counter(ItemsCount::new(world.len())).counter(CyclesCount::new(world.net.ties())).bench_local(|| {
        step(world, &f.params, &levers, &mut villages, &cur, &mut next, f.seed, t, false);
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
        let public = divan::black_box(public.as_slice());
        for (o, w) in out.iter_mut().zip(net.offsets.windows(2)) {
            let row = w[0] as usize..w[1] as usize;
            let mut s = 0f32;
            for (&j, &wt) in net.targets[row.clone()].iter().zip(&net.weights[row]) {
                s += public[j as usize].expr * wt;
            }
            *o = s;
        }
        divan::black_box(&mut out);
    });
}
