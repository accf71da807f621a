//! A fuzz harness for the inputs: mutated built-in scenarios, `--set`
//! values and network files, generated with `arbitrary` from fixed seeds
//! (so every run tries the same cases), a bounded number of each. Asserts
//! that the readers never panic, and that each input is either refused
//! with a located message (file and line, or the `--set` at fault) or
//! accepted as a scenario that reads back to itself; through the binary,
//! that `check` exits 0 or 2, never anything else, and within a time bound
//! (a hang detector, not a speed target). Longer campaigns: `fuzz/` (see
//! docs/MODEL.md section 4.1 and fuzz/README.md).

use arbitrary::Unstructured;
use normshift::network::file::load_checked;
use normshift::scenario::{Weights, builtin, builtin_names, parse_scenario};
use std::io::Write;
use std::panic::catch_unwind;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Values at and beyond every limit, of every type.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "1.5",
    "-0.0",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "0x7fffffff",
    "1_000_000_000",
    "\"\"",
    "\"x\"",
    "\"../../victim\"",
    "\"a\\nb\"",
    "\"q\\\"uote,comma\"",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    "{ per_person = 1e308 }",
    "\"/dev/zero\"",
    "\".\"",
];

/// A deterministic stream of bytes for `arbitrary` (SplitMix64).
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// The last character boundary at or before byte `at`.
fn boundary(text: &str, at: usize) -> usize {
    let mut cut = at.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Apply 1 to 3 mutations to `text`, line by line: a value replaced by a
/// hostile one, a line deleted, doubled or swapped, a section header or
/// random bytes inserted, the text cut short.
fn mutate(text: &str, u: &mut Unstructured) -> arbitrary::Result<String> {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..u.int_in_range(1..=3)? {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = u.choose_index(lines.len())?;
        match u.int_in_range(0..=7)? {
            0 | 1 => {
                let value = *u.choose(HOSTILE)?;
                if let Some((k, _)) = lines[i].split_once('=') {
                    lines[i] = format!("{k}= {value}");
                } else {
                    lines.insert(i, format!("seed = {value}"));
                }
            }
            2 => {
                lines.remove(i);
            }
            3 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            4 => {
                let j = u.choose_index(lines.len())?;
                lines.swap(i, j);
            }
            5 => lines.insert(
                i,
                (*u.choose(&["[population]", "[[strategies]]", "[[strategies.interventions]]", "[x]", "[network]"])?).to_string(),
            ),
            6 => {
                let junk: Vec<u8> = (0..u.int_in_range(1..=8)?).map(|_| u.arbitrary::<u8>()).collect::<arbitrary::Result<_>>()?;
                let at = u.int_in_range(0..=lines[i].len())?;
                let mut l = lines[i].clone().into_bytes();
                l.splice(at..at, junk);
                lines[i] = String::from_utf8_lossy(&l).into_owned();
            }
            _ => {
                let cut = boundary(&lines[i], u.int_in_range(0..=lines[i].len())?);
                lines[i].truncate(cut);
                lines.truncate(i + 1);
            }
        }
    }
    Ok(lines.join("\n") + "\n")
}

/// The refusal is located: the origin is the file (with a line within the
/// text) or the `--set` at fault, and there is a message.
fn assert_located(e: &normshift::scenario::ScenarioError, text: &str, what: &str) {
    assert!(!e.message.trim().is_empty(), "{what}: empty message");
    if e.origin.starts_with("--set ") {
        return;
    }
    assert_eq!(e.origin, "fuzz.toml", "{what}: {e}");
    if let Some((line, col)) = e.at {
        assert!(line >= 1 && line <= text.lines().count() + 1 && col >= 1, "{what}: {e} is outside the text");
    }
}

/// Check a mutated scenario through the library: no panic; refused where
/// located, or valid and its saved form reads back to the same scenario.
fn try_scenario(text: &str, sets: &[String], what: &str) -> bool {
    let r = catch_unwind(|| parse_scenario(text, "fuzz.toml", sets));
    let r = r.unwrap_or_else(|_| panic!("{what}: the reader panicked on:\n{text}\n--set {sets:?}"));
    match r {
        Err(e) => {
            assert_located(&e, text, what);
            false
        }
        Ok(s) => {
            if sets.is_empty() {
                let saved = toml::to_string(&s).unwrap_or_else(|e| panic!("{what}: a valid scenario cannot be saved: {e}"));
                let back =
                    parse_scenario(&saved, "saved", &[]).unwrap_or_else(|e| panic!("{what}: the saved scenario is refused: {e}\n{saved}"));
                assert_eq!(back, s, "{what}: the saved scenario reads back differently");
            }
            true
        }
    }
}

#[test]
fn mutated_scenarios_are_refused_located_or_read_back_whole() {
    let names: Vec<&str> = builtin_names().collect();
    let (mut valid, mut refused) = (0, 0);
    for case in 0..3000u64 {
        let data = bytes(case, 256);
        let mut u = Unstructured::new(&data);
        let name = names[case as usize % names.len()];
        let Ok(text) = mutate(builtin(name).unwrap(), &mut u) else { continue };
        if try_scenario(&text, &[], &format!("case {case} ({name})")) {
            valid += 1;
        } else {
            refused += 1;
        }
    }
    // Both outcomes are exercised, so the harness tests something.
    assert!(valid > 100 && refused > 100, "{valid} valid, {refused} refused");
}

/// Dotted keys of every leaf of a scenario.
fn keys(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, x) in t {
                keys(x, &if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, out);
            }
        }
        toml::Value::Array(a) if a.first().is_some_and(toml::Value::is_table) => {
            for (i, x) in a.iter().enumerate() {
                keys(x, &format!("{prefix}.{i}"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

#[test]
fn hostile_set_values_are_refused_at_the_set_or_accepted() {
    let (mut valid, mut refused) = (0, 0);
    for name in builtin_names() {
        let text = builtin(name).unwrap();
        let mut all = Vec::new();
        keys(&toml::from_str(text).unwrap(), "", &mut all);
        all.extend(["seed".into(), "steps".into(), "name".into(), "no.such.key".into(), "strategies.9.name".into()]);
        for case in 0..200u64 {
            let data = bytes(case ^ 0xA5A5, 64);
            let mut u = Unstructured::new(&data);
            let (Ok(key), Ok(value)) = (u.choose(&all), u.choose(HOSTILE)) else { continue };
            let set = format!("{key}={value}");
            let r = catch_unwind(|| parse_scenario(text, name, std::slice::from_ref(&set)))
                .unwrap_or_else(|_| panic!("--set {set} on {name}: the reader panicked"));
            match r {
                Ok(_) => valid += 1,
                Err(e) => {
                    refused += 1;
                    assert!(!e.message.trim().is_empty(), "--set {set}: empty message");
                    // A refusal caused by the --set names it (or the file,
                    // where the file is at fault once the value is in).
                    assert!(e.origin.starts_with("--set ") || e.origin == name, "--set {set} on {name}: {e}");
                }
            }
        }
    }
    assert!(valid > 50 && refused > 200, "{valid} valid, {refused} refused");
}

/// Mutate a CSV: a cell replaced by a hostile value, a line deleted or
/// doubled, a header column repeated, bytes inserted, the text cut short.
fn mutate_csv(text: &str, ids: &[&str], u: &mut Unstructured) -> arbitrary::Result<String> {
    const CELLS: &[&str] = &["", "x", "1e308", "-1", "0", "nan", "leader", "gatekeeper", "woman", "\"a,b\"", "\"", "yes", "maybe"];
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..u.int_in_range(1..=3)? {
        let i = u.choose_index(lines.len())?;
        match u.int_in_range(0..=5)? {
            0 | 1 => {
                let mut cells: Vec<String> = lines[i].split(',').map(String::from).collect();
                let c = u.choose_index(cells.len())?;
                cells[c] = if u.arbitrary()? { (*u.choose(ids)?).to_string() } else { (*u.choose(CELLS)?).to_string() };
                lines[i] = cells.join(",");
            }
            2 => {
                lines.remove(i);
                if lines.is_empty() {
                    lines.push(String::new());
                }
            }
            3 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            4 => {
                let first = lines[0].split(',').next().unwrap_or("").to_string();
                lines[0] = format!("{},{first}", lines[0]);
            }
            _ => {
                let cut = boundary(text, u.int_in_range(0..=text.len())?);
                return Ok(text[..cut].to_string());
            }
        }
    }
    Ok(lines.join("\n") + "\n")
}

#[test]
fn mutated_network_files_are_refused_with_their_line_or_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/survey-village");
    let nodes = std::fs::read_to_string(dir.join("nodes.csv")).unwrap();
    let edges = std::fs::read_to_string(dir.join("edges.csv")).unwrap();
    let ids: Vec<&str> = nodes.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    let (mut valid, mut refused) = (0, 0);
    for case in 0..600u64 {
        let data = bytes(case ^ 0x5EED, 128);
        let mut u = Unstructured::new(&data);
        let on_nodes = case % 2 == 0;
        let Ok(m) = mutate_csv(if on_nodes { &nodes } else { &edges }, &ids, &mut u) else { continue };
        let (n, e) = if on_nodes { (m.as_str(), edges.as_str()) } else { (nodes.as_str(), m.as_str()) };
        let r = catch_unwind(|| load_checked(n.as_bytes(), "n.csv", e.as_bytes(), "e.csv", &Weights::default()))
            .unwrap_or_else(|_| panic!("case {case}: the network reader panicked on:\n{m}"));
        match r {
            Ok(l) => {
                valid += 1;
                assert_eq!(l.csr.nodes(), l.agents.len());
            }
            Err(err) => {
                refused += 1;
                let text = if err.file == "n.csv" { n } else { e };
                let lines = text.lines().count() as u64 + 1;
                assert!(err.file == "n.csv" || err.file == "e.csv", "case {case}: {err}");
                assert!(err.line <= lines && !err.message.is_empty(), "case {case}: {err}");
            }
        }
    }
    assert!(valid > 30 && refused > 100, "{valid} valid, {refused} refused");
}

/// Run `normshift check` on `text` with a deadline; returns (code, stderr).
fn check_with_deadline(dir: &Path, text: &str, extra: &[&str]) -> (Option<i32>, String) {
    let path = dir.join("fuzz.toml");
    std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_normshift"))
        .current_dir(dir)
        .arg("check")
        .arg("fuzz.toml")
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("check did not finish within 60 s on:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn check_exits_0_or_2_with_a_located_message() {
    let tmp = tempfile::tempdir().unwrap();
    let names: Vec<&str> = builtin_names().collect();
    let mut refused = 0;
    for case in 0..60u64 {
        let data = bytes(case ^ 0xC0DE, 256);
        let mut u = Unstructured::new(&data);
        let name = names[case as usize % names.len()];
        let Ok(text) = mutate(builtin(name).unwrap(), &mut u) else { continue };
        let (code, err) = check_with_deadline(tmp.path(), &text, &[]);
        match code {
            Some(0) => assert!(err.contains("fuzz.toml: valid"), "case {case}: {err}"),
            Some(2) => {
                refused += 1;
                assert!(err.starts_with("error: fuzz.toml"), "case {case}: not located: {err}");
            }
            other => panic!("case {case}: exit {other:?} (a crash or an abort):\n{err}\n{text}"),
        }
    }
    assert!(refused > 10, "{refused} refused");
    // The files a network reader must not hang or abort on.
    for nodes in ["/dev/zero", ".", ""] {
        let text = format!(
            "name = \"f\"\nsteps = 3\n[initial]\nburn_in = 1\n[network]\nkind = \"file\"\nnodes = \"{nodes}\"\nedges = \"e.csv\"\n"
        );
        std::fs::write(tmp.path().join("e.csv"), "source,target\n").unwrap();
        let (code, err) = check_with_deadline(tmp.path(), &text, &[]);
        assert_eq!(code, Some(2), "nodes = {nodes:?}: {err}");
        assert!(err.contains("network.nodes"), "nodes = {nodes:?}: {err}");
        let want = match nodes {
            "/dev/zero" => "is not a regular file",
            "." => "is a folder",
            _ => "the path is empty",
        };
        assert!(err.contains(want), "nodes = {nodes:?}: {err}");
    }
}
