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

/// `village_agents.csv`: the traced village's people.
pub fn write_village_agents(w: &mut (impl Write + ?Sized), t: &crate::run::Trace) -> io::Result<()> {
    use crate::population::attr;
    writeln!(w, "agent,role,gender,head,elite,disabled,marginalised,youth")?;
    const ROLES: [&str; 3] = ["member", "gatekeeper", "religious_leader"];
    for (k, (&r, &a)) in t.roles.iter().zip(&t.attrs).enumerate() {
        let b = |bit: u8| u8::from(a & bit != 0);
        let gender = if a & attr::WOMAN != 0 { "woman" } else { "man" };
        writeln!(
            w,
            "{k},{},{gender},{},{},{},{},{}",
            ROLES[usize::from(r).min(2)],
            b(attr::HEAD),
            b(attr::ELITE),
            b(attr::DISABLED),
            b(attr::MARGINALISED),
            b(attr::YOUTH)
        )?;
    }
    Ok(())
}

/// `village_ties.csv`: ties within the traced village.
pub fn write_village_ties(w: &mut (impl Write + ?Sized), t: &crate::run::Trace) -> io::Result<()> {
    writeln!(w, "source,target,layer")?;
    for &(a, b, l) in &t.ties {
        writeln!(w, "{a},{b},{}", crate::network::layer::NAMES[usize::from(l)])?;
    }
    Ok(())
}

/// `village_states.csv`: each traced agent's state each month, per strategy.
pub fn write_village_states(w: &mut (impl Write + ?Sized), results: &[RunResult]) -> io::Result<()> {
    writeln!(w, "strategy,step,agent,state")?;
    for r in results {
        if let Some(t) = &r.trace {
            for (step, states) in t.states.iter().enumerate() {
                for (k, &s) in states.iter().enumerate() {
                    writeln!(w, "{},{step},{k},{}", r.id.strategy, crate::run::STATE_NAMES[usize::from(s)])?;
                }
            }
        }
    }
    Ok(())
}
