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
    ///
    /// Memory: the rows are filled one array at a time, each gathered
    /// array freed before the next is made, and then sorted and merged in
    /// place; at most 17 bytes per gathered tie are held at once (the list's
    /// 13 plus one 4-byte array), against 9 for the finished network.
    pub fn build(self, n: usize) -> Csr {
        self.build_rows(0, n)
    }

    /// [`build`](Self::build) for the rows of listeners `lo..hi` only (every
    /// listener must be in that range); targets stay global indices.
    pub fn build_rows(self, lo: usize, hi: usize) -> Csr {
        let TieList { src, dst, weight, layer } = self;
        let n = hi - lo;
        let mut offsets = vec![0u32; n + 1];
        for &s in &src {
            offsets[s as usize - lo + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let targets = scatter(&offsets, &src, lo, dst);
        let weights = scatter(&offsets, &src, lo, weight);
        let layers = scatter(&offsets, &src, lo, layer);
        drop(src);
        let mut g = Csr { offsets, targets, weights, layers };
        g.finish_rows(lo);
        g
    }
}

/// Move `values` (parallel to `src`) into row order and free them.
fn scatter<T: Copy + Default>(offsets: &[u32], src: &[u32], lo: usize, values: Vec<T>) -> Vec<T> {
    let mut out = vec![T::default(); values.len()];
    let mut next: Vec<u32> = offsets[..offsets.len() - 1].to_vec();
    for (&s, &v) in src.iter().zip(&values) {
        let r = s as usize - lo;
        out[next[r] as usize] = v;
        next[r] += 1;
    }
    out
}

impl Csr {
    /// Sort each row by target (then strongest first, then layer), drop
    /// self-ties (row `r` is node `lo + r`) and keep the first of repeated
    /// targets, compacting the arrays in place.
    fn finish_rows(&mut self, lo: usize) {
        let mut row: Vec<(u32, f32, u8)> = Vec::new();
        let mut out = 0usize;
        let mut start = 0usize;
        for r in 0..self.offsets.len() - 1 {
            let end = self.offsets[r + 1] as usize;
            let me = (lo + r) as u32;
            row.clear();
            for e in start..end {
                if self.targets[e] != me {
                    row.push((self.targets[e], self.weights[e], self.layers[e]));
                }
            }
            row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
            let mut last = u32::MAX;
            for &(t, w, l) in &row {
                if t != last {
                    self.targets[out] = t;
                    self.weights[out] = w;
                    self.layers[out] = l;
                    out += 1;
                    last = t;
                }
            }
            start = end;
            self.offsets[r + 1] = out as u32;
        }
        self.targets.truncate(out);
        self.weights.truncate(out);
        self.layers.truncate(out);
        self.targets.shrink_to_fit();
        self.weights.shrink_to_fit();
        self.layers.shrink_to_fit();
    }

    /// Append the rows of `part` (built for the nodes that follow this
    /// network's last row).
    pub fn append(&mut self, part: &Csr) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let base = *self.offsets.last().unwrap();
        self.offsets.extend(part.offsets[1..].iter().map(|&o| base + o));
        self.targets.extend_from_slice(&part.targets);
        self.weights.extend_from_slice(&part.weights);
        self.layers.extend_from_slice(&part.layers);
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
