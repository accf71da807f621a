//! `stochastic_block`: blocks of consecutive nodes, each pair tied with the
//! probability of its two blocks.

use super::{Csr, Generate, Generator, bernoulli_run, from_edges, must, need, step};
use crate::rng::{StepKey, purpose};
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "stochastic_block"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StochasticBlock {
    /// Block sizes, summing to the population size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<Vec<u32>>,
    /// Tie probabilities between blocks (symmetric, 0 to 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probs: Option<Vec<Vec<f64>>>,
}

impl Generate for StochasticBlock {
    const NAME: &'static str = "stochastic_block";
    const SIZE_KEY: &'static str = "probs";

    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        let sizes = need(self.blocks.clone(), "blocks", Self::NAME, "[sizes summing to the population size]")?;
        let probs = need(self.probs.clone(), "probs", Self::NAME, "[[p_aa, p_ab], [p_ba, p_bb]] (symmetric, 0 to 1)")?;
        let sum: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
        if sum != n as u64 {
            return Err(("blocks", format!("stochastic_block block sizes {sizes:?} sum to {sum}: must sum to n = {n}")));
        }
        let b = sizes.len();
        if probs.len() != b || probs.iter().any(|r| r.len() != b) {
            let shape: Vec<usize> = probs.iter().map(Vec::len).collect();
            return Err((
                "probs",
                format!("stochastic_block probs has row lengths {shape:?}: must be a {b} x {b} matrix, one row and column per block"),
            ));
        }
        for (a, row) in probs.iter().enumerate() {
            for (c, &p) in row.iter().enumerate() {
                if !(0.0..=1.0).contains(&p) {
                    return Err(("probs", format!("stochastic_block probs[{a}][{c}] = {p}: must be a probability in [0, 1]")));
                }
                if p != probs[c][a] {
                    return Err((
                        "probs",
                        format!("stochastic_block probs[{a}][{c}] = {p} but probs[{c}][{a}] = {}: must be symmetric", probs[c][a]),
                    ));
                }
            }
        }
        Ok(())
    }

    fn expected_ties(&self, _n: usize) -> f64 {
        let (Some(sizes), Some(probs)) = (&self.blocks, &self.probs) else { return 0.0 };
        let mut ties = 0.0;
        for (a, &sa) in sizes.iter().enumerate() {
            for (c, &sc) in sizes.iter().enumerate() {
                let (sa, sc) = (f64::from(sa), f64::from(sc));
                let pairs = if a == c { sa * (sa - 1.0).max(0.0) } else { sa * sc };
                ties += probs.get(a).and_then(|r| r.get(c)).copied().unwrap_or(0.0) * pairs;
            }
        }
        ties
    }

    fn generate(&self, _n: usize, seed: u64) -> Csr {
        stochastic_block(self.blocks.as_deref().unwrap_or(&[]), self.probs.as_deref().unwrap_or(&[]), seed)
    }
}

/// Stochastic block model: blocks of consecutive nodes of the given sizes,
/// each pair in blocks `a`, `b` tied independently with probability
/// `probs[a][b]`. Node `j` scans the earlier nodes block by block with
/// geometric skips, so the time is O(n · blocks + m).
///
/// # Panics
/// If `probs` is not a symmetric square matrix of probabilities, one row per
/// block, or the sizes overflow `u32`.
pub fn stochastic_block(sizes: &[u32], probs: &[Vec<f64>], seed: u64) -> Csr {
    let n: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let n = n as usize;
    must(Generator::StochasticBlock(StochasticBlock { blocks: Some(sizes.to_vec()), probs: Some(probs.to_vec()) }).validate(n));
    let mut starts = Vec::with_capacity(sizes.len() + 1);
    starts.push(0usize);
    for &s in sizes {
        starts.push(starts.last().unwrap() + s as usize);
    }
    let mut expected = 0.0;
    for (a, &sa) in sizes.iter().enumerate() {
        for (b, &sb) in sizes.iter().enumerate() {
            expected += probs[a][b] * f64::from(sa) * f64::from(sb) / 2.0;
        }
    }
    let mut edges = Vec::with_capacity((expected + 4.0 * expected.sqrt() + 16.0) as usize);
    let key = StepKey::new(seed, step::STOCHASTIC_BLOCK, purpose::NETWORK);
    for a in 0..sizes.len() {
        for j in starts[a]..starts[a + 1] {
            let mut rng = key.stream(j as u32);
            for b in 0..=a {
                let lo = starts[b];
                let hi = if b == a { j } else { starts[b + 1] };
                bernoulli_run(&mut rng, (hi - lo) as u64, probs[a][b], |i| {
                    edges.push((j as u32, (lo + i as usize) as u32));
                });
            }
        }
    }
    from_edges(n, edges)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn stochastic_block_has_the_asked_densities() {
        let sizes = [3000u32, 2000, 1000];
        let probs = vec![vec![0.01, 0.001, 0.002], vec![0.001, 0.02, 0.0005], vec![0.002, 0.0005, 0.05]];
        let g = stochastic_block(&sizes, &probs, 9);
        let n = 6000;
        assert_eq!(g.nodes(), n);
        assert_simple_undirected(&g);
        let block = |i: usize| {
            if i < 3000 {
                0
            } else if i < 5000 {
                1
            } else {
                2
            }
        };
        let mut count = [[0f64; 3]; 3];
        for i in 0..n {
            for &j in &g.targets[g.row(i)] {
                count[block(i)][block(j as usize)] += 1.0;
            }
        }
        for a in 0..3 {
            for b in 0..3 {
                let sa = f64::from(sizes[a]);
                let sb = f64::from(sizes[b]);
                let pairs = if a == b { sa * (sa - 1.0) } else { sa * sb };
                let density = count[a][b] / pairs;
                let tol = if a == b { 0.1 } else { 0.15 };
                assert!((density / probs[a][b] - 1.0).abs() < tol, "block {a},{b}: density {density} vs {}", probs[a][b]);
            }
        }
        // One block is Erdős–Rényi; a zero block has no ties.
        let g = stochastic_block(&[10, 5], &[vec![1.0, 0.0], vec![0.0, 0.0]], 1);
        assert_eq!(g.ties(), 90);
        assert!((10..15).all(|i| g.degree(i) == 0));
    }
}
