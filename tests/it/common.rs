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
