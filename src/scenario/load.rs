//! Reading a scenario from TOML text, strictly: parse, apply `--set`
//! overrides, resolve defaults, validate, and report any problem with the
//! file, line and column, the key, the bad value and what is allowed.
//! Never reads files itself: the caller passes the text and its origin.

use super::error::{Located, ScenarioError};
use super::overrides::{Override, apply_override};
use super::validate::{Invalid, validate};
use super::{Intervention, Scenario};
use toml::de::{DeTable, DeValue};

/// Parse, override, resolve and validate a scenario.
///
/// `origin` names the text in messages (usually its file path); `overrides`
/// are `KEY=VALUE` strings as given to `--set`.
pub fn parse_scenario(text: &str, origin: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let text: &str = &widen_big_integers(text, origin)?;
    // Priors (`[uncertain]`) are read by `uncertainty::prior`; blanked here.
    let text: &str = &crate::uncertainty::prior::strip(text);
    if text.trim().is_empty() {
        return Err(ScenarioError {
            origin: origin.into(),
            at: None,
            key: None,
            message: "the scenario is empty; it needs at least `name = \"...\"` (see `normshift show default`)".into(),
        });
    }
    let mut scenario: Scenario = toml::from_str(text).map_err(|e| {
        let message = e.message().trim();
        locate_intervention(text, origin, message).or_else(|| locate_own(text, origin, message)).unwrap_or_else(|| ScenarioError {
            origin: origin.into(),
            at: e.span().map(|s| text.line_col(s.start)),
            key: e.span().and_then(|s| key_at(text, s.start)),
            message: explain(message),
        })
    })?;
    let mut parsed = Vec::with_capacity(overrides.len());
    if !overrides.is_empty() {
        // Checked above: the text parses as TOML.
        let mut table: toml::Table = super::limits::table_of(text).map_err(|e| ScenarioError {
            origin: origin.into(),
            at: None,
            key: None,
            message: e.message().to_string(),
        })?;
        for raw in overrides {
            let mut o = Override::parse(raw)?;
            apply_override(&mut table, &mut o)?;
            scenario = Scenario::deserialize_table(&table).map_err(|message| ScenarioError {
                origin: format!("--set {raw}"),
                at: None,
                key: Some(o.key.clone()),
                message,
            })?;
            parsed.push(o);
        }
    }
    let steps_overridden = parsed.iter().any(|o| o.canonical == "steps");
    super::limits::check(&scenario, steps_overridden).map_err(|inv| locate(inv, text, origin, &parsed))?;
    validate(&mut scenario).map_err(|inv| locate(inv, text, origin, &parsed))?;
    super::limits::check_counts(&scenario).map_err(|inv| locate(inv, text, origin, &parsed))?;
    if steps_overridden {
        super::limits::clip_to_steps(&mut scenario);
    }
    Ok(scenario)
}

/// A scenario text read once with its overrides, to try many values of
/// one more override (a prior's search for the edge of its key's valid
/// range): [`Prepared::accepts`] says whether [`parse_scenario`] would
/// accept the text with the overrides and that one more, going through the
/// same steps after the text is read (the override applied to the table,
/// the table read into a scenario, the same checks), without reading and
/// parsing the text again for every value.
pub struct Prepared {
    /// The text's table with the overrides applied.
    table: toml::Table,
    /// The overrides, as applied.
    parsed: Vec<Override>,
}

impl Prepared {
    /// The text with its overrides, if [`parse_scenario`] accepts them
    /// (None otherwise: then there is nothing to prepare).
    pub fn new(text: &str, origin: &str, overrides: &[String]) -> Option<Prepared> {
        parse_scenario(text, origin, overrides).ok()?;
        let text: &str = &widen_big_integers(text, origin).ok()?;
        let text: &str = &crate::uncertainty::prior::strip(text);
        let mut table = super::limits::table_of(text).ok()?;
        let mut parsed = Vec::with_capacity(overrides.len());
        for raw in overrides {
            let mut o = Override::parse(raw).ok()?;
            apply_override(&mut table, &mut o).ok()?;
            parsed.push(o);
        }
        Some(Prepared { table, parsed })
    }

    /// `parse_scenario(text, origin, overrides + [extra]).is_ok()`.
    pub fn accepts(&self, extra: &str) -> bool {
        let Ok(mut o) = Override::parse(extra) else { return false };
        let mut table = self.table.clone();
        if apply_override(&mut table, &mut o).is_err() {
            return false;
        }
        let Ok(mut scenario) = Scenario::deserialize_table(&table) else { return false };
        let steps_overridden = self.parsed.iter().chain([&o]).any(|o| o.canonical == "steps");
        super::limits::check(&scenario, steps_overridden).is_ok()
            && validate(&mut scenario).is_ok()
            && super::limits::check_counts(&scenario).is_ok()
    }
}

impl Scenario {
    fn deserialize_table(table: &toml::Table) -> Result<Scenario, String> {
        use serde::Deserialize;
        Scenario::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
            let m = e.message().trim();
            explain(crate::keys::parse_own_error(m).map_or(m, |(_, _, inner)| inner))
        })
    }
}

/// serde's "expected u32" (and the like) replaced by what it means in
/// words, with the range, so that every message says what is allowed
/// without naming a Rust type: "invalid type: floating point `2.5`;
/// allowed: a whole number from 0 to 4294967295".
pub fn explain(message: &str) -> String {
    let words = [("u8", u64::from(u8::MAX)), ("u16", u64::from(u16::MAX)), ("u32", u64::from(u32::MAX)), ("u64", u64::MAX)]
        .map(|(t, hi)| (t, format!("a whole number from 0 to {hi}")));
    let words = words.iter().map(|(t, w)| (*t, w.as_str())).chain([("f64", "a number"), ("f32", "a number")]);
    for (t, allowed) in words {
        for pattern in [format!(", expected {t}"), format!("expected {t}")] {
            let Some(at) = message.find(&pattern) else { continue };
            let end = at + pattern.len();
            if message[end..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
                continue;
            }
            return format!("{}; allowed: {allowed}{}", &message[..at], &message[end..]);
        }
    }
    message.to_string()
}

/// The text with its integer literals beyond TOML's `i64` range dealt with
/// before any reader sees them (readers of TOML tables stop at `i64` and
/// say only "u64 value was too large", without the key): the top-level
/// `seed` (which takes the whole `u64` range) is rewritten as a string of
/// digits, which its reader accepts; any other is refused at its line and
/// column, with its key and the range that key allows.
pub fn widen_big_integers<'t>(text: &'t str, origin: &str) -> Result<std::borrow::Cow<'t, str>, ScenarioError> {
    fn walk(v: &toml::Spanned<DeValue<'_>>, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, std::ops::Range<usize>, Option<u64>)>) {
        match v.get_ref() {
            DeValue::Integer(i) if i64::from_str_radix(i.as_str(), i.radix()).is_err() => {
                out.push((path.clone(), v.span(), u64::from_str_radix(i.as_str(), i.radix()).ok()));
            }
            DeValue::Table(t) => {
                for (k, c) in t.iter() {
                    path.push(k.get_ref().to_string());
                    walk(c, path, out);
                    path.pop();
                }
            }
            DeValue::Array(a) => {
                for (n, c) in a.iter().enumerate() {
                    path.push(n.to_string());
                    walk(c, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let Ok(doc) = DeTable::parse(text) else { return Ok(std::borrow::Cow::Borrowed(text)) };
    let mut found = Vec::new();
    let mut path = Vec::new();
    for (k, c) in doc.get_ref().iter() {
        path.push(k.get_ref().to_string());
        walk(c, &mut path, &mut found);
        path.pop();
    }
    if found.is_empty() {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    found.sort_by_key(|(_, span, _)| span.start);
    if let Some((path, span, _)) = found.iter().find(|(path, _, value)| !(path.len() == 1 && path[0] == "seed" && value.is_some())) {
        let literal = &text[span.clone()];
        // The key's own range: what its reader says of the largest i64.
        let probe = format!("{}{}{}", &text[..span.start], i64::MAX, &text[span.end..]);
        let allowed = match parse_scenario(&probe, origin, &[]) {
            Err(e) if e.message.contains("allowed:") => e.message[e.message.find("allowed:").unwrap_or(0)..].to_string(),
            _ => format!("allowed: at most {} (the largest whole number a scenario holds; only `seed` goes up to {})", i64::MAX, u64::MAX),
        };
        return Err(ScenarioError {
            origin: origin.into(),
            at: Some(text.line_col(span.start)),
            key: Some(path.join(".")),
            message: format!("{literal} is too large; {allowed}"),
        });
    }
    let mut out = text.to_string();
    for (_, span, value) in found.iter().rev() {
        out.replace_range(span.clone(), &format!("\"{}\"", value.unwrap_or_default()));
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Attribute a validation failure to the `--set` that caused it, or to its
/// place in the file.
fn locate(inv: Invalid, text: &str, origin: &str, overrides: &[Override]) -> ScenarioError {
    let key = inv.path.join(".");
    // The --set of that key, of a table holding it, or of a key inside it
    // (a nested table such as a target's `share` is checked whole); the
    // key then as the user spelled it (names, not indices).
    let within = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}."));
    if let Some(o) = overrides.iter().rev().find(|o| within(&key, &o.canonical) || within(&o.canonical, &key)) {
        let typed = if within(&key, &o.canonical) { format!("{}{}", o.key, &key[o.canonical.len()..]) } else { o.key.clone() };
        return ScenarioError { origin: format!("--set {}", o.raw), at: None, key: Some(typed), message: inv.message };
    }
    let at = DeTable::parse(text).ok().and_then(|doc| span_of(doc.get_ref(), &inv.path)).map(|off| text.line_col(off));
    ScenarioError { origin: origin.into(), at, key: Some(key), message: inv.message }
}

/// An intervention's own problem (a key its kind does not take, an
/// unknown kind, a value of the wrong type) reported by serde as `message`:
/// found again by reading each intervention's table the same way, so that
/// it is reported at its key, with line and column (serde only knows the
/// whole table).
fn locate_intervention(text: &str, origin: &str, message: &str) -> Option<ScenarioError> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let strategies = table.get("strategies")?.as_array()?;
    for (si, st) in strategies.iter().enumerate() {
        let Some(list) = st.get("interventions").and_then(toml::Value::as_array) else { continue };
        for (ii, iv) in list.iter().enumerate() {
            let Some(t) = iv.as_table() else { continue };
            let Err(e) = Intervention::from_table(t.clone()) else { continue };
            if e.to_string() != message {
                continue;
            }
            let path: Vec<String> = ["strategies", &si.to_string(), "interventions", &ii.to_string(), &e.key].map(String::from).into();
            let at = DeTable::parse(text).ok().and_then(|doc| span_of(doc.get_ref(), &path)).map(|off| text.line_col(off));
            let strategy = st.get("name").and_then(toml::Value::as_str).unwrap_or("?");
            let kind = t.get("kind").and_then(toml::Value::as_str).filter(|_| e.key != "kind");
            let of = kind.map_or(String::new(), |k| format!(" `{k}`"));
            return Some(ScenarioError {
                origin: origin.into(),
                at,
                key: Some(path.join(".")),
                message: format!("{} (strategy `{strategy}`, intervention {ii}{of})", explain(&e.message)),
            });
        }
    }
    None
}

/// A problem with a key of a flattened table (`[rule]`'s or
/// `[network]`'s own keys, read by the rule's or generator's struct),
/// reported by serde as a message made by `keys::own_error`: reported at
/// its key, with line and column.
fn locate_own(text: &str, origin: &str, message: &str) -> Option<ScenarioError> {
    let (section, key, inner) = crate::keys::parse_own_error(message)?;
    let path: Vec<String> = [section, key].map(String::from).into();
    let at = DeTable::parse(text).ok().and_then(|doc| span_of(doc.get_ref(), &path)).map(|off| text.line_col(off));
    Some(ScenarioError { origin: origin.into(), at, key: Some(path.join(".")), message: inner.to_string() })
}

/// The dotted key whose value spans byte `offset`, if any. Tables'
/// spans cover only their headers, so every branch is searched.
fn key_at(text: &str, offset: usize) -> Option<String> {
    fn find(v: &DeValue<'_>, offset: usize, path: &mut Vec<String>) -> bool {
        let children: Vec<(String, &toml::Spanned<DeValue<'_>>)> = match v {
            DeValue::Table(t) => t.iter().map(|(k, c)| (k.get_ref().to_string(), c)).collect(),
            DeValue::Array(a) => a.iter().enumerate().map(|(i, c)| (i.to_string(), c)).collect(),
            _ => return false,
        };
        for (k, child) in children {
            path.push(k);
            let leaf = !matches!(child.get_ref(), DeValue::Table(_) | DeValue::Array(_));
            if (leaf && child.span().contains(&offset)) || find(child.get_ref(), offset, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find(&DeValue::Table(doc.into_inner()), offset, &mut path).then(|| path.join("."))
}

/// Byte offset of the value at `path` (or of the deepest part that exists).
fn span_of(table: &DeTable<'_>, path: &[String]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    let value = table.get(first.as_str())?;
    Some(span_in(value.get_ref(), rest).unwrap_or(value.span().start))
}

fn span_in(value: &DeValue<'_>, path: &[String]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    let child = match value {
        DeValue::Table(t) => t.get(first.as_str())?,
        DeValue::Array(a) => a.get(first.parse::<usize>().ok()?)?,
        _ => return None,
    };
    Some(span_in(child.get_ref(), rest).unwrap_or(child.span().start))
}

// The built-in scenarios, embedded from `scenarios/` by build.rs, named by
// their path without `.toml` (`default`, `reference/watts-2002`).
include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// Text of a built-in scenario.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Text of a file that goes with the built-in scenarios (a posterior file
/// or a targets file), by its path under `scenarios/` (`default-posterior.csv`).
pub fn builtin_file(path: &str) -> Option<&'static str> {
    BUILTIN_FILES.iter().find(|(n, _)| *n == path).map(|(_, t)| *t)
}

/// The paths under `scenarios/` of the files built in with the scenarios.
pub fn builtin_file_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_FILES.iter().map(|(n, _)| *n)
}

/// The folder under `scenarios/` of built-in scenario `name` (`""` for
/// `default`, `"reference/"` for `reference/watts`), which the files it
/// names are read from.
pub fn builtin_folder(name: &str) -> &str {
    name.rfind('/').map_or("", |k| &name[..=k])
}

/// Names of the built-in scenarios.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(t.line_col(0), (1, 1));
        assert_eq!(t.line_col(6), (2, 1));
        assert_eq!(t.line_col(11), (2, 6));
    }

    #[test]
    fn a_rules_or_generators_own_key_is_located() {
        let head = "name = \"x\"\n[population]\nsize = 10\n[network]\nkind = \"ring\"\nk = 2\n";
        // An unknown key among a generator's: its line and column.
        let e = parse_scenario(&format!("{head}kk = 3\n"), "x.toml", &[]).unwrap_err();
        assert_eq!((e.key.as_deref(), e.at), (Some("network.kk"), Some((7, 6))), "{e}");
        assert!(e.message.contains("unknown field `kk`"), "{e}");
        // A key of another generator.
        let e = parse_scenario(&format!("{head}p = 0.5\n[rule]\nkind = \"threshold\"\nthreshold = 1\n"), "x.toml", &[]).unwrap_err();
        assert_eq!((e.key.as_deref(), e.at), (Some("network.p"), Some((7, 5))), "{e}");
        // A rule's key of the wrong type, and another rule's key.
        let e = parse_scenario(&format!("{head}[rule]\nkind = \"memory_best_response\"\nmemory = \"x\"\n"), "x.toml", &[]).unwrap_err();
        assert_eq!((e.key.as_deref(), e.at), (Some("rule.memory"), Some((9, 10))), "{e}");
        let e = parse_scenario("name = \"x\"\n[rule]\nrelative = false\n", "x.toml", &[]).unwrap_err();
        assert_eq!((e.key.as_deref(), e.at), (Some("rule.relative"), Some((3, 12))), "{e}");
        assert!(e.message.contains("only read with `kind = \"threshold\"`"), "{e}");
        // Through --set, the same key.
        let e =
            parse_scenario(&format!("{head}[rule]\nkind = \"threshold\"\nthreshold = 1\n"), "x.toml", &["network.m=2".into()]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("network.m"), "{e}");
    }

    #[test]
    fn every_builtin_parses() {
        for name in builtin_names() {
            let s = parse_scenario(builtin(name).unwrap(), name, &[]);
            assert!(s.is_ok(), "{name}: {}", s.unwrap_err());
        }
    }

    #[test]
    fn a_prepared_text_accepts_what_parse_scenario_accepts() {
        // Values on both sides of each key's valid range, a key that does
        // not exist, a bad value and `steps` (which clips the programme),
        // with and without earlier overrides.
        let text = builtin("default").unwrap();
        let tries = [
            "backlash.rate=0.5",
            "backlash.rate=-0.1",
            "backlash.rate=1.5",
            "rule.beta=0.0",
            "rule.beta=1e300",
            "attitudes.influence=1.0000001",
            "council.meetings_per_year=13",
            "council.meetings_per_year=0",
            "steps=12",
            "steps=0",
            "no.such.key=1",
            "backlash.rate=abc",
            "population.villages=0",
        ];
        let mut agreed = 0;
        for base in [vec![], vec!["backlash.rate=0.2".to_string()], vec!["steps=24".to_string(), "seed=7".to_string()]] {
            let prepared = Prepared::new(text, "default", &base).expect("the base parses");
            for extra in tries {
                let mut sets = base.clone();
                sets.push(extra.to_string());
                let whole = parse_scenario(text, "default", &sets).is_ok();
                assert_eq!(prepared.accepts(extra), whole, "{base:?} + {extra}");
                agreed += usize::from(whole);
            }
        }
        // Both answers occur.
        assert!(agreed > 0 && agreed < 3 * tries.len(), "{agreed}");
        assert!(Prepared::new(text, "default", &["backlash.rate=2".to_string()]).is_none());
    }
}
