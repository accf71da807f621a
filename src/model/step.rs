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
//! 3. **Decide**: in a month the council meets, women attend with logit
//!    probability, subject to the household head's permission (or
//!    defiance); women sitting in reserved seats attend; in other months a
//!    woman's stance stays that of the last meeting (she attended it or
//!    not). Men attend by chance (gatekeepers always). Men and leaders take
//!    a stance every month; active champions support.
//! 4. **Attitudes** move (Friedkin-Johnsen with internalisation; an
//!    engaged leader's stubbornness lowered by his openness and his anchor
//!    moved by what he internalised; men's and leaders' pulled by women in
//!    council seats, exposure).
//! 5. **Backlash** (a pull): in a month the council meets, each woman who
//!    attends gathers sanctions from her opposing neighbours (seat holders
//!    more); each supporting man from opposing men, every month;
//!    sanctioned champions may drop out. Each sanction has a kind:
//!    violence, stigma or harassment.
//! 6. **Record**: the caller aggregates outcomes from the new state.
//!
//! Synchronous and double-buffered: phases 2-4 read only `cur`, phase 5
//! reads only `next` stances and its own agent; so the step is identical at
//! any thread count. No allocation, I/O, hash maps or trait objects here.

use super::decide::{below_sigmoid, man_stance, public_of};
use super::levers::Channel;
use super::{CHUNK, Core, Hits, Levers, Params, Public, State, World, champion, public, stance};
use crate::network::layer;
use crate::population::{Role, attr};
use crate::rng::{StepKey, purpose};
use rayon::prelude::*;

/// Per-village aggregates the step reads and writes, and the step's
/// per-agent scratch (so that the step itself allocates nothing).
#[derive(Clone, Debug, Default)]
pub struct Villages {
    /// Share of the village's women taking part (after this month's
    /// decisions; during perception, last month's: visible at the council).
    pub q_now: Vec<f32>,
    /// The share of the village's women taking part that others see at
    /// the council: `q_now`, less the seat holders when the visibility
    /// channel is off. Read by perception (last month's).
    pub q_seen: Vec<f32>,
    /// Mean attitude of the village's adults last month.
    pub attitude: Vec<f32>,
    /// Scratch counts of women seen taking part.
    seen: Vec<u32>,
    /// Scratch counts.
    pub counts: Vec<u32>,
    /// First agent of each village and one past the last, when every
    /// village is one run of consecutive agents (generated communities):
    /// then villages are aggregated in parallel, each in agent order, with
    /// the same sums as the sequential pass. Empty otherwise.
    spans: Vec<u32>,
    /// This month's decisions as the backlash phase reads them, one byte
    /// per agent: [`OPPOSES`], [`OPPOSING_MAN`] and [`ACTING`]. Denser than `Core`, so
    /// the backlash loops skip non-opposing neighbours from cache.
    opposers: Vec<u8>,
}

/// Bit of [`Villages::opposers`]: the agent opposes.
const OPPOSES: u8 = 1;
/// Bit of [`Villages::opposers`]: the agent is a man who opposes.
const OPPOSING_MAN: u8 = 2;
/// Bit of [`Villages::opposers`]: the agent acts (a woman taking part or a
/// man supporting): only these can be sanctioned.
const ACTING: u8 = 4;

impl Villages {
    /// Aggregates of `state`.
    pub fn new(world: &World, state: &State) -> Villages {
        let v = world.village_women.len();
        let village = &world.agents.village;
        let contiguous = village.windows(2).all(|w| w[0] <= w[1]) && village.last().is_none_or(|&l| (l as usize) < v);
        let mut spans = Vec::new();
        if contiguous && world.len() <= u32::MAX as usize {
            spans = vec![0u32; v + 1];
            for &x in village {
                spans[x as usize + 1] += 1;
            }
            for k in 0..v {
                spans[k + 1] += spans[k];
            }
        }
        let mut out = Villages {
            q_now: vec![0.0; v],
            q_seen: vec![0.0; v],
            attitude: vec![0.0; v],
            seen: vec![0; v],
            counts: vec![0; v],
            spans,
            opposers: vec![0; world.len()],
        };
        out.record(world, state);
        out
    }

    /// Recompute this month's visible participation and mean attitudes.
    pub fn record(&mut self, world: &World, state: &State) {
        self.record_with(world, state, None, false);
    }

    /// [`record`](Self::record), village by village in parallel when
    /// `parallel` and villages are runs of consecutive agents. `hidden`
    /// marks agents not counted in [`q_seen`](Self::q_seen) (seat holders
    /// when the visibility channel is off).
    fn record_with(&mut self, world: &World, state: &State, hidden: Option<&[u8]>, parallel: bool) {
        let seen_by = |i: usize| hidden.is_none_or(|h| h[i] == 0);
        if parallel && !self.spans.is_empty() {
            let spans = &self.spans;
            let core = &state.core;
            self.q_now
                .par_iter_mut()
                .zip(self.q_seen.par_iter_mut())
                .zip(self.attitude.par_iter_mut())
                .zip(self.counts.par_iter_mut())
                .enumerate()
                .for_each(|(v, (((q, qs), a), n))| {
                    let (mut count, mut seen, mut sum) = (0u32, 0u32, 0f32);
                    let (lo, hi) = (spans[v] as usize, spans[v + 1] as usize);
                    for (i, c) in core[lo..hi].iter().enumerate().map(|(k, c)| (lo + k, c)) {
                        if c.stance == stance::ACTS && world.agents.has(i, attr::WOMAN) {
                            count += 1;
                            seen += u32::from(seen_by(i));
                        }
                        sum += c.attitude;
                    }
                    *n = count;
                    *q = count as f32 / world.village_women[v].max(1) as f32;
                    *qs = seen as f32 / world.village_women[v].max(1) as f32;
                    *a = sum / world.village_adults[v].max(1) as f32;
                });
            return;
        }
        self.counts.fill(0);
        self.seen.fill(0);
        self.attitude.fill(0.0);
        for (i, c) in state.core.iter().enumerate() {
            let v = world.agents.village[i] as usize;
            if c.stance == stance::ACTS && world.agents.has(i, attr::WOMAN) {
                self.counts[v] += 1;
                self.seen[v] += u32::from(seen_by(i));
            }
            self.attitude[v] += c.attitude;
        }
        for v in 0..self.q_now.len() {
            self.q_now[v] = self.counts[v] as f32 / world.village_women[v].max(1) as f32;
            self.q_seen[v] = self.seen[v] as f32 / world.village_women[v].max(1) as f32;
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
    let table = flag_table();
    if villages.opposers.len() != world.len() {
        villages.opposers.resize(world.len(), 0);
    }
    // Phases 2-4. Every agent also gets the hits and public state it has if
    // nobody sanctions it (no sanctions, its champion status unchanged),
    // which is final for everyone who does not act.
    {
        let q_prev = &villages.q_seen;
        let perceive = |base: usize, out: &mut [Core], opp: &mut [u8], hits: &mut [Hits], pubs: &mut [Public]| {
            let chunk = Chunk::new(world, levers, cur, base, out.len());
            for (k, (((c, o), h), pb)) in out.iter_mut().zip(opp.iter_mut()).zip(hits.iter_mut()).zip(pubs.iter_mut()).enumerate() {
                *c = perceive_decide(world, p, levers, q_prev, cur, &chunk, k, &keys, &table);
                let woman = chunk.attrs[k] & attr::WOMAN != 0;
                // Picked from a table by stance (not predictable from one agent to the next).
                const BITS: [[u8; 4]; 2] = [[0, ACTING, OPPOSES | OPPOSING_MAN, 0], [0, ACTING, OPPOSES, 0]];
                *o = BITS[usize::from(woman)][usize::from(c.stance.min(3))];
                *h = Hits { sanctions: 0, violent: 0, stigma: 0, champion: chunk.hits[k].champion };
                *pb = public_of(c, h, woman);
            }
        };
        let opp = &mut villages.opposers;
        if parallel {
            next.core
                .par_chunks_mut(CHUNK)
                .zip(opp.par_chunks_mut(CHUNK))
                .zip(next.hits.par_chunks_mut(CHUNK))
                .zip(next.public.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(ci, (((out, o), h), pb))| perceive(ci * CHUNK, out, o, h, pb));
        } else {
            next.core
                .chunks_mut(CHUNK)
                .zip(opp.chunks_mut(CHUNK))
                .zip(next.hits.chunks_mut(CHUNK))
                .zip(next.public.chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(ci, (((out, o), h), pb))| perceive(ci * CHUNK, out, o, h, pb));
        }
    }
    // Visible participation after decisions, for the threat of backlash
    // (and, as `q_seen`, for next month's perception).
    let hidden = (!levers.channels.on(Channel::Visibility)).then_some(&levers.quota[..]);
    villages.record_with(world, next, hidden, parallel);
    // Phase 5: reads every agent's decision, writes only the hits and public
    // state of those who act.
    let q_now = &villages.q_now;
    let opp = &villages.opposers[..];
    let decided = &next.core;
    let backlash = |base: usize, hits: &mut [Hits], pubs: &mut [Public]| {
        for (k, (h, pb)) in hits.iter_mut().zip(pubs.iter_mut()).enumerate() {
            let i = base + k;
            if opp[i] & ACTING == 0 {
                continue;
            }
            *h = sanction(world, p, levers, q_now, decided, opp, cur.hits[i].champion, i, &keys);
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

/// What a neighbour adds to the perceive sums per unit of tie weight, by
/// its public flags: [woman, woman acting, 1, sanctioned] (each 1 or 0). A
/// lookup per tie instead of shifts, masks and integer-to-float
/// conversions; the products and sums are the same.
type FlagTable = [[f32; 4]; 32];

fn flag_table() -> FlagTable {
    let mut t = [[0f32; 4]; 32];
    for (f, row) in t.iter_mut().enumerate() {
        let f = f as u8;
        let woman = f & public::WOMAN != 0;
        row[0] = f32::from(u8::from(woman));
        row[1] = f32::from(u8::from(woman && f & public::ACTS != 0));
        row[2] = 1.0;
        row[3] = f32::from(u8::from(f & public::SANCTIONED != 0));
    }
    t
}

/// Weighted sums over one agent's ties.
struct Sums {
    /// Weights of women, of women acting, of everyone, of the sanctioned.
    acc: [f32; 4],
    /// Weighted expressed approval.
    wn: f32,
    /// Active champions among household and peers.
    champions: u32,
    /// An active champion in the household.
    champion_home: bool,
}

/// The perceive pass over one agent's ties (`row`): each tie's weight is
/// (w0 * champion multiplier) * (women's solidarity multiplier when
/// `SOLIDARITY`, else exactly 1), summed in tie order. Branch-free over the
/// flags (the gender of neighbours is not predictable); only the rare
/// champion takes a branch.
#[inline(always)]
fn perceive_row<const SOLIDARITY: bool>(
    net: &crate::network::Csr,
    row: std::ops::Range<usize>,
    public: &[Public],
    table: &FlagTable,
    champion_weight: f32,
    solidarity: f32,
) -> Sums {
    let targets = &net.targets[row.clone()];
    let weights = &net.weights[row.clone()];
    let woman_mult = [1.0, solidarity];
    let mut acc = Lanes::ZERO;
    let mut wn = 0f32;
    let mut champions = 0u32;
    let mut champion_home = false;
    for (e, (&j, &w0)) in targets.iter().zip(weights).enumerate() {
        let pb = public[j as usize];
        let f = usize::from(pb.flags & 31);
        let mut w = w0;
        if f & usize::from(public::CHAMPION) != 0 {
            w *= champion_weight;
            let l = net.layers[row.start + e];
            if l <= layer::PEER {
                champions += 1;
                champion_home |= l == layer::HOUSEHOLD;
            }
        }
        if SOLIDARITY {
            w *= woman_mult[f & 1];
        }
        acc = acc.add_scaled(w, &table[f]);
        wn += w * pb.expr;
    }
    Sums { acc: acc.get(), wn, champions, champion_home }
}

/// Four `f32` sums updated together: `acc[q] += w * t[q]` for each lane,
/// a multiply then an add in single precision (never fused), so the sums
/// are exactly those of four scalar loops. One SSE multiply and add on
/// x86_64 (where SSE2 is always present), plain arrays elsewhere.
#[derive(Clone, Copy)]
struct Lanes(#[cfg(target_arch = "x86_64")] std::arch::x86_64::__m128, #[cfg(not(target_arch = "x86_64"))] [f32; 4]);

impl Lanes {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of the x86_64 baseline.
    const ZERO: Lanes = Lanes(unsafe { std::mem::transmute::<[f32; 4], std::arch::x86_64::__m128>([0.0; 4]) });
    #[cfg(not(target_arch = "x86_64"))]
    const ZERO: Lanes = Lanes([0.0; 4]);

    #[inline(always)]
    fn add_scaled(self, w: f32, t: &[f32; 4]) -> Lanes {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE is part of the x86_64 baseline; `t` is 16 readable bytes.
        unsafe {
            use std::arch::x86_64::*;
            Lanes(_mm_add_ps(self.0, _mm_mul_ps(_mm_set1_ps(w), _mm_loadu_ps(t.as_ptr()))))
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let mut a = self.0;
            for q in 0..4 {
                a[q] += w * t[q];
            }
            Lanes(a)
        }
    }

    #[inline(always)]
    fn get(self) -> [f32; 4] {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: same size and every bit pattern is a valid `[f32; 4]`.
        unsafe {
            std::mem::transmute::<std::arch::x86_64::__m128, [f32; 4]>(self.0)
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.0
    }
}

/// The step's random streams.
struct Keys {
    decide: StepKey,
    defy: StepKey,
    attend: StepKey,
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
            attend: StepKey::new(seed, t, purpose::ATTEND),
            sanction: StepKey::new(seed, t, purpose::SANCTION),
            severity: StepKey::new(seed, t, purpose::SEVERITY),
            ally: StepKey::new(seed, t, purpose::ALLY),
            dropout: StepKey::new(seed, t, purpose::DROPOUT),
        }
    }
}

/// The per-agent arrays phases 2-4 read, cut to one chunk of agents once,
/// so that the loop over the chunk indexes them without bounds checks.
struct Chunk<'a> {
    base: usize,
    core: &'a [Core],
    hits: &'a [Hits],
    attrs: &'a [u8],
    role: &'a [Role],
    village: &'a [u32],
    theta: &'a [f32],
    a0: &'a [f32],
    solidarity: &'a [f32],
    support: &'a [f32],
    recovery: &'a [f32],
    quota: &'a [u8],
    engaged: &'a [u8],
    openness: &'a [f32],
    anchor: &'a [f32],
    /// One more than the agents: row `k` is `offsets[k]..offsets[k + 1]`.
    offsets: &'a [u32],
}

impl<'a> Chunk<'a> {
    fn new(world: &'a World, lv: &'a Levers, cur: &'a State, base: usize, len: usize) -> Chunk<'a> {
        let r = base..base + len;
        Chunk {
            base,
            core: &cur.core[r.clone()],
            hits: &cur.hits[r.clone()],
            attrs: &world.agents.attrs[r.clone()],
            role: &world.agents.role[r.clone()],
            village: &world.agents.village[r.clone()],
            theta: &world.theta[r.clone()],
            a0: &world.a0[r.clone()],
            solidarity: &lv.solidarity[r.clone()],
            support: &lv.support[r.clone()],
            recovery: &lv.recovery[r.clone()],
            quota: &lv.quota[r.clone()],
            engaged: &lv.engaged[r.clone()],
            openness: &lv.openness[r.clone()],
            anchor: &lv.anchor[r],
            offsets: &world.net.offsets[base..base + len + 1],
        }
    }
}

/// Phases 2-4 for agent `base + k` of chunk `c`: returns its next state
/// (sanctions cleared). `q_prev` is last month's visible participation per
/// village.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn perceive_decide(
    world: &World,
    p: &Params,
    lv: &Levers,
    q_prev: &[f32],
    cur: &State,
    c: &Chunk,
    k: usize,
    keys: &Keys,
    table: &FlagTable,
) -> Core {
    let i = c.base + k;
    let net = &world.net;
    let me = c.core[k];
    let woman = c.attrs[k] & attr::WOMAN != 0;
    let solidarity = 1.0 + c.solidarity[k];
    let public = &cur.public[..];
    let row = c.offsets[k] as usize..c.offsets[k + 1] as usize;
    // The solidarity multiplier is exactly 1 for almost everyone: then the
    // loop leaves it out (multiplying by 1 changes nothing).
    let sums = if solidarity == 1.0 {
        perceive_row::<false>(net, row, public, table, p.champion_weight, solidarity)
    } else {
        perceive_row::<true>(net, row, public, table, p.champion_weight, solidarity)
    };
    let Sums { acc: [ww, wa, wt, ws], wn, champions, champion_home } = sums;
    let v = c.village[k] as usize;
    let e_net = if ww > 0.0 { wa / ww } else { me.empirical };
    let e_obs = (1.0 - p.council_visibility) * e_net + p.council_visibility * q_prev[v];
    let (n_obs, s_obs) = if wt > 0.0 { (wn / wt, ws / wt) } else { (me.normative, 0.0) };
    let empirical = me.empirical + p.empirical_rate * (e_obs - me.empirical);
    let normative = me.normative + p.normative_rate * (n_obs - me.normative);
    let mine = c.hits[k];
    let own = if mine.sanctions > 0 { p.own_gain } else { 0.0 };
    let fear = ((1.0 - p.fear_decay - c.recovery[k]).max(0.0) * me.fear + p.fear_gain * s_obs + own).clamp(0.0, 1.0);

    let u = keys.decide.uniform(i as u32, 0);
    let mut defied = 0u8;
    let st = if woman {
        if lv.meeting {
            let mut support = c.support[k];
            if champion_home && lv.channels.on(Channel::ChampionSupport) {
                support += p.champion_support;
            }
            let util =
                p.w_attitude * me.attitude + p.w_empirical * empirical + p.w_normative * normative - p.w_fear * fear + support - c.theta[k];
            let mut acts = below_sigmoid(u, p.beta * util);
            if acts && p.permission_required {
                let head = world.agents.head_of[i] as usize;
                if head != i && cur.core[head].stance == stance::OPPOSES {
                    acts = keys.defy.uniform(i as u32, 0) < p.defiance;
                    defied = u8::from(acts);
                }
            }
            // A woman sitting in a reserved seat attends every meeting held.
            if c.quota[k] != 0 {
                acts = true;
                defied = 0;
            }
            if acts { stance::ACTS } else { stance::NEITHER }
        } else {
            // No meeting: she is still the woman who attended the last one (or not).
            defied = me.defied;
            me.stance
        }
    } else if mine.champion == champion::ACTIVE {
        stance::ACTS
    } else {
        let g = usize::from(c.role[k] != Role::Member);
        let util = p.m_attitude[g] * me.attitude + p.m_normative[g] * normative - p.m_fear[g] * fear - c.theta[k] - lv.theta_shift;
        man_stance(p.beta, util, p.m_margin[g], u)
    };
    // Attendance at this month's meeting: a woman who takes part; a
    // gatekeeper always; another man by chance.
    let since = if lv.meeting {
        let attended =
            if woman { st == stance::ACTS } else { c.role[k] == Role::Gatekeeper || keys.attend.uniform(i as u32, 0) < p.men_attendance };
        if attended { 0 } else { me.since.saturating_add(1) }
    } else {
        me.since.saturating_add(1)
    };

    // Attitudes: pulled toward neighbours' expressed approval and toward
    // one's own public behaviour; anchored by stubbornness.
    let role = c.role[k] as usize;
    let (s, anchor) = if role != 0 && c.engaged[k] != 0 {
        (p.stubbornness[role] * (1.0 - c.openness[k]), (c.a0[k] + c.anchor[k]).clamp(0.0, 1.0))
    } else {
        (p.stubbornness[role], c.a0[k])
    };
    // Picked from a table rather than by a branch on the stance, which is
    // not predictable from one agent to the next.
    let behaviour = [0.0, p.internalisation * (1.0 - me.attitude), -p.internalisation * me.attitude, 0.0][usize::from(st.min(3))];
    let mut free = me.attitude + p.influence * (n_obs - me.attitude) + behaviour;
    if !woman || role != 0 {
        // Exposure to women in the village's council seats.
        free += lv.exposure[v] * (1.0 - me.attitude);
    }
    let attitude = ((1.0 - s) * free + s * anchor).clamp(0.0, 1.0);
    Core { attitude, empirical, normative, fear, stance: st, defied, near_champions: champions.min(255) as u8, since }
}

/// Phase 5 for agent `i`: the sanctions it receives this month, and its
/// champion status after them.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn sanction(world: &World, p: &Params, lv: &Levers, q_now: &[f32], decided: &[Core], opp: &[u8], champ: u8, i: usize, keys: &Keys) -> Hits {
    let mut hits = Hits { sanctions: 0, violent: 0, stigma: 0, champion: champ };
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
    let mut stigma = 0u32;
    if world.agents.has(i, attr::WOMAN) {
        // Women are sanctioned for attending, so only in a meeting month.
        if !lv.meeting {
            return hits;
        }
        let shield_per = lv.channels.gate(Channel::Shield, p.champion_shield, 0.0);
        let shield = 1.0 - (1.0 - shield_per).powi(i32::from(c.near_champions));
        let penalty = if c.defied != 0 { p.defiance_penalty } else { 1.0 };
        let seat = if lv.quota[i] != 0 { lv.channels.gate(Channel::SeatBacklash, p.seat_holder, 1.0) } else { 1.0 };
        let base = p.rate * lv.rate_mult * protection * (1.0 - shield) * penalty * seat;
        if base <= 0.0 {
            return hits;
        }
        let q = q_now[v];
        let violence = p.violence_share * (1.0 - lv.violence_cut[v]);
        // The rest of the unit interval is split stigma : harassment.
        let rest = 1.0 - violence;
        for (k, &j) in net.targets[row].iter().enumerate() {
            let j = j as usize;
            if opp[j] & OPPOSES == 0 {
                continue;
            }
            let o = &decided[j];
            let threat = 1.0 + p.reactivity * (q - o.normative).max(0.0);
            let prob = base * (1.0 - o.attitude) * p.role_mult[world.agents.role[j] as usize] * threat;
            if keys.sanction.uniform(i as u32, k as u32) < prob {
                sanctions += 1;
                let x = keys.severity.uniform(i as u32, k as u32);
                if x < violence {
                    violent += 1;
                } else if rest > 0.0 && (x - violence) < p.stigma_share * rest {
                    stigma += 1;
                }
            }
        }
    } else {
        let base = p.ally_rate * lv.rate_mult * protection;
        if base <= 0.0 {
            return hits;
        }
        let mut tie = |k: usize, j: usize| {
            if opp[j] & OPPOSING_MAN == 0 {
                return;
            }
            let o = &decided[j];
            let prob = base * (1.0 - o.attitude) * p.role_mult[world.agents.role[j] as usize];
            if keys.ally.uniform(i as u32, k as u32) < prob {
                sanctions += 1;
            }
        };
        // A leader is policed by his household, peers and other leaders,
        // not by every villager he attends to.
        if let Some(positions) = world.policing.of(i) {
            let targets = &net.targets[row];
            for &k in positions {
                tie(k as usize, targets[k as usize] as usize);
            }
        } else {
            for (k, (&j, &l)) in net.targets[row.clone()].iter().zip(&net.layers[row]).enumerate() {
                if l != layer::MEMBER {
                    tie(k, j as usize);
                }
            }
        }
        if sanctions > 0 && champ == champion::ACTIVE && keys.dropout.uniform(i as u32, 0) < p.champion_dropout {
            hits.champion = champion::DROPPED;
        }
    }
    // Saturating counts that still add up: violence and stigma within the sanctions.
    let sanctions = sanctions.min(255);
    let violent = violent.min(sanctions);
    hits.sanctions = sanctions as u8;
    hits.violent = violent as u8;
    hits.stigma = stigma.min(sanctions - violent) as u8;
    hits
}
