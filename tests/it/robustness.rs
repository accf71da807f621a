//! Hostile values for every key of the built-in scenarios: each must be
//! refused with an error or accepted and then run, never panic. Every key
//! of the resolved scenario (strategies addressed by name) is set in turn
//! to numbers at and beyond every limit, NaN, infinities, wrong types and
//! empty collections; accepted settings run one month-short replicate of a
//! small district through `Job`.

use normshift::run::Job;
use normshift::scenario::{builtin, parse_scenario};
use std::panic::{AssertUnwindSafe, catch_unwind};

const HOSTILE: [&str; 14] =
    ["0", "-1", "1e308", "-1e308", "nan", "inf", "-inf", "1e-300", "9223372036854775807", "\"x\"", "[]", "true", "1000000000", "{}"];

/// Dotted paths of every leaf of a TOML table; array-of-table entries by
/// index, except strategies, by name.
fn leaves(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                if prefix.is_empty() && k == "strategies" {
                    for s in x.as_array().into_iter().flatten() {
                        let name = s.get("name").and_then(|n| n.as_str()).unwrap_or_default();
                        if let Some(t) = s.as_table() {
                            for (k2, x2) in t.iter().filter(|(k2, _)| *k2 != "name") {
                                leaves(x2, &format!("strategies.{name}.{k2}"), out);
                            }
                        }
                    }
                    continue;
                }
                let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaves(x, &p, out);
            }
        }
        toml::Value::Array(a) if a.first().is_some_and(|x| x.is_table()) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{prefix}.{i}"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

fn hammer(name: &str, small: &[&str]) {
    let text = builtin(name).unwrap();
    let resolved = toml::Value::Table(toml::from_str(&toml::to_string(&parse_scenario(text, name, &[]).unwrap()).unwrap()).unwrap());
    let mut keys = Vec::new();
    leaves(&resolved, "", &mut keys);
    assert!(keys.len() > 50, "{name}: only {} keys found", keys.len());
    let (mut refused, mut ran) = (0, 0);
    for key in &keys {
        for value in HOSTILE {
            let mut sets: Vec<String> = small.iter().map(|s| s.to_string()).collect();
            sets.push("replicates=1".into());
            sets.push(format!("{key}={value}"));
            let what = format!("{name} --set {key}={value}");
            let parsed = catch_unwind(|| parse_scenario(text, name, &sets)).unwrap_or_else(|_| panic!("{what}: parsing panicked"));
            let s = match parsed {
                Ok(s) => s,
                Err(e) => {
                    // The message names what to change: the key, or the
                    // table whose keys must agree (shares that sum to 1).
                    let parts: Vec<&str> = key.split('.').collect();
                    let msg = e.to_string();
                    let named = parts.iter().rev().take(2).any(|p| msg.contains(p));
                    assert!(named, "{what}: the error names neither `{}` nor its table: {msg}", parts[parts.len() - 1]);
                    refused += 1;
                    continue;
                }
            };
            // Accepted: it must run (a scenario too big to build is the memory
            // check's to refuse; skip what would not fit in a test).
            if normshift::model::init::footprint(&s, None).bytes > 200_000_000 {
                continue;
            }
            catch_unwind(AssertUnwindSafe(|| Job::all(&s).run(&|_| {}))).unwrap_or_else(|_| panic!("{what}: the run panicked"));
            ran += 1;
        }
    }
    eprintln!("{name}: {} keys x {} values: {refused} refused, {ran} ran", keys.len(), HOSTILE.len());
    assert!(refused > 0 && ran > 0, "{name}: {refused} refused, {ran} ran");
}

const SMALL: [&str; 4] = ["population.villages=1", "population.households_per_village=20", "steps=3", "initial.burn_in=2"];

#[test]
fn default_scenario_never_panics_on_hostile_values() {
    hammer("default", &SMALL);
}

#[test]
fn funding_and_targeting_scenarios_never_panic_on_hostile_values() {
    hammer("funding-cut", &SMALL);
    hammer("elite-vs-inclusive", &SMALL);
}

#[test]
fn reference_scenarios_never_panic_on_hostile_values() {
    hammer("reference/watts-2002", &["steps=3", "population.size=300"]);
    hammer("reference/centola-2018", &["steps=3"]);
}
