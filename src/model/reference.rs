//! The reference rules of MODEL.md section 7, on the same state, network
//! and random streams as the community model:
//!
//! - `threshold`: an agent acts when the share (`relative`) or number of
//!   its neighbours acting at the previous step reaches its threshold;
//!   `permanent` makes acting irreversible; agents with no neighbours keep
//!   their state.
//! - `memory_best_response`: each step every non-committed agent observes
//!   the previous choice of one random neighbour into a memory of its last
//!   `memory` observations (initially all the old choice) and plays the
//!   majority of its memory, ties broken at random; committed agents always
//!   play the new choice.
//!
//! Synchronous and double-buffered like the community step; no allocation.

use super::{Public, State, World, public, stance};
use crate::rng::{StepKey, purpose};
use rayon::prelude::*;

const CHUNK: usize = super::step::CHUNK;

/// Whether a neighbour acts: a woman taking part or a man supporting
/// (interventions refresh what neighbours see with the community model's
/// flags, which tell the two apart).
#[inline(always)]
fn acts(p: &Public) -> bool {
    p.flags & (public::ACTS | public::SUPPORTS) != 0
}

fn set(c: &mut super::Core, pb: &mut Public, on: bool) {
    c.stance = if on { stance::ACTS } else { stance::NEITHER };
    pb.expr = if on { 1.0 } else { 0.5 };
    pb.flags = public::WOMAN | if on { public::ACTS } else { 0 };
}

/// One step of the threshold rule.
pub fn threshold_step(world: &World, relative: bool, permanent: bool, cur: &State, next: &mut State, parallel: bool) {
    let net = &world.net;
    let f = |base: usize, core: &mut [super::Core], pubs: &mut [Public]| {
        for (k, (c, pb)) in core.iter_mut().zip(pubs.iter_mut()).enumerate() {
            let i = base + k;
            let was = acts(&cur.public[i]);
            let row = net.row(i);
            let on = if world.committed[i] != 0 || (permanent && was) {
                true
            } else if row.is_empty() {
                was
            } else {
                let count = net.targets[row.clone()].iter().filter(|&&j| acts(&cur.public[j as usize])).count() as f32;
                let level = if relative { count / row.len() as f32 } else { count };
                level >= world.theta[i]
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

/// One step of best response to a memory of `memory` observations.
#[allow(clippy::too_many_arguments)]
pub fn memory_step(world: &World, memory: u32, cur: &State, next: &mut State, seed: u64, t: u32, parallel: bool) {
    let net = &world.net;
    let observe = StepKey::new(seed, t, purpose::OBSERVE);
    let tie = StepKey::new(seed, t, purpose::TIE);
    let mask: u64 = if memory >= 64 { u64::MAX } else { (1u64 << memory) - 1 };
    let f = |base: usize, core: &mut [super::Core], pubs: &mut [Public], mem: &mut [u64]| {
        for (k, ((c, pb), m)) in core.iter_mut().zip(pubs.iter_mut()).zip(mem.iter_mut()).enumerate() {
            let i = base + k;
            *c = cur.core[i];
            let row = net.row(i);
            *m = cur.memory[i];
            if world.committed[i] != 0 {
                set(c, pb, true);
                continue;
            }
            if !row.is_empty() {
                let pick = (observe.uniform64(i as u32, 0) * row.len() as f64) as usize;
                let j = net.targets[row.start + pick.min(row.len() - 1)] as usize;
                *m = ((*m << 1) | u64::from(acts(&cur.public[j]))) & mask;
            }
            let ones = m.count_ones() * 2;
            let on = match ones.cmp(&memory) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => tie.uniform(i as u32, 0) < 0.5,
            };
            set(c, pb, on);
        }
    };
    if parallel {
        next.core
            .par_chunks_mut(CHUNK)
            .zip(next.public.par_chunks_mut(CHUNK))
            .zip(next.memory.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(ci, ((c, p), m))| f(ci * CHUNK, c, p, m));
    } else {
        next.core
            .chunks_mut(CHUNK)
            .zip(next.public.chunks_mut(CHUNK))
            .zip(next.memory.chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(ci, ((c, p), m))| f(ci * CHUNK, c, p, m));
    }
}
