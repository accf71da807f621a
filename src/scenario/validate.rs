//! Whole-scenario validation: ranges and cross-key rules, each
//! intervention's own ranges (`Kind::check`, in its kind's file) and its
//! window. Runs before anything is simulated; every message names the bad
//! value and what is allowed. Never reads files or prints.

use super::*;
use crate::network::generators::{self, kind_name};

/// A value the scenario may not have, at a dotted key path.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Key path, with array indices as numbers.
    pub path: Vec<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

type Check = Result<(), Invalid>;

fn path(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

fn bad(p: Vec<String>, message: String) -> Invalid {
    Invalid { path: p, message }
}

fn unit(p: &[&str], v: f64) -> Check {
    range(p, v, 0.0, 1.0)
}

fn range(p: &[&str], v: f64, lo: f64, hi: f64) -> Check {
    if v.is_finite() && v >= lo && v <= hi { Ok(()) } else { Err(bad(path(p), format!("{v} is out of range; allowed: {lo} to {hi}"))) }
}

/// Largest population a generated scenario may ask for.
pub const MAX_AGENTS: f64 = 50_000_000.0;

/// Most replicates a scenario may ask for.
pub const MAX_REPLICATES: u32 = 1_000_000;

/// Validate `s` and fill in the defaults of each intervention's kind.
pub fn validate(s: &mut Scenario) -> Result<(), Invalid> {
    if s.name.trim().is_empty() {
        return Err(bad(path(&["name"]), "is empty; give the scenario a short name".into()));
    }
    range(&["steps"], f64::from(s.steps), 1.0, 100_000.0)?;
    range(&["replicates"], f64::from(s.replicates), 1.0, f64::from(MAX_REPLICATES))?;
    validate_reference(s)?;
    let p = &s.population;
    if p.villages == 0 {
        return Err(bad(path(&["population", "villages"]), "0 is out of range; allowed: 1 or more".into()));
    }
    if p.households_per_village == 0 {
        return Err(bad(path(&["population", "households_per_village"]), "0 is out of range; allowed: 1 or more".into()));
    }
    range(&["population", "adults_per_household"], p.adults_per_household, 1.0, 30.0)?;
    for (k, v) in [
        ("female_headed", p.female_headed),
        ("women_gatekeepers", p.women_gatekeepers),
        ("elite", p.elite),
        ("disability", p.disability),
        ("marginalised", p.marginalised),
        ("youth", p.youth),
        ("elder", p.elder),
    ] {
        unit(&["population", k], v)?;
    }
    if p.elite + p.marginalised > 1.0 {
        return Err(bad(
            path(&["population", "marginalised"]),
            format!("elite {} plus marginalised {} exceed 1 (a household is one or the other)", p.elite, p.marginalised),
        ));
    }
    if p.youth + p.elder > 1.0 {
        return Err(bad(path(&["population", "elder"]), format!("youth {} plus elder {} exceed 1", p.youth, p.elder)));
    }
    if s.network.kind == NetworkKind::Community && s.approx_agents() > MAX_AGENTS {
        return Err(bad(
            path(&["population", "villages"]),
            format!("the population would be about {:.0} adults; at most {MAX_AGENTS:.0} are allowed", s.approx_agents()),
        ));
    }
    let n = &s.network;
    range(&["network", "peer_degree"], n.peer_degree, 0.0, 1000.0)?;
    unit(&["network", "gender_homophily"], n.gender_homophily)?;
    unit(&["network", "class_homophily"], n.class_homophily)?;
    range(&["network", "bridge_degree"], n.bridge_degree, 0.0, 100.0)?;
    let w = &n.weights;
    for (k, v) in [("household", w.household), ("peer", w.peer), ("leader", w.leader), ("member", w.member), ("bridge", w.bridge)] {
        range(&["network", "weights", k], v, 0.0, 1000.0)?;
    }
    if n.kind == NetworkKind::File && n.edges.is_none() {
        return Err(bad(path(&["network", "edges"]), "is missing; `kind = \"file\"` needs `edges = \"path/to/edges.csv\"`".into()));
    }
    if n.kind == NetworkKind::Community && (n.edges.is_some() || n.nodes.is_some()) {
        return Err(bad(path(&["network", "kind"]), "`edges` and `nodes` are only read with `kind = \"file\"`".into()));
    }
    let r = &s.rule;
    range(&["rule", "beta"], r.beta, 0.0, 1000.0)?;
    for (k, v) in [
        ("empirical_rate", r.empirical_rate),
        ("normative_rate", r.normative_rate),
        ("fear_decay", r.fear_decay),
        ("fear_gain", r.fear_gain),
        ("own_gain", r.own_gain),
    ] {
        unit(&["rule", k], v)?;
    }
    let wr = &r.women;
    for (k, v) in [
        ("attitude", wr.attitude),
        ("empirical", wr.empirical),
        ("normative", wr.normative),
        ("fear", wr.fear),
        ("theta_sd", wr.theta_sd),
        ("champion_support", wr.champion_support),
    ] {
        range(&["rule", "women", k], v, 0.0, 100.0)?;
    }
    range(&["rule", "women", "theta_mean"], wr.theta_mean, -100.0, 100.0)?;
    for (sec, m) in [("men", &r.men), ("leaders", &r.leaders)] {
        for (k, v) in [
            ("attitude", m.attitude),
            ("normative", m.normative),
            ("fear", m.fear),
            ("theta_sd", m.theta_sd),
            ("opposition_margin", m.opposition_margin),
        ] {
            range(&["rule", sec, k], v, 0.0, 100.0)?;
        }
        range(&["rule", sec, "theta_mean"], m.theta_mean, -100.0, 100.0)?;
    }
    let i = &s.initial;
    if let Some(b) = i.burn_in {
        range(&["initial", "burn_in"], f64::from(b), 0.0, 10_000.0)?;
    }
    unit(&["initial", "committed"], i.committed)?;
    unit(&["initial", "participation"], i.participation)?;
    unit(&["initial", "fear"], i.fear)?;
    for (k, d) in [
        ("women_attitude", &i.women_attitude),
        ("men_attitude", &i.men_attitude),
        ("gatekeeper_attitude", &i.gatekeeper_attitude),
        ("religious_leader_attitude", &i.religious_leader_attitude),
    ] {
        range(&["initial", k, "mean"], d.mean, 0.0, 1.0)?;
        let max_sd = (d.mean * (1.0 - d.mean)).sqrt();
        if !(d.sd.is_finite() && d.sd >= 0.0 && (d.sd < max_sd || d.sd == 0.0)) {
            return Err(bad(
                path(&["initial", k, "sd"]),
                format!("{} is out of range; a distribution on [0,1] with mean {} needs 0 <= sd < {max_sd:.3}", d.sd, d.mean),
            ));
        }
    }
    let b = &s.backlash;
    unit(&["backlash", "rate"], b.rate)?;
    range(&["backlash", "reactivity"], b.reactivity, 0.0, 100.0)?;
    range(&["backlash", "gatekeeper"], b.gatekeeper, 0.0, 100.0)?;
    range(&["backlash", "religious_leader"], b.religious_leader, 0.0, 100.0)?;
    unit(&["backlash", "champion_shield"], b.champion_shield)?;
    unit(&["backlash", "champion_dropout"], b.champion_dropout)?;
    unit(&["backlash", "ally_rate"], b.ally_rate)?;
    range(&["backlash", "seat_holder"], b.seat_holder, 0.0, 100.0)?;
    let sv = &b.severity;
    for (k, v) in [("harassment", sv.harassment), ("stigma", sv.stigma), ("violence", sv.violence)] {
        unit(&["backlash", "severity", k], v)?;
    }
    let total = sv.harassment + sv.stigma + sv.violence;
    if (total - 1.0).abs() > 1e-6 {
        return Err(bad(path(&["backlash", "severity"]), format!("the shares sum to {total}; they must sum to 1")));
    }
    let a = &s.attitudes;
    unit(&["attitudes", "influence"], a.influence)?;
    unit(&["attitudes", "internalisation"], a.internalisation)?;
    if a.influence + a.internalisation > 1.0 {
        return Err(bad(path(&["attitudes", "internalisation"]), "influence plus internalisation exceed 1".into()));
    }
    range(&["attitudes", "champion_weight"], a.champion_weight, 0.0, 1000.0)?;
    let st = &a.stubbornness;
    for (k, v) in [("member", st.member), ("gatekeeper", st.gatekeeper), ("religious_leader", st.religious_leader)] {
        unit(&["attitudes", "stubbornness", k], v)?;
    }
    let co = &s.council;
    if co.seats == 0 || co.seats > 1000 {
        return Err(bad(path(&["council", "seats"]), format!("{} is out of range; allowed: 1 to 1000 seats per village", co.seats)));
    }
    if co.meetings_per_year == 0 || co.meetings_per_year > 12 {
        return Err(bad(
            path(&["council", "meetings_per_year"]),
            format!("{} is out of range; allowed: 1 to 12 (one step is a month)", co.meetings_per_year),
        ));
    }
    unit(&["council", "men_attendance"], co.men_attendance)?;
    let c = &s.context;
    unit(&["context", "political_will"], c.political_will)?;
    unit(&["context", "defiance"], c.defiance)?;
    range(&["context", "defiance_penalty"], c.defiance_penalty, 0.0, 100.0)?;
    unit(&["context", "council_visibility"], c.council_visibility)?;
    range(&["context", "conflict_backlash"], c.conflict_backlash, 0.0, 100.0)?;
    range(&["context", "conflict_conservatism"], c.conflict_conservatism, 0.0, 100.0)?;
    unit(&["context", "tipping_level"], c.tipping_level)?;
    if let Some(t) = c.conflict_start {
        month(&["context", "conflict_start"], t, MAX_MONTH)?;
    }
    if let Some(t) = c.programme_end {
        month(&["context", "programme_end"], t, MAX_MONTH)?;
    }
    validate_strategies(s)
}

/// Largest month an intervention or event may name.
pub const MAX_MONTH: u32 = 100_000;

/// Keys of flat populations, generated networks and reference rules, and
/// the burn-in default that depends on the rule.
fn validate_reference(s: &mut Scenario) -> Check {
    let generated = generators::is_generated(s.network.kind);
    match (s.population.size, generated) {
        (Some(0), _) => return Err(bad(path(&["population", "size"]), "0 is out of range; allowed: 1 or more".into())),
        (Some(n), _) if f64::from(n) > MAX_AGENTS => {
            return Err(bad(path(&["population", "size"]), format!("{n} is out of range; allowed: 1 to {MAX_AGENTS:.0}")));
        }
        (Some(_), false) => {
            return Err(bad(
                path(&["network", "kind"]),
                format!(
                    "`{}` needs villages; a flat population (`population.size`) needs a generated network: {}",
                    kind_name(s.network.kind),
                    generators::names()
                ),
            ));
        }
        (None, true) => {
            return Err(bad(
                path(&["population", "size"]),
                format!("is missing; `network.kind = \"{}\"` needs a flat population `size = N`", kind_name(s.network.kind)),
            ));
        }
        _ => {}
    }
    if let Some(n) = s.population.size {
        generators::from_spec(&s.network, n as usize).map_err(|(k, m)| bad(path(&["network", k]), m))?;
    }
    // The chosen rule's own keys (in its file under `model/rule/`); another
    // rule's keys may only stay at their defaults.
    let rule = crate::model::rule::Rule::of(s);
    rule.check(s.population.size).map_err(|(k, m)| {
        let mut p = path(&["rule"]);
        p.extend(k.split('.').map(String::from));
        bad(p, m)
    })?;
    if let Some((k, owner)) = s.rule.own.foreign(s.rule.kind) {
        return Err(bad(path(&["rule", k]), format!("is only read with `kind = \"{owner}\"`")));
    }
    if rule.community() {
        if s.initial.adopters.is_some() {
            return Err(bad(path(&["initial", "adopters"]), "is only read by the reference rules (`rule.kind` threshold or memory_best_response); the community model starts from `initial.participation`".into()));
        }
        if s.initial.committed > 0.0 {
            return Err(bad(
                path(&["initial", "committed"]),
                "is only read by the reference rules (`rule.kind` threshold or memory_best_response)".into(),
            ));
        }
    }
    if !generated && let Some(k) = s.network.generator.first() {
        return Err(bad(
            path(&["network", k]),
            format!("is only read by the network generators; `kind = \"{}\"` does not use it", kind_name(s.network.kind)),
        ));
    }
    if let (Some(a), Some(n)) = (s.initial.adopters, s.population.size)
        && a > n
    {
        return Err(bad(path(&["initial", "adopters"]), format!("{a} is more than the population ({n})")));
    }
    if s.initial.burn_in.is_none() {
        s.initial.burn_in = Some(crate::model::rule::Rule::of(s).burn_in());
    }
    Ok(())
}

fn month(p: &[&str], t: u32, limit: u32) -> Check {
    if t < limit { Ok(()) } else { Err(bad(path(p), format!("month {t} is out of range; allowed: 0 to {}", limit - 1))) }
}

fn validate_strategies(s: &mut Scenario) -> Check {
    if s.strategies.is_empty() {
        return Err(bad(path(&["strategies"]), "there are no strategies; add at least `[[strategies]] name = \"baseline\"`".into()));
    }
    let steps = s.steps;
    let seats = s.council.seats;
    let mut seen: Vec<&str> = Vec::new();
    for (si, st) in s.strategies.iter().enumerate() {
        let sp = si.to_string();
        // A comma would split CSV columns; a dot or `=` would make the
        // dotted keys of `--set` and `[uncertain]` (`strategies.NAME.x`)
        // ambiguous.
        if st.name.trim().is_empty() || st.name.contains([',', '.', '=']) {
            return Err(bad(
                path(&["strategies", &sp, "name"]),
                format!("`{}` is not a usable name; use letters, digits, `_` or `-` (no `,`, `.` or `=`)", st.name),
            ));
        }
        if seen.contains(&st.name.as_str()) {
            return Err(bad(path(&["strategies", &sp, "name"]), format!("`{}` is used by two strategies; names must be unique", st.name)));
        }
        seen.push(&st.name);
    }
    for (si, st) in s.strategies.iter_mut().enumerate() {
        let sp = si.to_string();
        let names: Vec<String> = st.interventions.iter().map(Intervention::label).collect();
        for (ii, n) in names.iter().enumerate() {
            if names[..ii].contains(n) {
                return Err(bad(
                    path(&["strategies", &sp, "interventions", &ii.to_string(), "name"]),
                    format!("two interventions of strategy `{}` are called `{n}`; give each a distinct `name`", st.name),
                ));
            }
        }
        for (ii, iv) in st.interventions.iter_mut().enumerate() {
            let ip = ii.to_string();
            let base = ["strategies", sp.as_str(), "interventions", ip.as_str()];
            let at = |k: &str| {
                let mut v = path(&base);
                v.push(k.to_string());
                v
            };
            // The kind's own ranges (its keys and defaults were settled when
            // it was read); then the window, whose end defaults to the last month.
            iv.params
                .check()
                .map_err(|(k, m)| bad(at(k), format!("{m} (strategy `{}`, intervention {} `{}`)", st.name, ii, iv.kind().as_str())))?;
            if let crate::interventions::Params::Quota(q) = &iv.params
                && let Some(n) = q.target.count
                && q.target.per_village
                && n > seats
            {
                return Err(bad(
                    at("target"),
                    format!(
                        "count = {n} reserved seats per village, but the council has {seats} (`council.seats`); allowed: 0 to {seats} (strategy `{}`)",
                        st.name
                    ),
                ));
            }
            if iv.end.is_none() {
                iv.end = Some(steps - 1);
            }
            // Months past the last step are allowed (a shorter run simply
            // stops before them), within a sane bound.
            let end = iv.end.unwrap_or(steps - 1);
            month(&[], iv.start, MAX_MONTH).map_err(|e| bad(at("start"), e.message))?;
            month(&[], end, MAX_MONTH).map_err(|e| bad(at("end"), e.message))?;
            if iv.start > end {
                return Err(bad(at("start"), format!("start {} is after end {end}; start must be at or before end", iv.start)));
            }
            for n in iv.params.refers_to() {
                if !names.contains(n) {
                    return Err(bad(
                        at("interventions"),
                        format!("no intervention named `{n}` in strategy `{}`; its interventions are: {}", st.name, names.join(", ")),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        toml::from_str("name = \"t\"").unwrap()
    }

    #[test]
    fn partial_leaders_rule_keeps_leaders_defaults() {
        let s: Scenario = toml::from_str("name = \"t\"\n[rule.leaders]\nfear = 0.9\n").unwrap();
        assert_eq!(s.rule.leaders.fear, 0.9);
        assert_eq!(s.rule.leaders.attitude, Rule::default().leaders.attitude);
        assert_ne!(s.rule.leaders.attitude, s.rule.men.attitude);
    }

    #[test]
    fn defaults_are_valid() {
        let mut s = base();
        assert_eq!(validate(&mut s), Ok(()));
    }

    #[test]
    fn probabilities_outside_unit_interval_are_refused() {
        let mut s = base();
        s.backlash.rate = 1.5;
        let e = validate(&mut s).unwrap_err();
        assert_eq!(e.path, vec!["backlash", "rate"]);
        assert!(e.message.contains("1.5") && e.message.contains("0 to 1"), "{}", e.message);
    }

    #[test]
    fn a_strategy_name_with_a_dot_is_refused() {
        // `strategies.mc.v2.x` could not say which strategy it means.
        for bad_name in ["mc.v2", "a,b", "x=y", " "] {
            let mut s = base();
            s.strategies[0].name = bad_name.into();
            let e = validate(&mut s).unwrap_err();
            assert_eq!(e.path, vec!["strategies", "0", "name"]);
            assert!(e.message.contains("not a usable name"), "{}", e.message);
        }
    }

    #[test]
    fn a_kinds_ranges_are_checked() {
        let mut s = base();
        let mut iv = Intervention::new(InterventionKind::Dialogue);
        if let crate::interventions::Params::Dialogue(d) = &mut iv.params {
            d.effect = 1.5;
        }
        s.strategies[0].interventions.push(iv);
        let e = validate(&mut s).unwrap_err();
        assert_eq!(e.path, ["strategies", "0", "interventions", "0", "effect"]);
        assert!(e.message.contains("1.5") && e.message.contains("0 to 1"), "{}", e.message);
    }

    #[test]
    fn start_after_end_is_refused() {
        let mut s = base();
        s.strategies[0].interventions.push(Intervention { start: 10, end: Some(5), ..Intervention::new(InterventionKind::Media) });
        let e = validate(&mut s).unwrap_err();
        assert!(e.message.contains("after end"), "{}", e.message);
    }
}
