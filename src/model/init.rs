//! Building a replicate's world (people, ties, thresholds, anchors) and its
//! state at the start of burn-in. Pure functions of the scenario and the
//! replicate's seed.

use super::decide::{man_stance, refresh_public};
use super::rule::Rule;
use super::{Core, Hits, NEVER, Params, Public, State, World, public, stance};
use crate::network::{Csr, community, generators};
use crate::population::{self, Agents, Role, attr};
use crate::rng::{StepKey, purpose};
use crate::scenario::{Dist, Placement, Scenario};
use rand_distr::{Beta, Distribution, Normal};
use rayon::prelude::*;

/// What one replicate of a scenario holds in memory, estimated before
/// anything is allocated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    /// Agents (expected, for a generated community).
    pub agents: f64,
    /// Directed ties (expected).
    pub ties: f64,
    /// Bytes at the replicate's peak.
    pub bytes: u64,
}

/// About how much memory one replicate of `s` holds at its peak, for
/// refusing a scenario that would not fit before anything is allocated: the
/// world (agents, network, thresholds, anchors), three state buffers (the
/// burnt-in state and the two a run steps between), the interventions'
/// levers and targets, and the step's scratch. `loaded` is a network read
/// from files (each world holds a copy). The network is 9 bytes a tie and 4
/// an agent; ties are their expected number.
pub fn footprint(s: &Scenario, loaded: Option<&(Agents, Csr)>) -> Footprint {
    use crate::scenario::NetworkKind;
    use std::mem::size_of;
    let (agents, ties) = match (loaded, s.population.size) {
        (Some((a, g)), _) => (a.len() as f64, g.ties() as f64),
        (None, Some(n)) => (f64::from(n), generators::from_spec(&s.network, n as usize).map_or(0.0, |g| g.expected_ties(n as usize))),
        (None, None) => (s.approx_agents(), community::expected_ties(&s.population, &s.network)),
    };
    // While a network is generated, on top (bytes per tie; the generator's).
    let building = match s.population.size {
        Some(n) => generators::from_spec(&s.network, n as usize).map_or(0.0, |g| g.building_bytes_per_tie()),
        None => 0.0,
    };
    let network = 9.0 * ties + 4.0 * agents;
    // Agents (attributes 1, role 1, household, head, village 4 each),
    // theta 4, committed 1, anchor 4. (The leaders' policing index, 4
    // bytes for each tie of a leader outside his member ties, is a few
    // tenths of a percent of the network and left out.)
    let world = 23.0 * agents + network;
    let rule = Rule::of(s);
    let memory = if rule.keeps_memory() { size_of::<u64>() } else { 0 };
    let state = (size_of::<Core>() + size_of::<Hits>() + size_of::<Public>() + memory) as f64 * agents;
    // Levers 22 bytes an agent, scratch 1 (and the rule's own: a threshold
    // rule's counts may need the network's reverse), targets 4 per
    // intervention.
    let interventions = s.strategies.iter().map(|x| x.interventions.len()).max().unwrap_or(0) as f64;
    let mut scratch = 23.0 * agents + 4.0 * interventions * agents;
    scratch += rule.scratch_bytes(agents, ties, s.network.kind == NetworkKind::File);
    let run = world + 3.0 * state + scratch;
    let bytes = run.max(23.0 * agents + network + building * ties) as u64;
    Footprint { agents, ties, bytes }
}

/// Draw from a Beta distribution given by mean and sd (a point mass when sd is 0).
fn beta_draw(d: &Dist, rng: &mut crate::rng::Stream) -> f32 {
    let (m, sd) = (d.mean, d.sd);
    if sd <= 0.0 || m <= 0.0 || m >= 1.0 {
        return m as f32;
    }
    let k = m * (1.0 - m) / (sd * sd) - 1.0;
    match Beta::new(m * k, (1.0 - m) * k) {
        Ok(b) => b.sample(rng) as f32,
        Err(_) => m as f32,
    }
}

/// Draw from a Normal distribution (its mean when sd is 0).
pub(crate) fn normal_draw(mean: f64, sd: f64, rng: &mut crate::rng::Stream) -> f32 {
    match Normal::new(mean, sd) {
        Ok(n) if sd > 0.0 => n.sample(rng) as f32,
        _ => mean as f32,
    }
}

/// Build the world of one replicate: generated, or from a loaded network.
pub fn build_world(s: &Scenario, seed: u64, loaded: Option<&(Agents, Csr)>) -> World {
    let (agents, net) = match loaded {
        Some((a, g)) => (a.clone(), g.clone()),
        None => match s.population.size {
            Some(n) => {
                let agents = population::flat(n);
                let net = generators::from_spec(&s.network, n as usize).map(|g| g.generate(n as usize, seed)).unwrap_or_default();
                (agents, net)
            }
            None => {
                let agents = population::generate(&s.population, seed);
                let net = community::generate(&agents, &s.network, seed);
                (agents, net)
            }
        },
    };
    let n = agents.len();
    let rule = Rule::of(s);
    let key = StepKey::new(seed, 0, purpose::INITIAL);
    let init = &s.initial;
    // Each agent draws from its own stream: in parallel, same values.
    let draw = |i: usize| {
        let mut rng = key.stream(i as u32);
        let (dist, th) = if agents.is_woman(i) {
            (&init.women_attitude, (s.rule.women.theta_mean, s.rule.women.theta_sd))
        } else {
            match agents.role[i] {
                Role::Member => (&init.men_attitude, (s.rule.men.theta_mean, s.rule.men.theta_sd)),
                Role::Gatekeeper => (&init.gatekeeper_attitude, (s.rule.leaders.theta_mean, s.rule.leaders.theta_sd)),
                Role::ReligiousLeader => (&init.religious_leader_attitude, (s.rule.leaders.theta_mean, s.rule.leaders.theta_sd)),
            }
        };
        let a0 = beta_draw(dist, &mut rng);
        let theta = rule.theta(i, th, &mut rng);
        (a0, theta)
    };
    let (a0, theta): (Vec<f32>, Vec<f32>) = (0..n).into_par_iter().map(draw).unzip();
    // Committed agents: a share chosen at random.
    let mut committed = vec![0u8; n];
    let k = (s.initial.committed * n as f64).round() as usize;
    if k > 0 {
        let ckey = StepKey::new(seed, 2, purpose::INITIAL);
        let mut order: Vec<(u64, usize)> = (0..n).map(|i| (ckey.bits(i as u32, 0), i)).collect();
        smallest_first(&mut order, k.min(n));
        for &(_, i) in &order[..k.min(n)] {
            committed[i] = 1;
        }
    }
    let v = agents.villages as usize;
    let mut village_women = vec![0u32; v];
    let mut village_adults = vec![0u32; v];
    for i in 0..n {
        village_adults[agents.village[i] as usize] += 1;
        if agents.has(i, attr::WOMAN) {
            village_women[agents.village[i] as usize] += 1;
        }
    }
    let symmetric = match (loaded, s.population.size) {
        (None, Some(_)) => true,
        _ => rule.wants_symmetry() && super::rule::threshold::symmetric(&net),
    };
    let policing = super::Policing::new(&net);
    World { agents, net, theta, committed, a0, village_women, village_adults, council_seats: s.council.seats, symmetric, policing }
}

/// The state at the start of burn-in: attitudes at their anchors; women take
/// part with the initial share; men take the stance their rule gives with
/// their own attitude as the norm; expectations are what each agent then
/// observes around it.
pub fn initial_state(s: &Scenario, world: &World, params: &Params, seed: u64) -> State {
    if !Rule::of(s).community() {
        return reference_state(s, world, seed);
    }
    let n = world.len();
    let key = StepKey::new(seed, 1, purpose::INITIAL);
    let fear = s.initial.fear as f32;
    let start = |i: usize| {
        let a = world.a0[i];
        let u = key.uniform(i as u32, 0);
        let st = if world.agents.is_woman(i) {
            if f64::from(u) < s.initial.participation { stance::ACTS } else { stance::NEITHER }
        } else {
            let g = world.men_group(i);
            let v = params.m_attitude[g] * a + params.m_normative[g] * a - params.m_fear[g] * fear - world.theta[i];
            man_stance(params.beta, v, params.m_margin[g], u)
        };
        Core { attitude: a, empirical: 0.0, normative: 0.5, fear, stance: st, since: NEVER, ..Default::default() }
    };
    let core: Vec<Core> = (0..n).into_par_iter().map(start).collect();
    let mut state = State { core, hits: vec![Hits::default(); n], public: vec![Public::default(); n], memory: Vec::new() };
    refresh_public(world, &mut state);
    // Expectations start at what each agent sees.
    let net = &world.net;
    let public = &state.public;
    state.core.par_iter_mut().enumerate().for_each(|(i, c)| {
        let (mut ww, mut wa, mut wt, mut wn) = (0f32, 0f32, 0f32, 0f32);
        for e in net.row(i) {
            let p = public[net.targets[e] as usize];
            let w = net.weights[e];
            if p.flags & public::WOMAN != 0 {
                ww += w;
                if p.flags & public::ACTS != 0 {
                    wa += w;
                }
            }
            wt += w;
            wn += w * p.expr;
        }
        c.empirical = if ww > 0.0 { wa / ww } else { s.initial.participation as f32 };
        c.normative = if wt > 0.0 { wn / wt } else { 0.5 };
    });
    state
}

/// The start of a reference model: committed agents and initial adopters
/// act (adopters at random, or as a cluster of consecutive agents, which
/// are neighbours on a ring); memories hold only the old choice.
fn reference_state(s: &Scenario, world: &World, seed: u64) -> State {
    let n = world.len();
    let mut on: Vec<bool> = world.committed.iter().map(|&c| c != 0).collect();
    let adopters = (s.initial.adopters.unwrap_or(0) as usize).min(n);
    if adopters > 0 {
        let key = StepKey::new(seed, 3, purpose::INITIAL);
        match s.initial.placement {
            Placement::Random => {
                let mut order: Vec<(u64, usize)> = (0..n).map(|i| (key.bits(i as u32, 0), i)).collect();
                smallest_first(&mut order, adopters);
                for &(_, i) in &order[..adopters] {
                    on[i] = true;
                }
            }
            Placement::Cluster => {
                let first = (key.uniform64(0, 0) * n as f64) as usize % n;
                for d in 0..adopters {
                    on[(first + d) % n] = true;
                }
            }
        }
    }
    let core = on
        .iter()
        .map(|&a| Core { attitude: 0.5, normative: 0.5, stance: if a { stance::ACTS } else { stance::NEITHER }, ..Default::default() })
        .collect();
    let mut state = State {
        core,
        hits: vec![Hits::default(); n],
        public: vec![Public::default(); n],
        memory: vec![0; if Rule::of(s).keeps_memory() { n } else { 0 }],
    };
    refresh_public(world, &mut state);
    state
}

/// Put the `k` smallest entries of `order` (as a set) in front, in linear
/// time: all that choosing `k` agents by their random keys needs.
fn smallest_first(order: &mut [(u64, usize)], k: usize) {
    if k > 0 && k < order.len() {
        order.select_nth_unstable(k - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_is_close_to_what_a_replicate_holds() {
        use crate::scenario::parse_scenario;
        let cases: [(&str, &[&str]); 3] = [
            ("name = \"f\"", &["population.villages=40"]),
            (
                "name = \"e\"\n[population]\nsize = 50000\n[network]\nkind = \"erdos_renyi\"\nmean_degree = 10.0\n[rule]\nkind = \"threshold\"\nthreshold = 0.5\n",
                &[],
            ),
            ("name = \"g\"", &["population.villages=3", "population.households_per_village=900"]),
        ];
        for (text, overrides) in cases {
            let overrides: Vec<String> = overrides.iter().map(|x| x.to_string()).collect();
            let s = parse_scenario(text, "test", &overrides).unwrap();
            let f = footprint(&s, None);
            let world = build_world(&s, 1, None);
            assert!((f.agents / world.len() as f64 - 1.0).abs() < 0.05, "{text}: agents {} vs {}", f.agents, world.len());
            assert!((f.ties / world.net.ties() as f64 - 1.0).abs() < 0.08, "{text}: ties {} vs {}", f.ties, world.net.ties());
            let state = std::mem::size_of::<Core>() + std::mem::size_of::<Hits>() + std::mem::size_of::<Public>();
            let held = world.net.bytes() + world.len() * (23 + 3 * state + 15);
            let ratio = f.bytes as f64 / held as f64;
            assert!((0.95..1.4).contains(&ratio), "{text}: estimate {} vs {held} held", f.bytes);
        }
    }

    #[test]
    fn beta_draws_have_the_asked_mean() {
        let key = StepKey::new(1, 0, purpose::INITIAL);
        let d = Dist { mean: 0.3, sd: 0.1 };
        let n = 20_000;
        let mean: f64 = (0..n).map(|i| f64::from(beta_draw(&d, &mut key.stream(i)))).sum::<f64>() / f64::from(n);
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
    }
}
