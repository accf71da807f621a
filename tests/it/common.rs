//! Helpers shared by the integration tests that stop long jobs.

use std::process::{Child, Command};

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
