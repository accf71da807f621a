//! Typed, weighted networks as compressed sparse rows with `u32` indices.
//!
//! Row `i` lists the agents that `i` listens to (its in-neighbours), with
//! the weight of their influence and the layer of the tie. Generators live in
//! `community.rs` (villages and households) and `file.rs` (a real edge
//! list). Never does I/O itself.

pub mod community;
pub mod file;
pub mod generators;

/// Tie layers.
pub mod layer {
    /// Complete within a household.
    pub const HOUSEHOLD: u8 = 0;
    /// Peers within a village.
    pub const PEER: u8 = 1;
    /// A member listening to a leader of the village.
    pub const LEADER: u8 = 2;
    /// A leader listening to a member of the village.
    pub const MEMBER: u8 = 3;
    /// A tie between villages.
    pub const BRIDGE: u8 = 4;
    /// Names, by layer number.
    pub const NAMES: [&str; 5] = ["household", "peer", "leader", "member", "bridge"];
}

/// A network in compressed sparse rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr {
    /// Row `i` spans `offsets[i]..offsets[i + 1]`.
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub weights: Vec<f32>,
    pub layers: Vec<u8>,
}

impl Csr {
    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of directed ties.
    pub fn ties(&self) -> usize {
        self.targets.len()
    }

    /// The range of tie indices of row `i`.
    #[inline(always)]
    pub fn row(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// Number of ties in row `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.row(i).len()
    }

    /// Bytes held by the arrays.
    pub fn bytes(&self) -> usize {
        self.offsets.len() * 4 + self.targets.len() * 4 + self.weights.len() * 4 + self.layers.len()
    }
}

/// Directed ties gathered before building a [`Csr`].
#[derive(Clone, Debug, Default)]
pub struct TieList {
    src: Vec<u32>,
    dst: Vec<u32>,
    weight: Vec<f32>,
    layer: Vec<u8>,
}

impl TieList {
    /// An empty list with room for `n` ties.
    pub fn with_capacity(n: usize) -> Self {
        TieList { src: Vec::with_capacity(n), dst: Vec::with_capacity(n), weight: Vec::with_capacity(n), layer: Vec::with_capacity(n) }
    }

    /// `listener` listens to `speaker` with `weight`.
    pub fn push(&mut self, listener: u32, speaker: u32, weight: f32, layer: u8) {
        self.src.push(listener);
        self.dst.push(speaker);
        self.weight.push(weight);
        self.layer.push(layer);
    }

    /// A tie both ways.
    pub fn push_both(&mut self, a: u32, b: u32, weight: f32, layer: u8) {
        self.push(a, b, weight, layer);
        self.push(b, a, weight, layer);
    }

    /// Number of ties gathered.
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// Build rows for `n` nodes: counting sort by listener, then each row
    /// sorted by speaker; self-ties dropped; repeated ties merged into one,
    /// keeping the strongest (and its layer).
    pub fn build(self, n: usize) -> Csr {
        let mut counts = vec![0u32; n + 1];
        for &s in &self.src {
            counts[s as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let m = self.src.len();
        let mut order = vec![0u32; m];
        let mut next = counts.clone();
        for (e, &s) in self.src.iter().enumerate() {
            order[next[s as usize] as usize] = e as u32;
            next[s as usize] += 1;
        }
        drop(next);
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(m);
        let mut weights = Vec::with_capacity(m);
        let mut layers = Vec::with_capacity(m);
        let mut row: Vec<(u32, f32, u8)> = Vec::new();
        offsets.push(0u32);
        for i in 0..n {
            row.clear();
            for &e in &order[counts[i] as usize..counts[i + 1] as usize] {
                let e = e as usize;
                if self.dst[e] as usize != i {
                    row.push((self.dst[e], self.weight[e], self.layer[e]));
                }
            }
            row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
            let mut last = u32::MAX;
            for &(t, w, l) in &row {
                if t != last {
                    targets.push(t);
                    weights.push(w);
                    layers.push(l);
                    last = t;
                }
            }
            offsets.push(targets.len() as u32);
        }
        Csr { offsets, targets, weights, layers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sorted_merged_and_without_loops() {
        let mut t = TieList::default();
        t.push(0, 2, 1.0, layer::PEER);
        t.push(0, 1, 1.0, layer::PEER);
        t.push(0, 2, 3.0, layer::HOUSEHOLD);
        t.push(0, 0, 1.0, layer::PEER);
        t.push(2, 0, 1.0, layer::PEER);
        let g = t.build(3);
        assert_eq!(g.offsets, vec![0, 2, 2, 3]);
        assert_eq!(g.targets, vec![1, 2, 0]);
        assert_eq!(g.weights, vec![1.0, 3.0, 1.0]);
        assert_eq!(g.layers, vec![layer::PEER, layer::HOUSEHOLD, layer::PEER]);
    }
}
