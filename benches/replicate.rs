//! Sweep throughput: one whole replicate of the built-in `default`
//! scenario (about 5,000 adults in ten villages), as a sweep runs it:
//! the world built, the burn-in (the scenario's: 240 months) and every month of the
//! programme (96), through `normshift::run::Job::run_replicate`.
//!
//! - `default_baseline`: one strategy (`baseline`), one replicate.
//! - `default_all_strategies`: the scenario's five strategies on one
//!   replicate (one world and one burn-in shared, as `normshift run` does).
//!
//! Counters: agent-months (`ItemsCount`, item/s = agent-steps per second,
//! burn-in included) and tie-months (`CyclesCount`, Hz = ties read per
//! second if every tie is read once a month). One replicate runs on one
//! thread (a world this small is never split), so replicates per second on
//! a machine are about this rate times its cores. Run with
//! `cargo bench --bench replicate`.

use divan::Bencher;
use divan::counter::{CyclesCount, ItemsCount};
use normshift::model::init::build_world;
use normshift::rng::replicate_seed;
use normshift::run::Job;
use normshift::scenario::{Scenario, builtin, parse_scenario};
use std::sync::OnceLock;

fn main() {
    divan::main();
}

/// The default scenario and the size of its replicate-0 world.
fn scenario() -> &'static (Scenario, usize, usize) {
    static CELL: OnceLock<(Scenario, usize, usize)> = OnceLock::new();
    CELL.get_or_init(|| {
        let s = parse_scenario(builtin("default").expect("built-in default"), "default", &[]).expect("default scenario");
        let world = build_world(&s, replicate_seed(s.seed, 0), None);
        let (agents, ties) = (world.len(), world.net.ties());
        eprintln!("[setup replicate] default: agents={agents} ties={ties} burn-in={} months={}", s.burn_in(), s.steps);
        (s, agents, ties)
    })
}

fn bench_job(bencher: Bencher, strategies: Vec<usize>) {
    let (s, agents, ties) = scenario();
    let mut job = Job::all(s);
    job.reach = vec![1.0; strategies.len()];
    job.strategies = strategies;
    job.replicates = 0..1;
    job.trace = false;
    let months = (u64::from(s.burn_in()) + u64::from(s.steps) * job.strategies.len() as u64) as usize;
    bencher
        .counter(ItemsCount::new(agents * months))
        .counter(CyclesCount::new(ties * months))
        .bench_local(|| divan::black_box(job.run_replicate(0)));
}

/// One strategy, one replicate.
#[divan::bench(sample_count = 10, max_time = 30)]
fn default_baseline(bencher: Bencher) {
    let (s, ..) = scenario();
    let baseline = s.strategies.iter().position(|x| x.name == "baseline").expect("a baseline strategy");
    bench_job(bencher, vec![baseline]);
}

/// Every strategy of the scenario on one replicate.
#[divan::bench(sample_count = 10, max_time = 30)]
fn default_all_strategies(bencher: Bencher) {
    let (s, ..) = scenario();
    bench_job(bencher, (0..s.strategies.len()).collect());
}
