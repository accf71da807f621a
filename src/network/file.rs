//! A real network from survey data: an edge list CSV and a node attributes
//! CSV, read from readers the caller opened. Every error names the file,
//! the line, the column and what is allowed.

use super::{Csr, TieList, layer};
use crate::population::{Agents, Role, attr};
use crate::scenario::Weights;
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

/// Read nodes and edges. Ties are undirected; `weight` defaults to the
/// layer's weight and `layer` to `peer`.
pub fn load(nodes: impl Read, nodes_name: &str, edges: impl Read, edges_name: &str, weights: &Weights) -> Result<(Agents, Csr), FileError> {
    let (agents, ids) = read_nodes(nodes, nodes_name)?;
    let csr = read_edges(edges, edges_name, &ids, agents.len(), weights)?;
    Ok((agents, csr))
}

fn read_nodes(input: impl Read, name: &str) -> Result<(Agents, HashMap<String, u32>), FileError> {
    let err = |line: u64, message: String| FileError { file: name.into(), line, message };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr.headers().map_err(|e| err(1, e.to_string()))?.clone();
    for h in headers.iter() {
        if !NODE_COLUMNS.contains(&h) {
            return Err(err(1, format!("unknown column `{h}`; allowed: {}", NODE_COLUMNS.join(", "))));
        }
    }
    let col = |c: &str| headers.iter().position(|h| h == c);
    let id_col = col("id").ok_or_else(|| err(1, "missing column `id`".into()))?;
    let gender_col = col("gender").ok_or_else(|| err(1, "missing column `gender` (woman or man)".into()))?;
    let mut agents = Agents::default();
    let mut ids = HashMap::new();
    let mut households: HashMap<String, u32> = HashMap::new();
    let mut villages: HashMap<String, u32> = HashMap::new();
    let mut heads: HashMap<u32, u32> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let id = get(Some(id_col)).to_string();
        if id.is_empty() {
            return Err(err(line, "empty `id`".into()));
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
    Ok((agents, ids))
}

fn read_edges(input: impl Read, name: &str, ids: &HashMap<String, u32>, n: usize, w: &Weights) -> Result<Csr, FileError> {
    let err = |line: u64, message: String| FileError { file: name.into(), line, message };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(input);
    let headers = rdr.headers().map_err(|e| err(1, e.to_string()))?.clone();
    const ALLOWED: &[&str] = &["source", "target", "weight", "layer"];
    for h in headers.iter() {
        if !ALLOWED.contains(&h) {
            return Err(err(1, format!("unknown column `{h}`; allowed: {}", ALLOWED.join(", "))));
        }
    }
    let col = |c: &str| headers.iter().position(|h| h == c);
    let (Some(sc), Some(tc)) = (col("source"), col("target")) else {
        return Err(err(1, "the edge list needs columns `source` and `target`".into()));
    };
    let mut ties = TieList::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| err(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let node = |c: usize, what: &str| {
            let id = rec.get(c).unwrap_or("");
            ids.get(id).copied().ok_or_else(|| err(line, format!("column `{what}`: node `{id}` is not in the node file")))
        };
        let (a, b) = (node(sc, "source")?, node(tc, "target")?);
        let layer = match col("layer").and_then(|c| rec.get(c)).unwrap_or("") {
            "" | "peer" => layer::PEER,
            "household" => layer::HOUSEHOLD,
            "leader" => layer::LEADER,
            "bridge" => layer::BRIDGE,
            other => return Err(err(line, format!("column `layer`: `{other}` is not allowed; use household, peer, leader or bridge"))),
        };
        let default_w = match layer {
            layer::HOUSEHOLD => w.household,
            layer::LEADER => w.leader,
            layer::BRIDGE => w.bridge,
            _ => w.peer,
        };
        let weight = match col("weight").and_then(|c| rec.get(c)).unwrap_or("") {
            "" => default_w,
            s => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => x,
                _ => return Err(err(line, format!("column `weight`: `{s}` is not allowed; use a number 0 or more"))),
            },
        };
        if layer == layer::LEADER {
            // The source is the leader: the target listens to it.
            ties.push(b, a, weight as f32, layer::LEADER);
            ties.push(a, b, w.member as f32, layer::MEMBER);
        } else {
            ties.push_both(a, b, weight as f32, layer);
        }
    }
    Ok(ties.build(n))
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
        let (_, ids) = read_nodes(nodes.as_bytes(), "n.csv").unwrap();
        let e = read_edges("source,target\na,z\n".as_bytes(), "e.csv", &ids, 2, &Weights::default()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`z`"), "{e}");
    }
}
