//! Upper limits on what the command line may ask for, checked before
//! anything is allocated or run, so that no value ends in an abort, a hang
//! or a disk filled by accident. Documented in README.md ("Limits").

use super::bad;

/// Most worker threads (`--threads`): more only adds scheduling overhead.
pub const MAX_THREADS: usize = 1024;

/// Most replicates (`--reps`, the scenario's `replicates`; the scenario
/// checks its own value against the same number).
pub const MAX_REPLICATES: u32 = 1_000_000;

/// Most points of a sweep design (grid points, or `--samples` of lhs/sobol).
pub const MAX_POINTS: u64 = 1_000_000;

/// Most runs (points x strategies x replicates, or evaluations x
/// replicates) in one sweep or sensitivity analysis, shards included.
pub const MAX_RUNS: u64 = 100_000_000;

/// Largest `compare --budget` (10^15 in the scenario's currency): with
/// costs of at most `normshift::interventions::MAX_COST` each, every total
/// stays a finite, printable number.
pub const MAX_BUDGET: f64 = 1e15;

/// `--threads`, checked.
pub fn threads(t: Option<usize>) -> anyhow::Result<Option<usize>> {
    match t {
        Some(0) => Err(bad("--threads 0: give 1 or more threads")),
        Some(t) if t > MAX_THREADS => Err(bad(format!(
            "--threads {t}: at most {MAX_THREADS}; results do not depend on the number of threads, and more than the cores there are only adds overhead"
        ))),
        t => Ok(t),
    }
}

/// `--reps`, checked (None: the scenario's own).
pub fn reps(r: Option<u32>, why: &str) -> anyhow::Result<()> {
    match r {
        Some(0) => Err(bad(format!("--reps 0: give 1 or more replicates{why}"))),
        Some(r) if r > MAX_REPLICATES => Err(bad(format!("--reps {r}: at most {MAX_REPLICATES} replicates"))),
        _ => Ok(()),
    }
}

/// A job's number of points, checked.
pub fn points(n: u64, what: &str) -> anyhow::Result<()> {
    if n > MAX_POINTS {
        return Err(bad(format!("{what}: {n} points; at most {MAX_POINTS} (split the design into several sweeps, or use fewer values)")));
    }
    Ok(())
}

/// A job's number of runs, checked.
pub fn runs(n: u128, what: &str) -> anyhow::Result<()> {
    if n > u128::from(MAX_RUNS) {
        return Err(bad(format!("{what}: {n} runs; at most {MAX_RUNS} in one job (use fewer points, strategies or replicates)")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_refuse_beyond_and_accept_at_the_bound() {
        assert!(threads(Some(0)).is_err());
        assert!(threads(Some(MAX_THREADS + 1)).is_err());
        assert_eq!(threads(Some(MAX_THREADS)).unwrap(), Some(MAX_THREADS));
        assert!(reps(Some(u32::MAX), "").is_err());
        assert!(reps(Some(MAX_REPLICATES), "").is_ok());
        assert!(points(MAX_POINTS + 1, "x").is_err());
        assert!(runs(u128::from(MAX_RUNS) + 1, "x").is_err());
    }
}
