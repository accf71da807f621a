//! Limits a scenario must respect so that whatever `run`, `compare`,
//! `sweep` or `sensitivity` would refuse, `check` refuses first, located:
//! names (one rule, `crate::names`), counts within the population,
//! intervention months within `steps`, the full `u64` range of seeds, and the
//! largest input file read. Called once from `load::parse_scenario`, before
//! `validate`. Never reads files or prints.

use super::validate::Invalid;
use super::{NetworkKind, Scenario};
use crate::names::check_name;

/// Largest scenario or network file read (64 MiB): a bigger file is refused
/// before it is parsed, and a device such as `/dev/zero` stops there.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

fn bad(path: Vec<String>, message: String) -> Invalid {
    Invalid { path, message }
}

fn p(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Check names and months of `s` (as read, before defaults are resolved;
/// counts are checked after validation, by [`check_counts`]). `steps_overridden` is true when `steps` was set by an
/// override (`--steps`, `--set steps=`): a run shortened on purpose keeps the
/// file's later months (they are simply never reached), while a file whose
/// own months lie beyond its own `steps` is refused.
pub fn check(s: &Scenario, steps_overridden: bool) -> Result<(), Invalid> {
    check_name(&s.name).map_err(|e| bad(p(&["name"]), format!("`{}`: {e}", shown(&s.name))))?;
    for (si, st) in s.strategies.iter().enumerate() {
        let sp = si.to_string();
        check_name(&st.name).map_err(|e| bad(p(&["strategies", &sp, "name"]), format!("`{}`: {e}", shown(&st.name))))?;
        for (ii, iv) in st.interventions.iter().enumerate() {
            if let Some(n) = &iv.name {
                check_name(n)
                    .map_err(|e| bad(p(&["strategies", &sp, "interventions", &ii.to_string(), "name"]), format!("`{}`: {e}", shown(n))))?;
            }
        }
    }
    if !steps_overridden && s.steps > 0 {
        check_months(s)?;
    }
    Ok(())
}

/// A name as it can be shown in one line of a message (at most 80
/// characters, control characters escaped).
fn shown(name: &str) -> String {
    let mut out: String = name.chars().take(80).flat_map(char::escape_debug).collect();
    if name.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Counts within the population, on the validated scenario (so the
/// population's own keys are known to be sound, and each kind's default
/// target is filled in): leaders are household heads, and targets cannot
/// ask for more people than there are.
pub fn check_counts(s: &Scenario) -> Result<(), Invalid> {
    let pop = &s.population;
    if s.population.size.is_none() && s.network.kind == NetworkKind::Community && pop.households_per_village > 0 {
        let leaders = u64::from(pop.gatekeepers_per_village) + u64::from(pop.religious_leaders_per_village);
        if leaders > u64::from(pop.households_per_village) {
            let key = if pop.gatekeepers_per_village > pop.households_per_village {
                "gatekeepers_per_village"
            } else {
                "religious_leaders_per_village"
            };
            return Err(bad(
                p(&["population", key]),
                format!(
                    "{} gatekeepers plus {} religious leaders per village is more than the {} households of a village; each leader heads a household, so allowed: at most {} in all",
                    pop.gatekeepers_per_village, pop.religious_leaders_per_village, pop.households_per_village, pop.households_per_village
                ),
            ));
        }
    }
    // The people a target can reach at most: the whole population, or one
    // village's. A network read from files is sized only once it is loaded.
    let (whole, village) = match (s.population.size, s.network.kind) {
        (Some(n), _) => (f64::from(n), f64::from(n)),
        (None, NetworkKind::Community) => {
            let v = f64::from(pop.households_per_village) * pop.adults_per_household.max(1.0);
            (s.approx_agents().ceil(), v.ceil())
        }
        _ => return Ok(()),
    };
    for (si, st) in s.strategies.iter().enumerate() {
        for (ii, iv) in st.interventions.iter().enumerate() {
            let Some(t) = iv.params.target() else { continue };
            let Some(c) = t.count else { continue };
            let (limit, scope) = if t.per_village { (village, "people in a village") } else { (whole, "people in the population") };
            if f64::from(c) > limit {
                return Err(bad(
                    p(&["strategies", &si.to_string(), "interventions", &ii.to_string(), "target", "count"]),
                    format!("{c} is more than the {limit:.0} {scope}; allowed: 0 to {limit:.0} (or use `share`)"),
                ));
            }
        }
    }
    Ok(())
}

/// The months that set the programme's end lie within the run (0 to
/// steps - 1): an intervention's `end` (unless it starts after the run and
/// so never acts) and `context.programme_end`. A later one would silently
/// move the programme's end, and so every strategy's end-of-programme
/// outcomes.
fn check_months(s: &Scenario) -> Result<(), Invalid> {
    let last = s.steps - 1;
    let beyond = |path: Vec<String>, what: &str, m: u32| {
        bad(
            path,
            format!(
                "month {m} is beyond the run's last month {last} (`steps = {}` counts months 0 to {last}); allowed: 0 to {last}, or raise `steps`",
                s.steps
            ),
        )
        .with_note(what)
    };
    for (si, st) in s.strategies.iter().enumerate() {
        for (ii, iv) in st.interventions.iter().enumerate() {
            let at = |k: &str| p(&["strategies", &si.to_string(), "interventions", &ii.to_string(), k]);
            let what = format!("strategy `{}`, intervention {ii} `{}`", st.name, iv.name.as_deref().unwrap_or(iv.kind().as_str()));
            // An intervention that starts after the run never acts and
            // does not count toward the programme's end.
            if let Some(e) = iv.end
                && e > last
                && iv.start <= last
            {
                return Err(beyond(at("end"), &what, e));
            }
        }
    }
    if let Some(m) = s.context.programme_end
        && m > last
    {
        return Err(beyond(p(&["context", "programme_end"]), "the programme's end", m));
    }
    Ok(())
}

/// For a run shortened on purpose (`steps` overridden): bring the months
/// that lie past its last month back to it, which changes nothing in the
/// run (later months never happen) and lets the saved `scenario.toml` read
/// back as it ran. An intervention that starts after the run is left as it
/// is (it never acts).
pub fn clip_to_steps(s: &mut Scenario) {
    let Some(last) = s.steps.checked_sub(1) else { return };
    if let Some(m) = &mut s.context.programme_end {
        *m = (*m).min(last);
    }
    for iv in s.strategies.iter_mut().flat_map(|st| st.interventions.iter_mut()) {
        if iv.start <= last
            && let Some(e) = &mut iv.end
        {
            *e = (*e).min(last);
        }
    }
}

impl Invalid {
    fn with_note(mut self, what: &str) -> Invalid {
        self.message = format!("{} ({what})", self.message);
        self
    }
}

/// Seeds take the whole `u64` range (a sweep's per-run seeds do). TOML
/// integers stop at 2^63 - 1, so a larger seed may also be written as a
/// string of digits, `seed = "16243953198139721037"`, which is how a saved
/// `scenario.toml` writes it.
pub mod seed {
    use serde::{Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        if *v <= i64::MAX as u64 { s.serialize_u64(*v) } else { s.serialize_str(&v.to_string()) }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = u64;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a whole number from 0 to {} (or the same as a string of digits)", u64::MAX)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
                u64::try_from(v).map_err(|_| E::custom(format!("{v} is out of range; allowed: 0 to {}", u64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
                let t = v.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!("`{v}` is not a seed; allowed: a whole number from 0 to {}", u64::MAX)));
                }
                t.parse().map_err(|_| E::custom(format!("{v} is out of range; allowed: 0 to {}", u64::MAX)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse TOML text into a `toml::Table`, as `toml::from_str` does, except
/// that an integer beyond TOML's `i64` range (which this reader accepts, up
/// to `u64::MAX`) is kept: as a string of digits at the top-level `seed`
/// (see [`seed`]), as a float elsewhere (costs and other real numbers; a
/// whole-number key then refuses it with its own range).
pub fn table_of(text: &str) -> Result<toml::Table, toml::de::Error> {
    use toml::Value;
    use toml::de::{DeTable, DeValue};
    fn value(v: &DeValue<'_>, top_seed: bool) -> Value {
        match v {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(x) => Value::Integer(x),
                Err(_) => match u64::from_str_radix(i.as_str(), i.radix()) {
                    Ok(u) if top_seed => Value::String(u.to_string()),
                    _ => Value::Float(i128::from_str_radix(i.as_str(), i.radix()).map_or(f64::INFINITY, |x| x as f64)),
                },
            },
            DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
            DeValue::Boolean(b) => Value::Boolean(*b),
            DeValue::Datetime(d) => Value::Datetime(*d),
            DeValue::Array(a) => Value::Array(a.iter().map(|x| value(x.get_ref(), false)).collect()),
            DeValue::Table(t) => Value::Table(table(t, false)),
        }
    }
    fn table(t: &DeTable<'_>, top: bool) -> toml::Table {
        t.iter().map(|(k, v)| (k.get_ref().to_string(), value(v.get_ref(), top && k.get_ref() == "seed"))).collect()
    }
    let doc = DeTable::parse(text)?;
    Ok(table(doc.get_ref(), true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse_scenario;

    fn err(text: &str, sets: &[&str]) -> String {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        parse_scenario(text, "s.toml", &sets).unwrap_err().to_string()
    }

    #[test]
    fn bad_names_are_refused_where_they_are() {
        let e = err("name = \"../../victim\"\n", &[]);
        assert!(e.starts_with("s.toml:1:8: `name`:") && e.contains("`/` at character 3") && e.contains("1 to 64"), "{e}");
        let e = err("name = \"ok\"\n", &["name=/etc"]);
        assert!(e.starts_with("--set name=/etc: `name`:") && e.contains("`/`"), "{e}");
        let e = err("name = \"ok\"\n[[strategies]]\nname = \"baseline\"\n[[strategies]]\nname = \"a\\nb\"\n", &[]);
        assert!(e.starts_with("s.toml:5:8: `strategies.1.name`:") && e.contains("a newline"), "{e}");
        let long = "x".repeat(10_000);
        let e = err(&format!("name = \"{long}\"\n"), &[]);
        assert!(e.contains("10000 characters") && e.len() < 400, "{e}");
        let e = err("name = \"ok\"\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\nname = \"..\"\n", &[]);
        assert!(e.starts_with("s.toml:6:8: `strategies.0.interventions.0.name`:") && e.contains("starts with `.`"), "{e}");
    }

    #[test]
    fn seeds_take_the_whole_u64_range() {
        for (text, sets, want) in [
            ("name = \"t\"\nseed = 18446744073709551615\n", vec![], u64::MAX),
            ("name = \"t\"\nseed = \"16243953198139721037\"\n", vec![], 16243953198139721037),
            ("name = \"t\"\nseed = 9223372036854775808\n", vec!["replicates=1"], 9223372036854775808),
            ("name = \"t\"\n", vec!["seed=16243953198139721037"], 16243953198139721037),
        ] {
            let sets: Vec<String> = sets.into_iter().map(String::from).collect();
            let s = parse_scenario(text, "s.toml", &sets).unwrap();
            assert_eq!(s.seed, want);
            // The saved form reads back to the same seed.
            let saved = toml::to_string(&s).unwrap();
            assert_eq!(parse_scenario(&saved, "saved", &[]).unwrap().seed, want);
        }
        let e = err("name = \"t\"\nseed = -1\n", &[]);
        assert!(e.starts_with("s.toml:2:8: `seed`:") && e.contains("18446744073709551615"), "{e}");
        let e = err("name = \"t\"\nseed = \"12x\"\n", &[]);
        assert!(e.contains("`seed`") && e.contains("not a seed"), "{e}");
    }

    #[test]
    fn huge_costs_are_refused_with_their_limit() {
        let t = "name = \"t\"\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\ncost = { per_month = 1 }\n";
        let big = "strategies.0.interventions.0.cost.per_month=18446744073709551615".to_string();
        let e = parse_scenario(t, "s.toml", &["replicates=1".into(), big]).unwrap_err().to_string();
        assert!(e.contains("cost") && e.contains("allowed: 0 to 1000000000000"), "{e}");
        let e = err(&t.replace("per_month = 1 ", "per_month = 1e300 "), &[]);
        assert!(e.starts_with("s.toml:6:") && e.contains("per_month: 1e300 is out of range; allowed: 0 to 1000000000000"), "{e}");
        let ok = parse_scenario(&t.replace("per_month = 1 ", "per_month = 1e12 "), "s.toml", &[]).unwrap();
        assert_eq!(ok.strategies[0].interventions[0].params.cost().unwrap().per_month, 1e12);
    }

    #[test]
    fn integers_beyond_i64_name_their_key_and_range() {
        let t = "name = \"t\"\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\nstart = 9223372036854775808\n";
        let e = err(t, &[]);
        assert!(e.starts_with("s.toml:6:9: `strategies.0.interventions.0.start`: 9223372036854775808 is too large; allowed:"), "{e}");
        assert!(e.contains("4294967295"), "{e}");
        let e = err("name = \"t\"\nreplicates = 18446744073709551615\n", &[]);
        assert!(
            e.starts_with("s.toml:2:14: `replicates`: 18446744073709551615 is too large; allowed: a whole number from 0 to 4294967295"),
            "{e}"
        );
        let e = err("name = \"t\"\nsteps = 99999999999999999999\n", &[]);
        assert!(e.starts_with("s.toml:2:9: `steps`:") && e.contains("allowed"), "{e}");
        let e = err("name = \"t\"\n", &["replicates=9223372036854775808"]);
        assert!(e.contains("`replicates`") && e.contains("allowed: a whole number from 0 to 4294967295"), "{e}");
        // The seed alone takes the whole u64 range, written as a number.
        assert_eq!(parse_scenario("name = \"t\"\nseed = 9223372036854775808\n", "s.toml", &[]).unwrap().seed, 1 << 63);
    }

    #[test]
    fn counts_beyond_the_population_are_refused() {
        let e = err("name = \"t\"\n[population]\ngatekeepers_per_village = 4294967295\n", &[]);
        assert!(e.starts_with("s.toml:3:27: `population.gatekeepers_per_village`:") && e.contains("200 households"), "{e}");
        let t = "name = \"t\"\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"quota\"\ntarget = { group = \"women\", count = 900, per_village = true }\n[council]\nseats = 1000\n";
        let e = err(t, &[]);
        assert!(
            e.contains("`strategies.0.interventions.0.target.count`") && e.contains("900 is more than the 500 people in a village"),
            "{e}"
        );
    }

    #[test]
    fn months_beyond_steps_are_refused_unless_steps_is_shortened_on_purpose() {
        let t = "name = \"t\"\nsteps = 96\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\nend = 200\n";
        let e = err(t, &[]);
        assert!(e.starts_with("s.toml:7:7: `strategies.0.interventions.0.end`: month 200 is beyond the run's last month 95"), "{e}");
        let e = err("name = \"t\"\nsteps = 10\n[context]\nprogramme_end = 10\n", &[]);
        assert!(e.contains("`context.programme_end`") && e.contains("allowed: 0 to 9"), "{e}");
        // Entirely after the run: never acts, and the programme's end stays.
        let t = "name = \"t\"\nsteps = 96\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\nend = 40\n[[strategies.interventions]]\nkind = \"dialogue\"\nstart = 100\nend = 200\n";
        assert_eq!(parse_scenario(t, "s.toml", &[]).unwrap().programme_end(), 40);
        let e = err("name = \"t\"\nsteps = 10\n", &["context.programme_end=12"]);
        assert!(e.starts_with("--set context.programme_end=12"), "{e}");
        // `--steps 6` on a built-in scenario: a shorter run, on purpose.
        // Its saved form reads back to the same scenario.
        for name in ["default", "funding-cut", "insurgency-high-backlash"] {
            let text = crate::scenario::builtin(name).unwrap();
            let s = parse_scenario(text, name, &["steps=6".into()]).unwrap();
            let back = parse_scenario(&toml::to_string(&s).unwrap(), "saved", &[]).unwrap();
            assert_eq!(back, s, "{name}");
        }
    }

    #[test]
    fn every_builtin_respects_the_limits() {
        for name in crate::scenario::builtin_names() {
            let text = crate::uncertainty::prior::strip(crate::scenario::builtin(name).unwrap());
            let s: Scenario = toml::from_str(&text).unwrap();
            assert_eq!(check(&s, false), Ok(()), "{name}");
        }
    }
}
