//! The `scenario.toml` a results folder keeps: the user's own file, with its
//! comments (`# source: ...`, `# assumption`) and layout, and every value
//! as it was run applied onto it (defaults written out, `--set` overrides,
//! `compare --budget`'s rescaled targets). Uses `toml_edit`, a
//! format-preserving editor, rather than re-serialising the scenario.
//!
//! The edited text is read back and must give exactly the scenario that
//! was run; if it does not (a layout the overlay cannot follow), the plain
//! resolved scenario is saved instead, without comments. Never writes files.

use normshift::scenario::{Scenario, parse_scenario};
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// The text to save as `scenario.toml` for `s`, run from the user's `original` text.
pub fn saved_toml(original: &str, s: &Scenario) -> anyhow::Result<String> {
    saved_toml_with(original, s, &toml::Table::new())
}

/// As [`saved_toml`], with `extra` top-level tables that are not part of
/// the scenario (`compare`'s `[uncertain]` priors) written after it and
/// overlaid onto the user's own text of them, comments kept. The caller
/// checks that `extra` reads back.
pub fn saved_toml_with(original: &str, s: &Scenario, extra: &toml::Table) -> anyhow::Result<String> {
    let mut resolved = super::input::resolved_toml(s)?;
    if !extra.is_empty() {
        resolved.push('\n');
        resolved.push_str(&toml::to_string(extra)?);
    }
    Ok(match overlay(original, &resolved) {
        Some(text) if parse_scenario(&text, "scenario.toml", &[]).is_ok_and(|back| back == *s) => text,
        _ => resolved,
    })
}

/// `resolved` applied onto `original`, keeping `original`'s comments.
fn overlay(original: &str, resolved: &str) -> Option<String> {
    let mut doc: DocumentMut = original.parse().ok()?;
    let res: DocumentMut = resolved.parse().ok()?;
    merge_table(doc.as_table_mut(), res.as_table());
    Some(doc.to_string())
}

/// A value's text without its surrounding whitespace and comments.
fn bare(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// Replace `d` by `s` unless they are written alike, keeping `d`'s comments.
fn set_value(d: &mut Value, s: &Value) {
    if bare(d) != bare(s) {
        let decor = d.decor().clone();
        *d = s.clone();
        *d.decor_mut() = decor;
    }
}

/// After `d` was changed from `before` (by `--set`, `--budget`, ...): a
/// comment written beside it in the user's file described the old value,
/// so it is kept with a note of what the file said (a comment that is
/// left as it was would contradict the value run).
fn note_change(d: &mut Value, before: &str) {
    let after = bare(d);
    if after == before {
        return;
    }
    let suffix = d.decor().suffix().and_then(|s| s.as_str()).unwrap_or_default().to_string();
    if let Some(hash) = suffix.find('#') {
        let comment = suffix[hash..].trim_end();
        let was: String = before.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        d.decor_mut().set_suffix(format!("{}{comment} [the file said {was}; changed for this run]", &suffix[..hash]));
    }
}

fn merge_table(dst: &mut Table, src: &Table) {
    for (k, sv) in src.iter() {
        match dst.get_mut(k) {
            Some(dv) => merge_item(dv, sv),
            None => {
                dst.insert(k, sv.clone());
            }
        }
    }
    let extra: Vec<String> = dst.iter().map(|(k, _)| k.to_string()).filter(|k| !src.contains_key(k)).collect();
    for k in extra {
        dst.remove(&k);
    }
}

fn merge_inline(dst: &mut InlineTable, src: &Table) {
    for (k, sv) in src.iter() {
        let Some(sv) = sv.clone().into_value().ok() else { continue };
        match dst.get_mut(k) {
            Some(dv) => merge_value(dv, &sv),
            None => {
                dst.insert(k, sv);
            }
        }
    }
    let extra: Vec<String> = dst.iter().map(|(k, _)| k.to_string()).filter(|k| !src.contains_key(k)).collect();
    for k in extra {
        dst.remove(&k);
    }
}

fn merge_value(d: &mut Value, s: &Value) {
    let before = bare(d);
    match (&mut *d, s) {
        (Value::InlineTable(di), Value::InlineTable(si)) => {
            let t = si.clone().into_table();
            merge_inline(di, &t);
        }
        (d, s) => set_value(d, s),
    }
    note_change(d, &before);
}

fn merge_item(d: &mut Item, s: &Item) {
    match (d, s) {
        (Item::Table(dt), Item::Table(st)) => merge_table(dt, st),
        (Item::ArrayOfTables(da), Item::ArrayOfTables(sa)) if da.len() == sa.len() => {
            for (dt, st) in da.iter_mut().zip(sa.iter()) {
                merge_table(dt, st);
            }
        }
        (Item::Value(v @ Value::InlineTable(_)), Item::Table(st)) => {
            let before = bare(v);
            if let Value::InlineTable(di) = &mut *v {
                merge_inline(di, st);
            }
            note_change(v, &before);
        }
        (Item::Value(dv), Item::Value(sv)) => merge_value(dv, sv),
        (d, s) => *d = s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_survive_and_the_file_reads_back_as_run() {
        let text = "# my district\nname = \"t\" # short\nsteps = 24\n\n[backlash]\n# source: survey 2019, table 3\nrate = 0.05 # assumption\n\n[[strategies]]\nname = \"baseline\"\n";
        let s = parse_scenario(text, "t.toml", &["backlash.rate=0.07".into()]).unwrap();
        let saved = saved_toml(text, &s).unwrap();
        for c in ["# my district", "# short", "# source: survey 2019, table 3", "# assumption"] {
            assert!(saved.contains(c), "{c} lost:\n{saved}");
        }
        assert!(saved.contains("rate = 0.07"), "{saved}");
        assert_eq!(parse_scenario(&saved, "scenario.toml", &[]).unwrap(), s);
    }

    #[test]
    fn a_comment_beside_a_changed_value_says_what_the_file_had() {
        let text = "name = \"t\"\nsteps = 24\n[backlash]\nrate = 0.05 # from the 2019 survey\nreactivity = 2.0\n\n[[strategies]]\nname = \"baseline\"\n[[strategies]]\nname = \"q\"\n[[strategies.interventions]]\nkind = \"quota\"\ntarget = { group = \"women\", count = 10, per_village = true }   # 10 seats per council\n";
        let s =
            parse_scenario(text, "t.toml", &["backlash.rate=0.07".into(), "strategies.q.interventions.0.target.count=11".into()]).unwrap();
        let saved = saved_toml(text, &s).unwrap();
        assert!(saved.contains("rate = 0.07 # from the 2019 survey [the file said 0.05; changed for this run]"), "{saved}");
        assert!(saved.contains("count = 11"), "{saved}");
        assert!(saved.contains("# 10 seats per council [the file said {"), "{saved}");
        assert!(saved.contains("count = 10,") || saved.contains("count = 10 "), "{saved}");
        assert!(!saved.contains("reactivity = 2.0 #"), "an unchanged value gets no note:\n{saved}");
        assert_eq!(parse_scenario(&saved, "scenario.toml", &[]).unwrap(), s);
    }

    #[test]
    fn every_builtin_scenario_keeps_its_comments_and_reads_back() {
        for name in normshift::scenario::builtin_names() {
            let text = normshift::scenario::builtin(name).unwrap();
            let s = parse_scenario(text, name, &[]).unwrap();
            let saved = saved_toml(text, &s).unwrap();
            assert_eq!(parse_scenario(&saved, "scenario.toml", &[]).unwrap(), s, "{name}");
            if text.contains('#') {
                assert!(saved.contains('#'), "{name}: comments lost (the overlay fell back)");
            }
        }
    }
}
