//! Turning command-line arguments into a validated scenario: a file path or
//! a built-in name, `--set` overrides, `--seed`/`--steps`/`--reps`, and a
//! network loaded from files named relative to the scenario.

use super::{ScenarioArgs, bad};
use normshift::names::check_name;
use normshift::network::Csr;
use normshift::population::Agents;
use normshift::scenario::limits::MAX_INPUT_BYTES;
use normshift::scenario::{NetworkKind, Scenario, builtin, builtin_file, builtin_folder, builtin_names};
use normshift::uncertainty::prior::{Priors, WithPriors, parse_with_priors_reading};
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
    /// Replace the output folder whole even if it holds another job's results or other files.
    #[arg(long)]
    pub force: bool,
}

impl Output {
    /// The output folder: `--out`, else results/<name>/ (the name has
    /// passed `normshift::names::check_name`).
    pub fn folder(&self, name: &str) -> PathBuf {
        self.out.clone().unwrap_or_else(|| PathBuf::from("results").join(name))
    }

    /// Before anything runs: check that `out` can be written and that
    /// `command` may replace what it holds (its own or the other of
    /// `run`/`compare`'s results of the same scenario, else only with
    /// `--force`), and make the staging folder the results are built in.
    pub fn prepare(&self, out: &Path, command: &str, s: &Scenario) -> anyhow::Result<super::folder::Staging> {
        super::folder::check_writable(out)?;
        super::folder::claim(out, command, &["run", "compare"], &s.name, self.force)?;
        super::folder::Staging::new(out)
    }
}

/// Command-line values that override the scenario's (shared by `run`,
/// `compare` and `sweep`).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Adjust {
    /// Master seed (overrides the scenario's `seed`), 0 to 18446744073709551615.
    #[arg(long)]
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
    /// The folder that files the scenario names (a network, a posterior
    /// file) are read from: the scenario file's, or `.` for a built-in.
    pub dir: PathBuf,
    /// The built-in scenario's name, when it is one: the files it names
    /// are built in with it (`normshift::scenario::builtin_file`).
    pub builtin: Option<String>,
}

impl Input {
    /// Read a file the scenario names (a posterior file): (its name for
    /// messages, its text).
    pub fn read_named(&self, file: &str) -> anyhow::Result<(String, String)> {
        named_file(self.builtin.as_deref(), &self.dir, file).map_err(bad)
    }

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
    let is_builtin = (builtin_shadowed(&name) || !Path::new(&name).exists()) && builtin(&name).is_some();
    let (text, origin, dir) = if Path::new(&name).exists() && !builtin_shadowed(&name) {
        let bytes = read_bounded(Path::new(&name), "the scenario file")?;
        let text =
            String::from_utf8(bytes).map_err(|e| bad(format!("{name}: cannot read the scenario file: it is not UTF-8 text ({e})")))?;
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
    // A prior may name a posterior file (written by `calibrate`), relative
    // to the scenario file's folder (built in with a built-in scenario).
    let builtin_name = is_builtin.then(|| name.clone());
    let read = |file: &str| named_file(builtin_name.as_deref(), &dir, file);
    let WithPriors { scenario, priors, sets } = parse_with_priors_reading(&text, &origin, &sets, &read).map_err(|e| bad(e.to_string()))?;
    // Names become folder and file names: check them before any path is built.
    check_name(&scenario.name).map_err(|e| bad(format!("{origin}: name: {e}")))?;
    for (i, st) in scenario.strategies.iter().enumerate() {
        check_name(&st.name).map_err(|e| bad(format!("{origin}: strategies.{i}.name: {e}")))?;
    }
    if let Some(w) = cut_by_steps(&text, &origin, &sets, &scenario) {
        eprintln!("warning: {w}");
    }
    let loaded = if scenario.network.kind == NetworkKind::File { Some(load_network(&scenario, &dir)?) } else { None };
    Ok(Input { scenario, origin, loaded, text, sets, priors, dir, builtin: builtin_name })
}

/// Whether `set` (a `--set KEY=VALUE`) sets `key`, read as `--set` reads it.
pub fn sets_key(set: &str, key: &str) -> bool {
    normshift::scenario::overrides::Override::parse(set).is_ok_and(|o| o.key == key)
}

/// The scenario's `[uncertain]` table as `check` prints it after the
/// resolved scenario, so that the printout saved is the whole scenario:
/// every prior not fixed by `--set`, a built-in's files named `builtin:`,
/// a file named beside the scenario by its absolute path. Empty without
/// priors.
pub fn priors_toml(input: &Input) -> String {
    let entries = super::calibrate::prior_entries(&input.priors.table, "");
    if entries.is_empty() {
        return String::new();
    }
    let mut block = String::from("\n# The priors `compare` draws (docs/uncertainty.md).\n[uncertain]\n");
    for (key, mut entry) in entries.into_iter().filter(|(k, _)| !input.priors.fixed.contains(k)) {
        if input.builtin.is_none()
            && let Some(toml::Value::String(f)) = entry.get_mut("file")
            && !f.starts_with(BUILTIN_PREFIX)
            && Path::new(f.as_str()).is_relative()
        {
            let at = input.dir.join(&*f);
            *f = std::path::absolute(&at).unwrap_or(at).display().to_string();
        }
        block.push_str(&format!("{key} = {}\n", toml::Value::Table(entry)));
    }
    match &input.builtin {
        Some(name) => shown_builtin(name, &block),
        None => block,
    }
}

/// What a run shortened by `--steps` or `--set steps=` cuts from the
/// programmes the file gives, in one line (None if nothing): the
/// strategies with an intervention that ended (or started) after the new
/// last month. Interventions that ran to the file's last month still run to
/// the new one, and say nothing.
pub fn cut_by_steps(text: &str, origin: &str, sets: &[String], s: &Scenario) -> Option<String> {
    let is_steps = |x: &String| sets_key(x, "steps");
    if !sets.iter().any(is_steps) {
        return None;
    }
    let others: Vec<String> = sets.iter().filter(|x| !is_steps(x)).cloned().collect();
    let file = normshift::scenario::parse_scenario(text, origin, &others).ok()?;
    let (last, file_last) = (s.steps.checked_sub(1)?, file.steps.checked_sub(1)?);
    let mut names = Vec::new();
    let mut latest = 0;
    for (st, was) in s.strategies.iter().zip(&file.strategies) {
        let ends = was.interventions.iter().filter_map(|iv| {
            let end = iv.end.unwrap_or(file_last);
            (iv.start <= file_last && (end != file_last && end > last || iv.start > last)).then_some(end)
        });
        if let Some(end) = ends.max() {
            names.push(format!("`{}`", st.name));
            latest = latest.max(end);
        }
    }
    (!names.is_empty()).then(|| {
        format!(
            "steps = {} (last month {last}) cuts short the programme of {} (the file runs it to month {latest}): costs, the programme's \
             end and what lasts after it are not the file's",
            s.steps,
            names.join(", ")
        )
    })
}

/// How a scenario names a file built in with the scenarios, wherever the
/// scenario itself is (`file = "builtin:default-posterior.csv"`; what
/// `normshift show` writes for a built-in scenario's files).
pub const BUILTIN_PREFIX: &str = "builtin:";

/// A file built in with the scenarios, by its path under `scenarios/`.
pub fn builtin_named(path: &str) -> Result<(String, String), String> {
    builtin_file(path).map(|t| (format!("(built in) scenarios/{path}"), t.to_string())).ok_or_else(|| {
        format!("`{BUILTIN_PREFIX}{path}`: no such built-in file (the built-in files are the posterior and targets files under scenarios/)")
    })
}

/// A built-in scenario's text as `normshift show` prints it: the files
/// its priors name become `builtin:` names, so that a copy saved anywhere
/// still reads them.
pub fn shown_builtin(name: &str, text: &str) -> String {
    let mut out = text.to_string();
    for file in builtin_files_of(name) {
        out = out.replace(&format!("file = \"{file}\""), &format!("file = \"{BUILTIN_PREFIX}{}{file}\"", builtin_folder(name)));
    }
    out
}

/// The names (relative to its folder) of the files built in beside a
/// built-in scenario.
fn builtin_files_of(name: &str) -> Vec<String> {
    let folder = builtin_folder(name);
    normshift::scenario::builtin_file_names()
        .filter_map(|p| p.strip_prefix(folder).filter(|rest| !rest.contains('/')).map(String::from))
        .collect()
}

/// Read `file`, named by a scenario: from `dir`, or, for the built-in
/// scenario `builtin`, from the files built in beside it. (Name for
/// messages, text) or why not.
pub fn named_file(builtin: Option<&str>, dir: &Path, file: &str) -> Result<(String, String), String> {
    if let Some(path) = file.strip_prefix(BUILTIN_PREFIX) {
        return builtin_named(path);
    }
    if let Some(name) = builtin {
        let path = format!("{}{file}", builtin_folder(name));
        return builtin_file(&path)
            .map(|t| (format!("(built in) scenarios/{path}"), t.to_string()))
            .ok_or_else(|| format!("the built-in scenario `{name}` names `{file}`, which is not built in"));
    }
    let path = dir.join(file);
    let text = read_text(&path, "a posterior file").map_err(|e| e.to_string())?;
    Ok((path.display().to_string(), text))
}

/// Read a whole UTF-8 text file (bounded like a scenario file); `what`
/// names it in messages.
pub fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    if !path.exists() {
        return Err(bad(format!("{}: cannot open {what}: no such file", path.display())));
    }
    let bytes = read_bounded(path, what)?;
    String::from_utf8(bytes).map_err(|e| bad(format!("{}: cannot read {what}: it is not UTF-8 text ({e})", path.display())))
}

/// A built-in name that is also a folder in the working directory (such
/// as `reference`) still means the built-in scenario.
fn builtin_shadowed(name: &str) -> bool {
    Path::new(name).is_dir() && builtin(name).is_some()
}

/// Read a whole input file, refusing a folder and anything larger than
/// `MAX_INPUT_BYTES` (checked while reading, so `/dev/zero` stops too).
fn read_bounded(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display();
    if path.is_dir() {
        return Err(bad(format!("{shown}: is a folder, not {what}; give the path of a file")));
    }
    // A FIFO, socket or device would block or never end: only regular files.
    if let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
    {
        return Err(bad(format!(
            "{shown}: is not a regular file (a pipe, socket or device), so it cannot be read as {what}; give the path of a file"
        )));
    }
    let limit = MAX_INPUT_BYTES;
    let too_big = || bad(format!("{shown}: {what} is larger than {} MiB, the most normshift reads", limit >> 20));
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > limit) {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| bad(format!("{shown}: cannot open {what}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| bad(format!("{shown}: cannot read {what}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

fn load_network(s: &Scenario, dir: &Path) -> anyhow::Result<(Agents, Csr)> {
    let open = |key: &str, p: &str| {
        if p.trim().is_empty() {
            return Err(bad(format!("network.{key}: the path is empty; give the path of a CSV file, relative to the scenario file")));
        }
        let path = dir.join(p);
        if !path.exists() {
            return Err(bad(format!("network.{key}: cannot open {}: no such file", path.display())));
        }
        read_bounded(&path, "a network file").map_err(|e| bad(format!("network.{key}: {e}")))
    };
    let edges_name = s.network.edges.clone().unwrap_or_default();
    let Some(nodes_name) = s.network.nodes.clone() else {
        return Err(bad("network.nodes: `kind = \"file\"` needs `nodes = \"path/to/nodes.csv\"` with at least columns id and gender"));
    };
    let nodes = open("nodes", &nodes_name)?;
    let edges = open("edges", &edges_name)?;
    let loaded = normshift::network::file::load_checked(&nodes[..], &nodes_name, &edges[..], &edges_name, &s.network.weights)
        .map_err(|e| bad(e.to_string()))?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    Ok((loaded.agents, loaded.csr))
}

/// The scenario as TOML with every default written out.
pub fn resolved_toml(s: &Scenario) -> anyhow::Result<String> {
    Ok(toml::to_string(s)?)
}
