//! Reading the scenario a page sent, and describing it for the form.
//!
//! A page sends a built-in scenario's name or a scenario file's text, plus
//! edits as `KEY=VALUE` strings exactly as `--set` takes them; this file
//! reads them with the library's `parse_scenario`, so a bad value gets the
//! CLI's own located message (origin, line, column, key, what is allowed).
//! It then applies the server's limits for interactive jobs. It never opens
//! a path a client sent: a scenario whose network is read from files is
//! refused, and an upload's file name is only a label in messages.

// A problem or an error response is built once per bad request and
// returned straight to the client; boxing it would buy nothing.
#![allow(clippy::result_large_err)]

use super::Limits;
use normshift::interventions::{Intervention, InterventionKind};
use normshift::names::check_name;
use normshift::scenario::{NetworkKind, Scenario, ScenarioError, builtin, builtin_names, parse_scenario};
use normshift::uncertainty::prior::{Priors, WithPriors, parse_with_priors_reading};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A scenario as a page sends it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRequest {
    /// A built-in scenario's name (`default`).
    pub builtin: Option<String>,
    /// A scenario file's text (an upload).
    pub text: Option<String>,
    /// The uploaded file's name, for messages only; never opened.
    pub file_name: Option<String>,
    /// Edits, as `--set` takes them: `population.elite=0.2`.
    #[serde(default)]
    pub sets: Vec<String>,
    /// The strategies as the page's editor left them (interventions added,
    /// removed or changed), each as its TOML table in JSON; they replace
    /// the scenario's `[[strategies]]` before it is read. None: unedited.
    #[serde(default)]
    pub strategies: Option<Vec<Value>>,
}

/// A problem with what a page sent, located like the CLI's messages.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Problem {
    /// The whole message, as `normshift compare` prints it after `error: `.
    pub message: String,
    /// The file name, `--set KEY=VALUE` or built-in name the problem is in.
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The dotted key at fault, where known.
    pub key: Option<String>,
    /// The `--set` edit at fault, where it was one.
    pub set: Option<String>,
}

impl Problem {
    pub fn plain(origin: &str, key: Option<&str>, message: String) -> Problem {
        let full = match key {
            Some(k) => format!("{origin}: `{k}`: {message}"),
            None => format!("{origin}: {message}"),
        };
        Problem { message: full, origin: origin.into(), line: None, column: None, key: key.map(String::from), set: None }
    }

    fn from_error(e: &ScenarioError) -> Problem {
        Problem {
            message: e.to_string(),
            origin: e.origin.clone(),
            line: e.at.map(|a| a.0),
            column: e.at.map(|a| a.1),
            key: e.key.clone(),
            set: e.origin.strip_prefix("--set ").map(String::from),
        }
    }
}

/// A validated scenario with what it was read from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    /// The built-in name or the upload's (label) name.
    pub origin: String,
    /// The scenario file's text before the page's edits (its comments are
    /// kept in the saved `scenario.toml`, as `normshift compare` keeps them),
    /// with the page's strategies written in when it edited them.
    pub text: String,
    /// The page's edits other than the priors' (`--set` as `compare` takes
    /// them), for reading the scenario again at each draw of the priors.
    pub sets: Vec<String>,
    /// The scenario's priors (`[uncertain]`), as `normshift compare` reads them.
    pub priors: Priors,
    /// The built-in scenario's name, when the page sent one: the posterior
    /// files its priors name are built in with it.
    pub builtin: Option<String>,
}

impl Loaded {
    /// Read a file the scenario's priors name (a built-in scenario's
    /// posterior file; an upload cannot name files).
    pub fn read_named(&self, file: &str) -> Result<(String, String), String> {
        read_named(self.builtin.as_deref(), file)
    }
}

/// A file a scenario names: built in with a built-in scenario; an upload
/// has no folder to read it from.
fn read_named(builtin: Option<&str>, file: &str) -> Result<(String, String), String> {
    if let Some(path) = file.strip_prefix(super::super::input::BUILTIN_PREFIX) {
        return super::super::input::builtin_named(path);
    }
    match builtin {
        Some(name) => super::super::input::named_file(Some(name), std::path::Path::new("."), file),
        None => Err(format!(
            "an uploaded scenario cannot name a posterior file (`{file}`): the server has no folder to read it from; \
             list the values with `values = [...]`, name a built-in one (`builtin:default-posterior.csv`), or run `normshift compare` on the scenario's folder"
        )),
    }
}

/// Largest number of edits a page may send at once.
const MAX_SETS: usize = 500;
/// Most strategies, and interventions per strategy, the editor may send.
const MAX_STRATEGIES: usize = 50;
const MAX_INTERVENTIONS: usize = 50;

/// A JSON value from the page as a TOML value (`null` dropped by the caller).
fn toml_value(v: &Value, key: &str) -> Result<toml_edit::Value, String> {
    Ok(match v {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into(),
            (None, Some(f)) => f.into(),
            _ => return Err(format!("`{key}`: {n} is not a number normshift can read")),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => {
            let mut out = toml_edit::Array::new();
            for (i, x) in a.iter().enumerate() {
                out.push(toml_value(x, &format!("{key}.{i}"))?);
            }
            out.into()
        }
        Value::Object(o) => {
            let mut t = toml_edit::InlineTable::new();
            for (k, x) in o.iter().filter(|(_, x)| !x.is_null()) {
                t.insert(k, toml_value(x, &format!("{key}.{k}"))?);
            }
            t.into()
        }
        Value::Null => return Err(format!("`{key}`: is empty")),
    })
}

/// `text` with its `[[strategies]]` replaced by the page's edited ones
/// (everything else, comments included, kept). The result is then read
/// and validated like any scenario file.
fn with_strategies(text: &str, strategies: &[Value]) -> Result<String, (String, String)> {
    if strategies.len() > MAX_STRATEGIES {
        return Err(("strategies".into(), format!("{} strategies; the editor sends at most {MAX_STRATEGIES}", strategies.len())));
    }
    // A text that does not parse is reported by the scenario reader, located.
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else { return Ok(text.to_string()) };
    let before = kinds_in_file(&doc);
    let mut list = toml_edit::ArrayOfTables::new();
    for (i, st) in strategies.iter().enumerate() {
        let at = format!("strategies.{i}");
        let Value::Object(st) = st else { return Err((at, "is not a table".into())) };
        let mut t = toml_edit::Table::new();
        for (k, v) in st.iter().filter(|(k, v)| !v.is_null() && *k != "interventions") {
            t.insert(k, toml_edit::value(toml_value(v, &format!("{at}.{k}")).map_err(|m| (format!("{at}.{k}"), m))?));
        }
        let ivs = match st.get("interventions") {
            None | Some(Value::Null) => &Vec::new(),
            Some(Value::Array(a)) => a,
            Some(_) => return Err((format!("{at}.interventions"), "is not a list".into())),
        };
        if ivs.len() > MAX_INTERVENTIONS {
            return Err((format!("{at}.interventions"), format!("{} interventions; at most {MAX_INTERVENTIONS} a strategy", ivs.len())));
        }
        if !ivs.is_empty() {
            let mut arr = toml_edit::ArrayOfTables::new();
            for (j, iv) in ivs.iter().enumerate() {
                let at = format!("{at}.interventions.{j}");
                let Value::Object(iv) = iv else { return Err((at, "is not a table".into())) };
                let mut it = toml_edit::Table::new();
                for (k, v) in iv.iter().filter(|(_, v)| !v.is_null()) {
                    it.insert(k, toml_edit::value(toml_value(v, &format!("{at}.{k}")).map_err(|m| (format!("{at}.{k}"), m))?));
                }
                arr.push(it);
            }
            t.insert("interventions", toml_edit::Item::ArrayOfTables(arr));
        }
        list.push(t);
    }
    doc.insert("strategies", toml_edit::Item::ArrayOfTables(list));
    drop_orphan_priors(&mut doc, &before, &kinds_in_page(strategies));
    Ok(doc.to_string())
}

/// Each strategy's name and its interventions' kinds, in order.
type Kinds = Vec<(String, Vec<String>)>;

/// [`Kinds`] of the file's `[[strategies]]`.
fn kinds_in_file(doc: &toml_edit::DocumentMut) -> Kinds {
    let Some(list) = doc.get("strategies").and_then(|i| i.as_array_of_tables()) else { return Vec::new() };
    list.iter()
        .map(|t| {
            let name = t.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let kinds = t.get("interventions").and_then(|i| i.as_array_of_tables()).map_or_else(Vec::new, |a| {
                a.iter().map(|iv| iv.get("kind").and_then(|v| v.as_str()).unwrap_or_default().to_string()).collect()
            });
            (name, kinds)
        })
        .collect()
}

/// [`Kinds`] of the editor's strategies.
fn kinds_in_page(strategies: &[Value]) -> Kinds {
    strategies
        .iter()
        .map(|st| {
            let name = st.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let kinds = st.get("interventions").and_then(Value::as_array).map_or_else(Vec::new, |a| {
                a.iter().map(|iv| iv.get("kind").and_then(Value::as_str).unwrap_or_default().to_string()).collect()
            });
            (name, kinds)
        })
        .collect()
}

/// Drops each prior on an intervention (`[uncertain]` key
/// `strategies.NAME.interventions.J.KEY`) whose strategy the editor removed
/// or renamed, or whose intervention J is gone or is now of another kind: a
/// prior follows the intervention it was written for, or goes (else removing
/// the default's dialogue would leave a prior pointing at nothing, and the
/// scenario would be refused).
fn drop_orphan_priors(doc: &mut toml_edit::DocumentMut, before: &Kinds, after: &Kinds) {
    let kind = |list: &Kinds, name: &str, j: usize| list.iter().find(|(n, _)| n == name).and_then(|(_, k)| k.get(j).cloned());
    let Some(unc) = doc.get_mut("uncertain").and_then(|i| i.as_table_like_mut()) else { return };
    let Some(st) = unc.get_mut("strategies").and_then(|i| i.as_table_like_mut()) else { return };
    let names: Vec<String> = st.iter().map(|(k, _)| k.to_string()).collect();
    for name in names {
        let Some(item) = st.get_mut(&name).and_then(|i| i.as_table_like_mut()) else { continue };
        if let Some(ivs) = item.get_mut("interventions").and_then(|i| i.as_table_like_mut()) {
            let idx: Vec<String> = ivs.iter().map(|(k, _)| k.to_string()).collect();
            for j in idx {
                let keep = j.parse::<usize>().is_ok_and(|j| {
                    let was = kind(before, &name, j);
                    was.is_some() && was == kind(after, &name, j)
                });
                if !keep {
                    ivs.remove(&j);
                }
            }
            if ivs.is_empty() {
                item.remove("interventions");
            }
        }
        if item.is_empty() {
            st.remove(&name);
        }
    }
    if st.is_empty() {
        unc.remove("strategies");
    }
    if unc.is_empty() {
        doc.remove("uncertain");
    }
}

/// An upload's name made safe to print: no path, no control characters,
/// at most 80 characters.
fn label(name: Option<&str>) -> String {
    let base = name.unwrap_or("uploaded.toml").rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(80).collect();
    if clean.trim().is_empty() { "uploaded.toml".into() } else { clean }
}

/// Read, edit and validate the scenario a page sent, then check it against
/// the server's limits.
pub fn load(req: &ScenarioRequest, limits: &Limits) -> Result<Loaded, Problem> {
    let (text, origin) = match (&req.builtin, &req.text) {
        (Some(name), None) => match builtin(name) {
            Some(t) => (t.to_string(), name.clone()),
            None => {
                let names: Vec<&str> = builtin_names().collect();
                let shown: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
                return Err(Problem::plain(
                    "scenario",
                    None,
                    format!("no built-in scenario named `{shown}`; the built-in scenarios are: {}", names.join(", ")),
                ));
            }
        },
        (None, Some(text)) => (text.clone(), label(req.file_name.as_deref())),
        _ => {
            return Err(Problem::plain(
                "scenario",
                None,
                "send either `builtin` (a built-in scenario's name) or `text` (a scenario file), not both".into(),
            ));
        }
    };
    if req.sets.len() > MAX_SETS {
        return Err(Problem::plain("sets", None, format!("{} edits; at most {MAX_SETS} at once", req.sets.len())));
    }
    let edited = req.strategies.is_some();
    let text = match &req.strategies {
        Some(st) => {
            with_strategies(&text, st).map_err(|(key, m)| Problem::plain(&format!("{origin} (strategies as edited)"), Some(&key), m))?
        }
        None => text,
    };
    let builtin_name = req.builtin.clone().filter(|_| req.text.is_none());
    let read = |file: &str| read_named(builtin_name.as_deref(), file);
    let WithPriors { scenario, priors, sets } = parse_with_priors_reading(&text, &origin, &req.sets, &read).map_err(|e| {
        // The edited strategies' lines are in a text the page never shows:
        // their problems are located by key alone.
        if edited && e.key.as_deref().is_some_and(|k| k.starts_with("strategies")) && !e.origin.starts_with("--set ") {
            let mut p = Problem::from_error(&e);
            p.line = None;
            p.column = None;
            p.message = format!("{} (strategies as edited): `{}`: {}", e.origin, e.key.as_deref().unwrap_or_default(), e.message);
            p
        } else {
            Problem::from_error(&e)
        }
    })?;
    // Names become file names in the results: the CLI's rule, checked as `normshift compare` checks it.
    check_name(&scenario.name).map_err(|e| Problem::plain(&origin, Some("name"), e.to_string()))?;
    for (i, st) in scenario.strategies.iter().enumerate() {
        check_name(&st.name).map_err(|e| Problem::plain(&origin, Some(&format!("strategies.{i}.name")), e.to_string()))?;
    }
    if scenario.network.kind == NetworkKind::File {
        return Err(Problem::plain(
            &origin,
            Some("network.kind"),
            "\"file\": a network read from files cannot be used in the web app, which never opens paths a page sends; \
             run `normshift compare FILE` in a terminal instead"
                .into(),
        ));
    }
    check_limits(&scenario, &origin, limits)?;
    Ok(Loaded { scenario, origin, text, sets, priors, builtin: builtin_name })
}

/// Agent-months one comparison of `strategies` strategies draws.
pub fn draws(s: &Scenario, strategies: usize) -> f64 {
    s.approx_agents() * f64::from(s.replicates) * (f64::from(s.burn_in()) + f64::from(s.steps) * strategies as f64)
}

fn check_limits(s: &Scenario, origin: &str, l: &Limits) -> Result<(), Problem> {
    let agents = s.approx_agents();
    if agents > l.max_agents as f64 {
        let key = if s.population.size.is_some() { "population.size" } else { "population.villages" };
        return Err(Problem::plain(
            origin,
            Some(key),
            format!(
                "about {agents:.0} adults per replicate; the web app runs at most {} (fewer villages or households, \
                 or start it with --max-agents; for big runs use `normshift compare` in a terminal)",
                l.max_agents
            ),
        ));
    }
    if s.replicates > l.max_reps {
        return Err(Problem::plain(
            origin,
            Some("replicates"),
            format!("{} is more than the web app runs: allowed 1 to {} (start it with --max-reps to change)", s.replicates, l.max_reps),
        ));
    }
    let months = s.steps + s.burn_in();
    if months > l.max_months {
        return Err(Problem::plain(
            origin,
            Some("steps"),
            format!(
                "{} months plus {} of burn-in is more than the web app runs: at most {} in all (start it with --max-months to change)",
                s.steps,
                s.burn_in(),
                l.max_months
            ),
        ));
    }
    Ok(())
}

/// One of the main assumptions the form shows.
struct Main {
    key: &'static str,
    label: &'static str,
    min: f64,
    /// None: no upper bound.
    max: Option<f64>,
    /// Upper end of the slider where the valid range is unbounded or huge.
    slider_max: f64,
    integer: bool,
    /// What the value means, from the scenario's documentation (docs/MODEL.md).
    help: &'static str,
}

const fn m(key: &'static str, label: &'static str, min: f64, max: Option<f64>, slider_max: f64, integer: bool, help: &'static str) -> Main {
    Main { key, label, min, max, slider_max, integer, help }
}

/// The main assumptions and their valid ranges (as `scenario::validate`
/// checks them; a unit test keeps the two in step).
const MAIN: [Main; 16] = [
    m("population.villages", "Villages", 1.0, None, 40.0, true, "Village councils in the district."),
    m(
        "population.households_per_village",
        "Households per village",
        1.0,
        None,
        400.0,
        true,
        "Households in each village; at least one for each of its gatekeepers and religious leaders.",
    ),
    m("population.female_headed", "Female-headed households (share)", 0.0, Some(1.0), 1.0, false, "Share of households headed by a woman."),
    m(
        "population.elite",
        "Elite households (share)",
        0.0,
        Some(1.0),
        1.0,
        false,
        "Share of elite households; programmes often favour elite women. Elite plus marginalised households at most 1.",
    ),
    m("network.peer_degree", "Friends per person", 0.0, Some(1000.0), 30.0, false, "Mean number of peer ties per person."),
    m(
        "network.gender_homophily",
        "Friendships within gender (share)",
        0.0,
        Some(1.0),
        1.0,
        false,
        "Share of peer ties between people of the same gender.",
    ),
    m("rule.beta", "Choice sharpness", 0.0, Some(1000.0), 20.0, false, "How sharply a person's choice follows the balance of reasons."),
    m("context.political_will", "Political will", 0.0, Some(1.0), 1.0, false, "How well protection and quotas are enforced."),
    m(
        "initial.participation",
        "Women taking part at the start (share)",
        0.0,
        Some(1.0),
        1.0,
        false,
        "Share of women taking part before burn-in.",
    ),
    m("backlash.rate", "Backlash rate", 0.0, Some(1.0), 0.5, false, "Base monthly chance that one opposing neighbour sanctions one woman."),
    m(
        "backlash.reactivity",
        "Backlash reactivity",
        0.0,
        Some(100.0),
        10.0,
        false,
        "How much backlash rises as participation runs ahead of the opponent's norm.",
    ),
    m(
        "attitudes.influence",
        "Attitude influence",
        0.0,
        Some(1.0),
        0.2,
        false,
        "Monthly pull of attitudes toward neighbours' expressed approval. Influence plus internalisation at most 1.",
    ),
    m("context.tipping_level", "Tipping level", 0.0, Some(1.0), 1.0, false, "Participation level that counts as tipped."),
    m("steps", "Months", 1.0, Some(100_000.0), 240.0, true, "Months simulated after burn-in."),
    m("replicates", "Replicates", 1.0, Some(1_000_000.0), 50.0, true, "Independent replicates; every strategy runs on each."),
    m("seed", "Seed", 0.0, Some(9_223_372_036_854_775_807.0), 100_000_000.0, true, "Master seed; the same seed gives the same numbers."),
];

/// `# ...` comments on `key = value` lines of a scenario text, by dotted key
/// (sections before the first `[[...]]` only).
fn comments(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("[[") {
            break;
        }
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.split(']').next()) {
            section = h.trim().to_string();
            continue;
        }
        let Some((k, rest)) = t.split_once('=') else { continue };
        let k = k.trim();
        if k.is_empty() || k.starts_with('#') || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        // The comment follows the value; a `#` inside a quoted string is not one.
        let mut quoted = false;
        let mut at = None;
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '#' if !quoted => {
                    at = Some(i);
                    break;
                }
                _ => {}
            }
        }
        if let Some(i) = at {
            let key = if section.is_empty() { k.to_string() } else { format!("{section}.{k}") };
            out.push((key, rest[i + 1..].trim().to_string()));
        }
    }
    out
}

/// Whether a comment says source or assumption.
fn kind_of(comment: &str) -> &'static str {
    let c = comment.to_ascii_lowercase();
    if c.contains("[source") {
        "source"
    } else if c.contains("[assumption") {
        "assumption"
    } else {
        "note"
    }
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(v, |v, k| v.get(k))
}

/// The form's description of a validated scenario: main assumptions with
/// their values, ranges and sources, and the strategies with their
/// interventions. `text` is the scenario's own text (for its comments).
pub fn describe(l: &Loaded, text: Option<&str>, limits: &Limits) -> Value {
    let s = &l.scenario;
    let tree = serde_json::to_value(s).unwrap_or(Value::Null);
    let notes = text.map(comments).unwrap_or_default();
    let mut assumptions = Vec::new();
    for a in &MAIN {
        let Some(value) = lookup(&tree, a.key).filter(|v| v.is_number() || v.is_boolean()) else { continue };
        let note = notes.iter().find(|(k, _)| k == a.key).map(|(_, c)| c.clone());
        let (max, slider_max) = match a.key {
            "replicates" => (Some(f64::from(limits.max_reps)), f64::from(limits.max_reps)),
            _ => (a.max, a.slider_max),
        };
        assumptions.push(json!({
            "key": a.key,
            "label": a.label,
            "value": value,
            "min": a.min,
            "max": max,
            "slider_max": slider_max,
            "integer": a.integer,
            "help": a.help,
            "note": note,
            "note_kind": note.as_deref().map_or("default", kind_of),
        }));
    }
    for (key, label, help) in
        [("context.permission_required", "Women need permission", "Women need their household head's permission to take part.")]
    {
        if let Some(v) = lookup(&tree, key).filter(|v| v.is_boolean()) {
            let note = notes.iter().find(|(k, _)| k == key).map(|(_, c)| c.clone());
            assumptions.push(json!({
                "key": key, "label": label, "value": v, "boolean": true, "help": help,
                "note": note, "note_kind": note.as_deref().map_or("default", kind_of),
            }));
        }
    }
    let strategies: Vec<Value> = s
        .strategies
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let ivs: Vec<Value> = st
                .interventions
                .iter()
                .map(|iv| {
                    json!({
                        "kind": iv.kind().as_str(),
                        "name": iv.name,
                        "start": iv.start,
                        "end": iv.end,
                        "group": iv.params.target().map(|t| serde_json::to_value(t.group).unwrap_or(Value::Null)),
                        "share": iv.params.target().and_then(|t| t.share),
                        "count": iv.params.target().and_then(|t| t.count),
                        "per_person": iv.params.cost().map(|c| c.per_person),
                        "per_month": iv.params.cost().map(|c| c.per_month),
                    })
                })
                .collect();
            // The strategy as its TOML table, for the editor to change and send back whole.
            let table = serde_json::to_value(st).unwrap_or(Value::Null);
            json!({ "index": i, "name": st.name, "description": st.description, "interventions": ivs, "table": table })
        })
        .collect();
    json!({
        "name": s.name,
        "origin": l.origin,
        "description": s.description,
        "agents": s.approx_agents().round() as u64,
        "replicates": s.replicates,
        "steps": s.steps,
        "burn_in": s.burn_in(),
        "seed": s.seed,
        "programme_end": s.programme_end(),
        "assumptions": assumptions,
        "strategies": strategies,
        "has_baseline": s.strategies.iter().any(|x| x.name == super::super::compare::BASELINE),
        "kinds": kinds(),
        "groups": ["women", "men", "all", "leaders", "gatekeepers", "religious_leaders", "household_heads"],
        "selections": ["random", "central", "elite", "inclusive", "youth"],
        "priors": l.priors.list.iter().map(|p| json!({ "key": p.key, "source": p.source, "point": p.point })).collect::<Vec<_>>(),
        "fixed_priors": l.priors.fixed,
        "max_prior_draws": limits.max_prior_draws,
    })
}

/// The registry of intervention kinds, for the editor: each kind's name,
/// its own keys, whether it reaches people (`target`) and costs money
/// (`cost`), and a new intervention of the kind with its defaults.
fn kinds() -> Vec<Value> {
    InterventionKind::ALL
        .iter()
        .map(|&k| {
            let keys = k.keys();
            json!({
                "name": k.as_str(),
                "keys": keys,
                "target": keys.contains(&"target"),
                "cost": keys.contains(&"cost"),
                "defaults": serde_json::to_value(Intervention::new(k)).unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// The built-in scenarios: name and first sentence of the description.
pub fn list() -> Vec<Value> {
    builtin_names()
        .filter_map(|name| {
            let s = parse_scenario(builtin(name)?, name, &[]).ok()?;
            let first = s.description.split(". ").next().unwrap_or_default().trim_end_matches('.').to_string();
            Some(json!({ "name": name, "summary": first, "agents": s.approx_agents().round() as u64, "baseline": s.strategies.iter().any(|x| x.name == "baseline") }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_agents: 20_000,
            max_reps: 50,
            max_months: 600,
            max_draws: 1_000_000_000,
            max_prior_draws: 64,
            running: 1,
            queued: 4,
            abandon_after: std::time::Duration::from_secs(20),
            keep: 8,
            max_body: 1 << 18,
        }
    }

    /// Each main assumption's stated range is the validator's: its bounds
    /// are accepted, and a value just outside is refused naming the key.
    /// (A joint rule can refuse a bound on its own: elite and marginalised
    /// households may not add up to more than 1, nor influence and
    /// internalisation, so those maxima are tried with the partner at 0; a
    /// village needs a household for each of its leaders and no more quota
    /// seats than people, so the smallest village is not tried at its
    /// minimum with the default's leaders and seats.)
    #[test]
    fn main_ranges_match_the_validator() {
        let text = builtin("default").unwrap();
        let mut wrong = Vec::new();
        for a in &MAIN {
            let fmt = |v: f64| if a.integer { format!("{}", v as i64) } else { format!("{v}") };
            let with = |v: f64| {
                let mut sets = vec![format!("{}={}", a.key, fmt(v))];
                match a.key {
                    "population.elite" => sets.push("population.marginalised=0".into()),
                    "attitudes.influence" => sets.push("attitudes.internalisation=0".into()),
                    // Each leader heads a household: one household needs one leader.
                    _ => {}
                }
                parse_scenario(text, "default", &sets)
            };
            // The smallest village is below the default's leaders and quota
            // seats (joint rules that name other keys): not tried at its minimum.
            if a.key != "seed"
                && a.key != "population.households_per_village"
                && let Err(e) = with(a.min)
            {
                wrong.push(format!("{} at its minimum {}: {e}", a.key, a.min));
            }
            let below = if a.integer { a.min - 1.0 } else { a.min - 0.01 };
            if (below >= 0.0 || !a.integer) && with(below).is_ok() {
                wrong.push(format!("{} = {below} was accepted", a.key));
            }
            if let Some(max) = a.max.filter(|_| a.key != "seed" && a.key != "replicates") {
                if let Err(e) = with(max) {
                    wrong.push(format!("{} at its maximum {max}: {e}", a.key));
                }
                let above = if a.integer { max + 1.0 } else { max + 0.01 };
                match with(above) {
                    Ok(_) => wrong.push(format!("{} = {above} was accepted", a.key)),
                    Err(e) if e.key.as_deref() != Some(a.key) => {
                        wrong.push(format!("{} = {above}: refused naming another key: {e}", a.key))
                    }
                    Err(_) => {}
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// The editor's strategies, sent back unchanged (each strategy's table
    /// as JSON, as the page gets it), give exactly the scenario the file
    /// gives, for every built-in scenario: the JSON-to-TOML path loses nothing.
    #[test]
    fn unedited_strategies_sent_back_give_the_same_scenario() {
        let mut tried = 0;
        for name in builtin_names() {
            let plain = ScenarioRequest { builtin: Some(name.into()), ..Default::default() };
            let Ok(a) = load(&plain, &Limits { max_agents: u64::MAX, max_reps: u32::MAX, max_months: u32::MAX, ..limits() }) else {
                continue; // a file network, refused by the web app
            };
            let tables: Vec<Value> = a.scenario.strategies.iter().map(|st| serde_json::to_value(st).unwrap()).collect();
            // Through text, as a page's JSON arrives.
            let tables: Vec<Value> = serde_json::from_str(&serde_json::to_string(&tables).unwrap()).unwrap();
            let edited = ScenarioRequest { strategies: Some(tables), ..plain };
            let b = load(&edited, &Limits { max_agents: u64::MAX, max_reps: u32::MAX, max_months: u32::MAX, ..limits() })
                .unwrap_or_else(|p| panic!("{name}: {}", p.message));
            assert!(a.scenario == b.scenario, "{name}: the strategies sent back changed the scenario");
            tried += 1;
        }
        assert!(tried >= 5, "only {tried} built-in scenarios were tried");
    }

    #[test]
    fn an_edited_intervention_is_located_by_key_without_a_line() {
        let mut st: Vec<Value> = {
            let a = load(&ScenarioRequest { builtin: Some("default".into()), ..Default::default() }, &limits()).unwrap();
            a.scenario.strategies.iter().map(|s| serde_json::to_value(s).unwrap()).collect()
        };
        st[1]["interventions"][0]["end"] = json!(-3);
        let req = ScenarioRequest { builtin: Some("default".into()), strategies: Some(st), ..Default::default() };
        let p = load(&req, &limits()).unwrap_err();
        assert!(p.key.as_deref().is_some_and(|k| k.starts_with("strategies.1.interventions.0")), "{p:?}");
        assert_eq!(p.line, None, "{p:?}");
        assert!(p.message.contains("strategies as edited"), "{p:?}");
    }

    #[test]
    fn comments_give_sources_and_assumptions() {
        let c = comments(builtin("default").unwrap());
        let get = |k: &str| c.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        assert!(get("population.households_per_village").is_some_and(|v| kind_of(v) == "source"));
        assert!(get("population.elite").is_some_and(|v| kind_of(v) == "assumption"));
        assert!(get("steps").is_some());
    }

    #[test]
    fn a_bad_edit_is_located_at_its_key() {
        let req = ScenarioRequest { builtin: Some("default".into()), sets: vec!["population.elite=2".into()], ..Default::default() };
        let p = load(&req, &limits()).unwrap_err();
        assert_eq!(p.key.as_deref(), Some("population.elite"));
        assert_eq!(p.set.as_deref(), Some("population.elite=2"));
        assert!(p.message.contains("allowed: 0 to 1"), "{}", p.message);
    }

    #[test]
    fn a_bad_upload_is_located_by_line_and_column() {
        let text = builtin("default").unwrap().replace("elite = 0.15", "elite = 1.5");
        let req = ScenarioRequest { text: Some(text), file_name: Some("../../etc/mine.toml".into()), ..Default::default() };
        let p = load(&req, &limits()).unwrap_err();
        assert_eq!(p.origin, "mine.toml");
        assert_eq!(p.key.as_deref(), Some("population.elite"));
        assert!(p.line.is_some() && p.column.is_some(), "{p:?}");
    }

    #[test]
    fn limits_and_file_networks_are_refused() {
        let req = ScenarioRequest { builtin: Some("default".into()), sets: vec!["replicates=51".into()], ..Default::default() };
        assert_eq!(load(&req, &limits()).unwrap_err().key.as_deref(), Some("replicates"));
        let req = ScenarioRequest { builtin: Some("default".into()), sets: vec!["population.villages=100".into()], ..Default::default() };
        assert_eq!(load(&req, &limits()).unwrap_err().key.as_deref(), Some("population.villages"));
        let req = ScenarioRequest {
            text: Some("name = \"x\"\n[network]\nkind = \"file\"\nnodes = \"/etc/passwd\"\nedges = \"/etc/passwd\"\n".into()),
            ..Default::default()
        };
        let p = load(&req, &limits()).unwrap_err();
        assert_eq!(p.key.as_deref(), Some("network.kind"), "{p:?}");
    }
}
