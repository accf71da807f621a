//! The Rust side of `benches/peers/run.sh`: Watts' threshold model (10,000
//! agents, Erdős–Rényi with mean degree 8, relative threshold 0.18, one
//! random initial adopter, permanent adoption, 50 synchronous steps), timed
//! three ways on the same worlds:
//!
//! - `bare`: a hand-written CSR loop over `bool` states (count acting
//!   neighbours, compare the share with the threshold), the limit for a
//!   step that reads every tie;
//! - `full`: `normshift::model::rule::threshold::threshold_step`, the full pass;
//! - `counted`: `threshold_step_counted`, what `normshift run` uses (same
//!   result, reads only the ties of agents that changed).
//!
//! Only the 50 steps are timed (not building the graph), one thread. The
//! worlds are those of `normshift run reference/watts-2002 --set
//! network.mean_degree=8 --steps 50` (replicate r has the run's seed for
//! r), and the three must end with the same adopters, else it panics.
//!
//! Usage: `cargo bench --bench peers -- [REPS]` (default 20). Prints one
//! `key=value` line per measurement for the script, then a summary.

use normshift::model::init::{build_world, initial_state};
use normshift::model::rule::threshold::{Counts, threshold_step, threshold_step_counted};
use normshift::model::{Params, State, World, public};
use normshift::rng::replicate_seed;
use normshift::scenario::{builtin, parse_scenario};
use std::time::Instant;

const STEPS: usize = 50;

fn acting(p: &normshift::model::Public) -> bool {
    p.flags & (public::ACTS | public::SUPPORTS) != 0
}

/// 50 steps of the hand-written loop; returns seconds and final adopters.
fn bare(world: &World, start: &State) -> (f64, Vec<bool>) {
    let net = &world.net;
    let mut cur: Vec<bool> = start.public.iter().map(acting).collect();
    let mut next = cur.clone();
    let theta = &world.theta;
    let t = Instant::now();
    for _ in 0..STEPS {
        for (i, (n, w)) in next.iter_mut().zip(net.offsets.windows(2)).enumerate() {
            let row = &net.targets[w[0] as usize..w[1] as usize];
            *n = cur[i]
                || (!row.is_empty() && {
                    let mut count = 0u32;
                    for &j in row {
                        count += u32::from(cur[j as usize]);
                    }
                    count as f32 / row.len() as f32 >= theta[i]
                });
        }
        std::mem::swap(&mut cur, &mut next);
    }
    (t.elapsed().as_secs_f64(), std::hint::black_box(cur))
}

/// 50 steps of a normshift step function; returns seconds and adopters.
fn normshift(start: &State, mut step: impl FnMut(&State, &mut State)) -> (f64, Vec<bool>) {
    let mut cur = start.clone();
    let mut next = cur.clone();
    let t = Instant::now();
    for _ in 0..STEPS {
        step(&cur, &mut next);
        std::mem::swap(&mut cur, &mut next);
    }
    let secs = t.elapsed().as_secs_f64();
    (secs, cur.public.iter().map(acting).collect())
}

fn main() {
    let reps: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let overrides = ["network.mean_degree=8".to_string(), format!("steps={STEPS}")];
    let text = builtin("reference/watts-2002").expect("built-in watts-2002");
    let s = parse_scenario(text, "reference/watts-2002", &overrides).expect("scenario");
    let (mut t_bare, mut t_full, mut t_counted) = (0.0, 0.0, 0.0);
    let (mut agents, mut ties, mut adopters) = (0usize, 0usize, 0usize);
    for r in 0..reps {
        let seed = replicate_seed(s.seed, r);
        let world = build_world(&s, seed, None);
        let start = initial_state(&s, &world, &Params::new(&s), seed);
        let (relative, permanent) = (s.rule.own.threshold.relative, s.rule.own.threshold.permanent);
        let (tb, ab) = bare(&world, &start);
        let (tf, af) = normshift(&start, |c, n| threshold_step(&world, relative, permanent, c, n, false));
        let mut counts = Counts::default();
        let (tc, ac) = normshift(&start, |c, n| threshold_step_counted(&world, relative, permanent, c, n, &mut counts, false));
        assert_eq!(ab, af, "replicate {r}: the bare loop and threshold_step disagree");
        assert_eq!(af, ac, "replicate {r}: threshold_step and threshold_step_counted disagree");
        t_bare += tb;
        t_full += tf;
        t_counted += tc;
        agents += world.len();
        ties += world.net.ties();
        adopters += ab.iter().filter(|&&a| a).count();
    }
    let agent_steps = (agents * STEPS) as f64;
    let tie_steps = (ties * STEPS) as f64;
    println!("reps={reps}");
    println!("agents={}", agents / reps as usize);
    println!("ties_per_agent={:.3}", ties as f64 / agents as f64);
    println!("mean_final_adopters={:.1}", adopters as f64 / f64::from(reps));
    for (name, t) in [("bare", t_bare), ("full", t_full), ("counted", t_counted)] {
        println!("{name}_seconds_per_run={:.9}", t / f64::from(reps));
        println!("{name}_agent_steps_per_second={:.0}", agent_steps / t);
        println!("{name}_edges_per_second={:.0}", tie_steps / t);
    }
}
