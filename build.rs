//! Embeds every scenario file under `scenarios/` into the binary, named by
//! its path without `.toml`, so that `normshift scenarios` lists them all
//! and adding a file needs no code change. The files scenarios name or go
//! with (posterior files, `*.csv`, and calibration targets,
//! `*-targets.toml`) are embedded too, by their path under `scenarios/`,
//! but are not scenarios.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml" || x == "csv") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("scenarios");
    println!("cargo:rerun-if-changed=scenarios");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).expect("walked under root").with_extension("");
            (rel.to_string_lossy().replace('\\', "/"), p)
        })
        .collect();
    // A file that is not a scenario: a posterior file or a targets file.
    let companion = |p: &Path| p.extension().is_some_and(|x| x == "csv") || p.to_string_lossy().ends_with("-targets.toml");
    let mut companions: Vec<(String, PathBuf)> = named
        .iter()
        .filter(|(_, p)| companion(p))
        .map(|(_, p)| (p.strip_prefix(&root).expect("walked under root").to_string_lossy().replace('\\', "/"), p.clone()))
        .collect();
    companions.sort();
    named.retain(|(_, p)| !companion(p));
    // `default` first, then reference models last, each group by name.
    named.sort_by_key(|(n, _)| (n != "default", n.starts_with("reference/"), n.clone()));
    let mut code = String::from("/// The built-in scenarios: (name, text).\nconst BUILTIN: &[(&str, &str)] = &[\n");
    for (name, path) in &named {
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    code.push_str(
        "/// Files that go with the built-in scenarios: (path under `scenarios/`, text).\nconst BUILTIN_FILES: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &companions {
        code.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin.rs");
    std::fs::write(out, code).expect("write builtin.rs");
}
