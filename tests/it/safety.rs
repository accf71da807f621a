//! Output-folder safety through the real binary: names cannot lead files
//! outside the output folder; a folder holding another job's results (or
//! foreign files) is refused unless `--force`; `run` and `compare` replace
//! their folder whole (no stale file, nothing left by a kill); unwritable
//! `--out` and oversized requests are refused before anything runs; SIGTERM
//! stops every command promptly; `merge` never writes into its inputs; and
//! `compare --budget` leaves a folder that re-runs to the same numbers.

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A small scenario: two villages, a year, two replicates.
const SMALL: &str = r#"
name = "small"
steps = 12
seed = 3
replicates = 2
[population]
villages = 2
households_per_village = 60
[initial]
burn_in = 12
[[strategies]]
name = "baseline"
[[strategies]]
name = "champions"
[[strategies.interventions]]
kind = "male_champions"
target = { group = "men", selection = "central", share = 0.1 }
cost = { per_person = 200, per_month = 300 }
[[strategies]]
name = "orgs"
[[strategies.interventions]]
kind = "womens_organisations"
target = { group = "women", selection = "inclusive", count = 7 }
cost = { per_person = 50, per_month = 800 }
"#;

use crate::common::normshift;

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_normshift")).current_dir(dir).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// A temporary folder with `small.toml` in it.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    dir
}

/// Every file under `dir`, as sorted relative paths.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[test]
fn names_cannot_lead_outside_the_output_folder() {
    let tmp = setup();
    let work = tmp.path().join("a/b");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::copy(tmp.path().join("small.toml"), work.join("small.toml")).unwrap();
    let before = files(tmp.path());
    let abs = tmp.path().join("abs").display().to_string();
    let cases: Vec<(String, Vec<String>)> = vec![
        ("traversal in the file".into(), vec!["run".into(), "evil.toml".into()]),
        ("--set name".into(), vec!["run".into(), "small.toml".into(), "--set".into(), "name=\"../../victim\"".into()]),
        ("absolute name".into(), vec!["run".into(), "small.toml".into(), "--set".into(), format!("name=\"{abs}\"")]),
        ("strategy with /".into(), vec!["compare".into(), "evil_strategy.toml".into()]),
        ("sweep".into(), vec!["sweep".into(), "evil.toml".into(), "--vary".into(), "backlash.rate=0:0.1:2".into()]),
        (
            "sweep shard".into(),
            vec!["sweep".into(), "evil.toml".into(), "--vary".into(), "backlash.rate=0:0.1:2".into(), "--shard".into(), "0/2".into()],
        ),
        (
            "sensitivity".into(),
            vec!["sensitivity".into(), "evil.toml".into(), "--vary".into(), "backlash.rate=0:0.1".into(), "--samples".into(), "4".into()],
        ),
        ("check".into(), vec!["check".into(), "evil.toml".into()]),
    ];
    std::fs::write(work.join("evil.toml"), SMALL.replace("name = \"small\"", "name = \"../../victim\"")).unwrap();
    std::fs::write(work.join("evil_strategy.toml"), SMALL.replace("name = \"orgs\"", "name = \"../../../orgs\"")).unwrap();
    let before_work = files(&work);
    for (what, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = normshift(&work, &args);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.contains("a name has 1 to 64 characters"), "{what}: {err}");
    }
    assert_eq!(files(&work), before_work, "nothing written beside the scenario");
    let mut after = files(tmp.path());
    after.retain(|f| !f.ends_with("evil.toml") && !f.ends_with("evil_strategy.toml"));
    assert_eq!(after, before, "nothing written anywhere");
    assert!(!tmp.path().join("victim").exists() && !tmp.path().join("abs").exists());
}

#[test]
fn another_jobs_folder_or_a_foreign_one_is_refused_unless_forced() {
    let tmp = setup();
    let d = tmp.path();
    let sweep = ["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--reps", "1", "--out", "sw"];
    let (code, _, err) = normshift(d, &sweep);
    assert_eq!(code, 0, "{err}");
    let runs = std::fs::read(d.join("sw/runs.csv")).unwrap();
    let listing = files(&d.join("sw"));
    for cmd in ["run", "compare"] {
        let (code, _, err) = normshift(d, &[cmd, "small.toml", "--no-plots", "--out", "sw"]);
        assert_eq!(code, 2, "{cmd} into a sweep: {err}");
        assert!(err.contains("another job") && err.contains("--force"), "{err}");
    }
    let (code, _, err) = normshift(d, &["sensitivity", "small.toml", "--vary", "backlash.rate=0:0.1", "--samples", "2", "--out", "sw"]);
    assert_eq!(code, 2, "sensitivity into a sweep: {err}");
    assert_eq!(std::fs::read(d.join("sw/runs.csv")).unwrap(), runs, "the sweep's rows are untouched");
    assert_eq!(files(&d.join("sw")), listing);

    // A folder of someone's own files.
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/notes.txt"), "keep me").unwrap();
    for args in [
        vec!["run", "small.toml", "--no-plots", "--out", "mine"],
        vec!["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--out", "mine"],
    ] {
        let (code, _, err) = normshift(d, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("not a normshift results folder"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(d.join("mine/notes.txt")).unwrap(), "keep me");

    // --force replaces the folder whole: nothing of the sweep is left.
    let (code, _, err) = normshift(d, &["run", "small.toml", "--no-plots", "--out", "sw", "--force"]);
    assert_eq!(code, 0, "{err}");
    let now = files(&d.join("sw"));
    assert!(!now.iter().any(|f| f == "design.csv" || f == "points.csv"), "{now:?}");
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join("sw/manifest.json")).unwrap()).unwrap();
    assert_eq!((m["command"].as_str(), m["status"].as_str(), m["scenario_name"].as_str()), (Some("run"), Some("complete"), Some("small")));
    // An empty folder is fine; the current folder is never deleted by --force.
    std::fs::create_dir(d.join("empty")).unwrap();
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "empty"]).0, 0);
    let (code, _, err) = normshift(d, &["run", "small.toml", "--no-plots", "--out", ".", "--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(d.join("small.toml").exists());
}

#[test]
fn run_and_compare_replace_their_folder_whole() {
    let tmp = setup();
    let d = tmp.path();
    let (code, _, err) = normshift(d, &["compare", "small.toml", "--reps", "2", "--out", "res"]);
    assert_eq!(code, 0, "{err}");
    let with_plots = files(&d.join("res"));
    assert!(with_plots.iter().any(|f| f == "report.html") && with_plots.iter().any(|f| f == "comparison.csv"), "{with_plots:?}");
    assert!(with_plots.iter().any(|f| f.ends_with("village_orgs.gif")), "{with_plots:?}");
    // A later run of two strategies without plots: no comparison, report,
    // figure or GIF of the earlier compare survives.
    let (code, _, err) = normshift(d, &["run", "small.toml", "--strategy", "baseline,champions", "--no-plots", "--out", "res"]);
    assert_eq!(code, 0, "{err}");
    let now = files(&d.join("res"));
    assert!(!now.iter().any(|f| f.starts_with("figures") || f == "report.html" || f == "comparison.csv"), "stale files: {now:?}");
    let runs = std::fs::read_to_string(d.join("res/runs.csv")).unwrap();
    assert!(!runs.contains(",orgs,"), "{runs}");
    // No staging folder is left beside it.
    let siblings: Vec<String> = std::fs::read_dir(d).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(!siblings.iter().any(|n| n.contains("staging") || n.contains(".old-")), "{siblings:?}");
}

#[test]
fn a_killed_or_stopped_run_leaves_the_folder_as_it_was() {
    let tmp = setup();
    let d = tmp.path();
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "res", "--seed", "1"]).0, 0);
    let before: Vec<(String, Vec<u8>)> =
        files(&d.join("res")).into_iter().map(|f| (f.clone(), std::fs::read(d.join("res").join(&f)).unwrap())).collect();
    let long = ["--set", "steps=20000", "--reps", "4", "--no-plots", "--out", "res", "--seed", "2"];
    for (cmd, signal) in [("run", "KILL"), ("run", "TERM"), ("compare", "TERM"), ("compare", "INT")] {
        let mut args = vec![cmd, "small.toml"];
        args.extend(long);
        let mut child = spawn(d, &args);
        std::thread::sleep(Duration::from_millis(1500));
        let t0 = Instant::now();
        if signal == "KILL" {
            child.kill().unwrap();
            child.wait().unwrap();
        } else {
            let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
            if status.is_err() {
                child.kill().ok();
                child.wait().ok();
                eprintln!("skipped: no `kill` command");
                return;
            }
            let code = child.wait().unwrap().code();
            assert_eq!(code, Some(130), "{cmd} after SIG{signal}");
            assert!(t0.elapsed() < Duration::from_secs(3), "{cmd} took {:?} to stop after SIG{signal}", t0.elapsed());
        }
        let after: Vec<(String, Vec<u8>)> =
            files(&d.join("res")).into_iter().map(|f| (f.clone(), std::fs::read(d.join("res").join(&f)).unwrap())).collect();
        assert!(after == before, "{cmd} killed by SIG{signal} changed the folder");
    }
    // The staging folder of the SIGKILLed run is swept away by the next run.
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "res"]).0, 0);
    let siblings: Vec<String> = std::fs::read_dir(d).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert!(!siblings.iter().any(|n| n.contains("staging")), "{siblings:?}");
}

#[test]
fn sigterm_stops_sweep_and_sensitivity_within_seconds() {
    let tmp = setup();
    let d = tmp.path();
    let jobs: [&[&str]; 2] = [
        &["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--set", "steps=20000", "--out", "sw"],
        &["sensitivity", "small.toml", "--vary", "backlash.rate=0:0.1", "--samples", "2", "--set", "steps=20000", "--out", "se"],
    ];
    for args in jobs {
        let child = spawn(d, args);
        std::thread::sleep(Duration::from_millis(1500));
        let t0 = Instant::now();
        let Some(code) = common::terminate(child) else { return };
        assert_eq!(code, Some(130), "{args:?}");
        assert!(t0.elapsed() < Duration::from_secs(3), "{:?} took {:?} to stop", args[0], t0.elapsed());
        let out = d.join(args[args.len() - 1]);
        let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["status"].as_str(), Some("interrupted"), "{}", args[0]);
    }
}

#[test]
fn unwritable_output_and_oversized_requests_are_refused_before_running() {
    let tmp = setup();
    let d = tmp.path();
    std::fs::write(d.join("a_file"), "x").unwrap();
    let huge = "backlash.rate=0:0.2:100000000";
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "small.toml", "--out", "a_file/out"],
        vec!["run", "small.toml", "--out", "a_file"],
        vec!["compare", "small.toml", "--out", "/dev/null"],
        vec!["run", "small.toml", "--out", "/dev/null/x"],
        vec!["run", "small.toml", "--out", "/proc/normshift"],
        vec!["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--out", "a_file/sw"],
        vec!["sweep", "small.toml", "--design", "lhs", "--samples", "4294967295", "--vary", "backlash.rate=0:0.2"],
        vec!["sweep", "small.toml", "--design", "sobol", "--samples", "4294967295", "--vary", "backlash.rate=0:0.2"],
        vec!["sweep", "small.toml", "--vary", huge],
        vec!["sweep", "small.toml", "--vary", "backlash.rate=0:0.2:1000", "--vary", "rule.women.theta_mean=[1.9,2.3]", "--reps", "1000000"],
        vec!["sensitivity", "small.toml", "--vary", "backlash.rate=0:0.2", "--samples", "8", "--reps", "4294967295"],
        vec!["run", "small.toml", "--threads", "10000"],
        vec!["compare", "small.toml", "--reps", "4294967295"],
    ];
    for args in cases {
        let t0 = Instant::now();
        let (code, _, err) = normshift(d, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && !err.contains("panicked"), "{args:?}: {err}");
        assert!(t0.elapsed() < Duration::from_secs(5), "{args:?} took {:?}", t0.elapsed());
    }
    assert_eq!(files(d), vec!["a_file".to_string(), "small.toml".to_string()], "nothing was written");
}

#[test]
fn merge_never_writes_into_its_inputs() {
    let tmp = setup();
    let d = tmp.path();
    let base = ["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--reps", "1"];
    for (i, out) in ["s0", "s1"].iter().enumerate() {
        let shard = format!("{i}/2");
        let mut args = base.to_vec();
        args.extend(["--shard", &shard, "--out", out]);
        assert_eq!(normshift(d, &args).0, 0);
    }
    let s0 = std::fs::read(d.join("s0/runs.csv")).unwrap();
    for out in ["s0", "s1", "s0/merged", "."] {
        let (code, _, err) = normshift(d, &["merge", "s0", "s1", "--out", out]);
        assert_eq!(code, 2, "merge --out {out}: {err}");
        assert!(err.contains("shard folders"), "{err}");
    }
    assert_eq!(std::fs::read(d.join("s0/runs.csv")).unwrap(), s0);
    let (code, _, err) = normshift(d, &["merge", "s0", "s1", "--out", "merged"]);
    assert_eq!(code, 0, "{err}");
    // Merging again replaces its own merge; a foreign folder is refused.
    assert_eq!(normshift(d, &["merge", "s0", "s1", "--out", "merged"]).0, 0);
    std::fs::create_dir(d.join("other")).unwrap();
    std::fs::write(d.join("other/x.txt"), "x").unwrap();
    assert_eq!(normshift(d, &["merge", "s0", "s1", "--out", "other"]).0, 2);
}

#[test]
fn a_budget_comparison_is_saved_so_that_it_reruns_to_the_same_numbers() {
    let tmp = setup();
    let d = tmp.path();
    let (code, out, err) = normshift(d, &["compare", "small.toml", "--budget", "12000", "--no-plots", "--out", "budget"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("reach x"), "{out}");
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join("budget/manifest.json")).unwrap()).unwrap();
    let strategies = m["budget"]["strategies"].as_array().unwrap();
    assert_eq!(m["budget"]["amount"].as_f64(), Some(12000.0));
    assert_eq!(strategies.len(), 2);
    for s in strategies {
        let reach = s["reach"].as_f64().unwrap();
        assert!(reach.is_finite() && reach > 0.0 && (reach - 1.0).abs() > 1e-6, "{s}");
    }
    // The saved scenario holds the rescaled targets...
    let saved = std::fs::read_to_string(d.join("budget/scenario.toml")).unwrap();
    let sc = normshift::scenario::parse_scenario(&saved, "scenario.toml", &[]).unwrap();
    let orgs_count = sc.strategies[2].interventions[0].params.target().unwrap().count.unwrap();
    let orgs_reach = strategies[1]["reach"].as_f64().unwrap();
    assert_eq!(orgs_count, (7.0 * orgs_reach).round() as u32);
    // ...so comparing it again without --budget gives the same runs.
    let (code, _, err) = normshift(d, &["compare", "budget/scenario.toml", "--no-plots", "--out", "again"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(d.join("again/runs.csv")).unwrap(), std::fs::read_to_string(d.join("budget/runs.csv")).unwrap());
}
