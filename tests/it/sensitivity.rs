//! `normshift sensitivity`: the Sobol' estimators on the Ishigami function
//! against its analytic indices, determinism (same seed, same bytes, any
//! thread count), and the command through the real binary: its files, a
//! design point reproduced with `normshift run`, whole-number keys, bad
//! input (exit code 2, a message naming what to change, nothing written),
//! and stopping: killed at any moment, torn or stopped by SIGTERM (exit
//! 130), then resumed, it gives the files of an uninterrupted analysis.

use crate::common;

use normshift::sensitivity::{Design, Factor, RESAMPLES, analyse, evaluate, ishigami, ishigami_indices};
use std::f64::consts::PI;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_normshift");

fn ishigami_design(samples: usize, seed: u64) -> Design {
    let factors = (1..=3).map(|i| Factor::new(format!("x{i}"), -PI, PI)).collect();
    Design::new(factors, samples, seed).unwrap()
}

/// With N = 4096 base samples (20,480 evaluations) every analytic index
/// lies inside its 95% bootstrap interval, and every estimate is within
/// 0.03 of it.
#[test]
fn ishigami_analytic_indices_lie_in_the_intervals() {
    let d = ishigami_design(4096, 1325);
    let y = evaluate(&d, |e| ishigami(&e.values, 7.0, 0.1));
    let r = analyse(&d, &y, RESAMPLES).unwrap();
    println!("{:<4} {:>8} {:>8} {:>20} {:>8} {:>8} {:>20}", "x", "S1", "est.", "95% int.", "ST", "est.", "95% int.");
    for (ix, (s1, st)) in r.iter().zip(ishigami_indices(7.0, 0.1)) {
        println!(
            "x{:<3} {s1:>8.4} {:>8.4} {:>20} {st:>8.4} {:>8.4} {:>20}",
            ix.factor + 1,
            ix.s1,
            format!("[{:.4}, {:.4}]", ix.s1_lo, ix.s1_hi),
            ix.st,
            format!("[{:.4}, {:.4}]", ix.st_lo, ix.st_hi)
        );
    }
    for (ix, (s1, st)) in r.iter().zip(ishigami_indices(7.0, 0.1)) {
        assert!(ix.s1_lo <= s1 && s1 <= ix.s1_hi, "S1 of x{}: {s1} outside {ix:?}", ix.factor + 1);
        assert!(ix.st_lo <= st && st <= ix.st_hi, "ST of x{}: {st} outside {ix:?}", ix.factor + 1);
        assert!((ix.s1 - s1).abs() < 0.03 && (ix.st - st).abs() < 0.03, "x{}: {ix:?} vs {s1} {st}", ix.factor + 1);
        assert!(ix.s1_hi - ix.s1_lo < 0.1 && ix.st_hi - ix.st_lo < 0.1, "intervals too wide: {ix:?}");
        assert_eq!(ix.samples, 4096);
    }
}

#[test]
fn same_seed_same_numbers_at_any_thread_count() {
    let run = |threads: usize, seed: u64| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let d = ishigami_design(256, seed);
            let y = evaluate(&d, |e| ishigami(&e.values, 7.0, 0.1));
            let r = analyse(&d, &y, 200).unwrap();
            let bits: Vec<u64> = y.iter().chain(r.iter().flat_map(|x| [&x.s1, &x.s1_lo, &x.st_hi])).map(|x| x.to_bits()).collect();
            bits
        })
    };
    assert_eq!(run(1, 7), run(2, 7));
    assert_ne!(run(1, 7), run(1, 8));
}

// ---------------------------------------------------------------------------
// The binary.

/// A small, fast version of the default scenario.
const SMALL: [&str; 8] =
    ["--set", "population.villages=2", "--set", "population.households_per_village=50", "--set", "initial.burn_in=6", "--set", "steps=12"];

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn normshift(cwd: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(BIN).args(args).current_dir(cwd).output().expect("cannot start the normshift binary");
    Outcome {
        code: out.status.code().expect("normshift was killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `normshift sensitivity` on the small scenario into `out`, with `extra` arguments.
fn sensitivity(cwd: &Path, out: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["sensitivity", "--out", out, "--samples", "8", "--reps", "1"];
    args.extend(SMALL);
    args.extend(extra);
    normshift(cwd, &args)
}

const VARY: [&str; 4] = ["--vary", "backlash.rate=0.02:0.2", "--vary", "rule.women.theta_mean=1.8:2.4"];

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.as_ref().display()))
}

#[test]
fn cli_writes_indices_and_samples_identically_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let one = sensitivity(dir.path(), "one", &[&VARY[..], &["--threads", "1"]].concat());
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(one.stdout.contains("backlash.rate") && one.stdout.contains("S1"), "{}", one.stdout);
    // Eight samples give intervals far wider than 0.5: said under the table.
    assert!(one.stdout.contains("note: these estimates are rough at --samples 8"), "{}", one.stdout);
    let two = sensitivity(dir.path(), "two", &[&VARY[..], &["--threads", "2"]].concat());
    assert_eq!(two.code, 0, "{}", two.stderr);
    for f in ["sensitivity.csv", "samples.csv", "scenario.toml"] {
        assert_eq!(read(dir.path().join("one").join(f)), read(dir.path().join("two").join(f)), "{f} differs between thread counts");
    }
    // The bar chart: a PNG that decodes and an SVG, identical at any thread count.
    let png = std::fs::read(dir.path().join("one/figures/sensitivity.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(png, std::fs::read(dir.path().join("two/figures/sensitivity.png")).unwrap());
    assert!(read(dir.path().join("one/figures/sensitivity.svg")).contains("<svg"));

    let table = read(dir.path().join("one/sensitivity.csv"));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "metric,parameter,s1,s1_lo,s1_hi,st,st_lo,st_hi,samples,runs");
    assert_eq!(lines.len(), 1 + 2 * 2, "{table}");
    assert!(lines[1].starts_with("participation_end,backlash.rate,"), "{table}");
    assert!(lines[4].starts_with("sanctions_total,rule.women.theta_mean,"), "{table}");
    assert!(lines[1..].iter().all(|l| l.ends_with(",8,32")), "{table}");

    let samples = read(dir.path().join("one/samples.csv"));
    let rows: Vec<Vec<&str>> = samples.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        ["index", "matrix", "row", "seed", "backlash.rate", "rule.women.theta_mean", "participation_end", "sanctions_total"]
    );
    assert_eq!(rows.len(), 1 + 8 * 4);
    assert_eq!(rows[1..5].iter().map(|r| r[1]).collect::<Vec<_>>(), ["A", "AB1", "AB2", "B"]);
    for r in &rows[1..] {
        let rate: f64 = r[4].parse().unwrap();
        let theta: f64 = r[5].parse().unwrap();
        assert!((0.02..=0.2).contains(&rate) && (1.8..=2.4).contains(&theta), "{r:?}");
        let p: f64 = r[6].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{r:?}");
    }
    let manifest: serde_json::Value = serde_json::from_str(&read(dir.path().join("one/manifest.json"))).unwrap();
    assert_eq!(manifest["strategy"], "quota_only");
    assert_eq!(manifest["runs"], 32);

    // Any evaluation is reproduced by `normshift run` with its seed and values.
    let r = &rows[7];
    let run = normshift(
        dir.path(),
        &[
            &["run", "--out", "rerun", "--strategy", "quota_only", "--reps", "1", "--seed", r[3]],
            &SMALL[..],
            &["--set", &format!("backlash.rate={}", r[4]), "--set", &format!("rule.women.theta_mean={}", r[5])],
        ]
        .concat(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let runs = read(dir.path().join("rerun/runs.csv"));
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let values: Vec<&str> = runs.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| values[header.iter().position(|h| *h == name).unwrap()];
    // runs.csv rounds to 6 decimals; samples.csv keeps every digit.
    for (name, full) in [("participation_end", r[6]), ("sanctions_total", r[7])] {
        let (a, b): (f64, f64) = (col(name).parse().unwrap(), full.parse().unwrap());
        assert!((a - b).abs() <= 5e-7 * b.abs().max(1.0), "{name}: rerun {a}, sample {b}");
    }
}

#[test]
fn cli_samples_whole_number_keys_as_whole_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let o =
        sensitivity(dir.path(), "out", &["--vary", "population.villages=1:3", "--metric", "participation_final", "--strategy", "baseline"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let samples = read(dir.path().join("out/samples.csv"));
    let villages: Vec<&str> = samples.lines().skip(1).map(|l| l.split(',').nth(4).unwrap()).collect();
    assert!(villages.iter().all(|v| ["1", "2", "3"].contains(v)), "{villages:?}");
    assert!(villages.contains(&"1") && villages.contains(&"3"), "{villages:?}");
}

#[test]
fn cli_refuses_bad_input_naming_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--vary", "backlash.ratex=0.1:0.2"], "ratex"),
        (vec!["--vary", "backlash.rate=0.2:0.1"], "low bound 0.2 is above"),
        (vec!["--vary", "backlash.rate=0.1:7"], "backlash.rate"),
        (vec!["--vary", "name=0:1"], "name"),
        (vec!["--vary", "backlash.rate"], "KEY=LOW:HIGH"),
        (vec!["--vary", "seed=1:9"], "--seed"),
        (vec!["--vary", "backlash.rate=0:0.1", "--vary", "backlash.rate=0:0.2"], "twice"),
        (vec!["--vary", "backlash.rate=0:0.1", "--metric", "happiness"], "participation_end"),
        (vec!["--vary", "backlash.rate=0:0.1", "--strategy", "magic"], "baseline"),
        (vec!["--vary", "backlash.rate=0:0.1", "--samples", "0"], "--samples 0"),
        (vec!["--vary", "backlash.rate=0:0.1", "--reps", "0"], "--reps 0"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["sensitivity", "--out", "out"];
        for (flag, value) in [("--samples", "8"), ("--reps", "1")] {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        args.extend(SMALL);
        args.extend(&extra);
        let o = normshift(dir.path(), &args);
        assert_eq!(o.code, 2, "{extra:?}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{extra:?}: expected `{needle}` in\n{}", o.stderr);
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        assert!(!dir.path().join("out").exists(), "{extra:?} wrote output");
    }
}

/// Rows of `samples.csv` under `dir`, 0 if it is not there yet.
fn sample_rows(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("samples.csv")).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0)
}

/// Start `normshift sensitivity` with `samples` base samples into `out` on
/// one thread and wait until `rows` evaluations are in its samples.csv (or
/// it ends).
fn start_and_wait(cwd: &Path, out: &str, samples: &str, rows: usize) -> std::process::Child {
    let mut args = vec!["sensitivity", "--out", out, "--samples", samples, "--reps", "1", "--threads", "1"];
    args.extend(SMALL);
    args.extend(VARY);
    let mut child = Command::new(env!("CARGO_BIN_EXE_normshift"))
        .current_dir(cwd)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(cwd.join(format!("{out}.stderr"))).unwrap())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while sample_rows(&cwd.join(out)) < rows && t0.elapsed() < Duration::from_secs(60) && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn killed_at_any_moment_and_resumed_equals_uninterrupted() {
    let dir = tempfile::tempdir().unwrap();
    let whole = sensitivity(dir.path(), "whole", &VARY);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    for (k, rows) in [0usize, 5, 17].iter().enumerate() {
        let out = format!("killed{k}");
        let mut child = start_and_wait(dir.path(), &out, "8", *rows);
        child.kill().ok();
        child.wait().unwrap();
        let again = sensitivity(dir.path(), &out, &[&VARY[..], &["--resume"]].concat());
        assert_eq!(again.code, 0, "resume after killing at {rows} rows: {}", again.stderr);
        for f in ["sensitivity.csv", "samples.csv"] {
            assert_eq!(read(dir.path().join(&out).join(f)), read(dir.path().join("whole").join(f)), "{f} after killing at {rows} rows");
        }
    }
    // A torn last line (a crash mid-write) is cut and its evaluation run again.
    let full = read(dir.path().join("whole/samples.csv"));
    let lines: Vec<&str> = full.lines().collect();
    std::fs::create_dir_all(dir.path().join("torn")).unwrap();
    std::fs::copy(dir.path().join("whole/manifest.json"), dir.path().join("torn/manifest.json")).unwrap();
    std::fs::write(dir.path().join("torn/samples.csv"), format!("{}\n{}", lines[..10].join("\n"), &lines[10][..lines[10].len() / 2]))
        .unwrap();
    let again = sensitivity(dir.path(), "torn", &[&VARY[..], &["--resume"]].concat());
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(read(dir.path().join("torn/samples.csv")), full);
    assert_eq!(read(dir.path().join("torn/sensitivity.csv")), read(dir.path().join("whole/sensitivity.csv")));
    // Without --resume a folder holding an analysis is refused; with
    // --resume, another analysis's folder is.
    let o = sensitivity(dir.path(), "whole", &VARY);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--resume"), "{}", o.stderr);
    let o = sensitivity(dir.path(), "whole", &[&VARY[..], &["--resume", "--metric", "held"]].concat());
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("another analysis"), "{}", o.stderr);
}

#[test]
fn sigterm_stops_with_exit_130_and_keeps_what_finished() {
    let dir = tempfile::tempdir().unwrap();
    // 1,024 evaluations: still running when the signal comes.
    let child = start_and_wait(dir.path(), "stopped", "256", 3);
    let Some(code) = common::terminate(child) else { return };
    assert_eq!(code, Some(130), "{}", read(dir.path().join("stopped.stderr")));
    let manifest: serde_json::Value = serde_json::from_str(&read(dir.path().join("stopped/manifest.json"))).unwrap();
    assert_eq!(manifest["status"], "interrupted");
    assert!(sample_rows(&dir.path().join("stopped")) >= 3);
    assert!(!dir.path().join("stopped/sensitivity.csv").exists());
    let said = read(dir.path().join("stopped.stderr"));
    assert!(said.contains("--resume"), "the message says how to finish: {said}");
}

#[test]
fn shards_merged_equal_the_whole_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let whole = sensitivity(dir.path(), "whole", &VARY);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    for i in 0..3 {
        let shard = format!("{i}/3");
        let o = sensitivity(dir.path(), &format!("s{i}"), &[&VARY[..], &["--shard", &shard]].concat());
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(!dir.path().join(format!("s{i}/sensitivity.csv")).exists(), "a shard computes no indices");
    }
    // The second shard again, as a Slurm array task would find it.
    let mut args = vec!["sensitivity", "--out", "auto1", "--samples", "8", "--reps", "1", "--shard", "auto"];
    args.extend(SMALL);
    args.extend(VARY);
    let o = Command::new(env!("CARGO_BIN_EXE_normshift"))
        .current_dir(dir.path())
        .args(&args)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(dir.path().join("auto1/samples.csv")), read(dir.path().join("s1/samples.csv")));

    let merge = |dirs: &[&str], out: &str| {
        let mut a = vec!["merge"];
        a.extend(dirs);
        a.extend(["--out", out]);
        normshift(dir.path(), &a)
    };
    let o = merge(&["s2", "s0", "auto1"], "merged");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("S1"), "{}", o.stdout);
    for f in ["sensitivity.csv", "samples.csv", "scenario.toml", "figures/sensitivity.png"] {
        assert_eq!(
            std::fs::read(dir.path().join("merged").join(f)).unwrap(),
            std::fs::read(dir.path().join("whole").join(f)).unwrap(),
            "{f} differs from the unsharded analysis"
        );
    }
    // A missing or repeated shard is refused, and so is a shard of another analysis.
    let o = merge(&["s0", "s1"], "partial");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("in none of the shards"), "{}", o.stderr);
    let o = merge(&["s0", "s1", "auto1", "s2"], "twice");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("more than one shard"), "{}", o.stderr);
    let other = sensitivity(dir.path(), "other", &[&VARY[..], &["--shard", "0/3", "--metric", "held"]].concat());
    assert_eq!(other.code, 0, "{}", other.stderr);
    let o = merge(&["s0", "other"], "mixed");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("another analysis"), "{}", o.stderr);
}
