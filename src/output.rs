//! Tidy output tables (`timeseries.csv`, `runs.csv`) written to any writer,
//! with fixed number formatting so that the same results give the same
//! bytes. The caller chooses files and makes writes atomic.

use crate::outcomes::{MONTH_COLUMNS, SUMMARY_COLUMNS};
use crate::run::RunResult;
use std::io::{self, Write};

/// Identifying columns that start every row.
pub const ID_COLUMNS: [&str; 4] = ["run_id", "strategy", "replicate", "seed"];

/// Format a number for output: integers plainly, others with 6 decimals,
/// NaN as an empty cell.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.6}")
    }
}

fn id_cells(r: &RunResult) -> String {
    format!("{},{},{},{}", r.id.run_id, r.id.strategy, r.id.replicate, r.id.seed)
}

/// Header of `timeseries.csv`.
pub fn timeseries_header() -> String {
    let mut h: Vec<&str> = ID_COLUMNS.to_vec();
    h.push("step");
    h.extend(MONTH_COLUMNS);
    h.join(",")
}

/// Rows of `timeseries.csv` for one run.
pub fn write_timeseries(w: &mut (impl Write + ?Sized), r: &RunResult) -> io::Result<()> {
    let id = id_cells(r);
    for (t, m) in r.months.iter().enumerate() {
        write!(w, "{id},{t}")?;
        for x in m {
            write!(w, ",{}", num(*x))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Header of `runs.csv`.
pub fn runs_header() -> String {
    let mut h: Vec<&str> = ID_COLUMNS.to_vec();
    h.extend(SUMMARY_COLUMNS);
    h.extend(["agents", "ties"]);
    h.join(",")
}

/// The row of `runs.csv` for one run.
pub fn write_run(w: &mut (impl Write + ?Sized), r: &RunResult) -> io::Result<()> {
    write!(w, "{}", id_cells(r))?;
    for x in &r.summary {
        write!(w, ",{}", num(*x))?;
    }
    writeln!(w, ",{},{}", r.agents, r.ties)
}
