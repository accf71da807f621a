//! End-to-end tests of the `normshift` binary: determinism across thread
//! counts, the output files, bad-input handling (exit code 2, a located
//! message, no output folder) and the `check`/`scenarios`/`show` commands.
//!
//! Every command runs in a fresh temporary directory (so a forgotten `--out`
//! can never write into the repository) and every run is small.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_normshift");

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The default scenario file.
fn default_toml() -> PathBuf {
    root().join("scenarios").join("default.toml")
}

/// What a command did.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run `normshift ARGS` with `cwd` as the working directory.
fn normshift<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S]) -> Outcome {
    let out = Command::new(BIN).args(args).current_dir(cwd).output().expect("cannot start the normshift binary");
    Outcome {
        code: out.status.code().expect("normshift was killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Assert a successful exit and return the outcome.
fn ok(cwd: &Path, args: &[String]) -> Outcome {
    let o = normshift(cwd, args);
    assert_eq!(o.code, 0, "normshift {args:?} failed:\n{}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "normshift {args:?} panicked:\n{}", o.stderr);
    o
}

/// Small-population overrides for a generated community.
fn small_population() -> Vec<String> {
    strs(&["--set", "population.villages=2", "--set", "population.households_per_village=60"])
}

/// `--set` overrides that pull every month in `text` (a scenario) inside a
/// run of `steps` months.
///
/// The validator refuses an intervention whose `start`/`end` (or a context
/// month) is at or beyond `steps`, even when `steps` comes from `--steps`;
/// see `steps_override_shorter_than_an_intervention_is_accepted`. Until that
/// is fixed, short runs of a scenario need these overrides.
fn fit_to_steps(text: &str, steps: u32) -> Vec<String> {
    let doc: toml::Table = toml::from_str(text).expect("the scenario is not TOML");
    let last = i64::from(steps) - 1;
    let mut sets = Vec::new();
    let mut clamp = |key: String, v: Option<&toml::Value>| {
        if let Some(x) = v.and_then(toml::Value::as_integer)
            && x > last
        {
            sets.push("--set".to_string());
            sets.push(format!("{key}={last}"));
        }
    };
    if let Some(ctx) = doc.get("context").and_then(toml::Value::as_table) {
        clamp("context.conflict_start".into(), ctx.get("conflict_start"));
        clamp("context.programme_end".into(), ctx.get("programme_end"));
    }
    let strategies = doc.get("strategies").and_then(toml::Value::as_array).cloned().unwrap_or_default();
    for (si, st) in strategies.iter().enumerate() {
        let ivs = st.get("interventions").and_then(toml::Value::as_array).cloned().unwrap_or_default();
        for (ii, iv) in ivs.iter().enumerate() {
            clamp(format!("strategies.{si}.interventions.{ii}.start"), iv.get("start"));
            clamp(format!("strategies.{si}.interventions.{ii}.end"), iv.get("end"));
        }
    }
    sets
}

/// Arguments for a small, fast run of the default scenario: `reps`
/// replicates of `steps` months, 2 villages of 60 households, all strategies.
fn small_default_run(steps: u32, reps: u32) -> Vec<String> {
    let mut a = strs(&["run", default_toml().to_str().unwrap()]);
    a.extend(strs(&["--reps", &reps.to_string(), "--steps", &steps.to_string(), "--set", "initial.burn_in=12"]));
    a.extend(small_population());
    a.extend(fit_to_steps(&std::fs::read_to_string(default_toml()).unwrap(), steps));
    a
}

fn with(mut base: Vec<String>, more: &[&str]) -> Vec<String> {
    base.extend(strs(more));
    base
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Parse a CSV file into a header and rows (no quoted commas in our output).
fn csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = read(p);
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("empty CSV").split(',').map(String::from).collect();
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(String::from).collect()).collect();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), header.len(), "{}: row {} has {} cells, the header {}", p.display(), i + 2, r.len(), header.len());
    }
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column `{name}` in {header:?}"))
}

/// Names of the strategies in the default scenario.
fn default_strategies() -> Vec<String> {
    let doc: toml::Table = toml::from_str(&read(&default_toml())).unwrap();
    doc["strategies"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect()
}

// ---------------------------------------------------------------------------
// 1. Determinism

#[test]
fn same_seed_is_byte_identical_at_1_and_2_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    let base = with(small_default_run(12, 2), &["--seed", "7"]);
    ok(tmp.path(), &with(base.clone(), &["--threads", "1", "--out", a.to_str().unwrap()]));
    ok(tmp.path(), &with(base, &["--threads", "2", "--out", b.to_str().unwrap()]));

    let ts = read(&a.join("timeseries.csv"));
    // The comparison is only meaningful if every strategy and replicate ran.
    let (h, rows) = csv(&a.join("runs.csv"));
    let got: BTreeSet<String> = rows.iter().map(|r| r[column(&h, "strategy")].clone()).collect();
    let want: BTreeSet<String> = default_strategies().into_iter().collect();
    assert_eq!(got, want, "runs.csv does not cover all strategies");
    assert_eq!(rows.len(), want.len() * 2);
    assert_eq!(ts, read(&b.join("timeseries.csv")), "timeseries.csv differs between --threads 1 and --threads 2");
    assert_eq!(read(&a.join("runs.csv")), read(&b.join("runs.csv")), "runs.csv differs between --threads 1 and --threads 2");
}

#[test]
fn different_seed_gives_different_timeseries() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("s7"), tmp.path().join("s8"));
    let base = with(small_default_run(12, 1), &["--strategy", "baseline,male_champions", "--threads", "1"]);
    ok(tmp.path(), &with(base.clone(), &["--seed", "7", "--out", a.to_str().unwrap()]));
    ok(tmp.path(), &with(base, &["--seed", "8", "--out", b.to_str().unwrap()]));
    let (ta, tb) = (read(&a.join("timeseries.csv")), read(&b.join("timeseries.csv")));
    assert!(ta.lines().count() > 1);
    assert_ne!(ta, tb, "--seed 7 and --seed 8 gave the same timeseries.csv");
    // And not only in the seed column: the simulated values differ too.
    let strip = |t: &str| -> Vec<String> { t.lines().skip(1).map(|l| l.split(',').skip(5).collect::<Vec<_>>().join(",")).collect() };
    assert_ne!(strip(&ta), strip(&tb), "only the seed column differs between seeds");
}

#[test]
fn large_population_parallel_step_is_byte_identical_at_1_and_2_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    let mut base = strs(&[
        "run",
        default_toml().to_str().unwrap(),
        "--steps",
        "3",
        "--reps",
        "1",
        "--set",
        "initial.burn_in=2",
        "--set",
        "population.villages=20",
        "--set",
        "population.households_per_village=1100",
        "--strategy",
        "baseline,male_champions",
    ]);
    base.extend(fit_to_steps(&read(&default_toml()), 3));
    ok(tmp.path(), &with(base.clone(), &["--threads", "1", "--out", a.to_str().unwrap()]));
    ok(tmp.path(), &with(base, &["--threads", "2", "--out", b.to_str().unwrap()]));

    // The population must really be above src/run.rs PARALLEL_STEP_MIN (50,000).
    let (h, rows) = csv(&a.join("runs.csv"));
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let agents: usize = r[column(&h, "agents")].parse().unwrap();
        assert!(agents >= 50_000, "only {agents} agents: the within-step parallel path is not exercised");
    }
    assert_eq!(read(&a.join("timeseries.csv")), read(&b.join("timeseries.csv")), "timeseries.csv differs between 1 and 2 threads");
    assert_eq!(read(&a.join("runs.csv")), read(&b.join("runs.csv")), "runs.csv differs between 1 and 2 threads");
}

// ---------------------------------------------------------------------------
// 2. Outputs

const TIMESERIES_PREFIX: &str = "run_id,strategy,replicate,seed,step,participation,participation_elite,participation_non_elite,participation_disabled,participation_marginalised,participation_youth,participation_gap,men_support,men_oppose,attitude_women,attitude_men,attitude_leaders,empirical,normative,sanctions,violence,women_sanctioned,champions_active,leaders_engaged,cost";

#[test]
fn run_writes_every_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("nested").join("out");
    let (steps, reps) = (12usize, 2usize);
    let strategies = default_strategies();
    let o = ok(tmp.path(), &with(small_default_run(12, 2), &["--seed", "99", "--threads", "2", "--out", out.to_str().unwrap()]));
    assert!(o.stdout.contains("baseline"), "no summary on stdout:\n{}", o.stdout);
    for f in ["timeseries.csv", "runs.csv", "scenario.toml", "manifest.json"] {
        let p = out.join(f);
        assert!(p.is_file(), "{f} was not written");
        assert!(std::fs::metadata(&p).unwrap().len() > 0, "{f} is empty");
    }
    // No temporary files are left behind.
    let names: BTreeSet<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let expected: BTreeSet<String> = [
        "timeseries.csv",
        "runs.csv",
        "scenario.toml",
        "manifest.json",
        "village_agents.csv",
        "village_ties.csv",
        "village_states.csv",
        "figures",
        "report.html",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert!(
        names.is_subset(&expected) && expected.iter().take(4).all(|f| names.contains(f)),
        "unexpected files in the output folder: {names:?}"
    );

    // timeseries.csv
    let ts = read(&out.join("timeseries.csv"));
    let header = ts.lines().next().unwrap();
    assert!(header.starts_with(TIMESERIES_PREFIX), "timeseries.csv header is\n{header}");
    let (h, rows) = csv(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), strategies.len() * reps * steps, "timeseries.csv rows");
    let (cs, cr, cstep, cseed) = (column(&h, "strategy"), column(&h, "replicate"), column(&h, "step"), column(&h, "seed"));
    for name in &strategies {
        for rep in 0..reps {
            let mut got: Vec<usize> =
                rows.iter().filter(|r| &r[cs] == name && r[cr] == rep.to_string()).map(|r| r[cstep].parse().unwrap()).collect();
            got.sort();
            assert_eq!(got, (0..steps).collect::<Vec<_>>(), "steps of {name} replicate {rep}");
        }
    }
    let p = column(&h, "participation");
    for r in &rows {
        let x: f64 = r[p].parse().unwrap_or_else(|_| panic!("participation `{}` is not a number", r[p]));
        assert!((0.0..=1.0).contains(&x), "participation {x} outside [0, 1]");
        assert!(r[cseed].parse::<u64>().is_ok(), "seed `{}` is not a u64", r[cseed]);
    }

    // runs.csv
    let (h, rows) = csv(&out.join("runs.csv"));
    assert!(h.iter().any(|c| c == "adoption_final"), "runs.csv has no adoption_final: {h:?}");
    assert_eq!(rows.len(), strategies.len() * reps, "runs.csv rows");
    let a = column(&h, "adoption_final");
    for r in &rows {
        let x: f64 = r[a].parse().unwrap_or_else(|_| panic!("adoption_final `{}` is not a number", r[a]));
        assert!((0.0..=1.0).contains(&x), "adoption_final {x} outside [0, 1]");
    }

    // manifest.json
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).expect("manifest.json is not JSON");
    for k in ["build_seconds", "simulate_seconds", "agent_steps_per_second"] {
        let v = m["timing"][k].as_f64().unwrap_or_else(|| panic!("manifest timing.{k} missing or not a number: {m}"));
        assert!(v.is_finite() && v >= 0.0, "timing.{k} = {v}");
    }
    assert!(m["timing"]["simulate_seconds"].as_f64().unwrap() > 0.0);
    assert!(m["timing"]["agent_steps_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(m["threads"].as_u64(), Some(2), "manifest threads: {m}");
    assert_eq!(m["seed"].as_u64(), Some(99), "manifest seed: {m}");
    let cl: Vec<&str> = m["command_line"].as_array().expect("command_line is not an array").iter().map(|v| v.as_str().unwrap()).collect();
    assert!(cl.contains(&"run") && cl.contains(&"--seed") && cl.contains(&"99"), "command_line: {cl:?}");
    let (start, end) = (m["start_time"].as_str().expect("start_time"), m["end_time"].as_str().expect("end_time"));
    for t in [start, end] {
        // RFC 3339, e.g. 2026-11-27T19:06:49Z
        assert!(t.len() >= 20 && t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b'T' && t.ends_with('Z'), "not an RFC 3339 time: {t}");
    }
    assert!(start <= end, "start_time {start} is after end_time {end}");
}

#[test]
fn written_scenario_is_valid_and_reproduces_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    ok(tmp.path(), &with(small_default_run(12, 2), &["--seed", "5", "--threads", "1", "--out", a.to_str().unwrap()]));
    let written = a.join("scenario.toml");
    let text = read(&written);
    assert!(text.contains("seed = 5"), "scenario.toml does not record --seed:\n{text}");
    assert!(text.contains("villages = 2"), "scenario.toml does not record --set:\n{text}");

    // The written file keeps the user's comments (the values as run are
    // applied onto the user's file), and `check` resolves it to a file that
    // checking again leaves unchanged.
    let original = read(&default_toml());
    let comment = original.lines().map(str::trim).find(|l| l.starts_with('#')).unwrap();
    assert!(text.contains(comment), "scenario.toml lost the comment `{comment}`:\n{text}");
    let c = ok(tmp.path(), &strs(&["check", written.to_str().unwrap()]));
    assert!(c.stdout.contains("[backlash]"));
    let resolved = tmp.path().join("resolved.toml");
    std::fs::write(&resolved, &c.stdout).unwrap();
    let again = ok(tmp.path(), &strs(&["check", resolved.to_str().unwrap()]));
    assert_eq!(again.stdout, c.stdout, "`check` of the resolved scenario changes it");

    ok(tmp.path(), &strs(&["run", written.to_str().unwrap(), "--threads", "2", "--out", b.to_str().unwrap()]));
    assert_eq!(
        read(&a.join("timeseries.csv")),
        read(&b.join("timeseries.csv")),
        "re-running scenario.toml gave a different timeseries.csv"
    );
    assert_eq!(read(&a.join("runs.csv")), read(&b.join("runs.csv")), "re-running scenario.toml gave a different runs.csv");
}

// ---------------------------------------------------------------------------
// 3. Bad input

/// Run `normshift run ARGS --out DIR` in a fresh folder and assert exit 2, no
/// panic, every `needles` in stderr, and no output folder. Returns stderr.
fn bad_run(files: &[(&str, &[u8])], args: &[&str], needles: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
    }
    let out = tmp.path().join("out");
    let mut a = strs(&["run"]);
    a.extend(strs(args));
    a.extend(strs(&["--out", out.to_str().unwrap()]));
    let o = normshift(tmp.path(), &a);
    assert_eq!(o.code, 2, "normshift {args:?}: expected exit 2, got {}\nstderr:\n{}", o.code, o.stderr);
    assert!(!o.stderr.contains("panicked"), "normshift {args:?} panicked:\n{}", o.stderr);
    for n in needles {
        assert!(o.stderr.contains(n), "normshift {args:?}: stderr does not mention `{n}`:\n{}", o.stderr);
    }
    assert!(!out.exists(), "normshift {args:?} created the output folder despite bad input");
    o.stderr
}

/// A bad scenario file `scen.toml`, run with quick settings.
fn bad_file(text: &str, needles: &[&str]) -> String {
    bad_run(&[("scen.toml", text.as_bytes())], &["scen.toml", "--reps", "1"], needles)
}

const INTERVENTION_KINDS: [&str; 8] =
    ["dialogue", "male_champions", "leader_engagement", "womens_organisations", "protection", "quota", "media", "funding_cut"];

#[test]
fn bad_unknown_key_in_file_lists_valid_keys() {
    bad_file(
        "name = \"x\"\nsteps = 10\n\n[backlash]\nrte = 0.1\n",
        &["scen.toml:5:1", "rte", "rate", "reactivity", "gatekeeper", "champion_shield", "ally_rate", "severity"],
    );
}

#[test]
fn bad_wrong_type() {
    bad_file("name = \"x\"\nsteps = \"ten\"\n", &["scen.toml:2:9", "ten", "allowed: a whole number"]);
}

#[test]
fn bad_negative_size() {
    bad_file("name = \"x\"\n[population]\nvillages = -1\n", &["scen.toml:3:12", "-1", "allowed: a whole number"]);
}

#[test]
fn bad_probability_out_of_range() {
    let e = bad_file("name = \"x\"\nsteps = 10\n\n[backlash]\nrate = 1.5\n", &["backlash.rate", "1.5", "0 to 1"]);
    // Line 5, at the key (column 1) or at its value (column 8).
    assert!(e.contains("scen.toml:5:1:") || e.contains("scen.toml:5:8:"), "no line:column of `rate`:\n{e}");
}

#[test]
fn bad_start_after_end() {
    bad_file(
        "name = \"x\"\nsteps = 20\n[[strategies]]\nname = \"a\"\n[[strategies.interventions]]\nkind = \"media\"\nstart = 10\nend = 5\n",
        &["scen.toml:7:", "strategies.0.interventions.0.start", "10", "5", "after end"],
    );
}

#[test]
fn bad_unknown_intervention_kind_lists_kinds() {
    let mut needles = vec!["scen.toml:5:8", "telepathy"];
    needles.extend(INTERVENTION_KINDS);
    bad_file("name = \"x\"\n[[strategies]]\nname = \"a\"\n[[strategies.interventions]]\nkind = \"telepathy\"\n", &needles);
}

#[test]
fn bad_unknown_strategy_lists_strategies() {
    let names = default_strategies();
    let mut needles = vec!["--strategy", "nosuch"];
    needles.extend(names.iter().map(String::as_str));
    bad_run(&[], &["--strategy", "baseline,nosuch", "--reps", "1"], &needles);
}

#[test]
fn bad_empty_file() {
    bad_run(&[("empty.toml", b"")], &["empty.toml"], &["empty.toml", "empty", "name"]);
    bad_run(&[("blank.toml", b"  \n\n\t\n")], &["blank.toml"], &["blank.toml", "empty"]);
    bad_run(&[("comment.toml", b"# nothing but a comment\n")], &["comment.toml"], &["comment.toml", "name"]);
}

#[test]
fn bad_missing_file() {
    bad_run(&[], &["nosuch.toml"], &["nosuch.toml", "no such file"]);
    bad_run(&[], &["missing/dir/scen.toml"], &["missing/dir/scen.toml", "no such file"]);
    // A bare name that is neither a file nor a built-in scenario.
    bad_run(&[], &["nosuch"], &["nosuch", "default"]);
}

#[test]
fn bad_set_without_equals() {
    bad_run(&[], &["--set", "backlash.rate", "--reps", "1"], &["--set backlash.rate", "KEY=VALUE"]);
    bad_run(&[], &["--set", "=0.1", "--reps", "1"], &["--set =0.1", "key"]);
    bad_run(&[], &["--set", "backlash.rate=", "--reps", "1"], &["--set backlash.rate=", "value"]);
}

#[test]
fn bad_set_unknown_key_lists_valid_keys() {
    bad_run(&[], &["--set", "backlash.rte=0.1", "--reps", "1"], &["--set backlash.rte=0.1", "rte", "rate", "reactivity", "ally_rate"]);
}

#[test]
fn bad_set_out_of_range() {
    bad_run(&[], &["--set", "backlash.rate=1.5", "--reps", "1"], &["--set backlash.rate=1.5", "backlash.rate", "1.5", "0 to 1"]);
    bad_run(&[], &["--set", "population.villages=-1", "--reps", "1"], &["--set population.villages=-1", "population.villages", "-1"]);
    // A key inside a nested table of an intervention is blamed on the
    // --set, spelled as typed, not on the built-in file's line.
    let share = "strategies.male_champions.interventions.0.target.share";
    bad_run(&[], &["--set", &format!("{share}=2"), "--reps", "1"], &[&format!("--set {share}=2"), &format!("`{share}`"), "0 to 1"]);
}

#[test]
fn bad_set_unknown_strategy_lists_entries() {
    let names = default_strategies();
    let mut needles = vec!["--set strategies.nonexistent.name=x", "nonexistent"];
    needles.extend(names.iter().map(String::as_str));
    bad_run(&[], &["--set", "strategies.nonexistent.name=x", "--reps", "1"], &needles);
}

#[test]
fn bad_reps_zero() {
    bad_run(&[], &["--reps", "0"], &["--reps 0", "1 or more"]);
}

#[test]
fn bad_threads_zero() {
    bad_run(&[], &["--threads", "0", "--reps", "1"], &["--threads 0", "1 or more"]);
}

#[test]
fn bad_funding_cut_of_unknown_intervention() {
    bad_file(
        "name = \"x\"\n[[strategies]]\nname = \"a\"\n[[strategies.interventions]]\nkind = \"media\"\nname = \"radio\"\n[[strategies.interventions]]\nkind = \"funding_cut\"\ninterventions = [\"ghost\"]\n",
        &["scen.toml:9:", "strategies.0.interventions.1.interventions", "ghost", "radio"],
    );
}

#[test]
fn bad_key_not_used_by_kind() {
    bad_file(
        "name = \"x\"\n[[strategies]]\nname = \"a\"\n[[strategies.interventions]]\nkind = \"dialogue\"\nuptake = 0.1\n",
        &["scen.toml:6:", "strategies.0.interventions.0.uptake", "dialogue", "effect", "target", "cost"],
    );
}

#[test]
fn bad_binary_file_is_refused_without_panic() {
    // Not UTF-8.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    bad_run(&[("binary.toml", &bytes)], &["binary.toml"], &["binary.toml"]);
    // UTF-8, but control characters and NULs.
    bad_run(&[("nul.toml", b"\0\x01\x02name = 3\x7f\n\0")], &["nul.toml"], &["nul.toml:"]);
    // Garbage that is nearly TOML.
    bad_run(&[("junk.toml", b"[[[\n]]] = = \"\n\\u{zz}\n")], &["junk.toml"], &["junk.toml:"]);
}

#[test]
fn bad_toml_syntax_is_located() {
    bad_run(&[("syntax.toml", b"name = \"x\"\nsteps = [1,\n")], &["syntax.toml"], &["syntax.toml:2:"]);
    bad_run(&[("quote.toml", b"name = \"x\nsteps = 3\n")], &["quote.toml"], &["quote.toml:1:"]);
}

/// Type errors reported by the deserializer must name the key, as the
/// module documentation of src/scenario/load.rs promises ("report any
/// problem with the file, line and column, the key, the bad value and what
/// is allowed"); today they give only the location and the serde message.
#[test]
fn bad_type_errors_in_a_file_name_the_key() {
    bad_file("name = \"x\"\nsteps = \"ten\"\n", &["steps"]);
    bad_file("name = \"x\"\n[population]\nvillages = -1\n", &["villages"]);
    bad_file("name = \"x\"\n[[strategies]]\nname = \"a\"\n[[strategies.interventions]]\nkind = \"telepathy\"\n", &["kind"]);
}

// ---------------------------------------------------------------------------
// Regressions of bugs found while writing these tests.

/// `--steps N` shorter than the default scenario's programme (interventions
/// run to month 59) runs: months past the end are simply not simulated.
#[test]
fn steps_override_shorter_than_an_intervention_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut a = strs(&["run", "default", "--reps", "1", "--steps", "12", "--set", "initial.burn_in=2", "--out", out.to_str().unwrap()]);
    a.extend(small_population());
    ok(tmp.path(), &a);
    let (_, rows) = csv(&out.join("timeseries.csv"));
    assert_eq!(rows.len(), default_strategies().len() * 12);
}

/// `--seed` takes what a scenario file can hold, and says so otherwise.
#[test]
fn seeds_over_the_whole_u64_range_are_accepted_and_larger_ones_refused() {
    // A sweep's per-run seeds take the whole u64 range, so --seed does too;
    // above 2^63 - 1 (the largest TOML integer) scenario.toml saves the seed
    // as a string of digits, which reads back.
    let tmp = tempfile::tempdir().unwrap();
    for (seed, saved) in
        [("9223372036854775807", "seed = 9223372036854775807"), ("18446744073709551615", "seed = \"18446744073709551615\"")]
    {
        let out = tmp.path().join(seed);
        let a = with(small_default_run(60, 1), &["--strategy", "baseline", "--seed", seed, "--out", out.to_str().unwrap()]);
        ok(tmp.path(), &a);
        let text = read(&out.join("scenario.toml"));
        assert!(text.contains(saved), "scenario.toml does not record the seed:\n{text}");
    }
    bad_run(&[], &["--seed", "18446744073709551616"], &["--seed", "18446744073709551616"]);
}

// ---------------------------------------------------------------------------
// 4. scenarios, show, check

#[test]
fn scenarios_lists_default() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(tmp.path(), &strs(&["scenarios"]));
    let names: Vec<&str> = o.stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.contains(&"default"), "`normshift scenarios` does not list default:\n{}", o.stdout);
    // Each listed name can be shown.
    for n in names {
        let s = ok(tmp.path(), &strs(&["show", n]));
        assert!(s.stdout.contains("name ="), "`show {n}` printed no scenario");
    }
}

#[test]
fn show_default_is_accepted_by_check() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(tmp.path(), &strs(&["show", "default"]));
    // scenarios/default.toml, except that the posterior file it names is
    // named as the built-in file, so that a copy saved anywhere reads it.
    let file = read(&default_toml());
    assert!(file.contains("file = \"default-posterior.csv\""));
    assert_eq!(
        o.stdout,
        file.replace("file = \"default-posterior.csv\"", "file = \"builtin:default-posterior.csv\""),
        "`show default` is not scenarios/default.toml"
    );
    let f = tmp.path().join("mine.toml");
    std::fs::write(&f, &o.stdout).unwrap();
    let c = ok(tmp.path(), &strs(&["check", f.to_str().unwrap()]));
    assert!(c.stderr.contains("valid"), "check did not report the file valid:\n{}", c.stderr);
    // It compares over the shipped posterior, copied into its folder.
    ok(
        tmp.path(),
        &strs(&[
            "compare",
            "mine.toml",
            "--draws",
            "2",
            "--reps",
            "1",
            "--steps",
            "2",
            "--strategies",
            "quota_only",
            "--no-plots",
            "--out",
            "m",
        ]),
    );
    let shipped = read(&default_toml().with_file_name("default-posterior.csv"));
    assert_eq!(read(&tmp.path().join("m/posterior.csv")), shipped);
}

#[test]
fn show_unknown_name_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = normshift(tmp.path(), &["show", "nosuch"]);
    assert_eq!(o.code, 2, "stderr:\n{}", o.stderr);
    assert!(o.stderr.contains("nosuch") && o.stderr.contains("default"), "stderr:\n{}", o.stderr);
    assert!(o.stdout.is_empty(), "`show nosuch` printed:\n{}", o.stdout);
}

#[test]
fn check_default_prints_resolved_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(tmp.path(), &strs(&["check", default_toml().to_str().unwrap()]));
    assert!(o.stdout.contains("[backlash]"), "no [backlash] section:\n{}", o.stdout);
    let doc: toml::Table = toml::from_str(&o.stdout).expect("`check` output is not TOML");
    let rate = doc["backlash"].get("rate").and_then(toml::Value::as_float).expect("no backlash.rate in the `check` output");
    assert!((0.0..=1.0).contains(&rate), "backlash.rate = {rate}");
    // Defaults are written out: keys absent from the file appear.
    assert!(doc["context"].get("defiance").is_some(), "the default of context.defiance is not written out");
    // The built-in name gives the same, but for how the priors name the
    // posterior file (built in, or the file beside the scenario).
    let b = ok(tmp.path(), &strs(&["check", "default"]));
    let cut = |s: &str| s[..s.find("[uncertain]").unwrap()].to_string();
    assert_eq!(cut(&b.stdout), cut(&o.stdout));
    let beside = root().join("scenarios").join("default-posterior.csv").display().to_string();
    assert!(o.stdout.contains(&format!("file = \"{beside}\"")), "{}", o.stdout);
    // `check` honours --set.
    let s = ok(tmp.path(), &strs(&["check", "default", "--set", "backlash.rate=0.125"]));
    let doc: toml::Table = toml::from_str(&s.stdout).unwrap();
    assert_eq!(doc["backlash"]["rate"].as_float(), Some(0.125));
    // It says how many priors `compare` will draw, and that --set fixed one.
    let count = |err: &str| -> usize {
        let line = err.lines().find(|l| l.contains(" priors in [uncertain]")).unwrap_or_else(|| panic!("no priors line:\n{err}"));
        line.split(": ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line}"))
    };
    assert!(b.stderr.contains("of them from a fitted posterior file"), "{}", b.stderr);
    assert_eq!(count(&s.stderr) + 1, count(&b.stderr), "{}\n{}", b.stderr, s.stderr);
    assert!(s.stderr.contains("(fixed by --set: backlash.rate)"), "{}", s.stderr);
}

// ---------------------------------------------------------------------------
// 5. Every scenario file runs

fn toml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            toml_files(&p, found);
        } else if p.extension().is_some_and(|x| x == "toml") && !p.to_string_lossy().ends_with("-targets.toml") {
            // (A calibration's targets file is not a scenario.)
            found.push(p);
        }
    }
}

#[test]
fn every_scenario_file_runs() {
    let mut files = Vec::new();
    toml_files(&root().join("scenarios"), &mut files);
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("default.toml")), "scenarios/default.toml not found: {files:?}");
    let tmp = tempfile::tempdir().unwrap();
    for (i, f) in files.iter().enumerate() {
        let text = read(f);
        let doc: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: not TOML: {e}", f.display()));
        let kind = doc.get("network").and_then(|n| n.get("kind")).and_then(toml::Value::as_str).unwrap_or("community");
        let out = tmp.path().join(format!("out{i}"));
        let mut a = strs(&["run", f.to_str().unwrap(), "--reps", "1", "--steps", "6", "--set", "initial.burn_in=6"]);
        if kind == "community" {
            a.extend(small_population());
        }
        a.extend(fit_to_steps(&text, 6));
        a.extend(strs(&["--out", out.to_str().unwrap()]));
        let o = normshift(tmp.path(), &a);
        assert_eq!(o.code, 0, "{} failed:\n{}", f.display(), o.stderr);
        let (_, rows) = csv(&out.join("runs.csv"));
        let n = doc.get("strategies").and_then(toml::Value::as_array).map_or(1, Vec::len);
        assert_eq!(rows.len(), n, "{}: runs.csv rows", f.display());
    }
}

/// Bytes of memory available now (`MemAvailable`), if the system says.
fn memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = text.lines().find_map(|l| l.strip_prefix("MemAvailable:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn every_command_refuses_a_scenario_too_big_for_memory_before_starting() {
    // 50 million agents with 80 ties each: about 43 GB for one replicate.
    let Some(available) = memory_available() else { return };
    if available > 40_000_000_000 {
        eprintln!("skipped: this machine has {} GB available, enough for the test scenario", available / 1_000_000_000);
        return;
    }
    let big = ["--set", "network.mean_degree=80", "--threads", "1"];
    let commands: [&[&str]; 4] = [
        &["run", "reference/watts-2002", "--set", "population.size=50000000"],
        &["compare", "reference/watts-2002", "--set", "population.size=50000000"],
        &["sweep", "reference/watts-2002", "--vary", "population.size=[1000,50000000]"],
        &["sensitivity", "reference/watts-2002", "--vary", "population.size=1000:50000000", "--samples", "4"],
    ];
    for args in commands {
        let tmp = tempfile::tempdir().unwrap();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(big);
        all.extend(["--out", "out"]);
        let o = normshift(tmp.path(), &all);
        assert_eq!(o.code, 2, "{all:?}: {}", o.stderr);
        assert!(o.stderr.contains("GB of memory") && o.stderr.contains("is available"), "{all:?}: {}", o.stderr);
        assert!(!tmp.path().join("out").exists(), "{all:?} wrote output before refusing");
    }
}

#[test]
fn validate_writes_the_reference_models_and_all_seven_field_patterns() {
    let tmp = tempfile::tempdir().unwrap();
    ok(tmp.path(), &strs(&["validate", "--runs", "1", "--reps", "3", "--out", "docs/v.md"]));
    let md = std::fs::read_to_string(tmp.path().join("docs/v.md")).unwrap();
    assert!(md.contains("| Granovetter 1978 |") && md.contains("## Field patterns"), "{md}");
    assert!(md.contains("**Warning: 3 replicates are too few for intervals"), "{md}");
    let rows: Vec<&str> =
        md.lines().filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(|c| (b'1'..=b'7').contains(c))).collect();
    assert_eq!(rows.len(), 7, "one row a pattern:\n{md}");
    for r in rows {
        // Three replicates are too few for intervals (compare::MIN_REPLICATES):
        // no verdict at equal reach, and none (or n/a) at equal money.
        let cells: Vec<&str> = r.split(" | ").collect();
        assert_eq!(cells.len(), 8, "{r}");
        assert_eq!(cells[5], "no verdict: too few replicates", "a pattern judged on 3 replicates: {r}");
        assert!(r.ends_with("| no verdict: too few replicates |") || r.ends_with("| n/a |"), "{r}");
        assert!(!r.contains("NaN") && !r.contains("inf"), "{r}");
    }
}

#[test]
fn validate_refuses_bad_run_and_replicate_counts_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for (flag, value) in [("--reps", "0"), ("--reps", "2000000"), ("--runs", "0"), ("--runs", "2000000")] {
        let mut args = vec!["validate", "--runs", "1", "--reps", "1", "--out", "v.md"];
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let o = normshift(tmp.path(), &strs(&args));
        assert_eq!(o.code, 2, "{flag} {value}: {}", o.stderr);
        assert!(o.stderr.contains(flag), "{}", o.stderr);
        assert!(!tmp.path().join("v.md").exists());
    }
}

/// A run shortened with `--steps` or `--set steps=` below the end the file
/// gives a programme says so (the file's own months beyond its own
/// `steps` are refused instead); one that keeps every programme month,
/// or a programme running to the end of the run, says nothing.
#[test]
fn a_shorter_run_that_cuts_a_programme_warns() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(tmp.path(), &strs(&["check", "default", "--set", "steps=48"]));
    assert!(o.stderr.contains("warning: steps = 48 (last month 47) cuts short the programme of `male_champions`"), "{}", o.stderr);
    assert!(o.stderr.contains("month 59"), "{}", o.stderr);
    let o = ok(tmp.path(), &strs(&["check", "default", "--set", "steps=60"]));
    assert!(!o.stderr.contains("warning"), "{}", o.stderr);
    let o = ok(
        tmp.path(),
        &strs(&["run", "default", "--steps", "30", "--reps", "1", "--set", "population.villages=1", "--no-plots", "--out", "r"]),
    );
    assert!(o.stderr.contains("cuts short the programme"), "{}", o.stderr);
}

/// `check`'s printout, saved, is the whole scenario: its priors too
/// (a built-in's posterior file named so that it reads from anywhere).
#[test]
fn check_printout_keeps_the_priors() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ok(tmp.path(), &strs(&["check", "default"]));
    assert!(o.stdout.contains("\n[uncertain]\n") && o.stdout.contains("file = \"builtin:default-posterior.csv\""), "{}", o.stdout);
    std::fs::write(tmp.path().join("full.toml"), &o.stdout).unwrap();
    let again = ok(tmp.path(), &strs(&["check", "full.toml"]));
    assert!(again.stderr.contains("full.toml: 14 priors in [uncertain], 5 of them from a fitted posterior file"), "{}", again.stderr);
    // A copy of the built-in in a subfolder names its posterior `builtin:`:
    // kept as it is, and the printout saved elsewhere still reads.
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    let shown = ok(tmp.path(), &strs(&["show", "default"]));
    std::fs::write(tmp.path().join("sub/my.toml"), &shown.stdout).unwrap();
    let o = ok(tmp.path(), &strs(&["check", "sub/my.toml"]));
    assert!(o.stdout.contains("file = \"builtin:default-posterior.csv\""), "{}", o.stdout);
    std::fs::write(tmp.path().join("sub/full.toml"), &o.stdout).unwrap();
    ok(tmp.path(), &strs(&["check", "sub/full.toml"]));
    // A prior fixed by --set is left out.
    let o = ok(tmp.path(), &strs(&["check", "default", "--set", "backlash.ally_rate=0.02"]));
    assert!(!o.stdout.contains("backlash.ally_rate = {"), "{}", o.stdout);
}
