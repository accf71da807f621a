//! `normshift plot DIR`: read the output tables of a results folder, draw
//! every figure (PNG for slides, SVG for print, GIF animations of the
//! traced village) into `DIR/figures/` and write `DIR/report.html`.
//! `run` and `compare` call [`draw_folder`] on the folder they just wrote.
//!
//! Everything is drawn in memory first; files are written atomically only
//! once every figure has been drawn, so a bad table never leaves half a
//! figure behind.

use super::bad;
use super::files::{confined, ensure_dir, write_atomic};
use normshift::plot::{self, Drawn, Options, Results, tables};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// File formats `plot` can write.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Gif,
}

#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// Results folder written by `normshift run` or `normshift compare` (a
    /// sweep, sensitivity analysis or calibration draws its own figures).
    pub dir: PathBuf,
    /// Folder to write the figures into. Default: DIR/figures/. The report
    /// is still DIR/report.html (add --no-report to leave DIR as it is).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Formats to write (comma-separated): png, svg, gif. Default: all three.
    #[arg(long, value_delimiter = ',', value_enum)]
    pub formats: Vec<Format>,
    /// Do not write DIR/report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Replace --out whole even if it holds results or other files.
    #[arg(long)]
    pub force: bool,
}

pub fn plot_cmd(args: PlotArgs) -> anyhow::Result<()> {
    let t0 = Instant::now();
    if !args.dir.is_dir() {
        return Err(bad(format!(
            "{}: no such folder; give a results folder written by `normshift run` or `normshift compare`",
            args.dir.display()
        )));
    }
    let formats = if args.formats.is_empty() { vec![Format::Png, Format::Svg, Format::Gif] } else { args.formats.clone() };
    let out = args.out.clone().unwrap_or_else(|| args.dir.join("figures"));
    claim_figures(&args.dir, &out, args.force)?;
    // Built aside and renamed into place whole: no stale figure survives,
    // and a stopped plot leaves the folder as it was.
    let staging = super::folder::Staging::new(&out)?;
    let shown = staging.dir.display().to_string();
    let written = draw(&args.dir, &staging.dir, &formats, !args.no_report)?;
    staging.commit()?;
    let written = written.replace(&shown, &out.display().to_string());
    println!("{written} in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// May `plot` write its figures into `out`? The folder rules of `run` and
/// `compare` (`folder.rs`): yes if it is missing or empty, or a figures
/// folder (nothing in it but PNG, SVG and GIF files, as `plot` writes);
/// a results folder or any other non-empty folder only with `--force`
/// (which replaces it whole), and never the results folder being drawn
/// or a folder holding it.
fn claim_figures(dir: &Path, out: &Path, force: bool) -> anyhow::Result<()> {
    use super::folder::{Holder, inspect};
    if super::folder::within(dir, out) || super::folder::within(Path::new("."), out) {
        return Err(bad(format!(
            "plot --out {}: holds the results folder {} being drawn, or the current folder; give a folder of its own for the figures",
            out.display(),
            dir.display()
        )));
    }
    super::folder::check_writable(out)?;
    let figures_only = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().all(|e| {
                let n = e.file_name().to_string_lossy().to_lowercase();
                e.file_type().is_ok_and(|t| t.is_file()) && [".png", ".svg", ".gif"].iter().any(|x| n.ends_with(x))
            })
        })
    };
    let what = match inspect(out)? {
        Holder::Missing | Holder::Empty => return Ok(()),
        Holder::Foreign if figures_only(out) => return Ok(()),
        Holder::Results(m) => format!("holds the results of `normshift {}`", super::folder::command_of(&m)),
        Holder::Foreign => "is not empty and holds more than figures (PNG, SVG, GIF files)".to_string(),
    };
    if force {
        return Ok(());
    }
    Err(bad(format!(
        "plot --out {}: {what}; choose another --out, or add --force to replace it (everything in it is deleted)",
        out.display()
    )))
}

/// Draw every figure and the report for a results folder just written by
/// `run` or `compare`; prints one line saying where they are.
/// `shown` is the folder's final name, for the message (`dir` may be the
/// staging folder it is built in).
pub fn draw_folder(dir: &Path, shown: &Path) -> anyhow::Result<()> {
    let written = draw(dir, &dir.join("figures"), &[Format::Png, Format::Svg, Format::Gif], true)?;
    println!("{}", written.replace(&dir.display().to_string(), &shown.display().to_string()));
    Ok(())
}

/// Read, draw, write; returns a line saying what was written.
fn draw(dir: &Path, out: &Path, formats: &[Format], report: bool) -> anyhow::Result<String> {
    let mut res = read_results(dir)?;
    for w in res.reconcile() {
        eprintln!("warning: {w}");
    }
    let opts = Options {
        svg: report || formats.contains(&Format::Svg),
        png: formats.contains(&Format::Png),
        gif: formats.contains(&Format::Gif),
        ..Options::default()
    };
    let drawn = plot::draw(&res, &opts).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let mut files = write_figures(out, &drawn, formats)?;
    // A comparison over priors: its own figures and a section of the report.
    let mut section = String::new();
    let mut design = None;
    if let Some((figures, html, draws)) = super::uncertain::folder_report(dir, &opts)? {
        files += write_figures(out, &plot::Drawn { figures, ..Default::default() }, formats)?;
        section = html;
        design = Some(draws);
    }
    // compare --explain: what drives each gain.
    if let Some((figures, html)) = super::explain::folder_report(dir, &res.strategies(), &opts)? {
        files += write_figures(out, &plot::Drawn { figures, ..Default::default() }, formats)?;
        section.push_str(&html);
    }
    let mut line = format!("{files} figure files in {}", out.display());
    if report {
        let path = dir.join("report.html");
        super::report::write(&path, &res, &drawn, &section, design)?;
        line.push_str(&format!(", report in {}", path.display()));
    }
    Ok(line)
}

fn write_figures(out: &Path, drawn: &Drawn, formats: &[Format]) -> anyhow::Result<usize> {
    ensure_dir(out)?;
    let mut n = 0;
    for f in &drawn.figures {
        if formats.contains(&Format::Png) {
            write_atomic(&confined(out, &format!("{}.png", f.id))?, |w| w.write_all(&f.png))?;
            n += 1;
        }
        if formats.contains(&Format::Svg) {
            write_atomic(&confined(out, &format!("{}.svg", f.id))?, |w| w.write_all(f.svg.as_bytes()))?;
            n += 1;
        }
    }
    if formats.contains(&Format::Gif) {
        for a in &drawn.animations {
            write_atomic(&confined(out, &format!("{}.gif", a.id))?, |w| w.write_all(&a.gif))?;
            n += 1;
        }
    }
    Ok(n)
}

/// Open a table of the results folder; a missing file is bad input.
fn open(dir: &Path, name: &str) -> anyhow::Result<BufReader<File>> {
    let path = dir.join(name);
    File::open(&path).map(BufReader::new).map_err(|e| unreadable(&path, e))
}

/// The bad-input error for a results file that cannot be read.
fn unreadable(path: &Path, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        bad(format!(
            "{}: not found; `normshift plot` needs a results folder written by `normshift run` or `normshift compare`",
            path.display()
        ))
    } else {
        bad(format!("{}: cannot read: {e}", path.display()))
    }
}

/// Read every table of a results folder the figures are drawn from.
pub fn read_results(dir: &Path) -> anyhow::Result<Results> {
    let label = |name: &str| dir.join(name).display().to_string();
    let table = |e: tables::TableError| bad(e.to_string());

    let path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
    let scenario = normshift::scenario::parse_scenario(&text, &path.display().to_string(), &[]).map_err(|e| bad(e.to_string()))?;

    let timeseries = tables::read_timeseries(open(dir, "timeseries.csv")?, &label("timeseries.csv")).map_err(table)?;
    let runs = tables::read_runs(open(dir, "runs.csv")?, &label("runs.csv")).map_err(table)?;
    let comparison = if dir.join("comparison.csv").exists() {
        Some(tables::read_comparison(open(dir, "comparison.csv")?, &label("comparison.csv")).map_err(table)?)
    } else {
        None
    };
    let names = ["village_agents.csv", "village_ties.csv", "village_states.csv"];
    let village = if names.iter().any(|n| dir.join(n).exists()) {
        let (a, t, s) = (open(dir, names[0])?, open(dir, names[1])?, open(dir, names[2])?);
        Some(tables::read_village(a, t, s, [&label(names[0]), &label(names[1]), &label(names[2])]).map_err(table)?)
    } else {
        None
    };
    Ok(Results { scenario: plot::ScenarioInfo::from_scenario(&scenario), timeseries, runs, comparison, village })
}
