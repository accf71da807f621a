//! Calibration throughput: simulations per second per core on the built-in
//! `default` scenario, one simulation being what an ABC-SMC attempt costs:
//! a fresh seed, one replicate of the strategies a targets file names
//! (world built, burn-in, every month), and the targets' statistics from
//! its results.
//!
//! - `baseline_only`: one target on `baseline`.
//! - `baseline_and_champions`: a level on `baseline` and the paired
//!   difference of `male_champions` from it (two strategies, one world and
//!   one burn-in).
//!
//! - `default_evidence`: the default's own evidence targets
//!   (`scenarios/default-targets.toml`, built in: three strategies, every
//!   window within months 0-59) at `--steps 60`: what one attempt of the
//!   shipped fit costs (docs/validation.md, "The default fitted").
//!
//! - `one_village_baseline`: `baseline_only` on the default at one village
//!   (about 500 adults): the size a calibration to shares runs at
//!   (docs/calibration.md section 8).
//!
//! `ItemsCount` is one simulation, so item/s is simulations per second on
//! one core (a simulation of a world this small runs on one thread; on a
//! machine, about this rate times its cores). Run with
//! `cargo bench --bench calibrate`.

use divan::Bencher;
use divan::counter::ItemsCount;
use normshift::calibrate::targets::{Targets, parse_targets};
use normshift::scenario::{Scenario, builtin, builtin_file, parse_scenario};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

fn main() {
    divan::main();
}

fn scenario() -> &'static Scenario {
    static CELL: OnceLock<Scenario> = OnceLock::new();
    CELL.get_or_init(|| parse_scenario(builtin("default").expect("built-in default"), "default", &[]).expect("default scenario"))
}

const LEVEL: &str = r#"
[[targets]]
name = "participation at the end, no programme"
metric = "participation_final"
strategy = "baseline"
value = 0.2
sd = 0.05
source = "bench"
"#;

const GAIN: &str = r#"
[[targets]]
name = "champions' gain"
metric = "participation_final"
strategy = "male_champions"
vs = "baseline"
value = 0.1
sd = 0.05
source = "bench"
"#;

fn one_village() -> &'static Scenario {
    static CELL: OnceLock<Scenario> = OnceLock::new();
    CELL.get_or_init(|| {
        parse_scenario(builtin("default").expect("built-in default"), "default", &["population.villages=1".into()]).expect("one village")
    })
}

fn bench_targets(bencher: Bencher, text: &str) {
    bench_on(bencher, scenario(), text);
}

fn bench_on(bencher: Bencher, s: &Scenario, text: &str) {
    let targets: Targets = parse_targets(text, "bench", s).expect("bench targets");
    let seed = AtomicU64::new(1);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let mut run = s.clone();
        run.seed = seed.fetch_add(1, Ordering::Relaxed);
        run.replicates = 1;
        divan::black_box(targets.simulate(&run, None).expect("statistics"))
    });
}

/// One strategy per simulation.
#[divan::bench(sample_count = 10, max_time = 30)]
fn baseline_only(bencher: Bencher) {
    bench_targets(bencher, LEVEL);
}

/// Two strategies per simulation (a paired difference).
#[divan::bench(sample_count = 10, max_time = 30)]
fn baseline_and_champions(bencher: Bencher) {
    bench_targets(bencher, &format!("{LEVEL}\n{GAIN}"));
}

/// One strategy per simulation, on the default at one village.
#[divan::bench(sample_count = 10, max_time = 20)]
fn one_village_baseline(bencher: Bencher) {
    bench_on(bencher, one_village(), LEVEL);
}

/// The default's evidence targets, three strategies, months 0-59.
#[divan::bench(sample_count = 5, max_time = 30)]
fn default_evidence(bencher: Bencher) {
    static CELL: OnceLock<Scenario> = OnceLock::new();
    let s = CELL.get_or_init(|| {
        parse_scenario(builtin("default").expect("built-in default"), "default", &["steps=60".into()]).expect("default at 60 months")
    });
    bench_on(bencher, s, builtin_file("default-targets.toml").expect("built-in default targets"));
}
