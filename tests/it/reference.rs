//! The classic results the engine must reproduce (MODEL.md section 7),
//! each on its scenario file under `scenarios/reference/`, with the
//! tolerance stated. Kept fast; the full-size validation is
//! `normshift validate` (docs/validation.md).

use normshift::outcomes::{col, sum};
use normshift::run::{Job, RunResult};
use normshift::scenario::{Scenario, parse_scenario};

fn load(name: &str, sets: &[String]) -> Scenario {
    let path = format!("{}/scenarios/reference/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    parse_scenario(&text, &path, sets).unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario) -> Vec<RunResult> {
    Job::all(s).run(&|_| {})
}

fn sets(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Month at which adoption first reaches `level` (None if never).
fn time_to(r: &RunResult, level: f64) -> Option<usize> {
    r.months.iter().position(|m| m[col::ADOPTION] >= level)
}

#[test]
fn granovetter_all_riot_then_one() {
    let s = load("granovetter-1978", &[]);
    let rs = run(&s);
    assert_eq!(rs[0].summary[sum::ADOPTION_FINAL], 1.0, "all 100 riot");
    let mut t: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    t[1] = "2".into();
    let s = load("granovetter-1978", &[format!("rule.thresholds=[{}]", t.join(","))]);
    let rs = run(&s);
    assert_eq!(rs[0].summary[sum::ADOPTION_FINAL], 0.01, "exactly one riots");
}

/// Share of runs with a global cascade (over half the agents adopt).
fn cascade_frequency(z: f64, reps: u32) -> f64 {
    let s = load("watts-2002", &sets(&[&format!("network.mean_degree={z}"), &format!("replicates={reps}"), "steps=60"]));
    let rs = run(&s);
    rs.iter().filter(|r| r.summary[sum::ADOPTION_FINAL] > 0.5).count() as f64 / rs.len() as f64
}

#[test]
fn watts_cascade_window() {
    // Inside the window cascades are frequent; above its upper edge (5.76
    // analytically for phi = 0.18) they vanish; below z = 1 the graph does
    // not percolate. 40 runs each: tolerances allow sampling error.
    let inside = cascade_frequency(3.0, 40);
    assert!(inside > 0.3, "z = 3: cascade frequency {inside} (expected > 0.3)");
    let edge = cascade_frequency(5.0, 40);
    assert!(edge > 0.02, "z = 5: cascade frequency {edge} (expected cascades near the upper edge)");
    let above = cascade_frequency(8.0, 40);
    assert!(above < 0.03, "z = 8: cascade frequency {above} (expected none above the window)");
    let below = cascade_frequency(0.5, 40);
    assert_eq!(below, 0.0, "z = 0.5: no global cascades below percolation");
}

#[test]
fn centola_macy_complex_contagion_needs_clustered_ties() {
    // Threshold 2 saturates the lattice; heavy rewiring blocks it.
    let lattice = run(&load("centola-macy-2007", &sets(&["replicates=5"])));
    for r in &lattice {
        assert_eq!(r.summary[sum::ADOPTION_FINAL], 1.0, "threshold 2 saturates the unrewired lattice");
    }
    let rewired = run(&load("centola-macy-2007", &sets(&["replicates=5", "network.p=0.5"])));
    let mean: f64 = rewired.iter().map(|r| r.summary[sum::ADOPTION_FINAL]).sum::<f64>() / rewired.len() as f64;
    assert!(mean < 0.2, "rewiring with p = 0.5 must block the complex contagion (mean adoption {mean})");
    // Threshold 1: long ties speed it up.
    let slow = run(&load("centola-macy-2007", &sets(&["replicates=5", "rule.threshold=1"])));
    let fast = run(&load("centola-macy-2007", &sets(&["replicates=5", "rule.threshold=1", "network.p=0.2"])));
    let t = |rs: &[RunResult]| rs.iter().map(|r| time_to(r, 0.99).unwrap_or(usize::MAX) as f64).sum::<f64>() / rs.len() as f64;
    let (t_slow, t_fast) = (t(&slow), t(&fast));
    assert!(t_fast < 0.5 * t_slow, "simple contagion: rewiring must at least halve the time to saturate ({t_fast} vs {t_slow})");
}

#[test]
fn centola_committed_minority_tips_near_a_quarter() {
    let frac = |c: f64| {
        let rs = run(&load("centola-2018", &sets(&[&format!("initial.committed={c}"), "replicates=5"])));
        rs.iter().map(|r| r.summary[sum::ADOPTION_FINAL]).sum::<f64>() / rs.len() as f64
    };
    let low = frac(0.15);
    let high = frac(0.35);
    assert!(low < 0.3, "15% committed must not tip (final adoption {low})");
    assert!(high > 0.95, "35% committed must tip (final adoption {high})");
}

#[test]
fn reference_rules_refuse_missing_keys() {
    let base = "name = \"x\"\n[population]\nsize = 10\n[network]\nkind = \"ring\"\nk = 2\n";
    let e = parse_scenario(&format!("{base}[rule]\nkind = \"threshold\"\n"), "x.toml", &[]).unwrap_err();
    assert!(e.to_string().contains("rule.threshold"), "{e}");
    let e = parse_scenario(&format!("{base}[rule]\nkind = \"memory_best_response\"\n"), "x.toml", &[]).unwrap_err();
    assert!(e.to_string().contains("rule.memory"), "{e}");
    let e = parse_scenario(&format!("{base}[rule]\nkind = \"threshold\"\nthresholds = [1, 2]\n"), "x.toml", &[]).unwrap_err();
    assert!(e.to_string().contains("needs one per agent: 10"), "{e}");
    let e = parse_scenario("name = \"x\"\n[population]\nsize = 10\n[network]\nkind = \"ring\"\nk = 3\n", "x.toml", &[]).unwrap_err();
    assert!(e.to_string().contains("network.k"), "{e}");
    let e = parse_scenario("name = \"x\"\n[population]\nsize = 10\n[network]\nkind = \"watts_strogatz\"\nk = 2\np = 1.5\n", "x.toml", &[])
        .unwrap_err();
    assert!(e.to_string().contains("network.p"), "{e}");
    let e = parse_scenario("name = \"x\"\n[population]\nsize = 10\n[network]\nkind = \"erdos_renyi\"\nmean_degree = 10\n", "x.toml", &[])
        .unwrap_err();
    assert!(e.to_string().contains("network.mean_degree"), "{e}");
}
