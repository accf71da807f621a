//! `barabasi_albert`: preferential attachment, `m` ties per new node.

use super::{Csr, Generate, Generator, from_edges, must, need, step};
use crate::rng::{StepKey, purpose};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "barabasi_albert"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarabasiAlbert {
    /// Ties per new node, 1 to size - 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m: Option<u32>,
}

impl Generate for BarabasiAlbert {
    const NAME: &'static str = "barabasi_albert";
    const SIZE_KEY: &'static str = "m";

    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        let m = need(self.m, "m", Self::NAME, "M (1 to size - 1)")? as usize;
        if m < 1 || m >= n {
            return Err((
                "m",
                format!("barabasi_albert m = {m}: must be at least 1 and less than n = {n} (the seed graph is complete on m + 1 nodes)"),
            ));
        }
        Ok(())
    }

    fn expected_ties(&self, n: usize) -> f64 {
        2.0 * n as f64 * f64::from(self.m.unwrap_or(0))
    }

    /// The list of tie ends.
    fn building_bytes_per_tie(&self) -> f64 {
        4.0
    }

    fn generate(&self, n: usize, seed: u64) -> Csr {
        barabasi_albert(n, self.m.unwrap_or(0) as usize, seed)
    }
}

/// Barabási–Albert preferential attachment: a complete graph on `m + 1`
/// nodes, then each further node ties to `m` distinct earlier nodes chosen
/// with probability proportional to degree, by uniform picks from the list
/// of tie ends (the "repeated nodes" method of Batagelj & Brandes, 2005).
///
/// # Panics
/// If `m` is 0 or not less than `n`.
pub fn barabasi_albert(n: usize, m: usize, seed: u64) -> Csr {
    must(Generator::BarabasiAlbert(BarabasiAlbert { m: Some(m as u32) }).validate(n));
    let seed_edges = m * (m + 1) / 2;
    let total = seed_edges + (n - m - 1) * m;
    let mut edges = Vec::with_capacity(total);
    let mut ends: Vec<u32> = Vec::with_capacity(2 * total);
    for a in 0..=m as u32 {
        for b in 0..a {
            edges.push((a, b));
            ends.push(a);
            ends.push(b);
        }
    }
    // chosen[x] == v + 1 when node v has already picked x.
    let mut chosen = vec![0u32; n];
    let mut picks = Vec::with_capacity(m);
    let key = StepKey::new(seed, step::BARABASI_ALBERT, purpose::NETWORK);
    for v in m + 1..n {
        let mark = v as u32 + 1;
        let mut rng = key.stream(v as u32);
        picks.clear();
        let mut tries = 0usize;
        while picks.len() < m && tries < 64 * m {
            tries += 1;
            let x = ends[rng.random_range(0..ends.len())];
            if chosen[x as usize] != mark {
                chosen[x as usize] = mark;
                picks.push(x);
            }
        }
        // Practically never reached: fill up with the earliest free nodes.
        let mut x = 0u32;
        while picks.len() < m {
            if chosen[x as usize] != mark {
                chosen[x as usize] = mark;
                picks.push(x);
            }
            x += 1;
        }
        for &x in &picks {
            edges.push((v as u32, x));
            ends.push(v as u32);
            ends.push(x);
        }
    }
    from_edges(n, edges)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn barabasi_albert_has_mean_2m_and_a_heavy_tail() {
        let (n, m) = (20_000, 3);
        let g = barabasi_albert(n, m, 5);
        assert_eq!(g.nodes(), n);
        assert_simple_undirected(&g);
        let edges = m * (m + 1) / 2 + (n - m - 1) * m;
        assert_eq!(g.ties(), 2 * edges);
        let mean = mean_degree(&g);
        assert!((mean - 2.0 * m as f64).abs() < 0.01, "mean {mean}");
        assert!((0..n).all(|i| g.degree(i) >= m));
        let max = (0..n).map(|i| g.degree(i)).max().unwrap();
        assert!(max as f64 > 15.0 * mean, "max degree {max} vs mean {mean}");
        // Early nodes are hubs.
        let early: f64 = (0..100).map(|i| g.degree(i) as f64).sum::<f64>() / 100.0;
        assert!(early > 4.0 * mean, "early mean degree {early}");
        // Smallest case: the seed graph alone.
        assert_eq!(barabasi_albert(4, 3, 1), complete(4));
        assert_eq!(barabasi_albert(2, 1, 1), complete(2));
    }
}
