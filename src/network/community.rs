//! The community network: household, peer (gender and class homophily),
//! leader (congregation and authority) and bridge layers, generated from a
//! replicate's seed in time linear in the number of ties.

use super::{Csr, TieList, layer};
use crate::population::Agents;
use crate::rng::{StepKey, purpose};
use crate::scenario::Network as NetworkSpec;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};

/// Generate the ties of a generated community.
pub fn generate(agents: &Agents, spec: &NetworkSpec, seed: u64) -> Csr {
    let n = agents.len();
    let w = &spec.weights;
    let leaders_per_village =
        agents.role.iter().filter(|r| **r != crate::population::Role::Member).count() / agents.villages.max(1) as usize;
    let est = n * (4 + spec.peer_degree.ceil() as usize + 2 * leaders_per_village + 1);
    let mut ties = TieList::with_capacity(est);

    // Household: complete within each household (agents are contiguous).
    let mut start = 0;
    while start < n {
        let hh = agents.household[start];
        let mut end = start;
        while end < n && agents.household[end] == hh {
            end += 1;
        }
        for a in start..end {
            for b in start..end {
                if a != b {
                    ties.push(a as u32, b as u32, w.household as f32, layer::HOUSEHOLD);
                }
            }
        }
        start = end;
    }

    // Villages: contiguous ranges, then pools by (gender, class).
    let mut bounds = vec![0usize; agents.villages as usize + 1];
    for i in 0..n {
        bounds[agents.village[i] as usize + 1] = i + 1;
    }
    for v in 1..bounds.len() {
        bounds[v] = bounds[v].max(bounds[v - 1]);
    }
    let key = StepKey::new(seed, 0, purpose::NETWORK);
    let stubs = Poisson::new((spec.peer_degree / 2.0).max(1e-9)).ok();
    let mut pools: [Vec<u32>; 6] = Default::default();
    for v in 0..agents.villages as usize {
        let (lo, hi) = (bounds[v], bounds[v + 1]);
        for p in pools.iter_mut() {
            p.clear();
        }
        for i in lo..hi {
            pools[usize::from(agents.is_woman(i)) * 3 + agents.class(i)].push(i as u32);
        }
        for i in lo..hi {
            let mut rng = key.stream(i as u32);
            let k = if spec.peer_degree > 0.0 { stubs.as_ref().map_or(0.0, |p| p.sample(&mut rng)) as u32 } else { 0 };
            for _ in 0..k {
                let woman = agents.is_woman(i) == (rng.random::<f64>() < spec.gender_homophily);
                let mut class = agents.class(i);
                if rng.random::<f64>() >= spec.class_homophily {
                    class = (class + 1 + rng.random_range(0..2usize)) % 3;
                }
                let g = usize::from(woman) * 3;
                let pool = [&pools[g + class], &pools[g], &pools[g + 1], &pools[g + 2]].into_iter().find(|p| !p.is_empty());
                let j = match pool {
                    Some(p) => p[rng.random_range(0..p.len())],
                    None => (lo + rng.random_range(0..hi - lo)) as u32,
                };
                if j as usize != i {
                    ties.push_both(i as u32, j, w.peer as f32, layer::PEER);
                }
            }
        }
        // Leaders: every member listens to each leader of the village; each
        // leader attends a little to every member.
        for l in lo..hi {
            if agents.is_leader(l) {
                for m in lo..hi {
                    if m != l {
                        ties.push(m as u32, l as u32, w.leader as f32, layer::LEADER);
                        ties.push(l as u32, m as u32, w.member as f32, layer::MEMBER);
                    }
                }
            }
        }
    }

    // Bridges between villages.
    if agents.villages > 1 && spec.bridge_degree > 0.0 {
        let key = StepKey::new(seed, 1, purpose::NETWORK);
        let pairs = (n as f64 * spec.bridge_degree / 2.0).round() as u32;
        for e in 0..pairs {
            let mut rng = key.stream(e);
            let a = rng.random_range(0..n);
            for _ in 0..16 {
                let b = rng.random_range(0..n);
                if agents.village[a] != agents.village[b] {
                    ties.push_both(a as u32, b as u32, w.bridge as f32, layer::BRIDGE);
                    break;
                }
            }
        }
    }
    ties.build(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population;
    use crate::scenario::Population;

    #[test]
    fn layers_have_the_asked_structure() {
        let pop = Population { villages: 4, households_per_village: 150, ..Default::default() };
        let agents = population::generate(&pop, 5);
        let spec = NetworkSpec::default();
        let g = generate(&agents, &spec, 5);
        let n = agents.len();
        assert_eq!(g.nodes(), n);
        let mut peer = 0usize;
        let mut same_gender = 0usize;
        let mut same_class = 0usize;
        for i in 0..n {
            for e in g.row(i) {
                let j = g.targets[e] as usize;
                match g.layers[e] {
                    layer::HOUSEHOLD => assert_eq!(agents.household[i], agents.household[j]),
                    layer::PEER => {
                        assert_eq!(agents.village[i], agents.village[j]);
                        peer += 1;
                        same_gender += usize::from(agents.is_woman(i) == agents.is_woman(j));
                        same_class += usize::from(agents.class(i) == agents.class(j));
                    }
                    layer::LEADER => assert!(agents.is_leader(j)),
                    layer::BRIDGE => assert_ne!(agents.village[i], agents.village[j]),
                    _ => {}
                }
            }
        }
        let mean_peer = peer as f64 / n as f64;
        assert!((mean_peer - spec.peer_degree).abs() < 1.0, "{mean_peer}");
        let g_share = same_gender as f64 / peer as f64;
        assert!((g_share - spec.gender_homophily).abs() < 0.06, "{g_share}");
        let c_share = same_class as f64 / peer as f64;
        assert!(c_share > 0.6, "{c_share}");
    }
}
