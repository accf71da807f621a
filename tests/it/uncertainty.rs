//! `compare` over priors (`[uncertain]`), through the real binary: a prior
//! of zero width reproduces the point comparison exactly, results are
//! byte-identical at 1 and 2 threads, the chances and regrets are coherent,
//! two strategies that cross at a known parameter value are told apart by
//! PRIM near that value, bad priors are refused with located messages, a
//! job killed at any moment and resumed, or run in shards and merged,
//! equals the uninterrupted one byte for byte, the figures and the
//! report's section are written, and a sweep's points carry the paired
//! gain and the winner.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::normshift;

/// A small scenario: baseline, champions at a fixed share of 0.1, and the
/// same champions at a share with a prior (in `priors`).
fn scenario(priors: &str) -> String {
    format!(
        r#"
name = "unc"
steps = 30
seed = 11
replicates = 2
[population]
villages = 2
households_per_village = 100
[initial]
burn_in = 40
[backlash]
rate = 0.05
[[strategies]]
name = "baseline"
[[strategies]]
name = "fixed"
[[strategies.interventions]]
kind = "male_champions"
name = "champions"
end = 23
target = {{ group = "men", selection = "central", share = 0.1 }}
cost = {{ per_person = 200, per_month = 300 }}
[[strategies]]
name = "varied"
[[strategies.interventions]]
kind = "male_champions"
name = "champions"
end = 23
target = {{ group = "men", selection = "central", share = 0.1 }}
cost = {{ per_person = 200, per_month = 300 }}

[uncertain]
{priors}
"#
    )
}

const SHARE: &str = "strategies.varied.interventions.0.target.share";

fn write(dir: &Path, text: &str) -> String {
    let p = dir.join("unc.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn run(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = normshift(dir, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// `comparison.csv` as (strategy, metric) -> the row's cells.
fn comparison(dir: &Path) -> BTreeMap<(String, String), Vec<String>> {
    let text = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<String> = l.split(',').map(String::from).collect();
            ((c[0].clone(), c[1].clone()), c)
        })
        .collect()
}

fn value(c: &BTreeMap<(String, String), Vec<String>>, s: &str, m: &str) -> f64 {
    c[&(s.to_string(), m.to_string())][2].parse().unwrap()
}

#[test]
fn a_prior_of_zero_width_gives_the_point_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), &scenario("backlash.rate = { dist = \"uniform\", lo = 0.05, hi = 0.05, source = \"test\" }"));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(tmp.path(), &["compare", &f, "--draws", "3", "--reps", "2", "--no-plots", "--out", a.to_str().unwrap()]);
    run(tmp.path(), &["compare", &f, "--no-uncertainty", "--reps", "6", "--no-plots", "--out", b.to_str().unwrap()]);
    for file in ["runs.csv", "timeseries.csv"] {
        assert_eq!(std::fs::read(a.join(file)).unwrap(), std::fs::read(b.join(file)).unwrap(), "{file}");
    }
    // The point comparison's rows come first, unchanged.
    let (ta, tb) = (std::fs::read_to_string(a.join("comparison.csv")).unwrap(), std::fs::read_to_string(b.join("comparison.csv")).unwrap());
    assert!(ta.starts_with(&tb), "comparison.csv differs from the point comparison's");
    assert!(!tb.contains(",p_best,"));
    let (ca, cb) = (comparison(&a), comparison(&b));
    for s in ["fixed", "varied"] {
        let point: f64 = cb[&(s.to_string(), "participation_end".to_string())][5].parse().unwrap();
        assert_eq!(value(&ca, s, "gain"), point, "{s}");
    }
}

#[test]
fn results_are_byte_identical_at_one_and_two_threads_and_coherent() {
    let tmp = tempfile::tempdir().unwrap();
    let priors = format!(
        "backlash.rate = {{ dist = \"uniform\", lo = 0.02, hi = 0.1, source = \"test\" }}\n{SHARE} = {{ dist = \"triangular\", lo = 0.0, mode = 0.1, hi = 0.2, source = \"test\" }}"
    );
    let f = write(tmp.path(), &scenario(&priors));
    let dirs: Vec<_> = ["t1", "t2"].iter().map(|d| tmp.path().join(d)).collect();
    for (d, t) in dirs.iter().zip(["1", "2"]) {
        run(tmp.path(), &["compare", &f, "--draws", "12", "--design", "lhs", "--threads", t, "--no-plots", "--out", d.to_str().unwrap()]);
    }
    for file in ["runs.csv", "timeseries.csv", "comparison.csv", "discovery.csv", "acceptability.csv", "draws.csv", "scenario.toml"] {
        assert_eq!(std::fs::read(dirs[0].join(file)).unwrap(), std::fs::read(dirs[1].join(file)).unwrap(), "{file}");
    }
    let c = comparison(&dirs[0]);
    let names = ["baseline", "fixed", "varied"];
    let p_best: f64 = names.iter().map(|s| value(&c, s, "p_best")).sum();
    assert!((p_best - 1.0).abs() < 1e-9, "p_best sums to {p_best}");
    let per_dollar: f64 = names.iter().map(|s| value(&c, s, "p_best_per_dollar")).sum();
    assert!((per_dollar - 1.0).abs() < 1e-9, "p_best_per_dollar sums to {per_dollar}");
    for s in names {
        assert!(value(&c, s, "regret_mean") >= 0.0 && value(&c, s, "regret_p90") >= 0.0, "{s}");
    }
    // The written scenario reads back with its priors.
    let back = dirs[0].join("scenario.toml");
    let (code, out, err) = normshift(
        tmp.path(),
        &[
            "compare",
            back.to_str().unwrap(),
            "--draws",
            "12",
            "--design",
            "lhs",
            "--no-plots",
            "--out",
            tmp.path().join("again").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("12 draws of 2 uncertain parameters"), "{out}");
    assert_eq!(std::fs::read(dirs[0].join("comparison.csv")).unwrap(), std::fs::read(tmp.path().join("again/comparison.csv")).unwrap());
}

/// `varied` equals `fixed` at a share of 0.1 (same intervention, same
/// people, same random numbers) and reaches more or fewer champions on
/// either side, so the two cross at 0.1. PRIM's box on the share must put
/// its edge within 0.03 of 0.1 (draws are 0.003 apart on average; the rest
/// is noise in the runs near the crossing).
#[test]
fn prim_finds_where_two_strategies_cross() {
    let tmp = tempfile::tempdir().unwrap();
    let priors = format!(
        "{SHARE} = {{ dist = \"uniform\", lo = 0.0, hi = 0.2, source = \"test\" }}\nbacklash.rate = {{ dist = \"uniform\", lo = 0.04, hi = 0.06, source = \"test\" }}"
    );
    let f = write(tmp.path(), &scenario(&priors));
    let out = tmp.path().join("x");
    let stdout = run(tmp.path(), &["compare", &f, "--draws", "64", "--no-plots", "--out", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(out.join("discovery.csv")).unwrap();
    let boxes: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split(',').collect::<Vec<_>>()).filter(|c| c[2] == "box").collect();
    assert_eq!(boxes.len(), 1, "one restriction expected, on the share:\n{text}\n{stdout}");
    let b = &boxes[0];
    assert_eq!(b[3], SHARE, "{text}");
    // The box is below or above the crossing, depending on which is top.
    let edge: f64 = if b[0] == "fixed" { b[4].parse().unwrap() } else { b[5].parse().unwrap() };
    assert!((edge - 0.1).abs() < 0.03, "edge {edge}:\n{text}\n{stdout}");
    let density: f64 = b[8].parse().unwrap();
    assert!(density > 0.8, "{text}");
    // The share moves the difference far more than the backlash rate.
    let index = |k: &str| -> f64 {
        text.lines().map(|l| l.split(',').collect::<Vec<_>>()).find(|c| c[2] == "first_order" && c[3] == k).unwrap()[6].parse().unwrap()
    };
    assert!(index(SHARE) > 0.5 && index("backlash.rate") < 0.2, "{text}");
    assert!(stdout.contains("What changes the answer:") && stdout.contains(&format!("where {SHARE} is")), "{stdout}");
}

#[test]
fn bad_priors_are_refused_with_located_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("backlash.rte = { dist = \"uniform\", lo = 0.0, hi = 0.1, source = \"x\" }", "did you mean `rate`?"),
        ("backlash.rate = { dist = \"unifrom\", lo = 0.0, hi = 0.1, source = \"x\" }", "did you mean `uniform`?"),
        ("backlash.rate = { dist = \"uniform\", lo = 0.0, hi = 1.5, source = \"x\" }", "reaches 1.5"),
        ("backlash.rate = { dist = \"weibull\", lo = 0.0, source = \"x\" }", "unknown distribution `weibull`"),
        ("backlash.rate = { dist = \"normal\", mean = 0.05, sd = -1, source = \"x\" }", "negative"),
        ("backlash.rate = { dist = \"uniform\", lo = 0.0, hi = 0.1 }", "source"),
    ];
    let line = scenario("").lines().count();
    for (prior, needle) in cases {
        let f = write(tmp.path(), &scenario(prior));
        let never = tmp.path().join("never");
        let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--draws", "4", "--no-plots", "--out", never.to_str().unwrap()]);
        assert_eq!(code, 2, "{prior}: {err}");
        assert!(err.contains(needle), "{prior}: {err}");
        assert!(err.contains(&format!("unc.toml:{line}:")), "{prior}: no file:line in {err}");
        assert!(err.contains("`uncertain.backlash."), "{prior}: {err}");
        assert!(!never.exists(), "{prior}: wrote output");
    }
    // --draws without priors, an impossible --budget with them, a bad --set on a prior.
    let f = write(tmp.path(), &scenario(""));
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--draws", "4", "--no-plots"]);
    assert!(code == 2 && err.contains("declares no priors"), "{err}");
    let f = write(tmp.path(), &scenario("backlash.rate = { dist = \"uniform\", lo = 0.0, hi = 0.1, source = \"x\" }"));
    // A budget the programmes cannot be given is refused before the folder is touched.
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--budget", "1000", "--no-plots"]);
    assert!(code == 2 && err.contains("--budget 1000: at the point values") && err.contains("per-month costs alone"), "{err}");
    assert!(!tmp.path().join("results").exists(), "wrote output before refusing --budget");
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--set", "uncertain.backlash.rate.hi=2", "--no-plots"]);
    assert!(code == 2 && err.contains("--set uncertain.backlash.rate.hi=2") && err.contains("reaches 2"), "{err}");
    // A --set on the key fixes it: no priors left to draw.
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--set", "backlash.rate=0.07", "--draws", "4", "--no-plots"]);
    assert!(code == 2 && err.contains("fixed by --set"), "{err}");
}

/// Every file a complete comparison over priors writes from its journal.
const OUTPUTS: [&str; 12] = [
    "runs.csv",
    "timeseries.csv",
    "point.csv",
    "comparison.csv",
    "discovery.csv",
    "acceptability.csv",
    "draws.csv",
    "scenario.toml",
    "journal.csv",
    "village_agents.csv",
    "village_ties.csv",
    "village_states.csv",
];

fn two_priors() -> String {
    format!(
        "backlash.rate = {{ dist = \"uniform\", lo = 0.02, hi = 0.1, source = \"test\" }}\n{SHARE} = {{ dist = \"uniform\", lo = 0.0, hi = 0.2, source = \"test\" }}"
    )
}

fn same_outputs(a: &Path, b: &Path) {
    for f in OUTPUTS {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(x.is_ok(), "{}: {f} missing", a.display());
        assert!(x.unwrap() == y.unwrap_or_default(), "{f} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn killed_at_any_moment_and_resumed_equals_uninterrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), &scenario(&two_priors()));
    let args = |out: &str| -> Vec<String> {
        ["compare", &f, "--draws", "8", "--no-plots", "--threads", "1", "--out", out].iter().map(|s| s.to_string()).collect()
    };
    let whole = tmp.path().join("whole");
    let a = args("whole");
    run(tmp.path(), &a.iter().map(String::as_str).collect::<Vec<_>>());
    // 8 draws x 2 replicates + 4 at the point values, x 3 strategies; the
    // journal has a row per run and per month of each draw's run.
    for (k, rows_before_kill) in [0usize, 40, 400, 1300].iter().enumerate() {
        let out = format!("killed{k}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_normshift"))
            .current_dir(tmp.path())
            .args(args(&out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let journal = tmp.path().join(&out).join("journal.csv");
        let t0 = Instant::now();
        loop {
            let n = std::fs::read_to_string(&journal).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0);
            if n >= *rows_before_kill || t0.elapsed() > Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().ok();
        child.wait().unwrap();
        let mut again = args(&out);
        again.push("--resume".into());
        run(tmp.path(), &again.iter().map(String::as_str).collect::<Vec<_>>());
        same_outputs(&whole, &tmp.path().join(&out));
    }
    // A finished job is not resumed by another design, nor overwritten
    // silently while unfinished.
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--draws", "4", "--no-plots", "--out", "whole", "--resume"]);
    assert!(code == 2 && err.contains("holds another comparison"), "{err}");
    let (code, _, err) = normshift(tmp.path(), &["compare", &f, "--no-uncertainty", "--resume", "--no-plots"]);
    assert!(code == 2 && err.contains("--resume"), "{err}");
}

#[test]
fn shards_merged_equal_the_whole_and_one_and_two_threads_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), &scenario(&two_priors()));
    let base = ["compare", f.as_str(), "--draws", "6", "--design", "lhs"];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let go = |extra: &[&str]| run(tmp.path(), &with(extra).iter().map(String::as_str).collect::<Vec<_>>());
    go(&["--threads", "1", "--out", "whole"]);
    go(&["--threads", "2", "--out", "two"]);
    same_outputs(&tmp.path().join("whole"), &tmp.path().join("two"));
    for i in 0..3 {
        let stdout = go(&["--no-plots", "--shard", &format!("{i}/3"), "--out", &format!("s{i}")]);
        assert!(stdout.contains(&format!("shard {i}/3")), "{stdout}");
    }
    let (code, _, err) = normshift(tmp.path(), &["merge", "s0", "s2", "--out", "partial"]);
    assert!(code == 2 && err.contains("missing"), "{err}");
    assert!(!tmp.path().join("partial").exists());
    let stdout = run(tmp.path(), &["merge", "s0", "s1", "s2", "--out", "merged"]);
    assert!(stdout.contains("What changes the answer") || stdout.contains("p_best") || stdout.contains("best$"), "{stdout}");
    same_outputs(&tmp.path().join("whole"), &tmp.path().join("merged"));
    // The figures and the report's section, in the whole and the merged folder.
    for dir in ["whole", "merged"] {
        let d = tmp.path().join(dir);
        for fig in ["gains_across_draws", "chances", "winner_map", "acceptability"] {
            let png = std::fs::read(d.join(format!("figures/{fig}.png"))).unwrap_or_else(|e| panic!("{dir}/{fig}.png: {e}"));
            assert_eq!(&png[1..4], b"PNG");
            assert!(std::fs::read_to_string(d.join(format!("figures/{fig}.svg"))).unwrap().contains("<svg"));
        }
        let html = std::fs::read_to_string(d.join("report.html")).unwrap();
        assert!(
            html.contains("When the assumptions are uncertain") && html.contains("Probability best") && html.contains("Regret"),
            "{dir}"
        );
        // The header counts draws, not replicates (runs.csv numbers each draw's run as a replicate).
        let facts = &html[html.find("<dl class=\"facts\">").unwrap()..html.find("</dl>").unwrap()];
        assert!(
            facts.contains("<dt>Draws of the uncertain values</dt><dd>6 (2 replicates each)</dd>") && !facts.contains("<dt>Replicates"),
            "{facts}"
        );
        assert!(html.contains("Means over 12 runs (6 draws of the uncertain values, 2 replicates each)"), "{dir}");
        assert!(html.contains("pools every draw of the uncertain values as if they were replicates"), "{dir}");
        let c = comparison(&d);
        for s in ["fixed", "varied"] {
            let p = &c[&(s.to_string(), "p_best".to_string())][2];
            assert!(html.contains(&format!("data-strategy=\"{s}\" data-p-best=\"{p}\"")), "{dir}: {s}'s p_best {p} not in the report");
        }
    }
    // `plot` redraws the same report from the folder.
    let before = std::fs::read(tmp.path().join("whole/report.html")).unwrap();
    run(tmp.path(), &["plot", "whole"]);
    assert_eq!(std::fs::read(tmp.path().join("whole/report.html")).unwrap(), before);
}

#[test]
fn sweep_points_carry_the_paired_gain_and_the_winner() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write(tmp.path(), &scenario(""));
    run(tmp.path(), &["sweep", &f, "--vary", "backlash.rate=[0.02,0.1]", "--reps", "3", "--out", "sw"]);
    let points = std::fs::read_to_string(tmp.path().join("sw/points.csv")).unwrap();
    let runs = std::fs::read_to_string(tmp.path().join("sw/runs.csv")).unwrap();
    let head: Vec<&str> = points.lines().next().unwrap().split(',').collect();
    let col = |h: &[&str], n: &str| h.iter().position(|c| *c == n).unwrap_or_else(|| panic!("no column {n}"));
    let rh: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    // participation_end per (point, strategy, replicate) from runs.csv.
    let mut end: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for l in runs.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        end.insert((c[1].into(), c[2].into(), c[3].into()), c[col(&rh, "participation_end")].parse().unwrap());
    }
    for l in points.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        let (p, s) = (c[0].to_string(), c[1].to_string());
        let want: f64 =
            (0..3).map(|r| end[&(p.clone(), s.clone(), r.to_string())] - end[&(p.clone(), "baseline".into(), r.to_string())]).sum::<f64>()
                / 3.0;
        let got: f64 = c[col(&head, "gain_mean")].parse().unwrap();
        assert!((got - want).abs() < 2e-6, "point {p} {s}: gain {got}, runs.csv gives {want}");
        let lo: f64 = c[col(&head, "gain_p05")].parse().unwrap();
        let hi: f64 = c[col(&head, "gain_p95")].parse().unwrap();
        assert!(lo <= got + 1e-9 && got <= hi + 1e-9, "{l}");
        // The winner has the highest mean participation at the point.
        let mean = |s: &str| (0..3).map(|r| end[&(p.clone(), s.to_string(), r.to_string())]).sum::<f64>() / 3.0;
        let winner = c[col(&head, "winner")];
        for other in ["baseline", "fixed", "varied"] {
            assert!(mean(winner) >= mean(other) - 2e-6, "point {p}: winner {winner} below {other}");
        }
    }
}
