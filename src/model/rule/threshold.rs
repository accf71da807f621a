//! `threshold`: Granovetter's and Watts' deterministic thresholds (MODEL.md
//! section 7). An agent acts when the share (`relative`) or number of its
//! neighbours acting at the previous step reaches its threshold;
//! `permanent` makes acting irreversible; agents with no neighbours keep
//! their state.
//!
//! Two steps with the same result: [`threshold_step`] reads every tie
//! every step; [`threshold_step_counted`] (the rule's step, what `normshift
//! run` uses) keeps each agent's count of acting neighbours in [`Counts`]
//! (carried between steps in [`Carry`](super::Carry)) and reads only the
//! ties of agents that changed. Synchronous and double-buffered like the
//! community step; no allocation (except the counts, built once on their
//! first step).

use super::{DecisionRule, Step, acts, range, set};
use crate::model::{CHUNK, Core, Public, State, World};
use crate::network::Csr;
use crate::rng::Stream;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "threshold"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Threshold {
    /// The threshold everyone shares (mean, with `threshold_sd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Spread of a Normal distribution of thresholds.
    pub threshold_sd: f64,
    /// One threshold per agent, in agent order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<f64>>,
    /// Compare the share (true) or the number (false) of neighbours acting.
    pub relative: bool,
    /// Acting is irreversible.
    pub permanent: bool,
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold { threshold: None, threshold_sd: 0.0, thresholds: None, relative: true, permanent: false }
    }
}

impl DecisionRule for Threshold {
    const NAME: &'static str = "threshold";

    fn check(&self, size: Option<u32>) -> Result<(), (String, String)> {
        let bad = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
        if self.threshold.is_none() && self.thresholds.is_none() {
            return bad("threshold", "is missing; `kind = \"threshold\"` needs `threshold = X` or a per-agent list `thresholds = [...]`");
        }
        if self.threshold.is_some() && self.thresholds.is_some() {
            return bad("thresholds", "give either `threshold` or `thresholds`, not both");
        }
        let hi = if self.relative { 1.0 } else { 1e9 };
        if let Some(t) = self.threshold {
            range("threshold", t, 0.0, hi)?;
        }
        range("threshold_sd", self.threshold_sd, 0.0, 1e9)?;
        if let Some(list) = &self.thresholds {
            let Some(n) = size else {
                return bad("thresholds", "a per-agent list needs a flat population of known size: set `population.size`");
            };
            if list.len() != n as usize {
                return Err(("thresholds".into(), format!("has {} entries; it needs one per agent: {n} (population.size)", list.len())));
            }
            for (i, &t) in list.iter().enumerate() {
                range(&format!("thresholds.{i}"), t, 0.0, hi)?;
            }
        }
        Ok(())
    }

    fn theta(&self, i: usize, _group: (f64, f64), rng: &mut Stream) -> f32 {
        match (&self.thresholds, self.threshold) {
            (Some(list), _) => list.get(i).copied().unwrap_or(f64::INFINITY) as f32,
            (None, t) => crate::model::init::normal_draw(t.unwrap_or(0.0), self.threshold_sd, rng).max(0.0),
        }
    }

    /// The counts (4 bytes an agent) and flags (1); a network read from
    /// files may need its reverse (4 a tie and an agent).
    fn scratch_bytes(&self, agents: f64, ties: f64, loaded: bool) -> f64 {
        5.0 * agents + if loaded { 4.0 * (ties + agents) } else { 0.0 }
    }

    fn wants_symmetry(&self) -> bool {
        true
    }

    fn step(&self, cx: Step<'_>) {
        threshold_step_counted(cx.world, self.relative, self.permanent, cx.cur, cx.next, &mut cx.carry.counts, cx.parallel);
    }
}

/// What the threshold is compared with: the share of the `degree`
/// neighbours acting (`relative`) or their number.
#[inline(always)]
fn level(count: u32, degree: usize, relative: bool) -> f32 {
    let count = count as f32;
    if relative { count / degree as f32 } else { count }
}

/// One step of the threshold rule.
pub fn threshold_step(world: &World, relative: bool, permanent: bool, cur: &State, next: &mut State, parallel: bool) {
    let net = &world.net;
    let f = |base: usize, core: &mut [Core], pubs: &mut [Public]| {
        for (k, (c, pb)) in core.iter_mut().zip(pubs.iter_mut()).enumerate() {
            let i = base + k;
            let was = acts(&cur.public[i]);
            let row = net.row(i);
            let on = if world.committed[i] != 0 || (permanent && was) {
                true
            } else if row.is_empty() {
                was
            } else {
                let count = net.targets[row.clone()].iter().filter(|&&j| acts(&cur.public[j as usize])).count() as u32;
                level(count, row.len(), relative) >= world.theta[i]
            };
            *c = cur.core[i];
            set(c, pb, on);
        }
    };
    if parallel {
        next.core.par_chunks_mut(CHUNK).zip(next.public.par_chunks_mut(CHUNK)).enumerate().for_each(|(ci, (c, p))| f(ci * CHUNK, c, p));
    } else {
        next.core.chunks_mut(CHUNK).zip(next.public.chunks_mut(CHUNK)).enumerate().for_each(|(ci, (c, p))| f(ci * CHUNK, c, p));
    }
}

/// The acting neighbours of every agent, kept from one threshold step to
/// the next so that a step reads only the ties of agents whose state
/// changed (in a cascade that has stopped, none), instead of every tie.
///
/// Exact: the counts are integers, brought up to date at the start of each
/// step by comparing every agent's state with the state last seen (so a
/// state changed in between, by interventions or by the caller, is
/// followed too); the rule then reads the same count a full pass would
/// find. Listeners are found through the network itself when it is
/// symmetric (every generator and the community network), else through a
/// transposed copy built once.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// Acting neighbours of each agent in the state last seen.
    count: Vec<u32>,
    /// Whether each agent acted in the state last seen.
    seen: Vec<bool>,
    /// Listeners of each agent (offsets, listeners) when the network is
    /// not symmetric.
    reverse: Option<(Vec<u32>, Vec<u32>)>,
    /// Acting neighbours each agent needs to act (see [`need`]), for the
    /// rule's `relative` setting in `need_relative`.
    need: Vec<u32>,
    need_relative: bool,
}

/// [`Counts::need`] of an agent with no neighbours: it keeps its state.
const KEEP: u32 = u32::MAX;
/// [`Counts::need`] of an agent whose threshold no count reaches.
const NEVER: u32 = u32::MAX - 1;

/// The fewest acting neighbours with which an agent of `degree` neighbours
/// and threshold `theta` acts: the least `k` with `level(k) >= theta`,
/// found exactly with the same `f32` arithmetic as the rule (the level
/// grows with `k`). 0 for the committed, [`KEEP`] for the isolated.
fn need(theta: f32, degree: usize, committed: bool, relative: bool) -> u32 {
    if committed {
        return 0;
    }
    if degree == 0 {
        return KEEP;
    }
    let d = degree.min(NEVER as usize - 1) as u32;
    let guess = if relative { f64::from(theta) * f64::from(d) } else { f64::from(theta) };
    let mut k = guess.ceil().clamp(0.0, f64::from(d) + 1.0) as u32;
    let reached = |k: u32| level(k, degree, relative) >= theta;
    while k > 0 && reached(k - 1) {
        k -= 1;
    }
    while k <= d && !reached(k) {
        k += 1;
    }
    if k > d { NEVER } else { k }
}

impl Counts {
    /// Counts for `world`, all zero (nobody seen acting yet).
    pub fn new(world: &World) -> Counts {
        let net = &world.net;
        let n = net.nodes();
        let reverse = if world.symmetric { None } else { Some(transpose(net)) };
        Counts { count: vec![0; n], seen: vec![false; n], reverse, need: Vec::new(), need_relative: false }
    }

    /// Fill [`Counts::need`] for the rule's `relative` setting.
    fn needs(&mut self, world: &World, relative: bool) {
        if self.need.len() == world.len() && self.need_relative == relative {
            return;
        }
        let net = &world.net;
        self.need = (0..world.len()).map(|i| need(world.theta[i], net.degree(i), world.committed[i] != 0, relative)).collect();
        self.need_relative = relative;
    }

    /// Bring the counts up to date with `state`.
    fn sync(&mut self, net: &Csr, state: &State) {
        for (i, pb) in state.public.iter().enumerate() {
            let a = acts(pb);
            if a != self.seen[i] {
                self.seen[i] = a;
                let listeners = match &self.reverse {
                    None => &net.targets[net.row(i)],
                    Some((offsets, l)) => &l[offsets[i] as usize..offsets[i + 1] as usize],
                };
                for &k in listeners {
                    let c = &mut self.count[k as usize];
                    *c = if a { *c + 1 } else { *c - 1 };
                }
            }
        }
    }
}

/// Whether every row is strictly increasing and every tie has its reverse,
/// in one pass over the ties: nodes are visited in increasing order, so the
/// reverses of a node's ties to later nodes are found at a cursor that
/// moves forward through each later node's row.
pub fn symmetric(net: &Csr) -> bool {
    let n = net.nodes();
    // matched[j]: entries of row j (all below the node being visited)
    // already matched by the reverse tie.
    let mut matched = vec![0u32; n];
    for i in 0..n {
        let row = &net.targets[net.row(i)];
        if row.windows(2).any(|w| w[0] >= w[1]) {
            return false;
        }
        let below = row.partition_point(|&j| (j as usize) < i);
        if matched[i] as usize != below {
            return false;
        }
        for &j in &row[below..] {
            let j = j as usize;
            let other = &net.targets[net.row(j)];
            if other.get(matched[j] as usize) != Some(&(i as u32)) {
                return false;
            }
            matched[j] += 1;
        }
    }
    true
}

/// The listeners of each agent: (offsets, listeners).
fn transpose(net: &Csr) -> (Vec<u32>, Vec<u32>) {
    let n = net.nodes();
    let mut offsets = vec![0u32; n + 1];
    for &j in &net.targets {
        offsets[j as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets[..n].to_vec();
    let mut listeners = vec![0u32; net.ties()];
    for i in 0..n {
        for &j in &net.targets[net.row(i)] {
            listeners[next[j as usize] as usize] = i as u32;
            next[j as usize] += 1;
        }
    }
    (offsets, listeners)
}

/// [`threshold_step`] from counts kept in `counts` (created on first use
/// for this world): the same result, reading only the ties of agents whose
/// state changed since the last step. For runs of many steps.
#[allow(clippy::too_many_arguments)]
pub fn threshold_step_counted(
    world: &World,
    relative: bool,
    permanent: bool,
    cur: &State,
    next: &mut State,
    counts: &mut Counts,
    parallel: bool,
) {
    let net = &world.net;
    if counts.count.len() != world.len() {
        *counts = Counts::new(world);
    }
    counts.sync(net, cur);
    counts.needs(world, relative);
    let (count, need) = (&counts.count, &counts.need);
    let f = |base: usize, core: &mut [Core], pubs: &mut [Public]| {
        let end = base + core.len();
        let (was, count, need, old) = (&cur.public[base..end], &count[base..end], &need[base..end], &cur.core[base..end]);
        for (k, (c, pb)) in core.iter_mut().zip(pubs.iter_mut()).enumerate() {
            let was = acts(&was[k]);
            let on = count[k] >= need[k] || (was && (permanent || need[k] == KEEP));
            *c = old[k];
            set(c, pb, on);
        }
    };
    if parallel {
        next.core.par_chunks_mut(CHUNK).zip(next.public.par_chunks_mut(CHUNK)).enumerate().for_each(|(ci, (c, p))| f(ci * CHUNK, c, p));
    } else {
        next.core.chunks_mut(CHUNK).zip(next.public.chunks_mut(CHUNK)).enumerate().for_each(|(ci, (c, p))| f(ci * CHUNK, c, p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Hits;
    use crate::network::TieList;
    use crate::network::layer;
    use crate::population;
    use crate::rng::{StepKey, purpose};

    fn world(net: Csr, theta: Vec<f32>, committed: Vec<u8>) -> World {
        let n = net.nodes();
        World {
            agents: population::flat(n as u32),
            symmetric: symmetric(&net),
            net,
            theta,
            committed,
            a0: vec![0.5; n],
            village_women: vec![n as u32],
            village_adults: vec![n as u32],
            council_seats: 12,
            // No member ties: the ally backlash reads whole rows.
            policing: crate::model::Policing::default(),
        }
    }

    fn state(on: &[bool]) -> State {
        let n = on.len();
        let mut s = State {
            core: vec![Core::default(); n],
            hits: vec![Hits::default(); n],
            public: vec![Public::default(); n],
            memory: Vec::new(),
        };
        for (i, &a) in on.iter().enumerate() {
            set(&mut s.core[i], &mut s.public[i], a);
        }
        s
    }

    #[test]
    fn symmetric_finds_missing_reverses() {
        use crate::network::generators;
        assert!(symmetric(&generators::erdos_renyi(2000, 6.0, 3)));
        assert!(symmetric(&generators::ring(50, 4)));
        assert!(symmetric(&generators::complete(6)));
        // build_world trusts every generator to be symmetric.
        assert!(symmetric(&generators::watts_strogatz(3000, 6, 0.3, 5)));
        assert!(symmetric(&generators::barabasi_albert(3000, 3, 5)));
        assert!(symmetric(&generators::stochastic_block(&[500, 700], &[vec![0.02, 0.001], vec![0.001, 0.03]], 5)));
        assert!(symmetric(&TieList::default().build(3)));
        let mut one_way = TieList::default();
        one_way.push_both(0, 1, 1.0, layer::PEER);
        one_way.push_both(1, 2, 1.0, layer::PEER);
        one_way.push(2, 0, 1.0, layer::PEER);
        assert!(!symmetric(&one_way.build(3)));
        let mut other_way = TieList::default();
        other_way.push_both(1, 2, 1.0, layer::PEER);
        other_way.push(0, 2, 1.0, layer::PEER);
        assert!(!symmetric(&other_way.build(3)));
    }

    #[test]
    fn need_is_the_least_count_that_reaches_the_threshold() {
        let thetas = [-0.5f32, 0.0, 0.1, 0.18, 0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 0.999, 1.0, 1.5, 2.0, 3.0, 7.5, 100.0];
        for relative in [true, false] {
            for degree in 1..60usize {
                for &theta in &thetas {
                    let brute = (0..=degree as u32).find(|&k| level(k, degree, relative) >= theta).unwrap_or(NEVER);
                    assert_eq!(need(theta, degree, false, relative), brute, "theta {theta} degree {degree} relative {relative}");
                }
            }
        }
        assert_eq!(need(0.5, 0, false, true), KEEP);
        assert_eq!(need(0.5, 10, true, true), 0);
    }

    #[test]
    fn counted_threshold_steps_equal_full_passes() {
        let n = 400usize;
        let key = StepKey::new(7, 0, purpose::NETWORK);
        for directed in [false, true] {
            let mut ties = TieList::default();
            // Every 41st agent listens to nobody (it keeps its state).
            for a in (0..n as u32).filter(|a| a % 41 != 5) {
                for k in 0..4 {
                    let b = (key.bits(a, k) % n as u64) as u32;
                    if directed {
                        ties.push(a, b, 1.0, layer::PEER);
                    } else {
                        ties.push_both(a, b, 1.0, layer::PEER);
                    }
                }
            }
            let net = ties.build(n);
            for relative in [true, false] {
                for permanent in [true, false] {
                    let theta: Vec<f32> = (0..n as u32)
                        .map(|i| {
                            let u = StepKey::new(8, 0, purpose::INITIAL).uniform(i, 0);
                            if relative { 0.2 + 0.8 * u } else { 1.0 + 4.0 * u }
                        })
                        .collect();
                    let committed: Vec<u8> = (0..n).map(|i| u8::from(i % 97 == 0)).collect();
                    let w = world(net.clone(), theta, committed);
                    let on: Vec<bool> = (0..n).map(|i| i % 9 == 0).collect();
                    let (mut a, mut b) = (state(&on), state(&on));
                    let (mut a2, mut b2) = (a.clone(), b.clone());
                    let mut counts = Counts::default();
                    for t in 0..15 {
                        if t == 6 {
                            // A change from outside the rule (an intervention).
                            for i in (0..n).step_by(13) {
                                let on = !acts(&a.public[i]);
                                set(&mut a.core[i], &mut a.public[i], on);
                                set(&mut b.core[i], &mut b.public[i], on);
                            }
                        }
                        threshold_step(&w, relative, permanent, &a, &mut a2, t % 2 == 0);
                        threshold_step_counted(&w, relative, permanent, &b, &mut b2, &mut counts, t % 2 == 1);
                        assert_eq!(a2.core, b2.core, "directed {directed} relative {relative} permanent {permanent} step {t}");
                        assert_eq!(a2.public, b2.public);
                        std::mem::swap(&mut a, &mut a2);
                        std::mem::swap(&mut b, &mut b2);
                    }
                    assert_eq!(counts.reverse.is_some(), directed);
                    let acting = a.public.iter().filter(|p| acts(p)).count();
                    assert!(acting > 0 && acting < n, "a trivial test: {acting} of {n} acting");
                }
            }
        }
    }

    #[test]
    fn check_names_the_key_at_fault() {
        let key = |t: Threshold, size| t.check(size).unwrap_err().0;
        assert_eq!(key(Threshold::default(), None), "threshold");
        let one = Threshold { threshold: Some(0.3), ..Default::default() };
        assert_eq!(one.check(None), Ok(()));
        assert_eq!(key(Threshold { threshold: Some(1.5), ..one.clone() }, None), "threshold");
        assert_eq!(Threshold { threshold: Some(1.5), relative: false, ..one.clone() }.check(None), Ok(()));
        assert_eq!(key(Threshold { thresholds: Some(vec![0.1]), ..one.clone() }, Some(1)), "thresholds");
        let list = Threshold { thresholds: Some(vec![0.1, 2.0]), ..Default::default() };
        assert_eq!(key(list.clone(), None), "thresholds");
        assert_eq!(key(list.clone(), Some(3)), "thresholds");
        assert_eq!(key(list, Some(2)), "thresholds.1");
    }
}
