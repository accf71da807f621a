//! The input checks through the binary: what a later command would refuse,
//! `check` refuses first (exit 2, located, nothing written); names that
//! could leave the output folder; seeds over the whole u64 range; network
//! files' warnings on the terminal.

use crate::common::normshift;

#[test]
fn check_refuses_first_what_run_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    for (text, located) in [
        ("name = \"../../victim\"\n", "s.toml:1:8: `name`"),
        ("name = \"t\"\n[[strategies]]\nname = \"baseline\"\n[[strategies]]\nname = \"a\\nb\"\n", "s.toml:5:8: `strategies.1.name`"),
        ("name = \"t\"\n[population]\ngatekeepers_per_village = 4294967295\n", "s.toml:3:27: `population.gatekeepers_per_village`"),
        (
            "name = \"t\"\nsteps = 96\n[[strategies]]\nname = \"b\"\n[[strategies.interventions]]\nkind = \"media\"\nend = 200\n",
            "s.toml:7:7: `strategies.0.interventions.0.end`",
        ),
        ("name = \"t\"\nseed = -1\n", "s.toml:2:8: `seed`"),
    ] {
        std::fs::write(tmp.path().join("s.toml"), text).unwrap();
        for cmd in [&["check", "s.toml"][..], &["run", "s.toml", "--reps", "1", "--out", "o"][..]] {
            let (code, _, err) = normshift(tmp.path(), cmd);
            assert_eq!(code, 2, "{cmd:?} {text}: {err}");
            assert!(err.contains(located), "{cmd:?}: {err}");
        }
        assert!(!tmp.path().join("o").exists() && !tmp.path().join("results").exists());
    }
    // A name given with --set is checked the same way.
    let (code, _, err) = normshift(tmp.path(), &["run", "default", "--set", "name=../../victim", "--reps", "1", "--steps", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--set name=../../victim") && err.contains("`/`"), "{err}");
    assert!(!tmp.path().join("results").exists() && !tmp.path().parent().unwrap().join("victim").exists());
}

#[test]
fn a_sweeps_per_run_seed_can_be_given_back() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["run", "default", "--seed", "16243953198139721037", "--reps", "1", "--steps", "2", "--no-plots", "--out", "o"];
    let (code, _, err) = normshift(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    let saved = std::fs::read_to_string(tmp.path().join("o/scenario.toml")).unwrap();
    assert!(saved.contains("seed = \"16243953198139721037\""), "{saved}");
    // The saved scenario runs again, to the same results.
    let (code, _, err) = normshift(tmp.path(), &["run", "o/scenario.toml", "--no-plots", "--out", "p"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(tmp.path().join("o/runs.csv")).unwrap(), std::fs::read(tmp.path().join("p/runs.csv")).unwrap());
}

#[test]
fn check_warns_when_compare_would_miss_baseline() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), "name = \"t\"\nsteps = 3\n[initial]\nburn_in = 1\n[[strategies]]\nname = \"only\"\n")
        .unwrap();
    let (code, _, err) = normshift(tmp.path(), &["check", "s.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning") && err.contains("`baseline`") && err.contains("compare"), "{err}");
    let (code, _, err) = normshift(tmp.path(), &["compare", "s.toml", "--reps", "1", "--out", "o"]);
    assert_eq!(code, 2, "{err}");
    assert!(!tmp.path().join("o").exists());
}

#[test]
fn network_warnings_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = "name = \"f\"\nsteps = 3\n[initial]\nburn_in = 1\n[network]\nkind = \"file\"\nnodes = \"n.csv\"\nedges = \"e.csv\"\n";
    std::fs::write(tmp.path().join("s.toml"), scenario).unwrap();
    std::fs::write(tmp.path().join("n.csv"), "id,gender\na,woman\nb,man\nc,woman\n").unwrap();
    std::fs::write(tmp.path().join("e.csv"), "source,target\na,b\nb,a\n").unwrap();
    let (code, _, err) = normshift(tmp.path(), &["check", "s.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning: e.csv: 1 duplicate tie merged"), "{err}");
    assert!(err.contains("1 of 3 people have no ties (the first is `c`)"), "{err}");
    assert!(err.contains("falls into 2 groups"), "{err}");
    std::fs::write(tmp.path().join("e.csv"), "source,target,weight\na,b,1e308\n").unwrap();
    let (code, _, err) = normshift(tmp.path(), &["check", "s.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("e.csv:2") && err.contains("1e308"), "{err}");
}
