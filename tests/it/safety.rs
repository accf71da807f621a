//! Output-folder safety through the real binary: names cannot lead files
//! outside the output folder; a folder holding another job's results (or
//! foreign files) is refused unless `--force`; `run` and `compare` replace
//! their folder whole (no stale file, nothing left by a kill); unwritable
//! `--out` and oversized requests are refused before anything runs; SIGTERM
//! stops every command promptly; `merge` never writes into its inputs; and
//! `compare --budget` leaves a folder that re-runs to the same numbers.
//! Also: a sweep row re-runs alone from its seed (`run --run-seed`); huge
//! numbers are refused with their key and range; long values are not
//! echoed whole; pipes and devices are refused as input files; `check`
//! stops on a signal; a manifest never stays `running`; stale staging
//! folders are removed; `plot --out` follows the folder rules; a comment
//! beside a rescaled value says what the file had.

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

/// `path`'s manifest.json.
fn manifest(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path.join("manifest.json")).unwrap()).unwrap()
}

/// (header, rows) of a CSV file.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn a_sweep_row_reruns_alone_from_its_seed() {
    let tmp = setup();
    let d = tmp.path();
    let (code, _, err) = normshift(
        d,
        &["sweep", "small.toml", "--vary", "backlash.rate=[0.02,0.08]", "--strategies", "champions,orgs", "--reps", "3", "--out", "sw"],
    );
    assert_eq!(code, 0, "{err}");
    let (sh, srows) = table(&d.join("sw/runs.csv"));
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name).unwrap();
    // Rows of each point, strategy and a later replicate (whose seed is not
    // the master seed's first), each re-run alone from its own seed.
    let picked: Vec<&Vec<String>> = srows.iter().filter(|r| r[col(&sh, "replicate")] == "2").collect();
    assert_eq!(picked.len(), 4);
    for row in picked {
        let (rate, strategy, seed) = (&row[col(&sh, "backlash.rate")], &row[col(&sh, "strategy")], &row[col(&sh, "seed")]);
        let set = format!("backlash.rate={rate}");
        let out = format!("one-{strategy}-{rate}");
        let (code, _, err) =
            normshift(d, &["run", "small.toml", "--set", &set, "--strategy", strategy, "--run-seed", seed, "--no-plots", "--out", &out]);
        assert_eq!(code, 0, "{err}");
        let (rh, rrows) = table(&d.join(&out).join("runs.csv"));
        assert_eq!(rrows.len(), 1);
        let mut compared = 0;
        for (k, name) in rh.iter().enumerate() {
            if name == "run_id" || name == "replicate" {
                continue;
            }
            assert_eq!(&rrows[0][k], &row[col(&sh, name)], "column {name} of the sweep row {row:?}");
            compared += 1;
        }
        assert!(compared >= 15, "{rh:?}");
        assert_eq!(manifest(&d.join(&out))["run_seed"].as_u64(), seed.parse::<u64>().ok());
    }
    // Seeds beyond 2^63 - 1, as sweeps print them, are taken.
    let (code, _, err) = normshift(d, &["run", "small.toml", "--run-seed", "16243953198139721037", "--no-plots", "--out", "big"]);
    assert_eq!(code, 0, "{err}");
    let (rh, rrows) = table(&d.join("big/runs.csv"));
    assert!(rrows.iter().all(|r| r[col(&rh, "seed")] == "16243953198139721037"));
    // --run-seed is one replicate of a chosen seed: --seed and --reps are refused with it.
    assert_eq!(normshift(d, &["run", "small.toml", "--run-seed", "5", "--seed", "6", "--out", "x"]).0, 2);
}

#[test]
fn huge_numbers_in_a_scenario_are_refused_with_their_key_and_range() {
    let tmp = setup();
    let d = tmp.path();
    let cases = [
        (
            "replicates = 2",
            "replicates = 9223372036854775808",
            "bad.toml:5:14: `replicates`: 9223372036854775808 is too large; allowed: a whole number from 0 to 4294967295",
        ),
        (
            "per_person = 200,",
            "per_person = 18446744073709551615,",
            "`strategies.1.interventions.0.cost.per_person`: 18446744073709551615 is too large; allowed: 0 to 1000000000000",
        ),
        (
            "per_month = 800",
            "per_month = 1e300",
            "`strategies.2.interventions.0.cost`: per_month: 1e300 is out of range; allowed: 0 to 1000000000000",
        ),
    ];
    for (from, to, want) in cases {
        std::fs::write(d.join("bad.toml"), SMALL.replace(from, to)).unwrap();
        let (code, _, err) = normshift(d, &["check", "bad.toml"]);
        assert_eq!(code, 2, "{to}: {err}");
        assert!(err.contains(want), "{to}: {err}");
        assert!(err.contains("bad.toml:"), "located: {err}");
    }
    std::fs::write(d.join("seed.toml"), SMALL.replace("seed = 3", "seed = 9223372036854775808")).unwrap();
    let (code, out, err) = normshift(d, &["check", "seed.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("seed = \"9223372036854775808\""), "{out}");
    let (code, _, err) = normshift(d, &["compare", "small.toml", "--budget", "1e300", "--out", "b"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at most 1000000000000000"), "{err}");
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let tmp = setup();
    let d = tmp.path();
    let long = format!("name={}", "x".repeat(100_000));
    for args in [vec!["check", "small.toml", "--set", &long], vec!["run", "--strategy", &long[5..], "--out", "o"]] {
        let (code, _, err) = normshift(d, &args);
        assert_eq!(code, 2, "{err}");
        assert!(err.len() < 1000 && err.contains("characters in all"), "{} bytes: {}", err.len(), &err[..err.len().min(400)]);
    }
}

#[test]
fn a_pipe_or_device_is_refused_as_an_input_file() {
    let tmp = setup();
    let d = tmp.path();
    if Command::new("mkfifo").arg(d.join("fifo")).status().map(|s| !s.success()).unwrap_or(true) {
        eprintln!("skipped: no mkfifo");
        return;
    }
    std::fs::write(d.join("edges.csv"), "source,target\na,b\n").unwrap();
    std::fs::write(d.join("nodes.csv"), "id,gender\na,woman\nb,man\n").unwrap();
    let net = "name = \"net\"\nsteps = 12\n[network]\nkind = \"file\"\nnodes = \"NODES\"\nedges = \"EDGES\"\n[[strategies]]\nname = \"baseline\"\n";
    std::fs::write(d.join("net_nodes.toml"), net.replace("NODES", "fifo").replace("EDGES", "edges.csv")).unwrap();
    std::fs::write(d.join("net_edges.toml"), net.replace("NODES", "nodes.csv").replace("EDGES", "fifo")).unwrap();
    std::fs::write(d.join("net_zero.toml"), net.replace("NODES", "/dev/zero").replace("EDGES", "edges.csv")).unwrap();
    for (file, key) in
        [("fifo", ""), ("net_nodes.toml", "network.nodes"), ("net_edges.toml", "network.edges"), ("net_zero.toml", "network.nodes")]
    {
        let t0 = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_normshift"))
            .current_dir(d)
            .args(["check", file])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().ok();
            child.wait().ok();
            panic!("check {file} hung");
        }
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains("is not a regular file") && err.contains(key), "{file}: {err}");
    }
}

#[test]
fn check_stops_on_a_signal_even_when_started_with_it_ignored() {
    let tmp = setup();
    let d = tmp.path();
    // A network big enough that checking it takes a while.
    let mut nodes = String::from("id,gender\n");
    let mut edges = String::from("source,target\n");
    let n = 600_000;
    for i in 0..n {
        nodes.push_str(&format!("{i},{}\n", if i % 2 == 0 { "woman" } else { "man" }));
        edges.push_str(&format!("{i},{}\n", (i + 1) % n));
        edges.push_str(&format!("{i},{}\n", (i * 7 + 3) % n));
    }
    std::fs::write(d.join("nodes.csv"), nodes).unwrap();
    std::fs::write(d.join("edges.csv"), edges).unwrap();
    std::fs::write(
        d.join("net.toml"),
        "name = \"net\"\nsteps = 12\n[network]\nkind = \"file\"\nnodes = \"nodes.csv\"\nedges = \"edges.csv\"\n[[strategies]]\nname = \"baseline\"\n",
    )
    .unwrap();
    let t0 = Instant::now();
    assert_eq!(normshift(d, &["check", "net.toml"]).0, 0);
    let whole = t0.elapsed();
    if whole < Duration::from_millis(800) {
        eprintln!("skipped: checking took only {whole:?}, too short to interrupt");
        return;
    }
    for signal in ["INT", "TERM"] {
        // As a shell starts a background job: SIGINT and SIGTERM ignored.
        let script = format!("trap '' INT TERM; exec '{}' check net.toml", env!("CARGO_BIN_EXE_normshift"));
        let mut child =
            Command::new("sh").current_dir(d).args(["-c", &script]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep((whole / 4).min(Duration::from_millis(1500)));
        if child.try_wait().unwrap().is_some() {
            eprintln!("skipped SIG{signal}: check finished before the signal could be sent");
            continue;
        }
        let t1 = Instant::now();
        if Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().is_err() {
            child.kill().ok();
            child.wait().ok();
            return;
        }
        let code = child.wait().unwrap().code();
        assert_eq!(code, Some(130), "check after SIG{signal} (a whole check takes {whole:?})");
        assert!(t1.elapsed() < Duration::from_secs(2), "check took {:?} to stop", t1.elapsed());
    }
}

#[test]
fn a_second_signal_or_a_write_error_never_leaves_the_manifest_running() {
    let tmp = setup();
    let d = tmp.path();
    // A second Ctrl-C right after the first: exit at once, manifest interrupted.
    let mut child = spawn(d, &["sweep", "small.toml", "--vary", "backlash.rate=0:0.1:2", "--set", "steps=20000", "--out", "sw"]);
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    let Ok(status) = Command::new("sh").args(["-c", &format!("kill -INT {pid}; kill -INT {pid}")]).status() else {
        child.kill().ok();
        child.wait().ok();
        return;
    };
    assert!(status.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_eq!(manifest(&d.join("sw"))["status"], "interrupted");
    // A write error (here: a file size limit, as a full disk gives):
    // the message names the file and the manifest says failed.
    let script = format!(
        "trap '' XFSZ; ulimit -f 16 && exec '{}' sweep small.toml --vary backlash.rate=0:0.1:40 --out sw2",
        env!("CARGO_BIN_EXE_normshift")
    );
    let o = Command::new("sh").current_dir(d).args(["-c", &script]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("runs.csv"), "the file is named: {err}");
    assert_eq!(manifest(&d.join("sw2"))["status"], "failed", "{err}");
}

#[test]
fn a_killed_runs_staging_folder_is_removed_by_a_later_run_beside_it() {
    let tmp = setup();
    let d = tmp.path();
    let mut child = spawn(d, &["run", "small.toml", "--set", "steps=20000", "--no-plots", "--out", "res/a"]);
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let staging = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d.join("res")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
    };
    assert!(staging(d).iter().any(|n| n.starts_with(".a.staging-")), "{:?}", staging(d));
    std::fs::create_dir_all(d.join("res/.keep.backup-1")).unwrap();
    // Another folder beside it: the dead process's staging folder goes, nothing else.
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "res/b"]).0, 0);
    let mut left = staging(d);
    left.sort();
    assert_eq!(left, vec![".keep.backup-1".to_string(), "b".to_string()]);
}

#[test]
fn plot_out_follows_the_folder_rules() {
    let tmp = setup();
    let d = tmp.path();
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "res"]).0, 0);
    assert_eq!(normshift(d, &["run", "small.toml", "--no-plots", "--out", "other", "--seed", "9"]).0, 0);
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/notes.txt"), "my notes").unwrap();
    let other_before = files(&d.join("other"));
    for (out, why) in [("other", "holds the results"), ("mine", "holds more than figures"), ("res", "being drawn"), (".", "being drawn")] {
        let (code, _, err) = normshift(d, &["plot", "res", "--out", out, "--formats", "png", "--no-report"]);
        assert_eq!(code, 2, "{out}: {err}");
        assert!(err.contains(why), "{out}: {err}");
    }
    let (code, _, err) = normshift(d, &["plot", "res", "--out", "res", "--force", "--formats", "png", "--no-report"]);
    assert_eq!(code, 2, "the folder drawn is never replaced: {err}");
    assert_eq!(files(&d.join("other")), other_before);
    assert_eq!(std::fs::read_to_string(d.join("mine/notes.txt")).unwrap(), "my notes");
    // A figures folder is replaced whole: no stale figure survives.
    std::fs::create_dir(d.join("figs")).unwrap();
    std::fs::write(d.join("figs/stale.png"), "old").unwrap();
    let (code, _, err) = normshift(d, &["plot", "res", "--out", "figs", "--formats", "png", "--no-report"]);
    assert_eq!(code, 0, "{err}");
    let figs = files(&d.join("figs"));
    assert!(!figs.contains(&"stale.png".to_string()) && figs.iter().all(|f| f.ends_with(".png")) && !figs.is_empty(), "{figs:?}");
    let (code, _, err) = normshift(d, &["plot", "res", "--out", "mine", "--force", "--formats", "png", "--no-report"]);
    assert_eq!(code, 0, "{err}");
    assert!(!d.join("mine/notes.txt").exists());
}

#[test]
fn a_budget_run_notes_each_changed_value_beside_its_comment() {
    let tmp = setup();
    let d = tmp.path();
    let text = SMALL.replace("count = 7 }", "count = 7 }   # seven women's groups [assumption]");
    std::fs::write(d.join("commented.toml"), &text).unwrap();
    let (code, _, err) = normshift(d, &["compare", "commented.toml", "--budget", "12000", "--no-plots", "--out", "budget"]);
    assert_eq!(code, 0, "{err}");
    let saved = std::fs::read_to_string(d.join("budget/scenario.toml")).unwrap();
    let line = saved.lines().find(|l| l.contains("seven women's groups")).unwrap_or_default();
    assert!(line.contains("[the file said {") && line.contains("count = 7") && line.contains("changed for this run"), "{line}");
    assert!(!line.starts_with("target = { group = \"women\", selection = \"inclusive\", count = 7 }"), "{line}");
}
