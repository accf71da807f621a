//! Building a replicate's world (people, ties, thresholds, anchors) and its
//! state at the start of burn-in. Pure functions of the scenario and the
//! replicate's seed.

use super::{Core, Hits, Params, Public, State, World, public, stance};
use crate::network::{Csr, community, generators};
use crate::population::{self, Agents, Role, attr};
use crate::rng::{StepKey, purpose};
use crate::scenario::{Dist, Placement, RuleKind, Scenario};
use rand_distr::{Beta, Distribution, Normal};

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

fn normal_draw(mean: f64, sd: f64, rng: &mut crate::rng::Stream) -> f32 {
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
    let key = StepKey::new(seed, 0, purpose::INITIAL);
    let mut theta = Vec::with_capacity(n);
    let mut a0 = Vec::with_capacity(n);
    let init = &s.initial;
    for i in 0..n {
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
        a0.push(beta_draw(dist, &mut rng));
        theta.push(match s.rule.kind {
            RuleKind::Logit => normal_draw(th.0, th.1, &mut rng),
            RuleKind::Threshold => match (&s.rule.thresholds, s.rule.threshold) {
                (Some(list), _) => list.get(i).copied().unwrap_or(f64::INFINITY) as f32,
                (None, t) => normal_draw(t.unwrap_or(0.0), s.rule.threshold_sd, &mut rng).max(0.0),
            },
            RuleKind::MemoryBestResponse => 0.0,
        });
    }
    // Committed agents: a share chosen at random.
    let mut committed = vec![0u8; n];
    let k = (s.initial.committed * n as f64).round() as usize;
    if k > 0 {
        let ckey = StepKey::new(seed, 2, purpose::INITIAL);
        let mut order: Vec<(u64, usize)> = (0..n).map(|i| (ckey.bits(i as u32, 0), i)).collect();
        order.sort_unstable();
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
    World { agents, net, theta, committed, a0, village_women, village_adults }
}

/// The state at the start of burn-in: attitudes at their anchors; women take
/// part with the initial share; men take the stance their rule gives with
/// their own attitude as the norm; expectations are what each agent then
/// observes around it.
pub fn initial_state(s: &Scenario, world: &World, params: &Params, seed: u64) -> State {
    if s.rule.kind != RuleKind::Logit {
        return reference_state(s, world, seed);
    }
    let n = world.len();
    let key = StepKey::new(seed, 1, purpose::INITIAL);
    let fear = s.initial.fear as f32;
    let mut core = Vec::with_capacity(n);
    for i in 0..n {
        let a = world.a0[i];
        let u = key.uniform(i as u32, 0);
        let st = if world.agents.is_woman(i) {
            if f64::from(u) < s.initial.participation { stance::ACTS } else { stance::NEITHER }
        } else {
            let g = world.men_group(i);
            let v = params.m_attitude[g] * a + params.m_normative[g] * a - params.m_fear[g] * fear - world.theta[i];
            man_stance(params.beta, v, params.m_margin[g], u)
        };
        core.push(Core { attitude: a, empirical: 0.0, normative: 0.5, fear, stance: st, ..Default::default() });
    }
    let mut state = State { core, hits: vec![Hits::default(); n], public: vec![Public::default(); n], memory: Vec::new() };
    refresh_public(world, &mut state);
    // Expectations start at what each agent sees.
    let net = &world.net;
    for i in 0..n {
        let (mut ww, mut wa, mut wt, mut wn) = (0f32, 0f32, 0f32, 0f32);
        for e in net.row(i) {
            let p = state.public[net.targets[e] as usize];
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
        let c = &mut state.core[i];
        c.empirical = if ww > 0.0 { wa / ww } else { s.initial.participation as f32 };
        c.normative = if wt > 0.0 { wn / wt } else { 0.5 };
    }
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
                order.sort_unstable();
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
        memory: vec![0; if s.rule.kind == RuleKind::MemoryBestResponse { n } else { 0 }],
    };
    refresh_public(world, &mut state);
    state
}

/// A man's stance from his utility `v`: supports with probability
/// sigma(beta v), opposes with sigma(-beta (v + margin)), else neither.
#[inline(always)]
pub fn man_stance(beta: f32, v: f32, margin: f32, u: f32) -> u8 {
    let p_support = sigmoid(beta * v);
    let p_oppose = sigmoid(-beta * (v + margin));
    if u < p_support {
        stance::ACTS
    } else if u < p_support + p_oppose {
        stance::OPPOSES
    } else {
        stance::NEITHER
    }
}

/// The logistic function.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Recompute what neighbours see of every agent.
pub fn refresh_public(world: &World, state: &mut State) {
    for (i, ((c, h), p)) in state.core.iter().zip(&state.hits).zip(state.public.iter_mut()).enumerate() {
        *p = public_of(c, h, world.agents.is_woman(i));
    }
}

/// What neighbours see of one agent.
#[inline(always)]
pub fn public_of(c: &Core, h: &Hits, woman: bool) -> Public {
    let mut flags = 0u8;
    let expr = if woman {
        flags |= public::WOMAN;
        if c.stance == stance::ACTS {
            flags |= public::ACTS;
            c.attitude
        } else {
            0.5
        }
    } else {
        match c.stance {
            stance::ACTS => {
                flags |= public::SUPPORTS;
                1.0
            }
            stance::OPPOSES => 0.0,
            _ => 0.5,
        }
    };
    if h.sanctions > 0 {
        flags |= public::SANCTIONED;
    }
    if h.champion == super::champion::ACTIVE {
        flags |= public::CHAMPION;
    }
    Public { expr, flags }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_draws_have_the_asked_mean() {
        let key = StepKey::new(1, 0, purpose::INITIAL);
        let d = Dist { mean: 0.3, sd: 0.1 };
        let n = 20_000;
        let mean: f64 = (0..n).map(|i| f64::from(beta_draw(&d, &mut key.stream(i)))).sum::<f64>() / f64::from(n);
        assert!((mean - 0.3).abs() < 0.01, "{mean}");
    }

    #[test]
    fn man_stance_probabilities_add_up() {
        // With margin 0 a man never stays neutral.
        for k in 0..100 {
            let u = k as f32 / 100.0;
            assert_ne!(man_stance(4.0, 0.1, 0.0, u), stance::NEITHER);
        }
        // A strongly positive utility almost always supports.
        assert_eq!(man_stance(4.0, 3.0, 0.3, 0.99), stance::ACTS);
        assert_eq!(man_stance(4.0, -3.0, 0.3, 0.01), stance::OPPOSES);
    }
}
