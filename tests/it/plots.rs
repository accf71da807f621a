//! Figures and the report, through the real binary: after a small
//! `compare`, every PNG decodes, every SVG parses, every GIF is an
//! animation with a frame per month, the report is self-contained and its
//! sentences come from the tables; `normshift plot` redraws a folder
//! byte for byte; bad folders exit with code 2, name the file and write no
//! figure.

use normshift::plot::tables::{read_runs, read_village};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_normshift");
const MONTHS: usize = 24;

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn normshift(args: &[&str]) -> Outcome {
    let o = Command::new(BIN).args(args).output().expect("cannot start the normshift binary");
    Outcome {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Arguments for a small compare of the default scenario into `out`.
fn small_compare(out: &Path) -> Vec<String> {
    let months = MONTHS.to_string();
    [
        "compare",
        "default",
        "--no-uncertainty",
        "--reps",
        "5",
        "--steps",
        months.as_str(),
        "--set",
        "initial.burn_in=12",
        "--set",
        "population.villages=2",
        "--set",
        "population.households_per_village=60",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// One small comparison shared by the tests of this file (read-only), in
/// Cargo's scratch folder for integration tests.
fn results() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plots-small");
        if out.exists() {
            std::fs::remove_dir_all(&out).unwrap();
        }
        let args = small_compare(&out);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = normshift(&args);
        assert_eq!(o.code, 0, "compare failed:\n{}\n{}", o.stdout, o.stderr);
        assert!(o.stdout.contains("report in"), "compare did not say where the report is:\n{}", o.stdout);
        out
    })
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

/// Copy the regular files of `from` into a new folder.
fn copy_results(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn compare_draws_every_figure_in_both_formats() {
    let figs = results().join("figures");
    let expected = ["participation", "sanctions_violence", "comparison", "risk", "cost", "groups", "attitudes", "village"];
    for id in expected {
        for ext in ["png", "svg"] {
            let p = figs.join(format!("{id}.{ext}"));
            assert!(p.is_file(), "{} was not drawn", p.display());
        }
    }
    assert_eq!(files(&figs, "png").len(), expected.len(), "{:?}", files(&figs, "png"));
    assert_eq!(files(&figs, "svg").len(), expected.len());
    assert!(results().join("report.html").is_file());
}

#[test]
fn every_png_decodes_and_is_not_blank() {
    for p in files(&results().join("figures"), "png") {
        let bytes = std::fs::read(&p).unwrap();
        let mut reader =
            png::Decoder::new(std::io::Cursor::new(bytes.as_slice())).read_info().unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(info.width >= 1280 && info.height >= 600, "{}: {}x{}", p.display(), info.width, info.height);
        let px = &buf[..info.buffer_size()];
        let dark = px.chunks(3).filter(|c| c.iter().all(|&v| v < 100)).count();
        let colour = px.chunks(3).filter(|c| c.iter().max().unwrap() - c.iter().min().unwrap() > 60).count();
        assert!(dark > 2000, "{}: almost no text or lines ({dark} dark pixels)", p.display());
        assert!(colour > 500, "{}: no colour ({colour} coloured pixels)", p.display());
        assert!(bytes.len() < 400_000, "{}: {} bytes", p.display(), bytes.len());
    }
}

#[test]
fn every_svg_parses_and_has_text() {
    for p in files(&results().join("figures"), "svg") {
        let text = std::fs::read_to_string(&p).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{}", p.display());
        assert!(root.attribute("viewBox").is_some(), "{}: no viewBox, so it cannot scale", p.display());
        let texts = root.descendants().filter(|n| n.has_tag_name("text")).count();
        assert!(texts >= 5, "{}: {texts} text elements", p.display());
        assert!(text.contains("Liberation Sans"), "{}: the font list does not name the embedded font", p.display());
    }
}

#[test]
fn every_strategy_has_an_animation_with_a_frame_per_month() {
    let gifs = files(&results().join("figures"), "gif");
    let runs = read_runs(std::fs::File::open(results().join("runs.csv")).unwrap(), "runs.csv").unwrap();
    assert_eq!(gifs.len(), runs.strategies.len(), "{gifs:?}");
    for p in gifs {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::Indexed);
        let mut d = opts.read_info(std::fs::File::open(&p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!((d.width(), d.height()), (600, 600), "{}", p.display());
        let mut frames = 0;
        while let Some(f) = d.read_next_frame().unwrap_or_else(|e| panic!("{}: {e}", p.display())) {
            assert!(f.delay > 0);
            frames += 1;
        }
        assert_eq!(frames, MONTHS, "{}", p.display());
    }
}

#[test]
fn the_report_is_self_contained_and_holds_every_figure() {
    let html = std::fs::read_to_string(results().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in ["participation", "sanctions_violence", "comparison", "risk", "cost", "groups", "attitudes", "village"] {
        assert!(html.contains(&format!("<figure id=\"{id}\"")), "the report lacks the figure {id}");
    }
    assert_eq!(html.matches("<svg").count(), 8);
    assert_eq!(html.matches("<figcaption>").count(), 9, "every figure and the animation have a caption");
    assert!(html.contains("data:image/gif;base64,"), "no inline animation");
    // Nothing is fetched: no external scripts, styles, images or fonts.
    for bad in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!html.contains(bad), "the report refers to something outside itself: {bad}");
    }
    assert!(html.contains("@media print"), "no print styles");
    // The scenario and its strategies are described.
    for s in ["male_champions", "leaders_dialogue", "womens_orgs_core", "quota_only", "Villages", "Replicates"] {
        assert!(html.contains(s), "the report does not mention {s}");
    }
}

#[test]
fn captions_come_from_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("edited");
    copy_results(results(), &dir);
    // Give male_champions a gain no run produced, and make it the best.
    let path = dir.join("comparison.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    for (k, line) in text.lines().enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if k > 0 && cells[0] == "male_champions" && cells[1] == "participation_end" {
            (cells[5], cells[6], cells[7]) = ("0.7731".into(), "0.6512".into(), "0.8869".into());
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
    let o = normshift(&["plot", dir.to_str().unwrap(), "--formats", "svg"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("Male champions raised participation at the end of the programme by 77 points (90% interval 65 to 89) compared with no programme"),
        "the comparison caption does not use comparison.csv's numbers"
    );
    assert!(html.contains("+77.3 (+65.1 to +88.7)"), "the comparison table does not use comparison.csv's numbers");
    // --formats svg wrote SVGs only.
    assert!(files(&dir.join("figures"), "png").is_empty());
    assert!(!files(&dir.join("figures"), "svg").is_empty());
}

#[test]
fn plot_redraws_a_folder_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("again");
    copy_results(results(), &dir);
    let o = normshift(&["plot", dir.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("figure files in"), "{}", o.stdout);
    for ext in ["png", "svg", "gif"] {
        let first = files(&results().join("figures"), ext);
        let second = files(&dir.join("figures"), ext);
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert!(std::fs::read(a).unwrap() == std::fs::read(b).unwrap(), "{} differs when redrawn", b.display());
        }
    }
    assert_eq!(std::fs::read(results().join("report.html")).unwrap(), std::fs::read(dir.join("report.html")).unwrap());
    // Into another folder, without the report.
    let gallery = tmp.path().join("gallery");
    let o = normshift(&["plot", dir.to_str().unwrap(), "--out", gallery.to_str().unwrap(), "--no-report", "--formats", "png"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(files(&gallery, "png").len(), 8);
    assert!(files(&gallery, "svg").is_empty() && files(&gallery, "gif").is_empty());
}

#[test]
fn the_village_layout_keeps_households_together() {
    let d = results();
    let open = |n: &str| std::fs::File::open(d.join(n)).unwrap();
    let v = read_village(open("village_agents.csv"), open("village_ties.csv"), open("village_states.csv"), ["a", "t", "s"]).unwrap();
    let lay = normshift::plot::network::layout(&v);
    assert_eq!(lay, normshift::plot::network::layout(&v), "the layout is not deterministic");
    let dist = |a: u32, b: u32| {
        let (p, q) = (lay.pos[a as usize], lay.pos[b as usize]);
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
    };
    let n = lay.pos.len() as u32;
    let home = lay.household.iter().map(|&(a, b)| dist(a, b)).sum::<f64>() / lay.household.len() as f64;
    let any = (0..n).map(|i| dist(i, (i * 7 + 13) % n)).sum::<f64>() / f64::from(n);
    assert!(home < 0.25 * any, "household members are {home:.3} apart, any two people {any:.3}");
}

#[test]
fn run_draws_without_a_comparison_and_no_plots_draws_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let mut args = small_compare(&out);
    args[0] = "run".into();
    // `run` always runs at the point values: it has no --no-uncertainty.
    args.retain(|a| a != "--no-uncertainty");
    let with_flag: Vec<&str> = args.iter().map(String::as_str).chain(["--no-plots"]).collect();
    let o = normshift(&with_flag);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!out.join("figures").exists() && !out.join("report.html").exists(), "--no-plots drew figures");
    let o = normshift(&["plot", out.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let figs = out.join("figures");
    assert!(figs.join("participation.png").is_file());
    assert!(!figs.join("comparison.png").exists(), "a comparison figure without comparison.csv");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Results per strategy"), "the report lacks the per-strategy summary of runs.csv");
}

/// `plot` on a bad folder: exit code 2, the message names the file and the
/// problem, and no figure file is written.
fn refused(dir: &Path, needles: &[&str]) {
    let o = normshift(&["plot", dir.to_str().unwrap()]);
    assert_eq!(o.code, 2, "exit code {} for {}:\n{}", o.code, dir.display(), o.stderr);
    for n in needles {
        assert!(o.stderr.contains(n), "stderr lacks `{n}`:\n{}", o.stderr);
    }
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    let figs = dir.join("figures");
    assert!(!figs.exists() || files(&figs, "png").is_empty(), "figures were written for a bad folder");
    assert!(!dir.join("report.html").exists(), "a report was written for a bad folder");
}

#[test]
fn bad_folders_are_refused_with_the_file_named() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = |name: &str| {
        let d = tmp.path().join(name);
        copy_results(results(), &d);
        std::fs::remove_file(d.join("report.html")).ok();
        d
    };
    refused(&tmp.path().join("nothing-here"), &["no such folder"]);

    let d = fresh("no-runs");
    std::fs::remove_file(d.join("runs.csv")).unwrap();
    refused(&d, &["runs.csv", "not found"]);

    let d = fresh("bad-number");
    let ts = std::fs::read_to_string(d.join("timeseries.csv")).unwrap();
    let mut lines: Vec<String> = ts.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen(",0.", ",zero.", 1);
    std::fs::write(d.join("timeseries.csv"), lines.join("\n")).unwrap();
    refused(&d, &["timeseries.csv", "line 4", "is not a number"]);

    let d = fresh("short-row");
    let runs = std::fs::read_to_string(d.join("runs.csv")).unwrap();
    let cut: String = runs.lines().take(2).map(|l| format!("{l}\n")).collect::<String>() + "0,baseline,1\n";
    std::fs::write(d.join("runs.csv"), cut).unwrap();
    refused(&d, &["runs.csv", "line 3", "cells where the header has"]);

    let d = fresh("missing-column");
    let cmp = std::fs::read_to_string(d.join("comparison.csv")).unwrap().replacen("diff_lo", "difference_low", 1);
    std::fs::write(d.join("comparison.csv"), cmp).unwrap();
    refused(&d, &["comparison.csv", "missing column `diff_lo`"]);

    let d = fresh("empty");
    std::fs::write(d.join("timeseries.csv"), "").unwrap();
    refused(&d, &["timeseries.csv", "empty"]);

    let d = fresh("bad-state");
    let st = std::fs::read_to_string(d.join("village_states.csv")).unwrap().replacen(",woman\n", ",sleeping\n", 1);
    std::fs::write(d.join("village_states.csv"), st).unwrap();
    refused(&d, &["village_states.csv", "`sleeping` is not one of"]);

    let d = fresh("half-trace");
    std::fs::remove_file(d.join("village_ties.csv")).unwrap();
    refused(&d, &["village_ties.csv", "not found"]);

    let d = fresh("bad-scenario");
    std::fs::write(d.join("scenario.toml"), "name = \"x\"\nsteps = \"many\"\n").unwrap();
    refused(&d, &["scenario.toml", "steps"]);
}
