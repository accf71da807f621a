//! `watts_strogatz`: the ring lattice with each tie's far end rewired with
//! probability `p` (Watts & Strogatz, 1998).

use super::ring::{check_k, ring_edges};
use super::{Csr, Generate, Generator, MixHasher, from_edges, must, need, pair_key, step};
use crate::rng::{StepKey, purpose};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;

/// Parameters of `kind = "watts_strogatz"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WattsStrogatz {
    /// Ties per node (even, less than the size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    /// Rewiring probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
}

impl Generate for WattsStrogatz {
    const NAME: &'static str = "watts_strogatz";
    const SIZE_KEY: &'static str = "k";

    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        let k = need(self.k, "k", Self::NAME, "K (even, less than the size)")? as usize;
        let p = need(self.p, "p", Self::NAME, "P (rewiring probability, 0 to 1)")?;
        check_k(Self::NAME, k, n)?;
        if !(0.0..=1.0).contains(&p) {
            return Err(("p", format!("watts_strogatz p = {p}: must be a probability in [0, 1]")));
        }
        Ok(())
    }

    fn expected_ties(&self, n: usize) -> f64 {
        n as f64 * f64::from(self.k.unwrap_or(0))
    }

    /// The set of its edges.
    fn building_bytes_per_tie(&self) -> f64 {
        10.0
    }

    fn generate(&self, n: usize, seed: u64) -> Csr {
        watts_strogatz(n, self.k.unwrap_or(0) as usize, self.p.unwrap_or(0.0), seed)
    }
}

/// Tries to find a new far end for a rewired Watts–Strogatz tie before the
/// original tie is kept.
const REWIRE_TRIES: u32 = 64;

/// Watts–Strogatz small world: the ring lattice of [`ring`], then, node by
/// node and for `j = 1..=k/2`, the tie `(i, i + j)` has its far end moved with
/// probability `p` to a uniform random node, redrawn if that would make a
/// self-tie or repeat a current tie; after 64 failed draws the original tie
/// is kept. The number of ties is always exactly that of the ring.
///
/// # Panics
/// If `k` is odd or not less than `n`, or `p` is not in [0, 1].
pub fn watts_strogatz(n: usize, k: usize, p: f64, seed: u64) -> Csr {
    must(Generator::WattsStrogatz(WattsStrogatz { k: Some(k as u32), p: Some(p) }).validate(n));
    let mut edges = ring_edges(n, k);
    if p > 0.0 && !edges.is_empty() {
        let h = k / 2;
        let mut present: HashSet<u64, BuildHasherDefault<MixHasher>> = HashSet::default();
        present.reserve(edges.len());
        for &(a, b) in &edges {
            present.insert(pair_key(a, b));
        }
        let key = StepKey::new(seed, step::WATTS_STROGATZ, purpose::NETWORK);
        for i in 0..n {
            let mut rng = key.stream(i as u32);
            for edge in &mut edges[i * h..(i + 1) * h] {
                if rng.random::<f64>() >= p {
                    continue;
                }
                let (u, v) = *edge;
                for _ in 0..REWIRE_TRIES {
                    let w = rng.random_range(0..n as u32);
                    if w != u && !present.contains(&pair_key(u, w)) {
                        present.remove(&pair_key(u, v));
                        present.insert(pair_key(u, w));
                        *edge = (u, w);
                        break;
                    }
                }
            }
        }
    }
    from_edges(n, edges)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn watts_strogatz_interpolates_between_ring_and_random() {
        let (n, k) = (2000, 6);
        assert_eq!(watts_strogatz(n, k, 0.0, 3), ring(n, k));
        let lattice = undirected_set(&ring(n, k));
        for p in [0.1, 1.0] {
            let g = watts_strogatz(n, k, p, 3);
            assert_eq!(g.nodes(), n);
            assert_eq!(g.ties(), n * k, "p={p}");
            assert!((mean_degree(&g) - k as f64).abs() < 1e-12);
            assert_simple_undirected(&g);
            let edges = undirected_set(&g);
            let moved = edges.difference(&lattice).count() as f64 / edges.len() as f64;
            if p == 1.0 {
                assert!(moved > 0.9, "p=1 moved only {moved}");
            } else {
                assert!((moved - p).abs() < 0.03, "p={p} moved {moved}");
            }
        }
    }
}
