//! What the analysis of a comparison over priors costs against its runs
//! (issue 14: "the analysis adds at most 10% to the time of its runs").
//!
//! - `analysis_256_draws`: `normshift::uncertainty::analysis::analyse` on
//!   256 draws x 2 replicates x 5 strategies over 6 parameters (the size
//!   of `compare uncertain-example --draws 256 --reps 2`): every chance,
//!   regret, parameter share, the PRIM box and first-order indices of the
//!   top strategy against each of the other three, and the acceptability
//!   curve. The outcomes are made up (gains that cross over the first two
//!   parameters, plus noise), so that PRIM has boxes to find.
//! - `example_replicate`: one unit of that job: one replicate of the
//!   `uncertain-example` scenario at its point values, its five strategies
//!   on one world. The job runs 512 such units (plus 4 at the point
//!   values), on as many cores as there are.
//!
//! - `read_default_with_priors`: reading the built-in `default` with its
//!   priors (`parse_with_priors`), which every `compare`, `check`,
//!   `calibrate` and web request on it pays once: it searches the valid
//!   range of each unbounded normal or log-normal prior.
//!
//! The analysis's share of the job is `analysis_256_draws` over
//! 512 x `example_replicate` (both on one core). Run with
//! `cargo bench --bench uncertainty`.

use divan::Bencher;
use normshift::rng::{StepKey, purpose_of};
use normshift::run::Job;
use normshift::scenario::{Scenario, builtin, parse_scenario};
use normshift::uncertainty::analysis::{Outcomes, analyse};
use normshift::uncertainty::prior::parse_with_priors;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

const DRAWS: usize = 256;
const REPS: usize = 2;
const PARAMS: usize = 6;

/// Made-up outcomes of 256 draws: baseline and four strategies whose
/// gains cross over the first two parameters.
fn outcomes() -> &'static (Outcomes, Vec<Vec<f64>>, Vec<String>) {
    static CELL: OnceLock<(Outcomes, Vec<Vec<f64>>, Vec<String>)> = OnceLock::new();
    CELL.get_or_init(|| {
        let key = StepKey::new(7, 0, purpose_of("bench"));
        let names: Vec<String> = ["baseline", "a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let values: Vec<Vec<f64>> = (0..DRAWS).map(|d| (0..PARAMS).map(|p| key.uniform64(d as u32, p as u32)).collect()).collect();
        let mut o = Outcomes::new(names.clone(), DRAWS, REPS);
        for (d, x) in values.iter().enumerate() {
            for r in 0..REPS {
                let noise = |k: u32| 0.02 * (key.uniform64(d as u32 + 10_000, r as u32 * 8 + k) - 0.5);
                o.set(d, r, 0, 0.0, 0.0, 0.0);
                o.set(d, r, 1, 0.3 * x[0] + noise(1), 150_000.0, noise(5));
                o.set(d, r, 2, 0.25 * (1.0 - x[0]) + 0.05 * x[1] + noise(2), 230_000.0, noise(6));
                o.set(d, r, 3, 0.1 * x[1] + noise(3), 140_000.0, noise(7));
                o.set(d, r, 4, 0.02 + noise(4), 40_000.0, 0.01 + noise(8));
            }
        }
        let keys = (0..PARAMS).map(|p| format!("p{p}")).collect();
        (o, values, keys)
    })
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn analysis_256_draws(bencher: Bencher) {
    let (o, values, keys) = outcomes();
    bencher.bench_local(|| divan::black_box(analyse(o, values, keys)));
}

fn example() -> &'static Scenario {
    static CELL: OnceLock<Scenario> = OnceLock::new();
    CELL.get_or_init(|| {
        let text = builtin("uncertain-example").expect("built-in uncertain-example");
        parse_scenario(text, "uncertain-example", &[]).expect("uncertain-example scenario")
    })
}

#[divan::bench(sample_count = 5, max_time = 60)]
fn example_replicate(bencher: Bencher) {
    let s = example();
    let mut job = Job::all(s);
    job.replicates = 0..1;
    job.trace = false;
    bencher.bench_local(|| divan::black_box(job.run_replicate(0)));
}

#[divan::bench(sample_count = 20, max_time = 20)]
fn read_default_with_priors(bencher: Bencher) {
    let text = builtin("default").expect("built-in default");
    bencher.bench_local(|| divan::black_box(parse_with_priors(text, "default", &[]).expect("default with priors")));
}
