//! `ring`: the ring lattice, each node tied to its `k` nearest neighbours.

use super::{Csr, Generate, Generator, from_edges, must, need};
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "ring"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ring {
    /// Ties per node (even, less than the size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
}

impl Generate for Ring {
    const NAME: &'static str = "ring";
    const SIZE_KEY: &'static str = "k";

    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        let k = need(self.k, "k", Self::NAME, "K (even, less than the size)")? as usize;
        check_k(Self::NAME, k, n)
    }

    fn expected_ties(&self, n: usize) -> f64 {
        n as f64 * f64::from(self.k.unwrap_or(0))
    }

    fn generate(&self, n: usize, _seed: u64) -> Csr {
        ring(n, self.k.unwrap_or(0) as usize)
    }
}

/// `k` even and less than `n` (0 allowed), for `ring` and `watts_strogatz`.
pub(super) fn check_k(name: &str, k: usize, n: usize) -> Result<(), (&'static str, String)> {
    if k % 2 == 1 || (k >= n && k > 0) {
        return Err(("k", format!("{name} k = {k}: must be even and less than n = {n}")));
    }
    Ok(())
}

/// Ring lattice: node `i` tied to `i ± 1, ..., i ± k/2` (mod n).
///
/// # Panics
/// If `k` is odd or not less than `n` (`k = 0` gives no ties).
pub fn ring(n: usize, k: usize) -> Csr {
    must(Generator::Ring(Ring { k: Some(k as u32) }).validate(n));
    from_edges(n, ring_edges(n, k))
}

/// The ring lattice's undirected edges `(i, i + j mod n)`, node-major, `j`
/// from 1 to k/2.
pub(super) fn ring_edges(n: usize, k: usize) -> Vec<(u32, u32)> {
    let h = k / 2;
    let mut edges = Vec::with_capacity(n * h);
    for i in 0..n {
        for j in 1..=h {
            edges.push((i as u32, ((i + j) % n) as u32));
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn ring_ties_each_node_to_its_k_nearest() {
        for (n, k) in [(10usize, 4usize), (11, 2), (9, 8), (100, 6), (5, 0)] {
            let g = ring(n, k);
            assert_eq!(g.nodes(), n);
            assert_eq!(g.ties(), n * k);
            assert_simple_undirected(&g);
            for i in 0..n {
                assert_eq!(g.degree(i), k, "n={n} k={k} i={i}");
                let mut want: Vec<u32> = (1..=k / 2).flat_map(|d| [((i + d) % n) as u32, ((i + n - d) % n) as u32]).collect();
                want.sort_unstable();
                assert_eq!(&g.targets[g.row(i)], &want[..], "n={n} k={k} i={i}");
            }
        }
    }
}
