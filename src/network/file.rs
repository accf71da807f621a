//! A real network from survey data: an edge list CSV and a node attributes
//! CSV, read from readers the caller opened. Every error names the file,
//! the line, the column and what is allowed.

use super::{Csr, TieList, layer};
use crate::population::{Agents, Role, attr};
use crate::scenario::Weights;
use crate::scenario::limits::MAX_INPUT_BYTES;
use std::collections::HashMap;
use std::io::Read;

/// A problem in a network file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FileError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Columns of the node file. Only `id` and `gender` are required.
pub const NODE_COLUMNS: &[&str] = &["id", "gender", "role", "household", "village", "head", "age", "elite", "disability", "marginalised"];

fn truthy(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Some(true),
        "0" | "false" | "no" | "n" | "" => Some(false),
        _ => None,
    }
}

/// Largest weight a tie in the edge file may have.
pub const MAX_TIE_WEIGHT: f64 = 1e6;

/// A network read from files, with what the reader noticed but accepted.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub agents: Agents,
    pub csr: Csr,
    /// People without ties, villages in several pieces, duplicate ties
    /// merged: worth a look, not an error. Each names the file.
    pub warnings: Vec<String>,
}

/// Read nodes and edges. Ties are undirected; `weight` defaults to the
/// layer's weight and `layer` to `peer`.
pub fn load(nodes: impl Read, nodes_name: &str, edges: impl Read, edges_name: &str, weights: &Weights) -> Result<(Agents, Csr), FileError> {
    load_checked(nodes, nodes_name, edges, edges_name, weights).map(|l| (l.agents, l.csr))
}

/// [`load`], keeping the warnings. Refused: a file over
/// [`MAX_INPUT_BYTES`], a repeated column, a tie from a person to
/// themself, a weight outside 0 < w <= [`MAX_TIE_WEIGHT`], a `leader` tie
/// whose source is not a gatekeeper or religious leader. Merged, with a
/// warning: the same two people listed again (in either order or on another
/// layer): one tie, the strongest, with its layer, as the build merges them.
/// Reported: people with no ties, villages whose people are not all linked
/// by ties within the village.
pub fn load_checked(
    nodes: impl Read,
    nodes_name: &str,
    edges: impl Read,
    edges_name: &str,
    weights: &Weights,
) -> Result<Loaded, FileError> {
    let (agents, ids) = read_nodes(Bounded::new(nodes), nodes_name)?;
    let mut warnings = Vec::new();
    let csr = read_edges(Bounded::new(edges), edges_name, &ids, &agents, weights, &mut warnings)?;
    let mut names = vec![String::new(); agents.len()];
    for (id, &i) in &ids.ids {
        names[i as usize] = id.clone();
    }
    report_shape(&agents, &csr, &names, &ids.villages, edges_name, &mut warnings);
    Ok(Loaded { agents, csr, warnings })
}

/// A reader that fails once it has given more than [`MAX_INPUT_BYTES`], so
/// an endless input (`/dev/zero`) stops with a message instead of
/// exhausting memory.
struct Bounded<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Bounded<R> {
    fn new(inner: R) -> Self {
        Bounded { inner, read: 0 }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > MAX_INPUT_BYTES {
            return Err(std::io::Error::other(format!(
                "the file is larger than {} MiB, the most a network file may have",
                MAX_INPUT_BYTES >> 20
            )));
        }
        Ok(n)
    }
}

/// A CSV error as a message: an I/O error says only what went wrong.
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}

/// Refuse a header that names a column twice.
fn unique_columns(headers: &csv::StringRecord) -> Result<(), String> {
    for (k, h) in headers.iter().enumerate() {
        if headers.iter().take(k).any(|x| x == h) {
            return Err(format!("column `{h}` appears twice in the header; give each column once"));
        }
    }
    Ok(())
}

/// Node ids and village names, by index.
#[derive(Debug)]
struct Ids {
    ids: HashMap<String, u32>,
    villages: Vec<String>,
}

fn read_nodes(input: impl Read, name: &str) -> Result<(Agents, Ids), FileError> {
    let err = |line: u64, message: String| FileError { file: name.into(), line, message };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr.headers().map_err(|e| err(1, csv_message(&e)))?.clone();
    for h in headers.iter() {
        if !NODE_COLUMNS.contains(&h) {
            return Err(err(1, format!("unknown column `{h}`; allowed: {}", NODE_COLUMNS.join(", "))));
        }
    }
    unique_columns(&headers).map_err(|m| err(1, m))?;
    let col = |c: &str| headers.iter().position(|h| h == c);
    let id_col = col("id").ok_or_else(|| err(1, "missing column `id`".into()))?;
    let gender_col = col("gender").ok_or_else(|| err(1, "missing column `gender` (woman or man)".into()))?;
    let mut agents = Agents::default();
    let mut ids = HashMap::new();
    let mut households: HashMap<String, u32> = HashMap::new();
    let mut villages: HashMap<String, u32> = HashMap::new();
    let mut heads: HashMap<u32, u32> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map_or(0, |p| p.line()), csv_message(&e)))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let id = get(Some(id_col)).to_string();
        if id.is_empty() {
            return Err(err(line, "empty `id`".into()));
        }
        if agents.len() >= u32::MAX as usize - 1 {
            return Err(err(line, "too many people; at most 4294967294".into()));
        }
        let i = agents.len() as u32;
        if ids.insert(id.clone(), i).is_some() {
            return Err(err(line, format!("`id` {id} appears twice")));
        }
        let mut bits = match get(Some(gender_col)).to_ascii_lowercase().as_str() {
            "woman" | "female" | "f" | "w" => attr::WOMAN,
            "man" | "male" | "m" => 0,
            other => return Err(err(line, format!("column `gender`: `{other}` is not allowed; use woman or man"))),
        };
        let role = match get(col("role")) {
            "" | "member" => Role::Member,
            "gatekeeper" => Role::Gatekeeper,
            "religious_leader" => Role::ReligiousLeader,
            other => return Err(err(line, format!("column `role`: `{other}` is not allowed; use member, gatekeeper or religious_leader"))),
        };
        bits |= match get(col("age")) {
            "" | "adult" => 0,
            "youth" => attr::YOUTH,
            "elder" => attr::ELDER,
            other => return Err(err(line, format!("column `age`: `{other}` is not allowed; use youth, adult or elder"))),
        };
        for (c, bit) in [("head", attr::HEAD), ("elite", attr::ELITE), ("disability", attr::DISABLED), ("marginalised", attr::MARGINALISED)]
        {
            let v = get(col(c));
            match truthy(v) {
                Some(true) => bits |= bit,
                Some(false) => {}
                None => return Err(err(line, format!("column `{c}`: `{v}` is not allowed; use true/false, yes/no or 1/0"))),
            }
        }
        let hh_name = match get(col("household")) {
            "" => format!("\u{0}{id}"),
            h => h.to_string(),
        };
        let n_hh = households.len() as u32;
        let hh = *households.entry(hh_name).or_insert(n_hh);
        let n_v = villages.len() as u32;
        let v = *villages.entry(get(col("village")).to_string()).or_insert(n_v);
        if bits & attr::HEAD != 0 {
            heads.entry(hh).or_insert(i);
        }
        agents.attrs.push(bits);
        agents.role.push(role);
        agents.household.push(hh);
        agents.head_of.push(u32::MAX);
        agents.village.push(v);
    }
    if agents.is_empty() {
        return Err(err(1, "no nodes".into()));
    }
    for i in 0..agents.len() {
        let hh = agents.household[i];
        let head = *heads.entry(hh).or_insert(i as u32);
        agents.head_of[i] = head;
    }
    agents.villages = villages.len() as u32;
    let mut names = vec![String::new(); villages.len()];
    for (v, &k) in &villages {
        names[k as usize] = v.clone();
    }
    Ok((agents, Ids { ids, villages: names }))
}

fn read_edges(input: impl Read, name: &str, ids: &Ids, agents: &Agents, w: &Weights, warnings: &mut Vec<String>) -> Result<Csr, FileError> {
    let err = |line: u64, message: String| FileError { file: name.into(), line, message };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr.headers().map_err(|e| err(1, csv_message(&e)))?.clone();
    const ALLOWED: &[&str] = &["source", "target", "weight", "layer"];
    for h in headers.iter() {
        if !ALLOWED.contains(&h) {
            return Err(err(1, format!("unknown column `{h}`; allowed: {}", ALLOWED.join(", "))));
        }
    }
    unique_columns(&headers).map_err(|m| err(1, m))?;
    let col = |c: &str| headers.iter().position(|h| h == c);
    let (Some(sc), Some(tc)) = (col("source"), col("target")) else {
        return Err(err(1, "the edge list needs columns `source` and `target`".into()));
    };
    let mut ties = TieList::default();
    // First line of each pair of people (a <= b). The network build merges
    // a pair listed twice into one tie, the strongest (with its layer);
    // here they are counted, to say so.
    let mut seen: HashMap<(u32, u32), u64> = HashMap::new();
    let mut merged = 0usize;
    let mut first_merged = None;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map_or(0, |p| p.line()), csv_message(&e)))?;
        let line = rec.position().map_or(0, |p| p.line());
        let node = |c: usize, what: &str| {
            let id = rec.get(c).unwrap_or("");
            ids.ids.get(id).copied().ok_or_else(|| err(line, format!("column `{what}`: node `{id}` is not in the node file")))
        };
        let (a, b) = (node(sc, "source")?, node(tc, "target")?);
        if a == b {
            return Err(err(
                line,
                format!("a tie from `{}` to itself; a person cannot be their own neighbour: remove the line", rec.get(sc).unwrap_or("")),
            ));
        }
        let layer = match col("layer").and_then(|c| rec.get(c)).unwrap_or("") {
            "" | "peer" => layer::PEER,
            "household" => layer::HOUSEHOLD,
            "leader" => layer::LEADER,
            "bridge" => layer::BRIDGE,
            other => return Err(err(line, format!("column `layer`: `{other}` is not allowed; use household, peer, leader or bridge"))),
        };
        if layer == layer::LEADER && agents.role[a as usize] == Role::Member {
            return Err(err(
                line,
                format!(
                    "a `leader` tie must come from a leader, but its source `{}` has role member in the node file; use role gatekeeper or religious_leader, or layer peer",
                    rec.get(sc).unwrap_or("")
                ),
            ));
        }
        let default_w = match layer {
            layer::HOUSEHOLD => w.household,
            layer::LEADER => w.leader,
            layer::BRIDGE => w.bridge,
            _ => w.peer,
        };
        let weight = match col("weight").and_then(|c| rec.get(c)).unwrap_or("") {
            "" => default_w,
            s => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x > 0.0 && x <= MAX_TIE_WEIGHT => x,
                _ => {
                    return Err(err(
                        line,
                        format!(
                            "column `weight`: `{s}` is not allowed; use a number above 0 and at most {MAX_TIE_WEIGHT:e} (leave the cell empty for the layer's weight)"
                        ),
                    ));
                }
            },
        };
        if let Some(&first) = seen.get(&(a.min(b), a.max(b))) {
            merged += 1;
            first_merged.get_or_insert((line, first));
        } else {
            seen.insert((a.min(b), a.max(b)), line);
        }
        if layer == layer::LEADER {
            // The source is the leader: the target listens to it.
            ties.push(b, a, weight as f32, layer::LEADER);
            ties.push(a, b, w.member as f32, layer::MEMBER);
        } else {
            ties.push_both(a, b, weight as f32, layer);
        }
    }
    if let Some((line, first)) = first_merged {
        warnings.push(format!(
            "{name}: {merged} duplicate tie{} merged (the same two people listed again, in either order or on another layer, count as one tie: the strongest, with its layer); the first repeat is line {line}, of line {first}",
            if merged == 1 { "" } else { "s" }
        ));
    }
    Ok(ties.build(agents.len()))
}

/// Warn about people with no ties and villages whose people are not all
/// linked by ties within the village (connected components with petgraph's
/// union-find).
fn report_shape(agents: &Agents, csr: &Csr, names: &[String], villages: &[String], file: &str, warnings: &mut Vec<String>) {
    let n = agents.len();
    let isolated: Vec<usize> = (0..n).filter(|&i| csr.degree(i) == 0).collect();
    if let Some(&first) = isolated.first() {
        warnings.push(format!(
            "{file}: {} of {n} people have no ties (the first is `{}`); they hear no one and no one hears them",
            isolated.len(),
            names[first]
        ));
    }
    let mut groups = petgraph::unionfind::UnionFind::<usize>::new(n);
    for i in 0..n {
        for e in csr.row(i) {
            let j = csr.targets[e] as usize;
            if agents.village[i] == agents.village[j] {
                groups.union(i, j);
            }
        }
    }
    let labels = groups.into_labeling();
    let mut per_village: Vec<HashMap<usize, usize>> = vec![HashMap::new(); villages.len()];
    for (i, &root) in labels.iter().enumerate() {
        *per_village[agents.village[i] as usize].entry(root).or_default() += 1;
    }
    for (v, pieces) in per_village.iter().enumerate() {
        if pieces.len() > 1 {
            let people: usize = pieces.values().sum();
            let largest = pieces.values().copied().max().unwrap_or(0);
            let label = if villages[v].is_empty() { "(no village)".to_string() } else { format!("`{}`", villages[v]) };
            warnings.push(format!(
                "{file}: village {label} falls into {} groups not linked by ties within the village (its {people} people; the largest group has {largest})",
                pieces.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_small_village() {
        let nodes = "id,gender,household,head,role\na,man,h1,true,gatekeeper\nb,woman,h1,false,member\nc,woman,h2,true,\n";
        let edges = "source,target,layer\na,b,household\nb,c,\na,c,leader\n";
        let (ag, g) = load(nodes.as_bytes(), "n.csv", edges.as_bytes(), "e.csv", &Weights::default()).unwrap();
        assert_eq!(ag.len(), 3);
        assert_eq!(ag.head_of, vec![0, 0, 2]);
        assert_eq!(ag.role[0], Role::Gatekeeper);
        assert_eq!(g.degree(1), 2);
        assert_eq!(g.layers[g.row(2)].to_vec(), vec![layer::LEADER, layer::PEER]);
    }

    #[test]
    fn errors_name_the_line() {
        let nodes = "id,gender\na,man\nb,robot\n";
        let e = read_nodes(nodes.as_bytes(), "n.csv").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("robot") && e.message.contains("woman or man"), "{e}");
        let nodes = "id,gender\na,man\nb,woman\n";
        let (ag, ids) = read_nodes(nodes.as_bytes(), "n.csv").unwrap();
        let e = read_edges("source,target\na,z\n".as_bytes(), "e.csv", &ids, &ag, &Weights::default(), &mut Vec::new()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`z`"), "{e}");
    }

    fn try_load(nodes: &str, edges: &str) -> Result<Loaded, FileError> {
        load_checked(nodes.as_bytes(), "n.csv", edges.as_bytes(), "e.csv", &Weights::default())
    }

    const PEOPLE: &str = "id,gender,role,village\na,man,gatekeeper,v\nb,woman,,v\nc,woman,,v\nd,man,,w\n";

    #[test]
    fn bad_ties_are_refused_with_their_line() {
        for (edges, line, words) in [
            ("source,target\na,b\nc,c\n", 3, vec!["`c` to itself"]),
            ("source,target,weight\na,b,1e308\n", 2, vec!["1e308", "at most 1e6"]),
            ("source,target,weight\na,b,0\n", 2, vec!["above 0"]),
            ("source,target,weight\na,b,-1\n", 2, vec!["above 0"]),
            ("source,target,weight\na,b,NaN\n", 2, vec!["NaN"]),
            ("source,target,layer\nb,a,leader\n", 2, vec!["source `b` has role member"]),
            ("source,target,target\na,b,c\n", 1, vec!["column `target` appears twice"]),
        ] {
            let e = try_load(PEOPLE, edges).unwrap_err();
            assert_eq!((e.file.as_str(), e.line), ("e.csv", line), "{edges}: {e}");
            for w in words {
                assert!(e.message.contains(w), "{edges}: {e}");
            }
        }
        let e = try_load("id,gender,id\na,man,b\n", "source,target\n").unwrap_err();
        assert!(e.line == 1 && e.message.contains("column `id` appears twice"), "{e}");
    }

    #[test]
    fn duplicate_ties_are_merged_and_named() {
        let l = try_load(PEOPLE, "source,target,weight\na,b,2\nb,a,5\na,b,7\nb,c,\nc,d,\n").unwrap();
        // a-b once (the strongest), b-c, c-d: 3 undirected ties.
        assert_eq!(l.csr.ties(), 6);
        let ab = l.csr.row(0).find(|&e| l.csr.targets[e] == 1).unwrap();
        assert_eq!(l.csr.weights[ab], 7.0);
        assert!(l.warnings.iter().any(|w| w.contains("2 duplicate ties merged") && w.contains("line 3, of line 2")), "{:?}", l.warnings);
        // The same pair on another layer too: one tie, the strongest, with its layer.
        let l = try_load(PEOPLE, "source,target,layer\na,b,household\na,b,peer\nb,c,\nc,d,\n").unwrap();
        assert_eq!(l.csr.ties(), 6);
        let ab = l.csr.row(0).find(|&e| l.csr.targets[e] == 1).unwrap();
        assert_eq!(l.csr.layers[ab], layer::HOUSEHOLD, "household ties weigh 2, peer ties 1 by default");
        assert!(l.warnings.iter().any(|w| w.contains("1 duplicate tie merged")), "{:?}", l.warnings);
        let l = try_load(PEOPLE, "source,target\na,b\nb,c\nc,d\n").unwrap();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn isolated_people_and_split_villages_are_reported() {
        let l = try_load(PEOPLE, "source,target\na,b\n").unwrap();
        assert!(l.warnings.iter().any(|w| w.contains("2 of 4 people have no ties") && w.contains("`c`")), "{:?}", l.warnings);
        assert!(
            l.warnings.iter().any(|w| w.contains("village `v` falls into 2 groups") && w.contains("largest group has 2")),
            "{:?}",
            l.warnings
        );
        assert!(l.warnings.iter().all(|w| !w.contains("village `w`")), "a village of one person is whole: {:?}", l.warnings);
        let l = try_load(PEOPLE, "source,target\na,b\nb,c\nc,d\n").unwrap();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn an_endless_input_stops_at_the_size_limit() {
        let zeros = std::io::repeat(0).take(MAX_INPUT_BYTES + 10);
        let e = load_checked(zeros, "z.csv", "source,target\n".as_bytes(), "e.csv", &Weights::default()).unwrap_err();
        assert!(e.file == "z.csv" && e.message.contains("larger than 64 MiB"), "{e}");
    }
}
