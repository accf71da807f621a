//! `erdos_renyi`: G(n, p) with p = mean_degree / (n - 1).

use super::{Csr, Generate, Generator, bernoulli_run, from_edge_blocks, from_edges, must, need, step};
use crate::rng::{StepKey, purpose};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "erdos_renyi"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErdosRenyi {
    /// Mean degree, 0 to size - 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_degree: Option<f64>,
}

impl Generate for ErdosRenyi {
    const NAME: &'static str = "erdos_renyi";
    const SIZE_KEY: &'static str = "mean_degree";

    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        let d = need(self.mean_degree, "mean_degree", Self::NAME, "D (0 to size - 1)")?;
        let max = n as f64 - 1.0;
        if !(d >= 0.0 && d <= max.max(0.0)) {
            return Err(("mean_degree", format!("erdos_renyi mean_degree = {d}: must be in [0, n - 1] = [0, {}] for n = {n}", max.max(0.0))));
        }
        Ok(())
    }

    fn expected_ties(&self, n: usize) -> f64 {
        n as f64 * self.mean_degree.unwrap_or(0.0)
    }

    fn generate(&self, n: usize, seed: u64) -> Csr {
        erdos_renyi(n, self.mean_degree.unwrap_or(0.0), seed)
    }
}

/// Erdős–Rényi G(n, p) with p = mean_degree / (n - 1): each pair `i < j`
/// tied independently with probability p. Node `j` scans `i < j` by the
/// geometric skips of Batagelj & Brandes (2005), so the time is O(n + m).
///
/// # Panics
/// If `mean_degree` is not in [0, n - 1].
pub fn erdos_renyi(n: usize, mean_degree: f64, seed: u64) -> Csr {
    must(Generator::ErdosRenyi(ErdosRenyi { mean_degree: Some(mean_degree) }).validate(n));
    if n < 2 {
        return from_edges(n, Vec::new());
    }
    let p = mean_degree / (n as f64 - 1.0);
    let key = StepKey::new(seed, step::ERDOS_RENYI, purpose::NETWORK);
    // Each node draws from its own stream, so blocks of nodes are drawn in
    // parallel; the blocks are kept in node order.
    let blocks: Vec<Vec<(u32, u32)>> = (1..n)
        .collect::<Vec<usize>>()
        .par_chunks(EDGE_BLOCK)
        .map(|nodes| {
            let expected = nodes.iter().map(|&j| j as f64 * p).sum::<f64>();
            let mut edges = Vec::with_capacity((expected + 4.0 * expected.sqrt() + 16.0) as usize);
            for &j in nodes {
                let mut rng = key.stream(j as u32);
                bernoulli_run(&mut rng, j as u64, p, |i| edges.push((j as u32, i as u32)));
            }
            edges
        })
        .collect();
    from_edge_blocks(n, blocks)
}

/// Nodes whose edges are drawn as one parallel work item.
const EDGE_BLOCK: usize = 16_384;

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn erdos_renyi_has_the_asked_mean_degree() {
        let (n, d) = (20_000, 8.0);
        let g = erdos_renyi(n, d, 11);
        assert_eq!(g.nodes(), n);
        assert_simple_undirected(&g);
        let mean = mean_degree(&g);
        assert!((mean / d - 1.0).abs() < 0.03, "mean degree {mean}");
        // Degrees are binomial: variance close to the mean.
        let var = (0..n).map(|i| (g.degree(i) as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((var / d - 1.0).abs() < 0.1, "variance {var}");
        // Ties reach across the whole range, not only near the diagonal.
        let far = (0..n)
            .flat_map(|i| g.targets[g.row(i)].iter().map(move |&j| (i as i64 - j as i64).abs()))
            .filter(|&x| x > n as i64 / 2)
            .count();
        assert!((far as f64 / g.ties() as f64 - 0.25).abs() < 0.02, "far share {}", far as f64 / g.ties() as f64);
        // Edge cases.
        assert_eq!(erdos_renyi(5, 0.0, 1).ties(), 0);
        assert_eq!(erdos_renyi(6, 5.0, 1), complete(6));
        assert_eq!(erdos_renyi(1, 0.0, 1).nodes(), 1);
        assert_eq!(erdos_renyi(0, 0.0, 1).nodes(), 0);
    }

    #[test]
    fn erdos_renyi_builds_a_million_nodes() {
        let t = std::time::Instant::now();
        let g = erdos_renyi(1_000_000, 10.0, 1);
        let secs = t.elapsed().as_secs_f64();
        eprintln!("erdos_renyi n=1e6 mean 10: {} ties in {secs:.3} s", g.ties());
        assert_eq!(g.nodes(), 1_000_000);
        assert!((mean_degree(&g) / 10.0 - 1.0).abs() < 0.01);
    }
}
