//! `memory_best_response`: Centola et al.'s (2018) naming game as a best
//! response to memory (MODEL.md section 7). Each step every non-committed
//! agent observes the previous choice of one random neighbour into a
//! memory of its last `memory` observations (initially all the old choice)
//! and plays the majority of its memory, ties broken at random; committed
//! agents always play the new choice. Memories are one `u64` per agent in
//! [`State::memory`]. Synchronous and double-buffered like the community
//! step; allocates nothing.

use super::{DecisionRule, Step, acts, set};
use crate::model::{CHUNK, Core, Public, State, World};
use crate::rng::{StepKey, purpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "memory_best_response"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryBestResponse {
    /// Observations remembered (1 to 64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
}

impl DecisionRule for MemoryBestResponse {
    const NAME: &'static str = "memory_best_response";

    fn check(&self, _size: Option<u32>) -> Result<(), (String, String)> {
        match self.memory {
            None => Err(("memory".into(), "is missing; `kind = \"memory_best_response\"` needs `memory = M` (1 to 64)".into())),
            Some(m) if !(1..=64).contains(&m) => Err(("memory".into(), format!("{m} is out of range; allowed: 1 to 64"))),
            _ => Ok(()),
        }
    }

    fn keeps_memory(&self) -> bool {
        true
    }

    fn step(&self, cx: Step<'_>) {
        memory_step(cx.world, self.memory.unwrap_or(1), cx.cur, cx.next, cx.seed, cx.t, cx.parallel);
    }
}

/// One step of best response to a memory of `memory` observations.
#[allow(clippy::too_many_arguments)]
pub fn memory_step(world: &World, memory: u32, cur: &State, next: &mut State, seed: u64, t: u32, parallel: bool) {
    let net = &world.net;
    let observe = StepKey::new(seed, t, purpose::OBSERVE);
    let tie = StepKey::new(seed, t, purpose::TIE);
    let mask: u64 = if memory >= 64 { u64::MAX } else { (1u64 << memory) - 1 };
    let f = |base: usize, core: &mut [Core], pubs: &mut [Public], mem: &mut [u64]| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_needed_and_between_1_and_64() {
        let m = |memory| MemoryBestResponse { memory };
        assert_eq!(m(None).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(0)).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(65)).check(None).unwrap_err().0, "memory");
        assert_eq!(m(Some(1)).check(None), Ok(()));
        assert_eq!(m(Some(64)).check(None), Ok(()));
    }
}
