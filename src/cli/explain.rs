//! `normshift compare --explain`: the CLI side of what drives a gain
//! (`normshift::explain`). Says how many runs it adds, builds the job
//! entries of the channel-off variants, writes `explain.csv`, prints the
//! explain table after the comparison table, and (for `plot`, `run` and
//! `compare` drawing a folder) reads `explain.csv` back into the figure
//! `explain` and the report's section.

use super::files::write_atomic;
use normshift::explain::{self, COLUMNS, Part, Row, Variant};
use normshift::output::csv_line;
use normshift::plot::{self, Figure, Options};
use std::io::IsTerminal;
use std::path::Path;

/// The message refusing `--explain` over priors.
pub const AT_POINT_VALUES: &str = "this scenario declares priors ([uncertain]); --explain splits the gain of one comparison, \
     so it runs at the point values (the values written in the scenario), as --no-uncertainty does; \
     leave out --explain for the comparison over the priors";

/// Why `--draws` and `--explain` do not go together.
pub const DRAWS_WITH_EXPLAIN: &str = "--explain runs at the point values, not over draws of the priors; leave out --draws, or --explain";

/// A line saying how many runs the comparison and its explanation take.
pub fn cost_line(strategies: usize, variants: &[Variant], replicates: u32) -> String {
    let base = strategies * replicates as usize;
    let extra = variants.len() * replicates as usize;
    format!(
        "--explain: {base} runs for the comparison plus {extra} with one channel off ({} strategy channels x {replicates} replicates), {} runs in all",
        variants.len(),
        base + extra
    )
}

/// Write `explain.csv`.
pub fn write_csv(dir: &Path, rows: &[Row]) -> anyhow::Result<()> {
    write_atomic(&dir.join("explain.csv"), |w| {
        writeln!(w, "{}", COLUMNS.join(","))?;
        for r in rows {
            w.write_all(csv_line(r.record()).as_bytes())?;
        }
        Ok(())
    })
}

/// The figure and the report's section from `dir/explain.csv`, if the
/// folder has one.
pub fn folder_report(dir: &Path, strategies: &[String], opts: &Options) -> anyhow::Result<Option<(Vec<Figure>, String)>> {
    let path = dir.join("explain.csv");
    if !path.exists() {
        return Ok(None);
    }
    let file = std::fs::File::open(&path).map_err(|e| super::bad(format!("{}: cannot read: {e}", path.display())))?;
    let rows =
        plot::tables::read_explain(std::io::BufReader::new(file), &path.display().to_string()).map_err(|e| super::bad(e.to_string()))?;
    let figure = plot::explain::figure(&rows, strategies, opts).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let html = plot::explain::section(&rows, figure.as_ref());
    Ok(Some((figure.into_iter().collect(), html)))
}

/// Points, signed, from a share.
fn pts(x: f64) -> String {
    if x.is_finite() { format!("{:+.1}", 100.0 * x) } else { "-".to_string() }
}

/// The explain table, readable at 80 columns: per strategy (in `order`)
/// the gain, each channel's contribution and the leftover at the
/// programme's end with 90% intervals, and at the last month.
pub fn print_table(rows: &[Row], order: &[&String], end: u32, last: u32) {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let bold = |t: String| if colour { format!("\x1b[1m{t}\x1b[0m") } else { t };
    let intervals = rows.iter().any(|r| r.lo.is_finite());
    println!();
    println!("What drives each gain: each strategy rerun with one channel off at a time, on");
    println!("the same replicates. A channel's points are the gain lost when it is off; \"all\"");
    println!("is the gain itself; \"leftover\" is the gain less the channels' points: what");
    println!("the strategy does through no channel, plus interactions (below 0: channels that");
    println!("need each other; above 0: channels that stand in for each other).");
    println!("end: points at month {end}{}; final: at month {last}.", if intervals { " [90% interval]" } else { "" });
    println!();
    println!("{:<16} {:<17} {:>21} {:>7}", "strategy", "channel", if intervals { "end [90% int.]" } else { "end" }, "final");
    let get = |s: &str, m: &str, p: Part| rows.iter().find(|r| r.strategy == s && r.metric == m && r.part == p);
    for s in order {
        let parts: Vec<&Row> = rows.iter().filter(|r| r.strategy == **s && r.metric == "participation_end").collect();
        for (k, r) in parts.iter().enumerate() {
            let name = match r.part {
                Part::Total => "all",
                p => p.as_str(),
            };
            let end =
                if r.lo.is_finite() && r.hi.is_finite() { format!("{} [{},{}]", pts(r.mean), pts(r.lo), pts(r.hi)) } else { pts(r.mean) };
            let fin = get(s, "participation_final", r.part).map_or("-".to_string(), |f| pts(f.mean));
            let who = if k == 0 { trunc(s, 16) } else { String::new() };
            let line = format!("{who:<16} {name:<17} {end:>21} {fin:>7}");
            println!("{}", if r.part == Part::Total { bold(line) } else { line });
        }
    }
    println!("Every row, with intervals at both months: explain.csv.");
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['~']).collect() }
}

/// The rows of `explain.csv` from the combined job's runs.
pub fn rows(results: &[normshift::run::RunResult], names: &[String], variants: &[Variant], replicates: usize, baseline: &str) -> Vec<Row> {
    explain::rows(&explain::decompose(results, names, variants, replicates, baseline))
}
