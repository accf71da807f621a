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

/// A CSV writer over `w`: fields quoted only where needed (a comma, quote,
/// or line break), `\n` line ends. Every table goes through one, so any
/// text in a cell reads back as written.
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(w)
}

/// One CSV record as a line ending in `\n`, quoted as [`csv_writer`] does
/// (for journals that append a line at a time).
pub fn csv_line<I, T>(cells: I) -> String
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv_writer(Vec::new());
    // Writing to memory cannot fail.
    if w.write_record(cells).is_err() {
        return String::new();
    }
    w.into_inner().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// Write one record of `cells` to `w`.
fn record<W: Write>(w: &mut csv::Writer<W>, cells: &[&str]) -> io::Result<()> {
    w.write_record(cells)?;
    Ok(())
}

fn id_cells(r: &RunResult) -> [String; 4] {
    [r.id.run_id.to_string(), r.id.strategy.clone(), r.id.replicate.to_string(), r.id.seed.to_string()]
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
    let mut out = csv_writer(w);
    let id = id_cells(r);
    for (t, m) in r.months.iter().enumerate() {
        for c in &id {
            out.write_field(c)?;
        }
        out.write_field(t.to_string())?;
        for x in m {
            out.write_field(num(*x))?;
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()
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
    let mut out = csv_writer(w);
    for c in &id_cells(r) {
        out.write_field(c)?;
    }
    for x in &r.summary {
        out.write_field(num(*x))?;
    }
    out.write_field(r.agents.to_string())?;
    out.write_field(r.ties.to_string())?;
    out.write_record(None::<&[u8]>)?;
    out.flush()
}

/// `village_agents.csv`: the traced village's people.
pub fn write_village_agents(w: &mut (impl Write + ?Sized), t: &crate::run::Trace) -> io::Result<()> {
    use crate::population::attr;
    let mut out = csv_writer(w);
    record(&mut out, &["agent", "role", "gender", "head", "elite", "disabled", "marginalised", "youth"])?;
    const ROLES: [&str; 3] = ["member", "gatekeeper", "religious_leader"];
    for (k, (&r, &a)) in t.roles.iter().zip(&t.attrs).enumerate() {
        let b = |bit: u8| if a & bit != 0 { "1" } else { "0" };
        let gender = if a & attr::WOMAN != 0 { "woman" } else { "man" };
        let k = k.to_string();
        record(
            &mut out,
            &[
                &k,
                ROLES[usize::from(r).min(2)],
                gender,
                b(attr::HEAD),
                b(attr::ELITE),
                b(attr::DISABLED),
                b(attr::MARGINALISED),
                b(attr::YOUTH),
            ],
        )?;
    }
    out.flush()
}

/// `village_ties.csv`: ties within the traced village.
pub fn write_village_ties(w: &mut (impl Write + ?Sized), t: &crate::run::Trace) -> io::Result<()> {
    let mut out = csv_writer(w);
    record(&mut out, &["source", "target", "layer"])?;
    for &(a, b, l) in &t.ties {
        record(&mut out, &[&a.to_string(), &b.to_string(), crate::network::layer::NAMES[usize::from(l)]])?;
    }
    out.flush()
}

/// `village_states.csv`: each traced agent's state each month, per strategy.
pub fn write_village_states(w: &mut (impl Write + ?Sized), results: &[RunResult]) -> io::Result<()> {
    let mut out = csv_writer(w);
    record(&mut out, &["strategy", "step", "agent", "state"])?;
    for r in results {
        if let Some(t) = &r.trace {
            for (step, states) in t.states.iter().enumerate() {
                let step = step.to_string();
                for (k, &s) in states.iter().enumerate() {
                    record(&mut out, &[&r.id.strategy, &step, &k.to_string(), crate::run::STATE_NAMES[usize::from(s)]])?;
                }
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awkward_text_round_trips_and_plain_text_is_unquoted() {
        let cells = ["champions + protection \"B\"", "a,b", "two\nlines", "", "plain", "0.500000"];
        let line = csv_line(cells);
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
        let back = rdr.records().next().unwrap().unwrap();
        assert_eq!(back.iter().collect::<Vec<_>>(), cells.to_vec());
        assert_eq!(csv_line(["1", "quota_only", "0", "", "0.5"]), "1,quota_only,0,,0.5\n");
    }
}
