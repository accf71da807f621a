//! `--set KEY=VALUE` overrides: a dotted path into the scenario's TOML tree
//! and a TOML value. Array elements are named by index or, for arrays of
//! tables with a `name` (strategies, interventions), by that name.

use super::error::ScenarioError;
use toml::{Table, Value};

/// One parsed override.
#[derive(Debug, Clone)]
pub struct Override {
    /// As given, for messages.
    pub raw: String,
    /// The dotted key as given.
    pub key: String,
    /// The key with names resolved to indices (filled in when applied).
    pub canonical: String,
    /// The value.
    pub value: Value,
}

impl Override {
    /// Parse `KEY=VALUE`. A VALUE that is not valid TOML is taken as a string.
    pub fn parse(raw: &str) -> Result<Override, ScenarioError> {
        let err = |m: &str| ScenarioError { origin: format!("--set {raw}"), at: None, key: None, message: m.into() };
        let (key, value) = raw.split_once('=').ok_or_else(|| err("expected KEY=VALUE, for example `backlash.rate=0.1`"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|s| s.trim().is_empty()) {
            return Err(err("the key is empty or has an empty part; write a dotted path such as `backlash.rate`"));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err(err("the value is empty; write a number, true/false, or a quoted string"));
        }
        let k = if key == "seed" { "seed" } else { "v" };
        let value = match super::limits::table_of(&format!("{k} = {value}")) {
            Ok(mut t) => t.remove(k).unwrap_or(Value::String(value.into())),
            Err(_) => Value::String(value.into()),
        };
        Ok(Override { raw: raw.into(), key: key.into(), canonical: key.into(), value })
    }
}

/// Set `o.value` at `o.key` in `table`, creating missing sections, and
/// record the key with names resolved to indices in `o.canonical`.
pub fn apply_override(table: &mut Table, o: &mut Override) -> Result<(), ScenarioError> {
    let parts: Vec<&str> = o.key.split('.').map(str::trim).collect();
    let mut canonical = Vec::with_capacity(parts.len());
    set_in_table(table, &parts, &o.value, &mut canonical).map_err(|m| ScenarioError {
        origin: format!("--set {}", o.raw),
        at: None,
        key: Some(o.key.clone()),
        message: m,
    })?;
    o.canonical = canonical.join(".");
    Ok(())
}

fn set_in_table(t: &mut Table, parts: &[&str], value: &Value, canonical: &mut Vec<String>) -> Result<(), String> {
    let Some((part, rest)) = parts.split_first() else { return Ok(()) };
    canonical.push(part.to_string());
    if rest.is_empty() {
        t.insert(part.to_string(), value.clone());
        return Ok(());
    }
    let child = t.entry(part.to_string()).or_insert_with(|| Value::Table(Table::new()));
    set_in_value(child, rest, value, canonical)
}

fn set_in_value(node: &mut Value, parts: &[&str], value: &Value, canonical: &mut Vec<String>) -> Result<(), String> {
    match node {
        Value::Table(t) => set_in_table(t, parts, value, canonical),
        Value::Array(a) => {
            let Some((part, rest)) = parts.split_first() else { return Ok(()) };
            let label = |v: &Value| v.get("name").or_else(|| v.get("kind")).and_then(Value::as_str).map(String::from);
            let idx = match part.parse::<usize>() {
                Ok(i) if i < a.len() => i,
                Ok(i) => return Err(format!("index {i} is out of range; there are {} entries", a.len())),
                Err(_) => a.iter().position(|v| label(v).as_deref() == Some(part)).ok_or_else(|| {
                    let names: Vec<String> = a.iter().filter_map(label).collect();
                    format!("no entry named `{part}`; the entries are: {}", names.join(", "))
                })?,
            };
            canonical.push(idx.to_string());
            if rest.is_empty() {
                a[idx] = value.clone();
                return Ok(());
            }
            set_in_value(&mut a[idx], rest, value, canonical)
        }
        other => Err(format!(
            "`{}` is a {}, not a section, so it has no key `{}`",
            canonical.join("."),
            other.type_str(),
            parts.first().copied().unwrap_or_default()
        )),
    }
}
