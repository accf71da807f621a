//! `normshift sweep` and `merge` through the real binary: streaming rows,
//! resume after a kill at any moment equals an uninterrupted sweep, shards
//! merged equal the whole, and bad input is refused without overwriting.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small sweep: 6 points x 2 strategies x 2 replicates = 24 runs.
const ARGS: &[&str] = &[
    "sweep",
    "--vary",
    "backlash.rate=0.02:0.2:3",
    "--vary",
    "rule.women.theta_mean=[1.9,2.3]",
    "--reps",
    "2",
    "--strategies",
    "baseline,male_champions",
    "--set",
    "steps=12",
    "--set",
    "initial.burn_in=24",
    "--set",
    "population.villages=3",
    "--set",
    "population.households_per_village=80",
];

use crate::common::normshift;

fn sweep(dir: &Path, out: &str, extra: &[&str]) -> (i32, String, String) {
    let mut a: Vec<&str> = ARGS.to_vec();
    a.extend(["--out", out]);
    a.extend(extra);
    normshift(dir, &a)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn rows_stream_and_results_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = sweep(tmp.path(), "one", &["--threads", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("24 runs"), "{out}");
    let runs = read(&tmp.path().join("one/runs.csv"));
    assert_eq!(runs.lines().count(), 25);
    assert!(
        runs.lines()
            .next()
            .unwrap()
            .starts_with("run_id,point,strategy,replicate,seed,backlash.rate,rule.women.theta_mean,participation_final")
    );
    let ids: Vec<u64> = runs.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert_eq!(ids, (0..24).collect::<Vec<_>>(), "rows sorted by run id at the end");
    let points = read(&tmp.path().join("one/points.csv"));
    assert_eq!(points.lines().count(), 1 + 6 * 2);
    let (code, _, err) = sweep(tmp.path(), "two", &["--threads", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(runs, read(&tmp.path().join("two/runs.csv")));
    assert_eq!(points, read(&tmp.path().join("two/points.csv")));
    // Two varied keys: a heatmap per strategy, the same at any thread count.
    for s in ["baseline", "male_champions"] {
        let png = std::fs::read(tmp.path().join(format!("one/figures/sweep_{s}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert_eq!(png, std::fs::read(tmp.path().join(format!("two/figures/sweep_{s}.png"))).unwrap());
        assert!(read(&tmp.path().join(format!("one/figures/sweep_{s}.svg"))).contains("<svg"));
    }
    // --no-plots: the same tables, no figures.
    let (code, _, err) = sweep(tmp.path(), "bare", &["--no-plots"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(points, read(&tmp.path().join("bare/points.csv")));
    assert!(!tmp.path().join("bare/figures").exists());
}

#[test]
fn killed_at_any_moment_and_resumed_equals_uninterrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = sweep(tmp.path(), "whole", &[]);
    assert_eq!(code, 0, "{err}");
    let whole = read(&tmp.path().join("whole/runs.csv"));
    let whole_points = read(&tmp.path().join("whole/points.csv"));
    // Kill after 0, a few and many rows have been written (and once before
    // anything could be written at all).
    for (k, rows_before_kill) in [0usize, 3, 11, 19].iter().enumerate() {
        let out = format!("killed{k}");
        let mut a: Vec<&str> = ARGS.to_vec();
        a.extend(["--out", &out, "--threads", "1"]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_normshift"))
            .current_dir(tmp.path())
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let runs = tmp.path().join(&out).join("runs.csv");
        let t0 = Instant::now();
        loop {
            let n = std::fs::read_to_string(&runs).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0);
            if n >= *rows_before_kill || t0.elapsed() > Duration::from_secs(60) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().ok();
        child.wait().unwrap();
        let (code, _, err) = sweep(tmp.path(), &out, &["--resume"]);
        assert_eq!(code, 0, "resume after killing at {rows_before_kill} rows: {err}");
        assert_eq!(read(&runs), whole, "resumed sweep differs from the uninterrupted one (killed at {rows_before_kill} rows)");
        assert_eq!(read(&tmp.path().join(&out).join("points.csv")), whole_points);
    }
}

#[test]
fn a_torn_last_line_is_cut_and_rerun() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = sweep(tmp.path(), "whole", &[]);
    assert_eq!(code, 0, "{err}");
    let whole = read(&tmp.path().join("whole/runs.csv"));
    // Simulate a crash mid-write: keep 7 rows and half of the 8th.
    std::fs::create_dir_all(tmp.path().join("torn")).unwrap();
    for f in ["manifest.json", "scenario.toml", "design.csv"] {
        std::fs::copy(tmp.path().join("whole").join(f), tmp.path().join("torn").join(f)).unwrap();
    }
    let lines: Vec<&str> = whole.lines().collect();
    let torn = format!("{}\n{}", lines[..8].join("\n"), &lines[8][..lines[8].len() / 2]);
    std::fs::write(tmp.path().join("torn/runs.csv"), torn).unwrap();
    let (code, _, err) = sweep(tmp.path(), "torn", &["--resume"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&tmp.path().join("torn/runs.csv")), whole);
}

#[test]
fn shards_merged_equal_the_whole_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = sweep(tmp.path(), "whole", &[]);
    assert_eq!(code, 0, "{err}");
    for i in 0..3 {
        let (code, _, err) = sweep(tmp.path(), &format!("s{i}"), &["--shard", &format!("{i}/3")]);
        assert_eq!(code, 0, "shard {i}: {err}");
    }
    // Incomplete merges are refused.
    let (code, _, err) = normshift(tmp.path(), &["merge", "s0", "s1", "--out", "partial"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing run ids"), "{err}");
    assert!(!tmp.path().join("partial").exists());
    let (code, _, err) = normshift(tmp.path(), &["merge", "s0", "s1", "s1", "s2", "--out", "dup"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than one shard"), "{err}");
    let (code, _, err) = normshift(tmp.path(), &["merge", "s0", "s1", "s2", "--out", "merged"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&tmp.path().join("merged/runs.csv")), read(&tmp.path().join("whole/runs.csv")));
    assert_eq!(read(&tmp.path().join("merged/points.csv")), read(&tmp.path().join("whole/points.csv")));
    // A shard of another sweep is refused.
    let (code, _, err) = normshift(
        tmp.path(),
        &[
            "sweep",
            "--vary",
            "backlash.rate=0.02:0.2:3",
            "--reps",
            "1",
            "--set",
            "steps=3",
            "--set",
            "initial.burn_in=1",
            "--set",
            "population.villages=2",
            "--set",
            "population.households_per_village=30",
            "--out",
            "other",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = normshift(tmp.path(), &["merge", "s0", "other", "--out", "mixed"]);
    assert_eq!(code, 2);
    assert!(err.contains("another sweep"), "{err}");
}

#[test]
fn shard_auto_reads_slurm_and_kubernetes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut a: Vec<&str> = ARGS.to_vec();
    a.extend(["--shard", "auto", "--out", "slurm"]);
    let o = Command::new(env!("CARGO_BIN_EXE_normshift"))
        .current_dir(tmp.path())
        .args(&a)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "2")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = read(&tmp.path().join("slurm/manifest.json"));
    assert!(m.contains("\"shard\": \"1/2\""), "{m}");
    let mut a: Vec<&str> = ARGS.to_vec();
    a.extend(["--shard", "auto", "--shards", "4", "--out", "k8s"]);
    let o =
        Command::new(env!("CARGO_BIN_EXE_normshift")).current_dir(tmp.path()).args(&a).env("JOB_COMPLETION_INDEX", "3").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&tmp.path().join("k8s/manifest.json")).contains("\"shard\": \"3/4\""));
}

#[test]
fn bad_input_is_refused_and_nothing_is_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let base = ["sweep", "--reps", "1", "--set", "steps=3"];
    for (extra, needle) in [
        (vec!["--vary", "backlash.rte=0:1:3"], "unknown field `rte`, expected one of `rate`"),
        (vec!["--vary", "backlash.rte=0:1:3"], "did you mean `rate`?"),
        (vec!["--vary", "backlash.rate=0.5:0.1:3"], "above hi"),
        (vec!["--vary", "backlash.rate=0:1:0"], "n must be 1 or more"),
        (vec!["--vary", "backlash.rate=abc"], "SPEC is"),
        (vec!["--vary", "backlash.rate=0:2:3"], "out of range"),
        (vec!["--vary", "backlash.rate=0:0.5"], "a grid needs"),
        (vec!["--vary", "backlash.rate=0:0.5:2", "--shard", "4/4"], "--shard 4/4"),
        (vec!["--vary", "backlash.rate=0:0.5:2", "--shard", "auto"], "no scheduler"),
    ] {
        let mut a = base.to_vec();
        a.extend(extra.iter());
        a.extend(["--out", "never"]);
        let (code, _, err) = normshift(tmp.path(), &a);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: stderr lacks `{needle}`:\n{err}");
        assert!(!tmp.path().join("never").exists(), "{extra:?} wrote output");
    }
    // An existing sweep is neither overwritten nor resumed by another design.
    let (code, _, err) = sweep(tmp.path(), "done", &[]);
    assert_eq!(code, 0, "{err}");
    let before = read(&tmp.path().join("done/runs.csv"));
    let (code, _, err) = sweep(tmp.path(), "done", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("--resume"), "{err}");
    let (code, _, err) =
        normshift(tmp.path(), &["sweep", "--vary", "backlash.rate=0.1:0.2:2", "--set", "steps=3", "--out", "done", "--resume"]);
    assert_eq!(code, 2);
    assert!(err.contains("another sweep"), "{err}");
    assert_eq!(read(&tmp.path().join("done/runs.csv")), before);
}

#[test]
fn sigterm_stops_with_exit_130_keeps_the_rows_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    // 40 points x 2 strategies x 2 replicates: still running when the signal comes.
    let mut a: Vec<&str> = ARGS.to_vec();
    a[2] = "backlash.rate=0.02:0.2:20";
    a.extend(["--out", "stopped", "--threads", "1"]);
    let err = std::fs::File::create(tmp.path().join("stopped.stderr")).unwrap();
    let child =
        Command::new(env!("CARGO_BIN_EXE_normshift")).current_dir(tmp.path()).args(&a).stdout(Stdio::null()).stderr(err).spawn().unwrap();
    let runs = tmp.path().join("stopped/runs.csv");
    let t0 = Instant::now();
    while std::fs::read_to_string(&runs).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0) < 4
        && t0.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let Some(code) = common::terminate(child) else { return };
    let said = read(&tmp.path().join("stopped.stderr"));
    assert_eq!(code, Some(130), "{said}");
    assert!(said.contains("--resume"), "the message says how to finish: {said}");
    let manifest = read(&tmp.path().join("stopped/manifest.json"));
    assert!(manifest.contains("\"status\": \"interrupted\""), "{manifest}");
    let kept = read(&runs).lines().count() - 1;
    assert!((4..160).contains(&kept), "{kept} rows kept");
    let mut b = a.clone();
    b.push("--resume");
    let (code, _, err) = normshift(tmp.path(), &b);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&runs).lines().count() - 1, 160);
}
