//! Reference network models (complete graph, ring lattice, Watts–Strogatz,
//! Erdős–Rényi, Barabási–Albert, stochastic block model), for comparing the
//! community network with textbook topologies.
//!
//! Every generator returns an undirected [`Csr`] (each tie in both
//! directions) of `layer::PEER` ties with weight 1.0, without self-ties or
//! repeated ties. The random ones draw only from
//! [`StepKey`](crate::rng::StepKey) streams of `purpose::NETWORK`, one step
//! per generator and one stream per node, so a graph is a pure function of
//! its parameters and seed. All run in time linear in nodes plus ties, except
//! [`complete`]. This module never does I/O.

use super::{Csr, layer};
use crate::rng::{StepKey, Stream, purpose};
use crate::scenario::{Network as NetworkSpec, NetworkKind};
use rand::RngExt;
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Steps of the `NETWORK` purpose used here, apart from those of
/// `community.rs` (0 and 1).
mod step {
    pub const ERDOS_RENYI: u32 = 100;
    pub const BARABASI_ALBERT: u32 = 101;
    pub const WATTS_STROGATZ: u32 = 102;
    pub const STOCHASTIC_BLOCK: u32 = 103;
}

/// Tries to find a new far end for a rewired Watts–Strogatz tie before the
/// original tie is kept.
const REWIRE_TRIES: u32 = 64;

/// Every generated network, once: its `network.kind` and the keys of
/// `[network]` it reads. Names, key lists and messages derive from here;
/// adding a generator is a line here, a [`Generator`] variant with its arms
/// (check, expected ties, building bytes, generate), its `from_spec` arm
/// and its test.
pub const KINDS: [(NetworkKind, &[&str]); 6] = [
    (NetworkKind::Complete, &[]),
    (NetworkKind::Ring, &["k"]),
    (NetworkKind::WattsStrogatz, &["k", "p"]),
    (NetworkKind::ErdosRenyi, &["mean_degree"]),
    (NetworkKind::BarabasiAlbert, &["m"]),
    (NetworkKind::StochasticBlock, &["blocks", "probs"]),
];

/// Whether `kind` is one of the generators (not `community` or `file`).
pub fn is_generated(kind: NetworkKind) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

/// The TOML spelling of a network kind.
pub fn kind_name(kind: NetworkKind) -> String {
    toml::Value::try_from(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The generators' names for messages: `complete, ring, ... or stochastic_block`.
pub fn names() -> String {
    let names: Vec<String> = KINDS.iter().map(|(k, _)| kind_name(*k)).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Every key of `[network]` read by some generator (and by nothing else).
pub fn keys() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (_, ks) in KINDS {
        for k in ks {
            if !out.contains(k) {
                out.push(k);
            }
        }
    }
    out
}

/// A reference model with its parameters; the number of nodes is given
/// separately.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Everyone tied to everyone.
    Complete,
    /// Ring lattice: each node tied to its `k` nearest neighbours.
    Ring { k: usize },
    /// Ring lattice with each tie's far end rewired with probability `p`.
    WattsStrogatz { k: usize, p: f64 },
    /// G(n, p) with p = mean_degree / (n - 1).
    ErdosRenyi { mean_degree: f64 },
    /// Preferential attachment, `m` ties per new node.
    BarabasiAlbert { m: usize },
    /// Blocks of consecutive nodes of the given sizes, tie probability
    /// `probs[a][b]` between blocks `a` and `b`.
    StochasticBlock { sizes: Vec<u32>, probs: Vec<Vec<f64>> },
}

impl Generator {
    /// Check the parameters for a network of `n` nodes. The message names
    /// the parameter, its bad value and what is allowed.
    pub fn validate(&self, n: usize) -> Result<(), String> {
        self.check(n).map_err(|(_, m)| m)
    }

    /// [`validate`](Self::validate), also naming the scenario key at fault
    /// (`kind`, `k`, `p`, `mean_degree`, `m`, `blocks` or `probs`).
    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        if n > u32::MAX as usize {
            return Err(("kind", format!("n = {n} nodes: at most {} allowed", u32::MAX)));
        }
        let max_ties = u32::MAX as f64;
        let nf = n as f64;
        match self {
            Generator::Complete => {}
            Generator::Ring { k } | Generator::WattsStrogatz { k, .. } => {
                if k % 2 == 1 || (*k >= n && *k > 0) {
                    return Err(("k", format!("{} k = {k}: must be even and less than n = {n}", self.name())));
                }
                if let Generator::WattsStrogatz { p, .. } = self
                    && !(0.0..=1.0).contains(p)
                {
                    return Err(("p", format!("watts_strogatz p = {p}: must be a probability in [0, 1]")));
                }
            }
            Generator::ErdosRenyi { mean_degree } => {
                let d = *mean_degree;
                let max = nf - 1.0;
                if !(d >= 0.0 && d <= max.max(0.0)) {
                    return Err((
                        "mean_degree",
                        format!("erdos_renyi mean_degree = {d}: must be in [0, n - 1] = [0, {}] for n = {n}", max.max(0.0)),
                    ));
                }
            }
            Generator::BarabasiAlbert { m } => {
                if *m < 1 || *m >= n {
                    return Err((
                        "m",
                        format!(
                            "barabasi_albert m = {m}: must be at least 1 and less than n = {n} (the seed graph is complete on m + 1 nodes)"
                        ),
                    ));
                }
            }
            Generator::StochasticBlock { sizes, probs } => {
                let sum: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
                if sum != n as u64 {
                    return Err(("blocks", format!("stochastic_block block sizes {sizes:?} sum to {sum}: must sum to n = {n}")));
                }
                let b = sizes.len();
                if probs.len() != b || probs.iter().any(|r| r.len() != b) {
                    let shape: Vec<usize> = probs.iter().map(Vec::len).collect();
                    return Err((
                        "probs",
                        format!(
                            "stochastic_block probs has row lengths {shape:?}: must be a {b} x {b} matrix, one row and column per block"
                        ),
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
            }
        }
        // Expected number of directed ties, which must fit `u32` offsets.
        let ties = self.expected_ties(n);
        // Random graphs get some slack above their expectation.
        if ties * 1.01 > max_ties {
            let key = match self {
                Generator::Complete => "kind",
                Generator::Ring { .. } | Generator::WattsStrogatz { .. } => "k",
                Generator::ErdosRenyi { .. } => "mean_degree",
                Generator::BarabasiAlbert { .. } => "m",
                Generator::StochasticBlock { .. } => "probs",
            };
            return Err((key, format!("{} on n = {n} nodes gives about {ties:.0} directed ties: at most {} fit", self.name(), u32::MAX)));
        }
        Ok(())
    }

    /// The expected number of directed ties on `n` nodes (of a valid
    /// generator).
    pub fn expected_ties(&self, n: usize) -> f64 {
        let nf = n as f64;
        match self {
            Generator::Complete => nf * (nf - 1.0).max(0.0),
            Generator::Ring { k } | Generator::WattsStrogatz { k, .. } => nf * *k as f64,
            Generator::ErdosRenyi { mean_degree } => nf * mean_degree,
            Generator::BarabasiAlbert { m } => 2.0 * nf * *m as f64,
            Generator::StochasticBlock { sizes, probs } => {
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
        }
    }

    /// Bytes per expected tie held while the network is built, on top of
    /// the network itself: Watts–Strogatz keeps a set of its edges,
    /// Barabási–Albert a list of tie ends (for [`footprint`](crate::model::init::footprint)).
    pub fn building_bytes_per_tie(&self) -> f64 {
        match self {
            Generator::WattsStrogatz { .. } => 10.0,
            Generator::BarabasiAlbert { .. } => 4.0,
            _ => 0.0,
        }
    }

    /// The model's name, as in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            Generator::Complete => "complete",
            Generator::Ring { .. } => "ring",
            Generator::WattsStrogatz { .. } => "watts_strogatz",
            Generator::ErdosRenyi { .. } => "erdos_renyi",
            Generator::BarabasiAlbert { .. } => "barabasi_albert",
            Generator::StochasticBlock { .. } => "stochastic_block",
        }
    }

    /// Generate the network on `n` nodes from `seed` (unused by the
    /// deterministic models).
    ///
    /// # Panics
    /// If [`validate`](Self::validate) fails.
    pub fn generate(&self, n: usize, seed: u64) -> Csr {
        if let Err(e) = self.validate(n) {
            panic!("invalid network generator: {e}");
        }
        match self {
            Generator::Complete => complete(n),
            Generator::Ring { k } => ring(n, *k),
            Generator::WattsStrogatz { k, p } => watts_strogatz(n, *k, *p, seed),
            Generator::ErdosRenyi { mean_degree } => erdos_renyi(n, *mean_degree, seed),
            Generator::BarabasiAlbert { m } => barabasi_albert(n, *m, seed),
            Generator::StochasticBlock { sizes, probs } => stochastic_block(sizes, probs, seed),
        }
    }
}

/// The generator a scenario's `[network]` table asks for on a flat
/// population of `n` agents, checked with [`Generator::validate`]. An error
/// names the key of `[network]` at fault and what is wrong with it.
pub fn from_spec(spec: &NetworkSpec, n: usize) -> Result<Generator, (&'static str, String)> {
    fn need<T: Clone>(v: &Option<T>, key: &'static str, kind: &str, example: &str) -> Result<T, (&'static str, String)> {
        v.clone().ok_or_else(|| (key, format!("is missing; `kind = \"{kind}\"` needs `{key} = {example}`")))
    }
    let g = match spec.kind {
        NetworkKind::Complete => Generator::Complete,
        NetworkKind::Ring => Generator::Ring { k: need(&spec.k, "k", "ring", "K (even, less than the size)")? as usize },
        NetworkKind::WattsStrogatz => Generator::WattsStrogatz {
            k: need(&spec.k, "k", "watts_strogatz", "K (even, less than the size)")? as usize,
            p: need(&spec.p, "p", "watts_strogatz", "P (rewiring probability, 0 to 1)")?,
        },
        NetworkKind::ErdosRenyi => {
            Generator::ErdosRenyi { mean_degree: need(&spec.mean_degree, "mean_degree", "erdos_renyi", "D (0 to size - 1)")? }
        }
        NetworkKind::BarabasiAlbert => {
            Generator::BarabasiAlbert { m: need(&spec.m, "m", "barabasi_albert", "M (1 to size - 1)")? as usize }
        }
        NetworkKind::StochasticBlock => Generator::StochasticBlock {
            sizes: need(&spec.blocks, "blocks", "stochastic_block", "[sizes summing to the population size]")?,
            probs: need(&spec.probs, "probs", "stochastic_block", "[[p_aa, p_ab], [p_ba, p_bb]] (symmetric, 0 to 1)")?,
        },
        NetworkKind::Community | NetworkKind::File => {
            return Err(("kind", format!("is not a generated reference network; allowed: {}", names())));
        }
    };
    g.check(n)?;
    Ok(g)
}

fn must(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("invalid network generator: {e}");
    }
}

/// The complete graph on `n` nodes: n (n - 1) directed ties.
pub fn complete(n: usize) -> Csr {
    must(Generator::Complete.validate(n));
    let mut offsets = Vec::with_capacity(n + 1);
    let mut targets = Vec::with_capacity(n * n.saturating_sub(1));
    offsets.push(0u32);
    for i in 0..n {
        targets.extend((0..n as u32).filter(|&j| j as usize != i));
        offsets.push(targets.len() as u32);
    }
    peer_csr(offsets, targets)
}

/// Ring lattice: node `i` tied to `i ± 1, ..., i ± k/2` (mod n).
///
/// # Panics
/// If `k` is odd or not less than `n` (`k = 0` gives no ties).
pub fn ring(n: usize, k: usize) -> Csr {
    must(Generator::Ring { k }.validate(n));
    from_edges(n, ring_edges(n, k))
}

/// The ring lattice's undirected edges `(i, i + j mod n)`, node-major, `j`
/// from 1 to k/2.
fn ring_edges(n: usize, k: usize) -> Vec<(u32, u32)> {
    let h = k / 2;
    let mut edges = Vec::with_capacity(n * h);
    for i in 0..n {
        for j in 1..=h {
            edges.push((i as u32, ((i + j) % n) as u32));
        }
    }
    edges
}

/// Watts–Strogatz small world: the ring lattice of [`ring`], then, node by
/// node and for `j = 1..=k/2`, the tie `(i, i + j)` has its far end moved with
/// probability `p` to a uniform random node, redrawn if that would make a
/// self-tie or repeat a current tie; after 64 failed draws the original tie
/// is kept. The number of ties is always exactly that of the ring.
///
/// # Panics
/// If `k` is odd or not less than `n`, or `p` is not in [0, 1].
pub fn watts_strogatz(n: usize, k: usize, p: f64, seed: u64) -> Csr {
    must(Generator::WattsStrogatz { k, p }.validate(n));
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

/// Erdős–Rényi G(n, p) with p = mean_degree / (n - 1): each pair `i < j`
/// tied independently with probability p. Node `j` scans `i < j` by the
/// geometric skips of Batagelj & Brandes (2005), so the time is O(n + m).
///
/// # Panics
/// If `mean_degree` is not in [0, n - 1].
pub fn erdos_renyi(n: usize, mean_degree: f64, seed: u64) -> Csr {
    must(Generator::ErdosRenyi { mean_degree }.validate(n));
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

/// Barabási–Albert preferential attachment: a complete graph on `m + 1`
/// nodes, then each further node ties to `m` distinct earlier nodes chosen
/// with probability proportional to degree, by uniform picks from the list
/// of tie ends (the "repeated nodes" method of Batagelj & Brandes, 2005).
///
/// # Panics
/// If `m` is 0 or not less than `n`.
pub fn barabasi_albert(n: usize, m: usize, seed: u64) -> Csr {
    must(Generator::BarabasiAlbert { m }.validate(n));
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
    must(Generator::StochasticBlock { sizes: sizes.to_vec(), probs: probs.to_vec() }.validate(n));
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

/// Call `f` with each of the positions `0..len` independently with
/// probability `p`, jumping between chosen positions by geometric skips
/// (Batagelj & Brandes, 2005): one draw per chosen position plus one.
fn bernoulli_run(rng: &mut Stream, len: u64, p: f64, mut f: impl FnMut(u64)) {
    if p <= 0.0 || len == 0 {
        return;
    }
    if p >= 1.0 {
        (0..len).for_each(f);
        return;
    }
    let log_q = (-p).ln_1p();
    let mut x = 0u64;
    while x < len {
        let r: f64 = rng.random();
        // Number of failures before the next success, >= 0.
        let skip = ((-r).ln_1p() / log_q).floor();
        if skip >= (len - x) as f64 {
            break;
        }
        x += skip as u64;
        f(x);
        x += 1;
    }
}

/// Build an undirected `PEER` network from edges listed once each, dropping
/// self-ties and repeats.
fn from_edges(n: usize, edges: Vec<(u32, u32)>) -> Csr {
    from_edge_blocks(n, vec![edges])
}

/// Rows sorted in parallel, this many at a time.
const ROW_BLOCK: usize = 4096;

/// [`from_edges`] for edges given in blocks (each block freed once placed).
fn from_edge_blocks(n: usize, blocks: Vec<Vec<(u32, u32)>>) -> Csr {
    let mut offsets = vec![0u32; n + 1];
    for &(a, b) in blocks.iter().flatten() {
        if a != b {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut next: Vec<u32> = offsets[..n].to_vec();
    let mut targets = vec![0u32; offsets[n] as usize];
    for block in blocks {
        for (a, b) in block {
            if a != b {
                targets[next[a as usize] as usize] = b;
                next[a as usize] += 1;
                targets[next[b as usize] as usize] = a;
                next[b as usize] += 1;
            }
        }
    }
    drop(next);
    // Sort each row and squeeze out repeats within it (blocks of rows in
    // parallel), then close the gaps in one pass.
    let mut lens = vec![0u32; n];
    let mut slices = Vec::with_capacity(n.div_ceil(ROW_BLOCK));
    let mut rest = &mut targets[..];
    for r in (0..n).step_by(ROW_BLOCK) {
        let hi = (r + ROW_BLOCK).min(n);
        let (block, tail) = rest.split_at_mut((offsets[hi] - offsets[r]) as usize);
        slices.push((r, block));
        rest = tail;
    }
    slices.into_par_iter().zip(lens.par_chunks_mut(ROW_BLOCK)).for_each(|((r, block), lens)| {
        let base = offsets[r] as usize;
        for (k, len) in lens.iter_mut().enumerate() {
            let row = &mut block[offsets[r + k] as usize - base..offsets[r + k + 1] as usize - base];
            row.sort_unstable();
            let mut kept = 0usize;
            for e in 0..row.len() {
                if kept == 0 || row[e] != row[kept - 1] {
                    row[kept] = row[e];
                    kept += 1;
                }
            }
            *len = kept as u32;
        }
    });
    let mut out = 0usize;
    for i in 0..n {
        let start = offsets[i] as usize;
        let len = lens[i] as usize;
        targets.copy_within(start..start + len, out);
        out += len;
        offsets[i + 1] = out as u32;
    }
    targets.truncate(out);
    targets.shrink_to_fit();
    peer_csr(offsets, targets)
}

fn peer_csr(offsets: Vec<u32>, targets: Vec<u32>) -> Csr {
    let m = targets.len();
    Csr { offsets, targets, weights: vec![1.0; m], layers: vec![layer::PEER; m] }
}

/// An undirected pair as one key.
#[inline]
fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// A fast hasher for `u64` pair keys (only membership is asked, so the
/// order of a set never matters).
#[derive(Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = crate::rng::mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = crate::rng::mix64(self.0 ^ x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Rows sorted, no self-ties, no repeats, every tie both ways, layer
    /// PEER and weight 1.
    fn assert_simple_undirected(g: &Csr) {
        let n = g.nodes();
        assert_eq!(g.weights.len(), g.ties());
        assert_eq!(g.layers.len(), g.ties());
        assert!(g.weights.iter().all(|&w| w == 1.0));
        assert!(g.layers.iter().all(|&l| l == layer::PEER));
        for i in 0..n {
            let row = &g.targets[g.row(i)];
            for w in row.windows(2) {
                assert!(w[0] < w[1], "row {i} not strictly increasing: {row:?}");
            }
            for &j in row {
                assert_ne!(j as usize, i, "self-tie at {i}");
                assert!(g.targets[g.row(j as usize)].binary_search(&(i as u32)).is_ok(), "tie {i}->{j} not mutual");
            }
        }
    }

    fn undirected_set(g: &Csr) -> HashSet<(u32, u32)> {
        let mut s = HashSet::new();
        for i in 0..g.nodes() {
            for &j in &g.targets[g.row(i)] {
                if (i as u32) < j {
                    s.insert((i as u32, j));
                }
            }
        }
        s
    }

    fn mean_degree(g: &Csr) -> f64 {
        g.ties() as f64 / g.nodes() as f64
    }

    #[test]
    fn complete_has_all_pairs() {
        for n in [0usize, 1, 2, 7, 50] {
            let g = complete(n);
            assert_eq!(g.nodes(), n);
            assert_eq!(g.ties(), n * n.saturating_sub(1));
            assert_simple_undirected(&g);
        }
        assert_eq!(Generator::Complete.generate(5, 1), complete(5));
    }

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

    #[test]
    fn same_seed_same_graph_other_seed_other_graph() {
        let gens = [
            Generator::WattsStrogatz { k: 4, p: 0.2 },
            Generator::ErdosRenyi { mean_degree: 5.0 },
            Generator::BarabasiAlbert { m: 2 },
            Generator::StochasticBlock { sizes: vec![300, 200], probs: vec![vec![0.02, 0.005], vec![0.005, 0.03]] },
        ];
        for g in &gens {
            let a = g.generate(500, 42);
            assert_eq!(a, g.generate(500, 42), "{g:?}");
            assert_ne!(a, g.generate(500, 43), "{g:?}");
        }
        // The deterministic ones ignore the seed.
        assert_eq!(Generator::Ring { k: 4 }.generate(20, 1), Generator::Ring { k: 4 }.generate(20, 2));
        // Different models on the same seed do not share draws.
        let er = erdos_renyi(500, 5.0, 42);
        let sbm = stochastic_block(&[500], &[vec![5.0 / 499.0]], 42);
        assert_ne!(er, sbm);
    }

    #[test]
    fn validate_rejects_each_bad_parameter() {
        let bad = |g: Generator, n: usize, words: &[&str]| {
            let e = g.validate(n).expect_err(&format!("{g:?} on {n} should be rejected"));
            for w in words {
                assert!(e.contains(w), "message {e:?} lacks {w:?}");
            }
        };
        let good = |g: Generator, n: usize| assert_eq!(g.validate(n), Ok(()), "{g:?} on {n}");
        good(Generator::Complete, 100);
        bad(Generator::Complete, 100_000, &["directed ties"]);
        good(Generator::Ring { k: 4 }, 5);
        bad(Generator::Ring { k: 3 }, 10, &["k = 3", "even"]);
        bad(Generator::Ring { k: 10 }, 10, &["k = 10", "less than n = 10"]);
        good(Generator::WattsStrogatz { k: 4, p: 1.0 }, 10);
        bad(Generator::WattsStrogatz { k: 5, p: 0.1 }, 10, &["k = 5"]);
        bad(Generator::WattsStrogatz { k: 4, p: 1.5 }, 10, &["p = 1.5", "[0, 1]"]);
        bad(Generator::WattsStrogatz { k: 4, p: -0.1 }, 10, &["p = -0.1"]);
        bad(Generator::WattsStrogatz { k: 4, p: f64::NAN }, 10, &["p = NaN"]);
        good(Generator::ErdosRenyi { mean_degree: 9.0 }, 10);
        bad(Generator::ErdosRenyi { mean_degree: 10.0 }, 10, &["mean_degree = 10", "[0, 9]"]);
        bad(Generator::ErdosRenyi { mean_degree: -1.0 }, 10, &["mean_degree = -1"]);
        bad(Generator::ErdosRenyi { mean_degree: f64::NAN }, 10, &["mean_degree = NaN"]);
        good(Generator::BarabasiAlbert { m: 9 }, 10);
        bad(Generator::BarabasiAlbert { m: 0 }, 10, &["m = 0", "at least 1"]);
        bad(Generator::BarabasiAlbert { m: 10 }, 10, &["m = 10", "less than n = 10"]);
        let sbm = |sizes: Vec<u32>, probs: Vec<Vec<f64>>| Generator::StochasticBlock { sizes, probs };
        good(sbm(vec![4, 6], vec![vec![0.5, 0.1], vec![0.1, 0.5]]), 10);
        bad(sbm(vec![4, 5], vec![vec![0.5, 0.1], vec![0.1, 0.5]]), 10, &["sizes", "sum to 9", "n = 10"]);
        bad(sbm(vec![4, 6], vec![vec![0.5, 0.1]]), 10, &["probs", "2 x 2"]);
        bad(sbm(vec![4, 6], vec![vec![0.5], vec![0.1, 0.5]]), 10, &["probs", "2 x 2"]);
        bad(sbm(vec![4, 6], vec![vec![0.5, 0.1], vec![0.2, 0.5]]), 10, &["probs[0][1] = 0.1", "symmetric"]);
        bad(sbm(vec![4, 6], vec![vec![1.5, 0.1], vec![0.1, 0.5]]), 10, &["probs[0][0] = 1.5", "[0, 1]"]);
        bad(sbm(vec![4, 6], vec![vec![0.5, -0.1], vec![-0.1, 0.5]]), 10, &["probs[0][1] = -0.1"]);
    }

    #[test]
    fn from_spec_reads_the_network_table() {
        let spec = |kind| NetworkSpec { kind, ..Default::default() };
        assert_eq!(from_spec(&spec(NetworkKind::Complete), 10), Ok(Generator::Complete));
        let mut ws = spec(NetworkKind::WattsStrogatz);
        assert_eq!(from_spec(&ws, 10).unwrap_err().0, "k");
        ws.k = Some(4);
        let e = from_spec(&ws, 10).unwrap_err();
        assert_eq!(e.0, "p");
        assert!(e.1.starts_with("is missing"), "{}", e.1);
        ws.p = Some(0.3);
        assert_eq!(from_spec(&ws, 10), Ok(Generator::WattsStrogatz { k: 4, p: 0.3 }));
        assert_eq!(from_spec(&ws, 4).unwrap_err().0, "k");
        ws.p = Some(2.0);
        assert_eq!(from_spec(&ws, 10).unwrap_err().0, "p");
        let mut er = spec(NetworkKind::ErdosRenyi);
        er.mean_degree = Some(20.0);
        assert_eq!(from_spec(&er, 10).unwrap_err().0, "mean_degree");
        let mut ba = spec(NetworkKind::BarabasiAlbert);
        ba.m = Some(0);
        assert_eq!(from_spec(&ba, 10).unwrap_err().0, "m");
        let mut sbm = spec(NetworkKind::StochasticBlock);
        sbm.blocks = Some(vec![5, 4]);
        assert_eq!(from_spec(&sbm, 10).unwrap_err().0, "probs");
        sbm.probs = Some(vec![vec![0.5, 0.1], vec![0.1, 0.5]]);
        assert_eq!(from_spec(&sbm, 10).unwrap_err().0, "blocks");
        assert!(from_spec(&sbm, 9).is_ok());
        assert_eq!(from_spec(&spec(NetworkKind::Community), 10).unwrap_err().0, "kind");
        assert_eq!(from_spec(&spec(NetworkKind::File), 10).unwrap_err().0, "kind");
    }

    #[test]
    #[should_panic(expected = "k = 3")]
    fn generate_panics_on_bad_parameters() {
        Generator::Ring { k: 3 }.generate(10, 0);
    }

    #[test]
    fn bernoulli_run_picks_each_position_with_probability_p() {
        let key = StepKey::new(1, 0, purpose::NETWORK);
        let (len, p, reps) = (50u64, 0.1, 20_000u32);
        let mut hits = vec![0u32; len as usize];
        for r in 0..reps {
            let mut rng = key.stream(r);
            let mut last = None;
            bernoulli_run(&mut rng, len, p, |x| {
                assert!(x < len && last.is_none_or(|l| x > l));
                last = Some(x);
                hits[x as usize] += 1;
            });
        }
        for (x, &h) in hits.iter().enumerate() {
            let share = f64::from(h) / f64::from(reps);
            assert!((share - p).abs() < 0.008, "position {x}: {share}");
        }
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
