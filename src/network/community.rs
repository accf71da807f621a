//! The community network: household, peer (gender and class homophily),
//! leader (congregation and authority) and bridge layers, generated from a
//! replicate's seed in time linear in the number of ties.

use super::{Csr, TieList, layer};
use crate::population::Agents;
use crate::rng::{StepKey, purpose};
use crate::scenario::Network as NetworkSpec;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

/// Villages whose rows are built at once, in parallel, before they are
/// appended to the network (bounds the memory held in pieces).
const VILLAGE_BATCH: usize = 64;

/// Generate the ties of a generated community.
///
/// Every tie except bridges joins two agents of the same village, and
/// villages are runs of consecutive agents, so the rows are built village
/// by village (in parallel) and appended: no list of all ties is ever held.
/// Every draw comes from a stream of its own agent or bridge, so the order
/// of generation does not change the network.
pub fn generate(agents: &Agents, spec: &NetworkSpec, seed: u64) -> Csr {
    let n = agents.len();
    let w = &spec.weights;
    // Villages: contiguous ranges.
    let mut bounds = vec![0usize; agents.villages as usize + 1];
    for i in 0..n {
        bounds[agents.village[i] as usize + 1] = i + 1;
    }
    for v in 1..bounds.len() {
        bounds[v] = bounds[v].max(bounds[v - 1]);
    }

    // Bridges between villages, both directions, ordered by listener.
    let mut bridges: Vec<(u32, u32)> = Vec::new();
    if agents.villages > 1 && spec.bridge_degree > 0.0 {
        let key = StepKey::new(seed, 1, purpose::NETWORK);
        let pairs = (n as f64 * spec.bridge_degree / 2.0).round() as u32;
        bridges.reserve(2 * pairs as usize);
        for e in 0..pairs {
            let mut rng = key.stream(e);
            let a = rng.random_range(0..n);
            for _ in 0..16 {
                let b = rng.random_range(0..n);
                if agents.village[a] != agents.village[b] {
                    bridges.push((a as u32, b as u32));
                    bridges.push((b as u32, a as u32));
                    break;
                }
            }
        }
        bridges.sort_unstable();
    }

    let mut net = Csr { offsets: Vec::with_capacity(n + 1), ..Default::default() };
    let cap = ties_bound(agents, spec, &bounds) + bridges.len();
    net.targets.reserve_exact(cap);
    net.weights.reserve_exact(cap);
    net.layers.reserve_exact(cap);
    net.offsets.push(0);
    let key = StepKey::new(seed, 0, purpose::NETWORK);
    let stubs = Poisson::new((spec.peer_degree / 2.0).max(1e-9)).ok();
    let villages: Vec<usize> = (0..agents.villages as usize).collect();
    for batch in villages.chunks(VILLAGE_BATCH) {
        let parts: Vec<Csr> = batch
            .par_iter()
            .map(|&v| {
                let (lo, hi) = (bounds[v], bounds[v + 1]);
                let from = bridges.partition_point(|&(a, _)| (a as usize) < lo);
                let to = bridges.partition_point(|&(a, _)| (a as usize) < hi);
                village(agents, spec, key, stubs.as_ref(), lo, hi, &bridges[from..to])
            })
            .collect();
        for part in &parts {
            net.append(part);
        }
    }
    // Agents after the last village (none in a generated population).
    while net.offsets.len() < n + 1 {
        net.offsets.push(net.targets.len() as u32);
    }
    let _ = w;
    net
}

/// The expected number of directed ties of a generated community of
/// `pop` with `spec` (before repeated ties are merged, so a little above
/// what is built): per agent, household ties E[s(s-1)]/E[s] for household
/// size s = 1 + Poisson(adults - 1), peers, two per leader of the village
/// (listening to him and he to them), and bridges.
pub fn expected_ties(pop: &crate::scenario::Population, spec: &NetworkSpec) -> f64 {
    let lambda = (pop.adults_per_household - 1.0).max(0.0);
    let household = (2.0 * lambda + lambda * lambda) / (1.0 + lambda);
    let size = f64::from(pop.households_per_village) * pop.adults_per_household;
    let leaders = f64::from(pop.gatekeepers_per_village + pop.religious_leaders_per_village);
    let leader = if size > 1.0 { 2.0 * leaders * (size - 1.0) / size } else { 0.0 };
    let bridge = if pop.villages > 1 { spec.bridge_degree.max(0.0) } else { 0.0 };
    let agents = f64::from(pop.villages) * size;
    agents * (household + spec.peer_degree.max(0.0) + leader + bridge)
}

/// An upper bound on the ties gathered (before repeats are merged), so the
/// network's arrays are reserved once: households and leaders exactly,
/// peers with a wide margin over their Poisson expectation.
fn ties_bound(agents: &Agents, spec: &NetworkSpec, bounds: &[usize]) -> usize {
    let n = agents.len();
    let mut ties = 0usize;
    let mut start = 0;
    while start < n {
        let mut end = start;
        while end < n && agents.household[end] == agents.household[start] {
            end += 1;
        }
        ties += (end - start) * (end - start - 1);
        start = end;
    }
    for v in 0..bounds.len() - 1 {
        let (lo, hi) = (bounds[v], bounds[v + 1]);
        let leaders = (lo..hi).filter(|&i| agents.is_leader(i)).count();
        ties += 2 * leaders * (hi - lo).saturating_sub(1);
    }
    let peers = n as f64 * spec.peer_degree.max(0.0);
    ties + (peers + 10.0 * peers.sqrt() + 1024.0) as usize
}

/// The rows of the agents `lo..hi` of one village: household, peer and
/// leader ties, and the village's end of the `bridges`.
#[allow(clippy::too_many_arguments)]
fn village(
    agents: &Agents,
    spec: &NetworkSpec,
    key: StepKey,
    stubs: Option<&Poisson<f64>>,
    lo: usize,
    hi: usize,
    bridges: &[(u32, u32)],
) -> Csr {
    let w = &spec.weights;
    let leaders = (lo..hi).filter(|&i| agents.is_leader(i)).count();
    let size = hi - lo;
    let mut ties = TieList::with_capacity(size * (4 + 2 * spec.peer_degree.ceil() as usize) + 2 * leaders * size + bridges.len());

    // Household: complete within each household (agents are contiguous).
    let mut start = lo;
    while start < hi {
        let hh = agents.household[start];
        let mut end = start;
        while end < hi && agents.household[end] == hh {
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

    // Peers, from pools by (gender, class).
    let mut pools: [Vec<u32>; 6] = Default::default();
    for i in lo..hi {
        pools[usize::from(agents.is_woman(i)) * 3 + agents.class(i)].push(i as u32);
    }
    for i in lo..hi {
        let mut rng = key.stream(i as u32);
        let k = if spec.peer_degree > 0.0 { stubs.map_or(0.0, |p| p.sample(&mut rng)) as u32 } else { 0 };
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
    for &(a, b) in bridges {
        ties.push(a, b, w.bridge as f32, layer::BRIDGE);
    }
    ties.build_rows(lo, hi)
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
