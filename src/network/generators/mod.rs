//! Reference network models, one file per generator (complete graph, ring
//! lattice, Watts–Strogatz, Erdős–Rényi, Barabási–Albert, stochastic block
//! model), for comparing the community network with textbook topologies.
//!
//! Each generator's file holds its typed parameters (a serde struct: the
//! keys of `[network]` it reads), their check (naming the key), its
//! expected number of ties and the bytes it holds while building (its share
//! of [`footprint`](crate::model::init::footprint)), the generator itself
//! and its tests. The `generators!` registry below lists them once and
//! derives [`GeneratorKind`] (the `network.kind` spellings besides
//! `community` and `file`), [`Generator`] and the dispatch; names, key
//! lists and messages come from the structs through serde. Adding a
//! generator: its file, one registry line, its test.
//!
//! Every generator returns an undirected [`Csr`] (each tie in both
//! directions) of `layer::PEER` ties with weight 1.0, without self-ties or
//! repeated ties. The random ones draw only from
//! [`StepKey`](crate::rng::StepKey) streams of `purpose::NETWORK`, one step
//! per generator and one stream per node, so a graph is a pure function of
//! its parameters and seed. All run in time linear in nodes plus ties, except
//! [`complete`]. This module never does I/O.

use super::{Csr, layer};
use crate::keys::{fields, own_error};
use crate::rng::Stream;
use crate::scenario::{Network as NetworkSpec, NetworkKind};
use rand::RngExt;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::hash::Hasher;

/// Steps of the `NETWORK` purpose used here, apart from those of
/// `community.rs` (0 and 1). A new random generator takes the next number.
mod step {
    pub const ERDOS_RENYI: u32 = 100;
    pub const BARABASI_ALBERT: u32 = 101;
    pub const WATTS_STROGATZ: u32 = 102;
    pub const STOCHASTIC_BLOCK: u32 = 103;
}

/// What every generator provides.
pub trait Generate: Clone + fmt::Debug + PartialEq + Default + Serialize + DeserializeOwned {
    /// Its `network.kind`.
    const NAME: &'static str;
    /// The key named when the network would have too many ties.
    const SIZE_KEY: &'static str;

    /// Keys missing or out of range for `n` nodes: `Err((key, message))`
    /// naming the bad value and what is allowed.
    fn check(&self, n: usize) -> Result<(), (&'static str, String)>;

    /// The expected number of directed ties on `n` nodes (of a checked
    /// generator).
    fn expected_ties(&self, n: usize) -> f64;

    /// Bytes per expected tie held while the network is built, on top of
    /// the network itself.
    fn building_bytes_per_tie(&self) -> f64 {
        0.0
    }

    /// The network on `n` nodes from `seed` (of a checked generator).
    fn generate(&self, n: usize, seed: u64) -> Csr;
}

/// The registry: one line per generator, `Variant(file::Struct)`.
macro_rules! generators {
    ($($variant:ident($module:ident::$ty:ident)),* $(,)?) => {
        $(pub mod $module;)*
        $(pub use $module::$ty;)*

        /// The generated networks' kinds, in registry order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum GeneratorKind {
            $($variant),*
        }

        impl GeneratorKind {
            /// Every generator, in registry order.
            pub const ALL: &'static [GeneratorKind] = &[$(GeneratorKind::$variant),*];

            /// The TOML spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(GeneratorKind::$variant => <$ty as Generate>::NAME),* }
            }

            /// The keys of `[network]` it reads, in declaration order.
            pub fn keys(self) -> &'static [&'static str] {
                match self { $(GeneratorKind::$variant => fields::<$ty>()),* }
            }

            /// Its generator from the keys given (others refused).
            fn read(self, keys: &GeneratorKeys) -> Result<Generator, (&'static str, String)> {
                let own = self.keys();
                if let Some((k, _)) = keys.0.iter().find(|(k, _)| !own.contains(k)) {
                    let takes = if own.is_empty() { "no keys of its own".to_string() } else { format!("takes: {}", own.join(", ")) };
                    return Err((k, format!("is not used by `{}`; it {takes}", self.as_str())));
                }
                let t: toml::Table = keys.0.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                match self {
                    $(GeneratorKind::$variant => crate::keys::read::<$ty>(&t).map(Generator::$variant).map_err(|(_, m)| ("kind", m))),*
                }
            }
        }

        /// A reference model with its parameters; the number of nodes is
        /// given separately.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Generator {
            $($variant($ty)),*
        }

        impl Generator {
            /// The model's name, as in scenario files.
            pub fn name(&self) -> &'static str {
                match self { $(Generator::$variant(_) => <$ty as Generate>::NAME),* }
            }
            fn check_own(&self, n: usize) -> Result<(), (&'static str, String)> {
                match self { $(Generator::$variant(g) => g.check(n)),* }
            }
            fn size_key(&self) -> &'static str {
                match self { $(Generator::$variant(_) => <$ty as Generate>::SIZE_KEY),* }
            }
            /// The expected number of directed ties on `n` nodes.
            pub fn expected_ties(&self, n: usize) -> f64 {
                match self { $(Generator::$variant(g) => g.expected_ties(n)),* }
            }
            /// Bytes per expected tie held while the network is built (for
            /// [`footprint`](crate::model::init::footprint)).
            pub fn building_bytes_per_tie(&self) -> f64 {
                match self { $(Generator::$variant(g) => g.building_bytes_per_tie()),* }
            }
            fn generate_checked(&self, n: usize, seed: u64) -> Csr {
                match self { $(Generator::$variant(g) => g.generate(n, seed)),* }
            }
        }
    };
}

generators! {
    Complete(complete::Complete),
    Ring(ring::Ring),
    WattsStrogatz(watts_strogatz::WattsStrogatz),
    ErdosRenyi(erdos_renyi::ErdosRenyi),
    BarabasiAlbert(barabasi_albert::BarabasiAlbert),
    StochasticBlock(stochastic_block::StochasticBlock),
}

pub use barabasi_albert::barabasi_albert;
pub use complete::complete;
pub use erdos_renyi::erdos_renyi;
pub use ring::ring;
pub use stochastic_block::stochastic_block;
pub use watts_strogatz::watts_strogatz;

impl Generator {
    /// Check the parameters for a network of `n` nodes. The message names
    /// the parameter, its bad value and what is allowed.
    pub fn validate(&self, n: usize) -> Result<(), String> {
        self.check(n).map_err(|(_, m)| m)
    }

    /// [`validate`](Self::validate), also naming the scenario key at fault.
    fn check(&self, n: usize) -> Result<(), (&'static str, String)> {
        if n > u32::MAX as usize {
            return Err(("kind", format!("n = {n} nodes: at most {} allowed", u32::MAX)));
        }
        self.check_own(n)?;
        // Expected number of directed ties, which must fit `u32` offsets;
        // random graphs get some slack above their expectation.
        let ties = self.expected_ties(n);
        if ties * 1.01 > u32::MAX as f64 {
            return Err((
                self.size_key(),
                format!("{} on n = {n} nodes gives about {ties:.0} directed ties: at most {} fit", self.name(), u32::MAX),
            ));
        }
        Ok(())
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
        self.generate_checked(n, seed)
    }
}

/// Whether `kind` is one of the generators (not `community` or `file`).
pub fn is_generated(kind: NetworkKind) -> bool {
    matches!(kind, NetworkKind::Generated(_))
}

/// The TOML spelling of a network kind.
pub fn kind_name(kind: NetworkKind) -> String {
    kind.as_str().to_string()
}

/// The generators' names for messages: `complete, ring, ... or stochastic_block`.
pub fn names() -> String {
    let names: Vec<&str> = GeneratorKind::ALL.iter().map(|k| k.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Every key of `[network]` read by some generator (and by nothing else),
/// in registry order.
pub fn keys() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for g in GeneratorKind::ALL {
        for k in g.keys() {
            if !out.contains(k) {
                out.push(k);
            }
        }
    }
    out
}

/// The generators' keys given in `[network]`, each as its generator's
/// struct reads it (`p = 1` is kept as 1.0), in the order of [`keys`].
/// Flattened into [`NetworkSpec`], so users write them beside `kind`;
/// which apply is settled by [`from_spec`] once `kind` is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeneratorKeys(Vec<(&'static str, toml::Value)>);

impl GeneratorKeys {
    /// The first key given, if any.
    pub fn first(&self) -> Option<&'static str> {
        self.0.first().map(|(k, _)| *k)
    }
}

impl<'de> Deserialize<'de> for GeneratorKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let t = toml::Table::deserialize(d)?;
        let all = keys();
        let mut out = Vec::new();
        for k in all.iter().copied() {
            let Some(v) = t.get(k) else { continue };
            // Read by the first generator that takes the key.
            let g = GeneratorKind::ALL.iter().copied().find(|g| g.keys().contains(&k)).unwrap_or(GeneratorKind::Complete);
            let read = g.read_value(k, v).map_err(|m| D::Error::custom(own_error("network", k, &m)))?;
            out.push((k, read));
        }
        if let Some(k) = t.keys().find(|k| !all.contains(&k.as_str())) {
            // The community network's keys, from its defaults written out.
            let community: Vec<String> = toml::Table::try_from(crate::scenario::Network::default())
                .map(|t| {
                    t.keys()
                        .filter(|c| !["kind", "edges", "nodes", "weights"].contains(&c.as_str()) && !all.contains(&c.as_str()))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let quoted = |v: &mut dyn Iterator<Item = &str>| v.map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
            return Err(D::Error::custom(own_error(
                "network",
                k,
                &format!(
                    "unknown field `{k}`; [network] takes `kind`, the community network's keys ({}), `edges`, `nodes`, `weights` and the generators' keys: {}",
                    quoted(&mut community.iter().map(String::as_str)),
                    quoted(&mut all.iter().copied())
                ),
            )));
        }
        Ok(GeneratorKeys(out))
    }
}

impl GeneratorKind {
    /// `v` at `key` as this generator's struct reads and writes it.
    fn read_value(self, key: &'static str, v: &toml::Value) -> Result<toml::Value, String> {
        let g = self.read(&GeneratorKeys(vec![(key, v.clone())])).map_err(|(_, m)| m)?;
        let written = match &g {
            Generator::Complete(x) => toml::Table::try_from(x).ok(),
            Generator::Ring(x) => toml::Table::try_from(x).ok(),
            Generator::WattsStrogatz(x) => toml::Table::try_from(x).ok(),
            Generator::ErdosRenyi(x) => toml::Table::try_from(x).ok(),
            Generator::BarabasiAlbert(x) => toml::Table::try_from(x).ok(),
            Generator::StochasticBlock(x) => toml::Table::try_from(x).ok(),
        };
        written.and_then(|t| t.get(key).cloned()).ok_or_else(|| format!("cannot be read by `{}`", self.as_str()))
    }
}

impl Serialize for GeneratorKeys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// The generator a scenario's `[network]` table asks for on a flat
/// population of `n` agents, checked with [`Generator::validate`]. An error
/// names the key of `[network]` at fault and what is wrong with it.
pub fn from_spec(spec: &NetworkSpec, n: usize) -> Result<Generator, (&'static str, String)> {
    let NetworkKind::Generated(kind) = spec.kind else {
        return Err(("kind", format!("is not a generated reference network; allowed: {}", names())));
    };
    let g = kind.read(&spec.generator)?;
    g.check(n)?;
    Ok(g)
}

/// `v`, or the message that `key` is missing.
fn need<T>(v: Option<T>, key: &'static str, kind: &str, example: &str) -> Result<T, (&'static str, String)> {
    v.ok_or_else(|| (key, format!("is missing; `kind = \"{kind}\"` needs `{key} = {example}`")))
}

fn must(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("invalid network generator: {e}");
    }
}

/// Call `f` with each of the positions `0..len` independently with
/// probability `p`, jumping between chosen positions by geometric skips
/// (Batagelj & Brandes, 2005): one draw per chosen position plus one.
pub(super) fn bernoulli_run(rng: &mut Stream, len: u64, p: f64, mut f: impl FnMut(u64)) {
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
pub(super) fn from_edges(n: usize, edges: Vec<(u32, u32)>) -> Csr {
    from_edge_blocks(n, vec![edges])
}

/// Rows sorted in parallel, this many at a time.
const ROW_BLOCK: usize = 4096;

/// [`from_edges`] for edges given in blocks (each block freed once placed).
pub(super) fn from_edge_blocks(n: usize, blocks: Vec<Vec<(u32, u32)>>) -> Csr {
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

pub(super) fn peer_csr(offsets: Vec<u32>, targets: Vec<u32>) -> Csr {
    let m = targets.len();
    Csr { offsets, targets, weights: vec![1.0; m], layers: vec![layer::PEER; m] }
}

/// An undirected pair as one key.
#[inline]
pub(super) fn pair_key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// A fast hasher for `u64` pair keys (only membership is asked, so the
/// order of a set never matters).
#[derive(Default)]
pub(super) struct MixHasher(u64);

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

/// Test helpers shared by the generators' files.
#[cfg(test)]
pub(crate) mod testing {
    pub use super::*;
    pub use std::collections::HashSet;

    /// Rows sorted, no self-ties, no repeats, every tie both ways, layer
    /// PEER and weight 1.
    pub fn assert_simple_undirected(g: &Csr) {
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

    pub fn undirected_set(g: &Csr) -> HashSet<(u32, u32)> {
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

    pub fn mean_degree(g: &Csr) -> f64 {
        g.ties() as f64 / g.nodes() as f64
    }

    pub fn g_ring(k: u32) -> Generator {
        Generator::Ring(Ring { k: Some(k) })
    }
    pub fn g_ws(k: u32, p: f64) -> Generator {
        Generator::WattsStrogatz(WattsStrogatz { k: Some(k), p: Some(p) })
    }
    pub fn g_er(d: f64) -> Generator {
        Generator::ErdosRenyi(ErdosRenyi { mean_degree: Some(d) })
    }
    pub fn g_ba(m: u32) -> Generator {
        Generator::BarabasiAlbert(BarabasiAlbert { m: Some(m) })
    }
    pub fn g_sbm(blocks: Vec<u32>, probs: Vec<Vec<f64>>) -> Generator {
        Generator::StochasticBlock(StochasticBlock { blocks: Some(blocks), probs: Some(probs) })
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use crate::rng::{StepKey, purpose};

    #[test]
    fn same_seed_same_graph_other_seed_other_graph() {
        let gens = [g_ws(4, 0.2), g_er(5.0), g_ba(2), g_sbm(vec![300, 200], vec![vec![0.02, 0.005], vec![0.005, 0.03]])];
        for g in &gens {
            let a = g.generate(500, 42);
            assert_eq!(a, g.generate(500, 42), "{g:?}");
            assert_ne!(a, g.generate(500, 43), "{g:?}");
        }
        // The deterministic ones ignore the seed.
        assert_eq!(g_ring(4).generate(20, 1), g_ring(4).generate(20, 2));
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
        good(Generator::Complete(Complete {}), 100);
        bad(Generator::Complete(Complete {}), 100_000, &["directed ties"]);
        good(g_ring(4), 5);
        bad(g_ring(3), 10, &["k = 3", "even"]);
        bad(g_ring(10), 10, &["k = 10", "less than n = 10"]);
        good(g_ws(4, 1.0), 10);
        bad(g_ws(5, 0.1), 10, &["k = 5"]);
        bad(g_ws(4, 1.5), 10, &["p = 1.5", "[0, 1]"]);
        bad(g_ws(4, -0.1), 10, &["p = -0.1"]);
        bad(g_ws(4, f64::NAN), 10, &["p = NaN"]);
        good(g_er(9.0), 10);
        bad(g_er(10.0), 10, &["mean_degree = 10", "[0, 9]"]);
        bad(g_er(-1.0), 10, &["mean_degree = -1"]);
        bad(g_er(f64::NAN), 10, &["mean_degree = NaN"]);
        good(g_ba(9), 10);
        bad(g_ba(0), 10, &["m = 0", "at least 1"]);
        bad(g_ba(10), 10, &["m = 10", "less than n = 10"]);
        let sbm = |sizes: Vec<u32>, probs: Vec<Vec<f64>>| g_sbm(sizes, probs);
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
        let spec = |text: &str| -> NetworkSpec { toml::from_str(text).unwrap() };
        let at = |text: &str, n: usize| from_spec(&spec(text), n);
        assert_eq!(at("kind = \"complete\"", 10), Ok(Generator::Complete(Complete {})));
        assert_eq!(at("kind = \"watts_strogatz\"", 10).unwrap_err().0, "k");
        let e = at("kind = \"watts_strogatz\"\nk = 4", 10).unwrap_err();
        assert_eq!(e.0, "p");
        assert!(e.1.starts_with("is missing"), "{}", e.1);
        assert_eq!(at("kind = \"watts_strogatz\"\nk = 4\np = 0.3", 10), Ok(g_ws(4, 0.3)));
        assert_eq!(at("kind = \"watts_strogatz\"\nk = 4\np = 0.3", 4).unwrap_err().0, "k");
        assert_eq!(at("kind = \"watts_strogatz\"\nk = 4\np = 2.0", 10).unwrap_err().0, "p");
        assert_eq!(at("kind = \"erdos_renyi\"\nmean_degree = 20", 10).unwrap_err().0, "mean_degree");
        assert_eq!(at("kind = \"barabasi_albert\"\nm = 0", 10).unwrap_err().0, "m");
        assert_eq!(at("kind = \"stochastic_block\"\nblocks = [5, 4]", 10).unwrap_err().0, "probs");
        let sbm = "kind = \"stochastic_block\"\nblocks = [5, 4]\nprobs = [[0.5, 0.1], [0.1, 0.5]]";
        assert_eq!(at(sbm, 10).unwrap_err().0, "blocks");
        assert!(at(sbm, 9).is_ok());
        assert_eq!(at("kind = \"community\"", 10).unwrap_err().0, "kind");
        assert_eq!(at("kind = \"file\"", 10).unwrap_err().0, "kind");
        // Another generator's key is refused, naming it.
        let e = at("kind = \"ring\"\nk = 4\np = 0.5", 10).unwrap_err();
        assert_eq!(e.0, "p");
        assert!(e.1.contains("not used by `ring`") && e.1.contains("takes: k"), "{}", e.1);
    }

    #[test]
    fn names_and_keys_come_from_the_structs() {
        assert_eq!(names(), "complete, ring, watts_strogatz, erdos_renyi, barabasi_albert or stochastic_block");
        assert_eq!(keys(), ["k", "p", "mean_degree", "m", "blocks", "probs"]);
        assert_eq!(GeneratorKind::WattsStrogatz.keys(), ["k", "p"]);
        // A value is kept as its generator's struct reads it: `p = 1` is the float 1.0.
        let s: NetworkSpec = toml::from_str("kind = \"watts_strogatz\"\nk = 4\np = 1").unwrap();
        assert_eq!(toml::to_string(&s.generator).unwrap(), "k = 4\np = 1.0\n");
        let e = toml::from_str::<NetworkSpec>("kind = \"ring\"\nkk = 4").unwrap_err();
        assert!(e.message().contains("`kk` in [network]: unknown field `kk`"), "{}", e.message());
    }

    #[test]
    #[should_panic(expected = "k = 3")]
    fn generate_panics_on_bad_parameters() {
        g_ring(3).generate(10, 0);
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
}
