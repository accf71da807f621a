//! `complete`: everyone tied to everyone, n (n - 1) directed ties. No keys.

use super::{Csr, Generate, Generator, must, peer_csr};
use serde::{Deserialize, Serialize};

/// Parameters of `kind = "complete"`: none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complete {}

impl Generate for Complete {
    const NAME: &'static str = "complete";
    const SIZE_KEY: &'static str = "kind";

    fn check(&self, _n: usize) -> Result<(), (&'static str, String)> {
        Ok(())
    }

    fn expected_ties(&self, n: usize) -> f64 {
        let nf = n as f64;
        nf * (nf - 1.0).max(0.0)
    }

    fn generate(&self, n: usize, _seed: u64) -> Csr {
        complete(n)
    }
}

/// The complete graph on `n` nodes: n (n - 1) directed ties.
pub fn complete(n: usize) -> Csr {
    must(Generator::Complete(Complete {}).validate(n));
    let mut offsets = Vec::with_capacity(n + 1);
    let mut targets = Vec::with_capacity(n * n.saturating_sub(1));
    offsets.push(0u32);
    for i in 0..n {
        targets.extend((0..n as u32).filter(|&j| j as usize != i));
        offsets.push(targets.len() as u32);
    }
    peer_csr(offsets, targets)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn complete_has_all_pairs() {
        for n in [0usize, 1, 2, 7, 50] {
            let g = complete(n);
            assert_eq!(g.nodes(), n);
            assert_eq!(g.ties(), n * n.saturating_sub(1));
            assert_simple_undirected(&g);
        }
        assert_eq!(Generator::Complete(Complete {}).generate(5, 1), complete(5));
    }
}
