//! Network generation at 1,000,000 agents.
//!
//! - `community`: the default scenario's population and village network
//!   (2,000 villages of about 500 adults; about 18 ties per agent).
//! - `erdos_renyi`: G(n, p) with mean degree 10.
//!
//! Counters: agents (`ItemsCount`, item/s) and directed ties built
//! (`CyclesCount`, Hz). Generation uses rayon's global pool (all cores);
//! `RAYON_NUM_THREADS=1` measures one core. The result does not depend on
//! the number of threads. Run with `cargo bench --bench network`.

use divan::Bencher;
use divan::counter::{CyclesCount, ItemsCount};
use normshift::network::{community, generators};
use normshift::population;
use normshift::scenario::{builtin, parse_scenario};

fn main() {
    divan::main();
}

/// Agents generated.
const N: usize = 1_000_000;

#[divan::bench(sample_count = 5, max_time = 60)]
fn community(bencher: Bencher) {
    let villages = N / 500;
    let overrides = [format!("population.villages={villages}")];
    let s = parse_scenario(builtin("default").expect("built-in default"), "default", &overrides).expect("scenario");
    let agents = population::generate(&s.population, 1);
    let ties = community::generate(&agents, &s.network, 1).ties();
    eprintln!("[setup community] agents={} ties={ties}", agents.len());
    bencher.counter(ItemsCount::new(agents.len())).counter(CyclesCount::new(ties)).bench_local(|| {
        let agents = population::generate(&s.population, 1);
        divan::black_box(community::generate(&agents, &s.network, 1))
    });
}

#[divan::bench(sample_count = 5, max_time = 60)]
fn erdos_renyi(bencher: Bencher) {
    let ties = generators::erdos_renyi(N, 10.0, 1).ties();
    eprintln!("[setup erdos_renyi] agents={N} ties={ties}");
    bencher
        .counter(ItemsCount::new(N))
        .counter(CyclesCount::new(ties))
        .bench_local(|| divan::black_box(generators::erdos_renyi(N, 10.0, 1)));
}
