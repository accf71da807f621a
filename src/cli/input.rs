//! Turning command-line arguments into a validated scenario: a file path or
//! a built-in name, `--set` overrides, `--seed`/`--steps`/`--reps`, and a
//! network loaded from files named relative to the scenario.

use super::{ScenarioArgs, bad};
use normshift::network::Csr;
use normshift::population::Agents;
use normshift::scenario::{NetworkKind, Scenario, builtin, builtin_names};
use normshift::uncertainty::prior::{Priors, WithPriors, parse_with_priors};
use std::path::{Path, PathBuf};

/// Where `run` and `compare` write, on how many threads, and whether they draw.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Output {
    /// Output folder. Default: results/<scenario name>/.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads. Default: all cores. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Do not draw the figures (DIR/figures/) or write DIR/report.html.
    #[arg(long)]
    pub no_plots: bool,
}

impl Output {
    /// The output folder: `--out`, else results/<name>/.
    pub fn folder(&self, name: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| PathBuf::from("results").join(name))
    }
}

/// Command-line values that override the scenario's (shared by `run`,
/// `compare` and `sweep`).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Adjust {
    /// Master seed (overrides the scenario's `seed`), 0 to 9223372036854775807.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Months to simulate (overrides the scenario's `steps`).
    #[arg(long)]
    pub steps: Option<u32>,
    /// Replicates per strategy (overrides the scenario's `replicates`).
    #[arg(long)]
    pub reps: Option<u32>,
}

/// A validated scenario and what came with it.
pub struct Input {
    pub scenario: Scenario,
    /// The file path or built-in name, for messages.
    pub origin: String,
    /// A network read from files, if the scenario names one.
    pub loaded: Option<(Agents, Csr)>,
    /// The scenario's text as read, and the overrides applied to it (for
    /// re-reading it with more overrides, as sweeps do).
    pub text: String,
    pub sets: Vec<String>,
    /// The scenario's priors (`[uncertain]`), after `--set`; only
    /// `compare` uses them, every other command runs at the point values.
    pub priors: Priors,
}

impl Input {
    /// About how many agents each replicate has.
    pub fn agents_hint(&self) -> f64 {
        match &self.loaded {
            Some((a, _)) => a.len() as f64,
            None => self.scenario.approx_agents(),
        }
    }
}

/// Read, override and validate the scenario the arguments name.
pub fn load(args: &ScenarioArgs, adjust: &Adjust) -> anyhow::Result<Input> {
    let name = args.scenario.clone().unwrap_or_else(|| "default".into());
    let (text, origin, dir) = if Path::new(&name).is_file() {
        let text = std::fs::read_to_string(&name).map_err(|e| bad(format!("{name}: cannot read the scenario file: {e}")))?;
        let dir = Path::new(&name).parent().map(Path::to_path_buf).unwrap_or_default();
        (text, name.clone(), dir)
    } else if let Some(text) = builtin(&name) {
        (text.to_string(), name.clone(), PathBuf::from("."))
    } else if name.ends_with(".toml") || name.contains('/') {
        return Err(bad(format!("{name}: no such file")));
    } else {
        let names: Vec<&str> = builtin_names().collect();
        return Err(bad(format!("`{name}` is neither a file nor a built-in scenario; the built-in scenarios are: {}", names.join(", "))));
    };
    let mut sets = args.set.clone();
    if let Some(s) = adjust.seed {
        sets.push(format!("seed={s}"));
    }
    if let Some(s) = adjust.steps {
        sets.push(format!("steps={s}"));
    }
    if let Some(r) = adjust.reps {
        sets.push(format!("replicates={r}"));
    }
    let WithPriors { scenario, priors, sets } = parse_with_priors(&text, &origin, &sets).map_err(|e| bad(e.to_string()))?;
    let loaded = if scenario.network.kind == NetworkKind::File { Some(load_network(&scenario, &dir)?) } else { None };
    Ok(Input { scenario, origin, loaded, text, sets, priors })
}

fn load_network(s: &Scenario, dir: &Path) -> anyhow::Result<(Agents, Csr)> {
    let open = |key: &str, p: &str| {
        let path = dir.join(p);
        std::fs::File::open(&path)
            .map(std::io::BufReader::new)
            .map_err(|e| bad(format!("network.{key}: cannot open {}: {e}", path.display())))
    };
    let edges_name = s.network.edges.clone().unwrap_or_default();
    let Some(nodes_name) = s.network.nodes.clone() else {
        return Err(bad("network.nodes: `kind = \"file\"` needs `nodes = \"path/to/nodes.csv\"` with at least columns id and gender"));
    };
    let nodes = open("nodes", &nodes_name)?;
    let edges = open("edges", &edges_name)?;
    normshift::network::file::load(nodes, &nodes_name, edges, &edges_name, &s.network.weights).map_err(|e| bad(e.to_string()))
}

/// The scenario as TOML with every default written out.
pub fn resolved_toml(s: &Scenario) -> anyhow::Result<String> {
    Ok(toml::to_string(s)?)
}
