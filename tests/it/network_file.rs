//! A real network read from node and edge CSV files, through the binary:
//! the example in `examples/survey-village/` runs, and bad files are
//! refused with the file, line and what is allowed.

use std::path::Path;

use crate::common::normshift;

#[test]
fn the_survey_example_runs_on_its_own_people() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/survey-village/scenario.toml");
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = normshift(tmp.path(), &["run", example.to_str().unwrap(), "--reps", "2", "--steps", "6", "--out", "o"]);
    assert_eq!(code, 0, "{err}");
    let runs = std::fs::read_to_string(tmp.path().join("o/runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let agents = header.iter().position(|h| *h == "agents").unwrap();
    let nodes = std::fs::read_to_string(example.with_file_name("nodes.csv")).unwrap().lines().count() - 1;
    for row in runs.lines().skip(1) {
        assert_eq!(row.split(',').nth(agents).unwrap(), nodes.to_string(), "every run uses the file's people");
    }
}

#[test]
fn bad_network_files_are_refused_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = "name = \"f\"\nsteps = 3\n[initial]\nburn_in = 1\n[network]\nkind = \"file\"\nnodes = \"n.csv\"\nedges = \"e.csv\"\n";
    std::fs::write(tmp.path().join("s.toml"), scenario).unwrap();
    std::fs::write(tmp.path().join("n.csv"), "id,gender\na,woman\nb,robot\n").unwrap();
    std::fs::write(tmp.path().join("e.csv"), "source,target\na,b\n").unwrap();
    let (code, _, err) = normshift(tmp.path(), &["run", "s.toml", "--out", "never"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("n.csv:3") && err.contains("robot") && err.contains("woman or man"), "{err}");
    std::fs::write(tmp.path().join("n.csv"), "id,gender\na,woman\nb,man\n").unwrap();
    std::fs::write(tmp.path().join("e.csv"), "source,target\na,zed\n").unwrap();
    let (code, _, err) = normshift(tmp.path(), &["run", "s.toml", "--out", "never"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("e.csv:2") && err.contains("`zed`"), "{err}");
    std::fs::remove_file(tmp.path().join("e.csv")).unwrap();
    let (code, _, err) = normshift(tmp.path(), &["run", "s.toml", "--out", "never"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("network.edges") && err.contains("e.csv"), "{err}");
    assert!(!tmp.path().join("never").exists());
}
