//! Helpers shared by the integration tests: running the real binary, and
//! stopping long jobs.

use std::path::Path;
use std::process::{Child, Command};

/// Run the real `normshift` binary in `dir`: (exit code, stdout, stderr).
pub fn normshift(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_normshift")).current_dir(dir).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Send SIGTERM to `child` and wait for its exit code. None where there is
/// no `kill` command (the child is then killed outright and reaped).
pub fn terminate(mut child: Child) -> Option<Option<i32>> {
    let Ok(status) = Command::new("kill").args(["-TERM", &child.id().to_string()]).status() else {
        eprintln!("skipped: no `kill` command");
        child.kill().ok();
        child.wait().ok();
        return None;
    };
    assert!(status.success(), "kill -TERM failed");
    Some(child.wait().unwrap().code())
}

/// A small district (4 villages of 150 households, about 1,500 adults;
/// 48 months, 8 replicates, burn-in 96) named `name` with `seed`, a
/// `baseline` and the `strategies` given as TOML, with `sets` applied.
///
/// Its council meets every month (men attend 30% of meetings, women's mean
/// threshold 2.1), not twice a year as the recalibrated defaults have it:
/// the mechanism tests need enough meetings in 48 months to show a
/// direction across 8 replicates, and these values keep the fixture at the
/// low, stable equilibrium the tests were written for. The defaults'
/// calendar is exercised by `validate` on the built-in scenarios and by
/// `v2::` tests that set `council.meetings_per_year` themselves.
pub fn small_district(name: &str, seed: u64, strategies: &str, sets: &[&str]) -> normshift::scenario::Scenario {
    let text = format!(
        "name = \"{name}\"\nsteps = 48\nseed = {seed}\nreplicates = 8\n[population]\nvillages = 4\nhouseholds_per_village = 150\n\
         [initial]\nburn_in = 96\n[council]\nmeetings_per_year = 12\nmen_attendance = 0.3\n[rule.women]\ntheta_mean = 2.1\n\n[[strategies]]\nname = \"baseline\"\n{strategies}"
    );
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    normshift::scenario::parse_scenario(&text, &format!("{name}.toml"), &sets).unwrap_or_else(|e| panic!("{e}"))
}
