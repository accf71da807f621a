//! `normshift compare`: paired comparisons, equal budgets, the do-no-harm
//! flag and bad input, through the library and the real binary.

use normshift::budget::rescale;
use normshift::compare::compare;
use normshift::outcomes::sum;
use normshift::run::Job;
use normshift::scenario::parse_scenario;
use std::path::Path;

const SMALL: &str = r#"
name = "cmp"
steps = 36
seed = 5
replicates = 6
[population]
villages = 3
households_per_village = 120
[initial]
burn_in = 60
[[strategies]]
name = "baseline"
[[strategies]]
name = "champions"
[[strategies.interventions]]
kind = "male_champions"
end = 23
target = { group = "men", selection = "central", share = 0.1 }
cost = { per_person = 200, per_month = 300 }
[[strategies]]
name = "champions_again"
[[strategies.interventions]]
kind = "male_champions"
end = 23
target = { group = "men", selection = "central", share = 0.1 }
cost = { per_person = 200, per_month = 300 }
[[strategies]]
name = "orgs"
[[strategies.interventions]]
kind = "womens_organisations"
target = { group = "women", selection = "inclusive", share = 0.1 }
cost = { per_person = 50, per_month = 800 }
"#;

use crate::common::normshift;

#[test]
fn identical_strategies_have_zero_paired_difference() {
    let s = parse_scenario(SMALL, "cmp.toml", &[]).unwrap();
    let rs = Job::all(&s).run(&|_| {});
    let names: Vec<String> = s.strategies.iter().map(|x| x.name.clone()).collect();
    let rows = compare(&rs, &names, "champions");
    for r in rows.iter().filter(|r| r.strategy == "champions_again" && r.metric != "cost_per_point") {
        if r.diff_mean.is_nan() {
            continue; // e.g. no tipping in either
        }
        if r.metric == "tipping_month" && r.diff_lo.is_nan() {
            // Fewer than five replicates tipped in both: no interval.
            assert_eq!((r.diff_mean, r.diff_hi.is_nan()), (0.0, true), "{r:?}");
            continue;
        }
        assert_eq!((r.diff_mean, r.diff_lo, r.diff_hi), (0.0, 0.0, 0.0), "{}: {r:?}", r.metric);
    }
    // A real programme differs from baseline, with an interval that excludes 0.
    let rows = compare(&rs, &names, "baseline");
    let gain = rows.iter().find(|r| r.strategy == "champions" && r.metric == "participation_end").unwrap();
    assert!(gain.diff_lo > 0.0, "{gain:?}");
    assert!(gain.diff_lo <= gain.diff_mean && gain.diff_mean <= gain.diff_hi);
    assert!(gain.p_better > 0.8, "{gain:?}");
}

#[test]
fn differences_are_paired_on_shared_seeds() {
    let s = parse_scenario(SMALL, "cmp.toml", &[]).unwrap();
    let rs = Job::all(&s).run(&|_| {});
    for r in &rs {
        let base = rs.iter().find(|b| b.id.strategy == "baseline" && b.id.replicate == r.id.replicate).unwrap();
        assert_eq!(r.id.seed, base.id.seed, "replicate {} of {} has its own seed", r.id.replicate, r.id.strategy);
        assert_eq!(r.agents, base.agents, "replicate {} of {} ran on other people", r.id.replicate, r.id.strategy);
    }
    let seeds: std::collections::BTreeSet<u64> = rs.iter().map(|r| r.id.seed).collect();
    assert_eq!(seeds.len(), 6, "each replicate has its own seed");
}

#[test]
fn budget_equalises_total_cost_within_one_percent() {
    let s = parse_scenario(SMALL, "cmp.toml", &[]).unwrap();
    let job = Job::all(&s);
    let budget = 40_000.0;
    for k in 1..job.strategies.len() {
        let r = rescale(&job, k, budget).unwrap();
        let mut one = job.clone();
        one.reach[k] = r.reach;
        let got = one.run_replicate(0)[k].summary[sum::COST_TOTAL];
        assert!((got - budget).abs() <= 0.01 * budget, "{}: cost {got} at reach x{}", s.strategies[k].name, r.reach);
    }
}

#[test]
fn compare_command_writes_the_table_and_flags_harm() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cmp.toml"), SMALL).unwrap();
    let (code, out, err) = normshift(tmp.path(), &["compare", "cmp.toml", "--reps", "4", "--out", "o"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("champions") && out.contains("gain"), "{out}");
    let csv = std::fs::read_to_string(tmp.path().join("o/comparison.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with("strategy,metric,mean,p05,p95,diff_mean,diff_lo,diff_hi,p_better"), "{header}");
    for m in [
        "participation_end",
        "participation_final",
        "held",
        "tipping_month",
        "sanctions_total",
        "violence_total",
        "participation_gap_final",
        "cost_total",
        "cost_per_point",
    ] {
        assert!(csv.lines().any(|l| l.starts_with(&format!("orgs,{m},"))), "no {m} row");
    }
    // A strategy that raises backlash with certainty is flagged.
    let harmful = SMALL.replace("name = \"orgs\"", "name = \"orgs\"\n").to_string()
        + "[[strategies]]\nname = \"quota_heavy\"\n[[strategies.interventions]]\nkind = \"quota\"\ntarget = { group = \"women\", selection = \"elite\", count = 40, per_village = true }\ncost = { per_person = 10 }\n";
    std::fs::write(tmp.path().join("harm.toml"), harmful).unwrap();
    let (code, out, err) = normshift(
        tmp.path(),
        &[
            "compare",
            "harm.toml",
            "--reps",
            "6",
            "--strategies",
            "quota_heavy",
            "--set",
            "context.political_will=1",
            "--set",
            "council.seats=40",
            "--out",
            "h",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(tmp.path().join("h/comparison.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("quota_heavy,sanctions_total,")).unwrap();
    assert!(row.contains(",exposure,"), "a quota that forces 40 women per village to take part must raise sanctions: {row}");
    let risk = csv.lines().find(|l| l.starts_with("quota_heavy,women_sanctioned_mean,")).unwrap();
    assert!(risk.contains(",harm,"), "and each participating woman's risk: {risk}");
    assert!(out.contains("Harm (!) to women taking part: quota_heavy."), "{out}");
    assert!(out.contains("Exposure (*): quota_heavy."), "{out}");
}

#[test]
fn compare_refuses_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cmp.toml"), SMALL).unwrap();
    std::fs::write(tmp.path().join("nobase.toml"), SMALL.replace("name = \"baseline\"", "name = \"nothing\"")).unwrap();
    let free = SMALL.replace("cost = { per_person = 50, per_month = 800 }", "cost = { per_person = 0, per_month = 0 }");
    std::fs::write(tmp.path().join("free.toml"), free).unwrap();
    for (args, needle) in [
        (vec!["compare", "cmp.toml", "--strategies", "nope"], "no strategy named `nope`"),
        (vec!["compare", "nobase.toml"], "no strategy named `baseline`"),
        (vec!["compare", "cmp.toml", "--reps", "0"], "--reps 0"),
        (vec!["compare", "cmp.toml", "--budget", "-5"], "--budget"),
        (vec!["compare", "cmp.toml", "--budget", "0"], "positive"),
        (vec!["compare", "free.toml", "--budget", "50000", "--reps", "1"], "has no cost"),
    ] {
        let mut a = args.clone();
        a.extend(["--out", "never"]);
        let (code, _, err) = normshift(tmp.path(), &a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: stderr lacks `{needle}`:\n{err}");
        assert!(!err.contains("panicked"));
        assert!(!tmp.path().join("never").exists(), "{args:?} wrote output");
    }
}

#[test]
fn every_scenario_compares_for_a_few_months() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") && !p.to_string_lossy().ends_with("-targets.toml") {
                // (A calibration's targets file is not a scenario.)
                files.push(p);
            }
        }
    }
    assert!(!files.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let s = parse_scenario(&text, &f.display().to_string(), &[]).unwrap();
        if s.strategy("baseline").is_none() {
            continue; // reference models have no strategies to compare
        }
        let mut args: Vec<String> = ["compare", f.to_str().unwrap(), "--reps", "2", "--steps", "4", "--set", "initial.burn_in=3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if s.population.size.is_none() {
            args.extend(["--set", "population.villages=2", "--set", "population.households_per_village=50"].iter().map(|s| s.to_string()));
        }
        args.extend(["--out".into(), tmp.path().join(s.name.clone()).display().to_string()]);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = normshift(tmp.path(), &a);
        assert_eq!(code, 0, "{}: {err}", f.display());
        assert!(tmp.path().join(&s.name).join("comparison.csv").is_file());
    }
}

/// A quota reserves at most the council's seats, however far `--budget`
/// would scale its reach: below the seats' cost the saved scenario re-runs
/// to the same runs; above it the quota is refused as unable to spend the
/// budget, never saved with more seats than the council has.
#[test]
fn budget_never_reserves_more_seats_than_the_council_has() {
    let tmp = tempfile::tempdir().unwrap();
    let text = SMALL.to_string()
        + "[council]\nseats = 6\n[[strategies]]\nname = \"quota\"\n[[strategies.interventions]]\nkind = \"quota\"\n\
           target = { group = \"women\", selection = \"elite\", count = 2, per_village = true }\ncost = { per_person = 1000 }\n";
    std::fs::write(tmp.path().join("q.toml"), &text).unwrap();
    let s = parse_scenario(&text, "q.toml", &[]).unwrap();
    let job = Job::all(&s);
    let k = job.strategies.len() - 1;
    // 3 villages x 6 seats x 1000 = 18,000 at most.
    let err = rescale(&job, k, 30_000.0).unwrap_err();
    assert!(err.to_string().contains("reaches everyone it can for 18000"), "{err}");
    let (code, _, err) = normshift(
        tmp.path(),
        &["compare", "q.toml", "--strategies", "baseline,quota", "--budget", "30000", "--reps", "2", "--no-plots", "--out", "big"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!tmp.path().join("big").exists(), "nothing written on refusal");
    let (code, _, err) = normshift(
        tmp.path(),
        &["compare", "q.toml", "--strategies", "baseline,quota", "--budget", "15000", "--reps", "2", "--no-plots", "--out", "b"],
    );
    assert_eq!(code, 0, "{err}");
    let saved = std::fs::read_to_string(tmp.path().join("b/scenario.toml")).unwrap();
    assert!(saved.contains("count = 5"), "15,000 buys 5 seats a village:\n{saved}");
    let (code, _, err) = normshift(
        tmp.path(),
        &["compare", "b/scenario.toml", "--strategies", "baseline,quota", "--reps", "2", "--no-plots", "--out", "again"],
    );
    assert_eq!(code, 0, "{err}");
    let runs = |d: &str| std::fs::read_to_string(tmp.path().join(d).join("runs.csv")).unwrap();
    assert!(runs("b") == runs("again"), "the saved scenario re-runs to other runs:\n{}\n{}", runs("b"), runs("again"));
}
