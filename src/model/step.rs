//! One month of the community model.
//!
//! The order of a step (MODEL.md section 3), written once here:
//!
//! 1. Interventions act on the current state (done by the caller through
//!    [`crate::interventions::Programme::apply`] before this function).
//! 2. **Perceive**: each agent reads its neighbours' previous public state:
//!    the weighted share of women who acted (blended with its village
//!    council's visible share), their expressed approval, and the share
//!    sanctioned; empirical and normative expectations and fear move.
//! 3. **Decide**: women take part with logit probability, subject to the
//!    household head's permission (or defiance) and quota seats; men and
//!    leaders take a stance; active champions support.
//! 4. **Attitudes** move (Friedkin-Johnsen with internalisation).
//! 5. **Backlash** (a pull): each woman who takes part gathers sanctions
//!    from her opposing neighbours; each supporting man from opposing men;
//!    sanctioned champions may drop out.
//! 6. **Record**: the caller aggregates outcomes from the new state.
//!
//! Synchronous and double-buffered: phases 2-4 read only `cur`, phase 5
//! reads only `next` stances and its own agent; so the step is identical at
//! any thread count. No allocation, I/O, hash maps or trait objects here.

use super::init::{man_stance, public_of, sigmoid};
use super::{Core, Hits, Params, Public, State, World, champion, public, stance};
use crate::interventions::Levers;
use crate::network::layer;
use crate::population::attr;
use crate::rng::{StepKey, purpose};
use rayon::prelude::*;

/// Agents per parallel work item.
pub const CHUNK: usize = 4096;

/// Per-village aggregates the step reads and writes.
#[derive(Clone, Debug, Default)]
pub struct Villages {
    /// Share of the village's women taking part (after this month's
    /// decisions; during perception, last month's: visible at the council).
    pub q_now: Vec<f32>,
    /// Mean attitude of the village's adults last month.
    pub attitude: Vec<f32>,
    /// Scratch counts.
    pub counts: Vec<u32>,
}

impl Villages {
    /// Aggregates of `state`.
    pub fn new(world: &World, state: &State) -> Villages {
        let v = world.village_women.len();
        let mut out = Villages { q_now: vec![0.0; v], attitude: vec![0.0; v], counts: vec![0; v] };
        out.record(world, state);
        out
    }

    /// Recompute this month's visible participation and mean attitudes.
    pub fn record(&mut self, world: &World, state: &State) {
        self.counts.fill(0);
        self.attitude.fill(0.0);
        for (i, c) in state.core.iter().enumerate() {
            let v = world.agents.village[i] as usize;
            if c.stance == stance::ACTS && world.agents.has(i, attr::WOMAN) {
                self.counts[v] += 1;
            }
            self.attitude[v] += c.attitude;
        }
        for v in 0..self.q_now.len() {
            self.q_now[v] = self.counts[v] as f32 / world.village_women[v].max(1) as f32;
            self.attitude[v] /= world.village_adults[v].max(1) as f32;
        }
    }
}

/// Advance `cur` by one month into `next`. `t` is the step counter of the
/// random streams (unique per month, burn-in included).
#[allow(clippy::too_many_arguments)]
pub fn step(
    world: &World,
    p: &Params,
    levers: &Levers,
    villages: &mut Villages,
    cur: &State,
    next: &mut State,
    seed: u64,
    t: u32,
    parallel: bool,
) {
    let keys = Keys::new(seed, t);
    // Phases 2-4.
    let perceive = |base: usize, out: &mut [Core]| {
        for (k, c) in out.iter_mut().enumerate() {
            *c = perceive_decide(world, p, levers, villages, cur, base + k, &keys);
        }
    };
    if parallel {
        next.core.par_chunks_mut(CHUNK).enumerate().for_each(|(ci, out)| perceive(ci * CHUNK, out));
    } else {
        next.core.chunks_mut(CHUNK).enumerate().for_each(|(ci, out)| perceive(ci * CHUNK, out));
    }
    // Visible participation after decisions, for the threat of backlash.
    villages.record(world, next);
    // Phase 5: reads every agent's decision, writes only its own hits.
    let q_now = &villages.q_now;
    let decided = &next.core;
    let backlash = |base: usize, hits: &mut [Hits], pubs: &mut [Public]| {
        for (k, (h, pb)) in hits.iter_mut().zip(pubs.iter_mut()).enumerate() {
            let i = base + k;
            *h = sanction(world, p, levers, q_now, decided, cur.hits[i].champion, i, &keys);
            *pb = public_of(&decided[i], h, world.agents.has(i, attr::WOMAN));
        }
    };
    if parallel {
        next.hits
            .par_chunks_mut(CHUNK)
            .zip(next.public.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(ci, (h, pb))| backlash(ci * CHUNK, h, pb));
    } else {
        next.hits.chunks_mut(CHUNK).zip(next.public.chunks_mut(CHUNK)).enumerate().for_each(|(ci, (h, pb))| backlash(ci * CHUNK, h, pb));
    }
}

/// The step's random streams.
struct Keys {
    decide: StepKey,
    defy: StepKey,
    quota: StepKey,
    sanction: StepKey,
    severity: StepKey,
    ally: StepKey,
    dropout: StepKey,
}

impl Keys {
    fn new(seed: u64, t: u32) -> Keys {
        Keys {
            decide: StepKey::new(seed, t, purpose::DECIDE),
            defy: StepKey::new(seed, t, purpose::DEFY),
            quota: StepKey::new(seed, t, purpose::QUOTA),
            sanction: StepKey::new(seed, t, purpose::SANCTION),
            severity: StepKey::new(seed, t, purpose::SEVERITY),
            ally: StepKey::new(seed, t, purpose::ALLY),
            dropout: StepKey::new(seed, t, purpose::DROPOUT),
        }
    }
}

/// Phases 2-4 for agent `i`: returns its next state (sanctions cleared).
#[inline(always)]
fn perceive_decide(world: &World, p: &Params, lv: &Levers, villages: &Villages, cur: &State, i: usize, keys: &Keys) -> Core {
    let net = &world.net;
    let me = cur.core[i];
    let woman = world.agents.has(i, attr::WOMAN);
    let solidarity = 1.0 + lv.solidarity[i];
    let (mut ww, mut wa, mut wt, mut wn, mut ws) = (0f32, 0f32, 0f32, 0f32, 0f32);
    let mut champions = 0u32;
    let mut champion_home = false;
    let row = net.row(i);
    let targets = &net.targets[row.clone()];
    let weights = &net.weights[row.clone()];
    // Branch-free over the flags (the gender of neighbours is not
    // predictable); only the rare champion takes a branch.
    let champion_mult = [1.0, p.champion_weight];
    let woman_mult = [1.0, solidarity];
    let public = &cur.public[..];
    for (e, (&j, &w0)) in targets.iter().zip(weights).enumerate() {
        let pb = public[j as usize];
        let f = pb.flags;
        let champ = (f >> 3) & 1;
        let is_woman = f & public::WOMAN;
        let w = w0 * champion_mult[usize::from(champ)] * woman_mult[usize::from(is_woman)];
        if champ != 0 {
            let l = net.layers[row.start + e];
            if l <= layer::PEER {
                champions += 1;
                champion_home |= l == layer::HOUSEHOLD;
            }
        }
        ww += w * f32::from(is_woman);
        wa += w * f32::from(is_woman & (f >> 1) & 1);
        wt += w;
        wn += w * pb.expr;
        ws += w * f32::from((f >> 2) & 1);
    }
    let v = world.agents.village[i] as usize;
    let e_net = if ww > 0.0 { wa / ww } else { me.empirical };
    let e_obs = (1.0 - p.council_visibility) * e_net + p.council_visibility * villages.q_now[v];
    let (n_obs, s_obs) = if wt > 0.0 { (wn / wt, ws / wt) } else { (me.normative, 0.0) };
    let empirical = me.empirical + p.empirical_rate * (e_obs - me.empirical);
    let normative = me.normative + p.normative_rate * (n_obs - me.normative);
    let mine = cur.hits[i];
    let own = if mine.sanctions > 0 { p.own_gain } else { 0.0 };
    let fear = ((1.0 - p.fear_decay - lv.recovery[i]).max(0.0) * me.fear + p.fear_gain * s_obs + own).clamp(0.0, 1.0);

    let u = keys.decide.uniform(i as u32, 0);
    let mut defied = 0u8;
    let st = if woman {
        let mut support = lv.support[i];
        if champion_home {
            support += p.champion_support;
        }
        let util =
            p.w_attitude * me.attitude + p.w_empirical * empirical + p.w_normative * normative - p.w_fear * fear + support - world.theta[i];
        let mut acts = u < sigmoid(p.beta * util);
        if acts && p.permission_required {
            let head = world.agents.head_of[i] as usize;
            if head != i && cur.core[head].stance == stance::OPPOSES {
                acts = keys.defy.uniform(i as u32, 0) < p.defiance;
                defied = u8::from(acts);
            }
        }
        if lv.quota[i] != 0 && keys.quota.uniform(i as u32, 0) < lv.quota_enforcement {
            acts = true;
            defied = 0;
        }
        if acts { stance::ACTS } else { stance::NEITHER }
    } else if mine.champion == champion::ACTIVE {
        stance::ACTS
    } else {
        let g = world.men_group(i);
        let util = p.m_attitude[g] * me.attitude + p.m_normative[g] * normative - p.m_fear[g] * fear - world.theta[i] - lv.theta_shift;
        man_stance(p.beta, util, p.m_margin[g], u)
    };

    // Attitudes: pulled toward neighbours' expressed approval and toward
    // one's own public behaviour; anchored by stubbornness.
    let role = world.agents.role[i] as usize;
    let s = if role != 0 && lv.engaged[i] != 0 { p.stubbornness_engaged } else { p.stubbornness[role] };
    let behaviour = match st {
        stance::ACTS => p.internalisation * (1.0 - me.attitude),
        stance::OPPOSES => -p.internalisation * me.attitude,
        _ => 0.0,
    };
    let free = me.attitude + p.influence * (n_obs - me.attitude) + behaviour;
    let attitude = ((1.0 - s) * free + s * world.a0[i]).clamp(0.0, 1.0);
    Core { attitude, empirical, normative, fear, stance: st, defied, near_champions: champions.min(255) as u8 }
}

/// Phase 5 for agent `i`: the sanctions it receives this month, and its
/// champion status after them.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn sanction(world: &World, p: &Params, lv: &Levers, q_now: &[f32], decided: &[Core], champ: u8, i: usize, keys: &Keys) -> Hits {
    let mut hits = Hits { sanctions: 0, violent: 0, champion: champ };
    let c = &decided[i];
    if c.stance != stance::ACTS {
        return hits;
    }
    let net = &world.net;
    let v = world.agents.village[i] as usize;
    let protection = 1.0 - lv.protection[v];
    let row = net.row(i);
    let mut sanctions = 0u32;
    let mut violent = 0u32;
    if world.agents.has(i, attr::WOMAN) {
        let shield = 1.0 - (1.0 - p.champion_shield).powi(i32::from(c.near_champions));
        let penalty = if c.defied != 0 { p.defiance_penalty } else { 1.0 };
        let base = p.rate * lv.rate_mult * protection * (1.0 - shield) * penalty;
        if base <= 0.0 {
            return hits;
        }
        let q = q_now[v];
        let violence = p.violence_share * (1.0 - lv.violence_cut[v]);
        for (k, e) in row.enumerate() {
            let j = net.targets[e] as usize;
            let o = &decided[j];
            if o.stance != stance::OPPOSES {
                continue;
            }
            let threat = 1.0 + p.reactivity * (q - o.normative).max(0.0);
            let prob = base * (1.0 - o.attitude) * p.role_mult[world.agents.role[j] as usize] * threat;
            if keys.sanction.uniform(i as u32, k as u32) < prob {
                sanctions += 1;
                if keys.severity.uniform(i as u32, k as u32) < violence {
                    violent += 1;
                }
            }
        }
    } else {
        let base = p.ally_rate * lv.rate_mult * protection;
        if base <= 0.0 {
            return hits;
        }
        for (k, e) in row.enumerate() {
            // A leader is policed by his household, peers and other
            // leaders, not by every villager he attends to (checked first:
            // it saves a random read for each of a leader's many ties).
            if net.layers[e] == layer::MEMBER {
                continue;
            }
            let j = net.targets[e] as usize;
            let o = &decided[j];
            if o.stance != stance::OPPOSES || world.agents.has(j, attr::WOMAN) {
                continue;
            }
            let prob = base * (1.0 - o.attitude) * p.role_mult[world.agents.role[j] as usize];
            if keys.ally.uniform(i as u32, k as u32) < prob {
                sanctions += 1;
            }
        }
        if sanctions > 0 && champ == champion::ACTIVE && keys.dropout.uniform(i as u32, 0) < p.champion_dropout {
            hits.champion = champion::DROPPED;
        }
    }
    hits.sanctions = sanctions.min(255) as u8;
    hits.violent = violent.min(255) as u8;
    hits
}
